package applier

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/regsync/regsync/planner"
)

// TextEvents returns an Options.Events function that prints progress the
// way terraform does: a line when an action starts, one when it ends with
// its elapsed time and the id it made (or its error), one per retry, and
// the summary line at the end:
//
//	applications.portal: Creating...
//	applications.portal: Creation complete after 2s [id=…]
//	Apply complete! 3 added, 0 changed, 0 destroyed.
//
// colour adds ANSI colours (green done, red failed, yellow retried or not
// run); the caller decides, from the terminal and NO_COLOR / CI.
func TextEvents(w io.Writer, colour bool) func(Event) {
	t := &textRenderer{w: w, colour: colour}
	return t.event
}

type textRenderer struct {
	w      io.Writer
	colour bool
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
)

func (t *textRenderer) paint(code, s string) string {
	if !t.colour {
		return s
	}
	return code + s + ansiReset
}

// verbs are terraform's words for an operation: in progress, done, failed.
func verbs(op planner.Op) (doing, done, noun string) {
	switch op {
	case planner.OpCreate:
		return "Creating...", "Creation complete", "Creation"
	case planner.OpUpdate:
		return "Modifying...", "Modifications complete", "Modification"
	case planner.OpDelete:
		return "Destroying...", "Destruction complete", "Destruction"
	default:
		panic(fmt.Sprintf("internal error: unknown planner.Op %q", string(op)))
	}
}

func label(e Event) string {
	if e.Step != "" {
		return e.Address + " (" + e.Step + ")"
	}
	return e.Address
}

// elapsed rounds like terraform: whole seconds, "0s" for quick ones.
func elapsed(sec float64) string {
	return (time.Duration(sec * float64(time.Second))).Round(time.Second).String()
}

func (t *textRenderer) event(e Event) {
	switch e.Type {
	case EventApplyStart:
	case EventActionStart:
		doing, _, _ := verbs(e.Op)
		fmt.Fprintf(t.w, "%s: %s\n", t.paint(ansiBold, label(e)), doing)
	case EventActionRetry:
		doing, _, _ := verbs(e.Op)
		fmt.Fprintf(t.w, "%s: Still %s %s\n", t.paint(ansiBold, label(e)), strings.ToLower(doing[:1])+doing[1:],
			t.paint(ansiYellow, fmt.Sprintf("%s, retrying in %s (attempt %d)", e.Kind, elapsedOrSub(e.DelaySeconds), e.Attempt+1)))
	case EventReadRetry:
		fmt.Fprintf(t.w, "Reading the set: %s\n", t.paint(ansiYellow, fmt.Sprintf("%s, retrying in %s (attempt %d)", e.Kind, elapsedOrSub(e.DelaySeconds), e.Attempt+1)))
	case EventActionFinish:
		t.finish(e)
	case EventApplyComplete:
		if e.Summary == nil {
			return
		}
		code := ansiGreen
		if e.Summary.Failed > 0 || e.Summary.Skipped > 0 {
			code = ansiRed
		}
		fmt.Fprintf(t.w, "\n%s\n", t.paint(ansiBold+code, e.Summary.Line()))
	default:
		panic(fmt.Sprintf("internal error: unknown applier.EventType %q", string(e.Type)))
	}
}

// elapsedOrSub prints delays below a second in milliseconds.
func elapsedOrSub(sec float64) string {
	d := time.Duration(sec * float64(time.Second))
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

func (t *textRenderer) finish(e Event) {
	_, done, noun := verbs(e.Op)
	var took string
	if e.ElapsedSeconds != nil {
		took = " after " + elapsed(*e.ElapsedSeconds)
	}
	name := t.paint(ansiBold, label(e))
	switch e.Status {
	case StatusOK:
		line := done + took
		if e.ObjectID != "" {
			line += " [id=" + e.ObjectID + "]"
		}
		if e.Detail != "" {
			line += " (" + e.Detail + ")"
		}
		fmt.Fprintf(t.w, "%s: %s\n", name, t.paint(ansiGreen, line))
	case StatusFailed:
		// The error says what happened, compensation included.
		line := noun + " failed" + took
		fmt.Fprintf(t.w, "%s: %s: %s\n", name, t.paint(ansiRed, line), e.Error)
	case StatusSkipped:
		fmt.Fprintf(t.w, "%s: %s\n", name, t.paint(ansiYellow, "Skipped: an action it depends on did not succeed"))
	case StatusCancelled:
		fmt.Fprintf(t.w, "%s: %s\n", name, t.paint(ansiYellow, "Not started: the apply was interrupted"))
	default:
		panic(fmt.Sprintf("internal error: unknown applier.Status %q", string(e.Status)))
	}
}
