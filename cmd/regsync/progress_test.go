package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/applier"
	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant/tenanttest"
)

// fakeClock is a settable time for the heartbeat.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// Without a terminal: a heartbeat after 10 s of silence while reading and
// while applying, none while events flow.
func TestProgressHeartbeat(t *testing.T) {
	var errb, out bytes.Buffer
	clock := &fakeClock{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := &progress{w: &errb, out: &out, now: clock.now, every: heartbeatEvery}
	p.prefix.w = &out
	p.start, p.last = clock.now(), clock.now()
	reqs := 0
	c := newReadCount(func() int { return reqs })
	c.add(40)
	p.reading(c)
	reqs = 12
	clock.t = clock.t.Add(9 * time.Second)
	p.tick()
	if errb.Len() != 0 {
		t.Fatalf("heartbeat before 10s: %q", errb.String())
	}
	clock.t = clock.t.Add(2 * time.Second)
	p.tick()
	p.tick()
	if got := errb.String(); got != "Still reading the tenant: 12 of 40 requests so far (11s elapsed)\n" {
		t.Errorf("reading heartbeat %q", got)
	}
	p.readDone()
	errb.Reset()

	events := p.applyEvents(applier.TextEvents(&p.prefix, false))
	events(applier.Event{Type: applier.EventApplyStart, Actions: 3})
	events(applier.Event{Type: applier.EventActionFinish, Address: "applications.a", Op: planner.OpCreate, Status: applier.StatusOK})
	clock.t = clock.t.Add(5 * time.Second)
	p.tick()
	clock.t = clock.t.Add(6 * time.Second)
	p.tick()
	if got := errb.String(); got != "Still applying: 1 of 3 actions done (22s elapsed)\n" {
		t.Errorf("applying heartbeat %q", got)
	}
	// No counter without a terminal.
	if strings.Contains(out.String(), "[1/3]") {
		t.Errorf("counter without a terminal:\n%s", out.String())
	}
	events(applier.Event{Type: applier.EventApplyComplete, Summary: &applier.Summary{}})
	errb.Reset()
	clock.t = clock.t.Add(time.Minute)
	p.tick()
	if errb.Len() != 0 {
		t.Errorf("heartbeat after the apply: %q", errb.String())
	}
}

// On a terminal: a live line while reading, cleared before other output,
// and [n/m] before each finished action.
func TestProgressOnATerminal(t *testing.T) {
	var errb, out bytes.Buffer
	clock := &fakeClock{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := &progress{w: &errb, out: &out, tty: true, now: clock.now, every: heartbeatEvery}
	p.prefix.w = &out
	p.start, p.last = clock.now(), clock.now()
	reqs := 7
	c := newReadCount(func() int { return reqs })
	c.add(20)
	p.reading(c)
	reqs = 19 // 12 sent
	clock.t = clock.t.Add(3 * time.Second)
	p.tick()
	c.add(2) // two more pages revealed
	reqs = 20
	clock.t = clock.t.Add(time.Second)
	p.tick()
	reqs = 30 // more sent than known (retries): the total is never below
	p.tick()
	p.readRetry(1, tenanttest.Throttled(2*time.Second), 2*time.Second)
	p.readDone()
	want := "\r\x1b[KReading tenant: 12 of 20 requests (3s)" +
		"\r\x1b[KReading tenant: 13 of 22 requests (4s)" +
		"\r\x1b[KReading tenant: 23 of 23 requests (4s)" +
		"\r\x1b[KReading tenant: throttled, retrying in 2s (attempt 2): too many requests\n"
	if !strings.HasPrefix(errb.String(), want) {
		t.Errorf("stderr %q, want %q", errb.String(), want)
	}
	events := p.applyEvents(applier.TextEvents(&p.prefix, false))
	events(applier.Event{Type: applier.EventApplyStart, Actions: 998})
	events(applier.Event{Type: applier.EventActionStart, Address: "applications.a", Op: planner.OpCreate})
	for i := 0; i < 312; i++ {
		events(applier.Event{Type: applier.EventActionFinish, Address: "applications.a", Op: planner.OpCreate, Status: applier.StatusOK})
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if lines[0] != "applications.a: Creating..." || lines[312] != "[312/998] applications.a: Creation complete" {
		t.Errorf("first and last lines %q, %q", lines[0], lines[312])
	}
}

// With --format json a read's retry is a read_retry event on stdout.
func TestProgressReadRetryJSON(t *testing.T) {
	var errb, out bytes.Buffer
	p := &progress{w: &errb, out: &out, now: time.Now, json: true}
	p.events = applier.JSONEvents(&out)
	p.readRetry(2, tenanttest.Throttled(time.Second), time.Second)
	var ev applier.Event
	if err := json.Unmarshal(out.Bytes(), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Type != "read_retry" || ev.Kind != "throttled" || ev.Attempt != 2 || ev.DelaySeconds != 1 {
		t.Errorf("event %+v", ev)
	}
	if errb.Len() != 0 {
		t.Errorf("stderr %q", errb.String())
	}
}

// A throttled read against the fake: the retry is printed on stderr by
// plan, and sent as an event by apply --format json.
func TestReadRetriesShown(t *testing.T) {
	file := writeSpec(t, "billing.yaml", billingSpec)
	f := tenanttest.New(time.Now)
	f.InjectVaultCall("ListSecrets", 1, tenanttest.Throttled(10*time.Millisecond))
	_, stderr := runFake(t, f, exitOK, "plan", "-f", file)
	if !strings.Contains(stderr, "Reading tenant: throttled, retrying in 10ms (attempt 2)") {
		t.Errorf("plan stderr: %q", stderr)
	}
	f.InjectVaultCall("ListSecrets", 1, tenanttest.Throttled(10*time.Millisecond))
	out, _ := runFake(t, f, exitOK, "apply", "-f", file, "--auto-approve", "--format", "json")
	var kinds []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev applier.Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not NDJSON: %q", line)
		}
		kinds = append(kinds, string(ev.Type))
	}
	if len(kinds) < 3 || kinds[0] != "read_retry" || kinds[1] != "apply_start" {
		t.Errorf("events %v", kinds)
	}
}
