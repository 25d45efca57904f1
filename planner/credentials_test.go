package planner_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// plantedTenant is the converged FHIR set with credentials nobody
// declared: a certificate on the exporter, a password and a certificate on
// the exporter's service principal, and a federated credential on the
// portal (whose spec declares none).
func plantedTenant(t *testing.T, src string) (*simulated, map[string]string) {
	t.Helper()
	_, sim := converged(t, src)
	ids := map[string]string{
		"appKey": "1a1a1a1a-0000-4000-8000-000000000001", "spPassword": "1a1a1a1a-0000-4000-8000-000000000002",
		"spKey": "1a1a1a1a-0000-4000-8000-000000000003", "fic": "1a1a1a1a-0000-4000-8000-000000000004",
	}
	end := now.Add(300 * 24 * time.Hour)
	for _, a := range sim.snap.Applications {
		switch {
		case hasTag(a.Tags, tenant.KeyTag("exporter")):
			a.KeyCredentials = append(a.KeyCredentials, tenant.KeyCredential{KeyID: ids["appKey"], DisplayName: "CN=by hand",
				Type: "AsymmetricX509Cert", Usage: "Verify", CustomKeyIdentifier: "AB12", Start: now, End: end})
			for _, sp := range sim.snap.ServicePrincipals {
				if sp.AppID == a.AppID {
					sp.PasswordCredentials = append(sp.PasswordCredentials, tenant.PasswordCredential{KeyID: ids["spPassword"], DisplayName: "backdoor", Start: now, End: end})
					sp.KeyCredentials = append(sp.KeyCredentials, tenant.KeyCredential{KeyID: ids["spKey"], DisplayName: "CN=sp",
						Type: "AsymmetricX509Cert", Usage: "Verify", CustomKeyIdentifier: "CD34", Start: now, End: end})
				}
			}
		case hasTag(a.Tags, tenant.KeyTag("portal")):
			a.FederatedCredentials = append(a.FederatedCredentials, tenant.FederatedCredential{ID: ids["fic"], Name: "stray",
				Issuer: "https://token.actions.githubusercontent.com", Subject: "repo:someone/else:ref:refs/heads/main", Audiences: []string{"api://AzureADTokenExchange"}})
		}
	}
	return sim, ids
}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

func TestUnmanagedCredentials(t *testing.T) {
	s := parseSpec(t, fhirYAML)
	sim, ids := plantedTenant(t, fhirYAML)

	// Without prune: a note each, no action.
	p := compute(t, s, sim.snap, planner.Options{})
	if len(p.Actions) != 0 {
		t.Errorf("actions without prune: %v", actionIDs(p))
	}
	var notes []string
	for _, n := range p.Notes {
		if strings.Contains(n.Message, "not created by regsync") {
			notes = append(notes, n.Address)
		}
	}
	wantNotes := []string{
		`applications.portal.federated_credentials["stray"]`,
		`applications.exporter.key_credentials["` + ids["appKey"] + `"]`,
		`applications.exporter.service_principal.password_credentials["` + ids["spPassword"] + `"]`,
		`applications.exporter.service_principal.key_credentials["` + ids["spKey"] + `"]`,
	}
	if d := cmp.Diff(wantNotes, notes); d != "" {
		t.Errorf("notes (-want +got):\n%s", d)
	}

	// With prune: one removal each, each flagged as a credential removal.
	p = compute(t, s, sim.snap, planner.Options{Prune: true})
	got := outlineOf(p)
	risk := []planner.RiskCode{planner.RiskCredentialRemoval}
	want := []outline{
		{ID: `applications.portal.federated_credentials["stray"]:delete`, Risks: risk},
		{ID: `applications.exporter.key_credentials["` + ids["appKey"] + `"]:delete`, Risks: risk},
		{ID: `applications.exporter.service_principal.password_credentials["` + ids["spPassword"] + `"]:delete`, Risks: risk},
		{ID: `applications.exporter.service_principal.key_credentials["` + ids["spKey"] + `"]:delete`, Risks: risk},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("prune actions (-want +got):\n%s", d)
	}
	if p.Summary.Destroy != 4 {
		t.Errorf("summary %+v, want 4 to destroy", p.Summary)
	}
	var exporter, exporterSP string
	for _, a := range sim.snap.Applications {
		if hasTag(a.Tags, tenant.KeyTag("exporter")) {
			exporter = a.ID
			for _, sp := range sim.snap.ServicePrincipals {
				if sp.AppID == a.AppID {
					exporterSP = sp.ID
				}
			}
		}
	}
	byID := map[string]*planner.Action{}
	for _, a := range p.Actions {
		byID[a.ID] = a
	}
	end := now.Add(300 * 24 * time.Hour)
	if d := cmp.Diff(&planner.CredentialAction{ObjectID: exporter, On: "application", Kind: "certificate", KeyID: ids["appKey"], DisplayName: "CN=by hand", End: &end},
		byID[want[1].ID].Credential); d != "" {
		t.Errorf("certificate removal (-want +got):\n%s", d)
	}
	if d := cmp.Diff(&planner.CredentialAction{ObjectID: exporterSP, On: "service_principal", Kind: "password", KeyID: ids["spPassword"], DisplayName: "backdoor", End: &end},
		byID[want[2].ID].Credential); d != "" {
		t.Errorf("service principal password removal (-want +got):\n%s", d)
	}
	if fc := byID[want[0].ID].FederatedCredential; fc == nil || fc.ID != ids["fic"] {
		t.Errorf("federated removal payload: %+v", fc)
	}
}

// A key id listed in ignoreCredentials is neither noted nor pruned, on the
// application or its service principal; one that names nothing is noted.
func TestIgnoreCredentials(t *testing.T) {
	sim, ids := plantedTenant(t, fhirYAML)
	stale := "9f9f9f9f-0000-4000-8000-00000000000f"
	src := strings.Replace(fhirYAML, "    secret: { name: fhir-exporter-secret",
		"    ignoreCredentials: ["+strings.ToUpper(ids["appKey"])+", "+ids["spPassword"]+", "+stale+"]\n    secret: { name: fhir-exporter-secret", 1)
	src = strings.Replace(src, "    secret: {}\n", "    secret: {}\n    ignoreCredentials: ["+ids["fic"]+"]\n", 1)
	s := parseSpec(t, src)
	if got := s.Applications[3].IgnoreCredentials; len(got) != 3 || got[0] != ids["appKey"] {
		t.Fatalf("exporter ignoreCredentials = %v, want lower-case key ids", got)
	}
	p := compute(t, s, sim.snap, planner.Options{Prune: true})
	want := []string{`applications.exporter.service_principal.key_credentials["` + ids["spKey"] + `"]:delete`}
	if d := cmp.Diff(want, actionIDs(p)); d != "" {
		t.Errorf("actions (-want +got):\n%s", d)
	}
	var stales []string
	for _, n := range p.Notes {
		if strings.Contains(n.Message, "ignoreCredentials lists") {
			stales = append(stales, n.App+": "+n.Message)
		}
	}
	if len(stales) != 1 || !strings.Contains(stales[0], stale) {
		t.Errorf("notes on stale ignoreCredentials entries: %v", stales)
	}
}

// An undeclared federated credential listed in ignoreCredentials survives a
// spec that declares others.
func TestIgnoreCredentialsKeepsAnUndeclaredFederatedCredential(t *testing.T) {
	_, sim := converged(t, fhirYAML)
	id := "2b2b2b2b-0000-4000-8000-000000000001"
	for _, a := range sim.snap.Applications {
		if hasTag(a.Tags, tenant.KeyTag("ingest")) {
			a.FederatedCredentials = append(a.FederatedCredentials, tenant.FederatedCredential{ID: id, Name: "legacy", Issuer: "https://issuer", Subject: "s"})
		}
	}
	p := compute(t, parseSpec(t, fhirYAML), sim.snap, planner.Options{})
	if d := cmp.Diff([]string{`applications.ingest.federated_credentials["legacy"]:delete`}, actionIDs(p)); d != "" {
		t.Errorf("undeclared federated credential (-want +got):\n%s", d)
	}
	src := strings.Replace(fhirYAML, "    federatedCredentials:\n", "    ignoreCredentials: ["+id+"]\n    federatedCredentials:\n", 1)
	if p := compute(t, parseSpec(t, src), sim.snap, planner.Options{Prune: true}); len(p.Actions) != 0 {
		t.Errorf("ignored federated credential: actions %v", actionIDs(p))
	}
}
