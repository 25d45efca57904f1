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
// Directory splits it into Graph's 20 a request). Graph throttles $batch
// items one by one: items answered 429 were refused, not done, so the
// retry policy sends them again together once the run's shared pause has
// passed (tenant.RetryPolicy.DoItems), each shown as an action_retry event
// with its wait, so no 429 is retried out of sight. An item that fails in
// another way goes through execute, the single-call path, which retries by
// kind and knows which failures mean done (an owner that exists, an
// assignment already revoked): batching saves round trips, never changes
// an outcome.
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
	// Waits give the slot back, as a single call's do (exec.policy).
	p := r.opts.Retry
	sleep := p.Sleep
	if sleep == nil {
		sleep = p.WithDefaults().Sleep
	}
	p.Sleep = func(ctx context.Context, d time.Duration) error {
		return waitFree(ctx, func() error { return sleep(ctx, d) })
	}
	results := make([]tenant.WriteResult, len(writes))
	itemErrs := p.DoItems(ctx, len(writes), func(ctx context.Context, items []int) []error {
		sent := make([]tenant.Write, len(items))
		for k, n := range items {
			sent[k] = writes[n]
		}
		got := r.dir.DoBatch(ctx, sent)
		if len(got) != len(sent) {
			panic(fmt.Sprintf("internal error: DoBatch returned %d results for %d writes", len(got), len(sent)))
		}
		out := make([]error, len(items))
		for k, n := range items {
			results[n] = got[k]
			out[k] = got[k].Err
		}
		return out
	}, func(n, attempt int, err error, d time.Duration) {
		e := actionEvent(EventActionRetry, actions[idx[n]])
		e.Kind = tenant.KindOf(err).String()
		e.Attempt = attempt
		e.DelaySeconds = d.Seconds()
		e.Error = err.Error()
		r.emit(e)
	})
	for n, i := range idx {
		err := itemErrs[n]
		if err == nil {
			id := ids[n]
			if results[n].ID != "" {
				id = results[n].ID
			}
			r.setInfo(actions[i].ID, id, "")
			continue
		}
		var spent *tenant.ThrottleExhausted
		if ctx.Err() != nil || errors.As(err, &spent) {
			// Throttled past the budget: a single call would only be
			// throttled again.
			errs[i] = err
			continue
		}
		errs[i] = r.execute(ctx, actions[i])
	}
	return errs
}
