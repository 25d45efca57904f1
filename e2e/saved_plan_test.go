package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsync/regsync/emulator"
)

// TestApplyRefusesAnEditedSavedPlan edits a real saved plan of the FHIR set
// three ways, each aimed at the DICOM set living in the same tenant, and
// requires apply to refuse every one with exit 1, a message naming the
// difference, and not one writing request to the emulator. The untouched
// plan then applies, so the write count can see a write.
func TestApplyRefusesAnEditedSavedPlan(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	w.mustRun(0, "apply", "-f", w.example("dicom"), "--auto-approve")
	g, _ := w.clients()
	outside, err := g.ListApplications(context.Background(), "dicom-prod")
	if err != nil || len(outside) == 0 {
		t.Fatalf("the DICOM set: %d applications, %v", len(outside), err)
	}
	victim := outside[0]

	file := w.example("fhir")
	w.mustRun(2, "plan", "-f", file, "-out", "reviewed.plan", "--detailed-exitcode")
	reviewed, err := os.ReadFile(filepath.Join(w.dir, "reviewed.plan"))
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		edit func(actions []any) []any
		want string
	}{
		{
			name: "a secret of another set's application, to the editor's vault",
			edit: func(actions []any) []any {
				for _, a := range actions {
					if s, ok := a.(map[string]any)["secret"].(map[string]any); ok {
						s["application_id"], s["app_id"], s["vault"] = victim.ID, victim.AppID, "attacker-kv"
						break
					}
				}
				return actions
			},
			want: `secret.application_id is "` + victim.ID + `" in the file, "${applications.`,
		},
		{
			name: "a delete of another set's application",
			edit: func(actions []any) []any {
				return append(actions, map[string]any{
					"id": "applications.victim:delete", "op": "delete", "type": "application", "app": "victim",
					"address": "applications.victim", "description": "delete application",
					"application": map[string]any{"object_id": victim.ID, "app_id": victim.AppID},
				})
			},
			want: "the file has action applications.victim:delete (delete application applications.victim), which a fresh plan does not have",
		},
		{
			name: "an unknown op",
			edit: func(actions []any) []any {
				actions[0].(map[string]any)["op"] = "explode"
				return actions
			},
			want: `unknown op "explode" (want create, update or delete)`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(reviewed, &doc); err != nil {
				t.Fatal(err)
			}
			plan := doc["plan"].(map[string]any)
			plan["actions"] = tc.edit(plan["actions"].([]any))
			data, err := json.MarshalIndent(doc, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(w.dir, "edited.plan"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			w.em.ResetStats()
			r := w.run("apply", "edited.plan", "--auto-approve")
			if r.Code != 1 {
				t.Errorf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
			}
			if !strings.Contains(r.Stderr, tc.want) || !strings.Contains(r.Stderr, "run regsync plan again") {
				t.Errorf("stderr does not name the difference %q and the fix:\n%s", tc.want, r.Stderr)
			}
			if n := writes(w.em.Stats()); n != 0 {
				t.Errorf("the refused apply sent %d writes:\n%s", n, r.Stdout)
			}
		})
	}

	w.em.ResetStats()
	w.mustRun(0, "apply", "reviewed.plan", "--auto-approve")
	if writes(w.em.Stats()) == 0 {
		t.Error("the reviewed plan applied without a write: the refusals above prove nothing")
	}
	w.assertConverged(file, "fhir-prod", "contoso-fhir-kv")
	w.assertConverged(w.example("dicom"), "dicom-prod", "contoso-dicom-kv")
}
