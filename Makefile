# storemon: run `make` (or `make help`) to list the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTHON ?= python3
DATA := data/raw
DB := data/storemon.duckdb

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

## Build the virtual environment (.venv) from pyproject.toml when it is missing or stale
.PHONY: venv
venv: $(STAMP)

## Generate the demo data set once (real-fleet size), ingest it, and write a report
.PHONY: demo
demo: $(STAMP)
	@test -f $(DATA)/store_status.csv || $(BIN)/storemon generate --out $(DATA)
	$(BIN)/storemon ingest --data $(DATA) --db $(DB)
	$(BIN)/storemon report --db $(DB) --out reports/demo/report.csv

## Run every test (unit, SQL, reference, notebooks, API, browser)
.PHONY: test
test: $(STAMP) browser
	$(BIN)/pytest

## Run the fast tests only (those not marked slow), in under a minute
.PHONY: test-fast
# only tests/: the notebook runs under notebooks/ (nbval) start kernels, so they are slow too
test-fast: $(STAMP)
	$(BIN)/pytest -m "not slow" tests

## Install Debian's chromium for the browser tests when it is missing (needs root)
.PHONY: browser
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

## Start the dashboard and the API on 127.0.0.1
.PHONY: serve
serve: $(STAMP)
	@test -f $(DB) || $(MAKE) demo
	$(BIN)/storemon serve

## Benchmark ingest and report at 1x and 10x the real fleet, hourly drops on 1, 4 and 12 weeks
## of history, and trends on 4 weeks (three tables; the first run makes the data: about an hour)
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python bench/benchmark.py
	$(BIN)/python bench/benchmark.py --living
	$(BIN)/python bench/benchmark.py --trend

## Scale benchmark (issue 9): 1x, 10x, 100x ingest and reports, one process and on Dask (long)
.PHONY: bench-scale
bench-scale: $(STAMP)
	$(BIN)/python bench/benchmark_scale.py --scales 1 10 100

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
	@awk '/^## /{desc=substr($$0,4); next} /^\.PHONY: /{if (desc) printf "  \033[36m%-10s\033[0m %s\n", $$2, desc; desc=""}' $(MAKEFILE_LIST)
