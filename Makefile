# AvatarStudio's front door. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
UV := $(VENV)/bin/uv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run serve worker test lint format install install-test lock migrate clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

install: $(UV)  ## the app's own dependencies, exactly as uv.lock pins them
	$(UV) sync --frozen --inexact --quiet

install-test: $(UV)  ## the app plus the test and lint tools
	$(UV) sync --frozen --quiet --group test --group dev

migrate: install
	$(PY) manage.py migrate --no-input

run: migrate  ## http://127.0.0.1:8000 with one worker; Ctrl-C stops everything
	$(PY) manage.py ensure_demo_account
	$(PY) manage.py dev

serve: install  ## production web tier (gunicorn); set DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, ...
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(VENV)/bin/gunicorn --config gunicorn.conf.py avatarstudio.wsgi

worker: install  ## one background worker (run as many as you like, on any machine)
	$(PY) manage.py worker

TEST_PROCESSES ?= auto
test: install-test  ## every test, one process a core; browser tests need Chromium (see README)
	$(PY) -m pytest --numprocesses $(TEST_PROCESSES) $(PYTEST_ARGS)

lint: install-test  ## ruff, and the import layers of pyproject.toml's [tool.importlinter]
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install-test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

lock: $(UV)  ## after editing pyproject.toml
	$(UV) lock

clean:
	rm -rf $(VENV) var .pytest_cache
