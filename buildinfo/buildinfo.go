package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
)

// Set by the linker (-X github.com/regsync/regsync/buildinfo.NAME=VALUE)
// for release builds; empty otherwise. See the package documentation.
var (
	version string
	commit  string
	date    string
)

// Dev is the version of a build that knows no version of its own.
const Dev = "dev"

// ShortCommitLen is how many hex digits of a commit the short forms keep,
// as many as Go's pseudo-versions do.
const ShortCommitLen = 12

// Info describes one build of regsync. The zero value is a dev build that
// knows nothing else.
type Info struct {
	// Version is the linker-set version, else the main module's version
	// from the build information (a tag or pseudo-version), else Dev.
	Version string
	// Commit is the full revision the binary was built from, or "".
	Commit string
	// Modified reports uncommitted changes in the tree at build time
	// (vcs.modified). Untracked files count.
	Modified bool
	// CommitDate is the commit's time (vcs.time, RFC 3339), or "".
	CommitDate string
	// BuildDate is the linker-set build date, or "": the build
	// information records no build time.
	BuildDate string
	// GoVersion is the toolchain that built the binary, e.g. "go1.26.8".
	GoVersion string
	// OS and Arch are the target the binary runs on.
	OS, Arch string
}

// Overrides are linker-set values; an empty field overrides nothing.
type Overrides struct {
	Version, Commit, Date string
}

var current = sync.OnceValue(func() Info {
	bi, _ := debug.ReadBuildInfo() // nil without module support
	return From(bi, Overrides{Version: version, Commit: commit, Date: date})
})

// Get returns the Info of the running binary. It reads the build
// information once.
func Get() Info { return current() }

// From builds an Info from build information (nil when there is none) and
// linker overrides, which win over what bi says. A commit override that
// names another revision than bi's drops bi's vcs.modified and vcs.time,
// which belong to that other revision; one that abbreviates bi's revision
// keeps them and the full revision.
func From(bi *debug.BuildInfo, o Overrides) Info {
	i := Info{Version: Dev, GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if bi != nil {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			i.Version = v
		}
		if bi.GoVersion != "" {
			i.GoVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				i.Commit = s.Value
			case "vcs.time":
				i.CommitDate = s.Value
			case "vcs.modified":
				i.Modified = s.Value == "true"
			}
		}
	}
	if v := strings.TrimSpace(o.Version); v != "" {
		i.Version = v
	}
	if c := strings.ToLower(strings.TrimSpace(o.Commit)); c != "" {
		if i.Commit == "" || !strings.HasPrefix(strings.ToLower(i.Commit), c) {
			i.Commit, i.Modified, i.CommitDate = c, false, ""
		}
	}
	if d := strings.TrimSpace(o.Date); d != "" {
		i.BuildDate = d
	}
	return i
}

// ShortCommit is the first ShortCommitLen digits of the commit, or "".
func (i Info) ShortCommit() string {
	if len(i.Commit) > ShortCommitLen {
		return i.Commit[:ShortCommitLen]
	}
	return i.Commit
}

// Full is the version that tells builds apart (see the package
// documentation): Version as it is for a release or module version,
// "dev+<short commit>" for a dev build whose commit is known, and "dev"
// when nothing is. A modified tree adds "-dirty" to the dev form and
// "+dirty" to a version that does not say so already (Go's own suffix for
// a modified checkout); a version that already carries build metadata gets
// ".dirty", so the result stays one semver build-metadata part.
func (i Info) Full() string {
	v := i.Version
	if v == "" || v == Dev {
		v = Dev
		if c := i.ShortCommit(); c != "" {
			v += "+" + c
			if i.Modified {
				v += "-dirty"
			}
		}
		return v
	}
	if i.Modified && !strings.Contains(v, "dirty") {
		if strings.Contains(v, "+") {
			return v + ".dirty"
		}
		return v + "+dirty"
	}
	return v
}

// UserAgent is regsync's product token for the User-Agent header:
// "regsync/" and Full, with any character a header token may not hold
// (RFC 9110, section 5.6.2) replaced by "-".
func (i Info) UserAgent() string {
	return "regsync/" + strings.Map(func(r rune) rune {
		if isTokenChar(r) {
			return r
		}
		return '-'
	}, i.Full())
}

func isTokenChar(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return strings.ContainsRune("!#$%&'*+-.^_`|~", r)
}
