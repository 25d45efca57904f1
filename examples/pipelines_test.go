package examples

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

const pipelinesDir = "pipelines"

// pipelineFiles returns the YAML files under pipelines/, slash-separated and
// sorted.
func pipelineFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(pipelinesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yml" || ext == ".yaml") {
			files = append(files, filepath.ToSlash(path))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("listing %s: %v", pipelinesDir, err)
	}
	sort.Strings(files)
	return files
}

// load parses one YAML file into a generic map; a syntax error fails the
// test with yaml.v3's line number.
func load(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.FromSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if doc == nil {
		t.Fatalf("%s: empty document", path)
	}
	return doc
}

func mapAt(v any) map[string]any { m, _ := v.(map[string]any); return m }
func listAt(v any) []any         { l, _ := v.([]any); return l }
func str(v any) string           { s, _ := v.(string); return s }

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestPipelineFilesParse checks that the template set is the one the README
// describes and that every file is valid YAML.
func TestPipelineFilesParse(t *testing.T) {
	want := []string{
		"pipelines/azure-devops/azure-pipelines.yml",
		"pipelines/azure-devops/install-regsync.yml",
		"pipelines/github/regsync-apply.yml",
		"pipelines/github/regsync-drift.yml",
		"pipelines/github/regsync-plan.yml",
	}
	got := pipelineFiles(t)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pipeline templates (-want +got):\n%s", diff)
	}
	for _, f := range got {
		load(t, f)
	}
}

// TestGitHubWorkflows checks the shape of each workflow: its triggers, its
// jobs, no default token permissions, and an explicit permissions block on
// every job.
func TestGitHubWorkflows(t *testing.T) {
	tests := []struct {
		file     string
		triggers []string
		jobs     []string
		// env is the environment a job deploys to, by job name.
		env map[string]string
	}{
		{file: "regsync-plan.yml", triggers: []string{"pull_request"}, jobs: []string{"plan"}},
		{file: "regsync-apply.yml", triggers: []string{"push", "workflow_dispatch"}, jobs: []string{"apply", "prepare"},
			env: map[string]string{"apply": "production"}},
		{file: "regsync-drift.yml", triggers: []string{"schedule", "workflow_dispatch"}, jobs: []string{"drift"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			doc := load(t, pipelinesDir+"/github/"+tt.file)
			if diff := cmp.Diff(tt.triggers, keys(mapAt(doc["on"]))); diff != "" {
				t.Errorf("triggers (-want +got):\n%s", diff)
			}
			if p, ok := doc["permissions"].(map[string]any); !ok || len(p) != 0 {
				t.Errorf("workflow permissions = %v, want {} (each job asks for its own)", doc["permissions"])
			}
			jobs := mapAt(doc["jobs"])
			if diff := cmp.Diff(tt.jobs, keys(jobs)); diff != "" {
				t.Errorf("jobs (-want +got):\n%s", diff)
			}
			gotEnv := map[string]string{}
			for name, j := range jobs {
				job := mapAt(j)
				if _, ok := job["permissions"]; !ok {
					t.Errorf("job %s has no permissions block", name)
				}
				if len(listAt(job["steps"])) == 0 {
					t.Errorf("job %s has no steps", name)
				}
				if e := str(job["environment"]); e != "" {
					gotEnv[name] = e
				}
				if p := mapAt(job["permissions"]); azureLogin(job) && str(p["id-token"]) != "write" {
					t.Errorf("job %s logs in to Azure without id-token: write", name)
				}
			}
			wantEnv := tt.env
			if wantEnv == nil {
				wantEnv = map[string]string{}
			}
			if diff := cmp.Diff(wantEnv, gotEnv); diff != "" {
				t.Errorf("job environments (-want +got):\n%s", diff)
			}
		})
	}
}

// azureLogin reports whether a job has an azure/login step.
func azureLogin(job map[string]any) bool {
	for _, s := range listAt(job["steps"]) {
		if strings.HasPrefix(str(mapAt(s)["uses"]), "azure/login@") {
			return true
		}
	}
	return false
}

// usesLine matches a "uses:" line of a workflow or action: the action, the
// ref and the comment after it.
var usesLine = regexp.MustCompile(`^\s*(?:-\s+)?uses:\s*([^@\s]+)@(\S+)\s*(?:#\s*(.*))?$`)

// fullSHA is a full commit id; version is a release tag.
var (
	fullSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)
	version = regexp.MustCompile(`^v\d+\.\d+\.\d+$`)
)

// TestGitHubActionsPinned checks every action used by the GitHub templates,
// the release workflow and the setup action: each is pinned to a full
// commit SHA, with the release tag the SHA was taken from in a comment, so
// a moved tag cannot change what runs and a reader sees which release it
// is. The one exception is regsync's own setup action in the templates,
// pinned to the release tag the templates install, because the commit of
// an unreleased tag is not known yet; README.md says to replace it by the
// tag's commit.
func TestGitHubActionsPinned(t *testing.T) {
	files := []string{"../action.yml"}
	for _, f := range pipelineFiles(t) {
		if strings.Contains(f, "/github/") {
			files = append(files, f)
		}
	}
	own, err := filepath.Glob("../.github/workflows/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, own...)
	uses := 0
	for _, f := range files {
		data, err := os.ReadFile(filepath.FromSlash(f))
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if !strings.Contains(line, "uses:") || strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			uses++
			m := usesLine.FindStringSubmatch(line)
			switch {
			case m == nil:
				t.Errorf("%s:%d: %q: want owner/name@<full commit SHA> # vX.Y.Z", f, i+1, strings.TrimSpace(line))
			case m[1] == "regsync/regsync" && strings.Contains(f, "pipelines/") && version.MatchString(m[2]):
				// regsync's own action at the release the template installs.
			case !fullSHA.MatchString(m[2]):
				t.Errorf("%s:%d: %s@%s: pin a full commit SHA, not a tag or branch", f, i+1, m[1], m[2])
			case !version.MatchString(m[3]):
				t.Errorf("%s:%d: %s@%s: add the release it is, as a comment: # vX.Y.Z", f, i+1, m[1], m[2])
			}
		}
	}
	if uses == 0 {
		t.Fatal("found no uses: lines; the test reads the wrong files")
	}
}

// TestSetupActionUsed checks that every GitHub template installs regsync
// with the setup action at the version its REGSYNC_VERSION names, and no
// longer builds it with go install.
func TestSetupActionUsed(t *testing.T) {
	for _, f := range pipelineFiles(t) {
		if !strings.Contains(f, "/github/") {
			continue
		}
		doc := load(t, f)
		want := str(mapAt(doc["env"])["REGSYNC_VERSION"])
		if !version.MatchString(want) {
			t.Errorf("%s: REGSYNC_VERSION = %q, want a release tag", f, want)
		}
		for name, j := range mapAt(doc["jobs"]) {
			found := false
			for _, s := range listAt(mapAt(j)["steps"]) {
				step := mapAt(s)
				if strings.Contains(str(step["run"]), "go install") {
					t.Errorf("%s: job %s builds regsync with go install; use the setup action", f, name)
				}
				if uses := str(step["uses"]); strings.HasPrefix(uses, "regsync/regsync@") {
					found = true
					if uses != "regsync/regsync@"+want {
						t.Errorf("%s: job %s uses %s, want the REGSYNC_VERSION release %s", f, name, uses, want)
					}
					if v := str(mapAt(step["with"])["version"]); v != "${{ env.REGSYNC_VERSION }}" {
						t.Errorf("%s: job %s installs version %q, want ${{ env.REGSYNC_VERSION }}", f, name, v)
					}
				}
			}
			if !found {
				t.Errorf("%s: job %s does not install regsync with the setup action", f, name)
			}
		}
	}
}

// TestAzurePipeline checks the stages, the approval environment, and the
// inputs of the tasks the pipeline relies on.
func TestAzurePipeline(t *testing.T) {
	doc := load(t, pipelinesDir+"/azure-devops/azure-pipelines.yml")

	type stage struct {
		Name, Kind, Environment string
	}
	var got []stage
	var tasks []map[string]any
	for _, s := range listAt(doc["stages"]) {
		sm := mapAt(s)
		for _, j := range listAt(sm["jobs"]) {
			jm := mapAt(j)
			st := stage{Name: str(sm["stage"]), Kind: "job"}
			steps := listAt(jm["steps"])
			if d := str(jm["deployment"]); d != "" {
				st.Kind, st.Environment = "deployment", str(jm["environment"])
				steps = listAt(mapAt(mapAt(mapAt(mapAt(jm["strategy"])["runOnce"])["deploy"]))["steps"])
			}
			got = append(got, st)
			if len(steps) == 0 {
				t.Errorf("stage %s: a job without steps", st.Name)
			}
			for _, step := range steps {
				if m := mapAt(step); str(m["task"]) != "" {
					tasks = append(tasks, m)
				}
			}
		}
	}
	want := []stage{
		{Name: "Plan", Kind: "job"},
		{Name: "Apply", Kind: "deployment", Environment: "regsync-production"},
		{Name: "Drift", Kind: "job"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stages and jobs (-want +got):\n%s", diff)
	}

	required := map[string][]string{
		"AzureCLI@2":           {"azureSubscription", "inlineScript", "scriptLocation", "scriptType"},
		"PublishTestResults@2": {"testResultsFiles", "testResultsFormat"},
	}
	seen := map[string]bool{}
	for _, task := range tasks {
		name := str(task["task"])
		need, ok := required[name]
		if !ok {
			t.Errorf("task %s is not one this test knows the inputs of", name)
			continue
		}
		seen[name] = true
		inputs := mapAt(task["inputs"])
		for _, in := range need {
			if str(inputs[in]) == "" {
				t.Errorf("task %s (%s) lacks input %s", name, str(task["displayName"]), in)
			}
		}
		if name == "PublishTestResults@2" && str(inputs["testResultsFormat"]) != "JUnit" {
			t.Errorf("PublishTestResults@2 testResultsFormat = %q, want JUnit", str(inputs["testResultsFormat"]))
		}
	}
	for name := range required {
		if !seen[name] {
			t.Errorf("the pipeline never uses %s", name)
		}
	}
	installs := 0
	for _, s := range listAt(doc["stages"]) {
		for _, j := range listAt(mapAt(s)["jobs"]) {
			jm := mapAt(j)
			steps := listAt(jm["steps"])
			if str(jm["deployment"]) != "" {
				steps = listAt(mapAt(mapAt(mapAt(mapAt(jm["strategy"])["runOnce"])["deploy"]))["steps"])
			}
			for _, step := range steps {
				m := mapAt(step)
				if str(m["template"]) == "install-regsync.yml" && str(mapAt(m["parameters"])["version"]) == "$(regsyncVersion)" {
					installs++
				}
				if strings.Contains(str(m["bash"]), "go install") {
					t.Errorf("a step builds regsync with go install; use install-regsync.yml")
				}
			}
		}
	}
	if installs != len(want) {
		t.Errorf("install-regsync.yml with version $(regsyncVersion) is used by %d jobs, want all %d", installs, len(want))
	}
	tmpl := load(t, pipelinesDir+"/azure-devops/install-regsync.yml")
	if script := str(mapAt(listAt(tmpl["steps"])[0])["bash"]); !strings.Contains(script, "/install.sh") {
		t.Errorf("install-regsync.yml does not run the release's install.sh:\n%s", script)
	}

	schedules := listAt(doc["schedules"])
	if len(schedules) != 1 {
		t.Fatalf("schedules: got %d, want 1 (the nightly drift)", len(schedules))
	}
	if always, _ := mapAt(schedules[0])["always"].(bool); !always {
		t.Error("the drift schedule must run even when main did not change (always: true)")
	}
}

// TestNoStoredSecrets checks that no template reads a stored secret: Azure
// sign-in is by workload identity federation only.
func TestNoStoredSecrets(t *testing.T) {
	forbidden := []string{"secrets.", "AZURE_CLIENT_SECRET", "client-secret", "creds:", "servicePrincipalKey"}
	for _, f := range pipelineFiles(t) {
		data, err := os.ReadFile(filepath.FromSlash(f))
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			for _, word := range forbidden {
				if strings.Contains(line, word) {
					t.Errorf("%s:%d: mentions %q; use OIDC / workload identity federation", f, i+1, word)
				}
			}
		}
	}
}
