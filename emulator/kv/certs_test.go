package kv_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const certPolicy = `{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"RSA","key_size":2048,"exportable":false},"x509_props":{"subject":"CN=job","validity_months":3}},"tags":{"regsync-set":"s"}}`

// TestCertificateRaw drives the certificate routes over raw HTTPS: create
// answers 202 with the pending operation, pending then reports completed,
// the certificate's secret is listed as managed and holds no private key
// when the key is not exportable, and delete, the reserved name and
// recover behave as for secrets.
func TestCertificateRaw(t *testing.T) {
	e := newEnv(t)
	r := e.call(http.MethodPost, "/vaults/kv1/certificates/job/create", certPolicy)
	if r.status != http.StatusAccepted || !strings.Contains(r.raw, `"status":"inProgress"`) {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	if r := e.call(http.MethodGet, "/vaults/kv1/certificates/job/pending", ""); r.status != 200 || !strings.Contains(r.raw, `"status":"completed"`) {
		t.Errorf("pending: %d %s", r.status, r.raw)
	}
	got := e.call(http.MethodGet, "/vaults/kv1/certificates/job/", "")
	if got.status != 200 || !strings.Contains(got.raw, `"cer":"`) || !strings.Contains(got.raw, `"x5t":"`) {
		t.Fatalf("get: %d %s", got.status, got.raw)
	}
	list := e.call(http.MethodGet, "/vaults/kv1/secrets", "")
	if !strings.Contains(list.raw, `"managed":true`) {
		t.Errorf("the certificate's secret is not listed as managed: %s", list.raw)
	}
	sec := e.call(http.MethodGet, "/vaults/kv1/secrets/job/", "")
	if strings.Contains(sec.raw, "PRIVATE KEY") || !strings.Contains(sec.raw, "BEGIN CERTIFICATE") {
		t.Errorf("a non-exportable certificate's secret: %s", sec.raw)
	}
	if r := e.call(http.MethodPost, "/vaults/kv1/certificates/other/create", `{"policy":{"issuer":{"name":"DigiCert"},"x509_props":{"subject":"CN=x"}}}`); r.status != 400 {
		t.Errorf("an issuer other than Self: %d %s", r.status, r.raw)
	}
	if r := e.call(http.MethodGet, "/vaults/kv1/certificates/missing/", ""); r.status != 404 || !strings.Contains(r.raw, "CertificateNotFound") {
		t.Errorf("missing: %d %s", r.status, r.raw)
	}

	doc, err := e.kv.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	e2 := newEnv(t)
	if err := e2.kv.UnmarshalState(doc); err != nil {
		t.Fatal(err)
	}
	if a, b := e.call(http.MethodGet, "/vaults/kv1/certificates/job/", ""), e2.call(http.MethodGet, "/vaults/kv1/certificates/job/", ""); cmp.Diff(a.body, b.body) != "" {
		t.Errorf("the certificate changed across a restore:\n%s", cmp.Diff(a.body, b.body))
	}

	if r := e.call(http.MethodDelete, "/vaults/kv1/certificates/job", ""); r.status != 200 {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	if r := e.call(http.MethodPost, "/vaults/kv1/certificates/job/create", certPolicy); r.status != 409 || !strings.Contains(r.raw, "ObjectIsDeletedButRecoverable") {
		t.Errorf("create over a deleted certificate: %d %s", r.status, r.raw)
	}
	if r := e.call(http.MethodGet, "/vaults/kv1/secrets/job/", ""); r.status != 404 {
		t.Errorf("the deleted certificate's secret: %d", r.status)
	}
	if r := e.call(http.MethodPost, "/vaults/kv1/deletedcertificates/job/recover", ""); r.status != 200 {
		t.Fatalf("recover: %d %s", r.status, r.raw)
	}
	if r := e.call(http.MethodGet, "/vaults/kv1/secrets/job/", ""); r.status != 200 {
		t.Errorf("the recovered certificate's secret: %d", r.status)
	}
}
