package planner

import (
	"fmt"

	"github.com/regsync/regsync/tenant"
)

// ApplicationFields is the application payload of a create or update: a
// sparse set of Graph application properties. A nil field is left alone; a
// non-nil field is written; a pointer to an empty slice clears the
// collection. Collections always carry their complete new value, because
// Graph replaces them whole. Patch converts it to the tenant form.
type ApplicationFields struct {
	DisplayName                 *string                   `json:"display_name,omitempty"`
	Description                 *string                   `json:"description,omitempty"`
	SignInAudience              *string                   `json:"sign_in_audience,omitempty"`
	Notes                       *string                   `json:"notes,omitempty"`
	Tags                        *[]string                 `json:"tags,omitempty"`
	IdentifierURIs              *[]string                 `json:"identifier_uris,omitempty"`
	GroupMembershipClaims       *string                   `json:"group_membership_claims,omitempty"`
	IsFallbackPublicClient      *bool                     `json:"is_fallback_public_client,omitempty"`
	RequestedAccessTokenVersion *int                      `json:"requested_access_token_version,omitempty"`
	OptionalClaims              *OptionalClaims           `json:"optional_claims,omitempty"`
	Scopes                      *[]PermissionScope        `json:"oauth2_permission_scopes,omitempty"`
	AppRoles                    *[]AppRole                `json:"app_roles,omitempty"`
	WebRedirectURIs             *[]string                 `json:"web_redirect_uris,omitempty"`
	WebHomePageURL              *string                   `json:"web_home_page_url,omitempty"`
	WebLogoutURL                *string                   `json:"web_logout_url,omitempty"`
	EnableIDTokenIssuance       *bool                     `json:"enable_id_token_issuance,omitempty"`
	EnableAccessTokenIssuance   *bool                     `json:"enable_access_token_issuance,omitempty"`
	SPARedirectURIs             *[]string                 `json:"spa_redirect_uris,omitempty"`
	PublicClientRedirectURIs    *[]string                 `json:"public_client_redirect_uris,omitempty"`
	RequiredResourceAccess      *[]RequiredResourceAccess `json:"required_resource_access,omitempty"`
}

// PermissionScope is a delegated permission an API exposes.
type PermissionScope struct {
	ID                      string `json:"id"`
	Value                   string `json:"value"`
	Type                    string `json:"type"`
	IsEnabled               bool   `json:"is_enabled"`
	AdminConsentDisplayName string `json:"admin_consent_display_name"`
	AdminConsentDescription string `json:"admin_consent_description"`
	UserConsentDisplayName  string `json:"user_consent_display_name"`
	UserConsentDescription  string `json:"user_consent_description"`
}

// AppRole is a role an API exposes.
type AppRole struct {
	ID                 string   `json:"id"`
	Value              string   `json:"value"`
	DisplayName        string   `json:"display_name"`
	Description        string   `json:"description"`
	AllowedMemberTypes []string `json:"allowed_member_types"`
	IsEnabled          bool     `json:"is_enabled"`
}

// RequiredResourceAccess is the set of permissions requested from one
// resource. ResourceAppID is a literal appId or a Ref.
type RequiredResourceAccess struct {
	ResourceAppID  string           `json:"resource_app_id"`
	ResourceAccess []ResourceAccess `json:"resource_access"`
}

// ResourceAccess is one requested permission; Type is "Scope" or "Role".
type ResourceAccess struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// OptionalClaims are extra claims in tokens.
type OptionalClaims struct {
	IDToken     []OptionalClaim `json:"id_token"`
	AccessToken []OptionalClaim `json:"access_token"`
	SAML2Token  []OptionalClaim `json:"saml2_token"`
}

// OptionalClaim is one optional claim.
type OptionalClaim struct {
	Name                 string   `json:"name"`
	Source               string   `json:"source"`
	Essential            bool     `json:"essential"`
	AdditionalProperties []string `json:"additional_properties"`
}

// FederatedCredential is a federated identity credential.
type FederatedCredential struct {
	Name        string   `json:"name"`
	Issuer      string   `json:"issuer"`
	Subject     string   `json:"subject"`
	Audiences   []string `json:"audiences"`
	Description string   `json:"description"`
}

// Patch converts the payload to the tenant's sparse update type. It fails
// when a field still holds an unresolved Ref (see Action.Resolve).
func (f *ApplicationFields) Patch() (tenant.ApplicationPatch, error) {
	p := tenant.ApplicationPatch{
		DisplayName:                 f.DisplayName,
		Description:                 f.Description,
		SignInAudience:              f.SignInAudience,
		Notes:                       f.Notes,
		Tags:                        f.Tags,
		IdentifierURIs:              f.IdentifierURIs,
		GroupMembershipClaims:       f.GroupMembershipClaims,
		IsFallbackPublicClient:      f.IsFallbackPublicClient,
		RequestedAccessTokenVersion: f.RequestedAccessTokenVersion,
		WebRedirectURIs:             f.WebRedirectURIs,
		WebHomePageURL:              f.WebHomePageURL,
		WebLogoutURL:                f.WebLogoutURL,
		EnableIDTokenIssuance:       f.EnableIDTokenIssuance,
		EnableAccessTokenIssuance:   f.EnableAccessTokenIssuance,
		SPARedirectURIs:             f.SPARedirectURIs,
		PublicClientRedirectURIs:    f.PublicClientRedirectURIs,
	}
	if f.OptionalClaims != nil {
		oc := tenant.OptionalClaims{
			IDToken:     toTenantClaims(f.OptionalClaims.IDToken),
			AccessToken: toTenantClaims(f.OptionalClaims.AccessToken),
			SAML2Token:  toTenantClaims(f.OptionalClaims.SAML2Token),
		}
		p.OptionalClaims = &oc
	}
	if f.Scopes != nil {
		s := make([]tenant.PermissionScope, len(*f.Scopes))
		for i, x := range *f.Scopes {
			s[i] = tenant.PermissionScope(x)
		}
		p.Scopes = &s
	}
	if f.AppRoles != nil {
		r := make([]tenant.AppRole, len(*f.AppRoles))
		for i, x := range *f.AppRoles {
			r[i] = tenant.AppRole{ID: x.ID, Value: x.Value, DisplayName: x.DisplayName, Description: x.Description,
				AllowedMemberTypes: append([]string(nil), x.AllowedMemberTypes...), IsEnabled: x.IsEnabled}
		}
		p.AppRoles = &r
	}
	if f.RequiredResourceAccess != nil {
		rr := make([]tenant.RequiredResourceAccess, len(*f.RequiredResourceAccess))
		for i, x := range *f.RequiredResourceAccess {
			if IsRef(x.ResourceAppID) {
				return tenant.ApplicationPatch{}, fmt.Errorf("required_resource_access[%d]: unresolved reference %s", i, x.ResourceAppID)
			}
			ra := make([]tenant.ResourceAccess, len(x.ResourceAccess))
			for j, a := range x.ResourceAccess {
				ra[j] = tenant.ResourceAccess(a)
			}
			rr[i] = tenant.RequiredResourceAccess{ResourceAppID: x.ResourceAppID, ResourceAccess: ra}
		}
		p.RequiredResourceAccess = &rr
	}
	return p, nil
}

func toTenantClaims(cs []OptionalClaim) []tenant.OptionalClaim {
	if cs == nil {
		return nil
	}
	out := make([]tenant.OptionalClaim, len(cs))
	for i, c := range cs {
		out[i] = tenant.OptionalClaim{Name: c.Name, Source: c.Source, Essential: c.Essential,
			AdditionalProperties: append([]string(nil), c.AdditionalProperties...)}
	}
	return out
}

// Tenant converts the credential to the tenant type (ID left empty).
func (c FederatedCredential) Tenant() tenant.FederatedCredential {
	return tenant.FederatedCredential{Name: c.Name, Issuer: c.Issuer, Subject: c.Subject,
		Audiences: append([]string(nil), c.Audiences...), Description: c.Description}
}

// refFields calls visit with a pointer to every string field of the action's
// payload that may hold a Ref.
func (a *Action) refFields(visit func(field string, p *string) error) error {
	var err error
	try := func(name string, p *string) {
		if err == nil {
			err = visit(name, p)
		}
	}
	switch {
	case a.Application != nil:
		if a.Application.Fields != nil && a.Application.Fields.RequiredResourceAccess != nil {
			rr := *a.Application.Fields.RequiredResourceAccess
			for i := range rr {
				try(fmt.Sprintf("required_resource_access[%d].resource_app_id", i), &rr[i].ResourceAppID)
			}
		}
	case a.ServicePrincipal != nil:
		try("app_id", &a.ServicePrincipal.AppID)
	case a.Owner != nil:
		try("application_id", &a.Owner.ApplicationID)
	case a.FederatedCredential != nil:
		try("application_id", &a.FederatedCredential.ApplicationID)
	case a.Secret != nil:
		try("application_id", &a.Secret.ApplicationID)
		try("app_id", &a.Secret.AppID)
	case a.AppRoleAssignment != nil:
		try("principal_id", &a.AppRoleAssignment.PrincipalID)
		try("resource_id", &a.AppRoleAssignment.ResourceID)
	case a.PermissionGrant != nil:
		try("client_id", &a.PermissionGrant.ClientID)
		try("resource_id", &a.PermissionGrant.ResourceID)
	}
	return err
}

// Refs lists the references the action's payload holds, in field order.
func (a *Action) Refs() []Ref {
	var out []Ref
	_ = a.refFields(func(_ string, p *string) error {
		if r, ok := ParseRef(*p); ok {
			out = append(out, r)
		}
		return nil
	})
	return out
}

// Resolve replaces every Ref in the action's payload with the id lookup
// returns for it, in place. It fails, naming the field, when lookup has no
// id for a reference; the action is then partly resolved and must not run.
func (a *Action) Resolve(lookup func(Ref) (string, bool)) error {
	if a.Application != nil && a.Application.Fields != nil && a.Application.Fields.RequiredResourceAccess != nil {
		// Copy the slice so resolving never edits a shared backing array.
		rr := append([]RequiredResourceAccess(nil), *a.Application.Fields.RequiredResourceAccess...)
		f := *a.Application.Fields
		f.RequiredResourceAccess = &rr
		app := *a.Application
		app.Fields = &f
		a.Application = &app
	}
	return a.refFields(func(field string, p *string) error {
		r, ok := ParseRef(*p)
		if !ok {
			return nil
		}
		id, found := lookup(r)
		if !found || id == "" {
			return fmt.Errorf("action %s: %s: no id for %s yet", a.ID, field, r)
		}
		*p = id
		return nil
	})
}
