package tenant

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies a failure at the tenant boundary. Retries and compensation
// switch on the kind, never on SDK types or message text.
type Kind int

const (
	// Unknown is a failure that fits no other kind; it is not retried.
	Unknown Kind = iota
	// NotFound: the object does not exist, or has not replicated yet.
	NotFound
	// Conflict: the object exists already, or collides with another.
	Conflict
	// Throttled: the service asked us to slow down (429); see RetryAfter.
	Throttled
	// Transient: a server-side failure worth retrying (5xx, timeouts).
	Transient
	// Forbidden: the caller lacks a permission (401/403).
	Forbidden
	// Invalid: the service rejected the request as malformed or against a rule.
	Invalid
)

func (k Kind) String() string {
	switch k {
	case Unknown:
		return "unknown"
	case NotFound:
		return "not found"
	case Conflict:
		return "conflict"
	case Throttled:
		return "throttled"
	case Transient:
		return "transient"
	case Forbidden:
		return "forbidden"
	case Invalid:
		return "invalid"
	default:
		panic(fmt.Sprintf("internal error: unknown tenant.Kind %d", int(k)))
	}
}

// Missing says what a NotFound is about.
type Missing int

const (
	// MissingObject: a directory object, the one the call addresses or one
	// it names (an assignment's principal, a grant's client).
	MissingObject Missing = iota
	// MissingAppRole: the app role an app-role assignment names is not on
	// the resource's service principal, or not yet: an application's new
	// role reaches its service principal some time after the write.
	MissingAppRole
)

// Error is a classified failure from Graph or Key Vault.
type Error struct {
	Kind Kind
	// Missing refines a NotFound: whether a directory object or an app role
	// could not be found. Whether that is replication lag depends on when
	// the caller made it, so callers decide per Missing.
	Missing Missing
	// Code is the service's error code (e.g. Request_ResourceNotFound), for
	// messages and for the few documented codes that refine a kind.
	Code       string
	Message    string
	Status     int
	RetryAfter time.Duration // zero when the service gave none
	Err        error         // underlying error, may be nil
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Code != "" {
		return fmt.Sprintf("%s (%s)", msg, e.Code)
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of the first *Error in err's chain, or Unknown.
func KindOf(err error) Kind {
	var te *Error
	if errors.As(err, &te) {
		return te.Kind
	}
	return Unknown
}

// MissingOf returns what the first *Error in err's chain says is missing;
// MissingObject when there is none.
func MissingOf(err error) Missing {
	var te *Error
	if errors.As(err, &te) {
		return te.Missing
	}
	return MissingObject
}

// Retryable reports whether an error of this kind may succeed if tried again.
func (k Kind) Retryable() bool { return k == Throttled || k == Transient }
