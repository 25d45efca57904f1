// Package buildinfo says which regsync is running: its version, the commit
// it was built from and whether that tree had uncommitted changes, the
// commit's time, the build date and the Go toolchain. It reads them from
// the build information the Go linker embeds in every binary
// (runtime/debug.ReadBuildInfo) and lets a release build override them
// with linker flags:
//
//	go build -ldflags "\
//	  -X github.com/regsync/regsync/buildinfo.version=v1.2.3 \
//	  -X github.com/regsync/regsync/buildinfo.commit=$(git rev-parse HEAD) \
//	  -X github.com/regsync/regsync/buildinfo.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
//	  ./cmd/regsync
//
// Without flags, what is known depends on how the binary was built. Since
// Go 1.24, `go build` in a git checkout stamps the module version from the
// tags (v1.2.3, or a pseudo-version such as
// v0.0.0-20260102030405-0123456789ab, with "+dirty" for a modified tree)
// together with vcs.revision, vcs.time and vcs.modified; `go install
// module@version` records the module version but no VCS settings; `go run`
// and `go test` record neither, so the version is "dev". Stamping needs
// -buildvcs=auto (the default) or true: GOFLAGS=-buildvcs=false turns it
// off. It also needs a checkout whose .git is a directory: in a linked
// worktree (`git worktree add`) .git is a file, which Go does not take for
// a repository (golang/go#58218), so it records no VCS settings, or those
// of an enclosing checkout when the worktree lies inside one. Release
// builds set the linker flags and do not depend on either.
//
// Full is the string that tells two builds apart, used wherever a
// version is compared or sent: the saved plan's binary version (a plan is
// applied only by the build that made it) and the User-Agent. A dev build
// with a known commit is "dev+<12-hex commit>", with "-dirty" appended when
// the tree was modified, so a plan made at one commit is not silently
// applied by a build of another. Two dev builds of the same modified tree
// still look alike; nothing in the build information tells them apart.
//
// # User-Agent
//
// Every request regsync sends to a service carries UserAgent() as the first
// product of its User-Agent header, followed by the SDK's own products
// (for example "regsync/v1.2.3 kiota-go/1.5.4" for Graph and
// "regsync/v1.2.3 azsdk-go-azsecrets/v1.5.1 (go1.26.8; linux)" for Key
// Vault). regsync comes first because products are listed in order of
// significance (RFC 9110, section 10.1.5) and it is the application a
// tenant's sign-in and audit logs should name; the SDK products stay
// because Microsoft support asks for the SDK version when diagnosing a
// request. The graph and keyvault packages add the header below their
// retry handling, so retries, $batch requests and Key Vault's challenge
// round trip carry it too. The Azure Resource Manager package, once it
// exists, must do the same.
//
// This package imports no SDK, so every package may use it.
package buildinfo
