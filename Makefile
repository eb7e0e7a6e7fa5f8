# Taipan's set-up, build and test entry points.
#
#   make run     install what is missing, build bin/taipan, open the shell
#   make test    the same set-up, then go vet, go test and pytest
#   make build   the same set-up, then build bin/taipan
#   make bench   the Python function benchmarks' report (docs/bench/python.md);
#                BENCH=<regexp> runs the matching Go benchmarks instead
#   make proto   regenerate udf/udfpb's Go and Python code from udf.proto
#   make clean   remove build outputs (distclean also removes .venv)
#
# Every step is idempotent and never prompts: CI runs `make test` without a
# terminal.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

GO     ?= go
PYTHON ?= python3

BIN          := bin/taipan
VENV         := .venv
VENV_PYTHON  := $(VENV)/bin/python
REQUIREMENTS := udf/python/requirements.txt
# Records the requirements the venv was last installed from.
VENV_STAMP   := $(VENV)/.requirements.stamp
# The taipan Python package (udf/python), installed editable into the venv:
# its sources are used in place, so only pyproject.toml changes need a
# reinstall.
PY_PROJECT   := udf/python/pyproject.toml
PY_STAMP     := $(VENV)/.taipan.stamp
PYTESTS      := udf/python/tests
# PROCESS-mode workers and go test use the venv's interpreter; bin/taipan
# has its path linked in (udf.DefaultExecutable).
VENV_PYTHON_ABS := $(abspath $(VENV_PYTHON))
GO_LDFLAGS      := -X github.com/taipandb/taipan/udf.builtVenv=$(VENV_PYTHON_ABS)

# make proto: protoc and its Python plugin come from grpcio-tools in the
# venv; protoc-gen-go is installed into bin/tools at the version go.mod
# requires when missing.
PROTO_DIR      := udf/udfpb
PROTO_FILES    := $(PROTO_DIR)/udf.proto
PROTO_PY_OUT   := udf/python/taipan
TOOLS_DIR      := bin/tools
PROTOC_GEN_GO  := $(TOOLS_DIR)/protoc-gen-go

GO_TEST_TIMEOUT ?= 20m
GO_TEST_FLAGS   ?=
BENCH           ?= .

# Debian packages the build needs, installed only when missing: THREAD
# mode's cgo layer asks pkg-config for python3-embed (the fallback used by
# a plain `go build`; the flags below take precedence).
APT_PACKAGES := pkg-config libpython3-dev

# THREAD mode embeds the interpreter the venv is made from, not Debian's
# /usr one that pkg-config finds: take the compile and link flags from that
# interpreter's own python3-config (its link flags carry an rpath). The
# venv has no python3-config, so look under its base prefix.
PYTHON_BASE   := $(shell $(PYTHON) -c 'import sys; print(sys.base_prefix)' 2>/dev/null)
PYTHON_CONFIG := $(firstword $(wildcard $(PYTHON_BASE)/bin/python3-config) $(shell command -v python3-config 2>/dev/null))
ifneq ($(PYTHON_CONFIG),)
PYTHON_CGO_CFLAGS  := $(shell $(PYTHON_CONFIG) --includes 2>/dev/null)
PYTHON_CGO_LDFLAGS := $(shell $(PYTHON_CONFIG) --embed --ldflags 2>/dev/null)
endif
# Setting CGO_CFLAGS replaces Go's default "-O2 -g": keep it.
export CGO_CFLAGS  := $(strip $(or $(CGO_CFLAGS),-O2 -g) $(PYTHON_CGO_CFLAGS))
export CGO_LDFLAGS := $(strip $(or $(CGO_LDFLAGS),-O2 -g) $(PYTHON_CGO_LDFLAGS))

.PHONY: setup apt-packages go-modules venv build run test go-test py-test vet bench bench-report bench-duckdb proto clean distclean

setup: apt-packages go-modules venv

apt-packages:
	@missing=(); \
	for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$$p"); \
	done; \
	if (( $${#missing[@]} )); then \
		sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		echo "installing Debian packages: $${missing[*]}"; \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q; \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$${missing[@]}"; \
	fi

go-modules:
	@$(GO) mod download

venv: $(VENV_STAMP) $(PY_STAMP)

# The venv is (re)created when missing or broken, and packages are
# (re)installed when the requirements change.
$(VENV_STAMP): $(REQUIREMENTS)
	@if ! $(VENV_PYTHON) -c 'import sys' >/dev/null 2>&1; then \
		echo "creating $(VENV) from $$(command -v $(PYTHON))"; \
		rm -rf $(VENV); \
		$(PYTHON) -m venv $(VENV); \
	fi
	@echo "installing $(REQUIREMENTS) into $(VENV)"
	@PIP_NO_INPUT=1 $(VENV_PYTHON) -m pip install --disable-pip-version-check --no-input -q -r $(REQUIREMENTS)
	@cp $(REQUIREMENTS) $@

# Reinstalled when pyproject.toml changes or the venv was recreated.
$(PY_STAMP): $(PY_PROJECT) $(VENV_STAMP)
	@echo "installing udf/python (taipan) into $(VENV)"
	@PIP_NO_INPUT=1 $(VENV_PYTHON) -m pip install --disable-pip-version-check --no-input -q \
		--no-deps --no-build-isolation -e udf/python
	@touch $@

build: setup
	$(GO) build -ldflags '$(GO_LDFLAGS)' -o $(BIN) ./cmd/taipan

run: build
	./$(BIN)

test: setup py-test vet go-test

vet:
	$(GO) vet ./...

go-test bench: export TAIPAN_PYTHON := $(VENV_PYTHON_ABS)

go-test: venv
	$(GO) test -timeout $(GO_TEST_TIMEOUT) $(GO_TEST_FLAGS) ./...

# pytest exits 5 when it collects no test; that is not a failure here.
py-test: venv
	@if [ -d $(PYTESTS) ]; then \
		status=0; $(VENV_PYTHON) -m pytest -q $(PYTESTS) || status=$$?; \
		if [ $$status -ne 0 ] && [ $$status -ne 5 ]; then exit $$status; fi; \
	fi

# make bench runs the Python function benchmarks (bench_python_test.go) and
# writes docs/bench/python.md and python.png (internal/benchreport); raw
# output and CPU profiles go to bin/bench. make bench BENCH=<regexp> runs
# the Go benchmarks that match, in every package, instead.
bench: setup
ifeq ($(origin BENCH),file)
	GO='$(GO)' $(GO) run ./internal/benchreport -out docs/bench -raw bin/bench -command 'make bench'
else
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -timeout $(GO_TEST_TIMEOUT) ./...
endif

# make bench-report rewrites docs/bench/python.md and python.png from the
# last make bench's output in bin/bench, without running the benchmarks.
# Taipan beside DuckDB on the same 10M rows (bench/, a module of its own so
# that the engine never depends on DuckDB): first that both give the same
# answers, then the timings. Not part of make test.
bench-duckdb: setup
	cd bench && GOFLAGS=-mod=mod $(GO) test -run TestSameResults -timeout 60m .
	cd bench && GOFLAGS=-mod=mod $(GO) test -run '^$$' -bench . -benchtime 3x -count 2 -timeout 60m .

bench-report:
	$(GO) run ./internal/benchreport -in bin/bench/python.txt -out docs/bench

proto: venv
	@want=$$($(GO) list -m -f '{{.Version}}' google.golang.org/protobuf); \
	if ! [ -x $(PROTOC_GEN_GO) ] || [ "$$($(PROTOC_GEN_GO) --version 2>/dev/null)" != "protoc-gen-go $$want" ]; then \
		echo "installing protoc-gen-go $$want into $(TOOLS_DIR)"; \
		GOBIN=$(abspath $(TOOLS_DIR)) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$$want; \
	fi
	$(VENV_PYTHON) -m grpc_tools.protoc -I $(PROTO_DIR) --python_out=$(PROTO_PY_OUT) $(PROTO_FILES)
	$(VENV_PYTHON) -m grpc_tools.protoc -I $(PROTO_DIR) \
		--plugin=protoc-gen-go=$(abspath $(PROTOC_GEN_GO)) \
		--go_out=$(PROTO_DIR) --go_opt=paths=source_relative $(PROTO_FILES)

clean:
	rm -rf bin
	$(GO) clean -testcache

distclean: clean
	rm -rf $(VENV)
