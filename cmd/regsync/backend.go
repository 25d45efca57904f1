package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/regsync/regsync/arm"
	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/graph"
	"github.com/regsync/regsync/graph/endpoints"
	"github.com/regsync/regsync/keyvault"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// defaultLocalDir is where --local keeps its emulated tenant.
const defaultLocalDir = ".regsync/local"

// localFlag is --local[=DIR]: a boolean flag that may carry a directory.
type localFlag struct {
	On  bool
	Dir string
}

// Type is "bool" so that help shows --local alone; --local=DIR sets the
// directory.
func (l *localFlag) Type() string { return "bool" }

func (l *localFlag) String() string {
	if l == nil || !l.On {
		return ""
	}
	return l.dir()
}

func (l *localFlag) Set(v string) error {
	switch v {
	case "true":
		l.On = true
	case "false":
		l.On = false
	case "":
		return fmt.Errorf("--local needs no value or a directory")
	default:
		l.On, l.Dir = true, v
	}
	return nil
}

func (l *localFlag) dir() string {
	if l.Dir == "" {
		return defaultLocalDir
	}
	return l.Dir
}

const localHelp = "run against an embedded emulator (no Azure account needed); its tenant persists in " + defaultLocalDir + ", or in DIR with --local=DIR"

// localFlagVar adds --local[=DIR] to c.
func localFlagVar(c *cobra.Command, l *localFlag) {
	c.Flags().Var(l, "local", localHelp)
	c.Flags().Lookup("local").NoOptDefVal = "true"
}

// backend is a connection to a tenant and its vaults.
type backend struct {
	Dir   tenant.Directory
	Vault tenant.SecretStore
	// Access is Azure Resource Manager (role assignments).
	Access tenant.Access
	// Local is set when the backend is the embedded emulator.
	Local *emulator.Emulator
	// CallerID is the signed-in principal's object id, when known.
	CallerID string
	// pages watches the answers of all three clients for next links,
	// for the read's progress; nil for a backend from env.Backend.
	pages *pageWatch
}

// requests counts the requests sent to the tenant, the vaults and Azure
// Resource Manager.
func (b *backend) requests() int {
	n := b.Dir.Requests()
	if b.Vault != nil {
		n += b.Vault.Requests()
	}
	if b.Access != nil {
		n += b.Access.Requests()
	}
	return n
}

func (b *backend) Close() error {
	if b.Local != nil {
		return b.Local.Close()
	}
	return nil
}

// connect opens the tenant: the embedded emulator with --local, else the
// endpoints of the REGSYNC_* variables and the spec's cloud, authenticated
// with REGSYNC_TOKEN or azidentity's default credential chain.
// e.Backend, when set, is asked instead.
func (e *env) connect(ctx context.Context, sp *spec.Spec, local localFlag) (*backend, error) {
	if e.Backend != nil {
		return e.Backend(ctx, sp, local)
	}
	var cfg endpoints.Config
	b := &backend{}
	if local.On {
		dir, err := filepath.Abs(local.dir())
		if err != nil {
			return nil, err
		}
		em, err := emulator.Start(ctx, emulator.Options{Listen: "127.0.0.1:0", StateDir: dir})
		if err != nil {
			return nil, fmt.Errorf("starting the embedded emulator in %s: %w", dir, err)
		}
		b.Local = em
		b.CallerID = emulator.CallerSPID
		cfg = endpoints.Config{
			GraphURL:  em.GraphURL(),
			VaultURL:  em.KeyVaultURL(),
			ARMURL:    em.ARMURL(),
			Token:     em.Token(),
			TenantID:  em.TenantID(),
			CACertPEM: em.CACertPEM(),
		}
	} else {
		var err error
		cfg, err = endpoints.FromEnv(e.Getenv)
		if err != nil {
			return nil, err
		}
		if sp != nil && sp.Cloud != "" {
			want, err := endpoints.ParseCloud(string(sp.Cloud))
			if err != nil {
				return nil, err
			}
			if e.Getenv(endpoints.EnvCloud) != "" && cfg.Cloud != want {
				return nil, fmt.Errorf("%s=%s disagrees with the spec's cloud %q", endpoints.EnvCloud, cfg.Cloud, sp.Cloud)
			}
			cfg.Cloud = want
		}
	}
	t, err := cfg.Transport()
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("connecting to Microsoft Graph: %w", err)
	}
	b.pages = &pageWatch{next: t}
	dir, err := graph.New(cfg, graph.Options{UserAgent: e.Build.UserAgent(), Transport: b.pages})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("connecting to Microsoft Graph: %w", err)
	}
	// The same as the clients' defaults, through the page watch.
	client := &http.Client{Transport: b.pages, Timeout: 100 * time.Second}
	vault, err := keyvault.New(cfg, keyvault.Options{UserAgent: e.Build.UserAgent(), Transport: client})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("connecting to Key Vault: %w", err)
	}
	access, err := arm.New(cfg, arm.Options{UserAgent: e.Build.UserAgent(), Transport: client})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("connecting to Azure Resource Manager: %w", err)
	}
	b.Dir, b.Vault, b.Access = dir, vault, access
	if b.CallerID == "" {
		// Knowing who regsync runs as keeps the planner from removing
		// regsync's own ownership of the applications it created.
		if b.CallerID, err = dir.CallerID(ctx); err != nil {
			b.Close()
			return nil, fmt.Errorf("signing in: %w\nNo Azure account at hand? Add --local to run against the embedded emulator. docs/auth.md lists the ways to sign in", err)
		}
	}
	return b, nil
}

// readQuery says what of the tenant a spec needs read through b.
func readQuery(sp *spec.Spec, b *backend) tenant.ReadQuery {
	q := tenant.ReadQuery{Set: sp.Set, Access: b.Access}
	for _, r := range sp.AzureResources {
		q.Scopes = append(q.Scopes, r.ID)
	}
	q.Users, q.Groups = sp.PrincipalRefs()
	seenVault, seenCertVault := map[string]bool{}, map[string]bool{}
	for _, a := range sp.APIs {
		q.APIAppIDs = append(q.APIAppIDs, a.AppID)
	}
	for _, app := range sp.Applications {
		if app.AppID != "" {
			q.AdoptedAppIDs = append(q.AdoptedAppIDs, app.AppID)
		}
		q.Owners = append(q.Owners, app.Owners...)
		if app.Secret != nil && app.Secret.Vault != "" && !seenVault[strings.ToLower(app.Secret.Vault)] {
			seenVault[strings.ToLower(app.Secret.Vault)] = true
			q.Vaults = append(q.Vaults, app.Secret.Vault)
		}
		if app.Certificate != nil && app.Certificate.Vault != "" && !seenCertVault[strings.ToLower(app.Certificate.Vault)] {
			seenCertVault[strings.ToLower(app.Certificate.Vault)] = true
			q.CertificateVaults = append(q.CertificateVaults, app.Certificate.Vault)
		}
	}
	return q
}
