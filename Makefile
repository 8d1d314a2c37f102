# `make run` starts the gateway; `make test` runs the whole suite.
# Every target installs what it needs first, idempotently.

SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install system-tools run test test-tools protocol-tests bench lint coverage parity conformance clean

$(VPY):
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed: installing python3-venv"; \
	  apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null && $(PYTHON) -m venv $(VENV); }

$(STAMP): $(VPY) setup.cfg setup.py pyproject.toml providers/lambda_/executors/pythons.py providers/lambda_/executors/nodes.py specs/runtimes/durable.json
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -e '.[test,bench]'
	$(VPY) -m providers.lambda_.executors.pythons
	$(VPY) -m providers.lambda_.executors.nodes
	@touch $(STAMP)

# Functions run in bubblewrap sandboxes (the default executor): Debian's package,
# installed when missing and this user may; without it functions run under the
# process executor, with a log line saying so.
system-tools:
	@command -v bwrap >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO="none"; fi; \
	  if [ "$$SUDO" = none ]; then \
	    echo "bubblewrap is not installed and cannot be installed by this user: functions will run under the process executor (no isolation); apt-get install bubblewrap to isolate them"; \
	  else \
	    echo "installing: bubblewrap"; \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq bubblewrap >/dev/null \
	      || echo "bubblewrap could not be installed: functions will run under the process executor"; \
	  fi; }

install: $(STAMP) system-tools

run: install
	$(VPY) -m gateway

# Tools the tests drive besides Python: curl (provided.* bootstraps, function
# URLs), zip and jq (the user guide's commands), node (Node.js functions),
# chromium (Debian's package: the browser-attack tests drive a real headless one),
# chromedriver (Debian's chromium-driver: selenium drives the resource browser's pages),
# dockerd (Debian's docker.io: the docker executor's tests start an engine of their own
# when none runs).
TEST_TOOLS := curl zip node jq chromium chromedriver dockerd

test-tools:
	@missing=""; for t in $(TEST_TOOLS); do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  pkgs=$$(echo "$$missing" | sed 's/node/nodejs/; s/chromedriver/chromium-driver/; s/dockerd/docker.io/'); \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs >/dev/null; \
	fi

# AWS's protocol conformance cases, from the sdist of the installed botocore,
# cached in ~/.cache/lambda-gateway/botocore-<version>/ (tests/support/protocol_data.py).
# Fails, naming why, when they cannot be had (PROTOCOL_TESTS_DIR overrides).
protocol-tests: install
	@$(VPY) -m tests.support.protocol_data >/dev/null

# Screenshots and other artifacts tests keep: test-artifacts/ (git ignores it).
test: install test-tools protocol-tests
	TEST_ARTIFACTS_DIR=$${TEST_ARTIFACTS_DIR:-test-artifacts} $(VPY) -m pytest $(PYTEST_ARGS)

bench: install
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	$(VPY) -m bench $(BENCH)

lint: install
	$(VPY) -m pyflakes gateway providers tests bench conformance

coverage: install
	$(VPY) -m providers.lambda_.coverage

# Per family, how many tests citing a recorded AWS response (a snapshot) pass
# (tests/support/parity.py); runs only those tests.
parity: install test-tools
	$(VPY) -m pytest -q -p no:cacheprovider -p tests.support.parity tests/integration $(PYTEST_ARGS)

# AWS's durable-functions conformance requirements (PyPI aws-durable-execution-conformance-tests,
# cached in ~/.cache/lambda-gateway/conformance/) run against a gateway started here, each with a
# Python handler from conformance/handlers/python: prints "conformance: N/155 passed", per-suite
# counts and each failure's first difference; writes conformance/results.json. CONFORMANCE_ARGS
# picks requirements or suites (make conformance CONFORMANCE_ARGS="step 4-1").
CONFORMANCE_ARGS ?=
conformance: install
	$(VPY) -m conformance $(CONFORMANCE_ARGS)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
