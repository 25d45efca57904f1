// Package applier executes a plan against the tenant: it orders the actions
// by their dependencies, runs independent ones concurrently (one writer per
// application at a time), retries by error kind while honouring Retry-After,
// tolerates replication lag on objects it has just created, hands each new
// client secret straight to Key Vault, and undoes a credential whose vault
// write failed.
//
// Apply is the entry point; docs/apply.md describes the order, concurrency,
// retries, idempotency, compensation and what a re-run after a crash does.
// Progress comes as Events, rendered by TextEvents or JSONEvents.
//
// It knows the tenant only through the tenant package's interfaces, never the
// wire format.
package applier
