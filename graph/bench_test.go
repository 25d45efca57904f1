package graph

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/applications"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/tenant"
)

// BenchmarkReadSet reads a set of 1,000 applications (with their service
// principals) from the emulator with 50 ms of latency per request, twice
// per iteration: through tenant.Read with this package's Client, and with a
// naive reader that GETs each application and each service principal one
// by one (same parallelism, 4). It reports both request counts, both wall
// times and the ratios.
func BenchmarkReadSet(b *testing.B) {
	const n = 1000
	e := startEmulator(b, emulator.Faults{})
	c := emulatorClient(b, e, Options{})
	apps := createSet(b, c, "bench", n, true)
	e.SetFaults(emulator.Faults{Latency: 50 * time.Millisecond})
	ctx := context.Background()
	q := tenant.ReadQuery{Set: "bench", APIAppIDs: []string{emulator.MicrosoftGraphApp}}

	var floorReqs, naiveReqs int
	var floorTime, naiveTime time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		snap, err := tenant.Read(ctx, c, nil, q)
		if err != nil {
			b.Fatal(err)
		}
		floorTime += time.Since(start)
		floorReqs += snap.GraphRequests
		if len(snap.Applications) != n {
			b.Fatalf("read %d applications, want %d", len(snap.Applications), n)
		}

		start = time.Now()
		before := c.Requests()
		if err := naiveRead(ctx, c, apps, 4); err != nil {
			b.Fatal(err)
		}
		naiveTime += time.Since(start)
		naiveReqs += c.Requests() - before
	}
	b.StopTimer()
	per := func(v int) float64 { return float64(v) / float64(b.N) }
	b.ReportMetric(per(floorReqs), "floor-reqs/op")
	b.ReportMetric(per(naiveReqs), "naive-reqs/op")
	b.ReportMetric(floorTime.Seconds()/float64(b.N), "floor-s/op")
	b.ReportMetric(naiveTime.Seconds()/float64(b.N), "naive-s/op")
	b.ReportMetric(float64(naiveReqs)/float64(floorReqs), "reqs-ratio")
	b.ReportMetric(naiveTime.Seconds()/floorTime.Seconds(), "time-ratio")
}

// naiveRead is the reader regsync does not use: one GET per application
// (owners expanded) and one per service principal, par at a time.
func naiveRead(ctx context.Context, c *Client, apps []*tenant.Application, par int) error {
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for _, a := range apps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			_, err := c.sdk.Applications().ByApplicationId(a.ID).Get(ctx, &applications.ApplicationItemRequestBuilderGetRequestConfiguration{
				QueryParameters: &applications.ApplicationItemRequestBuilderGetQueryParameters{Expand: []string{"owners"}},
			})
			if err == nil {
				appID := a.AppID
				_, err = c.sdk.ServicePrincipalsWithAppId(&appID).Get(ctx, nil)
			}
			if err != nil {
				mu.Lock()
				if first == nil {
					first = mapError(err, "naive read of %s", a.ID)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}
