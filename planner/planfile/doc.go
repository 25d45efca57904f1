// Package planfile writes, reads and verifies saved plans: the file that
// `regsync plan -out FILE` writes and `regsync apply FILE` executes, so
// that what was reviewed is exactly what is applied.
//
// A saved plan is one JSON document holding its format version, the
// version of the binary that made it, the tenant id, the set, the spec file
// and digest, a fingerprint of every live object the plan was computed from,
// and the plan itself (the same JSON as `regsync plan --format json`).
// Check refuses the file when any of these no longer holds, and says what
// changed and to plan again. Fingerprints cover metadata only: a secret's
// value never reaches the planner, let alone this file.
//
// A saved plan is a program, and the file can be edited between plan and
// apply, so the fingerprints are only the quick check. Read refuses actions
// the applier could not run (unknown op, type or step, a payload that does
// not fit); Match compares the file with a plan computed again from the same
// spec and tenant, on everything an action executes, and names the first
// difference. regsync apply runs a saved plan only when both pass.
package planfile
