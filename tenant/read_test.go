package tenant

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeDir is a hand-written Directory holding a tenant in memory; it
// counts calls per method and one request per call. Writes are not used
// by Read and panic if called.
type fakeDir struct {
	Directory // nil: any write panics
	org       Organization
	apps      []*Application
	sps       []*ServicePrincipal
	assigns   map[string][]AppRoleAssignment // by resource SP id
	grants    map[string][]PermissionGrant
	// failOn names a method whose calls fail with failKind (Throttled
	// when zero): the first failTimes calls, or every call when
	// failTimes is zero.
	failOn    string
	failKind  Kind
	failTimes int
	failed    int

	mu    sync.Mutex
	calls map[string]int
	args  map[string][][]string
}

func (f *fakeDir) record(method string, args ...string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls, f.args = map[string]int{}, map[string][][]string{}
	}
	f.calls[method]++
	sorted := append([]string(nil), args...)
	sort.Strings(sorted)
	f.args[method] = append(f.args[method], sorted)
	if method == f.failOn && (f.failTimes == 0 || f.failed < f.failTimes) {
		f.failed++
		kind := f.failKind
		if kind == Unknown {
			kind = Throttled
		}
		e := &Error{Kind: kind, Message: "injected " + kind.String() + " failure"}
		if kind == Throttled {
			e.RetryAfter = time.Second
		}
		return e
	}
	return nil
}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

func inSet(ids []string, id string) bool { return hasTag(ids, id) }

func (f *fakeDir) Organization(ctx context.Context) (Organization, error) {
	return f.org, f.record("Organization")
}

func (f *fakeDir) ListApplications(ctx context.Context, set string) ([]*Application, error) {
	var out []*Application
	for _, a := range f.apps {
		if hasTag(a.Tags, SetTag(set)) {
			out = append(out, a)
		}
	}
	return out, f.record("ListApplications", set)
}

func (f *fakeDir) ApplicationsByAppID(ctx context.Context, ids []string) ([]*Application, error) {
	var out []*Application
	for _, a := range f.apps {
		if inSet(ids, a.AppID) {
			out = append(out, a)
		}
	}
	return out, f.record("ApplicationsByAppID", ids...)
}

func (f *fakeDir) ListServicePrincipals(ctx context.Context, set string) ([]*ServicePrincipal, error) {
	var out []*ServicePrincipal
	for _, s := range f.sps {
		if hasTag(s.Tags, SetTag(set)) {
			out = append(out, s)
		}
	}
	// Spare capacity, as the slices of a paged reader have: Read must not
	// let a later append and sort rewrite what it was given.
	out = append(make([]*ServicePrincipal, 0, len(out)+8), out...)
	return out, f.record("ListServicePrincipals", set)
}

func (f *fakeDir) ScanServicePrincipals(ctx context.Context, set string, fn func([]*ServicePrincipal, []AppRoleAssignment) error) error {
	if err := f.record("ScanServicePrincipals", set); err != nil {
		return err
	}
	var sps []*ServicePrincipal
	var ids []string
	for _, s := range f.sps {
		if hasTag(s.Tags, SetTag(set)) {
			sps = append(sps, s)
			ids = append(ids, s.ID)
		}
	}
	var held []AppRoleAssignment
	for _, list := range f.assigns {
		for _, a := range list {
			if inSet(ids, a.PrincipalID) {
				held = append(held, a)
			}
		}
	}
	// Spare capacity, as the slices of a paged reader have: Read must not
	// let a later append and sort rewrite what it was given.
	sps = append(make([]*ServicePrincipal, 0, len(sps)+8), sps...)
	return fn(sps, held)
}

func (f *fakeDir) GrantsOf(ctx context.Context, ids []string) ([]PermissionGrant, error) {
	var gs []PermissionGrant
	for _, list := range f.grants {
		for _, g := range list {
			if inSet(ids, g.ClientID) {
				gs = append(gs, g)
			}
		}
	}
	return gs, f.record("GrantsOf", ids...)
}

func (f *fakeDir) ServicePrincipalsByAppID(ctx context.Context, ids []string) ([]*ServicePrincipal, error) {
	var out []*ServicePrincipal
	for _, s := range f.sps {
		if inSet(ids, s.AppID) {
			out = append(out, s)
		}
	}
	return out, f.record("ServicePrincipalsByAppID", ids...)
}

func (f *fakeDir) AppRoleAssignedTo(ctx context.Context, id string) ([]AppRoleAssignment, error) {
	return f.assigns[id], f.record("AppRoleAssignedTo", id)
}

func (f *fakeDir) ConsentsOf(ctx context.Context, ids []string) ([]AppRoleAssignment, []PermissionGrant, error) {
	var as []AppRoleAssignment
	var gs []PermissionGrant
	for _, list := range f.assigns {
		for _, a := range list {
			if inSet(ids, a.PrincipalID) {
				as = append(as, a)
			}
		}
	}
	for _, list := range f.grants {
		for _, g := range list {
			if inSet(ids, g.ClientID) {
				gs = append(gs, g)
			}
		}
	}
	return as, gs, f.record("ConsentsOf", ids...)
}

func (f *fakeDir) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

type fakeStore struct {
	SecretStore
	secrets map[string][]SecretMeta
	// failTimes is how many ListSecrets calls fail Transient first.
	failTimes int
	mu        sync.Mutex
	lists     []string
}

func (s *fakeStore) ListSecrets(ctx context.Context, vault string) ([]SecretMeta, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lists = append(s.lists, vault)
	if s.failTimes > 0 {
		s.failTimes--
		return nil, &Error{Kind: Transient, Status: 500, Message: "key vault answered 500"}
	}
	m, ok := s.secrets[vault]
	if !ok {
		return nil, &Error{Kind: NotFound, Message: "key vault " + vault + " does not exist"}
	}
	return m, nil
}

func (s *fakeStore) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.lists)
}

func sortedArgs(in [][]string) [][]string {
	out := append([][]string(nil), in...)
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i], ",") < strings.Join(out[j], ",") })
	return out
}

const graphAppID = "00000003-0000-0000-c000-000000000000"

func testTenant() (*fakeDir, *fakeStore) {
	set := SetTag("fhir-prod")
	dir := &fakeDir{
		org: Organization{ID: "t1", DisplayName: "Contoso", VerifiedDomains: []string{"contoso.com"}},
		apps: []*Application{
			{ID: "app-api", AppID: "api", Tags: []string{set, KeyTag("fhir-api")}},
			{ID: "app-portal", AppID: "portal", Tags: []string{set, KeyTag("portal")}},
			{ID: "app-legacy", AppID: "legacy"}, // adopted, untagged
			{ID: "app-other", AppID: "other", Tags: []string{SetTag("other-set")}},
		},
		sps: []*ServicePrincipal{
			{ID: "sp-api", AppID: "api", Tags: []string{set}, Scopes: []PermissionScope{{ID: "s1", Value: "user_impersonation"}}},
			{ID: "sp-portal", AppID: "portal", Tags: []string{set}},
			{ID: "sp-legacy", AppID: "legacy", AppRoles: []AppRole{{ID: "r1", Value: "Legacy.Read"}}},
			{ID: "sp-graph", AppID: graphAppID, Scopes: []PermissionScope{{ID: "e1fe6dd8-ba31-4d61-89e7-88639da4683d", Value: "User.Read"}}},
			{ID: "sp-unrelated", AppID: "unrelated", Scopes: []PermissionScope{{ID: "x", Value: "x"}}},
		},
		assigns: map[string][]AppRoleAssignment{
			"sp-legacy": {{ID: "as1", PrincipalID: "sp-portal", ResourceID: "sp-legacy", AppRoleID: "r1"}},
			// Held by a stranger on the set's own API: read, since the
			// set's own resource is the set's business.
			"sp-api": {{ID: "as-api-stranger", PrincipalID: "sp-stranger", ResourceID: "sp-api", AppRoleID: "r9"}},
			// Held by a stranger on another resource: never read.
			"sp-unrelated": {{ID: "as-stranger", PrincipalID: "sp-stranger", ResourceID: "sp-unrelated", AppRoleID: "x"}},
		},
		grants: map[string][]PermissionGrant{
			"sp-api": {{ID: "g2", ClientID: "sp-portal", ResourceID: "sp-api", Scope: "user_impersonation"}},
			"sp-graph": {
				{ID: "g1", ClientID: "sp-portal", ResourceID: "sp-graph", Scope: "User.Read"},
				// A stranger's consent to Microsoft Graph: never read.
				{ID: "g-stranger", ClientID: "sp-stranger", ResourceID: "sp-graph", Scope: "Mail.Read"},
			},
		},
	}
	store := &fakeStore{secrets: map[string][]SecretMeta{
		"kv-b": {{Vault: "kv-b", Name: "Zed"}, {Vault: "kv-b", Name: "alpha"}},
		"kv-a": {{Vault: "kv-a", Name: "portal-secret"}},
	}}
	return dir, store
}

func TestRead(t *testing.T) {
	dir, store := testTenant()
	snap, err := Read(context.Background(), dir, store, ReadQuery{
		Set:           "fhir-prod",
		AdoptedAppIDs: []string{"legacy"},
		APIAppIDs:     []string{graphAppID, graphAppID},
		Vaults:        []string{"kv-b", "kv-a", "kv-b"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var appIDs, spIDs, assignIDs, grantIDs, secrets []string
	for _, a := range snap.Applications {
		appIDs = append(appIDs, a.ID)
	}
	for _, s := range snap.ServicePrincipals {
		spIDs = append(spIDs, s.ID)
	}
	for _, a := range snap.AppRoleAssignments {
		assignIDs = append(assignIDs, a.ID)
	}
	for _, g := range snap.PermissionGrants {
		grantIDs = append(grantIDs, g.ID)
	}
	for _, s := range snap.Secrets {
		secrets = append(secrets, s.Vault+"/"+s.Name)
	}
	got := map[string]any{
		"org": snap.Organization.ID, "apps": appIDs, "sps": spIDs, "assignments": assignIDs, "grants": grantIDs,
		"secrets": secrets, "vaultsRead": snap.VaultsRead, "graphRequests": snap.GraphRequests, "vaultRequests": snap.VaultRequests,
	}
	want := map[string]any{
		"org":         "t1",
		"apps":        []string{"app-api", "app-legacy", "app-portal"},
		"sps":         []string{"sp-api", "sp-graph", "sp-legacy", "sp-portal"},
		"assignments": []string{"as-api-stranger", "as1"},
		"grants":      []string{"g1", "g2"},
		"secrets":     []string{"kv-a/portal-secret", "kv-b/alpha", "kv-b/Zed"},
		"vaultsRead":  []string{"kv-a", "kv-b"},
		// organization, 2 set lists (the service principals' with the
		// assignments they hold), adopted apps, SPs by appId, the
		// assignments on the 2 own resource SPs (api, legacy), one
		// GrantsOf for the set's 2 principals (api, portal) and one
		// ConsentsOf for the adopted one (legacy).
		"graphRequests": 9,
		"vaultRequests": 2,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("snapshot (-want +got):\n%s", d)
	}
	wantCalls := map[string]int{
		"Organization": 1, "ListApplications": 1, "ScanServicePrincipals": 1, "ApplicationsByAppID": 1,
		"ServicePrincipalsByAppID": 1, "AppRoleAssignedTo": 2, "GrantsOf": 1, "ConsentsOf": 1,
	}
	if d := cmp.Diff(wantCalls, dir.calls); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	wantArgs := [][]string{{graphAppID, "legacy"}}
	if d := cmp.Diff(wantArgs, dir.args["ServicePrincipalsByAppID"]); d != "" {
		t.Errorf("ServicePrincipalsByAppID args (-want +got):\n%s", d)
	}
	// Never Microsoft Graph's service principal, as resource or principal.
	if d := cmp.Diff([][]string{{"sp-api", "sp-portal"}}, dir.args["GrantsOf"]); d != "" {
		t.Errorf("GrantsOf args (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][]string{{"sp-legacy"}}, dir.args["ConsentsOf"]); d != "" {
		t.Errorf("ConsentsOf args (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][]string{{"sp-api"}, {"sp-legacy"}}, sortedArgs(dir.args["AppRoleAssignedTo"])); d != "" {
		t.Errorf("AppRoleAssignedTo args (-want +got):\n%s", d)
	}
}

func TestReadSkipsWhatTheSpecDoesNotName(t *testing.T) {
	dir, _ := testTenant()
	snap, err := Read(context.Background(), dir, nil, ReadQuery{Set: "fhir-prod"})
	if err != nil {
		t.Fatal(err)
	}
	wantCalls := map[string]int{
		"Organization": 1, "ListApplications": 1, "ScanServicePrincipals": 1,
		"AppRoleAssignedTo": 1, "GrantsOf": 1, // sp-api's assignments; sp-api's and sp-portal's grants
	}
	if d := cmp.Diff(wantCalls, dir.calls); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	if snap.GraphRequests != 5 || snap.VaultRequests != 0 {
		t.Errorf("requests = %d graph, %d vault; want 5, 0", snap.GraphRequests, snap.VaultRequests)
	}
}

// noWait is a retry policy for tests: three attempts, no real waiting.
// noWait retries at once on a clock that its sleeps advance: three
// attempts for faults, and a throttle budget that three 1 s Retry-Afters
// outlast.
func noWait() RetryPolicy {
	var mu sync.Mutex
	now := time.Unix(0, 0)
	return RetryPolicy{MaxAttempts: 3, ThrottleBudget: 2500 * time.Millisecond,
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			now = now.Add(d)
			mu.Unlock()
			return ctx.Err()
		},
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name      string
		failOn    string
		failKind  Kind
		vaults    []string
		wantKind  Kind
		wantCalls int // of the failing method
		reason    string
	}{
		{name: "graph failure keeps its kind", failOn: "ScanServicePrincipals", wantKind: Throttled, wantCalls: 3,
			reason: "throttling that outlasts the throttle budget is returned as throttled"},
		{name: "consent read failure", failOn: "GrantsOf", failKind: Transient, wantKind: Transient, wantCalls: 3},
		{name: "forbidden is final", failOn: "ListApplications", failKind: Forbidden, wantKind: Forbidden, wantCalls: 1},
		{name: "missing vault", vaults: []string{"kv-missing"}, wantKind: NotFound, reason: "a read never treats NotFound as lag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, store := testTenant()
			dir.failOn, dir.failKind = tt.failOn, tt.failKind
			_, err := Read(context.Background(), dir, store, ReadQuery{Set: "fhir-prod", Vaults: tt.vaults, Retry: noWait()})
			var te *Error
			if !errors.As(err, &te) || te.Kind != tt.wantKind {
				t.Fatalf("err = %v, want kind %v (%s)", err, tt.wantKind, tt.reason)
			}
			if tt.failOn != "" && dir.calls[tt.failOn] != tt.wantCalls {
				t.Errorf("%s called %d times, want %d (%s)", tt.failOn, dir.calls[tt.failOn], tt.wantCalls, tt.reason)
			}
			if tt.failOn == "" && len(store.lists) != 1 {
				t.Errorf("ListSecrets called %d times, want 1 (%s)", len(store.lists), tt.reason)
			}
		})
	}
	if _, err := Read(context.Background(), &fakeDir{}, nil, ReadQuery{}); err == nil {
		t.Error("Read with an empty set succeeded")
	}
	if _, err := Read(context.Background(), &fakeDir{}, nil, ReadQuery{Set: "s", Vaults: []string{"kv"}}); err == nil {
		t.Error("Read with vaults and no store succeeded")
	}
}

// TestReadRetriesServerErrors: a 5xx on any read (which the Graph SDK does
// not resend for 500 and 502) is retried, and the snapshot is the one a
// clean read gives, with the retries counted as requests.
func TestReadRetriesServerErrors(t *testing.T) {
	q := ReadQuery{Set: "fhir-prod", AdoptedAppIDs: []string{"legacy"}, APIAppIDs: []string{graphAppID}, Vaults: []string{"kv-a", "kv-b"}, Retry: noWait()}
	cleanDir, cleanStore := testTenant()
	want, err := Read(context.Background(), cleanDir, cleanStore, q)
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"Organization", "ListApplications", "ScanServicePrincipals", "ApplicationsByAppID",
		"ServicePrincipalsByAppID", "AppRoleAssignedTo", "ConsentsOf", "GrantsOf", "ListSecrets"} {
		t.Run(method, func(t *testing.T) {
			dir, store := testTenant()
			if method == "ListSecrets" {
				store.failTimes = 2
			} else {
				dir.failOn, dir.failKind, dir.failTimes = method, Transient, 2
			}
			got, err := Read(context.Background(), dir, store, q)
			if err != nil {
				t.Fatalf("Read failed although every read succeeds on its third attempt: %v", err)
			}
			wantRequests := [2]int{want.GraphRequests + 2, want.VaultRequests}
			if method == "ListSecrets" {
				wantRequests = [2]int{want.GraphRequests, want.VaultRequests + 2}
			}
			if d := cmp.Diff(wantRequests, [2]int{got.GraphRequests, got.VaultRequests}); d != "" {
				t.Errorf("graph and vault requests (-want +got):\n%s", d)
			}
			got.GraphRequests, got.VaultRequests = want.GraphRequests, want.VaultRequests
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("snapshot after retries (-want +got):\n%s", d)
			}
		})
	}
}

// principalsDir adds users and groups to fakeDir.
type principalsDir struct {
	*fakeDir
	users  []User
	groups []Group
}

func (f *principalsDir) FindUsers(ctx context.Context, refs []string) ([]User, error) {
	if err := f.record("FindUsers", refs...); err != nil {
		return nil, err
	}
	var out []User
	for _, u := range f.users {
		if inSet(refs, u.ID) || inSet(refs, u.UserPrincipalName) {
			out = append(out, u)
		}
	}
	return out, nil
}

func (f *principalsDir) FindGroups(ctx context.Context, refs []string) ([]Group, error) {
	if err := f.record("FindGroups", refs...); err != nil {
		return nil, err
	}
	var out []Group
	for _, g := range f.groups {
		if inSet(refs, g.ID) || inSet(refs, g.DisplayName) {
			out = append(out, g)
		}
	}
	return out, nil
}

// TestReadPrincipals: the users and groups the spec names are read once
// each kind, in the first round, and come back sorted by id; a read that
// names none asks for none.
func TestReadPrincipals(t *testing.T) {
	base, _ := testTenant()
	dir := &principalsDir{fakeDir: base,
		users:  []User{{ID: "u2", UserPrincipalName: "bob@contoso.com"}, {ID: "u1", UserPrincipalName: "alice@contoso.com"}, {ID: "u3", UserPrincipalName: "carol@contoso.com"}},
		groups: []Group{{ID: "g1", DisplayName: "Readers"}, {ID: "g2", DisplayName: "Writers"}},
	}
	snap, err := Read(context.Background(), dir, nil, ReadQuery{Set: "fhir-prod",
		Users: []string{"alice@contoso.com", "u2", "nobody@contoso.com"}, Groups: []string{"Readers"}})
	if err != nil {
		t.Fatal(err)
	}
	wantUsers := []User{{ID: "u1", UserPrincipalName: "alice@contoso.com"}, {ID: "u2", UserPrincipalName: "bob@contoso.com"}}
	if diff := cmp.Diff(wantUsers, snap.Users); diff != "" {
		t.Errorf("users (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Group{{ID: "g1", DisplayName: "Readers"}}, snap.Groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	if dir.calls["FindUsers"] != 1 || dir.calls["FindGroups"] != 1 {
		t.Errorf("calls = %v, want one FindUsers and one FindGroups", dir.calls)
	}

	base2, _ := testTenant()
	dir2 := &principalsDir{fakeDir: base2}
	if _, err := Read(context.Background(), dir2, nil, ReadQuery{Set: "fhir-prod"}); err != nil {
		t.Fatal(err)
	}
	if dir2.calls["FindUsers"]+dir2.calls["FindGroups"] != 0 {
		t.Errorf("calls = %v, want no principal reads when the spec names none", dir2.calls)
	}
}

// pagedScanDir hands the set's service principals to Read one a page, and
// fails its first scan after the first page, as a connection lost between
// two pages does.
type pagedScanDir struct {
	*fakeDir
	scans int
}

func (f *pagedScanDir) ScanServicePrincipals(ctx context.Context, set string, fn func([]*ServicePrincipal, []AppRoleAssignment) error) error {
	f.scans++
	attempt := f.scans
	return f.fakeDir.ScanServicePrincipals(ctx, set, func(sps []*ServicePrincipal, held []AppRoleAssignment) error {
		for i, sp := range sps {
			var mine []AppRoleAssignment
			for _, a := range held {
				if a.PrincipalID == sp.ID {
					mine = append(mine, a)
				}
			}
			if err := fn(sps[i:i+1], mine); err != nil {
				return err
			}
			if attempt == 1 {
				return &Error{Kind: Transient, Status: 502, Message: "injected failure after a page"}
			}
		}
		return nil
	})
}

// TestReadStartsGrantsPerPage: each page of the set's service principals
// starts its grant reads as it arrives, and a scan retried after a page
// neither reads those grants twice nor changes the snapshot.
func TestReadStartsGrantsPerPage(t *testing.T) {
	q := ReadQuery{Set: "fhir-prod", Retry: noWait()}
	cleanDir, _ := testTenant()
	want, err := Read(context.Background(), cleanDir, nil, q)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := testTenant()
	dir := &pagedScanDir{fakeDir: base}
	got, err := Read(context.Background(), dir, nil, q)
	if err != nil {
		t.Fatal(err)
	}
	if dir.scans != 2 {
		t.Errorf("scanned %d times, want 2 (one failure, one retry)", dir.scans)
	}
	if d := cmp.Diff([][]string{{"sp-api"}, {"sp-portal"}}, sortedArgs(dir.args["GrantsOf"])); d != "" {
		t.Errorf("GrantsOf args (-want +got):\n%s", d)
	}
	got.GraphRequests = want.GraphRequests
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("snapshot after a retried scan (-want +got):\n%s", d)
	}
}
