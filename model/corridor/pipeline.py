"""The fixed pipeline: read -> validate -> build -> solve -> extract -> write.

`run` is what `corridor solve` does; each step is also a public function so an embedding
program can stop anywhere, change the model, and go on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pyomo.environ as pyo

from . import results as results_mod
from .build import build_model
from .data import Inputs
from .io.write import write_results
from .load import read_workbook
from .solve import SolveOptions, SolveResult, solve

log = logging.getLogger("corridor")

EXIT_CODES = {
    "optimal": 0,
    "feasible": 0,
    "infeasible": 3,
    "no_solution": 4,
    "unbounded": 1,
    "error": 1,
}


@dataclass
class Outcome:
    """A finished run: the tables, the solver's word, the exit code and the file written."""

    results: results_mod.Results
    result: SolveResult
    exit_code: int
    path: Path | None
    model: pyo.ConcreteModel | None = None
    inputs: Inputs | None = None


def options_for(
    inputs: Inputs,
    time_limit: float | None = None,
    gap: float | None = None,
    verbose: bool = False,
    highs_options: dict | None = None,
) -> SolveOptions:
    """Command-line values win over the workbook's Settings."""
    return SolveOptions(
        time_limit=float(time_limit if time_limit is not None else inputs.settings["time_limit"]),
        mip_gap=float(gap if gap is not None else inputs.settings["mip_gap"]),
        verbose=verbose,
        highs_options=dict(highs_options or {}),
    )


def extract(
    model: pyo.ConcreteModel,
    inputs: Inputs,
    result: SolveResult,
    options: SolveOptions | None = None,
) -> results_mod.Results:
    """Result tables of a solved model (Summary and Log only when there is no plan)."""
    return results_mod.extract(model, inputs, result, options or SolveOptions())


def run(
    source: str | Path | Inputs,
    output: str | Path | None = None,
    *,
    time_limit: float | None = None,
    gap: float | None = None,
    verbose: bool = False,
    highs_options: dict | None = None,
) -> Outcome:
    """Solve a workbook (or prepared Inputs) and write the results workbook if `output`."""
    inputs = source if isinstance(source, Inputs) else read_workbook(source)
    for warning in inputs.warnings:
        log.warning("%s", warning)
    options = options_for(inputs, time_limit, gap, verbose, highs_options)
    model = build_model(inputs)
    result = solve(model, options)
    if result.has_solution:
        from .analysis.marginal import add_marginal_values

        add_marginal_values(model, result, options)
    res = extract(model, inputs, result, options)
    if result.status == "infeasible":
        from .diagnose import diagnose

        res.sheets["Diagnosis"] = diagnose(inputs, options)
    path = write_results(res, output) if output is not None else None
    return Outcome(res, result, EXIT_CODES.get(result.status, 1), path, model, inputs)
