SHELL := /bin/bash

PORT ?= 8000
VENV := .venv
PYTHON := $(VENV)/bin/python
# Extra arguments for pytest, e.g. make test PYTEST_ARGS="-k stores -x"
PYTEST_ARGS ?=
# pytest-xdist processes for make test (each with its own test database and Redis databases); 0 runs in one process.
# Tests go out in collection order (--dist load), so each process runs its transactional tests (whose flush takes
# the migrations' rows) after the others, as a single process does.
PYTEST_WORKERS ?= 2

.PHONY: help run serve setup setup-dev test lint lock lock-check smoke bench clean backup restore

help:
	@echo "make run         set up (packages, PostGIS, Redis, venv, migrations, demo data) and serve on PORT=$(PORT)"
	@echo "make setup       set up for running only"
	@echo "make setup-dev   set up for development and tests (no demo data)"
	@echo "make test        setup-dev, lock-check, ruff check, the layer contract (lint-imports), pytest"
	@echo "make smoke       a fresh clone of HEAD, runtime packages only, served as make run does: health, worker,"
	@echo "                 a booking paid through the sandbox, a clean stop (CI runs it before the tests)"
	@echo "make lock        recompile requirements.txt / requirements-dev.txt from the .in files (uv, with hashes)"
	@echo "make lock-check  fail when an .in file and its lock disagree"
	@echo "make lint        ruff check and the layer contract (lint-imports, .importlinter)"
	@echo "make bench       run bench/nearby.py, bench/bookings.py, bench/payments.py and bench/reviews.py"
	@echo "make backup      the database (pg_dump custom format) and the media into var/backups/<UTC time> (or TO=dir)"
	@echo "make restore     BACKUP=dir [INTO=chefu_restored]: a backup into a new database and var/restored/INTO/,"
	@echo "                 then reconcile on it"
	@echo "make clean       remove caches (keeps .venv and .env)"

run: setup
	PORT=$(PORT) bash scripts/serve.sh

serve:
	PORT=$(PORT) bash scripts/serve.sh

setup:
	bash scripts/setup.sh

setup-dev:
	bash scripts/setup.sh --dev

test: setup-dev lock-check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-logo
	$(PYTHON) -m pytest -n $(PYTEST_WORKERS) --dist load --durations=30 $(PYTEST_ARGS)

lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-logo

lock:
	bash scripts/lock.sh

lock-check:
	bash scripts/lock.sh --check

smoke:
	bash scripts/smoke.sh

bench: setup-dev
	$(PYTHON) bench/nearby.py
	$(PYTHON) bench/bookings.py
	$(PYTHON) bench/payments.py
	$(PYTHON) bench/reviews.py

clean:
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache .hypothesis .import_linter_cache

# Backups (chefu/backups.py). Restoring names a new database and new media folders, so it never touches the live
# ones: switch DATABASE_URL, MEDIA_ROOT and PRIVATE_MEDIA_ROOT to them once reconcile is clean.
TO ?=
INTO ?= chefu_restored
backup:
	$(PYTHON) manage.py backup $(if $(TO),--to "$(TO)")

restore:
	@[ -n "$(BACKUP)" ] || { echo "usage: make restore BACKUP=<backup folder> [INTO=<new database>]" >&2; exit 2; }
	$(PYTHON) manage.py restore --from "$(BACKUP)" --into "$(INTO)" \
		--media-root "var/restored/$(INTO)/media" --private-media-root "var/restored/$(INTO)/private-media"
