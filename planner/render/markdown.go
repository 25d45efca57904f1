package render

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/regsync/regsync/planner"
)

// Markdown writes the plan as a pull-request comment: a heading, the
// summary line, the risks called out first, a table with the adds, changes
// and destroys of every application, then the details of each changed
// application in a collapsed <details> block holding a diff-highlighted
// listing (the same lines as the text view, without colour).
func Markdown(w io.Writer, p *planner.Plan) error {
	bw := bufio.NewWriter(w)
	line := func(s string) { bw.WriteString(s); bw.WriteByte('\n') }

	line("## regsync plan: set " + code(p.Set))
	line("")
	line(fmt.Sprintf("Tenant %s · spec %s (%s)", code(tenantLabel(p)), code(p.SpecFile), code(p.SpecDigest)))
	line("")
	if p.Summary.Empty() {
		line("**" + NoChanges + "**")
	} else {
		line("**" + p.Summary.Line() + "**")
	}
	line("")
	if risks := p.Risks(); len(risks) > 0 {
		line("> [!WARNING]")
		line("> **" + plural(len(risks), "risk", "risks") + " to review**")
		line(">")
		for _, r := range risks {
			line("> - " + code(r.Address) + ": " + cell(r.Message))
		}
		line("")
	}
	if len(p.Applications) > 0 {
		line("| application | kind | status | add | change | destroy | risks |")
		line("|---|---|---|--:|--:|--:|--:|")
		for _, a := range p.Applications {
			kind := a.Kind
			if kind == "" {
				kind = "—"
			}
			line(fmt.Sprintf("| %s | %s | %s | %d | %d | %d | %d |", codeCell(a.Key), cell(kind), cell(a.Status),
				a.Summary.Add, a.Summary.Change, a.Summary.Destroy, a.Risks))
		}
		line("")
	}
	for _, app := range p.Applications {
		actions := p.ActionsFor(app.Key)
		notes := p.NotesFor(app.Key)
		if len(actions) == 0 && len(notes) == 0 {
			continue
		}
		line(fmt.Sprintf("<details><summary><code>%s</code> %s</summary>", html(app.Key), html(strings.TrimPrefix(appHeading(app), "applications."+visible(app.Key)+" "))))
		line("")
		if len(actions) > 0 {
			var body []string
			for _, a := range actions {
				body = append(body, actionLines(a, "", style{})...)
			}
			fence := fenceFor(body)
			line(fence + "diff")
			for _, l := range body {
				line(l)
			}
			line(fence)
			line("")
		}
		for _, n := range notes {
			line("- note: " + code(n.Address) + ": " + cell(n.Message))
		}
		if len(notes) > 0 {
			line("")
		}
		line("</details>")
		line("")
	}
	for _, n := range p.Notes {
		if n.App == "" {
			line("- note: " + code(n.Address) + ": " + cell(n.Message))
		}
	}
	return bw.Flush()
}
