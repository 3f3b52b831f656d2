# Suyuan: `make run` starts the platform with demo data; `make test` runs the suite. `make help` lists all.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/suyuan
PYTEST_ARGS ?=

.PHONY: help setup run test test-postgres lint format bench eval e2e lock messages makemessages db demo clean

help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): requirements/dev.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --require-hashes -r requirements/dev.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

setup: $(STAMP) messages ## Create .venv and install the locked dependencies

messages: $(STAMP) ## Compile translations (.po -> .mo, pure Python)
	@$(MANAGE) compile_translations

makemessages: $(STAMP) ## Extract new strings into the zh-Hans catalogue (needs GNU gettext)
	cd suyuan && ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete --no-location --ignore 'tests/*'
	@$(MANAGE) compile_translations

db: setup ## Migrate and load regions (Zhejiang villages included)
	@mkdir -p var
	$(MANAGE) migrate --noinput -v 0
	$(MANAGE) createcachetable
	$(MANAGE) load_regions --province 33 --villages
	$(MANAGE) court_codes_load --province 33

demo: db ## Build the Quzhou demo (idempotent)
	$(MANAGE) seed_demo

run: demo ## Set everything up and start the web server, the task worker and the clock on http://127.0.0.1:8000
	@$(MANAGE) seed_demo --print-logins
	@echo "Suyuan: http://$(HOST):$(PORT)/ (staff: http://$(HOST):$(PORT)/staff/) — Ctrl-C stops all three processes"
	@trap 'kill 0' INT TERM EXIT; \
	  DEBUG=1 $(MANAGE) db_worker --interval 1 --no-reload & \
	  DEBUG=1 $(MANAGE) clock & \
	  DEBUG=1 $(MANAGE) runserver --noreload $(HOST):$(PORT)

test: setup ## Run the whole suite (SQLite; PostgreSQL when DATABASE_URL points there)
	$(BIN)/pytest -q $(PYTEST_ARGS)

test-postgres: setup ## Run the whole suite on PostgreSQL ($(PG_URL))
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q $(PYTEST_ARGS)

lint: setup ## ruff, ruff format --check, mypy, import-linter, makemigrations --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy suyuan
	$(BIN)/lint-imports
	$(MANAGE) makemigrations --check --dry-run

format: setup ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup ## Run the benchmarks under bench/ and print their figures (BENCH=case_numbers runs one)
	$(PY) bench/run.py $(BENCH)

eval: setup ## Train and evaluate triage on the shared real data (../shared/data), print the figures
	$(PY) bench/eval_triage.py

e2e: setup ## Browser tests in Debian's Chromium (Playwright)
	$(BIN)/pytest -q e2e $(PYTEST_ARGS)

lock: ## Re-resolve requirements/*.lock from pyproject.toml (needs uv)
	$(PY) -m pip install -q uv
	$(BIN)/uv pip compile -q pyproject.toml --python-version 3.11 --generate-hashes -o requirements/main.lock
	$(BIN)/uv pip compile -q pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements/dev.lock

clean: ## Remove the virtualenv and local data (database, secrets, media)
	rm -rf $(VENV) var
