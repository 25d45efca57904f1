package tenant

import (
	"context"
	"errors"
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
// Transient failures are retried with exponential backoff (or the
// service's Retry-After, when it gave one), up to MaxAttempts. Throttled
// answers (a 429, or a 503 that carries Retry-After) are the service pacing
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
	start := p.Now()
	var err error
	var throttledSince time.Time // zero until the first throttled answer
	faults, throttles := 0, 0
	for attempt := 1; ; attempt++ {
		if p.Gate != nil {
			if gerr := p.Gate.wait(ctx, p.Now, p.Sleep); gerr != nil {
				if err != nil {
					return errors.Join(err, gerr)
				}
				return gerr
			}
		}
		if err = fn(ctx); err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		kind := KindOf(err)
		var d time.Duration
		if throttled(err) {
			// The service is pacing us: wait as long as it asks, within
			// the budget, whatever the count.
			now := p.Now()
			if throttledSince.IsZero() {
				throttledSince = now
			}
			throttles++
			d = p.delay(throttles, err)
			if now.Add(d).Sub(throttledSince) > p.ThrottleBudget {
				return err
			}
			if p.Gate != nil && retryAfter(err) > 0 {
				p.Gate.hold(now.Add(d))
			}
		} else {
			// Replication lag is bounded by the window, not by the
			// attempts: a new object may stay invisible for minutes.
			faults++
			lagging := kind == NotFound && lag(err) && p.Now().Sub(start) < p.LagWindow
			if !lagging && (!kind.Retryable() || faults >= p.MaxAttempts) {
				return err
			}
			d = p.delay(faults, err)
		}
		if p.OnRetry != nil {
			p.OnRetry(attempt, err, d)
		}
		if serr := p.Sleep(ctx, d); serr != nil {
			return errors.Join(err, serr)
		}
	}
}

// throttled reports whether err is the service pacing its client: a
// Throttled answer (429), or a Transient one that came with Retry-After
// (Graph's and Key Vault's 503 when busy).
func throttled(err error) bool {
	switch KindOf(err) {
	case Throttled:
		return true
	case Transient:
		return retryAfter(err) > 0
	}
	return false
}

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

// WaitGate waits until p's Gate is open (at once when p has none), for
// calls made outside Do, such as a $batch whose items are retried inside
// the Directory.
func (p RetryPolicy) WaitGate(ctx context.Context) error {
	if p.Gate == nil {
		return nil
	}
	p = p.WithDefaults()
	return p.Gate.wait(ctx, p.Now, p.Sleep)
}

// NoteThrottle closes p's Gate for err's Retry-After when err is a
// throttled answer that carries one; calls made outside Do report their
// failures here so the run's other calls pause too.
func (p RetryPolicy) NoteThrottle(err error) {
	if p.Gate == nil || err == nil || !throttled(err) {
		return
	}
	if d := retryAfter(err); d > 0 {
		p = p.WithDefaults()
		p.Gate.hold(p.Now().Add(d))
	}
}
