package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/regsync/regsync/emulator"
)

const emulatorExamples = `  # Serve on a random port, keep the tenant in .regsync/emu, write the client environment
  regsync emulator --state .regsync/emu --env-file emulator.env &
  source emulator.env          # REGSYNC_GRAPH_URL, REGSYNC_KEYVAULT_URL, REGSYNC_TOKEN, REGSYNC_TENANT_ID, SSL_CERT_FILE
  curl -s -H "Authorization: Bearer $REGSYNC_TOKEN" "$REGSYNC_GRAPH_URL/organization"

  # A slow, throttled, flaky tenant whose new objects take 2s to replicate
  regsync emulator --env-file emulator.env --latency 50ms --throttle-rate 20 --retry-after 1s \
    --error-rate 0.05 --replication-lag 2s

  # Change the knobs while it runs, read the request counters
  curl -s -H "Authorization: Bearer $REGSYNC_TOKEN" -d '{"vaultOutage":true}' https://127.0.0.1:PORT/_emulator/faults
  curl -s -H "Authorization: Bearer $REGSYNC_TOKEN" https://127.0.0.1:PORT/_emulator/stats`

// emulatorOptions are the flags of the emulator command.
type emulatorOptions struct {
	Listen  string
	State   string
	EnvFile string
	Seed    string
	Token   string
	Roles   []string // --token-roles; nil = the default roles, empty = none
	Verbose bool
	Faults  emulator.Faults
}

func newCmdEmulator(e *env, runF func(context.Context, *emulatorOptions) error) *cobra.Command {
	o := &emulatorOptions{}
	c := &cobra.Command{
		Use:     "emulator [--listen ADDR] [--state DIR] [--env-file FILE] [fault flags]",
		Short:   "Serve a local Graph + Key Vault emulator (no Azure account needed)",
		Example: emulatorExamples,
		Args:    noArgs(""),
		RunE: func(c *cobra.Command, _ []string) error {
			if c.Flags().Changed("token-roles") && o.Roles == nil {
				o.Roles = []string{}
			}
			if o.Roles != nil && o.Token != "" {
				return usagef("--token-roles shapes the token the emulator makes; with --token it would be ignored")
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return emulatorRun(c.Context(), e, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.Listen, "listen", "127.0.0.1:0", "`ADDR` to listen on (port 0 = a free port)")
	f.StringVar(&o.State, "state", "", "keep the tenant and the vaults in `DIR` across restarts (default: memory only)")
	f.StringVar(&o.EnvFile, "env-file", "", "write the client environment (export NAME=value lines) to `FILE` once ready")
	f.StringVar(&o.Seed, "seed", "", "JSON or YAML `FILE` with first-party service principals (one with a built-in appId replaces it), users and domains")
	f.StringVar(&o.Token, "token", "", "bearer `TOKEN` to accept (default: a random one, written to the env file)")
	f.StringSliceVar(&o.Roles, "token-roles", nil, "make a token whose roles claim is exactly these Graph application `PERMISSIONS` (comma-separated), e.g. to try 'regsync doctor' with one missing; nothing is enforced")
	f.BoolVarP(&o.Verbose, "verbose", "v", false, "log every request to stderr")
	f.DurationVar(&o.Faults.Latency, "latency", 0, "answer every Graph, Key Vault and Resource Manager request `DURATION` after it arrives, or later")
	f.Float64Var(&o.Faults.ThrottleRate, "throttle-rate", 0, "answer Graph with 429 above `N` requests per second (0 = off)")
	f.DurationVar(&o.Faults.RetryAfter, "retry-after", time.Second, "Retry-After sent with 429 (whole seconds, at least 1s)")
	f.Float64Var(&o.Faults.ErrorRate, "error-rate", 0, "answer this `FRACTION` of requests with a random 500/502/503/504")
	f.Int64Var(&o.Faults.Seed, "error-seed", 0, "random `SEED` for --error-rate")
	f.DurationVar(&o.Faults.ReplicationLag, "replication-lag", 0, "new directory objects stay invisible for `DURATION`")
	f.BoolVar(&o.Faults.VaultOutage, "vault-outage", false, "answer every Key Vault request with 503")
	f.Float64Var(&o.Faults.LostAnswerRate, "lost-answer-rate", 0, "carry out this `FRACTION` of writes, then answer 504 as if the answer was lost")
	f.StringArrayVar(&o.Faults.LostAnswerRoutes, "lost-answer-route", nil, "limit --lost-answer-rate to the `ROUTE` \"METHOD /template\" as the stats name it (repeatable)")
	f.StringVar(&o.Faults.HostileNextLink, "hostile-next-link", "", "give every Graph list page a next link a client must refuse: \"self\" (the page's own URL) or an `ORIGIN` (e.g. http://127.0.0.1:8443) in place of the emulator's")
	f.Int64Var(&o.Faults.PagePadding, "page-padding", 0, "put `BYTES` of JSON whitespace ahead of every 200 answer to a GET (oversized pages)")
	f.StringVar(&o.Faults.VaultChallenge, "vault-challenge", "", "answer every Key Vault request 401 with this WWW-Authenticate `VALUE` (a malformed or hostile challenge)")
	_ = c.MarkFlagDirname("state")
	return c
}

// emulatorRun serves the emulator until ctx is done (SIGINT or SIGTERM),
// then saves its state and exits 0. Once it listens it writes the env file
// (when asked) and logs one line with the URL and the env file's path.
func emulatorRun(ctx context.Context, e *env, o *emulatorOptions) error {
	opts := emulator.Options{Listen: o.Listen, StateDir: o.State, Token: o.Token, SeedFile: o.Seed, Faults: o.Faults}
	if o.Roles != nil {
		opts.TokenRoles = o.Roles
	}
	if o.Verbose {
		opts.Logf = func(format string, args ...any) { fmt.Fprintf(e.Err, format+"\n", args...) }
	}
	em, err := emulator.Start(ctx, opts)
	if err != nil {
		return err
	}
	where := "no env file (use --env-file)"
	if o.EnvFile != "" {
		if err := em.WriteEnvFile(o.EnvFile); err != nil {
			_ = em.Close()
			return err
		}
		where = "environment in " + o.EnvFile
	}
	fmt.Fprintf(e.Err, "regsync emulator: ready at %s (Graph %s, Key Vault %s); %s\n",
		em.GraphURL()[:len(em.GraphURL())-len("/v1.0")], em.GraphURL(), em.KeyVaultURL(), where)
	<-ctx.Done()
	return em.Close()
}
