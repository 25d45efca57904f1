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

// TestCertificateRoutes: every certificate route answers its methods
// (405 with Allow otherwise), an unknown path 404, a bad name 400, a
// missing or deleted certificate the not-found error of its collection,
// and the lists page by maxresults with a next link.
func TestCertificateRoutes(t *testing.T) {
	e := newEnv(t)
	for _, name := range []string{"a", "b", "c"} {
		if r := e.call(http.MethodPost, "/vaults/kv1/certificates/"+name+"/create", certPolicy); r.status != http.StatusAccepted {
			t.Fatalf("create %s: %d %s", name, r.status, r.raw)
		}
	}
	e.call(http.MethodPost, "/vaults/kv1/certificates/a/create", certPolicy) // a second version of a
	if r := e.call(http.MethodDelete, "/vaults/kv1/certificates/c", ""); r.status != 200 {
		t.Fatalf("delete c: %d %s", r.status, r.raw)
	}
	e.checkRoutes([]routeCase{
		{http.MethodPost, "/vaults/kv1/certificates", 405, "MethodNotAllowed", "GET"},
		{http.MethodDelete, "/vaults/kv1/deletedcertificates", 405, "MethodNotAllowed", "GET"},
		{http.MethodPut, "/vaults/kv1/certificates/a", 405, "MethodNotAllowed", "DELETE, GET"},
		{http.MethodPost, "/vaults/kv1/deletedcertificates/c", 405, "MethodNotAllowed", "DELETE, GET"},
		{http.MethodGet, "/vaults/kv1/deletedcertificates/c/recover", 405, "MethodNotAllowed", "POST"},
		{http.MethodGet, "/vaults/kv1/certificates/a/create", 405, "MethodNotAllowed", "POST"},
		{http.MethodPost, "/vaults/kv1/certificates/a/pending", 405, "MethodNotAllowed", "GET"},
		{http.MethodDelete, "/vaults/kv1/certificates/a/policy", 405, "MethodNotAllowed", "GET"},
		{http.MethodPost, "/vaults/kv1/certificates/a/versions", 405, "MethodNotAllowed", "GET"},
		{http.MethodDelete, "/vaults/kv1/certificates/a/" + strings.Repeat("0", 32), 405, "MethodNotAllowed", "GET"},
		{http.MethodGet, "/vaults/kv1/certificates/a/v/extra", 404, "NotFound", ""},
		{http.MethodGet, "/vaults/kv1/deletedcertificates/c/other", 404, "NotFound", ""},
		{http.MethodGet, "/vaults/kv1/certificates/a_b", 400, "BadParameter", ""},
		{http.MethodGet, "/vaults/kv1/certificates/c", 404, "CertificateNotFound", ""},
		{http.MethodGet, "/vaults/kv1/certificates/a/" + strings.Repeat("0", 32), 404, "CertificateNotFound", ""},
		{http.MethodGet, "/vaults/kv1/certificates/c/policy", 404, "CertificateNotFound", ""},
		{http.MethodDelete, "/vaults/kv1/certificates/c", 404, "CertificateNotFound", ""},
		{http.MethodGet, "/vaults/kv1/certificates/c/pending", 404, "PendingCertificateNotFound", ""},
		{http.MethodGet, "/vaults/kv1/deletedcertificates/a", 404, "CertificateNotFound", ""},
		{http.MethodPost, "/vaults/kv1/deletedcertificates/a/recover", 404, "CertificateNotFound", ""},
		{http.MethodDelete, "/vaults/kv1/deletedcertificates/a", 404, "CertificateNotFound", ""},
		{http.MethodGet, "/vaults/kv1/certificates/a/policy", 200, "", ""},
		{http.MethodGet, "/vaults/kv1/deletedcertificates/c", 200, "", ""},
	})

	// Lists, one certificate or version a page.
	for _, tt := range []struct {
		path string
		want []string
	}{
		{"/vaults/kv1/certificates", []string{"/certificates/a", "/certificates/b"}},
		{"/vaults/kv1/deletedcertificates", []string{"/deletedcertificates/c"}},
		{"/vaults/kv1/certificates/a/versions", []string{"/certificates/a/", "/certificates/a/"}},
		{"/vaults/kv1/certificates/c/versions", nil},
	} {
		var got []string
		next := tt.path + "?api-version=" + apiVersion + "&maxresults=1"
		for pages := 0; next != "" && pages < 5; pages++ {
			r := e.call(http.MethodGet, next, "")
			if r.status != 200 {
				t.Fatalf("GET %s: %d %s", next, r.status, r.raw)
			}
			m := r.body.(map[string]any)
			for _, it := range m["value"].([]any) {
				id := it.(map[string]any)["id"].(string)
				id = id[strings.Index(id, "/kv1/")+len("/kv1"):]
				if strings.HasPrefix(tt.path, "/vaults/kv1/certificates/a/") {
					id = id[:len("/certificates/a/")] // a version id follows
				}
				got = append(got, id)
			}
			next, _ = m["nextLink"].(string)
			next = strings.Replace(next, "https://HOST", e.srv.URL, 1) // the body is normalised
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("pages of %s (-want +got):\n%s", tt.path, diff)
		}
	}
}
