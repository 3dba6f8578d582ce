# Two commands on a fresh machine: `make run` and `make test`. Nothing else to install.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
SCALE ?= national

.PHONY: run test bench screenshots clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

run: $(BIN)/.installed
	$(BIN)/parts init-db
	$(BIN)/parts demo-data --scale $(SCALE) --if-empty
	PORT=$(PORT) $(BIN)/parts serve

test: $(BIN)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# the browser tests again, writing the README's screenshots into docs/screenshots/
screenshots: $(BIN)/.installed
	SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest tests/e2e -q

bench: $(BIN)/.installed
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) instance .pytest_cache
