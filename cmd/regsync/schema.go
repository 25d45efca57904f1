package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/regsync/regsync/schema"
)

const schemaExamples = `  regsync schema > registrations.schema.json
  # then start registrations.yaml with:
  # yaml-language-server: $schema=./registrations.schema.json`

func newCmdSchema(e *env, runF func(context.Context) error) *cobra.Command {
	return &cobra.Command{
		Use:     "schema",
		Short:   "Print the JSON Schema of registrations.yaml",
		Example: schemaExamples,
		Args:    noArgs(""),
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(c.Context())
			}
			// The embedded schema, byte for byte.
			_, err := e.Out.Write(schema.Bytes())
			return err
		},
	}
}
