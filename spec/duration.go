package spec

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Day is the d unit of durations: 24 hours, no calendar.
const Day = 24 * time.Hour

// maxDuration caps parsed durations at 100 years, far beyond any secret
// lifetime Entra accepts, so arithmetic on them cannot overflow.
const maxDuration = 100 * 365 * Day

// ParseDuration parses a duration written as whole numbers with the units d
// (24 hours), h, m and s, largest unit first and each at most once: 90d,
// 12h, 1h30m, 2d12h. It refuses empty strings, zero, fractions, signs and
// anything above 100 years.
func ParseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	units := []struct {
		suffix byte
		unit   time.Duration
	}{{'d', Day}, {'h', time.Hour}, {'m', time.Minute}, {'s', time.Second}}
	rest := s
	var total time.Duration
	next := 0
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) || i > 6 {
			return 0, fmt.Errorf("duration %q: want whole numbers with units d, h, m, s, e.g. 90d or 1h30m", s)
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil {
			return 0, fmt.Errorf("duration %q: %w", s, err)
		}
		u := rest[i]
		found := false
		for next < len(units) {
			cand := units[next]
			next++
			if cand.suffix == u {
				total += time.Duration(n) * cand.unit
				found = true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("duration %q: units must be d, h, m, s, largest first and each once", s)
		}
		if total > maxDuration {
			return 0, fmt.Errorf("duration %q is longer than 100 years", s)
		}
		rest = rest[i+1:]
	}
	if total <= 0 {
		return 0, fmt.Errorf("duration %q is zero", s)
	}
	return total, nil
}

// FormatDuration writes d in the form ParseDuration reads, e.g. 90d or 1h30m.
// Parts below a second are dropped; zero is "0s".
func FormatDuration(d time.Duration) string {
	if d < time.Second {
		return "0s"
	}
	var b strings.Builder
	for _, u := range []struct {
		suffix string
		unit   time.Duration
	}{{"d", Day}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}} {
		if n := d / u.unit; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.suffix)
			d -= n * u.unit
		}
	}
	return b.String()
}
