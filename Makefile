# Wijkteam — one task runner. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.9
HOST ?= 127.0.0.1
PORT ?= 8000
# The embedded server is used unless DATABASE_URL points elsewhere.
EMBEDDED := $(if $(DATABASE_URL),,yes)
# Migrations, the seed, backups and restores connect as the database's owner role
# (DATABASE_OWNER_URL with DATABASE_URL); everything else as the application role.
AS_OWNER := WIJKTEAM_DATABASE_ROLE=owner
# `make run` serves with a Celery worker and beat beside it, on a broker in .data/broker (wijkteam/demo_processes.py).
DEMO_PROCESSES = $(PY) -m wijkteam.demo_processes --

.PHONY: help install db-start db-stop migrate seed run lint test test-only bench bench-monitoring attack backup restore clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

install: $(VENV)/.installed node_modules/.installed ## Install locked Python and npm dependencies, compile translations
	@$(PY) scripts/compile_messages.py

$(VENV)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(VENV)/bin/uv pip sync --quiet --python $(PY) --require-hashes requirements.lock
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

db-start: install ## Start the embedded PostgreSQL server (unless DATABASE_URL is set)
ifeq ($(EMBEDDED),yes)
	@$(PY) -m wijkteam.embedded_db >/dev/null && echo "PostgreSQL runs from .data/pg"
endif

db-stop: ## Stop the embedded PostgreSQL server
	@if [ -x $(PY) ]; then $(PY) -m wijkteam.embedded_db stop; fi

migrate: db-start ## Apply database migrations (as the owner role)
	$(AS_OWNER) $(PY) manage.py migrate --no-input

seed: migrate ## Load the demo data when the database is empty
	$(AS_OWNER) $(PY) manage.py seed_demo --scale demo --if-empty

run: seed ## Install, start the database, migrate, seed, and serve at http://127.0.0.1:8000 (with a worker and beat)
	@$(PY) manage.py demo_accounts
ifeq ($(EMBEDDED),yes)
	@echo "Serving at http://$(HOST):$(PORT)/ — press Ctrl-C to stop the server and the database."
	@# Python, not a shell trap, stops the database: make does not run a trap on TERM,
	@# and a second Ctrl-C must not cut the stop short (wijkteam/embedded_db.py serve).
	@exec $(PY) -m wijkteam.embedded_db serve -- $(DEMO_PROCESSES) $(PY) manage.py runserver $(HOST):$(PORT)
else
	@echo "Serving at http://$(HOST):$(PORT)/ — press Ctrl-C to stop."
	@exec $(DEMO_PROCESSES) $(PY) manage.py runserver $(HOST):$(PORT)
endif

lint: install ## Static checks: ruff, formatting, mypy, migrations, Django's system check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check --fail-level WARNING

# The tests run in TEST_WORKERS processes (pytest-xdist), each on its own test database.
TEST_WORKERS ?= 2

test: lint db-start ## Every check, then every test
	$(VENV)/bin/pytest -n $(TEST_WORKERS)

test-only: install ## The tests alone (no static checks); pass ARGS="-k name"
	$(VENV)/bin/pytest $(ARGS)

# Measured as production runs: without DEBUG (which keeps every query in memory and renders templates uncached).
bench bench-monitoring: export DJANGO_DEBUG := 0

bench: migrate ## Measure the speeds the issues name, on the data in the database (seed it first)
	$(PY) manage.py bench_pages --profile $(BENCH_ARGS)
	$(PY) manage.py bench_api
	$(PY) manage.py bench_size
	$(PY) manage.py bench_access_log
	$(PY) manage.py bench_spend_import --rows 1000000
	$(PY) manage.py bench_funding_report
	$(PY) manage.py bench_funding_pay
	$(PY) manage.py bench_search
	$(PY) manage.py bench_load --clients 1,16
	$(MAKE) --no-print-directory bench-monitoring

bench-monitoring: migrate ## Monitoring refresh and dashboard speeds (targets meant for the national seed)
	$(PY) manage.py bench_monitoring $(BENCH_MONITORING_ARGS)

# The differencing attacker's seed: a scale and a fraction of its households (seed_demo --fraction).
ATTACK_SCALE ?= municipality
ATTACK_FRACTION ?= 0.01

attack: migrate ## REPLACES the data: seed ATTACK_SCALE×ATTACK_FRACTION, run the differencing attacker (recovered: 0)
	$(AS_OWNER) $(PY) manage.py seed_demo --scale $(ATTACK_SCALE) --fraction $(ATTACK_FRACTION) --reset
	$(PY) manage.py attack_differencing --refresh

backup: db-start ## Back up the database with pg_dump to .data/backups/ (or FILE=path)
	$(AS_OWNER) $(PY) manage.py db_backup $(if $(FILE),--file "$(FILE)")

restore: db-start ## Restore FILE=… (a backup) into the database, replacing its tables; then check it
	@test -n "$(FILE)" || { echo "usage: make restore FILE=.data/backups/wijkteam-….dump"; exit 2; }
	$(AS_OWNER) $(PY) manage.py db_restore "$(FILE)"
	$(AS_OWNER) $(PY) manage.py migrate --check

clean: db-stop ## Remove the virtualenv, node_modules and the embedded database
	rm -rf $(VENV) node_modules .data staticfiles
