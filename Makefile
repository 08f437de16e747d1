# Fachkraft Leaving Care – developer commands. `make help` lists them.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help prereqs install run serve migrate demo worker test test-fast test-e2e lint format messages lock bench bench-pages bench-reports clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

prereqs: ## Check (as root: install) Python ≥ 3.11, Pango, gettext
	@bin/check-prereqs >/dev/null

$(VENV)/.installed: requirements.txt
	@python_bin=$$(bin/check-prereqs) && \
	  { [ -x $(PY) ] || $$python_bin -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

install: $(VENV)/.installed ## Create .venv and install the pinned dependencies

migrate: install
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable

demo: migrate ## Load the demo course and the demo accounts (idempotent)
	$(MANAGE) load_demo

run: demo ## Serve http://127.0.0.1:8000 with a task worker (Ctrl-C stops both)
	$(MANAGE) schedule_reminders
	$(MANAGE) schedule_privacy_retention
	@echo "Starte Webserver auf http://$(HOST):$(PORT)/ und den Task-Worker. Beenden mit Strg+C."
	@trap 'kill 0' INT TERM EXIT; \
	  $(MANAGE) db_worker --backend background --queue-name '*' --no-reload & \
	  $(MANAGE) runserver $(HOST):$(PORT)

# The production settings on this machine: HTTP on loopback, so no HTTPS redirect and no
# Secure-only cookies. SECRET_KEY comes from the environment or .env, else a random one per run.
serve: install ## Production configuration locally: gunicorn + task worker (DATABASE_URL=postgres://…)
	@db_url="$${DATABASE_URL:-$$(sed -n 's/^DATABASE_URL=//p' .env 2>/dev/null)}"; \
	  case "$$db_url" in postgres://*|postgresql://*) ;; \
	    *) echo "make serve braucht PostgreSQL: DATABASE_URL=postgres://… make serve" >&2; exit 1;; esac
	@export DJANGO_SETTINGS_MODULE=lms.settings.production SECURE_SSL_REDIRECT=0 \
	    SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 ALLOWED_HOSTS="$${ALLOWED_HOSTS:-$(HOST),localhost}"; \
	  if [ -z "$$SECRET_KEY" ] && ! grep -qs '^SECRET_KEY=' .env; then \
	    export SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
	    echo "Hinweis: zufälliger SECRET_KEY für diesen Lauf (Sitzungen enden mit Strg+C)."; fi; \
	  set -e; \
	  $(MANAGE) collectstatic --noinput --verbosity 0; \
	  $(MANAGE) migrate --noinput; \
	  $(MANAGE) createcachetable; \
	  echo "Starte gunicorn (2 Worker) auf http://$(HOST):$(PORT)/ und den Task-Worker. Beenden mit Strg+C."; \
	  set +e; trap 'kill 0' INT TERM EXIT; \
	  $(MANAGE) db_worker --backend background --queue-name '*' --no-reload & \
	  $(VENV)/bin/gunicorn lms.wsgi:application --workers 2 --bind $(HOST):$(PORT) \
	    --access-logfile - --graceful-timeout 10 --no-control-socket

worker: install ## Run only the background task worker
	$(MANAGE) db_worker --backend background --queue-name '*'

test: install ## Run the whole test suite (set DATABASE_URL for PostgreSQL)
	@bin/check-prereqs --browser >/dev/null
	$(VENV)/bin/pytest

test-fast: install ## Run the tests without the browser journeys
	$(VENV)/bin/pytest -m "not e2e"

lint: install ## ruff check + format check, migrations up to date
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=lms.settings.test $(MANAGE) makemigrations --check --dry-run

format: install ## Format the code with ruff
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: install ## Compile the translation catalogues (locale/ and lms/locale_overrides/)
	$(MANAGE) compilemessages --ignore=.venv

lock: ## Re-pin requirements.txt from requirements.in (needs network)
	python3 -m venv /tmp/lms-lock && /tmp/lms-lock/bin/pip install -q -r requirements.in && \
	  /tmp/lms-lock/bin/pip freeze > requirements.txt && rm -rf /tmp/lms-lock

bench: install ## Run the benchmarks in bench/ (figures for docs/benchmarks.md)
	$(PY) -m bench.learning_bench
	$(PY) -m bench.certificates_bench
	$(MAKE) --no-print-directory bench-pages bench-reports

# Both need PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres):
# they create and drop their own scratch databases there.
bench-pages: install ## Page throughput under gunicorn vs. a bare view (PostgreSQL, ~2 min)
	$(PY) -m bench.pages_bench

bench-reports: install ## Coordination reports at 500 and 5,000 participants (BENCH_SIZES=500,5000,50000 adds 50,000; PostgreSQL)
	$(PY) -m bench.reports_bench

.PHONY: scaleout
scaleout: install ## Two app servers + two task workers under mixed load, then invariants (PostgreSQL, ~2 min)
	$(PY) -m bench.scaleout

clean: ## Remove the virtualenv, local database, media and caches
	rm -rf $(VENV) db.sqlite3* media var staticfiles .pytest_cache .ruff_cache
