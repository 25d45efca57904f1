package kv

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Options configures a Server.
type Options struct {
	// TenantID is the tenant named in the challenge's authorization URL; the
	// SDK requests its token from that tenant. Empty means "common", so the
	// URL always has the path segment the SDK's challenge parser needs.
	TenantID string
	// Token is the only bearer token accepted. When it is empty no request is
	// ever authorized.
	Token string
	// Now is the clock for timestamps and purge schedules; nil means
	// time.Now.
	Now func() time.Time
	// CertificatesForbidden, when set, is asked for each certificate
	// request after authentication: true answers 403, as for an identity
	// that holds no role on the vault's certificates.
	CertificatesForbidden func(vault string) bool
}

// Server is the emulated Key Vault secrets service for any number of vaults.
// It is safe for concurrent use.
type Server struct {
	tenant string
	token  string
	now    func() time.Time

	mu      sync.Mutex
	vaults  map[string]*vault // by lower-case vault name
	values  []string          // every value ever stored, first-stored order
	seen    map[string]bool   // the members of values
	noCerts func(vault string) bool
}

// New returns a Server with no vaults.
func New(o Options) *Server {
	s := &Server{
		tenant:  o.TenantID,
		token:   o.Token,
		now:     o.Now,
		noCerts: o.CertificatesForbidden,
		vaults:  map[string]*vault{},
		seen:    map[string]bool{},
	}
	if s.tenant == "" {
		s.tenant = "common"
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// serviceVersion is sent in x-ms-keyvault-service-version; the real service
// sends its build number there, which no client interprets.
const serviceVersion = "1.9.0.0-regsync-emulator"

// apiVersions are the api-version values accepted: the 7.x line and the dated
// versions azsecrets v1.5.0 (2025-07-01) and v1.5.1 (2026-04-01) send.
var apiVersions = map[string]bool{
	"7.0": true, "7.1": true, "7.2": true, "7.3": true, "7.4": true, "7.5": true, "7.6": true,
	"2025-07-01": true, "2026-04-01": true,
}

// latestAPIVersion is the newest accepted api-version, named in the error for
// an unknown one.
const latestAPIVersion = "2026-04-01"

// kvError is an error answer in Key Vault's shape.
type kvError struct {
	status  int
	code    string
	message string
	inner   string   // innererror.code, if any
	allow   []string // the Allow header of a 405
}

// errorBody is Key Vault's error document. The service spells the nested
// object "innererror", in lower case.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code       string      `json:"code"`
	Message    string      `json:"message"`
	InnerError *innerError `json:"innererror,omitempty"`
}

type innerError struct {
	Code string `json:"code"`
}

// request carries what a handler needs about one authorized call.
type request struct {
	r          *http.Request
	vault      string // lower case
	apiVersion string
	now        int64
}

// base is the vault URL as the client reached it, the prefix of every id.
func (q *request) base() string {
	return "https://" + q.r.Host + "/vaults/" + q.vault
}

// ServeHTTP answers a Key Vault secrets request whose path starts with
// /vaults/{vault}/. Checks run in this order: the path and vault name (a vault
// with an invalid name cannot exist, so it gets 400 VaultNameNotValid before
// any challenge), the bearer token (401 challenge), the api-version (400), the
// route (404 or 405), then the operation itself.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("x-ms-request-id", uuid.NewString())
	h.Set("x-ms-keyvault-service-version", serviceVersion)

	segs, ok := splitPath(r.URL.EscapedPath())
	if !ok {
		writeError(w, notFoundRoute())
		return
	}
	vaultName := segs[0]
	if !validVaultName(vaultName) {
		writeError(w, kvError{
			status:  http.StatusBadRequest,
			code:    "VaultNameNotValid",
			message: "The vault name '" + vaultName + "' is invalid. A vault name is 3 to 24 characters: letters, digits and single hyphens, starting with a letter and ending with a letter or digit.",
		})
		return
	}
	if !s.authorized(r) {
		s.challenge(w, r)
		return
	}
	v := r.URL.Query().Get("api-version")
	switch {
	case v == "":
		writeError(w, kvError{
			status:  http.StatusBadRequest,
			code:    "BadParameter",
			message: "The api-version query parameter is required.",
		})
		return
	case !apiVersions[v]:
		writeError(w, kvError{
			status:  http.StatusBadRequest,
			code:    "BadParameter",
			message: "The specified version (" + v + ") is not recognized. Consider using the latest supported version (" + latestAPIVersion + ").",
		})
		return
	}
	q := &request{r: r, vault: strings.ToLower(vaultName), apiVersion: v, now: s.now().Unix()}
	status, body, kerr := s.route(q, segs[1:])
	if kerr != nil {
		writeError(w, *kerr)
		return
	}
	if body == nil {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, body)
}

// splitPath returns the unescaped segments of path after "/vaults/", with
// one trailing empty segment (a trailing slash) dropped: azsecrets asks for
// the latest version as "/secrets/{name}/".
func splitPath(escaped string) ([]string, bool) {
	rest, ok := strings.CutPrefix(escaped, "/vaults/")
	if !ok {
		return nil, false
	}
	raw := strings.Split(rest, "/")
	if len(raw) > 1 && raw[len(raw)-1] == "" {
		raw = raw[:len(raw)-1]
	}
	segs := make([]string, len(raw))
	for i, seg := range raw {
		u, err := url.PathUnescape(seg)
		if err != nil {
			return nil, false
		}
		segs[i] = u
	}
	return segs, true
}

// authorized reports whether r carries "Authorization: Bearer <token>" with
// the configured token.
func (s *Server) authorized(r *http.Request) bool {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || s.token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.token)) == 1
}

// challenge writes Key Vault's 401 answer: the WWW-Authenticate header names
// the tenant's authority and the vault resource, from which the SDK derives
// the tenant and the scope https://vault.azure.net/.default. Any body the
// request had is ignored; the SDK sends its first request without one.
func (s *Server) challenge(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("WWW-Authenticate",
		`Bearer authorization="https://login.microsoftonline.com/`+s.tenant+`", resource="https://vault.azure.net"`)
	msg := "AKV10000: Request is missing a Bearer or PoP token."
	if r.Header.Get("Authorization") != "" {
		msg = "The bearer token is not valid for this vault."
	}
	writeError(w, kvError{status: http.StatusUnauthorized, code: "Unauthorized", message: msg})
}

// route dispatches q to its operation. It returns the status and the value to
// encode as JSON (nil for an empty body), or an error.
func (s *Server) route(q *request, segs []string) (int, any, *kvError) {
	method := q.r.Method
	if len(segs) > 0 && (segs[0] == "certificates" || segs[0] == "deletedcertificates") {
		return s.routeCertificates(q, segs)
	}
	switch {
	case len(segs) == 1 && segs[0] == "secrets":
		if method != http.MethodGet {
			return methodNotAllowed(q, http.MethodGet)
		}
		return s.listSecrets(q)
	case len(segs) == 1 && segs[0] == "deletedsecrets":
		if method != http.MethodGet {
			return methodNotAllowed(q, http.MethodGet)
		}
		return s.listDeleted(q)
	case len(segs) == 2 && segs[0] == "secrets" && segs[1] == "restore" && method == http.MethodPost,
		len(segs) == 3 && segs[0] == "secrets" && segs[2] == "backup":
		return 0, nil, &kvError{
			status:  http.StatusNotImplemented,
			code:    "NotImplemented",
			message: "The emulator does not model secret backup and restore.",
		}
	}
	if len(segs) < 2 || len(segs) > 3 || (segs[0] != "secrets" && segs[0] != "deletedsecrets") {
		return 0, nil, ptr(notFoundRoute())
	}
	name := segs[1]
	if !validSecretName(name) {
		return 0, nil, &kvError{
			status:  http.StatusBadRequest,
			code:    "BadParameter",
			message: "The request URI contains an invalid name: " + name,
		}
	}
	if segs[0] == "secrets" {
		if len(segs) == 2 {
			switch method {
			case http.MethodPut:
				return s.setSecret(q, name)
			case http.MethodGet:
				return s.getSecret(q, name, "")
			case http.MethodPatch:
				return s.updateSecret(q, name, "")
			case http.MethodDelete:
				return s.deleteSecret(q, name)
			}
			return methodNotAllowed(q, http.MethodDelete, http.MethodGet, http.MethodPatch, http.MethodPut)
		}
		if segs[2] == "versions" {
			if method != http.MethodGet {
				return methodNotAllowed(q, http.MethodGet)
			}
			return s.listVersions(q, name)
		}
		switch method {
		case http.MethodGet:
			return s.getSecret(q, name, segs[2])
		case http.MethodPatch:
			return s.updateSecret(q, name, segs[2])
		}
		return methodNotAllowed(q, http.MethodGet, http.MethodPatch)
	}
	if len(segs) == 2 {
		switch method {
		case http.MethodGet:
			return s.getDeleted(q, name)
		case http.MethodDelete:
			return s.purgeDeleted(q, name)
		}
		return methodNotAllowed(q, http.MethodDelete, http.MethodGet)
	}
	if segs[2] != "recover" {
		return 0, nil, ptr(notFoundRoute())
	}
	if method != http.MethodPost {
		return methodNotAllowed(q, http.MethodPost)
	}
	return s.recoverDeleted(q, name)
}

func ptr[T any](v T) *T { return &v }

// notFoundRoute is the answer for a path that names no operation.
func notFoundRoute() kvError {
	return kvError{status: http.StatusNotFound, code: "NotFound", message: "The requested URL does not name a Key Vault secrets operation."}
}

// methodNotAllowed answers a known path called with the wrong method.
func methodNotAllowed(q *request, allowed ...string) (int, any, *kvError) {
	sort.Strings(allowed)
	return 0, nil, &kvError{
		status:  http.StatusMethodNotAllowed,
		code:    "MethodNotAllowed",
		message: "The method " + q.r.Method + " is not allowed on this path.",
		allow:   allowed,
	}
}

// writeError writes e as Key Vault's JSON error document.
func writeError(w http.ResponseWriter, e kvError) {
	if len(e.allow) > 0 {
		w.Header().Set("Allow", strings.Join(e.allow, ", "))
	}
	body := errorBody{Error: errorDetail{Code: e.code, Message: e.message}}
	if e.inner != "" {
		body.Error.InnerError = &innerError{Code: e.inner}
	}
	writeJSON(w, e.status, body)
}

// writeJSON writes v as the JSON body of a response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Every value written is built from plain structs, maps and strings.
		panic("kv: internal error: encoding a response: " + err.Error())
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// validVaultName reports whether name follows the vault naming rules: 3 to 24
// characters of letters, digits and hyphens, starting with a letter, ending
// with a letter or digit, with no two hyphens in a row.
func validVaultName(name string) bool {
	if len(name) < 3 || len(name) > 24 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case isLetter(c):
		case isDigit(c):
			if i == 0 {
				return false
			}
		case c == '-':
			if i == 0 || i == len(name)-1 || name[i-1] == '-' {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// validSecretName reports whether name matches ^[0-9a-zA-Z-]{1,127}$, the
// REST pattern plus the documented length limit. The service accepts names
// that start with a digit or a hyphen, although one overview page says a name
// starts with a letter.
func validSecretName(name string) bool {
	if len(name) < 1 || len(name) > 127 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isLetter(c) && !isDigit(c) && c != '-' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
