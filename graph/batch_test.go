package graph

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/tenant"
)

func TestWriteBatch(t *testing.T) {
	var mu sync.Mutex
	throttledOnce := map[string]bool{}
	var batches [][]string // method+url of each item, per $batch
	s, c := newStub(t, func(w http.ResponseWriter, r *http.Request, body map[string]any) {
		if r.URL.Path != "/v1.0/$batch" {
			graphError(w, 400, "Request_BadRequest", "want $batch, got "+r.URL.Path)
			return
		}
		reqs, _ := body["requests"].([]any)
		var seen []string
		var resps []any
		for _, it := range reqs {
			item := it.(map[string]any)
			id, method, url := item["id"].(string), item["method"].(string), item["url"].(string)
			seen = append(seen, method+" "+url)
			errItem := func(status int, code, msg string, hdr map[string]any) map[string]any {
				hdr["Content-Type"] = "application/json"
				return map[string]any{"id": id, "status": status, "headers": hdr,
					"body": map[string]any{"error": map[string]any{"code": code, "message": msg}}}
			}
			mu.Lock()
			switch {
			case url == "/applications/gone":
				resps = append(resps, errItem(404, "Request_ResourceNotFound", "Resource 'gone' does not exist", map[string]any{}))
			case url == "/oauth2PermissionGrants/g1" && !throttledOnce[url]:
				throttledOnce[url] = true
				resps = append(resps, errItem(429, "TooManyRequests", "Please retry again later.", map[string]any{"Retry-After": "3"}))
			case method == "POST" && url == "/servicePrincipals/0b0e0f0e-0000-4000-8000-000000000002/appRoleAssignedTo":
				resps = append(resps, map[string]any{"id": id, "status": 201, "headers": map[string]any{"Content-Type": "application/json"},
					"body": map[string]any{"id": "assignment-1"}})
			default:
				resps = append(resps, map[string]any{"id": id, "status": 204, "headers": map[string]any{}, "body": nil})
			}
			mu.Unlock()
		}
		mu.Lock()
		batches = append(batches, seen)
		mu.Unlock()
		writeJSON(w, 200, map[string]any{"responses": resps})
	})
	name := "renamed"
	writes := []tenant.Write{
		{Op: tenant.OpUpdateApplication, ID: "a1", Application: &tenant.AppProps{DisplayName: &name}},
		{Op: tenant.OpDeleteApplication, ID: "gone"},
		{Op: tenant.OpUpdatePermissionGrant, ID: "g1", Scope: "User.Read"},
		{Op: tenant.OpCreateAppRoleAssignment, Assignment: &tenant.AppRoleAssignment{
			PrincipalID: "0b0e0f0e-0000-4000-8000-000000000001", ResourceID: "0b0e0f0e-0000-4000-8000-000000000002", AppRoleID: "0b0e0f0e-0000-4000-8000-000000000003"}},
		{Op: tenant.OpRemovePassword, ID: "a1", RefID: "not-a-guid"},
	}
	for i := range 20 {
		writes = append(writes, tenant.Write{Op: tenant.OpAddOwner, ID: "a2", RefID: "owner" + string(rune('a'+i))})
	}
	res := c.DoBatch(context.Background(), writes)
	kinds := make([]string, len(res))
	for i, r := range res {
		switch {
		case r.Err == nil:
			kinds[i] = "ok " + r.ID
		default:
			var te *tenant.Error
			if !errors.As(r.Err, &te) {
				t.Fatalf("result %d: %v is not a *tenant.Error", i, r.Err)
			}
			kinds[i] = te.Kind.String()
			if te.Kind == tenant.Throttled && te.RetryAfter != 3*time.Second {
				t.Errorf("result %d: Retry-After %v, want 3s", i, te.RetryAfter)
			}
			if te.Kind == tenant.NotFound && te.Code != "Request_ResourceNotFound" {
				t.Errorf("result %d: code = %q, want Request_ResourceNotFound", i, te.Code)
			}
		}
	}
	// The throttled item comes back Throttled, with its Retry-After, for
	// the caller's retry (which shows it); DoBatch does not re-send it.
	want := []string{"ok ", "not found", "throttled", "ok assignment-1", "invalid"}
	for range 20 {
		want = append(want, "ok ")
	}
	if d := cmp.Diff(want, kinds); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
	// 24 valid items: a batch of 20 and one of 4, and nothing sent again.
	if len(batches) != 2 || len(batches[0]) != 20 || len(batches[1]) != 4 {
		t.Errorf("batch sizes: %d batches %v", len(batches), batches)
	}
	if got := c.Requests(); got != 2 || len(s.requests()) != 2 {
		t.Errorf("Requests() = %d, want 2", got)
	}
}
