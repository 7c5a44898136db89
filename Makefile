# jointops: `make run` starts the bot, `make test` runs the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
LOCALE := bot/locale
# compiled message catalogs (.mo): built at install and whenever their .po is newer
COMPILED := $(patsubst %.po,%.mo,$(wildcard $(LOCALE)/*/LC_MESSAGES/jointops.po))

.PHONY: install run console demo sandbox test test-postgres lint messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,postgres]"
	$(BIN)/pybabel compile -D jointops -d $(LOCALE)
	touch $(STAMP)

%.mo: %.po | $(STAMP)
	$(BIN)/pybabel compile -D jointops -i $< -o $@

install: $(STAMP) $(COMPILED)

run: $(STAMP) $(COMPILED)
	$(BIN)/jointops run

console: $(STAMP) $(COMPILED)
	$(BIN)/jointops console

demo: $(STAMP) $(COMPILED)
	$(BIN)/jointops demo

# the real bot against fake Telegram and Slack, every agency's chat in one page (PORT=8765)
sandbox: $(STAMP) $(COMPILED)
	$(BIN)/jointops sandbox --port $(or $(PORT),8765)

test: $(STAMP) $(COMPILED)
	$(BIN)/python -m pytest

test-postgres: $(STAMP) $(COMPILED)
	JOINTOPS_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# the template from the code, then each catalog from the template (new messages appear
# untranslated, changed ones fuzzy: tests/bot/test_translations.py fails until they are done)
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --project=jointops --no-location --sort-output -o $(LOCALE)/jointops.pot .
	$(BIN)/pybabel update -D jointops -i $(LOCALE)/jointops.pot -d $(LOCALE) --ignore-obsolete --ignore-pot-creation-date --no-fuzzy-matching
	$(BIN)/pybabel compile -D jointops -d $(LOCALE) --statistics

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
