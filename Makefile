# Microwork Atlas — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SOURCE ?=
FROM ?=
MAX_PAGES ?=
Q ?=

.DEFAULT_GOAL := help
.PHONY: help install maps db test lint fetch query bench spark clean

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

test: $(STAMP) ## run the whole test suite (Python, SQL rules, maps in headless Chromium)
	@echo "==> running tests"
	@$(PY) -m pytest -q

lint: $(STAMP) ## ruff
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

fetch: $(STAMP) ## fetch a source: make fetch SOURCE=remotework [FROM=folder-or-file]
	@test -n "$(SOURCE)" || { echo "usage: make fetch SOURCE=<oli|remotework|freelancer|csv> [FROM=<path>]"; exit 2; }
	@$(PY) -m pipeline fetch $(SOURCE) $(if $(FROM),--from "$(FROM)") $(if $(MAX_PAGES),--max-pages $(MAX_PAGES))

query: $(STAMP) ## run a saved query or SQL: make query Q=country_profile COUNTRY=PHL [FORMAT=csv]
	@$(PY) -m pipeline query

$(VENV)/.installed-%: $(STAMP) pyproject.toml
	@echo "==> installing the $* extra"
	@$(PY) -m pip install --quiet -e '.[test,$*]'
	@touch $@

# SIZE (e.g. SIZE=100M) reaches bench through the environment, never through the shell line.
bench: $(VENV)/.installed-bench ## benchmarks, never part of make test: make bench [SIZE=100M]
	@$(PY) -m bench
	@$(PY) -m bench.ingest

spark: $(VENV)/.installed-spark db ## the out__ tables built by Apache Spark (pyspark, local mode) as Parquet
	@$(PY) -m pipeline.spark

clean: ## remove generated files (database, maps), keep shipped and raw data
	rm -f data/atlas.duckdb data/atlas.duckdb.wal data/atlas.duckdb.tmp-*
	rm -rf data/spark
	find maps -mindepth 1 ! -name README.md -delete
