package emulator

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestGraphCost: the resource units and writes of the documented identity
// limits, by kind of request and query options.
func TestGraphCost(t *testing.T) {
	tests := []struct {
		method, path  string
		units, writes float64
		reason        string
	}{
		{"GET", "/v1.0/applications", 2, 0, "listing applications costs 2"},
		{"GET", "/v1.0/applications?$select=id,appId", 1, 0, "$select lowers it by 1"},
		{"GET", "/v1.0/applications?$select=id&$expand=owners", 2, 0, "$expand raises it by 1"},
		{"GET", "/v1.0/applications?$top=5", 1, 0, "$top under 20 lowers it by 1"},
		{"GET", "/v1.0/applications?$top=999", 2, 0, "a large $top does not"},
		{"GET", "/v1.0/applications/0b0e4e6c-0000-4000-8000-000000000001", 1, 0, "one object costs 1"},
		{"GET", "/v1.0/applications/0b0e4e6c-0000-4000-8000-000000000001?$select=id", 1, 0, "never below 1"},
		{"GET", "/v1.0/oauth2PermissionGrants?$filter=clientId eq 'x'", 2, 0, "grants cost 2"},
		{"GET", "/v1.0/oauth2PermissionGrants?$filter=clientId eq 'x'&$select=id", 1, 0, ""},
		{"GET", "/v1.0/servicePrincipals/0b0e4e6c-0000-4000-8000-000000000001/appRoleAssignments", 2, 0, "a principal's assignments cost 2"},
		{"GET", "/v1.0/servicePrincipals/0b0e4e6c-0000-4000-8000-000000000001/appRoleAssignedTo", 1, 0, "not listed: 1"},
		{"GET", "/v1.0/servicePrincipals", 1, 0, ""},
		{"POST", "/v1.0/applications", 1, 1, "a write costs 1 and one write"},
		{"PATCH", "/v1.0/applications/0b0e4e6c-0000-4000-8000-000000000001", 1, 1, ""},
		{"DELETE", "/v1.0/oauth2PermissionGrants/abc", 1, 1, ""},
		{"POST", "/v1.0/$batch", 0, 0, "the envelope is free; its items are charged"},
		{"POST", "/v1.0/directoryObjects/getByIds", 1, 0, "a read sent as a POST is no write"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		rt := resolveGraphRoute(tt.method, u.Path)
		units, writes := graphCost(tt.method, rt.pattern, u.Query())
		if units != tt.units || writes != tt.writes {
			t.Errorf("%s %s costs %v units, %v writes; want %v, %v (%s)", tt.method, tt.path, units, writes, tt.units, tt.writes, tt.reason)
		}
	}
}

// TestGraphBuckets: the buckets start full at the documented quotas, a
// request that does not fit is refused whole with the wait that refills
// the bucket it overflows, and time refills them at quota per window.
func TestGraphBuckets(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := newGraphBuckets("S", start)
	for i := range 3000 {
		if ok, _, over := b.take(start, 1, 1); !ok {
			t.Fatalf("write %d refused by %+v; the write quota is 3,000 per 150 s", i+1, over)
		}
	}
	ok, after, over := b.take(start, 1, 1)
	if ok || over == nil || over.scope != "Tenant_Application" || over.limit != "Write" || after != 1 {
		t.Fatalf("write 3,001: ok=%v after=%d over=%+v; want refused by Tenant_Application/Write, Retry-After 1", ok, after, over)
	}
	// 500 units are left of 3,500; a read fits, the write quota is its own.
	if ok, _, _ := b.take(start, 2, 0); !ok {
		t.Fatal("a read was refused by the write quota")
	}
	if ok, _, over := b.take(start, 499, 0); ok || over.limit != "ReadWrite" {
		t.Fatalf("499 units with 498 left: ok=%v over=%+v", ok, over)
	}
	// 20 writes a second come back.
	later := start.Add(time.Second)
	for i := range 20 {
		if ok, _, _ := b.take(later, 0, 1); !ok {
			t.Fatalf("write %d of the refill refused", i+1)
		}
	}
	if ok, _, _ := b.take(later, 0, 1); ok {
		t.Fatal("a 21st write in the refilled second passed")
	}
	if d := MinimumUnderGraphLimits("S", 1000, 4000); d != 50*time.Second {
		t.Errorf("minimum for 4,000 writes = %s, want 50s (1,000 over the bucket at 20/s)", d)
	}
	if d := MinimumUnderGraphLimits("L", 16000, 0); d != 10*time.Second {
		t.Errorf("minimum for 16,000 units on L = %s, want 10s", d)
	}
}

// TestGraphThrottleOverHTTP: with GraphThrottle on, a write past the write
// quota gets 429 with Retry-After and the throttle headers Graph
// documents, directly and as a $batch item, while a read still passes; the
// stats add up what passed.
func TestGraphThrottleOverHTTP(t *testing.T) {
	e, err := Start(context.Background(), Options{Faults: Faults{GraphThrottle: "S"}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	h := &harness{t: t, e: e, hc: e.Client()}
	h.createApp(map[string]any{"displayName": "first"})
	h.do("GET", "/v1.0/applications?$select=id", nil).must(t, http.StatusOK)
	st := e.Stats()
	if st.ResourceUnits != 2 || st.Writes != 1 {
		t.Errorf("stats charged %v units, %v writes; want 2, 1", st.ResourceUnits, st.Writes)
	}
	e.faults.mu.Lock()
	e.faults.graph.level[1] = 0 // the write quota is spent
	e.faults.mu.Unlock()
	r := h.do("POST", "/v1.0/applications", map[string]any{"displayName": "second"})
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1" {
		t.Fatalf("write past the quota: %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	got := map[string]string{"scope": r.header.Get("x-ms-throttle-scope"), "info": r.header.Get("x-ms-throttle-information")}
	want := map[string]string{"scope": "Tenant_Application/Write/" + CallerAppID + "/" + SeedTenantID, "info": "WriteLimitExceeded"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("throttle headers (-want +got):\n%s", d)
	}
	h.do("GET", "/v1.0/applications?$select=id", nil).must(t, http.StatusOK)
	batch := map[string]any{"requests": []any{
		map[string]any{"id": "1", "method": "POST", "url": "/applications", "headers": map[string]any{"Content-Type": "application/json"}, "body": map[string]any{"displayName": "third"}},
		map[string]any{"id": "2", "method": "GET", "url": "/applications?$select=id"},
	}}
	resps := h.do("POST", "/v1.0/$batch", batch).must(t, http.StatusOK).body["responses"].([]any)
	status := map[string]float64{}
	for _, x := range resps {
		m := x.(map[string]any)
		status[m["id"].(string)] = m["status"].(float64)
		if m["id"] == "1" {
			hd := http.Header{}
			for k, v := range m["headers"].(map[string]any) {
				hd.Set(k, v.(string))
			}
			if hd.Get("x-ms-throttle-information") != "WriteLimitExceeded" {
				t.Errorf("throttled batch item headers: %v", hd)
			}
		}
	}
	if d := cmp.Diff(map[string]float64{"1": 429, "2": 200}, status); d != "" {
		t.Errorf("batch item statuses (-want +got):\n%s", d)
	}
}
