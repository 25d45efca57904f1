package applier

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
	"github.com/regsync/regsync/tenant/tenanttest"
)

const (
	hdsDICOM = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.HealthcareApis/workspaces/ws/dicomservices/dicom"
	hdsUser  = "00000000-0000-0000-0000-0000000000a1"
)

const rbacSpec = `version: 1
tenant: contoso.onmicrosoft.com
set: hds-test
azureResources:
  dicom:
    id: ` + hdsDICOM + `
    roles:
      DICOM Data Reader: {users: [` + hdsUser + `]}
applications:
  loader:
    kind: service
    secret: { vault: hds-kv }
    azureRoles: {dicom: [DICOM Data Owner]}
`

// planRBAC plans src against the fake tenant and the in-memory ARM, read
// the way tenant.Read reads them.
func (h *harness) planRBAC(acc *tenanttest.Access, src string, prune bool) (*planner.Plan, *tenant.Snapshot) {
	h.t.Helper()
	live := h.fake.Snapshot()
	sp := parseSpec(h.t, src)
	live.VaultsRead = append(live.VaultsRead, "hds-kv")
	live.Users = append(live.Users, tenant.User{ID: hdsUser, UserPrincipalName: "reader@contoso.com"})
	ctx := context.Background()
	for _, r := range sp.AzureResources {
		defs, err := acc.RoleDefinitions(ctx, r.ID)
		if err != nil {
			h.t.Fatal(err)
		}
		for _, d := range defs {
			d.Scope = tenant.NormalizeScope(r.ID)
			live.RoleDefinitions = append(live.RoleDefinitions, d)
		}
		as, err := acc.RoleAssignments(ctx, r.ID)
		if err != nil {
			h.t.Fatal(err)
		}
		for _, a := range as {
			if a.AtScope(r.ID) {
				live.RoleAssignments = append(live.RoleAssignments, a)
			}
		}
		live.ScopesRead = append(live.ScopesRead, tenant.NormalizeScope(r.ID))
	}
	p, ds := planner.Compute(sp, live, planner.Options{Now: h.clock.Now(), Prune: prune, CallerID: h.fake.Caller()})
	if ds.HasErrors() {
		h.t.Fatalf("plan: %s", ds.Format())
	}
	return p, live
}

func assignmentKeys(acc *tenanttest.Access) []string {
	var out []string
	for _, a := range acc.Assignments() {
		out = append(out, a.RoleGUID()+" "+a.PrincipalType+" managed="+map[bool]string{true: "yes", false: "no"}[a.Managed()])
	}
	return out
}

// The spec converges in one apply: the user's role and the new service
// principal's, each under its derived name; a second plan is empty.
func TestRoleAssignmentsConverge(t *testing.T) {
	h := newHarness(t)
	acc := tenanttest.NewAccess(hdsDICOM)
	p, live := h.planRBAC(acc, rbacSpec, false)
	opts := h.options()
	opts.Access = acc
	res, err := h.apply(p, live, opts)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, describe(res))
	}
	want := []string{"58a3b984-7adf-4c20-983a-32417c86fbc8 ServicePrincipal managed=yes", "e89c7a3c-2f64-4fa1-a847-3e4c9ba4283a User managed=yes"}
	got := assignmentKeys(acc)
	if !cmp.Equal(want, got) && !cmp.Equal([]string{want[1], want[0]}, got) {
		t.Errorf("assignments = %v, want %v", got, want)
	}
	if res.ARMRequests != 2 {
		t.Errorf("ARM requests = %d, want 2", res.ARMRequests)
	}
	if again, _ := h.planRBAC(acc, rbacSpec, false); !again.Summary.Empty() {
		t.Errorf("second plan: %s", actionList(again))
	}
}

// A create whose answer was lost is sent again: the same name answers
// RoleAssignmentExists, which counts as done, and no twin is made. A new
// service principal not yet visible to ARM (PrincipalNotFound) is waited
// for. Without an ARM connection the plan is refused before any write.
func TestRoleAssignmentsLostAnswerAndLag(t *testing.T) {
	h := newHarness(t)
	acc := tenanttest.NewAccess(hdsDICOM)
	p, live := h.planRBAC(acc, rbacSpec, false)
	if _, err := h.apply(p, live, h.options()); err == nil || !strings.Contains(err.Error(), "no Azure Resource Manager connection") {
		t.Fatalf("apply without ARM: %v, want a refusal", err)
	}
	if len(h.fake.Calls()) != 0 {
		t.Fatalf("refused apply wrote %v", h.fake.Calls())
	}
	// The user's create is answered with a lost answer: the loader's,
	// made at the same time, is the one the lag below holds back.
	acc.InjectCreate(hdsUser, 1, tenanttest.Transient(), true)
	opts := h.options()
	opts.Access = acc
	// The loader's service principal is created by this run; ARM does not
	// know it for two calls.
	lagged := false
	opts.Events = func(e Event) {
		if e.Type == EventActionStart && strings.HasPrefix(e.Address, "applications.loader.azure_roles") && !lagged {
			lagged = true
			for _, sp := range h.fake.Snapshot().ServicePrincipals {
				acc.Lag(sp.ID, 2)
			}
		}
	}
	res, err := h.apply(p, live, opts)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, describe(res))
	}
	if n := len(acc.Assignments()); n != 2 {
		t.Errorf("%d assignments, want 2: %v", n, assignmentKeys(acc))
	}
	if again, _ := h.planRBAC(acc, rbacSpec, false); !again.Summary.Empty() {
		t.Errorf("second plan: %s", actionList(again))
	}
	details := ""
	for _, a := range res.Actions {
		details += a.Detail
	}
	if !strings.Contains(details, "existed already") {
		t.Errorf("no action noted the existing assignment: %s", describe(res))
	}
}

// Prune deletes only regsync's own undeclared assignment, never one made by
// hand, and a delete of one already gone is done.
func TestRoleAssignmentsPrune(t *testing.T) {
	h := newHarness(t)
	acc := tenanttest.NewAccess(hdsDICOM)
	owner := "58a3b984-7adf-4c20-983a-32417c86fbc8"
	mine := acc.Add(tenant.RoleAssignment{Name: tenant.AssignmentName(hdsDICOM, owner, "00000000-0000-0000-0000-0000000000c2"), Scope: hdsDICOM,
		RoleDefinitionID: "/providers/Microsoft.Authorization/roleDefinitions/" + owner, PrincipalID: "00000000-0000-0000-0000-0000000000c2", PrincipalType: "Group"})
	theirs := acc.Add(tenant.RoleAssignment{Name: "11111111-2222-3333-4444-555555555555", Scope: hdsDICOM,
		RoleDefinitionID: "/providers/Microsoft.Authorization/roleDefinitions/" + owner, PrincipalID: "00000000-0000-0000-0000-0000000000c3", PrincipalType: "User"})
	src := strings.Replace(rbacSpec, "    azureRoles: {dicom: [DICOM Data Owner]}\n", "", 1)
	acc.Add(tenant.RoleAssignment{Name: tenant.AssignmentName(hdsDICOM, "e89c7a3c-2f64-4fa1-a847-3e4c9ba4283a", hdsUser), Scope: hdsDICOM,
		RoleDefinitionID: "/providers/Microsoft.Authorization/roleDefinitions/e89c7a3c-2f64-4fa1-a847-3e4c9ba4283a", PrincipalID: hdsUser, PrincipalType: "User"})
	p, live := h.planRBAC(acc, src, true)
	var dels []string
	for _, a := range p.Actions {
		if a.Type == planner.TypeRoleAssignment && a.Op == planner.OpDelete {
			dels = append(dels, a.RoleAssignment.Name)
		}
	}
	if diff := cmp.Diff([]string{mine.Name}, dels); diff != "" {
		t.Fatalf("deletes (-want +got):\n%s", diff)
	}
	acc.Inject("delete", 1, tenanttest.Transient(), true)
	opts := h.options()
	opts.Access = acc
	if res, err := h.apply(p, live, opts); err != nil {
		t.Fatalf("apply: %v\n%s", err, describe(res))
	}
	left := map[string]bool{}
	for _, a := range acc.Assignments() {
		left[a.Name] = true
	}
	if left[mine.Name] || !left[theirs.Name] {
		t.Errorf("after prune: %v; want %s gone and %s kept", acc.Assignments(), mine.Name, theirs.Name)
	}
}

// TestARMThrottleDoesNotPauseGraph: a Retry-After from Resource Manager
// holds back the calls to Resource Manager only. The user's role
// assignment is answered 429 with 10 minutes to wait, and no wait of the run
// ends before the loader's role assignment starts, which needs the
// loader's application and service principal: Graph writes that could not
// be made if Graph's calls waited at Resource Manager's gate.
func TestARMThrottleDoesNotPauseGraph(t *testing.T) {
	h := newHarness(t)
	acc := tenanttest.NewAccess(hdsDICOM)
	p, live := h.planRBAC(acc, rbacSpec, false)
	acc.InjectCreate(hdsUser, 1, tenanttest.Throttled(10*time.Minute), false)
	graphDone := make(chan struct{})
	var once sync.Once
	opts := h.options()
	opts.Access = acc
	record := opts.Events
	opts.Events = func(e Event) {
		record(e)
		if e.Type == EventActionStart && strings.HasPrefix(e.Address, "applications.loader.azure_roles") {
			once.Do(func() { close(graphDone) })
		}
	}
	opts.Retry.Sleep = func(ctx context.Context, d time.Duration) error {
		select {
		case <-graphDone:
			return h.clock.Sleep(ctx, d)
		case <-time.After(10 * time.Second):
			return errors.New("a wait went on while Resource Manager was throttled and the loader's Graph writes never came")
		}
	}
	res, err := h.apply(p, live, opts)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, describe(res))
	}
	if n := len(acc.Assignments()); n != 2 {
		t.Errorf("%d assignments, want 2: %v", n, assignmentKeys(acc))
	}
	throttled := 0
	for _, e := range h.recorded() {
		if e.Type == EventActionRetry && e.Kind == tenant.Throttled.String() {
			throttled++
		}
	}
	if throttled != 1 {
		t.Errorf("%d throttled retries reported, want the user's one", throttled)
	}
}
