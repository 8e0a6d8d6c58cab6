"""Limits rules and the default transit cap (rows expanded in rules.py).

Columns
-------
scope_total[s]          >= 0, delivered flow of share scope s weighed by share_basis
                        (keys: destination, commodity, period, origin, contract; ALL = pooled)
rule_violation[row]     >= 0, for the rows of soft rules (a penalty is set)
Rows
----
scope_total_def[s]:     sum_{i in s} w_i flow_i - scope_total[s] = 0
limit_rule[row]:        (keys: rule, bound, value, destination, commodity, period, origin,
                        contract)
    max_share:  through - limit * scope_total[s] - v <= 0
    min_share:  through - limit * scope_total[s] + v >= 0
    max_volume: sum cu_i flow_i - v <= limit
    min_volume: sum cu_i flow_i + v >= limit
with through = sum_{i in s, value on i} w_i flow_i (one variable per scope carries the total,
so the share rows do not repeat every flow of the scope: the spec's advice).

Cost term ``violation_cost`` = sum penalty * rule_violation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..lp import INF, LinearProgram, Terms
from ..rules import SCOPE_COLUMNS, SHARE_BOUNDS

ROW_KEYS = ["rule", "bound", "value", *SCOPE_COLUMNS]


def define(lp: LinearProgram, inputs) -> None:
    table = inputs.rules
    if table.empty:
        return
    rows = table.rows
    flows = inputs.flows
    flow = lp.columns["flow"]
    weight = flows["weight"].to_numpy(dtype=float)
    cu = flows["capacity_use"].to_numpy(dtype=float)
    bound = rows["bound"].to_numpy(dtype=object)
    share = np.isin(bound, SHARE_BOUNDS)
    upper_bound = np.char.startswith(bound.astype(str), "max")
    limit = rows["limit"].to_numpy(dtype=float)
    scope = rows["scope"].to_numpy(dtype=np.int64)
    # only the scopes of share rows need a total
    used_scopes = np.unique(scope[share])
    scope_col = np.full(len(table.scopes), -1, dtype=np.int64)
    if len(used_scopes):
        totals = lp.add_columns(
            "scope_total",
            table.scopes.iloc[used_scopes][list(SCOPE_COLUMNS)],
            set_name="SHARE_SCOPES",
            doc="delivered flow of the scope (share basis)",
        )
        scope_col[used_scopes] = totals.cols
        sm = table.scope_members
        s, f = sm["scope"].to_numpy(), sm["flow"].to_numpy()
        keep = scope_col[s] >= 0
        local = np.full(len(table.scopes), -1, dtype=np.int64)
        local[used_scopes] = np.arange(len(used_scopes))
        terms = Terms()
        terms.add(local[s[keep]], flow.start + f[keep], weight[f[keep]])
        terms.add(np.arange(len(used_scopes)), totals.cols, -1.0)
        lp.add_rows(
            "scope_total_def",
            table.scopes.iloc[used_scopes][list(SCOPE_COLUMNS)],
            terms,
            lower=0.0,
            upper=0.0,
            set_name="SHARE_SCOPES",
        )
    penalty = rows["penalty"].to_numpy(dtype=float)
    soft = np.flatnonzero(~np.isnan(penalty))
    keys = rows[ROW_KEYS]
    if len(soft):
        violation = lp.add_columns(
            "rule_violation",
            keys.iloc[soft],
            set_name="SOFT_ROWS",
            doc="amount beyond the bound (rule's flow units)",
        )
    # terms: each row's group members (through), its scope total, its violation
    members = table.members
    g, f = members["group"].to_numpy(), members["flow"].to_numpy()
    # rows of one group (one per bound): expand members to every row of the group
    row_group = rows["group"].to_numpy(dtype=np.int64)
    order = np.argsort(row_group, kind="stable")
    per_group = np.bincount(row_group, minlength=int(g.max()) + 1 if len(g) else 0)
    first_row = np.cumsum(per_group) - per_group  # in `order`
    if len(per_group) and per_group.max() == 1 and per_group[g].min() == 1:
        member_rows, member_flows = order[first_row[g]], f  # one row per group: no copies
    else:
        starts, counts = first_row[g], per_group[g]
        member_rows = order[
            np.repeat(starts, counts)
            + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
        ]
        member_flows = np.repeat(f, counts)
    coef = np.where(share[member_rows], weight[member_flows], cu[member_flows])
    terms = Terms()
    terms.add(member_rows, flow.start + member_flows, coef)
    shares = np.flatnonzero(share)
    terms.add(shares, scope_col[scope[shares]], -limit[shares])
    if len(soft):
        terms.add(soft, violation.cols, np.where(upper_bound[soft], -1.0, 1.0))
    rhs = np.where(share, 0.0, limit)
    lp.add_rows(
        "limit_rule",
        keys,
        terms,
        lower=np.where(upper_bound, -INF, rhs),
        upper=np.where(upper_bound, rhs, INF),
        set_name="RULE_ROWS",
    )
    if len(soft):
        lp.add_cost("violation_cost", violation.cols, penalty[soft])


def row_keys(rows: pd.DataFrame) -> list[tuple]:
    """The planner keys of rule rows, as the Pyomo view indexes `limit_rule`."""
    return list(rows[ROW_KEYS].itertuples(index=False, name=None))
