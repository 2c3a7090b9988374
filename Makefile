# The two commands that matter: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint test-unit test-integration test-e2e proto proto-check bench up clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/jixiao demo

up: $(STAMP)
	$(VENV)/bin/jixiao up

test: $(STAMP) proto-check lint
	$(PY) -m pytest -q

# The walls (import-linter contracts in pyproject.toml) and the lint rules (ruff).
lint: $(STAMP)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .

test-unit: $(STAMP)
	$(PY) -m pytest -q -m unit

test-integration: $(STAMP)
	$(PY) -m pytest -q -m integration

test-e2e: $(STAMP)
	$(PY) -m pytest -q -m e2e

# Regenerate jixiao/proto/ from proto/ (generated code is committed).
proto: $(STAMP)
	$(PY) -m jixiao.protogen

# Fails when jixiao/proto/ is not what `make proto` would write.
proto-check: $(STAMP)
	$(PY) -m jixiao.protogen --check

bench: $(STAMP)
	for f in bench/bench_*.py; do $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache
