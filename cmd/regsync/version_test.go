package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/buildinfo"
)

var testBuild = buildinfo.Info{
	Version:    "dev",
	Commit:     "0123456789abcdef0123456789abcdef01234567",
	Modified:   true,
	CommitDate: "2026-01-02T03:04:05Z",
	GoVersion:  "go1.26.8",
	OS:         "linux",
	Arch:       "amd64",
}

func TestVersionText(t *testing.T) {
	release := buildinfo.Info{Version: "v1.2.3", Commit: "fedcba9876543210", BuildDate: "2026-02-03T04:05:06Z", GoVersion: "go1.26.8", OS: "darwin", Arch: "arm64"}
	tests := []struct {
		name  string
		build buildinfo.Info
		args  []string
		want  string
	}{
		{"dev build of a modified tree", testBuild, []string{"version"}, "regsync dev+0123456789ab-dirty\n" +
			"  commit     0123456789abcdef0123456789abcdef01234567 (modified)\n" +
			"  committed  2026-01-02T03:04:05Z\n" +
			"  go         go1.26.8\n" +
			"  platform   linux/amd64\n"},
		{"--version prints the same", testBuild, []string{"--version"}, "regsync dev+0123456789ab-dirty\n" +
			"  commit     0123456789abcdef0123456789abcdef01234567 (modified)\n" +
			"  committed  2026-01-02T03:04:05Z\n" +
			"  go         go1.26.8\n" +
			"  platform   linux/amd64\n"},
		{"release", release, []string{"version"}, "regsync v1.2.3\n" +
			"  commit     fedcba9876543210\n" +
			"  built      2026-02-03T04:05:06Z\n" +
			"  go         go1.26.8\n" +
			"  platform   darwin/arm64\n"},
		{"nothing known", buildinfo.Info{}, []string{"version"}, "regsync dev\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, out, errb := validateEnv()
			e.Build = tc.build
			if code := runWith(context.Background(), e, tc.args); code != exitOK {
				t.Fatalf("exit %d, stderr %q", code, errb.String())
			}
			if d := cmp.Diff(tc.want, out.String()); d != "" {
				t.Errorf("stdout (-want +got):\n%s", d)
			}
		})
	}
}

// TestVersionJSON pins the document's field names and types: they are an
// interface scripts rely on.
func TestVersionJSON(t *testing.T) {
	for _, args := range [][]string{{"version", "--json"}, {"--version", "--json"}} {
		e, out, errb := validateEnv()
		e.Build = testBuild
		if code := runWith(context.Background(), e, args); code != exitOK {
			t.Fatalf("%q: exit %d, stderr %q", args, code, errb.String())
		}
		var got map[string]any
		dec := json.NewDecoder(strings.NewReader(out.String()))
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("%q: stdout is not one JSON object: %v\n%s", args, err, out)
		}
		if dec.More() {
			t.Errorf("%q: more than one JSON value on stdout:\n%s", args, out)
		}
		want := map[string]any{
			"version":      "dev",
			"full_version": "dev+0123456789ab-dirty",
			"commit":       "0123456789abcdef0123456789abcdef01234567",
			"modified":     true,
			"commit_date":  "2026-01-02T03:04:05Z",
			"build_date":   "",
			"go_version":   "go1.26.8",
			"os":           "linux",
			"arch":         "amd64",
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%q: JSON (-want +got):\n%s", args, d)
		}
	}
}

func TestVersionZeroBuildJSON(t *testing.T) {
	e, out, _ := validateEnv()
	if code := runWith(context.Background(), e, []string{"version", "--json"}); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var got versionJSON
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(versionJSON{Version: "dev", FullVersion: "dev"}, got); d != "" {
		t.Errorf("JSON of an unknown build (-want +got):\n%s", d)
	}
}

func TestVersionErrorsAndHelp(t *testing.T) {
	e, _, errb := validateEnv()
	if code := runWith(context.Background(), e, []string{"version", "extra"}); code != exitError {
		t.Errorf("version extra: exit %d, want %d", code, exitError)
	}
	if !strings.Contains(errb.String(), `unexpected argument "extra"`) {
		t.Errorf("stderr %q does not name the argument", errb.String())
	}
	e, out, _ := validateEnv()
	if code := runWith(context.Background(), e, []string{"version", "--help"}); code != exitOK {
		t.Errorf("version --help: exit %d", code)
	}
	for _, want := range []string{"--json", "Examples:", "regsync --version"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("version --help lacks %q:\n%s", want, out)
		}
	}
}

// TestUsageListsVersion: the command list is built from the registered
// commands, and names --version.
func TestUsageListsVersion(t *testing.T) {
	e, out, _ := validateEnv()
	if code := runWith(context.Background(), e, []string{"--help"}); code != exitOK {
		t.Fatalf("--help: exit %d", code)
	}
	for _, want := range []string{"  regsync --version\n", "\n  version     Print the version"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out.String(), "  version "); n != 1 {
		t.Errorf("usage lists version %d times, want once:\n%s", n, out)
	}
}
