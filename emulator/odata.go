package emulator

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// collectionSpec says what a collection supports: the type (for $select),
// which properties $filter may name and how, $orderby and $expand.
type collectionSpec struct {
	entitySet  string // for @odata.context, e.g. "applications"
	typeName   string // for errors, e.g. "Application"
	t          *ptype
	filterable map[string]bool // property (or collection for any()) → may be filtered
	orderable  map[string]bool
	expandable map[string]bool
}

// query is a parsed set of OData query options.
type query struct {
	filter   fnode
	selects  []string
	expand   []string
	top      int
	offset   int
	count    bool
	orderBy  string
	desc     bool
	advanced bool // ConsistencyLevel: eventual
}

const (
	defaultPageSize = 100
	maxPageSize     = 999
	// maxExpandPageSize is the largest page Graph returns for a directory
	// collection queried with $expand, whatever $top asks: a larger $top
	// is served 100 at a time, with a nextLink (known issue 13635,
	// https://developer.microsoft.com/graph/known-issues/?search=13635;
	// microsoftgraph/microsoft-graph-docs#21506).
	maxExpandPageSize = 100
	// maxExpanded is the most items $expand returns for one object's
	// relationship, with no nextLink for the rest ("Some limitations
	// apply to query parameters", same known issue): a client must read a
	// relationship that shows this many on its own.
	maxExpanded = 20
)

// parseQuery reads $filter, $select, $expand, $top, $skiptoken, $count,
// $orderby, $search and $skip as Graph's directory collections document
// them (https://learn.microsoft.com/graph/query-parameters,
// https://learn.microsoft.com/graph/aad-advanced-queries).
func parseQuery(r *http.Request, spec collectionSpec, isCollection bool) (*query, *graphError) {
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badRequest("The query string is malformed.")
	}
	get := func(k string) (string, bool) {
		for key, v := range vals {
			if strings.EqualFold(key, k) || strings.EqualFold(key, strings.TrimPrefix(k, "$")) {
				return v[0], true
			}
		}
		return "", false
	}
	q := &query{top: defaultPageSize, advanced: strings.EqualFold(r.Header.Get("ConsistencyLevel"), "eventual")}
	if c, ok := get("$count"); ok && strings.EqualFold(c, "true") && q.advanced {
		q.count = true
	}
	if _, ok := get("$skip"); ok {
		return nil, badRequest("'$skip' is not supported by the service.")
	}
	if _, ok := get("$search"); ok {
		if !q.advanced {
			return nil, gerr(http.StatusBadRequest, "Request_UnsupportedQuery", "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'")
		}
		return nil, gerr(http.StatusBadRequest, "Request_UnsupportedQuery", "$search is not modelled by the regsync emulator.")
	}
	if s, ok := get("$select"); ok && s != "" {
		for _, p := range strings.Split(s, ",") {
			p = strings.TrimSpace(p)
			if _, known := spec.t.fields[p]; !known {
				return nil, badRequest(fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.%s'.", p, spec.t.name))
			}
			q.selects = append(q.selects, p)
		}
	}
	if s, ok := get("$expand"); ok && s != "" {
		for _, p := range strings.Split(s, ",") {
			p = strings.TrimSpace(p)
			if !spec.expandable[p] {
				return nil, badRequest(fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.%s'.", p, spec.t.name))
			}
			q.expand = append(q.expand, p)
		}
	}
	if !isCollection {
		return q, nil
	}
	if s, ok := get("$top"); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPageSize {
			return nil, badRequest(fmt.Sprintf("Invalid page size specified: '%s'. Must be between 1 and 999 inclusive.", s))
		}
		q.top = n
	}
	if len(q.expand) > 0 && q.top > maxExpandPageSize {
		q.top = maxExpandPageSize
	}
	if s, ok := get("$skiptoken"); ok {
		off, ok := decodeSkipToken(s)
		if !ok {
			return nil, badRequest("The specified page token value has expired or is invalid.")
		}
		q.offset = off
	}
	if s, ok := get("$orderby"); ok && s != "" {
		f := strings.Fields(s)
		if len(f) > 2 || !spec.orderable[f[0]] || (len(f) == 2 && f[1] != "asc" && f[1] != "desc") {
			return nil, gerr(http.StatusBadRequest, "Request_UnsupportedQuery", fmt.Sprintf("Sorting by '%s' is not supported on %s.", s, spec.entitySet))
		}
		q.orderBy = f[0]
		q.desc = len(f) == 2 && f[1] == "desc"
	}
	if s, ok := get("$filter"); ok && s != "" {
		n, gerr := parseFilter(s, spec, q.advanced && q.count)
		if gerr != nil {
			return nil, gerr
		}
		q.filter = n
	}
	return q, nil
}

func encodeSkipToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("regsync-emulator:" + strconv.Itoa(offset)))
}

func decodeSkipToken(s string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	n, ok := strings.CutPrefix(string(b), "regsync-emulator:")
	if !ok {
		return 0, false
	}
	off, err := strconv.Atoi(n)
	return off, err == nil && off >= 0
}

// page filters, orders and pages docs and returns the collection response:
// value, @odata.context, @odata.nextLink (absolute, carrying every original
// query option and a new $skiptoken) and @odata.count when asked for.
func page(ctx *graphCtx, r *http.Request, q *query, spec collectionSpec, docs []map[string]any, shape func(map[string]any) map[string]any) map[string]any {
	var matched []map[string]any
	for _, d := range docs {
		if q.filter == nil || q.filter.eval(d) {
			matched = append(matched, d)
		}
	}
	if q.orderBy != "" {
		sort.SliceStable(matched, func(i, j int) bool {
			a, b := strings.ToLower(fmt.Sprint(matched[i][q.orderBy])), strings.ToLower(fmt.Sprint(matched[j][q.orderBy]))
			if q.desc {
				return a > b
			}
			return a < b
		})
	}
	start := min(q.offset, len(matched))
	end := min(start+q.top, len(matched))
	value := make([]any, 0, end-start)
	for _, d := range matched[start:end] {
		value = append(value, project(shape(d), q.selects))
	}
	ctxURL := ctx.base + "/$metadata#" + spec.entitySet
	if len(q.selects) > 0 {
		ctxURL += "(" + strings.Join(q.selects, ",") + ")"
	}
	out := map[string]any{"@odata.context": ctxURL, "value": value}
	if q.count {
		out["@odata.count"] = len(matched)
	}
	if end < len(matched) {
		out["@odata.nextLink"] = nextLink(ctx, r, end)
	}
	if ctx.hostileNextLink != "" {
		honest, _ := out["@odata.nextLink"].(string)
		out["@odata.nextLink"] = hostileNextLink(ctx, r, ctx.hostileNextLink, honest)
	}
	return out
}

// nextLink rebuilds the request URL with $skiptoken replaced, keeping every
// other query option as the client sent it.
func nextLink(ctx *graphCtx, r *http.Request, offset int) string {
	var parts []string
	for _, p := range strings.Split(r.URL.RawQuery, "&") {
		k, _, _ := strings.Cut(p, "=")
		dk, _ := url.QueryUnescape(k)
		if p == "" || strings.EqualFold(dk, "$skiptoken") || strings.EqualFold(dk, "skiptoken") {
			continue
		}
		parts = append(parts, p)
	}
	parts = append(parts, "$skiptoken="+encodeSkipToken(offset))
	path := strings.TrimPrefix(r.URL.Path, "/v1.0")
	return ctx.base + path + "?" + strings.Join(parts, "&")
}

// project keeps only the selected properties (all when none is selected).
// Expanded navigation properties, added by shape, are kept too.
func project(doc map[string]any, selects []string) map[string]any {
	if len(selects) == 0 {
		return doc
	}
	out := map[string]any{}
	for _, s := range selects {
		if v, ok := doc[s]; ok {
			out[s] = v
		}
	}
	for _, nav := range []string{"owners", "federatedIdentityCredentials", "appRoleAssignments"} {
		if v, ok := doc[nav]; ok {
			out[nav] = v
		}
	}
	return out
}

// $filter: a parser and evaluator for the subset of OData Graph documents
// for directory objects: eq, ne, in, startsWith, endsWith, not, and, or,
// parentheses, and any() lambdas over string collections.

type fnode interface {
	eval(doc map[string]any) bool
}

type fand struct{ a, b fnode }
type forNode struct{ a, b fnode }
type fnot struct{ a fnode }
type fcmp struct {
	path, op string // op: eq, ne, startsWith, endsWith
	lit      any    // string, bool, float64 or nil
}
type fin struct {
	path string
	lits []any
}
type fany struct {
	coll, v string
	body    fnode
}

func (n fand) eval(d map[string]any) bool    { return n.a.eval(d) && n.b.eval(d) }
func (n forNode) eval(d map[string]any) bool { return n.a.eval(d) || n.b.eval(d) }
func (n fnot) eval(d map[string]any) bool    { return !n.a.eval(d) }

func lookup(d map[string]any, path string) any {
	var cur any = d
	for _, p := range strings.Split(path, "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

func litEqual(v, lit any) bool {
	switch l := lit.(type) {
	case nil:
		return v == nil
	case string:
		s, ok := v.(string)
		return ok && strings.EqualFold(s, l)
	case bool:
		b, ok := v.(bool)
		return ok && b == l
	case float64:
		return fmt.Sprint(v) == strconv.FormatFloat(l, 'f', -1, 64)
	default:
		panic(fmt.Sprintf("internal error: unknown literal type %T", lit))
	}
}

func (n fcmp) evalValue(v any) bool {
	switch n.op {
	case "eq":
		return litEqual(v, n.lit)
	case "ne":
		return !litEqual(v, n.lit)
	case "startsWith", "endsWith":
		s, ok := v.(string)
		l, _ := n.lit.(string)
		if !ok {
			return false
		}
		s, l = strings.ToLower(s), strings.ToLower(l)
		if n.op == "startsWith" {
			return strings.HasPrefix(s, l)
		}
		return strings.HasSuffix(s, l)
	default:
		panic("internal error: unknown filter operator " + n.op)
	}
}

func (n fcmp) eval(d map[string]any) bool { return n.evalValue(lookup(d, n.path)) }

func (n fin) eval(d map[string]any) bool {
	v := lookup(d, n.path)
	for _, l := range n.lits {
		if litEqual(v, l) {
			return true
		}
	}
	return false
}

// lambdaVar marks the range variable of an any() body in a document.
const lambdaVar = "\x00lambda"

func (n fany) eval(d map[string]any) bool {
	coll, _ := lookup(d, n.coll).([]any)
	for _, el := range coll {
		if n.body.eval(map[string]any{lambdaVar: el}) {
			return true
		}
	}
	return false
}

type ftok struct {
	kind string // "id", "str", "num", "(", ")", ",", ":"
	text string
}

func lexFilter(s string) ([]ftok, error) {
	var toks []ftok
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '(' || c == ')' || c == ',' || c == ':':
			toks = append(toks, ftok{kind: string(c)})
			i++
		case c == '\'':
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated string literal")
			}
			toks = append(toks, ftok{kind: "str", text: b.String()})
		case c == '-' || c >= '0' && c <= '9':
			j := i + 1
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			toks = append(toks, ftok{kind: "num", text: s[i:j]})
			i = j
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] == '/' || s[j] == '.' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			toks = append(toks, ftok{kind: "id", text: s[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q", c)
		}
	}
	return toks, nil
}

type filterParser struct {
	toks     []ftok
	pos      int
	spec     collectionSpec
	advanced bool
	lambda   string // the range variable inside any(), if any
}

func parseFilter(s string, spec collectionSpec, advanced bool) (fnode, *graphError) {
	toks, err := lexFilter(s)
	if err != nil {
		return nil, badRequest("Invalid filter clause: " + err.Error() + ".")
	}
	p := &filterParser{toks: toks, spec: spec, advanced: advanced}
	n, gerr := p.expr()
	if gerr != nil {
		return nil, gerr
	}
	if p.pos != len(p.toks) {
		return nil, badRequest("Invalid filter clause: unexpected '" + p.toks[p.pos].text + p.toks[p.pos].kind + "'.")
	}
	return n, nil
}

func (p *filterParser) peek() ftok {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ftok{kind: "eof"}
}

func (p *filterParser) next() ftok { t := p.peek(); p.pos++; return t }

func (p *filterParser) isWord(w string) bool {
	t := p.peek()
	return t.kind == "id" && strings.EqualFold(t.text, w)
}

func (p *filterParser) expect(kind string) *graphError {
	if t := p.next(); t.kind != kind {
		return badRequest(fmt.Sprintf("Invalid filter clause: expected '%s'.", kind))
	}
	return nil
}

func (p *filterParser) needAdvanced(op string) *graphError {
	if p.advanced {
		return nil
	}
	return gerr(http.StatusBadRequest, "Request_UnsupportedQuery", fmt.Sprintf("Operator '%s' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information", op))
}

func (p *filterParser) expr() (fnode, *graphError) {
	a, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.isWord("or") {
		p.next()
		b, err := p.and()
		if err != nil {
			return nil, err
		}
		a = forNode{a, b}
	}
	return a, nil
}

func (p *filterParser) and() (fnode, *graphError) {
	a, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.isWord("and") {
		p.next()
		b, err := p.unary()
		if err != nil {
			return nil, err
		}
		a = fand{a, b}
	}
	return a, nil
}

func (p *filterParser) unary() (fnode, *graphError) {
	if p.isWord("not") {
		if err := p.needAdvanced("not"); err != nil {
			return nil, err
		}
		p.next()
		a, err := p.unary()
		if err != nil {
			return nil, err
		}
		return fnot{a}, nil
	}
	return p.primary()
}

func (p *filterParser) literal() (any, *graphError) {
	t := p.next()
	switch {
	case t.kind == "str":
		return t.text, nil
	case t.kind == "num":
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, badRequest("Invalid filter clause: bad number '" + t.text + "'.")
		}
		return f, nil
	case t.kind == "id" && t.text == "null":
		return nil, nil
	case t.kind == "id" && (t.text == "true" || t.text == "false"):
		return t.text == "true", nil
	}
	return nil, badRequest("Invalid filter clause: a literal was expected.")
}

// property checks a property path named in a filter and returns the path
// to evaluate (the lambda variable maps to the range element).
func (p *filterParser) property(name string) (string, *graphError) {
	if p.lambda != "" && name == p.lambda {
		return lambdaVar, nil
	}
	if !p.spec.filterable[name] {
		return "", gerr(http.StatusBadRequest, "Request_UnsupportedQuery",
			fmt.Sprintf("Unsupported or invalid query filter clause specified for property '%s' of resource '%s'.", name, p.spec.typeName))
	}
	return name, nil
}

func (p *filterParser) primary() (fnode, *graphError) {
	t := p.next()
	switch {
	case t.kind == "(":
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		return n, p.expect(")")
	case t.kind == "id" && (strings.EqualFold(t.text, "startsWith") || strings.EqualFold(t.text, "endsWith")):
		op := "startsWith"
		if strings.EqualFold(t.text, "endsWith") {
			op = "endsWith"
			if err := p.needAdvanced("endsWith"); err != nil {
				return nil, err
			}
		}
		if err := p.expect("("); err != nil {
			return nil, err
		}
		name := p.next()
		if name.kind != "id" {
			return nil, badRequest("Invalid filter clause: a property was expected.")
		}
		path, err := p.property(name.text)
		if err != nil {
			return nil, err
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
		lit, err := p.literal()
		if err != nil {
			return nil, err
		}
		if _, ok := lit.(string); !ok {
			return nil, badRequest("Invalid filter clause: " + op + " needs a string.")
		}
		return fcmp{path: path, op: op, lit: lit}, p.expect(")")
	case t.kind == "id" && strings.HasSuffix(t.text, "/any"):
		coll := strings.TrimSuffix(t.text, "/any")
		if _, err := p.property(coll); err != nil {
			return nil, err
		}
		if err := p.expect("("); err != nil {
			return nil, err
		}
		v := p.next()
		if v.kind != "id" {
			return nil, badRequest("Invalid filter clause: a range variable was expected.")
		}
		if err := p.expect(":"); err != nil {
			return nil, err
		}
		saved := p.lambda
		p.lambda = v.text
		body, err := p.expr()
		p.lambda = saved
		if err != nil {
			return nil, err
		}
		return fany{coll: coll, v: v.text, body: body}, p.expect(")")
	case t.kind == "id":
		path, err := p.property(t.text)
		if err != nil {
			return nil, err
		}
		op := p.next()
		if op.kind != "id" {
			return nil, badRequest("Invalid filter clause: an operator was expected.")
		}
		switch strings.ToLower(op.text) {
		case "eq", "ne":
			o := strings.ToLower(op.text)
			if o == "ne" {
				if err := p.needAdvanced("ne"); err != nil {
					return nil, err
				}
			}
			lit, err := p.literal()
			if err != nil {
				return nil, err
			}
			return fcmp{path: path, op: o, lit: lit}, nil
		case "in":
			if err := p.expect("("); err != nil {
				return nil, err
			}
			var lits []any
			for {
				lit, err := p.literal()
				if err != nil {
					return nil, err
				}
				lits = append(lits, lit)
				if p.peek().kind == "," {
					p.next()
					continue
				}
				break
			}
			if len(lits) > 15 {
				return nil, badRequest("Invalid filter clause: the 'in' operator accepts at most 15 values.")
			}
			return fin{path: path, lits: lits}, p.expect(")")
		default:
			return nil, gerr(http.StatusBadRequest, "Request_UnsupportedQuery", fmt.Sprintf("Operator '%s' is not supported by the regsync emulator.", op.text))
		}
	}
	return nil, badRequest("Invalid filter clause: unexpected token.")
}
