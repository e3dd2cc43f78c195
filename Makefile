# Watchkeeper developer entry points. The README's quick start is `make demo`
# and `make test`; CI (.ci/run) runs `make test`.
SHELL := /usr/bin/env bash
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
STATICCHECK_VERSION := v0.8.2
GO_TEST_FLAGS ?= -race -count=1 -timeout 30m

.PHONY: all build controlplane test lint fmt demo demo-check clean deploy-gen

all: build

## build: the static binary, as the Dockerfile builds it
build:
	CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o bin/watchkeeper ./cmd/watchkeeper

## controlplane: build (or reuse) kube-apiserver, etcd and kubectl for tests
controlplane:
	@bash hack/build-controlplane.sh >/dev/null

## test: everything CI runs: lint, the static build, every test with -race,
## and a short fuzz of the chat command parser
test: lint build controlplane
	go test $(GO_TEST_FLAGS) ./...
	$(MAKE) --no-print-directory bench-smoke
	go test -run '^$$' -fuzz FuzzParse -fuzztime 15s -fuzzminimizetime 3s ./bot/parse/
	bash hack/demo-check.sh

## lint: gofmt, go vet and staticcheck must be clean
lint:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './hack/controlplane/*'))"; \
		if [[ -n "$$out" ]]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

## bench: issue 8's harness at 1k and 10k pods (about 40 minutes on 2
## cores); tables and JSON in bench/results, see docs/benchmarks.md
.PHONY: bench bench-smoke
BENCH_FLAGS ?= -sizes 1000,10000 -latency-incidents 60
bench: build controlplane
	go run ./bench/cmd/wkbench -binary bin/watchkeeper $(BENCH_FLAGS)

## bench-smoke: the harness at 200 pods with short scenarios (CI, under 3
## minutes); fails only on functional breakage, never on slow figures
bench-smoke: build controlplane
	go run ./bench/cmd/wkbench -smoke -binary bin/watchkeeper

fmt:
	gofmt -w $$(git ls-files '*.go')

## demo: local control plane with a fake kubelet, a broken demo namespace,
## and Watchkeeper with the console adapter under a demo policy
demo: build controlplane
	bash hack/demo.sh

## demo-check: run the demo with hack/demo/script.txt as input and check
## its output (alerts, replies, redaction, refusals); part of `make test`
demo-check: build controlplane
	bash hack/demo-check.sh

## deploy-gen: regenerate deploy/kustomize from the Helm chart's default
## render and copy the Grafana dashboard into the chart
deploy-gen:
	go run ./hack/gen-kustomize

clean:
	rm -rf bin
