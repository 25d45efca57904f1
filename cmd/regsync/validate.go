package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/regsync/regsync/diag"
	"github.com/regsync/regsync/spec"
)

func init() {
	register(command{Name: "validate", Summary: "Check registrations files against the schema and the semantic rules", Run: runValidate})
}

const validateExamples = `  regsync validate                      # registrations.yaml in this directory
  regsync validate -f examples/fhir/registrations.yaml -f examples/dicom/registrations.yaml
  regsync validate --format json -f registrations.yaml | jq '.files[].diagnostics[]'`

// validateOptions are the flags of validate.
type validateOptions struct {
	Files  []string
	Format string
}

// validateFileResult is one file in the JSON output.
type validateFileResult struct {
	File        string            `json:"file"`
	Valid       bool              `json:"valid"`
	Digest      string            `json:"digest,omitempty"`
	Diagnostics []validateDiagOut `json:"diagnostics"`
}

type validateDiagOut struct {
	Severity string `json:"severity"`
	diag.Diagnostic
}

// runValidate loads every file and reports, per file, "FILE: valid" on
// stdout or its diagnostics on stderr ("FILE:LINE:COL: summary" and an
// indented detail, sorted by position). Exit 1 when any file has an error.
func runValidate(_ context.Context, e *env, args []string) int {
	var opts validateOptions
	fs := newFlagSet(e, "validate", "validate [-f FILE]... [--format text|json]", validateExamples)
	files := (*stringList)(&opts.Files)
	fs.Var(files, "f", "registrations `FILE` to check; repeat for several (default registrations.yaml)")
	fs.StringVar(&opts.Format, "format", "text", "output `format`: text, or json (one document on stdout)")
	if code, stop := parseFlags(fs, args); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.Err, "regsync validate: unexpected argument %q; name files with -f\n", fs.Arg(0))
		return exitError
	}
	if opts.Format != "text" && opts.Format != "json" {
		fmt.Fprintf(e.Err, "regsync validate: unknown --format %q; use text or json\n", opts.Format)
		return exitError
	}
	if len(opts.Files) == 0 {
		opts.Files = []string{"registrations.yaml"}
	}

	code := exitOK
	var results []validateFileResult
	for _, f := range opts.Files {
		s, ds := spec.Load(f)
		if ds.HasErrors() {
			code = exitError
		}
		switch opts.Format {
		case "text":
			if len(ds) > 0 {
				fmt.Fprint(e.Err, ds.Format())
			}
			if s != nil {
				fmt.Fprintf(e.Out, "%s: valid\n", f)
			}
		case "json":
			r := validateFileResult{File: f, Valid: s != nil, Diagnostics: []validateDiagOut{}}
			if s != nil {
				r.Digest = s.Digest
			}
			for _, d := range ds {
				r.Diagnostics = append(r.Diagnostics, validateDiagOut{Severity: d.Severity.String(), Diagnostic: d})
			}
			results = append(results, r)
		default:
			panic("internal error: unknown format " + opts.Format)
		}
	}
	if opts.Format == "json" {
		out := struct {
			Valid bool                 `json:"valid"`
			Files []validateFileResult `json:"files"`
		}{Valid: code == exitOK, Files: results}
		enc := json.NewEncoder(e.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(e.Err, "regsync validate: writing json: %v\n", err)
			return exitError
		}
	}
	return code
}
