package applier

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
	"github.com/regsync/regsync/tenant/tenanttest"
)

// TestApplyGivesUpOnADeadVault (issue 15 item 14): the vault is down for
// the whole apply of 50 clients with secrets. Apply stops calling it after
// a bounded run of failures: the writes under way are settled (their
// credentials removed) and the remaining secret actions fail before
// addPassword, instead of every action spending its six attempts.
func TestApplyGivesUpOnADeadVault(t *testing.T) {
	h := newHarness(t)
	h.fake.InjectVault(100000, vaultDown())
	p, live := h.plan(manyApps(50), false)
	res, err := h.apply(p, live, h.options())
	if err == nil {
		t.Fatal("apply succeeded through a vault outage")
	}
	writes := countCalls(h.fake.Calls(), "SetSecret")
	added := len(h.fake.CallsOf(tenant.OpAddPassword))
	t.Logf("vault writes %d, addPassword calls %d", writes, added)
	if limit := DefaultVaultFailures + DefaultParallelism; writes > limit {
		t.Errorf("%d vault writes, want at most %d: Apply did not give up on the vault", writes, limit)
	}
	if added > DefaultVaultFailures+DefaultParallelism {
		t.Errorf("%d credentials added, want only those under way when the vault was given up", added)
	}
	failed := 0
	for _, a := range res.Actions {
		if a.Type != planner.TypeSecret {
			continue
		}
		if a.Status != StatusFailed {
			t.Errorf("%s: %s, want failed", a.ID, a.Status)
		}
		if strings.Contains(a.Error, "failed 12 times in a row") {
			failed++
		}
	}
	if failed == 0 {
		t.Error("no action says the vault was given up")
	}
	for _, a := range h.fake.Snapshot().Applications {
		if len(a.PasswordCredentials) > 0 {
			t.Errorf("%s keeps a credential without a vault copy", a.DisplayName)
		}
	}
	h.fake.ClearVaultFaults()
	h.converge(manyApps(50))
}

// TestApplyWaitsWithoutHoldingASlot (issue 15 item 14): with one slot of
// parallelism, an action backing off after a fault gives the slot back
// while it waits, so the other application's create runs meanwhile. (A 429
// with Retry-After would pause the other create too: the run's calls wait
// out a Retry-After together, see TestApplyOutlastsThrottling and tenant.TestGatePausesOtherCalls.)
func TestApplyWaitsWithoutHoldingASlot(t *testing.T) {
	src := fhirSpec[:strings.Index(fhirSpec, "applications:")] + `applications:
  one:
    kind: service
    displayName: One
  two:
    kind: service
    displayName: Two
`
	h := newHarness(t)
	h.fake.Inject(tenant.OpCreateApplication, 1, &tenant.Error{Kind: tenant.Transient, Status: 502, Message: "bad gateway"}, false)
	p, live := h.plan(src, false)
	opts := h.options()
	opts.Parallelism = 1
	var mu sync.Mutex
	blocked := 0
	opts.Retry.Sleep = func(ctx context.Context, d time.Duration) error {
		// Wait (in real time, briefly) for the other create to be sent.
		deadline := time.Now().Add(2 * time.Second)
		for len(h.fake.CallsOf(tenant.OpCreateApplication)) < 2 {
			if time.Now().After(deadline) {
				mu.Lock()
				blocked++
				mu.Unlock()
				break
			}
			time.Sleep(time.Millisecond)
		}
		return h.clock.Sleep(ctx, d)
	}
	res, err := h.apply(p, live, opts)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, describe(res))
	}
	if blocked > 0 {
		t.Errorf("the other create did not run while the throttled one waited: the wait held the only slot")
	}
}

// TestApplyReportsLookAgainAsRetries (issue 15 item 14): the looks for an
// application whose create answer was lost are retries too, and each is
// an action_retry event.
func TestApplyReportsLookAgainAsRetries(t *testing.T) {
	h := newHarness(t)
	h.fake.SetLag(2)
	// A server without the upsert sends the applier down the POST path,
	// whose lost answer it looks for again.
	h.fake.Inject(tenant.OpUpsertApplication, 1, &tenant.Error{Kind: tenant.Invalid, Status: 405, Code: "Request_BadRequest", Message: "method not allowed"}, false)
	h.fake.Inject(tenant.OpCreateApplication, 1, tenanttest.Transient(), true)
	p, live := h.plan(apiSpec, false)
	res, err := h.apply(p, live, h.options())
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, describe(res))
	}
	looks := 0
	for _, e := range h.recorded() {
		if e.Type == EventActionRetry && e.Action == "applications.api:create" && e.Kind == "not found" {
			looks++
		}
	}
	if looks == 0 {
		t.Error("no action_retry event for the looks after the lost create")
	}
	if n := h.fake.AppsWithKey("fhir-test", "api"); n != 1 {
		t.Errorf("%d applications, want 1", n)
	}
}

// TestVaultOutageApplyTime measures, in real time, the apply of 50 clients
// with secrets while the vault answers 503 to everything, under
// DefaultRetryPolicy scaled down a hundredfold (5 ms base, 300 ms cap) and
// the default parallelism. It logs the figure scaled back up; the bound is
// loose, so the test stays stable on a busy machine.
func TestVaultOutageApplyTime(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time measurement")
	}
	const scale = 100
	h := newHarness(t)
	h.fake.InjectVault(100000, vaultDown())
	h.fake.InjectVaultCall("DeletedSecrets", 100000, vaultDown())
	p, live := h.plan(manyApps(50), false)
	d := DefaultRetryPolicy()
	opts := Options{Retry: RetryPolicy{MaxAttempts: d.MaxAttempts, BaseDelay: d.BaseDelay / scale, MaxDelay: d.MaxDelay / scale, LagWindow: d.LagWindow / scale}}
	begin := time.Now()
	_, err := Apply(context.Background(), p, h.fake, h.fake.Vault(), live, opts)
	took := time.Since(begin)
	if err == nil {
		t.Fatal("apply succeeded through a vault outage")
	}
	t.Logf("50-app apply during a vault outage: %v, which is %v at the real retry delays; %d vault requests",
		took, took*scale, h.fake.Vault().Requests())
	if took*scale > 2*time.Minute {
		t.Errorf("the apply took %v at real delays; a bounded run of vault failures should end it well within 2m", took*scale)
	}
}

// TestApplyOutlastsThrottling (issue 12): an apply throttled more times
// than its attempts for faults waits each Retry-After out and succeeds,
// reporting every wait as an action_retry event.
func TestApplyOutlastsThrottling(t *testing.T) {
	h := newHarness(t)
	h.fake.Inject(tenant.OpUpsertApplication, 10, tenanttest.Throttled(3*time.Second), false)
	h.fake.Inject(tenant.OpCreateApplication, 10, tenanttest.Throttled(3*time.Second), false)
	p, live := h.plan(apiSpec, false)
	opts := h.options() // MaxAttempts 6
	res, err := h.apply(p, live, opts)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, describe(res))
	}
	throttled := 0
	for _, e := range h.recorded() {
		if e.Type == EventActionRetry && e.Kind == tenant.Throttled.String() {
			throttled++
		}
	}
	if throttled < 10 {
		t.Errorf("%d throttled retries reported, want at least 10", throttled)
	}
	if n := h.fake.AppsWithKey("fhir-test", "api"); n != 1 {
		t.Errorf("%d applications, want 1", n)
	}
}

// TestApplyResendsThrottledBatchItems: owners travel in $batch; items
// answered 429 (more of them than the attempts for faults) are sent again
// together once their Retry-After has passed, each answer shown as one
// action_retry event with its wait, and the apply succeeds with every
// owner added once.
func TestApplyResendsThrottledBatchItems(t *testing.T) {
	h := newHarness(t)
	p, live := h.plan(fhirSpec, false)
	const throttled = 9
	h.fake.Inject(tenant.OpAddOwner, throttled, tenanttest.Throttled(3*time.Second), false)
	opts := h.options() // MaxAttempts 6
	res, err := h.apply(p, live, opts)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, describe(res))
	}
	owners := 0
	for _, a := range p.Actions {
		if a.Type == planner.TypeOwner {
			owners++
		}
	}
	events := 0
	for _, e := range h.recorded() {
		if e.Type == EventActionRetry && e.Kind == tenant.Throttled.String() {
			events++
			if e.DelaySeconds != 3 {
				t.Errorf("%s: a wait of %vs, want the Retry-After of 3s", e.Address, e.DelaySeconds)
			}
		}
	}
	if events != throttled {
		t.Errorf("%d throttled action_retry events for %d answers of 429", events, throttled)
	}
	if got := len(h.fake.CallsOf(tenant.OpAddOwner)); owners == 0 || got != owners+throttled {
		t.Errorf("%d add-owner calls for %d owners and %d throttled answers", got, owners, throttled)
	}
	h.converge(fhirSpec)
}

// TestApplyThrottleBudgetSpent: an owner Graph keeps throttling for longer
// than the budget fails with an error that names the wait and the budget,
// and is not sent again alone; the rest of the apply goes on.
func TestApplyThrottleBudgetSpent(t *testing.T) {
	h := newHarness(t)
	p, live := h.plan(fhirSpec, false)
	h.fake.Inject(tenant.OpAddOwner, 1000, tenanttest.Throttled(30*time.Second), false)
	opts := h.options()
	opts.Retry.ThrottleBudget = 2 * time.Minute
	res, err := h.apply(p, live, opts)
	if err == nil {
		t.Fatal("apply succeeded while Graph throttled every owner")
	}
	failed := 0
	for _, a := range res.Actions {
		if a.Error == "" {
			continue
		}
		failed++
		if !budgetSpent.MatchString(a.Error) {
			t.Errorf("%s: error %q does not name the wait and the budget", a.Address, a.Error)
		}
	}
	if failed == 0 || res.Summary.Failed != failed {
		t.Errorf("%d actions with an error, summary %s", failed, res.Summary.Line())
	}
	if res.Summary.Added == 0 {
		t.Errorf("nothing added (%s): the apply should go on beside the owners", res.Summary.Line())
	}
	if n := len(h.fake.CallsOf(tenant.OpAddOwner)); n > failed*6 {
		t.Errorf("%d add-owner calls for %d owners: throttled items are sent again only within the budget", n, failed)
	}
}

// budgetSpent is the error of an action throttled past its budget; the
// wait can exceed the budget when the run's shared pause was held longer
// for other calls.
var budgetSpent = regexp.MustCompile(`^still throttled after waiting \d+m\d+s over \d+ throttled answers; waiting the 30s more it asks would pass the throttle budget of 2m0s: too many requests$`)
