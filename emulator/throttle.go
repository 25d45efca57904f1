package emulator

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Microsoft Graph's identity and access service limits
// (https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits),
// the throttle behind Faults.GraphThrottle. Graph keeps token buckets that
// requests fill with their cost; a request that would overfill one is
// answered 429. Two quotas are counted: resource units, which every request
// costs by kind, and writes, which every POST, PATCH, PUT and DELETE costs
// one of. The emulator serves one tenant to one application (the token's),
// so the application+tenant pair's quotas bind; the application's and the
// tenant's are modelled too, for a Faults change that lowers them never
// hides one.
type graphQuota struct {
	scope, limit string // x-ms-throttle-scope parts: Tenant_Application, Application, Tenant; ResourceUnit or Write
	units        float64
	window       time.Duration
}

// graphQuotas are the documented quotas for a tenant size: S under 50
// users, M 50 to 500, L above 500.
func graphQuotas(size string) []graphQuota {
	ru := map[string]float64{"S": 3500, "M": 5000, "L": 8000}[size]
	return []graphQuota{
		{"Tenant_Application", "ReadWrite", ru, 10 * time.Second},
		{"Tenant_Application", "Write", 3000, 150 * time.Second},
		{"Application", "ReadWrite", 150000, 20 * time.Second},
		{"Application", "Write", 70000, 5 * time.Minute},
		{"Tenant", "Write", 18000, 5 * time.Minute},
	}
}

// validTenantSize reports whether s names a tenant size of the model ("" is off).
func validTenantSize(s string) bool { return s == "" || s == "S" || s == "M" || s == "L" }

// graphCost is what a Graph request costs: its resource units and its
// writes. The base cost of a GET is 2 on the collections the limits page
// lists at 2 (applications, oauth2PermissionGrants and one grant, a
// service principal's appRoleAssignments, users) and 1 elsewhere; $select
// lowers it by one, $expand raises it by one, $top under 20 lowers it by
// one, and it is never below 1. A write costs one unit and one write. The
// $batch envelope costs nothing: its requests are charged one by one.
func graphCost(method, pattern string, q url.Values) (units, writes float64) {
	if pattern == "$batch" {
		return 0, 0
	}
	if !readsOnly(method, pattern) {
		return 1, 1
	}
	base := 1.0
	switch pattern {
	case "applications", "oauth2PermissionGrants", "oauth2PermissionGrants/{id}",
		"servicePrincipals/{id}/appRoleAssignments", "users":
		base = 2
	}
	if q.Get("$select") != "" {
		base--
	}
	if q.Get("$expand") != "" {
		base++
	}
	if top, err := strconv.Atoi(q.Get("$top")); err == nil && top < 20 {
		base--
	}
	return math.Max(1, base), 0
}

// graphBuckets are the model's buckets, each starting full.
type graphBuckets struct {
	size   string
	quotas []graphQuota
	level  []float64 // tokens left in each bucket
	last   time.Time
}

func newGraphBuckets(size string, now time.Time) *graphBuckets {
	qs := graphQuotas(size)
	b := &graphBuckets{size: size, quotas: qs, level: make([]float64, len(qs)), last: now}
	for i, q := range qs {
		b.level[i] = q.units
	}
	return b
}

// take charges a request's cost to every bucket it counts in, or to none:
// when one lacks the tokens it answers false, the seconds until that
// bucket holds them (at least 1), and the bucket's quota for the headers.
func (b *graphBuckets) take(now time.Time, units, writes float64) (ok bool, after int, over *graphQuota) {
	dt := now.Sub(b.last).Seconds()
	b.last = now
	for i, q := range b.quotas {
		b.level[i] = math.Min(q.units, b.level[i]+dt*q.units/q.window.Seconds())
	}
	cost := func(q graphQuota) float64 {
		if q.limit == "Write" {
			return writes
		}
		return units
	}
	wait := 0.0
	for i, q := range b.quotas {
		if c := cost(q); c > 0 && b.level[i] < c {
			if w := (c - b.level[i]) / (q.units / q.window.Seconds()); w > wait {
				wait, over = w, &b.quotas[i]
			}
		}
	}
	if over != nil {
		return false, max(1, int(math.Ceil(wait))), over
	}
	for i, q := range b.quotas {
		b.level[i] -= cost(q)
	}
	return true, 0, nil
}

// throttleHeaders are the headers Graph documents on a throttled identity
// request: the scope and the reason.
func throttleHeaders(q *graphQuota) http.Header {
	h := http.Header{}
	if q == nil {
		return h
	}
	h.Set("x-ms-throttle-scope", q.scope+"/"+q.limit+"/"+CallerAppID+"/"+SeedTenantID)
	reason := "ResourceUnitLimitExceeded"
	if q.limit == "Write" {
		reason = "WriteLimitExceeded"
	}
	h.Set("x-ms-throttle-information", reason)
	return h
}

// takeGraph passes one Graph request (or $batch item) through the
// throttles: the single-rate bucket of ThrottleRate, then the identity
// model of GraphThrottle. It answers false with the Retry-After seconds
// and the headers to send with the 429.
func (fi *faultInjector) takeGraph(method, pattern string, q url.Values) (ok bool, after int, h http.Header) {
	if ok, after := fi.take(); !ok {
		return false, after, nil
	}
	fi.mu.Lock()
	defer fi.mu.Unlock()
	units, writes := graphCost(method, pattern, q)
	if size := fi.f.GraphThrottle; size != "" {
		now := time.Now()
		if fi.graph == nil || fi.graph.size != size {
			fi.graph = newGraphBuckets(size, now)
		}
		if ok, after, over := fi.graph.take(now, units, writes); !ok {
			fi.throttled++
			return false, after, throttleHeaders(over)
		}
	}
	fi.units += units
	fi.writes += writes
	return true, 0, nil
}

// charged returns the resource units and writes of the Graph requests let
// through so far (whether or not GraphThrottle is on) and, when reset,
// starts again from zero.
func (fi *faultInjector) charged(reset bool) (units, writes float64) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	units, writes = fi.units, fi.writes
	if reset {
		fi.units, fi.writes = 0, 0
	}
	return units, writes
}

// MinimumUnderGraphLimits is the least time the identity model's quotas allow for
// requests costing units resource units and writes writes in all, from
// full buckets: for each quota, what exceeds its bucket, at its refill
// rate. Benchmarks compare an apply's wall time with it.
func MinimumUnderGraphLimits(size string, units, writes float64) time.Duration {
	if !validTenantSize(size) || size == "" {
		return 0
	}
	worst := 0.0
	for _, q := range graphQuotas(size) {
		need := units
		if q.limit == "Write" {
			need = writes
		}
		if over := need - q.units; over > 0 {
			worst = math.Max(worst, over/(q.units/q.window.Seconds()))
		}
	}
	return time.Duration(worst * float64(time.Second))
}
