# vecmig: build, test, demo and benchmark. Every target installs what it
# needs (the Weaviate server binary is built once and cached outside the
# repository, in $(CACHE)).
WEAVIATE_VERSION ?= v1.35.2
CACHE            ?= $(HOME)/.cache/vecmig/bin
WEAVIATE_BIN     := $(CACHE)/weaviate-server
export VECMIG_WEAVIATE_BIN := $(WEAVIATE_BIN)

.PHONY: build test demo bench weaviate versitygw qdrant vet

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

# The Qdrant server: unpacked from the compressed binary in ../shared/qdrant/
# when it is there (checked against its SHA256SUMS), else the official
# release archive (needs internet; x86_64 Linux).
QDRANT_VERSION ?= 1.18.3
QDRANT_BIN     := $(CACHE)/qdrant
QDRANT_SHARED  ?= $(abspath ../shared/qdrant)
QDRANT_URL     := https://github.com/qdrant/qdrant/releases/download/v$(QDRANT_VERSION)/qdrant-x86_64-unknown-linux-gnu.tar.gz
export VECMIG_QDRANT_BIN := $(QDRANT_BIN)
qdrant: $(QDRANT_BIN)
$(QDRANT_BIN):
	mkdir -p $(CACHE)
	if [ -f $(QDRANT_SHARED)/qdrant-v$(QDRANT_VERSION)-x86_64-linux-gnu.xz ]; then \
		xz -dc $(QDRANT_SHARED)/qdrant-v$(QDRANT_VERSION)-x86_64-linux-gnu.xz > $@.tmp && \
		want=$$(awk '/unpacked/ {print $$1}' $(QDRANT_SHARED)/SHA256SUMS) && \
		echo "$$want  $@.tmp" | sha256sum -c - ; \
	else \
		curl -fsSL $(QDRANT_URL) | tar -xzO qdrant > $@.tmp ; \
	fi
	chmod +x $@.tmp && mv $@.tmp $@

vet:
	go vet ./...

# The test command (CI runs it through .ci/run).
test: weaviate versitygw qdrant vet
	go test -count=1 -timeout 60m ./...

demo: weaviate qdrant
	go run ./cmd/vecmig-demo

bench: weaviate qdrant
	go run ./cmd/vecmig-bench
