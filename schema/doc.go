// Package schema holds the JSON Schema of registrations.yaml, embedded in the
// binary, and validates JSON-compatible values against it.
//
// The schema is the format's contract with editors (hover help, completion)
// and the first layer of `regsync validate`; the spec package maps the JSON
// pointers of its errors back to YAML lines and adds the semantic rules a
// schema cannot express. This package knows nothing about Microsoft Graph.
package schema
