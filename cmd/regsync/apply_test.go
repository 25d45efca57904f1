package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// payrollSpec is a second set in the same tenant: what an edited plan of
// the FHIR set must never reach.
const payrollSpec = `version: 1
tenant: contoso.onmicrosoft.com
set: payroll-prod
applications:
  payroll:
    kind: service
`

// savedPlanWorld is an embedded emulator's state directory holding the
// payroll set, and a saved plan of the FHIR example against it.
type savedPlanWorld struct {
	dir, plan string
	// payrollID is the object id of the payroll set's application.
	payrollID, payrollAppID string
}

func newSavedPlanWorld(t *testing.T) *savedPlanWorld {
	t.Helper()
	if testing.Short() {
		t.Skip("starts the embedded emulator")
	}
	return buildSavedPlanWorld(t, t.TempDir())
}

// copy returns a world of its own with the same tenant and saved plan.
func (w *savedPlanWorld) copy(t *testing.T) *savedPlanWorld {
	t.Helper()
	c := *w
	c.dir = t.TempDir()
	c.plan = filepath.Join(c.dir, filepath.Base(w.plan))
	if err := os.CopyFS(c.dir, os.DirFS(w.dir)); err != nil {
		t.Fatal(err)
	}
	return &c
}

func buildSavedPlanWorld(t *testing.T, dir string) *savedPlanWorld {
	t.Helper()
	w := &savedPlanWorld{dir: dir}
	w.plan = filepath.Join(w.dir, "fhir.plan")
	payroll := writeSpec(t, "payroll.yaml", payrollSpec)
	w.mustRun(t, exitOK, "apply", "--local="+w.dir, "-f", payroll, "--auto-approve")
	w.payrollID, w.payrollAppID = w.findApp(t, "regsync:set=payroll-prod")
	w.mustRun(t, exitOK, "plan", "--local="+w.dir, "-f", fhirExample, "-out", w.plan)
	return w
}

func (w *savedPlanWorld) mustRun(t *testing.T, want int, args ...string) (string, string) {
	t.Helper()
	e, out, errb := liveEnv()
	if code := runWith(context.Background(), e, args); code != want {
		t.Fatalf("regsync %s: exit %d, want %d\n%s\n%s", strings.Join(args, " "), code, want, out, errb)
	}
	return out.String(), errb.String()
}

// state returns the emulator's saved tenant: it changes with every write.
func (w *savedPlanWorld) state(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(w.dir, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// findApp returns the object id and appId of the one application in the
// emulator's state that carries tag.
func (w *savedPlanWorld) findApp(t *testing.T, tag string) (string, string) {
	t.Helper()
	var doc any
	if err := json.Unmarshal(w.state(t), &doc); err != nil {
		t.Fatal(err)
	}
	var id, appID string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if tags, ok := v["tags"].([]any); ok && v["appId"] != nil && v["servicePrincipalType"] == nil {
				for _, x := range tags {
					if x == tag {
						id, _ = v["id"].(string)
						appID, _ = v["appId"].(string)
					}
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	if id == "" || appID == "" {
		t.Fatalf("no application tagged %s in the emulator's state", tag)
	}
	return id, appID
}

// edit rewrites the saved plan: what anyone who can change the file between
// plan and apply can do.
func (w *savedPlanWorld) edit(t *testing.T, f func(doc, plan map[string]any, actions []any) []any) {
	t.Helper()
	data, err := os.ReadFile(w.plan)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	plan := doc["plan"].(map[string]any)
	plan["actions"] = f(doc, plan, plan["actions"].([]any))
	if data, err = json.MarshalIndent(doc, "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.plan, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// firstOf returns the first action of the given type.
func firstOf(t *testing.T, actions []any, typ string) map[string]any {
	t.Helper()
	for _, a := range actions {
		if m := a.(map[string]any); m["type"] == typ {
			return m
		}
	}
	t.Fatalf("no %s action in the plan", typ)
	return nil
}

// TestApplyRefusesAnEditedPlan: a saved plan whose actions are not those a
// fresh plan of its spec has is refused with exit 1, the first difference
// named, and not one write to the tenant. Before apply compared the file
// with a fresh plan, each of these edits was applied (or, for the unknown
// op, type and step, made the applier panic).
func TestApplyRefusesAnEditedPlan(t *testing.T) {
	tests := []struct {
		name string
		edit func(t *testing.T, w *savedPlanWorld, doc, plan map[string]any, actions []any) []any
		want string
	}{
		{
			name: "owner added to another set's application",
			edit: func(t *testing.T, w *savedPlanWorld, _, _ map[string]any, actions []any) []any {
				firstOf(t, actions, "owner")["owner"].(map[string]any)["application_id"] = w.payrollID
				return actions
			},
			want: `owner.application_id is "PAYROLL" in the file, "${applications.fhir-api.object_id}" in a fresh plan`,
		},
		{
			name: "secret of an application outside the set, to the editor's vault",
			edit: func(t *testing.T, w *savedPlanWorld, _, _ map[string]any, actions []any) []any {
				return append(actions, map[string]any{
					"id": "applications.payroll.secret:create", "op": "create", "type": "secret", "app": "payroll",
					"address": "applications.payroll.secret", "description": "add client secret",
					"secret": map[string]any{"application_id": w.payrollID, "app_id": w.payrollAppID,
						"display_name": "regsync:fhir-prod:payroll", "managed": true, "vault": "attacker-kv",
						"secret_name": "loot", "lifetime_seconds": 86400},
				})
			},
			want: "the file has action applications.payroll.secret:create (create secret applications.payroll.secret), which a fresh plan does not have",
		},
		{
			name: "secret sent to the editor's vault",
			edit: func(t *testing.T, w *savedPlanWorld, _, _ map[string]any, actions []any) []any {
				firstOf(t, actions, "secret")["secret"].(map[string]any)["vault"] = "attacker-kv"
				return actions
			},
			want: `secret.vault is "attacker-kv" in the file, "contoso-fhir-kv" in a fresh plan`,
		},
		{
			name: "delete of an application outside the set",
			edit: func(t *testing.T, w *savedPlanWorld, _, _ map[string]any, actions []any) []any {
				return append(actions, map[string]any{
					"id": "applications.payroll:delete", "op": "delete", "type": "application", "app": "payroll",
					"address": "applications.payroll", "description": "delete application",
					"application": map[string]any{"object_id": w.payrollID, "app_id": w.payrollAppID},
				})
			},
			want: "the file has action applications.payroll:delete (delete application applications.payroll), which a fresh plan does not have",
		},
		{
			name: "payload field changed",
			edit: func(t *testing.T, w *savedPlanWorld, _, _ map[string]any, actions []any) []any {
				fields := actions[0].(map[string]any)["application"].(map[string]any)["fields"].(map[string]any)
				fields["sign_in_audience"] = "AzureADandPersonalMicrosoftAccount"
				return actions
			},
			want: `action applications.fhir-api:create: application.fields.sign_in_audience is "AzureADandPersonalMicrosoftAccount" in the file, "AzureADMyOrg" in a fresh plan`,
		},
		{
			name: "action removed",
			edit: func(t *testing.T, w *savedPlanWorld, _, _ map[string]any, actions []any) []any {
				owner := firstOf(t, actions, "owner")
				var kept []any
				for _, a := range actions {
					if a.(map[string]any)["id"] != owner["id"] {
						kept = append(kept, a)
					}
				}
				return kept
			},
			want: "the file lacks action applications.fhir-api.owners[",
		},
		{
			name: "another set",
			edit: func(t *testing.T, w *savedPlanWorld, doc, plan map[string]any, actions []any) []any {
				doc["set"], plan["set"] = "payroll-prod", "payroll-prod"
				return actions
			},
			want: `the file is for set "payroll-prod", but spec ../../examples/fhir/registrations.yaml manages set "fhir-prod"`,
		},
		{
			// It could make credentials look older than they are, so
			// renew or remove them early.
			name: "planned_at in the future",
			edit: func(t *testing.T, w *savedPlanWorld, _, plan map[string]any, actions []any) []any {
				plan["planned_at"] = "2030-01-01T00:00:00Z"
				return actions
			},
			want: "planned_at 2030-01-01T00:00:00Z is later than now (",
		},
		{
			name: "unknown op",
			edit: func(t *testing.T, w *savedPlanWorld, _, _ map[string]any, actions []any) []any {
				actions[0].(map[string]any)["op"] = "explode"
				return actions
			},
			want: `actions[0] (applications.fhir-api:create): unknown op "explode" (want create, update or delete)`,
		},
		{
			name: "unknown type",
			edit: func(t *testing.T, w *savedPlanWorld, _, _ map[string]any, actions []any) []any {
				actions[0].(map[string]any)["type"] = "x"
				return actions
			},
			want: `actions[0] (applications.fhir-api:create): unknown type "x"`,
		},
		{
			name: "unknown step",
			edit: func(t *testing.T, w *savedPlanWorld, _, _ map[string]any, actions []any) []any {
				actions[0].(map[string]any)["step"] = "detonate"
				return actions
			},
			want: `actions[0] (applications.fhir-api:create): unknown step "detonate"`,
		},
	}
	base := newSavedPlanWorld(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := base.copy(t)
			w.edit(t, func(doc, plan map[string]any, actions []any) []any { return tc.edit(t, w, doc, plan, actions) })
			before := w.state(t)
			out, errb := w.mustRun(t, exitError, "apply", "--local="+w.dir, w.plan, "--auto-approve")
			want := strings.ReplaceAll(tc.want, "PAYROLL", w.payrollID)
			if !strings.Contains(errb, want) {
				t.Errorf("stderr does not name the difference %q:\n%s", want, errb)
			}
			if !strings.Contains(errb, "run regsync plan again") {
				t.Errorf("stderr does not say what to do:\n%s", errb)
			}
			if strings.Contains(out, "Creating") || strings.Contains(out, "Apply complete") {
				t.Errorf("stdout shows an apply:\n%s", out)
			}
			if !bytes.Equal(before, w.state(t)) {
				t.Error("the refused apply changed the tenant")
			}
		})
	}
}

// An untouched saved plan applies, and so does one whose depends_on lists
// are reordered: they are sets to the applier, which waits for all of each.
// (This also shows the test above can see a write: the state changes.)
func TestApplySavedPlanDependsOnOrder(t *testing.T) {
	w := newSavedPlanWorld(t)
	w.edit(t, func(_, _ map[string]any, actions []any) []any {
		for _, a := range actions {
			if deps, ok := a.(map[string]any)["depends_on"].([]any); ok {
				for i, j := 0, len(deps)-1; i < j; i, j = i+1, j-1 {
					deps[i], deps[j] = deps[j], deps[i]
				}
			}
		}
		return actions
	})
	before := w.state(t)
	out, _ := w.mustRun(t, exitOK, "apply", "--local="+w.dir, w.plan, "--auto-approve")
	if !strings.Contains(out, "Apply complete!") {
		t.Errorf("no summary line:\n%s", out)
	}
	if bytes.Equal(before, w.state(t)) {
		t.Error("the apply changed nothing in the emulator's state")
	}
	w.mustRun(t, exitOK, "plan", "--local="+w.dir, "-f", fhirExample, "--detailed-exitcode")
}
