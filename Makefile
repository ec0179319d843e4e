SHELL := /bin/bash

PORT ?= 8000
VENV := .venv
PYTHON := $(VENV)/bin/python
# Extra arguments for pytest, e.g. make test PYTEST_ARGS="-k stores -x"
PYTEST_ARGS ?=

.PHONY: help run serve setup setup-dev test lint bench clean

help:
	@echo "make run        set up (packages, PostGIS, Redis, venv, migrations, demo data) and serve on PORT=$(PORT)"
	@echo "make setup      set up for running only"
	@echo "make setup-dev  set up for development and tests (no demo data)"
	@echo "make test       setup-dev, ruff check, pytest"
	@echo "make lint       ruff check"
	@echo "make bench      run bench/nearby.py, bench/bookings.py, bench/payments.py and bench/reviews.py"
	@echo "make clean      remove caches (keeps .venv and .env)"

run: setup
	PORT=$(PORT) bash scripts/serve.sh

serve:
	PORT=$(PORT) bash scripts/serve.sh

setup:
	bash scripts/setup.sh

setup-dev:
	bash scripts/setup.sh --dev

test: setup-dev
	$(VENV)/bin/ruff check .
	$(PYTHON) -m pytest $(PYTEST_ARGS)

lint: setup-dev
	$(VENV)/bin/ruff check .

bench: setup-dev
	$(PYTHON) bench/nearby.py
	$(PYTHON) bench/bookings.py
	$(PYTHON) bench/payments.py
	$(PYTHON) bench/reviews.py

clean:
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache .hypothesis
