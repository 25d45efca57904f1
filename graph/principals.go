package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/regsync/regsync/tenant"
)

// splitRefs separates object ids (GUIDs) from names: each kind is looked
// up by its own property, so one filter never mixes them.
func splitRefs(refs []string) (ids, names []string) {
	for _, r := range refs {
		if _, err := uuid.Parse(r); err == nil && len(r) == 36 {
			ids = append(ids, r)
		} else {
			names = append(names, r)
		}
	}
	return ids, names
}

// FindUsers reads the users named by userPrincipalName or object id:
// `userPrincipalName in (...)` and `id in (...)`, 15 values per request
// (the default limit of an in filter). Both properties support in
// (https://learn.microsoft.com/graph/aad-advanced-queries#user-properties).
func (c *Client) FindUsers(ctx context.Context, refs []string) ([]tenant.User, error) {
	return findPrincipals(ctx, refs, principalLookup[tenant.User]{
		kind: "users", nameProp: "userPrincipalName", list: c.listUsers,
		name: func(u tenant.User) string { return u.UserPrincipalName }, prefix: tenant.UserPrefix,
	})
}

// principalLookup says how one kind of principal is found by reference:
// the property a name is matched on, the list call that runs a filter
// (candidates: one small first page only), a found principal's name and
// the prefix of an unknown name whose principals are candidates.
type principalLookup[T any] struct {
	kind     string
	nameProp string
	list     func(ctx context.Context, filter string, candidates bool) ([]T, error)
	name     func(T) string
	prefix   func(string) string
}

// findPrincipals reads the principals named by refs: ids by `id in (...)`
// and names by `nameProp in (...)`, inLimit values per request; then, for
// the names that matched nobody, the principals whose name starts like
// them (startswith, inLimit prefixes per request), for did-you-mean.
func findPrincipals[T any](ctx context.Context, refs []string, l principalLookup[T]) ([]T, error) {
	ids, names := splitRefs(refs)
	var out []T
	for _, q := range []struct {
		prop   string
		values []string
	}{{"id", ids}, {l.nameProp, names}} {
		for _, chunk := range chunks(q.values, inLimit) {
			found, err := l.list(ctx, inFilter(q.prop, chunk), false)
			if err != nil {
				return nil, fmt.Errorf("reading %s by %s: %w", l.kind, q.prop, err)
			}
			out = append(out, found...)
		}
	}
	known := map[string]bool{}
	for _, p := range out {
		known[strings.ToLower(l.name(p))] = true
	}
	for _, chunk := range chunks(prefixes(names, known, l.prefix), inLimit) {
		found, err := l.list(ctx, startsWithFilter(l.nameProp, chunk), true)
		if err != nil {
			return nil, fmt.Errorf("reading %s like unknown names: %w", l.kind, err)
		}
		out = append(out, found...)
	}
	return out, nil
}

// prefixes returns the candidate prefixes of the names not in known.
func prefixes(names []string, known map[string]bool, prefix func(string) string) []string {
	var out []string
	for _, n := range names {
		if p := prefix(n); !known[strings.ToLower(n)] && p != "" {
			out = append(out, strings.ToLower(p))
		}
	}
	return out
}

// startsWithFilter is startswith(prop,'a') or startswith(prop,'b') ...
func startsWithFilter(prop string, values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "startswith(" + prop + "," + quote(v) + ")"
	}
	return strings.Join(q, " or ")
}

// listUsers pages through a filtered list of users; candidates reads
// only a first, small page.
func (c *Client) listUsers(ctx context.Context, filter string, candidates bool) ([]tenant.User, error) {
	top := principalTop(candidates)
	b := c.sdk.Users()
	return listPrincipals(c, "listing users", candidates,
		func() (models.UserCollectionResponseable, error) {
			return b.Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
				QueryParameters: &users.UsersRequestBuilderGetQueryParameters{
					Filter: &filter, Select: []string{"id", "userPrincipalName", "displayName"}, Top: &top,
				},
			})
		},
		func(next string) (models.UserCollectionResponseable, error) { return b.WithUrl(next).Get(ctx, nil) },
		toUser)
}

// principalTop is the $top of a principal list: a full page, or a few
// candidates.
func principalTop(candidates bool) int32 {
	if candidates {
		return tenant.CandidateLimit
	}
	return pageSize
}

// principalPage is one page of a user or group list as the SDK returns it.
type principalPage[M any] interface {
	GetValue() []M
	GetOdataNextLink() *string
}

// listPrincipals runs a principal list: the first request, then each next
// link that c.pages allows (one page only for candidates), converting
// every model. what names the list in errors: "listing users".
func listPrincipals[M, T any, R principalPage[M]](c *Client, what string, candidates bool,
	first func() (R, error), page func(next string) (R, error), convert func(M) T) ([]T, error) {
	resp, err := first()
	var out []T
	p := c.pages(what)
	for {
		if err != nil {
			return nil, mapError(err, "%s", what)
		}
		if any(resp) == nil {
			return nil, noBody(what)
		}
		for _, m := range resp.GetValue() {
			out = append(out, convert(m))
		}
		if candidates {
			return out, nil
		}
		next, stop := p.Next(resp.GetOdataNextLink())
		if stop != nil {
			return nil, stop
		}
		if next == "" {
			return out, nil
		}
		resp, err = page(next)
	}
}

// FindGroups reads the groups named by display name or object id:
// `displayName in (...)` and `id in (...)`, 15 values per request. A
// display name is not unique in Entra: every group that carries it comes
// back, for the planner to call the reference ambiguous.
func (c *Client) FindGroups(ctx context.Context, refs []string) ([]tenant.Group, error) {
	return findPrincipals(ctx, refs, principalLookup[tenant.Group]{
		kind: "groups", nameProp: "displayName", list: c.listGroups,
		name: func(g tenant.Group) string { return g.DisplayName }, prefix: tenant.GroupPrefix,
	})
}

func (c *Client) listGroups(ctx context.Context, filter string, candidates bool) ([]tenant.Group, error) {
	top := principalTop(candidates)
	b := c.sdk.Groups()
	return listPrincipals(c, "listing groups", candidates,
		func() (models.GroupCollectionResponseable, error) {
			return b.Get(ctx, &groups.GroupsRequestBuilderGetRequestConfiguration{
				QueryParameters: &groups.GroupsRequestBuilderGetQueryParameters{
					Filter: &filter, Select: []string{"id", "displayName"}, Top: &top,
				},
			})
		},
		func(next string) (models.GroupCollectionResponseable, error) { return b.WithUrl(next).Get(ctx, nil) },
		func(m models.Groupable) tenant.Group {
			return tenant.Group{ID: str(m.GetId()), DisplayName: str(m.GetDisplayName())}
		})
}

func toUser(m models.Userable) tenant.User {
	return tenant.User{ID: str(m.GetId()), UserPrincipalName: str(m.GetUserPrincipalName()), DisplayName: str(m.GetDisplayName())}
}
