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
