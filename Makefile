# Two commands on a fresh machine with Python 3.11+ and make:
#   BOT_TOKEN=... make run      # venv, install, migrate, long polling on data/peerbot.db
#   make test                   # venv with dev extras, lint, layer contract, the whole suite
PYTHON ?= python3
VENV ?= .venv
# pytest workers (pytest-xdist): the suite mostly waits on PostgreSQL and the fake servers.
TEST_WORKERS ?= 2
BIN := $(VENV)/bin
LOCALES := bot/locales

.PHONY: run migrate test lint pytest i18n bench bench-search bench-fanout bench-stats clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "peerbot needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/peerbot run

migrate: $(VENV)/.installed
	$(BIN)/peerbot migrate

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

pytest: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

test: lint pytest

# Re-extract user-facing strings and merge them into every catalog (English stays complete).
i18n: $(VENV)/.installed-dev
	$(BIN)/pybabel extract --no-location --sort-output -k _ -k __ -k N_ \
		-w 100 -o $(LOCALES)/messages.pot bot handlers
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -w 100 \
		-i $(LOCALES)/messages.pot -d $(LOCALES)
	$(BIN)/python -m bot.i18n

bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks.throughput

# FAQ search beside a raw full-text query, and import speed (100,000 entries; several minutes).
bench-search: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks.search

# An invitation to 1,000 members through the outbox under Telegram's limits: rate, 429s, and
# recipients and duplicates after a kill -9 half-way (about two minutes).
bench-fanout: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks.fanout

# /stats on 10,000 members and 100,000 questions against its 2 s target, with the chart and the
# export (SQLite; PostgreSQL too with TEST_DATABASE_URL; about two minutes).
bench-stats: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks.stats

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
