package applier

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
	"github.com/regsync/regsync/tenant/tenanttest"
)

const certJobSpec = `version: 1
tenant: contoso.onmicrosoft.com
set: certs
defaults:
  secrets: { vault: certs-kv, lifetime: 90d, renewBefore: 20d, overlap: 5d }
applications:
  job:
    kind: service
    certificate: {}
`

// managedKeys are the key credentials regsync made on the job.
func (h *harness) managedKeys() []tenant.KeyCredential {
	h.t.Helper()
	a := h.fake.AppByKey("job")
	if a == nil {
		h.t.Fatal("no application job")
	}
	return planner.ManagedKeyCredentials("certs", "job", a.KeyCredentials)
}

// TestCertificateVaultFirstThenKey: apply makes the vault version, waits
// for it, and puts its public certificate on the application with the
// thumbprint as customKeyIdentifier; a second plan is empty; at the
// renewal window a second version and key credential come, the first kept.
func TestCertificateVaultFirstThenKey(t *testing.T) {
	h := newHarness(t)
	h.converge(certJobSpec)
	certs := h.fake.Certificates("certs-kv", "job-client-cert")
	keys := h.managedKeys()
	if len(certs) != 1 || len(keys) != 1 {
		t.Fatalf("%d vault versions and %d key credentials, want 1 and 1", len(certs), len(keys))
	}
	k, c := keys[0], certs[0]
	if k.CustomKeyIdentifier != c.Thumbprint || k.KeyID != CertificateKeyID(c.Thumbprint) || !k.End.Equal(*c.Expires) ||
		k.Type != "AsymmetricX509Cert" || k.Usage != "Verify" || string(k.Cert) != string(c.CER) {
		t.Errorf("key credential %+v does not match vault version %+v", k, c.CertificateMeta)
	}
	if c.Tags[tenant.CertificateTagSet] != "certs" || c.Tags[tenant.CertificateTagKey] != "job" || c.Tags[tenant.CertificateTagClientID] == "" {
		t.Errorf("vault tags %v", c.Tags)
	}
	calls := strings.Join(h.fake.Calls(), "\n")
	if i, j := strings.Index(calls, "CreateCertificate"), strings.Index(calls, "add key credential"); i < 0 || j < 0 || i > j {
		t.Errorf("the vault certificate must come before the key credential:\n%s", calls)
	}

	h.clock.Advance(75 * 24 * time.Hour)
	p, live := h.plan(certJobSpec, false)
	if got := actionList(p); !strings.Contains(got, "applications.job.certificate:renew") {
		t.Fatalf("no renewal at the window:\n%s", got)
	}
	if _, err := h.apply(p, live, h.options()); err != nil {
		t.Fatal(err)
	}
	if keys := h.managedKeys(); len(keys) != 2 || len(h.fake.Certificates("certs-kv", "job-client-cert")) != 2 {
		t.Errorf("after renewal: %d key credentials, want the new one and the old one kept", len(keys))
	}
}

// TestCertificateVaultDownAddsNoKey: the vault fails every create: apply
// fails, no key credential exists, and the next apply finishes.
func TestCertificateVaultDownAddsNoKey(t *testing.T) {
	h := newHarness(t)
	h.fake.InjectVaultCall("CreateCertificate", 6, vaultDown())
	p, live := h.plan(certJobSpec, false)
	res, err := h.apply(p, live, h.options())
	if err == nil {
		t.Fatalf("apply succeeded while the vault was down:\n%s", describe(res))
	}
	if keys := h.managedKeys(); len(keys) != 0 {
		t.Errorf("key credentials without a vault copy: %+v", keys)
	}
	for _, a := range res.Actions {
		if a.Type == planner.TypeCertificate && !strings.Contains(a.Error, "no key credential was added") {
			t.Errorf("%s: error %q does not say that no key credential was added", a.ID, a.Error)
		}
	}
	h.converge(certJobSpec)
	if keys := h.managedKeys(); len(keys) != 1 {
		t.Errorf("%d key credentials after the re-run, want 1", len(keys))
	}
}

// TestCertificateUnusedVersionIsUsed: the key credential write fails after
// the vault made the version; the next plan puts that version on the
// application without making another.
func TestCertificateUnusedVersionIsUsed(t *testing.T) {
	h := newHarness(t)
	h.fake.Inject(tenant.OpAddKeyCredential, 6, tenanttest.Transient(), false)
	p, live := h.plan(certJobSpec, false)
	if _, err := h.apply(p, live, h.options()); err == nil {
		t.Fatal("apply succeeded although every key credential write failed")
	}
	if n := len(h.fake.Certificates("certs-kv", "job-client-cert")); n != 1 {
		t.Fatalf("%d vault versions, want 1", n)
	}
	p, _ = h.plan(certJobSpec, false)
	var use *planner.CertificateAction
	for _, a := range p.Actions {
		if a.Certificate != nil {
			use = a.Certificate
		}
	}
	if use == nil || use.NewVersion || use.Version == "" {
		t.Fatalf("the re-plan should use the unused version: %+v\n%s", use, actionList(p))
	}
	h.converge(certJobSpec)
	if n := len(h.fake.Certificates("certs-kv", "job-client-cert")); n != 1 {
		t.Errorf("%d vault versions after the re-run, want still 1", n)
	}
}

// TestCertificateDeletedByHandIsRecovered: the vault certificate was
// deleted: apply recovers it (its name is reserved) and makes a new
// version; the old key credential stays for the overlap.
func TestCertificateDeletedByHandIsRecovered(t *testing.T) {
	h := newHarness(t)
	h.converge(certJobSpec)
	h.fake.DeleteCertificate("certs-kv", "job-client-cert")
	h.converge(certJobSpec)
	if n := len(h.fake.Certificates("certs-kv", "job-client-cert")); n != 2 {
		t.Errorf("%d vault versions, want the recovered one and a new one", n)
	}
	if keys := h.managedKeys(); len(keys) != 2 {
		t.Errorf("%d key credentials, want the new one and the old one kept for the overlap", len(keys))
	}
	if !strings.Contains(strings.Join(h.fake.Calls(), "\n"), "RecoverCertificate") {
		t.Error("the certificate was not recovered")
	}
}

// TestApplyCertificateOutputsHoldNoKeyMaterial: every output of an apply
// that makes, renews and recovers certificates — text and NDJSON
// progress, the result as JSON and through fmt — holds no certificate
// bytes (DER, base64 or PEM) and no private key.
func TestApplyCertificateOutputsHoldNoKeyMaterial(t *testing.T) {
	h := newHarness(t)
	var text, ndjson bytes.Buffer
	opts := h.options()
	toText, toJSON := TextEvents(&text, false), JSONEvents(&ndjson)
	opts.Events = func(e Event) { toText(e); toJSON(e) }
	outputs := map[string]string{}
	run := func(name string) {
		p, live := h.plan(certJobSpec, false)
		res, err := h.apply(p, live, opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		data, _ := json.Marshal(res)
		outputs[name+" json"] = string(data)
		outputs[name+" %+v"] = fmt.Sprintf("%+v %#v", res, res)
	}
	run("create")
	h.clock.Advance(75 * 24 * time.Hour)
	run("renewal")
	h.fake.DeleteCertificate("certs-kv", "job-client-cert")
	run("recovery")
	outputs["text"], outputs["ndjson"] = text.String(), ndjson.String()

	certs := h.fake.Certificates("certs-kv", "job-client-cert")
	if len(certs) != 3 {
		t.Fatalf("%d vault versions, want 3: the test proves less than it says", len(certs))
	}
	for name, out := range outputs {
		for _, c := range certs {
			b64 := base64.StdEncoding.EncodeToString(c.CER)
			if strings.Contains(out, b64[10:60]) || strings.Contains(out, string(c.CER[10:40])) {
				t.Errorf("%s holds certificate bytes of version %s", name, c.Version)
			}
		}
		if strings.Contains(out, "PRIVATE KEY") || strings.Contains(out, "BEGIN CERTIFICATE") {
			t.Errorf("%s holds PEM material", name)
		}
	}
	if text.Len() == 0 || ndjson.Len() == 0 {
		t.Error("no output was scanned")
	}
}
