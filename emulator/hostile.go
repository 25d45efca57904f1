package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// The hostile knobs make the emulator answer as a compromised or
// misrouted service might, so that tests can prove what a client refuses:
// next links it must not follow, pages it must not read whole, and
// challenges it must not act on. None of them is Graph or Key Vault
// behaviour; docs/graph-quirks.md and docs/keyvault-quirks.md list them
// with the tests that use them.

// NextLinkSelf is the HostileNextLink value that makes every Graph list
// page name its own URL as the next page.
const NextLinkSelf = "self"

// validateHostileNextLink accepts "", NextLinkSelf or an origin
// (http or https, a host, an optional port, nothing else).
func validateHostileNextLink(s string) error {
	if s == "" || s == NextLinkSelf {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("hostile next link %q: want %q or an origin such as https://127.0.0.1:8443", s, NextLinkSelf)
	}
	return nil
}

// hostileNextLink returns the next link a Graph list page carries under
// the HostileNextLink knob mode: the request's own URL for NextLinkSelf;
// otherwise the page's honest next link (or, on the last page, the
// request's own URL) with its scheme, host and port replaced by mode.
// honest is "" on the last page.
func hostileNextLink(ctx *graphCtx, r *http.Request, mode, honest string) string {
	self := ctx.base + strings.TrimPrefix(r.URL.Path, "/v1.0")
	if r.URL.RawQuery != "" {
		self += "?" + r.URL.RawQuery
	}
	if mode == NextLinkSelf {
		return self
	}
	link := honest
	if link == "" {
		link = self
	}
	u, err := url.Parse(link)
	if err != nil {
		panic(fmt.Sprintf("internal error: the emulator's own next link %q: %v", link, err))
	}
	origin, _ := url.Parse(mode) // validated by validateHostileNextLink
	u.Scheme, u.Host = origin.Scheme, origin.Host
	return u.String()
}

// paddingWriter puts n bytes of JSON whitespace ahead of the body of a
// 200 answer, which leaves the document's meaning alone and makes it as
// large as a test needs. The padding is written in chunks, so the
// emulator itself never holds it.
type paddingWriter struct {
	http.ResponseWriter
	n      int64
	status int
	done   bool
}

func (p *paddingWriter) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
	p.ResponseWriter.WriteHeader(code)
}

func (p *paddingWriter) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	if !p.done {
		p.done = true
		if p.status == http.StatusOK {
			chunk := []byte(strings.Repeat(" ", 64<<10))
			for left := p.n; left > 0; {
				k := min(left, int64(len(chunk)))
				if _, err := p.ResponseWriter.Write(chunk[:k]); err != nil {
					return 0, err
				}
				left -= k
			}
		}
	}
	return p.ResponseWriter.Write(b)
}

// padded wraps w in a paddingWriter when the PagePadding knob is on and r
// is a GET (a read, whose answer is a page or an object).
func (e *Emulator) padded(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	n := e.faults.get().PagePadding
	if n <= 0 || r.Method != http.MethodGet {
		return w
	}
	return &paddingWriter{ResponseWriter: w, n: n}
}

// writeVaultChallenge answers a Key Vault request 401 with the
// VaultChallenge knob's WWW-Authenticate value, whatever token it carries.
func writeVaultChallenge(w http.ResponseWriter, challenge string) {
	w.Header().Set("WWW-Authenticate", challenge)
	writeKVError(w, http.StatusUnauthorized, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.")
}
