package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regsync/regsync/applier"
	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/graph"
	"github.com/regsync/regsync/graph/endpoints"
	"github.com/regsync/regsync/keyvault"
	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// The scale benchmarks measure what issue 12 asks and print each figure as
// a line "TABLE | case | figure | goal", which `make bench` gathers into
// docs/performance.md's table. Sizes come from REGSYNC_BENCH_SIZES
// (comma-separated, default 1000); the latency from REGSYNC_BENCH_LATENCY
// (default 50ms).

// scaleSpec is the generated set of n applications: one resource
// API with a scope and a role, then by thirds confidential clients (a
// secret, admin consent to the API's scope and Microsoft Graph's
// User.Read), service clients (a secret, the role with admin consent) and
// SPA clients (the scope, no consent).
func scaleSpec(n int) []byte {
	var b strings.Builder
	b.WriteString("version: 1\ntenant: contoso.onmicrosoft.com\nset: scale\n")
	b.WriteString("defaults:\n  secrets: { vault: scale-kv, lifetime: 180d, renewBefore: 30d, overlap: 7d }\n")
	b.WriteString("apis:\n  microsoft-graph: { appId: 00000003-0000-0000-c000-000000000000 }\n")
	b.WriteString("applications:\n  api:\n    kind: resource\n    identifierUris: [api://scale-api]\n")
	b.WriteString("    scopes:\n      access: { adminConsentDisplayName: Access the API }\n")
	b.WriteString("    appRoles:\n      reader: { displayName: Reader, description: Read, memberTypes: [Application] }\n")
	for i := 1; i < n; i++ {
		switch i % 3 {
		case 1:
			fmt.Fprintf(&b, "  web-%05d:\n    kind: confidential\n    redirectUris: [https://web%d.contoso.com/signin-oidc]\n"+
				"    access: { api: { scopes: [access] }, microsoft-graph: { scopes: [User.Read] } }\n    adminConsent: true\n    secret: {}\n", i, i)
		case 2:
			fmt.Fprintf(&b, "  svc-%05d:\n    kind: service\n    access: { api: { roles: [reader] } }\n    adminConsent: true\n    secret: {}\n", i)
		default:
			fmt.Fprintf(&b, "  spa-%05d:\n    kind: public\n    platform: spa\n    redirectUris: [https://spa%d.contoso.com/cb]\n"+
				"    access: { api: { scopes: [access] } }\n", i, i)
		}
	}
	return []byte(b.String())
}

func benchSizes() []int { return benchList("REGSYNC_BENCH_SIZES", 1000) }

func benchLatency() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("REGSYNC_BENCH_LATENCY")); err == nil && d >= 0 {
		return d
	}
	return 50 * time.Millisecond
}

// table prints one row of the performance table at once (a benchmark's
// log comes out only when it ends, and a run at 5,000 applications is
// long).
func table(b *testing.B, what, figure, goal string) {
	b.Helper()
	fmt.Printf("TABLE | %s | %s | %s\n", what, figure, goal)
}

// clientsOf connects the real SDK clients to em.
func clientsOf(b *testing.B, em *emulator.Emulator) (*graph.Client, *keyvault.Store) {
	b.Helper()
	cfg := endpoints.Config{GraphURL: em.GraphURL(), VaultURL: em.KeyVaultURL(), Token: em.Token(), CACertPEM: em.CACertPEM()}
	g, err := graph.New(cfg, graph.Options{})
	if err != nil {
		b.Fatal(err)
	}
	kv, err := keyvault.New(cfg, keyvault.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return g, kv
}

// applySet plans the spec against em and applies it with the library (the
// code `regsync apply` runs), returning the plan, the result and the wall
// time of the apply alone.
func applySet(b *testing.B, em *emulator.Emulator, sp *spec.Spec, opts applier.Options) (*planner.Plan, *applier.Result, time.Duration) {
	b.Helper()
	ctx := context.Background()
	g, kv := clientsOf(b, em)
	snap, err := tenant.Read(ctx, g, kv, readQuery(sp))
	if err != nil {
		b.Fatal(err)
	}
	p, ds := planner.Compute(sp, snap, planner.Options{Now: time.Now(), CallerID: emulator.CallerSPID})
	if ds.HasErrors() {
		b.Fatal(ds.Format())
	}
	start := time.Now()
	res, err := applier.Apply(ctx, p, g, kv, snap, opts)
	elapsed := time.Since(start)
	if err != nil || res.Summary.Failed != 0 || res.Summary.Skipped != 0 {
		for _, a := range res.Actions {
			if a.Error != "" {
				b.Logf("%s: %s", a.Address, a.Error)
			}
		}
		b.Fatalf("apply: %v (%s)", err, res.Summary.Line())
	}
	return p, res, elapsed
}

func readQuery(sp *spec.Spec) tenant.ReadQuery {
	var apis []string
	for _, a := range sp.APIs {
		apis = append(apis, a.AppID)
	}
	return tenant.ReadQuery{Set: sp.Set, APIAppIDs: apis, Vaults: []string{"scale-kv"}}
}

func parseScale(b *testing.B, n int) (*spec.Spec, string) {
	b.Helper()
	src := scaleSpec(n)
	sp, ds := spec.Parse("scale.yaml", src)
	if ds.HasErrors() {
		b.Fatal(ds.Format())
	}
	file := filepath.Join(b.TempDir(), "scale.yaml")
	if err := os.WriteFile(file, src, 0o644); err != nil {
		b.Fatal(err)
	}
	return sp, file
}

// planRun is one `regsync plan` process against the emulator.
type planRun struct {
	wall, cpu     time.Duration
	reads         time.Duration // the emulator's first request to its last answer
	lead, tail    time.Duration // the process's start to the first request; the last answer to its exit
	rssMB         float64
	graph, vault  int // HTTP requests
	vaultPages    int // GET /vaults/{vault}/secrets: the sequential chain (Key Vault's 401 challenge, then the pages)
	changes       bool
	units, writes float64
}

// gnuTime is GNU time's path, when the machine has it: the peak memory of
// regsync alone is measured with it (see runPlan), else not reported.
var gnuTime = func() string {
	if _, err := os.Stat("/usr/bin/time"); err == nil {
		return "/usr/bin/time"
	}
	return ""
}()

// runPlan runs the built binary's plan on file and measures it: wall time,
// CPU (user and system), peak resident memory, and the requests the
// emulator served for it.
func runPlan(b *testing.B, em *emulator.Emulator, file string) planRun {
	b.Helper()
	em.ResetStats()
	// The peak memory comes from GNU time, which forks regsync from its
	// own small process: the rusage of a child of this test process would
	// not do, since Linux carries the high-water mark of the address space
	// a child was forked from (this process, emulator and all) across
	// exec into the child's maxrss.
	rssFile := filepath.Join(b.TempDir(), "rss")
	args := []string{"plan", "-f", file, "--detailed-exitcode"}
	name := bin
	if gnuTime != "" {
		name, args = gnuTime, append([]string{"-f", "%M", "-o", rssFile, bin}, args...)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = filepath.Dir(file)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + cmd.Dir, "NO_COLOR=1"}, em.Env()...)
	// The Go runtime's memory knobs reach regsync, to measure them.
	for _, k := range []string{"GOGC", "GOMEMLIMIT"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	end := time.Now()
	r := planRun{wall: end.Sub(start)}
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 2 {
		r.changes = true
	} else if err != nil {
		b.Fatalf("regsync plan: %v\n%s", err, out.String())
	}
	ps := cmd.ProcessState
	r.cpu = ps.UserTime() + ps.SystemTime()
	r.rssMB = -1
	if gnuTime != "" {
		if kb, err := os.ReadFile(rssFile); err == nil {
			if v, err := strconv.Atoi(strings.TrimSpace(string(kb))); err == nil {
				r.rssMB = float64(v) / 1024
			}
		}
	}
	st := em.Stats()
	for route, c := range st.Routes {
		switch {
		case strings.HasPrefix(route, "$batch "):
		case strings.Contains(route, " /vaults/"):
			r.vault += c
			if route == "GET /vaults/{vault}/secrets" {
				r.vaultPages += c
			}
		default:
			r.graph += c
		}
	}
	r.units, r.writes = st.ResourceUnits, st.Writes
	r.reads = st.Last.Sub(st.First)
	r.lead, r.tail = st.First.Sub(start), end.Sub(st.Last)
	return r
}

// naiveRead reads the set the way regsync does not: one GET per object
// (each application with its owners, each service principal by appId,
// each principal's assignments and grants, each secret's versions), four
// at a time like tenant.Read. It returns the requests it sent.
func naiveRead(b *testing.B, em *emulator.Emulator, sp *spec.Spec, g *graph.Client, kv *keyvault.Store) int {
	b.Helper()
	ctx := context.Background()
	apps, err := g.ListApplications(ctx, sp.Set)
	if err != nil {
		b.Fatal(err)
	}
	sps, err := g.ListServicePrincipals(ctx, sp.Set)
	if err != nil {
		b.Fatal(err)
	}
	base := strings.TrimSuffix(em.GraphURL(), "/v1.0")
	var paths []string
	for _, a := range apps {
		paths = append(paths, "/v1.0/applications/"+a.ID+"?$expand=owners",
			"/v1.0/servicePrincipals(appId='"+a.AppID+"')")
	}
	for _, s := range sps {
		paths = append(paths, "/v1.0/servicePrincipals/"+s.ID+"/appRoleAssignments",
			"/v1.0/oauth2PermissionGrants?$filter="+strings.ReplaceAll("clientId eq '"+s.ID+"'", " ", "%20"))
	}
	secrets, err := kv.ListSecrets(ctx, "scale-kv")
	if err != nil {
		b.Fatal(err)
	}
	for _, m := range secrets {
		// The metadata of each secret's versions: never a value.
		paths = append(paths, "/vaults/scale-kv/secrets/"+m.Name+"/versions?api-version=2026-04-01")
	}
	hc := em.Client()
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed error
	for _, p := range paths {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			req, _ := http.NewRequest(http.MethodGet, base+p, nil)
			req.Header.Set("Authorization", "Bearer "+em.Token())
			res, err := hc.Do(req)
			if err == nil {
				res.Body.Close()
				if res.StatusCode >= 500 || res.StatusCode == http.StatusUnauthorized {
					err = fmt.Errorf("GET %s: %d", p, res.StatusCode)
				}
			}
			if err != nil {
				mu.Lock()
				failed = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if failed != nil {
		b.Fatal(failed)
	}
	return len(paths)
}

// BenchmarkPlanScale converges an emulated tenant to the generated set at
// each size, then runs `regsync plan` (the built binary, the real SDK
// clients over HTTPS) against it: without latency (requests, wall, CPU,
// peak memory), with REGSYNC_BENCH_LATENCY per request (wall against the
// longest chain of dependent requests: the vault's pages, which follow
// one another), and after 50,000 unrelated grants and 50,000 unrelated
// assignments on Microsoft Graph's service principal (requests and time
// unchanged). The one-request-per-object reader runs in the same tenant.
//
//	REGSYNC_BENCH_SIZES=1000,5000 go test ./e2e -run '^$' -bench PlanScale -benchtime 1x
func BenchmarkPlanScale(b *testing.B) {
	lat := benchLatency()
	for range b.N {
		for _, n := range benchSizes() {
			sp, file := parseScale(b, n)
			em, err := emulator.Start(context.Background(), emulator.Options{})
			if err != nil {
				b.Fatal(err)
			}
			applySet(b, em, sp, applier.Options{})

			// Validate: the spec alone.
			start := time.Now()
			cmd := exec.Command(bin, "validate", "-f", file)
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("validate: %v\n%s", err, out)
			}
			table(b, fmt.Sprintf("validate, %d apps", n), fmt.Sprintf("%.2f s", time.Since(start).Seconds()), "keep (0.08 s / 0.33 s at 1,000 / 5,000)")

			plain := runPlan(b, em, file)
			if plain.changes {
				b.Fatalf("%d apps: the converged set planned changes", n)
			}
			b.ReportMetric(float64(plain.graph), fmt.Sprintf("graph-reqs-%d", n))
			b.ReportMetric(float64(plain.vault), fmt.Sprintf("vault-reqs-%d", n))
			b.ReportMetric(plain.wall.Seconds(), fmt.Sprintf("plan-s-%d", n))
			b.ReportMetric(plain.cpu.Seconds(), fmt.Sprintf("plan-cpu-s-%d", n))
			b.ReportMetric(plain.rssMB, fmt.Sprintf("plan-rss-MB-%d", n))
			table(b, fmt.Sprintf("plan, %d apps, converged, no latency", n),
				fmt.Sprintf("%d requests (%d Graph + %d Key Vault), %.2f s wall, %.2f s CPU, %.0f MB peak RSS, %.0f resource units",
					plain.graph+plain.vault, plain.graph, plain.vault, plain.wall.Seconds(), plain.cpu.Seconds(), plain.rssMB, plain.units),
				"reads scoped to the set; CPU and memory linear; < 100 MB")

			g, kv := clientsOf(b, em)
			start = time.Now()
			naive := naiveRead(b, em, sp, g, kv)
			naiveWall := time.Since(start)
			table(b, fmt.Sprintf("one-request-per-object reader, %d apps, no latency", n),
				fmt.Sprintf("%d requests, %.2f s", naive, naiveWall.Seconds()), "—")

			em.SetFaults(emulator.Faults{Latency: lat})
			slow := runPlan(b, em, file)
			chain := time.Duration(slow.vaultPages) * lat
			b.ReportMetric(slow.wall.Seconds(), fmt.Sprintf("plan-latency-s-%d", n))
			b.ReportMetric(slow.wall.Seconds()/chain.Seconds(), fmt.Sprintf("x-chain-%d", n))
			b.ReportMetric(slow.reads.Seconds()/chain.Seconds(), fmt.Sprintf("reads-x-chain-%d", n))
			table(b, fmt.Sprintf("plan, %d apps, %s per request", n, lat),
				fmt.Sprintf("reads (first request to last answer) %.2f s; longest chain %d dependent vault requests (challenge and pages) = %.2f s; %.2fx; the whole process %.2f s wall (%.2fx): %.2f s from its start to the first request, %.2f s from the last answer to its exit",
					slow.reads.Seconds(), slow.vaultPages, chain.Seconds(), slow.reads.Seconds()/chain.Seconds(), slow.wall.Seconds(), slow.wall.Seconds()/chain.Seconds(),
					slow.lead.Seconds(), slow.tail.Seconds()),
				"within 1.1x of the longest chain")
			if n == benchSizes()[0] {
				start = time.Now()
				naive := naiveRead(b, em, sp, g, kv)
				naiveSlow := time.Since(start)
				table(b, fmt.Sprintf("one-request-per-object reader, %d apps, %s per request", n, lat),
					fmt.Sprintf("%d requests, %.2f s (%.1fx regsync's)", naive, naiveSlow.Seconds(), naiveSlow.Seconds()/slow.wall.Seconds()), "—")
			}
			em.SetFaults(emulator.Faults{})

			if err := em.SeedForeignConsents(emulator.MicrosoftGraphApp, 50000); err != nil {
				b.Fatal(err)
			}
			busy := runPlan(b, em, file)
			if busy.graph != plain.graph || busy.vault != plain.vault {
				b.Errorf("%d apps: with 50,000 unrelated consents the plan sent %d Graph and %d vault requests, without %d and %d",
					n, busy.graph, busy.vault, plain.graph, plain.vault)
			}
			table(b, fmt.Sprintf("plan, %d apps, + 50,000 unrelated grants and 50,000 assignments on Microsoft Graph", n),
				fmt.Sprintf("%d requests (%d Graph + %d Key Vault), %.2f s wall, %.2f s CPU", busy.graph+busy.vault, busy.graph, busy.vault, busy.wall.Seconds(), busy.cpu.Seconds()),
				fmt.Sprintf("unchanged (%d requests)", plain.graph+plain.vault))
			em.Close()
		}
	}
}

// BenchmarkApplyLocal applies the generated set to an empty emulator kept
// in memory and to one persisting its state in a directory (what
// `regsync emulator --state DIR` and `--local` run), with the library
// (what `regsync apply` runs), and reports both wall times.
//
//	REGSYNC_BENCH_SIZES=1000 go test ./e2e -run '^$' -bench ApplyLocal -benchtime 1x
func BenchmarkApplyLocal(b *testing.B) {
	for range b.N {
		for _, n := range benchSizes() {
			sp, _ := parseScale(b, n)
			var walls [2]time.Duration
			for i, dir := range []string{"", b.TempDir()} {
				em, err := emulator.Start(context.Background(), emulator.Options{StateDir: dir})
				if err != nil {
					b.Fatal(err)
				}
				_, _, walls[i] = applySet(b, em, sp, applier.Options{})
				if err := em.Close(); err != nil {
					b.Logf("closing the emulator: %v", err)
				}
			}
			b.ReportMetric(walls[0].Seconds(), fmt.Sprintf("memory-s-%d", n))
			b.ReportMetric(walls[1].Seconds(), fmt.Sprintf("state-s-%d", n))
			table(b, fmt.Sprintf("apply, %d apps, emulator in memory", n), fmt.Sprintf("%.2f s", walls[0].Seconds()), "—")
			table(b, fmt.Sprintf("apply, %d apps, emulator with --state DIR", n),
				fmt.Sprintf("%.2f s (%.2fx in memory)", walls[1].Seconds(), walls[1].Seconds()/walls[0].Seconds()), "within 2x of in memory")
		}
	}
}
