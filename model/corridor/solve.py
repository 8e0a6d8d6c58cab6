"""Pyomo model -> HiGHS (highspy, in memory) -> values back on the model.

The hand-off turns every active row of the model into row-wise sparse arrays and passes
them to highspy in one ``passModel`` call: no files. Every free variable is a column, in
model order. A row the model built itself is taken from the arrays kept at build time
(``features.base.row``) as long as its body is still that very expression; any other row
(one a caller added or replaced, or any row once a variable is fixed) is read from its
expression, plain linear sums in bulk and everything else through Pyomo's linear walker.
So an embedding program's changes always reach the solver. The solver's outcome is mapped
to the spec's words and never dressed up: a plan is only "optimal" when HiGHS proves it so.
"""

from __future__ import annotations

import logging
import math
import operator
import os
import sys
import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC
from pyomo.common.numeric_types import native_numeric_types
from pyomo.core.base.var import VarData
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression
from pyomo.repn.linear import LinearRepnVisitor
from pyomo.repn.util import VarRecorder

log = logging.getLogger("corridor")
INF = highspy.kHighsInf


@dataclass
class SolveOptions:
    time_limit: float = 60.0
    mip_gap: float = 1e-4
    verbose: bool = False
    highs_options: dict[str, object] = field(default_factory=dict)


@dataclass
class SolveResult:
    """What the solver said, in the spec's terms."""

    status: str  # optimal, feasible, infeasible, unbounded, no_solution, error
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None
    solve_seconds: float = 0.0
    handoff_seconds: float = 0.0
    is_mip: bool = False
    nodes: int = 0
    message: str = ""
    highs_status: str = ""
    n_vars: int = 0
    n_cons: int = 0
    n_nonzeros: int = 0
    row_duals: dict = field(default_factory=dict, repr=False)  # ConstraintData -> dual (LP only)

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "feasible")


@dataclass
class Compiled:
    """The model as HiGHS sees it, kept so analyses can change and re-solve it."""

    highs: highspy.Highs
    columns: list
    rows: list
    integer: bool
    offset: float
    sign: float = 1.0  # -1 when the objective is maximised (HiGHS minimises)
    integer_columns: np.ndarray | None = None


def new_highs() -> highspy.Highs:
    """A silent Highs instance: HiGHS prints its banner to fd 1 when the first one is made,
    which would corrupt `corridor solve --json` output."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    return h


def highs_version() -> str:
    h = new_highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


FAST_TERMS = {VarData, MonomialTermExpression}


def _terms(body, visitor, var_map, fixed: set[int]) -> tuple[float, list, list]:
    """(constant, variables, coefficients) of a linear body.

    The model's own rows are LinearExpressions of bare variables and (number, variable)
    monomials: read in bulk. Anything else (constants, parameters, fixed variables, rows a
    caller wrote) goes through Pyomo's general linear walker.
    """
    if body.__class__ is LinearExpression:
        args = body.args
        if {a.__class__ for a in args} <= FAST_TERMS:
            variables = [a if a.__class__ is VarData else a._args_[1] for a in args]
            coefs = [1.0 if a.__class__ is VarData else a._args_[0] for a in args]
            if {c.__class__ for c in coefs} <= native_numeric_types and (
                not fixed or fixed.isdisjoint(map(id, variables))
            ):
                return 0.0, variables, coefs
    repn = visitor.walk_expression(body)
    if repn.nonlinear is not None:
        raise ValueError(f"constraint body is not linear: {body}")
    return float(repn.constant), [var_map[i] for i in repn.linear], list(repn.linear.values())


def compile_model(m: pyo.ConcreteModel) -> Compiled:
    """Active objective and constraints -> one row-wise HighsLp passed in one call."""
    with PauseGC():  # see build.py
        return _compile(m)


def _column_index(columns: list, variables: list) -> np.ndarray:
    """Column of each variable, matched by identity in bulk (numpy, not a dict per term);
    a variable declared outside the model is appended to `columns`."""
    col_ids = np.fromiter(map(id, columns), dtype=np.int64, count=len(columns))
    order = np.argsort(col_ids)
    sorted_ids = col_ids[order]
    ids = np.fromiter(map(id, variables), dtype=np.int64, count=len(variables))
    pos = np.minimum(np.searchsorted(sorted_ids, ids), max(len(sorted_ids) - 1, 0))
    found = sorted_ids[pos] == ids if len(sorted_ids) else np.zeros(len(ids), dtype=bool)
    out = np.where(found, order[pos] if len(order) else 0, -1)
    if not found.all():
        extra: dict[int, int] = {}
        for k in np.flatnonzero(~found):
            var = variables[k]
            if id(var) not in extra:
                extra[id(var)] = len(columns)
                columns.append(var)
            out[k] = extra[id(var)]
    return out


def column_bounds(columns: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower and upper bounds and integrality of each column.

    A model's variables share a handful of (domain, lb, ub) combinations (a million flows
    share one), so each combination is evaluated once through Pyomo's public API."""
    plain = {*native_numeric_types, type(None)}  # bounds that are values, not Params
    try:
        keys = [  # the VarData slots (Pyomo 6); a domain or Param bound keyed by identity
            (
                id(v._domain),
                v._lb if v._lb.__class__ in plain else id(v._lb),
                v._ub if v._ub.__class__ in plain else id(v._ub),
            )
            for v in columns
        ]
        cache: dict = {}
        for key, v in zip(keys, columns, strict=True):
            if key not in cache:
                cache[key] = v
    except (AttributeError, TypeError):  # another Pyomo, or an unhashable bound: one by one
        keys, cache = [id(v) for v in columns], {id(v): v for v in columns}
    facts = {
        key: (-INF if v.lb is None else v.lb, INF if v.ub is None else v.ub, v.is_integer())
        for key, v in cache.items()
    }
    table = [facts[k] for k in keys]
    lower = np.fromiter((t[0] for t in table), dtype=float, count=len(table))
    upper = np.fromiter((t[1] for t in table), dtype=float, count=len(table))
    integer = np.fromiter((t[2] for t in table), dtype=bool, count=len(table))
    return lower, upper, integer


def _flow_block(m: pyo.ConcreteModel, columns: list) -> int | None:
    """Column of flow position 0 when the model's flows are consecutive columns in order
    (so a row's flow positions become columns by one addition), else None."""
    flows = getattr(m, "flow_list", None)
    if not flows:
        return None
    start = next((j for j, v in enumerate(columns) if v is flows[0]), None)
    if start is None or len(columns) < start + len(flows):
        return None
    same = all(map(operator.is_, columns[start : start + len(flows)], flows))
    return start if same else None


def _columns_of(column_of: dict[int, int], columns: list, variables: list) -> np.ndarray:
    """Columns of a few variables by identity; a variable declared outside the model gets a
    new column."""
    out = []
    for var in variables:
        j = column_of.get(id(var))
        if j is None:
            j = column_of[id(var)] = len(columns)
            columns.append(var)
        out.append(j)
    return np.asarray(out, dtype=np.int64)


def _compile(m: pyo.ConcreteModel) -> Compiled:
    var_map: dict[int, object] = {}
    visitor = LinearRepnVisitor({}, var_recorder=VarRecorder(var_map, None))
    # every free variable of the model is a column, in model order; a fixed one is a constant
    columns: list = []
    fixed: set[int] = set()
    for var in m.component_data_objects(pyo.Var, active=True):
        (fixed.add(id(var)) if var.fixed else columns.append(var))
    rows: list = []
    index_parts: list[np.ndarray] = []
    value_parts: list[np.ndarray] = []
    row_lower, row_upper = [], []
    objectives = list(m.component_data_objects(pyo.Objective, active=True))
    if len(objectives) != 1:
        raise ValueError(f"the model needs exactly one active objective, has {len(objectives)}")
    objective = objectives[0]
    offset, obj_vars, obj_coefs = _terms(objective.expr, visitor, var_map, fixed)
    flow_start = _flow_block(m, columns) if not fixed else None
    known = getattr(m, "row_terms", None) if flow_start is not None else None
    # identity -> column: every column for generic rows, only the non-flow ones when the
    # model's own rows give flow positions (a million-entry dict is not free)
    n_flows = len(m.flow_list) if flow_start is not None else 0
    column_of: dict[int, int] = {
        id(v): j
        for j, v in enumerate(columns)
        if flow_start is None or not flow_start <= j < flow_start + n_flows
    }
    complete = flow_start is None
    for con in m.component_data_objects(pyo.Constraint, active=True):
        lb, ub = con.lb, con.ub
        if lb is None and ub is None:
            continue
        body = con.body
        hit = known.get(id(body)) if known else None
        constant = 0.0
        if hit is not None and hit[0] is body:  # the model's own row, as built
            _, flows, flow_coefs, others, other_coefs = hit
            cols = flow_start + flows
            if others:
                cols = np.concatenate((cols, _columns_of(column_of, columns, others)))
                flow_coefs = np.concatenate((flow_coefs, other_coefs))
        else:
            constant, variables, coefs = _terms(body, visitor, var_map, fixed)
            if not complete:  # a row the model did not build: look flows up too
                column_of.update((id(v), flow_start + i) for i, v in enumerate(m.flow_list))
                complete = True
            cols = _columns_of(column_of, columns, variables)
            flow_coefs = np.asarray(coefs, dtype=float)
        index_parts.append(cols)
        value_parts.append(flow_coefs)
        rows.append(con)
        row_lower.append(-INF if lb is None else float(lb) - constant)
        row_upper.append(INF if ub is None else float(ub) - constant)
    lengths = np.fromiter(map(len, index_parts), dtype=np.int64, count=len(index_parts))
    starts = np.concatenate(([0], np.cumsum(lengths)))
    index = np.concatenate(index_parts) if index_parts else np.zeros(0, dtype=np.int64)
    value = np.concatenate(value_parts) if value_parts else np.zeros(0)
    obj_cols = _column_index(columns, obj_vars)
    n_cols = len(columns)
    sign = 1.0 if objective.sense == pyo.minimize else -1.0
    cost = np.zeros(n_cols)
    np.add.at(cost, obj_cols, np.asarray(obj_coefs, dtype=float))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_cols, len(rows)
    lp.col_cost_ = sign * cost
    lp.offset_ = sign * float(offset)
    lower, upper, integer = column_bounds(columns)
    lp.col_lower_, lp.col_upper_ = lower, upper
    lp.row_lower_ = np.asarray(row_lower, dtype=float)
    lp.row_upper_ = np.asarray(row_upper, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = starts.astype(np.int32)
    lp.a_matrix_.index_ = index.astype(np.int32)
    lp.a_matrix_.value_ = value
    if integer.any():
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
            for i in integer
        ]
    h = new_highs()
    h.passModel(lp)
    return Compiled(h, columns, rows, bool(integer.any()), lp.offset_, sign, integer)


def run(compiled: Compiled, options: SolveOptions) -> SolveResult:
    """Solve the compiled model; map HiGHS's status to the spec's words."""
    h = compiled.highs
    h.setOptionValue("output_flag", bool(options.verbose))
    h.setOptionValue("log_to_console", bool(options.verbose))
    h.setOptionValue("time_limit", float(options.time_limit))
    h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    for name, value in options.highs_options.items():
        if h.setOptionValue(name, value) != highspy.HighsStatus.kOk:
            return SolveResult("error", message=f"HiGHS rejected option {name}={value!r}")
    h.HandleKeyboardInterrupt = True
    start = time.perf_counter()
    h.solve()
    seconds = time.perf_counter() - start
    status = h.getModelStatus()
    info = h.getInfo()
    has_primal = info.primal_solution_status == 2  # kSolutionStatusFeasible
    ms = highspy.HighsModelStatus
    result = SolveResult(
        "error",
        solve_seconds=seconds,
        is_mip=compiled.integer,
        highs_status=h.modelStatusToString(status),
        n_vars=h.getNumCol(),
        n_cons=h.getNumRow(),
        n_nonzeros=h.getNumNz(),
    )
    if status == ms.kOptimal:
        result.status = "optimal"
    elif status == ms.kInfeasible:
        result.status = "infeasible"
    elif status in (ms.kUnbounded, ms.kUnboundedOrInfeasible):
        result.status = _unbounded_or_infeasible(h, status)
    elif status in (
        ms.kTimeLimit,
        ms.kIterationLimit,
        ms.kInterrupt,
        ms.kSolutionLimit,
        ms.kObjectiveBound,
        ms.kObjectiveTarget,
    ):
        result.status = "feasible" if has_primal else "no_solution"
        result.message = f"stopped after {seconds:.1f} s ({result.highs_status})"
    else:
        result.message = f"HiGHS ended with status {result.highs_status}"
    if result.status in ("optimal", "feasible") and not has_primal:
        result.status = "no_solution"
    if result.has_solution:
        result.objective = compiled.sign * float(info.objective_function_value)
        if compiled.integer:
            result.best_bound = compiled.sign * float(info.mip_dual_bound)
            gap = float(info.mip_gap)
            result.gap = gap if math.isfinite(gap) else None
            result.nodes = int(info.mip_node_count)
        else:
            result.best_bound, result.gap = result.objective, 0.0
    return result


def _unbounded_or_infeasible(h: highspy.Highs, status) -> str:
    """Presolve may not tell the two apart; one re-solve without it does."""
    if status == highspy.HighsModelStatus.kUnbounded:
        return "unbounded"
    h.setOptionValue("presolve", "off")
    h.solve()
    h.setOptionValue("presolve", "choose")
    again = h.getModelStatus()
    if again == highspy.HighsModelStatus.kInfeasible:
        return "infeasible"
    return "unbounded"


def load_values(compiled: Compiled, result: SolveResult) -> None:
    """Put the solution on the Pyomo variables (integers rounded when within tolerance)."""
    h = compiled.highs
    solution = h.getSolution()
    values = np.asarray(solution.col_value, dtype=float)
    mask = compiled.integer_columns
    if mask is None:
        mask = np.array([v.is_integer() for v in compiled.columns], dtype=bool)
    rounded = np.round(values)
    values = np.where(mask & (np.abs(values - rounded) <= 1e-6), rounded, values)
    for var, value in zip(compiled.columns, values.tolist(), strict=True):
        var.set_value(value, skip_validation=True)
    if not compiled.integer and solution.dual_valid:
        duals = np.asarray(solution.row_dual, dtype=float)
        result.row_duals = {}
        for con, dual in zip(compiled.rows, duals, strict=True):
            result.row_duals[con] = result.row_duals.get(con, 0.0) + float(dual)


def solve(m: pyo.ConcreteModel, options: SolveOptions | None = None) -> SolveResult:
    """Compile, solve and load the values onto the model's variables."""
    options = options or SolveOptions()
    start = time.perf_counter()
    compiled = compile_model(m)
    handoff = time.perf_counter() - start
    result = run(compiled, options)
    result.handoff_seconds = handoff
    if result.has_solution:  # every free variable is a column, so every one gets its value
        load_values(compiled, result)
    m.compiled = compiled
    return result
