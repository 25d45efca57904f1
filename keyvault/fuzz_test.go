package keyvault

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/regsync/regsync/graph/endpoints"
	"github.com/regsync/regsync/tenant"
)

// cannedVault answers like a vault without a network: a request without a
// token gets a 401 with challenge, any other gets status and body.
type cannedVault struct {
	challenge string
	status    int
	body      []byte
}

func (v cannedVault) Do(r *http.Request) (*http.Response, error) {
	res := &http.Response{Request: r, Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}, "Retry-After": {"1"}}}
	body := v.body
	if r.Header.Get("Authorization") == "" {
		res.StatusCode = http.StatusUnauthorized
		res.Header.Set("WWW-Authenticate", v.challenge)
		body = []byte(`{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}`)
	} else {
		res.StatusCode = v.status
	}
	res.Status = http.StatusText(res.StatusCode)
	res.Body, res.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	return res, nil
}

// FuzzVaultResponse feeds a random challenge header and random bytes as
// a secret bundle, a list page or an error body to the store, through
// azsecrets' challenge policy and decoders and regsync's guards, on a
// loopback vault (the challenge reaches the SDK's parser unchecked) and on
// a named one (challengeGuard in the way). No panic may escape the store.
// make fuzz runs it.
func FuzzVaultResponse(f *testing.F) {
	const good = `Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-0000000000a1", resource="https://vault.azure.net"`
	for _, s := range []struct {
		challenge string
		status    uint8
		body      string
	}{
		{good, 0, `{"value":"v","id":"https://127.0.0.1/vaults/kv1/secrets/s/0123456789abcdef0123456789abcdef","contentType":"text/plain","tags":{"client-id":"a"},` +
			`"attributes":{"enabled":true,"exp":1800000000,"created":1700000000,"updated":1700000000,"recoveryLevel":"Recoverable+Purgeable"}}`},
		{good, 0, `{"value":[{"id":"https://127.0.0.1/vaults/kv1/secrets/s","attributes":{"enabled":true}}],"nextLink":null}`},
		{good, 0, `{"value":[],"nextLink":"https://127.0.0.1/vaults/kv1/secrets?$skiptoken=x"}`},
		{good, 1, `{"error":{"code":"Conflict","message":"x","innererror":{"code":"ObjectIsDeletedButRecoverable"}}}`},
		{good, 2, `{"error":{"code":"Throttled"}}`},
		{`Bearer authorization="garbage", resource="https://vault.azure.net"`, 0, `{}`},
		{`Bearer authorization="https://login.microsoftonline.com/t", scope="https://graph.microsoft.com/.default"`, 0, `{}`},
		{`Bearer claims="e30=", error="insufficient_claims"`, 0, `{}`},
		{`Bearer`, 3, `not json`},
		{good, 0, `{"attributes":{"exp":1.5}}`},
	} {
		f.Add(s.challenge, s.status, []byte(s.body))
	}
	statuses := []int{200, 409, 429, 500, 404, 403, 204}
	f.Fuzz(func(t *testing.T, challenge string, status uint8, body []byte) {
		for _, vaultURL := range []string{"https://127.0.0.1/vaults/{vault}", "https://{vault}.vault.azure.net"} {
			s, err := New(endpoints.Config{VaultURL: vaultURL, Token: "t", TenantID: "00000000-0000-0000-0000-0000000000a1"},
				Options{Transport: cannedVault{challenge: challenge, status: statuses[int(status)%len(statuses)], body: body}})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			_, err1 := s.SetSecret(ctx, "kv1", "s", tenant.NewSecretValue("v"), tenant.SecretWrite{ContentType: "text/plain"})
			_, err2 := s.ListSecrets(ctx, "kv1")
			// The call wrapper's recover is the last resort: an input that
			// needs it is a gap in challengeCheck (or a new SDK panic).
			for _, err := range []error{err1, err2} {
				if err != nil && strings.Contains(err.Error(), "failed with a panic") {
					t.Errorf("%s: %v", vaultURL, err)
				}
			}
		}
	})
}
