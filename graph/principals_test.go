package graph

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/tenant"
)

// TestFindPrincipalsRequestCounts: users and groups are resolved with
// ceil(n/15) requests per kind of reference (ids, names), plus one per 15
// unknown names for did-you-mean candidates, never one per principal. The
// tenant holds 100 users and 100 groups from a seed file.
func TestFindPrincipalsRequestCounts(t *testing.T) {
	var seed strings.Builder
	seed.WriteString("users:\n")
	for i := range 100 {
		fmt.Fprintf(&seed, "  - {id: 0b1c2d3e-0000-4000-8000-%012d, displayName: User %d, userPrincipalName: user%03d@contoso.com}\n", i, i, i)
	}
	seed.WriteString("groups:\n")
	for i := range 100 {
		fmt.Fprintf(&seed, "  - {id: 7a2b0000-0000-4000-8000-%012d, displayName: Group %03d}\n", i, i)
	}
	path := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(path, []byte(seed.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := emulator.Start(context.Background(), emulator.Options{SeedFile: path})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	c := emulatorClient(t, e, Options{})
	ctx := context.Background()

	for _, tc := range []struct {
		name          string
		upns, ids     int
		unknown       int
		wantRequests  int
		wantPrincipal int
	}{
		{"one user", 1, 0, 0, 1, 1},
		{"15 users", 15, 0, 0, 1, 15},
		{"60 users by UPN, 30 by id", 60, 30, 0, 4 + 2, 90},
		{"10 users and 3 unknown names", 10, 0, 3, 1 + 1, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var refs []string
			for i := range tc.upns {
				refs = append(refs, fmt.Sprintf("user%03d@contoso.com", i))
			}
			for i := range tc.ids {
				refs = append(refs, fmt.Sprintf("0b1c2d3e-0000-4000-8000-%012d", 99-i))
			}
			for i := range tc.unknown {
				refs = append(refs, fmt.Sprintf("nobody%d@fabrikam.com", i))
			}
			before := c.Requests()
			users, err := c.FindUsers(ctx, refs)
			if err != nil {
				t.Fatal(err)
			}
			if n := c.Requests() - before; n != tc.wantRequests {
				t.Errorf("%d requests, want %d", n, tc.wantRequests)
			}
			exact := 0
			for _, u := range users {
				if strings.HasPrefix(u.UserPrincipalName, "user") {
					exact++
				}
			}
			if exact != tc.wantPrincipal {
				t.Errorf("%d users found, want %d", exact, tc.wantPrincipal)
			}
		})
	}

	var names []string
	for i := range 40 {
		names = append(names, fmt.Sprintf("Group %03d", i))
	}
	names = append(names, "Group 1000") // unknown: candidates starting "Grou"
	before := c.Requests()
	groups, err := c.FindGroups(ctx, names)
	if err != nil {
		t.Fatal(err)
	}
	if n := c.Requests() - before; n != 3+1 {
		t.Errorf("groups: %d requests, want 4 (3 for 41 names, 1 for candidates)", n)
	}
	found := map[string]bool{}
	for _, g := range groups {
		found[g.DisplayName] = true
	}
	if !found["Group 039"] || found["Group 1000"] || len(groups) < 40 || len(groups) > 40+tenant.CandidateLimit {
		t.Errorf("groups: %d returned", len(groups))
	}
}
