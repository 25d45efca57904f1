package kv

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// retentionDays is the soft-delete retention of every emulated vault: the
// documented default, which is also the longest a vault may be given.
// Source: soft-delete-overview ("7 to 90 calendar days ... default 90").
const retentionDays = 90

// recoveryLevel is the deletion recovery level reported for a vault that has
// soft delete on, the default 90-day retention and no purge protection.
const recoveryLevel = "Recoverable+Purgeable"

// stateFormat is the version of the document MarshalState writes.
const stateFormat = 1

// vault holds the secrets of one vault, keyed by lower-case name because
// Key Vault object names are case-insensitive.
type vault struct {
	Secrets      map[string]*secret      `json:"secrets"`
	Certificates map[string]*certificate `json:"certificates,omitempty"`

	// swept says a sweep has run since the vault was made or loaded, and
	// nextPurge is then the earliest purge date it left scheduled
	// (math.MaxInt64 for none), lowered by every soft delete since
	// (purgeScheduled): sweep, which runs before every request, walks the
	// vault only when a purge may be due.
	swept     bool
	nextPurge int64
}

// secret is one named secret with every version it ever had, oldest first;
// the last version is the current one. Deleted is set while the secret is
// soft-deleted.
type secret struct {
	Name     string     `json:"name"`
	Versions []*version `json:"versions"`
	Deleted  *deletion  `json:"deleted,omitempty"`
}

// deletion records when a secret was soft-deleted and when the service
// would purge it on its own.
type deletion struct {
	Date           int64 `json:"deletedDate"`
	ScheduledPurge int64 `json:"scheduledPurgeDate"`
}

// version is one immutable value of a secret with its mutable attributes.
// Times are Unix seconds, as on the wire.
type version struct {
	ID          string            `json:"id"`
	Value       string            `json:"value"`
	ContentType *string           `json:"contentType,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Enabled     bool              `json:"enabled"`
	NotBefore   *int64            `json:"nbf,omitempty"`
	Expires     *int64            `json:"exp,omitempty"`
	Created     int64             `json:"created"`
	Updated     int64             `json:"updated"`
	// Managed marks the secret version of a certificate (certs.go).
	Managed bool `json:"managed,omitempty"`
}

// current returns the newest version of s.
func (s *secret) current() *version {
	return s.Versions[len(s.Versions)-1]
}

// find returns the version of s whose id is id (compared without case), or
// nil.
func (s *secret) find(id string) *version {
	id = strings.ToLower(id)
	for _, v := range s.Versions {
		if v.ID == id {
			return v
		}
	}
	return nil
}

// sweep removes the secrets of v whose scheduled purge date has passed, as
// the service does at the end of the retention interval.
func (v *vault) sweep(now int64) {
	if v.swept && now < v.nextPurge {
		return
	}
	next := int64(math.MaxInt64)
	for key, s := range v.Secrets {
		if s.Deleted == nil {
			continue
		}
		if now >= s.Deleted.ScheduledPurge {
			delete(v.Secrets, key)
		} else {
			next = min(next, s.Deleted.ScheduledPurge)
		}
	}
	for key, c := range v.Certificates {
		if c.Deleted == nil {
			continue
		}
		if now >= c.Deleted.ScheduledPurge {
			delete(v.Certificates, key)
		} else {
			next = min(next, c.Deleted.ScheduledPurge)
		}
	}
	v.swept, v.nextPurge = true, next
}

// purgeScheduled notes a soft delete that is to be purged at at.
func (v *vault) purgeScheduled(at int64) { v.nextPurge = min(v.nextPurge, at) }

// sortedCertKeys returns the keys of v's certificates that satisfy keep,
// in order.
func (v *vault) sortedCertKeys(keep func(*certificate) bool) []string {
	var keys []string
	for key, c := range v.Certificates {
		if keep(c) {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	return keys
}

// sortedKeys returns the keys of v's secrets that satisfy keep, in order.
func (v *vault) sortedKeys(keep func(*secret) bool) []string {
	var keys []string
	for key, s := range v.Secrets {
		if keep(s) {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	return keys
}

// newVersionID returns a fresh object version: 32 lower-case hex digits, the
// form Key Vault documents for system-generated versions.
func newVersionID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand.Read does not fail on supported platforms.
		panic(fmt.Sprintf("kv: internal error: reading random bytes: %v", err))
	}
	return hex.EncodeToString(b[:])
}

// state is the document MarshalState writes and UnmarshalState reads.
type state struct {
	Format int               `json:"formatVersion"`
	Vaults map[string]*vault `json:"vaults"`
	Values []string          `json:"issuedValues"`
}

// MarshalState returns every vault, secret, version and deletion, and the
// list SecretValues reports, as JSON, so a restarted emulator can carry on
// where it stopped. The document holds secret values in clear text.
func (s *Server) MarshalState() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := json.Marshal(state{Format: stateFormat, Vaults: s.vaults, Values: s.values})
	if err != nil {
		return nil, fmt.Errorf("encoding key vault state: %w", err)
	}
	return b, nil
}

// UnmarshalState replaces the Server's state with one written by
// MarshalState. It rejects a document of another format version or one whose
// vaults or secrets break the invariants the handlers rely on, and then leaves
// the current state untouched.
func (s *Server) UnmarshalState(b []byte) error {
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("decoding key vault state: %w", err)
	}
	if st.Format != stateFormat {
		return fmt.Errorf("decoding key vault state: format version %d, want %d", st.Format, stateFormat)
	}
	if st.Vaults == nil {
		st.Vaults = map[string]*vault{}
	}
	for name, v := range st.Vaults {
		if !validVaultName(name) || name != strings.ToLower(name) {
			return fmt.Errorf("decoding key vault state: invalid vault name %q", name)
		}
		if v == nil {
			v = &vault{}
			st.Vaults[name] = v
		}
		if v.Secrets == nil {
			v.Secrets = map[string]*secret{}
		}
		for key, sec := range v.Secrets {
			if sec == nil || len(sec.Versions) == 0 || !validSecretName(sec.Name) || key != strings.ToLower(sec.Name) {
				return fmt.Errorf("decoding key vault state: vault %q: invalid secret %q", name, key)
			}
			for _, ver := range sec.Versions {
				if ver == nil || !validVersionID(ver.ID) {
					return fmt.Errorf("decoding key vault state: vault %q: secret %q: invalid version", name, key)
				}
			}
		}
		for key, c := range v.Certificates {
			if c == nil || len(c.Versions) == 0 || !validSecretName(c.Name) || key != strings.ToLower(c.Name) {
				return fmt.Errorf("decoding key vault state: vault %q: invalid certificate %q", name, key)
			}
			for _, ver := range c.Versions {
				if ver == nil || !validVersionID(ver.ID) || len(ver.DER) == 0 {
					return fmt.Errorf("decoding key vault state: vault %q: certificate %q: invalid version", name, key)
				}
			}
		}
	}
	seen := make(map[string]bool, len(st.Values))
	for _, v := range st.Values {
		seen[v] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vaults = st.Vaults
	s.values = st.Values
	s.seen = seen
	return nil
}

// Vaults returns the sorted names (lower case) of the vaults that hold a
// secret or ever held one.
func (s *Server) Vaults() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.vaults))
	for name := range s.vaults {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// SecretValues returns every secret value the Server has ever stored,
// including those of purged secrets, each once, in the order first stored.
// Tests scan outputs for these to prove nothing leaked.
func (s *Server) SecretValues() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.values...)
}

// remember adds value to the list SecretValues reports. The caller holds mu.
func (s *Server) remember(value string) {
	if s.seen[value] {
		return
	}
	s.seen[value] = true
	s.values = append(s.values, value)
}

// validVersionID reports whether id has the form of a version this package
// generates.
func validVersionID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range id {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
