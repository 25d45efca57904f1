package keyvault

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/regsync/regsync/tenant"
)

// Key Vault tells a client where to get its token: the first request goes
// out without one, and the 401 answer's WWW-Authenticate names the
// authority (with the tenant as the first path segment) and the resource
// (https://learn.microsoft.com/azure/key-vault/general/authentication-requests-and-responses).
// azsecrets asks its credential for a token for whatever resource and
// tenant that challenge names, so the vault endpoint chooses what the
// token is for. Two guards stand between the challenge and the
// credential; docs/keyvault-quirks.md, "Authentication: the challenge",
// has the full story.

// challengeGuard is the credential of a vault that is not on a loopback
// address. It asks the real credential only for the cloud's Key Vault
// resource (one scope, resource + "/.default") and, when a tenant is
// configured, only in that tenant; anything else is refused before a token
// exists, so a hostile vault cannot obtain one for Graph or for another
// tenant. azsecrets' own check (DisableChallengeResourceVerification off)
// compares the resource with the vault's host name, which a vault behind
// an overridden URL (a private host name) cannot pass; this check holds
// whatever the host.
type challengeGuard struct {
	cred     azcore.TokenCredential
	vault    string
	resource string // e.g. https://vault.azure.net
	tenantID string // "" = any
}

func (g challengeGuard) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	want := g.resource + "/.default"
	if len(o.Scopes) != 1 || !strings.EqualFold(normalScope(o.Scopes[0]), want) {
		return azcore.AccessToken{}, g.refuse(fmt.Sprintf("a token for %s", strings.Join(o.Scopes, " ")))
	}
	if g.tenantID != "" && !strings.EqualFold(o.TenantID, g.tenantID) {
		return azcore.AccessToken{}, g.refuse(fmt.Sprintf("a token in tenant %q", o.TenantID))
	}
	return g.cred.GetToken(ctx, o)
}

// normalScope folds the forms azsecrets makes of a resource
// ("https://vault.azure.net/" becomes "https://vault.azure.net//.default").
func normalScope(s string) string {
	base := strings.TrimRight(strings.TrimSuffix(s, "/.default"), "/")
	return base + "/.default"
}

func (g challengeGuard) refuse(what string) error {
	msg := fmt.Sprintf("key vault %q asked for %s; regsync gives a vault only a token for %s", g.vault, what, g.resource)
	if g.tenantID != "" {
		msg += fmt.Sprintf(" in tenant %q", g.tenantID)
	}
	return &tenant.Error{Kind: tenant.Forbidden, Message: msg + " (is the vault URL right?)"}
}

// challengeCheck is a per-retry policy, so it runs below azsecrets'
// challenge policy and sees each 401 before that policy parses it. The
// parser takes the tenant as the fourth "/"-separated part of the
// authorization URL and indexes it without a bounds check
// (keyvault/internal challenge_policy.go parseTenant), so a challenge
// without a tenant segment ("authorization=\"garbage\"") panics. Such an
// answer becomes an Invalid error here instead.
type challengeCheck struct{ vault string }

func (p challengeCheck) Do(req *policy.Request) (*http.Response, error) {
	res, err := req.Next()
	if err != nil || res.StatusCode != http.StatusUnauthorized {
		return res, err
	}
	h := res.Header.Get("WWW-Authenticate")
	if h == "" {
		return res, nil
	}
	if a, ok := challengeParams(h)["authorization"]; ok && a != "" && len(strings.Split(a, "/")) < 4 {
		res.Body.Close()
		return nil, nonRetriable{&tenant.Error{Kind: tenant.Invalid, Status: res.StatusCode, Message: fmt.Sprintf(
			"key vault %q sent a malformed authentication challenge: its authorization URL names no tenant", p.vault)}}
	}
	return res, nil
}

// challengeParams reads a challenge's parameters as azsecrets does (the
// same splits, so the two agree on what the header says): "Bearer " is
// removed, the rest split at spaces, each part at "=", quotes and a
// trailing comma dropped.
func challengeParams(h string) map[string]string {
	vals := map[string]string{}
	for _, part := range strings.Split(strings.ReplaceAll(h, "Bearer ", ""), " ") {
		kv := strings.Split(part, "=")
		if len(kv) == 2 {
			vals[kv[0]] = strings.TrimSuffix(strings.ReplaceAll(kv[1], "\"", ""), ",")
		}
	}
	return vals
}

// nonRetriable marks an error final for azcore's retry policy
// (errorinfo.NonRetriable) and unwraps to the *tenant.Error.
type nonRetriable struct{ err *tenant.Error }

func (e nonRetriable) Error() string { return e.err.Error() }
func (e nonRetriable) Unwrap() error { return e.err }
func (nonRetriable) NonRetriable()   {}

// call runs one SDK call for a vault and turns a panic inside it into an
// Unknown *tenant.Error that names the vault, so no panic escapes the
// store: the applier writes a secret right after addPassword and
// compensates on an error, which a panic would skip. The panic's text is
// kept only for a runtime error (an index out of range, a nil
// dereference), never for another value, which might hold anything.
func (s *Store) call(vault, doing string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			what := "a panic"
			if re, ok := r.(runtime.Error); ok {
				what = "a panic (" + re.Error() + ")"
			}
			err = &tenant.Error{Kind: tenant.Unknown, Message: fmt.Sprintf(
				"%s: the key vault client failed with %s talking to vault %q", doing, what, vault)}
		}
	}()
	return f()
}
