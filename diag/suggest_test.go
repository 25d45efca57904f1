package diag

import (
	"strings"
	"testing"
)

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"redirectUris", "redirectUris", 0},
		{"redirectUri", "redirectUris", 1},
		{"RedirectUris", "redirecturis", 0},
		{"kind", "kidn", 2},
		{"abc", "", 3},
		{strings.Repeat("a", 65), "a", 64},
	} {
		if got := EditDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
