package applier

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
	"github.com/regsync/regsync/tenant/tenanttest"
)

const (
	graphAppID = "00000003-0000-0000-c000-000000000000"
	graphSPID  = "graph-sp"
	userRead   = "e1fe6dd8-ba31-4d61-89e7-88639da4683d"
	platformID = "5d7e2f3a-8b1c-4d6e-9f0a-1b2c3d4e5f60"
)

// fhirSpec is shaped like a FHIR deployment: the API, a confidential web
// client, a SPA, two daemons (one with a secret, one federated), admin
// consent, secrets in one vault.
const fhirSpec = `version: 1
tenant: contoso.onmicrosoft.com
set: fhir-test
defaults:
  owners: [5d7e2f3a-8b1c-4d6e-9f0a-1b2c3d4e5f60]
  secrets: { vault: fhir-kv, lifetime: 180d, renewBefore: 30d, overlap: 7d }
apis:
  microsoft-graph: { appId: 00000003-0000-0000-c000-000000000000 }
applications:
  fhir-api:
    kind: resource
    displayName: FHIR API
    identifierUris: [https://fhir.contoso.com]
    scopes:
      user_impersonation: { type: Admin, adminConsentDisplayName: Use the FHIR API }
      patient_read: { adminConsentDisplayName: Read patients }
    appRoles:
      reader: { displayName: Reader, memberTypes: [User, Application] }
      exporter: { displayName: Exporter, memberTypes: [Application] }
  portal:
    kind: confidential
    displayName: Clinician portal
    redirectUris: [https://portal.contoso.com/signin-oidc]
    access:
      fhir-api: { scopes: [user_impersonation] }
      microsoft-graph: { scopes: [User.Read] }
    adminConsent: true
    secret: {}
  viewer:
    kind: public
    platform: spa
    displayName: Patient viewer
    redirectUris: [https://viewer.contoso.com/callback]
    access:
      fhir-api: { scopes: [user_impersonation] }
  exporter:
    kind: service
    displayName: Nightly export
    access:
      fhir-api: { roles: [reader, exporter] }
    adminConsent: true
    secret: { name: export-secret, lifetime: 90d, renewBefore: 21d }
  ingest:
    kind: service
    displayName: Ingest job
    access:
      fhir-api: { roles: [reader] }
    adminConsent: true
    federatedCredentials:
      main: { issuer: https://token.actions.githubusercontent.com, subject: "repo:contoso/ingest:ref:refs/heads/main" }
`

// safeClock is a fake clock shared by the applier's goroutines: sleeping
// advances it at once, so no test waits.
type safeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func (c *safeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *safeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func (c *safeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *safeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

type harness struct {
	t      testing.TB
	clock  *safeClock
	fake   *tenanttest.Tenant
	mu     sync.Mutex
	events []Event
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	c := &safeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	f := tenanttest.New(c.Now)
	f.AddServicePrincipal(&tenant.ServicePrincipal{ID: graphSPID, AppID: graphAppID, DisplayName: "Microsoft Graph",
		Scopes: []tenant.PermissionScope{{ID: userRead, Value: "User.Read", Type: "User", IsEnabled: true}}})
	return &harness{t: t, clock: c, fake: f}
}

func parseSpec(t testing.TB, src string) *spec.Spec {
	t.Helper()
	s, ds := spec.Parse("registrations.yaml", []byte(src))
	if ds.HasErrors() {
		t.Fatalf("spec: %s", ds.Format())
	}
	return s
}

// plan computes the plan of src against the fake's current state.
func (h *harness) plan(src string, prune bool) (*planner.Plan, *tenant.Snapshot) {
	h.t.Helper()
	live := h.fake.Snapshot()
	sp := parseSpec(h.t, src)
	// Like tenant.Read, the snapshot says which vaults were read, so an
	// empty (or purged) vault is known to hold nothing.
	for _, a := range sp.Applications {
		if a.Secret != nil && a.Secret.Vault != "" && !slices.Contains(live.VaultsRead, a.Secret.Vault) {
			live.VaultsRead = append(live.VaultsRead, a.Secret.Vault)
		}
	}
	p, ds := planner.Compute(sp, live, planner.Options{Now: h.clock.Now(), Prune: prune, CallerID: h.fake.Caller()})
	if ds.HasErrors() {
		h.t.Fatalf("plan: %s", ds.Format())
	}
	return p, live
}

// options are the test defaults: the fake clock, no real sleeping, every
// event recorded.
func (h *harness) options() Options {
	return Options{
		Now: h.clock.Now,
		Retry: RetryPolicy{MaxAttempts: 6, BaseDelay: time.Second, MaxDelay: 30 * time.Second, LagWindow: 2 * time.Minute,
			Sleep: h.clock.Sleep, Now: h.clock.Now},
		Events: func(e Event) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.events = append(h.events, e)
		},
	}
}

func (h *harness) apply(p *planner.Plan, live *tenant.Snapshot, opts Options) (*Result, error) {
	h.t.Helper()
	return Apply(context.Background(), p, h.fake, h.fake.Vault(), live, opts)
}

// converge plans and applies src until the plan is empty (at most twice:
// the second plan must already be empty), failing the test otherwise.
func (h *harness) converge(src string) *Result {
	h.t.Helper()
	p, live := h.plan(src, false)
	res, err := h.apply(p, live, h.options())
	if err != nil {
		h.t.Fatalf("apply: %v\n%s", err, describe(res))
	}
	if again, _ := h.plan(src, false); !again.Summary.Empty() {
		h.t.Fatalf("second plan is not empty: %s\n%s\nfirst plan:\n%s\napply:\n%s", again.Summary.Line(), actionList(again), actionList(p), describe(res))
	}
	return res
}

func (h *harness) recorded() []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Event(nil), h.events...)
}

func describe(res *Result) string {
	if res == nil {
		return "(no result)"
	}
	var b strings.Builder
	for _, a := range res.Actions {
		fmt.Fprintf(&b, "  %s %s %s %s\n", a.Status, a.ID, a.Detail, a.Error)
	}
	return b.String()
}

func actionList(p *planner.Plan) string {
	var b strings.Builder
	for _, a := range p.Actions {
		fmt.Fprintf(&b, "  %s %s\n", a.ID, a.Description)
	}
	return b.String()
}

func statuses(res *Result) map[string]Status {
	out := map[string]Status{}
	for _, a := range res.Actions {
		out[a.ID] = a.Status
	}
	return out
}
