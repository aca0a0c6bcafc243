# Two commands: `make run` (the pipeline on data/raw) and `make test` (the suite).
# uv is installed into .tools/ from PyPI when it is not on PATH.
SHELL := /bin/bash
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
export UV_COMPILE_BYTECODE := 1
export GX_ANALYTICS_ENABLED := false
export DAGSTER_HOME := $(CURDIR)/.dagster_home

.PHONY: run test test-fast ui lint eval bench install clean-data

$(CURDIR)/.tools/bin/uv:
	python3 -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

install: $(UV)
	@mkdir -p $(DAGSTER_HOME)
	@touch $(DAGSTER_HOME)/dagster.yaml
	$(UV) sync --frozen --quiet

run: install
	$(UV) run --frozen curate run

test: install
	$(UV) run --frozen pytest -q

test-fast: install
	$(UV) run --frozen pytest -q -m "not slow"

ui: install
	$(UV) run --frozen dagster dev -w workspace.yaml

lint: install
	$(UV) run --frozen ruff check pipeline tests bench scripts

eval: install
	$(UV) run --frozen python bench/eval_boilerplate.py
	$(UV) run --frozen python bench/eval_dedup.py

clean-data:
	rm -rf data/curated/versions data/curated/latest data/curated/LATEST data/curated/attempts \
	  data/curated/.staging data/curated/.validation
