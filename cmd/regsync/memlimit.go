package main

import (
	"os"
	"runtime/debug"
	"strings"
)

// defaultMemoryLimit is the soft memory limit (runtime/debug.SetMemoryLimit)
// of the commands that read a tenant, when GOMEMLIMIT is not set. Their live
// heap peaks at about 30 MiB for 5,000 applications (docs/performance.md,
// "Memory"); with Go's default GOGC=100 the heap would still grow to twice
// that between collections. Under this limit the collector runs sooner
// instead, which keeps the heap near the live peak instead of twice it,
// for some more CPU (14% in one run at 5,000 applications). It is soft: a heap that needs more gets more (the
// collector then runs often, never using more than half the CPU), so no
// set is too large for it; GOMEMLIMIT (or GOMEMLIMIT=off) overrides it.
const defaultMemoryLimit = 48 << 20

// limitedCommands read a tenant and hold little else: the limit fits them.
// The emulator holds a whole tenant in memory and is left alone.
var limitedCommands = map[string]bool{"plan": true, "apply": true, "drift": true, "export": true}

// memoryLimit returns the soft limit regsync sets for the command line
// args (without the program name), or 0 to leave the runtime's.
func memoryLimit(args []string, lookup func(string) (string, bool)) int64 {
	if _, set := lookup("GOMEMLIMIT"); set {
		return 0
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--color" {
			i++ // the one global flag with a value of its own
			continue
		}
		if strings.HasPrefix(a, "-") {
			continue
		}
		if limitedCommands[a] {
			return defaultMemoryLimit
		}
		return 0
	}
	return 0
}

func init() {
	if n := memoryLimit(os.Args[1:], os.LookupEnv); n > 0 {
		debug.SetMemoryLimit(n)
	}
}
