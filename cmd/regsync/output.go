package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/regsync/regsync/outputs"
)

const outputExamples = `  # What the FHIR server and its clients are configured with
  regsync output -f registrations.yaml

  # As shell assignments (TENANT_ID, AUTHORITY, <KEY>_CLIENT_ID, <KEY>_AUDIENCE, ...)
  eval "$(regsync output -f registrations.yaml --format env)"
  echo "FhirServer__Security__Authentication__Audience=$FHIR_API_AUDIENCE"

  # For a script
  regsync output -f registrations.yaml --format json | jq -r '.applications[] | [.key, .client_id] | @tsv'

  # Against the embedded emulator
  regsync output --local -f examples/fhir/registrations.yaml`

type outputOptions struct {
	Files  []string
	Format string
	Local  localFlag
}

func newCmdOutput(e *env, runF func(context.Context, *outputOptions) error) *cobra.Command {
	o := &outputOptions{}
	c := &cobra.Command{
		Use:   "output [-f FILE] [--format text|json|env] [--local[=DIR]]",
		Short: "Print what the set's servers and clients are configured with",
		Long: `Output reads the tenant and prints, for each application of the spec, what
its consumers are configured with: the tenant's authority, the client id and
object ids, a resource's token audience, issuer and .default scope, and the
Key Vault secret that holds a client's secret (its name, never its value).
It changes nothing. An application the tenant does not have yet is listed
as not applied.`,
		Example: outputExamples,
		Args:    noArgs("the spec is given with -f"),
		RunE: func(c *cobra.Command, _ []string) error {
			if err := oneOf("format", o.Format, outputs.Formats...); err != nil {
				return err
			}
			defaultSpec(&o.Files)
			if runF != nil {
				return runF(c.Context(), o)
			}
			return outputRun(c.Context(), e, o)
		},
	}
	specFlag(c, &o.Files, "spec `FILE` whose applications to print, or a directory of them (default registrations.yaml)")
	formatFlag(c, &o.Format, "text", "output `format`: text, json or env", outputs.Formats...)
	localFlagVar(c, &o.Local)
	return c
}

func outputRun(ctx context.Context, e *env, o *outputOptions) error {
	results, bs, err := e.planSets(ctx, o.Files, o.Local, false, false, nil)
	if err != nil {
		return err
	}
	defer bs.Close()
	for i, res := range results {
		out, err := outputs.Compute(res.spec, res.snapshot)
		if err != nil {
			return err
		}
		if len(results) > 1 && o.Format == "text" {
			if i > 0 {
				fmt.Fprintln(e.Out)
			}
			fmt.Fprintf(e.Out, "# set %s (%s)\n", res.spec.Set, res.spec.File)
		}
		if err := outputs.Render(e.Out, out, o.Format); err != nil {
			return err
		}
	}
	return nil
}
