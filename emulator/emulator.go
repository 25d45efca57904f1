package emulator

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Options configures Start. The zero value is a memory-only emulator on a
// random loopback port with a random token.
type Options struct {
	Listen   string // address to listen on; default "127.0.0.1:0"
	StateDir string // "" = memory only; else the tenant and vaults are loaded at Start, saved (atomically) SaveDelay after a write, and at Close
	Token    string // the bearer token Graph, Key Vault and the admin routes accept; random when empty
	// TokenRoles, when not nil, is the roles claim of the token the
	// emulator makes (when Token is empty) in place of DefaultTokenRoles: a
	// test hands out an identity lacking a permission. The emulator
	// enforces no role either way; the claim is for clients that read it
	// (regsync doctor).
	TokenRoles []string
	SeedFile   string           // optional JSON or YAML file with first-party service principals (an entry for a built-in appId replaces it), users and domains; applied after the state is loaded
	Faults     Faults           // initial fault knobs
	Now        func() time.Time // clock for timestamps and replication lag; default time.Now
	Logf       func(format string, args ...any)

	// SaveDelay is how long the state may go unsaved after a write when
	// StateDir is set: the writes of that window are saved together, in one
	// snapshot, so a run of writes costs one save per window instead of
	// one per write. Zero means DefaultSaveDelay. A large tenant's snapshot
	// takes long to write, so the window grows to saveSpacing times the last
	// save's duration when that is longer, which keeps saving under a
	// tenth of the time whatever the tenant's size. A crash (SIGKILL, power
	// loss) loses at most the writes of the last window and the save under
	// way; Close, and so a stop by signal, saves everything.
	SaveDelay time.Duration
}

// Faults are the fault knobs. The zero value injects no fault. Each knob
// is one field: its json tag names it on /_emulator/faults (see
// MarshalJSON), where knobs are written in field order.
type Faults struct {
	Latency        time.Duration `json:"latency"`        // every Graph, Key Vault and ARM answer comes this long after its request arrived, or later (reads are worked out within it, writes wait it first: see sleepLatency)
	ThrottleRate   float64       `json:"throttleRate"`   // Graph requests per second above which Graph answers 429 (0 = off); a token bucket holding max(1, rate) tokens
	RetryAfter     time.Duration `json:"retryAfter"`     // Retry-After sent with 429 and injected 503, in whole seconds, at least 1s
	ErrorRate      float64       `json:"errorRate"`      // fraction of requests answered with a random 500/502/503/504
	ReplicationLag time.Duration `json:"replicationLag"` // a directory object younger than this (by Options.Now) is invisible to reads and writes
	VaultOutage    bool          `json:"vaultOutage"`    // every /vaults/ request answers 503
	Seed           int64         `json:"seed"`           // seed of the randomness behind ErrorRate and LostAnswerRate
	// LostAnswerRate is the fraction of writes (any method but GET and
	// HEAD, Graph and Key Vault) that are carried out and committed, and
	// whose answer is then lost: the client gets 504 GatewayTimeout as if
	// a proxy had given up waiting, and no sign that the write happened.
	// Real services produce this under load or on a dropped connection;
	// only a client that looks before it writes again stays exactly once.
	LostAnswerRate float64 `json:"lostAnswerRate"`
	// LostAnswerRoutes limits LostAnswerRate to these routes, each written
	// as Stats names them ("POST /v1.0/applications",
	// "POST /v1.0/applications/{id}/addPassword",
	// "PUT /vaults/{vault}/secrets/{name}"). Empty means every write.
	LostAnswerRoutes []string `json:"lostAnswerRoutes"`
	// PatchReplacesComplex changes the merge rule of an application PATCH:
	// each complex value in the body (api, web, spa, publicClient, info,
	// ...) replaces the stored one whole instead of being merged property
	// by property. Graph's reference does not say which rule it applies;
	// a client that sends complex values whole is right under both.
	PatchReplacesComplex bool `json:"patchReplacesComplex"`
	// HostileNextLink makes every Graph list page carry a next link a
	// client must not follow: NextLinkSelf ("self") names the page's own
	// URL, so a client that follows it loops; an origin
	// ("https://127.0.0.1:9999", "http://127.0.0.1:8443",
	// "https://other.example") takes the place of the emulator's scheme,
	// host and port in the honest next link (or, on the last page, in the
	// page's own URL). Empty is off.
	HostileNextLink string `json:"hostileNextLink"`
	// PagePadding puts this many bytes of JSON whitespace ahead of every
	// 200 answer to a GET (Graph and Key Vault), to make pages larger than
	// a client should read. Zero is off.
	PagePadding int64 `json:"pagePadding"`
	// VaultChallenge, when set, answers every Key Vault request 401 with
	// this WWW-Authenticate value, whatever token it carries: a malformed
	// challenge ("Bearer authorization=\"garbage\"") or one naming another
	// resource ("Bearer authorization=\"https://login.microsoftonline.com/T\",
	// resource=\"https://graph.microsoft.com\""). Empty is off.
	VaultChallenge string `json:"vaultChallenge"`
	// ARMOutage makes every Azure Resource Manager request answer 503
	// ServiceUnavailable (with Retry-After).
	ARMOutage bool `json:"armOutage"`
	// ARMDeniedScopes are resource ids (and everything below them) where
	// the caller lacks permission: every Resource Manager request there
	// answers 403 AuthorizationFailed.
	ARMDeniedScopes []string `json:"armDeniedScopes"`
	// VaultCertificatesForbidden names vaults whose certificate requests
	// answer 403 Forbidden after authentication, as for an identity
	// without a certificates role (Key Vault Certificates Officer) there.
	VaultCertificatesForbidden []string `json:"vaultCertificatesForbidden,omitempty"`
	// VaultOutageRoutes limits VaultOutage to these routes, written as
	// Stats names them ("POST /vaults/{vault}/certificates/{name}/create"):
	// a vault that fails in the middle of an apply, after its reads
	// worked. Empty means every route.
	VaultOutageRoutes []string `json:"vaultOutageRoutes,omitempty"`
	// GraphThrottle turns on Microsoft Graph's identity and access limits
	// for a tenant of this size: "S" (under 50 users), "M" (50 to 500) or
	// "L" (above 500); empty is off. Every Graph request and $batch item
	// costs resource units by kind (3,500, 5,000 or 8,000 per 10 seconds
	// for the application in the tenant) and every write one write (3,000
	// per 150 seconds; 18,000 per 5 minutes for the tenant); past a quota
	// Graph answers 429 with the Retry-After that refills it and the
	// x-ms-throttle-scope and x-ms-throttle-information headers (see
	// docs/graph-quirks.md). It applies after ThrottleRate, the single-rate
	// bucket, which stays for tests that want a plain rate.
	GraphThrottle string `json:"graphThrottle"`
}

// Stats counts the requests served, by "METHOD /route/template". Requests
// inside a $batch are counted under "$batch METHOD /route/template" and are
// not part of Total, which counts HTTP requests. Admin routes are not
// counted.
type Stats struct {
	Total int `json:"total"`
	// Throttled counts the requests and $batch items answered 429; they
	// are counted under their routes too.
	Throttled int `json:"throttled"`
	// LostAnswers counts the writes carried out whose answer the
	// LostAnswerRate fault dropped (never reset).
	LostAnswers int `json:"lostAnswers"`
	// ResourceUnits and Writes add up what the Graph requests and $batch
	// items let through cost under Graph's identity limits (GraphThrottle),
	// whether or not that throttle is on.
	ResourceUnits float64        `json:"resourceUnits"`
	Writes        float64        `json:"writes"`
	Routes        map[string]int `json:"routes"`
	// First is when the first Graph or Key Vault request counted arrived,
	// Last when the last answer was written: Last-First is how long a
	// client kept the emulator busy (for benchmarks, in process only).
	First, Last time.Time `json:"-"`
}

// Fixed identities of the seeded tenant.
const (
	SeedTenantID      = "7d3f4c2a-9b1e-4f6a-8c5d-2e1b0a9f8c7d"
	SeedAdminUserID   = "5d7e2f3a-8b1c-4d6e-9f0a-1b2c3d4e5f60"
	CallerSPID        = "3f2e1d0c-5b4a-4c3d-9e8f-7a6b5c4d3e2f" // the service principal behind the token
	CallerAppID       = "9c8b7a6f-5e4d-4c3b-8a2f-1e0d9c8b7a6f"
	MicrosoftGraphApp = "00000003-0000-0000-c000-000000000000"
	HealthcareAPIsApp = "4f6778d8-5aef-43dc-a1ff-b073724b9495"
	DICOMApp          = "75e725bf-66ce-4cea-9b9a-5c4caae57f33"
)

// Emulator is a running emulator. Its methods are safe for concurrent use.
type Emulator struct {
	opts   Options
	token  string
	now    func() time.Time
	ln     net.Listener
	srv    *http.Server
	ca     *authority
	caFile string
	tmpDir string
	graph  *graphServer
	vaults vaultBackend
	arm    *armServer
	faults *faultInjector

	statsMu sync.Mutex
	stats   Stats

	saveMu sync.Mutex
	// pendingMu guards saveTimer, the save scheduled after a write, and
	// lastSave, how long the last save took.
	pendingMu sync.Mutex
	saveTimer *time.Timer
	lastSave  time.Duration
	closing   bool

	closeOnce sync.Once
	closeErr  error
	done      chan struct{} // closed by Close
}

// Start loads or seeds the tenant, generates the TLS material, listens and
// serves until Close or until ctx is done.
func Start(ctx context.Context, o Options) (*Emulator, error) {
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Token == "" {
		t, err := newCallerToken(o.Now(), o.TokenRoles)
		if err != nil {
			return nil, err
		}
		o.Token = t
	}
	if err := validateFaults(o.Faults); err != nil {
		return nil, err
	}
	e := &Emulator{opts: o, token: o.Token, now: o.Now, stats: Stats{Routes: map[string]int{}}, done: make(chan struct{})}
	dir := o.StateDir
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("creating state directory: %w", err)
		}
		removeStaleTemps(dir)
	} else {
		tmp, err := os.MkdirTemp("", "regsync-emulator-")
		if err != nil {
			return nil, fmt.Errorf("creating temporary directory: %w", err)
		}
		e.tmpDir = tmp
	}
	ca, err := newAuthority(dir, time.Now())
	if err != nil {
		e.cleanup()
		return nil, err
	}
	e.ca = ca
	if dir != "" {
		e.caFile = filepath.Join(dir, caFileName)
	} else {
		e.caFile = filepath.Join(e.tmpDir, caFileName)
		if err := writeFileAtomic(e.caFile, ca.caPEM, 0o644); err != nil {
			e.cleanup()
			return nil, err
		}
	}
	e.faults = newFaultInjector(o.Faults)
	e.graph = newGraphServer(o.Now, e.faults)
	e.vaults = newVaultBackend(SeedTenantID, o.Token, o.Now, e.faults.certificatesForbidden)
	e.arm = newARMServer(o.Now)
	e.arm.principal = e.graph.principalInfo
	if dir != "" {
		if err := e.load(); err != nil {
			e.cleanup()
			return nil, err
		}
	}
	// The seed file after the saved state, so that it applies as it is now.
	if o.SeedFile != "" {
		if err := e.graph.loadSeedFile(o.SeedFile); err != nil {
			e.cleanup()
			return nil, err
		}
		if err := e.arm.loadSeed(o.SeedFile); err != nil {
			e.cleanup()
			return nil, err
		}
	}
	e.graph.onWrite = e.persist
	e.graph.count = e.count

	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		e.cleanup()
		return nil, fmt.Errorf("listening on %s: %w", o.Listen, err)
	}
	e.ln = ln
	e.srv = &http.Server{
		Handler:           e.handler(),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{ca.leaf}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 30 * time.Second,
		// HTTP/1.1 only: an HTTP/2 server waits a second for GOAWAY on
		// shutdown, and no client behaviour depends on the protocol.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ErrorLog:     log.New(io.Discard, "", 0),
	}
	go func() { _ = e.srv.ServeTLS(ln, "", "") }()
	go func() {
		select {
		case <-ctx.Done():
			_ = e.Close()
		case <-e.done:
		}
	}()
	e.logf("emulator listening on %s (Graph %s, Key Vault %s)", ln.Addr(), e.GraphURL(), e.KeyVaultURL())
	return e, nil
}

func validateFaults(f Faults) error {
	switch {
	case f.Latency < 0, f.RetryAfter < 0, f.ReplicationLag < 0:
		return errors.New("fault durations must not be negative")
	case f.ThrottleRate < 0:
		return errors.New("throttle rate must not be negative")
	case f.ErrorRate < 0 || f.ErrorRate > 1:
		return errors.New("error rate must be between 0 and 1")
	case f.LostAnswerRate < 0 || f.LostAnswerRate > 1:
		return errors.New("lost-answer rate must be between 0 and 1")
	case f.PagePadding < 0:
		return errors.New("page padding must not be negative")
	case !validTenantSize(f.GraphThrottle):
		return fmt.Errorf("graph throttle %q: want a tenant size, S, M or L (or empty for off)", f.GraphThrottle)
	}
	return validateHostileNextLink(f.HostileNextLink)
}

func (e *Emulator) logf(format string, args ...any) {
	if e.opts.Logf != nil {
		e.opts.Logf(format, args...)
	}
}

// baseURL is https://HOST:PORT of the listener.
func (e *Emulator) baseURL() string {
	return "https://" + e.ln.Addr().String()
}

// GraphURL is the Graph base URL, https://HOST:PORT/v1.0.
func (e *Emulator) GraphURL() string { return e.baseURL() + "/v1.0" }

// KeyVaultURL is the vault URL template, https://HOST:PORT/vaults/{vault}.
func (e *Emulator) KeyVaultURL() string { return e.baseURL() + "/vaults/{vault}" }

// ARMURL is Azure Resource Manager's base URL, https://HOST:PORT (paths
// start with /subscriptions/, as on management.azure.com).
func (e *Emulator) ARMURL() string { return e.baseURL() }

// Token is the bearer token the emulator accepts.
func (e *Emulator) Token() string { return e.token }

// TenantID is the seeded tenant's id.
func (e *Emulator) TenantID() string { return SeedTenantID }

// CACertPEM is the emulator's CA certificate, PEM-encoded.
func (e *Emulator) CACertPEM() []byte { return append([]byte(nil), e.ca.caPEM...) }

// CAFile is the path of the CA certificate PEM file: in StateDir, or in a
// temporary directory removed by Close.
func (e *Emulator) CAFile() string { return e.caFile }

// Client returns an HTTP client that trusts the emulator's CA.
func (e *Emulator) Client() *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(e.ca.caCert)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

// Env returns the environment a client needs, as NAME=value pairs:
// REGSYNC_GRAPH_URL, REGSYNC_KEYVAULT_URL, REGSYNC_ARM_URL, REGSYNC_TOKEN,
// REGSYNC_TENANT_ID and SSL_CERT_FILE.
func (e *Emulator) Env() []string {
	return []string{
		"REGSYNC_GRAPH_URL=" + e.GraphURL(),
		"REGSYNC_KEYVAULT_URL=" + e.KeyVaultURL(),
		"REGSYNC_ARM_URL=" + e.ARMURL(),
		"REGSYNC_TOKEN=" + e.token,
		"REGSYNC_TENANT_ID=" + SeedTenantID,
		"SSL_CERT_FILE=" + e.caFile,
	}
}

// WriteEnvFile writes Env as "export NAME=value" lines (values shell-quoted
// when needed) to path, atomically and readable only by the owner, since it
// holds the token.
func (e *Emulator) WriteEnvFile(path string) error {
	var b strings.Builder
	b.WriteString("# regsync emulator environment: source this file.\n")
	for _, kv := range e.Env() {
		name, value, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&b, "export %s=%s\n", name, shellQuote(value))
	}
	return writeFileAtomic(path, []byte(b.String()), 0o600)
}

func shellQuote(s string) string {
	safe := s != ""
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./:=@%+,", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// SetFaults replaces every fault knob.
func (e *Emulator) SetFaults(f Faults) { e.faults.set(f) }

// Faults returns the current fault knobs.
func (e *Emulator) Faults() Faults { return e.faults.get() }

// Stats returns a copy of the request counters.
func (e *Emulator) Stats() Stats {
	e.statsMu.Lock()
	defer e.statsMu.Unlock()
	s := Stats{Total: e.stats.Total, Throttled: e.faults.takeThrottled(false), LostAnswers: e.faults.lostAnswers(), Routes: make(map[string]int, len(e.stats.Routes)),
		First: e.stats.First, Last: e.stats.Last}
	s.ResourceUnits, s.Writes = e.faults.charged(false)
	for k, v := range e.stats.Routes {
		s.Routes[k] = v
	}
	return s
}

// ResetStats sets every counter to zero.
func (e *Emulator) ResetStats() {
	e.statsMu.Lock()
	e.stats = Stats{Routes: map[string]int{}}
	e.faults.takeThrottled(true)
	e.faults.charged(true)
	e.statsMu.Unlock()
}

func (e *Emulator) count(route string, http bool) {
	e.statsMu.Lock()
	if http {
		e.stats.Total++
		if e.stats.First.IsZero() {
			e.stats.First = time.Now()
		}
	}
	e.stats.Routes[route]++
	e.statsMu.Unlock()
}

// answered notes when an answer was written, for Stats.Last.
func (e *Emulator) answered() {
	e.statsMu.Lock()
	e.stats.Last = time.Now()
	e.statsMu.Unlock()
}

// Close stops the server, saves the state when StateDir is set and removes
// the temporary directory of a memory-only emulator.
func (e *Emulator) Close() error {
	// Once blocks a concurrent second Close (ctx ending while the owner
	// closes) until the first is done, state saved included.
	e.closeOnce.Do(func() { e.closeErr = e.close() })
	return e.closeErr
}

func (e *Emulator) close() error {
	e.pendingMu.Lock()
	e.closing = true
	if e.saveTimer != nil {
		e.saveTimer.Stop() // the save below covers it
		e.saveTimer = nil
	}
	e.pendingMu.Unlock()
	e.saveMu.Lock()
	close(e.done)
	e.saveMu.Unlock()
	var errs []error
	if e.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := e.srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stopping server: %w", err))
			_ = e.srv.Close()
		}
		cancel()
	}
	if e.opts.StateDir != "" {
		if err := e.save(); err != nil {
			errs = append(errs, err)
		}
	}
	e.cleanup()
	return errors.Join(errs...)
}

func (e *Emulator) cleanup() {
	if e.tmpDir != "" {
		_ = os.RemoveAll(e.tmpDir)
	}
}

// stateFile is the document saved in StateDir.
type stateFile struct {
	Format int             `json:"format"`
	Graph  json.RawMessage `json:"graph"`
	Vaults json.RawMessage `json:"vaults"`
	// ARM holds the Azure resources and role assignments; absent in a
	// state saved before the emulator served ARM (the seed is kept then).
	ARM json.RawMessage `json:"arm,omitempty"`
}

const stateFileName = "state.json"

func (e *Emulator) load() error {
	b, err := os.ReadFile(filepath.Join(e.opts.StateDir, stateFileName))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("reading state: %w", err)
	}
	var s stateFile
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("reading state %s: %w", filepath.Join(e.opts.StateDir, stateFileName), err)
	}
	if s.Format != 1 {
		return fmt.Errorf("state %s has format %d, want 1", filepath.Join(e.opts.StateDir, stateFileName), s.Format)
	}
	if len(s.Graph) > 0 && string(s.Graph) != "null" {
		if err := e.graph.unmarshalState(s.Graph); err != nil {
			return fmt.Errorf("reading tenant state: %w", err)
		}
	}
	if len(s.Vaults) > 0 && string(s.Vaults) != "null" {
		if err := e.vaults.UnmarshalState(s.Vaults); err != nil {
			return fmt.Errorf("reading vault state: %w", err)
		}
	}
	if len(s.ARM) > 0 && string(s.ARM) != "null" {
		if err := e.arm.unmarshalState(s.ARM); err != nil {
			return fmt.Errorf("reading Azure Resource Manager state: %w", err)
		}
	}
	return nil
}

// DefaultSaveDelay is Options.SaveDelay's default.
const DefaultSaveDelay = 200 * time.Millisecond

// saveSpacing is how many times the last save's duration the next save
// waits at least: saves then take at most 1/(saveSpacing+1) of the time.
const saveSpacing = 9

// saveDelay is the window before the next save: delay (SaveDelay or its
// default), or saveSpacing times the last save's duration when longer.
func saveDelay(delay, last time.Duration) time.Duration {
	if delay <= 0 {
		delay = DefaultSaveDelay
	}
	return max(delay, saveSpacing*last)
}

// persist schedules a save of the state after a write when StateDir is
// set: a window (saveDelay) later, unless one is scheduled already, so the
// cost of saving is one snapshot per window, whatever the writes in it. A save
// failure is logged, not returned to the client.
func (e *Emulator) persist() {
	if e.opts.StateDir == "" {
		return
	}
	e.pendingMu.Lock()
	defer e.pendingMu.Unlock()
	if e.closing || e.saveTimer != nil {
		return
	}
	e.saveTimer = time.AfterFunc(saveDelay(e.opts.SaveDelay, e.lastSave), e.flush)
}

// flush runs a scheduled save. The schedule is cleared before the
// snapshot is taken, so a write the snapshot misses schedules the next.
func (e *Emulator) flush() {
	e.pendingMu.Lock()
	if e.closing {
		e.pendingMu.Unlock()
		return
	}
	e.saveTimer = nil
	e.pendingMu.Unlock()
	began := time.Now()
	if err := e.save(); err != nil {
		e.logf("emulator: saving state: %v", err)
	}
	e.pendingMu.Lock()
	e.lastSave = time.Since(began)
	e.pendingMu.Unlock()
}

// removeStaleTemps removes the temporary files a killed run left in the
// state directory: writeFileAtomic writes ".NAME.tmp*" beside NAME and
// renames it, and a process killed between the two cannot remove it.
func removeStaleTemps(dir string) {
	for _, name := range []string{stateFileName, caFileName, caKeyFileName} {
		matches, _ := filepath.Glob(filepath.Join(dir, "."+name+".tmp*"))
		for _, m := range matches {
			_ = os.Remove(m)
		}
	}
}

func (e *Emulator) save() error {
	e.saveMu.Lock()
	defer e.saveMu.Unlock()
	g, err := e.graph.marshalState()
	if err != nil {
		return fmt.Errorf("encoding tenant state: %w", err)
	}
	v, err := e.vaults.MarshalState()
	if err != nil {
		return fmt.Errorf("encoding vault state: %w", err)
	}
	a, err := e.arm.marshalState()
	if err != nil {
		return fmt.Errorf("encoding Azure Resource Manager state: %w", err)
	}
	b, err := json.Marshal(stateFile{Format: 1, Graph: g, Vaults: v, ARM: a})
	if err != nil {
		return fmt.Errorf("encoding state: %w", err)
	}
	return writeFileAtomic(filepath.Join(e.opts.StateDir, stateFileName), b, 0o600)
}

// SecretValues returns every client secret the emulator issued since Start
// (addPassword's secretText) and every value its vaults hold or held, so
// tests can prove that none of them appears in an output or a file.
func (e *Emulator) SecretValues() []string {
	e.graph.mu.Lock()
	out := append([]string(nil), e.graph.issued...)
	e.graph.mu.Unlock()
	return append(out, e.vaults.SecretValues()...)
}
