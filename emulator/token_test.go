package emulator

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestCallerTokenNamesTheCaller(t *testing.T) {
	tok, err := newCallerToken(time.Unix(1700000000, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want a JWT's 3", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	for claim, want := range map[string]string{"oid": CallerSPID, "tid": SeedTenantID, "appid": CallerAppID, "idtyp": "app"} {
		if claims[claim] != want {
			t.Errorf("claim %s = %v, want %s", claim, claims[claim], want)
		}
	}
	if other, _ := newCallerToken(time.Unix(1700000000, 0), nil); other == tok {
		t.Error("two tokens are equal; the signature part must be random")
	}
}

func TestCallerTokenCarriesChosenRoles(t *testing.T) {
	for _, roles := range [][]string{nil, {"Application.Read.All"}, {}} {
		tok, err := newCallerToken(time.Unix(1700000000, 0), roles)
		if err != nil {
			t.Fatal(err)
		}
		payload, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
		if err != nil {
			t.Fatal(err)
		}
		var claims struct {
			Roles []string `json:"roles"`
		}
		if err := json.Unmarshal(payload, &claims); err != nil {
			t.Fatal(err)
		}
		want := roles
		if want == nil {
			want = DefaultTokenRoles
		}
		if strings.Join(claims.Roles, " ") != strings.Join(want, " ") || claims.Roles == nil {
			t.Errorf("roles %q: claim = %q, want %q", roles, claims.Roles, want)
		}
	}
}
