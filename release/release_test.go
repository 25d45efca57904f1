package release

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// config is the part of .goreleaser.yaml this test reads.
type config struct {
	Version     int    `yaml:"version"`
	ProjectName string `yaml:"project_name"`
	Builds      []struct {
		ID      string   `yaml:"id"`
		Main    string   `yaml:"main"`
		Binary  string   `yaml:"binary"`
		Env     []string `yaml:"env"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
		Ignore  []any    `yaml:"ignore"`
		Flags   []string `yaml:"flags"`
		Ldflags []string `yaml:"ldflags"`
	} `yaml:"builds"`
	Archives []struct {
		NameTemplate    string   `yaml:"name_template"`
		Formats         []string `yaml:"formats"`
		FormatOverrides []struct {
			Goos    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string      `yaml:"name_template"`
		Algorithm    string      `yaml:"algorithm"`
		ExtraFiles   []extraFile `yaml:"extra_files"`
	} `yaml:"checksum"`
	Release struct {
		ExtraFiles []extraFile `yaml:"extra_files"`
	} `yaml:"release"`
	SBOMs []struct {
		Artifacts string `yaml:"artifacts"`
	} `yaml:"sboms"`
	Signs []struct {
		Cmd       string   `yaml:"cmd"`
		Artifacts string   `yaml:"artifacts"`
		Signature string   `yaml:"signature"`
		Args      []string `yaml:"args"`
	} `yaml:"signs"`
	Dockers []struct {
		Dockerfile string   `yaml:"dockerfile"`
		Images     []string `yaml:"images"`
		Platforms  []string `yaml:"platforms"`
	} `yaml:"dockers_v2"`
}

type extraFile struct {
	Glob string `yaml:"glob"`
}

func load(t *testing.T) config {
	t.Helper()
	data, err := os.ReadFile("../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c config
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&c); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	if c.Version != 2 {
		t.Fatalf(".goreleaser.yaml: version = %d, want 2 (GoReleaser v2)", c.Version)
	}
	return c
}

// TestTargets checks the six os/arch pairs of the one build and how it is
// built: static (no cgo) and without local paths.
func TestTargets(t *testing.T) {
	c := load(t)
	if len(c.Builds) != 1 {
		t.Fatalf("builds: got %d, want 1", len(c.Builds))
	}
	b := c.Builds[0]
	if b.Main != "./cmd/regsync" || b.Binary != "regsync" {
		t.Errorf("build main %q binary %q, want ./cmd/regsync and regsync", b.Main, b.Binary)
	}
	if len(b.Ignore) != 0 {
		t.Errorf("build ignores %v; every os/arch pair is released", b.Ignore)
	}
	var got []string
	for _, o := range b.Goos {
		for _, a := range b.Goarch {
			got = append(got, o+"/"+a)
		}
	}
	sort.Strings(got)
	want := []string{"darwin/amd64", "darwin/arm64", "linux/amd64", "linux/arm64", "windows/amd64", "windows/arm64"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("targets (-want +got):\n%s", d)
	}
	if !contains(b.Env, "CGO_ENABLED=0") {
		t.Errorf("build env %v lacks CGO_ENABLED=0", b.Env)
	}
	if !contains(b.Flags, "-trimpath") {
		t.Errorf("build flags %v lack -trimpath", b.Flags)
	}
}

// TestLinkerFlags checks that the -X flags name exactly the variables of
// package buildinfo: the linker ignores a misspelt name without a word,
// and the release would then call itself "dev".
func TestLinkerFlags(t *testing.T) {
	const pkg = "github.com/regsync/regsync/buildinfo."
	c := load(t)
	set := map[string]string{}
	x := regexp.MustCompile(`-X\s+(\S+)=(\S+)`)
	for _, l := range c.Builds[0].Ldflags {
		for _, m := range x.FindAllStringSubmatch(l, -1) {
			name, ok := strings.CutPrefix(m[1], pkg)
			if !ok {
				t.Errorf("ldflags set %s, outside package buildinfo", m[1])
				continue
			}
			set[name] = m[2]
		}
	}
	vars := buildinfoVars(t)
	var got []string
	for name := range set {
		got = append(got, name)
	}
	sort.Strings(got)
	if d := cmp.Diff(vars, got); d != "" {
		t.Errorf("-X names against buildinfo's string variables (-want +got):\n%s", d)
	}
	// The release version carries the tag's v, as `go install` records it,
	// so saved plans move between the two kinds of install.
	if v := set["version"]; !strings.HasPrefix(v, "v{{") {
		t.Errorf("buildinfo.version = %q, want the v-prefixed version (v{{ .Version }})", v)
	}
}

// buildinfoVars lists the package-level string variables of buildinfo that
// have no initial value: the ones the linker sets.
func buildinfoVars(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../buildinfo/buildinfo.go", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "string" && len(vs.Values) == 0 {
				for _, n := range vs.Names {
					names = append(names, n.Name)
				}
			}
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatal("found no linker-set variables in buildinfo/buildinfo.go")
	}
	return names
}

// TestArchivesAndChecksums checks the names install.sh builds, the formats,
// the checksum file and what it covers, the signature and the SBOMs.
func TestArchivesAndChecksums(t *testing.T) {
	c := load(t)
	if len(c.Archives) != 1 {
		t.Fatalf("archives: got %d, want 1", len(c.Archives))
	}
	a := c.Archives[0]
	// scripts/install.sh composes regsync_<version>_<os>_<arch>.<ext>.
	if c.ProjectName != "regsync" || a.NameTemplate != "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}" {
		t.Errorf("project %q, archive name %q: scripts/install.sh expects regsync_<version>_<os>_<arch>", c.ProjectName, a.NameTemplate)
	}
	if d := cmp.Diff([]string{"tar.gz"}, a.Formats); d != "" {
		t.Errorf("archive formats (-want +got):\n%s", d)
	}
	overrides := map[string][]string{}
	for _, o := range a.FormatOverrides {
		overrides[o.Goos] = o.Formats
	}
	if d := cmp.Diff(map[string][]string{"windows": {"zip"}}, overrides); d != "" {
		t.Errorf("format overrides (-want +got):\n%s", d)
	}
	if c.Checksum.NameTemplate != "checksums.txt" || c.Checksum.Algorithm != "sha256" {
		t.Errorf("checksum %q %q, want checksums.txt sha256", c.Checksum.NameTemplate, c.Checksum.Algorithm)
	}
	extra := []extraFile{{"schema/registrations.schema.json"}, {"scripts/install.sh"}}
	if d := cmp.Diff(extra, c.Release.ExtraFiles); d != "" {
		t.Errorf("release extra files (-want +got):\n%s", d)
	}
	if d := cmp.Diff(extra, c.Checksum.ExtraFiles, cmp.Comparer(func(a, b extraFile) bool { return a == b })); d != "" {
		t.Errorf("checksummed extra files, which must be the released ones (-want +got):\n%s", d)
	}
	for _, e := range extra {
		if _, err := os.Stat("../" + e.Glob); err != nil {
			t.Errorf("released file: %v", err)
		}
	}
	if len(c.SBOMs) != 1 || c.SBOMs[0].Artifacts != "archive" {
		t.Errorf("sboms = %+v, want one per archive", c.SBOMs)
	}
	if len(c.Signs) != 1 {
		t.Fatalf("signs: got %d, want 1 (the checksums file)", len(c.Signs))
	}
	s := c.Signs[0]
	if s.Cmd != "cosign" || s.Artifacts != "checksum" || !contains(s.Args, "sign-blob") {
		t.Errorf("sign = %+v, want cosign sign-blob of the checksum file", s)
	}
	for _, arg := range s.Args {
		if strings.HasPrefix(arg, "--key") {
			t.Errorf("sign args %v name a key; the release signs keyless with the workflow's identity", s.Args)
		}
	}
}

// TestImage checks the container image: both linux platforms, pushed to
// ghcr.io, from a base that has the CA bundle, as a non-root user.
func TestImage(t *testing.T) {
	c := load(t)
	if len(c.Dockers) != 1 {
		t.Fatalf("dockers_v2: got %d, want 1", len(c.Dockers))
	}
	d := c.Dockers[0]
	if diff := cmp.Diff([]string{"linux/amd64", "linux/arm64"}, d.Platforms); diff != "" {
		t.Errorf("image platforms (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ghcr.io/regsync/regsync"}, d.Images); diff != "" {
		t.Errorf("images (-want +got):\n%s", diff)
	}
	f, err := os.Open("../" + d.Dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var from, user, copyLine string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "FROM":
			from = fields[1]
		case "USER":
			user = fields[1]
		case "COPY":
			copyLine = strings.Join(fields[1:], " ")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	// distroless/static carries /etc/ssl/certs/ca-certificates.crt; its
	// :nonroot variant also runs as uid 65532.
	if !strings.HasPrefix(from, "gcr.io/distroless/static") || !strings.Contains(from, ":nonroot") {
		t.Errorf("FROM %s, want gcr.io/distroless/static…:nonroot (CA bundle, non-root user)", from)
	}
	// A tag can move; the digest pins the exact image a release is built on.
	if _, digest, ok := strings.Cut(from, "@sha256:"); !ok || len(digest) != 64 || strings.Trim(digest, "0123456789abcdef") != "" {
		t.Errorf("FROM %s, want the base pinned by digest (tag@sha256:<64 hex>)", from)
	}
	if user == "" || user == "root" || strings.HasPrefix(user, "0") {
		t.Errorf("USER %q, want a non-root user", user)
	}
	if !strings.HasPrefix(copyLine, "$TARGETPLATFORM/regsync ") {
		t.Errorf("COPY %s, want the platform's binary from $TARGETPLATFORM/regsync", copyLine)
	}
}

// TestWorkflow checks the release workflow: it runs on version tags only,
// with the permissions keyless signing and attestations need, and runs the
// GoReleaser version the Makefile names.
func TestWorkflow(t *testing.T) {
	data, err := os.ReadFile("../.github/workflows/release.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		On struct {
			Push map[string][]string `yaml:"push"`
		} `yaml:"on"`
		Permissions map[string]string `yaml:"permissions"`
		Jobs        map[string]struct {
			Permissions map[string]string `yaml:"permissions"`
			Steps       []struct {
				Uses string            `yaml:"uses"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("release.yml: %v", err)
	}
	if d := cmp.Diff(map[string][]string{"tags": {"v*"}}, wf.On.Push); d != "" {
		t.Errorf("push trigger (-want +got):\n%s", d)
	}
	if len(wf.Permissions) != 0 {
		t.Errorf("workflow permissions %v, want {} (the job asks for its own)", wf.Permissions)
	}
	job, ok := wf.Jobs["release"]
	if !ok {
		t.Fatal("no job release")
	}
	want := map[string]string{"contents": "write", "packages": "write", "id-token": "write", "attestations": "write"}
	if d := cmp.Diff(want, job.Permissions); d != "" {
		t.Errorf("job permissions (-want +got):\n%s", d)
	}
	uses := map[string]map[string]string{}
	for _, s := range job.Steps {
		if name, _, ok := strings.Cut(s.Uses, "@"); ok {
			uses[name] = s.With
		}
	}
	for _, a := range []string{"sigstore/cosign-installer", "anchore/sbom-action/download-syft", "goreleaser/goreleaser-action", "actions/attest-build-provenance"} {
		if _, ok := uses[a]; !ok {
			t.Errorf("the release job does not use %s", a)
		}
	}
	if v := uses["goreleaser/goreleaser-action"]["version"]; v != makeVar(t, "GORELEASER_VERSION") {
		t.Errorf("goreleaser-action version %q, want the Makefile's GORELEASER_VERSION %q", v, makeVar(t, "GORELEASER_VERSION"))
	}
	if p := uses["actions/attest-build-provenance"]["subject-checksums"]; p != "dist/checksums.txt" {
		t.Errorf("attest-build-provenance subject-checksums = %q, want dist/checksums.txt", p)
	}
}

// makeVar returns the value of a "NAME ?= value" line of the Makefile.
func makeVar(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^` + name + `\s*\??=\s*(\S+)\s*$`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("Makefile sets no %s", name)
	}
	return string(m[1])
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
