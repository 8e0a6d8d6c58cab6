"""corridor: plan contracted commodity flows over multi-leg routes under transit caps.

The pipeline, one function per arrow::

    inputs = read_workbook("plan.xlsx")          # or from_frames({...}); raises InputError
    model = build_model(inputs)                  # a Pyomo ConcreteModel; add constraints freely
    result = solve(model, SolveOptions(time_limit=30))
    results = extract(model, inputs, result)     # DataFrames: results["Flows"], ...
    write_results(results, "plan_results.xlsx")
"""

from .build import build_model
from .data import Inputs
from .errors import InputError, InputIssue
from .io.write import write_results
from .load import from_frames, read_workbook
from .pipeline import extract, run
from .solve import SolveOptions, SolveResult, solve

__all__ = [
    "InputError",
    "InputIssue",
    "Inputs",
    "SolveOptions",
    "SolveResult",
    "build_model",
    "extract",
    "from_frames",
    "read_workbook",
    "run",
    "solve",
    "write_results",
]
