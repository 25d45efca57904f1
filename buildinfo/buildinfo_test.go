package buildinfo

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const rev = "0123456789abcdef0123456789abcdef01234567"

// stamped is the build information of `go build` in a git checkout.
func stamped(version string, modified bool) *debug.BuildInfo {
	m := "false"
	if modified {
		m = "true"
	}
	return &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/regsync/regsync", Version: version},
		Settings: []debug.BuildSetting{
			{Key: "-buildmode", Value: "exe"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: rev},
			{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
			{Key: "vcs.modified", Value: m},
		},
	}
}

func TestFrom(t *testing.T) {
	host := Info{GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	with := func(f func(*Info)) Info {
		i := host
		i.GoVersion = "go1.26.8"
		f(&i)
		return i
	}
	tests := []struct {
		name     string
		bi       *debug.BuildInfo
		o        Overrides
		want     Info
		wantFull string
		reason   string
	}{
		{
			name: "no build information", bi: nil,
			want: func() Info { i := host; i.Version = Dev; return i }(), wantFull: "dev",
		},
		{
			name: "go test or go run", bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/regsync/regsync", Version: "(devel)"}},
			want: with(func(i *Info) { i.Version = Dev }), wantFull: "dev",
		},
		{
			name: "checkout without a version", bi: stamped("(devel)", false),
			want:     with(func(i *Info) { i.Version, i.Commit, i.CommitDate = Dev, rev, "2026-01-02T03:04:05Z" }),
			wantFull: "dev+0123456789ab",
			reason:   "a dev build names its commit, so plans of two commits do not match",
		},
		{
			name: "modified checkout without a version", bi: stamped("", true),
			want:     with(func(i *Info) { i.Version, i.Commit, i.CommitDate, i.Modified = Dev, rev, "2026-01-02T03:04:05Z", true }),
			wantFull: "dev+0123456789ab-dirty",
		},
		{
			name: "checkout pseudo-version", bi: stamped("v0.0.0-20260102030405-0123456789ab+dirty", true),
			want: with(func(i *Info) {
				i.Version, i.Commit, i.CommitDate, i.Modified = "v0.0.0-20260102030405-0123456789ab+dirty", rev, "2026-01-02T03:04:05Z", true
			}),
			wantFull: "v0.0.0-20260102030405-0123456789ab+dirty",
			reason:   "Go already marked the version dirty; it is not marked twice",
		},
		{
			name: "go install of a tag", bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}},
			want: with(func(i *Info) { i.Version = "v1.4.0" }), wantFull: "v1.4.0",
		},
		{
			name: "linker overrides everything", bi: stamped("(devel)", false),
			o: Overrides{Version: "v1.2.3", Commit: "fedcba9876543210fedcba9876543210fedcba98", Date: "2026-02-03T04:05:06Z"},
			want: with(func(i *Info) {
				i.Version, i.Commit, i.BuildDate = "v1.2.3", "fedcba9876543210fedcba9876543210fedcba98", "2026-02-03T04:05:06Z"
			}),
			wantFull: "v1.2.3",
			reason:   "vcs.time and vcs.modified describe another revision than the linker's and are dropped",
		},
		{
			name: "linker commit abbreviates the stamped one", bi: stamped("(devel)", true),
			o:        Overrides{Commit: "0123456"},
			want:     with(func(i *Info) { i.Version, i.Commit, i.CommitDate, i.Modified = Dev, rev, "2026-01-02T03:04:05Z", true }),
			wantFull: "dev+0123456789ab-dirty",
		},
		{
			name: "linker version on a modified tree", bi: stamped("(devel)", true),
			o: Overrides{Version: "v1.2.3"},
			want: with(func(i *Info) {
				i.Version, i.Commit, i.CommitDate, i.Modified = "v1.2.3", rev, "2026-01-02T03:04:05Z", true
			}),
			wantFull: "v1.2.3+dirty",
		},
		{
			name: "linker version with build metadata on a modified tree", bi: stamped("(devel)", true),
			o: Overrides{Version: "v1.2.3+ci.7"},
			want: with(func(i *Info) {
				i.Version, i.Commit, i.CommitDate, i.Modified = "v1.2.3+ci.7", rev, "2026-01-02T03:04:05Z", true
			}),
			wantFull: "v1.2.3+ci.7.dirty",
		},
		{
			name: "linker commit without build information", bi: nil,
			o:        Overrides{Commit: "ABCDEF0123456789"},
			want:     func() Info { i := host; i.Version, i.Commit = Dev, "abcdef0123456789"; return i }(),
			wantFull: "dev+abcdef012345",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := From(tc.bi, tc.o)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("From (-want +got):\n%s", d)
			}
			if full := got.Full(); full != tc.wantFull {
				t.Errorf("Full() = %q, want %q %s", full, tc.wantFull, tc.reason)
			}
		})
	}
}

func TestZeroInfoIsDev(t *testing.T) {
	if got := (Info{}).Full(); got != Dev {
		t.Errorf("Info{}.Full() = %q, want %q", got, Dev)
	}
}

func TestUserAgent(t *testing.T) {
	tests := []struct {
		info Info
		want string
	}{
		{Info{}, "regsync/dev"},
		{Info{Version: "v1.2.3"}, "regsync/v1.2.3"},
		{Info{Commit: rev, Modified: true}, "regsync/dev+0123456789ab-dirty"},
		{Info{Version: "1.2 beta/3"}, "regsync/1.2-beta-3"},
	}
	for _, tc := range tests {
		if got := tc.info.UserAgent(); got != tc.want {
			t.Errorf("%+v: UserAgent() = %q, want %q", tc.info, got, tc.want)
		}
	}
}

// TestLinkerFlags builds a program with -X flags and checks that they land
// in the variables the package documents: a misspelt -X path is silently
// ignored by the linker, so only a real build proves the names.
func TestLinkerFlags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	bin := filepath.Join(t.TempDir(), "show")
	const pkg = "github.com/regsync/regsync/buildinfo"
	ldflags := "-X " + pkg + ".version=v1.2.3 -X " + pkg + ".commit=fedcba9876543210 -X " + pkg + ".date=2026-02-03T04:05:06Z"
	build := exec.Command(goTool, "build", "-buildvcs=false", "-ldflags", ldflags, "-o", bin, "./testdata/show")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatalf("running the build: %v", err)
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	want := map[string]string{"version": "v1.2.3", "commit": "fedcba9876543210", "build_date": "2026-02-03T04:05:06Z", "full": "v1.2.3"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("linker-set build (-want +got):\n%s", d)
	}
}
