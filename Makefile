PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# `make test-lowest`: the suite (but the fuzz test) on the lowest versions pyproject allows
LOWEST := .venv-lowest
LOWEST_STAMP := $(LOWEST)/.installed
EXTRAS := dev,dask,map,progress,serve

.PHONY: demo test test-lowest lint bench example analyses serve clean

# the newest versions tested (ci/newest.txt) within pyproject.toml's ranges
$(STAMP): pyproject.toml ci/newest.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c ci/newest.txt -e ".[$(EXTRAS)]"
	touch $(STAMP)

$(LOWEST_STAMP): pyproject.toml ci/lowest.txt
	$(PYTHON) -m venv $(LOWEST)
	$(LOWEST)/bin/pip install --quiet --upgrade pip
	$(LOWEST)/bin/pip install --quiet --prefer-binary -c ci/lowest.txt -e ".[dev,map,progress,serve]"
	touch $(LOWEST_STAMP)

demo: $(STAMP)
	$(BIN)/corridor solve inputs/caspian_corridor.xlsx -o outputs/caspian_corridor_results.xlsx

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-lowest: $(LOWEST_STAMP)
	$(LOWEST)/bin/python -m pytest -q -p no:cacheprovider --ignore tests/test_fuzz_cells.py

serve: $(STAMP)
	$(BIN)/corridor serve

lint: $(STAMP)
	$(BIN)/ruff check model tests benchmarks
	$(BIN)/ruff format --check model tests benchmarks

bench: $(STAMP)
	$(BIN)/pip install --quiet -c ci/newest.txt -e ".[$(EXTRAS),bench]"
	$(BIN)/python benchmarks/plan_resolve.py
	$(BIN)/python benchmarks/threads_bench.py
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/sourcing_bench.py
	$(BIN)/python benchmarks/robust_bench.py

analyses: $(STAMP)
	$(BIN)/corridor frontier inputs/caspian_corridor.xlsx -o outputs/caspian_corridor_frontier.xlsx
	$(BIN)/corridor stress inputs/caspian_corridor.xlsx -o outputs/caspian_corridor_stress.xlsx
	$(BIN)/corridor scenarios inputs/caspian_corridor.xlsx -o outputs/caspian_corridor_scenarios.xlsx
	$(BIN)/corridor map inputs/caspian_corridor.xlsx -o outputs/caspian_corridor_results.xlsx
	$(BIN)/corridor robust inputs/caspian_robust.xlsx -o outputs/caspian_robust_price.xlsx

example: $(STAMP)
	$(BIN)/python -m corridor.example inputs/caspian_corridor.xlsx inputs/caspian_sourcing.xlsx inputs/caspian_robust.xlsx

clean:
	rm -rf $(VENV) $(LOWEST) outputs/*.xlsx
