package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/graph"
	"github.com/regsync/regsync/graph/endpoints"
	"github.com/regsync/regsync/keyvault"
	"github.com/regsync/regsync/tenant"
)

// clients returns regsync's own Graph and Key Vault clients pointed at the
// world's emulator, for checking what an apply left behind.
func (w *world) clients() (*graph.Client, *keyvault.Store) {
	w.t.Helper()
	cfg := endpoints.Config{GraphURL: w.em.GraphURL(), VaultURL: w.em.KeyVaultURL(), Token: w.em.Token(), CACertPEM: w.em.CACertPEM()}
	g, err := graph.New(cfg, graph.Options{})
	if err != nil {
		w.t.Fatal(err)
	}
	kv, err := keyvault.New(cfg, keyvault.Options{})
	if err != nil {
		w.t.Fatal(err)
	}
	return g, kv
}

// assertConverged checks the tenant after an apply of the spec at file: one
// application per key, a second plan with no changes, and every client
// secret backed by a Key Vault secret whose tags name it.
func (w *world) assertConverged(file, set, vault string) {
	w.t.Helper()
	w.mustRun(0, "plan", "-f", file, "--detailed-exitcode")
	g, kv := w.clients()
	ctx := context.Background()
	apps, err := g.ListApplications(ctx, set)
	if err != nil {
		w.t.Fatal(err)
	}
	keys := map[string]int{}
	credentials := map[string]string{} // keyId -> appId
	for _, a := range apps {
		for _, tag := range a.Tags {
			if strings.HasPrefix(tag, tenant.TagKey+"=") {
				keys[tag]++
			}
		}
		for _, c := range a.PasswordCredentials {
			credentials[c.KeyID] = a.AppID
		}
	}
	for k, n := range keys {
		if n != 1 {
			w.t.Errorf("%d applications carry %s, want 1", n, k)
		}
	}
	if vault == "" {
		return
	}
	secrets, err := kv.ListSecrets(ctx, vault)
	if err != nil {
		w.t.Fatal(err)
	}
	// A credential's copy may sit in an older version (a renewal's
	// predecessor, or the first of two applies that ran at once).
	stored := map[string]bool{}
	for _, s := range secrets {
		versions, err := kv.SecretVersions(ctx, vault, s.Name)
		if err != nil {
			w.t.Fatal(err)
		}
		for _, v := range versions {
			stored[v.Tags[tenant.SecretTagKeyID]] = true
		}
		keyID := s.Tags[tenant.SecretTagKeyID]
		stored[keyID] = true
		if keyID != "" && credentials[keyID] != "" && s.Tags[tenant.SecretTagClientID] != credentials[keyID] {
			w.t.Errorf("vault secret %s: client-id %q, want %q", s.Name, s.Tags[tenant.SecretTagClientID], credentials[keyID])
		}
	}
	for keyID := range credentials {
		if !stored[keyID] {
			w.t.Errorf("credential %s has no Key Vault copy", keyID)
		}
	}
}

// writes counts the writing requests the emulator served.
// writes counts the writing requests the emulator served, $batch items
// included; a $batch envelope is no write of its own (a plan reads the
// set's consents through $batch).
func writes(s emulator.Stats) int {
	n := 0
	for route, c := range s.Routes {
		if route == "POST /v1.0/$batch" || route == "POST /v1.0/directoryObjects/getByIds" {
			continue // a read sent as a POST
		}
		route = strings.TrimPrefix(route, "$batch ")
		if strings.HasPrefix(route, "POST ") || strings.HasPrefix(route, "PATCH ") || strings.HasPrefix(route, "PUT ") || strings.HasPrefix(route, "DELETE ") {
			n += c
		}
	}
	return n
}

func TestApplyExamplesConverge(t *testing.T) {
	for _, tc := range []struct{ name, set, vault string }{
		{"fhir", "fhir-prod", "contoso-fhir-kv"},
		{"dicom", "dicom-prod", "contoso-dicom-kv"},
		{"fhir-proxy", "fhir-proxy", "contoso-fhir-kv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, emulator.Faults{})
			file := w.example(tc.name)
			r := w.mustRun(0, "apply", "-f", file, "--auto-approve")
			if !strings.Contains(r.Stdout, "Apply complete!") {
				t.Errorf("no summary line:\n%s", r.Stdout)
			}
			w.assertConverged(file, tc.set, tc.vault)

			w.em.ResetStats()
			r = w.mustRun(0, "apply", "-f", file, "--auto-approve")
			if n := writes(w.em.Stats()); n != 0 {
				t.Errorf("second apply sent %d writes, want none:\n%s", n, r.Stdout)
			}
		})
	}
}

func TestApplySavedPlan(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	file := w.example("fhir")
	w.mustRun(2, "plan", "-f", file, "-out", "first.plan", "--detailed-exitcode")
	w.mustRun(2, "plan", "-f", file, "-out", "second.plan", "--detailed-exitcode")
	w.mustRun(0, "apply", "first.plan", "--auto-approve")
	w.assertConverged(file, "fhir-prod", "contoso-fhir-kv")

	// The tenant changed since second.plan was made: it must be refused.
	r := w.mustRun(1, "apply", "second.plan", "--auto-approve")
	if !strings.Contains(r.Stderr, "stale") || !strings.Contains(r.Stderr, "plan") {
		t.Errorf("stale plan refusal does not say so:\n%s", r.Stderr)
	}

	// A plan of a changed spec is refused too.
	w.mustRun(0, "plan", "-f", file, "-out", "third.plan")
	path := filepath.Join(w.dir, file)
	data, _ := os.ReadFile(path)
	os.WriteFile(path, append(data, []byte("\n# a reviewed change\n")...), 0o644)
	r = w.mustRun(1, "apply", "third.plan", "--auto-approve")
	if !strings.Contains(r.Stderr, "spec") {
		t.Errorf("refusal of a plan for another spec does not name the spec:\n%s", r.Stderr)
	}
}

func TestApplyNeedsApprovalWithoutATerminal(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	file := w.example("fhir")
	r := w.mustRun(1, "apply", "-f", file)
	if !strings.Contains(r.Stderr, "--auto-approve") {
		t.Errorf("refusal does not name --auto-approve:\n%s", r.Stderr)
	}
	if n := writes(w.em.Stats()); n != 0 {
		t.Errorf("a refused apply sent %d writes", n)
	}
}

func TestApplyUnderFaults(t *testing.T) {
	for name, f := range map[string]emulator.Faults{
		"latency":            {Latency: 30 * time.Millisecond},
		"throttling":         {ThrottleRate: 5, RetryAfter: time.Second},
		"server errors":      {ErrorRate: 0.1, Seed: 7, RetryAfter: time.Second},
		"replication lag":    {ReplicationLag: 2 * time.Second},
		"everything at once": {Latency: 10 * time.Millisecond, ThrottleRate: 8, RetryAfter: time.Second, ErrorRate: 0.05, Seed: 3, ReplicationLag: time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, f)
			file := w.example("fhir")
			r := w.run("apply", "-f", file, "--auto-approve")
			if r.Code != 0 {
				t.Fatalf("apply under %s failed (exit %d):\n%s\n%s", name, r.Code, r.Stdout, r.Stderr)
			}
			st := w.em.Stats()
			t.Logf("apply under %s: %d requests to the emulator, %d answered 429", name, st.Total, st.Throttled)
			if f.ThrottleRate > 0 && st.Throttled == 0 {
				t.Errorf("the throttle never answered 429: the test proves nothing about throttling")
			}
			w.em.SetFaults(emulator.Faults{})
			w.assertConverged(file, "fhir-prod", "contoso-fhir-kv")
		})
	}
}

func TestApplyDuringAVaultOutage(t *testing.T) {
	w := newWorld(t, emulator.Faults{Latency: 100 * time.Millisecond})
	file := w.example("fhir")
	// The vault goes down once the apply has read the tenant and started
	// writing, so the secrets' vault writes fail after addPassword.
	cmd, out := w.start("apply", "-f", file, "--auto-approve")
	w.waitFor(out, "applications.fhir-api: Creating...")
	w.em.SetFaults(emulator.Faults{Latency: 100 * time.Millisecond, VaultOutage: true})
	err := cmd.Wait()
	w.outputs = append(w.outputs, out.String())
	if err == nil || !strings.Contains(out.String(), "Apply incomplete!") {
		t.Errorf("an apply whose vault writes failed: err %v, and it does not say it is incomplete:\n%s", err, out.String())
	}
	// No credential may be left without its vault copy.
	g, _ := w.clients()
	apps, err := g.ListApplications(context.Background(), "fhir-prod")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range apps {
		if len(a.PasswordCredentials) > 0 {
			t.Errorf("%s kept %d credentials although the vault was down", a.DisplayName, len(a.PasswordCredentials))
		}
	}
	w.em.SetFaults(emulator.Faults{})
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	w.assertConverged(file, "fhir-prod", "contoso-fhir-kv")
}

func TestApplyKilledMidwayConverges(t *testing.T) {
	w := newWorld(t, emulator.Faults{Latency: 150 * time.Millisecond})
	file := w.example("fhir")
	cmd, out := w.start("apply", "-f", file, "--auto-approve", "--parallelism", "2")
	// Kill it once it has created something but before it is done.
	w.waitFor(out, "Creation complete")
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	w.outputs = append(w.outputs, out.String())
	if strings.Contains(out.String(), "Apply complete!") {
		t.Skip("apply finished before it could be killed")
	}
	// A request the killed process sent may still be in the emulator's
	// latency; a re-run comes later than that in practice.
	time.Sleep(500 * time.Millisecond)
	w.em.SetFaults(emulator.Faults{})
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	w.assertConverged(file, "fhir-prod", "contoso-fhir-kv")
}

// start runs regsync in the background; out collects stdout and stderr.
func (w *world) start(args ...string) (*exec.Cmd, *syncBuffer) {
	w.t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = w.dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + w.dir, "NO_COLOR=1"}, w.em.Env()...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, out
}

// waitFor waits until out contains s, for at most 30 seconds.
func (w *world) waitFor(out *syncBuffer, s string) {
	w.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), s) {
		if time.Now().After(deadline) {
			w.t.Fatalf("waited 30s for %q; output so far:\n%s", s, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for a process's output goroutines and a
// reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestApplyPrune(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	file := w.example("fhir")
	w.mustRun(0, "apply", "-f", file, "--auto-approve")

	// Drop the public client from the spec.
	path := filepath.Join(w.dir, file)
	data, _ := os.ReadFile(path)
	spec := string(data)
	start := strings.Index(spec, "\n  patient-spa:\n")
	end := strings.Index(spec, "\n  exporter:\n")
	if start < 0 || end < start {
		t.Fatal("the FHIR example no longer has patient-spa before exporter")
	}
	os.WriteFile(path, []byte(spec[:start]+spec[end:]), 0o644)

	// Without --prune nothing is destroyed.
	r := w.mustRun(0, "plan", "-f", file, "--detailed-exitcode")
	if !strings.Contains(r.Stdout, "patient-spa") {
		t.Errorf("plan does not mention the application left out of the spec:\n%s", r.Stdout)
	}
	r = w.mustRun(2, "plan", "-f", file, "--prune", "--detailed-exitcode")
	if m := summaryLine.FindStringSubmatch(r.Stdout); m == nil || m[3] == "0" {
		t.Fatalf("plan --prune destroys nothing:\n%s", r.Stdout)
	}
	// --max-deletes stops a delete larger than allowed, before any write.
	w.em.ResetStats()
	r = w.mustRun(1, "apply", "-f", file, "--prune", "--max-deletes", "0", "--auto-approve")
	if !strings.Contains(r.Stderr, "--max-deletes") {
		t.Errorf("refusal does not name --max-deletes:\n%s", r.Stderr)
	}
	if n := writes(w.em.Stats()); n != 0 {
		t.Errorf("a refused apply sent %d writes", n)
	}
	w.mustRun(0, "apply", "-f", file, "--prune", "--auto-approve")
	g, _ := w.clients()
	apps, err := g.ListApplications(context.Background(), "fhir-prod")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range apps {
		for _, tag := range a.Tags {
			if tag == tenant.KeyTag("patient-spa") {
				t.Errorf("patient-spa survived apply --prune")
			}
		}
	}
	if len(apps) != 3 {
		t.Errorf("%d applications left in the set, want 3", len(apps))
	}
	w.assertConverged(file, "fhir-prod", "contoso-fhir-kv")
}

// Every 429 of a throttled apply, read or write, is shown as an event with
// the Retry-After wait: regsync's retry policy is the only one, so none is
// absorbed out of sight.
func TestThrottledApplyShowsWaits(t *testing.T) {
	w := newWorld(t, emulator.Faults{ThrottleRate: 5, RetryAfter: time.Second})
	file := w.example("fhir")
	r := w.mustRun(0, "apply", "-f", file, "--auto-approve", "--format", "json")
	waits := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		var ev struct {
			Type         string  `json:"type"`
			Kind         string  `json:"kind"`
			DelaySeconds float64 `json:"delay_seconds"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("stdout is not NDJSON: %q", line)
		}
		if ev.Kind == "throttled" {
			if ev.DelaySeconds < 1 {
				t.Errorf("a %s waits %.2fs, less than the Retry-After of 1s", ev.Type, ev.DelaySeconds)
			}
			waits[ev.Type]++
		}
	}
	st := w.em.Stats()
	t.Logf("%d answers were 429; events: %v", st.Throttled, waits)
	if st.Throttled == 0 {
		t.Fatal("the throttle never answered 429: the test proves nothing")
	}
	if got := waits["read_retry"] + waits["action_retry"]; got != st.Throttled {
		t.Errorf("%d throttled retry events for %d answers of 429", got, st.Throttled)
	}
}
