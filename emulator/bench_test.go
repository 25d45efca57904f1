package emulator

import (
	"context"
	"fmt"
	"net/http"
	"testing"
)

// BenchmarkListApplications measures one filtered, selected list page of
// 999 applications over HTTPS: the emulator's cost per request when
// benchmarks of the graph package read a large set.
func BenchmarkListApplications(b *testing.B) {
	e, err := Start(context.Background(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	h := &harness{t: b, e: e, hc: e.Client()}
	for i := range 999 {
		if r := h.do("POST", "/v1.0/applications", map[string]any{"displayName": fmt.Sprintf("app-%d", i), "tags": []any{"bench"}}); r.status != http.StatusCreated {
			b.Fatalf("create: %d", r.status)
		}
	}
	path := "/v1.0/applications?$top=999&$select=id,appId,displayName,tags&$filter=" + urlEncode("tags/any(t:t eq 'bench')")
	b.ResetTimer()
	for b.Loop() {
		if r := h.do("GET", path, nil); r.status != http.StatusOK || len(r.values()) != 999 {
			b.Fatalf("list: %d", r.status)
		}
	}
	b.ReportMetric(float64(e.Stats().Routes["GET /v1.0/applications"])/float64(b.N), "requests/op")
}
