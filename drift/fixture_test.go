package drift_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/regsync/regsync/drift"
	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// The fixture (testdata/fixture) is the FHIR spec and a tenant that has
// applied it at created: every kind of application, a resource API with
// scopes and roles, consent, owners, a federated credential and two client
// secrets stored in Key Vault (portal ends 2026-08-28, exporter 2026-05-30).
var created = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	day      = 24 * time.Hour
	graphSP  = "c9a8b7d6-1e2f-4a3b-9c4d-5e6f7a8b9c0d"
	apiSP    = "77c537a7-ab48-3930-6df3-72b4a2e89ec7"
	ownerID  = "5d7e2f3a-8b1c-4d6e-9f0a-1b2c3d4e5f60"
	vault    = "contoso-fhir-kv"
	readerID = "b8d533e8-c2e4-588d-8426-8cc0af150944"
)

func fixtureSpec(t testing.TB, edit func(string) string) *spec.Spec {
	t.Helper()
	data, err := os.ReadFile("testdata/fixture/spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := string(data)
	if edit != nil {
		src = edit(src)
	}
	s, ds := spec.Parse("spec.yaml", []byte(src))
	if ds.HasErrors() {
		t.Fatalf("spec: %s", ds.Format())
	}
	return s
}

func fixtureTenant(t testing.TB) *tenant.Snapshot {
	t.Helper()
	data, err := os.ReadFile("testdata/fixture/live.json")
	if err != nil {
		t.Fatal(err)
	}
	var snap tenant.Snapshot
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&snap); err != nil {
		t.Fatal(err)
	}
	return &snap
}

// report plans s against live and classifies the plan, as regsync drift does.
func report(t testing.TB, s *spec.Spec, live *tenant.Snapshot, opts drift.Options) *drift.Report {
	t.Helper()
	p, ds := planner.Compute(s, live, planner.Options{Now: opts.Now, MissingPrincipalsAreDrift: true})
	if ds.HasErrors() {
		t.Fatalf("plan: %s", ds.Format())
	}
	r, err := drift.Compute(s, live, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func app(snap *tenant.Snapshot, key string) *tenant.Application {
	for _, a := range snap.Applications {
		for _, tag := range a.Tags {
			if tag == tenant.KeyTag(key) {
				return a
			}
		}
	}
	panic("no application " + key)
}

func sp(snap *tenant.Snapshot, key string) *tenant.ServicePrincipal {
	id := app(snap, key).AppID
	for _, s := range snap.ServicePrincipals {
		if s.AppID == id {
			return s
		}
	}
	panic("no service principal " + key)
}
