"""Why no plan exists, in the planner's terms: the least change that would allow one.

The model is rebuilt and made elastic: every capacity row, every hard Limits row (and the
default cap) and every contract gets a slack. The integer decisions are relaxed, and an LP
minimises

    sum_contracts  CONTRACT_WEIGHT * shortfall / volume
  + sum_capacity   slack / capacity                 (capacity units, normalised)
  + sum_rules      slack / scope volume (shares)  or  slack / bound (volumes)

so contracts are cut only when no rule or capacity change could deliver them. The non-zero
slacks are reported as changes to the workbook, each with the cell to edit.
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from .build import build_model
from .data import Inputs
from .features.limits import SHARE_BOUNDS
from .rules import SCOPE_COLUMNS, scope_members
from .schema import normalise_name
from .solve import SolveOptions, solve

CONTRACT_WEIGHT = 1000.0
EPS = 1e-7
COLUMNS = ["kind", "target", "period", "current", "needed", "change", "cell"]


def _row_cell(
    inputs: Inputs, sheet: str, key_column: str, key: object, column: str, extra: dict | None = None
) -> str:
    table = inputs.tables.get(sheet)
    if table is None or column not in table.letters:
        return ""
    frame = table.frame
    hit = frame[frame[key_column] == key]
    for col, value in (extra or {}).items():
        hit = hit[hit[col] == value]
    if hit.empty:
        return ""
    return f"{table.sheet}!{table.cell(column, int(hit['_row'].iloc[0]))}"


def capacity_cell(inputs: Inputs, kind: str, ident: str, period: str) -> str:
    """The cell that sets this capacity: a Capacities row if one applies, else the base."""
    table = inputs.tables.get("Capacities")
    if table is not None:
        frame = table.frame
        for p in (period, None):
            hit = frame[
                (frame["target_type"] == kind)
                & (frame["target"] == ident)
                & (frame["period"].map(lambda v, p=p: v == p))
            ]
            if not hit.empty:
                return f"{table.sheet}!{table.cell('capacity', int(hit['_row'].iloc[0]))}"
    sheet, key = {"node": ("Nodes", "node"), "leg": ("Legs", "leg"), "route": ("Routes", "route")}[
        kind
    ]
    return _row_cell(inputs, sheet, key, ident, "capacity")


def rule_cell(inputs: Inputs, rule: str, bound: str) -> str:
    if rule == "default_cap":
        table = inputs.tables.get("Settings")
        if table is None:
            return ""
        keys = table.frame["setting"].map(normalise_name)
        hit = table.frame[keys == "default_max_transit_share"]
        return f"{table.sheet}!{table.cell('value', int(hit['_row'].iloc[0]))}" if len(hit) else ""
    return _row_cell(inputs, "Limits", "rule", rule, bound)


def _fmt(value: float, share: bool) -> str:
    return f"{value:.1%}" if share else f"{value:,.6g}"


def diagnose(inputs: Inputs, options: SolveOptions | None = None) -> pd.DataFrame:
    """The least change that makes the workbook feasible, one row per change."""
    m = build_model(inputs)
    m.total_cost.deactivate()
    for var in m.component_data_objects(pyo.Var):
        if var.is_integer():  # relax to an LP, keeping each variable's bounds
            lower, upper = var.bounds
            var.domain = pyo.Reals
            var.setlb(lower)
            var.setub(upper)
    terms = []
    demand = inputs.demand
    m.contract_gap = pyo.Var(range(len(demand)), within=pyo.NonNegativeReals)
    for d, con in m.delivery.items():
        con.set_value(con.body + m.contract_gap[d] == con.ub)
        terms.append(CONTRACT_WEIGHT / float(demand.at[d, "volume"]) * m.contract_gap[d])
    cap_keys = list(getattr(m, "capacity_limit", {}).keys())
    m.capacity_gap = pyo.Var(pyo.Set(initialize=cap_keys, dimen=3), within=pyo.NonNegativeReals)
    cap_value = dict(zip(cap_keys, inputs.capacity["capacity"], strict=True))
    for key in cap_keys:
        con = m.capacity_limit[key]
        con.set_value(con.body - m.capacity_gap[key] <= con.ub)
        terms.append(m.capacity_gap[key] / max(cap_value[key], 1.0))
    rows = inputs.rule_rows
    hard = []
    if rows is not None and not rows.empty:
        from .features.limits import row_key

        scope_volume = _scope_volumes(inputs)
        for r in rows.to_dict("records"):
            if r["penalty"] == r["penalty"]:  # soft rules may already be broken at a price
                continue
            hard.append((row_key(r), r))
        m.HARD_ROWS = pyo.Set(initialize=[k for k, _ in hard], dimen=8)
        m.rule_gap = pyo.Var(m.HARD_ROWS, within=pyo.NonNegativeReals)
        for key, r in hard:
            con = m.limit_rule[key]
            upper = r["bound"].startswith("max")
            slack = m.rule_gap[key]
            if upper:
                con.set_value(con.body - slack <= con.ub)
            else:
                con.set_value(con.body + slack >= con.lb)
            scale = scope_volume[r["scope"]] if r["bound"] in SHARE_BOUNDS else r["limit"]
            terms.append(slack / max(scale, 1.0))
    m.least_change = pyo.Objective(expr=sum(terms), sense=pyo.minimize)
    opts = options or SolveOptions()
    result = solve(m, SolveOptions(time_limit=opts.time_limit, mip_gap=opts.mip_gap))
    if not result.has_solution:
        return pd.DataFrame(
            [
                {
                    "kind": "error",
                    "target": "",
                    "period": "",
                    "current": None,
                    "needed": None,
                    "change": f"diagnosis LP {result.status}",
                    "cell": "",
                }
            ],
            columns=COLUMNS,
        )
    return pd.DataFrame(_report(m, inputs, cap_keys, hard), columns=COLUMNS)


def _scope_volumes(inputs: Inputs) -> dict[tuple, float]:
    """Contracted volume (share basis) that could flow in each rule scope."""
    flows = inputs.flows
    demand = inputs.demand
    weight = flows["weight"].to_numpy() * demand["volume"].to_numpy()[flows["demand"].to_numpy()]
    scopes = list(dict.fromkeys(inputs.rule_rows["scope"]))
    members = scope_members(flows, scopes)
    out = {}
    for scope in scopes:
        idx = members[scope]
        # a contract's volume counts once, whichever of its routes it takes
        first = flows.iloc[idx].drop_duplicates("demand").index if len(idx) else []
        out[scope] = float(weight[first].sum()) if len(first) else 0.0
    return out


def _report(m, inputs: Inputs, cap_keys, hard) -> list[dict]:
    out = []
    demand = inputs.demand
    for d, var in m.contract_gap.items():
        gap = var.value or 0.0
        if gap > EPS * max(1.0, demand.at[d, "volume"]):
            rec = demand.loc[d]
            can = rec["volume"] - gap
            unit = inputs.commodities.at[rec["commodity"], "unit"] or ""
            out.append(
                {
                    "kind": "contract",
                    "target": rec["contract"],
                    "period": rec["period"],
                    "current": rec["volume"],
                    "needed": can,
                    "change": f"contract {rec['contract']} can deliver {can:,.6g} of "
                    f"{rec['volume']:,.6g} {unit} in {rec['period']}",
                    "cell": inputs.cell_of("Contracts", "volume", int(rec["_row"])),
                }
            )
    for key in cap_keys:
        gap = m.capacity_gap[key].value or 0.0
        if gap > EPS:
            kind, ident, period = key
            current = float(m.capacity_limit[key].ub)
            out.append(
                {
                    "kind": "capacity",
                    "target": f"{kind} {ident}",
                    "period": period,
                    "current": current,
                    "needed": current + gap,
                    "change": f"{kind} {ident} needs +{gap:,.6g} capacity units in {period} "
                    f"(from {current:,.6g} to {current + gap:,.6g})",
                    "cell": capacity_cell(inputs, kind, ident, period),
                }
            )
    for key, r in hard:
        gap = m.rule_gap[key].value or 0.0
        if gap <= EPS:
            continue
        share = r["bound"] in SHARE_BOUNDS
        scope = ", ".join(f"{c} {r[c]}" for c in SCOPE_COLUMNS if r[c] != "ALL")
        if share:
            total = m.scope_total[r["scope"]].value or 0.0
            through = sum(pyo.value(v) * c for v, c in _through_terms(m, inputs, r))
            needed = through / total if total > EPS else r["limit"]
        else:
            needed = r["limit"] + gap if r["bound"].startswith("max") else r["limit"] - gap
        verb = "raise" if r["bound"].startswith("max") else "lower"
        name = "cap" if r["bound"] == "max_share" else r["bound"].replace("_", " ")
        out.append(
            {
                "kind": "rule",
                "target": f"{r['rule']}: {r['value']}",
                "period": r["period"],
                "current": r["limit"],
                "needed": needed,
                "change": f"{verb} the {r['value']} {name} ({r['rule']}) for {scope} from "
                f"{_fmt(r['limit'], share)} to {_fmt(needed, share)}",
                "cell": rule_cell(inputs, r["rule"], r["bound"]),
            }
        )
    return out


def _through_terms(m, inputs: Inputs, r: dict):
    weight = inputs.flows["weight"].to_numpy()
    return [(m.flow_list[i], weight[i]) for i in r["through"]]
