package tenanttest

import (
	"context"
	"sort"
	"strings"

	"github.com/regsync/regsync/tenant"
)

// organization is the tenant every fake belongs to.
var organization = tenant.Organization{ID: "tenant-1", DisplayName: "Contoso",
	VerifiedDomains: []string{"contoso.com", "contoso.onmicrosoft.com"}}

func (f *Tenant) Organization(context.Context) (tenant.Organization, error) {
	o := organization
	o.VerifiedDomains = append([]string(nil), o.VerifiedDomains...)
	return o, nil
}

func (f *Tenant) ListApplications(_ context.Context, set string) ([]*tenant.Application, error) {
	f.begin("ListApplications", "", false)
	defer f.end("")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*tenant.Application
	for _, a := range f.sortedApps() {
		if hasTag(a.Tags, tenant.SetTag(set)) {
			out = append(out, listedApp(a))
		}
	}
	return out, nil
}

func (f *Tenant) FindApplication(_ context.Context, set, key string) (*tenant.Application, error) {
	if flt, ok := f.begin("FindApplication", "", false); ok {
		f.end("")
		return nil, flt.err
	}
	defer f.end("")
	f.mu.Lock()
	defer f.mu.Unlock()
	var found []*tenant.Application
	for _, a := range f.sortedApps() {
		if hasTag(a.Tags, tenant.SetTag(set)) && hasTag(a.Tags, tenant.KeyTag(key)) && f.visible(a.ID) {
			found = append(found, listedApp(a))
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return found[0], nil
	default:
		return nil, &tenant.Error{Kind: tenant.Conflict, Message: "duplicate"}
	}
}

func (f *Tenant) ApplicationsByAppID(_ context.Context, appIDs []string) ([]*tenant.Application, error) {
	f.begin("ApplicationsByAppID", "", false)
	defer f.end("")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*tenant.Application
	for _, a := range f.sortedApps() {
		for _, id := range appIDs {
			if a.AppID == id && f.visible(a.ID) {
				out = append(out, listedApp(a))
			}
		}
	}
	return out, nil
}

func (f *Tenant) ListServicePrincipals(_ context.Context, set string) ([]*tenant.ServicePrincipal, error) {
	f.begin("ListServicePrincipals", "", false)
	defer f.end("")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*tenant.ServicePrincipal
	for _, sp := range f.sps {
		if hasTag(sp.Tags, tenant.SetTag(set)) {
			out = append(out, cloneSP(sp, false))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// ScanServicePrincipals hands the set's service principals and the
// assignments they hold to fn in one page, counted as one request.
func (f *Tenant) ScanServicePrincipals(ctx context.Context, set string, fn func([]*tenant.ServicePrincipal, []tenant.AppRoleAssignment) error) error {
	if flt, ok := f.begin("ScanServicePrincipals", "", false); ok {
		f.end("")
		return flt.err
	}
	f.mu.Lock()
	var sps []*tenant.ServicePrincipal
	ids := map[string]bool{}
	for _, sp := range f.sps {
		if hasTag(sp.Tags, tenant.SetTag(set)) {
			sps = append(sps, cloneSP(sp, false))
			ids[strings.ToLower(sp.ID)] = true
		}
	}
	sort.Slice(sps, func(i, j int) bool { return sps[i].ID < sps[j].ID })
	var held []tenant.AppRoleAssignment
	for _, a := range f.assigns {
		if ids[strings.ToLower(a.PrincipalID)] {
			held = append(held, a)
		}
	}
	f.mu.Unlock()
	f.end("")
	return fn(sps, held)
}

// GrantsOf returns the grants whose client is one of spIDs, counted as one
// request (graph.Client's $batch).
func (f *Tenant) GrantsOf(ctx context.Context, spIDs []string) ([]tenant.PermissionGrant, error) {
	_, gs, err := f.consents("GrantsOf", spIDs)
	return gs, err
}

func (f *Tenant) ServicePrincipalsByAppID(_ context.Context, appIDs []string) ([]*tenant.ServicePrincipal, error) {
	f.begin("ServicePrincipalsByAppID", "", false)
	defer f.end("")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*tenant.ServicePrincipal
	for _, sp := range f.sps {
		for _, id := range appIDs {
			if sp.AppID == id && f.visible(sp.ID) {
				out = append(out, cloneSP(sp, false))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (f *Tenant) AppRoleAssignedTo(_ context.Context, resourceSPID string) ([]tenant.AppRoleAssignment, error) {
	f.begin("AppRoleAssignedTo", "", false)
	defer f.end("")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []tenant.AppRoleAssignment
	for _, a := range f.assigns {
		if a.ResourceID == resourceSPID {
			out = append(out, a)
		}
	}
	return out, nil
}

// ConsentsOf returns the assignments held by, and the grants whose client
// is, one of spIDs. It counts as one request, as graph.Client's $batch of
// up to tenant.ConsentChunk principals does.
func (f *Tenant) ConsentsOf(_ context.Context, spIDs []string) ([]tenant.AppRoleAssignment, []tenant.PermissionGrant, error) {
	return f.consents("ConsentsOf", spIDs)
}

func (f *Tenant) consents(name string, spIDs []string) ([]tenant.AppRoleAssignment, []tenant.PermissionGrant, error) {
	if flt, ok := f.begin(name, "", false); ok {
		f.end("")
		return nil, nil, flt.err
	}
	defer f.end("")
	f.mu.Lock()
	defer f.mu.Unlock()
	want := map[string]bool{}
	for _, id := range spIDs {
		want[strings.ToLower(id)] = true
	}
	var as []tenant.AppRoleAssignment
	for _, a := range f.assigns {
		if want[strings.ToLower(a.PrincipalID)] {
			as = append(as, a)
		}
	}
	var gs []tenant.PermissionGrant
	for _, g := range f.grants {
		if want[strings.ToLower(g.ClientID)] {
			gs = append(gs, g)
		}
	}
	return as, gs, nil
}

// FindApplicationByIdentifierURI finds the visible application holding uri.
func (f *Tenant) FindApplicationByIdentifierURI(ctx context.Context, uri string) (*tenant.Application, error) {
	if flt, ok := f.begin("FindApplicationByIdentifierURI", "", false); ok {
		f.end("")
		return nil, flt.err
	}
	defer f.end("")
	if err := ctx.Err(); err != nil {
		return nil, cancelled(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.sortedApps() {
		for _, u := range a.IdentifierURIs {
			if strings.EqualFold(u, uri) && f.visible(a.ID) {
				return cloneApp(a), nil
			}
		}
	}
	return nil, nil
}
