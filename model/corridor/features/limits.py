"""Limits rules and the default transit cap (rows expanded in rules.py).

Components
----------
SHARE_SCOPES               scopes (destination, commodity, period, origin, contract) of share rows
scope_total[s]             >= 0, delivered flow of scope s weighed by share_basis
scope_total_def[s]:        scope_total[s] = sum_{i in s} w_i flow_i
RULE_ROWS                  (rule, bound, value, destination, commodity, period, origin, contract)
rule_violation[row]        >= 0 for rows of soft rules (a penalty is set)
limit_rule[row]:
    max_share:  through - limit * scope_total[s] - v <= 0
    min_share:  through - limit * scope_total[s] + v >= 0
    max_volume: sum cu_i flow_i - v <= limit
    min_volume: sum cu_i flow_i + v >= limit
with through = sum_{i in s, value on route(i)} w_i flow_i.
cost term ``violation_cost`` = sum penalty * rule_violation
"""

from __future__ import annotations

import pyomo.environ as pyo

from ..rules import SCOPE_COLUMNS, scope_members
from .base import add_cost, linear, row

SHARE_BOUNDS = ("max_share", "min_share")


def row_key(row: dict) -> tuple[str, ...]:
    return (row["rule"], row["bound"], str(row["value"]), *(row[c] for c in SCOPE_COLUMNS))


def add(m: pyo.Block, inputs) -> None:
    rows = inputs.rule_rows
    if rows is None or rows.empty:
        return
    flows = inputs.flows
    weight, cu = flows["weight"].to_numpy(), flows["capacity_use"].to_numpy()
    records = rows.to_dict("records")
    shares = [r for r in records if r["bound"] in SHARE_BOUNDS]
    scopes = list(dict.fromkeys(r["scope"] for r in shares))
    members = scope_members(flows, scopes)
    m.SHARE_SCOPES = pyo.Set(initialize=scopes, dimen=5, ordered=True)
    m.scope_total = pyo.Var(m.SHARE_SCOPES, within=pyo.NonNegativeReals)

    def total_rule(_, *scope):
        idx = members[scope]
        return row(m, idx, weight[idx], [m.scope_total[scope]], [-1.0]) == 0

    m.scope_total_def = pyo.Constraint(m.SHARE_SCOPES, rule=total_rule)
    keys = [row_key(r) for r in records]
    by_key = dict(zip(keys, records, strict=True))
    m.RULE_ROWS = pyo.Set(initialize=keys, dimen=8, ordered=True)
    soft = [k for k, r in by_key.items() if r["penalty"] == r["penalty"]]  # not NaN
    m.SOFT_ROWS = pyo.Set(initialize=soft, dimen=8, ordered=True)
    m.rule_violation = pyo.Var(m.SOFT_ROWS, within=pyo.NonNegativeReals)

    def rule(_, *key):
        r = by_key[key]
        idx = r["through"]
        share = r["bound"] in SHARE_BOUNDS
        upper = r["bound"].startswith("max")
        others, other_coefs = [], []
        if share:
            others.append(m.scope_total[r["scope"]])
            other_coefs.append(-r["limit"])
        if key in m.SOFT_ROWS:
            others.append(m.rule_violation[key])
            other_coefs.append(-1.0 if upper else 1.0)
        body = row(m, idx, (weight if share else cu)[idx], others, other_coefs)
        rhs = 0.0 if share else r["limit"]
        return body <= rhs if upper else body >= rhs

    m.limit_rule = pyo.Constraint(m.RULE_ROWS, rule=rule)
    if soft:
        add_cost(
            m,
            "violation_cost",
            linear([by_key[k]["penalty"] for k in soft], [m.rule_violation[k] for k in soft]),
        )
