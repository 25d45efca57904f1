// Package kv emulates the secrets surface of the Azure Key Vault data plane
// (REST, JSON over HTTPS) for many vaults at once, so that the real azsecrets
// client can be driven end to end without an Azure subscription.
//
// A Server answers under /vaults/{vault}/secrets/... and
// /vaults/{vault}/deletedsecrets/...; a client's vault URL is therefore
// https://HOST:PORT/vaults/{vault}. A vault comes into being the first time a
// secret is stored in it. Every request must carry the one bearer token given
// in Options; until it does, the Server answers with Key Vault's 401 challenge,
// which is how the SDK learns the tenant and scope before it fetches a token.
//
// The behaviour modelled (names, limits, soft delete, recover, purge, paging,
// error codes and messages) and its sources are listed in
// docs/keyvault-quirks.md, each with the test that pins it. The package shares
// no code with the project's own Key Vault client and imports no Azure SDK.
package kv
