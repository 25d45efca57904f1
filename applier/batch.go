package applier

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// executeBatch sends a group of batchable actions as one $batch (the
// Directory splits it into Graph's 20 a request). An item that fails goes
// through execute, the single-call path, which retries by kind and knows
// which failures mean done (an owner that exists, an assignment already
// revoked): batching saves round trips, never changes an outcome. Graph
// throttles $batch items one by one; a throttled item is shown as an
// action_retry event like any other retry, and the single calls wait for
// the longest Retry-After first, so no 429 is retried out of sight.
func (r *run) executeBatch(ctx context.Context, actions []*planner.Action) []error {
	errs := make([]error, len(actions))
	var writes []tenant.Write
	var idx []int
	var ids []string
	for i, pa := range actions {
		a, err := r.refs.resolved(pa)
		if err != nil {
			errs[i] = err
			continue
		}
		w, id, ok := kindOf(a).write(a)
		if !ok {
			panic(fmt.Sprintf("internal error: action %s (%s %s) is not batchable", a.ID, a.Op, a.Type))
		}
		writes = append(writes, w)
		idx = append(idx, i)
		ids = append(ids, id)
	}
	if len(writes) == 0 {
		return errs
	}
	// Wait out a pause the service asked another call for, with the slot
	// given back, before spending a request to learn of it again.
	gate := r.opts.Retry
	sleep := gate.Sleep
	gate.Sleep = func(ctx context.Context, d time.Duration) error {
		return waitFree(ctx, func() error { return sleep(ctx, d) })
	}
	if err := gate.WaitGate(ctx); err != nil {
		for _, i := range idx {
			errs[i] = err
		}
		return errs
	}
	results := r.dir.DoBatch(ctx, writes)
	if len(results) != len(writes) {
		panic(fmt.Sprintf("internal error: DoBatch returned %d results for %d writes", len(results), len(writes)))
	}
	r.waitThrottled(ctx, actions, idx, results)
	for n, i := range idx {
		if results[n].Err == nil {
			id := ids[n]
			if results[n].ID != "" {
				id = results[n].ID
			}
			r.setInfo(actions[i].ID, id, "")
			continue
		}
		r.opts.Retry.NoteThrottle(results[n].Err)
		if ctx.Err() != nil {
			errs[i] = results[n].Err
			continue
		}
		errs[i] = r.execute(ctx, actions[i])
	}
	return errs
}

// waitThrottled reports every throttled batch item as an action_retry
// event and waits once for the longest Retry-After among them (the retry
// policy's backoff when Graph gave none), with the slot given back.
func (r *run) waitThrottled(ctx context.Context, actions []*planner.Action, idx []int, results []tenant.WriteResult) {
	p := r.opts.Retry.WithDefaults()
	var wait time.Duration
	for n, i := range idx {
		err := results[n].Err
		if err == nil || tenant.KindOf(err) != tenant.Throttled {
			continue
		}
		d := p.BaseDelay
		var te *tenant.Error
		if errors.As(err, &te) && te.RetryAfter > 0 {
			d = te.RetryAfter
		}
		e := actionEvent(EventActionRetry, actions[i])
		e.Kind = tenant.Throttled.String()
		e.Attempt = 1
		e.DelaySeconds = d.Seconds()
		e.Error = err.Error()
		r.emit(e)
		wait = max(wait, d)
	}
	if wait > 0 && ctx.Err() == nil {
		_ = waitFree(ctx, func() error { return p.Sleep(ctx, wait) })
	}
}
