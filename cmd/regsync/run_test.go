package main

import (
	"bytes"
	"flag"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseFlagsInterleaved(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		wantPos  []string
		wantAuto bool
		wantF    string
	}{
		{args: []string{"plan.bin", "--auto-approve"}, wantPos: []string{"plan.bin"}, wantAuto: true},
		{args: []string{"--auto-approve", "plan.bin"}, wantPos: []string{"plan.bin"}, wantAuto: true},
		{args: []string{"a", "-f", "x.yaml", "b"}, wantPos: []string{"a", "b"}, wantF: "x.yaml"},
		{args: []string{"--", "--auto-approve"}, wantPos: []string{"--auto-approve"}},
		{args: []string{"a", "--", "-f", "y"}, wantPos: []string{"a", "-f", "y"}},
		{args: nil, wantPos: []string{}},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		auto := fs.Bool("auto-approve", false, "")
		f := fs.String("f", "", "")
		if code, stop := parseFlags(fs, tc.args); stop {
			t.Fatalf("%q: stopped with %d", tc.args, code)
		}
		if d := cmp.Diff(tc.wantPos, append([]string{}, fs.Args()...)); d != "" {
			t.Errorf("%q: positional (-want +got):\n%s", tc.args, d)
		}
		if *auto != tc.wantAuto || *f != tc.wantF {
			t.Errorf("%q: auto=%v f=%q, want %v %q", tc.args, *auto, *f, tc.wantAuto, tc.wantF)
		}
	}
}

func TestParseFlagsErrors(t *testing.T) {
	var out, errb bytes.Buffer
	e := &env{streams: &streams{Out: &out, Err: &errb}, Getenv: func(string) string { return "" }}
	fs := newFlagSet(e, "x", "x", "  regsync x")
	if code, stop := parseFlags(fs, []string{"plan", "--nope"}); !stop || code != exitError {
		t.Errorf("unknown flag: code %d stop %v, want 1 true", code, stop)
	}
	fs = newFlagSet(e, "x", "x", "  regsync x")
	if code, stop := parseFlags(fs, []string{"--help"}); !stop || code != exitOK {
		t.Errorf("--help: code %d stop %v, want 0 true", code, stop)
	}
	if !bytes.Contains(out.Bytes(), []byte("Examples:")) {
		t.Errorf("--help printed no examples:\n%s", out.String())
	}
}
