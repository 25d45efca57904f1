// Command regsync keeps Microsoft Entra ID app registrations in line with a
// YAML file in git. This package holds flags, commands, exit codes and
// wiring only; logic a test would want lives in the other packages.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// interruptGrace bounds how long the operations in flight may still run
// after the first Ctrl-C: then their requests are cancelled too (the
// compensation of a secret whose vault write did not land still runs, under
// its own bound).
const interruptGrace = time.Minute

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	intr := newInterrupt()
	go interrupts(sigs, intr, cancel, interruptGrace, os.Stderr, os.Exit)
	e := newEnv(osStreams())
	e.Interrupt = intr
	code := runWith(ctx, e, os.Args[1:])
	signal.Stop(sigs)
	cancel()
	os.Exit(code)
}

// interrupt is how the first Ctrl-C reaches a running command: a stop
// signal, not a cancelled context. Its zero value and nil never stop.
type interrupt struct {
	mu       sync.Mutex
	stop     chan struct{}
	stopped  bool
	applying bool // an applier.Apply is running and will see the stop
}

func newInterrupt() *interrupt { return &interrupt{stop: make(chan struct{})} }

// Stop is closed at the first interrupt; nil (never closed) for a nil
// interrupt.
func (i *interrupt) Stop() <-chan struct{} {
	if i == nil {
		return nil
	}
	return i.stop
}

// Stopped reports whether the first interrupt has come.
func (i *interrupt) Stopped() bool {
	if i == nil {
		return false
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.stopped
}

// fire records the first interrupt and closes Stop. It reports whether an
// apply is running: that apply then says how many operations it lets
// finish (applier's apply_stopping event).
func (i *interrupt) fire() (applying bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if !i.stopped {
		i.stopped = true
		close(i.stop)
	}
	return i.applying
}

// beginApply marks an apply as running; it returns false, and marks
// nothing, once the first interrupt has come: nothing new may start.
func (i *interrupt) beginApply() bool {
	if i == nil {
		return true
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.stopped {
		return false
	}
	i.applying = true
	return true
}

// endApply marks the apply begun by beginApply as ended.
func (i *interrupt) endApply() {
	if i == nil {
		return
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.applying = false
}

// interrupts handles Ctrl-C (and SIGTERM). The first one stops scheduling:
// during an apply, no new write starts and those in flight finish under a
// context the signal does not cancel — for at most grace, after which
// cancel ends them (compensation still runs under its own context) — and
// the apply says how many it is finishing. Outside an apply nothing is
// being written, so it cancels at once. The second exits at once with
// exitInterrupted.
func interrupts(sigs <-chan os.Signal, intr *interrupt, cancel context.CancelFunc, grace time.Duration, stderr io.Writer, exit func(int)) {
	if _, ok := <-sigs; !ok {
		return
	}
	if !intr.fire() {
		fmt.Fprintln(stderr, "\nInterrupt received: nothing is being written; stopping (press Ctrl-C again to stop now).")
		cancel()
	}
	timer := time.AfterFunc(grace, func() {
		fmt.Fprintf(stderr, "Operations still in flight %s after the interrupt: cancelling them.\n", grace)
		cancel()
	})
	defer timer.Stop()
	if _, ok := <-sigs; !ok {
		return
	}
	fmt.Fprintln(stderr, "Second interrupt: exiting now. Run 'regsync plan' to see what is left; a re-run converges.")
	exit(exitInterrupted)
}
