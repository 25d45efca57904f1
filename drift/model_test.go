package drift

import "testing"

// TestSummaryLine: the notices are counted in the summary sentence when
// there are any, and the sentence without them is unchanged.
func TestSummaryLine(t *testing.T) {
	for _, c := range []struct {
		s    Summary
		want string
	}{
		{Summary{}, "No drift. The tenant matches the spec."},
		{Summary{Warnings: 1}, "No drift; 1 warning."},
		{Summary{Notices: 1}, "No drift; 1 notice."},
		{Summary{Warnings: 2, Notices: 3}, "No drift; 2 warnings, 3 notices."},
		{Summary{Drift: 3, Warnings: 1}, "Drift: 3 items, 1 warning."},
		{Summary{Drift: 1, Notices: 2}, "Drift: 1 item, 0 warnings, 2 notices."},
	} {
		if got := c.s.Line(); got != c.want {
			t.Errorf("%+v.Line() = %q, want %q", c.s, got, c.want)
		}
	}
}
