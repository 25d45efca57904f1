package tenant

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// RetryPolicy says how often and how long a call at the tenant boundary is
// retried. It is the one retry mechanism of regsync: Read uses it for every
// read and the applier for every write and lookup, so both switch on the
// same error kinds and the same limits.
//
// It lives here, above graph/ and keyvault/, rather than inside the Graph
// client, for three reasons. The SDKs' own retries are partial
// (msgraph-sdk-go's retry handler resends 429, 503 and 504 only, never a 500
// or 502; azcore resends 408, 429 and 5xx but a fixed three times), and
// extending them inside graph.Client would put a second loop under every
// caller's loop, multiplying the attempts and hiding the retries from the
// applier's progress events. Only the caller knows whether a call is safe to
// send again (a GET always is; a create needs the look-again the applier
// does) and whether a NotFound is replication lag (an object this run just
// created) or a fact. And a retry that switches on Kind alone works the same
// for Graph, Key Vault and test fakes.
//
// Transient failures (a 503 included, with or without Retry-After) are
// retried with exponential backoff (or the service's Retry-After, when it
// gave one), up to MaxAttempts. Throttled answers (a 429) are the service pacing
// its client, not a fault: they are waited out, honouring Retry-After, for
// as long as ThrottleBudget allows, however many answers that takes, and
// they do not use up MaxAttempts. NotFound
// is retried only when the caller says so (tolerateLag), within LagWindow:
// Entra is eventually consistent, and a new object may be invisible for a
// while. Every other kind is final.
type RetryPolicy struct {
	MaxAttempts int           // including the first; default 6
	BaseDelay   time.Duration // first backoff; default 500ms
	MaxDelay    time.Duration // cap of one backoff; default 30s
	// ThrottleBudget is how long one call may keep being throttled, from
	// its first throttled answer, before its last one is returned; default
	// 15 minutes.
	ThrottleBudget time.Duration
	// Gate, when set, is shared by every call of a run: a throttled answer
	// closes it until its Retry-After has passed, and each call waits at the
	// gate before it is sent, so parallel workers pause together rather
	// than each spending a request to learn the service is still busy.
	// Without one, each call (or DoItems) pauses alone. The gate is the
	// policy's only throttle wait: Do's and DoItems' throttled retries
	// both wait there.
	Gate *ThrottleGate
	// LagWindow is how long NotFound is treated as replication lag rather
	// than a fact, for calls made with tolerateLag. Zero means no lag is
	// tolerated; WithDefaults leaves it alone.
	LagWindow time.Duration
	// Sleep waits; tests replace it. It returns early with ctx's error.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now returns the time; tests replace it.
	Now func() time.Time
	// OnRetry, when set, is told of every retry before its wait: the
	// attempt that failed (1 for the first call), its error and the delay.
	OnRetry func(attempt int, err error, delay time.Duration)
}

// DefaultRetryPolicy suits Graph and Key Vault in production.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 6, BaseDelay: 500 * time.Millisecond, MaxDelay: 30 * time.Second, ThrottleBudget: 15 * time.Minute, LagWindow: 2 * time.Minute}
}

// WithDefaults returns p with DefaultRetryPolicy's MaxAttempts, BaseDelay,
// MaxDelay and ThrottleBudget where p has none, and the real clock where p has no Sleep or
// Now. LagWindow is kept as it is.
func (p RetryPolicy) WithDefaults() RetryPolicy {
	d := DefaultRetryPolicy()
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = d.BaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = d.MaxDelay
	}
	if p.ThrottleBudget <= 0 {
		p.ThrottleBudget = d.ThrottleBudget
	}
	if p.Sleep == nil {
		p.Sleep = sleepCtx
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	return p
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Do runs fn until it succeeds, fails with an error that is not worth
// retrying, the attempts run out, or ctx ends. tolerateLag says whether a
// NotFound is retried within LagWindow (for calls on objects created moments
// ago); those retries end with the window, whatever MaxAttempts says. It
// returns the last error.
func (p RetryPolicy) Do(ctx context.Context, tolerateLag bool, fn func(ctx context.Context) error) error {
	return p.DoLag(ctx, func(error) bool { return tolerateLag }, fn)
}

// DoLag is Do with the lag decision made for each failure: a NotFound is
// retried within LagWindow when lag(err) says it is replication lag. A
// call that names several objects uses it when only some of them are new
// (an app-role assignment whose role this run added to an existing
// resource).
func (p RetryPolicy) DoLag(ctx context.Context, lag func(err error) bool, fn func(ctx context.Context) error) error {
	p = p.WithDefaults()
	gate := p.gate()
	start := p.Now()
	var err error
	var t throttle
	faults := 0
	for attempt := 1; ; attempt++ {
		if gerr := gate.wait(ctx, p.Now, p.Sleep); gerr != nil {
			if err != nil {
				return errors.Join(err, gerr)
			}
			return gerr
		}
		if err = fn(ctx); err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		if throttled(err) {
			// The service is pacing us: wait as long as it asks, within
			// the budget, whatever the count. The wait is the gate's, so
			// every call sharing it pauses too.
			d, berr := t.next(p, err)
			if berr != nil {
				return berr
			}
			if p.OnRetry != nil {
				p.OnRetry(attempt, err, d)
			}
			if serr := p.pause(ctx, gate, err, d); serr != nil {
				return errors.Join(err, serr)
			}
			continue
		}
		// Replication lag is bounded by the window, not by the attempts:
		// a new object may stay invisible for minutes.
		faults++
		kind := KindOf(err)
		lagging := kind == NotFound && lag(err) && p.Now().Sub(start) < p.LagWindow
		if !lagging && (!kind.Retryable() || faults >= p.MaxAttempts) {
			return err
		}
		d := p.delay(faults, err)
		if p.OnRetry != nil {
			p.OnRetry(attempt, err, d)
		}
		if serr := p.Sleep(ctx, d); serr != nil {
			return errors.Join(err, serr)
		}
	}
}

// DoItems sends n writes that travel together (a $batch) with send, which
// is given the indexes still to send and returns one error per index, in
// order. Items answered 429 are refused, not done, so they are sent again
// together once the pause the service asked for has passed (the shared
// gate, as for Do), each within its own ThrottleBudget, with onRetry told
// of every throttled item before its wait (item index, the attempt that
// was throttled, the answer, the wait). It returns each item's last error:
// nil when done, the answer when it failed in another way (for the caller's
// single-call retry, which knows what a fault of each write means), or
// ThrottleExhausted's error when the budget ran out.
func (p RetryPolicy) DoItems(ctx context.Context, n int, send func(ctx context.Context, items []int) []error, onRetry func(item, attempt int, err error, d time.Duration)) []error {
	p = p.WithDefaults()
	gate := p.gate()
	errs := make([]error, n)
	ts := make([]throttle, n)
	pending := make([]int, n)
	for i := range pending {
		pending[i] = i
	}
	for len(pending) > 0 {
		if gerr := gate.wait(ctx, p.Now, p.Sleep); gerr != nil {
			for _, i := range pending {
				errs[i] = errors.Join(errs[i], gerr)
			}
			return errs
		}
		res := send(ctx, pending)
		if len(res) != len(pending) {
			panic(fmt.Sprintf("internal error: send returned %d errors for %d items", len(res), len(pending)))
		}
		var again []int
		var wait time.Duration // the longest backoff of items without Retry-After
		for k, i := range pending {
			errs[i] = res[k]
			if res[k] == nil || KindOf(res[k]) != Throttled || ctx.Err() != nil {
				continue
			}
			d, berr := ts[i].next(p, res[k])
			if berr != nil {
				errs[i] = berr
				continue
			}
			if onRetry != nil {
				onRetry(i, ts[i].count, res[k], d)
			}
			if retryAfter(res[k]) > 0 {
				gate.hold(p.Now().Add(d))
			} else {
				wait = max(wait, d)
			}
			again = append(again, i)
		}
		pending = again
		if wait > 0 && len(pending) > 0 {
			if serr := p.Sleep(ctx, wait); serr != nil {
				for _, i := range pending {
					errs[i] = errors.Join(errs[i], serr)
				}
				return errs
			}
		}
	}
	return errs
}

// pause waits before a throttled call is sent again. An answer with
// Retry-After closes the gate until it has passed, so that every call
// sharing the gate pauses with this one (the wait itself is the gate's,
// at the top of the next attempt); one without is backed off alone.
func (p RetryPolicy) pause(ctx context.Context, gate *ThrottleGate, err error, d time.Duration) error {
	if retryAfter(err) > 0 {
		gate.hold(p.Now().Add(d))
		return nil
	}
	return p.Sleep(ctx, d)
}

// gate is p's Gate, or one of the call's own when p has none.
func (p RetryPolicy) gate() *ThrottleGate {
	if p.Gate != nil {
		return p.Gate
	}
	return &ThrottleGate{}
}

// throttle is one call's (or one $batch item's) run of throttled answers.
type throttle struct {
	since time.Time // the first throttled answer's time; zero before it
	count int       // throttled answers so far
}

// next counts a throttled answer and returns the wait before the call is
// sent again: the answer's Retry-After, or backoff when it has none. When
// that wait would end past the budget, counted from the first throttled
// answer, it returns a ThrottleExhausted error instead.
func (t *throttle) next(p RetryPolicy, err error) (time.Duration, error) {
	now := p.Now()
	if t.count == 0 {
		t.since = now
	}
	t.count++
	d := p.delay(t.count, err)
	if now.Add(d).Sub(t.since) > p.ThrottleBudget {
		return 0, &ThrottleExhausted{Waited: now.Sub(t.since), Answers: t.count, Budget: p.ThrottleBudget, Next: d, Err: err}
	}
	return d, nil
}

// ThrottleExhausted is the error of a call the service kept throttling
// for longer than the retry policy's ThrottleBudget. It keeps the last
// answer's kind (errors.As finds the *Error in Err).
type ThrottleExhausted struct {
	Waited  time.Duration // from the first throttled answer to the last
	Answers int           // throttled answers received
	Budget  time.Duration // the policy's ThrottleBudget
	Next    time.Duration // the wait the last answer asked for
	Err     error         // the last answer
}

func (e *ThrottleExhausted) Error() string {
	return fmt.Sprintf("still throttled after waiting %s over %d throttled answers; waiting the %s more it asks would pass the throttle budget of %s: %v",
		e.Waited.Round(time.Second), e.Answers, e.Next.Round(time.Millisecond), e.Budget, e.Err)
}

func (e *ThrottleExhausted) Unwrap() error { return e.Err }

// throttled reports whether err is the service pacing its client: a
// Throttled answer (429). A 503 is a fault even when it carries
// Retry-After (Azure Resource Manager's and Key Vault's outages do): its
// Retry-After sets the delay, and MaxAttempts bounds it, so an outage ends
// the run in good time rather than after the throttle budget.
func throttled(err error) bool { return KindOf(err) == Throttled }

func retryAfter(err error) time.Duration {
	var te *Error
	if errors.As(err, &te) {
		return te.RetryAfter
	}
	return 0
}

// ThrottleGate is the pause a run's calls share while the service has
// asked them to wait: closed until the latest Retry-After any call was
// given has passed. The zero value is open. It is safe for concurrent use.
type ThrottleGate struct {
	mu    sync.Mutex
	until time.Time
}

// hold closes the gate until t, unless it is already closed for longer.
func (g *ThrottleGate) hold(t time.Time) {
	g.mu.Lock()
	if t.After(g.until) {
		g.until = t
	}
	g.mu.Unlock()
}

// wait returns once the gate is open, sleeping with sleep meanwhile; it
// returns early with the sleep's error (ctx ended).
func (g *ThrottleGate) wait(ctx context.Context, now func() time.Time, sleep func(context.Context, time.Duration) error) error {
	for {
		g.mu.Lock()
		d := g.until.Sub(now())
		g.mu.Unlock()
		if d <= 0 {
			return nil
		}
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
}

// delay is the wait before attempt+1: the service's Retry-After when given,
// else exponential backoff with jitter, capped at MaxDelay.
func (p RetryPolicy) delay(attempt int, err error) time.Duration {
	var te *Error
	if errors.As(err, &te) && te.RetryAfter > 0 {
		return te.RetryAfter
	}
	d := p.BaseDelay << (attempt - 1)
	if d <= 0 || d > p.MaxDelay {
		d = p.MaxDelay
	}
	// Full jitter in [d/2, d) spreads retries of parallel workers.
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}
