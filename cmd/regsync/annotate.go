package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/regsync/regsync/diag"
)

// writeGitHubAnnotations prints each diagnostic as a GitHub Actions
// workflow command (::error / ::warning with file, line and col), which
// the runner turns into an annotation on that line of the pull request's
// diff; and "FILE: valid" for a file with no error, as text output does.
// The runner reads workflow commands from stdout.
// https://docs.github.com/actions/reference/workflow-commands-for-github-actions
func writeGitHubAnnotations(w io.Writer, loaded []validated) {
	for _, v := range loaded {
		for _, d := range v.ds {
			cmd := "error"
			if d.Severity == diag.Warning {
				cmd = "warning"
			}
			props := []string{"file=" + ghProperty(filepath.ToSlash(fileOf(d, v.file)))}
			if d.Pos.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", d.Pos.Line))
				if d.Pos.Col > 0 {
					props = append(props, fmt.Sprintf("col=%d", d.Pos.Col))
				}
			}
			props = append(props, "title="+ghProperty("regsync validate"))
			msg := d.Summary
			if d.Detail != "" {
				msg += "\n" + d.Detail
			}
			fmt.Fprintf(w, "::%s %s::%s\n", cmd, strings.Join(props, ","), ghData(msg))
		}
		if v.spec != nil && !v.ds.HasErrors() {
			fmt.Fprintf(w, "%s: valid\n", v.file)
		}
	}
}

func fileOf(d diag.Diagnostic, file string) string {
	if d.Pos.File != "" {
		return d.Pos.File
	}
	return file
}

// ghData escapes a workflow command's message: %, CR and LF.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command's property value: the message's
// characters and also : and , which separate properties.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// SARIF 2.1.0, the subset code scanning reads: one run, one rule per
// severity, a result per diagnostic with its file, line and column.
// https://docs.github.com/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
type sarifLog struct {
	Version string     `json:"version"`
	Schema  string     `json:"$schema"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	ShortDescription sarifMessage `json:"shortDescription"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

const (
	sarifRuleError   = "regsync/spec-error"
	sarifRuleWarning = "regsync/spec-warning"
)

// writeSARIF writes the diagnostics of every file as one SARIF log.
func writeSARIF(w io.Writer, loaded []validated, version string) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name: "regsync", Version: version, InformationURI: "https://github.com/regsync/regsync",
			Rules: []sarifRule{
				{ID: sarifRuleError, ShortDescription: sarifMessage{"registrations.yaml does not validate"}},
				{ID: sarifRuleWarning, ShortDescription: sarifMessage{"registrations.yaml validates with a warning"}},
			},
		}},
		Results: []sarifResult{},
	}
	for _, v := range loaded {
		for _, d := range v.ds {
			r := sarifResult{RuleID: sarifRuleError, Level: "error", Message: sarifMessage{d.Summary}}
			if d.Severity == diag.Warning {
				r.RuleID, r.Level = sarifRuleWarning, "warning"
			}
			if d.Detail != "" {
				r.Message.Text += "\n" + d.Detail
			}
			loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: filepath.ToSlash(fileOf(d, v.file))}}}
			if d.Pos.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: d.Pos.Line, StartColumn: d.Pos.Col}
			}
			r.Locations = []sarifLocation{loc}
			run.Results = append(run.Results, r)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Version: "2.1.0", Schema: "https://json.schemastore.org/sarif-2.1.0.json", Runs: []sarifRun{run}})
}
