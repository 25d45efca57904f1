package tenant

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeClock records sleeps and advances time by them.
type fakeClock struct {
	now   time.Time
	slept []time.Duration
}

func (c *fakeClock) policy() RetryPolicy {
	return RetryPolicy{
		MaxAttempts: 4, BaseDelay: time.Second, MaxDelay: 8 * time.Second, LagWindow: 10 * time.Second,
		Sleep: func(_ context.Context, d time.Duration) error {
			c.slept = append(c.slept, d)
			c.now = c.now.Add(d)
			return nil
		},
		Now: func() time.Time { return c.now },
	}
}

func TestRetryByKind(t *testing.T) {
	throttled := &Error{Kind: Throttled, RetryAfter: 3 * time.Second}
	for _, tc := range []struct {
		name        string
		errs        []error // returned by successive attempts; nil = success
		tolerateLag bool
		wantCalls   int
		wantErr     bool
		reason      string
	}{
		{name: "success", errs: []error{nil}, wantCalls: 1},
		{name: "throttled then ok", errs: []error{throttled, nil}, wantCalls: 2},
		{name: "transient thrice then ok", errs: []error{&Error{Kind: Transient}, &Error{Kind: Transient}, &Error{Kind: Transient}, nil}, wantCalls: 4},
		{name: "transient exhausts", errs: []error{&Error{Kind: Transient}, &Error{Kind: Transient}, &Error{Kind: Transient}, &Error{Kind: Transient}}, wantCalls: 4, wantErr: true},
		{name: "invalid is final", errs: []error{&Error{Kind: Invalid}}, wantCalls: 1, wantErr: true},
		{name: "not found is final without lag", errs: []error{&Error{Kind: NotFound}}, wantCalls: 1, wantErr: true},
		{name: "not found retried under lag", errs: []error{&Error{Kind: NotFound}, nil}, tolerateLag: true, wantCalls: 2},
		{name: "plain error is final", errs: []error{errors.New("x")}, wantCalls: 1, wantErr: true, reason: "unclassified errors are not retried"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &fakeClock{now: time.Unix(0, 0)}
			calls := 0
			err := c.policy().Do(context.Background(), tc.tolerateLag, func(context.Context) error {
				e := tc.errs[calls]
				calls++
				return e
			})
			if calls != tc.wantCalls || (err != nil) != tc.wantErr {
				t.Errorf("calls=%d err=%v, want calls=%d err=%v (%s)", calls, err, tc.wantCalls, tc.wantErr, tc.reason)
			}
		})
	}
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	c := &fakeClock{now: time.Unix(0, 0)}
	n := 0
	_ = c.policy().Do(context.Background(), false, func(context.Context) error {
		n++
		if n < 3 {
			return &Error{Kind: Throttled, RetryAfter: 7 * time.Second}
		}
		return nil
	})
	if d := cmp.Diff([]time.Duration{7 * time.Second, 7 * time.Second}, c.slept); d != "" {
		t.Errorf("sleeps (-want +got):\n%s", d)
	}
}

func TestRetryLagWindowEnds(t *testing.T) {
	c := &fakeClock{now: time.Unix(0, 0)}
	p := c.policy()
	p.MaxAttempts = 100
	calls := 0
	err := p.Do(context.Background(), true, func(context.Context) error {
		calls++
		return &Error{Kind: NotFound}
	})
	if err == nil {
		t.Fatal("want the NotFound once the lag window is over")
	}
	if c.now.Sub(time.Unix(0, 0)) > 10*time.Second+p.MaxDelay {
		t.Errorf("kept retrying for %v, past the 10s window", c.now.Sub(time.Unix(0, 0)))
	}
	if calls < 2 {
		t.Errorf("calls = %d, want retries within the window", calls)
	}
}

func TestBackoffGrowsAndCaps(t *testing.T) {
	p := RetryPolicy{BaseDelay: time.Second, MaxDelay: 4 * time.Second}.WithDefaults()
	for attempt, max := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 10: 4 * time.Second} {
		d := p.delay(attempt, errors.New("x"))
		if d < max/2 || d > max {
			t.Errorf("attempt %d: delay %v outside [%v, %v]", attempt, d, max/2, max)
		}
	}
}

// TestRetryLagPerFailure: DoLag asks, for each NotFound, whether it is lag,
// so a call can ride out one missing reference and not another.
func TestRetryLagPerFailure(t *testing.T) {
	role := &Error{Kind: NotFound, Missing: MissingAppRole}
	object := &Error{Kind: NotFound}
	newRoleOnly := func(err error) bool { return MissingOf(err) == MissingAppRole }
	for _, tc := range []struct {
		name      string
		errs      []error
		wantCalls int
		wantErr   bool
	}{
		{name: "missing role ridden out", errs: []error{role, role, nil}, wantCalls: 3},
		{name: "missing object final", errs: []error{object}, wantCalls: 1, wantErr: true},
		{name: "role then object", errs: []error{role, object}, wantCalls: 2, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &fakeClock{now: time.Unix(0, 0)}
			calls := 0
			err := c.policy().DoLag(context.Background(), newRoleOnly, func(context.Context) error {
				e := tc.errs[calls]
				calls++
				return e
			})
			if calls != tc.wantCalls || (err != nil) != tc.wantErr {
				t.Errorf("calls=%d err=%v, want calls=%d err=%v", calls, err, tc.wantCalls, tc.wantErr)
			}
		})
	}
	if MissingOf(errors.New("plain")) != MissingObject || MissingOf(fmtWrap(role)) != MissingAppRole {
		t.Error("MissingOf does not read the chain")
	}
}

func fmtWrap(err error) error { return fmt.Errorf("creating assignment: %w", err) }
