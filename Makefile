PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench example analyses clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,dask,map]"
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

analyses: $(STAMP)
	$(BIN)/corridor frontier inputs/caspian_corridor.xlsx -o outputs/caspian_corridor_frontier.xlsx
	$(BIN)/corridor stress inputs/caspian_corridor.xlsx -o outputs/caspian_corridor_stress.xlsx
	$(BIN)/corridor scenarios inputs/caspian_corridor.xlsx -o outputs/caspian_corridor_scenarios.xlsx
	$(BIN)/corridor map inputs/caspian_corridor.xlsx -o outputs/caspian_corridor_results.xlsx

example: $(STAMP)
	$(BIN)/python -m corridor.example inputs/caspian_corridor.xlsx inputs/caspian_sourcing.xlsx

clean:
	rm -rf $(VENV) outputs/*.xlsx
