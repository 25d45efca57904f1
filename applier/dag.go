package applier

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// task is one unit of work in a dependency graph.
type task struct {
	ID   string
	Deps []string // ids of tasks that must succeed first
	// Lock serialises tasks: two tasks with the same non-empty Lock never run
	// at the same time (one writer per application).
	Lock string
	Run  func(ctx context.Context) error
	// Batchable tasks that are ready at the same time may be handed
	// together to the runner's batch function instead of Run, as one unit
	// of parallelism (Graph's $batch: one request for many small writes).
	Batchable bool
}

// batchFunc runs a group of batchable tasks and returns one error per task,
// in order. The group never holds two tasks with the same Lock.
type batchFunc func(ctx context.Context, group []task) []error

// status is the outcome of a task.
type status int

const (
	statusPending status = iota
	statusDone
	statusFailed
	statusSkipped // a dependency failed or was skipped
	statusCancelled
	statusRunning
)

func (s status) String() string {
	switch s {
	case statusPending:
		return "pending"
	case statusDone:
		return "done"
	case statusFailed:
		return "failed"
	case statusSkipped:
		return "skipped"
	case statusCancelled:
		return "cancelled"
	case statusRunning:
		return "running"
	default:
		panic(fmt.Sprintf("internal error: unknown status %d", int(s)))
	}
}

// outcome is what happened to one task.
type outcome struct {
	Status  status
	Err     error
	Elapsed time.Duration
}

// runGraph runs tasks respecting Deps and Lock with at most parallelism at
// once, in the order given among the ready ones. A failed task's dependants
// are skipped; independent tasks go on. When ctx ends, nothing new starts.
// started and finished, when not nil, are called from the scheduler
// goroutine (never concurrently).
func runGraph(ctx context.Context, tasks []task, parallelism int, started func(t task), finished func(t task, o outcome)) (map[string]outcome, error) {
	return runGraphBatched(ctx, tasks, parallelism, 0, nil, nil, nil, started, finished)
}

// errStopped is the error of a task that did not start because the run was
// told to stop (Options.Stop).
var errStopped = errors.New("not started: the apply was interrupted")

// runGraphBatched is runGraph where ready Batchable tasks, taken in plan
// order with free and pairwise distinct locks, run in groups of up to
// maxBatch through batch; a group takes one slot of parallelism. A nil
// batch or maxBatch < 2 runs every task on its own.
//
// Once stop is closed nothing new starts, as when ctx ends, but what is
// running goes on under ctx, which stop does not cancel: the tasks in
// flight finish (retries and compensation included) and the rest end as
// cancelled with errStopped. stopping, when not nil, is called once, from
// the scheduler goroutine, when it sees stop closed, with the number of
// tasks then running (paused ones included: they will go on).
func runGraphBatched(ctx context.Context, tasks []task, parallelism, maxBatch int, batch batchFunc, stop <-chan struct{}, stopping func(inFlight int), started func(t task), finished func(t task, o outcome)) (map[string]outcome, error) {
	if parallelism < 1 {
		parallelism = 1
	}
	index := make(map[string]int, len(tasks))
	for i, t := range tasks {
		if _, dup := index[t.ID]; dup {
			return nil, fmt.Errorf("internal error: duplicate task id %q", t.ID)
		}
		index[t.ID] = i
	}
	waiting := make([]int, len(tasks)) // unmet deps
	dependants := make([][]int, len(tasks))
	for i, t := range tasks {
		for _, d := range t.Deps {
			j, ok := index[d]
			if !ok {
				return nil, fmt.Errorf("internal error: task %q depends on unknown task %q", t.ID, d)
			}
			waiting[i]++
			dependants[j] = append(dependants[j], i)
		}
	}
	if err := checkAcyclic(tasks, index); err != nil {
		return nil, err
	}

	out := make(map[string]outcome, len(tasks))
	state := make([]status, len(tasks))
	locks := map[string]bool{}
	// reserved counts, by lock, the paused tasks waiting to go on: no task
	// taking that lock starts before they have it back.
	reserved := map[string]int{}
	type result struct {
		items []int
		outs  []outcome
	}
	done := make(chan result)
	sl := &slots{pause: make(chan []int), resume: make(chan resumeRequest)}
	var resuming []resumeRequest
	running := 0 // slots taken: groups running and not paused
	alive := 0   // groups whose goroutine has not ended, paused or not
	remaining := len(tasks)

	var skip func(i int)
	skip = func(i int) {
		for _, k := range dependants[i] {
			if state[k] == statusPending {
				state[k] = statusSkipped
				out[tasks[k].ID] = outcome{Status: statusSkipped}
				remaining--
				if finished != nil {
					finished(tasks[k], out[tasks[k].ID])
				}
				skip(k)
			}
		}
	}

	var wg sync.WaitGroup
	batching := batch != nil && maxBatch > 1
	ready := func(i int) bool {
		t := tasks[i]
		return state[i] == statusPending && waiting[i] == 0 && (t.Lock == "" || (!locks[t.Lock] && reserved[t.Lock] == 0))
	}
	take := func(group []int) {
		for _, k := range group {
			if tasks[k].Lock != "" {
				locks[tasks[k].Lock] = true
			}
		}
		running++
	}
	give := func(group []int) {
		for _, k := range group {
			if tasks[k].Lock != "" {
				delete(locks, tasks[k].Lock)
			}
		}
		running--
	}
	launch := func(group []int) {
		for _, k := range group {
			state[k] = statusRunning
			if started != nil {
				started(tasks[k])
			}
		}
		take(group)
		alive++
		wg.Add(1)
		go func() {
			defer wg.Done()
			begin := time.Now()
			gctx := context.WithValue(ctx, slotKey{}, &slot{slots: sl, items: group})
			var errs []error
			if len(group) == 1 {
				errs = []error{tasks[group[0]].Run(gctx)}
			} else {
				ts := make([]task, len(group))
				for n, k := range group {
					ts[n] = tasks[k]
				}
				errs = batch(gctx, ts)
				if len(errs) != len(ts) {
					panic(fmt.Sprintf("internal error: batch returned %d results for %d tasks", len(errs), len(ts)))
				}
			}
			elapsed := time.Since(begin)
			r := result{items: group}
			for _, err := range errs {
				o := outcome{Status: statusDone, Elapsed: elapsed}
				if err != nil {
					o.Status, o.Err = statusFailed, err
				}
				r.outs = append(r.outs, o)
			}
			done <- r
		}()
	}
	// grant lets paused groups go on, oldest first, when a slot and their
	// locks are free; it runs whether or not ctx has ended, since a paused
	// group must finish what it began (compensation included).
	grant := func() {
		kept := resuming[:0]
		for _, req := range resuming {
			free := running < parallelism
			for _, k := range req.items {
				if l := tasks[k].Lock; l != "" && locks[l] {
					free = false
				}
			}
			if !free {
				kept = append(kept, req)
				continue
			}
			for _, k := range req.items {
				if l := tasks[k].Lock; l != "" {
					reserved[l]--
				}
			}
			take(req.items)
			close(req.granted)
		}
		resuming = kept
	}
	// nextGroup picks ready batchable tasks in plan order, at most one per
	// lock, up to maxBatch.
	nextGroup := func() []int {
		var group []int
		inGroup := map[string]bool{}
		for i := range tasks {
			if len(group) >= maxBatch {
				break
			}
			t := tasks[i]
			if !t.Batchable || !ready(i) || (t.Lock != "" && inGroup[t.Lock]) {
				continue
			}
			if t.Lock != "" {
				inGroup[t.Lock] = true
			}
			group = append(group, i)
		}
		return group
	}
	stopped := false
	// stopC is stop until the scheduler has seen it closed.
	stopC := stop
	seeStop := func() {
		if stopped {
			return
		}
		select {
		case <-stop:
		default:
			return
		}
		stopped, stopC = true, nil
		if stopping != nil {
			n := 0
			for i := range tasks {
				if state[i] == statusRunning {
					n++
				}
			}
			stopping(n)
		}
	}
	// canStart is checked before each start, so that nothing starts
	// once stop is closed, even within one round of starts.
	canStart := func() bool {
		seeStop()
		return !stopped && ctx.Err() == nil
	}
	for remaining > 0 {
		grant()
		seeStop()
		if ctx.Err() == nil && !stopped {
			// Start every ready task that fits, in plan order. Batchable
			// ones wait while other work can use the slots, so that more of
			// them gather into one batch; a full batch goes at once, and a
			// slot that would stay idle takes whatever has gathered.
			for i := range tasks {
				if running >= parallelism || !canStart() {
					break
				}
				if ready(i) && !(batching && tasks[i].Batchable) {
					launch([]int{i})
				}
			}
			for batching && running < parallelism && canStart() {
				g := nextGroup()
				if len(g) < maxBatch {
					break
				}
				launch(g)
			}
			for batching && running < parallelism && canStart() {
				g := nextGroup()
				if len(g) == 0 {
					break
				}
				launch(g)
			}
		}
		if alive == 0 {
			// Nothing runs and nothing can start: the context ended or
			// the run was told to stop.
			err := ctx.Err()
			if err == nil {
				err = errStopped
			}
			for i := range tasks {
				if state[i] == statusPending {
					state[i] = statusCancelled
					out[tasks[i].ID] = outcome{Status: statusCancelled, Err: err}
					remaining--
				}
			}
			break
		}
		var r result
		select {
		case <-stopC:
			continue
		case items := <-sl.pause:
			give(items)
			continue
		case req := <-sl.resume:
			for _, k := range req.items {
				if l := tasks[k].Lock; l != "" {
					reserved[l]++
				}
			}
			resuming = append(resuming, req)
			continue
		case r = <-done:
		}
		alive--
		give(r.items)
		for n, i := range r.items {
			o := r.outs[n]
			remaining--
			t := tasks[i]
			state[i] = o.Status
			out[t.ID] = o
			if finished != nil {
				finished(t, o)
			}
			if o.Status == statusDone {
				for _, k := range dependants[i] {
					waiting[k]--
				}
			} else {
				skip(i)
			}
		}
	}
	wg.Wait()
	return out, nil
}

// slots is how a running group gives its slot of parallelism and its locks
// back to the scheduler while it waits, and asks for them again.
type slots struct {
	pause  chan []int
	resume chan resumeRequest
}

type resumeRequest struct {
	items   []int
	granted chan struct{}
}

// slot is a running group's handle on the scheduler, carried in its
// context.
type slot struct {
	*slots
	items []int
}

type slotKey struct{}

// waitFree runs wait — a retry's backoff, a look-again pause — with the
// caller's slot of parallelism and its application locks handed back to
// the scheduler, so that other actions, of the same application too, run
// meanwhile; it returns once wait has returned and the slot and locks are
// the caller's again. Outside runGraph it just runs wait. A group never
// has a call in flight while it waits, so one writer per application and
// the bound on calls in flight both still hold.
func waitFree(ctx context.Context, wait func() error) error {
	s, ok := ctx.Value(slotKey{}).(*slot)
	if !ok {
		return wait()
	}
	s.pause <- s.items
	err := wait()
	req := resumeRequest{items: s.items, granted: make(chan struct{})}
	s.resume <- req
	<-req.granted
	return err
}

func checkAcyclic(tasks []task, index map[string]int) error {
	const (
		white = iota
		grey
		black
	)
	colour := make([]int, len(tasks))
	var visit func(i int) error
	visit = func(i int) error {
		colour[i] = grey
		for _, d := range tasks[i].Deps {
			j := index[d]
			switch colour[j] {
			case grey:
				return fmt.Errorf("internal error: dependency cycle through %q and %q", tasks[i].ID, d)
			case white:
				if err := visit(j); err != nil {
					return err
				}
			}
		}
		colour[i] = black
		return nil
	}
	for i := range tasks {
		if colour[i] == white {
			if err := visit(i); err != nil {
				return err
			}
		}
	}
	return nil
}
