package tenanttest

import (
	"context"
	"testing"
	"time"

	"github.com/regsync/regsync/tenant"
)

func TestEveryOpHasAWriter(t *testing.T) {
	for _, op := range tenant.Ops() {
		if writers[op] == nil {
			t.Errorf("%s: no writer", op)
		}
	}
}

// TestDoBatchCountsLikeGraph: batchable writes cost one request per 20,
// the others one each, and a batched create answers with its id only.
func TestDoBatchCountsLikeGraph(t *testing.T) {
	f := New(func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) })
	ctx := context.Background()
	name, tags := "API", []string{tenant.SetTag("s"), tenant.KeyTag("api")}
	made, err := f.Do(ctx, tenant.CreateApplication(tenant.AppProps{DisplayName: &name, Tags: &tags}))
	if err != nil || made.Application == nil || made.ID != made.Application.ID {
		t.Fatalf("create: %+v %v", made, err)
	}
	var writes []tenant.Write
	for i := range 21 {
		writes = append(writes, tenant.AddOwner(made.ID, string(rune('a'+i))))
	}
	writes = append(writes, tenant.AddPassword(made.ID, tenant.PasswordRequest{DisplayName: "x"}))
	before := f.Requests()
	res := f.DoBatch(ctx, writes)
	if got := f.Requests() - before; got != 3 {
		t.Errorf("requests = %d, want 3: two batches and the password alone", got)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Errorf("write %d: %v", i, r.Err)
		}
	}
	if last := res[len(res)-1]; last.Secret.IsZero() || last.ID == "" {
		t.Errorf("addPassword from DoBatch: %+v, want its id and value as from Do", last)
	}
}

// Like Graph, the fake's list reads return key credentials without their
// certificate; the stored copy keeps it.
func TestListsDropCertificates(t *testing.T) {
	f := New(nil)
	key := tenant.KeyCredential{KeyID: "k1", Type: "AsymmetricX509Cert", Usage: "Verify", Cert: []byte{0x30, 0x82}}
	f.AddApplication(&tenant.Application{Tags: []string{tenant.SetTag("s"), tenant.KeyTag("a")}, KeyCredentials: []tenant.KeyCredential{key}})
	f.AddServicePrincipal(&tenant.ServicePrincipal{AppID: "x", Tags: []string{tenant.SetTag("s")},
		KeyCredentials: []tenant.KeyCredential{key}, PasswordCredentials: []tenant.PasswordCredential{{KeyID: "p1"}}})
	apps, _ := f.ListApplications(context.Background(), "s")
	sps, _ := f.ListServicePrincipals(context.Background(), "s")
	if len(apps) != 1 || len(apps[0].KeyCredentials) != 1 || apps[0].KeyCredentials[0].Cert != nil {
		t.Errorf("listed application keys = %+v, want one without its certificate", apps)
	}
	if len(sps) != 1 || len(sps[0].KeyCredentials) != 1 || sps[0].KeyCredentials[0].Cert != nil || len(sps[0].PasswordCredentials) != 1 {
		t.Errorf("listed service principal = %+v, want one key without its certificate and one password", sps)
	}
	if a := f.AppByKey("a"); a == nil || a.KeyCredentials[0].Cert == nil {
		t.Errorf("the stored application lost its certificate")
	}
}
