# PeerLink: `make run` to try it, `make test` to test it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The address `make run` listens on; HOST=0.0.0.0 opens it to the network.
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed

.PHONY: run test e2e screenshots lint format install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

## Start the web server, a Celery worker and beat on SQLite and the embedded broker.
## `make run DEBUG=1` shows Django's debug pages instead of PeerLink's error pages.
run: $(STAMP)
	PORT=$(PORT) HOST=$(HOST) DEBUG=$(DEBUG) PYTHON=$(BIN)/python scripts/run.sh

## Run the whole test suite (SQLite and the embedded broker unless DATABASE_URL / CELERY_BROKER_URL are set).
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Run the browser tests in Debian's Chromium, axe-core on every page (DATABASE_URL's server if set).
e2e: $(STAMP)
	$(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

## Save the member home, suggestions, a conversation and the dashboard, phone and desktop, in docs/screenshots/.
screenshots: $(STAMP)
	$(BIN)/python -m pytest -q tests/e2e/screenshots.py $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
