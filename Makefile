# crmflow — two commands: `make run` (set up everything, serve on SQLite) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint install setup bench clean help

help:
	@echo "make run    set up (venv, install, database, CRM pack, demo users) and serve on http://$(HOST):$(PORT)/"
	@echo "make test   ruff, mypy, then the test suite (PostgreSQL tests too when CRMFLOW_TEST_POSTGRES_URL is set)"
	@echo "make bench  run the benchmarks in bench/"

$(BIN)/.installed: setup.cfg pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	@touch $@

install: $(BIN)/.installed

setup: install
	$(BIN)/crmflow setup

run: setup
	$(BIN)/crmflow serve --host $(HOST) --port $(PORT)

test: install lint
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/engine_throughput.py

clean:
	rm -rf $(VENV) var *.egg-info
