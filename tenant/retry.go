package tenant

import (
	"context"
	"errors"
	"math/rand/v2"
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
// Throttled and Transient failures are retried with exponential backoff (or
// the service's Retry-After, when it gave one), up to MaxAttempts. NotFound
// is retried only when the caller says so (tolerateLag), within LagWindow:
// Entra is eventually consistent, and a new object may be invisible for a
// while. Every other kind is final.
type RetryPolicy struct {
	MaxAttempts int           // including the first; default 6
	BaseDelay   time.Duration // first backoff; default 500ms
	MaxDelay    time.Duration // cap of one backoff; default 30s
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
	return RetryPolicy{MaxAttempts: 6, BaseDelay: 500 * time.Millisecond, MaxDelay: 30 * time.Second, LagWindow: 2 * time.Minute}
}

// WithDefaults returns p with DefaultRetryPolicy's MaxAttempts, BaseDelay
// and MaxDelay where p has none, and the real clock where p has no Sleep or
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
	for attempt := 1; ; attempt++ {
		if err = fn(ctx); err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		kind := KindOf(err)
		// Replication lag is bounded by the window, not by the attempts:
		// a new object may stay invisible for minutes.
		lagging := kind == NotFound && lag(err) && p.Now().Sub(start) < p.LagWindow
		if !lagging && (!kind.Retryable() || attempt >= p.MaxAttempts) {
			return err
		}
		d := p.delay(attempt, err)
		if p.OnRetry != nil {
			p.OnRetry(attempt, err, d)
		}
		if serr := p.Sleep(ctx, d); serr != nil {
			return errors.Join(err, serr)
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
