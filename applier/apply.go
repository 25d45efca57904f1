package applier

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// DefaultParallelism is how many writes Apply keeps in flight. Graph allows
// an application 3,000 writes per 2.5 minutes in one tenant — 20 a second —
// and the tenant 18,000 per 5 minutes (WIRE.md §3.1). A directory write
// takes a few hundred milliseconds, so four in flight already come close to
// 20 a second; more would mostly buy 429s and their Retry-After waits.
const DefaultParallelism = 4

// DefaultMaxDeletes is the most objects a plan may delete unless the caller
// raises Options.MaxDeletes.
const DefaultMaxDeletes = 5

// DefaultContentType is the contentType of the Key Vault secrets Apply
// writes: the value is the client secret as Graph issued it, a plain string
// (the Key Vault SDKs document "text/plain" as the content type of a
// password).
const DefaultContentType = "text/plain"

// DefaultLookAgain is how long Apply keeps looking for an object whose
// create answered with a transient error before it sends the create again.
const DefaultLookAgain = 10 * time.Second

// maxBatch is Graph's limit of requests in one $batch.
const maxBatch = 20

// Options tune Apply. The zero value is usable.
type Options struct {
	// Parallelism bounds the writes in flight (a $batch counts as one);
	// zero means DefaultParallelism.
	Parallelism int
	// MaxDeletes is the most objects the plan may delete (see
	// CountDeletes); Apply refuses a plan that deletes more before it
	// changes anything. Zero means DefaultMaxDeletes, a negative value no
	// limit.
	MaxDeletes int
	// Retry is how calls are retried. A zero MaxAttempts, BaseDelay or
	// MaxDelay takes DefaultRetryPolicy's value; a zero LagWindow too.
	// OnRetry is Apply's own.
	Retry RetryPolicy
	// LookAgain is how long Apply looks for an application, or for a new
	// client secret, whose create answered with a transient error (the
	// object may exist though the answer was lost) before sending the
	// create again. Zero means DefaultLookAgain; negative, one look.
	LookAgain time.Duration
	// NoBatch turns $batch off: every write is sent alone.
	NoBatch bool
	// ContentType of the Key Vault secrets; empty means DefaultContentType.
	ContentType string
	// VaultFailures is how many vault calls in a row may fail (throttled,
	// transient or unknown, each attempt counted) before Apply stops
	// calling that vault for the rest of the run: the remaining secret
	// actions then fail at once, before addPassword, and a write in the
	// middle of its retries stops and is settled (settleVault). Zero means
	// DefaultVaultFailures; negative, no limit.
	VaultFailures int
	// CompensationTimeout bounds the settling of a failed vault write —
	// the check whether it landed and the removal of the credential —
	// which runs even when ctx has ended. Zero means
	// DefaultCompensationTimeout.
	CompensationTimeout time.Duration
	// Now is the clock for credential end dates and event times; nil means
	// time.Now.
	Now func() time.Time
	// Events, when set, receives progress events. Apply calls it from one
	// goroutine at a time.
	Events func(Event)
	// Access is Azure Resource Manager, for the plan's role assignments;
	// nil when the plan has none.
	Access tenant.Access
	// Stop, when closed, is a graceful stop (the first Ctrl-C): Apply
	// starts no new action, lets the actions in flight finish — their
	// retries and compensation too — under ctx, which the caller keeps
	// alive (with a bound of its own), and reports the rest as cancelled.
	// It sends an apply_stopping event with the number in flight when it
	// sees Stop closed. Cancelling ctx is the hard stop: requests in
	// flight are abandoned, and only compensation still runs.
	Stop <-chan struct{}
}

func (o Options) withDefaults() Options {
	if o.Parallelism <= 0 {
		o.Parallelism = DefaultParallelism
	}
	if o.MaxDeletes == 0 {
		o.MaxDeletes = DefaultMaxDeletes
	}
	if o.Retry.LagWindow == 0 {
		o.Retry.LagWindow = DefaultRetryPolicy().LagWindow
	}
	o.Retry = o.Retry.WithDefaults()
	if o.Retry.Gate == nil {
		// One pause for the run's Graph calls: a Retry-After given to one
		// worker holds back the others too (Key Vault and Resource Manager
		// have their own: run.vaultGate, run.armGate).
		o.Retry.Gate = &tenant.ThrottleGate{}
	}
	if o.LookAgain == 0 {
		o.LookAgain = DefaultLookAgain
	}
	if o.VaultFailures == 0 {
		o.VaultFailures = DefaultVaultFailures
	}
	if o.CompensationTimeout <= 0 {
		o.CompensationTimeout = DefaultCompensationTimeout
	}
	if o.ContentType == "" {
		o.ContentType = DefaultContentType
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Status is the outcome of one action.
type Status string

const (
	StatusOK        Status = "ok"
	StatusFailed    Status = "failed"
	StatusSkipped   Status = "skipped"   // an action it depends on did not succeed
	StatusCancelled Status = "cancelled" // the context ended before it started
)

// ActionResult is what happened to one action of the plan.
type ActionResult struct {
	ID      string             `json:"id"`
	Address string             `json:"address"`
	App     string             `json:"app"`
	Op      planner.Op         `json:"op"`
	Type    planner.ObjectType `json:"type"`
	Step    string             `json:"step,omitempty"`
	Status  Status             `json:"status"`
	// ObjectID is the id of what the action created or adopted (the
	// object id of an application or service principal, an assignment or
	// grant id, a credential's keyId), when it has one.
	ObjectID string `json:"object_id,omitempty"`
	// Detail says what Apply did beyond the plain write: adopted an object
	// that already existed, found a create that had been made already,
	// removed a credential again whose vault write failed.
	Detail         string  `json:"detail,omitempty"`
	Error          string  `json:"error,omitempty"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	// Err is the error behind Error, for callers that switch on its kind.
	Err error `json:"-"`
}

// Summary counts the actions by outcome: every successful create is one
// added, update one changed, delete one destroyed, as in the plan summary.
type Summary struct {
	Added     int `json:"added"`
	Changed   int `json:"changed"`
	Destroyed int `json:"destroyed"`
	Failed    int `json:"failed"`
	Skipped   int `json:"skipped"` // skipped and cancelled
}

// Line is the closing sentence of an apply.
func (s Summary) Line() string {
	if s.Failed == 0 && s.Skipped == 0 {
		return fmt.Sprintf("Apply complete! %d added, %d changed, %d destroyed.", s.Added, s.Changed, s.Destroyed)
	}
	return fmt.Sprintf("Apply incomplete! %d added, %d changed, %d destroyed; %d failed, %d not run.",
		s.Added, s.Changed, s.Destroyed, s.Failed, s.Skipped)
}

// Result is the outcome of Apply: every action of the plan, in plan order.
type Result struct {
	Actions []ActionResult `json:"actions"`
	Summary Summary        `json:"summary"`
	// GraphRequests and VaultRequests count the HTTP requests the apply
	// sent (retries included).
	GraphRequests  int     `json:"graph_requests"`
	VaultRequests  int     `json:"vault_requests"`
	ARMRequests    int     `json:"arm_requests,omitempty"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
}

// CountDeletes is the number of objects the plan deletes, as MaxDeletes
// counts them: every delete action except the removal of a managed client
// secret, which is the routine second half of a renewal.
func CountDeletes(p *planner.Plan) int {
	n := 0
	for _, a := range p.Actions {
		if a.Op != planner.OpDelete {
			continue
		}
		if a.Type == planner.TypeSecret && a.Secret != nil && a.Secret.Managed {
			continue
		}
		n++
	}
	return n
}

// Apply executes the plan against the tenant and the vaults:
//
//   - Actions run as a dependency graph (DependsOn), at most
//     Options.Parallelism at once, and never two of one application at the
//     same time (one writer per application). A failed action's dependants
//     are skipped; independent actions go on.
//   - References to ids created earlier in the run (planner.Ref) are
//     resolved from a table seeded with the live snapshot's managed
//     objects and filled by each create.
//   - Calls are retried by error kind (RetryPolicy), honouring
//     Retry-After: throttled answers are waited out within a time budget,
//     and all of the run's calls pause while a Retry-After is pending; calls on objects created in this run also ride out
//     replication lag: NotFound, which graph/ gives for a 404, for
//     NoBackingApplicationObject, and for a 400 that names a referenced
//     object Graph cannot see yet (a grant's client, an assignment's
//     principal). An assignment also rides out Graph's answer that its app
//     role is not on the resource (MissingAppRole) when an application
//     action of this run added the role, and only then.
//   - Creates are idempotent: an application is looked for by its tags
//     before it is created and after a create whose answer was lost; an
//     existing service principal, owner, assignment or grant (Conflict)
//     is confirmed and adopted.
//   - A new client secret goes straight to Key Vault; when that write
//     fails for good the credential is removed again and the action fails,
//     saying both.
//
// live is the snapshot the plan was computed from. vault may be nil when
// the plan adds no client secret.
//
// Apply refuses, before it changes anything, a plan that deletes more than
// Options.MaxDeletes objects or that it cannot execute. Otherwise it returns
// a Result listing every action, and an error when any action failed or did
// not run.
func Apply(ctx context.Context, p *planner.Plan, dir tenant.Directory, vault tenant.SecretStore, live *tenant.Snapshot, opts Options) (*Result, error) {
	if p == nil || dir == nil {
		return nil, errors.New("apply: internal error: no plan or no directory")
	}
	opts = opts.withDefaults()
	if n := CountDeletes(p); opts.MaxDeletes >= 0 && n > opts.MaxDeletes {
		return nil, fmt.Errorf("apply refused: the plan deletes %d objects, more than --max-deletes %d allows; "+
			"review the plan and raise --max-deletes (or set it to -1) if the deletions are intended", n, opts.MaxDeletes)
	}
	if err := check(p, vault, opts.Access); err != nil {
		return nil, err
	}
	if live == nil {
		live = &tenant.Snapshot{}
	}

	r := newRun(p, dir, vault, live, opts)
	r.listExisting(ctx)
	tasks := make([]task, 0, len(p.Actions))
	byID := make(map[string]*planner.Action, len(p.Actions))
	for _, a := range p.Actions {
		byID[a.ID] = a
		tasks = append(tasks, task{
			ID:        a.ID,
			Deps:      a.DependsOn,
			Lock:      a.App,
			Run:       func(ctx context.Context) error { return r.execute(ctx, a) },
			Batchable: r.batch && batchable(a),
		})
	}

	graphBefore := dir.Requests()
	armBefore := 0
	if opts.Access != nil {
		armBefore = opts.Access.Requests()
	}
	vaultBefore := 0
	if vault != nil {
		vaultBefore = vault.Requests()
	}
	begin := opts.Now()
	r.emit(Event{Type: EventApplyStart, Actions: len(p.Actions)})
	started := func(t task) { r.emit(actionEvent(EventActionStart, byID[t.ID])) }
	finished := func(t task, o outcome) {
		e := actionEvent(EventActionFinish, byID[t.ID])
		e.Status = statusOf(o.Status)
		if o.Status == statusDone || o.Status == statusFailed {
			sec := o.Elapsed.Seconds()
			e.ElapsedSeconds = &sec
		}
		info := r.info(t.ID)
		e.ObjectID, e.Detail = info.objectID, info.detail
		if o.Err != nil {
			e.Error = o.Err.Error()
		}
		r.emit(e)
	}
	var batch batchFunc
	if r.batch {
		batch = func(ctx context.Context, group []task) []error {
			actions := make([]*planner.Action, len(group))
			for i, t := range group {
				actions[i] = byID[t.ID]
			}
			return r.executeBatch(ctx, actions)
		}
	}
	stopping := func(n int) { r.emit(Event{Type: EventApplyStopping, Actions: n}) }
	outcomes, err := runGraphBatched(ctx, tasks, opts.Parallelism, maxBatch, batch, opts.Stop, stopping, started, finished)
	if err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}

	res := &Result{Actions: make([]ActionResult, 0, len(p.Actions))}
	for _, a := range p.Actions {
		o := outcomes[a.ID]
		info := r.info(a.ID)
		ar := ActionResult{ID: a.ID, Address: a.Address, App: a.App, Op: a.Op, Type: a.Type, Step: a.Step,
			Status: statusOf(o.Status), ObjectID: info.objectID, Detail: info.detail,
			ElapsedSeconds: o.Elapsed.Seconds(), Err: o.Err}
		if o.Err != nil {
			ar.Error = o.Err.Error()
		}
		switch ar.Status {
		case StatusOK:
			switch a.Op {
			case planner.OpCreate:
				res.Summary.Added++
			case planner.OpUpdate:
				res.Summary.Changed++
			case planner.OpDelete:
				res.Summary.Destroyed++
			default:
				panic(fmt.Sprintf("internal error: unknown planner.Op %q", string(a.Op)))
			}
		case StatusFailed:
			res.Summary.Failed++
		case StatusSkipped, StatusCancelled:
			res.Summary.Skipped++
		default:
			panic(fmt.Sprintf("internal error: unknown applier.Status %q", string(ar.Status)))
		}
		res.Actions = append(res.Actions, ar)
	}
	res.GraphRequests = dir.Requests() - graphBefore
	if vault != nil {
		res.VaultRequests = vault.Requests() - vaultBefore
	}
	if opts.Access != nil {
		res.ARMRequests = opts.Access.Requests() - armBefore
	}
	res.ElapsedSeconds = opts.Now().Sub(begin).Seconds()
	sum := res.Summary
	r.emit(Event{Type: EventApplyComplete, Summary: &sum})
	if sum.Failed > 0 || sum.Skipped > 0 {
		return res, fmt.Errorf("apply: %d of %d actions failed and %d did not run", sum.Failed, len(p.Actions), sum.Skipped)
	}
	return res, nil
}

func statusOf(s status) Status {
	switch s {
	case statusDone:
		return StatusOK
	case statusFailed:
		return StatusFailed
	case statusSkipped:
		return StatusSkipped
	case statusCancelled, statusPending, statusRunning:
		return StatusCancelled
	default:
		panic(fmt.Sprintf("internal error: unknown status %d", int(s)))
	}
}

// check refuses a plan Apply cannot execute, before anything runs: an
// action without the payload its type needs, or client secrets without a
// secret store.
func check(p *planner.Plan, vault tenant.SecretStore, access tenant.Access) error {
	var problems []string
	for _, a := range p.Actions {
		if a == nil {
			problems = append(problems, "an empty action")
			continue
		}
		if !hasPayload(a) {
			problems = append(problems, fmt.Sprintf("action %s has no %s payload", a.ID, a.Type))
			continue
		}
		if a.Type == planner.TypeSecret && a.Op == planner.OpCreate && vault == nil {
			problems = append(problems, fmt.Sprintf("action %s adds a client secret but no Key Vault is configured", a.ID))
		}
		if a.Type == planner.TypeRoleAssignment && access == nil {
			problems = append(problems, fmt.Sprintf("action %s changes an Azure role assignment but no Azure Resource Manager connection is configured", a.ID))
		}
		if _, ok := vault.(tenant.CertificateStore); a.Type == planner.TypeCertificate && a.Op == planner.OpCreate && !ok {
			problems = append(problems, fmt.Sprintf("action %s adds a certificate but no Key Vault certificate store is configured", a.ID))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("apply refused: the plan cannot be executed: %s", joinMax(problems, 5))
	}
	return nil
}

func joinMax(list []string, n int) string {
	if len(list) <= n {
		return fmt.Sprint(list)
	}
	return fmt.Sprintf("%v and %d more", list[:n], len(list)-n)
}

func hasPayload(a *planner.Action) bool {
	k, ok := kinds[a.Type]
	return ok && k.has(a)
}

// actionInfo is what an action's execution learned, for events and the
// result.
type actionInfo struct {
	objectID string
	detail   string
}

// run is the state of one Apply.
type run struct {
	plan   *planner.Plan
	dir    tenant.Directory
	finder tenant.Finder // nil when dir offers none
	batch  bool          // small independent writes go through DoBatch (not Options.NoBatch)
	vault  tenant.SecretStore
	vaults *vaults // breakers and deleted secrets, by vault
	opts   Options
	refs   *refTable
	// existing holds the set's applications by key tag, listed once before
	// the first create when the plan creates several (one paged query
	// instead of one lookup per create); nil when not listed.
	existing map[string][]*tenant.Application

	// addedRoles are, by the id of an application action, the ids (lower
	// case) of the app roles it adds or enables: see rolesAdded.
	addedRoles map[string]map[string]bool

	// vaultGate and armGate are the throttle pauses of the calls to Key
	// Vault and to Azure Resource Manager; Graph's is opts.Retry.Gate.
	// Each service paces its clients on its own quotas (Graph per
	// application and tenant, Key Vault per vault and region, Resource
	// Manager per subscription, principal and kind of operation: see
	// docs/apply.md), so a Retry-After from one holds back only the calls
	// to it.
	vaultGate, armGate *tenant.ThrottleGate

	mu      sync.Mutex
	created map[string]bool            // app keys whose application or service principal this run created
	keys    map[string]map[string]bool // application object id → keyIds known to exist
	infos   map[string]actionInfo      // by action id
	emitMu  sync.Mutex
}

func newRun(p *planner.Plan, dir tenant.Directory, vault tenant.SecretStore, live *tenant.Snapshot, opts Options) *run {
	r := &run{plan: p, dir: dir, batch: !opts.NoBatch, vault: vault, vaults: newVaults(vault, opts.VaultFailures), opts: opts, refs: seedRefs(p.Set, live), addedRoles: rolesAdded(p, live),
		created: map[string]bool{}, keys: map[string]map[string]bool{}, infos: map[string]actionInfo{},
		vaultGate: &tenant.ThrottleGate{}, armGate: &tenant.ThrottleGate{}}
	if f, ok := dir.(tenant.Finder); ok {
		r.finder = f
	}
	for _, a := range live.Applications {
		if a == nil {
			continue
		}
		for _, c := range a.PasswordCredentials {
			r.knowKey(a.ID, c.KeyID)
		}
	}
	return r
}

func (r *run) emit(e Event) {
	if r.opts.Events == nil {
		return
	}
	e.Time = r.opts.Now().UTC()
	r.emitMu.Lock()
	defer r.emitMu.Unlock()
	r.opts.Events(e)
}

func (r *run) info(id string) actionInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.infos[id]
}

func (r *run) setInfo(id, objectID, detail string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.infos[id] = actionInfo{objectID: objectID, detail: detail}
}

func (r *run) markCreated(app string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.created[app] = true
}

func (r *run) isCreated(app string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.created[app]
}

func (r *run) knowKey(appObjectID, keyID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.keys[appObjectID]
	if m == nil {
		m = map[string]bool{}
		r.keys[appObjectID] = m
	}
	m[keyID] = true
}

func (r *run) knownKey(appObjectID, keyID string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.keys[appObjectID][keyID]
}

// listExisting lists the set's applications once when the plan creates
// more than one, so that the look before each create costs no request.
// When the list fails, each create looks for itself.
func (r *run) listExisting(ctx context.Context) {
	creates := 0
	for _, a := range r.plan.Actions {
		if a.Type == planner.TypeApplication && a.Op == planner.OpCreate {
			creates++
		}
	}
	if r.finder == nil || creates < 2 {
		return
	}
	var apps []*tenant.Application
	p := r.opts.Retry
	p.OnRetry = func(attempt int, err error, d time.Duration) {
		r.emit(Event{Type: EventReadRetry, Kind: tenant.KindOf(err).String(), Attempt: attempt, DelaySeconds: d.Seconds(), Error: err.Error()})
	}
	err := p.Do(ctx, false, func(ctx context.Context) (err error) {
		apps, err = r.dir.ListApplications(ctx, r.plan.Set)
		return err
	})
	if err != nil {
		return
	}
	r.existing = map[string][]*tenant.Application{}
	for _, a := range apps {
		if a == nil || !hasTag(a.Tags, tenant.SetTag(r.plan.Set)) {
			continue
		}
		if key, ok := tagValue(a.Tags, tenant.TagKey); ok {
			r.existing[key] = append(r.existing[key], a)
		}
	}
}

// rolesAdded maps the id of each application action of the plan to the app
// roles it adds or enables, by lower-case id: every enabled role of a
// create, and those enabled roles of an update that the live application
// (by object id) does not have enabled.
func rolesAdded(p *planner.Plan, live *tenant.Snapshot) map[string]map[string]bool {
	enabled := map[string]map[string]bool{} // live application object id -> enabled role ids
	for _, a := range live.Applications {
		if a == nil {
			continue
		}
		m := map[string]bool{}
		for _, r := range a.AppRoles {
			if r.IsEnabled {
				m[strings.ToLower(r.ID)] = true
			}
		}
		enabled[strings.ToLower(a.ID)] = m
	}
	out := map[string]map[string]bool{}
	for _, a := range p.Actions {
		if a == nil || a.Type != planner.TypeApplication || a.Application == nil || a.Application.Fields == nil ||
			a.Application.Fields.AppRoles == nil || (a.Op != planner.OpCreate && a.Op != planner.OpUpdate) {
			continue
		}
		had := enabled[strings.ToLower(a.Application.ObjectID)]
		for _, r := range *a.Application.Fields.AppRoles {
			id := strings.ToLower(r.ID)
			if !r.IsEnabled || (a.Op == planner.OpUpdate && had[id]) {
				continue
			}
			if out[a.ID] == nil {
				out[a.ID] = map[string]bool{}
			}
			out[a.ID][id] = true
		}
	}
	return out
}

// roleAdded reports whether the app role an assignment names is added (or
// enabled) in this run by an application action the assignment depends on:
// the create or update of its resource application.
func (r *run) roleAdded(a *planner.Action) bool {
	if a.AppRoleAssignment == nil {
		return false
	}
	id := strings.ToLower(a.AppRoleAssignment.AppRoleID)
	for _, dep := range a.DependsOn {
		if r.addedRoles[dep][id] {
			return true
		}
	}
	return false
}
