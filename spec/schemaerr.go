package spec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/regsync/regsync/diag"
	"github.com/regsync/regsync/schema"
)

// validateSchema runs the JSON Schema over the document and reports each
// violation at the YAML node its JSON pointer names: an unknown property at
// its key, a missing property at the mapping that lacks it, a bad name at the
// name, anything else at the value.
func validateSchema(file string, root *node, idx index, ds *diag.Diagnostics) {
	errs, err := schema.Validate(root.json())
	if err != nil {
		// The embedded schema is part of the binary; failing to use it is a bug.
		panic(fmt.Sprintf("internal error: %v", err))
	}
	for _, e := range errs {
		n := lookupNode(idx, e.InstanceLocation)
		if n == nil || n.broken {
			continue
		}
		reportSchemaError(file, n, e, ds)
	}
}

// lookupNode finds the node of a JSON pointer, or its nearest ancestor.
func lookupNode(idx index, ptr string) *node {
	segs := schema.SplitPointer(ptr)
	for i := len(segs); i >= 0; i-- {
		p := ""
		for _, s := range segs[:i] {
			p += "/" + schema.EscapeSegment(s)
		}
		if n := idx[p]; n != nil {
			return n
		}
	}
	return nil
}

// where names a node in a summary.
func where(n *node) string {
	if n.addr == "" {
		return "the top level"
	}
	return n.addr
}

// defNames are the human names of the schema's $defs, for messages.
var defNames = map[string]string{
	"key":             "name",
	"guid":            "GUID",
	"tenant":          "tenant id or domain",
	"duration":        "duration",
	"vaultName":       "Key Vault name",
	"secretName":      "Key Vault secret name",
	"redirectUri":     "redirect URI",
	"identifierUri":   "identifier URI",
	"permissionValue": "scope or role value",
	"httpsUrl":        "URL",
}

// parentSchema is the schema object that holds the failing keyword.
func parentSchema(e schema.Error) (string, map[string]any) {
	loc := e.SchemaLocation
	if i := strings.LastIndexByte(loc, '/'); i >= 0 {
		loc = loc[:i]
	}
	return loc, schema.Resolve(loc)
}

func description(m map[string]any) string {
	d, _ := m["description"].(string)
	return d
}

func reportSchemaError(file string, n *node, e schema.Error, ds *diag.Diagnostics) {
	loc, sub := parentSchema(e)
	what := "value"
	if strings.HasPrefix(loc, "/$defs/") {
		if name, ok := defNames[strings.TrimPrefix(loc, "/$defs/")]; ok {
			what = name
		}
	}
	if strings.Contains(e.KeywordPath, "/propertyNames") {
		// The pointer names the member; its name is at the key.
		parent := n.addr
		if strings.HasSuffix(parent, `"]`) {
			parent = parent[:strings.LastIndex(parent, `["`)]
		} else if i := strings.LastIndexAny(parent, ".["); i >= 0 {
			parent = parent[:i]
		}
		name := schema.SplitPointer(e.InstanceLocation)
		key := name[len(name)-1]
		pos := n.keyPos
		ds.Errorf(pos, n.addr, description(sub)+" Rename it.", "%q is not a valid %s in %s", trimmed(key), what, whereAddr(parent))
		return
	}
	switch e.Keyword {
	case "additionalProperties":
		allowed := propertyNames(sub)
		props, _ := sub["properties"].(map[string]any)
		for _, m := range n.members {
			if _, ok := props[m.key]; ok {
				continue
			}
			detail := "Valid properties here: " + strings.Join(allowed, ", ") + "."
			if s := closest(m.key, allowed); s != "" {
				detail = fmt.Sprintf("Did you mean %s? ", s) + detail
			}
			ds.Errorf(m.val.keyPos, m.val.addr, detail, "unknown property %q in %s", trimmed(m.key), where(n))
		}
	case "required":
		req, _ := sub["required"].([]any)
		props, _ := sub["properties"].(map[string]any)
		for _, r := range req {
			name, _ := r.(string)
			if n.get(name) != nil {
				continue
			}
			p, _ := props[name].(map[string]any)
			ds.Errorf(n.pos, joinAddr(n.addr, name), fmt.Sprintf("Add %s: %s", name, description(p)), "%s is missing %s", where(n), name)
		}
	case "type":
		want := typeWords(sub["type"])
		detail := description(sub)
		switch {
		case n.kind == kindNull:
			detail = "The value is empty. Give a value, or remove the line. " + detail
		case want == "boolean" && n.kind == kindString:
			detail = fmt.Sprintf("Write true or false; YAML 1.2 reads %q as a string.", trimmed(n.str))
		case want == "string" && (n.kind == kindNumber || n.kind == kindBool):
			detail = fmt.Sprintf("YAML reads %s as a %s; put it in quotes: %q. %s", n.str, n.typeName(), n.str, detail)
		}
		ds.Errorf(n.pos, n.addr, strings.TrimSpace(detail), "%s must be a %s, not %s", where(n), want, article(n))
	case "enum":
		var vals []string
		for _, v := range sub["enum"].([]any) {
			vals = append(vals, fmt.Sprint(v))
		}
		ds.Errorf(n.pos, n.addr, description(sub), "%s must be one of %s, not %s", where(n), strings.Join(vals, ", "), shown(n))
	case "const":
		ds.Errorf(n.pos, n.addr, description(sub), "%s must be %v, not %s", where(n), sub["const"], shown(n))
	case "pattern":
		ds.Errorf(n.pos, n.addr, description(sub), "%s is not a valid %s", shown(n), what)
	case "minLength":
		if n.str == "" {
			ds.Errorf(n.pos, n.addr, "Give a value, or remove the line. "+description(sub), "%s is empty", where(n))
			return
		}
		ds.Errorf(n.pos, n.addr, description(sub), "%s is too short: %s", where(n), e.Message)
	case "maxLength":
		ds.Errorf(n.pos, n.addr, description(sub), "%s is too long: %s", where(n), strings.Replace(e.Message, "length must be <=", "at most", 1))
	case "minItems", "minProperties":
		ds.Errorf(n.pos, n.addr, description(sub), "%s has too few entries: %s", where(n), e.Message)
	case "maxItems", "maxProperties":
		ds.Errorf(n.pos, n.addr, description(sub), "%s has too many entries: %s", where(n), e.Message)
	case "uniqueItems":
		var i, j int
		if _, err := fmt.Sscanf(e.Message, "items at index %d and %d are equal", &i, &j); err == nil && j < len(n.items) && i < len(n.items) {
			ds.Errorf(n.items[j].pos, n.items[j].addr, fmt.Sprintf("The same value is at %s. Remove one.", n.items[i].addr), "%s appears twice in %s", shown(n.items[j]), where(n))
			return
		}
		ds.Errorf(n.pos, n.addr, "Remove the repeated entries.", "%s has repeated entries", where(n))
	default:
		ds.Errorf(n.pos, n.addr, description(sub), "%s: %s", where(n), e.Message)
	}
}

func whereAddr(addr string) string {
	if addr == "" {
		return "the top level"
	}
	return addr
}

func propertyNames(sub map[string]any) []string {
	props, _ := sub["properties"].(map[string]any)
	out := make([]string, 0, len(props))
	for k := range props {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func typeWords(t any) string {
	if list, ok := t.([]any); ok {
		// A choice of types, e.g. adminConsent's boolean or mapping.
		words := make([]string, 0, len(list))
		for _, x := range list {
			words = append(words, typeWords(x))
		}
		return strings.Join(words, " or ")
	}
	s, _ := t.(string)
	switch s {
	case "object":
		return "mapping"
	case "array":
		return "list"
	case "integer":
		return "whole number"
	case "":
		return "value"
	default:
		return s
	}
}

func article(n *node) string {
	switch n.kind {
	case kindNull:
		return "empty"
	case kindArray:
		return "a list"
	case kindObject:
		return "a mapping"
	case kindNumber:
		return "a number"
	case kindBool:
		return "a boolean"
	case kindString:
		return "a string"
	default:
		panic(fmt.Sprintf("internal error: unknown value kind %d", n.kind))
	}
}

// shown renders a scalar for a message.
func shown(n *node) string {
	switch n.kind {
	case kindString:
		return fmt.Sprintf("%q", trimmed(n.str))
	case kindNull:
		return "empty"
	case kindArray, kindObject:
		return article(n)
	default:
		return trimmed(n.str)
	}
}

// closest returns the candidate nearest to s by edit distance when it is
// near enough to be a likely typo, else "".
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	ls := strings.ToLower(s)
	for _, c := range candidates {
		d := diag.EditDistance(ls, c)
		if d < bestD || (d == bestD && best == "") && d < 3 {
			best, bestD = c, d
		}
	}
	if len(s) < 4 && bestD > 1 {
		return ""
	}
	return best
}
