// Package planner computes a Plan: the ordered actions that bring the live
// tenant in line with a registrations spec, with the field diffs, reasons and
// risk flags a reviewer needs to judge them.
//
// The planner is pure. Compute takes a *spec.Spec and a *tenant.Snapshot that
// were read earlier and returns a *Plan; it does no I/O, prints nothing and
// reads no clock (Options.Now is the clock). The same inputs always give the
// same plan, byte for byte once rendered.
//
// The Plan is the one machine document. planner/render turns it into text,
// markdown and JSON; planner/planfile saves it with the fingerprints that make
// a saved plan refuse to apply once the tenant has changed; the applier
// executes its actions in order, honouring DependsOn, and resolves the
// references (see Ref) that stand for ids only known once an earlier action
// has run. docs/plan-format.md documents the JSON form field by field.
//
// Graph quirks designed in here, each handled where noted:
//   - An enabled scope or app role cannot be removed or have its entitlement
//     (scope type, allowed member types) changed in one PATCH: it must be
//     disabled first (CannotDeleteOrUpdateEnabledEntitlement; see the
//     isEnabled property of appRole and permissionScope in the Graph v1.0
//     reference). The planner emits two update actions (diffScopes).
//   - Graph replaces collections whole on PATCH, so every collection in an
//     update carries its complete new value (tenant.AppProps).
//   - A client secret's value is returned once by addPassword and never again;
//     the plan only holds where it will be stored (SecretAction), never a
//     value: no type in this package can hold one.
//   - An application created by a caller with Application.ReadWrite.OwnedBy
//     gets the caller as owner; removing it locks the caller out, so the
//     planner never removes Options.CallerID from the owners.
package planner
