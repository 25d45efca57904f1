package endpoints

import (
	"strings"
	"testing"

	"github.com/regsync/regsync/tenant"
)

func TestNextLinks(t *testing.T) {
	const base = "https://graph.microsoft.com/v1.0"
	for link, ok := range map[string]bool{
		"https://graph.microsoft.com/v1.0/applications?$skiptoken=a":     true,
		"https://GRAPH.microsoft.com:443/v1.0/applications?$skiptoken=b": true,
		"HTTPS://graph.microsoft.com/beta/x":                             true, // same origin; the path is Graph's to choose
		"http://graph.microsoft.com/v1.0/applications":                   false,
		"https://graph.microsoft.com:8443/v1.0/applications":             false,
		"https://graph.microsoft.com.evil.example/v1.0/applications":     false,
		"https://user@graph.microsoft.com/v1.0/applications":             false,
		"/v1.0/applications?$skiptoken=c":                                false, // relative: Graph's are absolute
		"https://127.0.0.1/v1.0/applications":                            false,
		"://bad":                                                         false,
	} {
		p := NewNextLinks(base, "graph", "listing", MaxPages)
		l := link
		got, err := p.Next(&l)
		if (err == nil) != ok || (ok && got != link) {
			t.Errorf("Next(%q) = %q, %v; want followed=%v", link, got, err, ok)
		}
		if err != nil && (tenant.KindOf(err) != tenant.Invalid || strings.Contains(err.Error(), "$skiptoken")) {
			t.Errorf("Next(%q): %v; want an invalid-kind error without the link's query", link, err)
		}
	}
	p := NewNextLinks(base, "graph", "listing", 3)
	for i, link := range []string{base + "/a?1", base + "/a?2", base + "/a?3"} {
		l := link
		_, err := p.Next(&l)
		if (err == nil) != (i < 2) {
			t.Errorf("page %d of at most 3: %v", i+2, err)
		}
	}
	p = NewNextLinks(base, "graph", "listing", MaxPages)
	l := base + "/a?1"
	if _, err := p.Next(&l); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Next(&l); err == nil {
		t.Errorf("a repeated link was followed")
	}
	if got, err := p.Next(nil); got != "" || err != nil {
		t.Errorf("no link: %q, %v", got, err)
	}
}
