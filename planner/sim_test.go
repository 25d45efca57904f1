package planner_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// fakeID derives a deterministic GUID-shaped id for objects the simulated
// tenant creates.
func fakeID(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// simulated is a tenant that executes plans the way the applier would, so
// tests can check that a plan converges (planning again gives no changes).
type simulated struct {
	snap *tenant.Snapshot
	now  time.Time
	// issued records the secret values the tenant handed out; they live
	// only here, as the real ones live only between addPassword and the
	// vault write.
	issued []tenant.SecretValue
}

func (s *simulated) app(id string) *tenant.Application {
	for _, a := range s.snap.Applications {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func (s *simulated) sp(id string) *tenant.ServicePrincipal {
	for _, x := range s.snap.ServicePrincipals {
		if x.ID == id {
			return x
		}
	}
	return nil
}

func (s *simulated) spByAppID(appID string) *tenant.ServicePrincipal {
	for _, x := range s.snap.ServicePrincipals {
		if x.AppID == appID {
			return x
		}
	}
	return nil
}

// apply runs every action of p in order, resolving references from the ids
// earlier actions produced.
func (s *simulated) apply(t testing.TB, p *planner.Plan) {
	t.Helper()
	refs := map[planner.Ref]string{}
	for _, orig := range p.Actions {
		a := *orig
		if err := a.Resolve(func(r planner.Ref) (string, bool) { id, ok := refs[r]; return id, ok }); err != nil {
			t.Fatalf("resolve: %v", err)
		}
		switch {
		case a.Application != nil:
			s.applyApplication(t, &a, refs)
		case a.ServicePrincipal != nil:
			sp := a.ServicePrincipal
			switch a.Op {
			case planner.OpCreate:
				app := s.appByAppID(sp.AppID)
				if app == nil {
					t.Fatalf("%s: no application %s", a.ID, sp.AppID)
				}
				x := &tenant.ServicePrincipal{ID: fakeID("sp", sp.AppID), AppID: sp.AppID, DisplayName: app.DisplayName,
					Tags: append([]string{}, *sp.Tags...), AppRoles: app.AppRoles, Scopes: app.Scopes}
				if sp.AppRoleAssignmentRequired != nil {
					x.AppRoleAssignmentRequired = *sp.AppRoleAssignmentRequired
				}
				s.snap.ServicePrincipals = append(s.snap.ServicePrincipals, x)
				refs[planner.Ref{App: a.App, Field: planner.RefServicePrincipalID}] = x.ID
			case planner.OpUpdate:
				x := s.sp(sp.ObjectID)
				if sp.Tags != nil {
					x.Tags = append([]string{}, *sp.Tags...)
				}
				if sp.AppRoleAssignmentRequired != nil {
					x.AppRoleAssignmentRequired = *sp.AppRoleAssignmentRequired
				}
			case planner.OpDelete:
				var keep []*tenant.ServicePrincipal
				for _, x := range s.snap.ServicePrincipals {
					if x.ID != sp.ObjectID {
						keep = append(keep, x)
					}
				}
				s.snap.ServicePrincipals = keep
			}
		case a.Owner != nil:
			app := s.app(a.Owner.ApplicationID)
			if a.Op == planner.OpCreate {
				app.Owners = append(app.Owners, a.Owner.OwnerID)
			} else {
				app.Owners = remove(app.Owners, a.Owner.OwnerID)
			}
		case a.FederatedCredential != nil:
			app := s.app(a.FederatedCredential.ApplicationID)
			fc := a.FederatedCredential.Credential
			if a.FederatedCredential.RecordAdded {
				fc.Description = planner.WithFederatedRecord(fc.Description, s.now)
			}
			switch a.Op {
			case planner.OpCreate:
				fc.ID = fakeID("fc", app.ID, fc.Name)
				app.FederatedCredentials = append(app.FederatedCredentials, fc)
			case planner.OpUpdate:
				for i := range app.FederatedCredentials {
					if app.FederatedCredentials[i].ID == a.FederatedCredential.ID {
						fc.ID = a.FederatedCredential.ID
						app.FederatedCredentials[i] = fc
					}
				}
			case planner.OpDelete:
				var keep []tenant.FederatedCredential
				for _, x := range app.FederatedCredentials {
					if x.ID != a.FederatedCredential.ID {
						keep = append(keep, x)
					}
				}
				app.FederatedCredentials = keep
			}
		case a.Secret != nil:
			app := s.app(a.Secret.ApplicationID)
			if a.Op == planner.OpCreate {
				keyID := fakeID("key", app.ID, fmt.Sprint(len(app.PasswordCredentials)), s.now.String())
				value := tenant.NewSecretValue("abc8Q~" + strings.ReplaceAll(fakeID("secret", keyID), "-", ""))
				s.issued = append(s.issued, value)
				end := s.now.Add(time.Duration(a.Secret.LifetimeSeconds) * time.Second)
				app.PasswordCredentials = append(app.PasswordCredentials, tenant.PasswordCredential{
					KeyID: keyID, DisplayName: a.Secret.DisplayName, Hint: value.Reveal()[:3], Start: s.now, End: end})
				s.snap.Secrets = append(s.snap.Secrets, tenant.SecretMeta{Vault: a.Secret.Vault, Name: a.Secret.SecretName,
					Version: fakeID("version", keyID), ContentType: "text/plain", Enabled: true, Expires: &end, Created: s.now, Updated: s.now,
					Tags: map[string]string{tenant.SecretTagClientID: a.Secret.AppID, tenant.SecretTagKeyID: keyID}})
			} else {
				var keep []tenant.PasswordCredential
				for _, c := range app.PasswordCredentials {
					if c.KeyID != a.Secret.KeyID {
						keep = append(keep, c)
					}
				}
				app.PasswordCredentials = keep
			}
		case a.Certificate != nil:
			s.applyCertificate(t, &a, p.Set)
		case a.AppRoleAssignment != nil:
			x := a.AppRoleAssignment
			if a.Op == planner.OpCreate {
				s.snap.AppRoleAssignments = append(s.snap.AppRoleAssignments, tenant.AppRoleAssignment{
					ID: fakeID("ara", x.PrincipalID, x.ResourceID, x.AppRoleID), PrincipalID: x.PrincipalID, ResourceID: x.ResourceID, AppRoleID: x.AppRoleID,
					PrincipalType: x.PrincipalType, PrincipalDisplayName: x.Principal})
			} else {
				var keep []tenant.AppRoleAssignment
				for _, y := range s.snap.AppRoleAssignments {
					if y.ID != x.ID {
						keep = append(keep, y)
					}
				}
				s.snap.AppRoleAssignments = keep
			}
		case a.PermissionGrant != nil:
			x := a.PermissionGrant
			switch a.Op {
			case planner.OpCreate:
				s.snap.PermissionGrants = append(s.snap.PermissionGrants, tenant.PermissionGrant{
					ID: fakeID("grant", x.ClientID, x.ResourceID), ClientID: x.ClientID, ResourceID: x.ResourceID, ConsentType: x.ConsentType, Scope: x.Scope})
			case planner.OpUpdate:
				for i := range s.snap.PermissionGrants {
					if s.snap.PermissionGrants[i].ID == x.ID {
						s.snap.PermissionGrants[i].Scope = x.Scope
					}
				}
			case planner.OpDelete:
				var keep []tenant.PermissionGrant
				for _, y := range s.snap.PermissionGrants {
					if y.ID != x.ID {
						keep = append(keep, y)
					}
				}
				s.snap.PermissionGrants = keep
			}
		case a.RoleAssignment != nil:
			x := a.RoleAssignment
			switch a.Op {
			case planner.OpCreate:
				name := x.Name
				if name == "" {
					name = tenant.AssignmentName(x.Scope, x.RoleDefinitionID, x.PrincipalID)
				}
				s.snap.RoleAssignments = append(s.snap.RoleAssignments, tenant.RoleAssignment{
					ID: x.Scope + "/providers/Microsoft.Authorization/roleAssignments/" + name, Name: name, Scope: x.Scope,
					RoleDefinitionID: x.RoleDefinitionID, PrincipalID: x.PrincipalID, PrincipalType: x.PrincipalType})
			case planner.OpDelete:
				var keep []tenant.RoleAssignment
				for _, y := range s.snap.RoleAssignments {
					if !strings.EqualFold(y.Name, x.Name) {
						keep = append(keep, y)
					}
				}
				s.snap.RoleAssignments = keep
			}
		default:
			t.Fatalf("%s: no payload", a.ID)
		}
	}
}

func (s *simulated) appByAppID(appID string) *tenant.Application {
	for _, a := range s.snap.Applications {
		if a.AppID == appID {
			return a
		}
	}
	return nil
}

func remove(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if !strings.EqualFold(x, s) {
			out = append(out, x)
		}
	}
	return out
}

func (s *simulated) applyApplication(t testing.TB, a *planner.Action, refs map[planner.Ref]string) {
	t.Helper()
	switch a.Op {
	case planner.OpCreate:
		app := &tenant.Application{ID: fakeID("obj", a.App), AppID: fakeID("appid", a.App), CreatedDateTime: s.now}
		s.patch(t, app, a.Application.Fields)
		s.snap.Applications = append(s.snap.Applications, app)
		refs[planner.Ref{App: a.App, Field: planner.RefObjectID}] = app.ID
		refs[planner.Ref{App: a.App, Field: planner.RefAppID}] = app.AppID
	case planner.OpUpdate:
		app := s.app(a.Application.ObjectID)
		if app == nil {
			t.Fatalf("%s: no application %s", a.ID, a.Application.ObjectID)
		}
		// Graph's rule: an enabled scope or role may only go, or change
		// its grant, after a PATCH that disabled it.
		if f := a.Application.Fields; f.Scopes != nil {
			for _, old := range app.Scopes {
				var now *tenant.PermissionScope
				for i := range *f.Scopes {
					if (*f.Scopes)[i].ID == old.ID {
						now = &(*f.Scopes)[i]
					}
				}
				if old.IsEnabled && (now == nil || now.Type != old.Type) {
					t.Fatalf("%s: CannotDeleteOrUpdateEnabledEntitlement for scope %s", a.ID, old.Value)
				}
			}
		}
		if f := a.Application.Fields; f.AppRoles != nil {
			for _, old := range app.AppRoles {
				found := false
				for _, r := range *f.AppRoles {
					if r.ID == old.ID {
						found = true
					}
				}
				if old.IsEnabled && !found {
					t.Fatalf("%s: CannotDeleteOrUpdateEnabledEntitlement for role %s", a.ID, old.Value)
				}
			}
		}
		s.patch(t, app, a.Application.Fields)
		if sp := s.spByAppID(app.AppID); sp != nil {
			sp.Scopes, sp.AppRoles = app.Scopes, app.AppRoles
		}
	case planner.OpDelete:
		var keep []*tenant.Application
		for _, x := range s.snap.Applications {
			if x.ID != a.Application.ObjectID {
				keep = append(keep, x)
			}
		}
		s.snap.Applications = keep
	}
}

func (s *simulated) patch(t testing.TB, app *tenant.Application, f *tenant.AppProps) {
	t.Helper()
	if f == nil {
		return
	}
	tenant.Apply(app, f)
	// Graph's rule: a scope and a role share an id only as one permission,
	// with the same value and enabled state.
	for _, r := range app.AppRoles {
		for _, sc := range app.Scopes {
			if strings.EqualFold(r.ID, sc.ID) && (r.Value != sc.Value || r.IsEnabled != sc.IsEnabled) {
				t.Fatalf("scope %s and role %s share id %s but differ in value or isEnabled", sc.Value, r.Value, r.ID)
			}
			if r.Value == sc.Value && !strings.EqualFold(r.ID, sc.ID) {
				t.Fatalf("scope and role %s have different ids (DuplicateValue)", r.Value)
			}
		}
	}
}

// applyCertificate makes the vault version (as Key Vault would) and the
// key credential (as Graph would), or removes a key credential.
func (s *simulated) applyCertificate(t testing.TB, a *planner.Action, set string) {
	t.Helper()
	x := a.Certificate
	app := s.app(x.ApplicationID)
	if app == nil {
		t.Fatalf("%s: no application %s", a.ID, x.ApplicationID)
	}
	if a.Op == planner.OpDelete {
		var keep []tenant.KeyCredential
		for _, k := range app.KeyCredentials {
			if k.KeyID != x.KeyID {
				keep = append(keep, k)
			}
		}
		app.KeyCredentials = keep
		return
	}
	if x.Recover {
		var keep []tenant.DeletedCertificate
		for _, d := range s.snap.DeletedCertificates {
			if !strings.EqualFold(d.Name, x.CertificateName) {
				keep = append(keep, d)
			} else {
				s.snap.Certificates = append(s.snap.Certificates, d.CertificateMeta)
			}
		}
		s.snap.DeletedCertificates = keep
	}
	var cur *tenant.CertificateMeta
	idx := -1
	for i, c := range s.snap.Certificates {
		if strings.EqualFold(c.Vault, x.Vault) && strings.EqualFold(c.Name, x.CertificateName) {
			cur, idx = &s.snap.Certificates[i], i
		}
	}
	if x.NewVersion || cur == nil {
		version := strings.ReplaceAll(fakeID("certversion", x.CertificateName, s.now.String(), fmt.Sprint(len(s.snap.CertificateVersions))), "-", "")
		nbf, exp := s.now, s.now.AddDate(0, x.ValidityMonths, 0)
		m := tenant.CertificateMeta{Vault: x.Vault, Name: x.CertificateName, Version: version,
			Thumbprint: strings.ToUpper(version[:32] + "00000000"), Enabled: true, NotBefore: &nbf, Expires: &exp, Created: s.now, Updated: s.now,
			Tags: map[string]string{tenant.CertificateTagClientID: x.AppID, tenant.CertificateTagSet: set, tenant.CertificateTagKey: a.App}}
		if cur != nil {
			s.snap.Certificates[idx] = m
		} else {
			s.snap.Certificates = append(s.snap.Certificates, m)
		}
		s.snap.CertificateVersions = append(s.snap.CertificateVersions, m)
		for i, c := range s.snap.Certificates {
			if strings.EqualFold(c.Vault, x.Vault) && strings.EqualFold(c.Name, x.CertificateName) {
				cur = &s.snap.Certificates[i]
			}
		}
	}
	seen := false
	for _, v := range s.snap.CertificateVaultsRead {
		seen = seen || strings.EqualFold(v, x.Vault)
	}
	if !seen {
		s.snap.CertificateVaultsRead = append(s.snap.CertificateVaultsRead, x.Vault)
	}
	app.KeyCredentials = append(app.KeyCredentials, tenant.KeyCredential{KeyID: fakeID("keycred", cur.Thumbprint), DisplayName: x.DisplayName,
		Type: "AsymmetricX509Cert", Usage: "Verify", CustomKeyIdentifier: cur.Thumbprint, Start: *cur.NotBefore, End: *cur.Expires})
}
