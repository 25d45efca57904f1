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
	"syscall"
)

// exitInterrupted is the exit code of a second Ctrl-C, as shells report a
// process killed by SIGINT (128 + 2).
const exitInterrupted = 130

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go interrupts(sigs, cancel, os.Stderr, os.Exit)
	code := run(ctx, os.Args[1:], osStreams())
	signal.Stop(sigs)
	cancel()
	os.Exit(code)
}

// interrupts handles Ctrl-C as terraform does: the first one cancels ctx,
// so nothing new starts and the requests in flight end, while compensation
// (removing a secret whose vault copy was not written) runs under a
// context of its own; it says so. The second exits at once.
func interrupts(sigs <-chan os.Signal, cancel context.CancelFunc, stderr io.Writer, exit func(int)) {
	if _, ok := <-sigs; !ok {
		return
	}
	fmt.Fprintln(stderr, "\nInterrupt received: starting nothing new and cleaning up what was in flight. Press Ctrl-C again to exit at once.")
	cancel()
	if _, ok := <-sigs; !ok {
		return
	}
	fmt.Fprintln(stderr, "Second interrupt: exiting now. Run 'regsync plan' to see what is left; a re-run converges.")
	exit(exitInterrupted)
}
