package planner_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// Every example plans cleanly against the emulator's seeded tenant, and the
// plan converges.
func TestExamplesPlan(t *testing.T) {
	files, _ := filepath.Glob("../examples/*/registrations.yaml")
	if len(files) == 0 {
		t.Skip("no examples")
	}
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f)), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s, ds := spec.Parse(f, data)
			if ds.HasErrors() {
				t.Fatal(ds.Format())
			}
			live := emptyTenant()
			for _, x := range []struct{ appID, spID, scope string }{
				{"4f6778d8-5aef-43dc-a1ff-b073724b9495", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "user_impersonation"},
				{"75e725bf-66ce-4cea-9b9a-5c4caae57f33", "1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e", "Dicom.ReadWrite"},
			} {
				live.ServicePrincipals = append(live.ServicePrincipals, &tenant.ServicePrincipal{ID: x.spID, AppID: x.appID,
					Scopes: []tenant.PermissionScope{{ID: fakeID(x.appID, x.scope), Value: x.scope, Type: "User", IsEnabled: true}}})
			}
			// The users and groups the emulator seeds, which the
			// examples name as members of app roles.
			for _, upn := range []string{"alice@contoso.com", "bob@contoso.com", "carol@contoso.com"} {
				live.Users = append(live.Users, tenant.User{ID: fakeID("user", upn), UserPrincipalName: upn, DisplayName: upn})
			}
			for _, name := range []string{"FHIR Readers", "FHIR Writers", "Health Data Admins"} {
				live.Groups = append(live.Groups, tenant.Group{ID: fakeID("group", name), DisplayName: name})
			}
			// The Azure resources the examples name, as the emulator seeds
			// them: nothing assigned there yet.
			var scopes []string
			for _, r := range s.AzureResources {
				scopes = append(scopes, r.ID)
			}
			live = withScopes(live, scopes)
			p := compute(t, s, live, planner.Options{})
			if p.Summary.Add == 0 || p.Summary.Change+p.Summary.Destroy != 0 {
				t.Errorf("summary on an empty tenant = %+v, want only adds", p.Summary)
			}
			sim := &simulated{snap: live, now: now}
			sim.apply(t, p)
			if again := compute(t, s, sim.snap, planner.Options{}); !again.Summary.Empty() {
				t.Errorf("after applying, the plan still has %v", actionIDs(again))
			}
		})
	}
}
