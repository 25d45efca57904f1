package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxBatchRequests is the documented limit of requests in one $batch
// (https://learn.microsoft.com/graph/json-batching).
const maxBatchRequests = 20

type batchItem struct {
	ID        string
	Method    string
	URL       string
	Headers   map[string]string
	Body      json.RawMessage
	DependsOn []string
}

// itemRecorder collects an answer: a $batch item's, or a read's held
// until its latency has passed (handler).
type itemRecorder struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (r *itemRecorder) Header() http.Header { return r.h }
func (r *itemRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *itemRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// serveBatch answers POST /$batch: it checks the envelope (at most 20
// requests, unique ids, known dependsOn ids, a Content-Type for a body),
// then runs the items in order. An item whose dependency failed gets 424;
// each item passes the throttle on its own and may get 429; every item gets
// a response whose headers use the key "Content-Type".
func (g *graphServer) serveBatch(w http.ResponseWriter, r *http.Request, ctx *graphCtx) {
	env, err := readBody(r)
	if err != nil {
		ctx.writeError(w, err)
		return
	}
	raw, _ := json.Marshal(env)
	var parsed struct {
		Requests []json.RawMessage `json:"requests"`
	}
	if err := json.Unmarshal(raw, &parsed); err != nil || parsed.Requests == nil {
		ctx.writeError(w, gerr(http.StatusBadRequest, "BadRequest", "Invalid batch payload format: 'requests' must be an array."))
		return
	}
	if len(parsed.Requests) > maxBatchRequests {
		ctx.writeError(w, gerr(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Invalid batch payload format: a batch may hold at most %d requests, this one has %d.", maxBatchRequests, len(parsed.Requests))))
		return
	}
	items := make([]batchItem, 0, len(parsed.Requests))
	seen := map[string]bool{}
	for i, rawItem := range parsed.Requests {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(rawItem, &m); err != nil {
			ctx.writeError(w, gerr(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Invalid batch payload format: request %d is not an object.", i)))
			return
		}
		var it batchItem
		bad := func(msg string) {
			ctx.writeError(w, gerr(http.StatusBadRequest, "BadRequest", "Invalid batch payload format: "+msg))
		}
		if json.Unmarshal(m["id"], &it.ID) != nil || it.ID == "" {
			bad(fmt.Sprintf("request %d has no 'id'.", i))
			return
		}
		if json.Unmarshal(m["method"], &it.Method) != nil || it.Method == "" {
			bad(fmt.Sprintf("request '%s' has no 'method'.", it.ID))
			return
		}
		if json.Unmarshal(m["url"], &it.URL) != nil || it.URL == "" {
			bad(fmt.Sprintf("request '%s' has no 'url'.", it.ID))
			return
		}
		if h, ok := m["headers"]; ok && string(h) != "null" {
			if json.Unmarshal(h, &it.Headers) != nil {
				bad(fmt.Sprintf("the headers of request '%s' must be an object of strings.", it.ID))
				return
			}
		}
		if d, ok := m["dependsOn"]; ok && string(d) != "null" {
			if json.Unmarshal(d, &it.DependsOn) != nil {
				bad(fmt.Sprintf("dependsOn of request '%s' must be an array of ids.", it.ID))
				return
			}
		}
		if b, ok := m["body"]; ok && string(b) != "null" {
			it.Body = b
			if headerValue(it.Headers, "Content-Type") == "" {
				bad(fmt.Sprintf("request '%s' has a body but no Content-Type header.", it.ID))
				return
			}
		}
		key := strings.ToLower(it.ID)
		if seen[key] {
			bad(fmt.Sprintf("the id '%s' is used by more than one request.", it.ID))
			return
		}
		for _, d := range it.DependsOn {
			if !seen[strings.ToLower(d)] {
				bad(fmt.Sprintf("request '%s' depends on '%s', which is not an earlier request of the batch.", it.ID, d))
				return
			}
		}
		seen[key] = true
		items = append(items, it)
	}

	statuses := map[string]int{}
	responses := make([]any, 0, len(items))
	for _, it := range items {
		resp := g.runBatchItem(r, ctx, it, statuses)
		responses = append(responses, resp)
	}
	ctx.writeJSON(w, http.StatusOK, map[string]any{"responses": responses})
}

func headerValue(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func (g *graphServer) runBatchItem(outer *http.Request, outerCtx *graphCtx, it batchItem, statuses map[string]int) map[string]any {
	ictx := &graphCtx{requestID: outerCtx.requestID, clientRequestID: outerCtx.clientRequestID, now: g.now().UTC(), base: outerCtx.base, inBatch: true}
	if h := headerValue(it.Headers, "client-request-id"); h != "" {
		ictx.clientRequestID = h
	}
	answer := func(status int, headers http.Header, body []byte) map[string]any {
		statuses[strings.ToLower(it.ID)] = status
		hs := map[string]string{}
		for k, v := range headers {
			if len(v) > 0 && !strings.EqualFold(k, "Content-Length") {
				hs[http.CanonicalHeaderKey(k)] = v[0]
			}
		}
		out := map[string]any{"id": it.ID, "status": status, "headers": hs}
		if len(body) > 0 {
			var v any
			if json.Unmarshal(body, &v) == nil {
				out["body"] = v
			} else {
				out["body"] = base64.StdEncoding.EncodeToString(body)
			}
		}
		return out
	}
	errAnswer := func(e *graphError, extra http.Header) map[string]any {
		h := http.Header{}
		for k, v := range extra {
			h[k] = v
		}
		h.Set("Content-Type", "application/json")
		b, _ := json.Marshal(ictx.errorBody(e))
		return answer(e.status, h, b)
	}
	for _, d := range it.DependsOn {
		if st := statuses[strings.ToLower(d)]; st < 200 || st > 299 {
			return errAnswer(gerr(http.StatusFailedDependency, "BadRequest", "Failed dependency: request '"+d+"' did not succeed."), nil)
		}
	}
	u := it.URL
	if strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") {
		return errAnswer(badRequest("The url of a batch request must be relative, such as /applications."), nil)
	}
	if !strings.HasPrefix(u, "/") {
		u = "/" + u
	}
	parsed, err := url.Parse("/v1.0" + u)
	if err != nil {
		return errAnswer(badRequest("The url of the batch request is malformed."), nil)
	}
	method := strings.ToUpper(it.Method)
	rt := resolveGraphRoute(method, parsed.Path)
	if g.count != nil {
		g.count("$batch "+method+" "+rt.template, false)
	}
	if ok, after, h := g.faults.takeGraph(method, rt.pattern, parsed.Query()); !ok {
		if h == nil {
			h = http.Header{}
		}
		h.Set("Retry-After", fmt.Sprint(after))
		return errAnswer(gerr(http.StatusTooManyRequests, "TooManyRequests", "Too many requests. Please retry again later."), h)
	}
	var body []byte
	if len(it.Body) > 0 {
		var s string
		if json.Unmarshal(it.Body, &s) == nil {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return errAnswer(badRequest("A string body of a batch request must be base64."), nil)
			}
			body = b
		} else {
			body = it.Body
		}
	}
	req, err := http.NewRequestWithContext(outer.Context(), method, parsed.String(), bytes.NewReader(body))
	if err != nil {
		return errAnswer(badRequest("The batch request could not be built: "+err.Error()), nil)
	}
	req.Host = outer.Host
	for k, v := range it.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Del("Content-Encoding")
	rec := &itemRecorder{h: http.Header{}}
	if rt.pattern == "$batch" {
		return errAnswer(badRequest("A batch request cannot contain another $batch."), nil)
	}
	g.serve(rec, req, ictx, rt)
	hs := http.Header{}
	if ct := rec.h.Get("Content-Type"); ct != "" {
		hs.Set("Content-Type", strings.SplitN(ct, ";", 2)[0])
	}
	if ra := rec.h.Get("Retry-After"); ra != "" {
		hs.Set("Retry-After", ra)
	}
	if loc := rec.h.Get("Location"); loc != "" {
		hs.Set("Location", loc)
	}
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	return answer(status, hs, rec.body.Bytes())
}
