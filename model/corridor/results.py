"""Solved model -> result tables (the sheets of the spec's section 4), as DataFrames."""

from __future__ import annotations

import datetime as dt
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from .analysis.marginal import capacity_values, rule_values
from .data import Inputs
from .report import Results
from .rules import SCOPE_COLUMNS, route_values
from .schema import COST_COMPONENTS, RESULT_SHEETS, SUMMARY_FORMATS
from .solve import SolveOptions, SolveResult, highs_version

FLOW_EPS = 1e-9
EXPOSURE_MEASURES = ("transit_country", "chokepoint", "corridor")


def corridor_version() -> str:
    try:
        return version("corridor")
    except PackageNotFoundError:
        return "unknown"


def _values(variables) -> np.ndarray:
    return np.array([0.0 if v.value is None else v.value for v in variables], dtype=float)


def _var_values(m: pyo.ConcreteModel, name: str) -> dict:
    component = getattr(m, name, None)
    if component is None:
        return {}
    return {k: (0.0 if v.value is None else float(v.value)) for k, v in component.items()}


def _frame(sheet: str, rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[c.name for c in RESULT_SHEETS[sheet]])


def summary_units(summary: dict[str, object], currency: str) -> dict[str, str]:
    """The unit shown beside each Summary item (the currency for money)."""
    units = {}
    for item in summary:
        unit = SUMMARY_FORMATS.get(item, ("", ""))[1]
        units[item] = currency if unit == "currency" else unit
    return units


def base_summary(
    inputs: Inputs | None,
    result: SolveResult | None,
    options: SolveOptions,
    status: str | None = None,
) -> dict[str, object]:
    """The Summary items that exist with or without a plan."""
    summary: dict[str, object] = {
        "status": status or (result.status if result else "error"),
        "objective": result.objective if result else None,
        "best_bound": result.best_bound if result else None,
        "gap": result.gap if result else None,
        "solve_seconds": round(result.solve_seconds, 3) if result else None,
    }
    summary.update(dict.fromkeys(COST_COMPONENTS))
    summary.update({"contracted": None, "delivered": None, "shortfall": None})
    summary.update(
        {
            "input_file": Path(inputs.source).name if inputs and inputs.source else "",
            "input_sha256": inputs.sha256 if inputs else "",
            "corridor_version": corridor_version(),
            "highs_version": highs_version(),
            "time_of_run": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        }
    )
    return summary


def extract(
    m: pyo.ConcreteModel, inputs: Inputs, result: SolveResult, options: SolveOptions
) -> Results:
    """Every result table for a solved model (a model without a plan gets Summary and Log)."""
    summary = base_summary(inputs, result, options)
    currency = str(inputs.settings["currency"])
    res = Results(
        summary,
        currency=currency,
        input_file=str(summary["input_file"]),
        time_of_run=str(summary["time_of_run"]),
    )
    if result.has_solution:
        x = _values(m.flow_list)
        x[np.abs(x) < FLOW_EPS] = 0.0
        flows = inputs.flows.assign(x=x)
        res.sheets["Flows"] = flows_sheet(flows, inputs)
        res.sheets["Contracts"], shortfall = contracts_sheet(m, flows, inputs)
        res.sheets["Exposure"] = exposure_sheet(flows, inputs)
        res.sheets["Rules"] = rules_sheet(m, flows, inputs)
        res.sheets["Capacity"] = capacity_sheet(m, flows, inputs)
        res.sheets["Routes"] = routes_sheet(m, flows, inputs)
        if not inputs.expansions.empty:
            res.sheets["Expansions"] = expansions_sheet(m, inputs, res.sheets["Capacity"])
        costs = cost_components(m, flows, inputs)
        summary.update(costs)
        cu = inputs.commodities["capacity_use"]
        demand = inputs.demand
        contracted = float((demand["volume"] * demand["commodity"].map(cu)).sum())
        short_cu = float((shortfall * demand["commodity"].map(cu).to_numpy()).sum())
        summary.update(
            {"contracted": contracted, "delivered": contracted - short_cu, "shortfall": short_cu}
        )
    res.sheets["Log"] = log_sheet(inputs, options)
    res.units = summary_units(summary, currency)
    return res


def flows_sheet(flows: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    used = flows[flows["x"] > FLOW_EPS]
    routes = inputs.routes
    return pd.DataFrame(
        {
            "contract": used["contract"],
            "period": used["period"],
            "commodity": used["commodity"],
            "origin": used["origin"],
            "destination": used["destination"],
            "route": used["route"],
            "corridor": used["route"].map(routes["corridor"]),
            "transit_countries": used["route"].map(routes["transit"].map(", ".join)),
            "volume": used["x"],
            "unit_cost": used["unit_cost"],
            "cost": used["x"] * used["unit_cost"],
            "offer": None,
            "price": np.nan,
            "days": used["route"].map(routes["days"]),
        }
    ).reset_index(drop=True)


def contracts_sheet(
    m: pyo.ConcreteModel, flows: pd.DataFrame, inputs: Inputs
) -> tuple[pd.DataFrame, np.ndarray]:
    demand = inputs.demand
    delivered = flows.groupby("demand")["x"].sum().reindex(range(len(demand)), fill_value=0.0)
    short_var = _var_values(m, "shortfall")
    shortfall = np.array(
        [
            short_var.get((c, t), 0.0)
            for c, t in zip(demand["contract"], demand["period"], strict=True)
        ]
    )
    used = flows[flows["x"] > FLOW_EPS].groupby("demand")["route"].agg(", ".join)
    frame = pd.DataFrame(
        {
            "contract": demand["contract"],
            "period": demand["period"],
            "commodity": demand["commodity"],
            "volume": demand["volume"],
            "delivered": delivered.to_numpy(),
            "shortfall": shortfall,
            "shortfall_cost": shortfall * demand["penalty"].fillna(0.0).to_numpy(),
            "routes_used": used.reindex(range(len(demand)), fill_value="").to_numpy(),
        }
    )
    return frame, shortfall


def exposure_sheet(flows: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    """Share of each transit country, chokepoint and corridor per destination x commodity x
    period, and the Herfindahl index of the transit-country shares."""
    keys = ["destination", "commodity", "period"]
    flows = flows.assign(w=flows["weight"] * flows["x"])
    totals = flows.groupby(keys, sort=False)["w"].sum()
    parts = []
    for measure in EXPOSURE_MEASURES:
        values = route_values(inputs.routes, measure)
        through = (
            flows[[*keys, "route", "w"]]
            .merge(values, on="route")
            .groupby([*keys, "value"], sort=False)["w"]
            .sum()
            .reset_index(name="flow_through")
        )
        through.insert(3, "measure", measure)
        parts.append(through)
    frame = pd.concat(parts, ignore_index=True)
    frame["total"] = frame.set_index(keys).index.map(totals).to_numpy()
    frame["share"] = np.where(
        frame["total"] > 0, frame["flow_through"] / frame["total"].where(frame["total"] > 0, 1), 0.0
    )
    transit = frame[frame["measure"] == "transit_country"]
    hhi = (
        transit.groupby(keys, sort=False)
        .agg(share=("share", lambda s: float((s**2).sum())), total=("total", "first"))
        .reset_index()
    )
    hhi["measure"], hhi["value"], hhi["flow_through"] = "hhi", "", np.nan
    frame = pd.concat([frame, hhi], ignore_index=True)
    order = {p: i for i, p in enumerate(inputs.periods)}
    frame["_t"] = frame["period"].map(order)
    frame["_m"] = frame["measure"].map({m: i for i, m in enumerate((*EXPOSURE_MEASURES, "hhi"))})
    frame = frame.sort_values(
        ["destination", "commodity", "_t", "_m", "share"],
        ascending=[True, True, True, True, False],
        kind="stable",
    )
    return frame[[c.name for c in RESULT_SHEETS["Exposure"]]].reset_index(drop=True)


def _binding(lhs: float, rhs: float) -> str:
    return "yes" if abs(lhs - rhs) <= 1e-6 * max(1.0, abs(rhs)) else "no"


def rules_sheet(m: pyo.ConcreteModel, flows: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    rows = inputs.rule_rows
    if rows is None or rows.empty:
        return _frame("Rules", [])
    from .features.limits import SHARE_BOUNDS, row_key
    from .rules import scope_members

    wx = (flows["weight"] * flows["x"]).to_numpy()
    cx = (flows["capacity_use"] * flows["x"]).to_numpy()
    members = scope_members(flows, list(dict.fromkeys(rows["scope"])))
    violation = _var_values(m, "rule_violation")
    records = rows.to_dict("records")
    marginal = rule_values(m, [row_key(r) for r in records])
    out = []
    for r, saving in zip(records, marginal, strict=True):
        share = r["bound"] in SHARE_BOUNDS
        idx = r["through"]
        through = float((wx if share else cx)[idx].sum())
        total = float(wx[members[r["scope"]]].sum())
        ratio = through / total if total > 0 else None
        rhs = r["limit"] * total if share else r["limit"]
        out.append(
            {
                **{c: r[c] for c in ("rule", *SCOPE_COLUMNS, "value", "bound", "limit")},
                "through": through,
                "total": total,
                "share": ratio,
                "binding": _binding(through, rhs),
                "violation": violation.get(row_key(r), 0.0),
                "marginal_value": saving,
            }
        )
    return _frame("Rules", out)


def capacity_sheet(m: pyo.ConcreteModel, flows: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    cap, usage = inputs.capacity, inputs.usage
    if cap.empty:
        return _frame("Capacity", [])
    load = usage["coef"].to_numpy() * flows["x"].to_numpy()[usage["flow"].to_numpy()]
    used = np.bincount(usage["cap_row"].to_numpy(), weights=load, minlength=len(cap))
    build = _var_values(m, "build")
    order = inputs.period_index
    capacity = cap["capacity"].to_numpy().copy()
    for i, (kind, ident, period) in enumerate(
        zip(cap["type"], cap["id"], cap["period"], strict=True)
    ):
        for e, added, _, first in m.expansions_by_target.get((kind, ident), ()):
            if first <= order[period]:
                capacity[i] += added * build.get(e, 0.0)
    util = np.divide(used, capacity, out=np.zeros_like(used), where=capacity > 0)
    return pd.DataFrame(
        {
            "type": cap["type"],
            "id": cap["id"],
            "period": cap["period"],
            "used": used,
            "capacity": capacity,
            "utilization": util,
            "binding": [
                "yes" if u >= c - 1e-6 * max(1.0, c) else "no"
                for u, c in zip(used, capacity, strict=True)
            ],
            "marginal_value": capacity_values(
                m, list(zip(cap["type"], cap["id"], cap["period"], strict=True))
            ),
        }
    )


def routes_sheet(m: pyo.ConcreteModel, flows: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    routes = inputs.routes
    volume = (flows["x"] * flows["capacity_use"]).groupby(flows["route"]).sum()
    volume = volume.reindex(routes.index, fill_value=0.0)
    use = _var_values(m, "use_route")
    ships = pd.Series(_var_values(m, "shipments"), dtype=float)
    shipments = ships.groupby(level=0).sum() if len(ships) else pd.Series(dtype=float)
    opened = np.array([use.get(r, 1.0 if v > FLOW_EPS else 0.0) > 0.5 for r, v in volume.items()])
    return pd.DataFrame(
        {
            "route": routes.index,
            "corridor": routes["corridor"].to_numpy(),
            "used": np.where(opened | (volume.to_numpy() > FLOW_EPS), "yes", "no"),
            "volume": volume.to_numpy(),
            "shipments": shipments.reindex(routes.index, fill_value=0.0).to_numpy(),
            "fixed_cost": routes["fixed_cost"].to_numpy()
            * np.array([use.get(r, 0.0) for r in routes.index]),
        }
    )


def expansions_sheet(m: pyo.ConcreteModel, inputs: Inputs, capacity: pd.DataFrame) -> pd.DataFrame:
    exp = inputs.expansions
    build = _var_values(m, "build")
    base = inputs.capacity.set_index(["type", "id", "period"])["capacity"]
    used = capacity.set_index(["type", "id", "period"])["used"]
    above = []
    for kind, target, first in zip(
        exp["target_type"], exp["target"], exp["first_index"], strict=True
    ):
        best = 0.0
        for t in inputs.periods[first:]:
            key = (kind, target, t)
            if key in base.index:
                best = max(best, float(used[key] - base[key]))
        above.append(best)
    units = np.array([build.get(e, 0.0) for e in exp.index])
    return pd.DataFrame(
        {
            "expansion": exp.index,
            "target_type": exp["target_type"].to_numpy(),
            "target": exp["target"].to_numpy(),
            "units": units,
            "added_capacity": units * exp["added_capacity"].to_numpy(),
            "cost": units * exp["cost"].to_numpy(),
            "used_above_base": above,
        }
    )


def cost_components(m: pyo.ConcreteModel, flows: pd.DataFrame, inputs: Inputs) -> dict[str, float]:
    """Each cost term of the objective, recomputed from the solution's values."""
    x = flows["x"].to_numpy()
    costs = {
        f"{name}_cost": float((flows[name].to_numpy() * x).sum())
        for name in ("transport", "handling", "carrying", "carbon")
    }
    for term in ("fixed_cost", "lot_cost", "expansion_cost", "shortfall_cost", "violation_cost"):
        expr = m.cost_terms.get(term)
        costs[term] = float(pyo.value(expr)) if expr is not None else 0.0
    return costs


def log_sheet(inputs: Inputs | None, options: SolveOptions) -> pd.DataFrame:
    rows = [
        {"level": "warning", "where": w.where, "message": str(w)}
        for w in (inputs.warnings if inputs else [])
    ]
    settings = inputs.settings if inputs else {}
    for name, value in settings.items():
        rows.append({"level": "info", "where": "Settings", "message": f"{name} = {value}"})
    rows.append(
        {
            "level": "info",
            "where": "options",
            "message": f"time_limit = {options.time_limit}, mip_gap = {options.mip_gap}",
        }
    )
    for name, value in options.highs_options.items():
        rows.append({"level": "info", "where": "options", "message": f"HiGHS {name} = {value}"})
    return _frame("Log", rows)
