// Package scripts holds the shell scripts the build and the releases use
// (depcheck.sh, lint-workflows.sh, install.sh) and the Go tests that run
// them. install_test.go exercises install.sh, the installer behind the
// setup action, against a release laid out on a local HTTP server.
package scripts
