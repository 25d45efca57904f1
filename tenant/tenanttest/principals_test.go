package tenanttest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/tenant"
)

// TestFindPrincipals: users and groups are found by id or name without
// case, a shared group name finds every group, and an unknown name brings
// the principals whose name starts like it (each once), sorted by id.
func TestFindPrincipals(t *testing.T) {
	f := New(func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) })
	ctx := context.Background()
	for _, u := range []tenant.User{
		{ID: "u3", UserPrincipalName: "ada@contoso.com"},
		{ID: "u1", UserPrincipalName: "bob@contoso.com"},
		{ID: "u2", UserPrincipalName: "adam@contoso.com"},
		{ID: "u4", UserPrincipalName: "eve@contoso.com"},
	} {
		f.AddUser(u)
	}
	for _, g := range []tenant.Group{
		{ID: "g2", DisplayName: "Readers"},
		{ID: "g1", DisplayName: "Readers"},
		{ID: "g3", DisplayName: "Read Only"},
		{ID: "g4", DisplayName: "Writers"},
	} {
		f.AddGroup(g)
	}

	users := func(refs []string) ([]string, error) {
		found, err := f.FindUsers(ctx, refs)
		return idsOf(found, func(u tenant.User) string { return u.ID }), err
	}
	groups := func(refs []string) ([]string, error) {
		found, err := f.FindGroups(ctx, refs)
		return idsOf(found, func(g tenant.Group) string { return g.ID }), err
	}
	for _, tc := range []struct {
		name   string
		find   func([]string) ([]string, error)
		refs   []string
		want   []string
		reason string
	}{
		{"users by name and id", users, []string{"BOB@contoso.com", "U4"}, []string{"u1", "u4"}, ""},
		{"unknown user", users, []string{"adx@contoso.com"}, []string{"u2", "u3"}, "candidates start with its first two letters"},
		{"unknown and known user", users, []string{"ada@contoso.com", "adz@contoso.com"}, []string{"u2", "u3"}, "u3 is found once"},
		{"user name too short", users, []string{"a"}, nil, "no prefix, no candidates"},
		{"shared group name", groups, []string{"readers"}, []string{"g1", "g2"}, "a display name is not unique"},
		{"group by id", groups, []string{"g4"}, []string{"g4"}, ""},
		{"unknown group", groups, []string{"Read Write"}, []string{"g1", "g2", "g3"}, "candidates start with its first four letters"},
	} {
		got, err := tc.find(tc.refs)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s (%s) (-want +got):\n%s", tc.name, tc.reason, d)
		}
	}

	boom := &tenant.Error{Kind: tenant.Transient, Message: "boom"}
	f.InjectRead("FindGroups", 1, boom)
	if _, err := f.FindGroups(ctx, []string{"Readers"}); !errors.Is(err, boom) {
		t.Errorf("FindGroups with a fault: %v, want %v", err, boom)
	}
}

func idsOf[T any](list []T, id func(T) string) []string {
	var out []string
	for _, p := range list {
		out = append(out, id(p))
	}
	return out
}
