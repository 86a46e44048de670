# Two entry points: `make run` (dashboard on the bundled demo data) and `make test` (lint,
# types and every test, as CI runs it). `make test-fast` is the everyday run: pytest's default
# selection, without the browser, process and slow tests (see pyproject.toml).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test test-fast lint types pytest demo bench clean

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

data/store/CURRENT: | $(VENV)/.runtime
	$(PY) -m regie_analytics demo --store data/store

demo: $(VENV)/.runtime
	$(PY) -m regie_analytics demo --store data/store

run: $(VENV)/.runtime data/store/CURRENT
	$(VENV)/bin/streamlit run app.py --server.port $(PORT)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types: $(VENV)/.dev
	$(VENV)/bin/mypy

pytest: $(VENV)/.dev
	$(PY) -m pytest -m ""

test: lint types pytest

test-fast: $(VENV)/.dev
	$(PY) -m pytest

bench: $(VENV)/.runtime
	$(PY) benchmarks/bench_import.py

clean:
	rm -rf $(VENV) data/store test-artifacts
