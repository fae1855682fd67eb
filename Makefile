# Two commands from a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8001
# pywb replays exported WARCs in a test; it pins redis<3, so it lives in a venv of its own.
PYWB := .venv-pywb/bin/wayback

.PHONY: install demo test crawl serve reclean clean

$(BIN)/newsarchive: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/newsarchive

demo: install
	$(BIN)/newsarchive demo --port $(PORT)

$(PYWB):
	$(PYTHON) -m venv .venv-pywb
	.venv-pywb/bin/pip install --quiet 'pywb>=2.8' || echo "could not install pywb: the replay test will be skipped"

test: install $(PYWB)
	$(BIN)/python -m pytest -q

crawl: install
	$(BIN)/newsarchive crawl

reclean: install
	$(BIN)/newsarchive reclean

serve: install
	$(BIN)/newsarchive serve --port $(PORT)

clean:
	rm -rf $(VENV) .venv-pywb archive/demo.db archive/demo.db-*  # the demo archive only: the real one is never deleted
