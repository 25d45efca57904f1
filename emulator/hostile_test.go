package emulator

import (
	"net/http"
	"strings"
	"testing"
)

func TestHostileNextLink(t *testing.T) {
	h := start(t, Options{})
	for i := 0; i < 3; i++ {
		h.createApp(map[string]any{"displayName": "a"})
	}
	base := strings.TrimSuffix(h.e.GraphURL(), "/v1.0")
	tests := []struct {
		mode, path, want string
	}{
		// The last (only) page names itself.
		{"self", "/v1.0/applications?$select=id", base + "/v1.0/applications?$select=id"},
		// A middle page names itself too, not the page after it.
		{"self", "/v1.0/applications?$top=1", base + "/v1.0/applications?$top=1"},
		// Another origin in the honest next link.
		{"http://127.0.0.1:1", "/v1.0/applications?$top=1", "http://127.0.0.1:1/v1.0/applications?$top=1&$skiptoken="},
		// Another origin in the page's own URL on the last page.
		{"https://other.invalid:8443", "/v1.0/applications", "https://other.invalid:8443/v1.0/applications"},
	}
	for _, tt := range tests {
		h.e.SetFaults(Faults{HostileNextLink: tt.mode})
		r := h.do("GET", tt.path, nil).must(t, http.StatusOK)
		got := r.str("@odata.nextLink")
		if !strings.HasPrefix(got, tt.want) || (tt.mode == "self" && got != tt.want) {
			t.Errorf("%s, GET %s: nextLink %q, want %q", tt.mode, tt.path, got, tt.want)
		}
	}
	h.e.SetFaults(Faults{})
	if r := h.do("GET", "/v1.0/applications", nil).must(t, http.StatusOK); r.str("@odata.nextLink") != "" {
		t.Errorf("knob off: nextLink %q on the last page", r.str("@odata.nextLink"))
	}
}

func TestPagePadding(t *testing.T) {
	h := start(t, Options{})
	h.createApp(map[string]any{"displayName": "a"})
	plain := h.do("GET", "/v1.0/applications", nil).must(t, http.StatusOK)
	const n = 3 << 20
	h.e.SetFaults(Faults{PagePadding: n})
	padded := h.do("GET", "/v1.0/applications", nil).must(t, http.StatusOK)
	if len(padded.raw) != len(plain.raw)+n || len(padded.values()) != 1 {
		t.Errorf("padded page: %d bytes and %d values, want %d bytes and 1 value", len(padded.raw), len(padded.values()), len(plain.raw)+n)
	}
	// Errors and writes are not padded; Key Vault reads are.
	if r := h.do("GET", "/v1.0/applications/00000000-0000-0000-0000-000000000001", nil).must(t, http.StatusNotFound); len(r.raw) > 4096 {
		t.Errorf("a 404 was padded: %d bytes", len(r.raw))
	}
	if r := h.do("POST", "/v1.0/applications", map[string]any{"displayName": "b"}).must(t, http.StatusCreated); len(r.raw) > 1<<20 {
		t.Errorf("a create was padded: %d bytes", len(r.raw))
	}
	kv := strings.Replace(h.e.KeyVaultURL(), "{vault}", "kv1", 1)
	if r := h.do("GET", kv+"/secrets?api-version=7.4", nil).must(t, http.StatusOK); len(r.raw) < n {
		t.Errorf("a Key Vault list page was not padded: %d bytes", len(r.raw))
	}
}

func TestVaultChallengeKnob(t *testing.T) {
	h := start(t, Options{})
	const c = `Bearer authorization="garbage", resource="https://vault.azure.net"`
	h.e.SetFaults(Faults{VaultChallenge: c})
	kv := strings.Replace(h.e.KeyVaultURL(), "{vault}", "kv1", 1)
	// With the right token too: the knob stands for a vault that rejects it.
	r := h.do("GET", kv+"/secrets?api-version=7.4", nil).must(t, http.StatusUnauthorized)
	if got := r.header.Get("WWW-Authenticate"); got != c {
		t.Errorf("WWW-Authenticate %q, want %q", got, c)
	}
	h.do("GET", "/v1.0/applications", nil).must(t, http.StatusOK) // Graph unaffected
	h.e.SetFaults(Faults{})
	h.do("GET", kv+"/secrets?api-version=7.4", nil).must(t, http.StatusOK)
}
