package schema

import (
	"bytes"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBytesAreTheFile(t *testing.T) {
	file, err := os.ReadFile("registrations.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file, Bytes()) {
		t.Error("Bytes() differs from registrations.schema.json")
	}
}

func TestCompiles(t *testing.T) {
	if _, err := Compile(); err != nil {
		t.Fatal(err)
	}
	if id, _ := Lookup("")["$id"].(string); id != ID {
		t.Errorf("$id = %q, want %q", id, ID)
	}
}

// TestEditorHelp walks the schema: every property has a description (hover
// help), and every object schema with properties forbids others.
func TestEditorHelp(t *testing.T) {
	if _, err := Compile(); err != nil {
		t.Fatal(err)
	}
	var problems []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		if props, ok := m["properties"].(map[string]any); ok {
			if m["additionalProperties"] != false {
				problems = append(problems, path+": additionalProperties is not false")
			}
			for name, p := range props {
				pm, _ := p.(map[string]any)
				if d, _ := pm["description"].(string); strings.TrimSpace(d) == "" {
					problems = append(problems, path+"/properties/"+name+": no description")
				}
			}
		}
		for k, c := range m {
			walk(path+"/"+k, c)
		}
	}
	walk("", doc)
	sort.Strings(problems)
	if diff := cmp.Diff([]string(nil), problems); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestValidateReportsLeaves(t *testing.T) {
	errs, err := Validate(map[string]any{"version": int64(2), "tenant": "contoso.com", "set": "a", "applications": map[string]any{"a": map[string]any{"kind": "service"}}, "junk": true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range errs {
		got = append(got, e.InstanceLocation+" "+e.Keyword)
	}
	want := []string{" additionalProperties", "/version const"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestPointers(t *testing.T) {
	got := SplitPointer("/applications/a~1b/x~0y/%24defs")
	want := []string{"applications", "a/b", "x~y", "$defs"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := EscapeSegment("a/b~c"); got != "a~1b~0c" {
		t.Errorf("EscapeSegment = %q", got)
	}
}
