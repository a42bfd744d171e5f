# Everything a person runs. `make build` and `make test` are the README's two commands.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Optional: a transaction file or glob, a preset name (presets/NAME.yml), extra vars as YAML, and the
# target: dev (DuckDB) or spark (a local Spark session).
# DATA, PRESET, VARS, OUT and N reach the commands as environment variables (make's export of their
# unexpanded $(value ...)), never pasted into a shell line: quotes, $ and ; in them stay plain text.
# unexport: make would otherwise export command-line variables itself, expanding $(...) in them.
unexport DATA PRESET VARS OUT N FULL_REFRESH TARGET
DATA ?=
PRESET ?=
VARS ?=
TARGET ?=
OUT ?= report
N ?= 1000000
# FULL_REFRESH=1: rebuild the per-file tables from every file of a glob source (dbt build --full-refresh).
FULL_REFRESH ?=
LINT_DB := $(CURDIR)/warehouse/lint/lint.duckdb

.PHONY: venv build test lint unit docs report bench sample clean

$(STAMP): requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

build: export SEGMENTS_DATA = $(value DATA)
build: export SEGMENTS_PRESET = $(value PRESET)
build: export SEGMENTS_VARS = $(value VARS)
build: export SEGMENTS_FULL_REFRESH = $(value FULL_REFRESH)
build: export SEGMENTS_TARGET = $(value TARGET)
build: venv
	$(BIN)/segmentation build

test: lint
	$(BIN)/pytest

lint: venv
	$(BIN)/ruff check src tests python_models benchmarks
	$(BIN)/ruff format --check src tests python_models benchmarks
	mkdir -p $(dir $(LINT_DB))
	SEGMENTS_DB=$(LINT_DB) $(BIN)/sqlfluff lint models tests/dbt

docs: venv
	mkdir -p warehouse
	$(BIN)/dbt docs generate

report: export SEGMENTS_REPORT_OUT = $(value OUT)
report: venv
	$(BIN)/segmentation report

bench: export SEGMENTS_BENCH_LINES = $(value N)
bench: venv
	$(BIN)/python -m benchmarks --lines "$$SEGMENTS_BENCH_LINES" --history-cost
	$(BIN)/python -m benchmarks.daily --lines "$$SEGMENTS_BENCH_LINES"

sample: venv
	$(BIN)/segmentation generate --lines 30000 --seed 42 --out data/sample/transactions.parquet

clean: export SEGMENTS_REPORT_OUT = $(value OUT)
clean:
	rm -rf target logs warehouse
	if [ -n "$$SEGMENTS_REPORT_OUT" ]; then rm -rf -- "$$SEGMENTS_REPORT_OUT"; fi
