package spec

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/diag"
	"github.com/regsync/regsync/schema"
)

// hostileCases are inputs that must be refused with a diagnostic naming the
// file (and the line where the fault has one), never a panic or a hang.
// They also seed FuzzLoad.
var hostileCases = []struct {
	name string
	data string
	line int    // line of the first error; 0 when the fault has none
	want string // part of the first error's summary
}{
	{"empty file", "", 1, "file is empty"},
	{"whitespace only", "  \n\n  \n", 1, "file is empty"},
	{"only comments", "# nothing\n# here\n", 1, "file has no content"},
	{"tabs for indentation", "version: 1\ntenant: contoso.com\napplications:\n\tportal: {}\n", 4, "invalid YAML"},
	{"tab after a value", "version: 1\ntenant: x.com\n\tset: a\n", 3, "tab character"},
	{"unclosed quote", "version: 1\ntenant: \"contoso.com\nset: x\n", 2, "invalid YAML"},
	{"unclosed flow", "version: 1\nset: [a, b\n", 2, "invalid YAML"},
	{"duplicate keys", "version: 1\ntenant: contoso.com\nversion: 1\n", 3, `duplicate key "version"`},
	{"alias bomb", billionLaughs(), 2, "YAML alias *a is not allowed"},
	{"merge key", "base: &b {kind: service}\napplications:\n  a:\n    <<: *b\n", 4, "merge key"},
	{"deep flow nesting", "version: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n", 1, "max depth"},
	{"deep block nesting", deepBlock(50), 35, "nesting too deep"},
	{"huge file", strings.Repeat("# padding\n", MaxFileSize/10+1), 0, "larger than 1 MiB"},
	{"invalid UTF-8", "version: 1\ntenant: \xff\xfe\n", 2, "not valid UTF-8"},
	{"binary garbage", "\x00\x01\x02\x03binary\x7f", 1, "control character"},
	{"several documents", "version: 1\n---\nversion: 1\n", 2, "more than one YAML document"},
	{"second document broken", "version: 1\n---\n[\n", 3, "invalid YAML"},
	{"document is a list", "- version: 1\n", 1, "document is a list"},
	{"document is a scalar", "hello\n", 1, "document is a single value"},
	{"document is null", "---\n", 2, "document is a null value"},
	{"complex key", "version: 1\n? [a, b]\n: c\n", 1, "missing"},
	{"null values", "version:\ntenant: ~\nset: null\napplications:\n", 1, "version must be 1, not empty"},
	{"numbers where strings belong", "version: 1\ntenant: 12\nset: fhir\napplications: {a: {kind: service, displayName: 123}}\n", 2, "tenant must be a string, not a number"},
	{"not a number version", "version: .nan\n", 1, "version must be 1"},
}

func billionLaughs() string {
	var b strings.Builder
	b.WriteString("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < 10; i++ {
		p, c := string(rune('a'+i-1)), string(rune('a'+i))
		fmt.Fprintf(&b, "%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", c, c, p, p, p, p, p, p, p, p, p)
	}
	return b.String()
}

func deepBlock(levels int) string {
	var b strings.Builder
	b.WriteString("version: 1\nx:\n")
	for i := 1; i <= levels; i++ {
		b.WriteString(strings.Repeat("  ", i) + "a:\n")
	}
	return b.String()
}

func TestHostileInput(t *testing.T) {
	for _, tc := range hostileCases {
		t.Run(tc.name, func(t *testing.T) {
			const name = "hostile.yaml"
			s, ds := Parse(name, []byte(tc.data))
			if s != nil {
				t.Fatalf("Parse returned a spec for hostile input")
			}
			if !ds.HasErrors() {
				t.Fatalf("no error; diagnostics: %v", ds)
			}
			var first *diag.Diagnostic
			for i := range ds {
				if ds[i].Pos.File != name {
					t.Errorf("diagnostic %q does not name the file", ds[i])
				}
				if first == nil && ds[i].Severity == diag.Error && strings.Contains(ds[i].Summary, tc.want) {
					first = &ds[i]
				}
			}
			if first == nil {
				t.Fatalf("no error containing %q; got:\n%s", tc.want, ds.Format())
			}
			if first.Pos.Line != tc.line {
				t.Errorf("line of %q = %d, want %d", first.Summary, first.Pos.Line, tc.line)
			}
			if len(ds) > MaxDiagnostics+1 {
				t.Errorf("%d diagnostics, want at most %d", len(ds), MaxDiagnostics+1)
			}
		})
	}
}

func TestLoadFileErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.yaml")
	_, ds := Load(missing)
	if !ds.HasErrors() || ds[0].Pos.File != missing || !strings.Contains(ds[0].Summary, "cannot read the file") {
		t.Errorf("Load(missing) = %v", ds)
	}
	_, ds = Load(dir)
	if !ds.HasErrors() || ds[0].Pos.File != dir {
		t.Errorf("Load(directory) = %v", ds)
	}
	huge := filepath.Join(dir, "huge.yaml")
	if err := os.WriteFile(huge, bytes.Repeat([]byte("#\n"), MaxFileSize), 0o600); err != nil {
		t.Fatal(err)
	}
	_, ds = Load(huge)
	if !ds.HasErrors() || !strings.Contains(ds[0].Summary, "larger than 1 MiB") {
		t.Errorf("Load(huge) = %v", ds)
	}
}

func TestDiagnosticsAreCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\n")
	for i := range 300 {
		fmt.Fprintf(&b, "junk%d: 1\n", i)
	}
	_, ds := Parse("junk.yaml", []byte(b.String()))
	if got := len(ds); got != MaxDiagnostics+1 {
		t.Fatalf("got %d diagnostics, want %d", got, MaxDiagnostics+1)
	}
	if last := ds[len(ds)-1].Summary; !strings.Contains(last, "more problems not shown") {
		t.Errorf("last diagnostic = %q", last)
	}
}

func TestDigest(t *testing.T) {
	data, err := os.ReadFile("../examples/fhir/registrations.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, ds := Parse("fhir.yaml", data)
	if ds.HasErrors() {
		t.Fatal(ds.Format())
	}
	s2, _ := Parse("fhir.yaml", append(data, '\n'))
	if !strings.HasPrefix(s.Digest, "sha256:") || len(s.Digest) != len("sha256:")+64 {
		t.Errorf("Digest = %q", s.Digest)
	}
	if s.Digest == s2.Digest {
		t.Errorf("Digest did not change with the bytes")
	}
}

// TestExamples validates every example spec (not the pipelines).
func TestExamples(t *testing.T) {
	var files []string
	err := filepath.WalkDir("../examples", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "pipelines" {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("found %d examples, want at least fhir and dicom", len(files))
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(data, []byte("# yaml-language-server: $schema="+schema.ID+"\n")) {
				t.Errorf("%s does not start with the yaml-language-server schema line", f)
			}
			s, ds := Load(f)
			if diff := cmp.Diff("", ds.Format()); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
			if s == nil {
				t.Fatal("no spec")
			}
		})
	}
}

// yaml.v3 cannot read a plain value holding ? inside [ ] or { }; the
// detail says to quote it (SMART scope values hold one).
func TestQuestionMarkInFlowHint(t *testing.T) {
	doc := header + base + `  viewer:
    kind: public
    platform: spa
    access: {api: {scopes: [patient.Observation.rs?code=x]}}
`
	_, ds := Parse("q.yaml", []byte(doc))
	if len(ds) != 1 || ds[0].Pos.Line != 19 || !strings.Contains(ds[0].Detail, "must be quoted") {
		t.Fatalf("want one error at line 19 that says to quote the value; got:\n%s", ds.Format())
	}
}
