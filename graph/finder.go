package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/applications"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/regsync/regsync/tenant"
)

var _ tenant.Finder = (*Client)(nil)

// FindApplication returns the application tagged with both the set and the
// key, or nil when there is none. It sends one paged query filtered on the
// key tag (tags/any with eq is a basic filter Graph serves without
// ConsistencyLevel) and keeps the results that also carry the set tag: a
// key may be used by several sets. Owners and federated credentials are not
// expanded; the caller needs the ids, tags and password credentials.
func (c *Client) FindApplication(ctx context.Context, set, key string) (*tenant.Application, error) {
	if set == "" || key == "" {
		return nil, &tenant.Error{Kind: tenant.Invalid, Message: "finding an application: empty set or key"}
	}
	filter := "tags/any(t:t eq " + quote(tenant.KeyTag(key)) + ")"
	top := pageSize
	var found []models.Applicationable
	err := c.pageApplications(ctx, &applications.ApplicationsRequestBuilderGetQueryParameters{
		Filter: &filter, Select: applicationSelect, Top: &top,
	}, func(m models.Applicationable) { found = append(found, m) })
	if err != nil {
		return nil, fmt.Errorf("finding application %q of set %q: %w", key, set, err)
	}
	setTag := tenant.SetTag(set)
	var match []*tenant.Application
	for _, m := range found {
		a := toApplication(m)
		for _, t := range a.Tags {
			if t == setTag {
				match = append(match, a)
				break
			}
		}
	}
	switch len(match) {
	case 0:
		return nil, nil
	case 1:
		return match[0], nil
	default:
		ids := make([]string, len(match))
		for i, a := range match {
			ids[i] = a.AppID
		}
		return nil, &tenant.Error{Kind: tenant.Conflict, Message: fmt.Sprintf(
			"finding application %q of set %q: %d applications carry both tags (appIds %s)", key, set, len(match), strings.Join(ids, ", "))}
	}
}
