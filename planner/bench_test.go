package planner_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// generatedYAML is a set of n applications: one resource API per 100, each
// with five scopes and five roles, and clients of every kind calling them.
func generatedYAML(n int) string {
	var b strings.Builder
	b.WriteString(`version: 1
tenant: contoso.onmicrosoft.com
set: bench
defaults:
  owners: [5d7e2f3a-8b1c-4d6e-9f0a-1b2c3d4e5f60]
  secrets: { vault: bench-kv }
apis:
  microsoft-graph: { appId: 00000003-0000-0000-c000-000000000000 }
applications:
`)
	apis := (n + 99) / 100
	for i := 0; i < apis; i++ {
		fmt.Fprintf(&b, "  api-%d:\n    kind: resource\n    identifierUris: [https://api%d.contoso.com]\n    scopes:\n", i, i)
		for j := 0; j < 5; j++ {
			fmt.Fprintf(&b, "      scope%d: {}\n", j)
		}
		b.WriteString("    appRoles:\n")
		for j := 0; j < 5; j++ {
			fmt.Fprintf(&b, "      role%d: { memberTypes: [Application] }\n", j)
		}
	}
	for i := apis; i < n; i++ {
		api := fmt.Sprintf("api-%d", i%apis)
		switch i % 3 {
		case 0:
			fmt.Fprintf(&b, "  app-%d:\n    kind: confidential\n    redirectUris: [https://app%d.contoso.com/signin-oidc]\n"+
				"    access:\n      %s: { scopes: [scope0, scope1] }\n      microsoft-graph: { scopes: [User.Read] }\n    adminConsent: true\n    secret: {}\n", i, i, api)
		case 1:
			fmt.Fprintf(&b, "  app-%d:\n    kind: public\n    platform: spa\n    redirectUris: [https://app%d.contoso.com/cb]\n"+
				"    access:\n      %s: { scopes: [scope0] }\n", i, i, api)
		case 2:
			fmt.Fprintf(&b, "  app-%d:\n    kind: service\n    access:\n      %s: { roles: [role0, role1] }\n    adminConsent: true\n    secret: {}\n", i, api)
		}
	}
	return b.String()
}

// BenchmarkPlan1000 plans 1,000 applications against an empty tenant (every
// action is a create) and against a tenant that matches (no action). The
// planner is CPU-only; the tenant read dominates a real plan.
func BenchmarkPlan1000(b *testing.B) {
	src := generatedYAML(1000)
	s := parseSpec(b, src)
	if len(s.Applications) != 1000 {
		b.Fatalf("generated %d applications", len(s.Applications))
	}
	_, sim := converged(b, src)
	for _, tc := range []struct {
		name string
		live *tenant.Snapshot
	}{{"empty", emptyTenant()}, {"converged", sim.snap}} {
		live := tc.live
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var p *planner.Plan
			for b.Loop() {
				p, _ = planner.Compute(s, live, planner.Options{Now: now})
			}
			b.ReportMetric(float64(len(p.Actions)), "actions")
		})
	}
}
