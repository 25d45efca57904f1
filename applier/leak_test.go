package applier

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/tenant"
	"github.com/regsync/regsync/tenant/tenanttest"
)

// TestApplyNeverLeaksSecretValues runs applies that issue client secrets —
// plain, through a vault outage (compensation), a lost addPassword answer,
// throttling, a renewal — with every output the applier has: text and
// NDJSON progress, the Result as JSON, the error, and fmt's views of the
// result. None may contain a value the fake issued.
func TestApplyNeverLeaksSecretValues(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(h *harness)
		prune bool
	}{
		{"plain", func(*harness) {}, false},
		{"vault outage", func(h *harness) {
			h.fake.InjectVault(100, &tenant.Error{Kind: tenant.Transient, Status: 503, Message: "vault unavailable"})
		}, false},
		{"lost addPassword answer", func(h *harness) { h.fake.Inject(tenant.OpAddPassword, 1, tenanttest.Transient(), true) }, false},
		{"lost vault answer", func(h *harness) {
			h.fake.InjectVaultLost(1, gatewayTimeout())
			h.fake.InjectVault(11, vaultDown())
		}, false},
		{"throttled", func(h *harness) {
			h.fake.Inject(tenant.OpAddPassword, 2, tenanttest.Throttled(time.Second), false)
			h.fake.InjectVault(2, tenanttest.Throttled(time.Second))
		}, false},
		{"prune of credentials regsync did not create", func(h *harness) {
			// A certificate on an application and a password and a
			// certificate on its service principal, planted by hand; the
			// key bytes carry the marker the scan looks for.
			h.converge(fhirSpec)
			key := func(id string) tenant.KeyCredential {
				return tenant.KeyCredential{KeyID: id, DisplayName: "CN=planted", Type: "AsymmetricX509Cert", Usage: "Verify",
					End: h.clock.Now().Add(time.Hour), Cert: []byte("fakeSecretValue key material " + id)}
			}
			a := h.fake.AppByKey("exporter")
			a.KeyCredentials = []tenant.KeyCredential{key("5e5e5e5e-0000-4000-8000-000000000001"), key("5e5e5e5e-0000-4000-8000-000000000002")}
			h.fake.AddApplication(a)
			for _, sp := range h.fake.Snapshot().ServicePrincipals {
				if sp.AppID == a.AppID {
					sp.KeyCredentials = []tenant.KeyCredential{key("5e5e5e5e-0000-4000-8000-000000000003")}
					sp.PasswordCredentials = []tenant.PasswordCredential{{KeyID: "5e5e5e5e-0000-4000-8000-000000000004", DisplayName: "ops", End: h.clock.Now().Add(time.Hour)}}
					h.fake.AddServicePrincipal(sp)
				}
			}
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			tc.setup(h)
			var text, ndjson, coloured bytes.Buffer
			toText, toJSON, toColour := TextEvents(&text, false), JSONEvents(&ndjson), TextEvents(&coloured, true)
			opts := h.options()
			record := opts.Events
			opts.Events = func(e Event) { record(e); toText(e); toJSON(e); toColour(e) }

			p, live := h.plan(fhirSpec, tc.prune)
			if tc.prune && CountDeletes(p) != 4 {
				t.Fatalf("the prune plan deletes %d, want the 4 planted credentials:\n%s", CountDeletes(p), actionList(p))
			}
			res, err := h.apply(p, live, opts)
			outputs := map[string]string{"text": text.String(), "ndjson": ndjson.String(), "colour": coloured.String()}
			if err != nil {
				outputs["error"] = err.Error()
				outputs["error %+v"] = fmt.Sprintf("%+v", err)
			}
			data, jerr := json.Marshal(res)
			if jerr != nil {
				t.Fatal(jerr)
			}
			outputs["result json"] = string(data)
			outputs["result %+v"] = fmt.Sprintf("%+v", res)
			outputs["result %#v"] = fmt.Sprintf("%#v", res)
			for _, a := range res.Actions {
				if a.Err != nil {
					outputs["action err "+a.ID] = fmt.Sprintf("%v %+v %#v", a.Err, a.Err, a.Err)
				}
			}

			// A renewal on top, when the first apply stored its secrets.
			if err == nil {
				h.clock.Advance(80 * 24 * time.Hour)
				p, live := h.plan(fhirSpec, false)
				res, err := h.apply(p, live, opts)
				if err != nil {
					t.Fatalf("renewal: %v", err)
				}
				data, _ := json.Marshal(res)
				outputs["renewal result"] = string(data)
				outputs["text"] = text.String()
				outputs["ndjson"] = ndjson.String()
			}

			issued := h.fake.Issued()
			if len(issued) == 0 {
				t.Fatal("the fake issued no secret: the test proves nothing")
			}
			for name, out := range outputs {
				for _, v := range issued {
					if strings.Contains(out, v) {
						t.Errorf("%s contains an issued secret value", name)
					}
				}
				// Every issued value holds this marker: catch partial copies.
				if strings.Contains(out, "fakeSecretValue") {
					t.Errorf("%s contains part of a secret value", name)
				}
			}
			if len(text.String()) == 0 || len(ndjson.String()) == 0 {
				t.Error("no output was scanned")
			}
		})
	}
}
