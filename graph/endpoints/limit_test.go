package endpoints

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/regsync/regsync/tenant"
)

func TestLimitBody(t *testing.T) {
	for _, tt := range []struct {
		size    int
		wantErr bool
	}{{0, false}, {99, false}, {100, false}, {101, true}, {5000, true}} {
		u, _ := url.Parse("https://127.0.0.1:8443/v1.0/applications?$top=999&token=secret")
		res := &http.Response{Body: io.NopCloser(strings.NewReader(strings.Repeat("x", tt.size))),
			Request: &http.Request{Method: "GET", URL: u}}
		b, err := io.ReadAll(LimitBody(res, "graph", 100).Body)
		var te *tenant.Error
		switch {
		case !tt.wantErr && (err != nil || len(b) != tt.size):
			t.Errorf("%d bytes under a cap of 100: read %d, %v", tt.size, len(b), err)
		case tt.wantErr && (!errors.As(err, &te) || te.Kind != tenant.Invalid || len(b) != 100):
			t.Errorf("%d bytes under a cap of 100: read %d, %v; want 100 and an invalid-kind error", tt.size, len(b), err)
		case tt.wantErr && (!strings.Contains(err.Error(), "GET https://127.0.0.1:8443/v1.0/applications with more than 100 bytes") || strings.Contains(err.Error(), "secret")):
			t.Errorf("message %q: want the method, the URL without its query, and the cap", err)
		}
	}
	if got := MaxResponseBytes; got != 16<<20 {
		t.Errorf("MaxResponseBytes = %d; the docs say 16 MiB", got)
	}
}

func TestIsLoopbackAndVaultResource(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.8.9.1": true, "::1": true, "[::1]": true, "localhost": true, "LOCALHOST": true, "localhost.": true,
		"kv1.vault.azure.net": false, "localhost.example.com": false, "10.0.0.1": false, "0.0.0.0": false, "": false, "::": false,
	} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
	for c, want := range map[Cloud]string{"": "https://vault.azure.net", Public: "https://vault.azure.net", USGov: "https://vault.usgovcloudapi.net", China: "https://vault.azure.cn"} {
		if got := (Config{Cloud: c}).VaultResource(); got != want {
			t.Errorf("VaultResource of %q = %q, want %q", c, got, want)
		}
	}
}
