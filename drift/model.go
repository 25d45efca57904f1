package drift

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/spec"
)

// FormatVersion is the version of the JSON report. It changes when a field
// is renamed, removed or changes meaning; adding a field keeps it.
const FormatVersion = "1.0"

// Class is the kind of a drift item.
type Class string

// The classes, in the order every view lists them.
const (
	// ClassFieldChanged: a field the spec declares has another value in the
	// tenant (application, service principal, owners, federated credential).
	ClassFieldChanged Class = "field_changed"
	// ClassMissing: an object the spec declares does not exist (an
	// application, its service principal, a federated credential, a client
	// secret).
	ClassMissing Class = "missing"
	// ClassNotInSpec: an object tagged with the set that the spec no longer
	// names (an application, a managed client secret of an application
	// whose spec declares none).
	ClassNotInSpec Class = "not_in_spec"
	// ClassCredentialByHand: a credential of a managed application or of
	// its service principal that regsync did not create — a client
	// secret, a certificate, or a federated credential the spec does not
	// declare — and that the spec does not list in ignoreCredentials.
	// Whoever holds it can sign in as the application: high risk.
	ClassCredentialByHand Class = "credential_added_by_hand"
	// ClassNoVaultCopy: a managed password credential that no secret of its
	// vault carries: nobody can use it.
	ClassNoVaultCopy Class = "credential_without_vault_copy"
	// ClassVaultSecretOrphaned: a vault secret of the set whose client-id
	// and key-id tags point to no live credential.
	ClassVaultSecretOrphaned Class = "vault_secret_without_credential"
	// ClassConsentAdded: an app-role assignment or a delegated grant for
	// all users that the spec does not ask for.
	ClassConsentAdded Class = "consent_added"
	// ClassConsentRemoved: consent the spec asks for (adminConsent) that is
	// missing.
	ClassConsentRemoved Class = "consent_removed"
	// ClassSecretExpiring: the current client secret of an application
	// ends within the expiry window, or has ended.
	ClassSecretExpiring Class = "secret_expiring"
	// ClassRoleAdded: an Azure role assignment made at a declared
	// azureResources scope itself (not inherited from above it) that the
	// spec does not declare, whoever made it.
	ClassRoleAdded Class = "role_assignment_added"
	// ClassRoleRemoved: an Azure role assignment the spec declares that
	// does not exist at its scope.
	ClassRoleRemoved Class = "role_assignment_removed"
)

// Classes lists every class in report order.
var Classes = []Class{
	ClassFieldChanged, ClassMissing, ClassNotInSpec, ClassCredentialByHand, ClassNoVaultCopy,
	ClassVaultSecretOrphaned, ClassConsentAdded, ClassConsentRemoved, ClassSecretExpiring,
	ClassRoleAdded, ClassRoleRemoved,
}

// Title is the heading of the class in text and markdown.
func (c Class) Title() string {
	switch c {
	case ClassFieldChanged:
		return "Managed fields changed by hand"
	case ClassMissing:
		return "Missing objects"
	case ClassNotInSpec:
		return "Objects of the set not in the spec"
	case ClassCredentialByHand:
		return "Credentials regsync did not create"
	case ClassNoVaultCopy:
		return "Credentials without a Key Vault copy"
	case ClassVaultSecretOrphaned:
		return "Vault secrets whose credential is gone"
	case ClassConsentAdded:
		return "Consent added by hand"
	case ClassConsentRemoved:
		return "Consent removed by hand"
	case ClassSecretExpiring:
		return "Client secrets expiring"
	case ClassRoleAdded:
		return "Azure role assignments added by hand"
	case ClassRoleRemoved:
		return "Azure role assignments removed by hand"
	default:
		panic(fmt.Sprintf("internal error: unknown drift.Class %q", string(c)))
	}
}

// Severity tells whether an item counts as drift (exit code 2) or is a
// warning.
type Severity string

const (
	SeverityDrift   Severity = "drift"
	SeverityWarning Severity = "warning"
)

// Options tune Compute.
type Options struct {
	// Now is the report's clock; days left are counted from it. Required.
	Now time.Time
	// ExpiryWindow: a current client secret ending within it is reported.
	ExpiryWindow time.Duration
	// FailOnExpiry makes an expiring (not yet ended) secret drift instead of
	// a warning. A secret that has ended is always drift.
	FailOnExpiry bool
}

// Report is the result of Compute. It holds no secret value.
type Report struct {
	Tenant     planner.Tenant `json:"tenant"`
	Set        string         `json:"set"`
	SpecFile   string         `json:"spec_file"`
	SpecDigest string         `json:"spec_digest"`
	// CheckedAt is Options.Now.
	CheckedAt time.Time `json:"checked_at"`
	// ExpiryWindow is Options.ExpiryWindow, as "30d".
	ExpiryWindow string `json:"expiry_window"`
	FailOnExpiry bool   `json:"fail_on_expiry"`
	// Objects are the managed objects: every application, service principal
	// and client secret of the spec (InSpec), then objects found only in
	// the tenant that carry drift. Each is a test case in JUnit.
	Objects []Object `json:"objects"`
	// Items are the drift items, in class order, then object order.
	Items []Item `json:"items"`
	// Credentials are the password credentials of the spec's applications,
	// and the certificates regsync did not create on them and their service
	// principals, for the expiry timeline.
	Credentials []Credential `json:"credentials"`
	// Notices are information that is not drift: a client secret kept
	// for the overlap of a migration the plan carries out (to a
	// certificate or a federated credential). They never fail a check.
	Notices []Notice `json:"notices"`
	Summary Summary  `json:"summary"`
	// Reads is what reading the tenant cost; display only.
	Reads planner.Reads `json:"reads"`
}

// Object is one managed object: a JUnit test case.
type Object struct {
	// Address is e.g. applications.portal, applications.portal.service_principal,
	// applications.portal.secret, or key_vault.<vault>.secrets["<name>"].
	Address string `json:"address"`
	App     string `json:"app,omitempty"`
	// Type is application, service_principal, secret, vault_secret or
	// azure_resource.
	Type string `json:"type"`
	// InSpec is false for an object found only in the tenant.
	InSpec bool `json:"in_spec"`
}

// Item is one difference between the tenant and the spec.
type Item struct {
	Class    Class    `json:"class"`
	Severity Severity `json:"severity"`
	App      string   `json:"app,omitempty"`
	// Object is the address of the Object the item belongs to.
	Object string `json:"object"`
	// Address names exactly what differs (as in the plan).
	Address string `json:"address"`
	Message string `json:"message"`
	// Field, Expected and Actual describe a changed scalar (JSON values;
	// absent when the value is absent). Missing and Unexpected list the
	// elements of a set-like field that the spec expects but the tenant
	// lacks, and those the tenant has that the spec does not declare.
	Field      string          `json:"field,omitempty"`
	Expected   json.RawMessage `json:"expected,omitempty"`
	Actual     json.RawMessage `json:"actual,omitempty"`
	Missing    []string        `json:"missing,omitempty"`
	Unexpected []string        `json:"unexpected,omitempty"`
	// Credential is set on the credential and expiry classes.
	Credential *Credential `json:"credential,omitempty"`
	// Risk is "high" on a credential regsync did not create: someone can
	// sign in as the application with it. Empty otherwise.
	Risk string `json:"risk,omitempty"`
	// VaultSecret is set on ClassVaultSecretOrphaned.
	VaultSecret *VaultSecret `json:"vault_secret,omitempty"`
}

// Notice is information about an object that is not drift.
type Notice struct {
	App string `json:"app,omitempty"`
	// Object is the address of the Object the notice belongs to.
	Object string `json:"object"`
	// Address names what the notice is about (as in the plan).
	Address string `json:"address"`
	Message string `json:"message"`
	// Credential is the credential the notice is about, if any.
	Credential *Credential `json:"credential,omitempty"`
}

// Credential is a credential's metadata (never a value): a password
// credential, or, for a credential regsync did not create, a certificate
// or a federated credential too.
type Credential struct {
	App string `json:"app"`
	// Kind is password (absent: the default), certificate or federated.
	Kind string `json:"kind,omitempty"`
	// On is service_principal for a credential of the application's
	// service principal; absent for the application's own.
	On          string `json:"on,omitempty"`
	KeyID       string `json:"key_id"`
	DisplayName string `json:"display_name"`
	Managed     bool   `json:"managed"`
	// Type, Usage and Thumbprint describe a certificate; Issuer and
	// Subject a federated credential.
	Type       string `json:"type,omitempty"`
	Usage      string `json:"usage,omitempty"`
	Thumbprint string `json:"thumbprint,omitempty"`
	Issuer     string `json:"issuer,omitempty"`
	Subject    string `json:"subject,omitempty"`
	// Start and End are absent for a federated credential, which has no
	// lifetime.
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
	// DaysLeft counts whole days from CheckedAt to End; negative once ended.
	DaysLeft int `json:"days_left"`
	// Status is current (the managed credential in use), superseded (an
	// older managed one kept for the overlap), orphaned (no vault copy),
	// undeclared (managed, but the spec declares no secret), kept (managed,
	// the spec moved the application to a certificate or a federated
	// credential, and the overlap has not passed) or by_hand (not
	// regsync's).
	Status string `json:"status"`
	// Vault and VaultSecret name the Key Vault copy: the secret carrying the
	// keyId, else where the spec stores it; empty for credentials by hand.
	Vault       string `json:"vault,omitempty"`
	VaultSecret string `json:"vault_secret,omitempty"`
}

// Credential statuses.
const (
	StatusCurrent    = "current"
	StatusSuperseded = "superseded"
	StatusOrphaned   = "orphaned"
	StatusUndeclared = "undeclared"
	StatusKept       = "kept"
	StatusByHand     = "by_hand"
)

// VaultSecret is a Key Vault secret's metadata and regsync tags.
type VaultSecret struct {
	Vault    string     `json:"vault"`
	Name     string     `json:"name"`
	ClientID string     `json:"client_id,omitempty"`
	KeyID    string     `json:"key_id,omitempty"`
	Expires  *time.Time `json:"expires,omitempty"`
}

// Summary counts the items.
type Summary struct {
	// Drift counts items of severity drift, Warnings those of severity warning.
	Drift    int `json:"drift"`
	Warnings int `json:"warnings"`
	// Notices counts Report.Notices, which are not drift.
	Notices int `json:"notices"`
	// Classes has one entry per class, in report order, zero counts included.
	Classes []ClassCount `json:"classes"`
}

// ClassCount is the number of items of one class.
type ClassCount struct {
	Class Class `json:"class"`
	Count int   `json:"count"`
}

// HasDrift reports whether any item is drift (exit code 2).
func (r *Report) HasDrift() bool { return r.Summary.Drift > 0 }

// ItemsOf returns the items of one class, in report order.
func (r *Report) ItemsOf(c Class) []Item {
	var out []Item
	for _, it := range r.Items {
		if it.Class == c {
			out = append(out, it)
		}
	}
	return out
}

// ItemsFor returns the items of one object, in report order.
func (r *Report) ItemsFor(object string) []Item {
	return ofObject(r.Items, object, func(it Item) string { return it.Object })
}

// NoticesFor returns the notices of one object, in report order.
func (r *Report) NoticesFor(object string) []Notice {
	return ofObject(r.Notices, object, func(n Notice) string { return n.Object })
}

// ofObject keeps the entries of xs whose object (by objectOf) is object.
func ofObject[T any](xs []T, object string, objectOf func(T) string) []T {
	var out []T
	for _, x := range xs {
		if objectOf(x) == object {
			out = append(out, x)
		}
	}
	return out
}

// Line is the summary sentence every view ends with.
// Notices, which are not drift, are counted when there are any.
func (s Summary) Line() string {
	notices := ""
	if s.Notices > 0 {
		notices = plural(s.Notices, "notice", "notices")
	}
	switch {
	case s.Drift == 0 && s.Warnings == 0 && s.Notices == 0:
		return "No drift. The tenant matches the spec."
	case s.Drift == 0 && s.Warnings == 0:
		return fmt.Sprintf("No drift; %s.", notices)
	case s.Drift == 0:
		return fmt.Sprintf("No drift; %s.", joinCounts(plural(s.Warnings, "warning", "warnings"), notices))
	default:
		return fmt.Sprintf("Drift: %s.", joinCounts(plural(s.Drift, "item", "items"), plural(s.Warnings, "warning", "warnings"), notices))
	}
}

// joinCounts joins the non-empty counts with commas.
func joinCounts(counts ...string) string {
	var out []string
	for _, c := range counts {
		if c != "" {
			out = append(out, c)
		}
	}
	return strings.Join(out, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// parseWindow reads Report.ExpiryWindow back (the spec's duration syntax).
func parseWindow(s string) (time.Duration, error) { return spec.ParseDuration(s) }
