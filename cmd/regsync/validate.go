package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/regsync/regsync/diag"
	"github.com/regsync/regsync/spec"
)

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

func newCmdValidate(e *env, runF func(context.Context, *validateOptions) error) *cobra.Command {
	o := &validateOptions{}
	c := &cobra.Command{
		Use:     "validate [-f FILE]... [--format text|json]",
		Short:   "Check registrations files against the schema and the semantic rules",
		Example: validateExamples,
		Args:    noArgs("name files with -f"),
		RunE: func(c *cobra.Command, _ []string) error {
			if err := oneOf("format", o.Format, "text", "json"); err != nil {
				return err
			}
			if len(o.Files) == 0 {
				o.Files = []string{"registrations.yaml"}
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return validateRun(e, o)
		},
	}
	specFlag(c, &o.Files, "registrations `FILE` to check; repeat for several (default registrations.yaml)")
	formatFlag(c, &o.Format, "text", "output `format`: text, or json (one document on stdout)", "text", "json")
	return c
}

// validateRun loads every file and reports, per file, "FILE: valid" on
// stdout or its diagnostics on stderr ("FILE:LINE:COL: summary" and an
// indented detail, sorted by position). Exit 1 when any file has an error.
func validateRun(e *env, opts *validateOptions) error {
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
			return fmt.Errorf("writing json: %w", err)
		}
	}
	if code != exitOK {
		return errReported
	}
	return nil
}
