package endpoints

import (
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/regsync/regsync/buildinfo"
)

// RequestTimeout bounds one HTTP request of an SDK client, its body
// included.
const RequestTimeout = 100 * time.Second

// Setup is what graph.New, keyvault.New and arm.New share: a validated
// Config, its credential and the product each request names first in its
// User-Agent. What is left to each is its own SDK's wiring.
type Setup struct {
	Config     Config
	Credential azcore.TokenCredential
	// Product leads every User-Agent header ("regsync/v1.2.3"), ahead of
	// the SDK's own.
	Product string
}

// NewSetup validates c and builds its credential. product is the
// User-Agent product; empty means buildinfo.Get().UserAgent().
func NewSetup(c Config, product string) (Setup, error) {
	if err := c.Validate(); err != nil {
		return Setup{}, err
	}
	cred, err := c.Credential()
	if err != nil {
		return Setup{}, err
	}
	if product == "" {
		product = buildinfo.Get().UserAgent()
	}
	return Setup{Config: c, Credential: cred, Product: product}, nil
}

// AzureOptions are the azcore client options of a Key Vault or Resource
// Manager client: requests sent through a Counter over next (nil means an
// http.Client over Config.Transport() with RequestTimeout), the product
// put first in the User-Agent of every attempt, and azcore's own retries
// off unless sdkRetries: every retry is the caller's (tenant.RetryPolicy),
// which knows what is safe to send again and reports it. service names the
// answers that Counter caps ("key vault"). The caller may add policies
// after the User-Agent one.
func (s Setup) AzureOptions(next policy.Transporter, service string, sdkRetries bool) (policy.ClientOptions, *Counter, error) {
	if next == nil {
		t, err := s.Config.Transport()
		if err != nil {
			return policy.ClientOptions{}, nil, err
		}
		next = &http.Client{Transport: t, Timeout: RequestTimeout}
	}
	counter := &Counter{next: next, service: service}
	o := policy.ClientOptions{Transport: counter, PerRetryPolicies: []policy.Policy{UserAgentPolicy{Product: s.Product}}}
	if !sdkRetries {
		o.Retry.MaxRetries = -1
	}
	return o, counter, nil
}

// Counter is an azcore transport that counts the requests it sends and
// caps the body of each answer at MaxResponseBytes: azcore reads every
// body whole into memory, so a hostile or broken server could otherwise
// send more than it can hold. Past the cap the call fails with an Invalid
// *tenant.Error that azcore does not retry (LimitBody).
type Counter struct {
	next    policy.Transporter
	service string
	n       atomic.Int64
}

// Do sends r.
func (c *Counter) Do(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	res, err := c.next.Do(r)
	if err != nil {
		return res, err
	}
	return LimitBody(res, c.service, MaxResponseBytes), nil
}

// Requests is the number of requests sent so far, retries and
// authentication challenges included.
func (c *Counter) Requests() int { return int(c.n.Load()) }

// UserAgentPolicy is an azcore per-retry policy that puts Product first in
// the User-Agent, ahead of the "azsdk-go-<module>/<version> (<go>; <os>)"
// azcore's telemetry policy sets. azcore's own setting for this,
// policy.TelemetryOptions.ApplicationID, silently cuts the value to 24
// characters (and turns spaces into "/"), too short for a dev build's
// "regsync/dev+0123456789ab-dirty". Run per retry, after Key Vault's
// challenge policy, it marks every attempt: retries, the unauthenticated
// probe and the request sent again with the token. Attempts share one
// header map, so a header that already starts with Product is left alone.
type UserAgentPolicy struct{ Product string }

// Do sets the header and sends the request on.
func (p UserAgentPolicy) Do(req *policy.Request) (*http.Response, error) {
	h := req.Raw().Header
	switch ua := h.Get("User-Agent"); {
	case ua == "":
		h.Set("User-Agent", p.Product)
	case ua != p.Product && !strings.HasPrefix(ua, p.Product+" "):
		h.Set("User-Agent", p.Product+" "+ua)
	}
	return req.Next()
}
