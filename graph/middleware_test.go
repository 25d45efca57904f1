package graph

import (
	"testing"

	nethttplibrary "github.com/microsoft/kiota-http-go"
)

// TestCompressionOutsideRetry pins the middleware order on which retried
// bodies depend (see compressionFirst). kiota's order is random per call,
// so the check runs on many fresh lists.
func TestCompressionOutsideRetry(t *testing.T) {
	for i := 0; i < 50; i++ {
		mws, err := middlewares(false)
		if err != nil {
			t.Fatal(err)
		}
		compression, retry := -1, -1
		for j, m := range mws {
			switch m.(type) {
			case *nethttplibrary.CompressionHandler:
				compression = j
			case *nethttplibrary.RetryHandler:
				retry = j
			}
		}
		if compression < 0 || retry < 0 || compression > retry {
			t.Fatalf("compression at %d, retry at %d: compression must come first", compression, retry)
		}
	}
}
