package applier

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
	"github.com/regsync/regsync/tenant/tenanttest"
)

// daemonSpec has one application and one client secret, so the vault
// faults a test queues all hit that secret.
var daemonSpec = fhirSpec[:strings.Index(fhirSpec, "applications:")] + `applications:
  daemon:
    kind: service
    displayName: Daemon
    secret: {}
`

const daemonSecret = "daemon-client-secret"

// gatewayTimeout is a vault write whose answer was lost on its way back.
func gatewayTimeout() error {
	return &tenant.Error{Kind: tenant.Transient, Status: 504, Message: "key vault answered 504 Gateway Timeout"}
}

func vaultDown() error {
	return &tenant.Error{Kind: tenant.Transient, Status: 503, Message: "key vault answered 503 Service Unavailable"}
}

func secretResult(t *testing.T, res *Result) ActionResult {
	t.Helper()
	for _, a := range res.Actions {
		if a.Type == planner.TypeSecret && a.Op == planner.OpCreate {
			return a
		}
	}
	t.Fatalf("no secret action:\n%s", describe(res))
	return ActionResult{}
}

// TestApplyKeepsCredentialWhoseVaultWriteLanded (issue 15 item 3): the
// first vault write is carried out but its answer is lost (504), and the
// vault is down for the retries. The write did land, so the credential
// must stay: removing it would leave the vault's latest version holding a
// dead value.
func TestApplyKeepsCredentialWhoseVaultWriteLanded(t *testing.T) {
	h := newHarness(t)
	h.fake.InjectVaultLost(1, gatewayTimeout())
	h.fake.InjectVault(5, vaultDown())
	p, live := h.plan(daemonSpec, false)
	res, err := h.apply(p, live, h.options())
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, describe(res))
	}
	app := h.fake.AppByKey("daemon")
	if len(app.PasswordCredentials) != 1 {
		t.Fatalf("%d credentials, want the one whose vault write landed", len(app.PasswordCredentials))
	}
	vs := h.fake.Versions("fhir-kv", daemonSecret)
	if len(vs) != 1 || vs[0].Meta.Tags[tenant.SecretTagKeyID] != app.PasswordCredentials[0].KeyID {
		t.Errorf("the vault's latest version does not carry the live credential: %+v", vs)
	}
	if a := secretResult(t, res); !strings.Contains(a.Detail, "answer was lost") {
		t.Errorf("detail %q does not say the answer was lost", a.Detail)
	}
	h.converge(daemonSpec)
}

// TestApplySettlesAnUncheckableVaultWrite: when the versions cannot be
// read either, a write whose answer was lost keeps its credential (it may
// be the vault's latest) and says how to tell; writes that were all
// refused (503) remove it.
func TestApplySettlesAnUncheckableVaultWrite(t *testing.T) {
	for _, tc := range []struct {
		name     string
		first    func(f *tenanttest.Tenant)
		keep     bool
		inError  string
		reasonOK string
	}{
		{"lost answer", func(f *tenanttest.Tenant) { f.InjectVault(1, gatewayTimeout()) }, true, "remove the credential from application \"daemon\" by hand",
			"a 504 may have been carried out"},
		{"refused", func(f *tenanttest.Tenant) { f.InjectVault(1, vaultDown()) }, false, "was removed again",
			"every attempt was a 503: nothing landed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			tc.first(h.fake)
			h.fake.InjectVault(5, vaultDown())
			h.fake.InjectVaultCall("SecretVersions", 100, vaultDown())
			p, live := h.plan(daemonSpec, false)
			res, err := h.apply(p, live, h.options())
			if err == nil {
				t.Fatal("apply succeeded")
			}
			a := secretResult(t, res)
			if !strings.Contains(a.Error, tc.inError) {
				t.Errorf("error %q does not contain %q", a.Error, tc.inError)
			}
			if n := len(h.fake.AppByKey("daemon").PasswordCredentials); (n == 1) != tc.keep {
				t.Errorf("%d credentials left; keep=%v (%s)", n, tc.keep, tc.reasonOK)
			}
		})
	}
}

// TestApplyCompensatesAfterCancel (issue 15 item 4): the apply is
// cancelled (Ctrl-C) while the vault write is in flight. The credential
// has no vault copy, so it must still be removed: compensation runs under
// its own context.
func TestApplyCompensatesAfterCancel(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.fake.OnVault(func(call, _ string) {
		if call == "SetSecret" {
			cancel()
		}
	})
	p, live := h.plan(daemonSpec, false)
	res, err := Apply(ctx, p, h.fake, h.fake.Vault(), live, h.options())
	if err == nil {
		t.Fatal("a cancelled apply succeeded")
	}
	if n := len(h.fake.AppByKey("daemon").PasswordCredentials); n != 0 {
		t.Errorf("%d credentials left without a vault copy after the cancel:\n%s", n, describe(res))
	}
	if a := secretResult(t, res); !strings.Contains(a.Error, "was removed again") {
		t.Errorf("error %q does not say the credential was removed", a.Error)
	}
	h.fake.OnVault(nil)
	h.converge(daemonSpec)
}

// TestApplyRecoversDeletedVaultSecret (issue 15 item 5): the vault secret
// was deleted by hand, so soft delete keeps its name reserved. The next
// write (a renewal) recovers it and writes the new version on top, instead
// of failing with 409 and compensating on every re-run.
func TestApplyRecoversDeletedVaultSecret(t *testing.T) {
	h := newHarness(t)
	h.converge(daemonSpec)
	h.fake.DeleteSecret("fhir-kv", daemonSecret)
	h.clock.Advance(160 * 24 * time.Hour) // inside renewBefore: a renewal is planned
	listed := countCalls(h.fake.Calls(), "DeletedSecrets")
	p, live := h.plan(daemonSpec, false)
	res, err := h.apply(p, live, h.options())
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, describe(res))
	}
	if a := secretResult(t, res); !strings.Contains(a.Detail, "recovered secret "+daemonSecret) {
		t.Errorf("detail %q does not say the secret was recovered", a.Detail)
	}
	vs := h.fake.Versions("fhir-kv", daemonSecret)
	app := h.fake.AppByKey("daemon")
	newest := app.PasswordCredentials[len(app.PasswordCredentials)-1]
	if len(vs) != 2 || vs[1].Meta.Tags[tenant.SecretTagKeyID] != newest.KeyID {
		t.Errorf("vault versions %+v: want the recovered one and the new one on top", vs)
	}
	if n := countCalls(h.fake.Calls(), "DeletedSecrets") - listed; n != 1 {
		t.Errorf("deleted secrets listed %d times, want once per vault", n)
	}
}

// TestApplyStopsBeforeAddPasswordOnDeletedSecret: an identity that may not
// recover gets, before any credential is made, a message naming the
// deleted secret and both ways out.
func TestApplyStopsBeforeAddPasswordOnDeletedSecret(t *testing.T) {
	h := newHarness(t)
	h.converge(daemonSpec)
	h.fake.DeleteSecret("fhir-kv", daemonSecret)
	h.fake.InjectVaultCall("RecoverSecret", 1, &tenant.Error{Kind: tenant.Forbidden, Status: 403, Code: "Forbidden", Message: "the user does not have secrets recover permission"})
	h.clock.Advance(160 * 24 * time.Hour)
	before := len(h.fake.CallsOf(tenant.OpAddPassword))
	p, live := h.plan(daemonSpec, false)
	res, err := h.apply(p, live, h.options())
	if err == nil {
		t.Fatal("apply succeeded")
	}
	a := secretResult(t, res)
	for _, want := range []string{daemonSecret, "fhir-kv", "is deleted", "az keyvault secret recover", "az keyvault secret purge", "no credential was added"} {
		if !strings.Contains(a.Error, want) {
			t.Errorf("error does not say %q: %s", want, a.Error)
		}
	}
	if n := len(h.fake.CallsOf(tenant.OpAddPassword)) - before; n != 0 {
		t.Errorf("%d addPassword calls, want none", n)
	}
	// Once purged, the name is free and a re-run converges.
	h.fake.PurgeSecret("fhir-kv", daemonSecret)
	h.converge(daemonSpec)
}

// apiSpec has one resource application with an identifier URI.
var apiSpec = fhirSpec[:strings.Index(fhirSpec, "applications:")] + `applications:
  api:
    kind: resource
    displayName: API
    identifierUris: [https://api.contoso.com]
`

// TestApplyAdoptsApplicationHoldingItsIdentifierURI (issue 15 item 7): a
// run crashed after creating the application, and the re-run comes inside
// the replication lag: neither the plan nor the look before the create can
// see it, and the create answers that the identifier URI is taken. The
// holder carries the set and key tags, so it is adopted.
func TestApplyAdoptsApplicationHoldingItsIdentifierURI(t *testing.T) {
	h := newHarness(t)
	p, live := h.plan(apiSpec, false)
	made := h.fake.AddApplication(&tenant.Application{DisplayName: "API (crashed run)", IdentifierURIs: []string{"https://api.contoso.com"},
		Tags: []string{tenant.SetTag("fhir-test"), tenant.KeyTag("api")}})
	h.fake.Hide(made.ID, 2) // the look before the create, and the first look after
	res, err := h.apply(p, live, h.options())
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, describe(res))
	}
	if n := h.fake.AppsWithKey("fhir-test", "api"); n != 1 {
		t.Errorf("%d applications carry the key, want 1", n)
	}
	if got := h.fake.AppByKey("api"); got.ID != made.ID || got.DisplayName != "API" {
		t.Errorf("application %+v: want %s adopted and brought to the plan", got, made.ID)
	}
	h.converge(apiSpec)
}

// TestApplyIdentifierURIHeldByAnother: the holder is not this key's
// application, so the conflict stays final and the error names it.
func TestApplyIdentifierURIHeldByAnother(t *testing.T) {
	h := newHarness(t)
	p, live := h.plan(apiSpec, false)
	h.fake.AddApplication(&tenant.Application{AppID: "other-app", DisplayName: "Someone else's", IdentifierURIs: []string{"https://api.contoso.com"}})
	res, err := h.apply(p, live, h.options())
	if err == nil {
		t.Fatal("apply succeeded")
	}
	var msg string
	for _, a := range res.Actions {
		if a.ID == "applications.api:create" {
			msg = a.Error
		}
	}
	for _, want := range []string{"identifierUris already exists", "https://api.contoso.com", "other-app", "regsync:key=api"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q: %s", want, msg)
		}
	}
}

func countCalls(calls []string, prefix string) int {
	n := 0
	for _, c := range calls {
		if strings.HasPrefix(c, prefix+" ") {
			n++
		}
	}
	return n
}
