package tenanttest

import (
	"context"
	"sort"
	"strings"

	"github.com/regsync/regsync/tenant"
)

// AddUser and AddGroup store a user or a group, as if made before the test.
func (f *Tenant) AddUser(u tenant.User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.users == nil {
		f.users = map[string]tenant.User{}
	}
	f.users[u.ID] = u
}

func (f *Tenant) AddGroup(g tenant.Group) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.groups == nil {
		f.groups = map[string]tenant.Group{}
	}
	f.groups[g.ID] = g
}

// DeletePrincipal deletes a user or a group, and its app-role assignments
// with it, as deleting it in the portal does.
func (f *Tenant) DeletePrincipal(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.users, id)
	delete(f.groups, id)
	kept := f.assigns[:0]
	for _, a := range f.assigns {
		if a.PrincipalID != id {
			kept = append(kept, a)
		}
	}
	f.assigns = kept
}

// FindUsers returns the users named by userPrincipalName or object id
// (both without case), as one request.
func (f *Tenant) FindUsers(_ context.Context, refs []string) ([]tenant.User, error) {
	if flt, ok := f.begin("FindUsers", "", false); ok {
		f.end("")
		return nil, flt.err
	}
	defer f.end("")
	f.mu.Lock()
	defer f.mu.Unlock()
	return findPrincipals(f.users, refs, func(u tenant.User) (string, string) { return u.ID, u.UserPrincipalName }, tenant.UserPrefix), nil
}

// FindGroups returns the groups named by display name or object id (both
// without case), as one request; every group of a shared name.
func (f *Tenant) FindGroups(_ context.Context, refs []string) ([]tenant.Group, error) {
	if flt, ok := f.begin("FindGroups", "", false); ok {
		f.end("")
		return nil, flt.err
	}
	defer f.end("")
	f.mu.Lock()
	defer f.mu.Unlock()
	return findPrincipals(f.groups, refs, func(g tenant.Group) (string, string) { return g.ID, g.DisplayName }, tenant.GroupPrefix), nil
}

// findPrincipals returns the principals of all whose id or name (from
// key, both without case) is one of refs; then, for each ref that matches
// none of them, the principals whose name starts with its prefix, as
// graph/ reads did-you-mean candidates. Sorted by id. Callers hold f.mu.
func findPrincipals[T any](all map[string]T, refs []string, key func(T) (id, name string), prefix func(string) string) []T {
	matches := func(p T, ref string) bool {
		id, name := key(p)
		return strings.EqualFold(id, ref) || strings.EqualFold(name, ref)
	}
	found := func(list []T, ref string) bool {
		for _, p := range list {
			if matches(p, ref) {
				return true
			}
		}
		return false
	}
	var out []T
	for _, p := range all {
		for _, r := range refs {
			if matches(p, r) {
				out = append(out, p)
				break
			}
		}
	}
	for _, r := range refs {
		pre := strings.ToLower(prefix(r))
		if pre == "" || found(out, r) {
			continue
		}
		for _, p := range all {
			id, name := key(p)
			if strings.HasPrefix(strings.ToLower(name), pre) && !found(out, id) {
				out = append(out, p)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, _ := key(out[i])
		b, _ := key(out[j])
		return a < b
	})
	return out
}

// principal returns the type and display name of a user or group id;
// ok is false for anything else. Callers hold f.mu.
func (f *Tenant) principal(id string) (typ, name string, ok bool) {
	if u, found := f.users[id]; found {
		return tenant.PrincipalUser, u.DisplayName, true
	}
	if g, found := f.groups[id]; found {
		return tenant.PrincipalGroup, g.DisplayName, true
	}
	return "", "", false
}

// assignPerson assigns an app role to a user or a group; the write is
// keyed by the resource service principal (the one the request names).
func (f *Tenant) assignPerson(w tenant.Write, as tenant.AppRoleAssignment, typ, name string, batched bool) (tenant.WriteResult, error) {
	var made tenant.AppRoleAssignment
	err := f.spCall(w, as.ResourceID, batched, func(*tenant.ServicePrincipal) error {
		for _, e := range f.assigns {
			if e.PrincipalID == as.PrincipalID && e.ResourceID == as.ResourceID && e.AppRoleID == as.AppRoleID {
				return &tenant.Error{Kind: tenant.Conflict, Status: 400, Message: "Permission being assigned already exists on the object."}
			}
		}
		made = as
		made.ID = f.id("asg")
		made.PrincipalType, made.PrincipalDisplayName = typ, name
		f.assigns = append(f.assigns, made)
		return nil
	})
	if err != nil {
		return none(err)
	}
	return tenant.WriteResult{ID: made.ID, Assignment: made}, nil
}

// ObjectsByID returns the users, groups and service principals with the
// given object ids (without case), as one request; unknown ids are absent,
// as getByIds leaves them out.
func (f *Tenant) ObjectsByID(_ context.Context, ids []string) ([]tenant.DirectoryObject, error) {
	if flt, ok := f.begin("ObjectsByID", "", false); ok {
		f.end("")
		return nil, flt.err
	}
	defer f.end("")
	f.mu.Lock()
	defer f.mu.Unlock()
	want := map[string]bool{}
	for _, id := range ids {
		want[strings.ToLower(id)] = true
	}
	var out []tenant.DirectoryObject
	for _, u := range f.users {
		if want[strings.ToLower(u.ID)] {
			out = append(out, tenant.DirectoryObject{ID: u.ID, Type: "user", DisplayName: u.DisplayName, UserPrincipalName: u.UserPrincipalName})
		}
	}
	for _, g := range f.groups {
		if want[strings.ToLower(g.ID)] {
			out = append(out, tenant.DirectoryObject{ID: g.ID, Type: "group", DisplayName: g.DisplayName})
		}
	}
	for _, sp := range f.sps {
		if want[strings.ToLower(sp.ID)] {
			out = append(out, tenant.DirectoryObject{ID: sp.ID, Type: "servicePrincipal", DisplayName: sp.DisplayName, AppID: sp.AppID})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
