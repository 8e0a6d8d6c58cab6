"""The fixed pipeline: read -> check -> build -> solve -> extract -> write.

`run_workbook` is what `corridor solve` does. The embedding path has the same steps as public
functions over a Pyomo model: `solve(model)` and `extract(model, inputs, result)`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .data import Inputs
from .diagnose import diagnose
from .highs import Solution, SolveOptions, SolveResult
from .io.write import write_results
from .load import read_inputs
from .plan import Plan, options_for
from .pyomo_view import block_duals, block_values, custom_rows, program_of, pyo, solve_model
from .report import Results
from .results import Extras, no_plan
from .results import extract as extract_arrays
from .robust import (
    RobustOutcome,
    booking_sheet,
    closure_capacity_loads,
    closures_block,
    diagnose_robust,
    robustness_sheet,
    solve_robust,
    with_closure_use,
)

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

    results: Results
    result: SolveResult
    exit_code: int
    path: Path | None
    inputs: Inputs | None = None
    plan: Plan | None = None
    robust: RobustOutcome | None = None  # robust mode: the plan and its closures


def solve(model: pyo.ConcreteModel, options: SolveOptions | None = None) -> SolveResult:
    """Solve a Pyomo model (corridor's, as an embedder changed it) with HiGHS."""
    return solve_model(model, options)


def extract(
    model: pyo.ConcreteModel,
    inputs: Inputs,
    result: SolveResult,
    options: SolveOptions | None = None,
) -> Results:
    """Result tables of a solved Pyomo model: corridor's blocks as from the arrays, plus the
    embedder's own cost terms (by name, in Summary) and rows (the Custom rows sheet, with
    their duals)."""
    lp = program_of(model)
    if lp is None:
        raise ValueError("extract needs a model made by corridor.build_model")
    if not result.has_solution:
        return no_plan(inputs, result, options)
    x = block_values(model, lp)
    solution = Solution(result, x, block_duals(model, lp), duals_from="model")
    own = set(lp.costs)
    extras = Extras(
        costs={
            name: float(pyo.value(expr))
            for name, expr in model.cost_terms.items()
            if name not in own
        }
    )
    objective = float(pyo.value(model.total_cost)) if hasattr(model, "total_cost") else 0.0
    named = sum(float(pyo.value(e)) for e in model.cost_terms.values())
    extras.other_cost = objective - named
    extras.rows = _custom_rows(model, lp)
    return extract_arrays(inputs, lp, solution, options, extras)


def _custom_rows(model: pyo.ConcreteModel, lp) -> pd.DataFrame | None:
    rows = []
    duals = getattr(model, "dual", None)
    for con in custom_rows(model, lp):
        for index, data in con.items():
            body = pyo.value(data.body, exception=False)
            rows.append(
                {
                    "row": con.local_name,
                    "index": "" if index is None else str(index),
                    "body": np.nan if body is None else float(body),
                    "lower": np.nan if data.lb is None else float(pyo.value(data.lb)),
                    "upper": np.nan if data.ub is None else float(pyo.value(data.ub)),
                    "dual": float(duals.get(data, np.nan)) if duals is not None else np.nan,
                }
            )
    return pd.DataFrame(rows) if rows else None


def solve_workbook(inputs: Inputs, options: SolveOptions | None = None) -> Outcome:
    """Solve prepared inputs: the plan's tables, with a Diagnosis sheet when no plan exists
    (the least change that makes one possible, per kind of change)."""
    options = options or options_for(inputs)
    if inputs.settings.get("robust_min_delivery") is not None:
        return solve_robust_workbook(inputs, options)
    plan = Plan(inputs, options)
    solution = plan.solve()
    results = plan.results()
    if solution.status == "infeasible":
        results.sheets["Diagnosis"] = diagnose(inputs, options)
    return Outcome(results, solution.result, EXIT_CODES.get(solution.status, 1), None, inputs, plan)


def solve_robust_workbook(inputs: Inputs, options: SolveOptions) -> Outcome:
    """A robust plan (spec section 7): the plan's sheets plus Robustness and Booking; when no
    plan survives every guarded closure, a Diagnosis that names the closure and the least
    change that covers it (or, when even the plain plan is infeasible, the usual one)."""
    out = solve_robust(inputs, options)
    solution = out.solution
    if solution.has_solution:
        results = extract_arrays(inputs, out.lp, solution, options)
        results.sheets["Robustness"] = robustness_sheet(out)
        results.sheets["Booking"] = booking_sheet(out)
        if results.dashboard is not None:
            md = float(inputs.settings["robust_min_delivery"])
            results.dashboard.subtitle += (
                f"; robust: {md:.0%} of every contract and demand row in any one guarded closure"
            )
            results.dashboard.blocks.append(closures_block(results.sheets["Robustness"], inputs))
        if "Expansions" in results.sheets:
            results.sheets["Expansions"] = with_closure_use(
                results.sheets["Expansions"], inputs, closure_capacity_loads(out)
            )
        results.sheets["Log"] = pd.concat(
            [
                results.sheets["Log"],
                pd.DataFrame(
                    [
                        {
                            "level": "info",
                            "where": "robust",
                            "message": f"{len(out.every)} closure-periods guarded; "
                            f"{len(out.copies)} in the final model after {out.rounds} "
                            f"round(s), {out.seconds:.2f} s",
                        }
                    ]
                ),
            ],
            ignore_index=True,
        )
    else:
        results = no_plan(inputs, solution.result, options)
        if solution.status == "infeasible":
            plain = Plan(inputs.without_robust(), options).solve(duals=False)
            results.sheets["Diagnosis"] = (
                diagnose(inputs.without_robust(), options)
                if plain.status == "infeasible"
                else diagnose_robust(inputs, options)
            )
    code = EXIT_CODES.get(solution.status, 1)
    return Outcome(results, solution.result, code, None, inputs, None, out)


def run_workbook(
    source: str | Path | Inputs,
    output: str | Path | None = None,
    *,
    time_limit: float | None = None,
    gap: float | None = None,
    verbose: bool = False,
    highs_options: dict | None = None,
    options: SolveOptions | None = None,
) -> Outcome:
    """Read (a workbook, or JSON by its .json suffix) or take the inputs, solve, and write
    the results workbook if `output`."""
    inputs = source if isinstance(source, Inputs) else read_inputs(source)
    for warning in inputs.warnings:
        log.warning("%s", warning)
    options = options or options_for(inputs, time_limit, gap, verbose, highs_options)
    outcome = solve_workbook(inputs, options)
    if output is not None:
        outcome.path = write_results(outcome.results, output)
    return outcome


# `corridor.run`: the name the README and earlier versions use
run = run_workbook

__all__ = ["EXIT_CODES", "Outcome", "extract", "run", "run_workbook", "solve", "solve_workbook"]
