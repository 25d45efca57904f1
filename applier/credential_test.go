package applier

import (
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/tenant"
)

// A certificate on a managed application, and a password and a
// certificate on its service principal, that nobody declared: apply
// --prune removes them (counted by MaxDeletes), keeps the key credential
// the spec ignores, and a second plan is empty.
func TestApplyPrunesUnmanagedCredentials(t *testing.T) {
	h := newHarness(t)
	h.converge(fhirSpec)
	end := h.clock.Now().Add(365 * 24 * time.Hour)
	key := func(id string) tenant.KeyCredential {
		return tenant.KeyCredential{KeyID: id, DisplayName: "CN=" + id, Type: "AsymmetricX509Cert", Usage: "Verify",
			Start: h.clock.Now(), End: end, Cert: []byte("public certificate of " + id)}
	}
	const (
		planted = "3c3c3c3c-0000-4000-8000-000000000001"
		ignored = "3c3c3c3c-0000-4000-8000-000000000002"
		spPass  = "3c3c3c3c-0000-4000-8000-000000000003"
		spKey   = "3c3c3c3c-0000-4000-8000-000000000004"
	)
	app := h.fake.AppByKey("exporter")
	app.KeyCredentials = []tenant.KeyCredential{key(planted), key(ignored)}
	h.fake.AddApplication(app)
	var sp *tenant.ServicePrincipal
	for _, s := range h.fake.Snapshot().ServicePrincipals {
		if s.AppID == app.AppID {
			sp = s
		}
	}
	sp.PasswordCredentials = []tenant.PasswordCredential{{KeyID: spPass, DisplayName: "backdoor", Start: h.clock.Now(), End: end}}
	sp.KeyCredentials = []tenant.KeyCredential{key(spKey)}
	h.fake.AddServicePrincipal(sp)

	src := strings.Replace(fhirSpec, "    secret: { name: export-secret", "    ignoreCredentials: ["+ignored+"]\n    secret: { name: export-secret", 1)
	p, live := h.plan(src, true)
	if n := CountDeletes(p); n != 3 {
		t.Fatalf("CountDeletes = %d, want 3:\n%s", n, actionList(p))
	}
	opts := h.options()
	opts.MaxDeletes = 2
	if _, err := h.apply(p, live, opts); err == nil || !strings.Contains(err.Error(), "deletes 3 objects") {
		t.Errorf("MaxDeletes 2: %v, want a refusal counting 3 deletes", err)
	}
	before := h.fake.Requests()
	res, err := h.apply(p, live, h.options())
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, describe(res))
	}
	// Two certificates, each a GET and a PATCH; the password in a $batch.
	if n := h.fake.Requests() - before; n != 5 {
		t.Errorf("the prune took %d Graph requests, want 5", n)
	}
	got := h.fake.AppByKey("exporter")
	if len(got.KeyCredentials) != 1 || got.KeyCredentials[0].KeyID != ignored {
		t.Errorf("exporter key credentials after prune: %+v, want only the ignored one", got.KeyCredentials)
	}
	for _, s := range h.fake.Snapshot().ServicePrincipals {
		if s.AppID == app.AppID && (len(s.PasswordCredentials) != 0 || len(s.KeyCredentials) != 0) {
			t.Errorf("service principal credentials after prune: %+v %+v", s.PasswordCredentials, s.KeyCredentials)
		}
	}
	if calls := h.fake.CallsOf(tenant.OpRemoveServicePrincipalPassword); len(calls) != 1 {
		t.Errorf("removePassword calls on the service principal: %v", calls)
	}
	if again, _ := h.plan(src, true); !again.Summary.Empty() {
		t.Errorf("second plan: %s\n%s", again.Summary.Line(), actionList(again))
	}

	// Removing a certificate that is already gone succeeds (its removal
	// reads the list first and finds it missing).
	keysOnly := *p
	keysOnly.Actions = nil
	for _, a := range p.Actions {
		if strings.Contains(a.ID, "key_credentials") {
			keysOnly.Actions = append(keysOnly.Actions, a)
		}
	}
	res, err = h.apply(&keysOnly, live, h.options())
	if err != nil {
		t.Fatalf("re-applying the certificate removals: %v\n%s", err, describe(res))
	}
	if st := statuses(res); len(st) != 2 {
		t.Errorf("statuses of the second run: %v", st)
	}
}
