package graph

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/tenant"
)

// sampleWrites holds one write of every op, with ids the builders accept.
func sampleWrites() map[tenant.Op]tenant.Write {
	const (
		app   = "0b0e0f0e-0000-4000-8000-0000000000a1"
		sp    = "0b0e0f0e-0000-4000-8000-0000000000b1"
		res   = "0b0e0f0e-0000-4000-8000-0000000000b2"
		role  = "0b0e0f0e-0000-4000-8000-0000000000c1"
		keyID = "0b0e0f0e-0000-4000-8000-0000000000d1"
	)
	name, uris := "renamed", []string{"https://portal.contoso.com/signin-oidc"}
	required := true
	tags := []string{tenant.SetTag("s")}
	fc := tenant.FederatedCredential{ID: "fic1", Name: "main", Issuer: "https://issuer", Subject: "sub", Audiences: []string{"api://AzureADTokenExchange"}}
	return map[tenant.Op]tenant.Write{
		tenant.OpCreateApplication:              tenant.CreateApplication(tenant.AppProps{DisplayName: &name, Tags: &tags}),
		tenant.OpUpdateApplication:              tenant.UpdateApplication(app, tenant.AppProps{DisplayName: &name, WebRedirectURIs: &uris}),
		tenant.OpDeleteApplication:              tenant.DeleteApplication(app),
		tenant.OpAddOwner:                       tenant.AddOwner(app, "u1"),
		tenant.OpRemoveOwner:                    tenant.RemoveOwner(app, "u1"),
		tenant.OpAddPassword:                    tenant.AddPassword(app, tenant.PasswordRequest{DisplayName: "regsync", End: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}),
		tenant.OpRemovePassword:                 tenant.RemovePassword(app, keyID),
		tenant.OpCreateFederatedCredential:      tenant.CreateFederatedCredential(app, fc),
		tenant.OpUpdateFederatedCredential:      tenant.UpdateFederatedCredential(app, fc),
		tenant.OpDeleteFederatedCredential:      tenant.DeleteFederatedCredential(app, "fic1"),
		tenant.OpCreateServicePrincipal:         tenant.CreateServicePrincipal("appid-1", tags),
		tenant.OpUpdateServicePrincipal:         tenant.UpdateServicePrincipal(sp, tenant.ServicePrincipalPatch{AppRoleAssignmentRequired: &required, Tags: &tags}),
		tenant.OpDeleteServicePrincipal:         tenant.DeleteServicePrincipal(sp),
		tenant.OpCreateAppRoleAssignment:        tenant.CreateAppRoleAssignment(tenant.AppRoleAssignment{PrincipalID: sp, ResourceID: res, AppRoleID: role}),
		tenant.OpDeleteAppRoleAssignment:        tenant.DeleteAppRoleAssignment(res, "asg1"),
		tenant.OpCreatePermissionGrant:          tenant.CreatePermissionGrant(tenant.PermissionGrant{ClientID: sp, ResourceID: res, Scope: "User.Read"}),
		tenant.OpUpdatePermissionGrant:          tenant.UpdatePermissionGrant("g1", "User.Read openid"),
		tenant.OpDeletePermissionGrant:          tenant.DeletePermissionGrant("g1"),
		tenant.OpUpsertApplication:              tenant.UpsertApplication(tenant.UniqueName("s", "k"), tenant.AppProps{DisplayName: &name, Tags: &tags}),
		tenant.OpRemoveKeyCredential:            tenant.RemoveKeyCredential(app, keyID),
		tenant.OpRemoveServicePrincipalPassword: tenant.RemoveServicePrincipalPassword(sp, keyID),
		tenant.OpRemoveServicePrincipalKey:      tenant.RemoveServicePrincipalKey(sp, keyID),
		tenant.OpAddKeyCredential: tenant.AddKeyCredential(app, tenant.KeyCredential{KeyID: keyID, DisplayName: "regsync", Type: "AsymmetricX509Cert",
			Usage: "Verify", CustomKeyIdentifier: "00AA", Cert: []byte{0x30, 0x00}}),
	}
}

func TestEveryOpHasABuilder(t *testing.T) {
	samples := sampleWrites()
	for _, op := range tenant.Ops() {
		if builders[op] == nil {
			t.Errorf("%s: no builder", op)
		}
		if _, ok := samples[op]; !ok {
			t.Errorf("%s: no sample write in this test", op)
		}
	}
}

// TestDoAndDoBatchSendTheSameRequest: a write is built once, so what Do
// sends alone is what DoBatch puts in $batch: method, path and body. A
// write that may not be batched goes alone from DoBatch too.
func TestDoAndDoBatchSendTheSameRequest(t *testing.T) {
	type sent struct {
		Method, Path string
		Body         map[string]any
	}
	answer := func(w http.ResponseWriter, method, path string) {
		switch {
		case strings.HasSuffix(path, "/addPassword"):
			writeJSON(w, 200, map[string]any{"keyId": "0b0e0f0e-0000-4000-8000-0000000000d2", "secretText": "x"})
		case method == "POST" && !strings.HasSuffix(path, "/$ref") && !strings.HasSuffix(path, "/removePassword"),
			method == "PATCH" && strings.Contains(path, "(uniqueName="):
			writeJSON(w, 201, map[string]any{"id": "new-1", "appId": "appid-new"})
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}
	for _, op := range tenant.Ops() {
		if op == tenant.OpRemoveKeyCredential || op == tenant.OpRemoveServicePrincipalKey || op == tenant.OpAddKeyCredential {
			continue // a GET, then the PATCH: TestEmulatorRemoveCredentials, TestEmulatorAddKeyCredential
		}
		w := sampleWrites()[op]
		t.Run(op.String(), func(t *testing.T) {
			var single, batched []sent
			s, c := newStub(t, func(rw http.ResponseWriter, r *http.Request, body map[string]any) {
				if r.URL.Path != "/v1.0/$batch" {
					answer(rw, r.Method, r.URL.Path)
					return
				}
				var resps []any
				for _, it := range body["requests"].([]any) {
					item := it.(map[string]any)
					b, _ := item["body"].(map[string]any)
					path, _, _ := strings.Cut(item["url"].(string), "?")
					batched = append(batched, sent{item["method"].(string), path, b})
					resps = append(resps, map[string]any{"id": item["id"], "status": 204, "headers": map[string]any{}})
				}
				writeJSON(rw, 200, map[string]any{"responses": resps})
			})
			res, err := c.Do(context.Background(), w)
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			for _, r := range s.requests() {
				single = append(single, sent{r.Method, strings.TrimPrefix(r.Path, "/v1.0"), r.Body})
			}
			if strings.HasPrefix(op.String(), "create") || op == tenant.OpAddPassword {
				if res.ID == "" {
					t.Errorf("Do: no id in the result %+v", res)
				}
			}

			mark := len(s.requests())
			br := c.DoBatch(context.Background(), []tenant.Write{w})
			if br[0].Err != nil {
				t.Fatalf("DoBatch: %v", br[0].Err)
			}
			wantPath := "/$batch"
			if !op.Batchable() {
				wantPath = single[0].Path
			}
			got := s.requests()[mark:]
			if len(got) != 1 || got[0].Path != "/v1.0"+wantPath {
				t.Errorf("DoBatch sent %v, want one request to %s", got, wantPath)
			}
			if !op.Batchable() {
				batched = append(batched, sent{got[0].Method, strings.TrimPrefix(got[0].Path, "/v1.0"), got[0].Body})
			}
			if d := cmp.Diff(single, batched); d != "" {
				t.Errorf("Do and DoBatch differ (-Do +DoBatch):\n%s", d)
			}
		})
	}
}
