PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench example clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,dask]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/corridor solve inputs/caspian_corridor.xlsx -o outputs/caspian_corridor_results.xlsx

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check model tests benchmarks
	$(BIN)/ruff format --check model tests benchmarks

bench: $(STAMP)
	$(BIN)/pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/run.py

example: $(STAMP)
	$(BIN)/python -m corridor.example inputs/caspian_corridor.xlsx

clean:
	rm -rf $(VENV) outputs/*.xlsx
