package outputs

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

const tid = "7d3f4c2a-9b1e-4f6a-8c5d-2e1b0a9f8c7d"

func load(t *testing.T) *spec.Spec {
	t.Helper()
	s, diags := spec.Load("../examples/fhir/registrations.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return s
}

func app(id, appID, key string, uris ...string) *tenant.Application {
	return &tenant.Application{ID: id, AppID: appID, DisplayName: key,
		Tags: []string{tenant.SetTag("fhir-prod"), tenant.KeyTag(key)}, IdentifierURIs: uris}
}

func snapshot() *tenant.Snapshot {
	return &tenant.Snapshot{
		Organization: tenant.Organization{ID: tid},
		Applications: []*tenant.Application{
			app("o-api", "c-api", "fhir-api", "https://fhir.contoso.com"),
			app("o-exp", "c-exp", "exporter"),
			// Another set's application with the same key is not ours.
			{ID: "o-x", AppID: "c-x", Tags: []string{tenant.SetTag("other"), tenant.KeyTag("portal")}},
		},
		ServicePrincipals: []*tenant.ServicePrincipal{{ID: "sp-api", AppID: "c-api"}},
	}
}

func TestCompute(t *testing.T) {
	o, err := Compute(load(t), snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if o.Tenant.Authority != "https://login.microsoftonline.com/"+tid || o.Tenant.Domain != "contoso.onmicrosoft.com" {
		t.Errorf("tenant = %+v", o.Tenant)
	}
	byKey := map[string]Application{}
	for _, a := range o.Applications {
		byKey[a.Key] = a
	}
	api := byKey["fhir-api"]
	want := Application{Key: "fhir-api", Kind: "resource", DisplayName: "fhir-api", Applied: true,
		ClientID: "c-api", ObjectID: "o-api", ServicePrincipalID: "sp-api",
		Audience: "https://fhir.contoso.com", Issuer: "https://sts.windows.net/" + tid + "/",
		Scope: "https://fhir.contoso.com/.default"}
	if api != want {
		t.Errorf("fhir-api:\n got %+v\nwant %+v", api, want)
	}
	if p := byKey["portal"]; p.Applied || p.ClientID != "" {
		t.Errorf("portal is not applied in this set, got %+v", p)
	}
	if e := byKey["exporter"]; e.SecretName != "fhir-exporter-secret" || e.SecretVault != "contoso-fhir-kv" || e.ClientID != "c-exp" {
		t.Errorf("exporter = %+v", e)
	}
}

func TestV2Audience(t *testing.T) {
	snap := snapshot()
	v2 := 2
	snap.Applications[0].RequestedAccessTokenVersion = &v2
	o, err := Compute(load(t), snap)
	if err != nil {
		t.Fatal(err)
	}
	api := o.Applications[0]
	if api.Audience != "c-api" || api.Issuer != "https://login.microsoftonline.com/"+tid+"/v2.0" {
		t.Errorf("a v2 resource: aud %q iss %q", api.Audience, api.Issuer)
	}
}

func TestRender(t *testing.T) {
	o, err := Compute(load(t), snapshot())
	if err != nil {
		t.Fatal(err)
	}
	o.Applications[0].DisplayName = "it's"
	var env bytes.Buffer
	if err := Render(&env, o, "env"); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"TENANT_ID='" + tid + "'", "FHIR_API_CLIENT_ID='c-api'", "FHIR_API_AUDIENCE='https://fhir.contoso.com'", "EXPORTER_SECRET_NAME='fhir-exporter-secret'"} {
		if !strings.Contains(env.String(), line+"\n") {
			t.Errorf("env output lacks %s:\n%s", line, env.String())
		}
	}
	if strings.Contains(env.String(), "PORTAL_CLIENT_ID") {
		t.Errorf("an application not applied has no client id:\n%s", env.String())
	}
	var js bytes.Buffer
	if err := Render(&js, o, "json"); err != nil {
		t.Fatal(err)
	}
	var back Outputs
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Applications[0].ClientID != "c-api" {
		t.Errorf("json round trip: %v %+v", err, back)
	}
	var txt bytes.Buffer
	if err := Render(&txt, o, "text"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(txt.String(), "not in the tenant yet") || !strings.Contains(txt.String(), "https://fhir.contoso.com/.default") {
		t.Errorf("text:\n%s", txt.String())
	}
	if err := Render(&txt, o, "yaml"); err == nil {
		t.Error("an unknown format is an error")
	}
	if got := envName("9-lives.app"); got != "_9_LIVES_APP" {
		t.Errorf("envName = %q", got)
	}
}
