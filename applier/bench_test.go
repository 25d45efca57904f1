package applier

import (
	"context"
	"testing"
)

// BenchmarkApplyRequests applies a fresh set of 100 service clients of one
// API to the in-memory fake and reports Graph requests per apply, with and
// without $batch, and the planned actions. The fake answers at once, so
// ns/op is the applier's own overhead; the request count is what a
// throttled tenant charges.
func BenchmarkApplyRequests(b *testing.B) {
	for _, tc := range []struct {
		name    string
		noBatch bool
	}{{"single", true}, {"batch", false}} {
		b.Run(tc.name, func(b *testing.B) {
			src := manyApps(100)
			var requests, actions, vaultRequests int
			for b.Loop() {
				h := newHarness(b)
				p, live := h.plan(src, false)
				opts := h.options()
				opts.Events = nil
				opts.NoBatch = tc.noBatch
				res, err := Apply(context.Background(), p, h.fake, h.fake.Vault(), live, opts)
				if err != nil {
					b.Fatal(err)
				}
				requests, actions, vaultRequests = res.GraphRequests, len(p.Actions), res.VaultRequests
			}
			b.ReportMetric(float64(requests), "graph-requests/op")
			b.ReportMetric(float64(vaultRequests), "vault-requests/op")
			b.ReportMetric(float64(actions), "actions/op")
		})
	}
}
