package render_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

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
		"> - `applications.a`: removes redirect URIs https://x \\| ```", // risk list item: pipe escaped
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
