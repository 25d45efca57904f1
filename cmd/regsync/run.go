package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/regsync/regsync/buildinfo"
	"github.com/regsync/regsync/spec"
)

// Exit codes, the one place they are defined. regsync follows terraform's
// -detailed-exitcode convention. Commands return errors; exitCode turns
// them into one of these.
const (
	exitOK      = 0 // success; no changes or no drift
	exitError   = 1 // invalid input or a failure
	exitChanges = 2 // plan has changes / drift found
)

const exitCodesHelp = `Exit codes:
  0  success (plan: no changes with --detailed-exitcode; drift: none)
  1  error or invalid input
  2  plan has changes (with --detailed-exitcode) or drift was found`

var (
	// errChanges ends a command with exit 2: the plan has changes (with
	// --detailed-exitcode) or drift was found. It prints nothing.
	errChanges = errors.New("changes found")
	// errReported ends a command with exit 1 after it has reported the
	// problem itself (diagnostics, a per-file verdict). It prints nothing.
	errReported = errors.New("failed; reported above")
)

// usageError is a mistake in how a command was called: an unknown command
// or flag, a bad flag value, a stray argument. It is printed on stderr with
// the command's usage, never on stdout, so `regsync plan > plan.md` cannot
// write usage into the file.
type usageError struct{ err error }

func (u *usageError) Error() string { return u.err.Error() }
func (u *usageError) Unwrap() error { return u.err }

// usagef is a usageError built like fmt.Errorf.
func usagef(format string, a ...any) error {
	return &usageError{fmt.Errorf(format, a...)}
}

// exitCode maps what a command returned to the process's exit code, and
// prints the error on stderr: "regsync plan: <message>", followed by the
// command's usage for a usage error. It is the only place an error becomes
// an exit code.
func (e *env) exitCode(c *cobra.Command, err error) int {
	if c == nil {
		c = &cobra.Command{Use: "regsync"}
	}
	var u *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errChanges):
		return exitChanges
	case errors.Is(err, errReported):
		return exitError
	case errors.As(err, &u), !c.HasParent():
		// Errors of the root itself are cobra's: an unknown command,
		// with suggestions.
		fmt.Fprintf(e.Err, "%s: %v\n\n%s", c.CommandPath(), err, c.UsageString())
		return exitError
	default:
		fmt.Fprintf(e.Err, "%s: %v\n", c.CommandPath(), err)
		return exitError
	}
}

// streams are the standard streams of a command, swappable in tests.
type streams struct {
	In    io.Reader
	Out   io.Writer
	Err   io.Writer
	IsTTY bool // stdout is a terminal: colour and progress allowed
	InTTY bool // stdin is a terminal: prompts allowed (with IsTTY)
	// ErrTTY: stderr is a terminal: a live progress line instead of
	// heartbeats.
	ErrTTY bool
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func osStreams() *streams {
	return &streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, IsTTY: isTerminal(os.Stdout), InTTY: isTerminal(os.Stdin), ErrTTY: isTerminal(os.Stderr)}
}

// env is the factory of a command's dependencies: environment, clock,
// streams, the tenant backend and what is known about this build. Tests
// build their own.
type env struct {
	*streams
	Getenv func(string) string
	Now    func() time.Time
	// Build is this binary's version information. Build.Full() is the one
	// version string a saved plan records and checks, and the User-Agent
	// sends; the zero value is a plain "dev".
	Build buildinfo.Info
	// Backend, when set, replaces the connection to a real tenant (or the
	// embedded emulator): unit tests give every command the in-memory
	// tenant of tenant/tenanttest through it.
	Backend func(ctx context.Context, sp *spec.Spec, local localFlag) (*backend, error)

	// color and noColor are the root's --color and --no-color flags.
	color   colorMode
	noColor bool
}

// run is main without the process: it parses args and returns the exit code.
func run(ctx context.Context, args []string, s *streams) int {
	e := &env{streams: s, Getenv: os.Getenv, Now: time.Now, Build: buildinfo.Get()}
	return runWith(ctx, e, args)
}

// runWith builds the command tree for e, runs args through it and returns
// the exit code.
func runWith(ctx context.Context, e *env, args []string) int {
	return runRoot(ctx, e, newRootCmd(e), args)
}

func runRoot(ctx context.Context, e *env, root *cobra.Command, args []string) int {
	switch {
	case len(args) == 0:
		// No command: the usage, on stderr, and exit 1.
		return e.exitCode(root, usagef("no command given"))
	case args[0] == "--version":
		args = append([]string{"version"}, args[1:]...)
	}
	root.SetArgs(normalizeArgs(root, args))
	c, err := root.ExecuteContextC(ctx)
	return e.exitCode(c, err)
}

const rootLong = `regsync manages Microsoft Entra ID app registrations as code: a
registrations.yaml in git, a plan of what would change in the tenant, and an
apply that changes it (client secrets go to Azure Key Vault only).`

const rootExamples = `  # The whole flow against the embedded emulator (no Azure account needed)
  regsync plan --local -f examples/fhir/registrations.yaml
  regsync apply --local -f examples/fhir/registrations.yaml --auto-approve

  # Shell completion (see 'regsync completion --help')
  source <(regsync completion bash)

  regsync --version`

// newRootCmd builds the command tree: one constructor per command, each
// parsing into its options struct and handing it to its run function.
func newRootCmd(e *env) *cobra.Command {
	return newRoot(e,
		newCmdValidate(e, nil),
		newCmdPlan(e, nil),
		newCmdApply(e, nil),
		newCmdShow(e, nil),
		newCmdDoctor(e, nil),
		newCmdDrift(e, nil),
		newCmdOutput(e, nil),
		newCmdExport(e, nil),
		newCmdEmulator(e, nil),
		newCmdSchema(e, nil),
		newCmdVersion(e, nil),
	)
}

// newRoot is the root command with its global flags over subs; tests give
// it commands whose run function records the parsed options.
func newRoot(e *env, subs ...*cobra.Command) *cobra.Command {
	root := &cobra.Command{
		Use:     "regsync",
		Short:   "Manage Microsoft Entra ID app registrations as code",
		Long:    rootLong,
		Example: rootExamples,
		// regsync prints errors and usage itself (exitCode), on stderr.
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetIn(e.In)
	root.SetOut(e.Out)
	root.SetErr(e.Err)
	root.SetContext(context.Background())
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.SetUsageTemplate(strings.TrimRight(root.UsageTemplate(), "\n") + "\n\n" + exitCodesHelp + "\n")
	pf := root.PersistentFlags()
	pf.Var(&e.color, "color", "colour the output: auto (on a terminal, unless NO_COLOR is set), always or never")
	pf.BoolVar(&e.noColor, "no-color", false, "no colour in the output (same as --color never)")
	_ = root.RegisterFlagCompletionFunc("color", cobra.FixedCompletions([]string{"auto", "always", "never"}, cobra.ShellCompDirectiveNoFileComp))

	for _, c := range subs {
		// The synopsis in Use names the flags; cobra need not add [flags].
		c.DisableFlagsInUseLine = true
	}
	root.AddCommand(subs...)
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Long += "\n\nEach shell's subcommand prints the script and says where to put it."
		}
	}
	return root
}

// normalizeArgs keeps the single-dash long flags the docs and pipelines
// use (-out, -no-color, -detailed-exitcode) working: an argument "-name" or
// "-name=value" whose name is a long flag of the command it is given to
// becomes "--name…". Single letters (-f) are shorthands already; "--"
// ends the flags.
func normalizeArgs(root *cobra.Command, args []string) []string {
	c := root
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if c == root && !strings.HasPrefix(a, "-") {
			if sub, _, err := root.Find([]string{a}); err == nil && sub != root {
				c = sub
			}
		}
		if len(a) > 2 && a[0] == '-' && a[1] != '-' {
			name, _, _ := strings.Cut(a[1:], "=")
			if len(name) > 1 && (c.Flags().Lookup(name) != nil || c.InheritedFlags().Lookup(name) != nil || root.PersistentFlags().Lookup(name) != nil) {
				a = "-" + a
			}
		}
		out = append(out, a)
	}
	return out
}

// noArgs refuses positional arguments, with a hint what to do instead.
func noArgs(hint string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			if hint != "" {
				return usagef("unexpected argument %q (%s)", args[0], hint)
			}
			return usagef("unexpected argument %q", args[0])
		}
		return nil
	}
}

// oneOf checks a flag's value against its allowed values.
func oneOf(flag, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return usagef("unknown --%s %q (want %s)", flag, v, orList(allowed))
}

func orList(s []string) string {
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// formatFlag adds --format with its allowed values, completed by the shell.
func formatFlag(c *cobra.Command, p *string, def, usage string, values ...string) {
	c.Flags().StringVar(p, "format", def, usage)
	_ = c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
}

// specFlag adds -f/--file, completed with YAML files (and directories).
func specFlag(c *cobra.Command, p *[]string, usage string) {
	c.Flags().StringArrayVarP(p, "file", "f", nil, usage)
	_ = c.MarkFlagFilename("file", "yaml", "yml")
}

// colorMode is --color: auto, always or never.
type colorMode string

func (m *colorMode) String() string {
	if *m == "" {
		return "auto"
	}
	return string(*m)
}

func (m *colorMode) Set(v string) error {
	switch v {
	case "auto", "always", "never":
		*m = colorMode(v)
		return nil
	}
	return fmt.Errorf("want auto, always or never")
}

func (m *colorMode) Type() string { return "WHEN" }

// Colour reports whether output may use ANSI colour, as terraform and gh
// decide: --no-color or --color never: no; --color always: yes; else only
// on a terminal and never when NO_COLOR is set (https://no-color.org).
// CI alone does not turn colour off: GitHub Actions and Azure DevOps logs
// render it, and --color always is how a pipeline asks for it.
func (e *env) Colour() bool {
	switch {
	case e.noColor || e.color == "never":
		return false
	case e.color == "always":
		return true
	default:
		return e.IsTTY && e.Getenv("NO_COLOR") == ""
	}
}

// canPrompt reports whether a question can be asked: stdin and stdout are
// both terminals.
func (e *env) canPrompt() bool { return e.IsTTY && e.InTTY }
