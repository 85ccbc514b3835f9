# Two commands do all set-up (see README): `make run` and `make test`.
VENV   ?= .venv
BIN    := $(VENV)/bin
FLASK  := FLASK_APP=marketplace $(BIN)/flask
PYTHON ?= python3

.PHONY: install run test test-fast test-postgres lint imports mypy-baseline format system-deps translations

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

## install, migrate, load demo data and serve on http://127.0.0.1:5000 (SQLite)
run: install
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) run --host 127.0.0.1 --port 5000

## what a new machine lacks: chromium (browser tests), Chinese fonts, Pango (WeasyPrint PDFs)
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi wqy \
	    || ! ldconfig -p 2>/dev/null | grep -q libpangoft2; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; \
	  else echo "run as root once: apt-get install -y chromium fonts-wqy-zenhei libpango-1.0-0 libpangoft2-1.0-0" >&2; exit 1; fi; \
	fi

## install everything and run lint + the whole suite (unit, integration, browser) on SQLite;
## set TEST_DATABASE_URL=postgresql+psycopg://... to run it on PostgreSQL
test: install system-deps lint
	$(BIN)/pytest

test-postgres: install system-deps
	$(PYTHON) .ci/pg_test.py

## ruff; mypy --strict on the pure engine, the ledger core and the policy arithmetic; mypy on
## all of marketplace against mypy-baseline.txt (fails on a new error, and on a fixed one until
## `make mypy-baseline`); no .py file over 400 lines under marketplace/ and matching/
## (tools/check_file_sizes.py)
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict --follow-imports=silent matching marketplace/ledger marketplace/policy
	@out="$$($(BIN)/mypy marketplace)"; status=$$?; \
	printf '%s\n' "$$out" | $(BIN)/mypy-baseline filter --no-colors && [ $$status -le 1 ]
	$(BIN)/python tools/check_file_sizes.py
	$(BIN)/lint-imports

## the import contracts ([tool.importlinter] in pyproject.toml): layers, the ledger's and the
## engine's bans, no request state below the web layer, no cycle between domain packages
imports: install
	$(BIN)/lint-imports

## rewrite mypy-baseline.txt after fixing mypy errors; refuses while there is a new error, so
## the baseline only shrinks
mypy-baseline: install
	@out="$$($(BIN)/mypy marketplace)"; \
	printf '%s\n' "$$out" | $(BIN)/mypy-baseline filter --allow-unsynced --hide-stats \
	&& printf '%s\n' "$$out" | $(BIN)/mypy-baseline sync

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o messages.pot .
	$(BIN)/pybabel update -i messages.pot -d marketplace/translations
	$(BIN)/pybabel compile -d marketplace/translations
