package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

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
		Use:     "validate [-f FILE|DIR]... [--format text|json|github|sarif]",
		Short:   "Check registrations files against the schema and the semantic rules",
		Example: validateExamples,
		Args:    noArgs("name files with -f"),
		RunE: func(c *cobra.Command, _ []string) error {
			if err := oneOf("format", o.Format, "text", "json", "github", "sarif"); err != nil {
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
	specFlag(c, &o.Files, "registrations `FILE` to check, or a directory of them; repeat for several (default registrations.yaml)")
	formatFlag(c, &o.Format, "text", "output `format`: text; json (one document on stdout); github (workflow commands that annotate the pull request); sarif (SARIF 2.1.0 for code scanning)", "text", "json", "github", "sarif")
	return c
}

// validateRun loads every file and reports, per file, "FILE: valid" on
// stdout or its diagnostics on stderr ("FILE:LINE:COL: summary" and an
// indented detail, sorted by position). Exit 1 when any file has an error.
func validateRun(e *env, opts *validateOptions) error {
	files, err := expandSpecFiles(opts.Files)
	if err != nil {
		return usagef("%v", err)
	}
	// Load every file, then check the valid ones against each other: two
	// files claiming one set, or adopting one application.
	loaded := make([]validated, len(files))
	var specs []*spec.Spec
	for i, f := range files {
		s, ds := spec.Load(f)
		loaded[i] = validated{file: f, spec: s, ds: ds}
		if s != nil {
			specs = append(specs, s)
		}
	}
	for _, d := range overlaps(specs) {
		for i := range loaded {
			if s := loaded[i].spec; s != nil && s.File == d.Pos.File {
				loaded[i].ds = append(loaded[i].ds, d)
			}
		}
	}
	valid := true
	for i := range loaded {
		loaded[i].ds.Sort()
		if loaded[i].ds.HasErrors() {
			valid = false
		}
	}
	switch opts.Format {
	case "text":
		for _, v := range loaded {
			if len(v.ds) > 0 {
				fmt.Fprint(e.Err, v.ds.Format())
			}
			if v.spec != nil && !v.ds.HasErrors() {
				fmt.Fprintf(e.Out, "%s: valid\n", v.file)
			}
		}
	case "json":
		if err := validateJSON(e.Out, loaded, valid); err != nil {
			return err
		}
	case "github":
		writeGitHubAnnotations(e.Out, loaded)
	case "sarif":
		if err := writeSARIF(e.Out, loaded, e.Build.Full()); err != nil {
			return err
		}
	default:
		panic("internal error: unknown format " + opts.Format)
	}
	if !valid {
		return errReported
	}
	return nil
}

// validated is one file's verdict.
type validated struct {
	file string
	spec *spec.Spec // nil when it did not load
	ds   diag.Diagnostics
}

func validateJSON(w io.Writer, loaded []validated, valid bool) error {
	var results []validateFileResult
	for _, v := range loaded {
		r := validateFileResult{File: v.file, Valid: v.spec != nil && !v.ds.HasErrors(), Diagnostics: []validateDiagOut{}}
		if v.spec != nil {
			r.Digest = v.spec.Digest
		}
		for _, d := range v.ds {
			r.Diagnostics = append(r.Diagnostics, validateDiagOut{Severity: d.Severity.String(), Diagnostic: d})
		}
		results = append(results, r)
	}
	out := struct {
		Valid bool                 `json:"valid"`
		Files []validateFileResult `json:"files"`
	}{Valid: valid, Files: results}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("writing json: %w", err)
	}
	return nil
}
