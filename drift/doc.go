// Package drift reports how a tenant has drifted from its spec, for the
// nightly `regsync drift`: managed fields changed by hand, missing objects,
// objects of the set the spec no longer names, credentials added by hand or
// without a Key Vault copy, vault secrets whose credential is gone, consent
// added or removed by hand, and client secrets that expire soon.
//
// Compute classifies what the planner already found (a planner.Plan of the
// spec against the snapshot, seen as what differs) and adds what a plan does
// not show as a change (credentials and vault secrets, consent the spec does
// not manage, expiry). It does no I/O and never sees a secret value. The
// Report renders four ways from one value: text, markdown (with a mermaid
// timeline of secret lifetimes), JSON (with format_version) and JUnit XML
// (a test case per managed object, a failure per drift item).
package drift
