package tenant

import (
	"encoding/json"
	"log/slog"
)

// SecretValue holds a client secret in memory between addPassword and the
// Key Vault write. Every way of printing it — fmt verbs, JSON, slog — yields
// a redaction marker; only Reveal gives the value, and only the Key Vault
// writer calls it.
type SecretValue struct{ v string }

// NewSecretValue wraps a value returned by Graph.
func NewSecretValue(v string) SecretValue { return SecretValue{v: v} }

// Redacted is what a SecretValue prints as.
const Redacted = "[redacted]"

// Reveal returns the secret. Call it only to hand the value to the vault.
func (s SecretValue) Reveal() string { return s.v }

// IsZero reports whether no value is held.
func (s SecretValue) IsZero() bool { return s.v == "" }

func (s SecretValue) String() string   { return Redacted }
func (s SecretValue) GoString() string { return Redacted }

// MarshalJSON never emits the value.
func (s SecretValue) MarshalJSON() ([]byte, error) { return json.Marshal(Redacted) }

// MarshalText never emits the value.
func (s SecretValue) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// LogValue never emits the value.
func (s SecretValue) LogValue() slog.Value { return slog.StringValue(Redacted) }
