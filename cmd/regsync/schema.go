package main

import (
	"context"
	"fmt"

	"github.com/regsync/regsync/schema"
)

func init() {
	register(command{Name: "schema", Summary: "Print the JSON Schema of registrations.yaml", Run: runSchema})
}

const schemaExamples = `  regsync schema > registrations.schema.json
  # then start registrations.yaml with:
  # yaml-language-server: $schema=./registrations.schema.json`

// runSchema prints the embedded schema byte for byte.
func runSchema(_ context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "schema", "schema", schemaExamples)
	if code, stop := parseFlags(fs, args); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.Err, "regsync schema: unexpected argument %q\n", fs.Arg(0))
		return exitError
	}
	if _, err := e.Out.Write(schema.Bytes()); err != nil {
		fmt.Fprintf(e.Err, "regsync schema: %v\n", err)
		return exitError
	}
	return exitOK
}
