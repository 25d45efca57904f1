package planner_test

import (
	"testing"

	"github.com/regsync/regsync/planner"
)

func TestOwnerLabel(t *testing.T) {
	const id = "5d7e2f3a-8b1c-4d6e-9f0a-1b2c3d4e5f60"
	for _, tc := range []struct {
		name string
		obj  *planner.OwnerObject
		want string
	}{
		{"not read", nil, id},
		{"not found", &planner.OwnerObject{}, id + " (not found in the directory)"},
		{"user", &planner.OwnerObject{Found: true, Type: "user", DisplayName: "Dana Admin", UserPrincipalName: "dana@contoso.com"}, `"Dana Admin" (user dana@contoso.com)`},
		{"service principal", &planner.OwnerObject{Found: true, Type: "servicePrincipal", DisplayName: "Deployer", AppID: "0f0a"}, `"Deployer" (service principal, appId 0f0a)`},
		{"group", &planner.OwnerObject{Found: true, Type: "group", DisplayName: "Admins"}, `"Admins" (group)`},
		{"no name", &planner.OwnerObject{Found: true, Type: "user"}, id + " (user)"},
		{"quotes in the name", &planner.OwnerObject{Found: true, Type: "user", DisplayName: `Eve "the" Admin`}, `"Eve \"the\" Admin" (user)`},
	} {
		if got := planner.OwnerLabel(id, tc.obj); got != tc.want {
			t.Errorf("%s: OwnerLabel = %q, want %q", tc.name, got, tc.want)
		}
	}
}
