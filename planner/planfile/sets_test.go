package planfile_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/planner/planfile"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// twoSets is the fixture's set and a second set, "billing", of the same
// tenant, each with its snapshot and plan.
func twoSets(t *testing.T) (specs []*spec.Spec, lives []*tenant.Snapshot, plans []*planner.Plan) {
	t.Helper()
	s, live, p := fixture(t)
	other, ds := spec.Parse("billing.yaml", []byte(strings.Replace(specYAML, "set: demo", "set: billing", 1)))
	if ds.HasErrors() {
		t.Fatal(ds.Format())
	}
	live2 := &tenant.Snapshot{Organization: live.Organization}
	p2, ds := planner.Compute(other, live2, planner.Options{Now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	if ds.HasErrors() {
		t.Fatal(ds.Format())
	}
	return []*spec.Spec{s, other}, []*tenant.Snapshot{live, live2}, []*planner.Plan{p, p2}
}

// Several sets make one version 1.1 file; each set reads back with its own
// plan, spec digest and fingerprints, and is checked on its own.
func TestSetsRoundTrip(t *testing.T) {
	specs, lives, plans := twoSets(t)
	var buf bytes.Buffer
	if err := planfile.WriteSets(&buf, []planfile.Entry{{Plan: plans[0], Live: lives[0]}, {Plan: plans[1], Live: lives[1]}}, "v1.2.3"); err != nil {
		t.Fatal(err)
	}
	var head struct {
		FormatVersion string            `json:"format_version"`
		Sets          []json.RawMessage `json:"sets"`
	}
	if err := json.Unmarshal(buf.Bytes(), &head); err != nil {
		t.Fatal(err)
	}
	if head.FormatVersion != planfile.FormatVersionSets || len(head.Sets) != 2 {
		t.Fatalf("format_version %q with %d sets, want %q with 2", head.FormatVersion, len(head.Sets), planfile.FormatVersionSets)
	}
	f, err := planfile.Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Sets) != 2 || f.Plan != nil || f.BinaryVersion != "v1.2.3" {
		t.Fatalf("read %d sets (top-level plan %v, binary %q)", len(f.Sets), f.Plan != nil, f.BinaryVersion)
	}
	for i, s := range f.Sets {
		if d := cmp.Diff(plans[i], s.Plan); d != "" {
			t.Errorf("set %d after round trip (-want +got):\n%s", i, d)
		}
		if s.Set != specs[i].Set || s.SpecDigest != specs[i].Digest || s.TenantID != tenantID {
			t.Errorf("set %d header %+v", i, s)
		}
		if err := f.CheckSet(s, "v1.2.3", specs[i].Digest, tenantID, lives[i]); err != nil {
			t.Errorf("set %d: CheckSet on an unchanged tenant: %v", i, err)
		}
		if err := s.Match(plans[i]); err != nil {
			t.Errorf("set %d: Match of its own plan: %v", i, err)
		}
	}
	// A change in the first set's objects makes that set stale, not the other.
	changed := *lives[0]
	changed.Applications = []*tenant.Application{{ID: "obj-job", AppID: "app-job", DisplayName: "renamed", Tags: lives[0].Applications[0].Tags}}
	if err := f.CheckSet(f.Sets[0], "v1.2.3", specs[0].Digest, tenantID, &changed); !errors.Is(err, planfile.ErrStale) {
		t.Errorf("CheckSet of a changed set: %v, want stale", err)
	}
	if err := f.CheckSet(f.Sets[1], "v1.2.3", specs[1].Digest, tenantID, lives[1]); err != nil {
		t.Errorf("the unchanged set: %v", err)
	}
	if err := f.Check("v1.2.3", specs[0].Digest, tenantID, lives[0]); err == nil {
		t.Error("Check, which is for one set, passed a file of two")
	}
	// One entry is written as version 1, byte for byte what Write writes.
	var one, direct bytes.Buffer
	if err := planfile.WriteSets(&one, []planfile.Entry{{Plan: plans[0], Live: lives[0]}}, "v1.2.3"); err != nil {
		t.Fatal(err)
	}
	if err := planfile.Write(&direct, plans[0], "v1.2.3", lives[0]); err != nil {
		t.Fatal(err)
	}
	if one.String() != direct.String() {
		t.Error("WriteSets of one set differs from Write")
	}
	g, err := planfile.Read(&one)
	if err != nil || len(g.Sets) != 1 || g.Sets[0].Plan == nil || g.Plan != g.Sets[0].Plan {
		t.Errorf("a version 1 file reads as one set: %v", err)
	}
}

// A version 1.1 file is read as strictly as a version 1 file.
func TestSetsReadRefuses(t *testing.T) {
	_, lives, plans := twoSets(t)
	var buf bytes.Buffer
	if err := planfile.WriteSets(&buf, []planfile.Entry{{Plan: plans[0], Live: lives[0]}, {Plan: plans[1], Live: lives[1]}}, "v1"); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	oneSet := func() string {
		d := map[string]any{"format_version": doc["format_version"], "binary_version": doc["binary_version"], "sets": doc["sets"].([]any)[:1]}
		b, _ := json.Marshal(d)
		return string(b)
	}()
	twice := func() string {
		sets := doc["sets"].([]any)
		d := map[string]any{"format_version": doc["format_version"], "binary_version": doc["binary_version"], "sets": []any{sets[0], sets[0]}}
		b, _ := json.Marshal(d)
		return string(b)
	}()
	for _, tc := range []struct{ name, data, want string }{
		{"unknown field", strings.Replace(good, `"binary_version"`, `"surprise": 1, "binary_version"`, 1), `unknown field "surprise"`},
		{"a version 1 field", strings.Replace(good, `"binary_version"`, `"set": "demo", "binary_version"`, 1), `unknown field "set"`},
		{"header disagrees", strings.Replace(good, `"set": "billing"`, `"set": "other"`, 1), "does not match the file's header"},
		{"one set", oneSet, "holds 1 sets, and needs two or more"},
		{"a set twice", twice, `set "demo" of tenant ` + tenantID + " appears twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := planfile.Read(strings.NewReader(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Read = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
