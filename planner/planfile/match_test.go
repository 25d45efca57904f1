package planfile_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/planner/planfile"
)

// savedFixture returns the bytes of the fixture's saved plan.
func savedFixture(t *testing.T) []byte {
	t.Helper()
	_, live, p := fixture(t)
	var buf bytes.Buffer
	if err := planfile.Write(&buf, p, "v1.2.3", live); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// editPlan decodes a saved plan generically, lets edit change the plan
// inside, and encodes it again: what someone with a text editor can do.
func editPlan(t *testing.T, data []byte, edit func(plan map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	plan := doc["plan"].(map[string]any)
	edit(plan)
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// action returns the plan's action with the given id, as a JSON object.
func action(t *testing.T, plan map[string]any, id string) map[string]any {
	t.Helper()
	for _, a := range plan["actions"].([]any) {
		if m := a.(map[string]any); m["id"] == id {
			return m
		}
	}
	t.Fatalf("no action %s", id)
	return nil
}

func removeAction(plan map[string]any, id string) {
	var kept []any
	for _, a := range plan["actions"].([]any) {
		if a.(map[string]any)["id"] != id {
			kept = append(kept, a)
		}
	}
	plan["actions"] = kept
}

func appendAction(plan map[string]any, a map[string]any) {
	plan["actions"] = append(plan["actions"].([]any), a)
}

const (
	jobUpdate  = "applications.job:update"
	jobSecret  = "applications.job.secret:create"
	jobAssign  = `applications.job.app_role_assignments["api/read"]:create`
	jobSPCreat = "applications.job.service_principal:create"
)

// Every edit of what a saved plan does is refused by Match, though Read
// accepts the file and the fingerprints (Check) still hold: the edits
// change the plan, not the tenant.
func TestMatchRefusesTampering(t *testing.T) {
	tests := []struct {
		name string
		edit func(t *testing.T, plan map[string]any)
		want string
	}{
		{
			name: "address of another set's application",
			edit: func(t *testing.T, plan map[string]any) {
				action(t, plan, jobUpdate)["application"].(map[string]any)["object_id"] = "obj-of-another-set"
			},
			want: `action applications.job:update: application.object_id is "obj-of-another-set" in the file, "obj-job" in a fresh plan`,
		},
		{
			name: "secret of an application outside the set, to the editor's vault",
			edit: func(t *testing.T, plan map[string]any) {
				appendAction(plan, map[string]any{
					"id": "applications.job.secret:renew", "op": "create", "type": "secret", "app": "job",
					"address": "applications.job.secret", "step": "renew", "description": "add client secret",
					"secret": map[string]any{"application_id": "obj-outside", "app_id": "app-outside",
						"display_name": "regsync:demo:job", "managed": true, "vault": "attacker-kv",
						"secret_name": "loot", "lifetime_seconds": 86400},
				})
			},
			want: `the file has action applications.job.secret:renew (create secret applications.job.secret), which a fresh plan does not have`,
		},
		{
			name: "secret written to the editor's vault",
			edit: func(t *testing.T, plan map[string]any) {
				action(t, plan, jobSecret)["secret"].(map[string]any)["vault"] = "attacker-kv"
			},
			want: `action applications.job.secret:create: secret.vault is "attacker-kv" in the file, "demo-kv" in a fresh plan`,
		},
		{
			name: "delete of an application outside the set",
			edit: func(t *testing.T, plan map[string]any) {
				appendAction(plan, map[string]any{
					"id": "applications.payroll:delete", "op": "delete", "type": "application", "app": "payroll",
					"address": "applications.payroll", "description": "delete",
					"application": map[string]any{"object_id": "obj-payroll", "app_id": "app-payroll"},
				})
			},
			want: `the file has action applications.payroll:delete (delete application applications.payroll), which a fresh plan does not have`,
		},
		{
			name: "payload field",
			edit: func(t *testing.T, plan map[string]any) {
				action(t, plan, jobAssign)["app_role_assignment"].(map[string]any)["app_role_id"] = "00000000-0000-0000-0000-000000000001"
			},
			want: `app_role_assignment.app_role_id is "00000000-0000-0000-0000-000000000001" in the file,`,
		},
		{
			name: "application field",
			edit: func(t *testing.T, plan map[string]any) {
				fields := action(t, plan, "applications.api:create")["application"].(map[string]any)["fields"].(map[string]any)
				fields["identifier_uris"] = []any{"api://demo", "api://evil"}
			},
			want: `action applications.api:create: application.fields.identifier_uris[1] is "api://evil" in the file, absent in a fresh plan`,
		},
		{
			name: "removed action",
			edit: func(t *testing.T, plan map[string]any) {
				removeAction(plan, jobAssign)
			},
			want: `the file lacks action applications.job.app_role_assignments["api/read"]:create (create app_role_assignment applications.job.app_role_assignments["api/read"]), which a fresh plan has`,
		},
		{
			name: "dependency dropped",
			edit: func(t *testing.T, plan map[string]any) {
				delete(action(t, plan, jobSPCreat), "depends_on")
			},
			want: `action applications.job.service_principal:create: depends_on is absent in the file, ["applications.job:update"] in a fresh plan`,
		},
		{
			name: "actions reordered",
			edit: func(t *testing.T, plan map[string]any) {
				as := plan["actions"].([]any)
				as[4], as[5] = as[5], as[4]
			},
			want: `action applications.job.secret:create is actions[4] in the file, actions[5] in a fresh plan`,
		},
		{
			name: "prune turned on",
			edit: func(t *testing.T, plan map[string]any) { plan["prune"] = true },
			want: `prune is true in the file, false in a fresh plan`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, live, fresh := fixture(t)
			data := editPlan(t, savedFixture(t), func(plan map[string]any) { tc.edit(t, plan) })
			f, err := planfile.Read(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("Read refused the edited file, so this case tests nothing of Match: %v", err)
			}
			if err := f.Check("v1.2.3", s.Digest, tenantID, live); err != nil {
				t.Fatalf("Check: %v", err)
			}
			err = f.Match(fresh)
			if err == nil || !errors.Is(err, planfile.ErrMismatch) {
				t.Fatalf("Match = %v, want a mismatch", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasSuffix(err.Error(), "run regsync plan again and review the new plan before applying it") {
				t.Errorf("Match = %q\nwant it to contain %q and end with the fix", err, tc.want)
			}
		})
	}
}

// The set is checked against the spec: a file whose header and plan both
// name another set is refused, naming both.
func TestMatchRefusesAnotherSet(t *testing.T) {
	_, _, fresh := fixture(t)
	data := bytes.ReplaceAll(savedFixture(t), []byte(`"set": "demo"`), []byte(`"set": "payroll"`))
	f, err := planfile.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	err = f.Match(fresh)
	if want := `the file is for set "payroll", but spec registrations.yaml manages set "demo"`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Match = %v, want it to contain %q", err, want)
	}
}

// What no write depends on may differ: descriptions, reasons, changes,
// risks, notes, the summary and the read counters; and depends_on compares
// as a set, because the applier waits for all of it in no order.
func TestMatchIgnoresDisplay(t *testing.T) {
	_, _, fresh := fixture(t)
	data := editPlan(t, savedFixture(t), func(plan map[string]any) {
		a := action(t, plan, jobAssign)
		a["description"] = "something reassuring"
		a["reason"] = "because"
		// A name read from the directory for display, renamed since.
		a["app_role_assignment"].(map[string]any)["principal"] = "renamed@contoso.com"
		a["risks"] = []any{map[string]any{"code": "scope_removal", "message": "x"}}
		deps := a["depends_on"].([]any)
		deps[0], deps[2] = deps[2], deps[0]
		plan["notes"] = []any{}
		plan["summary"] = map[string]any{"add": 0, "change": 0, "destroy": 0}
		plan["reads"] = map[string]any{"graph_requests": 1, "vault_requests": 1}
	})
	f, err := planfile.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Match(fresh); err != nil {
		t.Errorf("Match = %v, want nil", err)
	}
	// And an untouched file matches a plan computed again from the same inputs.
	f, err = planfile.Read(bytes.NewReader(savedFixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	_, _, again := fixture(t)
	if err := f.Match(again); err != nil {
		t.Errorf("Match of an untouched file = %v, want nil", err)
	}
}

// TestMatchIgnoresOwnerNames: an owner renamed (or its name unread) since
// the plan was saved does not make the plan stale; another owner does.
func TestMatchIgnoresOwnerNames(t *testing.T) {
	owner := func(id, name string) *planner.Plan {
		return &planner.Plan{Set: "s", Actions: []*planner.Action{{
			ID: "applications.a.owners[\"" + id + "\"]:create", Op: planner.OpCreate, Type: "owner", App: "a",
			Owner: &planner.OwnerAction{ApplicationID: "app-1", OwnerID: id,
				Object: &planner.OwnerObject{Found: true, Type: "user", DisplayName: name}},
		}}}
	}
	f := &planfile.File{SetPlan: planfile.SetPlan{Plan: owner("u1", "Ada Lovelace")}}
	if err := f.Match(owner("u1", "Ada King")); err != nil {
		t.Errorf("an owner renamed since: Match = %v, want nil", err)
	}
	unread := owner("u1", "")
	unread.Actions[0].Owner.Object = nil
	if err := f.Match(unread); err != nil {
		t.Errorf("an owner whose name was not read: Match = %v, want nil", err)
	}
	if err := f.Match(owner("u2", "Ada Lovelace")); err == nil {
		t.Error("another owner: Match = nil, want a mismatch")
	}
}
