# config-report — developer entry points. `make demo` and `make test` are the
# two commands a new user runs; each installs what it needs by itself.

GO      ?= go
NPM     ?= npm
ENVS    ?= ptdev prod
export CDK_DISABLE_CLI_TELEMETRY := true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: all demo test deps npm fmtcheck vet lint unit e2e synth bench docs-images clean

all: test

## demo: run the whole pipeline on a simulated organization and write ./report
demo: deps
	$(GO) run ./cmd/config-report demo --out ./report

## test: formatting, vet, staticcheck, every unit and end-to-end test
test: deps fmtcheck vet lint unit e2e

## deps: download Go modules and the pinned npm tooling
deps: npm
	$(GO) mod download

npm: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund --loglevel=error

fmtcheck:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

## lint: staticcheck, pinned by go.mod's tool directive
lint:
	$(GO) tool staticcheck ./...

## unit: every package but the end-to-end suite
unit:
	$(GO) test $$($(GO) list ./... | grep -v '/config-report/test$$')

## e2e: the end-to-end suite (kumo listens on a fixed port: one package, serial)
e2e:
	$(GO) test -p 1 -count=1 ./test/...

## synth: cdk synth for every environment, offline, building the arm64 Lambda assets
synth: deps
	@for env in $(ENVS); do \
		echo "cdk synth -c env=$$env"; \
		npx --no-install cdk synth --no-notices --quiet -c env=$$env -o cdk.out/$$env >/dev/null || exit 1; \
	done

## docs-images: re-render the README's pictures of the demo workbook (needs LibreOffice and poppler-utils)
docs-images:
	docs/render.sh

## bench: the benchmarks recorded in the README (slow)
bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./internal/... ./cmd/...

clean:
	rm -rf cdk.out report
