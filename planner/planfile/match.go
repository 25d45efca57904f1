package planfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/planner/render"
)

// ErrMismatch is wrapped by every error Match returns.
var ErrMismatch = errors.New("the saved plan does not match a fresh plan")

// MismatchError names the first difference between a saved plan and a
// fresh plan of the same spec and tenant.
type MismatchError struct {
	// Difference says where the two differ and how, e.g.
	// `action applications.portal:update: application.object_id is "a" in the file, "b" in a fresh plan`.
	Difference string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("%s: %s. The file was changed after regsync plan wrote it, or it was made from other inputs; "+
		"run regsync plan again and review the new plan before applying it", ErrMismatch, e.Difference)
}

func (e *MismatchError) Unwrap() error { return ErrMismatch }

// Match reports whether the saved plan is the program a fresh plan would
// run. fresh must be computed now, by this binary, from the spec the file
// names against a fresh read of the tenant, with the options the file
// records (its planned_at as the clock, its prune). A plan is applied only
// when Match returns nil: the fingerprints (Check) say quickly and precisely
// that the inputs changed; Match makes sure the actions in the file are the
// ones those inputs give, whatever was edited.
//
// Compared: the plan's set, tenant, spec digest, prune and planned_at, the
// list of actions in order, and of each action everything the applier reads:
// id, op, type, app, address, step, depends_on (as a set: the applier waits
// for all of them, in no order) and its payload, field by field. Not
// compared, because no write depends on them: an action's description,
// reason, changes and risks, the names read from the directory for display
// (see executable), and the plan's applications, notes, summary and reads.
// The error names the first difference, in the order of the file.
//
// A File has it through its SetPlan (the one set of a version 1 file).
func (s *SetPlan) Match(fresh *planner.Plan) error {
	saved := s.Plan
	if saved == nil || fresh == nil {
		return &MismatchError{Difference: "there is no plan to compare"}
	}
	// Compare both sides after the same JSON round trip, so that nothing
	// but content (nil or empty, a time's location) can differ.
	raw, err := render.MarshalJSON(fresh)
	if err != nil {
		return fmt.Errorf("comparing with a fresh plan: %w", err)
	}
	fresh, err = render.UnmarshalJSON(raw)
	if err != nil {
		return fmt.Errorf("comparing with a fresh plan: %w", err)
	}
	if d := matchPlans(saved, fresh); d != "" {
		return &MismatchError{Difference: d}
	}
	return nil
}

// matchPlans returns the first difference between saved and fresh, or "".
func matchPlans(saved, fresh *planner.Plan) string {
	if saved.Set != fresh.Set {
		return fmt.Sprintf("the file is for set %q, but spec %s manages set %q", saved.Set, fresh.SpecFile, fresh.Set)
	}
	if !strings.EqualFold(saved.Tenant.ID, fresh.Tenant.ID) {
		return fmt.Sprintf("the file is for tenant %s, a fresh plan for tenant %s", saved.Tenant.ID, fresh.Tenant.ID)
	}
	if saved.Tenant.Spec != fresh.Tenant.Spec {
		return fmt.Sprintf("tenant.spec is %q in the file, %q in a fresh plan", saved.Tenant.Spec, fresh.Tenant.Spec)
	}
	if saved.SpecDigest != fresh.SpecDigest {
		return fmt.Sprintf("spec_digest is %s in the file, %s in a fresh plan", saved.SpecDigest, fresh.SpecDigest)
	}
	if saved.Prune != fresh.Prune {
		return fmt.Sprintf("prune is %t in the file, %t in a fresh plan", saved.Prune, fresh.Prune)
	}
	if !saved.PlannedAt.Equal(fresh.PlannedAt) {
		return fmt.Sprintf("planned_at is %s in the file, %s in a fresh plan", saved.PlannedAt.Format(timeFormat), fresh.PlannedAt.Format(timeFormat))
	}

	freshByID := make(map[string]*planner.Action, len(fresh.Actions))
	freshPos := make(map[string]int, len(fresh.Actions))
	for i, a := range fresh.Actions {
		freshByID[a.ID] = a
		freshPos[a.ID] = i
	}
	savedIDs := make(map[string]bool, len(saved.Actions))
	for _, a := range saved.Actions {
		savedIDs[a.ID] = true
		b := freshByID[a.ID]
		if b == nil {
			return fmt.Sprintf("the file has action %s (%s %s %s), which a fresh plan does not have", a.ID, a.Op, a.Type, a.Address)
		}
		if path, x, y := firstDifference(executable(a), executable(b)); path != "" {
			return fmt.Sprintf("action %s: %s is %s in the file, %s in a fresh plan", a.ID, path, x, y)
		}
	}
	for _, b := range fresh.Actions {
		if !savedIDs[b.ID] {
			return fmt.Sprintf("the file lacks action %s (%s %s %s), which a fresh plan has", b.ID, b.Op, b.Type, b.Address)
		}
	}
	for i, a := range saved.Actions {
		if j := freshPos[a.ID]; i != j {
			return fmt.Sprintf("action %s is actions[%d] in the file, actions[%d] in a fresh plan", a.ID, i, j)
		}
	}
	return ""
}

const timeFormat = "2006-01-02T15:04:05Z07:00"

// executable returns a copy of a without its display-only fields and with
// depends_on sorted, which is what Match compares.
//
// The names read from the directory for display go too: an owner's
// (owner.object), and the user's or group's an assignment is for
// (principal). The ids beside them are compared; a rename between plan and
// apply changes no write, and the fingerprints do not cover those names,
// so comparing them would refuse a plan nothing has made stale. (A user or
// group the spec names is fingerprinted by itself.)
func executable(a *planner.Action) planner.Action {
	c := *a
	c.Description, c.Reason, c.Changes, c.Risks = "", "", nil, nil
	c.DependsOn = slices.Clone(a.DependsOn)
	slices.Sort(c.DependsOn)
	if a.Owner != nil {
		o := *a.Owner
		o.Object = nil
		c.Owner = &o
	}
	if a.AppRoleAssignment != nil {
		x := *a.AppRoleAssignment
		x.Principal = ""
		c.AppRoleAssignment = &x
	}
	if a.RoleAssignment != nil {
		x := *a.RoleAssignment
		x.Principal = ""
		c.RoleAssignment = &x
	}
	return c
}

// firstDifference compares x and y and returns the JSON path of the first
// difference (in field order) with both values as JSON, or "" when they are
// equal.
func firstDifference(x, y any) (path, vx, vy string) {
	var r firstDiffReporter
	if cmp.Equal(x, y, cmp.Reporter(&r)) {
		return "", "", ""
	}
	if !r.found {
		return "the action", "one thing", "another"
	}
	return r.where, r.x, r.y
}

// firstDiffReporter remembers the first unequal value cmp reports: its
// path and both values, spelled at once (cmp reuses its path steps).
type firstDiffReporter struct {
	path  cmp.Path
	found bool
	where string
	x, y  string
}

func (r *firstDiffReporter) PushStep(ps cmp.PathStep) { r.path = append(r.path, ps) }
func (r *firstDiffReporter) PopStep()                 { r.path = r.path[:len(r.path)-1] }
func (r *firstDiffReporter) Report(rs cmp.Result) {
	if rs.Equal() || r.found {
		return
	}
	r.found = true
	r.where = jsonPath(r.path)
	a, b := r.path.Last().Values()
	r.x, r.y = jsonValue(a), jsonValue(b)
}

// jsonPath spells a cmp path with the JSON names of the plan format, e.g.
// application.fields.web_redirect_uris[1].
func jsonPath(p cmp.Path) string {
	var b strings.Builder
	for i, step := range p {
		switch s := step.(type) {
		case cmp.StructField:
			name := s.Name()
			if i > 0 {
				parent := p[i-1].Type()
				for parent.Kind() == reflect.Pointer {
					parent = parent.Elem()
				}
				if sf, ok := parent.FieldByName(s.Name()); ok {
					if tag, _, _ := strings.Cut(sf.Tag.Get("json"), ","); tag != "" && tag != "-" {
						name = tag
					}
				}
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(name)
		case cmp.SliceIndex:
			k := s.Key()
			if k < 0 {
				kx, ky := s.SplitKeys()
				k = max(kx, ky)
			}
			b.WriteString("[" + strconv.Itoa(k) + "]")
		case cmp.MapIndex:
			fmt.Fprintf(&b, "[%v]", s.Key())
		}
	}
	if b.Len() == 0 {
		return "the action"
	}
	return b.String()
}

// jsonValue renders one side of a difference; an invalid value is a field
// or element the side does not have.
func jsonValue(v reflect.Value) string {
	if !v.IsValid() {
		return "absent"
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		if v.IsNil() {
			return "absent"
		}
	}
	data, err := json.Marshal(v.Interface())
	if err != nil {
		return fmt.Sprintf("%v", v.Interface())
	}
	const most = 120
	if len(data) > most {
		return string(data[:most]) + "…"
	}
	return string(data)
}
