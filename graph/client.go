package graph

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	kiotaazure "github.com/microsoft/kiota-authentication-azure-go"
	nethttplibrary "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphgocore "github.com/microsoftgraph/msgraph-sdk-go-core"

	"github.com/regsync/regsync/graph/endpoints"
	"github.com/regsync/regsync/tenant"
)

// Client implements tenant.Directory over msgraph-sdk-go. It is safe for
// concurrent use.
type Client struct {
	sdk     *msgraphsdk.GraphServiceClient
	adapter *msgraphsdk.GraphRequestAdapter
	base    string // Graph base URL, e.g. https://graph.microsoft.com/v1.0
	cred    azcore.TokenCredential
	scope   string
	counter *countingTransport
	// maxPages caps the pages of one list (defaultMaxPages); tests lower it.
	maxPages int
}

var _ tenant.Directory = (*Client)(nil)

// Options tune a Client; the zero value is right for production.
type Options struct {
	// Transport is the HTTP transport under the SDK's middleware (retry,
	// compression, ...). Nil means cfg.Transport(): Go's defaults plus
	// cfg.CACertPEM.
	Transport http.RoundTripper
	// Timeout bounds one HTTP request including the SDK's retries; zero
	// means 100s.
	Timeout time.Duration
	// SDKRetries turns on the SDK's own retries (429, 503 and 504,
	// honouring Retry-After, up to 3 times). They are off by default, and
	// regsync never turns them on: kiota's handler re-sends any request,
	// POSTs included, so a create whose answer was lost (a 503 or 504 after
	// Graph committed it) was made twice, behind the back of the applier's
	// look-before-create. With them off every retry is the caller's
	// (tenant.RetryPolicy), which knows what is safe to send again and
	// reports each retry as an event.
	SDKRetries bool
	// UserAgent is the product every request names first in its
	// User-Agent header, ahead of the SDK's own ("regsync/v1.2.3
	// kiota-go/1.5.4"); empty means buildinfo.Get().UserAgent().
	UserAgent string
}

// New builds a Client for cfg. The bearer token comes from
// cfg.Credential() and is attached only to cfg's Graph host (kiota sends
// no token, and no error, to a host missing from its valid-hosts list).
func New(cfg endpoints.Config, opts Options) (*Client, error) {
	setup, err := endpoints.NewSetup(cfg, opts.UserAgent)
	if err != nil {
		return nil, err
	}
	auth, err := kiotaazure.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(
		setup.Credential, []string{cfg.GraphScope()}, []string{cfg.GraphHost()})
	if err != nil {
		return nil, fmt.Errorf("building the graph authentication provider: %w", err)
	}
	parent := opts.Transport
	if parent == nil {
		t, err := cfg.Transport()
		if err != nil {
			return nil, err
		}
		parent = t
	}
	counter := &countingTransport{next: parent}
	middleware, err := middlewares(opts.SDKRetries)
	if err != nil {
		return nil, err
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = endpoints.RequestTimeout
	}
	hc := &http.Client{
		// The counter sits under the middleware, so the SDK's own retries
		// are counted as the requests they are. The User-Agent is set at
		// the same depth: every attempt of every request, $batch included,
		// passes there after kiota's user-agent handler has run.
		Transport: nethttplibrary.NewCustomTransportWithParentTransport(
			&userAgentTransport{product: setup.Product, next: counter}, middleware...),
		Timeout: timeout,
		// Redirects are the redirect middleware's job.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, nil, nil, hc)
	if err != nil {
		return nil, fmt.Errorf("building the graph request adapter: %w", err)
	}
	base := cfg.GraphBaseURL()
	adapter.SetBaseUrl(base)
	return &Client{
		sdk:      msgraphsdk.NewGraphServiceClient(adapter),
		adapter:  adapter,
		base:     base,
		cred:     setup.Credential,
		scope:    cfg.GraphScope(),
		counter:  counter,
		maxPages: defaultMaxPages,
	}, nil
}

// middlewares is the Graph SDK's default chain (telemetry, /me rewrite,
// then kiota's retry, redirect, compression, ...), with the SDK's retries
// off unless sdkRetries is set, and request bodies sent as they are.
//
// kiota gzips every request body by default. regsync's bodies are a few
// kilobytes ($batch requests of 20 reads, an application's PATCH), and
// compressing them cost a plan of 1,000 applications about 10% of its CPU
// (80 ms of 0.8 s, in compress/flate) while the reads that must not wait
// for the CPU were under way; the Graph answers, which are what is large,
// are still compressed when Graph chooses (Go's transport asks for gzip
// and undoes it).
func middlewares(sdkRetries bool) ([]nethttplibrary.Middleware, error) {
	graphOpts := msgraphsdk.GetDefaultClientOptions()
	retry := &nethttplibrary.RetryHandlerOptions{
		ShouldRetry: func(time.Duration, int, *http.Request, *http.Response) bool { return sdkRetries },
	}
	kiota, err := nethttplibrary.GetDefaultMiddlewaresWithOptions(retry, nethttplibrary.NewCompressionOptionsReference(false))
	if err != nil {
		return nil, fmt.Errorf("building the graph middleware: %w", err)
	}
	return append([]nethttplibrary.Middleware{
		msgraphgocore.NewGraphTelemetryHandler(&graphOpts),
		nethttplibrary.NewUrlReplaceHandler(true, msgraphgocore.ReplacementPairs),
	}, compressionFirst(kiota)...), nil
}

// compressionFirst puts the compression handler ahead of (outside) the
// retry handler, should compression ever be turned back on. kiota builds its default middleware from a Go map, so the
// order is random per client. With retry outside compression, a retried
// POST or PATCH goes out with "Content-Encoding: gzip" (set on the header
// map the two attempts share) over the uncompressed body the retry handler
// rewound — a body the service cannot read. The emulator answers it with
// 400 "not valid gzip"; found by BenchmarkApplyThrottled under 429s.
func compressionFirst(mws []nethttplibrary.Middleware) []nethttplibrary.Middleware {
	out := make([]nethttplibrary.Middleware, 0, len(mws))
	for _, m := range mws {
		if _, ok := m.(*nethttplibrary.CompressionHandler); ok {
			out = append(out, m)
		}
	}
	for _, m := range mws {
		if _, ok := m.(*nethttplibrary.CompressionHandler); !ok {
			out = append(out, m)
		}
	}
	return out
}

// userAgentTransport puts product first in each request's User-Agent,
// keeping what the SDK put there after it (kiota's "kiota-go/<version>"),
// and leaves a header that already starts with product alone. It hands on
// a copy of the request, as a RoundTripper must not change the caller's.
type userAgentTransport struct {
	product string
	next    http.RoundTripper
}

func (t *userAgentTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ua := r.Header.Get("User-Agent")
	if ua == t.product || strings.HasPrefix(ua, t.product+" ") {
		return t.next.RoundTrip(r)
	}
	if ua != "" {
		ua = t.product + " " + ua
	} else {
		ua = t.product
	}
	out := r.Clone(r.Context())
	out.Header.Set("User-Agent", ua)
	return t.next.RoundTrip(out)
}

// Requests is the number of HTTP requests sent so far, retries included.
func (c *Client) Requests() int { return int(c.counter.n.Load()) }

// countingTransport counts every request that reaches the wire, hands
// net/http a private copy of each request body, and caps the size of each
// answer's body (limited).
//
// The copy matters under throttling: net/http may still be writing a body
// in its own goroutine after the response (a 429 answered before the body
// was read) has come back, while kiota's retry handler rewinds and re-sends
// that same reader — the retry then goes out with an empty body ("Body
// length 0"). Reading the body here, before RoundTrip, makes each attempt
// independent. Graph bodies are small.
type countingTransport struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	if r.Body == nil || r.Body == http.NoBody {
		return limited(t.next.RoundTrip(r))
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the request body: %w", err)
	}
	if s, ok := r.Body.(io.Seeker); ok {
		// Leave the caller's reader where a retry expects to find it.
		s.Seek(0, io.SeekStart)
	}
	r.Body.Close() // as RoundTrip must; kiota's bodies close as no-ops
	wire := r.Clone(r.Context())
	wire.Body = io.NopCloser(bytes.NewReader(body))
	wire.ContentLength = int64(len(body))
	wire.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return limited(t.next.RoundTrip(wire))
}

// limited caps the body of every answer at endpoints.MaxResponseBytes
// (as Go's transport hands it up, gzip undone): past it, reading fails
// with an Invalid *tenant.Error, which kiota returns from the call. kiota
// reads a whole body into memory and then decodes it into a tree several
// times its size; a 26 MB page once took 1.46 GB.
func limited(res *http.Response, err error) (*http.Response, error) {
	if err != nil {
		return res, err
	}
	return endpoints.LimitBody(res, "graph", endpoints.MaxResponseBytes), nil
}
