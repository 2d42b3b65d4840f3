# vecmig: build, test, demo and benchmark. Every target installs what it
# needs (the Weaviate server binary is built once and cached outside the
# repository, in $(CACHE)).
WEAVIATE_VERSION ?= v1.35.2
CACHE            ?= $(HOME)/.cache/vecmig/bin
WEAVIATE_BIN     := $(CACHE)/weaviate-server
export VECMIG_WEAVIATE_BIN := $(WEAVIATE_BIN)

.PHONY: build test demo bench weaviate versitygw vet

build:
	go build -o bin/vecmig ./cmd/vecmig

# The Weaviate server, built with go install outside this module so that
# none of its packages enter go.mod (see the README).
weaviate: $(WEAVIATE_BIN)
$(WEAVIATE_BIN):
	mkdir -p $(CACHE)
	tmp=$$(mktemp -d) && cd $$tmp && GOBIN=$(CACHE) GOFLAGS=-mod=mod go install github.com/weaviate/weaviate/cmd/weaviate-server@$(WEAVIATE_VERSION)

# The S3-compatible server the Weaviate backup-s3 tests start (outside the
# module, like the Weaviate server).
VERSITYGW_BIN := $(CACHE)/versitygw
export VECMIG_VERSITYGW_BIN := $(VERSITYGW_BIN)
versitygw: $(VERSITYGW_BIN)
$(VERSITYGW_BIN):
	mkdir -p $(CACHE)
	tmp=$$(mktemp -d) && cd $$tmp && GOBIN=$(CACHE) GOFLAGS=-mod=mod go install github.com/versity/versitygw/cmd/versitygw@v1.8.0

vet:
	go vet ./...

# The test command (CI runs it through .ci/run).
test: weaviate versitygw vet
	go test -count=1 -timeout 60m ./...

demo: weaviate
	go run ./cmd/vecmig-demo

bench: weaviate
	go run ./cmd/vecmig-bench
