// Command regsync keeps Microsoft Entra ID app registrations in line with a
// YAML file in git. This package holds flags, commands, exit codes and
// wiring only; logic a test would want lives in the other packages.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], osStreams())
	stop()
	os.Exit(code)
}
