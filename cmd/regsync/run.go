package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/regsync/regsync/buildinfo"
)

// Exit codes, the one place they are defined. regsync follows terraform's
// -detailed-exitcode convention.
const (
	exitOK      = 0 // success; no changes or no drift
	exitError   = 1 // invalid input or a failure
	exitChanges = 2 // plan has changes / drift found
)

const exitCodesHelp = `Exit codes:
  0  success (plan: no changes with --detailed-exitcode; drift: none)
  1  error or invalid input
  2  plan has changes (with --detailed-exitcode) or drift was found`

// streams are the standard streams of a command, swappable in tests.
type streams struct {
	In    io.Reader
	Out   io.Writer
	Err   io.Writer
	IsTTY bool // stdout is a terminal: colour and progress allowed
}

func osStreams() *streams {
	tty := false
	if fi, err := os.Stdout.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		tty = true
	}
	return &streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, IsTTY: tty}
}

// env is the factory of a command's dependencies: environment, clock,
// streams and what is known about this build. Tests build their own.
type env struct {
	*streams
	Getenv func(string) string
	Now    func() time.Time
	// Build is this binary's version information. Build.Full() is the one
	// version string a saved plan records and checks, and the User-Agent
	// sends; the zero value is a plain "dev".
	Build buildinfo.Info
}

// Colour reports whether output may use ANSI colour: only on a TTY, and
// never when NO_COLOR or CI is set.
func (e *env) Colour() bool {
	return e.IsTTY && e.Getenv("NO_COLOR") == "" && e.Getenv("CI") == ""
}

// command is one subcommand.
type command struct {
	Name    string
	Summary string
	Run     func(ctx context.Context, e *env, args []string) int
}

// commands is filled by each command's file.
var commands = map[string]command{}

func register(c command) { commands[c.Name] = c }

// run is main without the process: it parses args and returns the exit code.
func run(ctx context.Context, args []string, s *streams) int {
	e := &env{streams: s, Getenv: os.Getenv, Now: time.Now, Build: buildinfo.Get()}
	return runWith(ctx, e, args)
}

func runWith(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) > 1 && args[0] == "help" {
			return runWith(ctx, e, []string{args[1], "--help"})
		}
		usage(e.Out)
		if len(args) == 0 {
			return exitError
		}
		return exitOK
	}
	if args[0] == "--version" {
		args = append([]string{"version"}, args[1:]...)
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.Err, "regsync: unknown command %q\nRun 'regsync --help' for the list of commands.\n", args[0])
		return exitError
	}
	return c.Run(ctx, e, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "regsync manages Microsoft Entra ID app registrations as code.\n\nUsage:\n  regsync <command> [flags]\n  regsync --version\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].Summary)
	}
	fmt.Fprintf(w, "\nRun 'regsync <command> --help' for a command's flags and examples.\n\n%s\n", exitCodesHelp)
}

// newFlagSet builds a flag set whose --help prints usage, flags, examples and
// the exit codes to stdout and whose errors go to stderr.
func newFlagSet(e *env, name, synopsis, examples string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.Err)
	fs.Usage = func() {
		w := e.Out
		fmt.Fprintf(w, "Usage: regsync %s\n\n", synopsis)
		fmt.Fprintln(w, "Flags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(e.Err)
		if examples != "" {
			fmt.Fprintf(w, "\nExamples:\n%s\n", strings.TrimRight(examples, "\n"))
		}
		fmt.Fprintf(w, "\n%s\n", exitCodesHelp)
	}
	return fs
}

// parseFlags parses args, allowing flags after positional arguments
// (regsync apply PLAN --auto-approve), as kubectl and terraform users expect;
// "--" ends the flags. Afterwards fs.Args() holds the positional arguments.
// It returns (code, true) when the command should stop: --help (exit 0) or a
// bad flag (exit 1).
func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	var positional []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitOK, true
			}
			return exitError, true
		}
		remaining := fs.Args()
		if len(remaining) == 0 {
			break
		}
		if consumed := len(rest) - len(remaining); consumed > 0 && rest[consumed-1] == "--" {
			positional = append(positional, remaining...)
			break
		}
		positional = append(positional, remaining[0])
		rest = remaining[1:]
	}
	// Leave the positional arguments in fs.Args().
	_ = fs.Parse(append([]string{"--"}, positional...))
	return 0, false
}

// stringList is a repeatable string flag (-f a -f b).
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
