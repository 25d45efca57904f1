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

func benchEnv(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
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

// BenchmarkApplyThrottled applies a generated set (REGSYNC_BENCH_APPS,
// default 1000) to an empty emulated tenant that throttles Graph at
// REGSYNC_BENCH_RATE requests per second (default 100) with Retry-After 1s,
// and reports the wall time against the throttle-bound minimum: the Graph
// requests the apply needed, less the bucket's initial burst, divided by
// the rate.
//
//	REGSYNC_BENCH_APPS=1000 REGSYNC_BENCH_RATE=100 go test ./e2e -run '^$' -bench ApplyThrottled -benchtime 1x
func BenchmarkApplyThrottled(b *testing.B) {
	n, rate := benchEnv("REGSYNC_BENCH_APPS", 1000), benchEnv("REGSYNC_BENCH_RATE", 100)
	sp, ds := spec.Parse("bench.yaml", generatedSpec(n))
	if ds.HasErrors() {
		b.Fatal(ds.Format())
	}
	for i := 0; i < b.N; i++ {
		ctx := context.Background()
		em, err := emulator.Start(ctx, emulator.Options{Faults: emulator.Faults{ThrottleRate: float64(rate), RetryAfter: time.Second}})
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
		em.ResetStats()
		start := time.Now()
		res, err := applier.Apply(ctx, p, dir, vault, snap, applier.Options{})
		elapsed := time.Since(start)
		if err != nil {
			for _, a := range res.Actions {
				if a.Error != "" {
					b.Logf("%s: %s", a.Address, a.Error)
				}
			}
			b.Fatalf("apply: %v (%s)", err, res.Summary.Line())
		}
		st := em.Stats()
		// Requests answered 429 took no token; they count as served.
		tokens := graphTokens(st) - st.Throttled
		// The bucket starts full (rate tokens), so the first second's worth
		// of requests costs no time.
		min := time.Duration(float64(max(tokens-rate, 0)) / float64(rate) * float64(time.Second))
		b.ReportMetric(elapsed.Seconds(), "wall-s")
		b.ReportMetric(min.Seconds(), "throttle-min-s")
		b.ReportMetric(elapsed.Seconds()/min.Seconds(), "x-min")
		b.ReportMetric(float64(len(p.Actions)), "actions")
		b.ReportMetric(float64(st.Total), "http-requests")
		b.ReportMetric(float64(tokens), "graph-ops")
		b.ReportMetric(float64(st.Throttled), "throttled")
		b.ReportMetric(float64(res.VaultRequests), "vault-requests")
		em.Close()
	}
}
