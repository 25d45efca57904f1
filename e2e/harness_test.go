package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/emulator"
)

// bin is the regsync binary built once for the package's tests.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "regsync-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "regsync")
	build := exec.Command("go", "build", "-o", bin, "./cmd/regsync")
	build.Dir = ".."
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building regsync:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// world is one emulated tenant and a working directory for the CLI.
type world struct {
	t   *testing.T
	em  *emulator.Emulator
	dir string // working directory of every command
	// outputs collects every stdout and stderr, for the leak scan.
	outputs []string
}

func newWorld(t *testing.T, faults emulator.Faults) *world {
	t.Helper()
	em, err := emulator.Start(context.Background(), emulator.Options{StateDir: t.TempDir(), Faults: faults})
	if err != nil {
		t.Fatalf("starting the emulator: %v", err)
	}
	w := &world{t: t, em: em, dir: t.TempDir()}
	t.Cleanup(func() {
		w.assertNoSecretLeaks()
		em.Close()
	})
	return w
}

// result is what one command did.
type result struct {
	Stdout, Stderr string
	Code           int
}

// run runs regsync with args in the world's directory, with the emulator's
// environment and nothing of the caller's Azure configuration.
func (w *world) run(args ...string) result {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = w.dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + w.dir, "NO_COLOR=1"}, w.em.Env()...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		w.t.Fatalf("running regsync %s: %v", strings.Join(args, " "), err)
	}
	r := result{Stdout: out.String(), Stderr: errb.String(), Code: code}
	w.outputs = append(w.outputs, r.Stdout, r.Stderr)
	return r
}

// mustRun runs a command and fails the test unless it exits with want.
func (w *world) mustRun(want int, args ...string) result {
	w.t.Helper()
	r := w.run(args...)
	if r.Code != want {
		w.t.Fatalf("regsync %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Code, want, r.Stdout, r.Stderr)
	}
	return r
}

// example copies an example spec into the world's directory and returns its
// path relative to it.
func (w *world) example(name string) string {
	w.t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "examples", name, "registrations.yaml"))
	if err != nil {
		w.t.Fatal(err)
	}
	rel := name + ".yaml"
	if err := os.WriteFile(filepath.Join(w.dir, rel), data, 0o644); err != nil {
		w.t.Fatal(err)
	}
	return rel
}

// assertNoSecretLeaks fails the test if any secret value the emulator issued
// (Graph's secretText, Key Vault values) appears in any command output or any
// file the commands left in the working directory.
func (w *world) assertNoSecretLeaks() {
	w.t.Helper()
	values := w.em.SecretValues()
	texts := append([]string(nil), w.outputs...)
	filepath.WalkDir(w.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if data, err := os.ReadFile(path); err == nil {
			texts = append(texts, string(data))
		}
		return nil
	})
	// Certificate material: the emulator's stored values hold every
	// certificate's private key (PEM), and no PEM or PKCS#12 of a private
	// key may appear anywhere regsync writes.
	for _, text := range texts {
		if strings.Contains(text, "PRIVATE KEY-----") {
			w.t.Errorf("a PEM private key appears in an output or file")
		}
	}
	for _, v := range values {
		if len(v) < 8 {
			continue
		}
		for _, text := range texts {
			if strings.Contains(text, v) {
				w.t.Errorf("a secret value issued by the emulator (hint %q) appears in an output or file", v[:3])
			}
		}
	}
}
