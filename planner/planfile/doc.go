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
package planfile
