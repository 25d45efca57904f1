package planner_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/regsync/regsync/planner"
)

// TestNoChangeShowsAnEqualValue: in every golden scenario, no field change
// shows a value that does not change: a scalar's before and after differ,
// and no element is both added and removed.
func TestNoChangeShowsAnEqualValue(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*/spec.yaml")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, specPath := range dirs {
		dir := filepath.Dir(specPath)
		p := goldenPlan(t, dir)
		for _, a := range p.Actions {
			for _, c := range a.Changes {
				checkChange(t, filepath.Base(dir), a, c)
			}
		}
	}
}

func checkChange(t *testing.T, name string, a *planner.Action, c planner.Change) {
	t.Helper()
	if c.Before != nil && c.After != nil && bytes.Equal(c.Before, c.After) {
		t.Errorf("%s: %s: %s shows %s -> %s, which is no change", name, a.ID, c.Path, c.Before, c.After)
	}
	removed := map[string]bool{}
	for _, r := range c.Removed {
		removed[r] = true
	}
	for _, x := range c.Added {
		if removed[x] {
			t.Errorf("%s: %s: %s both adds and removes %s", name, a.ID, c.Path, x)
		}
	}
	if c.Before == nil && c.After == nil && len(c.Added)+len(c.Removed) == 0 {
		t.Errorf("%s: %s: %s is a change with nothing in it", name, a.ID, c.Path)
	}
}
