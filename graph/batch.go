package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	msgraphgocore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/applications"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/regsync/regsync/tenant"
)

const (
	// batchSize is Graph's limit of requests in one $batch
	// (https://learn.microsoft.com/graph/json-batching).
	batchSize = 20
	// batchRounds bounds how often throttled items are sent again.
	batchRounds = 5
	// batchDefaultWait is the wait before re-sending throttled items that
	// came without Retry-After.
	batchDefaultWait = 2 * time.Second
)

var _ tenant.BatchWriter = (*Client)(nil)

// WriteBatch sends independent writes through $batch, 20 per request.
// Each item's status is mapped to a kind like a single call's. Graph
// throttles items one by one and the SDK does not retry them, so items
// answered 429 are sent again in a later batch after the longest
// Retry-After among them, up to 5 rounds; the rest keep their 429 as a
// Throttled result.
func (c *Client) WriteBatch(ctx context.Context, writes []tenant.Write) []tenant.WriteResult {
	results := make([]tenant.WriteResult, len(writes))
	var pending []int
	for i, w := range writes {
		if _, err := c.writeRequest(ctx, w); err != nil {
			results[i].Err = fmt.Errorf("%s: %w", w.Op, err)
			continue
		}
		pending = append(pending, i)
	}
	for round := 0; len(pending) > 0; round++ {
		var throttled []int
		var wait time.Duration
		for start := 0; start < len(pending); start += batchSize {
			chunk := pending[start:min(start+batchSize, len(pending))]
			for _, i := range c.sendBatch(ctx, writes, chunk, results) {
				throttled = append(throttled, i)
				var te *tenant.Error
				if errors.As(results[i].Err, &te) && te.RetryAfter > wait {
					wait = te.RetryAfter
				}
			}
		}
		if len(throttled) == 0 || round+1 >= batchRounds {
			return results
		}
		if wait == 0 {
			wait = batchDefaultWait
		}
		select {
		case <-ctx.Done():
			return results
		case <-c.batchSleep(wait):
		}
		pending = throttled
	}
	return results
}

// sendBatch sends one $batch for the writes at idx, fills their results
// and returns the indexes answered 429.
func (c *Client) sendBatch(ctx context.Context, writes []tenant.Write, idx []int, results []tenant.WriteResult) []int {
	batch := msgraphgocore.NewBatchRequest(c.adapter)
	itemOf := map[string]int{}
	for _, i := range idx {
		ri, err := c.writeRequest(ctx, writes[i])
		if err == nil {
			var item msgraphgocore.BatchItem
			item, err = batch.AddBatchRequestStep(*ri)
			if err == nil {
				itemOf[str(item.GetId())] = i
				continue
			}
		}
		results[i].Err = fmt.Errorf("%s: %w", writes[i].Op, mapError(err, "building batch item"))
	}
	if len(itemOf) == 0 {
		return nil
	}
	resp, err := batch.Send(ctx, c.adapter)
	if err != nil {
		for _, i := range itemOf {
			results[i].Err = mapError(err, "sending $batch for %s", writes[i].Op)
		}
		return nil
	}
	var throttled []int
	for id, i := range itemOf {
		item := resp.GetResponseById(id)
		if item == nil || item.GetStatus() == nil {
			results[i].Err = &tenant.Error{Kind: tenant.Transient, Message: fmt.Sprintf("%s: $batch response has no item %s", writes[i].Op, id)}
			continue
		}
		status := int(*item.GetStatus())
		body := map[string]any(item.GetBody())
		if status < 400 {
			results[i] = tenant.WriteResult{}
			results[i].ID = anyString(body["id"])
			continue
		}
		code, msg, details := batchError(body)
		te := classify(status, code, msg, details, batchHeaders(item.GetHeaders()))
		results[i].Err = fmt.Errorf("%s %s: %w", writes[i].Op, writes[i].ID, te)
		if status == http.StatusTooManyRequests {
			throttled = append(throttled, i)
		}
	}
	return throttled
}

func batchError(body map[string]any) (code, msg string, details []string) {
	e, _ := body["error"].(map[string]any)
	if e == nil {
		return "", "", nil
	}
	code, msg = anyString(e["code"]), anyString(e["message"])
	ds, _ := e["details"].([]any)
	for _, d := range ds {
		if m, ok := d.(map[string]any); ok {
			if c := anyString(m["code"]); c != "" {
				details = append(details, c)
			}
		}
	}
	return code, msg, details
}

// anyString reads a string from a decoded $batch body, where the SDK
// leaves strings as *string.
func anyString(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case *string:
		if s != nil {
			return *s
		}
	}
	return ""
}

func batchHeaders(h msgraphgocore.RequestHeader) http.Header {
	out := http.Header{}
	for k, v := range h {
		out.Set(k, v)
	}
	return out
}

// writeRequest builds the request of one write with the SDK's request
// builders and a fresh model, exactly as the single-call method would.
func (c *Client) writeRequest(ctx context.Context, w tenant.Write) (*abstractions.RequestInformation, error) {
	apps := c.sdk.Applications()
	sps := c.sdk.ServicePrincipals()
	need := func(field, v string) error {
		if v == "" {
			return &tenant.Error{Kind: tenant.Invalid, Message: fmt.Sprintf("%s: empty %s", w.Op, field)}
		}
		return nil
	}
	if err := need("id", w.ID); err != nil && w.Op != tenant.OpCreateAppRoleAssignment && w.Op != tenant.OpCreatePermissionGrant {
		return nil, err
	}
	switch w.Op {
	case tenant.OpUpdateApplication:
		if w.Application == nil {
			return nil, need("application patch", "")
		}
		m, err := applicationModel(*w.Application)
		if err != nil {
			return nil, err
		}
		return apps.ByApplicationId(w.ID).ToPatchRequestInformation(ctx, m, nil)
	case tenant.OpDeleteApplication:
		return apps.ByApplicationId(w.ID).ToDeleteRequestInformation(ctx, nil)
	case tenant.OpAddOwner:
		if err := need("owner id", w.RefID); err != nil {
			return nil, err
		}
		ref := models.NewReferenceCreate()
		ref.SetOdataId(ptr(c.directoryObjectRef(w.RefID)))
		return apps.ByApplicationId(w.ID).Owners().Ref().ToPostRequestInformation(ctx, ref, nil)
	case tenant.OpRemoveOwner:
		if err := need("owner id", w.RefID); err != nil {
			return nil, err
		}
		return apps.ByApplicationId(w.ID).Owners().ByDirectoryObjectId(w.RefID).Ref().ToDeleteRequestInformation(ctx, nil)
	case tenant.OpRemovePassword:
		id, err := parseUUID("keyId", w.RefID)
		if err != nil {
			return nil, err
		}
		body := applications.NewItemRemovePasswordPostRequestBody()
		body.SetKeyId(id)
		return apps.ByApplicationId(w.ID).RemovePassword().ToPostRequestInformation(ctx, body, nil)
	case tenant.OpDeleteFederatedCredential:
		if err := need("credential id", w.RefID); err != nil {
			return nil, err
		}
		return apps.ByApplicationId(w.ID).FederatedIdentityCredentials().ByFederatedIdentityCredentialId(w.RefID).ToDeleteRequestInformation(ctx, nil)
	case tenant.OpUpdateServicePrincipal:
		if w.ServicePrincipal == nil {
			return nil, need("service principal patch", "")
		}
		return sps.ByServicePrincipalId(w.ID).ToPatchRequestInformation(ctx, servicePrincipalModel(*w.ServicePrincipal), nil)
	case tenant.OpDeleteServicePrincipal:
		return sps.ByServicePrincipalId(w.ID).ToDeleteRequestInformation(ctx, nil)
	case tenant.OpCreateAppRoleAssignment:
		if w.Assignment == nil {
			return nil, need("assignment", "")
		}
		m, err := assignmentModel(*w.Assignment)
		if err != nil {
			return nil, err
		}
		return sps.ByServicePrincipalId(w.Assignment.ResourceID).AppRoleAssignedTo().ToPostRequestInformation(ctx, m, nil)
	case tenant.OpDeleteAppRoleAssignment:
		if err := need("assignment id", w.RefID); err != nil {
			return nil, err
		}
		return sps.ByServicePrincipalId(w.ID).AppRoleAssignedTo().ByAppRoleAssignmentId(w.RefID).ToDeleteRequestInformation(ctx, nil)
	case tenant.OpCreatePermissionGrant:
		if w.Grant == nil {
			return nil, need("grant", "")
		}
		return c.sdk.Oauth2PermissionGrants().ToPostRequestInformation(ctx, grantModel(*w.Grant), nil)
	case tenant.OpUpdatePermissionGrant:
		m := models.NewOAuth2PermissionGrant()
		m.SetScope(ptr(w.Scope))
		return c.sdk.Oauth2PermissionGrants().ByOAuth2PermissionGrantId(w.ID).ToPatchRequestInformation(ctx, m, nil)
	case tenant.OpDeletePermissionGrant:
		return c.sdk.Oauth2PermissionGrants().ByOAuth2PermissionGrantId(w.ID).ToDeleteRequestInformation(ctx, nil)
	default:
		panic(fmt.Sprintf("internal error: unknown tenant.WriteOp %d", int(w.Op)))
	}
}
