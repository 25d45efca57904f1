package applier

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// After stop is closed nothing new starts; the tasks running then finish
// under a context that the stop does not cancel, and the rest are
// cancelled with errStopped.
func TestRunGraphStopLetsInFlightFinish(t *testing.T) {
	stop := make(chan struct{})
	release := make(chan struct{})
	var started sync.WaitGroup
	started.Add(2)
	inFlight := func(ctx context.Context) error {
		started.Done()
		<-release
		if ctx.Err() != nil {
			return errors.New("the context of a task in flight was cancelled by the stop")
		}
		return nil
	}
	notRun := func(context.Context) error { t.Error("a task started after the stop"); return nil }
	tasks := []task{
		{ID: "a", Run: inFlight},
		{ID: "b", Run: inFlight},
		{ID: "c", Run: notRun},                      // waits for a slot
		{ID: "d", Deps: []string{"a"}, Run: notRun}, // would be ready once a is done
	}
	seen := make(chan struct{})
	go func() {
		started.Wait()
		close(stop)
		// The tasks in flight end only once the scheduler has seen the
		// stop, so both count as in flight.
		<-seen
		close(release)
	}()
	var stoppedWith []int
	stopping := func(n int) { stoppedWith = append(stoppedWith, n); close(seen) }
	out, err := runGraphBatched(context.Background(), tasks, 2, 0, nil, stop, stopping, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for id, o := range out {
		got[id] = o.Status.String()
		if o.Status == statusFailed {
			t.Errorf("%s failed: %v", id, o.Err)
		}
		if o.Status == statusCancelled && !errors.Is(o.Err, errStopped) {
			t.Errorf("%s: error %v, want errStopped", id, o.Err)
		}
	}
	want := map[string]string{"a": "done", "b": "done", "c": "cancelled", "d": "cancelled"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("outcomes (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int{2}, stoppedWith); d != "" {
		t.Errorf("stopping's in-flight counts (-want +got):\n%s", d)
	}
}

// The same rule through Apply: the first action_start closes Stop, and no
// action starts after it; each action that started ends ok, every other
// one is cancelled, and the apply_stopping event counts those in flight.
func TestApplyStopStartsNothingNew(t *testing.T) {
	h := newHarness(t)
	p, live := h.plan(fhirSpec, false)
	stop := make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	var events []Event
	opts := h.options()
	opts.Parallelism = 4
	opts.Stop = stop
	opts.Events = func(e Event) {
		mu.Lock()
		events = append(events, e)
		mu.Unlock()
		if e.Type == EventActionStart {
			once.Do(func() { close(stop) })
		}
	}
	res, err := h.apply(p, live, opts)
	if err == nil {
		t.Fatal("a stopped apply reported success")
	}
	startedIDs := map[string]bool{}
	stoppingAt, inFlight := -1, -1
	for i, e := range events {
		switch e.Type {
		case EventActionStart:
			if stoppingAt >= 0 {
				t.Errorf("%s started after the stop", e.Action)
			}
			startedIDs[e.Action] = true
		case EventApplyStopping:
			stoppingAt, inFlight = i, e.Actions
		}
	}
	if stoppingAt < 0 {
		t.Fatal("no apply_stopping event")
	}
	if inFlight != len(startedIDs) || len(startedIDs) == 0 {
		t.Errorf("apply_stopping counts %d in flight, %d started", inFlight, len(startedIDs))
	}
	if len(startedIDs) >= len(p.Actions) {
		t.Fatalf("every action started (%d); the stop came too late to test anything", len(p.Actions))
	}
	for _, a := range res.Actions {
		want := StatusCancelled
		if startedIDs[a.ID] {
			want = StatusOK
		}
		if a.Status != want {
			t.Errorf("%s: %s (%s), want %s", a.ID, a.Status, a.Error, want)
		}
	}
	if res.Summary.Skipped != len(p.Actions)-len(startedIDs) {
		t.Errorf("summary %+v: %d not run, want %d", res.Summary, res.Summary.Skipped, len(p.Actions)-len(startedIDs))
	}
	// A re-run converges.
	h.converge(fhirSpec)
}
