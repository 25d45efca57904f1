package e2e

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/tenant"
)

// selfSignedRSA makes a certificate the way someone adding one in the
// portal would: a key pair that stays with them, and the public
// certificate (DER) for Graph.
func selfSignedRSA(t *testing.T, cn string) (cert, privateKey []byte) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return der, x509.MarshalPKCS1PrivateKey(k)
}

// byHand sends one Graph request the way a person with a token would, and
// decodes the answer.
func (w *world) byHand(method, path string, body any) map[string]any {
	w.t.Helper()
	data, _ := json.Marshal(body)
	req, err := http.NewRequest(method, w.em.GraphURL()+path, bytes.NewReader(data))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+w.em.Token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.em.Client().Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		w.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

func keyIDs(ks []tenant.KeyCredential) []string {
	var out []string
	for _, k := range ks {
		out = append(out, k.KeyID)
	}
	return out
}

// TestUnmanagedCredentialsDriftAndPrune: a certificate added by hand to a
// managed application and a password added to a managed service principal
// show in drift (exit 2, every format) and in plan, apply --prune removes
// both, and a certificate whose key id the spec lists in
// ignoreCredentials is neither reported nor removed. The planted password's
// value is among the values the leak scan looks for.
func TestUnmanagedCredentialsDriftAndPrune(t *testing.T) {
	w, file := appliedFHIR(t)
	g, _ := w.clients()

	exporter := app(t, g, "exporter")
	exporterSP := servicePrincipal(t, g, exporter.AppID)
	portal := app(t, g, "portal")
	certDER, privateKey := selfSignedRSA(t, "contractor laptop")
	keptDER, _ := selfSignedRSA(t, "legacy integration")
	keyCred := func(der []byte) map[string]any {
		return map[string]any{"type": "AsymmetricX509Cert", "usage": "Verify", "key": base64.StdEncoding.EncodeToString(der)}
	}
	w.byHand("PATCH", "/applications/"+exporter.ID, map[string]any{"keyCredentials": []any{keyCred(certDER)}})
	w.byHand("PATCH", "/applications/"+portal.ID, map[string]any{"keyCredentials": []any{keyCred(keptDER)}})
	added := w.byHand("POST", "/servicePrincipals/"+exporterSP.ID+"/addPassword", map[string]any{"passwordCredential": map[string]any{"displayName": "ops"}})
	spKeyID, _ := added["keyId"].(string)
	if s, _ := added["secretText"].(string); s == "" || spKeyID == "" {
		t.Fatalf("addPassword on the service principal answered %v", added)
	}
	certKeyID := app(t, g, "exporter").KeyCredentials[0].KeyID
	keptKeyID := app(t, g, "portal").KeyCredentials[0].KeyID

	// The spec leaves the portal's certificate alone, by key id.
	path := filepath.Join(w.dir, file)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(data), "    secret: {}\n", "    secret: {}\n    ignoreCredentials: ["+keptKeyID+"]\n", 1)
	if src == string(data) {
		t.Fatal("could not add ignoreCredentials to the portal")
	}
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}

	classes := driftReport(t, w, file, 2)
	if classes["credential_added_by_hand"] != 2 || len(classes) != 1 {
		t.Errorf("drift classes %v, want exactly the 2 planted credentials", classes)
	}
	js := w.mustRun(2, "drift", "-f", file, "--format", "json").Stdout
	var doc struct {
		Items []struct {
			Address    string `json:"address"`
			Risk       string `json:"risk"`
			Credential struct {
				Kind, On, KeyID, Thumbprint string
				Start, End                  time.Time
			} `json:"credential"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		`applications.exporter.key_credentials["` + certKeyID + `"]`:                      true,
		`applications.exporter.service_principal.password_credentials["` + spKeyID + `"]`: true,
	}
	for _, it := range doc.Items {
		if !want[it.Address] || it.Risk != "high" || it.Credential.End.IsZero() {
			t.Errorf("drift item %+v", it)
		}
		delete(want, it.Address)
	}
	if len(want) != 0 {
		t.Errorf("drift did not report %v", want)
	}
	text := w.mustRun(2, "drift", "-f", file).Stdout
	for _, s := range []string{"[high risk]", "certificate on the application", "password on the service principal"} {
		if !strings.Contains(text, s) {
			t.Errorf("drift text lacks %q:\n%s", s, text)
		}
	}
	if strings.Contains(text, keptKeyID) || strings.Contains(js, keptKeyID) {
		t.Errorf("the ignored certificate %s is reported", keptKeyID)
	}

	plan := w.mustRun(0, "plan", "-f", file).Stdout
	for _, id := range []string{certKeyID, spKeyID} {
		if !strings.Contains(plan, id) {
			t.Errorf("plan does not mention %s:\n%s", id, plan)
		}
	}
	pruned := w.mustRun(2, "plan", "-f", file, "--prune", "--detailed-exitcode").Stdout
	if !strings.Contains(pruned, "0 to add, 0 to change, 2 to destroy") {
		t.Errorf("plan --prune:\n%s", pruned)
	}
	w.mustRun(0, "apply", "-f", file, "--prune", "--auto-approve")

	if ks := app(t, g, "exporter").KeyCredentials; len(ks) != 0 {
		t.Errorf("exporter certificates after prune: %v", keyIDs(ks))
	}
	if ps := servicePrincipal(t, g, exporter.AppID).PasswordCredentials; len(ps) != 0 {
		t.Errorf("exporter service principal passwords after prune: %+v", ps)
	}
	if ks := app(t, g, "portal").KeyCredentials; len(ks) != 1 || ks[0].KeyID != keptKeyID {
		t.Errorf("portal certificates after prune: %v, want the ignored %s", keyIDs(ks), keptKeyID)
	}
	if classes := driftReport(t, w, file, 0); len(classes) != 0 {
		t.Errorf("drift after prune: %v", classes)
	}
	w.mustRun(0, "plan", "-f", file, "--prune", "--detailed-exitcode")

	// No output or file holds the planted private key (which never left
	// this test) or the public certificate bytes.
	for _, text := range w.outputs {
		for _, b := range [][]byte{privateKey, certDER} {
			if strings.Contains(text, base64.StdEncoding.EncodeToString(b)) {
				t.Errorf("an output holds certificate material")
			}
		}
	}
}
