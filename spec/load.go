package spec

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/regsync/regsync/diag"
	"github.com/regsync/regsync/schema"
)

// MaxFileSize is the largest registrations file the loader accepts (1 MiB).
// A real file for hundreds of applications is a few hundred KiB; anything
// bigger is refused before parsing, so a hostile file cannot cost much memory
// or time.
const MaxFileSize = 1 << 20

// Load reads the file at path and parses it with Parse. A file that cannot
// be read or is larger than MaxFileSize is reported as a diagnostic naming
// the file. The Spec is nil when any diagnostic is an error.
func Load(path string) (*Spec, diag.Diagnostics) {
	f, err := os.Open(path)
	if err != nil {
		var ds diag.Diagnostics
		ds.Errorf(diag.Pos{File: path}, "", "Check the path given with -f; the default is registrations.yaml in the current directory.",
			"cannot read the file: %s", unwrapPathError(err))
		return nil, ds
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		var ds diag.Diagnostics
		ds.Errorf(diag.Pos{File: path}, "", "Check that the path names a regular, readable file.",
			"cannot read the file: %s", unwrapPathError(err))
		return nil, ds
	}
	return Parse(path, data)
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Parse parses data, the content of the file called name, into a Spec:
// YAML with positions, then the JSON Schema, then defaults and semantic
// rules. Every key and string is checked for control and format characters
// (checkText). It returns every problem it finds, sorted by position; the Spec is
// nil when any of them is an error. Parse never panics on bad input.
func Parse(name string, data []byte) (*Spec, diag.Diagnostics) {
	// The embedded schema compiles (once per process) on another core while
	// the YAML is parsed: the two take about as long at 1,000 applications.
	go schema.Compile() //nolint:errcheck // Validate reports the error
	var ds diag.Diagnostics
	root := parseYAML(name, data, &ds)
	if root == nil {
		ds.Sort()
		return nil, ds
	}
	checkText(root.n, &ds)
	// The schema check only reads the tree, and the build and the rules
	// only read it too: the two run side by side, each with its own
	// diagnostics, joined in the order they had when they ran one after the
	// other (the sort below keeps that order for diagnostics at one
	// position).
	var schemaDs, specDs diag.Diagnostics
	checked := make(chan struct{})
	go func() {
		defer close(checked)
		validateSchema(name, root.n, root.idx, &schemaDs)
	}()
	s := buildSpec(name, root.n, &specDs)
	checkRules(s, root, &specDs)
	<-checked
	ds = append(append(ds, schemaDs...), specDs...)
	sortDiagnostics(ds)
	ds = capDiagnostics(name, ds)
	if ds.HasErrors() {
		return nil, ds
	}
	sum := sha256.Sum256(data)
	s.Digest = "sha256:" + hex.EncodeToString(sum[:])
	return s, ds
}

type document struct {
	n      *node
	idx    index            // by JSON pointer
	byAddr map[string]*node // by address
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML checks size and encoding, parses exactly one YAML document and
// converts it into nodes. It returns nil when the file cannot be used at all.
func parseYAML(name string, data []byte, ds *diag.Diagnostics) *document {
	file := diag.Pos{File: name}
	if len(data) > MaxFileSize {
		ds.Errorf(file, "", fmt.Sprintf("regsync refuses files above %d bytes (1 MiB) before parsing them. Split the set into several files.", MaxFileSize),
			"file is larger than 1 MiB")
		return nil
	}
	if p, ok := invalidUTF8(name, data); !ok {
		ds.Errorf(p, "", "Save the file as UTF-8 text.", "file is not valid UTF-8 text")
		return nil
	}
	if p, ok := controlChar(name, data); !ok {
		ds.Errorf(p, "", "A registrations file is YAML text; remove the control character (a binary file, or a stray NUL?).",
			"file contains a control character")
		return nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		ds.Errorf(diag.Pos{File: name, Line: 1, Col: 1}, "", "Start from examples/fhir/registrations.yaml, or run 'regsync schema' for the format.",
			"file is empty")
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var y yaml.Node
	if err := dec.Decode(&y); err != nil {
		if errors.Is(err, io.EOF) {
			ds.Errorf(diag.Pos{File: name, Line: 1, Col: 1}, "", "The file holds only comments. Start from examples/fhir/registrations.yaml, or run 'regsync schema' for the format.",
				"file has no content")
			return nil
		}
		yamlError(name, data, err, ds)
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		yamlError(name, data, err, ds)
		return nil
	default:
		ds.Errorf(diag.Pos{File: name, Line: next.Line, Col: next.Column}, "", "A registrations file holds one YAML document. Remove the '---' separator and what follows, or move it to its own file.",
			"more than one YAML document in the file")
		return nil
	}
	if y.Kind != yaml.DocumentNode || len(y.Content) != 1 {
		ds.Errorf(diag.Pos{File: name, Line: 1, Col: 1}, "", "Start from examples/fhir/registrations.yaml.", "file has no content")
		return nil
	}
	top := y.Content[0]
	if top.Kind != yaml.MappingNode {
		ds.Errorf(diag.Pos{File: name, Line: top.Line, Col: top.Column}, "", "The file must be a mapping with version, tenant, set and applications at the top level.",
			"document is a %s, not a mapping", describeYAML(top))
		return nil
	}
	b := &builder{file: name, ds: ds, index: index{}}
	n := b.build(top, "", "", 0)
	if n == nil || b.aliased {
		return nil
	}
	d := &document{n: n, idx: b.index, byAddr: make(map[string]*node, len(b.index))}
	for _, x := range b.index {
		d.byAddr[x.addr] = x
	}
	return d
}

func describeYAML(y *yaml.Node) string {
	switch y.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	case yaml.ScalarNode:
		if y.ShortTag() == "!!null" {
			return "null value"
		}
		return "single value"
	default:
		return "non-mapping"
	}
}

// yamlError turns a yaml.v3 error into a diagnostic. yaml.v3 writes
// "yaml: line N: problem"; it leaves the line out for problems on the first
// line, so no line means line 1.
func yamlError(name string, data []byte, err error, ds *diag.Diagnostics) {
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		if l, perr := strconv.Atoi(m[1]); perr == nil {
			line = l
		}
		msg = m[2]
	} else if len(msg) > 6 && msg[:6] == "yaml: " {
		msg = msg[6:]
	}
	detail := "Fix the YAML syntax at this line."
	switch {
	case bytes.Contains([]byte(msg), []byte("tab character")):
		detail = "YAML does not allow tabs for indentation. Indent with spaces."
		if l := firstTabIndent(data); l > 0 {
			line = l
		}
	case bytes.Contains([]byte(msg), []byte("found character that cannot start any token")):
		detail = "YAML does not allow tabs for indentation (or another character that cannot start a value here). Indent with spaces."
	case bytes.Contains([]byte(msg), []byte("unexpected end of stream")), bytes.Contains([]byte(msg), []byte("found unexpected end")):
		detail = "A quote or bracket is not closed. Close it, or quote the whole value."
	case bytes.Contains([]byte(msg), []byte("did not find expected ',' or")):
		detail = "A [ or { is not closed. Close it."
		if l := unclosedFlow(data); l > 0 {
			line = l
		} else {
			// The brackets balance: yaml.v3 stopped at a '?' in a plain
			// value inside [ ] or { } (SMART scope values such as
			// patient.Observation.rs?code=... hold one). It reports the
			// line before the value's.
			for _, l := range []int{line, line + 1} {
				if questionInFlow(data, l) {
					line = l
					detail = "Inside [ ] or { }, a value holding ? must be quoted: [\"patient.Observation.rs?code=loinc.org|85354-9\"]. Quote it, or write the list one item per line."
					break
				}
			}
		}
	case bytes.Contains([]byte(msg), []byte("exceeded max depth")):
		detail = "The file is nested far too deeply for a registrations file."
	}
	ds.Errorf(diag.Pos{File: name, Line: line}, "", detail, "invalid YAML: %s", msg)
}

// questionInFlow reports whether the given line opens a flow collection
// ([ or {) and holds a '?' after it.
func questionInFlow(data []byte, line int) bool {
	lines := bytes.Split(data, []byte("\n"))
	if line < 1 || line > len(lines) {
		return false
	}
	text := lines[line-1]
	open := bytes.IndexAny(text, "[{")
	return open >= 0 && bytes.IndexByte(text[open:], '?') >= 0
}

// invalidUTF8 finds the first byte that is not valid UTF-8.
func invalidUTF8(name string, data []byte) (diag.Pos, bool) {
	if utf8.Valid(data) {
		return diag.Pos{}, true
	}
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return diag.Pos{File: name, Line: line, Col: col}, false
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	return diag.Pos{File: name, Line: line, Col: col}, false
}

// controlChar finds a C0 control character other than tab, LF and CR, or a
// DEL, or a C1 control: YAML forbids them and they mark binary files.
func controlChar(name string, data []byte) (diag.Pos, bool) {
	line, col := 1, 1
	for _, r := range string(data) {
		switch {
		case r == '\n':
			line, col = line+1, 1
			continue
		case r == '\t' || r == '\r' || r == '\uFEFF':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return diag.Pos{File: name, Line: line, Col: col}, false
		}
		col++
	}
	return diag.Pos{}, true
}

// Shapes the schema already checks; rules skip values that fail them so a
// problem is reported once.
var (
	durationShape   = regexp.MustCompile(`^([0-9]{1,6}d)?([0-9]{1,6}h)?([0-9]{1,6}m)?([0-9]{1,6}s)?$`)
	redirectShape   = regexp.MustCompile(`^[^*!$'(),;\s]{1,256}$`)
	identifierShape = regexp.MustCompile(`^(api|https)://[^*\s]+$`)
	guidShape       = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// MaxDiagnostics is how many problems one file reports at most; the rest are
// summed up in a last diagnostic, so garbage input cannot flood a terminal.
const MaxDiagnostics = 100

func capDiagnostics(name string, ds diag.Diagnostics) diag.Diagnostics {
	if len(ds) <= MaxDiagnostics {
		return ds
	}
	rest := len(ds) - MaxDiagnostics
	ds = ds[:MaxDiagnostics:MaxDiagnostics]
	ds.Errorf(diag.Pos{File: name}, "", "Fix the problems above and run validate again.", "%d more problems not shown", rest)
	return ds
}

// firstTabIndent returns the 1-based line of the first line indented with a
// tab, or 0. yaml.v3 reports such a tab at the line of the enclosing value.
func firstTabIndent(data []byte) int {
	for i, l := range bytes.Split(data, []byte("\n")) {
		rest := bytes.TrimLeft(l, " ")
		if len(rest) > 0 && rest[0] == '\t' {
			return i + 1
		}
	}
	return 0
}

// unclosedFlow returns the 1-based line of the last [ or { that is never
// closed, skipping quoted text and comments, or 0. yaml.v3 reports an
// unclosed flow collection at the line of the enclosing mapping.
func unclosedFlow(data []byte) int {
	var stack []int
	line := 1
	var quote byte
	comment := false
	prev := byte('\n')
	for _, c := range data {
		switch {
		case c == '\n':
			line++
			comment = false
		case comment:
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '#' && (prev == ' ' || prev == '\t' || prev == '\n'):
			comment = true
		case c == '"' || c == '\'':
			quote = c
		case c == '[' || c == '{':
			stack = append(stack, line)
		case (c == ']' || c == '}') && len(stack) > 0:
			stack = stack[:len(stack)-1]
		}
		prev = c
	}
	if len(stack) == 0 {
		return 0
	}
	return stack[len(stack)-1]
}
