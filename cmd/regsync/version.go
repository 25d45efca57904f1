package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/regsync/regsync/buildinfo"
)

func init() {
	register(command{Name: "version", Summary: "Print the version, commit and toolchain of this build", Run: runVersion})
}

const versionExamples = `  regsync version
  regsync --version
  regsync version --json | jq -r .full_version`

// versionJSON is the document of `regsync version --json`. Its field names
// are an interface: add fields, never rename or drop one. Unknown values
// are empty strings, so every field is always present.
type versionJSON struct {
	// Version is the release or module version, "dev" when unknown.
	Version string `json:"version"`
	// FullVersion tells builds apart: what a saved plan records and the
	// User-Agent sends (dev+<commit>[-dirty] for a dev build).
	FullVersion string `json:"full_version"`
	Commit      string `json:"commit"`
	Modified    bool   `json:"modified"`
	CommitDate  string `json:"commit_date"`
	BuildDate   string `json:"build_date"`
	GoVersion   string `json:"go_version"`
	OS          string `json:"os"`
	Arch        string `json:"arch"`
}

// runVersion prints e.Build, for people or (--json) as one JSON object.
func runVersion(_ context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "version", "version [--json]", versionExamples)
	asJSON := fs.Bool("json", false, "print one JSON object with stable snake_case fields")
	if code, stop := parseFlags(fs, args); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.Err, "regsync version: unexpected argument %q\n", fs.Arg(0))
		return exitError
	}
	if *asJSON {
		b := e.Build
		doc := versionJSON{
			Version: b.Version, FullVersion: b.Full(), Commit: b.Commit, Modified: b.Modified,
			CommitDate: b.CommitDate, BuildDate: b.BuildDate, GoVersion: b.GoVersion, OS: b.OS, Arch: b.Arch,
		}
		if doc.Version == "" {
			doc.Version = buildinfo.Dev
		}
		enc := json.NewEncoder(e.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			fmt.Fprintf(e.Err, "regsync version: %v\n", err)
			return exitError
		}
		return exitOK
	}
	writeVersion(e.Out, e.Build)
	return exitOK
}

// writeVersion prints the human form: "regsync <full version>" on the first
// line (the words a stale saved plan's error uses), then what else is known,
// one fact a line; unknown facts are left out.
func writeVersion(w io.Writer, b buildinfo.Info) {
	fmt.Fprintf(w, "regsync %s\n", b.Full())
	if b.Commit != "" {
		modified := ""
		if b.Modified {
			modified = " (modified)"
		}
		fmt.Fprintf(w, "  commit     %s%s\n", b.Commit, modified)
	}
	if b.CommitDate != "" {
		fmt.Fprintf(w, "  committed  %s\n", b.CommitDate)
	}
	if b.BuildDate != "" {
		fmt.Fprintf(w, "  built      %s\n", b.BuildDate)
	}
	if b.GoVersion != "" {
		fmt.Fprintf(w, "  go         %s\n", b.GoVersion)
	}
	if b.OS != "" {
		fmt.Fprintf(w, "  platform   %s/%s\n", b.OS, b.Arch)
	}
}
