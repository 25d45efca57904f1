package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// Costs of the read, in requests, as graph/, keyvault/ and arm/ make them
// (see tenant.Read and each client's list methods); TestReadEstimate holds
// them to the real clients against the emulator.
const (
	// appQueries: an application list is two paged queries with one
	// filter (the fields with the owners, the federated credentials).
	appQueries = 2
	// inChunk is how many values one `in` filter takes (graph's inLimit).
	inChunk = 15
	// scopeReads: role definitions and role assignments, per scope.
	scopeReads = 2
)

// readCount is the live count of one tenant read: the requests sent so
// far and those the read is known to need. The known total starts from
// what the query names (expectedReads), is made exact for the consents
// once the service principals are known, and grows by one for every next
// link a list's page reveals; the total shown is never below the requests
// sent.
type readCount struct {
	sent  func() int // requests sent since the read began
	known atomic.Int64
	// pages counts the further pages next links revealed (in known too).
	pages atomic.Int64
}

// newReadCount starts a count whose requests sent are reqs() minus what
// reqs() says now.
func newReadCount(reqs func() int) *readCount {
	base := reqs()
	return &readCount{sent: func() int { return reqs() - base }}
}

// add raises (or, once a guess is made exact, lowers) the known total.
func (c *readCount) add(n int) { c.known.Add(int64(n)) }

// counts returns the requests sent and the total, never below them.
func (c *readCount) counts() (sent, total int) {
	sent, total = c.sent(), int(c.known.Load())
	return sent, max(sent, total)
}

// expectedReads is what a read of q costs at one page per list, and the
// part of it that is the consents, guessed from the spec (principals:
// the service principals whose consents are read; resources: those of
// them that publish scopes or app roles, whose assignments are read whole).
// Read reads the consents of the principals that exist, so watchDir makes
// that part exact once the service principals are listed.
func expectedReads(q tenant.ReadQuery, principals, resources int) (total, consents int) {
	chunks := func(n, size int) int { return (n + size - 1) / size }
	total = 1 + appQueries + 1 // the organization, the set's applications and service principals
	total += appQueries * chunks(len(tenant.Uniq(q.AdoptedAppIDs)), inChunk)
	total += chunks(len(tenant.Uniq(append(append([]string(nil), q.AdoptedAppIDs...), q.APIAppIDs...))), inChunk)
	for _, refs := range [][]string{q.Users, q.Groups} {
		ids, names := 0, 0
		for _, r := range tenant.Uniq(refs) {
			if _, err := uuid.Parse(r); err == nil && len(r) == 36 {
				ids++
			} else {
				names++
			}
		}
		total += chunks(ids, inChunk) + chunks(names, inChunk)
	}
	perVault := 1
	if q.DeletedSecrets {
		perVault = 2
	}
	total += perVault * len(tenant.Uniq(q.Vaults))
	total += perVault * len(tenant.Uniq(q.CertificateVaults))
	total += scopeReads * len(tenant.Uniq(q.Scopes))
	consents = chunks(principals, tenant.GrantChunk) + resources
	return total + consents, consents
}

// watchDir is the directory a read goes through while it is counted: once
// the set's service principals (and the adopted ones) are listed, it
// replaces the guess of the consents' cost by what Read will send.
type watchDir struct {
	tenant.Directory
	count   *readCount
	adopted map[string]bool // lower-case appIds the spec adopts
	guess   int             // the consents' cost counted so far

	mu      sync.Mutex
	waiting int                                 // lists still to come: the set's, and the adopted ones'
	setSPs  map[string]*tenant.ServicePrincipal // the set's: GrantsOf
	ownSPs  map[string]*tenant.ServicePrincipal // adopted: ConsentsOf
}

// watchResolver is a watchDir over a directory that also names objects
// by id: each such request raises the known total as it is made (which
// ids a read names depends on what it has read).
type watchResolver struct {
	*watchDir
	r tenant.ObjectResolver
}

func (w watchResolver) ObjectsByID(ctx context.Context, ids []string) ([]tenant.DirectoryObject, error) {
	w.count.add(1)
	return w.r.ObjectsByID(ctx, ids)
}

// newWatchDir wraps dir for a counted read; the result keeps every
// optional interface of dir that tenant.Read looks for.
func newWatchDir(dir tenant.Directory, c *readCount, q tenant.ReadQuery, guess int) tenant.Directory {
	w := &watchDir{Directory: dir, count: c, adopted: map[string]bool{}, guess: guess, waiting: 1,
		setSPs: map[string]*tenant.ServicePrincipal{}, ownSPs: map[string]*tenant.ServicePrincipal{}}
	for _, id := range q.AdoptedAppIDs {
		w.adopted[strings.ToLower(id)] = true
	}
	if len(tenant.Uniq(append(append([]string(nil), q.AdoptedAppIDs...), q.APIAppIDs...))) > 0 {
		w.waiting++
	}
	if r, ok := dir.(tenant.ObjectResolver); ok {
		return watchResolver{watchDir: w, r: r}
	}
	return w
}

func (w *watchDir) ScanServicePrincipals(ctx context.Context, set string, fn func([]*tenant.ServicePrincipal, []tenant.AppRoleAssignment) error) error {
	var all []*tenant.ServicePrincipal
	err := w.Directory.ScanServicePrincipals(ctx, set, func(sps []*tenant.ServicePrincipal, held []tenant.AppRoleAssignment) error {
		all = append(all, sps...)
		return fn(sps, held)
	})
	if err == nil {
		w.listed(w.setSPs, all, func(*tenant.ServicePrincipal) bool { return true })
	}
	return err
}

func (w *watchDir) ServicePrincipalsByAppID(ctx context.Context, appIDs []string) ([]*tenant.ServicePrincipal, error) {
	sps, err := w.Directory.ServicePrincipalsByAppID(ctx, appIDs)
	if err == nil {
		w.listed(w.ownSPs, sps, func(sp *tenant.ServicePrincipal) bool { return w.adopted[strings.ToLower(sp.AppID)] })
	}
	return sps, err
}

// listed records the principals whose consents Read reads; after the last
// list it sets the consents' cost to what Read will send (a list retried
// after a failure is counted once: only its first success counts).
func (w *watchDir) listed(into map[string]*tenant.ServicePrincipal, sps []*tenant.ServicePrincipal, mine func(*tenant.ServicePrincipal) bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.waiting == 0 {
		return
	}
	for _, sp := range sps {
		if sp != nil && mine(sp) {
			into[sp.ID] = sp
		}
	}
	w.waiting--
	if w.waiting > 0 {
		return
	}
	// Read reads each principal's consents once: the set's grants
	// GrantChunk to a request, an adopted one's consents (when not the
	// set's too) ConsentChunk to a request, and every assignment on those
	// that are resources.
	resources, adopted := 0, 0
	for id, sp := range w.setSPs {
		delete(w.ownSPs, id)
		if len(sp.AppRoles) > 0 || len(sp.Scopes) > 0 {
			resources++
		}
	}
	for _, sp := range w.ownSPs {
		adopted++
		if len(sp.AppRoles) > 0 || len(sp.Scopes) > 0 {
			resources++
		}
	}
	chunks := func(n, size int) int { return (n + size - 1) / size }
	exact := chunks(len(w.setSPs), tenant.GrantChunk) + chunks(adopted, tenant.ConsentChunk) + resources
	w.count.add(exact - w.guess)
	w.guess = exact
}

// pageWatch is an HTTP transport that raises a read's known total by one
// for every next link an answer carries — a list with more pages, or a
// $batch item whose list goes on (each followed by a GET of its own) —
// and for every 401 that carries an authentication challenge: Key
// Vault's client sends its first request to a vault without a token and
// sends it again once challenged.
type pageWatch struct {
	next http.RoundTripper
	// count is the read being counted; nil outside a read.
	count atomic.Pointer[readCount]
}

// nextLinkKeys are the names under which Graph (@odata.nextLink), Key
// Vault and Azure Resource Manager (nextLink) give the next page.
var nextLinkKeys = [][]byte{[]byte(`"@odata.nextLink"`), []byte(`"nextLink"`)}

// maxWatched caps the answer size pageWatch looks into.
const maxWatched = 32 << 20

func (p *pageWatch) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := p.next.RoundTrip(req)
	c := p.count.Load()
	if err == nil && c != nil && resp.StatusCode == http.StatusUnauthorized && resp.Header.Get("WWW-Authenticate") != "" {
		c.add(1)
		return resp, nil
	}
	if err != nil || c == nil || req.Method != http.MethodGet && req.Method != http.MethodPost || resp.Body == nil ||
		!strings.Contains(resp.Header.Get("Content-Type"), "json") || resp.ContentLength > maxWatched {
		return resp, err
	}
	raw, rerr := io.ReadAll(io.LimitReader(resp.Body, maxWatched))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	if rerr != nil {
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(raw), errReader{rerr}))
		return resp, nil
	}
	n := nextLinks(raw, resp.Header.Get("Content-Encoding"))
	c.pages.Add(int64(n))
	c.add(n)
	return resp, nil
}

// nextLinks counts the non-empty next links in a JSON answer body.
func nextLinks(body []byte, encoding string) int {
	if strings.EqualFold(encoding, "gzip") {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return 0
		}
		plain, err := io.ReadAll(io.LimitReader(zr, maxWatched))
		if err != nil {
			return 0
		}
		body = plain
	}
	n := 0
	for _, k := range nextLinkKeys {
		for rest := body; ; {
			i := bytes.Index(rest, k)
			if i < 0 {
				break
			}
			rest = bytes.TrimLeft(rest[i+len(k):], " \t\r\n")
			if len(rest) == 0 || rest[0] != ':' {
				continue
			}
			rest = bytes.TrimLeft(rest[1:], " \t\r\n")
			// A string that is not empty names a page; null or "" none.
			if len(rest) > 1 && rest[0] == '"' && rest[1] != '"' {
				n++
			}
		}
	}
	return n
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// specPrincipals guesses, from the spec, the service principals whose
// consents a read reads (every application's) and how many of them
// publish scopes or app roles.
func specPrincipals(sp *spec.Spec) (principals, resources int) {
	for _, a := range sp.Applications {
		principals++
		if len(a.Scopes) > 0 || len(a.AppRoles) > 0 {
			resources++
		}
	}
	return principals, resources
}

// readTenant reads the tenant for sp over b with q; with pr it shows the
// read's progress — requests sent of those known to be needed — and its
// retries.
func readTenant(ctx context.Context, sp *spec.Spec, b *backend, q tenant.ReadQuery, pr *progress) (*tenant.Snapshot, error) {
	if pr == nil {
		return tenant.Read(ctx, b.Dir, b.Vault, q)
	}
	q.Retry.OnRetry = pr.readRetry
	snap, _, err := countedRead(ctx, sp, b, q, pr.reading)
	pr.readDone()
	return snap, err
}

// countedRead is tenant.Read with its requests counted: started gets the
// count before the first request.
func countedRead(ctx context.Context, sp *spec.Spec, b *backend, q tenant.ReadQuery, started func(*readCount)) (*tenant.Snapshot, *readCount, error) {
	c := newReadCount(b.requests)
	principals, resources := specPrincipals(sp)
	total, guess := expectedReads(q, principals, resources)
	c.add(total)
	dir := newWatchDir(b.Dir, c, q, guess)
	if b.pages != nil {
		b.pages.count.Store(c)
		defer b.pages.count.Store(nil)
	}
	started(c)
	snap, err := tenant.Read(ctx, dir, b.Vault, q)
	return snap, c, err
}
