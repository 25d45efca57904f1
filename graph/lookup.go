package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/applications"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/regsync/regsync/tenant"
)

// FindApplicationByIdentifierURI returns the application whose
// identifierUris hold uri, or nil when none is visible. It sends one query,
// identifierUris/any(x:x eq 'uri'), a filter Graph serves on applications
// without ConsistencyLevel
// (https://learn.microsoft.com/graph/aad-advanced-queries lists
// identifierUris with any(c:c eq 'value') among the default filters).
// Graph keeps identifier URIs unique in a tenant; should it answer with
// more than one, that is an error of kind Conflict naming them.
func (c *Client) FindApplicationByIdentifierURI(ctx context.Context, uri string) (*tenant.Application, error) {
	if uri == "" {
		return nil, &tenant.Error{Kind: tenant.Invalid, Message: "finding an application by identifier URI: empty URI"}
	}
	filter := "identifierUris/any(x:x eq " + quote(uri) + ")"
	top := pageSize
	var found []models.Applicationable
	err := c.pageApplications(ctx, &applications.ApplicationsRequestBuilderGetQueryParameters{
		Filter: &filter, Select: applicationSelect, Top: &top,
	}, func(m models.Applicationable) { found = append(found, m) })
	if err != nil {
		return nil, fmt.Errorf("finding the application with identifier URI %q: %w", uri, err)
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return toApplication(found[0]), nil
	default:
		ids := make([]string, len(found))
		for i, m := range found {
			ids[i] = toApplication(m).AppID
		}
		return nil, &tenant.Error{Kind: tenant.Conflict, Message: fmt.Sprintf(
			"finding the application with identifier URI %q: %d applications hold it (appIds %s)", uri, len(found), strings.Join(ids, ", "))}
	}
}
