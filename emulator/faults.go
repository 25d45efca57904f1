package emulator

import (
	"math"
	"math/rand"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// faultInjector holds the knobs and the state behind them: the throttle's
// token bucket and the error generator. The bucket runs on the wall clock
// (not Options.Now) so a pinned test clock cannot freeze it.
type faultInjector struct {
	mu     sync.Mutex
	f      Faults
	tokens float64
	last   time.Time
	rng    *rand.Rand
	// throttled counts the requests (and $batch items) answered 429.
	throttled int
	// lost counts the writes whose answer LostAnswerRate dropped.
	lost int
	// graph is the identity throttle's buckets (GraphThrottle); units
	// and writes add up what the Graph requests let through cost.
	graph         *graphBuckets
	units, writes float64
}

func newFaultInjector(f Faults) *faultInjector {
	fi := &faultInjector{}
	fi.set(f)
	return fi
}

func (fi *faultInjector) set(f Faults) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	if fi.rng == nil || f.Seed != fi.f.Seed {
		fi.rng = rand.New(rand.NewSource(f.Seed))
	}
	if f.ThrottleRate != fi.f.ThrottleRate {
		fi.tokens = bucketSize(f.ThrottleRate)
		fi.last = time.Now()
	}
	if f.GraphThrottle != fi.f.GraphThrottle {
		fi.graph = nil // the identity model's buckets start full
	}
	fi.f = f
}

func (fi *faultInjector) get() Faults {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	return fi.f
}

func bucketSize(rate float64) float64 { return math.Max(1, rate) }

// latency is the delay to add to a request.
func (fi *faultInjector) latency() time.Duration { return fi.get().Latency }

// replicationLag is the current replication lag.
func (fi *faultInjector) replicationLag() time.Duration { return fi.get().ReplicationLag }

// certificatesForbidden reports whether the certificates of vault are
// closed to the caller (Faults.VaultCertificatesForbidden).
func (fi *faultInjector) certificatesForbidden(vault string) bool {
	for _, v := range fi.get().VaultCertificatesForbidden {
		if strings.EqualFold(v, vault) {
			return true
		}
	}
	return false
}

// vaultOutage reports whether Key Vault is down for route.
func (fi *faultInjector) vaultOutage(route string) bool {
	f := fi.get()
	if !f.VaultOutage {
		return false
	}
	if len(f.VaultOutageRoutes) == 0 {
		return true
	}
	for _, r := range f.VaultOutageRoutes {
		if r == route {
			return true
		}
	}
	return false
}

// take removes a token from the throttle's bucket. It reports false, with
// the Retry-After value in whole seconds, when the bucket is empty.
func (fi *faultInjector) take() (ok bool, retryAfter int) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	rate := fi.f.ThrottleRate
	if rate <= 0 {
		return true, 0
	}
	now := time.Now()
	fi.tokens = math.Min(bucketSize(rate), fi.tokens+now.Sub(fi.last).Seconds()*rate)
	fi.last = now
	if fi.tokens >= 1 {
		fi.tokens--
		return true, 0
	}
	fi.throttled++
	return false, retryAfterSeconds(fi.f.RetryAfter)
}

// retryAfterSeconds rounds d up to whole seconds, at least one.
func retryAfterSeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}

// injectedError decides whether this request fails at random; it returns
// the status (500, 502, 503 or 504) or 0.
func (fi *faultInjector) injectedError() int {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	if fi.f.ErrorRate <= 0 {
		return 0
	}
	if fi.rng.Float64() >= fi.f.ErrorRate {
		return 0
	}
	return []int{500, 502, 503, 504}[fi.rng.Intn(4)]
}

func (fi *faultInjector) retryAfterHeader() string {
	return strconv.Itoa(retryAfterSeconds(fi.get().RetryAfter))
}

// lostAnswers returns the number of answers lost so far.
func (fi *faultInjector) lostAnswers() int {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	return fi.lost
}

// takeThrottled returns the number of 429 answers so far and, when reset,
// starts counting again from zero.
func (fi *faultInjector) takeThrottled(reset bool) int {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	n := fi.throttled
	if reset {
		fi.throttled = 0
	}
	return n
}

// lostAnswer decides whether the answer to a write on route ("METHOD
// /template", as Stats counts it) is lost after the write is carried out.
func (fi *faultInjector) lostAnswer(method, route string) bool {
	if method == http.MethodGet || method == http.MethodHead {
		return false
	}
	fi.mu.Lock()
	defer fi.mu.Unlock()
	if fi.f.LostAnswerRate <= 0 {
		return false
	}
	if len(fi.f.LostAnswerRoutes) > 0 && !slices.Contains(fi.f.LostAnswerRoutes, route) {
		return false
	}
	if fi.rng.Float64() >= fi.f.LostAnswerRate {
		return false
	}
	fi.lost++
	return true
}

// discardWriter is the ResponseWriter of a write whose answer is lost: the
// handler runs to the end and what it answers goes nowhere.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header {
	if d.h == nil {
		d.h = http.Header{}
	}
	return d.h
}
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
