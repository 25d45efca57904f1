package render

import (
	"bufio"
	"io"

	"github.com/regsync/regsync/planner"
)

// TextOptions tune the text view.
type TextOptions struct {
	// Colour adds ANSI colour. The CLI decides (--color, NO_COLOR, a
	// terminal).
	Colour bool
}

// NoChanges is the text view's whole verdict on an empty plan.
const NoChanges = "No changes. The tenant matches the spec."

// Text writes the plan for a terminal: a header naming tenant, set and spec;
// the risks; then per application its actions (+ create, ~ update,
// - destroy) with field paths and before -> after, and its notes; last the
// summary line, or NoChanges when there is nothing to do. Control and
// format characters in values are shown as <U+XXXX>, never sent to the
// terminal.
func Text(w io.Writer, p *planner.Plan, opts TextOptions) error {
	st := style{colour: opts.Colour}
	bw := bufio.NewWriter(w)
	line := func(s string) { bw.WriteString(s); bw.WriteByte('\n') }

	line("regsync plan for set " + visible(p.Set) + " in tenant " + visible(tenantLabel(p)))
	line("spec " + visible(p.SpecFile) + " (" + visible(p.SpecDigest) + ")")
	line("")
	if risks := p.Risks(); len(risks) > 0 {
		line(st.paint(ansiBold+ansiRed, "Risks ("+plural(len(risks), "flag", "flags")+"):"))
		for _, r := range risks {
			line("  " + st.paint(ansiBold+ansiRed, "!") + " " + visible(r.Address) + ": " + visible(r.Message))
		}
		line("")
	}
	if !p.Summary.Empty() {
		line("regsync will perform the following actions:")
		line("")
	}
	for _, app := range p.Applications {
		actions := p.ActionsFor(app.Key)
		notes := p.NotesFor(app.Key)
		if len(actions) == 0 && len(notes) == 0 {
			continue
		}
		line(st.paint(ansiBold, "# "+appHeading(app)))
		for _, a := range actions {
			for _, l := range actionLines(a, "  ", st) {
				line(l)
			}
		}
		for _, n := range notes {
			line("  " + st.paint(ansiDim, "note: "+visible(n.Address)+": "+visible(n.Message)))
		}
		line("")
	}
	for _, n := range p.Notes {
		if n.App == "" {
			line(st.paint(ansiDim, "note: "+visible(n.Address)+": "+visible(n.Message)))
		}
	}
	if p.Summary.Empty() {
		line(NoChanges)
	} else {
		line(st.paint(ansiBold, p.Summary.Line()))
	}
	return bw.Flush()
}

func tenantLabel(p *planner.Plan) string {
	if p.Tenant.Spec != "" && p.Tenant.Spec != p.Tenant.ID {
		return p.Tenant.Spec + " (" + p.Tenant.ID + ")"
	}
	return p.Tenant.ID
}
