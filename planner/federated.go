package planner

import (
	"strings"
	"time"

	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// A client moving from a client secret to a federated credential keeps the
// secret for the overlap after the federated credential was added. Graph
// records no creation time on a federatedIdentityCredential, so the apply
// that adds it writes the time at the end of its description (which Graph
// keeps as given, up to 600 characters): the text the spec declares, a
// space, then the record, e.g.
//
//	Nightly import job regsync:added=2026-11-30T06:50:00Z
//
// The record lives on the credential itself: it is read with it (no other
// request), goes when it goes, and needs no Key Vault write. The spec's
// description is limited to 560 characters so that the record always fits
// (FederatedRecordReserve). Plan, drift and export compare and show the
// description without the record.
//
// A declared federated credential with no readable record (made by hand,
// or its description edited) is taken as added when the next apply writes
// a record on it: the secret is kept for a whole overlap from then. That
// never removes a secret sooner than the overlap after regsync first saw
// the federated credential, and a re-run converges without a manual step.

// federatedRecordKey starts the record in a description (the spec
// refuses a declared description that holds it).
const federatedRecordKey = spec.FederatedRecordKey

// FederatedRecordReserve is the part of a federated credential's 600
// characters of description that regsync keeps for its record.
const FederatedRecordReserve = 40

// federatedRecordLayout is the record's time format: UTC, whole seconds.
const federatedRecordLayout = "2006-01-02T15:04:05Z"

// FederatedAdded returns the time recorded in a federated credential's
// description and whether a readable record is there.
func FederatedAdded(description string) (time.Time, bool) {
	_, rec, ok := splitFederatedRecord(description)
	return rec, ok
}

// FederatedDescription is a federated credential's description without
// regsync's record: the text the spec declares.
func FederatedDescription(description string) string {
	text, _, _ := splitFederatedRecord(description)
	return text
}

// WithFederatedRecord returns text (a description without a record) with
// the record of t appended.
func WithFederatedRecord(text string, t time.Time) string {
	rec := federatedRecordKey + t.UTC().Truncate(time.Second).Format(federatedRecordLayout)
	if text == "" {
		return rec
	}
	return text + " " + rec
}

// splitFederatedRecord splits a description into the declared text and
// the record. A description whose end is not a readable record is all
// text (ok false).
func splitFederatedRecord(description string) (text string, added time.Time, ok bool) {
	i := strings.LastIndex(description, federatedRecordKey)
	if i < 0 || (i > 0 && description[i-1] != ' ') {
		return description, time.Time{}, false
	}
	t, err := time.Parse(federatedRecordLayout, description[i+len(federatedRecordKey):])
	if err != nil {
		return description, time.Time{}, false
	}
	if i > 0 {
		i--
	}
	return description[:i], t, true
}

// federatedSuccessor is the earliest recorded addition among the live
// federated credentials the spec declares, and its name; ok false when
// none of them carries a readable record.
func federatedSuccessor(st *appState) (name string, added time.Time, ok bool) {
	if st.live == nil {
		return "", time.Time{}, false
	}
	declared := map[string]bool{}
	for _, fc := range st.spec.FederatedCredentials {
		declared[fc.Name] = true
	}
	for _, fc := range st.live.FederatedCredentials {
		if !declared[fc.Name] {
			continue
		}
		if t, has := FederatedAdded(fc.Description); has && (!ok || t.Before(added) || t.Equal(added) && fc.Name < name) {
			name, added, ok = fc.Name, t, true
		}
	}
	return name, added, ok
}

// movingToFederated reports whether the application is moving from a
// client secret to a federated credential: the spec declares federated
// credentials and neither a secret nor a certificate, and the application
// still holds a client secret regsync made.
func (b *builder) movingToFederated(st *appState) bool {
	if st.live == nil || st.spec.Secret != nil || st.spec.Certificate != nil || len(st.spec.FederatedCredentials) == 0 {
		return false
	}
	managed := ManagedSecretName(b.spec.Set, st.key)
	for _, c := range st.live.PasswordCredentials {
		if c.DisplayName == managed {
			return true
		}
	}
	return false
}

// liveFederatedDescription is what a live credential's description should
// become when an update writes text: the record, if it has a readable one,
// is kept.
func liveFederatedDescription(h tenant.FederatedCredential, text string) string {
	if t, ok := FederatedAdded(h.Description); ok {
		return WithFederatedRecord(text, t)
	}
	return text
}
