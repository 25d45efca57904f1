package emulator

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type harness struct {
	t     testing.TB
	e     *Emulator
	clock *clock
	hc    *http.Client
}

func start(t *testing.T, o Options) *harness {
	t.Helper()
	c := &clock{t: t0}
	if o.Now == nil {
		o.Now = c.Now
	}
	e, err := Start(context.Background(), o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return &harness{t: t, e: e, clock: c, hc: e.Client()}
}

type resp struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// do sends a request with the token; body is JSON-encoded unless it is a
// string or []byte.
func (h *harness) do(method, path string, body any, hdr ...string) resp {
	h.t.Helper()
	return h.doAuth(method, path, body, "Bearer "+h.e.Token(), hdr...)
}

func (h *harness) doAuth(method, path string, body any, auth string, hdr ...string) resp {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	u := path
	if !strings.HasPrefix(u, "https://") {
		u = strings.TrimSuffix(h.e.GraphURL(), "/v1.0") + path
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := h.hc.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &out.body)
	}
	return out
}

func gzipped(t *testing.T, v any) []byte {
	t.Helper()
	j, _ := json.Marshal(v)
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = zw.Write(j)
	_ = zw.Close()
	return b.Bytes()
}

// must fails unless r has the status.
func (r resp) must(t testing.TB, status int) resp {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.raw)
	}
	return r
}

// errCode returns error.code of a Graph error body.
func (r resp) errCode() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func (r resp) errMessage() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

func (r resp) detailCode() string {
	e, _ := r.body["error"].(map[string]any)
	d, _ := e["details"].([]any)
	if len(d) == 0 {
		return ""
	}
	s, _ := d[0].(map[string]any)["code"].(string)
	return s
}

func (r resp) str(k string) string { s, _ := r.body[k].(string); return s }

func (r resp) values() []map[string]any {
	var out []map[string]any
	for _, v := range r.body["value"].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

func (h *harness) createApp(body map[string]any) resp {
	h.t.Helper()
	return h.do("POST", "/v1.0/applications", body).must(h.t, http.StatusCreated)
}
