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

.PHONY: build
build: ## Build bin/regsync
	$(GO) build -o bin/regsync ./cmd/regsync

.PHONY: fmt
fmt: ## Fail if gofmt would change a file
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

.PHONY: vet
vet: ## go vet every package
	$(GO) vet $(PKGS)

.PHONY: depcheck
depcheck: ## Fail if a package other than graph/, keyvault/, cmd/ pulls in an Azure SDK
	@sh scripts/depcheck.sh

.PHONY: unit
unit: ## Unit tests (no Azure SDK is compiled)
	$(GO) test $$($(GO) list ./... | grep -v -e /e2e -e /graph -e /keyvault -e /cmd/)

.PHONY: test
test: fmt vet depcheck ## Every check and every test, as CI runs them
	$(GO) test -count=1 $(PKGS)

.PHONY: e2e
e2e: ## End-to-end tests: the built binary and the real SDK clients against the emulator
	$(GO) test -count=1 ./e2e/...

.PHONY: golden
golden: ## Regenerate golden files (review the diff!)
	$(GO) test ./planner/... ./e2e/... -update

.PHONY: fuzz
fuzz: ## Fuzz the spec loader for FUZZTIME, the Graph and Key Vault response decoders for FUZZTIME_SDK each
	$(GO) test ./spec -run '^$$' -fuzz FuzzLoad -fuzztime $(FUZZTIME)
	$(GO) test ./graph -run '^$$' -fuzz FuzzGraphResponse -fuzztime $(FUZZTIME_SDK)
	$(GO) test ./keyvault -run '^$$' -fuzz FuzzVaultResponse -fuzztime $(FUZZTIME_SDK)

.PHONY: bench
bench: ## Benchmarks (request counts and ratios against a naive reader)
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) $(PKGS)

.PHONY: validate-examples
validate-examples: build ## Validate every example spec
	./bin/regsync validate $$(find examples -name '*.yaml' -not -path '*/pipelines/*' | sort | sed 's/^/-f /')

.PHONY: lint-workflows
lint-workflows: ## Lint the pipeline templates (actionlint, YAML shape tests)
	@sh scripts/lint-workflows.sh
