package drift_test

import (
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/drift"
	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// keptKeyID is the ingest job's old client secret in the migration cases.
const keptKeyID = "3c3c3c3c-0000-4000-8000-000000000001"

// fedAdded is when the migration cases' federated credential was added.
var fedAdded = created.Add(5 * day)

// movingToFederated edits the fixture into an ingest job in the middle of
// its move from a client secret to its federated credential: the managed
// secret regsync made before is still on the application, and the
// federated credential carries the record of when an apply added it
// (recorded false: a record nobody can read, as after an edit by hand).
func movingToFederated(recorded bool) func(*tenant.Snapshot) {
	return func(s *tenant.Snapshot) {
		a := app(s, "ingest")
		a.PasswordCredentials = append(a.PasswordCredentials, tenant.PasswordCredential{KeyID: keptKeyID,
			DisplayName: planner.ManagedSecretName("fhir-prod", "ingest"), Hint: "k3p", Start: created, End: created.Add(180 * day)})
		fc := &a.FederatedCredentials[0]
		fc.Description = planner.WithFederatedRecord(planner.FederatedDescription(fc.Description), fedAdded)
		if !recorded {
			fc.Description = planner.FederatedDescription(fc.Description)
		}
	}
}

// agree checks that drift reports the kept secret exactly when the plan
// of the same moment removes it.
func agree(t *testing.T, s *spec.Spec, live *tenant.Snapshot, r *drift.Report) {
	t.Helper()
	p, ds := planner.Compute(s, live, planner.Options{Now: r.CheckedAt, MissingPrincipalsAreDrift: true})
	if ds.HasErrors() {
		t.Fatalf("plan: %s", ds.Format())
	}
	removes := false
	for _, a := range p.Actions {
		if a.Type == planner.TypeSecret && a.Op == planner.OpDelete && a.Secret.KeyID == keptKeyID {
			removes = true
		}
	}
	reported := false
	for _, it := range r.Items {
		if it.Credential != nil && it.Credential.KeyID == keptKeyID {
			reported = true
		}
	}
	if removes != reported {
		t.Errorf("the plan removes the kept secret: %v; drift reports it: %v", removes, reported)
	}
}

// secretItems are the items about the kept secret.
func secretItems(r *drift.Report) []drift.Item {
	var out []drift.Item
	for _, it := range r.Items {
		if strings.Contains(it.Address, keptKeyID) {
			out = append(out, it)
		}
	}
	return out
}

func timelineStatus(r *drift.Report) string {
	for _, c := range r.Credentials {
		if c.KeyID == keptKeyID {
			return c.Status
		}
	}
	return ""
}

// TestMigrationToFederatedOverlap: while the overlap after the federated
// credential was added runs, the secret regsync keeps is a notice, not
// drift; once it has passed and no apply removed the secret, it is drift
// (not_in_spec), as the plan removes it.
func TestMigrationToFederatedOverlap(t *testing.T) {
	s := fixtureSpec(t, nil) // overlap: the default 7d
	opts := drift.Options{ExpiryWindow: 30 * day}

	t.Run("during the overlap", func(t *testing.T) {
		live := fixtureTenant(t)
		movingToFederated(true)(live)
		opts.Now = fedAdded.Add(3 * day)
		r := report(t, s, live, opts)
		if r.HasDrift() || len(secretItems(r)) != 0 {
			t.Errorf("the kept secret is drift during the overlap: %+v", r.Items)
		}
		if len(r.Notices) != 1 {
			t.Fatalf("notices: %+v, want one", r.Notices)
		}
		n := r.Notices[0]
		want := `client secret ` + keptKeyID + ` is kept until 2026-03-13 (overlap 7d after federated credential "github-main" was added) while its users move to the federated credential`
		if !strings.HasPrefix(n.Message, want) || n.Object != "applications.ingest" || n.Credential == nil || n.Credential.Status != drift.StatusKept {
			t.Errorf("notice: %+v\nwant message starting %q", n, want)
		}
		if st := timelineStatus(r); st != drift.StatusKept {
			t.Errorf("timeline status %q, want kept", st)
		}
		for file, out := range renderAll(t, r) {
			if !strings.Contains(string(out), "is kept until 2026-03-13") {
				t.Errorf("%s does not show the notice:\n%s", file, out)
			}
		}
		agree(t, s, live, r)
	})

	t.Run("no readable record yet", func(t *testing.T) {
		live := fixtureTenant(t)
		movingToFederated(false)(live)
		opts.Now = fedAdded.Add(30 * day)
		r := report(t, s, live, opts)
		if len(secretItems(r)) != 0 || len(r.Notices) != 1 ||
			!strings.Contains(r.Notices[0].Message, "until the federated credential that replaces it has been on the application for the overlap (7d)") {
			t.Errorf("items %+v, notices %+v", secretItems(r), r.Notices)
		}
		agree(t, s, live, r)
	})

	t.Run("after the overlap", func(t *testing.T) {
		live := fixtureTenant(t)
		movingToFederated(true)(live)
		opts.Now = fedAdded.Add(7*day + time.Minute)
		r := report(t, s, live, opts)
		items := secretItems(r)
		if len(items) != 1 || items[0].Class != drift.ClassNotInSpec || items[0].Severity != drift.SeverityDrift ||
			!strings.Contains(items[0].Message, `moved this application to a federated credential; federated credential "github-main" was added 2026-03-06, more than overlap 7d ago`) {
			t.Errorf("after the overlap: %+v", items)
		}
		if !r.HasDrift() || len(r.Notices) != 0 || timelineStatus(r) != drift.StatusUndeclared {
			t.Errorf("drift %v, notices %+v, status %q", r.HasDrift(), r.Notices, timelineStatus(r))
		}
		agree(t, s, live, r)
	})

	t.Run("federated credentials no longer declared", func(t *testing.T) {
		// Not a migration: the spec wants neither the secret nor a
		// successor.
		noFed := fixtureSpec(t, func(src string) string {
			i := strings.Index(src, "    federatedCredentials:\n")
			j := strings.Index(src[i:], "refs/heads/main\" }\n")
			return src[:i] + src[i+j+len("refs/heads/main\" }\n"):]
		})
		live := fixtureTenant(t)
		movingToFederated(true)(live)
		opts.Now = fedAdded.Add(day)
		r := report(t, noFed, live, opts)
		items := secretItems(r)
		if len(items) != 1 || items[0].Class != drift.ClassNotInSpec || !strings.Contains(items[0].Message, "the spec declares no secret for this application") {
			t.Errorf("without federated credentials: %+v", items)
		}
		if len(r.Notices) != 0 {
			t.Errorf("notices: %+v", r.Notices)
		}
		agree(t, noFed, live, r)
	})
}

// TestMigrationToCertificateOverlap: the same for a client moving to a
// certificate, whose overlap counts from the certificate's start.
func TestMigrationToCertificateOverlap(t *testing.T) {
	certStart := created.Add(5 * day)
	specEdit, edit := withCertificate(t, certStart.AddDate(0, 6, 0))
	s := fixtureSpec(t, specEdit)
	opts := drift.Options{ExpiryWindow: 30 * day}
	for _, tc := range []struct {
		name  string
		now   time.Time
		drift bool
	}{
		{"during the overlap", certStart.Add(2 * day), false},
		{"after the overlap", certStart.Add(8 * day), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			live := fixtureTenant(t)
			edit(live)
			movingToFederated(true)(live) // the managed secret; the certificate takes precedence
			opts.Now = tc.now
			r := report(t, s, live, opts)
			items := secretItems(r)
			if !tc.drift {
				if len(items) != 0 || r.HasDrift() {
					t.Errorf("drift during the overlap: %+v", r.Items)
				}
				if len(r.Notices) != 1 || !strings.Contains(r.Notices[0].Message,
					"is kept until 2026-03-13 (overlap 7d after certificate c0000000-0000-4000-8000-000000000001 started) while its users move to the certificate") {
					t.Errorf("notices: %+v", r.Notices)
				}
			} else {
				if len(items) != 1 || items[0].Class != drift.ClassNotInSpec ||
					!strings.Contains(items[0].Message, "moved this application to a certificate; certificate c0000000-0000-4000-8000-000000000001 started 2026-03-06, more than overlap 7d ago") {
					t.Errorf("after the overlap: %+v", items)
				}
				if len(r.Notices) != 0 {
					t.Errorf("notices after the overlap: %+v", r.Notices)
				}
			}
			agree(t, s, live, r)
		})
	}
}
