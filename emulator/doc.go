// Package emulator serves a stand-in for a Microsoft Entra tenant (the
// Microsoft Graph v1.0 surface regsync uses) and for Azure Key Vault on one
// HTTPS port, so the real SDK clients can run without an Azure account.
//
// Start generates a CA and a leaf certificate for the loopback addresses,
// listens, and serves:
//
//   - /v1.0/...      Microsoft Graph v1.0: applications, servicePrincipals,
//     app role assignments, oauth2PermissionGrants, domains, organization,
//     directory deleted items and $batch (see docs/graph-quirks.md);
//   - /vaults/{name}/... Key Vault secrets (package emulator/kv);
//   - /_emulator/... admin routes: request counters, fault knobs and the list
//     of vaults.
//
// Every request needs the bearer token the emulator was started with, except
// the Key Vault challenge probe, which is answered with 401 and the
// WWW-Authenticate header the Key Vault client expects. Fault knobs (latency,
// throttling, random 5xx, replication lag, a vault outage) can be set at
// Start and changed at run time.
//
// The behaviour is built from Microsoft's documentation; each modelled rule
// is listed with its source and test in docs/graph-quirks.md. The package
// shares no code with the graph and keyvault client packages on purpose: it
// is their independent peer.
package emulator
