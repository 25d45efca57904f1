package planner_test

import (
	"fmt"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/planner/planfile"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// generatedYAML is a set of n applications: one resource API per 100, each
// with five scopes and five roles, and clients of every kind calling them.
func generatedYAML(n int) string { return generatedPart("", n) }

// generatedPart is generatedYAML with prefix before every application key
// and host name, so that parts parsed apart can be joined into one set
// larger than a file may be (joinedSpec).
func generatedPart(prefix string, n int) string {
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
		fmt.Fprintf(&b, "  %sapi-%d:\n    kind: resource\n    identifierUris: [https://%sapi%d.contoso.com]\n    scopes:\n", prefix, i, prefix, i)
		for j := 0; j < 5; j++ {
			fmt.Fprintf(&b, "      scope%d: {}\n", j)
		}
		b.WriteString("    appRoles:\n")
		for j := 0; j < 5; j++ {
			fmt.Fprintf(&b, "      role%d: { memberTypes: [Application] }\n", j)
		}
	}
	for i := apis; i < n; i++ {
		api := fmt.Sprintf("%sapi-%d", prefix, i%apis)
		switch i % 3 {
		case 0:
			fmt.Fprintf(&b, "  %sapp-%d:\n    kind: confidential\n    redirectUris: [https://%sapp%d.contoso.com/signin-oidc]\n"+
				"    access:\n      %s: { scopes: [scope0, scope1] }\n      microsoft-graph: { scopes: [User.Read] }\n    adminConsent: true\n    secret: {}\n", prefix, i, prefix, i, api)
		case 1:
			fmt.Fprintf(&b, "  %sapp-%d:\n    kind: public\n    platform: spa\n    redirectUris: [https://%sapp%d.contoso.com/cb]\n"+
				"    access:\n      %s: { scopes: [scope0] }\n", prefix, i, prefix, i, api)
		case 2:
			fmt.Fprintf(&b, "  %sapp-%d:\n    kind: service\n    access:\n      %s: { roles: [role0, role1] }\n    adminConsent: true\n    secret: {}\n", prefix, i, api)
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

// BenchmarkPlanLinear plans converged sets of 1,000 and 5,000 applications
// (Compute and the saved plan's fingerprint, what `regsync plan` does with
// a snapshot) and fails when the larger costs more than 6 times the smaller
// in CPU time or in allocations: planning must grow with the set, not
// faster. Each size is timed three times and the fastest run counts, so a
// busy machine does not fail it; allocations are exact.
//
//	go test ./planner -run '^$' -bench PlanLinear -benchtime 1x
func BenchmarkPlanLinear(b *testing.B) {
	const small, large, limit = 1000, 5000, 6.0
	for b.Loop() {
		s, l := planCost(b, small), planCost(b, large)
		cpuRatio := l.cpu.Seconds() / s.cpu.Seconds()
		allocRatio := float64(l.allocs) / float64(s.allocs)
		b.ReportMetric(s.cpu.Seconds(), "plan-1000-s")
		b.ReportMetric(l.cpu.Seconds(), "plan-5000-s")
		b.ReportMetric(cpuRatio, "cpu-ratio")
		b.ReportMetric(allocRatio, "alloc-ratio")
		b.ReportMetric(float64(l.bytes)/(1<<20), "plan-5000-MB")
		b.Logf("TABLE | plan of a converged set in process (Compute and fingerprint), %d vs %d apps | %.2f s vs %.2f s CPU (%.2fx), %.2fx allocations, %.0f MB allocated | at most %.0fx each",
			large, small, l.cpu.Seconds(), s.cpu.Seconds(), cpuRatio, allocRatio, float64(l.bytes)/(1<<20), limit)
		if cpuRatio > limit || allocRatio > limit {
			b.Fatalf("planning %d applications costs %.1fx the time and %.1fx the allocations of %d; want at most %.0fx each",
				large, cpuRatio, allocRatio, small, limit)
		}
	}
}

// BenchmarkPlanSizes plans converged sets of 1,000, 5,000 and 20,000
// applications (Compute and fingerprint, the fastest of three runs each)
// and reports the CPU time and allocations per application at each size:
// linear planning keeps them flat. With -cpuprofile it is the profile of
// all three sizes.
//
//	go test ./planner -run '^$' -bench PlanSizes -benchtime 1x -cpuprofile cpu.out
func BenchmarkPlanSizes(b *testing.B) {
	sizes := []int{1000, 5000, 20000}
	for b.Loop() {
		var cells []string
		for _, n := range sizes {
			c := planCost(b, n)
			best, allocs := c.cpu, c.allocs
			us, per := float64(best.Microseconds())/float64(n), float64(allocs)/float64(n)
			b.ReportMetric(us, fmt.Sprintf("us/app-%d", n))
			b.ReportMetric(per, fmt.Sprintf("allocs/app-%d", n))
			cells = append(cells, fmt.Sprintf("%d: %.2f s CPU, %.0f us and %.0f allocations per application", n, best.Seconds(), us, per))
		}
		b.Logf("TABLE | plan of a converged set in process, by size | %s | flat per application", strings.Join(cells, "; "))
	}
}

// cost is what planning a converged set cost: CPU time, allocations and
// bytes allocated.
type cost struct {
	cpu    time.Duration
	allocs uint64
	bytes  uint64
}

// planCost converges a set of n applications (joinedSpec) and plans it
// again (Compute and the saved plan's fingerprint) three times: the
// fastest run's CPU counts, so a busy machine does not fail a ratio, and
// the allocations are exact.
func planCost(b *testing.B, n int) cost {
	b.Helper()
	s := joinedSpec(b, n)
	sim := &simulated{snap: emptyTenant(), now: now}
	sim.apply(b, compute(b, s, sim.snap, planner.Options{}))
	best := cost{cpu: time.Hour}
	for range 3 {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := cpuTime()
		p, ds := planner.Compute(s, sim.snap, planner.Options{Now: now})
		if ds.HasErrors() {
			b.Fatal(ds.Format())
		}
		planfile.Fingerprint(sim.snap)
		elapsed := cpuTime() - start
		runtime.ReadMemStats(&after)
		if len(p.Actions) != 0 {
			b.Fatalf("%d applications: a converged set planned %d actions", n, len(p.Actions))
		}
		best.cpu = min(best.cpu, elapsed)
		best.allocs, best.bytes = after.Mallocs-before.Mallocs, after.TotalAlloc-before.TotalAlloc
	}
	return best
}

// joinedSpec is a set of n applications (generatedYAML's shape) parsed in
// parts of at most 5,000: a file may not exceed 1 MiB (spec.MaxFileSize),
// which this shape reaches near 6,500 applications, so 20,000 is parsed
// as four files and joined into one set.
func joinedSpec(b *testing.B, n int) *spec.Spec {
	b.Helper()
	const part = 5000
	var joined *spec.Spec
	for i := 0; i*part < n; i++ {
		s := parseSpec(b, generatedPart(fmt.Sprintf("p%d-", i), min(part, n-i*part)))
		if joined == nil {
			joined = s
			continue
		}
		joined.Applications = append(joined.Applications, s.Applications...)
	}
	return joined
}

// cpuTime is the CPU time this process has used (user and system, every
// thread: the garbage collector's work counts).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic("internal error: getrusage: " + err.Error())
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
