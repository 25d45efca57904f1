// Package endpoints holds where regsync finds Microsoft Graph and Key Vault
// and how it authenticates to them: the cloud (public, US Government,
// China), the overrides from the REGSYNC_* environment variables, extra
// trusted CAs, and the credential built from all of that.
//
// Config carries no SDK type, so the CLI can fill it from flags and the
// environment; graph.New and keyvault.New take it. docs/auth.md lists every
// variable.
package endpoints
