package drift

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

// Markdown writes the report for a person reading a pull request or an
// issue: a heading, the summary line, a table of every class with its
// count, a section per class that has items (a table of expected and actual
// values for changed fields, a list otherwise), the notices, and a timeline of the
// client secrets as a mermaid gantt chart, which GitHub and Azure DevOps
// render.
func Markdown(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	line := func(s string) { bw.WriteString(s); bw.WriteByte('\n') }

	line("## regsync drift: set " + code(r.Set))
	line("")
	line(fmt.Sprintf("Tenant %s · spec %s (%s) · checked %s · expiry window %s",
		code(tenantLabel(r)), code(r.SpecFile), code(r.SpecDigest), r.CheckedAt.Format("2006-01-02 15:04 UTC"), cell(r.ExpiryWindow)))
	line("")
	line("**" + r.Summary.Line() + "**")
	line("")
	line("| class | items |")
	line("|---|--:|")
	for _, cc := range r.Summary.Classes {
		line(fmt.Sprintf("| %s | %d |", cc.Class.Title(), cc.Count))
	}
	line("")
	for _, cc := range r.Summary.Classes {
		if cc.Count == 0 {
			continue
		}
		items := r.ItemsOf(cc.Class)
		line(fmt.Sprintf("### %s (%d)", cc.Class.Title(), cc.Count))
		line("")
		if cc.Class == ClassFieldChanged {
			line("| address | expected | actual |")
			line("|---|---|---|")
			for _, it := range items {
				exp, act := jsonOr(it.Expected, "—"), jsonOr(it.Actual, "—")
				if len(it.Missing)+len(it.Unexpected) > 0 {
					exp, act = "missing: "+orDash(it.Missing), "not declared: "+orDash(it.Unexpected)
				}
				line(fmt.Sprintf("| %s | %s | %s |", codeCell(it.Address), codeCell(exp), codeCell(act)))
			}
		} else {
			for _, it := range items {
				prefix := ""
				if it.Severity == SeverityWarning {
					prefix = "⚠️ "
				}
				if it.Risk != "" {
					prefix += "**" + it.Risk + " risk** "
				}
				line("- " + prefix + code(it.Address) + ": " + cell(it.Message))
				if it.Credential != nil && it.Class == ClassCredentialByHand {
					// The credential's metadata, as the text view shows it.
					for _, d := range details(it) {
						line("  - " + cell(d))
					}
				}
			}
		}
		line("")
	}
	if len(r.Notices) > 0 {
		line(fmt.Sprintf("### Notices, not drift (%d)", len(r.Notices)))
		line("")
		for _, n := range r.Notices {
			line("- ℹ️ " + code(n.Address) + ": " + cell(n.Message))
		}
		line("")
	}
	if len(r.Credentials) > 0 {
		line("### Client secret timeline")
		line("")
		for _, l := range Gantt(r) {
			line(l)
		}
		line("")
	}
	return bw.Flush()
}

// Gantt returns the mermaid block (fence lines included) of the secret
// timeline: the expiry window from the check, then a section per
// application with one task per password credential from its start to its
// end. Tags: crit for a credential reported as expiring or without a vault
// copy, done once ended, active for the current managed one. Task names
// lose the characters mermaid's task syntax reserves (: ; #).
func Gantt(r *Report) []string {
	critical := map[string]bool{}
	for _, it := range r.Items {
		if it.Credential != nil && (it.Class == ClassSecretExpiring || it.Class == ClassNoVaultCopy) {
			critical[it.App+"/"+it.Credential.KeyID] = true
		}
	}
	const date = "2006-01-02"
	out := []string{
		"```mermaid",
		"gantt",
		"    title " + ganttText("Client secrets of set "+r.Set+" (checked "+r.CheckedAt.Format(date)+")"),
		"    dateFormat YYYY-MM-DD",
		"    axisFormat %Y-%m-%d",
		"    todayMarker stroke-width:3px,stroke:#d00,opacity:0.6",
		"    section expiry window",
		fmt.Sprintf("    %s :w0, %s, %s", ganttText("next "+r.ExpiryWindow), r.CheckedAt.Format(date), windowEnd(r).Format(date)),
	}
	app := "\x00"
	for i, c := range r.Credentials {
		if c.App != app {
			app = c.App
			out = append(out, "    section "+ganttText(app))
		}
		var tags []string
		if critical[c.App+"/"+c.KeyID] {
			tags = append(tags, "crit")
		}
		switch {
		case !c.End.After(r.CheckedAt):
			tags = append(tags, "done")
		case c.Status == StatusCurrent:
			tags = append(tags, "active")
		}
		name := c.VaultSecret
		if name == "" {
			name = c.DisplayName
		}
		name = ganttText(fmt.Sprintf("%s %s (%s)", name, short(c.KeyID), strings.ReplaceAll(c.Status, "_", " ")))
		start, end := c.Start, c.End
		if end.Before(start) {
			start = end
		}
		tags = append(tags, fmt.Sprintf("c%d", i+1), start.Format(date), end.Format(date))
		out = append(out, fmt.Sprintf("    %s :%s", name, strings.Join(tags, ", ")))
	}
	return append(out, "```")
}

// windowEnd is the end of the expiry window, or the check itself when the
// window is zero.
func windowEnd(r *Report) time.Time {
	d, err := parseWindow(r.ExpiryWindow)
	if err != nil {
		return r.CheckedAt
	}
	return r.CheckedAt.Add(d)
}

// ganttText makes s safe as a mermaid gantt title, section or task name.
func ganttText(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ':', ';', '#', '\n', '\r', '\t', '%', '`':
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func short(keyID string) string {
	if len(keyID) > 8 {
		return keyID[:8]
	}
	return keyID
}

func orDash(list []string) string {
	if len(list) == 0 {
		return "—"
	}
	return strings.Join(list, ", ")
}
