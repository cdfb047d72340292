# PeerLink: `make run` to try it, `make test` to test it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The address `make run` listens on; HOST=0.0.0.0 opens it to the network.
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed
# Test processes running side by side: one per core, at most 4 (each worker takes
# the next Redis database after CELERY_BROKER_URL's and CACHE_URL's: docs/testing.md).
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 4 ] && n=4; echo $$n)
PYTEST_PARALLEL = $(BIN)/python -m pytest -n $(TEST_WORKERS)

.PHONY: run test test-fast e2e screenshots lint format install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	@# uv installs the same packages as pip would, in seconds rather than a minute.
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

## Start the web server, a Celery worker and beat on SQLite and the embedded broker.
## `make run DEBUG=1` shows Django's debug pages instead of PeerLink's error pages.
run: $(STAMP)
	PORT=$(PORT) HOST=$(HOST) DEBUG=$(DEBUG) PYTHON=$(BIN)/python scripts/run.sh

## Run the whole test suite (SQLite and the embedded broker unless DATABASE_URL / CELERY_BROKER_URL are set):
## everything but the browser tests in parallel, then the browser tests (`make e2e`).
## `make test PYTEST_ARGS=tests/matching` runs only what the arguments select, in parallel.
test: $(STAMP)
ifeq ($(strip $(PYTEST_ARGS)),)
	$(PYTEST_PARALLEL) --ignore=tests/e2e
	$(MAKE) e2e
else
	$(PYTEST_PARALLEL) $(PYTEST_ARGS)
endif

## The quick loop while working: everything but the browser tests, the real-process
## (integration) tests and the API fuzzing, in parallel.
test-fast: $(STAMP)
	$(PYTEST_PARALLEL) --ignore=tests/e2e -m "not integration and not schemathesis" $(PYTEST_ARGS)

## Run the browser tests in Debian's Chromium, axe-core on every page (DATABASE_URL's server if set),
## in parallel: each worker has its own live server and browser.
e2e: $(STAMP)
	$(PYTEST_PARALLEL) tests/e2e $(PYTEST_ARGS)

## Save the member home, suggestions, a conversation and the dashboard, phone and desktop, in docs/screenshots/.
screenshots: $(STAMP)
	$(BIN)/python -m pytest -q tests/e2e/screenshots.py $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
