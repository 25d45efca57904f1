package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spf13/cobra/doc"
)

var updateMan = flag.Bool("update-man", false, "rewrite docs/man from the command tree (make docs)")

// manDir holds the man pages generated from the command tree.
const manDir = "../../docs/man"

// TestManPagesCurrent generates a man page per command from the same tree
// the binary runs and fails when docs/man differs: `make docs` (this test
// with -update-man) rewrites them, and CI runs this test.
func TestManPagesCurrent(t *testing.T) {
	e, _, _ := validateEnv()
	root := newRootCmd(e)
	root.DisableAutoGenTag = true
	tmp := t.TempDir()
	// A fixed date keeps the pages the same from one build to the next.
	date := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	header := &doc.GenManHeader{Title: "REGSYNC", Section: "1", Source: "regsync", Manual: "regsync manual", Date: &date}
	if err := doc.GenManTree(root, header, tmp); err != nil {
		t.Fatal(err)
	}
	if *updateMan {
		if err := os.RemoveAll(manDir); err != nil {
			t.Fatal(err)
		}
		if err := os.CopyFS(manDir, os.DirFS(tmp)); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, _ := filepath.Glob(filepath.Join(tmp, "*.1"))
	have, _ := filepath.Glob(filepath.Join(manDir, "*.1"))
	if len(want) != len(have) {
		t.Errorf("docs/man has %d pages, the command tree makes %d; run make docs", len(have), len(want))
	}
	for _, p := range want {
		gen, _ := os.ReadFile(p)
		cur, err := os.ReadFile(filepath.Join(manDir, filepath.Base(p)))
		if err != nil || !bytes.Equal(gen, cur) {
			t.Errorf("docs/man/%s is not current; run make docs", filepath.Base(p))
		}
	}
	for _, page := range []string{"regsync.1", "regsync-plan.1", "regsync-show.1", "regsync-completion-bash.1"} {
		if _, err := os.Stat(filepath.Join(tmp, page)); err != nil {
			t.Errorf("no man page %s", page)
		}
	}
}
