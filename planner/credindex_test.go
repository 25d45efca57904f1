package planner_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// TestCredentialIndex: the index drift builds once answers as
// ClassifyCredentials does for every state (stored by a latest or an older
// version, unstored, foreign, vault not read) and names the secret whose
// latest version carries a key id.
func TestCredentialIndex(t *testing.T) {
	name := planner.ManagedSecretName("s", "job")
	at := func(d int) time.Time { return now.Add(time.Duration(d) * 24 * time.Hour) }
	creds := []tenant.PasswordCredential{
		{KeyID: "K-LATEST", DisplayName: name, Start: at(0), End: at(90)},
		{KeyID: "k-older", DisplayName: name, Start: at(-60), End: at(30)},
		{KeyID: "k-none", DisplayName: name, Start: at(1), End: at(91)},
		{KeyID: "k-hand", DisplayName: "by hand", Start: at(0), End: at(365)},
	}
	live := &tenant.Snapshot{
		VaultsRead: []string{"KV"},
		Secrets: []tenant.SecretMeta{
			{Vault: "kv", Name: "job-client-secret", Tags: map[string]string{tenant.SecretTagKeyID: "k-latest"}},
			{Vault: "other", Name: "elsewhere", Tags: map[string]string{tenant.SecretTagKeyID: "k-none"}},
		},
		SecretVersions: []tenant.SecretMeta{{Vault: "kv", Name: "job-client-secret", Tags: map[string]string{tenant.SecretTagKeyID: "k-older"}}},
	}
	ix := planner.NewCredentialIndex(live)
	for _, vault := range []string{"kv", "Kv", "unread", ""} {
		want := planner.ClassifyCredentials(live, name, vault, creds)
		if diff := cmp.Diff(want, ix.Classify(name, vault, creds)); diff != "" {
			t.Errorf("vault %q (-ClassifyCredentials +index):\n%s", vault, diff)
		}
	}
	states := map[string]planner.CredentialState{}
	for _, cc := range ix.Classify(name, "kv", creds) {
		states[cc.Credential.KeyID] = cc.State
	}
	want := map[string]planner.CredentialState{"K-LATEST": planner.CredentialStored, "k-older": planner.CredentialStored,
		"k-none": planner.CredentialUnstored, "k-hand": planner.CredentialForeign}
	if diff := cmp.Diff(want, states); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	for keyID, want := range map[string]string{"K-Latest": "job-client-secret", "k-older": "", "k-none": ""} {
		if got := ix.SecretCarrying("KV", keyID); got != want {
			t.Errorf("SecretCarrying(KV, %s) = %q, want %q", keyID, got, want)
		}
	}
	for _, cc := range planner.NewCredentialIndex(nil).Classify(name, "kv", creds) {
		if cc.Credential.DisplayName == name && cc.State != planner.CredentialUnknown {
			t.Errorf("without a snapshot: %s is %s, want unknown", cc.Credential.KeyID, cc.State)
		}
	}
}
