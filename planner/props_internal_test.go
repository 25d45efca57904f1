package planner

import (
	"testing"

	"github.com/regsync/regsync/tenant"
)

// TestStructuredPropertiesHaveDiffers: every structured row of the property
// table has a differ, and every differ a row.
func TestStructuredPropertiesHaveDiffers(t *testing.T) {
	rows := map[string]bool{}
	for _, p := range tenant.Properties {
		if p.Kind != tenant.PropStructured {
			continue
		}
		rows[p.Plan] = true
		if structuredDiffs[p.Plan] == nil {
			t.Errorf("structured property %s has no differ in structuredDiffs", p.Plan)
		}
	}
	for name := range structuredDiffs {
		if !rows[name] {
			t.Errorf("structuredDiffs has %s, which is no structured row of tenant.Properties", name)
		}
	}
}
