package emulator

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net/http"
	"slices"
	"testing"
	"time"
)

// testCert is a self-signed public certificate (DER), valid for 2026.
func testCert(t *testing.T, cn string) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func keyCred(der []byte) map[string]any {
	return map[string]any{"type": "AsymmetricX509Cert", "usage": "Verify", "key": base64.StdEncoding.EncodeToString(der)}
}

func keysOf(t *testing.T, r resp) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, k := range r.body["keyCredentials"].([]any) {
		out = append(out, k.(map[string]any))
	}
	return out
}

func TestKeyCredentials(t *testing.T) {
	for _, kind := range []string{"applications", "servicePrincipals"} {
		t.Run(kind, func(t *testing.T) {
			h := start(t, Options{})
			app := h.createApp(map[string]any{"displayName": "a"})
			id := app.str("id")
			if kind == "servicePrincipals" {
				id = h.do("POST", "/v1.0/servicePrincipals", map[string]any{"appId": app.str("appId")}).must(t, http.StatusCreated).str("id")
			}
			path := "/v1.0/" + kind + "/" + id
			der := testCert(t, "planted")
			h.do("PATCH", path, map[string]any{"keyCredentials": []any{keyCred(der)}}).must(t, http.StatusNoContent)

			// A list never carries the key; the dates and the thumbprint come
			// from the certificate.
			list := h.do("GET", "/v1.0/"+kind+"?$select=id,keyCredentials", nil).must(t, http.StatusOK)
			var listed map[string]any
			for _, v := range list.values() {
				if v["id"] == id {
					listed = v["keyCredentials"].([]any)[0].(map[string]any)
				}
			}
			sum := sha1.Sum(der)
			if listed == nil || listed["key"] != nil || listed["startDateTime"] != "2026-01-01T00:00:00Z" || listed["endDateTime"] != "2027-01-01T00:00:00Z" ||
				listed["customKeyIdentifier"] != base64.StdEncoding.EncodeToString(sum[:]) || listed["displayName"] != "CN=planted" {
				t.Errorf("listed key credential = %v", listed)
			}
			keyID, _ := listed["keyId"].(string)
			// A single GET shows the key only when it selects keyCredentials.
			if k := keysOf(t, h.do("GET", path, nil).must(t, http.StatusOK)); k[0]["key"] != nil {
				t.Errorf("a GET without $select=keyCredentials returned the key")
			}
			got := keysOf(t, h.do("GET", path+"?$select=keyCredentials", nil).must(t, http.StatusOK))
			if got[0]["key"] != base64.StdEncoding.EncodeToString(der) {
				t.Errorf("GET ?$select=keyCredentials did not return the key")
			}

			// Malformed keys and values, with Graph's detail codes.
			for _, tc := range []struct {
				name string
				cred map[string]any
				code string
			}{
				{"no key", map[string]any{"type": "AsymmetricX509Cert", "usage": "Verify"}, "KeyCredentialsInvalidValue"},
				{"not a certificate", map[string]any{"type": "AsymmetricX509Cert", "usage": "Verify", "key": base64.StdEncoding.EncodeToString([]byte("private key bytes"))}, "KeyCredentialsInvalidValue"},
				{"bad usage", map[string]any{"type": "AsymmetricX509Cert", "usage": "Encrypt", "key": base64.StdEncoding.EncodeToString(der)}, "KeyCredentialsInvalidUsage"},
				{"bad type", map[string]any{"type": "Symmetric", "usage": "Verify", "key": base64.StdEncoding.EncodeToString(der)}, "KeyCredentialsInvalidType"},
				{"end after the certificate", map[string]any{"type": "AsymmetricX509Cert", "usage": "Verify", "key": base64.StdEncoding.EncodeToString(der), "endDateTime": "2028-01-01T00:00:00Z"}, "KeyCredentialsInvalidEndDate"},
				{"another key under an existing keyId", map[string]any{"keyId": keyID, "type": "AsymmetricX509Cert", "usage": "Verify", "key": base64.StdEncoding.EncodeToString(testCert(t, "other"))}, "KeyNotUpdatable"},
			} {
				r := h.do("PATCH", path, map[string]any{"keyCredentials": []any{tc.cred}}).must(t, http.StatusBadRequest)
				if r.detailCode() != tc.code {
					t.Errorf("%s: detail code %q, want %q (%s)", tc.name, r.detailCode(), tc.code, r.errMessage())
				}
			}
			if n := len(keysOf(t, h.do("GET", path, nil))); n != 1 {
				t.Errorf("a refused PATCH changed the list: %d credentials", n)
			}

			// The list is replaced whole: keep one by sending it back.
			kept := keyCred(der)
			kept["keyId"] = keyID
			second := testCert(t, "second")
			h.do("PATCH", path, map[string]any{"keyCredentials": []any{kept, keyCred(second)}}).must(t, http.StatusNoContent)
			ks := keysOf(t, h.do("GET", path, nil))
			if len(ks) != 2 || ks[0]["keyId"] != keyID {
				t.Errorf("after keeping one and adding one: %v", ks)
			}
			h.do("PATCH", path, map[string]any{"keyCredentials": []any{}}).must(t, http.StatusNoContent)
			if n := len(keysOf(t, h.do("GET", path, nil))); n != 0 {
				t.Errorf("an empty list left %d credentials", n)
			}
		})
	}
}

func TestCreateRefusesAKeyID(t *testing.T) {
	h := start(t, Options{})
	c := keyCred(testCert(t, "x"))
	c["keyId"] = "5b9a2c6e-62a4-4d3b-9c1f-111111111111"
	h.do("POST", "/v1.0/applications", map[string]any{"displayName": "a", "keyCredentials": []any{c}}).must(t, http.StatusBadRequest)
	r := h.do("POST", "/v1.0/applications", map[string]any{"displayName": "a", "keyCredentials": []any{keyCred(testCert(t, "x"))}}).must(t, http.StatusCreated)
	if ks := keysOf(t, r); len(ks) != 1 || ks[0]["key"] != nil {
		t.Errorf("created application's key credentials: %v", ks)
	}
}

// A service principal takes passwords of its own (addPassword and
// removePassword), whose values join the issued secrets the leak scans
// look for.
func TestServicePrincipalPasswords(t *testing.T) {
	h := start(t, Options{})
	app := h.createApp(map[string]any{"displayName": "a"})
	sp := h.do("POST", "/v1.0/servicePrincipals", map[string]any{"appId": app.str("appId")}).must(t, http.StatusCreated)
	path := "/v1.0/servicePrincipals/" + sp.str("id")
	r := h.do("POST", path+"/addPassword", map[string]any{"passwordCredential": map[string]any{"displayName": "backdoor"}}).must(t, http.StatusOK)
	secret := r.str("secretText")
	if !secretShape.MatchString(secret) {
		t.Errorf("secretText does not have Entra's shape")
	}
	if !slices.Contains(h.e.SecretValues(), secret) {
		t.Errorf("the service principal's secret is not among the issued values")
	}
	got := h.do("GET", path, nil).must(t, http.StatusOK)
	pcs := got.body["passwordCredentials"].([]any)
	if len(pcs) != 1 || pcs[0].(map[string]any)["secretText"] != nil || pcs[0].(map[string]any)["displayName"] != "backdoor" {
		t.Errorf("service principal passwordCredentials: %v", pcs)
	}
	if a := h.do("GET", "/v1.0/applications/"+app.str("id"), nil); len(a.body["passwordCredentials"].([]any)) != 0 {
		t.Errorf("the service principal's password shows on its application")
	}
	h.do("POST", path+"/removePassword", map[string]any{"keyId": r.str("keyId")}).must(t, http.StatusNoContent)
	h.do("POST", path+"/removePassword", map[string]any{"keyId": r.str("keyId")}).must(t, http.StatusBadRequest)
	h.do("PATCH", path, map[string]any{"passwordCredentials": []any{}}).must(t, http.StatusBadRequest)
}
