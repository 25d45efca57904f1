package applier

import (
	"context"
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
}

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
	type result struct {
		i int
		o outcome
	}
	done := make(chan result)
	running := 0
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
	for remaining > 0 {
		// Start every ready task that fits, in plan order.
		if ctx.Err() == nil {
			for i := range tasks {
				if running >= parallelism {
					break
				}
				t := tasks[i]
				if state[i] != statusPending || waiting[i] > 0 || (t.Lock != "" && locks[t.Lock]) {
					continue
				}
				state[i] = statusRunning
				if t.Lock != "" {
					locks[t.Lock] = true
				}
				running++
				if started != nil {
					started(t)
				}
				wg.Add(1)
				go func(i int, t task) {
					defer wg.Done()
					begin := time.Now()
					err := t.Run(ctx)
					o := outcome{Status: statusDone, Elapsed: time.Since(begin)}
					if err != nil {
						o.Status, o.Err = statusFailed, err
					}
					done <- result{i, o}
				}(i, t)
			}
		}
		if running == 0 {
			// Nothing runs and nothing can start: the context ended.
			for i := range tasks {
				if state[i] == statusPending {
					state[i] = statusCancelled
					out[tasks[i].ID] = outcome{Status: statusCancelled, Err: ctx.Err()}
					remaining--
				}
			}
			break
		}
		r := <-done
		running--
		remaining--
		t := tasks[r.i]
		state[r.i] = r.o.Status
		out[t.ID] = r.o
		if t.Lock != "" {
			delete(locks, t.Lock)
		}
		if finished != nil {
			finished(t, r.o)
		}
		if r.o.Status == statusDone {
			for _, k := range dependants[r.i] {
				waiting[k]--
			}
		} else {
			skip(r.i)
		}
	}
	wg.Wait()
	return out, nil
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
