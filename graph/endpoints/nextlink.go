package endpoints

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/regsync/regsync/tenant"
)

// MaxPages caps the pages of one list query. At Graph's largest page
// ($top=999) it is ten million objects, far above any set regsync manages
// or any tenant's directory quota (50,000 objects for most tenants,
// 300,000 on request:
// https://learn.microsoft.com/entra/identity/users/directory-service-limits-restrictions);
// at Key Vault's 25 a page it is 250,000 secrets, far above what one vault
// holds for one set. A list that goes on past it is a server misbehaving,
// not data.
const MaxPages = 10000

// NextLinks checks each next link of one list before the client follows
// it. Graph (@odata.nextLink) and Key Vault (nextLink) both give an
// absolute URL that the client follows as given
// (https://learn.microsoft.com/graph/paging), so whoever writes it
// chooses where the next request, and its bearer token, goes. A link is
// followed only when it has the base URL's scheme, host and port: kiota
// and azcore attach the token by host name alone or to any host, kiota
// allows plain http on loopback, and a page from another host would be
// trusted as the service's. A link seen before in the same list ends it
// with an error (a page naming itself loops forever), and so does the
// page cap.
type NextLinks struct {
	base    *url.URL
	service string // "graph", "key vault"
	what    string // "listing applications"
	max     int
	seen    map[string]bool
	count   int // pages read so far
}

// NewNextLinks starts the checks of one list whose first page came from
// base, allowing at most max pages in all.
func NewNextLinks(base, service, what string, max int) *NextLinks {
	u, err := url.Parse(base)
	if err != nil {
		panic(fmt.Sprintf("internal error: the %s base URL %q: %v", service, base, err))
	}
	return &NextLinks{base: u, service: service, what: what, max: max, seen: map[string]bool{}, count: 1}
}

// Next returns the link to the page after one whose next link is link:
// "" when the list is complete, or an error (an Invalid *tenant.Error)
// when the link may not be followed.
func (p *NextLinks) Next(link *string) (string, error) {
	if link == nil || *link == "" {
		return "", nil
	}
	l := *link
	u, err := url.Parse(l)
	if err != nil || !sameOrigin(u, p.base) {
		return "", p.refuse("%s sent a next link to %s, outside %s; not followed", p.service, originOf(l), p.base.Scheme+"://"+p.base.Host)
	}
	if p.seen[l] {
		return "", p.refuse("%s sent a next link it had sent before in the same list; not followed (the list would not end)", p.service)
	}
	if p.count >= p.max {
		return "", p.refuse("%s is still sending next links after %d pages, regsync's limit for one list; not followed", p.service, p.max)
	}
	p.seen[l] = true
	p.count++
	return l, nil
}

func (p *NextLinks) refuse(format string, args ...any) error {
	return &tenant.Error{Kind: tenant.Invalid, Message: p.what + ": " + fmt.Sprintf(format, args...)}
}

// sameOrigin compares scheme, host name and port (an absent port is the
// scheme's default), ignoring case where URLs do.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) &&
		portOf(a) == portOf(b) && a.User == nil && a.Opaque == ""
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// originOf is the scheme://host[:port] of a link for a message, never its
// query, which may be long.
func originOf(link string) string {
	u, err := url.Parse(link)
	if err != nil || u.Host == "" {
		return "an unreadable URL"
	}
	return u.Scheme + "://" + u.Host
}
