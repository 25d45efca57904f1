package e2e

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/applier"
	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/graph"
	"github.com/regsync/regsync/graph/endpoints"
	"github.com/regsync/regsync/keyvault"
	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// generatedSpec is a set of n applications: one API with a role, and n-1
// service clients that hold the role (admin consent) and a client secret.
func generatedSpec(n int) []byte {
	var b strings.Builder
	b.WriteString("version: 1\ntenant: contoso.onmicrosoft.com\nset: bench\n")
	b.WriteString("defaults:\n  secrets: { vault: bench-kv, lifetime: 180d, renewBefore: 30d, overlap: 7d }\n")
	b.WriteString("applications:\n  api:\n    kind: resource\n    identifierUris: [api://bench-api]\n")
	b.WriteString("    appRoles:\n      reader: { displayName: Reader, description: Read, memberTypes: [Application] }\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "  svc-%04d:\n    kind: service\n    access: { api: { roles: [reader] } }\n    adminConsent: true\n    secret: {}\n", i)
	}
	return []byte(b.String())
}

// benchList reads a comma-separated list of sizes from the environment
// variable name, or returns def alone.
func benchList(name string, def int) []int {
	var out []int
	for _, f := range strings.Split(os.Getenv(name), ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 1 {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		out = []int{def}
	}
	return out
}

// graphTokens is how many throttle tokens the served requests took: every
// Graph HTTP request and every request inside a $batch.
func graphTokens(s emulator.Stats) int {
	n := 0
	for route, c := range s.Routes {
		if strings.Contains(route, "/v1.0/") || strings.HasPrefix(route, "$batch ") {
			n += c
		}
	}
	return n
}

// BenchmarkApplyThrottled applies a generated set (of each size in
// REGSYNC_BENCH_APPS, a comma-separated list, default 1000) to an empty
// emulated tenant that throttles Graph and
// reports the wall time against the throttle-bound minimum. By default the
// throttle is Graph's identity and access limits for a small tenant
// (REGSYNC_BENCH_THROTTLE=S; M and L for larger ones), and the minimum is
// what those quotas allow for the resource units and writes the apply
// cost (MinimumUnderGraphLimits: for each quota, what exceeds its full
// bucket at its refill rate). REGSYNC_BENCH_THROTTLE=rate:N keeps the old
// single bucket of N requests per second (Retry-After 1s), whose minimum is
// the Graph requests less the initial burst, divided by N. Every action
// must succeed.
//
//	REGSYNC_BENCH_APPS=1000,5000 go test ./e2e -run '^$' -bench ApplyThrottled -benchtime 1x
func BenchmarkApplyThrottled(b *testing.B) {
	for range b.N {
		for _, n := range benchList("REGSYNC_BENCH_APPS", 1000) {
			applyThrottled(b, n)
		}
	}
}

// applyThrottled is one run of BenchmarkApplyThrottled, with n applications.
func applyThrottled(b *testing.B, n int) {
	mode := os.Getenv("REGSYNC_BENCH_THROTTLE")
	if mode == "" {
		mode = "S"
	}
	faults := emulator.Faults{GraphThrottle: mode}
	rate := 0
	if r, ok := strings.CutPrefix(mode, "rate:"); ok {
		var err error
		if rate, err = strconv.Atoi(r); err != nil || rate <= 0 {
			b.Fatalf("REGSYNC_BENCH_THROTTLE=%s: want S, M, L or rate:N", mode)
		}
		faults = emulator.Faults{ThrottleRate: float64(rate), RetryAfter: time.Second}
	}
	sp, ds := spec.Parse("bench.yaml", generatedSpec(n))
	if ds.HasErrors() {
		b.Fatal(ds.Format())
	}
	ctx := context.Background()
	em, err := emulator.Start(ctx, emulator.Options{Faults: faults})
	if err != nil {
		b.Fatal(err)
	}
	cfg := endpoints.Config{GraphURL: em.GraphURL(), VaultURL: em.KeyVaultURL(), Token: em.Token(), CACertPEM: em.CACertPEM()}
	dir, err := graph.New(cfg, graph.Options{})
	if err != nil {
		b.Fatal(err)
	}
	vault, err := keyvault.New(cfg, keyvault.Options{})
	if err != nil {
		b.Fatal(err)
	}
	snap, err := tenant.Read(ctx, dir, vault, tenant.ReadQuery{Set: sp.Set, Vaults: []string{"bench-kv"}})
	if err != nil {
		b.Fatal(err)
	}
	p, ds := planner.Compute(sp, snap, planner.Options{Now: time.Now(), CallerID: emulator.CallerSPID})
	if ds.HasErrors() {
		b.Fatal(ds.Format())
	}
	// The buckets start full for the apply: the read above took some.
	em.SetFaults(emulator.Faults{})
	em.SetFaults(faults)
	em.ResetStats()
	start := time.Now()
	res, err := applier.Apply(ctx, p, dir, vault, snap, applier.Options{})
	elapsed := time.Since(start)
	if err != nil || res.Summary.Failed != 0 {
		for _, a := range res.Actions {
			if a.Error != "" {
				b.Logf("%s: %s", a.Address, a.Error)
			}
		}
		b.Fatalf("apply: %v (%s)", err, res.Summary.Line())
	}
	st := em.Stats()
	var min time.Duration
	if rate > 0 {
		// Requests answered 429 took no token; they count as served.
		tokens := graphTokens(st) - st.Throttled
		// The bucket starts full (rate tokens), so the first second's
		// worth of requests costs no time.
		min = time.Duration(float64(max(tokens-rate, 0)) / float64(rate) * float64(time.Second))
		b.ReportMetric(float64(tokens), fmt.Sprintf("graph-ops-%d", n))
	} else {
		min = emulator.MinimumUnderGraphLimits(mode, st.ResourceUnits, st.Writes)
		b.ReportMetric(st.ResourceUnits, fmt.Sprintf("resource-units-%d", n))
		b.ReportMetric(st.Writes, fmt.Sprintf("writes-%d", n))
	}
	b.ReportMetric(elapsed.Seconds(), fmt.Sprintf("wall-s-%d", n))
	b.ReportMetric(min.Seconds(), fmt.Sprintf("throttle-min-s-%d", n))
	ratio := "no wait needed (the set fits the full buckets)"
	if min > 0 {
		b.ReportMetric(elapsed.Seconds()/min.Seconds(), fmt.Sprintf("x-min-%d", n))
		ratio = fmt.Sprintf("%.2fx", elapsed.Seconds()/min.Seconds())
	}
	b.ReportMetric(float64(len(p.Actions)), fmt.Sprintf("actions-%d", n))
	b.ReportMetric(float64(res.Summary.Failed), fmt.Sprintf("failed-%d", n))
	b.ReportMetric(float64(st.Total), fmt.Sprintf("http-requests-%d", n))
	b.ReportMetric(float64(st.Throttled), fmt.Sprintf("throttled-%d", n))
	b.ReportMetric(float64(res.VaultRequests), fmt.Sprintf("vault-requests-%d", n))
	table(b, fmt.Sprintf("apply, %d apps, Graph throttle %s", n, mode),
		fmt.Sprintf("%.1f s wall; minimum %.1f s (%.0f writes, %.0f resource units); %s; %d throttled answers; %d failed actions",
			elapsed.Seconds(), min.Seconds(), st.Writes, st.ResourceUnits, ratio, st.Throttled, res.Summary.Failed),
		"within 1.1x of the minimum; 0 failed")
	em.Close()
}
