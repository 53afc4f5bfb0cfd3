# One command to start the dashboard, one to run the tests; each sets up what it needs first.
# The virtual environment lives in .venv and is rebuilt when a requirements file changes.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test lint check demo bench browser-deps clean

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## Start the dashboard on the extract in data/ (or IPS_DATA_DIR) at http://localhost:8501
run: $(VENV)/.runtime
	$(PY) -m streamlit run app.py --server.port $(PORT)

## Run every test, on every core (pytest-xdist; the browser tests share one worker and need Chromium:
## make browser-deps, as root)
test: $(VENV)/.dev
	$(PY) -m pytest -n auto --dist loadgroup

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

## Check the extract in data/ (or IPS_DATA_DIR) against the data contract
check: $(VENV)/.runtime
	$(PY) -m ipsdash check

## Write the demo extract into data/ again (deterministic: the same files each time)
demo: $(VENV)/.runtime
	$(PY) -m ipsdash demo --out data

bench: $(VENV)/.dev
	$(PY) benchmarks/run.py

## Debian's Chromium for the browser tests and screenshots (needs root)
browser-deps:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
