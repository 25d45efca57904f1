package graph

import (
	"crypto/x509"
	"encoding/hex"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/regsync/regsync/tenant"
)

// Conversions between SDK models and the tenant model. Reads go SDK →
// tenant; writes build fresh SDK models from tenant values.

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func boolv(p *bool) bool { return p != nil && *p }

func uuidStr(p *uuid.UUID) string {
	if p == nil {
		return ""
	}
	return p.String()
}

func timev(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return p.UTC()
}

func ptr[T any](v T) *T { return &v }

// parseUUID parses an id the caller gave us; a malformed one is an Invalid
// error rather than a panic inside the SDK.
func parseUUID(field, s string) (*uuid.UUID, error) {
	u, err := uuid.Parse(s)
	if err != nil {
		return nil, &tenant.Error{Kind: tenant.Invalid, Message: field + " " + s + " is not a GUID", Err: err}
	}
	return &u, nil
}

// copyStrings returns a non-nil copy, so an empty list is sent as [] (clear)
// and never as an absent field.
func copyStrings(s []string) []string {
	out := make([]string, len(s))
	copy(out, s)
	return out
}

func toApplication(m models.Applicationable) *tenant.Application {
	a := &tenant.Application{
		ID:                     str(m.GetId()),
		AppID:                  str(m.GetAppId()),
		DisplayName:            str(m.GetDisplayName()),
		Description:            str(m.GetDescription()),
		SignInAudience:         str(m.GetSignInAudience()),
		Notes:                  str(m.GetNotes()),
		Tags:                   m.GetTags(),
		IdentifierURIs:         m.GetIdentifierUris(),
		GroupMembershipClaims:  str(m.GetGroupMembershipClaims()),
		IsFallbackPublicClient: boolv(m.GetIsFallbackPublicClient()),
		AppRoles:               toAppRoles(m.GetAppRoles()),
		CreatedDateTime:        timev(m.GetCreatedDateTime()),
	}
	if api := m.GetApi(); api != nil {
		a.Scopes = toScopes(api.GetOauth2PermissionScopes())
		if v := api.GetRequestedAccessTokenVersion(); v != nil {
			a.RequestedAccessTokenVersion = ptr(int(*v))
		}
		a.AcceptMappedClaims = boolv(api.GetAcceptMappedClaims())
		for _, id := range api.GetKnownClientApplications() {
			a.KnownClientApplications = append(a.KnownClientApplications, id.String())
		}
		for _, x := range api.GetPreAuthorizedApplications() {
			a.PreAuthorizedApplications = append(a.PreAuthorizedApplications, tenant.PreAuthorizedApplication{
				AppID: str(x.GetAppId()), DelegatedPermissionIDs: x.GetDelegatedPermissionIds()})
		}
	}
	if oc := m.GetOptionalClaims(); oc != nil {
		a.OptionalClaims = &tenant.OptionalClaims{
			IDToken:     toClaims(oc.GetIdToken()),
			AccessToken: toClaims(oc.GetAccessToken()),
			SAML2Token:  toClaims(oc.GetSaml2Token()),
		}
	}
	if w := m.GetWeb(); w != nil {
		a.Web = tenant.WebApplication{
			RedirectURIs: w.GetRedirectUris(),
			HomePageURL:  str(w.GetHomePageUrl()),
			LogoutURL:    str(w.GetLogoutUrl()),
		}
		if g := w.GetImplicitGrantSettings(); g != nil {
			a.Web.EnableIDTokenIssuance = boolv(g.GetEnableIdTokenIssuance())
			a.Web.EnableAccessTokenIssuance = boolv(g.GetEnableAccessTokenIssuance())
		}
	}
	if s := m.GetSpa(); s != nil {
		a.SPARedirectURIs = s.GetRedirectUris()
	}
	if p := m.GetPublicClient(); p != nil {
		a.PublicClientRedirectURIs = p.GetRedirectUris()
	}
	for _, r := range m.GetRequiredResourceAccess() {
		rra := tenant.RequiredResourceAccess{ResourceAppID: str(r.GetResourceAppId())}
		for _, ra := range r.GetResourceAccess() {
			rra.ResourceAccess = append(rra.ResourceAccess, tenant.ResourceAccess{ID: uuidStr(ra.GetId()), Type: str(ra.GetTypeEscaped())})
		}
		a.RequiredResourceAccess = append(a.RequiredResourceAccess, rra)
	}
	for _, p := range m.GetPasswordCredentials() {
		a.PasswordCredentials = append(a.PasswordCredentials, toPassword(p))
	}
	a.KeyCredentials = toKeys(m.GetKeyCredentials())
	for _, f := range m.GetFederatedIdentityCredentials() {
		a.FederatedCredentials = append(a.FederatedCredentials, toFederated(f))
	}
	for _, o := range m.GetOwners() {
		if id := str(o.GetId()); id != "" {
			a.Owners = append(a.Owners, id)
		}
	}
	return a
}

// toPassword never reads secretText: a list never carries it, and the one
// response that does (addPassword) is handled by buildAddPassword.
func toPassword(p models.PasswordCredentialable) tenant.PasswordCredential {
	return tenant.PasswordCredential{
		KeyID:       uuidStr(p.GetKeyId()),
		DisplayName: str(p.GetDisplayName()),
		Hint:        str(p.GetHint()),
		Start:       timev(p.GetStartDateTime()),
		End:         timev(p.GetEndDateTime()),
	}
}

// toKeys converts key credentials. The key comes back only from a
// single-object GET (a list answers null); it is kept only when it parses as
// a bare X.509 certificate, so a signing credential's private key (a PFX)
// never enters the model.
func toKeys(in []models.KeyCredentialable) []tenant.KeyCredential {
	var out []tenant.KeyCredential
	for _, k := range in {
		kc := tenant.KeyCredential{
			KeyID:               uuidStr(k.GetKeyId()),
			DisplayName:         str(k.GetDisplayName()),
			Type:                str(k.GetTypeEscaped()),
			Usage:               str(k.GetUsage()),
			CustomKeyIdentifier: strings.ToUpper(hex.EncodeToString(k.GetCustomKeyIdentifier())),
			Start:               timev(k.GetStartDateTime()),
			End:                 timev(k.GetEndDateTime()),
		}
		if der := k.GetKey(); len(der) > 0 {
			if _, err := x509.ParseCertificate(der); err == nil {
				kc.Cert = append([]byte(nil), der...)
			}
		}
		out = append(out, kc)
	}
	return out
}

func toFederated(f models.FederatedIdentityCredentialable) tenant.FederatedCredential {
	return tenant.FederatedCredential{
		ID:          str(f.GetId()),
		Name:        str(f.GetName()),
		Issuer:      str(f.GetIssuer()),
		Subject:     str(f.GetSubject()),
		Audiences:   f.GetAudiences(),
		Description: str(f.GetDescription()),
	}
}

func toScopes(in []models.PermissionScopeable) []tenant.PermissionScope {
	var out []tenant.PermissionScope
	for _, s := range in {
		out = append(out, tenant.PermissionScope{
			ID:                      uuidStr(s.GetId()),
			Value:                   str(s.GetValue()),
			Type:                    str(s.GetTypeEscaped()),
			IsEnabled:               boolv(s.GetIsEnabled()),
			AdminConsentDisplayName: str(s.GetAdminConsentDisplayName()),
			AdminConsentDescription: str(s.GetAdminConsentDescription()),
			UserConsentDisplayName:  str(s.GetUserConsentDisplayName()),
			UserConsentDescription:  str(s.GetUserConsentDescription()),
		})
	}
	return out
}

func toAppRoles(in []models.AppRoleable) []tenant.AppRole {
	var out []tenant.AppRole
	for _, r := range in {
		out = append(out, tenant.AppRole{
			ID:                 uuidStr(r.GetId()),
			Value:              str(r.GetValue()),
			DisplayName:        str(r.GetDisplayName()),
			Description:        str(r.GetDescription()),
			AllowedMemberTypes: r.GetAllowedMemberTypes(),
			IsEnabled:          boolv(r.GetIsEnabled()),
		})
	}
	return out
}

func toClaims(in []models.OptionalClaimable) []tenant.OptionalClaim {
	var out []tenant.OptionalClaim
	for _, c := range in {
		out = append(out, tenant.OptionalClaim{
			Name:                 str(c.GetName()),
			Source:               str(c.GetSource()),
			Essential:            boolv(c.GetEssential()),
			AdditionalProperties: c.GetAdditionalProperties(),
		})
	}
	return out
}

func toServicePrincipal(m models.ServicePrincipalable) *tenant.ServicePrincipal {
	return &tenant.ServicePrincipal{
		ID:                        str(m.GetId()),
		AppID:                     str(m.GetAppId()),
		DisplayName:               str(m.GetDisplayName()),
		Tags:                      m.GetTags(),
		AppRoleAssignmentRequired: boolv(m.GetAppRoleAssignmentRequired()),
		AppRoles:                  toAppRoles(m.GetAppRoles()),
		Scopes:                    toScopes(m.GetOauth2PermissionScopes()),
		KeyCredentials:            toKeys(m.GetKeyCredentials()),
		PasswordCredentials:       toPasswords(m.GetPasswordCredentials()),
	}
}

func toPasswords(in []models.PasswordCredentialable) []tenant.PasswordCredential {
	var out []tenant.PasswordCredential
	for _, p := range in {
		out = append(out, toPassword(p))
	}
	return out
}

func toAssignment(m models.AppRoleAssignmentable) tenant.AppRoleAssignment {
	return tenant.AppRoleAssignment{
		ID:          str(m.GetId()),
		PrincipalID: uuidStr(m.GetPrincipalId()),
		ResourceID:  uuidStr(m.GetResourceId()),
		AppRoleID:   uuidStr(m.GetAppRoleId()),
	}
}

func toGrant(m models.OAuth2PermissionGrantable) tenant.PermissionGrant {
	return tenant.PermissionGrant{
		ID:          str(m.GetId()),
		ClientID:    str(m.GetClientId()),
		ResourceID:  str(m.GetResourceId()),
		ConsentType: str(m.GetConsentType()),
		PrincipalID: str(m.GetPrincipalId()),
		Scope:       str(m.GetScope()),
	}
}

// applicationModel builds a fresh application model holding exactly the
// non-nil fields of p. Collections are sent whole (Graph replaces them);
// a pointer to an empty slice sends [] and clears the collection.
func applicationModel(p tenant.AppProps) (models.Applicationable, error) {
	m := models.NewApplication()
	if p.DisplayName != nil {
		m.SetDisplayName(ptr(*p.DisplayName))
	}
	if p.Description != nil {
		m.SetDescription(ptr(*p.Description))
	}
	if p.SignInAudience != nil {
		m.SetSignInAudience(ptr(*p.SignInAudience))
	}
	if p.Notes != nil {
		m.SetNotes(ptr(*p.Notes))
	}
	if p.Tags != nil {
		m.SetTags(copyStrings(*p.Tags))
	}
	if p.IdentifierURIs != nil {
		m.SetIdentifierUris(copyStrings(*p.IdentifierURIs))
	}
	if p.GroupMembershipClaims != nil {
		m.SetGroupMembershipClaims(ptr(*p.GroupMembershipClaims))
	}
	if p.IsFallbackPublicClient != nil {
		m.SetIsFallbackPublicClient(ptr(*p.IsFallbackPublicClient))
	}
	if p.OptionalClaims != nil {
		oc := models.NewOptionalClaims()
		oc.SetIdToken(claimModels(p.OptionalClaims.IDToken))
		oc.SetAccessToken(claimModels(p.OptionalClaims.AccessToken))
		oc.SetSaml2Token(claimModels(p.OptionalClaims.SAML2Token))
		m.SetOptionalClaims(oc)
	}
	if p.Scopes != nil || p.RequestedAccessTokenVersion != nil || p.AcceptMappedClaims != nil ||
		p.KnownClientApplications != nil || p.PreAuthorizedApplications != nil {
		api := models.NewApiApplication()
		if p.AcceptMappedClaims != nil {
			api.SetAcceptMappedClaims(ptr(*p.AcceptMappedClaims))
		}
		if p.KnownClientApplications != nil {
			known := make([]uuid.UUID, 0, len(*p.KnownClientApplications))
			for _, id := range *p.KnownClientApplications {
				u, err := parseUUID("knownClientApplications", id)
				if err != nil {
					return nil, err
				}
				known = append(known, *u)
			}
			api.SetKnownClientApplications(known)
		}
		if p.PreAuthorizedApplications != nil {
			pre := make([]models.PreAuthorizedApplicationable, 0, len(*p.PreAuthorizedApplications))
			for _, x := range *p.PreAuthorizedApplications {
				m := models.NewPreAuthorizedApplication()
				m.SetAppId(ptr(x.AppID))
				m.SetDelegatedPermissionIds(copyStrings(x.DelegatedPermissionIDs))
				pre = append(pre, m)
			}
			api.SetPreAuthorizedApplications(pre)
		}
		if p.Scopes != nil {
			scopes := make([]models.PermissionScopeable, 0, len(*p.Scopes))
			for _, s := range *p.Scopes {
				id, err := parseUUID("scope id", s.ID)
				if err != nil {
					return nil, err
				}
				ms := models.NewPermissionScope()
				ms.SetId(id)
				ms.SetValue(ptr(s.Value))
				ms.SetTypeEscaped(ptr(s.Type))
				ms.SetIsEnabled(ptr(s.IsEnabled))
				ms.SetAdminConsentDisplayName(ptr(s.AdminConsentDisplayName))
				ms.SetAdminConsentDescription(ptr(s.AdminConsentDescription))
				ms.SetUserConsentDisplayName(ptr(s.UserConsentDisplayName))
				ms.SetUserConsentDescription(ptr(s.UserConsentDescription))
				scopes = append(scopes, ms)
			}
			api.SetOauth2PermissionScopes(scopes)
		}
		if p.RequestedAccessTokenVersion != nil {
			api.SetRequestedAccessTokenVersion(ptr(int32(*p.RequestedAccessTokenVersion)))
		}
		m.SetApi(api)
	}
	if p.AppRoles != nil {
		roles := make([]models.AppRoleable, 0, len(*p.AppRoles))
		for _, r := range *p.AppRoles {
			id, err := parseUUID("app role id", r.ID)
			if err != nil {
				return nil, err
			}
			mr := models.NewAppRole()
			mr.SetId(id)
			mr.SetValue(ptr(r.Value))
			mr.SetDisplayName(ptr(r.DisplayName))
			mr.SetDescription(ptr(r.Description))
			mr.SetAllowedMemberTypes(copyStrings(r.AllowedMemberTypes))
			mr.SetIsEnabled(ptr(r.IsEnabled))
			roles = append(roles, mr)
		}
		m.SetAppRoles(roles)
	}
	if p.WebRedirectURIs != nil || p.WebHomePageURL != nil || p.WebLogoutURL != nil ||
		p.EnableIDTokenIssuance != nil || p.EnableAccessTokenIssuance != nil {
		w := models.NewWebApplication()
		if p.WebRedirectURIs != nil {
			w.SetRedirectUris(copyStrings(*p.WebRedirectURIs))
		}
		if p.WebHomePageURL != nil {
			w.SetHomePageUrl(ptr(*p.WebHomePageURL))
		}
		if p.WebLogoutURL != nil {
			w.SetLogoutUrl(ptr(*p.WebLogoutURL))
		}
		if p.EnableIDTokenIssuance != nil || p.EnableAccessTokenIssuance != nil {
			g := models.NewImplicitGrantSettings()
			if p.EnableIDTokenIssuance != nil {
				g.SetEnableIdTokenIssuance(ptr(*p.EnableIDTokenIssuance))
			}
			if p.EnableAccessTokenIssuance != nil {
				g.SetEnableAccessTokenIssuance(ptr(*p.EnableAccessTokenIssuance))
			}
			w.SetImplicitGrantSettings(g)
		}
		m.SetWeb(w)
	}
	if p.SPARedirectURIs != nil {
		s := models.NewSpaApplication()
		s.SetRedirectUris(copyStrings(*p.SPARedirectURIs))
		m.SetSpa(s)
	}
	if p.PublicClientRedirectURIs != nil {
		pc := models.NewPublicClientApplication()
		pc.SetRedirectUris(copyStrings(*p.PublicClientRedirectURIs))
		m.SetPublicClient(pc)
	}
	if p.RequiredResourceAccess != nil {
		rras := make([]models.RequiredResourceAccessable, 0, len(*p.RequiredResourceAccess))
		for _, r := range *p.RequiredResourceAccess {
			mr := models.NewRequiredResourceAccess()
			mr.SetResourceAppId(ptr(r.ResourceAppID))
			ras := make([]models.ResourceAccessable, 0, len(r.ResourceAccess))
			for _, ra := range r.ResourceAccess {
				id, err := parseUUID("resource access id", ra.ID)
				if err != nil {
					return nil, err
				}
				mra := models.NewResourceAccess()
				mra.SetId(id)
				mra.SetTypeEscaped(ptr(ra.Type))
				ras = append(ras, mra)
			}
			mr.SetResourceAccess(ras)
			rras = append(rras, mr)
		}
		m.SetRequiredResourceAccess(rras)
	}
	return m, nil
}

func claimModels(in []tenant.OptionalClaim) []models.OptionalClaimable {
	out := make([]models.OptionalClaimable, 0, len(in))
	for _, c := range in {
		mc := models.NewOptionalClaim()
		mc.SetName(ptr(c.Name))
		if c.Source != "" {
			mc.SetSource(ptr(c.Source))
		}
		mc.SetEssential(ptr(c.Essential))
		mc.SetAdditionalProperties(copyStrings(c.AdditionalProperties))
		out = append(out, mc)
	}
	return out
}
