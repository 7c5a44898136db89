# jointops: `make run` starts the bot, `make test` runs the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test

.PHONY: install run console demo test test-postgres lint messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,postgres]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/jointops run

console: $(STAMP)
	$(BIN)/jointops console

demo: $(STAMP)
	$(BIN)/jointops demo

test: $(STAMP)
	$(BIN)/python -m pytest

test-postgres: $(STAMP)
	JOINTOPS_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --project=jointops --no-location --sort-output -o bot/locale/jointops.pot .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
