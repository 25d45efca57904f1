package kv_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/emulator/kv"
)

const (
	testTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testToken  = "test-token-7d1c"
	apiVersion = "2026-04-01"
	// t0 is the emulator clock at the start of every test (2023-11-14T22:13:20Z).
	t0 = int64(1700000000)
)

// clock is a settable clock for the Server under test.
type clock struct{ unix atomic.Int64 }

func (c *clock) now() time.Time    { return time.Unix(c.unix.Load(), 0) }
func (c *clock) advance(sec int64) { c.unix.Add(sec) }

// env is a Server behind a TLS test server.
type env struct {
	t     *testing.T
	kv    *kv.Server
	srv   *httptest.Server
	clock *clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c := &clock{}
	c.unix.Store(t0)
	s := kv.New(kv.Options{TenantID: testTenant, Token: testToken, Now: c.now})
	srv := httptest.NewTLSServer(s)
	t.Cleanup(srv.Close)
	return &env{t: t, kv: s, srv: srv, clock: c}
}

// newServer starts a TLS test server around a Server built from o.
func newServer(t *testing.T, o kv.Options) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(kv.New(o))
	t.Cleanup(srv.Close)
	return srv
}

// response is an answer with its body decoded and normalised (see norm).
type response struct {
	status int
	header http.Header
	raw    string
	body   any
}

// call sends an authorized request. path is relative to the server and gets
// api-version appended unless it already has a query.
func (e *env) call(method, path, body string) response {
	e.t.Helper()
	if !strings.Contains(path, "?") {
		path += "?api-version=" + apiVersion
	}
	return e.send(method, path, body, map[string]string{"Authorization": "Bearer " + testToken})
}

// send sends a request with exactly the given headers.
func (e *env) send(method, path, body string, headers map[string]string) response {
	e.t.Helper()
	target := path
	if !strings.HasPrefix(path, "https://") {
		target = e.srv.URL + path
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		e.t.Fatalf("building request: %v", err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("reading body: %v", err)
	}
	r := response{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	if len(b) > 0 {
		if err := json.Unmarshal([]byte(e.norm(string(b))), &r.body); err != nil {
			e.t.Fatalf("%s %s: body is not JSON: %v\n%s", method, path, err, b)
		}
	}
	return r
}

var versionRE = regexp.MustCompile(`\b[0-9a-f]{32}\b`)

// norm replaces the server's host:port with HOST and every 32-hex version
// with VERSION, so expected bodies can be written out in full.
func (e *env) norm(s string) string {
	s = strings.ReplaceAll(s, strings.TrimPrefix(e.srv.URL, "https://"), "HOST")
	return versionRE.ReplaceAllString(s, "VERSION")
}

// versionOf returns the version at the end of a bundle's raw id.
func versionOf(t *testing.T, r response) string {
	t.Helper()
	var b struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(r.raw), &b); err != nil {
		t.Fatalf("decoding id: %v\n%s", err, r.raw)
	}
	v := b.ID[strings.LastIndex(b.ID, "/")+1:]
	if !versionRE.MatchString(v) {
		t.Fatalf("id %q does not end in a 32-hex version", b.ID)
	}
	return v
}

// js decodes a JSON literal for comparison with a response body.
func js(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad JSON literal: %v\n%s", err, s)
	}
	return v
}

// routeCase is a request and the status, error code and Allow header of
// its answer.
type routeCase struct {
	method, path string
	status       int
	code         string
	allow        string
}

// checkRoutes sends each case's request and compares the answer.
func (e *env) checkRoutes(cases []routeCase) {
	e.t.Helper()
	for _, tt := range cases {
		r := e.call(tt.method, tt.path, "")
		got := routeCase{method: tt.method, path: tt.path, status: r.status, allow: r.header.Get("Allow")}
		if m, ok := r.body.(map[string]any); ok {
			if er, ok := m["error"].(map[string]any); ok {
				got.code, _ = er["code"].(string)
			}
		}
		if diff := cmp.Diff(tt, got, cmp.AllowUnexported(routeCase{})); diff != "" {
			e.t.Errorf("%s %s (-want +got):\n%s", tt.method, tt.path, diff)
		}
	}
}
