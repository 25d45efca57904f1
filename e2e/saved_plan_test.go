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

// One saved plan of two sets (FHIR and DICOM, two vaults) applies both,
// each checked against its own set; a plan of two sets is refused whole
// once one of them changed, and nothing of the other is written.
func TestSavedPlanOfTwoSets(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	fhir, dicom, proxy := w.example("fhir"), w.example("dicom"), w.example("fhir-proxy")

	// Both sets planned into one file: show renders both, apply applies
	// both, and the tenant converges for each set.
	w.mustRun(2, "plan", "-f", fhir, "-f", dicom, "-out", "both.plan", "--detailed-exitcode")
	data, err := os.ReadFile(filepath.Join(w.dir, "both.plan"))
	if err != nil {
		t.Fatal(err)
	}
	var head struct {
		FormatVersion string `json:"format_version"`
		Sets          []struct {
			Set        string `json:"set"`
			SpecDigest string `json:"spec_digest"`
		} `json:"sets"`
	}
	if err := json.Unmarshal(data, &head); err != nil || head.FormatVersion != "1.1" || len(head.Sets) != 2 ||
		head.Sets[0].Set != "fhir-prod" || head.Sets[1].Set != "dicom-prod" || head.Sets[0].SpecDigest == head.Sets[1].SpecDigest {
		t.Fatalf("the saved plan of two sets: %+v (%v)", head, err)
	}
	shown := w.mustRun(0, "show", "both.plan")
	if !strings.Contains(shown.Stdout, "=== set fhir-prod (") || !strings.Contains(shown.Stdout, "=== set dicom-prod (") {
		t.Errorf("show of two sets:\n%s", shown.Stdout)
	}
	out := w.mustRun(0, "apply", "both.plan", "--auto-approve")
	if n := strings.Count(out.Stdout, "Apply complete!"); n != 2 || !strings.Contains(out.Stdout, "=== set fhir-prod (") || !strings.Contains(out.Stdout, "=== set dicom-prod (") {
		t.Errorf("apply of the saved plan of two sets: %d completions\n%s", n, out.Stdout)
	}
	w.assertConverged(fhir, "fhir-prod", "contoso-fhir-kv")
	w.assertConverged(dicom, "dicom-prod", "contoso-dicom-kv")

	// Stale in one set: the FHIR proxy set (new) and the DICOM set are
	// planned, then a DICOM application is deleted by hand.
	w.mustRun(2, "plan", "-f", proxy, "-f", dicom, "-out", "stale.plan", "--detailed-exitcode")
	g, _ := w.clients()
	apps, err := g.ListApplications(context.Background(), "dicom-prod")
	if err != nil || len(apps) == 0 {
		t.Fatalf("the DICOM set: %d applications, %v", len(apps), err)
	}
	w.graphDelete("/applications/" + apps[0].ID)
	r := w.mustRun(1, "apply", "stale.plan", "--auto-approve")
	if !strings.Contains(r.Stderr, "is stale in 1 of its 2 sets, so none is applied") || !strings.Contains(r.Stderr, "set dicom-prod (") ||
		strings.Contains(r.Stderr, "set fhir-proxy (") {
		t.Errorf("apply of a plan stale in one set:\n%s", r.Stderr)
	}
	if got, err := g.ListApplications(context.Background(), "fhir-proxy"); err != nil || len(got) != 0 {
		t.Errorf("the fresh set of a stale plan: %d applications (%v), want none", len(got), err)
	}
}
