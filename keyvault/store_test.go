package keyvault

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
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

func TestParseID(t *testing.T) {
	tests := []struct{ id, name, version string }{
		{"https://v.vault.azure.net/secrets/loader/03bcccc7c8cf4546a0e3e21e52560441", "loader", "03bcccc7c8cf4546a0e3e21e52560441"},
		{"https://v.vault.azure.net/secrets/loader", "loader", ""},
		{"https://127.0.0.1:8443/vaults/kv1/secrets/portal-secret/abc", "portal-secret", "abc"},
		{"https://127.0.0.1:8443/vaults/secrets/secrets/x", "x", ""},
		{"https://v.vault.azure.net/keys/k", "", ""},
	}
	for _, tt := range tests {
		n, v := ParseID(tt.id)
		if n != tt.name || v != tt.version {
			t.Errorf("ParseID(%q) = %q, %q; want %q, %q", tt.id, n, v, tt.name, tt.version)
		}
	}
}

// fakeVault answers like Key Vault under /vaults/{vault}: a 401 challenge
// to requests without a token, two list pages, and PUT of a secret.
type fakeVault struct {
	mu    sync.Mutex
	puts  []map[string]any
	paths []string
	gets  int // GETs of a single secret (must stay zero)
}

func (f *fakeVault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.paths = append(f.paths, r.Method+" "+r.URL.Path)
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer kv-token" {
		w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-0000000000t1", resource="https://vault.azure.net"`)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		_, _ = io.WriteString(w, `{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}`)
		return
	}
	host := "https://" + r.Host
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == "/vaults/missing/secrets":
		w.WriteHeader(404)
		_, _ = io.WriteString(w, `{"error":{"code":"VaultNotFound","message":"no such vault"}}`)
	case r.Method == "GET" && r.URL.Path == "/vaults/kv1/secrets" && r.URL.Query().Get("$skiptoken") == "":
		_ = json.NewEncoder(w).Encode(map[string]any{
			"value":    []any{map[string]any{"id": host + "/vaults/kv1/secrets/a", "contentType": "text/plain", "tags": map[string]any{"client-id": "app1"}, "attributes": map[string]any{"enabled": true, "exp": 1800000000, "created": 1700000000, "updated": 1700000001}}},
			"nextLink": host + "/vaults/kv1/secrets?api-version=2026-04-01&$skiptoken=2",
		})
	case r.Method == "GET" && r.URL.Path == "/vaults/kv1/secrets":
		_ = json.NewEncoder(w).Encode(map[string]any{
			"value":    []any{map[string]any{"id": host + "/vaults/kv1/secrets/b", "attributes": map[string]any{"enabled": false, "created": 1700000000, "updated": 1700000000}}},
			"nextLink": nil,
		})
	case r.Method == "PUT" && strings.HasPrefix(r.URL.Path, "/vaults/kv1/secrets/"):
		raw, _ := io.ReadAll(r.Body)
		var seen, body map[string]any
		_ = json.Unmarshal(raw, &seen)
		_ = json.Unmarshal(raw, &body)
		f.mu.Lock()
		f.puts = append(f.puts, seen)
		f.mu.Unlock()
		name := strings.TrimPrefix(r.URL.Path, "/vaults/kv1/secrets/")
		body["id"] = host + "/vaults/kv1/secrets/" + name + "/0123456789abcdef0123456789abcdef"
		attrs, _ := body["attributes"].(map[string]any)
		if attrs == nil {
			attrs = map[string]any{}
		}
		attrs["enabled"], attrs["created"], attrs["updated"] = true, 1700000000, 1700000000
		body["attributes"] = attrs
		_ = json.NewEncoder(w).Encode(body)
	case r.Method == "GET":
		f.mu.Lock()
		f.gets++
		f.mu.Unlock()
		w.WriteHeader(404)
		_, _ = io.WriteString(w, `{"error":{"code":"SecretNotFound","message":"nope"}}`)
	default:
		w.WriteHeader(400)
		_, _ = io.WriteString(w, `{"error":{"code":"BadParameter","message":"unexpected"}}`)
	}
}

func newTestStore(t *testing.T, h http.Handler) (*Store, *httptest.Server) {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	s, err := New(endpoints.Config{VaultURL: srv.URL + "/vaults/{vault}", Token: "kv-token", CACertPEM: ca}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s, srv
}

func TestListSecretsPagesMetadataOnly(t *testing.T) {
	f := &fakeVault{}
	s, _ := newTestStore(t, f)
	got, err := s.ListSecrets(context.Background(), "kv1")
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Unix(1800000000, 0).UTC()
	want := []tenant.SecretMeta{
		{Vault: "kv1", Name: "a", ContentType: "text/plain", Tags: map[string]string{"client-id": "app1"}, Enabled: true, Expires: &exp,
			Created: time.Unix(1700000000, 0).UTC(), Updated: time.Unix(1700000001, 0).UTC()},
		{Vault: "kv1", Name: "b", Enabled: false, Created: time.Unix(1700000000, 0).UTC(), Updated: time.Unix(1700000000, 0).UTC()},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("secrets (-want +got):\n%s", d)
	}
	if f.gets != 0 {
		t.Errorf("ListSecrets read %d secret values, want 0", f.gets)
	}
	// challenge probe + authorized page 1 + page 2
	if got := s.Requests(); got != 3 {
		t.Errorf("Requests() = %d, want 3 (paths %v)", got, f.paths)
	}
}

func TestSetSecretSendsMetadata(t *testing.T) {
	f := &fakeVault{}
	s, _ := newTestStore(t, f)
	exp := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	meta, err := s.SetSecret(context.Background(), "kv1", "loader-client-secret", tenant.NewSecretValue("s3cret-value"), tenant.SecretWrite{
		ContentType: "text/plain", Tags: map[string]string{"client-id": "app1", "key-id": "k1"}, Expires: &exp,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.puts) != 1 {
		t.Fatalf("got %d PUTs with a body, want 1", len(f.puts))
	}
	wantBody := map[string]any{
		"value": "s3cret-value", "contentType": "text/plain",
		"tags":       map[string]any{"client-id": "app1", "key-id": "k1"},
		"attributes": map[string]any{"exp": float64(exp.Unix())},
	}
	if d := cmp.Diff(wantBody, f.puts[0]); d != "" {
		t.Errorf("PUT body (-want +got):\n%s", d)
	}
	if meta.Name != "loader-client-secret" || meta.Version != "0123456789abcdef0123456789abcdef" || meta.Expires == nil || !meta.Expires.Equal(exp) {
		t.Errorf("meta = %+v", meta)
	}
}

func TestMissingVaultIsNotFound(t *testing.T) {
	s, _ := newTestStore(t, &fakeVault{})
	_, err := s.ListSecrets(context.Background(), "missing")
	var te *tenant.Error
	if !errors.As(err, &te) || te.Kind != tenant.NotFound {
		t.Fatalf("err = %v, want a NotFound *tenant.Error", err)
	}
	if !strings.Contains(err.Error(), `"missing"`) {
		t.Errorf("error %q does not name the vault", err)
	}
}

func TestVaultURLByCloud(t *testing.T) {
	tests := []struct {
		cfg  endpoints.Config
		want string
	}{
		{endpoints.Config{}, "https://kv1.vault.azure.net"},
		{endpoints.Config{Cloud: endpoints.USGov}, "https://kv1.vault.usgovcloudapi.net"},
		{endpoints.Config{Cloud: endpoints.China}, "https://kv1.vault.azure.cn"},
		{endpoints.Config{VaultURL: "https://127.0.0.1:9/vaults/{vault}"}, "https://127.0.0.1:9/vaults/kv1"},
	}
	for _, tt := range tests {
		if got := tt.cfg.VaultURLFor("kv1"); got != tt.want {
			t.Errorf("VaultURLFor(%+v) = %q, want %q", tt.cfg, got, tt.want)
		}
	}
}
