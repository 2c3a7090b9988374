# The two commands that matter: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# the bench extra (numpy, locust, pyinstrument): `make test` installs it too, so the bench smoke tests run
BENCH_STAMP := $(VENV)/.bench-installed

.PHONY: demo test lint test-unit test-integration test-e2e proto proto-check bench load up clean system-packages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/jixiao demo

up: $(STAMP)
	$(VENV)/bin/jixiao up

test: $(STAMP) $(BENCH_STAMP) proto-check lint system-packages
	$(PY) -m pytest -q

# The walls (import-linter contracts in pyproject.toml), the lint rules and the format (ruff).
lint: $(STAMP)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test-unit: $(STAMP)
	$(PY) -m pytest -q -m unit

test-integration: $(STAMP) system-packages
	$(PY) -m pytest -q -m integration

test-e2e: $(STAMP) system-packages
	$(PY) -m pytest -q -m e2e

# Debian packages the reports tests need, installed only when missing and only as root: a TrueType
# CJK font for the PDF annual report (fonts-wqy-microhei; WeasyPrint also needs Pango, normally
# present) and chromium for the browser tests. Without root or the registry the tests that need
# them skip and say why.
SYSTEM_PACKAGES_MISSING = $(strip \
  $(if $(shell fc-list 2>/dev/null | grep -i 'WenQuanYi Micro Hei'),,fonts-wqy-microhei fontconfig) \
  $(if $(shell ldconfig -p 2>/dev/null | grep libpango-1.0),,libpango-1.0-0 libpangoft2-1.0-0) \
  $(if $(shell command -v chromium 2>/dev/null),,chromium))
system-packages:
	@if [ -n "$(SYSTEM_PACKAGES_MISSING)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing $(SYSTEM_PACKAGES_MISSING)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      $(SYSTEM_PACKAGES_MISSING) >/dev/null) || echo "warning: could not install $(SYSTEM_PACKAGES_MISSING); tests that need them skip"; \
	  else echo "note: missing $(SYSTEM_PACKAGES_MISSING) (not root or no apt-get); tests that need them skip"; fi; \
	fi

# Regenerate jixiao/proto/ from proto/ (generated code is committed).
proto: $(STAMP)
	$(PY) -m jixiao.protogen

# Fails when jixiao/proto/ is not what `make proto` would write.
proto-check: $(STAMP)
	$(PY) -m jixiao.protogen --check

# Benchmarks (bench/, the `bench` extra: numpy, locust, pyinstrument): every figure with its
# baseline from the same run, written to BENCHMARKS.md (about 20 minutes on the shared 2-core machine).
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(PY) bench/run_all.py

# The load run alone: a county through the REST and bulk APIs of a local stack while dashboards are read.
load: $(BENCH_STAMP)
	$(PY) bench/load_county.py

clean:
	rm -rf $(VENV) .pytest_cache
