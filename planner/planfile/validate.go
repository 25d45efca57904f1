package planfile

import (
	"fmt"
	"strings"

	"github.com/regsync/regsync/planner"
)

// opsByType lists the operations the applier implements for each object
// type. The applier treats anything else as an internal error and panics, so
// a plan read from a file is checked against this table first.
var opsByType = map[planner.ObjectType][]planner.Op{
	planner.TypeApplication:         {planner.OpCreate, planner.OpUpdate, planner.OpDelete},
	planner.TypeServicePrincipal:    {planner.OpCreate, planner.OpUpdate, planner.OpDelete},
	planner.TypeOwner:               {planner.OpCreate, planner.OpDelete},
	planner.TypeFederatedCredential: {planner.OpCreate, planner.OpUpdate, planner.OpDelete},
	planner.TypeSecret:              {planner.OpCreate, planner.OpDelete},
	planner.TypeCertificate:         {planner.OpCreate, planner.OpDelete},
	planner.TypeAppRoleAssignment:   {planner.OpCreate, planner.OpDelete},
	planner.TypePermissionGrant:     {planner.OpCreate, planner.OpUpdate, planner.OpDelete},
	planner.TypeRoleAssignment:      {planner.OpCreate, planner.OpDelete},
	planner.TypeCredential:          {planner.OpDelete},
}

// validate checks the shape of a decoded plan: every action has a known op,
// type and step, an op its type supports, exactly the payload its type
// names, an id no other action has, and dependencies only on actions listed
// before it. It does not judge whether the
// actions are the right ones; that is Match's job, against a fresh plan.
func validate(p *planner.Plan) error {
	seen := make(map[string]bool, len(p.Actions))
	for i, a := range p.Actions {
		if a == nil {
			return fmt.Errorf("actions[%d] is null", i)
		}
		at := fmt.Sprintf("actions[%d] (%s)", i, a.ID)
		if a.ID == "" {
			return fmt.Errorf("actions[%d] has no id", i)
		}
		if seen[a.ID] {
			return fmt.Errorf("%s: id %q appears twice", at, a.ID)
		}
		seen[a.ID] = true
		if !a.Op.Valid() {
			return fmt.Errorf("%s: unknown op %q (want create, update or delete)", at, a.Op)
		}
		if !a.Type.Valid() {
			return fmt.Errorf("%s: unknown type %q (want %s)", at, a.Type, typeList())
		}
		if !planner.ValidStep(a.Step) {
			return fmt.Errorf("%s: unknown step %q (want %s, %s, %s or none)", at, a.Step,
				planner.StepDisable, planner.StepPreAuthorize, planner.StepRenew)
		}
		if !supports(a.Type, a.Op) {
			return fmt.Errorf("%s: op %q is not possible for type %q", at, a.Op, a.Type)
		}
		for _, d := range a.DependsOn {
			if !seen[d] || d == a.ID {
				return fmt.Errorf("%s: depends_on %q is not an earlier action of the plan", at, d)
			}
		}
		set := payloads(a)
		if len(set) != 1 || set[0] != a.Type {
			return fmt.Errorf("%s: type %q needs exactly the %q payload, found %s", at, a.Type, string(a.Type), payloadList(set))
		}
		if c := a.Credential; c != nil {
			// The applier removes a certificate from either object and a
			// password from a service principal (an application's goes as
			// a secret action).
			ok := (c.Kind == planner.KindCertificate && (c.On == planner.OnApplication || c.On == planner.OnServicePrincipal)) ||
				(c.Kind == planner.KindPassword && c.On == planner.OnServicePrincipal)
			if !ok {
				return fmt.Errorf("%s: a %q credential on %q is not one the applier removes", at, c.Kind, c.On)
			}
		}
	}
	return nil
}

func supports(t planner.ObjectType, op planner.Op) bool {
	for _, o := range opsByType[t] {
		if o == op {
			return true
		}
	}
	return false
}

// payloads lists the types whose payload field a carries.
func payloads(a *planner.Action) []planner.ObjectType {
	var out []planner.ObjectType
	add := func(set bool, t planner.ObjectType) {
		if set {
			out = append(out, t)
		}
	}
	add(a.Application != nil, planner.TypeApplication)
	add(a.ServicePrincipal != nil, planner.TypeServicePrincipal)
	add(a.Owner != nil, planner.TypeOwner)
	add(a.FederatedCredential != nil, planner.TypeFederatedCredential)
	add(a.Secret != nil, planner.TypeSecret)
	add(a.Certificate != nil, planner.TypeCertificate)
	add(a.AppRoleAssignment != nil, planner.TypeAppRoleAssignment)
	add(a.PermissionGrant != nil, planner.TypePermissionGrant)
	add(a.RoleAssignment != nil, planner.TypeRoleAssignment)
	add(a.Credential != nil, planner.TypeCredential)
	return out
}

func payloadList(ts []planner.ObjectType) string {
	if len(ts) == 0 {
		return "none"
	}
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = fmt.Sprintf("%q", string(t))
	}
	return strings.Join(s, ", ")
}

func typeList() string {
	s := make([]string, len(planner.ObjectTypes))
	for i, t := range planner.ObjectTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}
