package planner

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// Every credential of a managed application and of its service principal
// is one of three things (the rule plan and drift share):
//
//   - managed with its vault copy: regsync made it and the vault holds what
//     signs in with it (CredentialStored);
//   - managed without one (CredentialUnstored; CredentialUnknown when the
//     vault was not read);
//   - not regsync's (CredentialForeign): anything else. Someone who holds it
//     can sign in as the application, so drift reports it with high risk
//     and apply --prune removes it, unless the spec lists its key id in
//     ignoreCredentials.
//
// Which credentials are regsync's:
//
//   - a password credential of the application whose displayName is
//     ManagedSecretName (ClassifyCredentials);
//   - a key credential (certificate) for which ClassifyKeyCredential says
//     so (see there: none yet);
//   - a federated credential the spec declares by name (planFederated
//     handles those when the spec declares federatedCredentials at all;
//     when it does not, every federated credential is not regsync's);
//   - nothing on the service principal: regsync writes credentials on the
//     application only, so a password or certificate on the service
//     principal is always someone else's (the classic way to keep access
//     to an application without showing on it).

// CredentialKind says what a credential is.
type CredentialKind string

const (
	KindPassword    CredentialKind = "password"    // passwordCredential: a client secret
	KindCertificate CredentialKind = "certificate" // keyCredential
	KindFederated   CredentialKind = "federated"   // federatedIdentityCredential
)

// Where a credential is held.
const (
	OnApplication      = "application"
	OnServicePrincipal = "service_principal"
)

// UnmanagedCredential is a credential of a managed application or its
// service principal that regsync did not create. It holds metadata only,
// never a value or a key.
type UnmanagedCredential struct {
	Kind CredentialKind `json:"kind"`
	// On is OnApplication or OnServicePrincipal.
	On string `json:"on"`
	// ObjectID is the application's or the service principal's object id.
	ObjectID string `json:"object_id"`
	// KeyID is the keyId; a federated credential's id.
	KeyID string `json:"key_id"`
	// DisplayName is the credential's displayName; a federated
	// credential's name.
	DisplayName string `json:"display_name"`
	// Type, Usage and Thumbprint describe a certificate (Thumbprint is its
	// customKeyIdentifier, in hex).
	Type       string `json:"type,omitempty"`
	Usage      string `json:"usage,omitempty"`
	Thumbprint string `json:"thumbprint,omitempty"`
	// Issuer and Subject describe a federated credential.
	Issuer  string `json:"issuer,omitempty"`
	Subject string `json:"subject,omitempty"`
	// Start and End are zero for a federated credential.
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
	// Federated is the credential itself, for its removal.
	Federated *tenant.FederatedCredential `json:"-"`
}

// Label names the credential for a message: `client secret "x" (keyId)`.
func (u UnmanagedCredential) Label() string {
	where := ""
	if u.On == OnServicePrincipal {
		where = " on the service principal"
	}
	switch u.Kind {
	case KindPassword:
		return fmt.Sprintf("client secret %q (%s)%s", u.DisplayName, u.KeyID, where)
	case KindCertificate:
		if u.Thumbprint == "" {
			return fmt.Sprintf("certificate %q (%s)%s", u.DisplayName, u.KeyID, where)
		}
		return fmt.Sprintf("certificate %q (%s, thumbprint %s)%s", u.DisplayName, u.KeyID, u.Thumbprint, where)
	case KindFederated:
		return fmt.Sprintf("federated credential %q (%s, %s)", u.DisplayName, u.Issuer, u.Subject)
	default:
		panic(fmt.Sprintf("internal error: unknown planner.CredentialKind %q", string(u.Kind)))
	}
}

// ClassifyKeyCredential says whether a key credential on a managed
// application (or its service principal, on) is regsync's:
//
//   - on a service principal, never (regsync puts certificates on the
//     application only): CredentialForeign;
//   - on the application, when the spec declares a certificate whose vault
//     was read: CredentialStored when its customKeyIdentifier is the
//     thumbprint of a version of that vault certificate; otherwise
//     CredentialUnstored when it carries regsync's display name
//     (ManagedCertificateName), CredentialForeign when not;
//   - when the vault was not read, or the spec declares no certificate:
//     CredentialUnknown for regsync's display name, CredentialForeign
//     otherwise (planCertificates removes a managed one the spec no longer
//     declares).
//
// What this returns as not foreign is left out of UnmanagedCredentials,
// and so of drift's unmanaged class and of prune.
func ClassifyKeyCredential(live *tenant.Snapshot, set string, app *spec.Application, on string, k tenant.KeyCredential) CredentialState {
	if on != OnApplication {
		return CredentialForeign
	}
	ours := k.DisplayName == ManagedCertificateName(set, app.Key)
	cert := app.Certificate
	if cert == nil || cert.Vault == "" || !certVaultRead(live, cert.Vault) {
		if ours {
			return CredentialUnknown
		}
		return CredentialForeign
	}
	_, versions := certVersions(live, cert.Vault, cert.Name)
	for _, v := range versions {
		if v.Thumbprint != "" && strings.EqualFold(v.Thumbprint, k.CustomKeyIdentifier) {
			return CredentialStored
		}
	}
	if ours {
		return CredentialUnstored
	}
	return CredentialForeign
}

// UnmanagedCredentials lists the credentials of a managed application and
// of its service principal that are not regsync's (see the rule above):
// those to report and prune, and those the spec leaves alone by key id
// (ignoreCredentials). Federated credentials are included only when the
// spec declares none (when it declares some, planFederated makes them
// exactly the declared ones). Each list is sorted by where the credential
// is, its kind, then its end date and key id. la and sp may be nil.
func UnmanagedCredentials(live *tenant.Snapshot, set string, app *spec.Application, la *tenant.Application, sp *tenant.ServicePrincipal) (found, ignored []UnmanagedCredential) {
	ignore := map[string]bool{}
	for _, id := range app.IgnoreCredentials {
		ignore[strings.ToLower(id)] = true
	}
	add := func(u UnmanagedCredential) {
		if ignore[strings.ToLower(u.KeyID)] {
			ignored = append(ignored, u)
		} else {
			found = append(found, u)
		}
	}
	key := func(on, objectID string, k tenant.KeyCredential) UnmanagedCredential {
		return UnmanagedCredential{Kind: KindCertificate, On: on, ObjectID: objectID, KeyID: k.KeyID, DisplayName: k.DisplayName,
			Type: k.Type, Usage: k.Usage, Thumbprint: k.CustomKeyIdentifier, Start: k.Start.UTC(), End: k.End.UTC()}
	}
	password := func(on, objectID string, p tenant.PasswordCredential) UnmanagedCredential {
		return UnmanagedCredential{Kind: KindPassword, On: on, ObjectID: objectID, KeyID: p.KeyID, DisplayName: p.DisplayName,
			Start: p.Start.UTC(), End: p.End.UTC()}
	}
	if la != nil {
		for _, cc := range ClassifyCredentials(live, ManagedSecretName(set, app.Key), "", la.PasswordCredentials) {
			if cc.State == CredentialForeign {
				add(password(OnApplication, la.ID, cc.Credential))
			}
		}
		for _, k := range la.KeyCredentials {
			if ClassifyKeyCredential(live, set, app, OnApplication, k) == CredentialForeign {
				add(key(OnApplication, la.ID, k))
			}
		}
		if app.FederatedCredentials == nil {
			for _, f := range la.FederatedCredentials {
				fc := f
				fc.Audiences = append([]string(nil), f.Audiences...)
				add(UnmanagedCredential{Kind: KindFederated, On: OnApplication, ObjectID: la.ID, KeyID: f.ID, DisplayName: f.Name,
					Issuer: f.Issuer, Subject: f.Subject, Federated: &fc})
			}
		}
	}
	if sp != nil {
		for _, p := range sp.PasswordCredentials {
			add(password(OnServicePrincipal, sp.ID, p))
		}
		for _, k := range sp.KeyCredentials {
			if ClassifyKeyCredential(live, set, app, OnServicePrincipal, k) == CredentialForeign {
				add(key(OnServicePrincipal, sp.ID, k))
			}
		}
	}
	sortUnmanaged(found)
	sortUnmanaged(ignored)
	return found, ignored
}

func sortUnmanaged(us []UnmanagedCredential) {
	rank := map[CredentialKind]int{KindPassword: 0, KindCertificate: 1, KindFederated: 2}
	sort.SliceStable(us, func(i, j int) bool {
		a, b := us[i], us[j]
		if a.On != b.On {
			return a.On == OnApplication
		}
		if a.Kind != b.Kind {
			return rank[a.Kind] < rank[b.Kind]
		}
		if !a.End.Equal(b.End) {
			return a.End.After(b.End)
		}
		return strings.ToLower(a.KeyID) < strings.ToLower(b.KeyID)
	})
}

// UnmanagedAddress is the plan and drift address of an unmanaged credential
// of application key.
func UnmanagedAddress(key string, u UnmanagedCredential) string {
	base := "applications." + key
	if u.On == OnServicePrincipal {
		base += ".service_principal"
	}
	switch u.Kind {
	case KindPassword:
		return fmt.Sprintf("%s.password_credentials[%s]", base, rawJSON(u.KeyID))
	case KindCertificate:
		return fmt.Sprintf("%s.key_credentials[%s]", base, rawJSON(u.KeyID))
	case KindFederated:
		return fmt.Sprintf("%s.federated_credentials[%s]", base, rawJSON(u.DisplayName))
	default:
		panic(fmt.Sprintf("internal error: unknown planner.CredentialKind %q", string(u.Kind)))
	}
}

// planUnmanaged reports (a note) or, with Prune, removes every credential
// of the application and its service principal that is not regsync's and
// not listed in ignoreCredentials; it notes a listed key id that neither
// holds.
func (b *builder) planUnmanaged(st *appState, addr string) {
	if st.live == nil {
		return
	}
	found, ignored := UnmanagedCredentials(b.live, b.spec.Set, st.spec, st.live, st.sp)
	for _, u := range found {
		uAddr := UnmanagedAddress(st.key, u)
		if !b.opts.Prune {
			ends := ""
			if !u.End.IsZero() {
				ends = ", ending " + day(u.End) + ","
			}
			b.note(st.key, uAddr, "%s%s was not created by regsync; left alone (plan with prune to remove it, or list its key id in ignoreCredentials)",
				u.Label(), ends)
			continue
		}
		reason := "not created by regsync (prune)"
		switch {
		case u.Kind == KindPassword && u.On == OnApplication:
			b.removeSecret(st, addr, tenant.PasswordCredential{KeyID: u.KeyID, DisplayName: u.DisplayName, Start: u.Start, End: u.End}, false, reason)
		case u.Kind == KindFederated:
			fc := *u.Federated
			b.addAction(&Action{
				Op: OpDelete, Type: TypeFederatedCredential, App: st.key, Address: uAddr,
				Description: fmt.Sprintf("remove federated credential %q (%s, %s)", fc.Name, fc.Issuer, fc.Subject),
				Reason:      reason,
				Risks: []Risk{{Code: RiskCredentialRemoval, Message: fmt.Sprintf(
					"removes federated credential %q: %s can no longer sign in as this application", fc.Name, fc.Subject)}},
				FederatedCredential: &FederatedCredentialAction{ApplicationID: st.objectID, ID: fc.ID,
					Credential: tenant.FederatedCredential{Name: fc.Name, Issuer: fc.Issuer, Subject: fc.Subject,
						Audiences: nonNil(fc.Audiences), Description: fc.Description}},
			})
		default:
			end := u.End
			b.addAction(&Action{
				Op: OpDelete, Type: TypeCredential, App: st.key, Address: uAddr,
				Description: fmt.Sprintf("remove %s, ends %s", u.Label(), day(u.End)),
				Reason:      reason,
				Risks: []Risk{{Code: RiskCredentialRemoval, Message: fmt.Sprintf(
					"removes %s: anything still using it can no longer sign in", u.Label())}},
				Credential: &CredentialAction{ObjectID: u.ObjectID, On: u.On, Kind: u.Kind, KeyID: u.KeyID, DisplayName: u.DisplayName, End: &end},
			})
		}
	}
	have := map[string]bool{}
	for _, u := range ignored {
		have[strings.ToLower(u.KeyID)] = true
	}
	for _, id := range st.spec.IgnoreCredentials {
		if !have[strings.ToLower(id)] && !b.managedKeyID(st, id) {
			b.note(st.key, addr+".ignore_credentials", "ignoreCredentials lists %s, which is not a credential of the application or its service principal that regsync did not create; the entry can go", id)
		}
	}
}

// managedKeyID reports whether id is the key id of a credential regsync
// manages on the application (listing it in ignoreCredentials changes
// nothing).
func (b *builder) managedKeyID(st *appState, id string) bool {
	for _, c := range st.live.PasswordCredentials {
		if strings.EqualFold(c.KeyID, id) {
			return true
		}
	}
	for _, k := range st.live.KeyCredentials {
		if strings.EqualFold(k.KeyID, id) {
			return true
		}
	}
	for _, f := range st.live.FederatedCredentials {
		if strings.EqualFold(f.ID, id) {
			return true
		}
	}
	return false
}
