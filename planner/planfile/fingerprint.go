package planfile

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/regsync/regsync/tenant"
)

// Fingerprints identify the live state a plan was computed from.
type Fingerprints struct {
	// Snapshot is the sha256 of every object fingerprint, in order.
	Snapshot string `json:"snapshot"`
	// Objects holds one fingerprint per live object read, sorted by kind
	// and id.
	Objects []Object `json:"objects"`
}

// Object is the fingerprint of one live object: the sha256 of a canonical
// JSON form (set-like lists sorted, times in UTC, no secret material: a
// password credential contributes its keyId, displayName, start and end,
// not even its hint).
type Object struct {
	// Kind is organization, application, service_principal,
	// app_role_assignment, permission_grant, user, group, secret,
	// role_definition or role_assignment.
	Kind string `json:"kind"`
	ID   string `json:"id"`
	// Label names the object for people: a display name, a vault/name.
	Label string `json:"label,omitempty"`
	Hash  string `json:"sha256"`
}

// Fingerprint computes the fingerprints of a snapshot. The request counters
// are not part of it.
func Fingerprint(s *tenant.Snapshot) Fingerprints {
	var objs []Object
	add := func(kind, id, label string, v any) {
		objs = append(objs, Object{Kind: kind, ID: id, Label: label, Hash: hash(v)})
	}
	org := s.Organization
	org.VerifiedDomains = sorted(org.VerifiedDomains)
	add("organization", org.ID, org.DisplayName, org)
	for _, a := range s.Applications {
		if a != nil {
			add("application", a.ID, a.DisplayName, canonicalApp(a))
		}
	}
	for _, sp := range s.ServicePrincipals {
		if sp != nil {
			add("service_principal", sp.ID, sp.DisplayName, canonicalSP(sp))
		}
	}
	for _, x := range s.AppRoleAssignments {
		add("app_role_assignment", x.ID, "", x)
	}
	for _, g := range s.PermissionGrants {
		g.Scope = strings.Join(sorted(strings.Fields(g.Scope)), " ")
		add("permission_grant", g.ID, "", g)
	}
	// Azure: the role definitions assignable at each declared scope (a
	// name resolves to one of them) and the assignments made there.
	for _, d := range s.RoleDefinitions {
		add("role_definition", strings.ToLower(d.Scope+"|"+d.ID), d.RoleName, d)
	}
	for _, x := range s.RoleAssignments {
		x.Scope, x.RoleDefinitionID, x.PrincipalID = tenant.NormalizeScope(x.Scope), strings.ToLower(x.RoleDefinitionID), strings.ToLower(x.PrincipalID)
		add("role_assignment", strings.ToLower(x.ID), "", x)
	}
	// The users and groups the spec names: a member deleted or renamed
	// since the plan makes it stale.
	for _, u := range s.Users {
		add("user", u.ID, u.UserPrincipalName, u)
	}
	for _, g := range s.Groups {
		add("group", g.ID, g.DisplayName, g)
	}
	for _, m := range s.Secrets {
		m.Created, m.Updated = m.Created.UTC(), m.Updated.UTC()
		if m.Expires != nil {
			e := m.Expires.UTC()
			m.Expires = &e
		}
		add("secret", strings.ToLower(m.Vault+"/"+m.Name+"/"+m.Version), m.Vault+"/"+m.Name, m)
	}
	// The latest version of each vault certificate (and the deleted ones):
	// a certificate renewed, made or deleted in the vault since the plan
	// changes what apply would do.
	for _, m := range s.Certificates {
		add("certificate", strings.ToLower(m.Vault+"/"+m.Name+"/"+m.Version), m.Vault+"/"+m.Name, canonicalCert(m))
	}
	for _, d := range s.DeletedCertificates {
		add("deleted_certificate", strings.ToLower(d.Vault+"/"+d.Name), d.Vault+"/"+d.Name, canonicalCert(d.CertificateMeta))
	}
	sort.Slice(objs, func(i, j int) bool {
		if objs[i].Kind != objs[j].Kind {
			return objs[i].Kind < objs[j].Kind
		}
		return objs[i].ID < objs[j].ID
	})
	h := sha256.New()
	for _, o := range objs {
		fmt.Fprintf(h, "%s\x00%s\x00%s\n", o.Kind, o.ID, o.Hash)
	}
	if objs == nil {
		objs = []Object{}
	}
	return Fingerprints{Snapshot: "sha256:" + hex.EncodeToString(h.Sum(nil)), Objects: objs}
}

func canonicalCert(m tenant.CertificateMeta) tenant.CertificateMeta {
	m.Created, m.Updated = m.Created.UTC(), m.Updated.UTC()
	for _, t := range []**time.Time{&m.NotBefore, &m.Expires} {
		if *t != nil {
			u := (*t).UTC()
			*t = &u
		}
	}
	return m
}

func hash(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("internal error: fingerprinting %T: %v", v, err))
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

// credential is the part of a password credential that is fingerprinted.
type credential struct {
	KeyID, DisplayName string
	Start, End         time.Time
}

// canonicalApp is what an application's fingerprint covers: every
// property of the table (tenant.Properties) as read live, in an order-free
// form, plus its ids, owners and credentials. A property the table does not
// describe is not regsync's business, so a change to it never makes a saved
// plan stale.
func canonicalApp(a *tenant.Application) any {
	props := map[string]any{}
	for i := range tenant.Properties {
		p := &tenant.Properties[i]
		props[p.Plan] = orderFree(p.Live(a))
	}
	fcs := append([]tenant.FederatedCredential{}, a.FederatedCredentials...)
	sort.Slice(fcs, func(i, j int) bool { return fcs[i].Name < fcs[j].Name })
	creds := make([]credential, 0, len(a.PasswordCredentials))
	for _, p := range a.PasswordCredentials {
		creds = append(creds, credential{KeyID: p.KeyID, DisplayName: p.DisplayName, Start: p.Start.UTC(), End: p.End.UTC()})
	}
	sort.Slice(creds, func(i, j int) bool { return creds[i].KeyID < creds[j].KeyID })
	return struct {
		ID, AppID   string
		Created     time.Time
		Props       map[string]any
		Owners      []string
		Federated   []tenant.FederatedCredential
		Credentials []credential
		Keys        []tenant.KeyCredential `json:",omitempty"`
	}{a.ID, a.AppID, a.CreatedDateTime.UTC(), props, sorted(a.Owners), fcs, creds, canonicalKeys(a.KeyCredentials)}
}

// canonicalKeys is key credentials by keyId, in UTC, without the
// certificate bytes (a list never carries them). Nil when there are none,
// so an application without key credentials keeps the fingerprint it had
// before they were read.
func canonicalKeys(in []tenant.KeyCredential) []tenant.KeyCredential {
	if len(in) == 0 {
		return nil
	}
	out := make([]tenant.KeyCredential, len(in))
	for i, k := range in {
		k.Cert = nil
		k.Start, k.End = k.Start.UTC(), k.End.UTC()
		out[i] = k
	}
	sort.Slice(out, func(i, j int) bool { return out[i].KeyID < out[j].KeyID })
	return out
}

// orderFree is v as JSON values with every array sorted (by the JSON of
// its elements) and ids compared without case: Graph treats the lists the
// table describes as sets, so their order is no change.
func orderFree(v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("internal error: fingerprinting %T: %v", v, err))
	}
	var x any
	if err := json.Unmarshal(data, &x); err != nil {
		panic(fmt.Sprintf("internal error: fingerprinting %T: %v", v, err))
	}
	return sortArrays(x)
}

func sortArrays(x any) any {
	switch t := x.(type) {
	case []any:
		keys := make([]string, len(t))
		for i, e := range t {
			t[i] = sortArrays(e)
			b, _ := json.Marshal(t[i])
			keys[i] = strings.ToLower(string(b))
		}
		idx := make([]int, len(t))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(i, j int) bool { return keys[idx[i]] < keys[idx[j]] })
		out := make([]any, len(t))
		for i, k := range idx {
			out[i] = t[k]
		}
		return out
	case map[string]any:
		for k, e := range t {
			t[k] = sortArrays(e)
		}
		return t
	default:
		return x
	}
}

func sortedRoles(rs []tenant.AppRole) []tenant.AppRole {
	out := make([]tenant.AppRole, len(rs))
	for i, r := range rs {
		r.AllowedMemberTypes = sorted(r.AllowedMemberTypes)
		out[i] = r
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func canonicalSP(sp *tenant.ServicePrincipal) any {
	c := *sp
	c.Tags = sorted(sp.Tags)
	c.AppRoles = sortedRoles(sp.AppRoles)
	c.Scopes = append([]tenant.PermissionScope{}, sp.Scopes...)
	sort.Slice(c.Scopes, func(i, j int) bool { return c.Scopes[i].ID < c.Scopes[j].ID })
	// The service principal's own credentials, when it has any; without
	// them its fingerprint is what it was before they were read.
	var creds []credential
	for _, p := range sp.PasswordCredentials {
		creds = append(creds, credential{KeyID: p.KeyID, DisplayName: p.DisplayName, Start: p.Start.UTC(), End: p.End.UTC()})
	}
	sort.Slice(creds, func(i, j int) bool { return creds[i].KeyID < creds[j].KeyID })
	keys := canonicalKeys(sp.KeyCredentials)
	f := spFields{c.ID, c.AppID, c.DisplayName, c.Tags, c.AppRoleAssignmentRequired, c.AppRoles, c.Scopes}
	if creds == nil && keys == nil {
		return f
	}
	return struct {
		spFields
		Credentials []credential           `json:",omitempty"`
		Keys        []tenant.KeyCredential `json:",omitempty"`
	}{f, creds, keys}
}

// spFields are the service principal's fields a fingerprint covers besides
// its credentials, named as tenant.ServicePrincipal names them.
type spFields struct {
	ID                        string
	AppID                     string
	DisplayName               string
	Tags                      []string
	AppRoleAssignmentRequired bool
	AppRoles                  []tenant.AppRole
	Scopes                    []tenant.PermissionScope
}

// diff describes how now differs from f, naming up to maxListed objects.
func (f Fingerprints) diff(now Fingerprints) []string {
	if f.Snapshot == now.Snapshot {
		return nil
	}
	type key struct{ kind, id string }
	then := map[key]Object{}
	for _, o := range f.Objects {
		then[key{o.Kind, o.ID}] = o
	}
	var lines []string
	seen := map[key]bool{}
	for _, o := range now.Objects {
		k := key{o.Kind, o.ID}
		seen[k] = true
		old, ok := then[k]
		switch {
		case !ok:
			lines = append(lines, fmt.Sprintf("%s appeared", describe(o)))
		case old.Hash != o.Hash:
			lines = append(lines, fmt.Sprintf("%s changed", describe(o)))
		}
	}
	for _, o := range f.Objects {
		if !seen[key{o.Kind, o.ID}] {
			lines = append(lines, fmt.Sprintf("%s disappeared", describe(o)))
		}
	}
	if len(lines) == 0 {
		return []string{"the tenant changed since the plan"}
	}
	n := len(lines)
	if n > maxListed {
		lines = append(lines[:maxListed], fmt.Sprintf("and %d more objects changed", n-maxListed))
	}
	return []string{"the tenant changed since the plan: " + strings.Join(lines, ", ")}
}

func describe(o Object) string {
	kind := strings.ReplaceAll(o.Kind, "_", " ")
	if o.Label != "" {
		return fmt.Sprintf("%s %s (%s)", kind, o.ID, o.Label)
	}
	return kind + " " + o.ID
}
