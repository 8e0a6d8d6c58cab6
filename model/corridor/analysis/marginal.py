"""Marginal values: what one more capacity unit, or one more percentage point of a cap, saves.

After a solve the integer decisions (route opening, shipments, expansion units) are held at
their planned values and the remaining LP is solved again for its row duals; a pure LP needs
no second solve, its duals come with its solution. HiGHS reports a row's dual as the change of
its objective per unit of the row's bound, so with ``y`` that dual in the model's own
objective sense (total cost):

- ``Capacity``: ``body <= capacity`` gives ``marginal_value = -y``, the saving per extra
  capacity unit (>= 0);
- ``Rules``, share bounds: the cap multiplies the scope's total (``through - cap * total``),
  so ``d cost / d cap = y * total`` and a percentage point (0.01 of ``max_share``) saves
  ``0.01 * |y| * total`` when a ``max_share`` is raised, or a ``min_share`` lowered, by one;
- ``Rules``, volume bounds: ``|y|``, the saving per capacity unit the bound is loosened
  (``max_volume`` raised, ``min_volume`` lowered).

The values are local: they hold while the same constraints stay binding (one more unit may
already reach another one), and with the integer decisions as planned. A soft rule's value is
at most its penalty's worth. The values are kept on the model (``m.marginal_values``,
constraint -> saving) for the result tables; a table column stays blank when they were not
computed (no plan, or an LP stopped before optimality).
"""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger("corridor")

EPS = 1e-9  # savings below this are reported as 0
POINT = 0.01  # one percentage point of a share
SHARE_BOUNDS = ("max_share", "min_share")


def _duals_and_values(m, result, options) -> tuple[np.ndarray, np.ndarray] | None:
    """(row duals, column values) of the model's LP, integers fixed; None if unavailable."""
    import highspy

    from ..solve import new_highs

    compiled = m.compiled
    h = compiled.highs
    if not compiled.integer:
        solution = h.getSolution()
        if result.status != "optimal" or not solution.dual_valid:
            return None
        return np.asarray(solution.row_dual, dtype=float), np.asarray(solution.col_value)
    values = np.asarray(h.getSolution().col_value, dtype=float)
    lp = h.getLp()
    integer = np.array([v == highspy.HighsVarType.kInteger for v in lp.integrality_], dtype=bool)
    lower = np.asarray(lp.col_lower_, dtype=float)
    upper = np.asarray(lp.col_upper_, dtype=float)
    fixed = np.clip(np.round(values[integer]), lower[integer], upper[integer])
    lower[integer] = fixed
    upper[integer] = fixed
    lp.col_lower_, lp.col_upper_ = lower, upper
    lp.integrality_ = []
    fixed_lp = new_highs()
    fixed_lp.passModel(lp)
    if options is not None:
        for name, value in options.highs_options.items():  # threads, tolerances...
            fixed_lp.setOptionValue(name, value)
        fixed_lp.setOptionValue("time_limit", float(options.time_limit))
    fixed_lp.solve()
    solution = fixed_lp.getSolution()
    if fixed_lp.getModelStatus() != highspy.HighsModelStatus.kOptimal or not solution.dual_valid:
        log.warning(
            "marginal values: the LP with integer decisions fixed ended %s; none reported",
            fixed_lp.modelStatusToString(fixed_lp.getModelStatus()),
        )
        return None
    return np.asarray(solution.row_dual, dtype=float), np.asarray(solution.col_value)


def add_marginal_values(m, result, options=None) -> bool:
    """Compute the marginal values of capacities and rules of a solved model.

    Stores ``m.marginal_values`` (constraint -> saving, see the module docstring) and returns
    True; returns False (and stores nothing) when the solve left no plan or no valid duals.
    """
    compiled = getattr(m, "compiled", None)
    if compiled is None or not result.has_solution:
        return False
    capacity = getattr(m, "capacity_limit", None)
    rules = getattr(m, "limit_rule", None)
    if capacity is None and rules is None:
        m.marginal_values = {}
        return True
    got = _duals_and_values(m, result, options)
    if got is None:
        return False
    duals, col_values = got
    duals = compiled.sign * duals  # d objective / d bound in the model's own sense
    row_of = {id(con): i for i, con in enumerate(compiled.rows)}
    col_of = {id(var): j for j, var in enumerate(compiled.columns)}
    values: dict = {}

    def keep(con, saving: float) -> None:
        values[con] = max(0.0, saving) if abs(saving) > EPS else 0.0

    for con in capacity.values() if capacity is not None else ():
        i = row_of.get(id(con))
        if i is not None:
            keep(con, -duals[i])
    for key, con in rules.items() if rules is not None else ():
        i = row_of.get(id(con))
        if i is None:
            continue
        bound = key[1]
        upper = bound.startswith("max")
        if bound in SHARE_BOUNDS:
            j = col_of.get(id(m.scope_total[key[3:]]))
            total = float(col_values[j]) if j is not None else 0.0
            per_point = POINT * duals[i] * total
            keep(con, -per_point if upper else per_point)
        else:
            keep(con, -duals[i] if upper else duals[i])
    m.marginal_values = values
    return True


def _lookup(m, constraints) -> np.ndarray:
    values = getattr(m, "marginal_values", None)
    if values is None:
        return np.full(len(constraints), np.nan)
    return np.array([values.get(con, 0.0) for con in constraints], dtype=float)


def capacity_values(m, keys) -> np.ndarray:
    """Saving per extra capacity unit of each (type, id, period); NaN when not computed."""
    component = getattr(m, "capacity_limit", None)
    if component is None:
        return np.full(len(keys), np.nan)
    return _lookup(m, [component[k] for k in keys])


def rule_values(m, keys) -> np.ndarray:
    """Saving per percentage point (shares) or capacity unit (volumes) each rule row is
    loosened, for keys as made by ``features.limits.row_key``; NaN when not computed."""
    component = getattr(m, "limit_rule", None)
    if component is None:
        return np.full(len(keys), np.nan)
    return _lookup(m, [component[k] for k in keys])
