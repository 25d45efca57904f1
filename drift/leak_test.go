package drift_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"

	"github.com/regsync/regsync/drift"
	"github.com/regsync/regsync/tenant"
)

// fakeIssuer hands out client secrets the way Graph's addPassword does: the
// value once, the credential's metadata (with a three-character hint) in the
// tenant. Only the issuer keeps the values, as only the applier's memory
// and Key Vault keep the real ones.
type fakeIssuer struct{ issued []tenant.SecretValue }

func (f *fakeIssuer) issue(a *tenant.Application, c tenant.PasswordCredential) {
	a.PasswordCredentials = append(a.PasswordCredentials, f.value(c))
}

// value issues a value for c and returns c with its hint.
func (f *fakeIssuer) value(c tenant.PasswordCredential) tenant.PasswordCredential {
	h := sha256.Sum256([]byte("value:" + c.KeyID))
	v := tenant.NewSecretValue("Zq8Q~" + hex.EncodeToString(h[:]))
	f.issued = append(f.issued, v)
	c.Hint = v.Reveal()[:3]
	return c
}

// keyMaterial stands for the bytes of a key credential's key: no output
// may carry them, raw or encoded.
var keyMaterial = []byte("-----PRIVATE KEY MATERIAL MARKER 0123456789-----")

// No output of any format carries a value the tenant issued, in any case.
func TestNoSecretValueInAnyOutput(t *testing.T) {
	iss := &fakeIssuer{}
	for name, tc := range goldenCases() {
		edit := tc.edit
		tc.edit = func(s *tenant.Snapshot) {
			if edit != nil {
				edit(s)
			}
			// Re-issue every credential so each has a value only the issuer knows.
			for _, a := range s.Applications {
				creds := a.PasswordCredentials
				a.PasswordCredentials = nil
				for _, c := range creds {
					iss.issue(a, c)
				}
				for i := range a.KeyCredentials {
					a.KeyCredentials[i].Cert = keyMaterial
				}
			}
			// A service principal's own passwords (planted by hand) too.
			for _, sp := range s.ServicePrincipals {
				for i, c := range sp.PasswordCredentials {
					sp.PasswordCredentials[i] = iss.value(c)
				}
				for i := range sp.KeyCredentials {
					sp.KeyCredentials[i].Cert = keyMaterial
				}
			}
		}
		r := tc.report(t)
		if len(iss.issued) == 0 {
			t.Fatal("no secret issued")
		}
		for file, out := range renderAll(t, r) {
			for _, v := range iss.issued {
				if strings.Contains(string(out), v.Reveal()) || strings.Contains(string(out), v.Reveal()[5:]) {
					t.Errorf("%s %s holds an issued secret value", name, file)
				}
			}
			for _, enc := range []string{string(keyMaterial), base64.StdEncoding.EncodeToString(keyMaterial), hex.EncodeToString(keyMaterial)} {
				if strings.Contains(string(out), enc) || strings.Contains(strings.ToLower(string(out)), strings.ToLower(enc)) {
					t.Errorf("%s %s holds key material", name, file)
				}
			}
		}
	}
}

// No type reachable from a Report can hold a tenant.SecretValue.
func TestNoTypeHoldsASecretValue(t *testing.T) {
	secret := reflect.TypeOf(tenant.SecretValue{})
	seen := map[reflect.Type]bool{}
	var walk func(path string, typ reflect.Type)
	walk = func(path string, typ reflect.Type) {
		if typ == secret {
			t.Errorf("%s is a tenant.SecretValue", path)
			return
		}
		if seen[typ] {
			return
		}
		seen[typ] = true
		switch typ.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(path+"[]", typ.Elem())
		case reflect.Map:
			walk(path+"{key}", typ.Key())
			walk(path+"{}", typ.Elem())
		case reflect.Struct:
			for i := 0; i < typ.NumField(); i++ {
				walk(path+"."+typ.Field(i).Name, typ.Field(i).Type)
			}
		case reflect.Interface:
			t.Errorf("%s is an interface and could hold anything", path)
		}
	}
	walk("Report", reflect.TypeOf(drift.Report{}))
}
