// Package release checks the release configuration: .goreleaser.yaml, the
// container image's Dockerfile beside this file and the release workflow.
// It has no code of its own. Its test reads the configuration as data and
// pins what users and the setup action rely on (the six os/arch targets,
// archive names and formats, the checksum file, the linker flags that name
// buildinfo's variables, the signed checksums, the non-root image), so CI
// checks the release without running GoReleaser, whose build takes longer
// than CI can spare; `make release-check` runs `goreleaser check` as well.
package release
