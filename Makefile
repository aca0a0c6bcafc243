# Two commands: `make run` (the pipeline on data/raw) and `make test` (the suite); `make ui` for
# the Dagster UI. uv: the one on PATH, else installed into .tools/ from PyPI; either way
# `.tools/bin/uv` is where it is found afterwards (the README's commands use that path).
SHELL := /bin/bash
UV_VERSION := 0.13.9
UV := $(CURDIR)/.tools/bin/uv
UV_ON_PATH := $(shell command -v uv 2>/dev/null)
export UV_COMPILE_BYTECODE := 1
export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := 1
# One Dagster instance for `make ui`, `make run` (curate run) and `make materialize`: the UI
# shows every run.
export DAGSTER_HOME := $(CURDIR)/.dagster_home
SELECT ?= *

.PHONY: run test test-fast ui materialize versions lint eval bench install clean-data

$(UV):
	@if [ -n "$(UV_ON_PATH)" ] && [ "$(UV_ON_PATH)" != "$(UV)" ]; then \
	  mkdir -p $(CURDIR)/.tools/bin && ln -sf "$(UV_ON_PATH)" $(UV); \
	else \
	  python3 -m venv $(CURDIR)/.tools && $(CURDIR)/.tools/bin/pip install --quiet "uv==$(UV_VERSION)"; \
	fi

install: $(UV)
	@mkdir -p $(DAGSTER_HOME)
	@test -f $(DAGSTER_HOME)/dagster.yaml || printf 'telemetry:\n  enabled: false\nnux:\n  enabled: false\n' > $(DAGSTER_HOME)/dagster.yaml
	$(UV) sync --frozen --quiet

run: install
	$(UV) run --no-sync curate run

# Two pytest workers (pytest-xdist), a test file to each at a time: the suite is mostly
# subprocesses starting up (curate runs, dagster dev, a Ray cluster), 10.4 min on one worker on
# the 2-core VM and 5.1 min on two (session 29). Every test isolates its folders, Dagster home
# and ports, so files run side by side; `pytest -q` alone still runs them one at a time.
PYTEST_WORKERS ?= 2
test: install
	$(UV) run --no-sync pytest -q -n $(PYTEST_WORKERS) --dist loadfile

test-fast: install
	$(UV) run --no-sync pytest -q -n $(PYTEST_WORKERS) --dist loadfile -m "not slow"

# Dagster 1.13 prints that `dagster dev` is superseded by `dg dev` (package dagster-dg-cli, not a
# dependency here): `make ui` stays the one command.
ui: install
	$(UV) run --no-sync dagster dev -w workspace.yaml

# Materialize assets from the command line, in the same instance as the UI (in-process):
# `make materialize SELECT=published_version`, `make materialize SELECT='*'` (the default).
materialize: install
	$(UV) run --no-sync dagster asset materialize -m pipeline.definitions --select '$(SELECT)'

versions: install
	$(UV) run --no-sync curate versions

lint: install
	$(UV) run --no-sync ruff check pipeline tests bench scripts

eval: install
	$(UV) run --no-sync python bench/eval_boilerplate.py
	$(UV) run --no-sync python bench/eval_dedup.py

clean-data:
	rm -rf data/curated/versions data/curated/latest data/curated/LATEST data/curated/attempts \
	  data/curated/.staging data/curated/.validation data/curated/.work data/curated/.lock \
	  data/curated/.issued_versions
