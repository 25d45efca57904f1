package drift_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/regsync/regsync/drift"
	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// benchSet is a set of n service clients, each holding a client secret
// regsync made whose value Key Vault holds: the spec, the tenant (as read)
// and its plan.
func benchSet(b *testing.B, n int) (*spec.Spec, *tenant.Snapshot, *planner.Plan) {
	b.Helper()
	var y strings.Builder
	y.WriteString("version: 1\ntenant: contoso.onmicrosoft.com\nset: bench\ndefaults:\n  secrets: { vault: bench-kv }\napplications:\n")
	snap := &tenant.Snapshot{Organization: tenant.Organization{ID: "0d0c0b0a-0000-0000-0000-000000000000",
		VerifiedDomains: []string{"contoso.onmicrosoft.com"}}, VaultsRead: []string{"bench-kv"}}
	for i := range n {
		key := fmt.Sprintf("job-%d", i)
		fmt.Fprintf(&y, "  %s:\n    kind: service\n    secret: {}\n", key)
		appID := fmt.Sprintf("a0000000-0000-0000-0000-%012d", i)
		keyID := fmt.Sprintf("c0000000-0000-0000-0000-%012d", i)
		end := created.Add(180 * day)
		snap.Applications = append(snap.Applications, &tenant.Application{ID: fmt.Sprintf("o0000000-0000-0000-0000-%012d", i), AppID: appID,
			DisplayName: key, Tags: []string{tenant.SetTag("bench"), tenant.KeyTag(key)}, SignInAudience: "AzureADMyOrg",
			PasswordCredentials: []tenant.PasswordCredential{{KeyID: keyID, DisplayName: planner.ManagedSecretName("bench", key), Start: created, End: end}}})
		snap.Secrets = append(snap.Secrets, tenant.SecretMeta{Vault: "bench-kv", Name: key + "-client-secret", Enabled: true, Expires: &end,
			Tags: map[string]string{tenant.SecretTagClientID: appID, tenant.SecretTagKeyID: keyID, tenant.SecretTagSet: "bench", tenant.SecretTagKey: key}})
	}
	s, ds := spec.Parse("bench.yaml", []byte(y.String()))
	if ds.HasErrors() {
		b.Fatal(ds.Format())
	}
	p, ds := planner.Compute(s, snap, planner.Options{Now: created.Add(day), MissingPrincipalsAreDrift: true})
	if ds.HasErrors() {
		b.Fatal(ds.Format())
	}
	return s, snap, p
}

// BenchmarkDrift classifies a set of 1,000 and of 5,000 applications with
// a stored client secret each (the plan is made beforehand, outside the
// timing): a drift report that grows with the set, not with its square,
// costs about five times as much per operation for five times the set.
func BenchmarkDrift(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("apps=%d", n), func(b *testing.B) {
			s, snap, p := benchSet(b, n)
			opts := drift.Options{Now: created.Add(day), ExpiryWindow: 30 * day}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				r, err := drift.Compute(s, snap, p, opts)
				if err != nil {
					b.Fatal(err)
				}
				if len(r.Credentials) != n {
					b.Fatalf("%d credentials in the report, want %d", len(r.Credentials), n)
				}
			}
		})
	}
}
