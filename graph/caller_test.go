package graph

import (
	"encoding/base64"
	"testing"
)

func TestOIDOf(t *testing.T) {
	enc := base64.RawURLEncoding.EncodeToString
	for _, tc := range []struct {
		token, want string
	}{
		{enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(`{"oid":"3f2e1d0c-5b4a-4c3d-9e8f-7a6b5c4d3e2f","tid":"x"}`)) + ".sig", "3f2e1d0c-5b4a-4c3d-9e8f-7a6b5c4d3e2f"},
		{"opaque-token", ""},
		{"a.!!!.c", ""},
		{"a." + enc([]byte(`not json`)) + ".c", ""},
		{"a." + enc([]byte(`{"sub":"x"}`)) + ".c", ""},
	} {
		if got := oidOf(tc.token); got != tc.want {
			t.Errorf("oidOf(%q) = %q, want %q", tc.token, got, tc.want)
		}
	}
}
