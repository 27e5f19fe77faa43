# storemon: run `make` (or `make help`) to list the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTHON ?= python3
DATA := data/raw
DB := data/storemon.duckdb

LOCK := constraints.txt
# The Python and platform the lock is resolved for (CI's and the project machines').
LOCK_PYTHON := 3.11

# Installed with the versions the tests passed with (constraints.txt); pyproject.toml keeps
# open ranges for `pip install storemon`.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c $(LOCK) -e ".[dev]"
	touch $(STAMP)

## Build the virtual environment (.venv) from pyproject.toml and constraints.txt when needed
.PHONY: venv
venv: $(STAMP)

## Refresh constraints.txt to the newest versions pyproject.toml allows (then run make test)
.PHONY: lock
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version $(LOCK_PYTHON) \
		--python-platform linux --upgrade --quiet --custom-compile-command "make lock" -o $(LOCK)

## Generate a demo fleet (14,092 stores, polls up to this hour), ingest it, write a report
.PHONY: demo
demo: $(STAMP)
	$(BIN)/storemon generate --out $(DATA)
	$(BIN)/storemon ingest --data $(DATA) --db $(DB)
	$(BIN)/storemon report --db $(DB) --out reports/demo/report.csv
	@echo
	@echo "Next: make serve, then open the dashboard at http://127.0.0.1:8866/"

## Run every test (unit, SQL, reference, notebooks, API, browser, the docs' examples)
.PHONY: test
test: $(STAMP) browser
	$(BIN)/pytest

## Run the fast tests only (those not marked slow): the edit loop
.PHONY: test-fast
# only tests/: the notebook runs under notebooks/ (nbval) start kernels, so they are slow too
test-fast: $(STAMP)
	$(BIN)/pytest -m "not slow" tests

## Install Debian's chromium for the browser tests when it is missing (needs root)
.PHONY: browser
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

## Start the dashboard (http://127.0.0.1:8866/) and the API (:8000) until Ctrl-C
.PHONY: serve
serve: $(STAMP)
	@test -f $(DB) || $(MAKE) demo
	$(BIN)/storemon serve

## Benchmark 1x and 10x the fleet, hourly drops on 1 to 12 weeks of history, trends on 4 weeks,
## a report's latency, the dashboard in a browser and what widget libraries would add to it
## (a venv built once from PyPI); writes docs/performance.md (about an hour)
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python bench/benchmark.py --scales 1 10 --markdown docs/performance.md
	$(BIN)/python bench/benchmark.py --living --markdown docs/performance.md
	$(BIN)/python bench/benchmark.py --trend --scales 1 10 --markdown docs/performance.md
	$(BIN)/python bench/benchmark.py --latency --markdown docs/performance.md
	$(BIN)/python bench/benchmark.py --dashboard --markdown docs/performance.md
	$(BIN)/python bench/widget_weight.py --markdown docs/performance.md

## The README's picture of the dashboard (docs/dashboard.png), from make demo's data
.PHONY: screenshot
screenshot: $(STAMP) browser
	@test -f $(DB) || $(MAKE) demo
	$(BIN)/python bench/screenshot.py --db $(DB) --out docs/dashboard.png

## Scale benchmark: 1x, 10x, 100x ingest and reports, in one process and on Dask, then an
## hourly drop into 1 and 21 days held at 10x and 100x; writes the tables of docs/scaling.md
## (long: the 100x ingest needs about 50 GB of disk, the 100x drops about 25 GB)
.PHONY: bench-scale
bench-scale: $(STAMP)
	$(BIN)/python bench/benchmark_scale.py --scales 1 10 100 --markdown docs/scaling.md
	$(BIN)/python bench/benchmark_scale.py --scales --drops 10:1 10:21 100:1 100:21 \
		--markdown docs/scaling.md

## Lint Python (ruff), imports (layers contract), SQL (sqlfluff) and notebooks (no outputs)
.PHONY: lint
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/sqlfluff lint storemon/engine/sql
	$(BIN)/nbstripout --verify notebooks/*.ipynb

## Format Python with ruff
.PHONY: format
format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Remove generated data, reports and caches (keeps .venv)
.PHONY: clean
clean:
	rm -rf data/raw data/*.duckdb reports/*/ .pytest_cache .ruff_cache .hypothesis test-artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

## Show this help
.PHONY: help
help:
	@awk '/^## /{desc=(desc ? desc " " : "") substr($$0,4); next} \
		/^\.PHONY: /{if (desc) printf "  \033[36m%-11s\033[0m %s\n", $$2, desc; desc=""}' \
		$(MAKEFILE_LIST)
