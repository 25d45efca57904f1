package drift

import (
	"fmt"
	"strings"
	"unicode"
)

// A report quotes the tenant: display names, redirect URIs and tags that
// anyone with rights on an application can set. The helpers below show such
// a value as it is and keep it in its place in a terminal or on a markdown
// page (as planner/render does for plans).

// visible replaces control and format characters, and line and paragraph
// separators, with a visible <U+XXXX>, so a value cannot reorder the text
// after it, drive a terminal or forge another line of the report.
func visible(s string) string {
	if strings.IndexFunc(s, hidden) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if hidden(r) {
			fmt.Fprintf(&b, "<U+%04X>", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func hidden(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

// code wraps s in a code span for running text (a heading, a list item):
// the span's backtick run is longer than any inside s, so s cannot close it.
func code(s string) string {
	s = visible(s)
	ticks := "`"
	for strings.Contains(s, ticks) {
		ticks += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || s == "" {
		return ticks + " " + s + " " + ticks
	}
	return ticks + s + ticks
}

// codeCell is code for a table cell: GitHub splits cells at every
// unescaped pipe, also inside a code span, and shows \| as a pipe there.
func codeCell(s string) string {
	return strings.ReplaceAll(code(s), "|", `\|`)
}

// cellEscaper escapes HTML's special characters and the markdown
// punctuation that would start a code span, emphasis, a link or an image,
// or end a table cell.
var cellEscaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "~", `\~`, "|", `\|`,
)

// cell makes s plain text in a table cell or a list item: no markup of its
// own, no line break, nothing hidden.
func cell(s string) string {
	return cellEscaper.Replace(visible(s))
}
