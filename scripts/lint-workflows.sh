#!/bin/sh
# Lints the pipeline templates under examples/pipelines/ and this
# repository's own workflows under .github/workflows/ (the release):
#   - the GitHub Actions workflows with actionlint (syntax, expressions,
#     action inputs, permissions; shellcheck on run: scripts when shellcheck
#     is on PATH), installed as a Go module into a temporary GOBIN;
#   - every template, the Azure DevOps pipeline included, with the Go tests of
#     package examples (YAML syntax, stages and jobs, task inputs, pinned
#     actions, no stored secrets).
# Needs only Go and the module proxy. Set ACTIONLINT to an actionlint binary
# to skip the install.
set -eu
cd "$(dirname "$0")/.."

ACTIONLINT_VERSION=v1.7.12

if [ -z "${ACTIONLINT:-}" ]; then
  gobin=$(mktemp -d)
  trap 'rm -rf "$gobin"' EXIT
  GOBIN="$gobin" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  ACTIONLINT="$gobin/actionlint"
fi

echo "lint-workflows: $("$ACTIONLINT" -version | head -n 1) on examples/pipelines/github and .github/workflows"
"$ACTIONLINT" examples/pipelines/github/*.yml .github/workflows/*.yml

echo "lint-workflows: go test ./examples (every template parses and has its stages)"
go test -count=1 ./examples/
