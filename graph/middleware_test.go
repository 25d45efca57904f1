package graph

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	nethttplibrary "github.com/microsoft/kiota-http-go"
)

// TestCompressionOutsideRetry pins the middleware order on which retried
// bodies depend (see compressionFirst). kiota's order is random per call,
// so the check runs on many fresh lists.
func TestCompressionOutsideRetry(t *testing.T) {
	for i := 0; i < 50; i++ {
		mws, err := middlewares(false)
		if err != nil {
			t.Fatal(err)
		}
		compression, retry := -1, -1
		for j, m := range mws {
			switch m.(type) {
			case *nethttplibrary.CompressionHandler:
				compression = j
			case *nethttplibrary.RetryHandler:
				retry = j
			}
		}
		if compression < 0 || retry < 0 || compression > retry {
			t.Fatalf("compression at %d, retry at %d: compression must come first", compression, retry)
		}
	}
}

// TestCountingTransportCopiesBodies: the wire gets its own copy of the body
// and the caller's reader is left rewound, so a retry that re-sends the
// caller's request never races the previous attempt's body writer.
func TestCountingTransportCopiesBodies(t *testing.T) {
	var wireBodies []string
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		wireBodies = append(wireBodies, string(b))
		return &http.Response{StatusCode: 429, Body: http.NoBody, Request: r}, nil
	})
	ct := &countingTransport{next: next}
	body := bytes.NewReader([]byte(`{"displayName":"x"}`))
	req, _ := http.NewRequest("POST", "https://127.0.0.1/v1.0/applications", io.NopCloser(body))
	req.Body = nopSeekCloser{body}
	for i := 0; i < 2; i++ {
		if _, err := ct.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		if pos, _ := body.Seek(0, io.SeekCurrent); pos != 0 {
			t.Errorf("attempt %d left the caller's body at %d, want 0", i+1, pos)
		}
	}
	want := []string{`{"displayName":"x"}`, `{"displayName":"x"}`}
	if d := cmp.Diff(want, wireBodies); d != "" {
		t.Errorf("bodies on the wire (-want +got):\n%s", d)
	}
	if ct.n.Load() != 2 {
		t.Errorf("counted %d requests, want 2", ct.n.Load())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type nopSeekCloser struct{ *bytes.Reader }

func (nopSeekCloser) Close() error { return nil }
