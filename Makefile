# Two commands: `make run` (the pipeline on data/raw) and `make test` (the suite).
# uv is installed into .tools/ from PyPI when it is not on PATH.
SHELL := /bin/bash
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
export UV_COMPILE_BYTECODE := 1
export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := 1
export DAGSTER_HOME := $(CURDIR)/.dagster_home

.PHONY: run test test-fast ui lint eval bench install clean-data

$(CURDIR)/.tools/bin/uv:
	python3 -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

install: $(UV)
	@mkdir -p $(DAGSTER_HOME)
	@test -f $(DAGSTER_HOME)/dagster.yaml || printf 'telemetry:\n  enabled: false\nnux:\n  enabled: false\n' > $(DAGSTER_HOME)/dagster.yaml
	$(UV) sync --frozen --quiet

run: install
	$(UV) run --no-sync curate run

test: install
	$(UV) run --no-sync pytest -q

test-fast: install
	$(UV) run --no-sync pytest -q -m "not slow"

ui: install
	$(UV) run --no-sync dagster dev -w workspace.yaml

lint: install
	$(UV) run --no-sync ruff check pipeline tests bench scripts

eval: install
	$(UV) run --no-sync python bench/eval_boilerplate.py
	$(UV) run --no-sync python bench/eval_dedup.py

clean-data:
	rm -rf data/curated/versions data/curated/latest data/curated/LATEST data/curated/attempts \
	  data/curated/.staging data/curated/.validation
