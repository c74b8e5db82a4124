# make run   — install, migrate, load the demo clinic, serve on http://127.0.0.1:8000
# make test  — install what the tests need (Chromium included) and run the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
# Checks and migration commands run with the development defaults, never with a stray .env.
DEV_ENV := ENV_FILE= DEBUG=True
# The MongoDB settings with no server behind them: for generating and checking its migrations.
MONGO_OFFLINE_ENV := $(DEV_ENV) DATABASE_URL=mongodb://offline/health_passport MONGODB_OFFLINE=True
PYTEST := $(BIN)/pytest -n 2 -p no:cacheprovider

.PHONY: setup setup-test run test test-sqlite test-mongodb test-fast lint format \
	migrations migrations-check mongo-migrations clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# Debian's Chromium for the browser tests (Playwright drives it; it downloads no browser).
/usr/bin/chromium:
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi

# Node.js runs the CongoDB MongoDB stand-in for the MongoDB test run.
NODE := $(shell command -v node 2>/dev/null)
node:
ifeq ($(NODE),)
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nodejs npm; \
	else sudo apt-get update -qq && sudo apt-get install -y -qq nodejs npm; fi
endif

tools/congodb/dist/index.js: tools/congodb/package-lock.json tools/congodb/fetch.sh | node
	tools/congodb/fetch.sh

# axe-core from the npm registry for the accessibility browser tests (never a CDN).
tools/axe/node_modules/axe-core/axe.min.js: tools/axe/package.json tools/axe/package-lock.json | node
	cd tools/axe && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Redis for the Redis/RQ queue tests (the suite starts its own server on a free port).
/usr/bin/redis-server:
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq redis-server; \
	else sudo apt-get update -qq && sudo apt-get install -y -qq redis-server; fi

# Debian's gettext: makemessages, compilemessages and the translation check
# (tests/test_translations.py).
/usr/bin/msgfmt:
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq gettext; \
	else sudo apt-get update -qq && sudo apt-get install -y -qq gettext; fi

setup-test: $(VENV)/.installed-dev /usr/bin/chromium tools/congodb/dist/index.js /usr/bin/redis-server \
	tools/axe/node_modules/axe-core/axe.min.js \
	/usr/bin/msgfmt

.env:
	cp .env.example .env

run: setup .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT) with a background worker  (Ctrl-C stops both)"
	@PORT=$(PORT) $(PY) manage.py worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; \
	PORT=$(PORT) GUNICORN_BIND=$(HOST):$(PORT) GUNICORN_WORKERS=$${GUNICORN_WORKERS:-$(WORKERS)} \
		$(BIN)/gunicorn health_passport.wsgi --config gunicorn.conf.py

# The whole suite twice: on SQLite, then on MongoDB (the CongoDB stand-in, or a real server
# named by MONGODB_TEST_URL).
test: setup-test
	$(PYTEST)
	TEST_DATABASE=mongodb $(PYTEST)

test-sqlite: setup-test
	$(PYTEST)

test-mongodb: setup-test
	TEST_DATABASE=mongodb $(PYTEST)

# Quicker local loop: one process, stop at the first failure.
test-fast: setup-test
	$(BIN)/pytest -x -q

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations: setup
	$(DEV_ENV) $(PY) manage.py makemigrations

# Both migration sets: the project's (shared by every backend) and mongo_migrations/.
migrations-check: setup
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(MONGO_OFFLINE_ENV) $(PY) manage.py makemigrations --check --dry-run

# Regenerate the MongoDB migrations of contrib and third-party apps (after upgrading them).
mongo-migrations: setup
	$(MONGO_OFFLINE_ENV) $(PY) manage.py makemigrations admin auth contenttypes axes \
		django_tasks_database otp_totp otp_static

# Collect the strings marked for translation into locale/es/LC_MESSAGES/django.po and compile
# django.mo; translate each new msgid in the .po, run it again, commit both files. The same
# folders are skipped by tests/test_translations.py.
# locale/en/LC_MESSAGES/django.mo is derived from the Spanish catalogue: each msgid as its own
# English. English readers see the same words, found in the first catalogue Django reads instead
# of after missing in every one it chains for en-GB (18 Python calls a lookup against 52).
MESSAGES_IGNORE := -i .venv -i tools -i tests -i bench -i node_modules -i staticfiles \
	-i test-results -i media
.PHONY: messages
messages: setup /usr/bin/msgfmt
	$(DEV_ENV) $(PY) manage.py makemessages -l es -e html,txt,py,svg --add-location file --no-obsolete \
		$(MESSAGES_IGNORE)
	$(DEV_ENV) $(PY) manage.py compilemessages -l es -i .venv -i node_modules -i staticfiles
	msgfilter --keep-header -i locale/es/LC_MESSAGES/django.po sed d | msgen --lang=en - \
		| msgfmt --check -o locale/en/LC_MESSAGES/django.mo -

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache tools/congodb/dist tools/congodb/node_modules \
		tools/axe/node_modules

# The patients benchmark (never part of `make test`): gunicorn with production settings against
# 100,000 seeded patients on its own SQLite file; writes bench/results/latest.md (bench/README.md).
# `make bench BENCH_ARGS=labs` (files, documents, notes, messaging, programs, appointments) runs
# that app's.
.PHONY: bench
bench: setup
	bench/run.sh $(BENCH_ARGS)

# The soak (bench/README.md): 10 minutes of mixed traffic at 32 clients against gunicorn with
# production settings; fails on any 5xx or worker RSS growth of 10 % or more.
# `make soak SOAK_ARGS="--minutes 2"` for a shorter run.
.PHONY: soak
soak: setup
	bench/run.sh soak $(SOAK_ARGS)
