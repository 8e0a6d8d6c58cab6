"""corridor: plan how strategic commodities reach their buyers under dependence caps.

The pipeline, one function per arrow::

    inputs = corridor.read_workbook("plan.xlsx")     # or from_frames({...}); InputError
    plan = corridor.Plan(inputs)                     # the program as arrays, on HiGHS
    plan.solve()
    results = plan.results()                         # DataFrames: results["Flows"], ...
    corridor.write_results(results, "plan_results.xlsx")

or, for embedders who extend the model in Pyomo::

    model = corridor.build_model(inputs)             # a Pyomo ConcreteModel
    model.cost_terms["risk"] = ...                   # a cost of one's own, by name in Summary
    result = corridor.solve(model)
    results = corridor.extract(model, inputs, result)

JSON in and out: ``corridor.from_json(text)`` / ``read_json(path)`` (docs/json.md),
``results.to_json()``; ``corridor.schema()`` the workbook contract as data;
``corridor.write_lp(plan, "plan.lp")`` the program with planner names. ``corridor serve``
(service.py) answers HTTP. Nothing here prints, redirects output or installs a signal
handler; separate models solve in separate threads at once.

Names are imported when first used, so ``import corridor`` stays fast (no pandas, Pyomo or
HiGHS until needed).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.2.0"

_EXPORTS = {
    "InputError": "errors",
    "InputIssue": "errors",
    "Inputs": "data",
    "LinearProgram": "lp",
    "SolveOptions": "highs",
    "SolveResult": "highs",
    "Solution": "highs",
    "Results": "report",
    "build_model": "pyomo_view",
    "read_workbook": "load",
    "from_frames": "load",
    "from_json": "load",
    "read_json": "load",
    "schema": "schema",
    "write_results": "io.write",
    "extract": "pipeline",
    "solve": "pipeline",
    "run": "pipeline",
    "Outcome": "pipeline",
    "Plan": "plan",
    "write_lp": "lpfile",
}

__all__ = [
    "__version__",
    "InputError",
    "InputIssue",
    "Inputs",
    "LinearProgram",
    "SolveOptions",
    "SolveResult",
    "Solution",
    "Results",
    "build_model",
    "read_workbook",
    "from_frames",
    "from_json",
    "read_json",
    "schema",
    "write_results",
    "extract",
    "solve",
    "run",
    "Outcome",
    "Plan",
    "write_lp",
]

if TYPE_CHECKING:  # for type checkers and editors; at run time names load lazily
    from .data import Inputs
    from .errors import InputError, InputIssue
    from .highs import Solution, SolveOptions, SolveResult
    from .io.write import write_results
    from .load import from_frames, from_json, read_json, read_workbook
    from .lp import LinearProgram
    from .lpfile import write_lp
    from .pipeline import Outcome, extract, run, solve
    from .plan import Plan
    from .pyomo_view import build_model
    from .report import Results
    from .schema import schema


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'corridor' has no attribute {name!r}")
    loaded = importlib.import_module(f".{module}", __name__)
    # `corridor.schema` is the submodule itself, which is callable: calling it is calling
    # schema() (importing the submodule would otherwise replace the function by the module)
    value = loaded if name == "schema" else getattr(loaded, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
