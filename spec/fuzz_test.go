package spec

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzLoad feeds arbitrary bytes to the loader. It must never panic, and
// it must return a Spec exactly when no diagnostic is an error. A Spec it
// returns must survive Marshal: the output parses into an equal Spec and
// marshals into the same bytes.
func FuzzLoad(f *testing.F) {
	for _, tc := range hostileCases {
		if len(tc.data) <= 64<<10 {
			f.Add([]byte(tc.data))
		}
	}
	f.Add([]byte(full))
	f.Add([]byte(header + base))
	f.Add([]byte(ownersDeclared))
	f.Add([]byte(defaultsEverywhere))
	examples, _ := filepath.Glob("../examples/*/registrations.yaml")
	for _, p := range examples {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, ds := Parse("fuzz.yaml", data)
		if (s != nil) == ds.HasErrors() {
			t.Fatalf("spec returned = %v, errors = %v", s != nil, ds.HasErrors())
		}
		for _, d := range ds {
			if d.Pos.File != "fuzz.yaml" {
				t.Fatalf("diagnostic without the file: %v", d)
			}
			if d.Summary == "" {
				t.Fatalf("diagnostic without a summary at %v", d.Pos)
			}
		}
		if s == nil {
			return
		}
		out, err := Marshal(s)
		if err != nil {
			t.Fatalf("Marshal of a parsed spec: %v", err)
		}
		back, ds := Parse("marshalled.yaml", out)
		if back == nil {
			t.Fatalf("Marshal output does not parse:\n%s\n%s", ds.Format(), out)
		}
		if diff := cmp.Diff(s, back, aboutTheFile...); diff != "" {
			t.Fatalf("Parse(Marshal(s)) differs from s (-want +got):\n%s\n%s", diff, out)
		}
		if again, err := Marshal(back); err != nil || string(again) != string(out) {
			t.Fatalf("Marshal is not idempotent (error %v):\n%s\n---\n%s", err, out, again)
		}
	})
}
