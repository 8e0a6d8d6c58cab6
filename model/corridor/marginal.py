"""Marginal values: what one more capacity unit, or one more percentage point of a cap, saves.

They come from the row duals of the solve (`Solution.row_dual`): an LP's own, or, for a MIP,
those of its LP with the integer decisions (route opening, shipments, expansion units) held
at the plan. HiGHS reports a row's dual ``y`` as the change of the total cost per unit of the
row's active bound, so:

- ``Capacity``: ``load <= capacity`` gives ``marginal_value = -y``, the saving per extra
  capacity unit (>= 0);
- ``Rules``, share bounds: ``through - cap * total <= 0``; raising the cap by ``d`` moves the
  bound by ``d * total``, so one percentage point (``d = 0.01``) of a ``max_share`` saves
  ``-0.01 * y * total``, and lowering a ``min_share`` by one saves ``0.01 * y * total``;
- ``Rules``, volume bounds: ``-y`` per capacity unit a ``max_volume`` is raised, ``y`` per
  unit a ``min_volume`` is lowered.

The values are local: they hold while the same constraints stay binding (one more unit may
already reach another one), and with the integer decisions as planned. A soft rule's value is
at most its penalty's worth. Blank (NaN) when no duals exist (no plan, or a stopped LP).
"""

from __future__ import annotations

import numpy as np

from .lp import LinearProgram
from .rules import SHARE_BOUNDS

EPS = 1e-9  # savings below this are reported as 0
POINT = 0.01  # one percentage point of a share


def _clean(saving: np.ndarray) -> np.ndarray:
    return np.where(np.abs(saving) > EPS, np.maximum(saving, 0.0), 0.0)


def capacity_values(lp: LinearProgram, row_dual: np.ndarray | None) -> np.ndarray:
    """Saving per extra capacity unit of each capacity_limit row (NaN without duals)."""
    block = lp.rows.get("capacity_limit")
    n = len(block) if block is not None else 0
    if row_dual is None or block is None:
        return np.full(n, np.nan)
    return _clean(-row_dual[block.start : block.stop])


def rule_values(
    lp: LinearProgram, rows, row_dual: np.ndarray | None, scope_totals: np.ndarray
) -> np.ndarray:
    """Saving per percentage point (shares) or capacity unit (volumes) each limit_rule row is
    loosened (NaN without duals). `rows` is the RuleTable's rows frame, `scope_totals` the
    value of every scope's total at the plan."""
    block = lp.rows.get("limit_rule")
    n = len(rows)
    if row_dual is None or block is None:
        return np.full(n, np.nan)
    y = row_dual[block.start : block.stop]
    bound = rows["bound"].to_numpy(dtype=object)
    upper = np.array([b.startswith("max") for b in bound], dtype=bool)
    share = np.isin(bound, SHARE_BOUNDS)
    total = scope_totals[rows["scope"].to_numpy(dtype=np.int64)]
    per_point = POINT * y * total
    saving = np.where(share, np.where(upper, -per_point, per_point), np.where(upper, -y, y))
    return _clean(saving)
