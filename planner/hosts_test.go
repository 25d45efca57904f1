package planner_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/planner"
)

func TestASCIIForm(t *testing.T) {
	for _, tc := range []struct {
		uri    string
		want   string // "" when the host is ASCII or there is none
		reason string
	}{
		{uri: "https://portal.contoso.com/cb"},
		{uri: "https://xn--pypal-4ve.com/cb", reason: "already punycode: ASCII"},
		{uri: "https://pаypal.com/cb", want: "https://xn--pypal-4ve.com/cb", reason: "Cyrillic а"},
		{uri: "https://bücher.example:8443/a/ü?q=ü#ü", want: "https://xn--bcher-kva.example:8443/a/ü?q=ü#ü", reason: "only the host changes; port, path, query and fragment stay as written"},
		{uri: "https://user@pаypal.com/", want: "https://user@xn--pypal-4ve.com/", reason: "the user part is not mistaken for the host"},
		{uri: "https://p%D0%B0ypal.com/cb", want: "https://xn--pypal-4ve.com/cb", reason: "a %-escaped host is decoded, then encoded"},
		{uri: "myapp://cаllback", want: "myapp://xn--cllback-2fg", reason: "custom schemes have hosts too"},
		{uri: "msauth.com.contoso.app://auth"},
		{uri: "not a uri"},
		{uri: "https://a\u200bb.com/", want: "https://ab.com/", reason: "IDNA drops the zero-width space, as a browser does"},
		{uri: "https://pаy_pal.com/", want: "https://xn--py_pal-3nf.com/", reason: "IDNA's lookup refuses the underscore; the host is still shown encoded"},
	} {
		t.Run(tc.uri, func(t *testing.T) {
			got, ok := planner.ASCIIForm(tc.uri)
			if ok != (tc.want != "") {
				t.Errorf("ASCIIForm(%q) ok = %v; reason: %s", tc.uri, ok, tc.reason)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("ASCIIForm(%q) (-want +got):\n%s\nreason: %s", tc.uri, d, tc.reason)
			}
		})
	}
}
