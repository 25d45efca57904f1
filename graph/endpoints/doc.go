// Package endpoints holds where regsync finds Microsoft Graph and Key Vault
// and how it authenticates to them: the cloud (public, US Government,
// China), the overrides from the REGSYNC_* environment variables, extra
// trusted CAs, and the credential built from all of that.
//
// Config carries no SDK type, so the CLI can fill it from flags and the
// environment; graph.New, keyvault.New and arm.New take it. docs/auth.md
// lists every variable. Setup is the part of building a client the three
// share: the validated Config, its credential, the User-Agent product,
// and for the azcore clients (Key Vault, Resource Manager) their common
// options: a counting, size-capped transport, the User-Agent policy and
// the SDK's own retries off.
package endpoints
