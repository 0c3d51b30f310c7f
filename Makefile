# Kehu: two commands.  `make run` sets up and serves; `make test` runs the whole suite.
VENV   := .venv
BIN    := $(VENV)/bin
PYTHON ?= python3

.PHONY: run setup test lint messages bench clean

run: setup
	$(BIN)/kehu serve

setup: $(VENV)/.installed node_modules/.installed
	$(BIN)/kehu setup

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: $(VENV)/.installed-test node_modules/.installed
	$(BIN)/ruff check src tests bench
	KEHU_TESTING=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench

# Refresh the translation catalogs after changing user-facing strings.
# Then add any new msgids to scripts/translate_catalogs.py (it lists them) and run again.
messages: $(VENV)/.installed
	cd src/kehu && ../../$(BIN)/kehu makemessages -l zh_Hans -l zh_Hant --no-obsolete --no-location
	cd src/kehu && ../../$(BIN)/kehu makemessages -d djangojs -l zh_Hans -l zh_Hant --no-obsolete --no-location
	$(BIN)/python scripts/translate_catalogs.py
	cd src/kehu && ../../$(BIN)/kehu compilemessages -l zh_Hans -l zh_Hant

bench: $(VENV)/.installed
	$(BIN)/python bench/demo_data.py

clean:
	rm -rf $(VENV) node_modules
