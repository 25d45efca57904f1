package graph

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/tenant"
)

// selfSigned makes a throwaway public certificate (DER) for tests.
func selfSigned(t *testing.T) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "graph test"},
		NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// The list queries plan and drift already make carry the key and password
// credentials of applications and service principals: no request more.
func TestListsReadKeyAndPasswordCredentials(t *testing.T) {
	thumb := "0123456789ABCDEF0123456789ABCDEF01234567"
	raw, _ := hex.DecodeString(thumb)
	keyJSON := map[string]any{"keyId": "5b9a2c6e-62a4-4d3b-9c1f-111111111111", "displayName": "CN=by hand", "type": "AsymmetricX509Cert",
		"usage": "Verify", "customKeyIdentifier": base64.StdEncoding.EncodeToString(raw), "key": nil,
		"startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2027-01-01T00:00:00Z"}
	pwJSON := map[string]any{"keyId": "7c0c1d2e-0000-4000-8000-222222222222", "displayName": "planted", "hint": "xyz", "secretText": nil,
		"startDateTime": "2026-02-01T00:00:00Z", "endDateTime": "2026-08-01T00:00:00Z"}
	s, c := newStub(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		q := r.URL.Query()
		switch {
		case r.URL.Path == "/v1.0/applications" && q.Get("$expand") == "owners":
			writeJSON(w, 200, map[string]any{"value": []any{map[string]any{"id": "o1", "appId": "a1", "keyCredentials": []any{keyJSON}}}})
		case r.URL.Path == "/v1.0/applications":
			writeJSON(w, 200, map[string]any{"value": []any{map[string]any{"id": "o1"}}})
		case r.URL.Path == "/v1.0/servicePrincipals":
			writeJSON(w, 200, map[string]any{"value": []any{map[string]any{"id": "s1", "appId": "a1",
				"keyCredentials": []any{keyJSON}, "passwordCredentials": []any{pwJSON}}}})
		default:
			graphError(w, 400, "Request_BadRequest", "unexpected "+r.URL.String())
		}
	})
	ctx := context.Background()
	apps, err := c.ListApplications(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	sps, err := c.ListServicePrincipals(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	key := tenant.KeyCredential{KeyID: "5b9a2c6e-62a4-4d3b-9c1f-111111111111", DisplayName: "CN=by hand", Type: "AsymmetricX509Cert",
		Usage: "Verify", CustomKeyIdentifier: thumb,
		Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	if len(apps) != 1 {
		t.Fatalf("%d applications, want 1", len(apps))
	}
	if d := cmp.Diff([]tenant.KeyCredential{key}, apps[0].KeyCredentials); d != "" {
		t.Errorf("application key credentials (-want +got):\n%s", d)
	}
	wantSP := &tenant.ServicePrincipal{ID: "s1", AppID: "a1", KeyCredentials: []tenant.KeyCredential{key},
		PasswordCredentials: []tenant.PasswordCredential{{KeyID: "7c0c1d2e-0000-4000-8000-222222222222", DisplayName: "planted", Hint: "xyz",
			Start: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)}}}
	if d := cmp.Diff([]*tenant.ServicePrincipal{wantSP}, sps); d != "" {
		t.Errorf("service principals (-want +got):\n%s", d)
	}
	reqs := s.requests()
	if len(reqs) != 3 {
		t.Errorf("%d requests, want 3 (two application lists, one service principal list)", len(reqs))
	}
	for _, r := range reqs {
		sel := "," + r.Query.Get("$select") + ","
		if r.Query.Get("$expand") == "federatedIdentityCredentials" {
			continue
		}
		for _, want := range []string{"keyCredentials", "passwordCredentials"} {
			if !strings.Contains(sel, ","+want+",") {
				t.Errorf("%s %s: $select %q lacks %s", r.Method, r.Path, r.Query.Get("$select"), want)
			}
		}
	}
}

// A key comes back only from a single-object GET. toKeys keeps it when it
// is a bare certificate and drops anything else, so no private key (a
// signing credential's PFX) enters the model.
func TestToKeysKeepsOnlyCertificates(t *testing.T) {
	der := selfSigned(t)
	cert := models.NewKeyCredential()
	cert.SetKey(der)
	sum := sha1.Sum(der)
	cert.SetCustomKeyIdentifier(sum[:])
	pfx := models.NewKeyCredential()
	pfx.SetKey([]byte("not a certificate: stands for PFX bytes"))
	got := toKeys([]models.KeyCredentialable{cert, pfx})
	if len(got) != 2 {
		t.Fatalf("%d keys, want 2", len(got))
	}
	if !cmp.Equal(got[0].Cert, der) {
		t.Errorf("certificate not kept")
	}
	if got[0].CustomKeyIdentifier != strings.ToUpper(hex.EncodeToString(sum[:])) {
		t.Errorf("customKeyIdentifier = %q, want the thumbprint in upper-case hex", got[0].CustomKeyIdentifier)
	}
	if got[1].Cert != nil {
		t.Errorf("a key that is not a certificate was kept: %q", got[1].Cert)
	}
}

// plantKeys PATCHes key credentials for the given certificates onto an
// application or a service principal, as the portal would.
func plantKeys(t *testing.T, c *Client, app bool, id string, certs ...[]byte) {
	t.Helper()
	var ks []models.KeyCredentialable
	for _, der := range certs {
		k := models.NewKeyCredential()
		k.SetKey(der)
		k.SetTypeEscaped(ptr("AsymmetricX509Cert"))
		k.SetUsage(ptr("Verify"))
		ks = append(ks, k)
	}
	var err error
	if app {
		body := models.NewApplication()
		body.SetKeyCredentials(ks)
		_, err = c.sdk.Applications().ByApplicationId(id).Patch(context.Background(), body, nil)
	} else {
		body := models.NewServicePrincipal()
		body.SetKeyCredentials(ks)
		_, err = c.sdk.ServicePrincipals().ByServicePrincipalId(id).Patch(context.Background(), body, nil)
	}
	if err != nil {
		t.Fatalf("planting key credentials: %v", mapError(err, "patch"))
	}
}

// Removing a key credential keeps the others (their keys read back by a
// single GET), and a second removal finds it gone (NotFound); a service
// principal's password goes by its own removePassword, in a $batch too.
func TestEmulatorRemoveCredentials(t *testing.T) {
	e := startEmulator(t, emulator.Faults{})
	c := emulatorClient(t, e, Options{})
	ctx := context.Background()
	name, tags := "creds", []string{tenant.SetTag("s"), tenant.KeyTag("creds")}
	app, err := madeApp(c.Do(ctx, tenant.CreateApplication(tenant.AppProps{DisplayName: &name, Tags: &tags})))
	mustNoErr(t, "create application", err)
	sp, err := madeSP(c.Do(ctx, tenant.CreateServicePrincipal(app.AppID, tags)))
	mustNoErr(t, "create service principal", err)
	plantKeys(t, c, true, app.ID, selfSigned(t), selfSigned(t))
	plantKeys(t, c, false, sp.ID, selfSigned(t), selfSigned(t))
	pw := models.NewPasswordCredential()
	pw.SetDisplayName(ptr("planted"))
	body := serviceprincipals.NewItemAddPasswordPostRequestBody()
	body.SetPasswordCredential(pw)
	added, err := c.sdk.ServicePrincipals().ByServicePrincipalId(sp.ID).AddPassword().Post(ctx, body, nil)
	mustNoErr(t, "add a service principal password", err)

	apps, err := c.ListApplications(ctx, "s")
	mustNoErr(t, "list applications", err)
	sps, err := c.ListServicePrincipals(ctx, "s")
	mustNoErr(t, "list service principals", err)
	if len(apps) != 1 || len(apps[0].KeyCredentials) != 2 || len(sps) != 1 || len(sps[0].KeyCredentials) != 2 || len(sps[0].PasswordCredentials) != 1 {
		t.Fatalf("planted credentials not read: apps %+v sps %+v", apps, sps)
	}
	for _, k := range append(apps[0].KeyCredentials, sps[0].KeyCredentials...) {
		if k.Cert != nil || len(k.CustomKeyIdentifier) != 40 {
			t.Errorf("listed key %+v: want no certificate and a 40-hex-digit thumbprint", k)
		}
	}
	appKey, keptAppKey := apps[0].KeyCredentials[0], apps[0].KeyCredentials[1]
	spKey := sps[0].KeyCredentials[0]

	before := c.Requests()
	mustNoErr(t, "remove application key", errOf(c.Do(ctx, tenant.RemoveKeyCredential(app.ID, appKey.KeyID))))
	if n := c.Requests() - before; n != 2 {
		t.Errorf("removing a key credential took %d requests, want 2 (GET, PATCH)", n)
	}
	if _, err := c.Do(ctx, tenant.RemoveKeyCredential(app.ID, appKey.KeyID)); kindOf(err) != tenant.NotFound {
		t.Errorf("second removal: %v, want NotFound", err)
	}
	mustNoErr(t, "remove service principal key", errOf(c.Do(ctx, tenant.RemoveServicePrincipalKey(sp.ID, spKey.KeyID))))
	res := c.DoBatch(ctx, []tenant.Write{tenant.RemoveServicePrincipalPassword(sp.ID, uuidStr(added.GetKeyId()))})
	mustNoErr(t, "remove service principal password", res[0].Err)

	apps, _ = c.ListApplications(ctx, "s")
	sps, _ = c.ListServicePrincipals(ctx, "s")
	if len(apps[0].KeyCredentials) != 1 || apps[0].KeyCredentials[0].KeyID != keptAppKey.KeyID {
		t.Errorf("application keys after removal: %+v, want only %s", apps[0].KeyCredentials, keptAppKey.KeyID)
	}
	if len(sps[0].KeyCredentials) != 1 || len(sps[0].PasswordCredentials) != 0 {
		t.Errorf("service principal credentials after removal: keys %+v passwords %+v", sps[0].KeyCredentials, sps[0].PasswordCredentials)
	}
	if keptAppKey.End != apps[0].KeyCredentials[0].End || keptAppKey.CustomKeyIdentifier != apps[0].KeyCredentials[0].CustomKeyIdentifier {
		t.Errorf("the kept key changed: %+v → %+v", keptAppKey, apps[0].KeyCredentials[0])
	}
}

// TestEmulatorAddKeyCredential: AddKeyCredential reads the list with a
// single-object GET and PATCHes it back whole with the new certificate: a
// credential planted before keeps its key and dates, sending the same
// certificate again adds nothing, and the listed credential carries the
// thumbprint as customKeyIdentifier and the certificate's dates.
func TestEmulatorAddKeyCredential(t *testing.T) {
	e := startEmulator(t, emulator.Faults{})
	c := emulatorClient(t, e, Options{})
	ctx := context.Background()
	name, tags := "certs", []string{tenant.SetTag("s"), tenant.KeyTag("certs")}
	app, err := madeApp(c.Do(ctx, tenant.CreateApplication(tenant.AppProps{DisplayName: &name, Tags: &tags})))
	mustNoErr(t, "create application", err)
	plantKeys(t, c, true, app.ID, selfSigned(t))
	apps, err := c.ListApplications(ctx, "s")
	mustNoErr(t, "list applications", err)
	planted := apps[0].KeyCredentials[0]

	der := selfSigned(t)
	cert, err := x509.ParseCertificate(der)
	mustNoErr(t, "parse", err)
	sum := sha1.Sum(der)
	thumb := strings.ToUpper(hex.EncodeToString(sum[:]))
	k := tenant.KeyCredential{KeyID: "6f1d7c1e-2b7a-4c53-9f0e-3a1d2c4b5e6f", DisplayName: "regsync:s:certs:cert", Type: "AsymmetricX509Cert", Usage: "Verify",
		CustomKeyIdentifier: thumb, Start: cert.NotBefore, End: cert.NotAfter, Cert: der}
	before := c.Requests()
	mustNoErr(t, "add key credential", errOf(c.Do(ctx, tenant.AddKeyCredential(app.ID, k))))
	if n := c.Requests() - before; n != 2 {
		t.Errorf("adding a key credential took %d requests, want 2 (GET, PATCH)", n)
	}
	mustNoErr(t, "add it again", errOf(c.Do(ctx, tenant.AddKeyCredential(app.ID, k))))

	apps, err = c.ListApplications(ctx, "s")
	mustNoErr(t, "list applications", err)
	got := apps[0].KeyCredentials
	if len(got) != 2 {
		t.Fatalf("key credentials %+v, want the planted one and the added one", got)
	}
	for _, x := range got {
		switch x.KeyID {
		case planted.KeyID:
			if x.CustomKeyIdentifier != planted.CustomKeyIdentifier || !x.End.Equal(planted.End) {
				t.Errorf("the planted key changed: %+v → %+v", planted, x)
			}
		case k.KeyID:
			if x.CustomKeyIdentifier != thumb || !x.End.Equal(cert.NotAfter.UTC()) || x.DisplayName != k.DisplayName || x.Usage != "Verify" {
				t.Errorf("added key %+v, want thumbprint %s and end %v", x, thumb, cert.NotAfter)
			}
		default:
			t.Errorf("unexpected key %+v", x)
		}
	}
}
