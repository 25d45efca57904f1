package drift

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Text writes the report for a terminal or a log: a header, one section per
// class that has items (drift marked "x", warnings "!"), each item with its
// expected and actual values, the notices (marked "i"), and the summary
// line last.
func Text(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	// Every line passes through visible: values from the tenant reach the
	// terminal without control or format characters.
	line := func(format string, args ...any) { bw.WriteString(visible(fmt.Sprintf(format, args...)) + "\n") }
	line("regsync drift for set %s in tenant %s", r.Set, tenantLabel(r))
	line("spec %s (%s)", r.SpecFile, r.SpecDigest)
	line("checked %s; secrets ending within %s are reported", r.CheckedAt.Format("2006-01-02T15:04:05Z"), r.ExpiryWindow)
	for _, cc := range r.Summary.Classes {
		if cc.Count == 0 {
			continue
		}
		line("")
		line("%s (%d):", cc.Class.Title(), cc.Count)
		for _, it := range r.ItemsOf(cc.Class) {
			line("  %s %s%s: %s", marker(it.Severity), riskTag(it), it.Address, it.Message)
			for _, d := range details(it) {
				line("      %s", d)
			}
		}
	}
	if len(r.Notices) > 0 {
		line("")
		line("Notices, not drift (%d):", len(r.Notices))
		for _, n := range r.Notices {
			line("  i %s: %s", n.Address, n.Message)
		}
	}
	line("")
	line("%s", r.Summary.Line())
	return bw.Flush()
}

func marker(s Severity) string {
	switch s {
	case SeverityDrift:
		return "x"
	case SeverityWarning:
		return "!"
	default:
		panic(fmt.Sprintf("internal error: unknown drift.Severity %q", string(s)))
	}
}

// riskTag marks an item with a risk level: "[high risk] ".
func riskTag(it Item) string {
	if it.Risk == "" {
		return ""
	}
	return "[" + it.Risk + " risk] "
}

// details are the item's values, one "name: value" per line.
func details(it Item) []string {
	var out []string
	if c := it.Credential; c != nil && it.Class == ClassCredentialByHand {
		kind, on := c.Kind, c.On
		if kind == "" {
			kind = "password"
		}
		if on == "" {
			on = "application"
		}
		out = append(out, fmt.Sprintf("credential: %s on the %s", kind, strings.ReplaceAll(on, "_", " ")))
		if c.Type != "" {
			t := fmt.Sprintf("type: %s (%s)", c.Type, c.Usage)
			if c.Thumbprint != "" {
				t += ", thumbprint " + c.Thumbprint
			}
			out = append(out, t)
		}
		if c.Issuer != "" {
			out = append(out, fmt.Sprintf("issuer: %s, subject %s", c.Issuer, c.Subject))
		}
		if !c.End.IsZero() {
			out = append(out, fmt.Sprintf("valid: %s to %s", c.Start.UTC().Format("2006-01-02T15:04:05Z"), c.End.UTC().Format("2006-01-02T15:04:05Z")))
		}
	}

	if len(it.Expected) > 0 || len(it.Actual) > 0 {
		out = append(out, "expected: "+jsonOr(it.Expected, "(absent)"), "actual:   "+jsonOr(it.Actual, "(absent)"))
	}
	if len(it.Missing) > 0 {
		out = append(out, "missing:    "+strings.Join(it.Missing, ", "))
	}
	if len(it.Unexpected) > 0 {
		out = append(out, "unexpected: "+strings.Join(it.Unexpected, ", "))
	}
	return out
}

func tenantLabel(r *Report) string {
	if r.Tenant.Spec != "" && r.Tenant.Spec != r.Tenant.ID {
		return fmt.Sprintf("%s (%s)", r.Tenant.Spec, r.Tenant.ID)
	}
	return r.Tenant.ID
}
