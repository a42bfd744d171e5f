# Everything a person runs. `make build` and `make test` are the README's two commands.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Optional: a transaction file or glob, a preset name (presets/NAME.yml), extra vars as YAML.
DATA ?=
PRESET ?=
VARS ?=
OUT ?= report
N ?= 1000000
LINT_DB := $(CURDIR)/warehouse/lint/lint.duckdb

.PHONY: venv build test lint unit docs report bench sample clean

$(STAMP): requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

build: venv
	$(BIN)/segmentation build $(if $(DATA),--data '$(DATA)') $(if $(PRESET),--preset '$(PRESET)') $(if $(VARS),--vars '$(VARS)')

test: lint
	$(BIN)/pytest

lint: venv
	$(BIN)/ruff check src tests python_models
	$(BIN)/ruff format --check src tests python_models
	mkdir -p $(dir $(LINT_DB))
	SEGMENTS_DB=$(LINT_DB) $(BIN)/sqlfluff lint models tests/dbt

docs: venv
	mkdir -p warehouse
	$(BIN)/dbt docs generate

report: venv
	$(BIN)/segmentation report --out '$(OUT)'

bench: venv
	$(BIN)/segmentation bench --lines $(N)

sample: venv
	$(BIN)/segmentation generate --lines 30000 --seed 42 --out data/sample/transactions.parquet

clean:
	rm -rf target logs warehouse $(OUT)
