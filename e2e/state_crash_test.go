package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/regsync/regsync/graph"
	"github.com/regsync/regsync/graph/endpoints"
	"github.com/regsync/regsync/tenant"
)

// emulatorProcess is `regsync emulator --state DIR` running as its own
// process, so a test can kill it.
type emulatorProcess struct {
	cmd *exec.Cmd
	env map[string]string
}

func startEmulatorProcess(t *testing.T, state string) *emulatorProcess {
	t.Helper()
	envFile := filepath.Join(t.TempDir(), "env")
	cmd := exec.Command(bin, "emulator", "--listen", "127.0.0.1:0", "--state", state, "--env-file", envFile)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &emulatorProcess{cmd: cmd}
	t.Cleanup(func() { p.kill(syscall.SIGKILL) })
	deadline := time.Now().Add(30 * time.Second)
	for {
		if f, err := os.Open(envFile); err == nil {
			p.env = map[string]string{}
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if kv, ok := strings.CutPrefix(sc.Text(), "export "); ok {
					k, v, _ := strings.Cut(kv, "=")
					p.env[k] = strings.Trim(v, "'")
				}
			}
			f.Close()
			if p.env["REGSYNC_TOKEN"] != "" {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the emulator wrote no environment file within 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *emulatorProcess) kill(sig syscall.Signal) {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	_ = p.cmd.Wait()
}

func (p *emulatorProcess) client(t *testing.T) *graph.Client {
	t.Helper()
	ca, err := os.ReadFile(p.env["SSL_CERT_FILE"])
	if err != nil {
		t.Fatal(err)
	}
	g, err := graph.New(endpoints.Config{GraphURL: p.env["REGSYNC_GRAPH_URL"], Token: p.env["REGSYNC_TOKEN"], CACertPEM: ca}, graph.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestKilledEmulatorKeepsSavedWrites kills `regsync emulator --state DIR`
// with SIGKILL, as a crash would, and starts it again on the same
// directory: every write answered more than the save window before the
// kill is there, a write answered just before it may be lost (the
// documented loss), and no temporary state file is left in DIR. A stop by
// SIGTERM then loses nothing.
func TestKilledEmulatorKeepsSavedWrites(t *testing.T) {
	state := t.TempDir()
	ctx := context.Background()
	create := func(g *graph.Client, set string, n int) []string {
		var ids []string
		for i := range n {
			name := fmt.Sprintf("%s-%d", set, i)
			res, err := g.Do(ctx, tenant.CreateApplication(tenant.AppProps{DisplayName: &name, Tags: &[]string{tenant.SetTag(set)}}))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, res.ID)
		}
		return ids
	}
	listed := func(g *graph.Client, set string) map[string]bool {
		apps, err := g.ListApplications(ctx, set)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, a := range apps {
			out[a.ID] = true
		}
		return out
	}
	noTemps := func(when string) {
		entries, err := os.ReadDir(state)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.Contains(e.Name(), ".tmp") {
				t.Errorf("%s: temporary file %s in the state directory", when, e.Name())
			}
		}
	}

	p := startEmulatorProcess(t, state)
	kept := create(p.client(t), "kept", 20)
	time.Sleep(1 * time.Second) // well past the save window
	create(p.client(t), "racing", 5)
	p.kill(syscall.SIGKILL)

	p = startEmulatorProcess(t, state)
	noTemps("after a SIGKILL and a restart")
	g := p.client(t)
	got := listed(g, "kept")
	for _, id := range kept {
		if !got[id] {
			t.Errorf("application %s, written a second before the kill, is lost", id)
		}
	}
	last := create(g, "stopped", 5)
	p.kill(syscall.SIGTERM)
	noTemps("after a SIGTERM")

	p = startEmulatorProcess(t, state)
	got = listed(p.client(t), "stopped")
	for _, id := range last {
		if !got[id] {
			t.Errorf("application %s, written just before a SIGTERM, is lost", id)
		}
	}
}
