# Zhaoqing Tracker: `make run` serves the demo, `make test` runs the suite.
# Both bootstrap .venv themselves; a machine needs only Python 3.11+ and make.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Touched after a successful install: pip runs again only when a requirements
# file is newer than this stamp (or the venv is new).
STAMP := $(VENV)/.requirements-installed
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install run test lint check messages clean

help:
	@echo "make run       set up .venv, migrate, seed the demo data if empty, serve http://127.0.0.1:8000/"
	@echo "make test      the whole suite (SQLite; PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set; PYTEST_ARGS=...)"
	@echo "make lint      ruff check"
	@echo "make check     manage.py check + makemigrations --check --dry-run"
	@echo "make messages  makemessages (zh_Hans, en) + compilemessages (needs GNU gettext)"
	@echo "make clean     remove .venv, caches and collected static files (keeps db.sqlite3)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11+ is needed; run e.g. 'make PYTHON=python3.11 ...'" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements-dev.txt
	@touch $@

install: $(STAMP)

# seed_demo --if-empty seeds only a database without projects; either way it ends
# with the demo logins (or a note when the database has none), just above the
# server's banner.
# DJANGO_DEBUG=1 lets runserver (through whitenoise) serve the admin's static
# files; with no DATABASE_URL/REDIS_URL the settings use SQLite and eager Celery.
run: export DJANGO_DEBUG = 1
run: $(STAMP)
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo --if-empty
	$(MANAGE) runserver 127.0.0.1:8000

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

check: $(STAMP)
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

messages: $(STAMP)
	$(MANAGE) makemessages -l zh_Hans -l en --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench
	$(MANAGE) compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
