package kv_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/regsync/regsync/emulator/kv"
)

// BenchmarkSetGetList measures the handler alone (no TLS, no network): one
// PUT, one GET of the latest version and one first-page list per iteration,
// in a vault that grows by one secret per iteration.
func BenchmarkSetGetList(b *testing.B) {
	s := kv.New(kv.Options{TenantID: testTenant, Token: testToken})
	serve := func(method, path, body string) int {
		req := httptest.NewRequest(method, "https://kv.test"+path+"?api-version="+apiVersion, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec.Code
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		name := fmt.Sprintf("/vaults/benchvault/secrets/s%d", i)
		if serve(http.MethodPut, name, `{"value":"v","tags":{"client-id":"c"}}`) != http.StatusOK ||
			serve(http.MethodGet, name+"/", "") != http.StatusOK ||
			serve(http.MethodGet, "/vaults/benchvault/secrets", "") != http.StatusOK {
			b.Fatal("unexpected status")
		}
	}
}
