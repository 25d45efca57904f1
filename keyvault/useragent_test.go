package keyvault

import (
	"context"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/graph/endpoints"
	"github.com/regsync/regsync/tenant"
)

// TestUserAgentOnEveryRequest lists and writes through the real azsecrets
// client with azcore's retries on: the unauthenticated challenge probe, a
// throttled attempt and its retry, and the write must all name regsync
// first, exactly once, with azcore's product after it.
func TestUserAgentOnEveryRequest(t *testing.T) {
	f := &fakeVault{}
	var mu sync.Mutex
	var seen []string
	throttled := false
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua := r.Header.Get("User-Agent")
		if !strings.HasPrefix(ua, "regsync/dev+0123456789ab-dirty azsdk-go-azsecrets/") || strings.Count(ua, "regsync/") != 1 {
			t.Errorf("%s %s: User-Agent %q, want regsync's product once and first, then azsecrets'", r.Method, r.URL.Path, ua)
		}
		mu.Lock()
		authorized := r.Header.Get("Authorization") != ""
		seen = append(seen, r.Method+" "+r.URL.Path+map[bool]string{true: " (token)", false: ""}[authorized])
		throttle := authorized && r.Method == "GET" && !throttled
		if throttle {
			throttled = true
		}
		mu.Unlock()
		if throttle {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(429)
			_, _ = io.WriteString(w, `{"error":{"code":"Throttled","message":"slow down"}}`)
			return
		}
		f.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	// 30 characters: longer than azcore's ApplicationID keeps.
	s, err := New(endpoints.Config{VaultURL: srv.URL + "/vaults/{vault}", Token: "kv-token", CACertPEM: ca},
		Options{UserAgent: "regsync/dev+0123456789ab-dirty", SDKRetries: true})
	if err != nil {
		t.Fatal(err)
	}
	s.azure.Retry.RetryDelay, s.azure.Retry.MaxRetryDelay = time.Millisecond, time.Millisecond
	if _, err := s.ListSecrets(context.Background(), "kv1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetSecret(context.Background(), "kv1", "s1", tenant.NewSecretValue("v"), tenant.SecretWrite{ContentType: "text/plain"}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /vaults/kv1/secrets",         // challenge probe
		"GET /vaults/kv1/secrets (token)", // 429
		"GET /vaults/kv1/secrets (token)", // retry
		"GET /vaults/kv1/secrets (token)", // page 2
		"PUT /vaults/kv1/secrets/s1 (token)",
	}
	if d := cmp.Diff(want, seen); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
}
