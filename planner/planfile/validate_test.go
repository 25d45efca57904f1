package planfile_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/regsync/regsync/planner/planfile"
)

// An action the applier could not run is refused when the file is read,
// with the field and the value named: the applier panics on an unknown op
// or type by design, so nothing of the kind may reach it.
func TestReadRejectsActions(t *testing.T) {
	tests := []struct {
		name string
		edit func(t *testing.T, plan map[string]any)
		want string
	}{
		{"unknown op", func(t *testing.T, plan map[string]any) { action(t, plan, jobUpdate)["op"] = "explode" },
			`actions[2] (applications.job:update): unknown op "explode" (want create, update or delete)`},
		{"unknown type", func(t *testing.T, plan map[string]any) { action(t, plan, jobUpdate)["type"] = "x" },
			`actions[2] (applications.job:update): unknown type "x" (want application, service_principal, owner, federated_credential, secret, certificate, app_role_assignment, permission_grant, credential, role_assignment)`},
		{"unknown step", func(t *testing.T, plan map[string]any) { action(t, plan, jobSecret)["step"] = "detonate" },
			`actions[5] (applications.job.secret:create): unknown step "detonate" (want disable, pre-authorize, renew or none)`},
		{"op the type lacks", func(t *testing.T, plan map[string]any) { action(t, plan, jobAssign)["op"] = "update" },
			`op "update" is not possible for type "app_role_assignment"`},
		{"payload of another type", func(t *testing.T, plan map[string]any) { action(t, plan, jobSecret)["type"] = "owner" },
			`actions[5] (applications.job.secret:create): type "owner" needs exactly the "owner" payload, found "secret"`},
		{"no payload", func(t *testing.T, plan map[string]any) { delete(action(t, plan, jobUpdate), "application") },
			`type "application" needs exactly the "application" payload, found none`},
		{"two payloads", func(t *testing.T, plan map[string]any) {
			action(t, plan, jobUpdate)["owner"] = map[string]any{"application_id": "a", "owner_id": "b"}
		}, `found "application", "owner"`},
		{"duplicate id", func(t *testing.T, plan map[string]any) { action(t, plan, jobSecret)["id"] = jobUpdate },
			`actions[5] (applications.job:update): id "applications.job:update" appears twice`},
		{"dependency on nothing", func(t *testing.T, plan map[string]any) {
			action(t, plan, jobSecret)["depends_on"] = []any{"applications.payroll:create"}
		}, `depends_on "applications.payroll:create" is not an earlier action of the plan`},
		{"dependency on a later action", func(t *testing.T, plan map[string]any) {
			action(t, plan, jobUpdate)["depends_on"] = []any{jobSecret}
		}, `depends_on "applications.job.secret:create" is not an earlier action of the plan`},
		{"null action", func(t *testing.T, plan map[string]any) { plan["actions"].([]any)[1] = nil },
			`actions[1] is null`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := editPlan(t, savedFixture(t), func(plan map[string]any) { tc.edit(t, plan) })
			_, err := planfile.Read(bytes.NewReader(data))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasSuffix(err.Error(), "run regsync plan again") {
				t.Errorf("Read = %v\nwant an error containing %q that ends with the fix", err, tc.want)
			}
		})
	}
}
