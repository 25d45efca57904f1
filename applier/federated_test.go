package applier

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
	"github.com/regsync/regsync/tenant/tenanttest"
)

// movedSpec is fhirSpec with the exporter moved from its client secret to
// a federated credential.
var movedSpec = strings.Replace(fhirSpec, "    secret: { name: export-secret, lifetime: 90d, renewBefore: 21d }\n",
	"    federatedCredentials:\n      gh: { issuer: https://token.actions.githubusercontent.com, subject: \"repo:contoso/export:environment:prod\", description: Export job }\n", 1)

// federatedOf returns the exporter's federated credential "gh" in the fake.
func federatedOf(t *testing.T, h *harness) tenant.FederatedCredential {
	t.Helper()
	for _, a := range h.fake.Snapshot().Applications {
		for _, fc := range a.FederatedCredentials {
			if fc.Name == "gh" {
				return fc
			}
		}
	}
	t.Fatal("no federated credential gh")
	return tenant.FederatedCredential{}
}

// TestApplyRecordsFederatedAdded: the apply that adds the federated
// credential replacing a secret records the time of its write, not the
// plan's. A create whose answer was lost writes one record; one that
// meets a credential an earlier run made (its name conflicts) keeps that
// run's record.
func TestApplyRecordsFederatedAdded(t *testing.T) {
	for _, tc := range []string{"created", "answer lost", "made by an earlier run"} {
		h := newHarness(t)
		h.converge(fhirSpec)
		p, live := h.plan(movedSpec, false)
		earlier := h.clock.Now().Add(time.Hour)
		h.clock.Advance(3 * time.Hour) // the saved plan is applied later
		want := planner.WithFederatedRecord("Export job", h.clock.Now())
		switch tc {
		case "answer lost":
			h.fake.Inject(tenant.OpCreateFederatedCredential, 1, tenanttest.Transient(), true)
		case "made by an earlier run":
			fc := fedAction(t, p).Credential
			fc.Description = planner.WithFederatedRecord(fc.Description, earlier)
			if _, err := h.fake.Do(context.Background(), tenant.CreateFederatedCredential(fedAction(t, p).ApplicationID, fc)); err != nil {
				t.Fatal(err)
			}
			want = fc.Description
		}
		res, err := h.apply(p, live, h.options())
		if err != nil {
			t.Fatalf("%s: apply: %v\n%s", tc, err, describe(res))
		}
		if fc := federatedOf(t, h); fc.Description != want {
			t.Errorf("%s: description %q, want %q", tc, fc.Description, want)
		}
		// Within the overlap the secret stays and nothing is planned.
		if again, _ := h.plan(movedSpec, false); !again.Summary.Empty() {
			t.Errorf("%s: plan after apply: %s", tc, actionList(again))
		}
	}
}

func fedAction(t *testing.T, p *planner.Plan) *planner.FederatedCredentialAction {
	t.Helper()
	for _, a := range p.Actions {
		if a.FederatedCredential != nil && a.Op == planner.OpCreate {
			if !a.FederatedCredential.RecordAdded {
				t.Fatalf("%s does not ask for the record", a.ID)
			}
			return a.FederatedCredential
		}
	}
	t.Fatalf("no federated credential create in %s", actionList(p))
	return nil
}
