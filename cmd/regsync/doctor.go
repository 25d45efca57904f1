package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/regsync/regsync/doctor"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

const doctorExamples = `  # Before the first apply: can this identity do what the spec asks?
  regsync doctor -f registrations.yaml

  # Against the embedded emulator (no Azure account needed)
  regsync doctor --local -f examples/fhir/registrations.yaml

  # For a script: every check with its verdict and what to grant
  regsync doctor --format json | jq '.sets[].checks[] | select(.ok | not)'`

// probeSecret is the name the Key Vault probe asks for. Listing the
// versions of a secret that does not exist changes nothing and answers an
// empty list to a caller allowed to read metadata, 403 to one that is not.
const probeSecret = "regsync-doctor-probe"

type doctorOptions struct {
	Files  []string
	Format string
	Local  localFlag
}

func newCmdDoctor(e *env, runF func(context.Context, *doctorOptions) error) *cobra.Command {
	o := &doctorOptions{}
	c := &cobra.Command{
		Use:   "doctor [-f FILE] [--format text|json] [--local[=DIR]]",
		Short: "Check that the signed-in identity has the permissions the spec needs",
		Long: `Doctor checks, before an apply, that the identity regsync signs in as can do
what the spec needs, and prints each check with ✓ or ✗ and, for a ✗, the
exact permission or role to grant:

  - the Microsoft Graph permissions of its token (an application's roles
    claim; a user's scp claim, within the directory roles of its wids claim),
    as docs/permissions.md lists them for what the spec declares;
  - ownership of the set's existing applications, or Application.ReadWrite.All;
  - access to each Key Vault the spec names (a read-only probe);
  - access to the role assignments at each azureResources scope (a read-only
    probe).

It writes nothing and never prints the token. A probe that reads can only
show a missing role; a write permission it cannot see is judged from the
token's claims. Exits 1 when any check fails, 0 when all pass.`,
		Example: doctorExamples,
		Args:    noArgs("the spec is given with -f"),
		RunE: func(c *cobra.Command, _ []string) error {
			if err := oneOf("format", o.Format, "text", "json"); err != nil {
				return err
			}
			defaultSpec(&o.Files)
			if runF != nil {
				return runF(c.Context(), o)
			}
			return doctorRun(c.Context(), e, o)
		},
	}
	specFlag(c, &o.Files, "spec `FILE` whose needs to check, or a directory of them; repeat for several sets (default registrations.yaml)")
	formatFlag(c, &o.Format, "text", "output `format`: text or json", "text", "json")
	localFlagVar(c, &o.Local)
	return c
}

// check is one line of the report.
type check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
	// Grant is what to grant when the check fails.
	Grant string `json:"grant,omitempty"`
}

// setReport is the checks of one spec.
type setReport struct {
	File     string  `json:"file"`
	Set      string  `json:"set"`
	Identity string  `json:"identity"`
	Kind     string  `json:"kind,omitempty"`
	Checks   []check `json:"checks"`
}

// tokenClaimer is a directory that can show the claims of its Graph token
// (graph.Client does).
type tokenClaimer interface {
	TokenClaims(ctx context.Context) ([]byte, error)
}

func doctorRun(ctx context.Context, e *env, o *doctorOptions) error {
	paths, err := expandSpecFiles(o.Files)
	if err != nil {
		return usagef("%v", err)
	}
	specs, err := e.loadSpecs(paths)
	if err != nil {
		return err
	}
	bs := e.newBackends(o.Local)
	defer bs.Close()
	var reports []setReport
	for _, sp := range specs {
		b, err := bs.get(ctx, sp)
		if err != nil {
			return err
		}
		reports = append(reports, diagnose(ctx, sp, b))
	}
	failed := 0
	for _, r := range reports {
		for _, c := range r.Checks {
			if !c.OK {
				failed++
			}
		}
	}
	if o.Format == "json" {
		doc := struct {
			OK   bool        `json:"ok"`
			Sets []setReport `json:"sets"`
		}{failed == 0, reports}
		enc := json.NewEncoder(e.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return err
		}
	} else {
		writeDoctor(e.Out, reports, failed, e.Colour())
	}
	if failed > 0 {
		return errReported
	}
	return nil
}

// diagnose runs the checks of one spec over b. A probe that fails for
// another reason than a missing permission is a ✗ with its error: doctor
// cannot vouch for what it could not see.
func diagnose(ctx context.Context, sp *spec.Spec, b *backend) setReport {
	r := setReport{File: sp.File, Set: sp.Set, Identity: b.CallerID}
	add := func(c check) { r.Checks = append(r.Checks, c) }

	// Graph: the token's claims against the spec's needs.
	var claims doctor.Claims
	haveClaims := false
	if tc, ok := b.Dir.(tokenClaimer); ok {
		payload, err := tc.TokenClaims(ctx)
		if err == nil {
			claims, err = doctor.ParseClaims(payload)
		}
		if err != nil {
			add(check{Name: "Microsoft Graph token", Detail: err.Error(), Grant: "a credential whose token for Microsoft Graph is a JWT (docs/auth.md)"})
		} else {
			haveClaims = true
			r.Kind = claims.Kind()
			if r.Identity == "" {
				r.Identity = claims.OID
			}
		}
	} else {
		add(check{Name: "Microsoft Graph token", Detail: "this connection shows no token claims", Grant: "a credential whose token for Microsoft Graph is a JWT (docs/auth.md)"})
	}
	if haveClaims {
		for _, n := range doctor.GraphNeeds(sp) {
			c := check{Name: "Microsoft Graph " + orList(n.AnyOf), OK: claims.Met(n), Detail: n.Why}
			if !c.OK {
				c.Grant = n.Grant(claims.AppOnly)
			}
			add(c)
		}
	}

	// Ownership of the set's applications, from a read of only them.
	snap, err := tenant.Read(ctx, b.Dir, nil, tenant.ReadQuery{Set: sp.Set, AdoptedAppIDs: adoptedAppIDs(sp)})
	switch {
	case err != nil:
		c := check{Name: "reading the set's applications", Detail: err.Error()}
		if tenant.KindOf(err) == tenant.Forbidden {
			c.Grant = "Microsoft Graph application permission Application.ReadWrite.OwnedBy (or Application.Read.All to read)"
		}
		add(c)
	default:
		manages := haveClaims && claims.ManagesAll()
		for _, app := range snap.Applications {
			c := check{Name: fmt.Sprintf("owner of %s (appId %s)", app.DisplayName, app.AppID), OK: true}
			switch {
			case contains(app.Owners, b.CallerID):
				c.Detail = "the signed-in principal is an owner"
			case manages:
				c.Detail = "not an owner, but may manage every application"
			default:
				c.OK = false
				c.Detail = "the signed-in principal is not an owner"
				c.Grant = fmt.Sprintf("add %s as an owner of application %s (and of its service principal), or grant Application.ReadWrite.All", b.CallerID, app.AppID)
				if haveClaims && !claims.AppOnly {
					c.Grant = fmt.Sprintf("add %s as an owner of application %s, or the directory role %s", b.CallerID, app.AppID, doctor.RoleNames(doctor.AppAdminRoles))
				}
			}
			add(c)
		}
	}

	// Key Vault: a read-only probe per vault.
	q := readQuery(sp, b)
	for _, v := range q.Vaults {
		_, err := b.Vault.SecretVersions(ctx, v, probeSecret)
		add(probeCheck("Key Vault "+v+": secrets", err, "the role Key Vault Secrets Officer (or the custom role regsync secret writer, docs/permissions.md) on vault "+v))
	}
	certs, _ := b.Vault.(tenant.CertificateStore)
	for _, v := range q.CertificateVaults {
		if certs == nil {
			add(check{Name: "Key Vault " + v + ": certificates", Detail: "this connection cannot reach certificates"})
			continue
		}
		_, err := certs.CertificateVersions(ctx, v, probeSecret)
		add(probeCheck("Key Vault "+v+": certificates", err, "the role Key Vault Certificates Officer on vault "+v))
	}

	// Azure Resource Manager: a read of the role assignments per scope.
	for _, res := range sp.AzureResources {
		name := "Azure role assignments at " + res.ID
		if b.Access == nil {
			add(check{Name: name, Detail: "this connection has no Azure Resource Manager"})
			continue
		}
		_, err := b.Access.RoleAssignments(ctx, res.ID)
		add(probeCheck(name, err, "the role Role Based Access Control Administrator at "+res.ID))
	}
	return r
}

func adoptedAppIDs(sp *spec.Spec) []string {
	var ids []string
	for _, a := range sp.Applications {
		if a.AppID != "" {
			ids = append(ids, a.AppID)
		}
	}
	return ids
}

// probeCheck turns a probe's outcome into a check: no error (or the probed
// object's absence) passes, a refusal names what to grant.
func probeCheck(name string, err error, grant string) check {
	switch {
	case err == nil, tenant.KindOf(err) == tenant.NotFound:
		return check{Name: name, OK: true, Detail: "reachable (read-only probe)"}
	case tenant.KindOf(err) == tenant.Forbidden:
		return check{Name: name, Detail: "refused: " + err.Error(), Grant: grant}
	default:
		return check{Name: name, Detail: "probe failed: " + err.Error()}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s && s != "" {
			return true
		}
	}
	return false
}

// writeDoctor prints the checks: one line each with ✓ or ✗, what to grant
// under a ✗, and a closing count.
func writeDoctor(w io.Writer, reports []setReport, failed int, colour bool) {
	mark := func(ok bool) string {
		switch {
		case ok && colour:
			return "\x1b[32m✓\x1b[0m"
		case ok:
			return "✓"
		case colour:
			return "\x1b[31m✗\x1b[0m"
		default:
			return "✗"
		}
	}
	n := 0
	for i, r := range reports {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "Set %s (%s), signed in as %s", r.Set, r.File, r.Identity)
		if r.Kind != "" {
			fmt.Fprintf(w, ", %s", r.Kind)
		}
		fmt.Fprintln(w, ":")
		for _, c := range r.Checks {
			n++
			line := "  " + mark(c.OK) + " " + c.Name
			if c.Detail != "" {
				line += ": " + c.Detail
			}
			fmt.Fprintln(w, line)
			if c.Grant != "" {
				fmt.Fprintf(w, "      grant: %s\n", c.Grant)
			}
		}
	}
	fmt.Fprintln(w)
	if failed == 0 {
		fmt.Fprintf(w, "All %d checks passed.\n", n)
	} else {
		fmt.Fprintf(w, "%d of %d checks failed.\n", failed, n)
	}
}
