package planner_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

const fedSecretSpec = `version: 1
tenant: contoso.onmicrosoft.com
set: fhir
defaults:
  secrets: {vault: contoso-kv, lifetime: 90d, renewBefore: 20d, overlap: 7d}
applications:
  loader:
    kind: service
    secret: {}
`

var fedSpec = strings.Replace(fedSecretSpec, "    secret: {}\n",
	"    federatedCredentials:\n      gh: {issuer: https://token.actions.githubusercontent.com, subject: 'repo:contoso/loader:environment:prod', description: Nightly import}\n", 1)

func fedAction(t *testing.T, p *planner.Plan, id string) *planner.FederatedCredentialAction {
	t.Helper()
	for _, a := range p.Actions {
		if a.ID == id {
			if a.FederatedCredential == nil {
				t.Fatalf("%s has no federated credential payload", id)
			}
			return a.FederatedCredential
		}
	}
	t.Fatalf("no action %s in %v", id, actionIDs(p))
	return nil
}

// TestSecretToFederatedMigration: replacing secret by a federated
// credential is one planned move: the federated credential is added with
// the record of when, the secret kept for the overlap after that time
// (the plan says until when), then removed; after that the plan is empty.
func TestSecretToFederatedMigration(t *testing.T) {
	_, sim := converged(t, fedSecretSpec)
	secret := sim.snap.Applications[0].PasswordCredentials[0]
	s := parseSpec(t, fedSpec)

	// Start: the federated credential is added, recording the time.
	p := compute(t, s, sim.snap, planner.Options{})
	create := `applications.loader.federated_credentials["gh"]:create`
	if diff := cmp.Diff([]string{create}, actionIDs(p)); diff != "" {
		t.Fatalf("migration start (-want +got):\n%s", diff)
	}
	if f := fedAction(t, p, create); !f.RecordAdded || f.Credential.Description != "Nightly import" {
		t.Errorf("the create does not ask for the record: %+v", f)
	}
	if !hasNote(p, "client secret "+secret.KeyID+" is kept until the federated credential that replaces it has been on the application for the overlap (7d)") {
		t.Errorf("no note keeps the secret: %+v", p.Notes)
	}
	added := now.Add(2 * time.Hour) // the apply runs later than the plan
	sim.now = added
	sim.apply(t, p)
	live := sim.snap.Applications[0].FederatedCredentials[0]
	if want := "Nightly import regsync:added=2026-03-01T14:00:00Z"; live.Description != want {
		t.Fatalf("description after apply = %q, want %q", live.Description, want)
	}

	// During the overlap: nothing to do; the secret is kept, with its date.
	for _, at := range []time.Time{added, added.Add(7*24*time.Hour - time.Second)} {
		p = compute(t, s, sim.snap, planner.Options{Now: at})
		if !p.Summary.Empty() {
			t.Errorf("at %s, within the overlap: %v", at, actionIDs(p))
		}
		if !hasNote(p, "client secret "+secret.KeyID+` is kept until 2026-03-08 (overlap 7d after federated credential "gh" was added)`) {
			t.Errorf("at %s: no note keeps the secret with its date: %+v", at, p.Notes)
		}
	}

	// After the overlap: the secret goes, and then nothing is left to do.
	p = compute(t, s, sim.snap, planner.Options{Now: added.Add(7 * 24 * time.Hour)})
	del := `applications.loader.password_credentials["` + secret.KeyID + `"]:delete`
	if diff := cmp.Diff([]string{del}, actionIDs(p)); diff != "" {
		t.Fatalf("after the overlap (-want +got):\n%s", diff)
	}
	if r := p.Actions[0].Reason; !strings.Contains(r, `federated credential "gh" was added 2026-03-01, more than overlap 7d ago`) {
		t.Errorf("reason = %q", r)
	}
	sim.apply(t, p)
	p = compute(t, s, sim.snap, planner.Options{Now: added.Add(8 * 24 * time.Hour)})
	if !p.Summary.Empty() || len(p.Notes) != 0 {
		t.Errorf("after the move: %v %+v", actionIDs(p), p.Notes)
	}
}

// TestSecretToFederatedWithoutRecord: a declared federated credential with
// no readable record of when it was added (made by hand, or its
// description edited) never lets the secret go: the plan records the time
// (an update) and keeps the secret for the overlap from then.
func TestSecretToFederatedWithoutRecord(t *testing.T) {
	for _, tc := range []struct {
		name, description string
		changes           bool
	}{
		{"made by hand", "Nightly import", false},
		{"record removed by hand", "", true},
		{"record unreadable", "Nightly import regsync:added=last week", true},
		{"record not at the end", "Nightly import regsync:added=2026-03-01T14:00:00Z and more", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, sim := converged(t, fedSecretSpec)
			secret := sim.snap.Applications[0].PasswordCredentials[0]
			app := sim.snap.Applications[0]
			app.FederatedCredentials = []tenant.FederatedCredential{{ID: "fc-1", Name: "gh", Issuer: "https://token.actions.githubusercontent.com",
				Subject: "repo:contoso/loader:environment:prod", Audiences: []string{planner.DefaultAudience}, Description: tc.description}}
			s := parseSpec(t, fedSpec)
			// However late: without a record the secret stays.
			late := now.Add(90 * 24 * time.Hour)
			p := compute(t, s, sim.snap, planner.Options{Now: late})
			upd := `applications.loader.federated_credentials["gh"]:update`
			if diff := cmp.Diff([]string{upd}, actionIDs(p)); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
			f := fedAction(t, p, upd)
			if !f.RecordAdded || f.ID != "fc-1" || f.Credential.Description != "Nightly import" {
				t.Errorf("the update does not record the time: %+v", f)
			}
			if got := len(p.Actions[0].Changes) > 0; got != tc.changes {
				t.Errorf("changes %+v, want some: %v", p.Actions[0].Changes, tc.changes)
			}
			if !hasNote(p, "client secret "+secret.KeyID+" is kept until the federated credential that replaces it") {
				t.Errorf("no note keeps the secret: %+v", p.Notes)
			}
			sim.now = late
			sim.apply(t, p)
			p = compute(t, s, sim.snap, planner.Options{Now: late.Add(time.Hour)})
			if !p.Summary.Empty() || !hasNote(p, "is kept until 2026-06-06 (overlap 7d") {
				t.Errorf("after the record: %v %+v", actionIDs(p), p.Notes)
			}
			p = compute(t, s, sim.snap, planner.Options{Now: late.Add(7 * 24 * time.Hour)})
			if diff := cmp.Diff([]string{`applications.loader.password_credentials["` + secret.KeyID + `"]:delete`}, actionIDs(p)); diff != "" {
				t.Errorf("after the overlap (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFederatedRecordKept: the record is not part of the description the
// spec declares: it shows in no diff, a description change keeps it, and
// a credential with a record needs no update once the secret is gone.
func TestFederatedRecordKept(t *testing.T) {
	_, sim := converged(t, fedSecretSpec)
	s := parseSpec(t, fedSpec)
	sim.apply(t, compute(t, s, sim.snap, planner.Options{}))
	recorded := sim.snap.Applications[0].FederatedCredentials[0].Description

	edited := parseSpec(t, strings.Replace(fedSpec, "description: Nightly import", "description: Hourly import", 1))
	p := compute(t, edited, sim.snap, planner.Options{})
	upd := `applications.loader.federated_credentials["gh"]:update`
	if diff := cmp.Diff([]string{upd}, actionIDs(p)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	want := []planner.Change{{Path: "description", Before: json.RawMessage(`"Nightly import"`), After: json.RawMessage(`"Hourly import"`)}}
	if diff := cmp.Diff(want, p.Actions[0].Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	f := fedAction(t, p, upd)
	if f.RecordAdded || f.Credential.Description != "Hourly import regsync:added=2026-03-01T12:00:00Z" {
		t.Errorf("the update does not keep the record %q: %+v", recorded, f)
	}
}

func TestFederatedRecord(t *testing.T) {
	at := time.Date(2026, 11, 30, 6, 50, 0, 123, time.FixedZone("CET", 3600))
	for _, text := range []string{"", "Nightly import", "ends in a space ", "regsync:added= is mentioned"} {
		d := planner.WithFederatedRecord(text, at)
		got, ok := planner.FederatedAdded(d)
		if !ok || !got.Equal(at.Truncate(time.Second)) || planner.FederatedDescription(d) != text {
			t.Errorf("%q: record %q reads back as %v %v, text %q", text, d, got, ok, planner.FederatedDescription(d))
		}
		if len(d)-len(text) > planner.FederatedRecordReserve {
			t.Errorf("%q: the record takes %d characters, more than the %d reserved", text, len(d)-len(text), planner.FederatedRecordReserve)
		}
	}
	for _, d := range []string{"", "Nightly import", "xregsync:added=2026-11-30T05:50:00Z", "regsync:added=2026-11-30", "regsync:added=2026-11-30T05:50:00+01:00"} {
		if _, ok := planner.FederatedAdded(d); ok || planner.FederatedDescription(d) != d {
			t.Errorf("%q reads as a record", d)
		}
	}
}
