package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

func TestFaultLatency(t *testing.T) {
	h := start(t, Options{Faults: Faults{Latency: 40 * time.Millisecond}})
	began := time.Now()
	h.do("GET", "/v1.0/organization", nil).must(t, http.StatusOK)
	h.do("GET", "/vaults/kv1/secrets?api-version=7.4", nil) // Key Vault requests are delayed too
	if got := time.Since(began); got < 80*time.Millisecond {
		t.Errorf("two requests took %s, want at least 80ms of injected latency", got)
	}
}

// TestFaultLatencyModel: a read is answered no sooner than the latency
// after it arrived, and Stats.Last is when that answer went out; a write
// is answered no sooner either.
func TestFaultLatencyModel(t *testing.T) {
	const lat = 60 * time.Millisecond
	h := start(t, Options{Faults: Faults{Latency: lat}})
	h.e.ResetStats()
	began := time.Now()
	r := h.do("GET", "/v1.0/applications", nil).must(t, http.StatusOK)
	if got := time.Since(began); got < lat {
		t.Errorf("a read was answered after %s, before the latency of %s", got, lat)
	}
	if len(r.values()) != 0 {
		t.Fatalf("a new tenant lists %d applications", len(r.values()))
	}
	if st := h.e.Stats(); st.Last.Sub(st.First) < lat {
		t.Errorf("Stats: first request to last answer %s, want at least the latency %s", st.Last.Sub(st.First), lat)
	}

	began = time.Now()
	h.createApp(map[string]any{"displayName": "slow"})
	if got := time.Since(began); got < lat {
		t.Errorf("a write was answered after %s, before the latency of %s", got, lat)
	}
}

func TestFaultThrottle(t *testing.T) {
	// A rate this low refills no token during the test: the first request
	// takes the only token, the second is throttled.
	h := start(t, Options{Faults: Faults{ThrottleRate: 0.001, RetryAfter: 2500 * time.Millisecond}})
	h.do("GET", "/v1.0/organization", nil).must(t, http.StatusOK)
	r := h.do("GET", "/v1.0/organization", nil).must(t, http.StatusTooManyRequests)
	if diff := cmp.Diff([]string{"3", "TooManyRequests"}, []string{r.header.Get("Retry-After"), r.errCode()}); diff != "" {
		t.Errorf("429 (-want +got):\n%s", diff)
	}
	if r.errMessage() == "" {
		t.Error("429 without a message")
	}
	if n := h.e.Stats().Throttled; n != 1 {
		t.Errorf("Stats().Throttled = %d, want 1", n)
	}
	// Key Vault is not throttled by the Graph bucket.
	if s := h.do("GET", "/vaults/kv1/secrets?api-version=7.4", nil).status; s == http.StatusTooManyRequests {
		t.Error("Key Vault request throttled")
	}
	// Turning the knob off lets requests through again.
	h.e.SetFaults(Faults{})
	h.do("GET", "/v1.0/organization", nil).must(t, http.StatusOK)
}

func TestFaultThrottleBatchItems(t *testing.T) {
	h := start(t, Options{})
	h.e.SetFaults(Faults{ThrottleRate: 2, RetryAfter: time.Second})
	// The $batch request takes one token, the first item the other; the
	// second item finds the bucket empty.
	r := h.do("POST", "/v1.0/$batch", map[string]any{"requests": []any{
		map[string]any{"id": "1", "method": "GET", "url": "/organization"},
		map[string]any{"id": "2", "method": "GET", "url": "/domains"},
	}}).must(t, http.StatusOK)
	got := batchStatuses(r)
	if diff := cmp.Diff(map[string]int{"1": 200, "2": 429}, got); diff != "" {
		t.Errorf("item statuses (-want +got):\n%s", diff)
	}
	item := batchItemByID(r, "2")
	if h := item["headers"].(map[string]any); h["Retry-After"] != "1" || h["Content-Type"] != "application/json" {
		t.Errorf("throttled item headers %v", h)
	}
}

func TestFaultErrorRate(t *testing.T) {
	h := start(t, Options{Faults: Faults{ErrorRate: 1, Seed: 7}})
	seen := map[int]bool{}
	for range 40 {
		r := h.do("GET", "/v1.0/organization", nil)
		switch r.status {
		case 500, 502, 503, 504:
			seen[r.status] = true
		default:
			t.Fatalf("status %d, want an injected 5xx", r.status)
		}
		if r.errCode() == "" || r.errMessage() == "" {
			t.Fatalf("injected error without Graph's error shape: %s", r.raw)
		}
		if r.status == 503 && r.header.Get("Retry-After") == "" {
			t.Errorf("503 without Retry-After")
		}
	}
	if len(seen) != 4 {
		t.Errorf("saw statuses %v, want all of 500, 502, 503, 504", seen)
	}
	kv := h.do("GET", "/vaults/kv1/secrets?api-version=7.4", nil)
	if kv.status < 500 || kv.errCode() == "" {
		t.Errorf("Key Vault under ErrorRate 1: %d %s", kv.status, kv.raw)
	}
	// The same seed gives the same sequence.
	seq := func() []int {
		h.e.SetFaults(Faults{ErrorRate: 0.5, Seed: 1})
		h.e.SetFaults(Faults{ErrorRate: 0.5, Seed: 42})
		var out []int
		for range 10 {
			out = append(out, h.do("GET", "/v1.0/organization", nil).status)
		}
		return out
	}
	if diff := cmp.Diff(seq(), seq()); diff != "" {
		t.Errorf("same seed, different outcomes (-first +second):\n%s", diff)
	}
}

func TestFaultReplicationLag(t *testing.T) {
	h := start(t, Options{Faults: Faults{ReplicationLag: 10 * time.Second}})
	app := h.createApp(map[string]any{"displayName": "fresh", "tags": []any{"lag"}})
	id := app.str("id")
	checks := func() []int {
		return []int{
			h.do("GET", "/v1.0/applications/"+id, nil).status,
			h.do("GET", "/v1.0/applications(appId='"+app.str("appId")+"')", nil).status,
			len(h.do("GET", "/v1.0/applications?$filter="+urlEncode("tags/any(t:t eq 'lag')"), nil).values()),
			h.do("PATCH", "/v1.0/applications/"+id, map[string]any{"notes": "x"}).status,
			h.do("POST", "/v1.0/applications/"+id+"/addPassword", map[string]any{}).status,
		}
	}
	if diff := cmp.Diff([]int{404, 404, 0, 404, 404}, checks()); diff != "" {
		t.Errorf("during the lag (-want +got):\n%s", diff)
	}
	r := h.do("GET", "/v1.0/applications/"+id, nil)
	if r.errCode() != "Request_ResourceNotFound" {
		t.Errorf("code %q, want Request_ResourceNotFound", r.errCode())
	}
	sp := h.do("POST", "/v1.0/servicePrincipals", map[string]any{"appId": app.str("appId")}).must(t, http.StatusBadRequest)
	if sp.detailCode() != "NoBackingApplicationObject" {
		t.Errorf("service principal during the lag: %s", sp.raw)
	}
	h.clock.Advance(10 * time.Second)
	if diff := cmp.Diff([]int{200, 200, 1, 204, 200}, checks()); diff != "" {
		t.Errorf("after the lag (-want +got):\n%s", diff)
	}
	created := h.do("POST", "/v1.0/servicePrincipals", map[string]any{"appId": app.str("appId")}).must(t, http.StatusCreated)
	h.do("GET", "/v1.0/servicePrincipals/"+created.str("id"), nil).must(t, http.StatusNotFound)
	h.clock.Advance(10 * time.Second)
	h.do("GET", "/v1.0/servicePrincipals/"+created.str("id"), nil).must(t, http.StatusOK)
}

// TestFaultReplicationLagRoles: an application's new app role reaches its
// service principal only once the replication lag has passed since the
// write ("the synchronization isn't immediate"): the service principal as
// read lacks it, and assigning it answers Graph's "Permission being
// assigned was not found on application." 400 until then. Other inherited
// properties travel with the same sync.
func TestFaultReplicationLagRoles(t *testing.T) {
	h := start(t, Options{})
	role := func(id, value string) map[string]any {
		return map[string]any{"id": id, "value": value, "displayName": value, "description": value, "allowedMemberTypes": []any{"Application"}, "isEnabled": true}
	}
	readerID, writerID := uuid.NewString(), uuid.NewString()
	api := h.createApp(map[string]any{"displayName": "api", "appRoles": []any{role(readerID, "reader")}})
	client := h.createApp(map[string]any{"displayName": "client"})
	apiSP := h.do("POST", "/v1.0/servicePrincipals", map[string]any{"appId": api.str("appId")}).must(t, http.StatusCreated)
	clientSP := h.do("POST", "/v1.0/servicePrincipals", map[string]any{"appId": client.str("appId")}).must(t, http.StatusCreated)
	h.clock.Advance(time.Minute) // all four have replicated
	h.e.SetFaults(Faults{ReplicationLag: 10 * time.Second})

	h.do("PATCH", "/v1.0/applications/"+api.str("id"), map[string]any{"appRoles": []any{role(readerID, "reader"), role(writerID, "writer")},
		"identifierUris": []any{"api://api"}}).must(t, http.StatusNoContent)
	to := "/v1.0/servicePrincipals/" + apiSP.str("id") + "/appRoleAssignedTo"
	assign := func(roleID string) resp {
		return h.do("POST", to, map[string]any{"principalId": clientSP.str("id"), "resourceId": apiSP.str("id"), "appRoleId": roleID})
	}
	seen := func() []any {
		sp := h.do("GET", "/v1.0/servicePrincipals/"+apiSP.str("id"), nil).must(t, http.StatusOK)
		var values []any
		for _, r := range sp.body["appRoles"].([]any) {
			values = append(values, r.(map[string]any)["value"])
		}
		return []any{values, sp.body["servicePrincipalNames"]}
	}
	if diff := cmp.Diff([]any{[]any{"reader"}, []any{api.str("appId")}}, seen()); diff != "" {
		t.Errorf("service principal during the lag (-want +got):\n%s", diff)
	}
	r := assign(writerID).must(t, http.StatusBadRequest)
	if r.errCode() != "Request_BadRequest" || r.errMessage() != "Permission being assigned was not found on application." {
		t.Errorf("assigning the new role during the lag: %s", r.raw)
	}
	assign(readerID).must(t, http.StatusCreated) // a role that had replicated is assignable
	h.clock.Advance(9 * time.Second)
	assign(writerID).must(t, http.StatusBadRequest)
	h.clock.Advance(time.Second)
	if diff := cmp.Diff([]any{[]any{"reader", "writer"}, []any{api.str("appId"), "api://api"}}, seen()); diff != "" {
		t.Errorf("service principal after the lag (-want +got):\n%s", diff)
	}
	assign(writerID).must(t, http.StatusCreated)

	// Writes replicate in order; with the lag off, at once.
	h.do("PATCH", "/v1.0/applications/"+api.str("id"), map[string]any{"displayName": "api v2"}).must(t, http.StatusNoContent)
	h.clock.Advance(5 * time.Second)
	h.do("PATCH", "/v1.0/applications/"+api.str("id"), map[string]any{"displayName": "api v3"}).must(t, http.StatusNoContent)
	appName := func() string {
		return h.do("GET", "/v1.0/servicePrincipals/"+apiSP.str("id"), nil).must(t, http.StatusOK).str("appDisplayName")
	}
	if got := appName(); got != "api" {
		t.Errorf("appDisplayName %q during the lag of both writes, want api", got)
	}
	h.clock.Advance(5 * time.Second)
	if got := appName(); got != "api v2" {
		t.Errorf("appDisplayName %q after the first write's lag, want api v2", got)
	}
	h.e.SetFaults(Faults{})
	if got := appName(); got != "api v3" {
		t.Errorf("appDisplayName %q with the lag off, want api v3", got)
	}
}

func TestFaultVaultOutage(t *testing.T) {
	h := start(t, Options{Faults: Faults{VaultOutage: true}})
	r := h.do("GET", "/vaults/kv1/secrets?api-version=7.4", nil).must(t, http.StatusServiceUnavailable)
	if r.errCode() != "ServiceUnavailable" || r.errMessage() == "" {
		t.Errorf("outage body %s", r.raw)
	}
	// Graph is unaffected.
	h.do("GET", "/v1.0/organization", nil).must(t, http.StatusOK)
	h.e.SetFaults(Faults{})
	if s := h.do("GET", "/vaults/kv1/secrets?api-version=7.4", nil).status; s == http.StatusServiceUnavailable {
		t.Errorf("still 503 after the outage ended")
	}
}

func TestStats(t *testing.T) {
	h := start(t, Options{})
	app := h.createApp(map[string]any{"displayName": "a"})
	h.do("GET", "/v1.0/applications(appId='"+app.str("appId")+"')", nil)
	h.do("POST", "/v1.0/applications/"+app.str("id")+"/addPassword", map[string]any{})
	h.do("GET", "/v1.0/applications?$top=5", nil)
	h.do("GET", "/v1.0/applications?$top=5", nil)
	h.do("POST", "/v1.0/$batch", map[string]any{"requests": []any{map[string]any{"id": "1", "method": "GET", "url": "/applications/" + app.str("id")}}})
	h.do("GET", "/vaults/kv1/secrets/s1/?api-version=7.4", nil)
	h.do("GET", "/_emulator/stats", nil) // not counted
	// Units by the identity limits: 1 per write and per single object, 1
	// per list with $top under 20, nothing for the $batch envelope.
	want := Stats{Total: 7, ResourceUnits: 6, Writes: 2, Routes: map[string]int{
		"POST /v1.0/applications":                  1,
		"GET /v1.0/applications(appId='{appId}')":  1,
		"POST /v1.0/applications/{id}/addPassword": 1,
		"GET /v1.0/applications":                   2,
		"POST /v1.0/$batch":                        1,
		"$batch GET /v1.0/applications/{id}":       1,
		"GET /vaults/{vault}/secrets/{name}/":      1,
	}}
	got := h.e.Stats()
	// The busy span: from the first request counted to the last answer.
	if got.First.IsZero() || got.Last.Before(got.First) {
		t.Errorf("busy span %v to %v: want a first request and a last answer after it", got.First, got.Last)
	}
	got.First, got.Last = time.Time{}, time.Time{}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
	var viaAdmin Stats
	if err := json.Unmarshal(h.do("GET", "/_emulator/stats", nil).must(t, http.StatusOK).raw, &viaAdmin); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, viaAdmin); diff != "" {
		t.Errorf("/_emulator/stats (-want +got):\n%s", diff)
	}
	h.do("POST", "/_emulator/reset-stats", nil).must(t, http.StatusNoContent)
	if diff := cmp.Diff(Stats{Routes: map[string]int{}}, h.e.Stats()); diff != "" {
		t.Errorf("after reset (-want +got):\n%s", diff)
	}
}

func TestAdminRoutes(t *testing.T) {
	h := start(t, Options{})
	h.doAuth("GET", "/_emulator/stats", nil, "").must(t, http.StatusUnauthorized)
	h.do("GET", "/_emulator/nope", nil).must(t, http.StatusNotFound)
	h.do("POST", "/_emulator/stats", nil).must(t, http.StatusMethodNotAllowed)
	r := h.do("POST", "/_emulator/faults", `{"latency":"5ms","throttleRate":50,"retryAfter":2000,"errorRate":0,"replicationLag":"1s","vaultOutage":true,"seed":3,"hostileNextLink":"self","pagePadding":1024,"vaultChallenge":"Bearer x","graphThrottle":"M"}`).must(t, http.StatusOK)
	want := Faults{Latency: 5 * time.Millisecond, ThrottleRate: 50, RetryAfter: 2 * time.Second, ReplicationLag: time.Second, VaultOutage: true, Seed: 3,
		HostileNextLink: "self", PagePadding: 1024, VaultChallenge: "Bearer x", GraphThrottle: "M"}
	if diff := cmp.Diff(want, h.e.Faults()); diff != "" {
		t.Errorf("Faults after POST (-want +got):\n%s", diff)
	}
	wantJSON := map[string]any{"latency": "5ms", "throttleRate": float64(50), "retryAfter": "2s", "errorRate": float64(0), "replicationLag": "1s", "vaultOutage": true, "seed": float64(3), "lostAnswerRate": float64(0), "lostAnswerRoutes": nil, "patchReplacesComplex": false,
		"hostileNextLink": "self", "pagePadding": float64(1024), "vaultChallenge": "Bearer x", "armOutage": false, "armDeniedScopes": nil, "graphThrottle": "M"}
	if diff := cmp.Diff(wantJSON, r.body); diff != "" {
		t.Errorf("POST answer (-want +got):\n%s", diff)
	}
	// A partial update keeps the other knobs.
	h.do("POST", "/_emulator/faults", `{"vaultOutage":false}`).must(t, http.StatusOK)
	want.VaultOutage = false
	if diff := cmp.Diff(want, h.e.Faults()); diff != "" {
		t.Errorf("after a partial POST (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, decodeFaults(t, h.do("GET", "/_emulator/faults", nil).must(t, http.StatusOK).raw)); diff != "" {
		t.Errorf("GET /_emulator/faults (-want +got):\n%s", diff)
	}
	for _, bad := range []string{`{"colour":1}`, `{"latency":"soon"}`, `{"errorRate":2}`, `[]`,
		`{"pagePadding":-1}`, `{"hostileNextLink":"ftp://x"}`, `{"hostileNextLink":"https://h/path"}`} {
		h.do("POST", "/_emulator/faults", bad).must(t, http.StatusBadRequest)
	}
	h.e.SetFaults(Faults{})
	v := h.do("GET", "/_emulator/vaults", nil).must(t, http.StatusOK)
	if strings.TrimSpace(string(v.raw)) != "[]" {
		t.Errorf("vaults %s, want []", v.raw)
	}
}

func decodeFaults(t *testing.T, b []byte) Faults {
	t.Helper()
	var f Faults
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func batchStatuses(r resp) map[string]int {
	out := map[string]int{}
	for _, it := range r.body["responses"].([]any) {
		m := it.(map[string]any)
		out[m["id"].(string)] = int(m["status"].(float64))
	}
	return out
}

func batchItemByID(r resp, id string) map[string]any {
	for _, it := range r.body["responses"].([]any) {
		if m := it.(map[string]any); m["id"] == id {
			return m
		}
	}
	return nil
}

func TestBatch(t *testing.T) {
	h := start(t, Options{})
	app := h.createApp(map[string]any{"displayName": "a"})
	path := "/applications/" + app.str("id")
	r := h.do("POST", "/v1.0/$batch", gzipped(t, map[string]any{"requests": []any{
		map[string]any{"id": "get", "method": "GET", "url": path, "headers": map[string]any{"accept": "application/json"}, "body": nil, "dependsOn": []any{}},
		map[string]any{"id": "patch", "method": "PATCH", "url": path, "headers": map[string]any{"content-type": "application/json"},
			"body": map[string]any{"@odata.type": "#microsoft.graph.application", "notes": "batched"}, "dependsOn": []any{"get"}},
		map[string]any{"id": "missing", "method": "GET", "url": "/applications/" + uuid.NewString()},
		map[string]any{"id": "after-missing", "method": "GET", "url": path, "dependsOn": []any{"missing"}},
		map[string]any{"id": "create", "method": "POST", "url": "applications", "headers": map[string]any{"Content-Type": "application/json"}, "body": map[string]any{"displayName": "b"}},
	}}), "Content-Encoding", "gzip").must(t, http.StatusOK)
	want := map[string]int{"get": 200, "patch": 204, "missing": 404, "after-missing": 424, "create": 201}
	if diff := cmp.Diff(want, batchStatuses(r)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	miss := batchItemByID(r, "missing")
	if ct := miss["headers"].(map[string]any)["Content-Type"]; ct != "application/json" {
		t.Errorf("error item Content-Type %v", ct)
	}
	if code := miss["body"].(map[string]any)["error"].(map[string]any)["code"]; code != "Request_ResourceNotFound" {
		t.Errorf("error item code %v", code)
	}
	if _, ok := batchItemByID(r, "patch")["body"]; ok {
		t.Errorf("204 item has a body")
	}
	if n := h.do("GET", "/v1.0"+path, nil).str("notes"); n != "batched" {
		t.Errorf("notes %q after batched PATCH", n)
	}

	many := make([]any, 21)
	for i := range many {
		many[i] = map[string]any{"id": fmt.Sprint(i), "method": "GET", "url": "/organization"}
	}
	bad := []struct {
		name string
		body any
	}{
		{"21 requests", map[string]any{"requests": many}},
		{"duplicate ids", map[string]any{"requests": []any{map[string]any{"id": "a", "method": "GET", "url": "/organization"}, map[string]any{"id": "A", "method": "GET", "url": "/domains"}}}},
		{"unknown dependency", map[string]any{"requests": []any{map[string]any{"id": "a", "method": "GET", "url": "/organization", "dependsOn": []any{"z"}}}}},
		{"body without content type", map[string]any{"requests": []any{map[string]any{"id": "a", "method": "POST", "url": "/applications", "body": map[string]any{"displayName": "x"}}}}},
		{"no requests", map[string]any{}},
		{"missing url", map[string]any{"requests": []any{map[string]any{"id": "a", "method": "GET"}}}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do("POST", "/v1.0/$batch", tc.body).must(t, http.StatusBadRequest)
			if r.errCode() == "" || r.errMessage() == "" {
				t.Errorf("no Graph error: %s", r.raw)
			}
		})
	}
	twenty := map[string]any{"requests": many[:20]}
	if n := len(h.do("POST", "/v1.0/$batch", twenty).must(t, http.StatusOK).body["responses"].([]any)); n != 20 {
		t.Errorf("20 requests gave %d responses", n)
	}
}

// TestStateSavedOncePerWindow: writes inside one save window cost no save
// each; Close saves them all, and a temporary file a killed run left in
// the directory is gone after the next Start.
func TestStateSavedOncePerWindow(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "."+stateFileName+".tmp123456")
	if err := os.WriteFile(stale, []byte("{half a state"), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := Start(context.Background(), Options{StateDir: dir, Token: "tok", SaveDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale temporary file is still there after Start: %v", err)
	}
	h := &harness{t: t, e: e, hc: e.Client()}
	var ids []string
	for i := range 50 {
		ids = append(ids, h.createApp(map[string]any{"displayName": fmt.Sprintf("app-%d", i)}).str("id"))
	}
	if _, err := os.Stat(filepath.Join(dir, stateFileName)); !os.IsNotExist(err) {
		t.Fatalf("the state was saved during the window (a save per write?): %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	state, err := os.ReadFile(filepath.Join(dir, stateFileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if !strings.Contains(string(state), id) {
			t.Errorf("application %s is missing from the state saved at Close", id)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, en := range entries {
		if strings.Contains(en.Name(), ".tmp") {
			t.Errorf("temporary file %s left in the state directory", en.Name())
		}
	}
}

func TestStatePersistence(t *testing.T) {
	dir := t.TempDir()
	e1, err := Start(context.Background(), Options{StateDir: dir, Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, e: e1, hc: e1.Client()}
	app := h.createApp(map[string]any{"displayName": "kept"})
	secret := h.do("POST", "/v1.0/applications/"+app.str("id")+"/addPassword", map[string]any{}).must(t, http.StatusOK).str("secretText")
	ca1 := e1.CACertPEM()
	// Saved within SaveDelay of the write, without a Close.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, stateFileName)); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("no state file %s after a write: %v", DefaultSaveDelay, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}
	state, _ := os.ReadFile(filepath.Join(dir, stateFileName))
	if strings.Contains(string(state), secret) {
		t.Errorf("the Graph client secret was saved in the state file")
	}
	e2, err := Start(context.Background(), Options{StateDir: dir, Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	h2 := &harness{t: t, e: e2, hc: e2.Client()}
	got := h2.do("GET", "/v1.0/applications/"+app.str("id"), nil).must(t, http.StatusOK)
	if got.str("displayName") != "kept" || len(got.body["passwordCredentials"].([]any)) != 1 {
		t.Errorf("after restart: %s", got.raw)
	}
	if diff := cmp.Diff(string(ca1), string(e2.CACertPEM())); diff != "" {
		t.Errorf("CA changed across restarts (-want +got):\n%s", diff)
	}
	if e2.CAFile() != filepath.Join(dir, caFileName) {
		t.Errorf("CAFile %q", e2.CAFile())
	}
	// New objects continue the creation order after a restart.
	h2.createApp(map[string]any{"displayName": "later"})
	var names []string
	for _, v := range h2.do("GET", "/v1.0/applications?$select=displayName", nil).values() {
		names = append(names, v["displayName"].(string))
	}
	if diff := cmp.Diff([]string{"kept", "later"}, names); diff != "" {
		t.Errorf("order after restart (-want +got):\n%s", diff)
	}
}

func TestEnvFile(t *testing.T) {
	h := start(t, Options{Token: "t0k"})
	path := filepath.Join(t.TempDir(), "emulator.env")
	if err := h.e.WriteEnvFile(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	base := strings.TrimSuffix(h.e.GraphURL(), "/v1.0")
	want := "# regsync emulator environment: source this file.\n" +
		"export REGSYNC_GRAPH_URL=" + base + "/v1.0\n" +
		"export REGSYNC_KEYVAULT_URL='" + base + "/vaults/{vault}'\n" +
		"export REGSYNC_ARM_URL=" + base + "\n" +
		"export REGSYNC_TOKEN=t0k\n" +
		"export REGSYNC_TENANT_ID=" + SeedTenantID + "\n" +
		"export SSL_CERT_FILE=" + h.e.CAFile() + "\n"
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("env file (-want +got):\n%s", diff)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("env file mode %v, want 0600", fi.Mode().Perm())
	}
	ca, _ := os.ReadFile(h.e.CAFile())
	if diff := cmp.Diff(string(h.e.CACertPEM()), string(ca)); diff != "" {
		t.Errorf("CA file (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(h.e.GraphURL(), "https://127.0.0.1:") || h.e.TenantID() != SeedTenantID {
		t.Errorf("GraphURL %q TenantID %q", h.e.GraphURL(), h.e.TenantID())
	}
}

func TestSeedFile(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "seed.yaml")
	appID := "00000002-0000-0ff1-ce00-000000000000"
	userID := uuid.NewString()
	err := os.WriteFile(seed, []byte(`
servicePrincipals:
  - appId: `+appID+`
    displayName: Office 365 Exchange Online
    appRoles:
      - id: dc50a0fb-09a3-484d-be87-e023b12c6440
        value: Exchange.ManageAsApp
        displayName: Manage Exchange As Application
    oauth2PermissionScopes:
      - value: EWS.AccessAsUser.All
users:
  - id: `+userID+`
    displayName: Second Admin
    userPrincipalName: second@contoso.onmicrosoft.com
domains:
  - id: fabrikam.com
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	h := start(t, Options{SeedFile: seed})
	sp := h.do("GET", "/v1.0/servicePrincipals(appId='"+appID+"')", nil).must(t, http.StatusOK)
	role := sp.body["appRoles"].([]any)[0].(map[string]any)
	scope := sp.body["oauth2PermissionScopes"].([]any)[0].(map[string]any)
	got := []any{role["value"], role["isEnabled"], role["allowedMemberTypes"], scope["value"], scope["type"], uuid.Validate(scope["id"].(string)) == nil}
	if diff := cmp.Diff([]any{"Exchange.ManageAsApp", true, []any{"Application"}, "EWS.AccessAsUser.All", "User", true}, got); diff != "" {
		t.Errorf("seeded service principal (-want +got):\n%s", diff)
	}
	h.do("GET", "/v1.0/users/"+userID, nil).must(t, http.StatusOK)
	h.createApp(map[string]any{"displayName": "x", "identifierUris": []any{"https://api.fabrikam.com"}})

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	_ = os.WriteFile(bad, []byte("colour: red\n"), 0o600)
	if _, err := Start(context.Background(), Options{SeedFile: bad}); err == nil {
		t.Error("Start accepted a seed file with an unknown key")
	}
}

// TestSeedFileReplacesBuiltIn: a seed entry for a built-in appId replaces
// the built-in service principal's permissions (it keeps its id); an entry
// that names another id for it, or an appId listed twice, is refused. With
// a state directory the seed file applies as it is at each start, and a
// start without it brings the built-in back.
func TestSeedFileReplacesBuiltIn(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	entry := func(display, scopeID string) string {
		return `
servicePrincipals:
  - appId: ` + DICOMApp + `
    displayName: ` + display + `
    oauth2PermissionScopes:
      - id: ` + scopeID + `
        value: Dicom.Read
domains:
  - id: fabrikam.com
`
	}
	state := filepath.Join(dir, "state")
	startWith := func(seed string) (*Emulator, resp) {
		t.Helper()
		e, err := Start(context.Background(), Options{StateDir: state, Token: "tok", SeedFile: seed})
		if err != nil {
			t.Fatal(err)
		}
		h := &harness{t: t, e: e, hc: e.Client()}
		return e, h.do("GET", "/v1.0/servicePrincipals(appId='"+DICOMApp+"')", nil).must(t, http.StatusOK)
	}
	summary := func(sp resp) []any {
		return []any{sp.str("id"), sp.str("displayName"), permissionIDs(sp, "oauth2PermissionScopes")}
	}
	builtinID := "1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e"
	first, second := uuid.NewString(), uuid.NewString()

	e, sp := startWith(write("v1.yaml", entry("DICOM v1", first)))
	if diff := cmp.Diff([]any{builtinID, "DICOM v1", map[string]string{"Dicom.Read": first}}, summary(sp)); diff != "" {
		t.Errorf("seed over the built-in (-want +got):\n%s", diff)
	}
	_ = e.Close()
	e, sp = startWith(write("v2.yaml", entry("DICOM v2", second)))
	if diff := cmp.Diff([]any{builtinID, "DICOM v2", map[string]string{"Dicom.Read": second}}, summary(sp)); diff != "" {
		t.Errorf("a changed seed file after a restart (-want +got):\n%s", diff)
	}
	h := &harness{t: t, e: e, hc: e.Client()}
	var domains []string
	for _, d := range h.do("GET", "/v1.0/domains", nil).must(t, http.StatusOK).values() {
		domains = append(domains, d["id"].(string))
	}
	if diff := cmp.Diff([]string{"contoso.onmicrosoft.com", "contoso.com", "fabrikam.com"}, domains); diff != "" {
		t.Errorf("domains after two seeded starts (-want +got):\n%s", diff)
	}
	_ = e.Close()
	e, sp = startWith("")
	if diff := cmp.Diff([]any{builtinID, "Azure API for DICOM", map[string]string{"Dicom.ReadWrite": "e69ab058-b8ae-4c0f-b687-5d97888ddccb"}}, summary(sp)); diff != "" {
		t.Errorf("the built-in after a start without the seed file (-want +got):\n%s", diff)
	}
	_ = e.Close()

	for _, tc := range []struct {
		name, seed, want string
	}{
		{"another id for a built-in", "servicePrincipals:\n  - appId: " + DICOMApp + "\n    id: " + uuid.NewString() + "\n    displayName: x\n",
			"exists with id " + builtinID},
		{"an appId twice", "servicePrincipals:\n  - appId: " + DICOMApp + "\n    displayName: x\n  - appId: " + strings.ToUpper(DICOMApp) + "\n    displayName: y\n",
			"is listed at servicePrincipals[0] already"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Start(context.Background(), Options{SeedFile: write("bad.yaml", tc.seed)})
			if err == nil {
				e.Close()
				t.Fatal("Start accepted the seed file")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
	// The built-in's own id may be repeated.
	e2, err := Start(context.Background(), Options{SeedFile: write("same.yaml", "servicePrincipals:\n  - appId: "+DICOMApp+"\n    id: "+builtinID+"\n    displayName: x\n")})
	if err != nil {
		t.Fatalf("a seed entry repeating the built-in's id: %v", err)
	}
	_ = e2.Close()
}

func TestStartErrors(t *testing.T) {
	for _, o := range []Options{
		{Faults: Faults{ErrorRate: 1.5}},
		{Faults: Faults{Latency: -time.Second}},
		{Listen: "256.0.0.1:0"},
		{SeedFile: "/nonexistent/seed.yaml"},
	} {
		if e, err := Start(context.Background(), o); err == nil {
			e.Close()
			t.Errorf("Start(%+v) succeeded, want an error", o)
		}
	}
}

func TestFaultLostAnswer(t *testing.T) {
	h := start(t, Options{})
	h.e.SetFaults(Faults{LostAnswerRate: 1, LostAnswerRoutes: []string{"POST /v1.0/applications", "PUT /vaults/{vault}/secrets/{name}"}})
	r := h.do("POST", "/v1.0/applications", map[string]any{"displayName": "lost-1"}).must(t, http.StatusGatewayTimeout)
	if r.errCode() != "GatewayTimeout" {
		t.Errorf("error code %q, want GatewayTimeout", r.errCode())
	}
	// The write happened: the application is there.
	list := h.do("GET", "/v1.0/applications?$filter=displayName+eq+'lost-1'", nil).must(t, http.StatusOK)
	if n := len(list.values()); n != 1 {
		t.Fatalf("%d applications named lost-1 after a lost create answer, want 1", n)
	}
	// A route not listed answers as usual.
	id := list.values()[0]["id"].(string)
	h.do("PATCH", "/v1.0/applications/"+id, map[string]any{"notes": "n"}).must(t, http.StatusNoContent)
	// Reads are never lost.
	h.do("GET", "/v1.0/applications/"+id, nil).must(t, http.StatusOK)

	// Key Vault: the version is written, the answer lost.
	h.do("PUT", "/vaults/kv1/secrets/s1?api-version=7.4", map[string]any{"value": "v"}).must(t, http.StatusGatewayTimeout)
	got := h.do("GET", "/vaults/kv1/secrets/s1/?api-version=7.4", nil).must(t, http.StatusOK)
	if got.str("value") != "v" {
		t.Errorf("secret after a lost answer = %v, want the written value", got.body)
	}
	if n := h.e.Stats().LostAnswers; n != 2 {
		t.Errorf("Stats().LostAnswers = %d, want 2", n)
	}
}

func TestFaultLostAnswerRateIsValidated(t *testing.T) {
	if _, err := mergeFaultsJSON(Faults{}, []byte(`{"lostAnswerRate": 1.5}`)); err == nil {
		t.Error("lostAnswerRate 1.5 accepted")
	}
	f, err := mergeFaultsJSON(Faults{}, []byte(`{"lostAnswerRate": 0.25, "lostAnswerRoutes": ["POST /v1.0/applications"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Faults{LostAnswerRate: 0.25, LostAnswerRoutes: []string{"POST /v1.0/applications"}}, f); diff != "" {
		t.Errorf("faults (-want +got):\n%s", diff)
	}
}

// TestSaveDelayGrowsWithTheSave: the window before a save is SaveDelay (or
// its default) until saves take long, then nine times the last save, so
// saving a large tenant takes at most a tenth of the time.
func TestSaveDelayGrowsWithTheSave(t *testing.T) {
	for _, c := range []struct {
		delay, last, want time.Duration
	}{
		{0, 0, DefaultSaveDelay},
		{0, 10 * time.Millisecond, DefaultSaveDelay},
		{0, 100 * time.Millisecond, 900 * time.Millisecond},
		{time.Hour, time.Second, time.Hour},
		{50 * time.Millisecond, 20 * time.Millisecond, 180 * time.Millisecond},
	} {
		if got := saveDelay(c.delay, c.last); got != c.want {
			t.Errorf("saveDelay(%s, %s) = %s, want %s", c.delay, c.last, got, c.want)
		}
	}
}
