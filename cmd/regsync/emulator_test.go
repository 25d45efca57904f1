package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lockedWriter hands each write to a channel: a goroutine-safe stderr for a
// command running in the background.
type lockedWriter struct {
	ch chan string
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.ch <- string(p)
	return len(p), nil
}

func TestEmulatorCommand(t *testing.T) {
	e, _, _ := validateEnv()
	logs := &lockedWriter{ch: make(chan string, 16)}
	e.Err = logs
	dir := t.TempDir()
	envFile := filepath.Join(dir, "emulator.env")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- runWith(ctx, e, []string{"emulator", "--state", filepath.Join(dir, "state"), "--env-file", envFile, "--latency", "1ms", "--throttle-rate", "1000", "--retry-after", "2s",
			"--lost-answer-rate", "0.5", "--lost-answer-route", "POST /v1.0/applications", "--lost-answer-route", "PUT /vaults/{vault}/secrets/{name}",
			"--hostile-next-link", "http://127.0.0.1:1", "--page-padding", "16", "--vault-challenge", `Bearer authorization="garbage"`})
	}()
	var ready string
	select {
	case ready = <-logs.ch:
	case code := <-done:
		t.Fatalf("emulator exited with %d before it was ready", code)
	}
	if !strings.Contains(ready, "ready at https://127.0.0.1:") || !strings.Contains(ready, envFile) {
		t.Errorf("ready line %q", ready)
	}
	vars := readEnvFile(t, envFile)
	for _, k := range []string{"REGSYNC_GRAPH_URL", "REGSYNC_KEYVAULT_URL", "REGSYNC_TOKEN", "REGSYNC_TENANT_ID", "SSL_CERT_FILE"} {
		if vars[k] == "" {
			t.Errorf("env file lacks %s", k)
		}
	}
	pem, err := os.ReadFile(vars["SSL_CERT_FILE"])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 30 * time.Second}
	req, _ := http.NewRequest("GET", vars["REGSYNC_GRAPH_URL"]+"/organization", nil)
	req.Header.Set("Authorization", "Bearer "+vars["REGSYNC_TOKEN"])
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("GET /organization: %d", res.StatusCode)
	}
	req, _ = http.NewRequest("GET", strings.TrimSuffix(vars["REGSYNC_GRAPH_URL"], "/v1.0")+"/_emulator/faults", nil)
	req.Header.Set("Authorization", "Bearer "+vars["REGSYNC_TOKEN"])
	res, err = hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body strings.Builder
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		body.WriteString(sc.Text())
	}
	res.Body.Close()
	if want := `{"latency":"1ms","throttleRate":1000,"retryAfter":"2s","errorRate":0,"replicationLag":"0s","vaultOutage":false,"seed":0,"lostAnswerRate":0.5,"lostAnswerRoutes":["POST /v1.0/applications","PUT /vaults/{vault}/secrets/{name}"],"patchReplacesComplex":false,"hostileNextLink":"http://127.0.0.1:1","pagePadding":16,"vaultChallenge":"Bearer authorization=\"garbage\"","armOutage":false,"armDeniedScopes":null,"graphThrottle":""}`; body.String() != want {
		t.Errorf("faults from flags:\n got %s\nwant %s", body.String(), want)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("exit %d after cancel, want 0", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "state", "state.json")); err != nil {
		t.Errorf("no state saved at shutdown: %v", err)
	}
}

func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		name, value, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if ok && strings.HasPrefix(line, "export ") {
			vars[name] = strings.Trim(value, "'")
		}
	}
	return vars
}

func TestEmulatorCommandErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--error-rate", "2"},
		{"--listen", "256.1.1.1:0"},
		{"extra"},
		{"--latency", "soon"},
	} {
		e, _, errb := validateEnv()
		if code := runWith(context.Background(), e, append([]string{"emulator"}, args...)); code != exitError {
			t.Errorf("%v: exit %d, want %d", args, code, exitError)
		}
		if errb.Len() == 0 {
			t.Errorf("%v: nothing on stderr", args)
		}
	}
	e, out, _ := validateEnv()
	if code := runWith(context.Background(), e, []string{"emulator", "--help"}); code != exitOK || !strings.Contains(out.String(), "Examples:") {
		t.Errorf("--help: exit %d, output %q", code, out.String())
	}
}
