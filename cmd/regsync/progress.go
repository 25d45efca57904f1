package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/regsync/regsync/applier"
	"github.com/regsync/regsync/tenant"
)

// heartbeatEvery is how long progress output may stay silent without a
// terminal before a "Still …" line says regsync is alive and where it is.
const heartbeatEvery = 10 * time.Second

// tickEvery is how often the live line on a terminal is redrawn and the
// heartbeat is considered.
const tickEvery = 250 * time.Millisecond

// progress tells a user what a long read or apply is doing. On a terminal
// it keeps a live line ("Reading tenant: 12 requests") on stderr and puts a
// counter ("[312/998]") before each finished action; without one it writes
// a heartbeat line after heartbeatEvery of silence. Every retry of a read
// is printed (text) or sent as a read_retry event (JSON); the applier
// reports the retries of writes itself.
//
// Its methods are safe for concurrent use; output goes through one lock,
// so a heartbeat never lands inside another line.
type progress struct {
	mu    sync.Mutex
	w     io.Writer // stderr, for the live line and heartbeats
	out   io.Writer // where events go (stdout)
	tty   bool      // w is a terminal: live line, counter
	now   func() time.Time
	every time.Duration
	start time.Time
	last  time.Time // last output
	live  bool      // a live line is on the screen
	phase string    // "reading" or "applying"
	reqs  func() int
	total int
	done  int
	// events renders an event of the apply (text or JSON) for readRetry;
	// it is called with mu held, so it must not be applyEvents' wrapper.
	events func(applier.Event)
	json   bool
	prefix prefixWriter
	stop   chan struct{}
	wg     sync.WaitGroup
}

func (e *env) newProgress(jsonEvents bool) *progress {
	p := &progress{w: e.Err, out: e.Out, tty: e.ErrTTY, now: time.Now, every: heartbeatEvery, json: jsonEvents}
	p.prefix.w = e.Out
	return p
}

// run starts the ticker; close stops it.
func (p *progress) run() {
	p.stop = make(chan struct{})
	p.start, p.last = p.now(), p.now()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(tickEvery)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.tick()
			}
		}
	}()
}

func (p *progress) close() {
	if p.stop != nil {
		close(p.stop)
		p.wg.Wait()
		p.stop = nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLive()
}

// reading says the tenant is being read; reqs counts the requests so far.
func (p *progress) reading(reqs func() int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase, p.reqs, p.last = "reading", reqs, p.now()
}

// readDone ends the reading phase and clears the live line.
func (p *progress) readDone() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLive()
	p.phase = ""
}

// readRetry reports a retry of a read: a line on stderr, or a read_retry
// event with --format json.
func (p *progress) readRetry(attempt int, err error, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLive()
	kind := tenant.KindOf(err).String()
	if p.json && p.events != nil {
		p.events(applier.Event{Type: eventReadRetry, Time: p.now().UTC(), Kind: kind, Attempt: attempt, DelaySeconds: d.Seconds(), Error: err.Error()})
	} else {
		fmt.Fprintf(p.w, "Reading tenant: %s, retrying in %s (attempt %d): %v\n", kind, roundDelay(d), attempt+1, err)
	}
	p.last = p.now()
}

// eventReadRetry is the NDJSON event of a read's retry, beside the
// applier's action_retry; the applier's own reads send it too.
const eventReadRetry = applier.EventReadRetry

func roundDelay(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// applyEvents wraps the apply's rendering: it counts actions, numbers the
// finished ones on a terminal, and keeps the heartbeat quiet while events
// flow.
func (p *progress) applyEvents(render func(applier.Event)) func(applier.Event) {
	return func(ev applier.Event) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.clearLive()
		switch ev.Type {
		case applier.EventApplyStart:
			p.phase, p.total, p.done = "applying", ev.Actions, 0
		case applier.EventActionFinish:
			p.done++
			if p.tty && !p.json {
				p.prefix.prefix = fmt.Sprintf("[%d/%d] ", p.done, p.total)
			}
		case applier.EventApplyComplete:
			p.phase = ""
		}
		render(ev)
		p.prefix.prefix = ""
		p.last = p.now()
	}
}

// tick redraws the live line on a terminal, or writes a heartbeat after
// p.every of silence.
func (p *progress) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.phase == "" {
		return
	}
	now := p.now()
	if p.tty {
		if p.phase == "reading" {
			fmt.Fprintf(p.w, "\r\x1b[KReading tenant: %d requests (%s)", p.reqs(), now.Sub(p.start).Round(time.Second))
			p.live = true
		}
		return
	}
	if now.Sub(p.last) < p.every {
		return
	}
	elapsed := now.Sub(p.start).Round(time.Second)
	switch p.phase {
	case "reading":
		fmt.Fprintf(p.w, "Still reading the tenant: %d requests so far (%s elapsed)\n", p.reqs(), elapsed)
	case "applying":
		fmt.Fprintf(p.w, "Still applying: %d of %d actions done (%s elapsed)\n", p.done, p.total, elapsed)
	}
	p.last = now
}

func (p *progress) clearLive() {
	if p.live {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.live = false
	}
}

// prefixWriter puts prefix before what it writes while prefix is set: the
// applier writes each event's line in one call.
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (pw *prefixWriter) Write(b []byte) (int, error) {
	if pw.prefix == "" || len(b) == 0 || b[0] == '\n' {
		return pw.w.Write(b)
	}
	if _, err := io.WriteString(pw.w, pw.prefix); err != nil {
		return 0, err
	}
	return pw.w.Write(b)
}
