package render

import (
	"fmt"
	"strings"
	"unicode"
)

// The plan holds text from the spec and from the tenant. The spec refuses
// characters a reviewer cannot see, but live values (a redirect URI or a
// display name set in the portal) may hold anything, and a terminal or a
// markdown page must show them as they are, not let them act. The helpers
// below make a value visible and keep it inside its place in the output.

// visible replaces control and format characters, and line and paragraph
// separators, with a visible <U+XXXX>: a right-to-left override cannot
// reorder the text after it, an escape sequence cannot drive the
// terminal, a line break cannot forge another line of the plan.
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

// code wraps s in a code span for running text (a heading, a list item): the
// span's backtick run is longer than any inside s, so s cannot close it.
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

// html escapes s for text inside an HTML element on one line (a <summary>).
func html(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(visible(s))
}

// fenceFor returns a code fence longer than any backtick run in lines, so
// no line can close it.
func fenceFor(lines []string) string {
	fence := "```"
	for _, l := range lines {
		for strings.Contains(l, fence) {
			fence += "`"
		}
	}
	return fence
}

// Visible, Code, CodeCell and Cell are the helpers above for other
// renderers of tenant values (drift's reports), so that one set of rules
// keeps a value in its place wherever regsync prints it.
func Visible(s string) string  { return visible(s) }
func Code(s string) string     { return code(s) }
func CodeCell(s string) string { return codeCell(s) }
func Cell(s string) string     { return cell(s) }
