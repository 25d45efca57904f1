package applier

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/planner"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s (-want +got):\n%s", path, d)
	}
}

func secs(f float64) *float64 { return &f }

// sampleEvents is one apply's progress with every kind of line: creates,
// an update step, a delete, a retry, an adoption, a failure with
// compensation, a skip, an interruption and the summary.
func sampleEvents() []Event {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ev := func(typ EventType, action, addr string, op planner.Op, ot planner.ObjectType) Event {
		return Event{Type: typ, Time: at, Action: action, Address: addr, App: "portal", Op: op, ObjectType: ot}
	}
	e := []Event{{Type: EventApplyStart, Time: at, Actions: 7}}
	e = append(e, ev(EventActionStart, "applications.portal:create", "applications.portal", planner.OpCreate, planner.TypeApplication))
	r := ev(EventActionRetry, "applications.portal:create", "applications.portal", planner.OpCreate, planner.TypeApplication)
	r.Kind, r.Attempt, r.DelaySeconds, r.Error = "throttled", 1, 10, "Too many requests (TooManyRequests)"
	e = append(e, r)
	f := ev(EventActionFinish, "applications.portal:create", "applications.portal", planner.OpCreate, planner.TypeApplication)
	f.Status, f.ElapsedSeconds, f.ObjectID = StatusOK, secs(12.4), "0f0aec7b-ac5b-4f89-9fac-e9044ba5a309"
	e = append(e, f)
	f = ev(EventActionFinish, "applications.portal.service_principal:create", "applications.portal.service_principal", planner.OpCreate, planner.TypeServicePrincipal)
	f.Status, f.ElapsedSeconds, f.ObjectID, f.Detail = StatusOK, secs(0.3), "9028d19c-26a9-4809-8e3f-20ff73e2d75e", "adopted the existing service principal of appId 631a96bc-a705-4eda-9f99-fdaf9f54f6a2"
	e = append(e, f)
	s := ev(EventActionStart, "applications.fhir-api:disable", "applications.fhir-api", planner.OpUpdate, planner.TypeApplication)
	s.Step = "disable"
	e = append(e, s)
	f = s
	f.Type, f.Status, f.ElapsedSeconds, f.ObjectID = EventActionFinish, StatusOK, secs(1.6), "03ef14b0-ca33-4840-8f4f-d6e91916010e"
	e = append(e, f)
	f = ev(EventActionFinish, "applications.old:delete", "applications.old", planner.OpDelete, planner.TypeApplication)
	f.Status, f.ElapsedSeconds = StatusOK, secs(0)
	e = append(e, f)
	f = ev(EventActionFinish, "applications.portal.secret:create", "applications.portal.secret", planner.OpCreate, planner.TypeSecret)
	f.Status, f.ElapsedSeconds, f.Detail = StatusFailed, secs(3.2), "Key Vault write failed; credential f0b0b335-1d71-4883-8f98-567911bfdca6 removed again"
	f.Error = "storing the new client secret in Key Vault kv as portal-client-secret failed: vault unavailable; the new credential f0b0b335-1d71-4883-8f98-567911bfdca6 was removed again"
	e = append(e, f)
	f = ev(EventActionFinish, `applications.portal.owners["u1"]:create`, `applications.portal.owners["u1"]`, planner.OpCreate, planner.TypeOwner)
	f.Status = StatusSkipped
	e = append(e, f)
	f = ev(EventActionFinish, "applications.viewer:create", "applications.viewer", planner.OpCreate, planner.TypeApplication)
	f.Status = StatusCancelled
	e = append(e, f)
	e = append(e, Event{Type: EventApplyComplete, Time: at, Summary: &Summary{Added: 2, Changed: 1, Destroyed: 1, Failed: 1, Skipped: 2}})
	return e
}

func TestTextEvents(t *testing.T) {
	for _, tc := range []struct {
		file   string
		colour bool
		events []Event
	}{
		{"text/progress.golden", false, sampleEvents()},
		{"text/progress-colour.golden", true, sampleEvents()},
		{"text/complete.golden", false, []Event{{Type: EventApplyComplete, Summary: &Summary{Added: 3, Changed: 1}}}},
	} {
		var b bytes.Buffer
		out := TextEvents(&b, tc.colour)
		for _, e := range tc.events {
			out(e)
		}
		golden(t, tc.file, b.Bytes())
	}
}

func TestJSONEvents(t *testing.T) {
	var b bytes.Buffer
	out := JSONEvents(&b)
	for _, e := range sampleEvents() {
		out(e)
	}
	golden(t, "json/progress.ndjson", b.Bytes())
}

func TestSummaryLine(t *testing.T) {
	for _, tc := range []struct {
		s    Summary
		want string
	}{
		{Summary{}, "Apply complete! 0 added, 0 changed, 0 destroyed."},
		{Summary{Added: 5, Changed: 2, Destroyed: 1}, "Apply complete! 5 added, 2 changed, 1 destroyed."},
		{Summary{Added: 1, Failed: 1, Skipped: 3}, "Apply incomplete! 1 added, 0 changed, 0 destroyed; 1 failed, 3 not run."},
	} {
		if got := tc.s.Line(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.s, got, tc.want)
		}
	}
}
