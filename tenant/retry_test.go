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

// TestThrottleOutlastsAttempts: throttled answers are waited out for as
// long as the service asks, however many there are, within ThrottleBudget;
// the attempt limit stays for faults.
func TestThrottleOutlastsAttempts(t *testing.T) {
	c := &fakeClock{now: time.Unix(0, 0)}
	p := c.policy() // MaxAttempts 4
	p.ThrottleBudget = time.Minute
	n := 0
	var retries []int
	p.OnRetry = func(attempt int, err error, d time.Duration) { retries = append(retries, attempt) }
	err := p.Do(context.Background(), false, func(context.Context) error {
		n++
		switch {
		case n <= 10:
			return &Error{Kind: Throttled, Status: 429, RetryAfter: 5 * time.Second}
		case n == 11:
			return &Error{Kind: Transient, Status: 503, RetryAfter: 2 * time.Second} // a fault, whose Retry-After sets its delay
		case n <= 13:
			return &Error{Kind: Transient, Status: 500} // three faults in all: under MaxAttempts
		}
		return nil
	})
	if err != nil || n != 14 {
		t.Fatalf("calls=%d err=%v, want 14 calls and success", n, err)
	}
	if len(retries) != 13 || retries[12] != 13 {
		t.Errorf("retry events for attempts %v, want one for each of 1..13", retries)
	}
	want := []time.Duration{}
	for range 10 {
		want = append(want, 5*time.Second)
	}
	want = append(want, 2*time.Second)
	if d := cmp.Diff(want, c.slept[:11]); d != "" {
		t.Errorf("throttle waits (-want +got):\n%s", d)
	}
}

// TestThrottleBudgetEnds: a call throttled for longer than its budget
// returns the last throttled answer, without sleeping past the budget.
func TestThrottleBudgetEnds(t *testing.T) {
	c := &fakeClock{now: time.Unix(0, 0)}
	p := c.policy()
	p.ThrottleBudget = 30 * time.Second
	n := 0
	err := p.Do(context.Background(), false, func(context.Context) error {
		n++
		return &Error{Kind: Throttled, Status: 429, RetryAfter: 7 * time.Second}
	})
	if KindOf(err) != Throttled {
		t.Fatalf("err = %v, want the throttled answer", err)
	}
	// Waits of 7 s at 0, 7, 14, 21 (ending at 28 s); a fifth would end at 35 s.
	if n != 5 || len(c.slept) != 4 {
		t.Errorf("calls=%d sleeps=%v, want 5 calls and 4 waits of 7s", n, c.slept)
	}
}

// TestFaultsStillLimited: a fault after throttled answers still counts
// against MaxAttempts alone, so throttling does not lengthen fault retries
// and faults do not shorten the throttle budget.
func TestFaultsStillLimited(t *testing.T) {
	c := &fakeClock{now: time.Unix(0, 0)}
	n := 0
	err := c.policy().Do(context.Background(), false, func(context.Context) error {
		n++
		if n%2 == 1 {
			return &Error{Kind: Throttled, RetryAfter: time.Second}
		}
		return &Error{Kind: Transient, Status: 502}
	})
	if KindOf(err) != Transient || n != 8 {
		t.Errorf("calls=%d err=%v, want the 4th fault (MaxAttempts 4) to end it after 8 calls", n, err)
	}
}

// TestGatePausesOtherCalls: a Retry-After given to one call holds back the
// next call of the run until it has passed, without that call spending a
// request; an open gate costs no wait.
func TestGatePausesOtherCalls(t *testing.T) {
	c := &fakeClock{now: time.Unix(0, 0)}
	p := c.policy()
	p.Gate = &ThrottleGate{}
	var sent []time.Time
	first := true
	err := p.Do(context.Background(), false, func(context.Context) error {
		sent = append(sent, c.now)
		if first {
			first = false
			return &Error{Kind: Throttled, RetryAfter: 9 * time.Second}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Another call of the same run, started 2 s after the throttled answer.
	c.now = time.Unix(2, 0)
	c.slept = nil
	p.Gate.hold(time.Unix(20, 0)) // a third call was told to wait until 20 s
	if err := p.Do(context.Background(), false, func(context.Context) error {
		sent = append(sent, c.now)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]time.Time{time.Unix(0, 0), time.Unix(9, 0), time.Unix(20, 0)}, sent); d != "" {
		t.Errorf("send times (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]time.Duration{18 * time.Second}, c.slept); d != "" {
		t.Errorf("gate wait (-want +got):\n%s", d)
	}
	// An answer without Retry-After is backed off by its own call alone:
	// the gate stays open for the others.
	c.slept = nil
	calls := 0
	if err := p.Do(context.Background(), false, func(context.Context) error {
		if calls++; calls == 1 {
			return &Error{Kind: Throttled}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := p.Gate.until; !got.Equal(time.Unix(20, 0)) {
		t.Errorf("a throttled answer without Retry-After closed the gate until %v", got)
	}
}

// TestGateConcurrent: the gate is safe under parallel calls (go test -race).
func TestGateConcurrent(t *testing.T) {
	g := &ThrottleGate{}
	done := make(chan struct{})
	for i := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			g.hold(time.Now().Add(time.Duration(i) * time.Millisecond))
			_ = g.wait(context.Background(), time.Now, sleepCtx)
		}()
	}
	for range 8 {
		<-done
	}
	if time.Until(g.until) > 0 {
		t.Errorf("gate still closed after every waiter returned")
	}
}

// TestThrottleBudgetError: the error of a call throttled past its budget
// says how long it waited, how many answers, and the budget, and keeps the
// last answer's kind.
func TestThrottleBudgetError(t *testing.T) {
	c := &fakeClock{now: time.Unix(0, 0)}
	p := c.policy()
	p.ThrottleBudget = 20 * time.Second
	err := p.Do(context.Background(), false, func(context.Context) error {
		return fmtWrap(&Error{Kind: Throttled, Status: 429, Message: "too many requests", RetryAfter: 6 * time.Second})
	})
	var spent *ThrottleExhausted
	if !errors.As(err, &spent) || KindOf(err) != Throttled {
		t.Fatalf("err = %v, want a ThrottleExhausted of kind throttled", err)
	}
	want := "still throttled after waiting 18s over 4 throttled answers; waiting the 6s more it asks would pass the throttle budget of 20s: creating assignment: too many requests"
	if err.Error() != want {
		t.Errorf("error:\n got %q\nwant %q", err.Error(), want)
	}
}

// TestDoItemsResendsThrottled: items answered 429 are sent again together,
// once the longest Retry-After among them has passed, each reported to
// onRetry; an item failing otherwise is returned at once for the caller,
// and one throttled past its budget ends with ThrottleExhausted.
func TestDoItemsResendsThrottled(t *testing.T) {
	c := &fakeClock{now: time.Unix(0, 0)}
	p := c.policy()
	p.Gate = &ThrottleGate{}
	p.ThrottleBudget = 10 * time.Second
	var rounds [][]int
	var sentAt []time.Time
	tries := map[int]int{}
	errs := p.DoItems(context.Background(), 5, func(_ context.Context, items []int) []error {
		rounds = append(rounds, append([]int(nil), items...))
		sentAt = append(sentAt, c.now)
		out := make([]error, len(items))
		for k, i := range items {
			tries[i]++
			switch {
			case i == 1 && tries[i] <= 2:
				out[k] = &Error{Kind: Throttled, Status: 429, RetryAfter: 2 * time.Second}
			case i == 2 && tries[i] == 1:
				out[k] = &Error{Kind: Throttled, Status: 429, RetryAfter: 3 * time.Second}
			case i == 3:
				out[k] = &Error{Kind: Transient, Status: 503, RetryAfter: time.Second} // not re-sent here: it may have been done
			case i == 4:
				out[k] = &Error{Kind: Throttled, Status: 429, RetryAfter: 4 * time.Second} // always
			}
		}
		return out
	}, func(item, attempt int, err error, d time.Duration) {
		tries[-1]++ // counts the reports
	})
	if d := cmp.Diff([][]int{{0, 1, 2, 3, 4}, {1, 2, 4}, {1, 4}}, rounds); d != "" {
		t.Errorf("rounds (-want +got):\n%s", d)
	}
	// Round 2 waits for the longest Retry-After of round 1 (4 s), round 3
	// for round 2's (4 s); item 4's third answer, at 8 s, asks for 4 s
	// more, which would pass the 10 s budget.
	if d := cmp.Diff([]time.Time{time.Unix(0, 0), time.Unix(4, 0), time.Unix(8, 0)}, sentAt); d != "" {
		t.Errorf("send times (-want +got):\n%s", d)
	}
	if errs[0] != nil || errs[1] != nil || errs[2] != nil {
		t.Errorf("items 0-2: %v, want done", errs[:3])
	}
	if KindOf(errs[3]) != Transient {
		t.Errorf("item 3: %v, want its 503 back for the caller", errs[3])
	}
	var spent *ThrottleExhausted
	if !errors.As(errs[4], &spent) || spent.Answers != 3 || spent.Waited != 8*time.Second {
		t.Errorf("item 4: %v, want ThrottleExhausted after 3 answers and 8 s", errs[4])
	}
	// Reports: item 1 twice, item 2 once, item 4 twice (its third answer
	// ends the budget, with no wait to report).
	if tries[-1] != 5 {
		t.Errorf("%d retries reported, want 5", tries[-1])
	}
}

// TestDoItemsSharesThePause: a batch waits at the gate another call of the
// run closed, and its own throttled items close it for the others.
func TestDoItemsSharesThePause(t *testing.T) {
	c := &fakeClock{now: time.Unix(0, 0)}
	p := c.policy()
	p.Gate = &ThrottleGate{}
	p.Gate.hold(time.Unix(5, 0)) // another call was told to wait 5 s
	first := true
	var sentAt []time.Time
	p.DoItems(context.Background(), 2, func(_ context.Context, items []int) []error {
		sentAt = append(sentAt, c.now)
		out := make([]error, len(items))
		if first {
			first = false
			out[1] = &Error{Kind: Throttled, RetryAfter: 7 * time.Second}
		}
		return out
	}, nil)
	if d := cmp.Diff([]time.Time{time.Unix(5, 0), time.Unix(12, 0)}, sentAt); d != "" {
		t.Errorf("send times (-want +got):\n%s", d)
	}
	// A single call of the run after the batch's throttled item waits
	// nothing more: the gate opened at 12 s, and it is 12 s.
	c.slept = nil
	if err := p.Do(context.Background(), false, func(context.Context) error { return nil }); err != nil || len(c.slept) != 0 {
		t.Errorf("err=%v sleeps=%v, want none", err, c.slept)
	}
	// A single call's Retry-After holds a batch of the run back likewise.
	p.Gate.hold(time.Unix(15, 0))
	sentAt = nil
	p.DoItems(context.Background(), 1, func(_ context.Context, items []int) []error {
		sentAt = append(sentAt, c.now)
		return make([]error, len(items))
	}, nil)
	if d := cmp.Diff([]time.Time{time.Unix(15, 0)}, sentAt); d != "" {
		t.Errorf("batch after a pause, send times (-want +got):\n%s", d)
	}
}

// TestDoItemsEventsEqualAnswers: every throttled item answer is reported
// once, with the Retry-After it carried, as the e2e test and the progress
// events require (events equal 429 answers).
func TestDoItemsEventsEqualAnswers(t *testing.T) {
	c := &fakeClock{now: time.Unix(0, 0)}
	p := c.policy()
	answers, reports := 0, 0
	n := 0
	p.DoItems(context.Background(), 20, func(_ context.Context, items []int) []error {
		out := make([]error, len(items))
		for k := range items {
			if n++; n%3 == 0 {
				answers++
				out[k] = &Error{Kind: Throttled, RetryAfter: time.Second}
			}
		}
		return out
	}, func(item, attempt int, err error, d time.Duration) {
		reports++
		if d != time.Second {
			t.Errorf("item %d reported a wait of %v, want the Retry-After 1s", item, d)
		}
	})
	if answers == 0 || reports != answers {
		t.Errorf("%d reports for %d throttled answers", reports, answers)
	}
}

// TestOutageWithRetryAfterIsAFault: a 503 that carries Retry-After (an
// outage of Azure Resource Manager or Key Vault says when to come back) is
// retried after that delay but within MaxAttempts, not the 15 minutes of
// the throttle budget: an outage fails the run in good time.
func TestOutageWithRetryAfterIsAFault(t *testing.T) {
	c := &fakeClock{now: time.Unix(0, 0)}
	p := c.policy() // MaxAttempts 4
	p.Gate = &ThrottleGate{}
	n := 0
	err := p.Do(context.Background(), false, func(context.Context) error {
		n++
		return &Error{Kind: Transient, Status: 503, RetryAfter: 3 * time.Second}
	})
	var spent *ThrottleExhausted
	if KindOf(err) != Transient || errors.As(err, &spent) || n != 4 {
		t.Errorf("calls=%d err=%v, want the 503 back after 4 calls", n, err)
	}
	if d := cmp.Diff([]time.Duration{3 * time.Second, 3 * time.Second, 3 * time.Second}, c.slept); d != "" {
		t.Errorf("waits (-want +got):\n%s", d)
	}
	if !p.Gate.until.IsZero() {
		t.Errorf("a fault closed the run's gate until %v", p.Gate.until)
	}
}
