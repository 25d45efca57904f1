package emulator

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
)

// graphError is an error answer in Graph's shape:
// {"error":{"code","message","details"?,"innerError":{...}}}.
// Source: https://learn.microsoft.com/graph/errors
type graphError struct {
	status  int
	code    string
	message string
	details []errorDetail
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Target  string `json:"target,omitempty"`
}

func gerr(status int, code, message string) *graphError {
	return &graphError{status: status, code: code, message: message}
}

func badRequest(message string) *graphError {
	return gerr(http.StatusBadRequest, "Request_BadRequest", message)
}

func notFound(id string) *graphError {
	return gerr(http.StatusNotFound, "Request_ResourceNotFound",
		"Resource '"+id+"' does not exist or one of its queried reference-property objects are not present.")
}

func (g *graphError) withDetail(code, target string) *graphError {
	g.details = append(g.details, errorDetail{Code: code, Message: g.message, Target: target})
	return g
}

// graphCtx carries the per-request values every answer needs.
type graphCtx struct {
	requestID       string
	clientRequestID string
	now             time.Time
	base            string // https://HOST/v1.0 as the client reached it
	inBatch         bool
	hostileNextLink string // Faults.HostileNextLink when the request came in
}

func newGraphCtx(r *http.Request, now time.Time) *graphCtx {
	crid := r.Header.Get("client-request-id")
	if crid == "" {
		crid = uuid.NewString()
	}
	return &graphCtx{
		requestID:       uuid.NewString(),
		clientRequestID: crid,
		now:             now.UTC(),
		base:            "https://" + r.Host + "/v1.0",
	}
}

const graphContentType = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

func (c *graphCtx) headers(w http.ResponseWriter) {
	h := w.Header()
	h.Set("request-id", c.requestID)
	h.Set("client-request-id", c.clientRequestID)
	h.Set("x-ms-ags-diagnostic", `{"ServerInfo":{"DataCenter":"Emulator","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"regsync-emulator"}}`)
}

func (c *graphCtx) errorBody(e *graphError) map[string]any {
	body := map[string]any{
		"code":    e.code,
		"message": e.message,
		"innerError": map[string]any{
			"date":              c.now.Format("2006-01-02T15:04:05"),
			"request-id":        c.requestID,
			"client-request-id": c.clientRequestID,
		},
	}
	if len(e.details) > 0 {
		body["details"] = e.details
	}
	return map[string]any{"error": body}
}

func (c *graphCtx) writeError(w http.ResponseWriter, e *graphError) {
	c.headers(w)
	writeGraphJSON(w, e.status, c.errorBody(e))
}

func (c *graphCtx) writeJSON(w http.ResponseWriter, status int, v any) {
	c.headers(w)
	writeGraphJSON(w, status, v)
}

func (c *graphCtx) writeNoContent(w http.ResponseWriter) {
	c.headers(w)
	w.WriteHeader(http.StatusNoContent)
}

func writeGraphJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic("internal error: encoding a Graph response: " + err.Error())
	}
	w.Header().Set("Content-Type", graphContentType)
	w.Header().Set("OData-Version", "4.0")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// readBody reads a request body, gunzipping it when Content-Encoding says
// gzip (the Graph SDK compresses every body), and decodes it as a JSON
// object. Numbers stay json.Number so integer types can be checked.
func readBody(r *http.Request) (map[string]any, *graphError) {
	var rd io.Reader = io.LimitReader(r.Body, 4<<20)
	if strings.EqualFold(strings.TrimSpace(r.Header.Get("Content-Encoding")), "gzip") {
		zr, err := gzip.NewReader(rd)
		if err != nil {
			return nil, badRequest("The request body is not valid gzip.")
		}
		defer zr.Close()
		rd = zr
	}
	raw, err := io.ReadAll(rd)
	if err != nil {
		return nil, badRequest("The request body could not be read.")
	}
	return decodeObject(raw)
}

func decodeObject(raw []byte) (map[string]any, *graphError) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, badRequest("Write requests (excluding DELETE) must contain the Content-Type header declaration and a request body.")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, badRequest("Invalid JSON. The request body could not be parsed: " + err.Error())
	}
	if dec.More() {
		return nil, badRequest("Invalid JSON. The request body holds more than one JSON value.")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, badRequest("Invalid JSON. The request body must be a JSON object.")
	}
	return m, nil
}

// graphRoute is a request path resolved against the route table.
type graphRoute struct {
	pattern  string   // e.g. "applications/{id}/owners/{ownerId}/$ref"
	template string   // for the counters: "/v1.0/applications/{id}/owners/{ownerId}/$ref"
	keys     []keyRef // the values of the placeholders, in order
}

// keyRef is one placeholder's value: an object id, or an alternate key such
// as applications(appId='…').
type keyRef struct {
	value string
	alt   string // "appId", "name", or "" for the id
}

// graphPatterns are the routes served, most specific first.
var graphPatterns = []string{
	"$batch",
	"applications",
	"applications/{id}",
	"applications/{id}/addPassword",
	"applications/{id}/removePassword",
	"applications/{id}/owners",
	"applications/{id}/owners/$ref",
	"applications/{id}/owners/{ownerId}/$ref",
	"applications/{id}/federatedIdentityCredentials",
	"applications/{id}/federatedIdentityCredentials/{ficId}",
	"servicePrincipals",
	"servicePrincipals/{id}",
	"servicePrincipals/{id}/addPassword",
	"servicePrincipals/{id}/removePassword",
	"servicePrincipals/{id}/owners",
	"servicePrincipals/{id}/appRoleAssignedTo",
	"servicePrincipals/{id}/appRoleAssignedTo/{assignmentId}",
	"servicePrincipals/{id}/appRoleAssignments",
	"servicePrincipals/{id}/appRoleAssignments/{assignmentId}",
	"oauth2PermissionGrants",
	"oauth2PermissionGrants/{id}",
	"domains",
	"domains/{id}",
	"organization",
	"organization/{id}",
	"users",
	"users/{id}",
	"groups",
	"groups/{id}",
	"directoryObjects/getByIds",
	"directoryObjects/{id}",
	"directory/deletedItems/microsoft.graph.application",
	"directory/deletedItems/microsoft.graph.servicePrincipal",
	"directory/deletedItems/{id}",
}

var altKeySegment = regexp.MustCompile(`^([A-Za-z0-9.]+)\((appId|name|uniqueName)='((?:[^']|'')*)'\)$`)

// resolveGraphRoute matches a path against graphPatterns. A path that
// matches nothing gets the pattern "" and a template naming its first
// segment.
func resolveGraphRoute(method, path string) graphRoute {
	rest, ok := strings.CutPrefix(path, "/v1.0/")
	if !ok {
		return graphRoute{template: "(outside /v1.0)"}
	}
	type tok struct {
		lit string
		key *keyRef
	}
	var toks []tok
	for _, s := range strings.Split(strings.TrimSuffix(rest, "/"), "/") {
		if m := altKeySegment.FindStringSubmatch(s); m != nil {
			toks = append(toks, tok{lit: m[1]}, tok{key: &keyRef{value: strings.ReplaceAll(m[3], "''", "'"), alt: m[2]}})
			continue
		}
		toks = append(toks, tok{lit: s})
	}
	for _, p := range graphPatterns {
		segs := strings.Split(p, "/")
		if len(segs) != len(toks) {
			continue
		}
		var keys []keyRef
		var tmpl strings.Builder
		tmpl.WriteString("/v1.0")
		match := true
		for i, s := range segs {
			t := toks[i]
			if strings.HasPrefix(s, "{") {
				if t.key != nil {
					keys = append(keys, *t.key)
					tmpl.WriteString("(" + t.key.alt + "='{" + t.key.alt + "}')")
					continue
				}
				if t.lit == "" || strings.HasPrefix(t.lit, "$") {
					match = false
					break
				}
				keys = append(keys, keyRef{value: t.lit})
				tmpl.WriteString("/" + s)
				continue
			}
			if t.key != nil || !strings.EqualFold(s, t.lit) {
				match = false
				break
			}
			tmpl.WriteString("/" + s)
		}
		if match {
			return graphRoute{pattern: p, template: tmpl.String(), keys: keys}
		}
	}
	first := strings.SplitN(rest, "/", 2)[0]
	if m := altKeySegment.FindStringSubmatch(first); m != nil {
		first = m[1]
	}
	return graphRoute{template: "/v1.0/" + first + "/(unknown)"}
}
