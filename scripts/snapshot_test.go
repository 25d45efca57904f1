package scripts

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// targets are the six platforms a release publishes.
var targets = []struct{ os, arch string }{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

// snapshotMeta is the part of GoReleaser's dist/metadata.json the test reads.
type snapshotMeta struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
}

// readChecksums parses a checksums.txt: one "<sha256>  <name>" per line.
func readChecksums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			t.Fatalf("%s: malformed line %q", path, sc.Text())
		}
		sums[fields[1]] = fields[0]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return sums
}

// unpack returns the files of a tar.gz or zip archive by name.
func unpack(t *testing.T, name string, data []byte) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	if strings.HasSuffix(name, ".zip") {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatalf("%s: %s: %v", name, f.Name, err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatalf("%s: %s: %v", name, f.Name, err)
			}
			files[f.Name] = b
		}
		return files
	}
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("%s: %s: %v", name, h.Name, err)
		}
		files[h.Name] = b
	}
}

// binaryPlatform reads the OS and architecture an executable was built for
// from its headers.
func binaryPlatform(data []byte) (goos, goarch string) {
	r := bytes.NewReader(data)
	if f, err := elf.NewFile(r); err == nil {
		switch f.Machine {
		case elf.EM_X86_64:
			return "linux", "amd64"
		case elf.EM_AARCH64:
			return "linux", "arm64"
		}
		return "linux", f.Machine.String()
	}
	if f, err := macho.NewFile(r); err == nil {
		switch f.Cpu {
		case macho.CpuAmd64:
			return "darwin", "amd64"
		case macho.CpuArm64:
			return "darwin", "arm64"
		}
		return "darwin", f.Cpu.String()
	}
	if f, err := pe.NewFile(r); err == nil {
		switch f.Machine {
		case pe.IMAGE_FILE_MACHINE_AMD64:
			return "windows", "amd64"
		case pe.IMAGE_FILE_MACHINE_ARM64:
			return "windows", "arm64"
		}
		return "windows", "unknown"
	}
	return "unknown", "unknown"
}

// TestInstallFromSnapshot checks a GoReleaser snapshot built by `make dist`
// (REGSYNC_DIST names its dist directory; the test is skipped without it):
// the six archives are there, checksums.txt lists each with its right
// SHA-256, each holds the licence and a regsync executable built for its
// platform; then the dist directory is served on loopback as a release and
// install.sh, which the setup action runs, installs the host's archive from
// it and the installed regsync reports the snapshot's commit.
func TestInstallFromSnapshot(t *testing.T) {
	dist := os.Getenv("REGSYNC_DIST")
	if dist == "" {
		t.Skip("REGSYNC_DIST is not set; run `make dist-test`")
	}
	raw, err := os.ReadFile(filepath.Join(dist, "metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	var meta snapshotMeta
	if err := json.Unmarshal(raw, &meta); err != nil || meta.Version == "" || meta.Commit == "" {
		t.Fatalf("metadata.json: version %q commit %q (%v)", meta.Version, meta.Commit, err)
	}
	r := loadRelease(t)
	sums := readChecksums(t, filepath.Join(dist, r.Checksum.NameTemplate))

	for _, tg := range targets {
		name := archiveName(t, r, meta.Version, tg.os, tg.arch)
		exe := "regsync"
		if tg.os == "windows" {
			name = strings.TrimSuffix(name, ".tar.gz") + ".zip"
			exe = "regsync.exe"
		}
		data, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil {
			t.Errorf("%s/%s: %v", tg.os, tg.arch, err)
			continue
		}
		if got, want := sum(data), sums[name]; got != want {
			t.Errorf("%s: sha256 %s, checksums.txt lists %q", name, got, want)
		}
		files := unpack(t, name, data)
		if _, ok := files["LICENSE"]; !ok {
			t.Errorf("%s holds no LICENSE", name)
		}
		bin, ok := files[exe]
		if !ok {
			t.Errorf("%s holds no %s", name, exe)
			continue
		}
		if goos, goarch := binaryPlatform(bin); goos != tg.os || goarch != tg.arch {
			t.Errorf("%s: %s is built for %s/%s", name, exe, goos, goarch)
		}
	}
	for _, extra := range []string{"registrations.schema.json", "install.sh"} {
		if sums[extra] == "" {
			t.Errorf("checksums.txt does not list %s", extra)
		}
	}
	if t.Failed() || runtime.GOOS == "windows" {
		return
	}

	// Serve dist/ as the release of tag v<version> and install from it.
	tag := "v" + meta.Version
	srv := httptest.NewServer(http.StripPrefix("/"+tag, http.FileServer(http.Dir(dist))))
	defer srv.Close()
	work := t.TempDir()
	dir := filepath.Join(work, "bin")
	cmd := exec.Command("sh", "install.sh", "-v", tag, "-b", srv.URL, "-d", dir)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + work, "TMPDIR=" + work}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("install.sh: %v\n%s", err, out)
	}
	ver, err := exec.Command(filepath.Join(dir, "regsync"), "version", "--json").Output()
	if err != nil {
		t.Fatalf("regsync version --json: %v", err)
	}
	var v struct {
		Version string `json:"version"`
		Commit  string `json:"commit"`
	}
	if err := json.Unmarshal(ver, &v); err != nil {
		t.Fatalf("regsync version --json: %v\n%s", err, ver)
	}
	if v.Version != tag || v.Commit != meta.Commit {
		t.Errorf("installed regsync reports version %q commit %q, want %q and %q", v.Version, v.Commit, tag, meta.Commit)
	}
}
