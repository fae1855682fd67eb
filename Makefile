# Two commands from a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8001

.PHONY: install demo test crawl serve reclean clean

$(BIN)/newsarchive: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/newsarchive

demo: install
	$(BIN)/newsarchive demo --port $(PORT)

test: install
	$(BIN)/python -m pytest -q

crawl: install
	$(BIN)/newsarchive crawl

reclean: install
	$(BIN)/newsarchive reclean

serve: install
	$(BIN)/newsarchive serve --port $(PORT)

clean:
	rm -rf $(VENV) archive/demo.db archive/demo.db-*  # the demo archive only: the real one is never deleted
