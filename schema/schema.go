package schema

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

//go:embed registrations.schema.json
var raw []byte

// Bytes returns the embedded schema exactly as it is in
// registrations.schema.json. The caller must not modify the slice.
func Bytes() []byte { return raw }

// ID is the schema's $id.
const ID = "https://github.com/regsync/regsync/releases/download/v0.1.0/registrations.schema.json"

var (
	compileOnce sync.Once
	compiled    *jsonschema.Schema
	compileErr  error
	doc         any // the schema as a generic JSON value, for Lookup
)

// Compile compiles the embedded schema (once; later calls return the same
// result). An error means the embedded file is broken: a bug, not bad input.
func Compile() (*jsonschema.Schema, error) {
	compileOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.Draft = jsonschema.Draft2020
		if err := c.AddResource(ID, bytes.NewReader(raw)); err != nil {
			compileErr = fmt.Errorf("adding the embedded schema: %w", err)
			return
		}
		compiled, compileErr = c.Compile(ID)
		if compileErr != nil {
			compileErr = fmt.Errorf("compiling the embedded schema: %w", compileErr)
			return
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			compileErr = fmt.Errorf("decoding the embedded schema: %w", err)
		}
	})
	return compiled, compileErr
}

// Error is one schema violation at a leaf of the validation tree.
type Error struct {
	// InstanceLocation is the JSON pointer of the offending value, "" for the
	// document root. For propertyNames errors it points at the property
	// whose name is wrong.
	InstanceLocation string
	// SchemaLocation is the JSON pointer, inside the schema, of the failing
	// keyword, e.g. "/$defs/duration/pattern".
	SchemaLocation string
	// KeywordPath is the path of keywords that led to the failure, relative
	// to the root schema and through references, e.g.
	// "/properties/applications/propertyNames/$ref/pattern".
	KeywordPath string
	// Keyword is the last segment of SchemaLocation: type, required,
	// additionalProperties, pattern, enum, ...
	Keyword string
	// Message is the validator's own wording.
	Message string
}

// Validate checks v, a value made of map[string]any, []any, string,
// float64/int/int64, bool and nil, against the schema. It returns every leaf
// violation, sorted by instance location, then schema location; nil means
// valid. The error is non-nil only when the schema itself is broken.
func Validate(v any) ([]Error, error) {
	s, err := Compile()
	if err != nil {
		return nil, err
	}
	err = s.Validate(v)
	if err == nil {
		return nil, nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil, fmt.Errorf("validating against the schema: %w", err)
	}
	var out []Error
	seen := map[Error]bool{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		loc := e.AbsoluteKeywordLocation
		if i := strings.IndexByte(loc, '#'); i >= 0 {
			loc = loc[i+1:]
		}
		kw := loc
		if i := strings.LastIndexByte(loc, '/'); i >= 0 {
			kw = loc[i+1:]
		}
		x := Error{InstanceLocation: e.InstanceLocation, SchemaLocation: loc, KeywordPath: e.KeywordLocation, Keyword: unescape(kw), Message: e.Message}
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	walk(ve)
	sort.Slice(out, func(i, j int) bool {
		if out[i].InstanceLocation != out[j].InstanceLocation {
			return out[i].InstanceLocation < out[j].InstanceLocation
		}
		return out[i].SchemaLocation < out[j].SchemaLocation
	})
	return out, nil
}

// Lookup returns the schema object at a JSON pointer inside the schema (as
// in Error.SchemaLocation), following no references, or nil when there is
// none.
func Lookup(pointer string) map[string]any {
	if _, err := Compile(); err != nil {
		return nil
	}
	cur := doc
	for _, seg := range SplitPointer(pointer) {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	m, _ := cur.(map[string]any)
	return m
}

// Resolve returns the schema object at pointer, following a "$ref" that
// points inside this schema (one level at a time, at most a few levels).
func Resolve(pointer string) map[string]any {
	m := Lookup(pointer)
	for range 8 {
		if m == nil {
			return nil
		}
		ref, ok := m["$ref"].(string)
		if !ok || !strings.HasPrefix(ref, "#") {
			return m
		}
		next := Lookup(ref[1:])
		if next == nil {
			return m
		}
		// A $ref's siblings (description, ...) win over the target's.
		merged := map[string]any{}
		for k, v := range next {
			merged[k] = v
		}
		for k, v := range m {
			if k != "$ref" {
				merged[k] = v
			}
		}
		if _, again := next["$ref"]; !again {
			return merged
		}
		m = merged
		m["$ref"] = next["$ref"]
	}
	return m
}

// SplitPointer splits a JSON pointer into its unescaped segments; "" is the
// root and has none. It also undoes the URL path escaping the validator
// applies to instance locations.
func SplitPointer(p string) []string {
	if p == "" {
		return nil
	}
	p = strings.TrimPrefix(p, "/")
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = unescape(s)
	}
	return parts
}

// EscapeSegment escapes one JSON pointer segment (~ as ~0, / as ~1).
func EscapeSegment(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		s = u
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}
