package render

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/regsync/regsync/planner"
)

// style colours the parts of a line; the zero style prints plain text.
type style struct{ colour bool }

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiRed    = "\x1b[31m"
	ansiDim    = "\x1b[2m"
)

func (s style) paint(code, text string) string {
	if !s.colour || text == "" {
		return text
	}
	return code + text + ansiReset
}

func (s style) op(o planner.Op, text string) string {
	switch o {
	case planner.OpCreate:
		return s.paint(ansiGreen, text)
	case planner.OpUpdate:
		return s.paint(ansiYellow, text)
	case planner.OpDelete:
		return s.paint(ansiRed, text)
	default:
		panic(fmt.Sprintf("internal error: unknown planner.Op %q", string(o)))
	}
}

// actionLines renders one action: a line with the symbol, the address and
// the description, then its field changes, reason and risks. indent goes
// before the symbol (markdown diff blocks need the symbol in column 0).
func actionLines(a *planner.Action, indent string, st style) []string {
	var out []string
	out = append(out, indent+st.op(a.Op, a.Op.Symbol())+" "+st.paint(ansiBold, visible(a.Address))+": "+visible(a.Description))
	body := indent + "    "
	for _, c := range a.Changes {
		out = append(out, changeLines(c, a.Op, body, st)...)
	}
	if a.Reason != "" && (a.Op == planner.OpDelete || a.Step != "") {
		out = append(out, body+st.paint(ansiDim, "because "+visible(a.Reason)))
	}
	for _, r := range a.Risks {
		out = append(out, body+st.paint(ansiBold+ansiRed, "! risk: "+visible(r.Message)))
	}
	return out
}

// changeLines renders one field change; hidden characters in values are
// made visible. A set shows one line per added or
// removed element; a scalar shows before -> after.
//
// A URI whose host is not ASCII is followed by its punycode form, the host
// DNS and the browser use: + "https://pаypal.com/cb" (punycode: https://xn--pypal-4ve.com/cb).
func changeLines(c planner.Change, op planner.Op, indent string, st style) []string {
	show := visible
	if planner.IsURIPath(c.Path) {
		show = func(v string) string { return visible(punycodeBeside(v)) }
	}
	if len(c.Added)+len(c.Removed) > 0 {
		out := []string{indent + visible(c.Path) + ":"}
		for _, v := range c.Added {
			out = append(out, indent+"  "+st.op(planner.OpCreate, "+ "+show(v)))
		}
		for _, v := range c.Removed {
			out = append(out, indent+"  "+st.op(planner.OpDelete, "- "+show(v)))
		}
		return out
	}
	path, before, after := visible(c.Path), show(string(c.Before)), show(string(c.After))
	switch {
	case c.Before != nil && c.After != nil:
		return []string{indent + path + " = " + st.op(planner.OpDelete, before) + " -> " + st.op(planner.OpCreate, after)}
	case c.After != nil:
		return []string{indent + path + " = " + after}
	case c.Before != nil:
		return []string{indent + path + " = " + before + " -> (removed)"}
	default:
		return []string{indent + path}
	}
}

// punycodeBeside appends the punycode form to a JSON-quoted URI whose host
// is not ASCII, and returns any other value as it is.
func punycodeBeside(quoted string) string {
	var uri string
	if json.Unmarshal([]byte(quoted), &uri) != nil {
		return quoted
	}
	if ascii, ok := planner.ASCIIForm(uri); ok {
		return quoted + " (punycode: " + ascii + ")"
	}
	return quoted
}

// appHeading describes one application's part of the plan.
func appHeading(s planner.AppSummary) string {
	var b strings.Builder
	if s.Kind == planner.KindAzureResource {
		// Key is azureResources.<key>; DisplayName the resource id.
		fmt.Fprintf(&b, "%s (%s) %s: %s", visible(s.Key), visible(s.Kind), visible(s.DisplayName), statusWords(s.Status))
		return b.String()
	}
	b.WriteString("applications." + visible(s.Key))
	if s.Kind != "" {
		b.WriteString(" (" + visible(s.Kind) + ")")
	}
	fmt.Fprintf(&b, " %q: %s", s.DisplayName, statusWords(s.Status))
	return b.String()
}

func statusWords(status string) string {
	switch status {
	case "create":
		return "will be created"
	case "update":
		return "will be updated"
	case "delete":
		return "will be deleted"
	case "no-op":
		return "no changes"
	case "prunable":
		return "not in the spec (kept without prune)"
	default:
		panic(fmt.Sprintf("internal error: unknown application status %q", status))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
