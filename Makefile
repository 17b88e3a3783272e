# The two commands: `make run` (dashboard on the demo warehouse) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test demo chromium axe java clean

$(VENV)/installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Debian's Chromium: Plotly's static export (kaleido) and the browser tests use it.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium (for chart export and browser tests)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null) \
	  || echo "Could not install chromium: chart export and browser tests will be skipped."; }
	@command -v pdftoppm >/dev/null 2>&1 || (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null || true)

# Debian's Java runtime: PySpark (the parity tests, tests/test_spark_parity.py) starts a JVM.
java:
	@command -v java >/dev/null 2>&1 || { \
	  echo "Installing Debian's default-jre-headless (for the Spark parity tests)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null) \
	  || echo "Could not install Java: the Spark parity tests will be skipped."; }

# axe-core (npm, pinned in package.json / package-lock.json): the browser test injects it to
# check every page against WCAG 2.1 A and AA. Installed once into node_modules/, never fetched at run time.
axe: node_modules/axe-core/axe.min.js

node_modules/axe-core/axe.min.js: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "Installing Debian's npm (for axe-core)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null) \
	  || echo "Could not install npm: the accessibility checks will be skipped."; }
	@command -v npm >/dev/null 2>&1 && npm ci --no-audit --no-fund --silent && touch $@ || true

demo: $(VENV)/installed
	$(PY) -m warehouse.demo --if-missing

run: $(VENV)/installed chromium demo
	$(VENV)/bin/streamlit run server.py --server.port $(PORT) --server.headless true

test: $(VENV)/installed chromium axe java
	$(PY) -m pytest -q -n 2 --dist loadfile

clean:
	rm -rf $(VENV) data/*.duckdb node_modules
