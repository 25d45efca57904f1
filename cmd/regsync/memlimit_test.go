package main

import "testing"

func TestMemoryLimit(t *testing.T) {
	unset := func(string) (string, bool) { return "", false }
	set := func(k string) (string, bool) { return "1GiB", k == "GOMEMLIMIT" }
	tests := []struct {
		args   []string
		lookup func(string) (string, bool)
		want   int64
		reason string
	}{
		{[]string{"plan", "-f", "r.yaml"}, unset, defaultMemoryLimit, "plan reads a tenant"},
		{[]string{"--color=never", "drift"}, unset, defaultMemoryLimit, "flags before the command are skipped"},
		{[]string{"--color", "always", "export"}, unset, defaultMemoryLimit, "and the value of --color"},
		{[]string{"apply", "plan.bin"}, set, 0, "GOMEMLIMIT wins"},
		{[]string{"emulator", "--state", "d"}, unset, 0, "the emulator holds a whole tenant"},
		{[]string{"-test.run=X"}, unset, 0, "a test binary is left alone"},
		{nil, unset, 0, "no command"},
	}
	for _, tt := range tests {
		if got := memoryLimit(tt.args, tt.lookup); got != tt.want {
			t.Errorf("memoryLimit(%q) = %d, want %d (%s)", tt.args, got, tt.want, tt.reason)
		}
	}
}
