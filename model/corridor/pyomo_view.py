"""The Pyomo view of a LinearProgram: the model embedders extend, and its general solve path.

`build_model(inputs)` returns a plain ``ConcreteModel`` generated from the same blocks the
command line solves, with planner-named components: one ``Var`` per column block and one
``Constraint`` per row block, indexed by the block's planner keys, e.g.

    flow[contract, route, period]        delivery[contract, period]
    shortfall[contract, period]          capacity_limit[type, id, period]
    use_route[route]  shipments[route, period]  build[expansion]
    scope_total[destination, commodity, period, origin, contract]
    limit_rule[rule, bound, value, destination, commodity, period, origin, contract]

and with sourcing (an offer's flows are flow[offer, route, period])

    taken[offer]   offer_max[offer, period]   offer_min[offer, period]
    unmet[destination, commodity, period]     demand_balance[destination, commodity, period]
    stock_level / stock_draw / stock_below / stock_balance / stock_floor[node, commodity, period]

plus the index sets (``FLOWS``, ``CAPACITIES``, ...), ``cost_terms`` (name -> expression)
and the objective ``total_cost``, their sum. ``cost_terms`` keeps the objective in step:
``m.cost_terms["sanction_risk"] = expr`` adds a term to ``total_cost`` at once, and the
Summary reports it under its own name.

`solve_model(m)` solves whatever the model has become (an embedder's rows, variables, fixed
variables, Params, replaced objectives) through Pyomo's own standard-form compiler and the
same HiGHS runner as the arrays; values go back onto the variables, row duals into the
``dual`` suffix (d objective / d bound; for a MIP, of the LP with the integer decisions fixed).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .build import build
from .data import Inputs
from .highs import INF, HighsModel, LpArrays, SolveOptions, SolveResult
from .lp import LinearProgram

LP_ATTRIBUTE = "corridor_lp"  # the LinearProgram a model was generated from


class _Pyomo:
    """pyomo.environ (and the few other Pyomo names used here), imported on first use.

    Importing Pyomo takes about a second, a fifth of `corridor solve` on a 90,000-flow
    workbook, and the command line and the analyses never build the Pyomo view: only
    embedders pay for it (a lazy import of a slow dependency)."""

    def __getattr__(self, name: str):
        import pyomo.environ as environ
        from pyomo.common.gc_manager import PauseGC
        from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression
        from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

        self.__dict__.update(
            {k: getattr(environ, k) for k in environ.__dict__ if not k.startswith("__")},
            PauseGC=PauseGC,
            LinearExpression=LinearExpression,
            MonomialTermExpression=MonomialTermExpression,
            LinearStandardFormCompiler=LinearStandardFormCompiler,
        )
        if name not in self.__dict__:
            raise AttributeError(name)
        return self.__dict__[name]


pyo = _Pyomo()


class CostTerms(dict):
    """name -> cost expression; the model's `total_cost` is kept equal to their sum."""

    def __init__(self, model: pyo.ConcreteModel, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._model = model

    def _refresh(self) -> None:
        objective = getattr(self._model, "total_cost", None)
        if objective is not None:
            objective.set_value(sum(self.values()))

    def __setitem__(self, name: str, expression) -> None:
        super().__setitem__(name, expression)
        self._refresh()

    def __delitem__(self, name: str) -> None:
        super().__delitem__(name)
        self._refresh()

    def update(self, *args, **kwargs) -> None:  # type: ignore[override]
        super().update(*args, **kwargs)
        self._refresh()


def _index(keys) -> list:
    """Index values of a block: plain values for one key column, tuples otherwise."""
    if keys.shape[1] == 1:
        return keys.iloc[:, 0].tolist()
    return list(keys.itertuples(index=False, name=None))


def _linear(coefs: list[float], variables: list) -> pyo.LinearExpression:
    """sum coefs * variables, built directly (a bare variable where the coefficient is 1)."""
    return pyo.LinearExpression(
        [
            v if c == 1.0 else pyo.MonomialTermExpression((c, v))
            for c, v in zip(coefs, variables, strict=True)
        ]
    )


def to_pyomo(lp: LinearProgram) -> pyo.ConcreteModel:
    """The Pyomo model of a LinearProgram (see the module docstring)."""
    m = pyo.ConcreteModel(name="corridor")
    with pyo.PauseGC():  # millions of small expression objects, none of them cyclic
        columns: list = []
        for block in lp.columns.values():
            index = _index(block.keys)
            dimen = max(1, block.keys.shape[1])
            s = pyo.Set(initialize=index, dimen=dimen, ordered=True)
            m.add_component(block.set_name or f"{block.name}_index", s)
            lower = block.lower.tolist()
            upper = block.upper.tolist()
            bounds = {
                k: (lo if lo > -INF else None, hi if hi < INF else None)
                for k, lo, hi in zip(index, lower, upper, strict=True)
            }
            domain = pyo.Integers if block.integer else pyo.Reals
            var = pyo.Var(
                s, within=domain, bounds=lambda _, *k, b=bounds: b[k[0] if len(k) == 1 else k]
            )
            m.add_component(block.name, var)
            columns.extend(var.values())
        for block in lp.rows.values():
            index = _index(block.keys)
            dimen = max(1, block.keys.shape[1])
            name = block.set_name if block.set_name and not hasattr(m, block.set_name) else None
            s = pyo.Set(initialize=index, dimen=dimen, ordered=True)
            m.add_component(name or f"{block.name}_index", s)
            csr = _block_rows(block)
            lower, upper = block.lower.tolist(), block.upper.tolist()
            bodies = {}
            for i, (k, lo, hi) in enumerate(zip(index, lower, upper, strict=True)):
                a, b = csr.indptr[i], csr.indptr[i + 1]
                body = _linear(csr.data[a:b].tolist(), [columns[j] for j in csr.indices[a:b]])
                bodies[k] = (lo if lo > -INF else None, body, hi if hi < INF else None)
            con = pyo.Constraint(s, rule=lambda _, *k, b=bodies: b[k[0] if len(k) == 1 else k])
            m.add_component(block.name, con)
        terms = CostTerms(m)
        for name, parts in lp.costs.items():
            cols = np.concatenate([p.cols for p in parts])
            coefs = np.concatenate([p.coefs for p in parts])
            dict.__setitem__(terms, name, _linear(coefs.tolist(), [columns[j] for j in cols]))
        m.cost_terms = terms
        m.total_cost = pyo.Objective(expr=sum(terms.values()), sense=pyo.minimize)
    setattr(m, LP_ATTRIBUTE, lp)
    return m


def _block_rows(block):
    n_cols = int(block.col.max()) + 1 if len(block.col) else 0
    coo = sp.coo_array((block.val, (block.row, block.col)), shape=(len(block), n_cols))
    csr = coo.tocsr()
    csr.sum_duplicates()
    csr.sort_indices()
    return csr


def build_model(inputs: Inputs, *, tight_big_m: bool = True) -> pyo.ConcreteModel:
    """The Pyomo model of validated inputs, generated from `build(inputs)`."""
    return to_pyomo(build(inputs, tight_big_m=tight_big_m))


def program_of(m: pyo.ConcreteModel) -> LinearProgram | None:
    """The LinearProgram a model was generated from (None for a model of another origin)."""
    return getattr(m, LP_ATTRIBUTE, None)


def block_values(m: pyo.ConcreteModel, lp: LinearProgram) -> np.ndarray:
    """The model's variable values as the program's column vector (0 where unset)."""
    x = np.zeros(lp.n_cols)
    for block in lp.columns.values():
        var = getattr(m, block.name, None)
        if var is None or len(block) == 0:
            continue
        values = np.fromiter(
            (0.0 if v.value is None else v.value for v in var.values()),
            dtype=float,
            count=len(block),
        )
        x[block.start : block.stop] = values
    return x


def block_duals(m: pyo.ConcreteModel, lp: LinearProgram) -> np.ndarray | None:
    """The `dual` suffix as the program's row vector (None when the model has no duals)."""
    suffix = getattr(m, "dual", None)
    if suffix is None or len(suffix) == 0:
        return None
    y = np.zeros(lp.n_rows)
    for block in lp.rows.values():
        con = getattr(m, block.name, None)
        if con is None or len(block) == 0:
            continue
        y[block.start : block.stop] = [suffix.get(c, 0.0) for c in con.values()]
    return y


def custom_rows(m: pyo.ConcreteModel, lp: LinearProgram | None) -> Iterator:
    """Active constraints that are not rows of the program: what an embedder added."""
    own = set(lp.rows) if lp is not None else set()
    for con in m.component_objects(pyo.Constraint, active=True, descend_into=True):
        if con.parent_block() is m and con.local_name in own:
            continue
        yield con


@dataclass
class StandardForm:
    """A Pyomo model compiled to arrays, as a minimisation (`sign` -1 for a maximisation)."""

    arrays: LpArrays  # what HiGHS takes, as the program's own path passes it
    offset: float
    sign: float
    columns: list  # the VarData of each column
    rows: list  # (ConstraintData, sense) of each row


def standard_form(m: pyo.ConcreteModel) -> StandardForm:
    """The model as it stands through Pyomo's own standard-form compiler."""
    with pyo.PauseGC():
        repn = pyo.LinearStandardFormCompiler().write(m, mixed_form=True, set_sense=None)
    objectives = repn.objectives
    if len(objectives) != 1:
        raise ValueError(f"the model needs exactly one active objective, has {len(objectives)}")
    sign = 1.0 if objectives[0].sense == pyo.minimize else -1.0
    columns = repn.columns
    n = len(columns)
    rhs = np.asarray(repn.rhs, dtype=float)
    sense = np.array([r[1] for r in repn.rows], dtype=int)
    # mixed form: sense 0 is ==, 1 is <=, -1 is >= (see pyomo.repn.plugins.standard_form)
    arrays = LpArrays(
        cost=sign * np.asarray(repn.c.toarray()).ravel() if n else np.zeros(0),
        lower=np.array([-INF if v.lb is None else v.lb for v in columns], dtype=float),
        upper=np.array([INF if v.ub is None else v.ub for v in columns], dtype=float),
        integer=np.array([v.is_integer() or v.is_binary() for v in columns], dtype=bool),
        matrix=sp.csc_array(repn.A.tocsc()),
        row_lower=np.where(sense == 0, rhs, np.where(sense < 0, rhs, -INF)),
        row_upper=np.where(sense == 0, rhs, np.where(sense > 0, rhs, INF)),
    )
    return StandardForm(
        arrays=arrays,
        offset=sign * float(repn.c_offset[0]) if len(repn.c_offset) else 0.0,
        sign=sign,
        columns=list(columns),
        rows=list(repn.rows),
    )


def solve_model(m: pyo.ConcreteModel, options: SolveOptions | None = None) -> SolveResult:
    """Solve a Pyomo model as it stands (the general path, see the module docstring)."""
    options = options or SolveOptions()
    start = time.perf_counter()
    form = standard_form(m)
    sign, columns = form.sign, form.columns
    # the arrays in one numpy passModel (as the program's own path); HiGHS gets no offset,
    # so the objective's constant is added back to what it reports
    model = HighsModel(form.arrays)
    model.handoff_seconds = time.perf_counter() - start
    result = model.run(options)
    for name in ("objective", "best_bound"):
        if getattr(result, name) is not None:
            setattr(result, name, getattr(result, name) + form.offset)
    if result.has_solution:
        if sign < 0:
            result.objective = -result.objective if result.objective is not None else None
            if result.best_bound is not None:
                result.best_bound = -result.best_bound
        x = model.values()
        for var, value in zip(columns, x.tolist(), strict=True):
            var.set_value(value, skip_validation=True)
        duals = model.solution(result, options=options).row_dual
        suffix = getattr(m, "dual", None)
        if suffix is None:
            m.dual = suffix = pyo.Suffix(direction=pyo.Suffix.IMPORT)
        suffix.clear()
        if duals is not None:
            for (con, _), y in zip(form.rows, (sign * duals).tolist(), strict=True):
                suffix[con] = suffix.get(con, 0.0) + y
    return result
