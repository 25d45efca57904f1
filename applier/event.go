package applier

import (
	"encoding/json"
	"io"
	"time"

	"github.com/regsync/regsync/planner"
)

// EventType names a progress event. The names are part of the NDJSON
// output of `regsync apply --format json`: change them on purpose only.
type EventType string

const (
	// EventApplyStart: the apply begins; Actions counts the plan's actions.
	EventApplyStart EventType = "apply_start"
	// EventActionStart: an action is sent.
	EventActionStart EventType = "action_start"
	// EventActionRetry: a call of the action failed and is retried after
	// DelaySeconds; Kind is the failure's kind, Attempt the failed try.
	EventActionRetry EventType = "action_retry"
	// EventReadRetry: a read the apply makes for itself (the set's
	// applications, listed once before the creates) failed and is retried
	// after DelaySeconds; Kind and Attempt as for EventActionRetry. The
	// command line sends the retries of the plan's own read as the same
	// event.
	EventReadRetry EventType = "read_retry"
	// EventActionFinish: an action ended with Status (ok, failed, skipped,
	// cancelled), after ElapsedSeconds when it ran.
	EventActionFinish EventType = "action_finish"
	// EventApplyComplete: every action has ended; Summary counts them.
	EventApplyComplete EventType = "apply_complete"
)

// Event is one step of an apply's progress, fit for one NDJSON line. It
// never holds a secret value: the applier puts none in an event, and the
// errors it carries come from calls whose answers hold none.
type Event struct {
	Type       EventType          `json:"type"`
	Time       time.Time          `json:"time"`
	Action     string             `json:"action,omitempty"`
	Address    string             `json:"address,omitempty"`
	App        string             `json:"app,omitempty"`
	Op         planner.Op         `json:"op,omitempty"`
	ObjectType planner.ObjectType `json:"object_type,omitempty"`
	Step       string             `json:"step,omitempty"`
	Status     Status             `json:"status,omitempty"`
	// ElapsedSeconds is set on the finish of an action that ran.
	ElapsedSeconds *float64 `json:"elapsed_seconds,omitempty"`
	// ObjectID is the id of what the action created or adopted.
	ObjectID string `json:"object_id,omitempty"`
	Detail   string `json:"detail,omitempty"`
	Error    string `json:"error,omitempty"`
	// Kind, Attempt and DelaySeconds describe a retry.
	Kind         string   `json:"kind,omitempty"`
	Attempt      int      `json:"attempt,omitempty"`
	DelaySeconds float64  `json:"delay_seconds,omitempty"`
	Actions      int      `json:"actions,omitempty"`
	Summary      *Summary `json:"summary,omitempty"`
}

func actionEvent(t EventType, a *planner.Action) Event {
	return Event{Type: t, Action: a.ID, Address: a.Address, App: a.App, Op: a.Op, ObjectType: a.Type, Step: a.Step}
}

// JSONEvents returns an Options.Events function that writes each event to
// w as one line of JSON (NDJSON). Write errors are dropped: progress is
// not worth failing an apply for.
func JSONEvents(w io.Writer) func(Event) {
	enc := json.NewEncoder(w)
	return func(e Event) { _ = enc.Encode(e) }
}
