package emulator

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// handler is the whole server: admin routes, Key Vault and Graph.
func (e *Emulator) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		switch {
		case strings.HasPrefix(r.URL.Path, "/_emulator/"):
			e.serveAdmin(rec, r)
		case strings.HasPrefix(r.URL.Path, "/vaults/"):
			e.serveVault(rec, r)
		case isARMPath(r.URL.Path):
			e.serveARM(rec, r)
		default:
			e.serveGraph(rec, r)
		}
		e.logf("%s %s -> %d (%s)", r.Method, r.URL.RequestURI(), rec.code(), time.Since(start).Round(time.Millisecond))
	})
}

// statusRecorder remembers the status written, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) code() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}

func (e *Emulator) bearerOK(r *http.Request) (present, ok bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return false, false
	}
	scheme, tok, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return true, false
	}
	return true, subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(e.token)) == 1
}

func (e *Emulator) sleepLatency(r *http.Request) {
	if d := e.faults.latency(); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
		}
	}
}

// serveGraph applies, in order: the request counter, latency, the bearer
// token check, the throttle, random 5xx, then the Graph handler.
func (e *Emulator) serveGraph(w http.ResponseWriter, r *http.Request) {
	rt := resolveGraphRoute(r.Method, r.URL.Path)
	route := r.Method + " " + rt.template
	e.count(route, true)
	defer e.answered()
	e.sleepLatency(r)
	ctx := newGraphCtx(r, e.now())
	ctx.hostileNextLink = e.faults.get().HostileNextLink
	w = e.padded(w, r)
	if present, ok := e.bearerOK(r); !ok {
		msg := "Access token is empty."
		if present {
			msg = "Access token validation failure. Invalid audience."
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
		ctx.writeError(w, gerr(http.StatusUnauthorized, "InvalidAuthenticationToken", msg))
		return
	}
	if ok, after, h := e.faults.takeGraph(r.Method, rt.pattern, r.URL.Query()); !ok {
		for k, v := range h {
			w.Header()[k] = v
		}
		writeThrottled(w, ctx, after)
		return
	}
	if status := e.faults.injectedError(); status != 0 {
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", e.faults.retryAfterHeader())
		}
		ctx.writeError(w, injectedGraphError(status))
		return
	}
	if e.faults.lostAnswer(r.Method, route) {
		e.graph.serve(&discardWriter{}, r, ctx, rt)
		ctx.writeError(w, gerr(http.StatusGatewayTimeout, "GatewayTimeout", "The request timed out (the emulator carried out the write and dropped its answer)."))
		return
	}
	e.graph.serve(w, r, ctx, rt)
}

func writeThrottled(w http.ResponseWriter, ctx *graphCtx, after int) {
	w.Header().Set("Retry-After", strconv.Itoa(after))
	// The identity model (throttle.go) names its quota; the single-rate
	// bucket keeps these.
	if w.Header().Get("x-ms-throttle-scope") == "" {
		w.Header().Set("x-ms-throttle-scope", "Tenant_Application/ReadWrite/"+CallerAppID+"/"+SeedTenantID)
		w.Header().Set("x-ms-throttle-information", "WriteLimitExceeded")
	}
	ctx.writeError(w, gerr(http.StatusTooManyRequests, "TooManyRequests", "Too many requests. Please retry again later."))
}

func injectedGraphError(status int) *graphError {
	switch status {
	case 500:
		return gerr(status, "UnknownError", "An internal server error occurred (injected by the emulator).")
	case 502:
		return gerr(status, "BadGateway", "The gateway did not receive a timely response (injected by the emulator).")
	case 503:
		return gerr(status, "serviceNotAvailable", "The service is temporarily unavailable (injected by the emulator).")
	case 504:
		return gerr(status, "GatewayTimeout", "The request timed out (injected by the emulator).")
	default:
		panic(fmt.Sprintf("internal error: no injected error for status %d", status))
	}
}

// serveVault applies the counter, latency, the outage and random 5xx around
// the Key Vault handler, and saves the state after a write.
func (e *Emulator) serveVault(w http.ResponseWriter, r *http.Request) {
	route := r.Method + " " + vaultRouteTemplate(r.URL.Path)
	e.count(route, true)
	defer e.answered()
	e.sleepLatency(r)
	if c := e.faults.get().VaultChallenge; c != "" {
		writeVaultChallenge(w, c)
		return
	}
	w = e.padded(w, r)
	if e.faults.vaultOutage(route) {
		writeKVError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "The Key Vault service is unavailable (emulated outage).")
		return
	}
	if status := e.faults.injectedError(); status != 0 {
		writeKVError(w, status, http.StatusText(status), "Injected failure from the emulator.")
		return
	}
	if e.faults.lostAnswer(r.Method, route) {
		e.vaults.ServeHTTP(&discardWriter{}, r)
		e.persist()
		writeKVError(w, http.StatusGatewayTimeout, "GatewayTimeout", "The request timed out (the emulator carried out the write and dropped its answer).")
		return
	}
	e.vaults.ServeHTTP(w, r)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		e.persist()
	}
}

// vaultRouteTemplate turns /vaults/x/secrets/y/v into
// /vaults/{vault}/secrets/{name}/{version}.
func vaultRouteTemplate(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	out := []string{"vaults"}
	if len(segs) > 1 {
		out = append(out, "{vault}")
	}
	if len(segs) > 2 {
		out = append(out, segs[2])
	}
	if len(segs) > 3 {
		out = append(out, "{name}")
	}
	if len(segs) > 4 {
		switch segs[4] {
		case "versions", "recover", "create", "pending", "policy", "":
			out = append(out, segs[4])
		default:
			out = append(out, "{version}")
		}
	}
	t := "/" + strings.Join(out, "/")
	if strings.HasSuffix(path, "/") && len(segs) > 1 {
		t += "/"
	}
	return t
}

// writeKVError writes Key Vault's error document.
func writeKVError(w http.ResponseWriter, status int, code, message string) {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": code, "message": message}})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// serveAdmin serves /_emulator/*: stats, reset-stats, vaults and faults. It
// needs the bearer token and is not counted.
func (e *Emulator) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if _, ok := e.bearerOK(r); !ok {
		writeAdminJSON(w, http.StatusUnauthorized, map[string]string{"error": "the admin routes need the emulator's bearer token"})
		return
	}
	switch r.URL.Path {
	case "/_emulator/stats":
		if r.Method != http.MethodGet {
			adminMethodNotAllowed(w, "GET")
			return
		}
		writeAdminJSON(w, http.StatusOK, e.Stats())
	case "/_emulator/reset-stats":
		if r.Method != http.MethodPost {
			adminMethodNotAllowed(w, "POST")
			return
		}
		e.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	case "/_emulator/vaults":
		if r.Method != http.MethodGet {
			adminMethodNotAllowed(w, "GET")
			return
		}
		names := e.vaults.Vaults()
		if names == nil {
			names = []string{}
		}
		writeAdminJSON(w, http.StatusOK, names)
	case "/_emulator/faults":
		switch r.Method {
		case http.MethodGet:
			writeAdminJSON(w, http.StatusOK, faultsToJSON(e.Faults()))
		case http.MethodPost:
			body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
			if err != nil {
				writeAdminJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
				return
			}
			f, err := mergeFaultsJSON(e.Faults(), body)
			if err != nil {
				writeAdminJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
				return
			}
			e.SetFaults(f)
			writeAdminJSON(w, http.StatusOK, faultsToJSON(f))
		default:
			adminMethodNotAllowed(w, "GET, POST")
		}
	default:
		writeAdminJSON(w, http.StatusNotFound, map[string]string{"error": "unknown admin route " + r.URL.Path})
	}
}

func adminMethodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeAdminJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed; use " + allow})
}

func writeAdminJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("internal error: encoding admin response: %v", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// faultsJSON is the admin form of Faults: durations as Go duration strings.
type faultsJSON struct {
	Latency                    string   `json:"latency"`
	ThrottleRate               float64  `json:"throttleRate"`
	RetryAfter                 string   `json:"retryAfter"`
	ErrorRate                  float64  `json:"errorRate"`
	ReplicationLag             string   `json:"replicationLag"`
	VaultOutage                bool     `json:"vaultOutage"`
	Seed                       int64    `json:"seed"`
	LostAnswerRate             float64  `json:"lostAnswerRate"`
	LostAnswerRoutes           []string `json:"lostAnswerRoutes"`
	PatchReplacesComplex       bool     `json:"patchReplacesComplex"`
	HostileNextLink            string   `json:"hostileNextLink"`
	PagePadding                int64    `json:"pagePadding"`
	VaultChallenge             string   `json:"vaultChallenge"`
	ARMOutage                  bool     `json:"armOutage"`
	ARMDeniedScopes            []string `json:"armDeniedScopes"`
	VaultCertificatesForbidden []string `json:"vaultCertificatesForbidden,omitempty"`
	VaultOutageRoutes          []string `json:"vaultOutageRoutes,omitempty"`
	GraphThrottle              string   `json:"graphThrottle"`
}

func faultsToJSON(f Faults) faultsJSON {
	return faultsJSON{
		Latency:                    f.Latency.String(),
		ThrottleRate:               f.ThrottleRate,
		RetryAfter:                 f.RetryAfter.String(),
		ErrorRate:                  f.ErrorRate,
		ReplicationLag:             f.ReplicationLag.String(),
		VaultOutage:                f.VaultOutage,
		Seed:                       f.Seed,
		LostAnswerRate:             f.LostAnswerRate,
		LostAnswerRoutes:           f.LostAnswerRoutes,
		PatchReplacesComplex:       f.PatchReplacesComplex,
		HostileNextLink:            f.HostileNextLink,
		PagePadding:                f.PagePadding,
		VaultChallenge:             f.VaultChallenge,
		ARMOutage:                  f.ARMOutage,
		ARMDeniedScopes:            f.ARMDeniedScopes,
		VaultCertificatesForbidden: f.VaultCertificatesForbidden,
		VaultOutageRoutes:          f.VaultOutageRoutes,
		GraphThrottle:              f.GraphThrottle,
	}
}

// mergeFaultsJSON applies the knobs present in body to f. A duration is a Go
// duration string ("250ms", "2s") or a number of milliseconds; a knob that
// is absent keeps its value; an unknown knob is an error.
func mergeFaultsJSON(f Faults, body []byte) (Faults, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return f, fmt.Errorf("faults must be a JSON object: %w", err)
	}
	for k, raw := range m {
		var err error
		switch k {
		case "latency":
			f.Latency, err = parseDurationJSON(raw)
		case "retryAfter":
			f.RetryAfter, err = parseDurationJSON(raw)
		case "replicationLag":
			f.ReplicationLag, err = parseDurationJSON(raw)
		case "throttleRate":
			err = json.Unmarshal(raw, &f.ThrottleRate)
		case "errorRate":
			err = json.Unmarshal(raw, &f.ErrorRate)
		case "vaultOutage":
			err = json.Unmarshal(raw, &f.VaultOutage)
		case "seed":
			err = json.Unmarshal(raw, &f.Seed)
		case "lostAnswerRate":
			err = json.Unmarshal(raw, &f.LostAnswerRate)
		case "lostAnswerRoutes":
			err = json.Unmarshal(raw, &f.LostAnswerRoutes)
		case "patchReplacesComplex":
			err = json.Unmarshal(raw, &f.PatchReplacesComplex)
		case "hostileNextLink":
			err = json.Unmarshal(raw, &f.HostileNextLink)
		case "pagePadding":
			err = json.Unmarshal(raw, &f.PagePadding)
		case "vaultChallenge":
			err = json.Unmarshal(raw, &f.VaultChallenge)
		case "armOutage":
			err = json.Unmarshal(raw, &f.ARMOutage)
		case "armDeniedScopes":
			err = json.Unmarshal(raw, &f.ARMDeniedScopes)
		case "vaultCertificatesForbidden":
			err = json.Unmarshal(raw, &f.VaultCertificatesForbidden)
		case "vaultOutageRoutes":
			err = json.Unmarshal(raw, &f.VaultOutageRoutes)
		case "graphThrottle":
			err = json.Unmarshal(raw, &f.GraphThrottle)
		default:
			return f, fmt.Errorf("unknown fault knob %q (known: latency, throttleRate, retryAfter, errorRate, replicationLag, vaultOutage, seed, lostAnswerRate, lostAnswerRoutes, patchReplacesComplex, hostileNextLink, pagePadding, vaultChallenge, armOutage, armDeniedScopes, vaultCertificatesForbidden, vaultOutageRoutes, graphThrottle)", k)
		}
		if err != nil {
			return f, fmt.Errorf("fault knob %q: %w", k, err)
		}
	}
	if err := validateFaults(f); err != nil {
		return f, err
	}
	return f, nil
}

func parseDurationJSON(raw json.RawMessage) (time.Duration, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return time.ParseDuration(s)
	}
	var ms float64
	if err := json.Unmarshal(raw, &ms); err != nil {
		return 0, fmt.Errorf("want a duration string such as \"250ms\" or a number of milliseconds")
	}
	return time.Duration(ms * float64(time.Millisecond)), nil
}
