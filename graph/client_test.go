package graph

import (
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/graph/endpoints"
	"github.com/regsync/regsync/tenant"
)

// recorded is one request as the stub server saw it.
type recorded struct {
	Method string
	Path   string
	Query  url.Values
	Auth   string
	Body   map[string]any
	// Encoding is the request's Content-Encoding: regsync sends bodies
	// uncompressed (middlewares).
	Encoding string
}

// stub is a Graph stand-in at the transport level: it records requests
// and answers from a handler.
type stub struct {
	t    *testing.T
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

func newStub(t *testing.T, h func(w http.ResponseWriter, r *http.Request, body map[string]any)) (*stub, *Client) {
	t.Helper()
	s := &stub{t: t}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var rd io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				t.Errorf("gunzip: %v", err)
				return
			}
			rd = zr
		}
		raw, _ := io.ReadAll(rd)
		var body map[string]any
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Errorf("request body %q: %v", raw, err)
			}
		}
		s.mu.Lock()
		s.reqs = append(s.reqs, recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Auth: r.Header.Get("Authorization"), Body: body, Encoding: r.Header.Get("Content-Encoding")})
		s.mu.Unlock()
		h(w, r, body)
	}))
	t.Cleanup(s.srv.Close)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
	c, err := New(endpoints.Config{GraphURL: s.srv.URL + "/v1.0", Token: "test-token", CACertPEM: caPEM}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func (s *stub) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.reqs...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func graphError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

func TestListApplicationsQueriesAndPaging(t *testing.T) {
	var base string
	s, c := newStub(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		q := r.URL.Query()
		switch {
		case r.URL.Path == "/v1.0/applications" && q.Get("$expand") == "owners" && q.Get("$skiptoken") == "":
			writeJSON(w, 200, map[string]any{
				"value": []any{map[string]any{"id": "o1", "appId": "a1", "displayName": "one", "tags": []any{"regsync:set=s1"},
					"owners": []any{map[string]any{"@odata.type": "#microsoft.graph.user", "id": "u1"}}}},
				"@odata.nextLink": base + "/v1.0/applications?$skiptoken=p2&" + r.URL.RawQuery,
			})
		case r.URL.Path == "/v1.0/applications" && q.Get("$expand") == "owners":
			writeJSON(w, 200, map[string]any{"value": []any{map[string]any{"id": "o2", "appId": "a2", "displayName": "two",
				"passwordCredentials": []any{map[string]any{"keyId": "f0b0b335-1d71-4883-8f98-567911bfdca6", "hint": "abc", "secretText": nil}}}}})
		case r.URL.Path == "/v1.0/applications" && q.Get("$expand") == "federatedIdentityCredentials":
			writeJSON(w, 200, map[string]any{"value": []any{
				map[string]any{"id": "o2", "federatedIdentityCredentials": []any{map[string]any{"id": "f1", "name": "gh", "issuer": "https://i", "subject": "s", "audiences": []any{"api://AzureADTokenExchange"}}}},
			}})
		default:
			graphError(w, 400, "Request_BadRequest", "unexpected "+r.URL.String())
		}
	})
	base = s.srv.URL
	apps, err := c.ListApplications(context.Background(), "s1")
	if err != nil {
		t.Fatal(err)
	}
	want := []*tenant.Application{
		{ID: "o1", AppID: "a1", DisplayName: "one", Tags: []string{"regsync:set=s1"}, Owners: []string{"u1"}},
		{ID: "o2", AppID: "a2", DisplayName: "two",
			PasswordCredentials:  []tenant.PasswordCredential{{KeyID: "f0b0b335-1d71-4883-8f98-567911bfdca6", Hint: "abc"}},
			FederatedCredentials: []tenant.FederatedCredential{{ID: "f1", Name: "gh", Issuer: "https://i", Subject: "s", Audiences: []string{"api://AzureADTokenExchange"}}}},
	}
	if d := cmp.Diff(want, apps); d != "" {
		t.Errorf("applications (-want +got):\n%s", d)
	}
	reqs := s.requests()
	if got := c.Requests(); got != 3 || len(reqs) != 3 {
		t.Errorf("requests = %d (server saw %d), want 3", got, len(reqs))
	}
	for _, r := range reqs {
		if r.Auth != "Bearer test-token" {
			t.Errorf("%s %s: Authorization = %q, want the static token", r.Method, r.Path, r.Auth)
		}
		if got := r.Query.Get("$filter"); got != "tags/any(t:t eq 'regsync:set=s1')" {
			t.Errorf("$filter = %q", got)
		}
		if got := r.Query.Get("$top"); got != "999" {
			t.Errorf("$top = %q", got)
		}
	}
}

func TestByAppIDChunksInFilters(t *testing.T) {
	var filters []string
	var mu sync.Mutex
	_, c := newStub(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		mu.Lock()
		filters = append(filters, r.URL.Query().Get("$filter"))
		mu.Unlock()
		writeJSON(w, 200, map[string]any{"value": []any{}})
	})
	var ids []string
	for i := range 16 {
		ids = append(ids, strings.Repeat(string(rune('a'+i)), 3))
	}
	ids = append(ids, "aaa") // duplicate, asked once
	if _, err := c.ServicePrincipalsByAppID(context.Background(), ids); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"appId in ('aaa','bbb','ccc','ddd','eee','fff','ggg','hhh','iii','jjj','kkk','lll','mmm','nnn','ooo')",
		"appId in ('ppp')",
	}
	if d := cmp.Diff(want, filters); d != "" {
		t.Errorf("filters (-want +got):\n%s", d)
	}
}

func TestUpdateApplicationSendsOnlyThePatch(t *testing.T) {
	s, c := newStub(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		w.WriteHeader(http.StatusNoContent)
	})
	name := "new name"
	empty := []string{}
	uris := []string{"https://portal.contoso.com/signin-oidc"}
	_, err := c.Do(context.Background(), tenant.UpdateApplication("o1", tenant.AppProps{
		DisplayName:     &name,
		IdentifierURIs:  &empty,
		WebRedirectURIs: &uris,
	}))
	if err != nil {
		t.Fatal(err)
	}
	reqs := s.requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	want := map[string]any{
		"@odata.type":    "#microsoft.graph.application",
		"displayName":    "new name",
		"identifierUris": []any{},
		"web": map[string]any{
			"redirectUris": []any{"https://portal.contoso.com/signin-oidc"},
		},
	}
	if d := cmp.Diff(want, reqs[0].Body); d != "" {
		t.Errorf("PATCH body (-want +got):\n%s", d)
	}
	if reqs[0].Method != "PATCH" || reqs[0].Path != "/v1.0/applications/o1" {
		t.Errorf("request = %s %s", reqs[0].Method, reqs[0].Path)
	}
	if reqs[0].Encoding != "" {
		t.Errorf("PATCH body sent with Content-Encoding %q, want it uncompressed", reqs[0].Encoding)
	}
}

func TestAddPasswordAndOwnerRef(t *testing.T) {
	// Generated at run time, shaped like an Entra secret: no secret-shaped
	// literal lives in the tree.
	raw := make([]byte, 17)
	rand.Read(raw)
	secret := "abc" + "8Q~" + hex.EncodeToString(raw)
	s, c := newStub(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/addPassword"):
			writeJSON(w, 200, map[string]any{"keyId": "f0b0b335-1d71-4883-8f98-567911bfdca6", "displayName": "regsync",
				"hint": "abc", "secretText": secret, "startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2026-07-01T00:00:00Z"})
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
	ctx := context.Background()
	pc, val, err := madePassword(c.Do(ctx, tenant.AddPassword("o1", tenant.PasswordRequest{DisplayName: "regsync", End: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)})))
	if err != nil {
		t.Fatal(err)
	}
	if val.Reveal() != secret {
		t.Errorf("secret value not returned")
	}
	wantPC := tenant.PasswordCredential{KeyID: "f0b0b335-1d71-4883-8f98-567911bfdca6", DisplayName: "regsync", Hint: "abc",
		Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}
	if d := cmp.Diff(wantPC, pc); d != "" {
		t.Errorf("credential (-want +got):\n%s", d)
	}
	if _, err := c.Do(ctx, tenant.AddOwner("o1", "u2")); err != nil {
		t.Fatal(err)
	}
	reqs := s.requests()
	if got, want := reqs[1].Body["@odata.id"], s.srv.URL+"/v1.0/directoryObjects/u2"; got != want {
		t.Errorf("owner @odata.id = %v, want %v", got, want)
	}
	if reqs[1].Path != "/v1.0/applications/o1/owners/$ref" {
		t.Errorf("owner path = %s", reqs[1].Path)
	}
}

func TestErrorKinds(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		code, msg  string
		details    []string
		retryAfter string
		want       tenant.Kind
		wantAfter  time.Duration
	}{
		{name: "not found", status: 404, code: "Request_ResourceNotFound", msg: "Resource 'x' does not exist", want: tenant.NotFound},
		{name: "conflict", status: 409, code: "Conflict", msg: "exists", want: tenant.Conflict},
		{name: "throttled", status: 429, code: "TooManyRequests", msg: "slow down", retryAfter: "7", want: tenant.Throttled, wantAfter: 7 * time.Second},
		{name: "server", status: 500, code: "InternalServerError", msg: "boom", want: tenant.Transient},
		{name: "unavailable", status: 503, code: "ServiceUnavailable", msg: "later", want: tenant.Transient},
		{name: "unauthorized", status: 401, code: "InvalidAuthenticationToken", msg: "Access token is empty.", want: tenant.Forbidden},
		{name: "forbidden", status: 403, code: "Authorization_RequestDenied", msg: "Insufficient privileges", want: tenant.Forbidden},
		{name: "rule", status: 400, code: "CannotDeleteOrUpdateEnabledEntitlement", msg: "Permission (scope or role) cannot be deleted or updated unless disabled first.", want: tenant.Invalid},
		{name: "replication lag", status: 400, code: "Request_BadRequest", msg: "The appId 'x' of the service principal does not reference a valid application object.", details: []string{"NoBackingApplicationObject"}, want: tenant.NotFound},
		{name: "duplicate owner", status: 400, code: "Request_BadRequest", msg: "One or more added object references already exist for the following modified properties: 'owners'.", want: tenant.Conflict},
		{name: "identifierUris taken", status: 400, code: "Request_BadRequest", msg: "Another object with the same value for property identifierUris already exists.", details: []string{"ObjectConflict"}, want: tenant.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := newStub(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				e := map[string]any{"code": tt.code, "message": tt.msg}
				if tt.details != nil {
					var ds []any
					for _, d := range tt.details {
						ds = append(ds, map[string]any{"code": d, "message": tt.msg})
					}
					e["details"] = ds
				}
				writeJSON(w, tt.status, map[string]any{"error": e})
			})
			_, err := c.Do(context.Background(), tenant.DeleteServicePrincipal("sp1"))
			var te *tenant.Error
			if !asTenantError(err, &te) {
				t.Fatalf("error %v is not a *tenant.Error", err)
			}
			if te.Kind != tt.want {
				t.Errorf("kind = %v, want %v (err: %v)", te.Kind, tt.want, err)
			}
			if te.RetryAfter != tt.wantAfter {
				t.Errorf("RetryAfter = %v, want %v", te.RetryAfter, tt.wantAfter)
			}
			if te.Status != tt.status {
				t.Errorf("status = %d, want %d", te.Status, tt.status)
			}
		})
	}
}

func TestClassifyRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", 0}, {"10", 10 * time.Second}, {"0.5", 500 * time.Millisecond}, {"-3", 0}, {"soon", 0},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.value != "" {
			h.Set("Retry-After", tt.value)
		}
		if got := retryAfter(h, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.value, got, tt.want)
		}
	}
}

func TestRequestsCountSDKRetries(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	s := &stub{t: t}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Retry-After", "0")
			graphError(w, 429, "TooManyRequests", "Please retry again later.")
			return
		}
		writeJSON(w, 200, map[string]any{"value": []any{map[string]any{"id": "t1", "displayName": "Contoso",
			"verifiedDomains": []any{map[string]any{"name": "Contoso.onmicrosoft.com"}}}}})
	}))
	t.Cleanup(s.srv.Close)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
	c, err := New(endpoints.Config{GraphURL: s.srv.URL + "/v1.0", Token: "t", CACertPEM: caPEM}, Options{SDKRetries: true})
	if err != nil {
		t.Fatal(err)
	}
	org, err := c.Organization(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := tenant.Organization{ID: "t1", DisplayName: "Contoso", VerifiedDomains: []string{"contoso.onmicrosoft.com"}}
	if d := cmp.Diff(want, org); d != "" {
		t.Errorf("organization (-want +got):\n%s", d)
	}
	if got := c.Requests(); got != 2 {
		t.Errorf("Requests() = %d, want 2 (the throttled try and the retry)", got)
	}
}

func TestTokenOnlyToTheGraphHost(t *testing.T) {
	var auth string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		writeJSON(w, 200, map[string]any{"value": []any{}})
	}))
	defer srv.Close()
	// httptest's client sends example.com and its subdomains to srv, so
	// graph.example.com and 127.0.0.1 are two hosts of one server.
	c, err := New(endpoints.Config{GraphURL: "https://graph.example.com/v1.0", Token: "secret-token"}, Options{Transport: srv.Client().Transport})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListServicePrincipals(context.Background(), "s"); err != nil {
		t.Fatal(err)
	}
	if auth != "Bearer secret-token" {
		t.Errorf("Authorization to the Graph host = %q", auth)
	}
	auth = "unset"
	if _, err := c.sdk.ServicePrincipals().WithUrl(srv.URL+"/v1.0/servicePrincipals").Get(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		t.Errorf("Authorization to another host = %q, want none", auth)
	}
}
