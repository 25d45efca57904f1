package scripts

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"text/template"

	"gopkg.in/yaml.v3"
)

// release is what .goreleaser.yaml says about the files install.sh reads.
type release struct {
	ProjectName string `yaml:"project_name"`
	Archives    []struct {
		NameTemplate string `yaml:"name_template"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string `yaml:"algorithm"`
	} `yaml:"checksum"`
}

func loadRelease(t *testing.T) release {
	t.Helper()
	data, err := os.ReadFile("../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var r release
	if err := yaml.Unmarshal(data, &r); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	if len(r.Archives) != 1 || r.Checksum.NameTemplate == "" || r.Checksum.Algorithm != "sha256" {
		t.Fatalf(".goreleaser.yaml: want one archive and a sha256 checksum file, got %+v", r)
	}
	return r
}

// archiveName renders the archive name template as GoReleaser does for
// version (without the v), and adds the extension of the host's format.
func archiveName(t *testing.T, r release, version, goos, goarch string) string {
	t.Helper()
	tmpl, err := template.New("name").Option("missingkey=error").Parse(r.Archives[0].NameTemplate)
	if err != nil {
		t.Fatalf("archives[0].name_template: %v", err)
	}
	var b strings.Builder
	err = tmpl.Execute(&b, map[string]string{
		"ProjectName": r.ProjectName, "Version": version, "Os": goos, "Arch": goarch,
	})
	if err != nil {
		t.Fatalf("archives[0].name_template: %v", err)
	}
	return b.String() + ".tar.gz"
}

// buildRegsync builds regsync for the host with the release's linker flag
// for the version, so the test can tell the installed binary by it. It
// keeps the default build settings (no -trimpath, the host's cgo setting),
// so the packages come from the build cache `go test ./...` has filled and
// only the link is new.
func buildRegsync(t *testing.T, tag string) []byte {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	bin := filepath.Join(t.TempDir(), "regsync")
	build := exec.Command(goTool, "build",
		"-ldflags", "-X github.com/regsync/regsync/buildinfo.version="+tag,
		"-o", bin, "./cmd/regsync")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// tarGz packs files into a gzipped tar, flat, as GoReleaser's archives are.
func tarGz(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, data := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// runnerName is what GitHub's runner.os and runner.arch call the host,
// which the setup action passes to install.sh as they are.
func runnerName(goos, goarch string) (string, string) {
	os := map[string]string{"linux": "Linux", "darwin": "macOS", "windows": "Windows"}[goos]
	arch := map[string]string{"amd64": "X64", "arm64": "ARM64"}[goarch]
	return os, arch
}

// TestInstall lays out a release of a freshly built regsync the way
// GoReleaser publishes one (archive named by .goreleaser.yaml's template,
// checksums.txt beside it, under /<tag>/), serves it on loopback and runs
// install.sh against it. A good archive is installed, put on the PATH of
// later CI steps and runs; a tampered or unlisted one is refused before
// anything is installed.
func TestInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds regsync")
	}
	if runtime.GOOS == "windows" {
		t.Skip("install.sh is a POSIX sh script")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	r := loadRelease(t)
	const tag = "v0.9.1"
	name := archiveName(t, r, strings.TrimPrefix(tag, "v"), runtime.GOOS, runtime.GOARCH)
	good := tarGz(t, map[string][]byte{"regsync": buildRegsync(t, tag), "LICENSE": []byte("license\n")})
	tampered := append(bytes.Clone(good[:len(good)-1]), good[len(good)-1]^0xff)

	runnerOS, runnerArch := runnerName(runtime.GOOS, runtime.GOARCH)
	tests := []struct {
		name     string
		served   []byte // the archive on the server
		listed   []byte // the archive whose checksum checksums.txt lists, nil for none
		os, arch string // as passed to install.sh; "" for its own detection
		wantErr  string // in stderr; "" for success
	}{
		{name: "detected platform", served: good, listed: good},
		{name: "runner names", served: good, listed: good, os: runnerOS, arch: runnerArch},
		{name: "tampered archive", served: tampered, listed: good, wantErr: "checksum mismatch for " + name},
		{name: "archive not listed", served: good, listed: nil, wantErr: "lists no " + name},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			rel := filepath.Join(root, tag)
			if err := os.MkdirAll(rel, 0o755); err != nil {
				t.Fatal(err)
			}
			sums := fmt.Sprintf("%s  registrations.schema.json\n", sum([]byte("{}")))
			if tc.listed != nil {
				sums += fmt.Sprintf("%s  %s\n", sum(tc.listed), name)
			}
			for file, data := range map[string][]byte{name: tc.served, r.Checksum.NameTemplate: []byte(sums)} {
				if err := os.WriteFile(filepath.Join(rel, file), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			srv := httptest.NewServer(http.FileServer(http.Dir(root))) // 127.0.0.1
			defer srv.Close()

			work := t.TempDir()
			dir := filepath.Join(work, "bin")
			ghPath := filepath.Join(work, "github_path")
			cmd := exec.Command(sh, "install.sh")
			cmd.Env = []string{
				"PATH=" + os.Getenv("PATH"),
				"HOME=" + work,
				"TMPDIR=" + work,
				"REGSYNC_VERSION=" + tag,
				"REGSYNC_OS=" + tc.os,
				"REGSYNC_ARCH=" + tc.arch,
				"REGSYNC_BASE_URL=" + srv.URL + "/",
				"REGSYNC_INSTALL_DIR=" + dir,
				"GITHUB_PATH=" + ghPath,
				"TF_BUILD=True",
			}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			installed := filepath.Join(dir, "regsync")

			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("install.sh succeeded, want a failure with %q\nstdout:\n%s", tc.wantErr, stdout.String())
				}
				if !strings.Contains(stderr.String(), tc.wantErr) {
					t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tc.wantErr)
				}
				if _, err := os.Stat(installed); !os.IsNotExist(err) {
					t.Errorf("%s exists after a failed install (stat: %v)", installed, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("install.sh: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
			}
			if p, _ := os.ReadFile(ghPath); strings.TrimSpace(string(p)) != dir {
				t.Errorf("GITHUB_PATH file holds %q, want %q", p, dir)
			}
			if want := "##vso[task.prependpath]" + dir + "\n"; !strings.Contains(stdout.String(), want) {
				t.Errorf("stdout lacks the Azure Pipelines PATH command %q:\n%s", want, stdout.String())
			}
			out, err := exec.Command(installed, "version").CombinedOutput()
			if err != nil {
				t.Fatalf("%s version: %v\n%s", installed, err, out)
			}
			if !strings.HasPrefix(string(out), "regsync "+tag) {
				t.Errorf("regsync version printed %q, want it to start with %q", out, "regsync "+tag)
			}
		})
	}
}
