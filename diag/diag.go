// Package diag carries user-facing problems: a severity, a one-line summary,
// a detail that names the fix, and where the problem is (a file position, a
// spec address, or both).
//
// Diagnostics are collected rather than returned one at a time, so a user sees
// every problem of a file in one run.
package diag

import (
	"fmt"
	"sort"
	"strings"
)

// Severity tells whether a diagnostic stops the command.
type Severity int

const (
	// Error makes the command fail.
	Error Severity = iota
	// Warning is reported but does not change the exit code.
	Warning
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		panic(fmt.Sprintf("internal error: unknown severity %d", int(s)))
	}
}

// Pos is a position in a file. Line and Col are 1-based; zero means unknown.
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"column,omitempty"`
}

// String renders FILE:LINE:COL, dropping the parts that are unknown.
func (p Pos) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Col > 0 {
			fmt.Fprintf(&b, ":%d", p.Col)
		}
	}
	return b.String()
}

// Diagnostic is one problem found in user input or in the tenant.
type Diagnostic struct {
	Severity Severity `json:"-"`
	Summary  string   `json:"summary"`
	Detail   string   `json:"detail,omitempty"`
	Pos      Pos      `json:"pos"`
	// Address names the element of the spec, e.g. applications.portal.redirectUris[1].
	Address string `json:"address,omitempty"`
}

// String renders "FILE:LINE:COL: summary", the form editors and CI logs link.
func (d Diagnostic) String() string {
	var b strings.Builder
	if loc := d.Pos.String(); loc != "" {
		b.WriteString(loc)
		b.WriteString(": ")
	}
	if d.Severity == Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Summary)
	return b.String()
}

// Diagnostics is an ordered collection of problems.
type Diagnostics []Diagnostic

// Errorf appends an error at pos.
func (ds *Diagnostics) Errorf(pos Pos, address, detail, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Severity: Error, Summary: fmt.Sprintf(format, args...), Detail: detail, Pos: pos, Address: address})
}

// Warnf appends a warning at pos.
func (ds *Diagnostics) Warnf(pos Pos, address, detail, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Severity: Warning, Summary: fmt.Sprintf(format, args...), Detail: detail, Pos: pos, Address: address})
}

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Sort orders diagnostics by file, line and column, keeping the order of
// diagnostics at the same position.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Pos, ds[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// Format renders every diagnostic as "FILE:LINE:COL: summary" followed by its
// detail, indented, on the next line.
func (ds Diagnostics) Format() string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String())
		b.WriteByte('\n')
		if d.Detail != "" {
			for _, line := range strings.Split(d.Detail, "\n") {
				b.WriteString("    ")
				b.WriteString(line)
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}

// Err returns the diagnostics as an error when any is an error, else nil.
func (ds Diagnostics) Err() error {
	if !ds.HasErrors() {
		return nil
	}
	return ErrorList(ds)
}

// ErrorList is the error form of a set of diagnostics.
type ErrorList Diagnostics

func (e ErrorList) Error() string {
	return strings.TrimRight(Diagnostics(e).Format(), "\n")
}
