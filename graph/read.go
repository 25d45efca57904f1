package graph

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/microsoftgraph/msgraph-sdk-go/applications"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/organization"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"

	"github.com/regsync/regsync/tenant"
)

const (
	// pageSize is Graph's largest $top for directory objects (1..999).
	pageSize = int32(999)
	// inLimit is how many values one `in (...)` filter may hold: Graph
	// allows 15 expressions by default
	// (https://developer.microsoft.com/graph/known-issues/?search=13635).
	inLimit = 15
	// expandCap is the most items $expand returns for a directory object's
	// relationship, with no nextLink
	// (https://learn.microsoft.com/graph/query-parameters#expand-parameter).
	// An application showing this many owners may have more (up to 100),
	// so its owners are listed on their own. Federated credentials are
	// limited to 20 per application, so their expansion is always complete.
	expandCap = 20
)

// applicationSelect is every application property of tenant.Properties
// (by its top-level Graph name), the ids, and the credentials and creation
// time the planner reads besides.
// Key credentials come without their key from a list (Graph returns it only
// to a single-object GET), which is all plan and drift need: their ids,
// names, types and dates.
var applicationSelect = tenant.GraphSelect("id", "appId", "passwordCredentials", "keyCredentials", "createdDateTime")

// servicePrincipalSelect reads the service principal's own credentials
// too: Graph lets a password or certificate be added to a service
// principal beside its application's, and regsync must see one it did not
// make.
var servicePrincipalSelect = []string{
	"id", "appId", "displayName", "tags", "appRoleAssignmentRequired", "appRoles", "oauth2PermissionScopes",
	"passwordCredentials", "keyCredentials",
}

// quote makes an OData string literal: single quotes are doubled.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func tagFilter(set string) string {
	return "tags/any(t:t eq " + quote(tenant.SetTag(set)) + ")"
}

func inFilter(prop string, values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = quote(v)
	}
	return prop + " in (" + strings.Join(q, ",") + ")"
}

// chunks splits values (deduplicated, order kept) into groups of n.
func chunks(values []string, n int) [][]string {
	seen := map[string]bool{}
	var uniq []string
	for _, v := range values {
		if v != "" && !seen[v] {
			seen[v] = true
			uniq = append(uniq, v)
		}
	}
	var out [][]string
	for len(uniq) > 0 {
		k := min(n, len(uniq))
		out = append(out, uniq[:k])
		uniq = uniq[k:]
	}
	return out
}

// Organization reads /organization: id, display name, verified domains.
func (c *Client) Organization(ctx context.Context) (tenant.Organization, error) {
	resp, err := c.sdk.Organization().Get(ctx, &organization.OrganizationRequestBuilderGetRequestConfiguration{
		QueryParameters: &organization.OrganizationRequestBuilderGetQueryParameters{
			Select: []string{"id", "displayName", "verifiedDomains"},
		},
	})
	if err != nil {
		return tenant.Organization{}, mapError(err, "reading the organization")
	}
	if resp == nil {
		return tenant.Organization{}, noBody("reading the organization")
	}
	orgs := resp.GetValue()
	if len(orgs) == 0 {
		return tenant.Organization{}, &tenant.Error{Kind: tenant.NotFound, Message: "reading the organization: graph returned no organization"}
	}
	o := orgs[0]
	org := tenant.Organization{ID: str(o.GetId()), DisplayName: str(o.GetDisplayName())}
	for _, d := range o.GetVerifiedDomains() {
		if n := str(d.GetName()); n != "" {
			org.VerifiedDomains = append(org.VerifiedDomains, strings.ToLower(n))
		}
	}
	sort.Strings(org.VerifiedDomains)
	return org, nil
}

// ListApplications returns the applications tagged with the set, with
// owners and federated credentials.
func (c *Client) ListApplications(ctx context.Context, set string) ([]*tenant.Application, error) {
	apps, err := c.listApplications(ctx, tagFilter(set))
	if err != nil {
		return nil, fmt.Errorf("listing applications of set %q: %w", set, err)
	}
	return apps, nil
}

// ApplicationsByAppID returns the applications with the given appIds, 15
// per query.
func (c *Client) ApplicationsByAppID(ctx context.Context, appIDs []string) ([]*tenant.Application, error) {
	var out []*tenant.Application
	for _, chunk := range chunks(appIDs, inLimit) {
		apps, err := c.listApplications(ctx, inFilter("appId", chunk))
		if err != nil {
			return nil, fmt.Errorf("reading applications by appId: %w", err)
		}
		out = append(out, apps...)
	}
	return out, nil
}

// listApplications runs two paged queries with the same filter, in
// parallel: the fields plus owners, and the ids plus federated
// credentials (Graph expands one relationship per request). Each page is
// converted to the tenant model as it is read, so the SDK's objects of
// one page at a time stay alive, not the whole listing's. Then it
// completes the owners of any application that hit the expansion cap.
func (c *Client) listApplications(ctx context.Context, filter string) ([]*tenant.Application, error) {
	var (
		wg          sync.WaitGroup
		apps        []*tenant.Application
		fedByID     = map[string][]tenant.FederatedCredential{}
		err1, err2  error
		top         = pageSize
		filterValue = filter
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		err1 = c.pageApplications(ctx, &applications.ApplicationsRequestBuilderGetQueryParameters{
			Filter: &filterValue, Select: applicationSelect, Expand: []string{"owners"}, Top: &top,
		}, func(m models.Applicationable) {
			apps = append(apps, toApplication(m))
		})
	}()
	go func() {
		defer wg.Done()
		err2 = c.pageApplications(ctx, &applications.ApplicationsRequestBuilderGetQueryParameters{
			Filter: &filterValue, Select: []string{"id"}, Expand: []string{"federatedIdentityCredentials"}, Top: &top,
		}, func(m models.Applicationable) {
			var fcs []tenant.FederatedCredential
			for _, f := range m.GetFederatedIdentityCredentials() {
				fcs = append(fcs, toFederated(f))
			}
			if len(fcs) > 0 {
				fedByID[str(m.GetId())] = fcs
			}
		})
	}()
	wg.Wait()
	if err1 != nil {
		return nil, err1
	}
	if err2 != nil {
		return nil, err2
	}
	for _, a := range apps {
		a.FederatedCredentials = append(a.FederatedCredentials, fedByID[a.ID]...)
		if len(a.Owners) >= expandCap {
			owners, err := c.owners(ctx, a.ID)
			if err != nil {
				return nil, err
			}
			a.Owners = owners
		}
	}
	return apps, nil
}

// pageApplications runs an application query to its last page and hands
// each application to each as its page is read.
func (c *Client) pageApplications(ctx context.Context, q *applications.ApplicationsRequestBuilderGetQueryParameters, each func(models.Applicationable)) error {
	resp, err := c.sdk.Applications().Get(ctx, &applications.ApplicationsRequestBuilderGetRequestConfiguration{QueryParameters: q})
	p := c.pages("listing applications")
	for {
		if err != nil {
			return mapError(err, "listing applications")
		}
		if resp == nil {
			return noBody("listing applications")
		}
		for _, m := range resp.GetValue() {
			each(m)
		}
		next, stop := p.Next(resp.GetOdataNextLink())
		if stop != nil {
			return stop
		}
		if next == "" {
			return nil
		}
		resp, err = c.sdk.Applications().WithUrl(next).Get(ctx, nil)
	}
}

// owners lists all owner ids of one application.
func (c *Client) owners(ctx context.Context, appObjectID string) ([]string, error) {
	top := pageSize
	b := c.sdk.Applications().ByApplicationId(appObjectID).Owners()
	resp, err := b.Get(ctx, &applications.ItemOwnersRequestBuilderGetRequestConfiguration{
		QueryParameters: &applications.ItemOwnersRequestBuilderGetQueryParameters{Select: []string{"id"}, Top: &top},
	})
	var out []string
	p := c.pages("listing owners of application " + appObjectID)
	for {
		if err != nil {
			return nil, mapError(err, "listing owners of application %s", appObjectID)
		}
		if resp == nil {
			return nil, noBody(fmt.Sprintf("listing owners of application %s", appObjectID))
		}
		for _, o := range resp.GetValue() {
			out = append(out, str(o.GetId()))
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

// ListServicePrincipals returns the service principals tagged with the set.
func (c *Client) ListServicePrincipals(ctx context.Context, set string) ([]*tenant.ServicePrincipal, error) {
	sps, err := c.listServicePrincipals(ctx, tagFilter(set))
	if err != nil {
		return nil, fmt.Errorf("listing service principals of set %q: %w", set, err)
	}
	return sps, nil
}

// ScanServicePrincipals pages through the set's service principals with
// the app-role assignments each holds expanded:
//
//	GET /servicePrincipals?$filter=tags/any(...)&$select=...&$expand=appRoleAssignments
//
// The servicePrincipal resource documents $expand for appRoleAssignments.
// Graph serves a query with $expand 100 objects a page whatever $top asks,
// and expands at most 20 items of a relationship, with no nextLink for the
// rest (https://developer.microsoft.com/graph/known-issues/?search=13635):
// a principal showing 20 may hold more, and its assignments are then
// listed on their own (GET /servicePrincipals/{id}/appRoleAssignments).
// So one paged query replaces one assignment read per principal, and
// each page is handed to fn, converted to the tenant model, as soon as it
// is read; the SDK's objects for it are not kept.
func (c *Client) ScanServicePrincipals(ctx context.Context, set string, fn func([]*tenant.ServicePrincipal, []tenant.AppRoleAssignment) error) error {
	top := pageSize
	filter := tagFilter(set)
	what := fmt.Sprintf("listing service principals of set %q", set)
	resp, err := c.sdk.ServicePrincipals().Get(ctx, &serviceprincipals.ServicePrincipalsRequestBuilderGetRequestConfiguration{
		QueryParameters: &serviceprincipals.ServicePrincipalsRequestBuilderGetQueryParameters{
			Filter: &filter, Select: servicePrincipalSelect, Expand: []string{"appRoleAssignments"}, Top: &top,
		},
	})
	p := c.pages(what)
	for {
		if err != nil {
			return mapError(err, "%s", what)
		}
		if resp == nil {
			return noBody(what)
		}
		values := resp.GetValue()
		sps := make([]*tenant.ServicePrincipal, 0, len(values))
		var held []tenant.AppRoleAssignment
		for _, m := range values {
			sp := toServicePrincipal(m)
			sps = append(sps, sp)
			as := m.GetAppRoleAssignments()
			if len(as) >= expandCap {
				all, err := c.heldAssignments(ctx, sp.ID)
				if err != nil {
					return err
				}
				held = append(held, all...)
				continue
			}
			for _, a := range as {
				held = append(held, toAssignment(a))
			}
		}
		next, stop := p.Next(resp.GetOdataNextLink())
		if stop != nil {
			return stop
		}
		resp = nil
		if err := fn(sps, held); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		resp, err = c.sdk.ServicePrincipals().WithUrl(next).Get(ctx, nil)
	}
}

// ServicePrincipalsByAppID returns the service principals of the given
// appIds, 15 per query.
func (c *Client) ServicePrincipalsByAppID(ctx context.Context, appIDs []string) ([]*tenant.ServicePrincipal, error) {
	var out []*tenant.ServicePrincipal
	for _, chunk := range chunks(appIDs, inLimit) {
		sps, err := c.listServicePrincipals(ctx, inFilter("appId", chunk))
		if err != nil {
			return nil, fmt.Errorf("reading service principals by appId: %w", err)
		}
		out = append(out, sps...)
	}
	return out, nil
}

func (c *Client) listServicePrincipals(ctx context.Context, filter string) ([]*tenant.ServicePrincipal, error) {
	top := pageSize
	resp, err := c.sdk.ServicePrincipals().Get(ctx, &serviceprincipals.ServicePrincipalsRequestBuilderGetRequestConfiguration{
		QueryParameters: &serviceprincipals.ServicePrincipalsRequestBuilderGetQueryParameters{
			Filter: &filter, Select: servicePrincipalSelect, Top: &top,
		},
	})
	var out []*tenant.ServicePrincipal
	p := c.pages("listing service principals")
	for {
		if err != nil {
			return nil, mapError(err, "listing service principals")
		}
		if resp == nil {
			return nil, noBody("listing service principals")
		}
		for _, m := range resp.GetValue() {
			out = append(out, toServicePrincipal(m))
		}
		next, stop := p.Next(resp.GetOdataNextLink())
		if stop != nil {
			return nil, stop
		}
		if next == "" {
			return out, nil
		}
		resp, err = c.sdk.ServicePrincipals().WithUrl(next).Get(ctx, nil)
	}
}

// AppRoleAssignedTo lists the app-role assignments granted on a resource
// service principal.
func (c *Client) AppRoleAssignedTo(ctx context.Context, resourceSPID string) ([]tenant.AppRoleAssignment, error) {
	top := pageSize
	b := c.sdk.ServicePrincipals().ByServicePrincipalId(resourceSPID).AppRoleAssignedTo()
	resp, err := b.Get(ctx, &serviceprincipals.ItemAppRoleAssignedToRequestBuilderGetRequestConfiguration{
		QueryParameters: &serviceprincipals.ItemAppRoleAssignedToRequestBuilderGetQueryParameters{
			Select: []string{"id", "principalId", "resourceId", "appRoleId", "principalType", "principalDisplayName"}, Top: &top,
		},
	})
	var out []tenant.AppRoleAssignment
	p := c.pages("listing app-role assignments on service principal " + resourceSPID)
	for {
		if err != nil {
			return nil, mapError(err, "listing app-role assignments on service principal %s", resourceSPID)
		}
		if resp == nil {
			return nil, noBody(fmt.Sprintf("listing app-role assignments on service principal %s", resourceSPID))
		}
		for _, m := range resp.GetValue() {
			out = append(out, toAssignment(m))
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

// noBody is the error of a successful answer without a body where a
// page was expected: kiota returns neither a model nor an error for it
// (found by FuzzGraphResponse: a 200 with an empty body).
func noBody(doing string) error {
	return &tenant.Error{Kind: tenant.Invalid, Message: doing + ": graph answered without a body"}
}
