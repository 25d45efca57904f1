package graph

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/regsync/regsync/tenant"
)

// defaultMaxPages caps the pages of one list query. At Graph's largest
// page ($top=999) it is ten million objects, far above any set regsync
// manages or any tenant's directory quota (50,000 objects for most
// tenants, 300,000 on request:
// https://learn.microsoft.com/entra/identity/users/directory-service-limits-restrictions);
// a list that goes on past it is a server misbehaving, not data.
const defaultMaxPages = 10000

// pages checks the @odata.nextLink of each page before the client follows
// it (https://learn.microsoft.com/graph/paging: the client follows the
// link as given, so whoever writes it chooses where the next request and
// its bearer token go). A link is followed only when it has the base
// URL's scheme, host and port: kiota attaches the token by host name
// alone, so a link to the same host on another port, or over plain http
// (which kiota allows for loopback), would carry it too, and a page from
// another host would be trusted as the tenant's. A link seen before in the
// same list ends it with an error (a page naming itself loops forever),
// and so does the page cap.
type pages struct {
	base  *url.URL
	what  string
	max   int
	seen  map[string]bool
	count int // pages read so far
}

func (c *Client) pages(what string) *pages {
	base, err := url.Parse(c.base)
	if err != nil {
		panic(fmt.Sprintf("internal error: the graph base URL %q: %v", c.base, err))
	}
	return &pages{base: base, what: what, max: c.maxPages, seen: map[string]bool{}, count: 1}
}

// next returns the link to the page after one whose nextLink is link: ""
// when the list is complete, or an error (kind Invalid) when the link may
// not be followed.
func (p *pages) next(link *string) (string, error) {
	if link == nil || *link == "" {
		return "", nil
	}
	l := *link
	u, err := url.Parse(l)
	if err != nil || !sameOrigin(u, p.base) {
		return "", p.refuse("graph sent a next link to %s, outside %s; not followed", originOf(l), p.base.Scheme+"://"+p.base.Host)
	}
	if p.seen[l] {
		return "", p.refuse("graph sent a next link it had sent before in the same list; not followed (the list would not end)")
	}
	if p.count >= p.max {
		return "", p.refuse("graph is still sending next links after %d pages, regsync's limit for one list; not followed", p.max)
	}
	p.seen[l] = true
	p.count++
	return l, nil
}

func (p *pages) refuse(format string, args ...any) error {
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

// originOf is the scheme://host[:port] of a link for a message, or a
// placeholder when it does not parse; never its query, which may be long.
func originOf(link string) string {
	u, err := url.Parse(link)
	if err != nil || u.Host == "" {
		return "an unreadable URL"
	}
	return u.Scheme + "://" + u.Host
}
