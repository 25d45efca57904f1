package graph

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	msgraphgocore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/oauth2permissiongrants"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"

	"github.com/regsync/regsync/tenant"
)

// grantSelect is what a delegated grant is read with; $select also lowers
// the request's cost in Graph's identity throttle by one resource unit
// (https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits).
var grantSelect = []string{"id", "clientId", "consentType", "principalId", "resourceId", "scope"}

var assignmentSelect = []string{"id", "principalId", "resourceId", "appRoleId"}

// ConsentsOf reads what the given service principals were granted, two
// GETs per principal, all in $batch requests of 20:
//
//   - GET /servicePrincipals/{id}/appRoleAssignments: the assignments the
//     principal holds, on any resource
//     (https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignments);
//   - GET /oauth2PermissionGrants?$filter=clientId eq '{id}': the delegated
//     grants of the client, on any resource; clientId is one of the
//     properties the list documents for $filter
//     (https://learn.microsoft.com/graph/api/oauth2permissiongrant-list).
//
// Neither reads what other clients hold on the same resources, which on
// Microsoft Graph's service principal is every consent in the tenant. An
// item's further pages (a principal with more than 999 entries) are read
// with plain GETs. The first item that fails fails the call, with its
// kind (a throttled item is Throttled, with its Retry-After), and the
// caller retries the whole call.
func (c *Client) ConsentsOf(ctx context.Context, spIDs []string) ([]tenant.AppRoleAssignment, []tenant.PermissionGrant, error) {
	var (
		as []tenant.AppRoleAssignment
		gs []tenant.PermissionGrant
	)
	for _, chunk := range chunks(spIDs, batchSize/2) {
		a, g, err := c.consentBatch(ctx, chunk, true)
		if err != nil {
			return nil, nil, err
		}
		as = append(as, a...)
		gs = append(gs, g...)
	}
	return as, gs, nil
}

// GrantsOf reads the delegated grants of the given clients, one GET
// each (GET /oauth2PermissionGrants?$filter=clientId eq '{id}'), in $batch
// requests of 20. It is ConsentsOf without the assignments, for the
// principals whose assignments came with their listing
// (ScanServicePrincipals). Graph documents only eq for clientId, so one
// filter names one client; `clientId in (...)` is not documented for this
// list and is not used.
func (c *Client) GrantsOf(ctx context.Context, spIDs []string) ([]tenant.PermissionGrant, error) {
	var gs []tenant.PermissionGrant
	for _, chunk := range chunks(spIDs, batchSize) {
		_, g, err := c.consentBatch(ctx, chunk, false)
		if err != nil {
			return nil, err
		}
		gs = append(gs, g...)
	}
	return gs, nil
}

// consentItem is one GET of a consent batch.
type consentItem struct {
	sp     string
	grants bool // the grants of sp, else its assignments
}

// consentBatch reads the grants of spIDs, and their assignments when
// assignments is set, in one $batch: at most 20 GETs in all.
func (c *Client) consentBatch(ctx context.Context, spIDs []string, assignments bool) ([]tenant.AppRoleAssignment, []tenant.PermissionGrant, error) {
	top := pageSize
	batch := msgraphgocore.NewBatchRequest(c.adapter)
	items := map[string]consentItem{}
	add := func(ri *abstractions.RequestInformation, it consentItem, err error) error {
		if err == nil {
			var bi msgraphgocore.BatchItem
			bi, err = batch.AddBatchRequestStep(*ri)
			if err == nil {
				items[str(bi.GetId())] = it
				return nil
			}
		}
		return mapError(err, "reading the consents of service principal %s: building batch item", it.sp)
	}
	for _, id := range spIDs {
		if assignments {
			ri, err := c.sdk.ServicePrincipals().ByServicePrincipalId(id).AppRoleAssignments().ToGetRequestInformation(ctx,
				&serviceprincipals.ItemAppRoleAssignmentsRequestBuilderGetRequestConfiguration{
					QueryParameters: &serviceprincipals.ItemAppRoleAssignmentsRequestBuilderGetQueryParameters{Select: assignmentSelect, Top: &top},
				})
			if err := add(ri, consentItem{sp: id}, err); err != nil {
				return nil, nil, err
			}
		}
		filter := "clientId eq " + quote(id)
		ri, err := c.sdk.Oauth2PermissionGrants().ToGetRequestInformation(ctx,
			&oauth2permissiongrants.Oauth2PermissionGrantsRequestBuilderGetRequestConfiguration{
				QueryParameters: &oauth2permissiongrants.Oauth2PermissionGrantsRequestBuilderGetQueryParameters{Filter: &filter, Select: grantSelect, Top: &top},
			})
		if err := add(ri, consentItem{sp: id, grants: true}, err); err != nil {
			return nil, nil, err
		}
	}
	if len(items) == 0 {
		return nil, nil, nil
	}
	resp, err := sendBatchGuarded(ctx, c, batch)
	if err != nil {
		return nil, nil, mapError(err, "reading the consents of %d service principals", len(spIDs))
	}
	var (
		as []tenant.AppRoleAssignment
		gs []tenant.PermissionGrant
	)
	for id, it := range items {
		item := resp.GetResponseById(id)
		what := "reading the app-role assignments of service principal " + it.sp
		if it.grants {
			what = "reading the delegated grants of service principal " + it.sp
		}
		if item == nil || item.GetStatus() == nil {
			return nil, nil, &tenant.Error{Kind: tenant.Transient, Message: what + ": $batch response has no item " + id}
		}
		body := map[string]any(item.GetBody())
		if status := int(*item.GetStatus()); status >= 400 {
			code, msg, details := batchError(body)
			return nil, nil, fmt.Errorf("%s: %w", what, classify(status, code, msg, details, batchHeaders(item.GetHeaders())))
		} else if status != http.StatusOK {
			return nil, nil, &tenant.Error{Kind: tenant.Invalid, Message: fmt.Sprintf("%s: graph answered %d", what, status)}
		}
		values, next := batchPage(body)
		if it.grants {
			for _, v := range values {
				gs = append(gs, grantFromMap(v))
			}
			more, err := c.moreGrants(ctx, next, what)
			if err != nil {
				return nil, nil, err
			}
			gs = append(gs, more...)
			continue
		}
		for _, v := range values {
			as = append(as, assignmentFromMap(v))
		}
		more, err := c.moreAssignments(ctx, it.sp, next, what)
		if err != nil {
			return nil, nil, err
		}
		as = append(as, more...)
	}
	return as, gs, nil
}

// batchPage reads a list page from a $batch item's body.
func batchPage(body map[string]any) (values []map[string]any, next string) {
	list, _ := body["value"].([]any)
	for _, v := range list {
		if m, ok := v.(map[string]any); ok {
			values = append(values, m)
		}
	}
	return values, anyString(body["@odata.nextLink"])
}

func assignmentFromMap(m map[string]any) tenant.AppRoleAssignment {
	return tenant.AppRoleAssignment{
		ID:          anyString(m["id"]),
		PrincipalID: strings.ToLower(anyString(m["principalId"])),
		ResourceID:  strings.ToLower(anyString(m["resourceId"])),
		AppRoleID:   strings.ToLower(anyString(m["appRoleId"])),
	}
}

func grantFromMap(m map[string]any) tenant.PermissionGrant {
	return tenant.PermissionGrant{
		ID:          anyString(m["id"]),
		ClientID:    anyString(m["clientId"]),
		ResourceID:  anyString(m["resourceId"]),
		ConsentType: anyString(m["consentType"]),
		PrincipalID: anyString(m["principalId"]),
		Scope:       anyString(m["scope"]),
	}
}

// heldAssignments lists every app-role assignment one service principal
// holds: GET /servicePrincipals/{id}/appRoleAssignments, paged.
func (c *Client) heldAssignments(ctx context.Context, sp string) ([]tenant.AppRoleAssignment, error) {
	top := pageSize
	what := "reading the app-role assignments of service principal " + sp
	resp, err := c.sdk.ServicePrincipals().ByServicePrincipalId(sp).AppRoleAssignments().Get(ctx,
		&serviceprincipals.ItemAppRoleAssignmentsRequestBuilderGetRequestConfiguration{
			QueryParameters: &serviceprincipals.ItemAppRoleAssignmentsRequestBuilderGetQueryParameters{Select: assignmentSelect, Top: &top},
		})
	if err != nil {
		return nil, mapError(err, "%s", what)
	}
	if resp == nil {
		return nil, noBody(what)
	}
	var out []tenant.AppRoleAssignment
	for _, m := range resp.GetValue() {
		out = append(out, toAssignment(m))
	}
	more, err := c.moreAssignments(ctx, sp, str(resp.GetOdataNextLink()), what)
	if err != nil {
		return nil, err
	}
	return append(out, more...), nil
}

// moreAssignments follows an item's next link with plain GETs.
func (c *Client) moreAssignments(ctx context.Context, sp, next, what string) ([]tenant.AppRoleAssignment, error) {
	if next == "" {
		return nil, nil
	}
	p := c.pages(what)
	next, stop := p.Next(&next)
	var out []tenant.AppRoleAssignment
	b := c.sdk.ServicePrincipals().ByServicePrincipalId(sp).AppRoleAssignments()
	for {
		if stop != nil {
			return nil, stop
		}
		if next == "" {
			return out, nil
		}
		resp, err := b.WithUrl(next).Get(ctx, nil)
		if err != nil {
			return nil, mapError(err, "%s", what)
		}
		if resp == nil {
			return nil, noBody(what)
		}
		for _, m := range resp.GetValue() {
			out = append(out, toAssignment(m))
		}
		next, stop = p.Next(resp.GetOdataNextLink())
	}
}

// moreGrants follows an item's next link with plain GETs.
func (c *Client) moreGrants(ctx context.Context, next, what string) ([]tenant.PermissionGrant, error) {
	if next == "" {
		return nil, nil
	}
	p := c.pages(what)
	next, stop := p.Next(&next)
	var out []tenant.PermissionGrant
	for {
		if stop != nil {
			return nil, stop
		}
		if next == "" {
			return out, nil
		}
		resp, err := c.sdk.Oauth2PermissionGrants().WithUrl(next).Get(ctx, nil)
		if err != nil {
			return nil, mapError(err, "%s", what)
		}
		if resp == nil {
			return nil, noBody(what)
		}
		for _, m := range resp.GetValue() {
			out = append(out, toGrant(m))
		}
		next, stop = p.Next(resp.GetOdataNextLink())
	}
}

// sendBatchGuarded sends a $batch. msgraph-sdk-go-core v1.4.0 panics
// on a successful answer without a body (found by FuzzGraphResponse); that
// is an Invalid answer here, as noBody makes it for a list page.
func sendBatchGuarded(ctx context.Context, c *Client, batch msgraphgocore.BatchRequest) (resp msgraphgocore.BatchResponse, err error) {
	defer func() {
		if r := recover(); r != nil {
			resp, err = nil, noBody("sending $batch")
		}
	}()
	resp, err = batch.Send(ctx, c.adapter)
	if err == nil && resp == nil {
		err = noBody("sending $batch")
	}
	return resp, err
}
