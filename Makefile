# IDA Leerplatform — every command a developer or operator needs. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: install demo pipeline app dagster test ckan-up ckan-down bench clean

$(BIN)/ida: pyproject.toml
	$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	$(PYTHON) -m uv venv --quiet --allow-existing $(VENV)
	$(PYTHON) -m uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]'
	touch $(BIN)/ida

install: $(BIN)/ida

pipeline: install
	$(BIN)/ida pipeline

demo: pipeline
	$(BIN)/ida demo-tokens
	$(BIN)/ida app --port $(PORT)

app: install
	$(BIN)/ida app --port $(PORT)

dagster: install
	DAGSTER_HOME=$$($(BIN)/python -m orchestration.pipeline) $(BIN)/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

ckan-up: install
	bash catalog/ckan_stack/up.sh

ckan-down:
	bash catalog/ckan_stack/down.sh

test: install
	bash tests/run.sh

bench: install
	$(BIN)/python bench/pipeline

clean:
	rm -rf var/warehouse* var/serving var/export var/dbt
