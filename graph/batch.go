package graph

import (
	"context"
	"fmt"
	"net/http"

	msgraphgocore "github.com/microsoftgraph/msgraph-sdk-go-core"

	"github.com/regsync/regsync/tenant"
)

const (
	// batchSize is Graph's limit of requests in one $batch
	// (https://learn.microsoft.com/graph/json-batching).
	batchSize = 20
)

// DoBatch sends writes together through $batch, 20 per request, and
// returns one result per write, in order. Writes are not ordered among
// themselves, so callers pass only writes that do not depend on each
// other. A write whose op is not Batchable is sent alone, as by Do, and
// its result is Do's. Each item's status is mapped to a kind like a
// single call's. Graph throttles items one by one and the SDK does not
// retry them; an item answered 429 comes back as a Throttled result with
// its Retry-After, and the caller retries it where the retry is shown.
func (c *Client) DoBatch(ctx context.Context, writes []tenant.Write) []tenant.WriteResult {
	results := make([]tenant.WriteResult, len(writes))
	var pending []int
	for i, w := range writes {
		if !w.Op.Batchable() {
			results[i], _ = c.Do(ctx, w)
			continue
		}
		if _, err := c.build(ctx, w); err != nil {
			results[i].Err = fmt.Errorf("%s: %w", w, err)
			continue
		}
		pending = append(pending, i)
	}
	for start := 0; start < len(pending); start += batchSize {
		c.sendBatch(ctx, writes, pending[start:min(start+batchSize, len(pending))], results)
	}
	return results
}

// sendBatch sends one $batch for the writes at idx, fills their results
// and returns the indexes answered 429.
func (c *Client) sendBatch(ctx context.Context, writes []tenant.Write, idx []int, results []tenant.WriteResult) []int {
	batch := msgraphgocore.NewBatchRequest(c.adapter)
	itemOf := map[string]int{}
	for _, i := range idx {
		req, err := c.build(ctx, writes[i])
		if err == nil {
			var item msgraphgocore.BatchItem
			item, err = batch.AddBatchRequestStep(*req.info)
			if err == nil {
				itemOf[str(item.GetId())] = i
				continue
			}
		}
		results[i].Err = mapError(err, "%s: building batch item", writes[i])
	}
	if len(itemOf) == 0 {
		return nil
	}
	resp, err := sendBatchGuarded(ctx, c, batch)
	if err != nil {
		for _, i := range itemOf {
			results[i].Err = mapError(err, "%s: sending $batch", writes[i])
		}
		return nil
	}
	var throttled []int
	for id, i := range itemOf {
		item := resp.GetResponseById(id)
		if item == nil || item.GetStatus() == nil {
			results[i].Err = &tenant.Error{Kind: tenant.Transient, Message: fmt.Sprintf("%s: $batch response has no item %s", writes[i], id)}
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
		results[i].Err = fmt.Errorf("%s: %w", writes[i], te)
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
