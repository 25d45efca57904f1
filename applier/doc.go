// Package applier executes a plan against the tenant: it orders the actions
// by their dependencies, runs independent ones concurrently (one writer per
// application at a time), retries by error kind while honouring Retry-After,
// tolerates replication lag on objects it has just created, hands each new
// client secret straight to Key Vault, and undoes a credential whose vault
// write failed.
//
// It knows the tenant only through the tenant package's interfaces, never the
// wire format.
package applier
