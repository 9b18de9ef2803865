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
USER_VARS := SOURCE FROM MAX_PAGES Q COUNTRY FORMAT YEAR RETIRE RESTORE OUT
$(foreach v,$(USER_VARS),$(eval override $(v) := $$(value $(v))))
export $(USER_VARS)

.DEFAULT_GOAL := help
.PHONY: help install maps print db test lint fetch query raw export bench spark clean distclean screenshots mutation

# The stamp alone is not trusted: an install stopped half-way (killed after `python -m venv`,
# before pip ran) leaves a .venv whose python starts but has no pip, and every later target
# failed with "No module named pip". The venv is whole when pip, the pipeline and DuckDB are
# installed in it (-I: looked up in the venv, not in this folder); when it is not, the stamp is
# remade and its recipe creates .venv again.
VENV_WHOLE = $(PY) -I -c 'import importlib.util as u, sys; sys.exit(not all(u.find_spec(m) for m in ("pip", "pipeline", "duckdb")))' >/dev/null 2>&1
ifeq ($(shell test -e $(VENV) && { $(VENV_WHOLE) || echo broken; }),broken)
.PHONY: $(STAMP)
endif

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

# pip's own output is long and its --quiet is silent for minutes: the filter prints one line
# per package instead (pipeline/util/install_progress.py, run as a plain script).
$(STAMP): pyproject.toml
	@if [ -e $(VENV) ] && ! $(VENV_WHOLE); then \
		echo "==> $(VENV) is incomplete (an install stopped half-way?): creating it again"; \
		rm -rf $(VENV); \
	fi
	@echo "==> installing into $(VENV): about 130 packages, 3 to 4 minutes the first time"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@set -o pipefail; $(PY) -m pip install --progress-bar off -e '.[test]' \
		| $(PY) pipeline/util/install_progress.py
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install the pipeline with its test tools

db: $(STAMP) ## rebuild data/atlas.duckdb from reference, curated and raw data
	@echo "==> building the database"
	@$(PY) -m pipeline db

maps: $(STAMP) ## the main job: build the database and write maps/*.html (after make fetch too)
	@$(PY) -m pipeline maps

print: $(STAMP) ## the maps and their print versions for papers: maps/*.svg and 300-dpi maps/*.png
	@$(PY) -m pipeline maps --print

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

raw: $(STAMP) ## list raw files, versions, status; make raw RETIRE=<name, path or id> sets one aside
	@$(PY) -m pipeline raw

export: $(STAMP) ## flows and countries with their citation: make export FORMAT=geojson|geoparquet|csv [SOURCE=… YEAR=…]
	@$(PY) -m pipeline export

$(VENV)/.installed-%: $(STAMP) pyproject.toml
	@echo "==> installing the $* extra"
	@set -o pipefail; $(PY) -m pip install --progress-bar off -e '.[test,$*]' \
		| $(PY) pipeline/util/install_progress.py
	@touch $@

# SIZE (e.g. SIZE=100M) reaches bench through the environment, never through the shell line.
bench: $(VENV)/.installed-bench ## benchmarks, never part of make test: make bench [SIZE=100M]
	@$(PY) -m bench
	@$(PY) -m bench.ingest
	@$(PY) -m bench.scale
	@$(PY) -m bench.maps

# Never part of make test: cosmic-ray over the Python modules of mutation/cosmic-ray/*.toml and
# the SQL mutants of mutation/sql_mutants.py, each job in a scratch copy of the checkout.
mutation: $(VENV)/.installed-mutation ## mutation testing: the share of planted bugs the tests catch (about an hour on two cores)
	@$(PY) mutation/run.py

# No database first: Spark's executors parse data/raw themselves (pipeline/spark/parse.py).
spark: $(VENV)/.installed-spark ## the core__ and out__ tables built by Apache Spark from data/raw (local mode) as Parquet
	@$(PY) -m pipeline.spark

clean: ## remove generated files (database, maps, exports), keep shipped and raw data
	rm -f data/atlas.duckdb data/atlas.duckdb.wal data/atlas.duckdb.tmp-* data/atlas.duckdb.lock
	rm -rf data/staging data/spark data/cache exports
	find maps -mindepth 1 ! -name README.md -delete

# Not generated, so kept: the shipped data (data/reference, data/geo, data/curated) and what was
# fetched or given (data/raw, and data/state, how far a resumable fetch got).
distclean: clean ## remove everything generated, .venv and node_modules too; keeps shipped data, data/raw, data/state
	rm -rf $(VENV) node_modules .mypy_cache .ruff_cache .pytest_cache .hypothesis *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
