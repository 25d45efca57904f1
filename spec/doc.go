// Package spec loads a registrations file into its typed desired state: YAML
// with positions, the JSON Schema of package schema, defaults, and the
// semantic rules a schema cannot express.
//
// Every problem becomes a diag.Diagnostic with FILE:LINE:COL, an address such
// as applications.portal.redirectUris[1] and a detail that names the fix. The
// loader collects all of them instead of stopping at the first, and it never
// panics or hangs on hostile input: files above MaxFileSize are refused
// before parsing, YAML aliases are refused (no billion laughs), nesting is
// bounded, and invalid UTF-8 is reported with its line.
//
// Marshal goes the other way: it writes a Spec as the compact, canonical
// form of the file, which Parse reads back into an equal Spec.
//
// The package reads and writes bytes and nothing else; it knows Microsoft
// Graph only by the names of its properties.
package spec
