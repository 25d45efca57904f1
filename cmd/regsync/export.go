package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/regsync/regsync/export"
	"github.com/regsync/regsync/tenant"
)

const exportExamples = `  # Describe a managed set as it is in the tenant
  regsync export --tenant contoso.onmicrosoft.com --set fhir-prod --vault contoso-fhir-kv -o registrations.yaml

  # Adopt two registrations made in the portal into a new set
  regsync export --tenant contoso.onmicrosoft.com --set billing \
      --app-id 0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b --app-id 1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d -o billing.yaml
  regsync plan -f billing.yaml      # only regsync's tags change

  # Against the embedded emulator
  regsync export --local --tenant contoso.onmicrosoft.com --set fhir-prod`

type exportOptions struct {
	AppIDs []string
	Set    string
	Tenant string
	Out    string
	Force  bool
	Vault  string
	Local  localFlag
}

var (
	guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	keyPattern  = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

func newCmdExport(e *env, runF func(context.Context, *exportOptions) error) *cobra.Command {
	o := &exportOptions{}
	c := &cobra.Command{
		Use:     "export --tenant TENANT --set NAME [--app-id APPID]... [-o FILE [--force]] [--vault VAULT] [--local[=DIR]]",
		Short:   "Write a spec for applications already in the tenant (adoption)",
		Example: exportExamples,
		Args:    noArgs(""),
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return exportRun(c.Context(), e, o)
		},
	}
	f := c.Flags()
	f.StringArrayVar(&o.AppIDs, "app-id", nil, "adopt the application with this `APPID` into the set (repeatable)")
	f.StringVar(&o.Set, "set", "", "the set the spec declares (required); its applications are exported, and --app-id ones join it")
	f.StringVar(&o.Tenant, "tenant", "", "the spec's `TENANT`: the tenant id or a verified domain (required)")
	f.StringVarP(&o.Out, "output", "o", "", "write the spec to `FILE` instead of stdout")
	f.BoolVar(&o.Force, "force", false, "overwrite the -o file if it exists")
	f.StringVar(&o.Vault, "vault", "", "declare a client secret kept in Key Vault `VAULT` for applications that have client secrets")
	localFlagVar(c, &o.Local)
	_ = c.MarkFlagFilename("output", "yaml", "yml")
	return c
}

// check validates the options before anything is read.
func (o *exportOptions) check() error {
	switch {
	case o.Tenant == "":
		return usagef("--tenant is required: the tenant id or a verified domain the spec is for")
	case o.Set == "":
		return usagef("--set is required: the set the exported applications belong to, or join")
	case !keyPattern.MatchString(o.Set):
		return usagef("--set %q is not a valid set name (lower-case letters, digits and hyphens, a letter first, at most 63)", o.Set)
	}
	for _, id := range o.AppIDs {
		if !guidPattern.MatchString(id) {
			return usagef("--app-id %q is not a GUID (the application's client id)", id)
		}
	}
	if o.Out != "" && !o.Force {
		if _, err := os.Stat(o.Out); err == nil {
			return fmt.Errorf("%s exists; use --force to overwrite it", o.Out)
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

func exportRun(ctx context.Context, e *env, o *exportOptions) error {
	fail := func(format string, a ...any) error { return fmt.Errorf(format, a...) }
	b, err := e.connect(ctx, nil, o.Local)
	if err != nil {
		return fail("%v", err)
	}
	defer b.Close()
	snap, err := readForExport(ctx, b, o)
	if err != nil {
		return fail("reading the tenant: %v", err)
	}
	name := o.Out
	if name == "" {
		name = "exported spec"
	}
	res, ds := export.Spec(snap, export.Options{Tenant: o.Tenant, Set: o.Set, AppIDs: o.AppIDs, Vault: o.Vault, Name: name})
	ds.Sort()
	if len(ds) > 0 {
		fmt.Fprint(e.Err, ds.Format())
	}
	if ds.HasErrors() || res == nil {
		return errReported
	}
	if o.Out == "" {
		if _, err := e.Out.Write(res.YAML); err != nil {
			return fail("%v", err)
		}
	} else if err := writeFileAtomic(o.Out, res.YAML); err != nil {
		return fail("%v", err)
	}
	where := "stdout"
	if o.Out != "" {
		where = o.Out
	}
	fmt.Fprintf(e.Err, "Exported %d application(s) of set %s to %s", len(res.Keys), o.Set, where)
	if len(res.Adopted) > 0 {
		fmt.Fprintf(e.Err, "; adopted by appId: %s", strings.Join(res.Adopted, ", "))
	}
	fmt.Fprintln(e.Err, ".")
	return nil
}

// readForExport reads what export.Spec needs: the set's and the named
// applications first, then, with tenant.Read, the same snapshot a plan of
// the exported spec reads (so the export describes what plan compares),
// with the resources their requiredResourceAccess names as APIs.
func readForExport(ctx context.Context, b *backend, o *exportOptions) (*tenant.Snapshot, error) {
	retry := tenant.DefaultRetryPolicy()
	retry.LagWindow = 0
	var apps []*tenant.Application
	err := retry.Do(ctx, false, func(ctx context.Context) (err error) {
		apps, err = b.Dir.ListApplications(ctx, o.Set)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(o.AppIDs) > 0 {
		var named []*tenant.Application
		err := retry.Do(ctx, false, func(ctx context.Context) (err error) {
			named, err = b.Dir.ApplicationsByAppID(ctx, o.AppIDs)
			return err
		})
		if err != nil {
			return nil, err
		}
		apps = append(apps, named...)
	}
	exported := map[string]bool{}
	for _, a := range apps {
		exported[strings.ToLower(a.AppID)] = true
	}
	q := tenant.ReadQuery{Set: o.Set, AdoptedAppIDs: o.AppIDs}
	seen := map[string]bool{}
	for _, a := range apps {
		for _, r := range a.RequiredResourceAccess {
			id := strings.ToLower(r.ResourceAppID)
			if !exported[id] && !seen[id] {
				seen[id] = true
				q.APIAppIDs = append(q.APIAppIDs, r.ResourceAppID)
			}
		}
	}
	if o.Vault != "" {
		q.Vaults = []string{o.Vault}
	}
	return tenant.Read(ctx, b.Dir, b.Vault, q)
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it into place, so a reader never sees half a spec.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".regsync-export-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
