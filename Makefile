# regsync — run `make help` for the targets.
GO        ?= go
PKGS      := ./...
FUZZTIME  ?= 20s
# FUZZTIME_SDK is the time of each SDK response fuzz target (graph,
# keyvault); FUZZTIME when unset. Their first run also builds msgraph-sdk-go
# with fuzzing instrumentation, which takes minutes on a cold cache.
FUZZTIME_SDK ?= $(FUZZTIME)
BENCHTIME ?= 1x

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*?## "} /^[a-zA-Z_-]+:.*?## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# The commit and build date go in by linker flags as well as from Go's own
# VCS stamping, which is off where GOFLAGS has -buildvcs=false or in a git
# worktree; so `regsync version` names the commit of every make build.
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
BUILT   ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS ?= -X github.com/regsync/regsync/buildinfo.commit=$(COMMIT) -X github.com/regsync/regsync/buildinfo.date=$(BUILT)

.PHONY: build
build: ## Build bin/regsync (with the commit and build date)
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/regsync ./cmd/regsync

.PHONY: fmt
fmt: ## Fail if gofmt would change a file
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

.PHONY: vet
vet: ## go vet every package
	$(GO) vet $(PKGS)

.PHONY: depcheck
depcheck: ## Fail if a package other than graph/, keyvault/, arm/, cmd/ pulls in an Azure SDK
	@sh scripts/depcheck.sh

.PHONY: unit
unit: ## Unit tests (no Azure SDK is compiled)
	$(GO) test $$($(GO) list ./... | grep -v -e /e2e -e /graph -e /keyvault -e /arm -e /cmd/)

.PHONY: test
test: fmt vet depcheck ## Every check and every test, as CI runs them
	$(GO) test -count=1 -timeout 45m $(PKGS)

.PHONY: e2e
e2e: ## End-to-end tests: the built binary and the real SDK clients against the emulator
	$(GO) test -count=1 -timeout 45m ./e2e/...

.PHONY: docs
docs: ## Regenerate the man pages in docs/man from the command tree (CI checks they are current)
	$(GO) test ./cmd/regsync -run TestManPagesCurrent -update-man

.PHONY: golden
golden: ## Regenerate golden files (review the diff!)
	$(GO) test ./planner/... ./e2e/... -update

.PHONY: fuzz
fuzz: ## Fuzz the spec loader and the saved-plan decoder for FUZZTIME, the Graph and Key Vault response decoders for FUZZTIME_SDK each
	$(GO) test ./spec -run '^$$' -fuzz FuzzLoad -fuzztime $(FUZZTIME)
	$(GO) test ./planner/planfile -run '^$$' -fuzz FuzzReadPlan -fuzztime $(FUZZTIME)
	$(GO) test ./graph -run '^$$' -fuzz FuzzGraphResponse -fuzztime $(FUZZTIME_SDK)
	$(GO) test ./keyvault -run '^$$' -fuzz FuzzVaultResponse -fuzztime $(FUZZTIME_SDK)

.PHONY: bench
bench: ## Benchmarks, then the table of docs/performance.md (fails if planning grows faster than the set)
	@GO=$(GO) BENCHTIME=$(BENCHTIME) sh scripts/bench.sh

.PHONY: validate-examples
validate-examples: build ## Validate every example spec
	./bin/regsync validate $$(find examples -name '*.yaml' -not -path '*/pipelines/*' | sort | sed 's/^/-f /')

.PHONY: lint-workflows
lint-workflows: ## Lint the pipeline templates (actionlint, YAML shape tests)
	@sh scripts/lint-workflows.sh

# Releases are built by GoReleaser (.goreleaser.yaml), the version below, in
# .github/workflows/release.yml. Building GoReleaser itself takes many
# minutes on a cold module cache, so CI checks the configuration with the Go
# test in release/ instead; these targets run the real tool.
GORELEASER_VERSION ?= v2.15.1
GORELEASER ?= $(shell command -v goreleaser 2>/dev/null)

.PHONY: release-check
release-check: ## Check .goreleaser.yaml with `goreleaser check` and the release test
	$(GO) test -count=1 ./release/
	@if [ -z "$(GORELEASER)" ]; then \
	  echo "release-check: goreleaser is not on PATH; install it with"; \
	  echo "  go install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION)"; \
	  echo "or set GORELEASER=/path/to/goreleaser (the test above ran)"; exit 1; \
	fi
	$(GORELEASER) check

.PHONY: dist
dist: ## Build a local snapshot release into dist/ (no signing, image or SBOM)
	$(GO) run github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION) release --snapshot --clean --skip=sign,docker,sbom --timeout 3h

.PHONY: dist-test
dist-test: dist ## Build the snapshot, check its six archives and checksums, and install it with scripts/install.sh
	REGSYNC_DIST=$(CURDIR)/dist $(GO) test -count=1 -run TestInstallFromSnapshot -v ./scripts/
