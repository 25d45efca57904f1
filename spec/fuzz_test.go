package spec

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the loader. It must never panic, and
// it must return a Spec exactly when no diagnostic is an error.
func FuzzLoad(f *testing.F) {
	for _, tc := range hostileCases {
		if len(tc.data) <= 64<<10 {
			f.Add([]byte(tc.data))
		}
	}
	f.Add([]byte(full))
	f.Add([]byte(header + base))
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
	})
}
