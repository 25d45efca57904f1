package keyvault

import (
	"context"
	"strings"
	"testing"

	"github.com/regsync/regsync/tenant"
)

// TestEmulatorVersionsDeletedAndRecover drives the metadata reads and the
// recovery the applier uses against the emulator: the versions of a secret
// with their tags and no value read, a deleted secret in the deleted list,
// the 409 of a write to its name, and a recovery that frees the name again.
func TestEmulatorVersionsDeletedAndRecover(t *testing.T) {
	e, s := emulatorStore(t)
	ctx := context.Background()
	for _, k := range []string{"k1", "k2"} {
		if _, err := s.SetSecret(ctx, "kv1", "portal-secret", tenant.NewSecretValue("value-"+k),
			tenant.SecretWrite{Tags: map[string]string{tenant.SecretTagKeyID: k}}); err != nil {
			t.Fatal(err)
		}
	}
	e.ResetStats()
	vs, err := s.SecretVersions(ctx, "kv1", "portal-secret")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, v := range vs {
		got[v.Tags[tenant.SecretTagKeyID]] = true
		if v.Name != "portal-secret" || v.Version == "" {
			t.Errorf("version metadata %+v", v)
		}
	}
	if !got["k1"] || !got["k2"] || len(vs) != 2 {
		t.Errorf("versions %+v, want the two written", vs)
	}
	for route := range e.Stats().Routes {
		if route != "GET /vaults/{vault}/secrets/{name}/versions" {
			t.Errorf("reading the versions sent %s", route)
		}
	}
	if none, err := s.SecretVersions(ctx, "kv1", "never-written"); err != nil || len(none) != 0 {
		t.Errorf("unknown secret: %v, %v; want no versions and no error", none, err)
	}

	c, err := s.client("kv1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteSecret(ctx, "portal-secret", nil); err != nil {
		t.Fatal(err)
	}
	deleted, err := s.DeletedSecrets(ctx, "kv1")
	if err != nil {
		t.Fatal(err)
	}
	if len(deleted) != 1 || deleted[0].Name != "portal-secret" || deleted[0].DeletedDate.IsZero() || deleted[0].ScheduledPurgeDate.IsZero() {
		t.Fatalf("deleted secrets %+v", deleted)
	}
	_, err = s.SetSecret(ctx, "kv1", "portal-secret", tenant.NewSecretValue("value-k3"), tenant.SecretWrite{})
	if k := kindOf(err); k != tenant.Conflict {
		t.Errorf("write to a deleted name: kind %v (%v), want conflict", k, err)
	}
	if err := s.RecoverSecret(ctx, "kv1", "portal-secret"); err != nil {
		t.Fatal(err)
	}
	if err := s.RecoverSecret(ctx, "kv1", "portal-secret"); kindOf(err) != tenant.NotFound {
		t.Errorf("recovering a live secret: %v, want not found", err)
	}
	if _, err := s.SetSecret(ctx, "kv1", "portal-secret", tenant.NewSecretValue("value-k3"), tenant.SecretWrite{}); err != nil {
		t.Errorf("write after recovery: %v", err)
	}
	if vs, _ := s.SecretVersions(ctx, "kv1", "portal-secret"); len(vs) != 3 {
		t.Errorf("%d versions after recovery and a write, want 3", len(vs))
	}
	if deleted, _ := s.DeletedSecrets(ctx, "kv1"); len(deleted) != 0 {
		t.Errorf("deleted secrets after recovery: %+v", deleted)
	}
	if err != nil && strings.Contains(err.Error(), "value-") {
		t.Errorf("an error holds a value: %v", err)
	}
}
