package emulator

import (
	"net/http"
	"strings"
	"testing"
)

// TestFaultsWire pins the /_emulator/faults wire: every knob written back
// in one fixed order, durations as Go duration strings (a POST may give
// milliseconds), the two route lists of Key Vault left out when empty, and
// the error that lists the known knobs.
func TestFaultsWire(t *testing.T) {
	h := start(t, Options{})
	all := `{"latency":"1.5s","throttleRate":2.5,"retryAfter":"3s","errorRate":0.25,"replicationLag":"1m0s","vaultOutage":true,` +
		`"seed":9,"lostAnswerRate":0.5,"lostAnswerRoutes":["POST /v1.0/applications"],"patchReplacesComplex":true,` +
		`"hostileNextLink":"self","pagePadding":7,"vaultChallenge":"Bearer x","armOutage":true,"armDeniedScopes":["/subscriptions/s"],` +
		`"vaultCertificatesForbidden":["kv1"],"vaultOutageRoutes":["GET /vaults/{vault}/secrets"],"graphThrottle":"L"}`
	if got := strings.TrimSpace(string(h.do("POST", "/_emulator/faults", all).must(t, http.StatusOK).raw)); got != all {
		t.Errorf("POST answer:\n got %s\nwant %s", got, all)
	}
	if got := strings.TrimSpace(string(h.do("GET", "/_emulator/faults", nil).must(t, http.StatusOK).raw)); got != all {
		t.Errorf("GET after POST:\n got %s\nwant %s", got, all)
	}

	h.e.SetFaults(Faults{})
	zero := `{"latency":"0s","throttleRate":0,"retryAfter":"0s","errorRate":0,"replicationLag":"0s","vaultOutage":false,"seed":0,` +
		`"lostAnswerRate":0,"lostAnswerRoutes":null,"patchReplacesComplex":false,"hostileNextLink":"","pagePadding":0,"vaultChallenge":"",` +
		`"armOutage":false,"armDeniedScopes":null,"graphThrottle":""}`
	if got := strings.TrimSpace(string(h.do("GET", "/_emulator/faults", nil).must(t, http.StatusOK).raw)); got != zero {
		t.Errorf("GET of no faults:\n got %s\nwant %s", got, zero)
	}

	// Milliseconds, a list set and then cleared with null, other knobs kept.
	h.do("POST", "/_emulator/faults", `{"latency":250,"armDeniedScopes":["/a"],"seed":4}`).must(t, http.StatusOK)
	h.do("POST", "/_emulator/faults", `{"armDeniedScopes":null}`).must(t, http.StatusOK)
	if f := h.e.Faults(); f.Latency.String() != "250ms" || f.ARMDeniedScopes != nil || f.Seed != 4 {
		t.Errorf("after two partial POSTs: %+v", f)
	}

	for _, tc := range []struct{ body, want string }{
		{`{"colour":1}`, `unknown fault knob "colour" (known: latency, throttleRate, retryAfter, errorRate, replicationLag, vaultOutage, seed, ` +
			`lostAnswerRate, lostAnswerRoutes, patchReplacesComplex, hostileNextLink, pagePadding, vaultChallenge, armOutage, armDeniedScopes, ` +
			`vaultCertificatesForbidden, vaultOutageRoutes, graphThrottle)`},
		{`{"latency":"soon"}`, `fault knob "latency": time: invalid duration "soon"`},
		{`{"latency":null}`, `fault knob "latency": time: invalid duration ""`},
		{`{"retryAfter":true}`, `fault knob "retryAfter": want a duration string such as "250ms" or a number of milliseconds`},
		{`{"seed":"x"}`, `fault knob "seed": json: cannot unmarshal string into Go value of type int64`},
		{`[]`, `faults must be a JSON object: json: cannot unmarshal array into Go value of type map[string]json.RawMessage`},
		{`{"errorRate":2}`, `error rate must be between 0 and 1`},
	} {
		r := h.do("POST", "/_emulator/faults", tc.body).must(t, http.StatusBadRequest)
		if got, _ := r.body["error"].(string); got != tc.want {
			t.Errorf("POST %s:\n got %q\nwant %q", tc.body, got, tc.want)
		}
	}
	if f := h.e.Faults(); f.Seed != 4 {
		t.Errorf("a refused POST changed the knobs: %+v", f)
	}
}

// TestEveryFaultHasAName: a knob is reachable on /_emulator/faults by its
// json tag, so each field needs one of its own.
func TestEveryFaultHasAName(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range (&Faults{}).knobs() {
		if k.name == "" || seen[k.name] {
			t.Errorf("fault knob %q: want a json tag that no other knob has", k.name)
		}
		seen[k.name] = true
	}
}
