package drift_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/drift"
	"github.com/regsync/regsync/tenant"
)

// junitAllowed lists, per element, the attributes Jenkins' junit-10.xsd
// (the JUnit schema CI test publishers follow) permits; the elements it
// does not list are not allowed at all.
var junitAllowed = map[string][]string{
	"testsuites": {"name", "time", "tests", "failures", "errors"},
	"testsuite":  {"name", "tests", "failures", "errors", "group", "time", "skipped", "timestamp", "hostname", "id", "package", "file", "log", "url"},
	"properties": {},
	"property":   {"name", "value"},
	"testcase":   {"name", "time", "classname", "group"},
	"failure":    {"type", "message"},
	"error":      {"type", "message"},
	"skipped":    {"type", "message"},
	"system-out": {},
	"system-err": {},
}

// junitRequired lists the attributes the schema requires.
var junitRequired = map[string][]string{
	"testsuite": {"name", "tests", "failures", "errors"},
	"property":  {"name", "value"},
	"testcase":  {"name"},
}

type xSuites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failures  []struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// checkJUnitSchema walks the document and checks every element and
// attribute against junit-10.xsd's lists, and the nesting.
func checkJUnitSchema(t *testing.T, data []byte) {
	t.Helper()
	parent := map[string]string{"testsuites": "", "testsuite": "testsuites", "properties": "testsuite", "property": "properties",
		"testcase": "testsuite", "failure": "testcase", "system-out": "testcase"}
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("JUnit XML does not parse: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			name := x.Name.Local
			allowed, ok := junitAllowed[name]
			if !ok {
				t.Errorf("element <%s> is not in the JUnit schema", name)
			}
			up := ""
			if len(stack) > 0 {
				up = stack[len(stack)-1]
			}
			if p, known := parent[name]; known && p != up {
				t.Errorf("<%s> inside <%s>, want inside <%s>", name, up, p)
			}
			have := map[string]bool{}
			for _, a := range x.Attr {
				have[a.Name.Local] = true
				if !contains(allowed, a.Name.Local) {
					t.Errorf("<%s %s=...> is not in the JUnit schema", name, a.Name.Local)
				}
			}
			for _, req := range junitRequired[name] {
				if !have[req] {
					t.Errorf("<%s> lacks required attribute %s", name, req)
				}
			}
			stack = append(stack, name)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// The JUnit view parses back: a test case per object, a failure per drift
// item on it, warnings in system-out, counts that add up, and text that
// survives hostile characters.
func TestJUnit(t *testing.T) {
	cases := goldenCases()
	hostile := driftCase{
		name: "hostile",
		edit: func(s *tenant.Snapshot) {
			i := app(s, "ingest")
			i.FederatedCredentials = append(i.FederatedCredentials, tenant.FederatedCredential{ID: "fc3",
				Name: "a]]><x/>&\"'\x01\x1b", Issuer: "https://issuer.example.com/<script>", Subject: "s\x00ub"})
		},
	}
	cases["hostile"] = hostile
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := tc.report(t)
			var buf bytes.Buffer
			if err := drift.JUnit(&buf, r); err != nil {
				t.Fatal(err)
			}
			checkJUnitSchema(t, buf.Bytes())
			var doc xSuites
			if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatalf("JUnit XML does not parse: %v\n%s", err, buf.String())
			}
			if len(doc.Suites) != 1 {
				t.Fatalf("%d suites, want 1", len(doc.Suites))
			}
			s := doc.Suites[0]
			if s.Tests != len(r.Objects) || doc.Tests != len(r.Objects) || len(s.Cases) != len(r.Objects) {
				t.Errorf("tests = %d/%d with %d cases, want %d objects", s.Tests, doc.Tests, len(s.Cases), len(r.Objects))
			}
			failed := 0
			for i, c := range s.Cases {
				o := r.Objects[i]
				if c.Name != o.Address {
					t.Errorf("case %d = %q, want %q", i, c.Name, o.Address)
				}
				var wantFail, wantWarn []string
				for _, it := range r.ItemsFor(o.Address) {
					if it.Severity == drift.SeverityDrift {
						wantFail = append(wantFail, string(it.Class)+": "+strings.ToValidUTF8(it.Message, ""))
					} else {
						wantWarn = append(wantWarn, it.Address)
					}
				}
				var gotFail []string
				for _, f := range c.Failures {
					gotFail = append(gotFail, f.Type+": "+f.Message)
				}
				if name != "hostile" {
					if d := cmp.Diff(wantFail, gotFail); d != "" {
						t.Errorf("%s failures (-want +got):\n%s", o.Address, d)
					}
				} else if len(wantFail) != len(gotFail) {
					t.Errorf("%s: %d failures, want %d", o.Address, len(gotFail), len(wantFail))
				}
				for _, w := range wantWarn {
					if !strings.Contains(c.SystemOut, w) {
						t.Errorf("%s: system-out %q lacks warning %s", o.Address, c.SystemOut, w)
					}
				}
				if len(c.Failures) > 0 {
					failed++
				}
			}
			if s.Failures != failed || doc.Failures != failed {
				t.Errorf("failures = %d/%d, want %d failed cases", s.Failures, doc.Failures, failed)
			}
			if name == "hostile" && !strings.Contains(buf.String(), `a]]&gt;&lt;x/&gt;&amp;`) {
				t.Errorf("hostile name not escaped:\n%s", buf.String())
			}
		})
	}
}

var ganttTask = regexp.MustCompile(`^    [^:;#\n]+ :((crit|done|active), )*(w0|c[0-9]+), [0-9]{4}-[0-9]{2}-[0-9]{2}, [0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// The markdown timeline is a mermaid gantt block with the lines mermaid
// needs: dateFormat, a todayMarker, a section per application with
// credentials, and one task per credential with a unique id and dates.
func TestMermaidGantt(t *testing.T) {
	for name, tc := range goldenCases() {
		r := tc.report(t)
		var md bytes.Buffer
		if err := drift.Markdown(&md, r); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(md.String(), "\n")
		start := -1
		for i, l := range lines {
			if l == "```mermaid" {
				start = i
			}
		}
		if start < 0 {
			t.Fatalf("%s: no mermaid block", name)
		}
		var block []string
		for _, l := range lines[start+1:] {
			if l == "```" {
				break
			}
			block = append(block, l)
		}
		if d := cmp.Diff(block, drift.Gantt(r)[1:len(drift.Gantt(r))-1]); d != "" {
			t.Errorf("%s: markdown block differs from Gantt (-md +Gantt):\n%s", name, d)
		}
		for _, want := range []string{"gantt", "    dateFormat YYYY-MM-DD", "    axisFormat %Y-%m-%d"} {
			if !contains(block, want) {
				t.Errorf("%s: no line %q in\n%s", name, want, strings.Join(block, "\n"))
			}
		}
		if block[0] != "gantt" {
			t.Errorf("%s: block starts %q, want gantt", name, block[0])
		}
		marker, sections, tasks := 0, map[string]bool{}, map[string]bool{}
		for _, l := range block[1:] {
			switch {
			case strings.HasPrefix(l, "    todayMarker "):
				marker++
			case strings.HasPrefix(l, "    title "), strings.HasPrefix(l, "    dateFormat "), strings.HasPrefix(l, "    axisFormat "):
			case strings.HasPrefix(l, "    section "):
				sections[strings.TrimPrefix(l, "    section ")] = true
			default:
				m := ganttTask.FindStringSubmatch(l)
				if m == nil {
					t.Errorf("%s: not a valid task line: %q", name, l)
					continue
				}
				if tasks[m[3]] {
					t.Errorf("%s: task id %s twice", name, m[3])
				}
				tasks[m[3]] = true
			}
		}
		if marker != 1 {
			t.Errorf("%s: %d todayMarker lines, want 1", name, marker)
		}
		if len(tasks) != len(r.Credentials)+1 {
			t.Errorf("%s: %d tasks, want one per credential (%d) and the window", name, len(tasks), len(r.Credentials))
		}
		for _, c := range r.Credentials {
			if !sections[c.App] {
				t.Errorf("%s: no section for %s", name, c.App)
			}
		}
	}
}

// driftEvil is text an application's owner can put in the tenant that tries
// to leave its code span, table cell or list item, to add markup, or to
// hide or reorder what a reader sees.
const driftEvil = "x`` | <img src=x> [click](https://evil.example) *b* _i_ \u202Eolleh \x1b[31mred\n\n# forged\n```"

// hostileDrift puts s in a display name, a redirect URI and a federated
// credential's name and subject: a table row and list items.
func hostileDrift(t *testing.T, s string) *drift.Report {
	return driftCase{name: "hostile", edit: func(snap *tenant.Snapshot) {
		p := app(snap, "portal")
		p.DisplayName = s
		p.Web.RedirectURIs = append(p.Web.RedirectURIs, "https://evil.example/"+s)
		i := app(snap, "ingest")
		i.FederatedCredentials = append(i.FederatedCredentials, tenant.FederatedCredential{ID: "fc3",
			Name: s, Issuer: "https://issuer.example.com", Subject: s})
	}}.report(t)
}

// hiddenRune returns the first control (other than a line feed) or format
// character of s, or -1.
func hiddenRune(s string) rune {
	for _, r := range s {
		if r != '\n' && (unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r)) {
			return r
		}
	}
	return -1
}

// shapes reduces output to the first two characters of each line.
func shapes(out string) []string {
	var s []string
	for _, l := range strings.Split(out, "\n") {
		if len(l) > 2 {
			l = l[:2]
		}
		s = append(s, l)
	}
	return s
}

// TestHostileStrings: in markdown and text, a hostile value adds no line,
// sends no control or format character and becomes no markup; table rows
// keep their cells.
func TestHostileStrings(t *testing.T) {
	for name, render := range map[string]func(io.Writer, *drift.Report) error{"markdown": drift.Markdown, "text": drift.Text} {
		t.Run(name, func(t *testing.T) {
			var evil, plain bytes.Buffer
			if err := render(&evil, hostileDrift(t, driftEvil)); err != nil {
				t.Fatal(err)
			}
			if err := render(&plain, hostileDrift(t, "x")); err != nil {
				t.Fatal(err)
			}
			out := evil.String()
			if r := hiddenRune(out); r >= 0 {
				t.Errorf("output holds U+%04X:\n%s", r, out)
			}
			if d := cmp.Diff(shapes(plain.String()), shapes(out)); d != "" {
				t.Errorf("a value changes the lines (-plain +hostile):\n%s\n%s", d, out)
			}
			if name != "markdown" {
				return
			}
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, "| `") {
					if n := strings.Count(l, "|") - strings.Count(l, `\|`); n != 4 {
						t.Errorf("row has %d cell borders, want 4: %s", n, l)
					}
				}
				// Outside code spans, nothing is markup.
				if strings.HasPrefix(l, "- ") {
					if _, text, ok := strings.Cut(l, "`: "); ok && (strings.Contains(text, "<img") || strings.Contains(text, "[click]") || strings.Contains(text, " *b*")) {
						t.Errorf("list text holds markup: %s", l)
					}
				}
			}
			for _, want := range []string{
				"| `applications.portal.displayName` | `\"Contoso FHIR Portal\"` | ````\"x`` \\| \\u003cimg src=x\\u003e [click](https://evil.example) *b* _i_ <U+202E>olleh \\u001b[31mred\\n\\n# forged\\n```\"```` |",
				"| `applications.portal.redirectUris` | `missing: —` | ```` not declared: https://evil.example/x`` \\| <img src=x> [click](https://evil.example) *b* _i_ <U+202E>olleh <U+001B>[31mred<U+000A><U+000A># forged<U+000A>``` ```` |",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("markdown lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// Several reports make one JUnit document: a testsuite per set, in order,
// each with its own counts, and the totals on testsuites.
func TestJUnitSets(t *testing.T) {
	cases := goldenCases()
	var reports []*drift.Report
	for _, tc := range cases {
		reports = append(reports, tc.report(t))
		if len(reports) == 2 {
			break
		}
	}
	if len(reports) < 2 {
		t.Fatal("fewer than two golden cases")
	}
	second := *reports[1]
	second.Set = "other-set"
	reports[1] = &second
	var buf bytes.Buffer
	if err := drift.JUnitSets(&buf, reports); err != nil {
		t.Fatal(err)
	}
	checkJUnitSchema(t, buf.Bytes())
	var doc xSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit XML does not parse: %v\n%s", err, buf.String())
	}
	if len(doc.Suites) != 2 {
		t.Fatalf("%d suites, want 2", len(doc.Suites))
	}
	tests, failures := 0, 0
	for i, s := range doc.Suites {
		r := reports[i]
		if want := "regsync drift: set " + r.Set; s.Name != want {
			t.Errorf("suite %d is %q, want %q", i, s.Name, want)
		}
		if s.Tests != len(r.Objects) || len(s.Cases) != len(r.Objects) {
			t.Errorf("suite %d: %d tests, %d cases, want %d", i, s.Tests, len(s.Cases), len(r.Objects))
		}
		tests += s.Tests
		failures += s.Failures
	}
	if doc.Tests != tests || doc.Failures != failures {
		t.Errorf("testsuites counts %d/%d, want the sums %d/%d", doc.Tests, doc.Failures, tests, failures)
	}
}
