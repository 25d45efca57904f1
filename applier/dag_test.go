package applier

import (
	"context"
	"errors"
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRunGraphOrderAndSkips(t *testing.T) {
	var mu sync.Mutex
	var order []string
	rec := func(id string, err error) func(context.Context) error {
		return func(context.Context) error {
			mu.Lock()
			order = append(order, id)
			mu.Unlock()
			return err
		}
	}
	tasks := []task{
		{ID: "app", Run: rec("app", nil)},
		{ID: "sp", Deps: []string{"app"}, Run: rec("sp", nil)},
		{ID: "bad", Deps: []string{"app"}, Run: rec("bad", errors.New("boom"))},
		{ID: "after-bad", Deps: []string{"bad"}, Run: rec("after-bad", nil)},
		{ID: "after-after", Deps: []string{"after-bad", "sp"}, Run: rec("after-after", nil)},
		{ID: "free", Run: rec("free", nil)},
	}
	out, err := runGraph(context.Background(), tasks, 1, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for id, o := range out {
		got[id] = o.Status.String()
	}
	want := map[string]string{"app": "done", "sp": "done", "bad": "failed", "after-bad": "skipped", "after-after": "skipped", "free": "done"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("outcomes (-want +got):\n%s", d)
	}
	// With parallelism 1 the ready tasks start in plan order.
	if d := cmp.Diff([]string{"app", "sp", "bad", "free"}, order); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
}

func TestRunGraphLockAndParallelism(t *testing.T) {
	var running, maxRunning, sameLock, maxSameLock atomic.Int32
	var tasks []task
	for i := 0; i < 40; i++ {
		lock := ""
		if i%2 == 0 {
			lock = "portal"
		}
		tasks = append(tasks, task{ID: string(rune('A' + i)), Lock: lock, Run: func(context.Context) error {
			n := running.Add(1)
			for {
				m := maxRunning.Load()
				if n <= m || maxRunning.CompareAndSwap(m, n) {
					break
				}
			}
			if lock != "" {
				s := sameLock.Add(1)
				if s > maxSameLock.Load() {
					maxSameLock.Store(s)
				}
				defer sameLock.Add(-1)
			}
			defer running.Add(-1)
			return nil
		}})
	}
	if _, err := runGraph(context.Background(), tasks, 4, nil, nil); err != nil {
		t.Fatal(err)
	}
	if maxRunning.Load() > 4 {
		t.Errorf("ran %d at once, want at most 4", maxRunning.Load())
	}
	if maxSameLock.Load() != 1 {
		t.Errorf("ran %d tasks of one lock at once, want 1", maxSameLock.Load())
	}
}

func TestRunGraphCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	tasks := []task{
		{ID: "first", Run: func(context.Context) error { cancel(); return nil }},
		{ID: "second", Deps: []string{"first"}, Run: func(context.Context) error { t.Error("second ran after cancel"); return nil }},
	}
	out, err := runGraph(ctx, tasks, 2, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out["second"].Status != statusCancelled {
		t.Errorf("second: %v, want cancelled", out["second"].Status)
	}
}

func TestRunGraphRejectsBadGraphs(t *testing.T) {
	noop := func(context.Context) error { return nil }
	for name, tasks := range map[string][]task{
		"cycle":     {{ID: "a", Deps: []string{"b"}, Run: noop}, {ID: "b", Deps: []string{"a"}, Run: noop}},
		"unknown":   {{ID: "a", Deps: []string{"zz"}, Run: noop}},
		"duplicate": {{ID: "a", Run: noop}, {ID: "a", Run: noop}},
	} {
		if _, err := runGraph(context.Background(), tasks, 1, nil, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestRunGraphCallbacks(t *testing.T) {
	var started, finished []string
	tasks := []task{{ID: "x", Run: func(context.Context) error { return nil }}, {ID: "y", Deps: []string{"x"}, Run: func(context.Context) error { return nil }}}
	_, err := runGraph(context.Background(), tasks, 2,
		func(t task) { started = append(started, t.ID) },
		func(t task, o outcome) { finished = append(finished, t.ID+":"+o.Status.String()) })
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(started)
	if d := cmp.Diff([]string{"x", "y"}, started); d != "" {
		t.Errorf("started (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"x:done", "y:done"}, finished); d != "" {
		t.Errorf("finished (-want +got):\n%s", d)
	}
}

func TestRunGraphBatchesReadyTasks(t *testing.T) {
	var mu sync.Mutex
	var groups [][]string
	batch := func(_ context.Context, group []task) []error {
		mu.Lock()
		defer mu.Unlock()
		var ids []string
		for _, t := range group {
			ids = append(ids, t.ID)
		}
		groups = append(groups, ids)
		errs := make([]error, len(group))
		for i, t := range group {
			if t.ID == "owner-b" {
				errs[i] = errors.New("refused")
			}
		}
		return errs
	}
	noop := func(context.Context) error { return nil }
	tasks := []task{
		{ID: "app-a", Lock: "a", Run: noop},
		{ID: "app-b", Lock: "b", Run: noop},
		{ID: "owner-a", Deps: []string{"app-a"}, Lock: "a", Batchable: true, Run: noop},
		{ID: "owner-a2", Deps: []string{"app-a"}, Lock: "a", Batchable: true, Run: noop},
		{ID: "owner-b", Deps: []string{"app-b"}, Lock: "b", Batchable: true, Run: noop},
		{ID: "after-b", Deps: []string{"owner-b"}, Lock: "b", Run: noop},
	}
	out, err := runGraphBatched(context.Background(), tasks, 1, 20, batch, nil, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// With one slot the apps go first; then the owners gather into one
	// batch, one per application, and the second owner of a follows alone.
	want := [][]string{{"owner-a", "owner-b"}}
	if d := cmp.Diff(want, groups); d != "" {
		t.Errorf("batches (-want +got):\n%s", d)
	}
	got := map[string]string{}
	for id, o := range out {
		got[id] = o.Status.String()
	}
	wantStatus := map[string]string{"app-a": "done", "app-b": "done", "owner-a": "done", "owner-a2": "done", "owner-b": "failed", "after-b": "skipped"}
	if d := cmp.Diff(wantStatus, got); d != "" {
		t.Errorf("outcomes (-want +got):\n%s", d)
	}
}
