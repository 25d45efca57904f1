package graph

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/graph/endpoints"
	"github.com/regsync/regsync/tenant"
)

// TestUserAgentOnEveryRequest sends a plain GET that is throttled once and
// retried by the SDK, and a $batch, through the real SDK client, and checks
// that every request on the wire names regsync first, exactly once, with
// kiota's product after it.
func TestUserAgentOnEveryRequest(t *testing.T) {
	var mu sync.Mutex
	var seen []string // method path: User-Agent
	throttled := false
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var batch struct {
			Requests []struct{ ID string }
		}
		if r.URL.Path == "/v1.0/$batch" {
			if err := decodeBody(r, &batch); err != nil {
				t.Errorf("$batch body: %v", err)
			}
		}
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path)
		ua := r.Header.Get("User-Agent")
		first := !throttled && r.URL.Path == "/v1.0/organization"
		if first {
			throttled = true
		}
		mu.Unlock()
		if got := strings.Count(ua, "regsync/"); !strings.HasPrefix(ua, "regsync/v9.8.7 ") || got != 1 || !strings.Contains(ua, " kiota-go/") {
			t.Errorf("%s %s: User-Agent %q, want regsync/v9.8.7 once and first, then kiota-go", r.Method, r.URL.Path, ua)
		}
		switch {
		case first:
			w.Header().Set("Retry-After", "0")
			graphError(w, 429, "TooManyRequests", "Please retry again later.")
		case r.URL.Path == "/v1.0/organization":
			writeJSON(w, 200, map[string]any{"value": []any{map[string]any{"id": "t1", "displayName": "Contoso"}}})
		case r.URL.Path == "/v1.0/$batch":
			var resps []any
			for _, it := range batch.Requests {
				resps = append(resps, map[string]any{"id": it.ID, "status": 204, "headers": map[string]any{}, "body": nil})
			}
			writeJSON(w, 200, map[string]any{"responses": resps})
		default:
			graphError(w, 400, "Request_BadRequest", "unexpected "+r.URL.Path)
		}
	}))
	t.Cleanup(srv.Close)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	c, err := New(endpoints.Config{GraphURL: srv.URL + "/v1.0", Token: "t", CACertPEM: caPEM}, Options{UserAgent: "regsync/v9.8.7", SDKRetries: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Organization(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := c.DoBatch(context.Background(), []tenant.Write{{Op: tenant.OpDeleteApplication, ID: "a1"}})
	if res[0].Err != nil {
		t.Fatalf("batch item: %v", res[0].Err)
	}
	want := []string{"GET /v1.0/organization", "GET /v1.0/organization", "POST /v1.0/$batch"}
	if d := cmp.Diff(want, seen); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
}

// decodeBody reads a JSON request body, gzipped or not, into v.
func decodeBody(r *http.Request, v any) error {
	var rd io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return err
		}
		rd = zr
	}
	return json.NewDecoder(rd).Decode(v)
}

func TestUserAgentTransport(t *testing.T) {
	tests := []struct{ sent, want string }{
		{"", "regsync/v1"},
		{"kiota-go/1.5.4", "regsync/v1 kiota-go/1.5.4"},
		{"regsync/v1 kiota-go/1.5.4", "regsync/v1 kiota-go/1.5.4"},
		{"regsync/v1", "regsync/v1"},
		{"regsync/v10 x", "regsync/v1 regsync/v10 x"},
	}
	for _, tc := range tests {
		var got string
		ut := &userAgentTransport{product: "regsync/v1", next: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			got = r.Header.Get("User-Agent")
			return &http.Response{StatusCode: 204, Body: http.NoBody, Request: r}, nil
		})}
		req, _ := http.NewRequest("GET", "https://127.0.0.1/v1.0/organization", nil)
		if tc.sent != "" {
			req.Header.Set("User-Agent", tc.sent)
		}
		if _, err := ut.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("sent %q: wire has %q, want %q", tc.sent, got, tc.want)
		}
		if after := req.Header.Get("User-Agent"); after != tc.sent {
			t.Errorf("sent %q: the caller's request was changed to %q", tc.sent, after)
		}
	}
}
