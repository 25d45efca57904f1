// Package keyvault implements tenant.SecretStore over Azure Key Vault with
// azsecrets; it is the only package that imports that SDK, and no SDK type
// leaves it.
//
// One azsecrets client serves each vault, its URL taken from the vault URL
// template of endpoints.Config ("https://{vault}.vault.azure.net" and the
// national-cloud equivalents, or REGSYNC_KEYVAULT_URL). Listing reads
// metadata only and never asks for a value. Failures come back as
// *tenant.Error with a Kind.
//
// Key Vault quirks handled here:
//   - The client probes every vault without a token and expects a 401
//     challenge whose resource matches the vault's host; a loopback
//     override never matches, so resource verification is turned off when,
//     and only when, the vault URL is overridden.
//   - azsecrets' ID.Name() assumes the path starts with /secrets/, which is
//     false for a vault served under a path prefix
//     (https://host/vaults/{vault}/secrets/...): ids are parsed here.
//   - A vault that does not exist fails DNS resolution on Azure, or answers
//     404 to a list behind an override; both are a NotFound error naming
//     the vault, never an empty list (which would plan every secret anew).
package keyvault
