package spec

import (
	"fmt"
	"unicode"

	"github.com/regsync/regsync/diag"
)

// multiLine names the members whose string values may span lines: the free
// texts Entra shows as paragraphs. Only there are a line feed and a tab
// accepted; every other string is one line.
var multiLine = map[string]bool{
	"description":             true, // an application's, a role's, a federated credential's
	"notes":                   true,
	"adminConsentDescription": true,
	"userConsentDescription":  true,
}

// checkText walks every key and string value of the document once and
// refuses characters a reviewer cannot see: controls (Unicode category Cc),
// format characters (Cf: bidirectional overrides and isolates, zero-width
// characters, the byte order mark, the soft hyphen, …) and the line and
// paragraph separators (Zl, Zp). A line feed and a tab are accepted in the
// values of multiLine members. The walk does not know the format's fields,
// so a field added later is covered without a change here. One diagnostic
// per string, at the string (a key's at the key), naming the first such
// character; later ones are counted.
func checkText(n *node, ds *diag.Diagnostics) {
	switch n.kind {
	case kindString:
		checkString(n.str, n.pos, n.addr, "value", false, ds)
	case kindArray:
		for _, it := range n.items {
			checkText(it, ds)
		}
	case kindObject:
		for _, m := range n.members {
			checkString(m.key, m.val.keyPos, m.val.addr, "key", false, ds)
			if m.val.kind == kindString {
				checkString(m.val.str, m.val.pos, m.val.addr, "value", multiLine[m.key], ds)
				continue
			}
			checkText(m.val, ds)
		}
	}
}

// checkString reports the first hidden character of s, if any. what is
// "key" or "value"; multi allows a line feed and a tab.
func checkString(s string, pos diag.Pos, addr, what string, multi bool, ds *diag.Diagnostics) {
	first, firstAt, more := rune(-1), 0, 0
	i := 0
	for _, r := range s {
		i++
		if !hidden(r) || (multi && (r == '\n' || r == '\t')) {
			continue
		}
		if first < 0 {
			first, firstAt = r, i
			continue
		}
		more++
	}
	if first < 0 {
		return
	}
	summary := fmt.Sprintf("%s holds %s at character %d", addr, describeRune(first), firstAt)
	if what == "key" {
		summary = "the key of " + summary
	}
	if more > 0 {
		summary += fmt.Sprintf(" (and %s more)", countWord(more, "hidden character", "hidden characters"))
	}
	detail := "Control and format characters are invisible or change how the text around them is shown, so a reviewer cannot see what the value says. Remove it and write the text plainly; if it was pasted, retype the value."
	switch {
	case multi:
		detail = "A description or notes may hold line breaks and tabs, and no other control or format character: they are invisible or change how the text around them is shown, so a reviewer cannot see what it says. Remove it."
	case (first == '\n' || first == '\t') && what == "value":
		detail = "This value is a single line: only description, notes, adminConsentDescription and userConsentDescription may hold line breaks and tabs. Write it on one line."
	}
	ds.Errorf(pos, addr, detail, "%s", summary)
}

// hidden reports whether r is a control, format or line/paragraph
// separator character.
func hidden(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

// runeNames names the hidden characters people meet in practice: those
// that hide or reorder text (Trojan Source, CVE-2021-42574) and the
// controls YAML escapes can produce.
var runeNames = map[rune]string{
	0x00:   "null",
	0x07:   "bell",
	0x08:   "backspace",
	0x09:   "tab",
	0x0A:   "line feed",
	0x0B:   "vertical tab",
	0x0C:   "form feed",
	0x0D:   "carriage return",
	0x1B:   "escape",
	0x7F:   "delete",
	0x85:   "next line",
	0xAD:   "soft hyphen",
	0x061C: "Arabic letter mark",
	0x180E: "Mongolian vowel separator",
	0x200B: "zero width space",
	0x200C: "zero width non-joiner",
	0x200D: "zero width joiner",
	0x200E: "left-to-right mark",
	0x200F: "right-to-left mark",
	0x2028: "line separator",
	0x2029: "paragraph separator",
	0x202A: "left-to-right embedding",
	0x202B: "right-to-left embedding",
	0x202C: "pop directional formatting",
	0x202D: "left-to-right override",
	0x202E: "right-to-left override",
	0x2060: "word joiner",
	0x2061: "function application",
	0x2062: "invisible times",
	0x2063: "invisible separator",
	0x2064: "invisible plus",
	0x2066: "left-to-right isolate",
	0x2067: "right-to-left isolate",
	0x2068: "first strong isolate",
	0x2069: "pop directional isolate",
	0xFEFF: "zero width no-break space (byte order mark)",
	0xFFF9: "interlinear annotation anchor",
	0xFFFA: "interlinear annotation separator",
	0xFFFB: "interlinear annotation terminator",
}

// describeRune names r for a message: "U+202E (right-to-left override, a
// format character)".
func describeRune(r rune) string {
	var class string
	switch {
	case unicode.Is(unicode.Cc, r):
		class = "a control character"
	case unicode.Is(unicode.Cf, r):
		class = "a format character"
	default:
		class = "a line break"
	}
	if name, ok := runeNames[r]; ok {
		return fmt.Sprintf("U+%04X (%s, %s)", r, name, class)
	}
	if r >= 0xE0000 && r <= 0xE007F {
		return fmt.Sprintf("U+%04X (a tag character, %s)", r, class)
	}
	return fmt.Sprintf("U+%04X (%s)", r, class)
}

func countWord(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
