package keyvault

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	azruntime "github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/regsync/regsync/graph/endpoints"
	"github.com/regsync/regsync/tenant"
)

// Store implements tenant.SecretStore. It is safe for concurrent use.
type Store struct {
	cfg     endpoints.Config
	cred    azcore.TokenCredential
	counter *endpoints.Counter
	// azure are the client options every vault's clients start from
	// (endpoints.Setup.AzureOptions).
	azure   policy.ClientOptions
	mu      sync.Mutex
	clients map[string]*azsecrets.Client
	// certClients are the certificates clients (certificates.go).
	certClients map[string]*azcertificates.Client
}

var _ tenant.SecretStore = (*Store)(nil)

// Options tune a Store; the zero value is right for production.
type Options struct {
	// Transport sends the requests; nil means an http.Client over
	// cfg.Transport() (Go's defaults plus cfg.CACertPEM).
	Transport policy.Transporter
	// SDKRetries turns on azcore's own retries (408, 429 and 5xx, a fixed
	// three times). They are off by default, and regsync never turns them
	// on: every retry is the caller's (tenant.RetryPolicy), which bounds a
	// run of failures and reports each retry as an event, where azcore's
	// retries were silent waits (a vault outage was 70 s of silence).
	SDKRetries bool
	// UserAgent is the product every request names first in its
	// User-Agent header, ahead of azcore's own ("regsync/v1.2.3
	// azsdk-go-azsecrets/v1.5.1 (go1.26.8; linux)"); empty means
	// buildinfo.Get().UserAgent().
	UserAgent string
}

// New builds a Store for cfg.
func New(cfg endpoints.Config, opts Options) (*Store, error) {
	setup, err := endpoints.NewSetup(cfg, opts.UserAgent)
	if err != nil {
		return nil, err
	}
	azure, counter, err := setup.AzureOptions(opts.Transport, "key vault", opts.SDKRetries)
	if err != nil {
		return nil, err
	}
	return &Store{cfg: cfg, cred: setup.Credential, counter: counter, azure: azure, clients: map[string]*azsecrets.Client{}}, nil
}

// Requests is the number of HTTP requests sent so far, retries and
// authentication challenges included.
func (s *Store) Requests() int { return s.counter.Requests() }

// client returns the (cached) client of a vault.
func (s *Store) client(vault string) (*azsecrets.Client, error) {
	if vault == "" {
		return nil, &tenant.Error{Kind: tenant.Invalid, Message: "empty vault name"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[vault]; ok {
		return c, nil
	}
	vaultURL, cred, azure, err := s.vaultClientSetup(vault)
	if err != nil {
		return nil, err
	}
	opts := &azsecrets.ClientOptions{ClientOptions: azure, DisableChallengeResourceVerification: s.cfg.VaultOverridden()}
	c, err := azsecrets.NewClient(vaultURL, cred, opts)
	if err != nil {
		return nil, fmt.Errorf("building the key vault client for %q: %w", vault, err)
	}
	s.clients[vault] = c
	return c, nil
}

// vaultClientSetup is what a vault's secrets and certificates clients
// share: its URL, the credential and the client options with the
// challenge check of this vault.
func (s *Store) vaultClientSetup(vault string) (string, azcore.TokenCredential, policy.ClientOptions, error) {
	vaultURL := s.cfg.VaultURLFor(vault)
	u, err := url.Parse(vaultURL)
	if err != nil {
		return "", nil, policy.ClientOptions{}, &tenant.Error{Kind: tenant.Invalid, Message: fmt.Sprintf("vault %q: URL %q: %v", vault, vaultURL, err)}
	}
	// The challenge names the cloud's Key Vault resource, which the SDK
	// checks against the vault's host name (the clients skip that check
	// for an overridden URL): a host behind an override (an emulator on
	// 127.0.0.1:PORT, a private name) never matches it. Only a loopback
	// host goes unchecked; any other is held to the cloud's resource and
	// the configured tenant by challengeGuard, whatever its name
	// (challenge.go).
	cred := s.cred
	if !endpoints.IsLoopback(u.Hostname()) {
		cred = challengeGuard{cred: s.cred, vault: vault, resource: s.cfg.VaultResource(), tenantID: s.cfg.TenantID}
	}
	azure := s.azure
	azure.PerRetryPolicies = append(slices.Clip(s.azure.PerRetryPolicies), challengeCheck{vault: vault})
	return vaultURL, cred, azure, nil
}

// ListSecrets pages through the vault's secret metadata. It never reads a
// value.
func (s *Store) ListSecrets(ctx context.Context, vault string) ([]tenant.SecretMeta, error) {
	c, err := s.client(vault)
	if err != nil {
		return nil, err
	}
	return readPages(ctx, s, vault, "listing secrets", fmt.Sprintf("listing secrets of vault %q", vault),
		c.NewListSecretPropertiesPager(nil), func(page azsecrets.ListSecretPropertiesResponse) ([]tenant.SecretMeta, *string) {
			return secretMetas(vault, page.Value), page.NextLink
		})
}

// secretMetas is the metadata of a page of secrets (or versions).
func secretMetas(vault string, page []*azsecrets.SecretProperties) []tenant.SecretMeta {
	return convertItems(page, func(p *azsecrets.SecretProperties) tenant.SecretMeta {
		return toMeta(vault, p.ID, p.ContentType, p.Tags, p.Attributes)
	})
}

// convertItems converts the items of a page, skipping nil ones.
func convertItems[X, T any](page []*X, convert func(*X) T) []T {
	var out []T
	for _, p := range page {
		if p != nil {
			out = append(out, convert(p))
		}
	}
	return out
}

// readPages reads every page of one of a vault's lists: each page through
// s.call (a panic in the SDK becomes an error), and each next link checked
// by endpoints.NextLinks before azcore's pager follows it (which it would
// do to any host, with the token): the vault's scheme, host and port only,
// no link twice, at most endpoints.MaxPages pages. read returns a page's
// items and its next link. doing names the call ("listing secrets"); what
// names the list in errors ("listing secrets of vault \"kv1\""). A
// request's error is mapped (mapError) and wrapped in what. The size of
// each answer is capped below, by the transport (endpoints.Counter).
func readPages[P, T any](ctx context.Context, s *Store, vault, doing, what string, pager *azruntime.Pager[P], read func(P) ([]T, *string)) ([]T, error) {
	links := endpoints.NewNextLinks(s.cfg.VaultURLFor(vault), "key vault", what, endpoints.MaxPages)
	var out []T
	for pager.More() {
		var page P
		err := s.call(vault, doing, func() (err error) {
			page, err = pager.NextPage(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, mapError(err, vault))
		}
		items, next := read(page)
		out = append(out, items...)
		if _, err := links.Next(next); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SetSecret writes a new version of a secret with its content type, tags
// and expiry, and returns the version's metadata (never the value).
func (s *Store) SetSecret(ctx context.Context, vault, name string, value tenant.SecretValue, w tenant.SecretWrite) (tenant.SecretMeta, error) {
	c, err := s.client(vault)
	if err != nil {
		return tenant.SecretMeta{}, err
	}
	if value.IsZero() {
		return tenant.SecretMeta{}, &tenant.Error{Kind: tenant.Invalid, Message: fmt.Sprintf("writing secret %q to vault %q: empty value", name, vault)}
	}
	params := azsecrets.SetSecretParameters{Value: ptr(value.Reveal())}
	if w.ContentType != "" {
		params.ContentType = ptr(w.ContentType)
	}
	if len(w.Tags) > 0 {
		params.Tags = map[string]*string{}
		for k, v := range w.Tags {
			params.Tags[k] = ptr(v)
		}
	}
	if w.Expires != nil || w.NotBefore != nil {
		params.SecretAttributes = &azsecrets.SecretAttributes{}
		if w.Expires != nil {
			params.SecretAttributes.Expires = ptr(w.Expires.UTC())
		}
		if w.NotBefore != nil {
			params.SecretAttributes.NotBefore = ptr(w.NotBefore.UTC())
		}
	}
	var resp azsecrets.SetSecretResponse
	err = s.call(vault, fmt.Sprintf("writing secret %q", name), func() (err error) {
		resp, err = c.SetSecret(ctx, name, params, nil)
		return err
	})
	if err != nil {
		return tenant.SecretMeta{}, fmt.Errorf("writing secret %q to vault %q: %w", name, vault, mapError(err, vault))
	}
	return toMeta(vault, resp.ID, resp.ContentType, resp.Tags, resp.Attributes), nil
}

func toMeta(vault string, id *azsecrets.ID, contentType *string, tags map[string]*string, attrs *azsecrets.SecretAttributes) tenant.SecretMeta {
	m := tenant.SecretMeta{Vault: vault, Enabled: true}
	if id != nil {
		m.Name, m.Version = ParseID(string(*id))
	}
	if contentType != nil {
		m.ContentType = *contentType
	}
	m.Tags = tagValues(tags)
	if attrs != nil {
		if attrs.Enabled != nil {
			m.Enabled = *attrs.Enabled
		}
		if attrs.Expires != nil {
			m.Expires = ptr(attrs.Expires.UTC())
		}
		if attrs.Created != nil {
			m.Created = attrs.Created.UTC()
		}
		if attrs.Updated != nil {
			m.Updated = attrs.Updated.UTC()
		}
	}
	return m
}

// ParseID returns the name and version (empty when absent) of a secret id
// such as https://v.vault.azure.net/secrets/NAME/VERSION or
// https://127.0.0.1:8443/vaults/v/secrets/NAME: the segments after the last
// "secrets" segment of the path.
func ParseID(id string) (name, version string) {
	return parseObjectID(id, "secrets")
}

// parseObjectID returns the name and version (empty when absent) of a vault
// object id: the segments after the last path segment that is one of
// collections.
func parseObjectID(id string, collections ...string) (name, version string) {
	path := id
	if u, err := url.Parse(id); err == nil && u.Path != "" {
		path = u.Path
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := len(segs) - 2; i >= 0; i-- {
		if slices.Contains(collections, segs[i]) {
			name = segs[i+1]
			if i+2 < len(segs) {
				version = segs[i+2]
			}
			return name, version
		}
	}
	return "", ""
}

// mapError turns an azsecrets/azcore error into a *tenant.Error:
// 404 NotFound, 409 Conflict (e.g. a soft-deleted name), 429 Throttled
// with Retry-After, 408/5xx Transient, 401/403 Forbidden, other 4xx
// Invalid; an unknown vault host is NotFound.
func mapError(err error, vault string) error {
	if te := (*tenant.Error)(nil); errors.As(err, &te) {
		return te // already classified, e.g. an answer past the size cap
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		e := &tenant.Error{Status: re.StatusCode, Code: re.ErrorCode, Err: err,
			Message: fmt.Sprintf("key vault %q answered %d %s", vault, re.StatusCode, http.StatusText(re.StatusCode))}
		switch s := re.StatusCode; {
		case s == http.StatusNotFound:
			e.Kind = tenant.NotFound
		case s == http.StatusConflict:
			e.Kind = tenant.Conflict
		case s == http.StatusTooManyRequests:
			e.Kind = tenant.Throttled
			if re.RawResponse != nil {
				e.RetryAfter = retryAfter(re.RawResponse.Header)
			}
		case s == http.StatusRequestTimeout || s >= 500:
			e.Kind = tenant.Transient
		case s == http.StatusUnauthorized || s == http.StatusForbidden:
			e.Kind = tenant.Forbidden
		case s >= 400:
			e.Kind = tenant.Invalid
		default:
			e.Kind = tenant.Unknown
		}
		return e
	}
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return &tenant.Error{Kind: tenant.NotFound, Message: fmt.Sprintf("key vault %q does not exist (no such host %s)", vault, dns.Name), Err: err}
	}
	if errors.Is(err, context.Canceled) {
		return &tenant.Error{Kind: tenant.Unknown, Message: "cancelled", Err: err}
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return &tenant.Error{Kind: tenant.Transient, Message: "timed out", Err: err}
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return &tenant.Error{Kind: tenant.Transient, Message: "network error", Err: err}
	}
	return &tenant.Error{Kind: tenant.Unknown, Err: err}
}

// retryAfter reads the delay headers Key Vault and azcore know:
// retry-after-ms, x-ms-retry-after-ms, then Retry-After (seconds or date).
func retryAfter(h http.Header) time.Duration {
	for _, k := range []string{"retry-after-ms", "x-ms-retry-after-ms"} {
		if v := h.Get(k); v != "" {
			if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
				return time.Duration(ms * float64(time.Millisecond))
			}
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s > 0 {
			return time.Duration(s * float64(time.Second))
		}
		return 0
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

func ptr[T any](v T) *T { return &v }

// tagValues copies the SDK's tags without their nil values; nil when there
// are none.
func tagValues(tags map[string]*string) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	out := map[string]string{}
	for k, v := range tags {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}
