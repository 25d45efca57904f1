package graph

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/graph/endpoints"
	"github.com/regsync/regsync/tenant"
)

// bystander is a server a next link must never reach. It records every
// request and answers with a page that plants an application, so a client
// that follows the link is caught either way.
type bystander struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string // "METHOD HOST PATH auth=yes|no"
}

func newBystander(t *testing.T, tls bool) *bystander {
	b := &bystander{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.seen = append(b.seen, fmt.Sprintf("%s %s %s auth=%v", r.Method, r.Host, r.URL.Path, r.Header.Get("Authorization") != ""))
		b.mu.Unlock()
		writeJSON(w, 200, map[string]any{"value": []any{map[string]any{"id": "planted", "appId": "planted", "displayName": "planted"}}})
	})
	if tls {
		b.srv = httptest.NewTLSServer(h)
	} else {
		b.srv = httptest.NewServer(h)
	}
	t.Cleanup(b.srv.Close)
	return b
}

func (b *bystander) requests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.seen...)
}

// TestNextLinkMustKeepTheOrigin lists applications while the emulator
// gives every page a next link to somewhere else: another host name (the
// test's transport dials it on loopback), the same host on another port,
// and plain http. The client must refuse each link without sending a
// request, and must not return a planted application.
func TestNextLinkMustKeepTheOrigin(t *testing.T) {
	e := startEmulator(t, emulator.Faults{})
	otherPort := newBystander(t, true)
	plain := newBystander(t, false)
	const foreignHost = "evil.example.com" // the bystander's certificate covers *.example.com

	cfg := emulatorConfig(e)
	tr, err := cfg.Transport()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(e.CACertPEM())
	pool.AddCert(otherPort.srv.Certificate())
	tr.TLSClientConfig.RootCAs = pool
	var dialer net.Dialer
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if strings.HasPrefix(addr, foreignHost+":") {
			addr = otherPort.srv.Listener.Addr().String()
		}
		return dialer.DialContext(ctx, network, addr)
	}
	c, err := New(cfg, Options{Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tags := []string{tenant.SetTag("s1")}
	name := "real"
	if _, err := madeApp(c.Do(ctx, tenant.CreateApplication(tenant.AppProps{DisplayName: &name, Tags: &tags}))); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(otherPort.srv.Listener.Addr().String())
	for _, origin := range []string{
		"https://" + foreignHost + ":" + port,
		otherPort.srv.URL, // https://127.0.0.1:OTHER
		plain.srv.URL,     // http://127.0.0.1:OTHER
		"http://" + strings.TrimPrefix(strings.TrimSuffix(e.GraphURL(), "/v1.0"), "https://"), // plain http, the emulator's own port
	} {
		t.Run(origin, func(t *testing.T) {
			e.SetFaults(emulator.Faults{HostileNextLink: origin})
			defer e.SetFaults(emulator.Faults{})
			apps, err := c.ListApplications(ctx, "s1")
			if kindOf(err) != tenant.Invalid || !strings.Contains(fmt.Sprint(err), "next link") {
				t.Errorf("ListApplications = %d apps, %v; want an invalid-kind error about the next link", len(apps), err)
			}
			for _, b := range []*bystander{otherPort, plain} {
				if got := b.requests(); len(got) > 0 {
					t.Errorf("the client followed a next link off the Graph origin: %v", got)
				}
			}
		})
	}
}

// TestSelfReferencingNextLinkStops lists applications while every page
// names itself as the next page: the client must stop with an error, not
// loop.
func TestSelfReferencingNextLinkStops(t *testing.T) {
	e := startEmulator(t, emulator.Faults{HostileNextLink: emulator.NextLinkSelf})
	c := emulatorClient(t, e, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for name, list := range map[string]func() error{
		"applications":       func() error { _, err := c.ListApplications(ctx, "s1"); return err },
		"service principals": func() error { _, err := c.ListServicePrincipals(ctx, "s1"); return err },
	} {
		err := list()
		if kindOf(err) != tenant.Invalid || !strings.Contains(fmt.Sprint(err), "next link") {
			t.Errorf("%s: %v; want an invalid-kind error about a repeated next link", name, err)
		}
	}
	if st := e.Stats(); st.Total > 10 {
		t.Errorf("%d requests for two lists whose pages name themselves: %v", st.Total, st.Routes)
	}
}

// TestPagesOfOneListAreCapped serves a list with no end, each page naming
// a new next link; the client stops at its page cap.
func TestPagesOfOneListAreCapped(t *testing.T) {
	var base string
	s, c := newStub(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		n := 0
		fmt.Sscan(r.URL.Query().Get("$skiptoken"), &n)
		writeJSON(w, 200, map[string]any{"value": []any{},
			"@odata.nextLink": fmt.Sprintf("%s/v1.0/servicePrincipals?$skiptoken=%d", base, n+1)})
	})
	base = s.srv.URL
	c.maxPages = 7
	_, err := c.ListServicePrincipals(context.Background(), "s1")
	if kindOf(err) != tenant.Invalid || !strings.Contains(fmt.Sprint(err), "7 pages") {
		t.Errorf("endless list: %v; want an invalid-kind error naming the cap of 7 pages", err)
	}
	if got := len(s.requests()); got != 7 {
		t.Errorf("%d requests, want 7 (the cap)", got)
	}
	if defaultMaxPages != 10000 {
		t.Errorf("defaultMaxPages = %d; docs/graph-quirks.md says 10,000", defaultMaxPages)
	}
}

// TestOversizedPageIsRefused lists applications while the emulator puts
// more than the response cap ahead of every page: the list fails with an
// invalid-kind error, having read no more than about the cap.
func TestOversizedPageIsRefused(t *testing.T) {
	e := startEmulator(t, emulator.Faults{PagePadding: 17 << 20})
	c := emulatorClient(t, e, Options{})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	apps, err := c.ListApplications(context.Background(), "s1")
	runtime.ReadMemStats(&after)
	if kindOf(err) != tenant.Invalid || !strings.Contains(fmt.Sprint(err), "more than 16 MiB") {
		t.Errorf("ListApplications = %d apps, %v; want an invalid-kind error naming the 16 MiB cap", len(apps), err)
	}
	// Two lists run in parallel, each reading up to the cap into a buffer
	// that grows by doubling.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 200<<20 {
		t.Errorf("listing allocated %d MiB", alloc>>20)
	}
}

// TestLargestPageFitsUnderTheCap measures the largest page a query of
// regsync's could bring: 999 applications with its application $select,
// each with more than a typical registration holds. (Its own listing
// expands owners, which Graph serves 100 a page: smaller still.) The figure is in
// docs/graph-quirks.md ("Response size"); the cap must stay well above it.
func TestLargestPageFitsUnderTheCap(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 999 applications")
	}
	e := startEmulator(t, emulator.Faults{})
	c := emulatorClient(t, e, Options{})
	ctx := context.Background()
	long := strings.Repeat("Reads and writes the clinical records of the FHIR service. ", 4)
	var writes []tenant.Write
	for i := range int(pageSize) {
		key := fmt.Sprintf("app-%03d", i)
		name, desc, notes := "Contoso FHIR "+key, long, long
		tags := []string{tenant.SetTag("big"), tenant.KeyTag(key), "HideApp"}
		uris := []string{fmt.Sprintf("api://%s", tenant.StableID("big", key, "uri", "0"))}
		var redirects []string
		for j := range 5 {
			redirects = append(redirects, fmt.Sprintf("https://portal-%03d-%d.contoso.com/signin-oidc", i, j))
		}
		var scopes []tenant.PermissionScope
		var roles []tenant.AppRole
		for j := range 3 {
			v := fmt.Sprintf("scope%d", j)
			scopes = append(scopes, tenant.PermissionScope{ID: tenant.StableID("big", key, "scope", v), Value: v, Type: "User", IsEnabled: true,
				AdminConsentDisplayName: long[:60], AdminConsentDescription: long, UserConsentDisplayName: long[:60], UserConsentDescription: long})
			v = fmt.Sprintf("role%d", j)
			roles = append(roles, tenant.AppRole{ID: tenant.StableID("big", key, "role", v), Value: v, DisplayName: long[:60], Description: long,
				AllowedMemberTypes: []string{"User", "Application"}, IsEnabled: true})
		}
		rra := []tenant.RequiredResourceAccess{{ResourceAppID: emulator.MicrosoftGraphApp, ResourceAccess: []tenant.ResourceAccess{
			{ID: "e1fe6dd8-ba31-4d61-89e7-88639da4683d", Type: "Scope"}, {ID: "df021288-bdef-4463-88db-98f22de89214", Type: "Role"}}}}
		writes = append(writes, tenant.CreateApplication(tenant.AppProps{DisplayName: &name, Description: &desc, Notes: &notes, Tags: &tags,
			IdentifierURIs: &uris, WebRedirectURIs: &redirects, Scopes: &scopes, AppRoles: &roles, RequiredResourceAccess: &rra}))
	}
	for _, r := range c.DoBatch(ctx, writes) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	q := url.Values{"$select": {strings.Join(applicationSelect, ",")}, "$top": {fmt.Sprint(pageSize)}, "$filter": {tagFilter("big")}}
	req, _ := http.NewRequest("GET", e.GraphURL()+"/applications?"+q.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+e.Token())
	res, err := e.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET a page of 999: %d, %v", res.StatusCode, err)
	}
	t.Logf("a page of %d applications: %d bytes (%.1f MiB); the cap is %d MiB", pageSize, len(body), float64(len(body))/(1<<20), endpoints.MaxResponseBytes>>20)
	if len(body) > endpoints.MaxResponseBytes/2 {
		t.Errorf("a page of 999 applications is %d bytes, more than half the %d-byte cap", len(body), endpoints.MaxResponseBytes)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	apps, err := c.ListApplications(ctx, "big")
	runtime.ReadMemStats(&after)
	t.Logf("ListApplications of those 999 allocated %d MiB", (after.TotalAlloc-before.TotalAlloc)>>20)
	if err != nil || len(apps) != int(pageSize) {
		t.Errorf("ListApplications = %d apps, %v; want %d", len(apps), err, pageSize)
	}
}
