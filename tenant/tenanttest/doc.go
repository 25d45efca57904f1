// Package tenanttest is an in-memory tenant for tests: a tenant.Directory,
// tenant.Finder and (through Vault) tenant.SecretStore that every package
// needing a tenant shares, as terraform's providers/testing and gh's
// httpmock are shared.
//
// It records every call, counts requests the way the real clients would
// ($batch: one per 20 writes), issues known secret values, and injects
// faults: an error for the next N calls of a write op or read, a lost
// answer (the write happens, the call fails), replication lag (a new
// object answers NotFound to the next N calls that name it), a vault
// outage. It imports no SDK.
package tenanttest
