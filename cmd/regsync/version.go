package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/regsync/regsync/buildinfo"
)

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

func newCmdVersion(e *env, runF func(context.Context, bool) error) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:     "version [--json]",
		Short:   "Print the version, commit and toolchain of this build",
		Example: versionExamples,
		Args:    noArgs(""),
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(c.Context(), asJSON)
			}
			return versionRun(e, asJSON)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object with stable snake_case fields")
	return c
}

// versionRun prints e.Build, for people or (asJSON) as one JSON object.
func versionRun(e *env, asJSON bool) error {
	if asJSON {
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
		return enc.Encode(doc)
	}
	writeVersion(e.Out, e.Build)
	return nil
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
