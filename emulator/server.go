package emulator

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// handler is the whole server: admin routes, Key Vault and Graph.
func (e *Emulator) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// A read's answer is recorded here and written when due.
		var held *itemRecorder
		// By method: a POST that only reads (getByIds) waits like a write.
		if lat := e.faults.latency(); lat > 0 && readsOnly(r.Method, "") && !strings.HasPrefix(r.URL.Path, "/_emulator/") {
			held = &itemRecorder{h: http.Header{}}
			r = r.WithContext(context.WithValue(r.Context(), latencyOwed{}, start.Add(lat)))
		}
		var out http.ResponseWriter = w
		if held != nil {
			out = held
		}
		rec := &statusRecorder{ResponseWriter: out}
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
		if held != nil {
			deliver(held, r, w)
			e.answered()
		}
		e.logf("%s %s -> %d (%s)", r.Method, r.URL.RequestURI(), rec.code(), time.Since(start).Round(time.Millisecond))
	})
}

// latencyOwed is the context key of the time a held read's answer is due.
type latencyOwed struct{}

// deliver waits until a held read's answer h is due (or the client has
// gone) and writes it to w.
func deliver(h *itemRecorder, r *http.Request, w http.ResponseWriter) {
	due, _ := r.Context().Value(latencyOwed{}).(time.Time)
	t := time.NewTimer(time.Until(due))
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		return
	}
	maps.Copy(w.Header(), h.h)
	h.WriteHeader(http.StatusOK)
	w.WriteHeader(h.status)
	w.Write(h.body.Bytes()) //nolint:errcheck // the client has gone
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

// sleepLatency makes a write wait the Latency knob before it is carried
// out. A read (GET, HEAD) does not wait here: it is worked out at once and
// its answer held until Latency after it arrived (handler), the way a
// remote service's own work falls within the time its client waits. The
// emulator's work for a read then overlaps the latency instead of adding
// to it: on the machine of a benchmark, where emulator and client share
// the cores, the answer is not late because the client is busy.
func (e *Emulator) sleepLatency(r *http.Request) {
	if _, held := r.Context().Value(latencyOwed{}).(time.Time); held {
		return
	}
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
	if !readsOnly(r.Method, rt.pattern) && e.faults.lostAnswer(r.Method, route) {
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
			writeAdminJSON(w, http.StatusOK, e.Faults())
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
			writeAdminJSON(w, http.StatusOK, f)
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

// A fault knob on /_emulator/faults is a field of Faults named by its
// json tag; a time.Duration field travels as a Go duration string
// ("150ms"), and a POST may give it as a number of milliseconds too.

// knob is one field of Faults: its JSON name and a pointer to it, a
// duration wrapped so that it reads and writes the duration form.
type knob struct {
	name      string
	omitEmpty bool
	field     reflect.Value
	ptr       any
}

var durationType = reflect.TypeFor[time.Duration]()

// knobs lists the fields of f in order.
func (f *Faults) knobs() []knob {
	v := reflect.ValueOf(f).Elem()
	out := make([]knob, 0, v.NumField())
	for i := range v.NumField() {
		name, opts, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		field := v.Field(i)
		k := knob{name: name, omitEmpty: opts == "omitempty", field: field, ptr: field.Addr().Interface()}
		if field.Type() == durationType {
			k.ptr = (*durationJSON)(k.ptr.(*time.Duration))
		}
		out = append(out, k)
	}
	return out
}

// MarshalJSON writes every knob in field order, leaving out an empty one
// tagged omitempty.
func (f Faults) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for _, k := range f.knobs() {
		if k.omitEmpty && (k.field.IsZero() || k.field.Kind() == reflect.Slice && k.field.Len() == 0) {
			continue
		}
		v, err := json.Marshal(k.ptr)
		if err != nil {
			return nil, fmt.Errorf("fault knob %q: %w", k.name, err)
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, k.name)
		b = append(b, ':')
		b = append(b, v...)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON sets the knobs present in body and keeps the others; an
// unknown knob is an error that lists the known ones, and nothing is set.
func (f *Faults) UnmarshalJSON(body []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return fmt.Errorf("faults must be a JSON object: %w", err)
	}
	knobs := f.knobs()
	byName := make(map[string]any, len(knobs))
	names := make([]string, len(knobs))
	for i, k := range knobs {
		byName[k.name], names[i] = k.ptr, k.name
	}
	keys := slices.Sorted(maps.Keys(m))
	for _, k := range keys {
		if byName[k] == nil {
			return fmt.Errorf("unknown fault knob %q (known: %s)", k, strings.Join(names, ", "))
		}
	}
	for _, k := range keys {
		if err := json.Unmarshal(m[k], byName[k]); err != nil {
			return fmt.Errorf("fault knob %q: %w", k, err)
		}
	}
	return nil
}

// mergeFaultsJSON applies the knobs present in body to f and checks the
// result; f is unchanged on an error.
func mergeFaultsJSON(f Faults, body []byte) (Faults, error) {
	merged := f
	if err := merged.UnmarshalJSON(body); err != nil {
		return f, err
	}
	if err := validateFaults(merged); err != nil {
		return f, err
	}
	return merged, nil
}

// durationJSON is a time.Duration as a fault knob: a Go duration string,
// or on input a number of milliseconds.
type durationJSON time.Duration

func (d durationJSON) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

func (d *durationJSON) UnmarshalJSON(raw []byte) error {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		v, err := time.ParseDuration(s)
		*d = durationJSON(v)
		return err
	}
	var ms float64
	if err := json.Unmarshal(raw, &ms); err != nil {
		return fmt.Errorf("want a duration string such as \"250ms\" or a number of milliseconds")
	}
	*d = durationJSON(time.Duration(ms * float64(time.Millisecond)))
	return nil
}
