# Microwork Atlas — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# Values given by the user (`make fetch FROM=…`) reach Python only through the environment:
# no recipe expands them, so no file name or query text is ever read by a shell. Each one is
# made a simple variable holding its text unexpanded ($(value …)), so that exporting it cannot
# run a `$(shell …)` hidden in it either.
USER_VARS := SOURCE FROM MAX_PAGES Q COUNTRY FORMAT YEAR RETIRE RESTORE
$(foreach v,$(USER_VARS),$(eval override $(v) := $$(value $(v))))
export $(USER_VARS)

.DEFAULT_GOAL := help
.PHONY: help install maps db test lint fetch query raw bench spark clean screenshots mutation

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@echo "==> installing into $(VENV)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install the pipeline with its test tools

db: $(STAMP) ## rebuild data/atlas.duckdb from reference, curated and raw data
	@echo "==> building the database"
	@$(PY) -m pipeline db

maps: db ## the main job: build the database and write maps/*.html
	@echo "==> writing maps"
	@$(PY) -m pipeline maps
	@echo "==> open maps/index.html in a browser"

screenshots: maps ## regenerate the README's screenshots of the maps (docs/screenshots/)
	@$(PY) -m pipeline.render.screenshots

test: $(STAMP) ## run the whole test suite (Python, SQL rules, maps in headless Chromium)
	@echo "==> running tests"
	@$(PY) -m pytest -q

# TypeScript (pinned in package.json and package-lock.json) checks the maps' JavaScript; it is
# installed into ./node_modules and never reaches the pages.
$(NODE_STAMP): package.json package-lock.json
	@echo "==> installing the JavaScript type checker into node_modules/"
	@npm ci --no-audit --no-fund --silent
	@touch $(NODE_STAMP)

lint: $(STAMP) $(NODE_STAMP) ## ruff, mypy (strict), the layers (each stage imports only the ones below it), tsc on the maps' JavaScript
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy
	@$(VENV)/bin/lint-imports --no-cache
	@node_modules/.bin/tsc -p tsconfig.json

fetch: $(STAMP) ## fetch a source: make fetch SOURCE=remotework [FROM=folder-or-file]
	@$(PY) -m pipeline fetch

query: $(STAMP) ## run a saved query or SQL: make query Q=country_profile COUNTRY=PHL [FORMAT=csv]
	@$(PY) -m pipeline query

raw: $(STAMP) ## list raw files, versions, status; make raw RETIRE=<path or id> sets one aside
	@$(PY) -m pipeline raw

$(VENV)/.installed-%: $(STAMP) pyproject.toml
	@echo "==> installing the $* extra"
	@$(PY) -m pip install --quiet -e '.[test,$*]'
	@touch $@

# SIZE (e.g. SIZE=100M) reaches bench through the environment, never through the shell line.
bench: $(VENV)/.installed-bench ## benchmarks, never part of make test: make bench [SIZE=100M]
	@$(PY) -m bench
	@$(PY) -m bench.ingest
	@$(PY) -m bench.maps

# Never part of make test: cosmic-ray over the Python modules of mutation/cosmic-ray/*.toml and
# the SQL mutants of mutation/sql_mutants.py, each job in a scratch copy of the checkout.
mutation: $(VENV)/.installed-mutation ## mutation testing: the share of planted bugs the tests catch (about 15 min)
	@$(PY) mutation/run.py

spark: $(VENV)/.installed-spark db ## the core__ and out__ tables built by Apache Spark (pyspark, local mode) as Parquet
	@$(PY) -m pipeline.spark

clean: ## remove generated files (database, maps), keep shipped and raw data
	rm -f data/atlas.duckdb data/atlas.duckdb.wal data/atlas.duckdb.tmp-* data/atlas.duckdb.lock
	rm -rf data/staging data/spark
	find maps -mindepth 1 ! -name README.md -delete
