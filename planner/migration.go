package planner

import (
	"fmt"
	"time"

	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// SecretMigration is a client moving from its client secret to a
// certificate or to a federated credential: the spec declares no secret
// but one of those. The new credential is added first; regsync's client
// secrets are kept for the overlap after it arrived, then removed. The
// planner (planSecrets) and drift both decide by it, so a plan that keeps a
// secret and a drift report that does not count it as drift say the same.
type SecretMigration struct {
	// To is KindCertificate or KindFederated.
	To CredentialKind
	// Successor names the new credential on the application: a
	// certificate's keyId, a federated credential's name. Empty when no
	// managed certificate is there yet, or no declared federated
	// credential carries a readable record of when it was added.
	Successor string
	// Since is when the successor started (a certificate's startDateTime)
	// or was added (the record in a federated credential's description);
	// zero when Successor is empty.
	Since time.Time
	// Overlap is how long the secrets stay after Since: the certificate's
	// overlap, or defaults.secrets.overlap for a federated credential.
	Overlap time.Duration
}

// SecretMigrationOf returns the migration of app (a spec application) away
// from its client secret, given its live application (nil when missing);
// ok is false when the spec declares a secret, or neither a certificate
// nor federated credentials. Whether the application still holds a
// client secret of regsync's is for the caller to ask.
func SecretMigrationOf(desired *spec.Spec, app *spec.Application, live *tenant.Application) (m SecretMigration, ok bool) {
	if app == nil || app.Secret != nil {
		return m, false
	}
	switch {
	case app.Certificate != nil:
		m = SecretMigration{To: KindCertificate, Overlap: app.Certificate.Overlap}
		if live != nil {
			if keys := ManagedKeyCredentials(desired.Set, app.Key, live.KeyCredentials); len(keys) > 0 {
				m.Successor, m.Since = keys[0].KeyID, keys[0].Start.UTC()
			}
		}
		return m, true
	case len(app.FederatedCredentials) > 0:
		m = SecretMigration{To: KindFederated, Overlap: desired.Defaults.Secrets.Overlap}
		if name, added, recorded := federatedSuccessor(&appState{spec: app, live: live}); recorded {
			m.Successor, m.Since = name, added.UTC()
		}
		return m, true
	}
	return m, false
}

// Keeps reports whether the secrets are still kept at now: no successor
// is known yet, or its overlap has not passed.
func (m SecretMigration) Keeps(now time.Time) bool {
	return m.Since.IsZero() || m.Since.Add(m.Overlap).After(now)
}

// Until is the end of the overlap; zero while no successor is known.
func (m SecretMigration) Until() time.Time {
	if m.Since.IsZero() {
		return time.Time{}
	}
	return m.Since.Add(m.Overlap)
}

// what names the kind of the new credential.
func (m SecretMigration) what() string {
	if m.To == KindCertificate {
		return "certificate"
	}
	return "federated credential"
}

// KeptNote says why client secret keyID is kept (while Keeps).
func (m SecretMigration) KeptNote(keyID string) string {
	if m.Successor == "" {
		return fmt.Sprintf("client secret %s is kept until the %s that replaces it has been on the application for the overlap (%s)",
			keyID, m.what(), formatDuration(m.Overlap))
	}
	if m.To == KindCertificate {
		return fmt.Sprintf("client secret %s is kept until %s (overlap %s after certificate %s started)",
			keyID, day(m.Until()), formatDuration(m.Overlap), m.Successor)
	}
	return fmt.Sprintf("client secret %s is kept until %s (overlap %s after federated credential %q was added)",
		keyID, day(m.Until()), formatDuration(m.Overlap), m.Successor)
}

// RemovalReason says why the secrets go once the overlap has passed.
func (m SecretMigration) RemovalReason() string {
	if m.To == KindCertificate {
		return fmt.Sprintf("the spec moved this application to a certificate; certificate %s started %s, more than overlap %s ago",
			m.Successor, day(m.Since), formatDuration(m.Overlap))
	}
	return fmt.Sprintf("the spec moved this application to a federated credential; federated credential %q was added %s, more than overlap %s ago",
		m.Successor, day(m.Since), formatDuration(m.Overlap))
}
