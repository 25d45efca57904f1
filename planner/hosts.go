package planner

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// uriPaths are the change paths whose values are URIs a browser is sent to
// or a token names: where a host that only looks like a trusted one does
// harm.
var uriPaths = map[string]string{
	"identifier_uris":             "identifier URI",
	"web_redirect_uris":           "redirect URI",
	"spa_redirect_uris":           "redirect URI",
	"public_client_redirect_uris": "redirect URI",
	"web_home_page_url":           "home page URL",
	"web_logout_url":              "logout URL",
	"issuer":                      "federated credential issuer",
}

// IsURIPath reports whether the values of changes at path are URIs, whose
// hosts the renderers show in punycode beside the original (ASCIIForm).
func IsURIPath(path string) bool {
	_, ok := uriPaths[path]
	return ok
}

// ASCIIForm returns uri with its host in punycode (IDNA, the form DNS and
// the browser use) and true when the host holds a character outside ASCII:
// https://pаypal.com/cb, with a Cyrillic а, is https://xn--pypal-4ve.com/cb.
// It returns "", false for an ASCII host or a value that is not a URI with
// a host. A host that is not a valid internationalised name is still
// encoded, without IDNA's checks, so it can be shown.
func ASCIIForm(uri string) (string, bool) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", false
	}
	host := u.Hostname()
	if host == "" || isASCII(host) {
		return "", false
	}
	ascii, err := idna.Lookup.ToASCII(host)
	if err != nil {
		if ascii, err = idna.Punycode.ToASCII(host); err != nil {
			return "", false
		}
	}
	// Replace the host where it is written, so the rest of the URI reads
	// as the spec wrote it; a host written with %-escapes is rebuilt.
	if i := strings.Index(uri, "://"); i >= 0 {
		start := i + 3
		end := len(uri)
		if j := strings.IndexAny(uri[start:], "/?#"); j >= 0 {
			end = start + j
		}
		authority := uri[start:end]
		at := strings.LastIndexByte(authority, '@') + 1
		if k := strings.Index(authority[at:], host); k >= 0 {
			k += start + at
			return uri[:k] + ascii + uri[k+len(host):], true
		}
	}
	v := *u
	if port := u.Port(); port != "" {
		v.Host = ascii + ":" + port
	} else {
		v.Host = ascii
	}
	return v.String(), true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// hostRisks flags every URI that changes add (an added element of a URI
// set, or the new value of a URI field) whose host is not ASCII. Entra and
// the browser accept such hosts, and a reviewer reads one letter for
// another: pаypal.com with a Cyrillic а is not paypal.com. The message
// shows both forms.
func hostRisks(changes []Change) []Risk {
	var out []Risk
	for _, c := range changes {
		what, ok := uriPaths[c.Path]
		if !ok {
			continue
		}
		values := c.Added
		if c.After != nil {
			values = append(values[:len(values):len(values)], string(c.After))
		}
		for _, raw := range values {
			var uri string
			if json.Unmarshal([]byte(raw), &uri) != nil {
				continue
			}
			ascii, ok := ASCIIForm(uri)
			if !ok {
				continue
			}
			out = append(out, Risk{Code: RiskNonASCIIHost, Message: fmt.Sprintf(
				"%s %s has a host outside ASCII, which DNS and the browser read as %s: check that it is not a look-alike of a host you trust",
				what, uri, ascii)})
		}
	}
	return out
}
