// Package tenant is the live-state model of a Microsoft Entra tenant and a
// set of key vaults as regsync sees them, plus the interfaces that the planner
// and the applier need from them.
//
// It imports no SDK: graph/ and keyvault/ implement these interfaces over the
// Azure SDKs, and tests implement them by hand. Errors crossing the boundary
// carry one of a small set of kinds (see Kind), and retry and compensation
// decisions switch on that kind only.
package tenant
