package applier

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// execute runs one action: resolves its references, then does its write
// with retries, the idempotency checks of its type, and — for a client
// secret — the hand-off to Key Vault.
func (r *run) execute(ctx context.Context, plan *planner.Action) error {
	a, err := r.refs.resolved(plan)
	if err != nil {
		return err
	}
	x := &exec{run: r, a: a, lag: len(plan.Refs()) > 0 || r.isCreated(plan.App)}
	err = kindOf(a).run(ctx, x)
	r.setInfo(a.ID, x.objectID, strings.Join(x.details, "; "))
	return err
}

// exec is one action being executed.
type exec struct {
	*run
	a *planner.Action // resolved copy
	// lag: the action touches an object created in this run, so NotFound
	// is replication lag within the lag window.
	lag      bool
	objectID string
	details  []string
}

func (x *exec) note(format string, args ...any) {
	x.details = append(x.details, fmt.Sprintf(format, args...))
}

// do sends one write; only its error matters to the caller.
func (x *exec) do(ctx context.Context, w tenant.Write) error {
	_, err := x.dir.Do(ctx, w)
	return err
}

// retry runs fn under the run's policy, reporting each retry as an event;
// lag says whether a NotFound is replication lag.
func (x *exec) retry(ctx context.Context, lag bool, fn func(ctx context.Context) error) error {
	return x.retryLag(ctx, func(error) bool { return lag }, fn)
}

// retryLag is retry with the lag decision made for each failure.
func (x *exec) retryLag(ctx context.Context, lag func(error) bool, fn func(ctx context.Context) error) error {
	return x.policy(x.opts.Retry).DoLag(ctx, lag, fn)
}

// retryAt is retry for a call to another service than Graph, pausing at
// that service's gate (run.vaultGate, run.armGate) when it throttles.
func (x *exec) retryAt(ctx context.Context, gate *tenant.ThrottleGate, lag bool, fn func(ctx context.Context) error) error {
	p := x.opts.Retry
	p.Gate = gate
	return x.policy(p).DoLag(ctx, func(error) bool { return lag }, fn)
}

// policy is p with every retry reported as an action_retry event and every
// wait made with the action's slot of parallelism and its application lock
// given back (waitFree), so a call that backs off holds up no other action.
func (x *exec) policy(p RetryPolicy) RetryPolicy {
	p.OnRetry = func(attempt int, err error, d time.Duration) {
		e := actionEvent(EventActionRetry, x.a)
		e.Kind = tenant.KindOf(err).String()
		e.Attempt = attempt
		e.DelaySeconds = d.Seconds()
		e.Error = err.Error()
		x.emit(e)
	}
	sleep := p.Sleep
	p.Sleep = func(ctx context.Context, d time.Duration) error {
		return waitFree(ctx, func() error { return sleep(ctx, d) })
	}
	return p
}

// lookAgain calls find until it reports a hit or Options.LookAgain has
// passed, waiting between calls as for replication lag. It returns whether
// find hit, and find's last error when that was not a miss.
func (x *exec) lookAgain(ctx context.Context, find func(ctx context.Context) (bool, error)) (bool, error) {
	return x.lookFor(ctx, max(x.opts.LookAgain, 0), find)
}

// lookFor is lookAgain for up to window. Each look that misses is reported
// as an action_retry event (kind "not found") and waited for with the
// action's slot given back.
func (x *exec) lookFor(ctx context.Context, window time.Duration, find func(ctx context.Context) (bool, error)) (bool, error) {
	p := x.policy(x.opts.Retry)
	p.LagWindow = window
	p.MaxAttempts = 1 << 20 // the window ends the looking, not the count
	hit := false
	err := p.Do(ctx, true, func(ctx context.Context) error {
		ok, err := find(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return &tenant.Error{Kind: tenant.NotFound, Message: "not visible yet"}
		}
		hit = true
		return nil
	})
	if hit {
		return true, nil
	}
	if tenant.KindOf(err) == tenant.NotFound {
		return false, nil
	}
	return false, err
}

// maybeLost reports whether a create that failed this way may still have
// been made: the request may have reached the service and only the answer
// was lost.
func maybeLost(err error) bool {
	k := tenant.KindOf(err)
	return k == tenant.Transient || k == tenant.Unknown
}

// gone reports whether a delete failed because the object is gone already.
func gone(err error) bool { return tenant.KindOf(err) == tenant.NotFound }

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

// remove runs a delete with retries; an object already gone counts as
// removed, with already ("already deleted", "already revoked", ...) noted
// on the result.
func (x *exec) remove(ctx context.Context, already string, del func(ctx context.Context) error) error {
	return x.removeAt(ctx, x.opts.Retry.Gate, already, del)
}

// removeAt is remove for a call to the service whose throttle gate is gate.
func (x *exec) removeAt(ctx context.Context, gate *tenant.ThrottleGate, already string, del func(ctx context.Context) error) error {
	err := x.retryAt(ctx, gate, false, del)
	if gone(err) {
		x.note("%s", already)
		return nil
	}
	return err
}
