package planner_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/planner/render"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenOptions is testdata/<case>/options.json; absent means defaults.
type goldenOptions struct {
	Prune    bool   `json:"prune"`
	CallerID string `json:"caller_id"`
	// Now overrides the pinned clock (RFC 3339).
	Now string `json:"now"`
}

// TestGolden plans every scenario in testdata/<case>/ (spec.yaml against
// live.json, a tenant.Snapshot) and compares the three renderings with
// plan.txt, plan.md and plan.json. Regenerate with -update and review the
// diff: the wording is an interface.
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*/spec.yaml")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, specPath := range dirs {
		dir := filepath.Dir(specPath)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			p := goldenPlan(t, dir)
			var txt, md, js bytes.Buffer
			if err := render.Text(&txt, p, render.TextOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := render.Markdown(&md, p); err != nil {
				t.Fatal(err)
			}
			if err := render.JSON(&js, p); err != nil {
				t.Fatal(err)
			}
			for name, got := range map[string][]byte{"plan.txt": txt.Bytes(), "plan.md": md.Bytes(), "plan.json": js.Bytes()} {
				path := filepath.Join(dir, name)
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./planner/... -update)", err)
				}
				if d := cmp.Diff(string(want), string(got)); d != "" {
					t.Errorf("%s (-want +got):\n%s", path, d)
				}
			}
			// The JSON view round-trips to the same plan.
			back, err := render.UnmarshalJSON(js.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(p, back); d != "" {
				t.Errorf("plan after a JSON round trip (-want +got):\n%s", d)
			}
			again, _ := render.MarshalJSON(back)
			if d := cmp.Diff(js.String(), string(again)); d != "" {
				t.Errorf("JSON round trip (-first +second):\n%s", d)
			}
		})
	}
}

func goldenPlan(t *testing.T, dir string) *planner.Plan {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "spec.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, ds := spec.Parse("spec.yaml", data)
	if ds.HasErrors() {
		t.Fatalf("spec: %s", ds.Format())
	}
	live := readSnapshot(t, filepath.Join(dir, "live.json"))
	opts := planner.Options{Now: now}
	if raw, err := os.ReadFile(filepath.Join(dir, "options.json")); err == nil {
		var o goldenOptions
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&o); err != nil {
			t.Fatalf("options.json: %v", err)
		}
		opts.Prune, opts.CallerID = o.Prune, o.CallerID
		if o.Now != "" {
			if opts.Now, err = time.Parse(time.RFC3339, o.Now); err != nil {
				t.Fatalf("options.json: %v", err)
			}
		}
	}
	p, ds := planner.Compute(s, live, opts)
	if ds.HasErrors() {
		t.Fatalf("plan: %s", ds.Format())
	}
	return p
}

func readSnapshot(t testing.TB, path string) *tenant.Snapshot {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var live tenant.Snapshot
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&live); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &live
}
