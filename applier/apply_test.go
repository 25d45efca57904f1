package applier

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
	"github.com/regsync/regsync/tenant/tenanttest"
)

func TestApplyCreatesFHIRSet(t *testing.T) {
	h := newHarness(t)
	p, live := h.plan(fhirSpec, false)
	res, err := h.apply(p, live, h.options())
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, describe(res))
	}

	// Every action ran, and the counts are the plan's.
	want := Summary{Added: p.Summary.Add, Changed: p.Summary.Change, Destroyed: p.Summary.Destroy}
	if d := cmp.Diff(want, res.Summary); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}

	// Order: no action started before every action it depends on finished.
	finished := map[string]int{}
	for i, e := range h.recorded() {
		switch e.Type {
		case EventActionFinish:
			finished[e.Action] = i
		case EventActionStart:
			for _, a := range p.Actions {
				if a.ID != e.Action {
					continue
				}
				for _, dep := range a.DependsOn {
					if at, ok := finished[dep]; !ok || at > i {
						t.Errorf("%s started before its dependency %s finished", a.ID, dep)
					}
				}
			}
		}
	}

	// References were resolved: no placeholder reached the tenant.
	for _, c := range h.fake.Calls() {
		if strings.Contains(c, "${") {
			t.Errorf("call with an unresolved reference: %s", c)
		}
	}
	snap := h.fake.Snapshot()
	for _, a := range snap.Applications {
		for _, r := range a.RequiredResourceAccess {
			if planner.IsRef(r.ResourceAppID) {
				t.Errorf("%s requests %s", a.DisplayName, r.ResourceAppID)
			}
		}
	}
	for _, as := range snap.AppRoleAssignments {
		if planner.IsRef(as.PrincipalID) || planner.IsRef(as.ResourceID) {
			t.Errorf("assignment with a reference: %+v", as)
		}
	}

	// Every secret is in the vault, tagged, expiring with its credential.
	now := h.clock.Now()
	for _, tc := range []struct {
		key, name string
		lifetime  time.Duration
	}{
		{"portal", "portal-client-secret", 180 * 24 * time.Hour},
		{"exporter", "export-secret", 90 * 24 * time.Hour},
	} {
		app := h.fake.AppByKey(tc.key)
		if app == nil || len(app.PasswordCredentials) != 1 {
			t.Fatalf("%s: want one credential, have %+v", tc.key, app)
		}
		cred := app.PasswordCredentials[0]
		vs := h.fake.Versions("fhir-kv", tc.name)
		if len(vs) != 1 {
			t.Fatalf("%s: %d vault versions, want 1", tc.name, len(vs))
		}
		m := vs[0].Meta
		wantEnd := now.Add(tc.lifetime)
		got := struct {
			ContentType string
			Tags        map[string]string
			Expires     time.Time
			CredEnd     time.Time
		}{m.ContentType, m.Tags, *m.Expires, cred.End}
		wantMeta := struct {
			ContentType string
			Tags        map[string]string
			Expires     time.Time
			CredEnd     time.Time
		}{"text/plain", map[string]string{"client-id": app.AppID, "key-id": cred.KeyID, "regsync-set": "fhir-test", "regsync-key": tc.key}, wantEnd, wantEnd}
		if d := cmp.Diff(wantMeta, got); d != "" {
			t.Errorf("%s: vault secret (-want +got):\n%s", tc.name, d)
		}
		if vs[0].Value != h.fake.Issued()[indexOf(h.fake.Issued(), vs[0].Value)] {
			t.Errorf("%s: vault holds a value Graph never issued", tc.name)
		}
	}
	if len(h.fake.Issued()) != 2 {
		t.Errorf("issued %d secrets, want 2", len(h.fake.Issued()))
	}

	// The tenant now matches the spec: a second plan changes nothing.
	if again, _ := h.plan(fhirSpec, false); !again.Summary.Empty() {
		t.Errorf("second plan: %s\n%s", again.Summary.Line(), actionList(again))
	}
	t.Logf("%d actions, %d graph requests, %d vault requests", len(p.Actions), res.GraphRequests, res.VaultRequests)
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func TestApplyToleratesReplicationLag(t *testing.T) {
	h := newHarness(t)
	h.fake.SetLag(3) // every new object answers NotFound three times
	res := h.converge(fhirSpec)
	var retries int
	for _, e := range h.recorded() {
		if e.Type == EventActionRetry {
			retries++
			if e.Kind != "not found" {
				t.Errorf("retry of kind %q, want not found", e.Kind)
			}
		}
	}
	if retries == 0 {
		t.Error("no retry under replication lag")
	}
	if len(h.fake.CallsOf(tenant.OpCreateServicePrincipal)) <= 5 {
		t.Error("want NoBackingApplicationObject retries on service principal creates")
	}
	t.Logf("%d retries, %d graph requests", retries, res.GraphRequests)
}

func TestApplyLostCreateMakesNoDuplicate(t *testing.T) {
	for _, tc := range []struct {
		name string
		lag  int
	}{{"visible at once", 0}, {"under lag", 2}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.fake.SetLag(tc.lag)
			// The first create reaches the tenant, but its answer is lost.
			h.fake.Inject(tenant.OpCreateApplication, 1, tenanttest.Transient(), true)
			p, live := h.plan(fhirSpec, false)
			opts := h.options()
			opts.Parallelism = 1
			res, err := h.apply(p, live, opts)
			if err != nil {
				t.Fatalf("apply: %v\n%s", err, describe(res))
			}
			for _, key := range []string{"fhir-api", "portal", "viewer", "exporter", "ingest"} {
				if n := h.fake.AppsWithKey("fhir-test", key); n != 1 {
					t.Errorf("%s: %d applications, want 1", key, n)
				}
			}
			first := res.Actions[0]
			if first.ID != "applications.fhir-api:create" || !strings.Contains(first.Detail, "answer was lost") {
				t.Errorf("first action %s: detail %q, want the lost answer noted", first.ID, first.Detail)
			}
			if again, _ := h.plan(fhirSpec, false); !again.Summary.Empty() {
				t.Errorf("second plan: %s", again.Summary.Line())
			}
		})
	}
}

func TestApplyAdoptsTaggedApplicationBeforeCreate(t *testing.T) {
	h := newHarness(t)
	p, live := h.plan(fhirSpec, false)
	// An earlier apply created the API after this plan's read (or lag hid
	// it from the read): it exists, tagged, with an old display name.
	made, _ := h.fake.Do(context.Background(), tenant.CreateApplication(tenant.AppProps{
		DisplayName: ptrTo("old name"), Tags: &[]string{tenant.SetTag("fhir-test"), tenant.KeyTag("fhir-api")}}))
	old := made.Application
	res, err := h.apply(p, live, h.options())
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, describe(res))
	}
	if n := h.fake.AppsWithKey("fhir-test", "fhir-api"); n != 1 {
		t.Errorf("fhir-api: %d applications, want 1", n)
	}
	if got := h.fake.AppByKey("fhir-api"); got.ID != old.ID || got.DisplayName != "FHIR API" {
		t.Errorf("fhir-api = %s %q, want %s adopted and renamed", got.ID, got.DisplayName, old.ID)
	}
	if again, _ := h.plan(fhirSpec, false); !again.Summary.Empty() {
		t.Errorf("second plan: %s\n%s", again.Summary.Line(), actionList(again))
	}
}

func ptrTo[T any](v T) *T { return &v }

func TestApplyServicePrincipalConflictIsAdopted(t *testing.T) {
	h := newHarness(t)
	// The service principal create reaches Graph, its answer is lost; the
	// retry conflicts with it and adopts it.
	h.fake.Inject(tenant.OpCreateServicePrincipal, 1, tenanttest.Transient(), true)
	res := h.converge(fhirSpec)
	found := false
	for _, a := range res.Actions {
		if strings.Contains(a.Detail, "adopted the existing service principal") {
			found = true
		}
	}
	if !found {
		t.Errorf("no service principal adopted:\n%s", describe(res))
	}
}

func TestApplyVaultFailureRemovesCredential(t *testing.T) {
	h := newHarness(t)
	outage := &tenant.Error{Kind: tenant.Transient, Status: 503, Message: "vault unavailable"}
	h.fake.InjectVault(100, outage)
	p, live := h.plan(fhirSpec, false)
	res, err := h.apply(p, live, h.options())
	if err == nil {
		t.Fatal("apply succeeded through a vault outage")
	}
	got := statuses(res)
	for id, want := range map[string]Status{
		"applications.portal.secret:create":   StatusFailed,
		"applications.exporter.secret:create": StatusFailed,
		"applications.portal:create":          StatusOK,
	} {
		if got[id] != want {
			t.Errorf("%s: %s, want %s", id, got[id], want)
		}
	}
	for _, a := range res.Actions {
		if a.Type != planner.TypeSecret {
			continue
		}
		if !strings.Contains(a.Error, "Key Vault fhir-kv") || !strings.Contains(a.Error, "was removed again") {
			t.Errorf("%s: error %q does not say both facts", a.ID, a.Error)
		}
		if tenant.KindOf(a.Err) != tenant.Transient {
			t.Errorf("%s: kind %v, want the vault's transient", a.ID, tenant.KindOf(a.Err))
		}
	}
	for _, key := range []string{"portal", "exporter"} {
		if app := h.fake.AppByKey(key); len(app.PasswordCredentials) != 0 {
			t.Errorf("%s keeps %d credentials without a vault copy", key, len(app.PasswordCredentials))
		}
	}
	// The vault is back: a re-run converges.
	h.fake.ClearVaultFaults()
	h.converge(fhirSpec)
	for _, key := range []string{"portal", "exporter"} {
		if app := h.fake.AppByKey(key); len(app.PasswordCredentials) != 1 {
			t.Errorf("%s: %d credentials after the re-run, want 1", key, len(app.PasswordCredentials))
		}
	}
}

func TestApplyLostAddPasswordRemovesOrphan(t *testing.T) {
	h := newHarness(t)
	// addPassword makes a credential, but its answer (and the value) is lost.
	h.fake.Inject(tenant.OpAddPassword, 1, tenanttest.Transient(), true)
	p, live := h.plan(fhirSpec, false)
	opts := h.options()
	opts.Parallelism = 1
	res, err := h.apply(p, live, opts)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, describe(res))
	}
	for _, key := range []string{"portal", "exporter"} {
		app := h.fake.AppByKey(key)
		if len(app.PasswordCredentials) != 1 {
			t.Fatalf("%s: %d credentials, want 1", key, len(app.PasswordCredentials))
		}
		name := map[string]string{"portal": "portal-client-secret", "exporter": "export-secret"}[key]
		vs := h.fake.Versions("fhir-kv", name)
		if len(vs) != 1 || vs[0].Meta.Tags["key-id"] != app.PasswordCredentials[0].KeyID {
			t.Errorf("%s: vault copy does not match the remaining credential", key)
		}
	}
	if n := len(h.fake.CallsOf(tenant.OpRemovePassword)); n != 1 {
		t.Errorf("RemovePassword calls = %d, want 1 (the orphan)", n)
	}
}

func TestApplyRenewal(t *testing.T) {
	h := newHarness(t)
	h.converge(fhirSpec)
	before := h.fake.AppByKey("exporter").PasswordCredentials[0]

	// 70 days later the exporter's 90-day secret is within its 21 days.
	h.clock.Advance(70 * 24 * time.Hour)
	p, live := h.plan(fhirSpec, false)
	if d := cmp.Diff([]string{"applications.exporter.secret:renew"}, ids(p)); d != "" {
		t.Fatalf("renewal plan (-want +got):\n%s", d)
	}
	res, err := h.apply(p, live, h.options())
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, describe(res))
	}
	creds := h.fake.AppByKey("exporter").PasswordCredentials
	if len(creds) != 2 || creds[0].KeyID != before.KeyID {
		t.Fatalf("credentials after renewal: %+v, want the old one kept and a new one", creds)
	}
	vs := h.fake.Versions("fhir-kv", "export-secret")
	if len(vs) != 2 {
		t.Fatalf("vault versions = %d, want 2", len(vs))
	}
	if vs[1].Meta.Tags["key-id"] != creds[1].KeyID || !vs[1].Meta.Expires.Equal(h.clock.Now().Add(90*24*time.Hour)) {
		t.Errorf("latest version tags %v expires %v, want the new credential's", vs[1].Meta.Tags, vs[1].Meta.Expires)
	}
	if !strings.Contains(res.Actions[0].Detail, before.KeyID) {
		t.Errorf("detail %q does not name the credential it succeeds", res.Actions[0].Detail)
	}

	// After the overlap the old one is removed; a managed removal does not
	// count against MaxDeletes.
	h.clock.Advance(8 * 24 * time.Hour)
	p, live = h.plan(fhirSpec, false)
	if len(p.Actions) != 1 || p.Actions[0].Op != planner.OpDelete {
		t.Fatalf("after the overlap: %s", actionList(p))
	}
	if CountDeletes(p) != 0 {
		t.Errorf("CountDeletes = %d, want 0 for a managed secret's removal", CountDeletes(p))
	}
	if _, err := h.apply(p, live, h.options()); err != nil {
		t.Fatal(err)
	}
	if creds := h.fake.AppByKey("exporter").PasswordCredentials; len(creds) != 1 || creds[0].KeyID == before.KeyID {
		t.Errorf("credentials: %+v, want only the new one", creds)
	}
}

func ids(p *planner.Plan) []string {
	var out []string
	for _, a := range p.Actions {
		out = append(out, a.ID)
	}
	return out
}

func TestApplyDisablesBeforeRemoving(t *testing.T) {
	h := newHarness(t)
	h.converge(fhirSpec)
	without := strings.Replace(fhirSpec, "      patient_read: { adminConsentDisplayName: Read patients }\n", "", 1)
	p, live := h.plan(without, false)
	if d := cmp.Diff([]string{"applications.fhir-api:disable", "applications.fhir-api:update"}, ids(p)); d != "" {
		t.Fatalf("plan (-want +got):\n%s", d)
	}
	api := h.fake.AppByKey("fhir-api")
	mark := len(h.fake.CallsOf(tenant.OpUpdateApplication))
	h.events = nil
	res, err := h.apply(p, live, h.options())
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, describe(res))
	}
	if n := len(h.fake.CallsOf(tenant.OpUpdateApplication)) - mark; n != 2 {
		t.Errorf("UpdateApplication calls = %d, want 2", n)
	}
	// The events show the disable finished before the update started.
	var order []string
	for _, e := range h.recorded() {
		if e.Type == EventActionStart || e.Type == EventActionFinish {
			order = append(order, string(e.Type)+" "+e.Action)
		}
	}
	want := []string{
		"action_start applications.fhir-api:disable", "action_finish applications.fhir-api:disable",
		"action_start applications.fhir-api:update", "action_finish applications.fhir-api:update",
	}
	if d := cmp.Diff(want, order); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
	after := h.fake.AppByKey("fhir-api")
	for _, s := range after.Scopes {
		if s.Value == "patient_read" {
			t.Errorf("patient_read still defined on %s", api.ID)
		}
	}
}

func TestApplyRefusesTooManyDeletes(t *testing.T) {
	h := newHarness(t)
	h.converge(fhirSpec)
	empty := fhirSpec[:strings.Index(fhirSpec, "applications:")] + "applications:\n  other:\n    kind: resource\n    displayName: Other\n    identifierUris: [https://other.contoso.com]\n"
	p, live := h.plan(empty, true)
	n := CountDeletes(p)
	if n <= DefaultMaxDeletes {
		t.Fatalf("plan deletes %d, want more than %d for this test", n, DefaultMaxDeletes)
	}
	before := h.fake.Requests()
	res, err := h.apply(p, live, h.options())
	if err == nil || res != nil {
		t.Fatalf("apply of a mass delete: res %v err %v, want a refusal", res, err)
	}
	for _, want := range []string{"deletes 10 objects", "--max-deletes 5"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q does not say %q", err, want)
		}
	}
	if h.fake.Requests() != before {
		t.Errorf("the refused apply sent %d requests", h.fake.Requests()-before)
	}
	opts := h.options()
	opts.MaxDeletes = -1
	if _, err := h.apply(p, live, opts); err != nil {
		t.Fatalf("unlimited: %v", err)
	}
	if h.fake.AppsWithKey("fhir-test", "portal") != 0 {
		t.Error("portal survived the prune")
	}
}

func TestApplyParallelismAndOneWriterPerApplication(t *testing.T) {
	for _, par := range []int{1, 2, 4} {
		h := newHarness(t)
		h.fake.SetLag(1)
		p, live := h.plan(manyApps(12), false)
		opts := h.options()
		opts.Parallelism = par
		if res, err := h.apply(p, live, opts); err != nil {
			t.Fatalf("parallelism %d: %v\n%s", par, err, describe(res))
		}
		if h.fake.MaxInflight() > par {
			t.Errorf("parallelism %d: %d calls in flight at once", par, h.fake.MaxInflight())
		}
		if h.fake.MaxPerKey() > 1 {
			t.Errorf("parallelism %d: %d writers of one application at once", par, h.fake.MaxPerKey())
		}
		t.Logf("parallelism %d: at most %d in flight", par, h.fake.MaxInflight())
	}
}

// manyApps is a spec of n confidential clients of one API.
func manyApps(n int) string {
	var b strings.Builder
	b.WriteString(fhirSpec[:strings.Index(fhirSpec, "applications:")])
	b.WriteString("applications:\n  api:\n    kind: resource\n    displayName: API\n    identifierUris: [https://api.contoso.com]\n    appRoles:\n      reader: { displayName: Reader, memberTypes: [Application] }\n")
	for i := range n {
		b.WriteString(fmt.Sprintf("  client-%02d", i) + ":\n    kind: service\n    displayName: Client\n    access:\n      api: { roles: [reader] }\n    adminConsent: true\n    secret: {}\n")
	}
	return b.String()
}

func TestApplySkipsDependantsOfAFailure(t *testing.T) {
	h := newHarness(t)
	// The first create (the API, which comes first) is rejected for good.
	h.fake.Inject(tenant.OpCreateApplication, 1, &tenant.Error{Kind: tenant.Invalid, Status: 400, Code: "HostNameNotOnVerifiedDomain",
		Message: "Values of identifierUris property must use a verified domain"}, false)
	p, live := h.plan(fhirSpec, false)
	opts := h.options()
	opts.Parallelism = 1
	res, err := h.apply(p, live, opts)
	if err == nil {
		t.Fatal("no error")
	}
	got := statuses(res)
	for id, want := range map[string]Status{
		"applications.fhir-api:create":                   StatusFailed,
		"applications.fhir-api.service_principal:create": StatusSkipped,
		"applications.portal:create":                     StatusSkipped, // requests the API's scope
		"applications.exporter:create":                   StatusSkipped,
	} {
		if got[id] != want {
			t.Errorf("%s: %s, want %s", id, got[id], want)
		}
	}
	if res.Summary.Failed != 1 || res.Summary.Skipped == 0 {
		t.Errorf("summary %+v", res.Summary)
	}
	if !strings.Contains(err.Error(), "1 of") {
		t.Errorf("error %q", err)
	}
	// Independent work goes on: a second, unrelated API is created.
	h2 := newHarness(t)
	h2.fake.Inject(tenant.OpCreateApplication, 1, &tenant.Error{Kind: tenant.Invalid, Status: 400, Message: "rejected"}, false)
	two := fhirSpec[:strings.Index(fhirSpec, "applications:")] +
		"applications:\n  first:\n    kind: resource\n    displayName: First\n    identifierUris: [https://first.contoso.com]\n" +
		"  second:\n    kind: resource\n    displayName: Second\n    identifierUris: [https://second.contoso.com]\n"
	p2, live2 := h2.plan(two, false)
	opts.Events = nil
	res2, _ := Apply(context.Background(), p2, h2.fake, h2.fake.Vault(), live2, opts)
	got2 := statuses(res2)
	if got2["applications.first:create"] != StatusFailed || got2["applications.second:create"] != StatusOK ||
		got2["applications.second.service_principal:create"] != StatusOK {
		t.Errorf("independent application did not go on: %v", got2)
	}
}

func TestApplyRetriesHonourRetryAfter(t *testing.T) {
	h := newHarness(t)
	h.fake.Inject(tenant.OpCreateApplication, 2, tenanttest.Throttled(7*time.Second), false)
	h.fake.InjectVault(1, tenanttest.Throttled(3*time.Second))
	p, live := h.plan(fhirSpec, false)
	opts := h.options()
	opts.Parallelism = 1
	if res, err := h.apply(p, live, opts); err != nil {
		t.Fatalf("apply: %v\n%s", err, describe(res))
	}
	if d := cmp.Diff([]time.Duration{7 * time.Second, 7 * time.Second, 3 * time.Second}, h.clock.Sleeps()); d != "" {
		t.Errorf("sleeps (-want +got):\n%s", d)
	}
	var retries []string
	for _, e := range h.recorded() {
		if e.Type == EventActionRetry {
			retries = append(retries, e.Action+" "+e.Kind+" "+time.Duration(e.DelaySeconds*float64(time.Second)).String())
		}
	}
	want := []string{
		"applications.fhir-api:create throttled 7s", "applications.fhir-api:create throttled 7s",
		"applications.portal.secret:create throttled 3s",
	}
	if d := cmp.Diff(want, retries); d != "" {
		t.Errorf("retry events (-want +got):\n%s", d)
	}
}

func TestApplyRefusesUnexecutablePlans(t *testing.T) {
	h := newHarness(t)
	p, live := h.plan(fhirSpec, false)
	if _, err := Apply(context.Background(), p, h.fake, nil, live, h.options()); err == nil || !strings.Contains(err.Error(), "no Key Vault") {
		t.Errorf("secrets without a vault: %v", err)
	}
	broken := *p
	broken.Actions = append([]*planner.Action{{ID: "x", Op: planner.OpCreate, Type: planner.TypeOwner}}, p.Actions...)
	if _, err := h.apply(&broken, live, h.options()); err == nil || !strings.Contains(err.Error(), "no owner payload") {
		t.Errorf("missing payload: %v", err)
	}
	if h.fake.Requests() != 0 {
		t.Errorf("refused applies sent %d requests", h.fake.Requests())
	}
}

func TestApplyRerunAfterInterruptionConverges(t *testing.T) {
	h := newHarness(t)
	p, live := h.plan(fhirSpec, false)
	// Interrupt the apply once the exporter's application exists.
	ctx, cancel := context.WithCancel(context.Background())
	opts := h.options()
	opts.Parallelism = 1
	opts.Events = func(e Event) {
		if e.Type == EventActionFinish && e.Action == "applications.exporter:create" {
			cancel()
		}
	}
	res, err := Apply(ctx, p, h.fake, h.fake.Vault(), live, opts)
	if err == nil || res.Summary.Skipped == 0 {
		t.Fatalf("interrupted apply: err %v\n%s", err, describe(res))
	}
	if got := statuses(res)["applications.ingest:create"]; got != StatusCancelled {
		t.Errorf("ingest after the interruption: %s, want cancelled", got)
	}
	// Re-run: a fresh plan from the tenant as it is, then apply.
	h.converge(fhirSpec)
	for _, key := range []string{"fhir-api", "portal", "viewer", "exporter", "ingest"} {
		if n := h.fake.AppsWithKey("fhir-test", key); n != 1 {
			t.Errorf("%s: %d applications", key, n)
		}
	}
	// And the saved (now stale) plan applied again makes no duplicate
	// either: every create finds what exists.
	_, err = h.apply(p, live, h.options())
	for _, key := range []string{"fhir-api", "portal", "viewer", "exporter", "ingest"} {
		if n := h.fake.AppsWithKey("fhir-test", key); n != 1 {
			t.Errorf("stale plan re-applied: %s: %d applications (err %v)", key, n, err)
		}
	}
}

func TestApplyBatchesSmallWrites(t *testing.T) {
	var requests [2]int
	for i, noBatch := range []bool{true, false} {
		h := newHarness(t)
		p, live := h.plan(manyApps(30), false)
		opts := h.options()
		opts.NoBatch = noBatch
		res, err := h.apply(p, live, opts)
		if err != nil {
			t.Fatalf("noBatch=%v: %v\n%s", noBatch, err, describe(res))
		}
		if again, _ := h.plan(manyApps(30), false); !again.Summary.Empty() {
			t.Errorf("noBatch=%v: second plan %s", noBatch, again.Summary.Line())
		}
		requests[i] = res.GraphRequests
		t.Logf("noBatch=%v: %d actions, %d graph requests, %d $batch calls", noBatch, len(p.Actions), res.GraphRequests, h.fake.BatchCalls())
	}
	if requests[1] >= requests[0] {
		t.Errorf("$batch sent %d requests, single calls %d: want fewer", requests[1], requests[0])
	}
}

// missingReference is what graph/ makes of Graph's 400 for a grant or an
// assignment that names a service principal which has not replicated yet
// ("Not a valid reference update."): NotFound, with the 400 kept.
func missingReference() error {
	return &tenant.Error{Kind: tenant.NotFound, Status: 400, Code: "Request_BadRequest", Message: "Not a valid reference update."}
}

// TestApplyRidesOutMissingReferences: a grant or an assignment that names
// service principals created in this run is retried through Graph's
// "reference to a missing object" answers within the lag window; the same
// answer for objects that existed before the run is final.
func TestApplyRidesOutMissingReferences(t *testing.T) {
	h := newHarness(t)
	h.fake.Inject(tenant.OpCreatePermissionGrant, 3, missingReference(), false)
	h.fake.Inject(tenant.OpCreateAppRoleAssignment, 3, missingReference(), false)
	h.converge(fhirSpec)
	retried := map[planner.ObjectType]bool{}
	for _, e := range h.recorded() {
		if e.Type == EventActionRetry && e.Kind == "not found" &&
			(e.ObjectType == planner.TypePermissionGrant || e.ObjectType == planner.TypeAppRoleAssignment) {
			retried[e.ObjectType] = true
		}
	}
	if d := cmp.Diff(map[planner.ObjectType]bool{planner.TypePermissionGrant: true, planner.TypeAppRoleAssignment: true}, retried); d != "" {
		t.Errorf("grant and assignment actions retried as lag (-want +got):\n%s", d)
	}

	// Every object exists now; a new grant between them is not lag.
	grown := strings.Replace(fhirSpec, "      fhir-api: { scopes: [user_impersonation] }\n  exporter:",
		"      fhir-api: { scopes: [user_impersonation] }\n      microsoft-graph: { scopes: [User.Read] }\n    adminConsent: true\n  exporter:", 1)
	if grown == fhirSpec {
		t.Fatal("the spec edit did not apply")
	}
	p, live := h.plan(grown, false)
	before := len(h.fake.CallsOf(tenant.OpCreatePermissionGrant))
	h.fake.Inject(tenant.OpCreatePermissionGrant, 1, missingReference(), false)
	opts := h.options()
	opts.NoBatch = true // one call per action, so the count below is the retries'
	res, err := h.apply(p, live, opts)
	if err == nil {
		t.Fatalf("apply succeeded although Graph said a referenced object is missing:\n%s", describe(res))
	}
	grants := 0
	for _, a := range p.Actions {
		if a.Type == planner.TypePermissionGrant && a.Op == planner.OpCreate {
			grants++
		}
	}
	if n := len(h.fake.CallsOf(tenant.OpCreatePermissionGrant)) - before; n != grants {
		t.Errorf("CreatePermissionGrant sent %d times for %d grants, want once each: the objects predate the run", n, grants)
	}
	if s := res.Summary; s.Failed != 1 {
		t.Errorf("%d actions failed, want the one grant:\n%s", s.Failed, describe(res))
	}
}

// missingAppRole is what graph/ makes of Graph's 400 "Permission being
// assigned was not found on application.": NotFound about an app role.
func missingAppRole() error {
	return &tenant.Error{Kind: tenant.NotFound, Missing: tenant.MissingAppRole, Status: 400, Code: "Request_BadRequest",
		Message: "Permission being assigned was not found on application."}
}

// edit applies one replacement to a spec, failing the test when the text
// is not there.
func edit(t *testing.T, src, old, new string) string {
	t.Helper()
	out := strings.Replace(src, old, new, 1)
	if out == src {
		t.Fatalf("the spec edit did not apply: %q", old)
	}
	return out
}

// TestApplyRidesOutNewAppRoles: assigning an app role that this run adds to
// an existing resource application is retried through Graph's "not found
// on application" answer within the lag window, as the role reaches the
// resource's service principal only after the sync. The same answer about
// a role that predates the run is final, even when the assignment's
// principal is new in the run (so other missing references would be lag).
func TestApplyRidesOutNewAppRoles(t *testing.T) {
	h := newHarness(t)
	h.converge(fhirSpec)

	grown := edit(t, fhirSpec, "      exporter: { displayName: Exporter, memberTypes: [Application] }\n",
		"      exporter: { displayName: Exporter, memberTypes: [Application] }\n      auditor: { displayName: Auditor, memberTypes: [Application] }\n")
	grown = edit(t, grown, "fhir-api: { roles: [reader, exporter] }", "fhir-api: { roles: [reader, exporter, auditor] }")
	p, live := h.plan(grown, false)
	opts := h.options()
	opts.NoBatch = true // one call per action, so the counts below are the retries'
	before := len(h.fake.CallsOf(tenant.OpCreateAppRoleAssignment))
	h.fake.Inject(tenant.OpCreateAppRoleAssignment, 3, missingAppRole(), false)
	if res, err := h.apply(p, live, opts); err != nil {
		t.Fatalf("apply: %v\n%s", err, describe(res))
	}
	if n := len(h.fake.CallsOf(tenant.OpCreateAppRoleAssignment)) - before; n != 4 {
		t.Errorf("CreateAppRoleAssignment sent %d times, want 4: three answers that the new role is not there yet, then the assignment", n)
	}
	retried := 0
	for _, e := range h.recorded() {
		if e.Type == EventActionRetry && e.ObjectType == planner.TypeAppRoleAssignment && e.Kind == "not found" {
			retried++
		}
	}
	if retried != 3 {
		t.Errorf("%d retries of the assignment as lag, want 3", retried)
	}

	// A new service client asks for reader, which predates the run.
	third := grown + `  audit:
    kind: service
    displayName: Audit job
    access:
      fhir-api: { roles: [reader] }
    adminConsent: true
    federatedCredentials:
      main: { issuer: https://token.actions.githubusercontent.com, subject: "repo:contoso/audit:ref:refs/heads/main" }
`
	p, live = h.plan(third, false)
	before = len(h.fake.CallsOf(tenant.OpCreateAppRoleAssignment))
	h.fake.Inject(tenant.OpCreateAppRoleAssignment, 1, missingAppRole(), false)
	res, err := h.apply(p, live, opts)
	if err == nil {
		t.Fatalf("apply succeeded although Graph said the role is not on the resource:\n%s", describe(res))
	}
	if n := len(h.fake.CallsOf(tenant.OpCreateAppRoleAssignment)) - before; n != 1 {
		t.Errorf("CreateAppRoleAssignment sent %d times, want once: the role predates the run", n)
	}
	if s := res.Summary; s.Failed != 1 {
		t.Errorf("%d actions failed, want the one assignment:\n%s", s.Failed, describe(res))
	}
}

// TestRolesAdded: an application action adds the enabled roles of a create,
// and those of an update that the live application does not have enabled
// (a new role, or one enabled again); a disabled role is added by neither.
func TestRolesAdded(t *testing.T) {
	live := &tenant.Snapshot{Applications: []*tenant.Application{{ID: "app-1", AppRoles: []tenant.AppRole{
		{ID: "R-OLD", IsEnabled: true}, {ID: "r-off", IsEnabled: false}}}}}
	roles := func(rs ...tenant.AppRole) *tenant.AppProps {
		return &tenant.AppProps{AppRoles: &rs}
	}
	p := &planner.Plan{Actions: []*planner.Action{
		{ID: "create", Op: planner.OpCreate, Type: planner.TypeApplication,
			Application: &planner.ApplicationAction{Fields: roles(tenant.AppRole{ID: "a", IsEnabled: true}, tenant.AppRole{ID: "b"})}},
		{ID: "update", Op: planner.OpUpdate, Type: planner.TypeApplication, Application: &planner.ApplicationAction{ObjectID: "APP-1",
			Fields: roles(tenant.AppRole{ID: "r-old", IsEnabled: true}, tenant.AppRole{ID: "r-off", IsEnabled: true}, tenant.AppRole{ID: "r-new", IsEnabled: true})}},
		{ID: "rename", Op: planner.OpUpdate, Type: planner.TypeApplication, Application: &planner.ApplicationAction{ObjectID: "app-1",
			Fields: &tenant.AppProps{}}},
	}}
	want := map[string]map[string]bool{"create": {"a": true}, "update": {"r-off": true, "r-new": true}}
	if d := cmp.Diff(want, rolesAdded(p, live)); d != "" {
		t.Errorf("roles added (-want +got):\n%s", d)
	}
}
