// Package export writes a registrations spec that describes applications
// already in the tenant, so that regsync can adopt them.
//
// It is pure: Spec takes a *tenant.Snapshot read earlier and returns the
// YAML text of a registrations.yaml. It does no I/O and knows no SDK; the
// CLI (regsync export) reads the tenant and writes the file.
//
// The text is deterministic: maps of the format (applications, apis,
// scopes, appRoles, access, federatedCredentials) are sorted by key, keys
// derived from display names get numeric suffixes in a stable order, and
// lists keep the tenant's order. Fields are written only when the tenant
// holds a value that differs from the format's default, so that planning
// the exported spec against the tenant it came from finds nothing to change
// beyond the tags regsync adds to adopted applications. Whatever the format
// cannot say for an application's kind is left out and named in a YAML
// comment above the application; regsync leaves undeclared fields alone.
//
// The export builds a typed *spec.Spec with the tenant's values (and the
// defaults Parse would fold in) and writes it with spec.Marshal, which
// leaves the defaults out and puts the notes above the applications as
// comments; the text is therefore what spec.Parse reads back as that Spec.
// Spec still checks its output with spec.Parse: text that would not
// validate is never returned.
package export
