package spec

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/regsync/regsync/diag"
	"github.com/regsync/regsync/schema"
)

// maxDepth bounds the nesting of the document. The format itself needs six
// levels; anything deeper is refused before it reaches the schema validator.
const maxDepth = 32

// valueKind is the JSON type of a node.
type valueKind int

const (
	kindNull valueKind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// node is one value of the document with its position and address. It is
// the bridge between yaml.v3's tree and the JSON value the schema validates.
type node struct {
	kind    valueKind
	pos     diag.Pos // where the value starts
	keyPos  diag.Pos // where its key starts, for object members
	addr    string   // applications.portal.redirectUris[1]
	pointer string   // /applications/portal/redirectUris/1
	str     string   // kindString; for other scalars the source text
	num     float64  // kindNumber
	isInt   bool     // kindNumber holding an integer
	boolean bool     // kindBool
	items   []*node  // kindArray
	members []member // kindObject, in file order
	// broken marks a stand-in for a value already reported (an alias, a
	// nesting too deep); the schema's complaints about it are dropped.
	broken bool
}

type member struct {
	key string
	val *node
}

// get returns the member named key, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != kindObject {
		return nil
	}
	for _, m := range n.members {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

// json converts the tree into the value the schema validator takes.
func (n *node) json() any {
	switch n.kind {
	case kindNull:
		return nil
	case kindBool:
		return n.boolean
	case kindNumber:
		if n.isInt {
			return int64(n.num)
		}
		return n.num
	case kindString:
		return n.str
	case kindArray:
		out := make([]any, len(n.items))
		for i, it := range n.items {
			out[i] = it.json()
		}
		return out
	case kindObject:
		out := make(map[string]any, len(n.members))
		for _, m := range n.members {
			out[m.key] = m.val.json()
		}
		return out
	default:
		panic(fmt.Sprintf("internal error: unknown value kind %d", n.kind))
	}
}

// typeName is the JSON type name used in messages.
func (n *node) typeName() string {
	switch n.kind {
	case kindNull:
		return "null"
	case kindBool:
		return "boolean"
	case kindNumber:
		return "number"
	case kindString:
		return "string"
	case kindArray:
		return "list"
	case kindObject:
		return "mapping"
	default:
		panic(fmt.Sprintf("internal error: unknown value kind %d", n.kind))
	}
}

// index maps JSON pointers to nodes.
type index map[string]*node

// builder turns a yaml.v3 tree into nodes, reporting what JSON cannot hold.
type builder struct {
	file  string
	ds    *diag.Diagnostics
	index index
	// aliased is set at the first alias: it is reported once and the file
	// goes no further (an alias bomb must not produce a flood either).
	aliased bool
}

func (b *builder) pos(y *yaml.Node) diag.Pos {
	return diag.Pos{File: b.file, Line: y.Line, Col: y.Column}
}

// build converts y; parentAddr and parentPtr locate it. It returns nil (and
// reports) for nodes JSON cannot represent.
func (b *builder) build(y *yaml.Node, addr, ptr string, depth int) *node {
	if depth > maxDepth {
		b.ds.Errorf(b.pos(y), addr, fmt.Sprintf("regsync files need at most a few levels; this one is nested more than %d deep. Flatten the structure.", maxDepth),
			"nesting too deep")
		return nil
	}
	n := &node{pos: b.pos(y), addr: addr, pointer: ptr}
	switch y.Kind {
	case yaml.AliasNode:
		if b.aliased {
			return nil
		}
		b.aliased = true
		b.ds.Errorf(b.pos(y), addr, "Aliases (*name) and merge keys are not supported, so a file means what it says. Write the value out in full.",
			"YAML alias *%s is not allowed", y.Value)
		return nil
	case yaml.DocumentNode:
		panic("internal error: nested document node")
	case yaml.ScalarNode:
		b.scalar(y, n)
	case yaml.SequenceNode:
		n.kind = kindArray
		for i, c := range y.Content {
			it := b.build(c, fmt.Sprintf("%s[%d]", addr, i), ptr+"/"+strconv.Itoa(i), depth+1)
			if it == nil {
				it = &node{kind: kindNull, broken: true, pos: b.pos(c), addr: fmt.Sprintf("%s[%d]", addr, i), pointer: ptr + "/" + strconv.Itoa(i)}
				b.index[it.pointer] = it
			}
			n.items = append(n.items, it)
		}
	case yaml.MappingNode:
		n.kind = kindObject
		seen := map[string]*yaml.Node{}
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				b.ds.Errorf(b.pos(k), addr, "Keys are plain names, such as displayName or a key of applications.",
					"a key must be a plain name, not a %s", yamlKindName(k))
				continue
			}
			if k.Tag == "!!merge" {
				b.ds.Errorf(b.pos(k), addr, "Merge keys (<<) are not supported, so a file means what it says. Write the values out in full.",
					"YAML merge key << is not allowed")
				continue
			}
			if first, dup := seen[k.Value]; dup {
				b.ds.Errorf(b.pos(k), joinAddr(addr, k.Value), fmt.Sprintf("The key was first defined at line %d. Remove one of the two.", first.Line),
					"duplicate key %q", k.Value)
				continue
			}
			seen[k.Value] = k
			cAddr := joinAddr(addr, k.Value)
			cPtr := ptr + "/" + schema.EscapeSegment(k.Value)
			c := b.build(v, cAddr, cPtr, depth+1)
			if c == nil {
				c = &node{kind: kindNull, broken: true, pos: b.pos(v), addr: cAddr, pointer: cPtr}
				b.index[cPtr] = c
			}
			c.keyPos = b.pos(k)
			n.members = append(n.members, member{key: k.Value, val: c})
		}
	default:
		panic(fmt.Sprintf("internal error: unknown YAML node kind %d", y.Kind))
	}
	b.index[ptr] = n
	return n
}

// scalar resolves a YAML scalar to a JSON scalar the way YAML 1.2's core
// schema does (yaml.v3's resolution), keeping the source text of anything
// that is not null, bool, int or a finite float as a string.
func (b *builder) scalar(y *yaml.Node, n *node) {
	n.str = y.Value
	switch y.ShortTag() {
	case "!!null":
		n.kind = kindNull
	case "!!bool":
		var v bool
		if err := y.Decode(&v); err == nil {
			n.kind, n.boolean = kindBool, v
			return
		}
		n.kind = kindString
	case "!!int":
		var v int64
		if err := y.Decode(&v); err == nil && v > -1<<53 && v < 1<<53 {
			n.kind, n.num, n.isInt = kindNumber, float64(v), true
			return
		}
		n.kind = kindString
	case "!!float":
		var v float64
		if err := y.Decode(&v); err == nil && !math.IsInf(v, 0) && !math.IsNaN(v) {
			n.kind, n.num = kindNumber, v
			n.isInt = v == math.Trunc(v) && math.Abs(v) < 1<<53
			return
		}
		n.kind = kindString
	default: // !!str, !!timestamp, !!binary and custom tags keep their text
		n.kind = kindString
	}
}

func yamlKindName(y *yaml.Node) string {
	switch y.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "mapping"
	case yaml.AliasNode:
		return "alias"
	default:
		return "complex value"
	}
}

// joinAddr appends a member name to an address: a.b for plain names,
// a["x y"] for anything else.
func joinAddr(addr, key string) string {
	if isPlainName(key) {
		if addr == "" {
			return key
		}
		return addr + "." + key
	}
	return addr + "[" + strconv.Quote(key) + "]"
}

func isPlainName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_':
		case (r >= '0' && r <= '9') || r == '-':
			if i == 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// trimmed shortens user text quoted in a message.
func trimmed(s string) string {
	const max = 60
	if len(s) > max {
		return strings.ToValidUTF8(s[:max], "") + "…"
	}
	return s
}
