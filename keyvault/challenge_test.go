package keyvault

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/graph/endpoints"
	"github.com/regsync/regsync/tenant"
)

const configuredTenant = "00000000-0000-0000-0000-0000000000a1"

// challengingVault answers every request without the token with a 401
// whose challenge is challenge, and lists an empty vault for requests
// with it. It records whether a token ever reached it.
type challengingVault struct {
	challenge string
	mu        sync.Mutex
	tokens    int
}

func (v *challengingVault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") == "" {
		w.Header().Set("WWW-Authenticate", v.challenge)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}`)
		return
	}
	v.mu.Lock()
	v.tokens++
	v.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"value":[],"nextLink":null}`)
}

// storeOnHost builds a Store whose vault URL names host, while its
// transport dials every connection to srv on 127.0.0.1: the store sees a
// vault on host and the test reaches only loopback.
func storeOnHost(t *testing.T, srv *httptest.Server, vaultURL string) *Store {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig.RootCAs = pool
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, srv.Listener.Addr().String())
	}
	s, err := New(endpoints.Config{VaultURL: vaultURL, Token: "kv-token", TenantID: configuredTenant},
		Options{Transport: &http.Client{Transport: tr, Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestChallengeFromANonLoopbackVaultIsVerified serves a vault under a
// non-loopback host name (the test's transport dials it on 127.0.0.1).
// A challenge for another resource, or for another tenant than the
// configured one, must get no token; the cloud's Key Vault resource in the
// configured tenant does. On a loopback host (the emulator) the challenge
// is not checked.
func TestChallengeFromANonLoopbackVaultIsVerified(t *testing.T) {
	const auth = `Bearer authorization="https://login.microsoftonline.com/%s", resource="%s"`
	tests := []struct {
		name, vaultURL, tenantID, resource string
		wantKind                           tenant.Kind // Unknown: no error
	}{
		{"graph resource", "https://{vault}.example.com", configuredTenant, "https://graph.microsoft.com", tenant.Forbidden},
		{"graph resource as scope", "https://{vault}.example.com", configuredTenant, "https://graph.microsoft.com/.default", tenant.Forbidden},
		{"vault resource of another cloud", "https://{vault}.example.com", configuredTenant, "https://vault.azure.cn", tenant.Forbidden},
		{"another tenant", "https://{vault}.example.com", "00000000-0000-0000-0000-0000000000b2", "https://vault.azure.net", tenant.Forbidden},
		{"the vault resource in the configured tenant", "https://{vault}.example.com", configuredTenant, "https://vault.azure.net", tenant.Unknown},
		{"a port on the host", "https://{vault}.example.com:8443", configuredTenant, "https://graph.microsoft.com", tenant.Forbidden},
		{"loopback is not checked", "https://127.0.0.1:8443/vaults/{vault}", "00000000-0000-0000-0000-0000000000b2", "https://graph.microsoft.com", tenant.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &challengingVault{challenge: fmt.Sprintf(auth, tt.tenantID, tt.resource)}
			srv := httptest.NewTLSServer(v)
			defer srv.Close()
			s := storeOnHost(t, srv, tt.vaultURL)
			_, err := s.ListSecrets(context.Background(), "kv1")
			if tt.wantKind == tenant.Unknown {
				if err != nil || v.tokens != 1 {
					t.Errorf("ListSecrets: %v, %d requests with a token; want success", err, v.tokens)
				}
				return
			}
			if v.tokens != 0 {
				t.Errorf("the vault received a token %d times", v.tokens)
			}
			if k := kindOf(err); k != tt.wantKind || !strings.Contains(fmt.Sprint(err), `"kv1"`) {
				t.Errorf("ListSecrets: kind %v, %v; want %v naming the vault", k, err, tt.wantKind)
			}
		})
	}
}

// recordingCred records the token requests that reach it.
type recordingCred struct{ asked []policy.TokenRequestOptions }

func (c *recordingCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.asked = append(c.asked, o)
	return azcore.AccessToken{Token: "t", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func TestChallengeGuardAsksTheCredentialOnlyForTheVault(t *testing.T) {
	for _, tt := range []struct {
		scope, tenantID, configured string
		ok                          bool
	}{
		{"https://vault.azure.net/.default", configuredTenant, configuredTenant, true},
		{"https://VAULT.azure.net/.default", strings.ToUpper(configuredTenant), configuredTenant, true},
		{"https://vault.azure.net//.default", configuredTenant, configuredTenant, true},
		{"https://vault.azure.net/.default", "any-tenant", "", true}, // no tenant configured
		{"https://graph.microsoft.com/.default", configuredTenant, configuredTenant, false},
		{"https://vault.azure.net.evil.example/.default", configuredTenant, configuredTenant, false},
		{"https://vault.azure.net/.default", "other", configuredTenant, false},
		{"https://vault.azure.net/.default", "", configuredTenant, false},
	} {
		inner := &recordingCred{}
		g := challengeGuard{cred: inner, vault: "kv1", resource: "https://vault.azure.net", tenantID: tt.configured}
		_, err := g.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{tt.scope}, TenantID: tt.tenantID})
		if got := err == nil && len(inner.asked) == 1; got != tt.ok {
			t.Errorf("scope %q tenant %q (configured %q): err %v, credential asked %d times; want ok=%v", tt.scope, tt.tenantID, tt.configured, err, len(inner.asked), tt.ok)
		}
	}
	g := challengeGuard{cred: &recordingCred{}, vault: "kv1", resource: "https://vault.azure.net"}
	if _, err := g.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://vault.azure.net/.default", "https://graph.microsoft.com/.default"}}); err == nil {
		t.Errorf("two scopes: no error")
	}
}

// TestMalformedChallengeIsAnError has the emulator answer every Key Vault
// request with a challenge the SDK cannot parse. Each call must return an
// error naming the vault; none may panic.
func TestMalformedChallengeIsAnError(t *testing.T) {
	for _, challenge := range []string{
		`Bearer authorization="garbage", resource="https://vault.azure.net"`,
		`Bearer authorization="https://login.microsoftonline.com", resource="https://vault.azure.net"`,
		`Bearer authorization=https:, resource="https://vault.azure.net"`,
		`Bearer garbage`,
		`Bearer resource="https://vault.azure.net"`,
		`Basic realm="x"`,
	} {
		t.Run(challenge, func(t *testing.T) {
			e, s := emulatorStore(t)
			e.SetFaults(emulator.Faults{VaultChallenge: challenge})
			ctx := context.Background()
			_, err := s.ListSecrets(ctx, "kv1")
			if err == nil || !strings.Contains(err.Error(), `"kv1"`) {
				t.Errorf("ListSecrets: %v; want an error naming the vault", err)
			}
			_, err = s.SetSecret(ctx, "kv1", "portal-secret", tenant.NewSecretValue("s3cr3t-value"), tenant.SecretWrite{})
			if err == nil || !strings.Contains(err.Error(), `"kv1"`) || strings.Contains(err.Error(), "s3cr3t-value") {
				t.Errorf("SetSecret: %v; want an error naming the vault (and not the value)", err)
			}
			if k := kindOf(err); k.Retryable() {
				t.Errorf("SetSecret: kind %v is retryable", k)
			}
		})
	}
}

// TestPanicInTheSDKIsAnError proves the store's call wrapper: whatever
// panics inside a call comes back as an error naming the vault.
func TestPanicInTheSDKIsAnError(t *testing.T) {
	s := &Store{}
	err := s.call("kv1", "listing secrets", func() error {
		var parts []string
		_ = parts[3] // what azsecrets' challenge parser did
		return nil
	})
	var te *tenant.Error
	if !errors.As(err, &te) || te.Kind != tenant.Unknown || !strings.Contains(err.Error(), `"kv1"`) || !strings.Contains(err.Error(), "index out of range") {
		t.Errorf("call = %v; want an Unknown *tenant.Error naming the vault and the runtime error", err)
	}
	err = s.call("kv1", "writing secret", func() error { panic("the value s3cr3t") })
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("call = %v; want an error that does not repeat a panic value that is not a runtime error", err)
	}
	if err := s.call("kv1", "x", func() error { return nil }); err != nil {
		t.Errorf("call of a func that succeeds = %v", err)
	}
}

// TestListNextLinkMustKeepTheOrigin serves list pages whose nextLink
// names the page itself, or another origin: every list of the store must
// stop with an error, sending nothing off the vault's origin.
func TestListNextLinkMustKeepTheOrigin(t *testing.T) {
	var elsewhere sync.Map
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Store(r.URL.Path, r.Header.Get("Authorization"))
		fmt.Fprint(w, `{"value":[],"nextLink":null}`)
	}))
	defer other.Close()
	for name, link := range map[string]func(self string) string{
		"self":       func(self string) string { return self },
		"other port": func(string) string { return other.URL + "/vaults/kv1/secrets?api-version=2026-04-01" },
		"plain http": func(self string) string { return strings.Replace(self, "https://", "http://", 1) },
	} {
		t.Run(name, func(t *testing.T) {
			requests := 0
			var srv *httptest.Server
			srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests++
				if r.Header.Get("Authorization") == "" {
					w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/`+configuredTenant+`", resource="https://vault.azure.net"`)
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				next := link(srv.URL + r.URL.RequestURI())
				fmt.Fprintf(w, `{"value":[{"id":"%s/vaults/kv1/secrets/s%d"}],"nextLink":%q}`, srv.URL, requests, next)
			}))
			defer srv.Close()
			pool := x509.NewCertPool()
			pool.AddCert(srv.Certificate())
			pool.AddCert(other.Certificate())
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.TLSClientConfig.RootCAs = pool
			s, err := New(endpoints.Config{VaultURL: srv.URL + "/vaults/{vault}", Token: "kv-token"}, Options{Transport: &http.Client{Transport: tr, Timeout: 10 * time.Second}})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for list, read := range map[string]func() (int, error){
				"ListSecrets":         func() (int, error) { l, err := s.ListSecrets(ctx, "kv1"); return len(l), err },
				"SecretVersions":      func() (int, error) { l, err := s.SecretVersions(ctx, "kv1", "s"); return len(l), err },
				"DeletedSecrets":      func() (int, error) { l, err := s.DeletedSecrets(ctx, "kv1"); return len(l), err },
				"ListCertificates":    func() (int, error) { l, err := s.ListCertificates(ctx, "kv1"); return len(l), err },
				"CertificateVersions": func() (int, error) { l, err := s.CertificateVersions(ctx, "kv1", "c"); return len(l), err },
				"DeletedCertificates": func() (int, error) { l, err := s.DeletedCertificates(ctx, "kv1"); return len(l), err },
			} {
				n, err := read()
				if kindOf(err) != tenant.Invalid || !strings.Contains(fmt.Sprint(err), "next link") {
					t.Errorf("%s = %d items, %v; want an invalid-kind error about the next link", list, n, err)
				}
			}
			elsewhere.Range(func(k, v any) bool {
				t.Errorf("a request left the vault's origin: %v (authorization %q)", k, v)
				return true
			})
		})
	}
}
