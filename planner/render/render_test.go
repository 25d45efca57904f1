package render_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/planner/render"
	"github.com/regsync/regsync/tenant"
)

func samplePlan() *planner.Plan {
	return &planner.Plan{
		Tenant: planner.Tenant{ID: "t-1", Spec: "contoso.com"}, Set: "s", SpecFile: "r.yaml", SpecDigest: "sha256:00",
		Applications: []planner.AppSummary{{Key: "a", Kind: "confidential", DisplayName: "A | <b>", Status: "update",
			Summary: planner.Summary{Change: 1}, Risks: 1}},
		Actions: []*planner.Action{{ID: "applications.a:update", Op: planner.OpUpdate, Type: planner.TypeApplication, App: "a",
			Address: "applications.a", Description: "update application \"A | <b>\"",
			Changes: []planner.Change{{Path: "web_redirect_uris", Removed: []string{`"https://x"`}}},
			Risks:   []planner.Risk{{Code: planner.RiskRedirectURIRemoval, Message: "removes redirect URIs https://x | ```"}},
			Application: &planner.ApplicationAction{ObjectID: "o", Fields: &tenant.AppProps{
				WebRedirectURIs: &[]string{}}}}},
		Notes:   []planner.Note{},
		Summary: planner.Summary{Change: 1},
	}
}

func TestTextColourOnlyWhenAsked(t *testing.T) {
	var plain, colour bytes.Buffer
	if err := render.Text(&plain, samplePlan(), render.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := render.Text(&colour, samplePlan(), render.TextOptions{Colour: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b[") {
		t.Error("plain text has ANSI escapes")
	}
	if !strings.Contains(colour.String(), "\x1b[") {
		t.Error("colour text has no ANSI escapes")
	}
	stripped := strings.NewReplacer("\x1b[0m", "", "\x1b[1m", "", "\x1b[2m", "", "\x1b[31m", "", "\x1b[32m", "", "\x1b[33m", "").Replace(colour.String())
	if d := cmp.Diff(plain.String(), stripped); d != "" {
		t.Errorf("colour changes more than colour (-plain +stripped):\n%s", d)
	}
	if !strings.HasSuffix(plain.String(), "Plan: 0 to add, 1 to change, 0 to destroy.\n") {
		t.Errorf("text does not end with the summary line:\n%s", plain.String())
	}
	if !strings.Contains(plain.String(), "! risk: removes redirect URIs") {
		t.Errorf("text does not flag the risk:\n%s", plain.String())
	}
}

func TestEmptyPlan(t *testing.T) {
	p := &planner.Plan{Tenant: planner.Tenant{ID: "t-1"}, Set: "s", Actions: []*planner.Action{}, Notes: []planner.Note{}}
	var txt, md bytes.Buffer
	_ = render.Text(&txt, p, render.TextOptions{})
	_ = render.Markdown(&md, p)
	if !strings.HasSuffix(txt.String(), "\nNo changes. The tenant matches the spec.\n") {
		t.Errorf("text = %q", txt.String())
	}
	if !strings.Contains(md.String(), "**No changes. The tenant matches the spec.**") {
		t.Errorf("markdown = %q", md.String())
	}
}

func TestMarkdownEscapes(t *testing.T) {
	var md bytes.Buffer
	if err := render.Markdown(&md, samplePlan()); err != nil {
		t.Fatal(err)
	}
	out := md.String()
	for _, want := range []string{
		"> - `applications.a`: removes redirect URIs https://x \\| \\`\\`\\`", // risk list item: pipe and backticks escaped
		`<summary><code>a</code> (confidential) "A | &lt;b&gt;": will be updated</summary>`,
		"````diff", // the fence outgrows the backticks inside
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}

func TestJSONIsPureAndVersioned(t *testing.T) {
	var buf bytes.Buffer
	if err := render.JSON(&buf, samplePlan()); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not pure JSON: %v", err)
	}
	if doc["format_version"] != planner.FormatVersion {
		t.Errorf("format_version = %v", doc["format_version"])
	}
	// A cleared collection survives as [] (clear), not as absent (leave alone).
	if !strings.Contains(buf.String(), `"web_redirect_uris": []`) {
		t.Errorf("cleared collection lost:\n%s", buf.String())
	}
	back, err := render.UnmarshalJSON(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(samplePlan(), back); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

// evil is text from a tenant that tries to leave its code span, table
// cell, list item, fence or HTML element, to add markup, or to hide or
// reorder what a reviewer reads.
const evil = "x`` | <img src=x onerror=alert(1)> [click](https://evil.example) ![t](https://evil.example/t.png) *b* _i_ ~s~ \\ \u202Eolleh \x1b[31mred\n\n# forged heading\n```\n</details>"

// hostilePlan carries s in every place a string from the tenant can reach.
func hostilePlan(s string) *planner.Plan {
	return &planner.Plan{
		Tenant: planner.Tenant{ID: "t-1"}, Set: "s", SpecFile: "r.yaml", SpecDigest: "sha256:00",
		Applications: []planner.AppSummary{{Key: s, DisplayName: s, Status: "prunable"}},
		Actions: []*planner.Action{{ID: "x:update", Op: planner.OpUpdate, Type: planner.TypeApplication, App: s,
			Address: "applications." + s, Description: s,
			Changes: []planner.Change{{Path: "web_redirect_uris", Removed: []string{string(mustJSON("https://x/" + s))}},
				{Path: "notes", Before: mustJSON(s), After: mustJSON("")}},
			Risks: []planner.Risk{{Code: planner.RiskRedirectURIRemoval, Message: "removes " + s}}}},
		Notes:   []planner.Note{{App: s, Address: s, Message: s}, {Address: s, Message: s}},
		Summary: planner.Summary{Change: 1},
	}
}

func mustJSON(s string) json.RawMessage {
	data, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return data
}

// lineShapes reduces output to the first two characters of each line: the
// structure a value must not change.
func lineShapes(out string) []string {
	var shapes []string
	for _, l := range strings.Split(out, "\n") {
		if len(l) > 2 {
			l = l[:2]
		}
		shapes = append(shapes, l)
	}
	return shapes
}

// noHidden fails when out holds a control (other than a line feed) or a
// format character.
func noHidden(t *testing.T, out string) {
	t.Helper()
	for _, r := range out {
		if r != '\n' && (unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r)) {
			t.Fatalf("output holds U+%04X:\n%s", r, out)
		}
	}
}

// TestMarkdownHostileStrings: a hostile value stays in its code span, cell,
// list item, fence or element, and none of it becomes markup.
func TestMarkdownHostileStrings(t *testing.T) {
	var md, plain bytes.Buffer
	if err := render.Markdown(&md, hostilePlan(evil)); err != nil {
		t.Fatal(err)
	}
	if err := render.Markdown(&plain, hostilePlan("x")); err != nil {
		t.Fatal(err)
	}
	out := md.String()
	noHidden(t, out)
	if d := cmp.Diff(lineShapes(plain.String()), lineShapes(out)); d != "" {
		t.Errorf("a value changes the document's lines (-plain +hostile):\n%s\n%s", d, out)
	}
	// In a code span, text is literal: only its fence of backticks, longer
	// than any run inside, matters. In a cell or list text, markup is
	// escaped. Hidden characters are shown as <U+XXXX> in both.
	const (
		inCode = "x`` | <img src=x onerror=alert(1)> [click](https://evil.example) ![t](https://evil.example/t.png) *b* _i_ ~s~ \\ <U+202E>olleh <U+001B>[31mred<U+000A><U+000A># forged heading<U+000A>```<U+000A></details>"
		inText = "x\\`\\` \\| &lt;img src=x onerror=alert(1)&gt; \\[click\\](https://evil.example) !\\[t\\](https://evil.example/t.png) \\*b\\* \\_i\\_ \\~s\\~ \\\\ &lt;U+202E&gt;olleh &lt;U+001B&gt;\\[31mred&lt;U+000A&gt;&lt;U+000A&gt;# forged heading&lt;U+000A&gt;\\`\\`\\`&lt;U+000A&gt;&lt;/details&gt;"
		inHTML = "x`` | &lt;img src=x onerror=alert(1)&gt; [click](https://evil.example) ![t](https://evil.example/t.png) *b* _i_ ~s~ \\ &lt;U+202E&gt;olleh &lt;U+001B&gt;[31mred&lt;U+000A&gt;&lt;U+000A&gt;# forged heading&lt;U+000A&gt;```&lt;U+000A&gt;&lt;/details&gt;"
	)
	for _, want := range []string{
		"> - ````applications." + inCode + "````: removes " + inText + "\n",
		"| ````" + strings.ReplaceAll(inCode, "|", `\|`) + "```` | — | prunable | 0 | 0 | 0 | 0 |\n",
		"<details><summary><code>" + inHTML + "</code>",
		"\n````diff\n~ applications." + inCode + ": " + inCode + "\n",
		"\n- note: ````" + inCode + "````: " + inText + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}

// TestTextHostileStrings: the terminal receives no control or format
// character from a value, and a value cannot add a line.
func TestTextHostileStrings(t *testing.T) {
	var txt, plain bytes.Buffer
	if err := render.Text(&txt, hostilePlan(evil), render.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := render.Text(&plain, hostilePlan("x"), render.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	noHidden(t, txt.String())
	if d := cmp.Diff(lineShapes(plain.String()), lineShapes(txt.String())); d != "" {
		t.Errorf("a value changes the lines (-plain +hostile):\n%s\n%s", d, txt.String())
	}
}
