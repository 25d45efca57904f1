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
	ids, upns := splitRefs(refs)
	var out []tenant.User
	for _, q := range []struct {
		prop   string
		values []string
	}{{"id", ids}, {"userPrincipalName", upns}} {
		for _, chunk := range chunks(q.values, inLimit) {
			found, err := c.listUsers(ctx, inFilter(q.prop, chunk), false)
			if err != nil {
				return nil, fmt.Errorf("reading users by %s: %w", q.prop, err)
			}
			out = append(out, found...)
		}
	}
	known := map[string]bool{}
	for _, u := range out {
		known[strings.ToLower(u.UserPrincipalName)] = true
	}
	for _, chunk := range chunks(prefixes(upns, known, tenant.UserPrefix), inLimit) {
		found, err := c.listUsers(ctx, startsWithFilter("userPrincipalName", chunk), true)
		if err != nil {
			return nil, fmt.Errorf("reading users like unknown names: %w", err)
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
	top := pageSize
	if candidates {
		top = tenant.CandidateLimit
	}
	b := c.sdk.Users()
	resp, err := b.Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{
			Filter: &filter, Select: []string{"id", "userPrincipalName", "displayName"}, Top: &top,
		},
	})
	var out []tenant.User
	p := c.pages("listing users")
	for {
		if err != nil {
			return nil, mapError(err, "listing users")
		}
		if resp == nil {
			return nil, noBody("listing users")
		}
		for _, m := range resp.GetValue() {
			out = append(out, toUser(m))
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
		resp, err = b.WithUrl(next).Get(ctx, nil)
	}
}

// FindGroups reads the groups named by display name or object id:
// `displayName in (...)` and `id in (...)`, 15 values per request. A
// display name is not unique in Entra: every group that carries it comes
// back, for the planner to call the reference ambiguous.
func (c *Client) FindGroups(ctx context.Context, refs []string) ([]tenant.Group, error) {
	ids, names := splitRefs(refs)
	var out []tenant.Group
	for _, q := range []struct {
		prop   string
		values []string
	}{{"id", ids}, {"displayName", names}} {
		for _, chunk := range chunks(q.values, inLimit) {
			found, err := c.listGroups(ctx, inFilter(q.prop, chunk), false)
			if err != nil {
				return nil, fmt.Errorf("reading groups by %s: %w", q.prop, err)
			}
			out = append(out, found...)
		}
	}
	known := map[string]bool{}
	for _, g := range out {
		known[strings.ToLower(g.DisplayName)] = true
	}
	for _, chunk := range chunks(prefixes(names, known, tenant.GroupPrefix), inLimit) {
		found, err := c.listGroups(ctx, startsWithFilter("displayName", chunk), true)
		if err != nil {
			return nil, fmt.Errorf("reading groups like unknown names: %w", err)
		}
		out = append(out, found...)
	}
	return out, nil
}

func (c *Client) listGroups(ctx context.Context, filter string, candidates bool) ([]tenant.Group, error) {
	top := pageSize
	if candidates {
		top = tenant.CandidateLimit
	}
	b := c.sdk.Groups()
	resp, err := b.Get(ctx, &groups.GroupsRequestBuilderGetRequestConfiguration{
		QueryParameters: &groups.GroupsRequestBuilderGetQueryParameters{
			Filter: &filter, Select: []string{"id", "displayName"}, Top: &top,
		},
	})
	var out []tenant.Group
	p := c.pages("listing groups")
	for {
		if err != nil {
			return nil, mapError(err, "listing groups")
		}
		if resp == nil {
			return nil, noBody("listing groups")
		}
		for _, m := range resp.GetValue() {
			out = append(out, tenant.Group{ID: str(m.GetId()), DisplayName: str(m.GetDisplayName())})
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
		resp, err = b.WithUrl(next).Get(ctx, nil)
	}
}

func toUser(m models.Userable) tenant.User {
	return tenant.User{ID: str(m.GetId()), UserPrincipalName: str(m.GetUserPrincipalName()), DisplayName: str(m.GetDisplayName())}
}
