# The README's commands. `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: install run worker test test-fast test-postgres ci lint format migrations-check messages
FAST := not slow and not elasticsearch and not browser and not postgres
# The translation catalogues; their .mo files are build outputs (not in git).
PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed $(MO_FILES)

# Rebuilt when a .po changes. msgfmt is Debian's gettext, installed when missing (as root, like the test set-up).
# compilemessages compiles every stale catalogue at once, so the other targets find theirs done.
$(MO_FILES): %.mo: %.po | $(VENV)/.installed
	command -v msgfmt >/dev/null || $(BIN)/python -c "from tests.support.translations import ensure_msgfmt; ensure_msgfmt()"
	$(BIN)/python manage.py compilemessages --ignore=$(VENV) --verbosity=0

# The development server and, beside it, the background worker (embedding, indexing, email); Ctrl-C stops both.
# The server reloads on code changes; the worker does not (restart `make run` after changing a task).
run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py run_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST)

# Everything: the suite on SQLite, then the PostgreSQL-only tests on a throwaway PostgreSQL.
test: install
	$(BIN)/python -m pytest -m "not postgres" $(PYTEST_ARGS)
	$(BIN)/python -m tests.support.postgres_server run -- $(BIN)/python -m pytest -m postgres $(PYTEST_ARGS)

# The edit-test loop: no servers, no browser, nothing slow (about a minute on 2 cores).
test-fast: install
	$(BIN)/python -m pytest -m "$(FAST)" $(PYTEST_ARGS)

# The whole suite against a throwaway PostgreSQL (Debian's postgresql package; installed when missing, as root).
test-postgres: install
	$(BIN)/python -m tests.support.postgres_server run -- $(BIN)/python -m pytest $(PYTEST_ARGS)

# The background worker alone (make run starts one beside the development server).
worker: install
	$(BIN)/python manage.py run_worker

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The .po files updated from the source for the translators (a test fails while they lack a msgid).
messages: install
	$(BIN)/python -m tests.support.translations messages

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

# CI: lint, the migrations check, the README's test command, then the suite again on PostgreSQL
# without the browser and Elasticsearch tests (they test the pages and the index, which do not
# change with the database, and ran on SQLite just before).
ci: lint migrations-check test
	$(BIN)/python -m tests.support.postgres_server run -- $(BIN)/python -m pytest -m "not browser and not elasticsearch" $(PYTEST_ARGS)
