# The two commands: `make run` and `make test`. Both create .venv when missing and reinstall
# only when a requirements file changed (the stamp files record the last install).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
HOST ?= 127.0.0.1

.PHONY: run test test-all db lint clean-venv

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt constraints.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt constraints.txt $(VENV)/.runtime-installed
	$(PY) -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

db: $(VENV)/.runtime-installed
	$(PY) -m store upgrade

run: db
	$(PY) -m ui --server.address $(HOST) --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

# The fast suite (unit, property, data-lint, AppTest; SQLite, and PostgreSQL when TEST_POSTGRES_URL is set) on both
# cores; the slow, browser and fault tests run in `make test-all`, which CI runs (.ci/run).
FAST := -m "not gpu and not slow and not browser" -n 2

test: $(VENV)/.dev-installed db
	$(PY) -m ruff check .
	$(PY) -m pytest $(FAST) $(PYTEST_ARGS)

test-all: $(VENV)/.dev-installed db
	$(PY) -m ruff check .
	$(PY) -m pytest -m "not gpu" $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

clean-venv:
	rm -rf $(VENV)
