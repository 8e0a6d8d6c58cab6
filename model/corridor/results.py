"""A solved program -> result tables (the sheets of the spec's section 4), from arrays.

`extract(inputs, lp, solution, options)` reads the solution by block name and planner key:
``x`` of the ``flow`` block gives Flows, Contracts, Exposure, Capacity, Routes; the rule
table gives Rules; the row duals give the marginal values. No figure adds different
commodities' units: Summary has one contracted / delivered / shortfall row per commodity in
its unit, and money totals (at ``value_per_unit``) only where every commodity has a value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .data import Inputs, expansions_in_effect
from .highs import Solution, SolveOptions, SolveResult, highs_version
from .lp import LinearProgram
from .marginal import capacity_values, demand_values, floor_values, offer_values, rule_values
from .report import Block, ChartSpec, Dashboard, Results
from .rules import SCOPE_COLUMNS, SHARE_BOUNDS, FlowCodes, first_seen
from .schema import COST_COMPONENTS, RESULT_SHEETS, SUMMARY_FORMATS

FLOW_EPS = 1e-9
EXPOSURE_MEASURES = ("transit_country", "chokepoint", "corridor")
SOURCING_MEASURES = ("origin_country", "supplier")
SCOPE_KEYS = ["destination", "commodity", "period"]
AMBER_POINTS = 0.05


@dataclass
class Extras:
    """What an embedder's Pyomo model adds beyond the program: cost terms by name (their
    values), rows (the Custom rows sheet), and objective terms outside `cost_terms`."""

    costs: dict[str, float] = field(default_factory=dict)
    rows: pd.DataFrame | None = None
    other_cost: float = 0.0


def _frame(sheet: str, rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[c.name for c in RESULT_SHEETS[sheet]])


def base_summary(
    inputs: Inputs | None, result: SolveResult | None, status: str | None = None
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
            "corridor_version": __version__,
            "highs_version": highs_version(),
            "time_of_run": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        }
    )
    return summary


def summary_units(summary: dict[str, object], currency: str, units: dict[str, str]) -> dict:
    """The unit shown beside each Summary item (the currency for money)."""
    out = {}
    for item in summary:
        if item in units:
            out[item] = units[item]
            continue
        unit = SUMMARY_FORMATS.get(item, ("", ""))[1]
        out[item] = currency if unit == "currency" else unit
    return out


def _results(inputs: Inputs | None, summary: dict, options: SolveOptions) -> Results:
    currency = str(inputs.settings["currency"]) if inputs else "USD"
    report = inputs.settings.get("report_currency") if inputs else None
    rate = inputs.settings.get("exchange_rate") if inputs else None
    res = Results(
        summary,
        currency=currency,
        report_currency=report if report and rate else None,
        exchange_rate=float(rate) if report and rate else None,
        input_file=str(summary["input_file"]),
        time_of_run=str(summary["time_of_run"]),
    )
    return res


def extract(
    inputs: Inputs,
    lp: LinearProgram,
    solution: Solution,
    options: SolveOptions | None = None,
    extras: Extras | None = None,
) -> Results:
    """Every result table of a solved program (Summary and Log only when there is no plan)."""
    options = options or SolveOptions()
    extras = extras or Extras()
    result = solution.result
    summary = base_summary(inputs, result)
    res = _results(inputs, summary, options)
    per_commodity_units: dict[str, str] = {}
    if solution.has_solution and solution.x is not None:
        x = solution.x
        flow_x = x[lp.columns["flow"].start : lp.columns["flow"].stop].copy()
        flow_x[np.abs(flow_x) < FLOW_EPS] = 0.0
        flows = inputs.flows.assign(x=flow_x)
        codes = FlowCodes(inputs.flows, inputs.routes)
        res.sheets["Flows"] = flows_sheet(flows, inputs)
        res.sheets["Contracts"] = contracts_sheet(lp, x, flows, inputs)
        res.sheets["Exposure"] = exposure_sheet(flows, inputs, codes)
        rules = rules_sheet(lp, x, solution.row_dual, flows, inputs)
        res.sheets["Rules"] = rules
        capacity = capacity_sheet(lp, x, solution.row_dual, flows, inputs)
        res.sheets["Capacity"] = capacity
        res.sheets["Routes"] = routes_sheet(lp, x, flows, inputs)
        if not inputs.expansions.empty:
            res.sheets["Expansions"] = expansions_sheet(lp, x, inputs, capacity)
        if not inputs.offer_rows.empty:
            res.sheets["Purchases"] = purchases_sheet(lp, solution, flows, inputs)
        if not inputs.needs.empty:
            res.sheets["Demand"] = demand_sheet(lp, x, solution.row_dual, flows, inputs)
            if not inputs.stocks.empty:
                res.sheets["Stocks"] = stocks_sheet(lp, x, solution, inputs)
        res.sheets["Exposure matrix"] = exposure_matrix(res.sheets["Exposure"], rules, inputs)
        if extras.rows is not None and len(extras.rows):
            res.sheets["Custom rows"] = extras.rows
        costs = lp.cost_values(x)
        summary.update({c: float(costs.get(c, 0.0)) for c in COST_COMPONENTS})
        for name, value in extras.costs.items():
            summary[name] = float(value)
        if abs(extras.other_cost) > 1e-6 * max(1.0, abs(result.objective or 0.0)):
            summary["other_cost"] = float(extras.other_cost)
        per_commodity_units = _volumes(summary, res.sheets, flows, inputs)
        res.dashboard = dashboard(res, inputs, flows)
    res.sheets["Log"] = log_sheet(inputs, options, extras)
    _move_meta_last(summary)
    res.units = summary_units(summary, res.currency, per_commodity_units)
    return res


def _move_meta_last(summary: dict) -> None:
    """Per-commodity and embedder rows sit before the file and version items."""
    for item in ("input_file", "input_sha256", "corridor_version", "highs_version", "time_of_run"):
        summary[item] = summary.pop(item)


def _volumes(
    summary: dict, sheets: dict[str, pd.DataFrame], flows: pd.DataFrame, inputs: Inputs
) -> dict[str, str]:
    """Contracted, delivered and shortfall: money where every commodity has a value, and one
    row per commodity in its own unit; `delivered` counts contract deliveries and offer
    arrivals. With a Demand sheet, per commodity also `demand` (what the needs ask),
    `bought` (offer purchases, all of which arrive) and `unmet`. Returns the units of the
    per-commodity rows."""
    com = inputs.commodities
    per = per_commodity(sheets, flows, inputs)
    vpu = com["value_per_unit"].reindex(per.index).astype(float)
    if len(per) and (vpu > 0).all():
        for item, column in (
            ("contracted", "volume"),
            ("delivered", "delivered"),
            ("shortfall", "shortfall"),
        ):
            summary[item] = float((per[column] * vpu).sum())
    units = {}
    items = [("contracted", "volume"), ("delivered", "delivered"), ("shortfall", "shortfall")]
    if not inputs.needs.empty:
        items += [("demand", "demand"), ("bought", "bought"), ("unmet", "unmet")]
    for item, column in items:
        for k, value in per[column].items():
            if item in ("demand", "bought", "unmet") and not per.at[k, "has_demand"]:
                continue
            summary[f"{item}:{k}"] = float(value)
            units[f"{item}:{k}"] = str(com.at[k, "unit"] or "")
    return units


def per_commodity(
    sheets: dict[str, pd.DataFrame], flows: pd.DataFrame, inputs: Inputs
) -> pd.DataFrame:
    """Per commodity (in its unit, workbook order): contracted volume, delivered (contract
    deliveries and offer arrivals), contract shortfall, demand, bought and unmet, and
    whether the commodity has Demand rows."""
    contracts = sheets["Contracts"]
    per = contracts.groupby("commodity", sort=False)[["volume", "shortfall"]].sum()
    delivered = flows.groupby("commodity", sort=False)["x"].sum()
    is_offer = flows["offer_row"].to_numpy() >= 0
    bought = flows[is_offer].groupby("commodity", sort=False)["x"].sum()
    demand = sheets.get("Demand")
    if demand is not None and len(demand):
        need = demand.groupby("commodity", sort=False)[["volume", "unmet"]].sum()
    else:
        need = pd.DataFrame(columns=["volume", "unmet"], dtype=float)
    present = set(per.index) | set(need.index) | set(delivered.index)
    order = [k for k in inputs.commodities.index if k in present]
    out = pd.DataFrame(index=pd.Index(order, name="commodity"))
    out["volume"] = per["volume"].reindex(order).fillna(0.0)
    out["delivered"] = delivered.reindex(order).fillna(0.0)
    out["shortfall"] = per["shortfall"].reindex(order).fillna(0.0)
    out["demand"] = need["volume"].reindex(order).fillna(0.0).astype(float)
    out["bought"] = bought.reindex(order).fillna(0.0)
    out["unmet"] = need["unmet"].reindex(order).fillna(0.0).astype(float)
    out["has_demand"] = [k in need.index for k in order]
    return out


def flows_sheet(flows: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    used = flows[flows["x"] > FLOW_EPS]
    routes = inputs.routes
    offer = used["offer"] if "offer" in used else pd.Series(None, index=used.index, dtype=object)
    price = used["price"] if "price" in used else pd.Series(np.nan, index=used.index)
    is_offer = offer.notna()
    return pd.DataFrame(
        {
            "contract": used["contract"].where(~is_offer, None),
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
            "offer": offer,
            "price": price.where(is_offer, np.nan),
            "days": used["route"].map(routes["days"]),
        }
    ).reset_index(drop=True)


def _block_values(lp: LinearProgram, x: np.ndarray, name: str) -> np.ndarray:
    block = lp.columns.get(name)
    return x[block.start : block.stop] if block is not None else np.zeros(0)


def contracts_sheet(
    lp: LinearProgram, x: np.ndarray, flows: pd.DataFrame, inputs: Inputs
) -> pd.DataFrame:
    demand = inputs.contract_rows
    n = len(demand)
    of = flows["contract_row"].to_numpy()
    mine = of >= 0  # offer flows are not contract deliveries
    delivered = np.bincount(of[mine], weights=flows["x"].to_numpy()[mine], minlength=n)
    shortfall = np.zeros(n)
    penalty = np.zeros(n)
    short = lp.columns.get("shortfall")
    if short is not None and len(short):
        delivery = lp.rows["delivery"]
        rows = delivery.locate(short.keys) - delivery.start
        shortfall[rows] = x[short.start : short.stop]
        penalty[rows] = lp.cost_vector(["shortfall_cost"])[short.start : short.stop]
    used = _routes_used(flows, n)
    # the volume in force: as read, or as a Plan set it
    volume = lp.rows["delivery"].upper if "delivery" in lp.rows else demand["volume"]
    return pd.DataFrame(
        {
            "contract": demand["contract"],
            "period": demand["period"],
            "commodity": demand["commodity"],
            "volume": volume,
            "delivered": delivered,
            "shortfall": shortfall,
            "shortfall_cost": shortfall * penalty,
            "routes_used": used,
        }
    )


def _routes_used(flows: pd.DataFrame, n: int) -> np.ndarray:
    """Per contract row, the routes its delivered flows take ("R1, R2"; "" for none; offer
    flows are no contract's), in flow order (one join per row that has flow, no pandas
    group objects)."""
    of = flows["contract_row"].to_numpy()
    on = np.flatnonzero((flows["x"].to_numpy() > FLOW_EPS) & (of >= 0))  # not offer flows
    of = of[on]
    route = flows["route"].to_numpy(dtype=object)[on]
    out = np.full(n, "", dtype=object)
    if len(on) == 0:
        return out
    order = np.argsort(of, kind="stable")
    of, route = of[order], route[order]
    cut = np.flatnonzero(np.diff(of)) + 1
    starts = np.concatenate(([0], cut))
    ends = np.concatenate((cut, [len(of)]))
    out[of[starts]] = [
        ", ".join(route[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    ]
    return out


def exposure_sheet(flows: pd.DataFrame, inputs: Inputs, codes: FlowCodes) -> pd.DataFrame:
    """Share of each transit country, chokepoint and corridor (and origin country and
    supplier where the workbook has sourcing) that delivered flow passes, per destination x
    commodity x period, and the Herfindahl index of the corridor shares."""
    wx = flows["weight"].to_numpy() * flows["x"].to_numpy()
    # scopes numbered in order of first appearance, from integer codes of the key columns
    key = np.zeros(len(flows), dtype=np.int64)
    for c in SCOPE_KEYS:
        col, uniques = codes.codes(c)
        key = key * (len(uniques) + 1) + (col + 1)
    scope_codes, first = first_seen(key)
    scope_keys = pd.DataFrame(
        {c: flows[c].to_numpy(dtype=object)[first] for c in SCOPE_KEYS}, columns=SCOPE_KEYS
    )
    totals = np.bincount(scope_codes, weights=wx, minlength=len(scope_keys))
    measures = list(EXPOSURE_MEASURES)
    if "offer" in flows and flows["offer"].notna().any():
        measures += list(SOURCING_MEASURES)
    parts = []
    for measure in measures:
        flow, value, uniques = codes.value_codes(measure)
        if len(flow) == 0:
            continue
        # sum per (scope, value) in order of first appearance, keyed by one integer
        pair = scope_codes[flow] * max(len(uniques), 1) + value
        sums = pd.Series(wx[flow]).groupby(pair, sort=False).sum()
        pairs = sums.index.to_numpy()
        through = pd.DataFrame(
            {
                "scope": pairs // max(len(uniques), 1),
                "value": uniques[pairs % max(len(uniques), 1)],
                "w": sums.to_numpy(),
            }
        )
        through["measure"] = measure
        parts.append(through)
    if not parts:
        return _frame("Exposure", [])
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.rename(columns={"w": "flow_through"})
    # a value no delivered flow passes is no exposure (the Exposure matrix shows the zeros)
    frame = frame[frame["flow_through"] > FLOW_EPS]
    frame["total"] = totals[frame["scope"].to_numpy()]
    tot = frame["total"].to_numpy()
    frame["share"] = np.divide(
        frame["flow_through"].to_numpy(), tot, out=np.zeros(len(frame)), where=tot > 0
    )
    corridor = frame[frame["measure"] == "corridor"]
    hhi = (
        corridor.assign(sq=corridor["share"] ** 2)
        .groupby("scope", sort=False)
        .agg(share=("sq", "sum"), total=("total", "first"))
        .reset_index()
    )
    hhi = hhi[hhi["total"] > 0]  # a scope with no delivery has no concentration
    hhi["measure"], hhi["value"], hhi["flow_through"] = "hhi_corridor", "", np.nan
    frame = pd.concat([frame, hhi], ignore_index=True)
    for c in SCOPE_KEYS:
        frame[c] = scope_keys[c].to_numpy()[frame["scope"].to_numpy()]
    order = inputs.period_index
    frame["_t"] = frame["period"].map(order)
    frame["_m"] = frame["measure"].map({m: i for i, m in enumerate((*measures, "hhi_corridor"))})
    frame = frame.sort_values(
        ["destination", "commodity", "_t", "_m", "share"],
        ascending=[True, True, True, True, False],
        kind="stable",
    )
    return frame[[c.name for c in RESULT_SHEETS["Exposure"]]].reset_index(drop=True)


def _binding(lhs: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    return np.where(np.abs(lhs - rhs) <= 1e-6 * np.maximum(1.0, np.abs(rhs)), "yes", "no")


def rules_sheet(
    lp: LinearProgram,
    x: np.ndarray,
    row_dual: np.ndarray | None,
    flows: pd.DataFrame,
    inputs: Inputs,
) -> pd.DataFrame:
    table = inputs.rules
    if table.empty:
        return _frame("Rules", [])
    rows = table.rows
    wx = flows["weight"].to_numpy() * flows["x"].to_numpy()
    cx = flows["capacity_use"].to_numpy() * flows["x"].to_numpy()
    share = np.isin(rows["bound"].to_numpy(dtype=object), SHARE_BOUNDS)
    through = np.where(share, table.through(wx), table.through(cx))
    scope_totals = table.scope_sums(wx)
    total = scope_totals[rows["scope"].to_numpy(dtype=np.int64)]
    limit = rule_limits(lp, rows)
    ratio = np.divide(through, total, out=np.full(len(rows), np.nan), where=total > 0)
    rhs = np.where(share, limit * total, limit)
    violation = np.zeros(len(rows))
    soft = np.flatnonzero(rows["penalty"].notna().to_numpy())
    violation[soft] = _block_values(lp, x, "rule_violation")
    out = rows[["rule", *SCOPE_COLUMNS, "value", "bound", "limit"]].copy()
    out["limit"] = limit
    out["through"] = through
    out["total"] = total
    out["share"] = ratio
    out["binding"] = _binding(through, rhs)
    out["violation"] = violation
    out["marginal_value"] = rule_values(lp, rows, row_dual, scope_totals)
    return out[[c.name for c in RESULT_SHEETS["Rules"]]].reset_index(drop=True)


def rule_limits(lp: LinearProgram, rows: pd.DataFrame) -> np.ndarray:
    """Each rule row's limit in the program as it stands (a Plan may have changed a cap or
    lifted a row): a share row's cap is minus its scope total's coefficient, a volume row's
    limit its bound; NaN for a row lifted altogether."""
    limit = rows["limit"].to_numpy(dtype=float).copy()
    block = lp.rows.get("limit_rule")
    totals = lp.columns.get("scope_total")
    if block is None:
        return limit
    share = np.isin(rows["bound"].to_numpy(dtype=object), SHARE_BOUNDS)
    if totals is not None and len(totals):
        on_total = (block.col >= totals.start) & (block.col < totals.stop)
        r = block.row[on_total]
        keep = share[r]
        limit[r[keep]] = -block.val[on_total][keep]
    upper = np.array([str(b).startswith("max") for b in rows["bound"]], dtype=bool)
    bound = np.where(upper, block.upper, block.lower)
    limit = np.where(share, limit, bound)
    return np.where(np.isinf(bound), np.nan, limit)


def capacity_in_effect(lp: LinearProgram, x: np.ndarray, inputs: Inputs) -> np.ndarray:
    """Capacity of each capacity row: base (or replaced, or as a Plan set it; inf when
    lifted) plus the expansions built."""
    cap = inputs.capacity
    block = lp.rows.get("capacity_limit")
    if block is not None and len(block) == len(cap):
        capacity = block.upper.astype(float).copy()
    else:
        capacity = cap["capacity"].to_numpy(dtype=float).copy()
    build = _block_values(lp, x, "build")
    if len(build):
        hits = expansions_in_effect(inputs, cap)
        added = hits["added"].to_numpy() * build[hits["expansion"].to_numpy()]
        capacity += np.bincount(hits["row"].to_numpy(), weights=added, minlength=len(cap))
    return capacity


def capacity_sheet(
    lp: LinearProgram,
    x: np.ndarray,
    row_dual: np.ndarray | None,
    flows: pd.DataFrame,
    inputs: Inputs,
) -> pd.DataFrame:
    cap, usage = inputs.capacity, inputs.usage
    if cap.empty:
        return _frame("Capacity", [])
    load = usage["coef"].to_numpy() * flows["x"].to_numpy()[usage["flow"].to_numpy()]
    used = np.bincount(usage["cap_row"].to_numpy(), weights=load, minlength=len(cap))
    capacity = capacity_in_effect(lp, x, inputs)
    util = np.divide(used, capacity, out=np.zeros_like(used), where=capacity > 0)
    return pd.DataFrame(
        {
            "type": cap["type"],
            "id": cap["id"],
            "period": cap["period"],
            "used": used,
            "capacity": np.where(np.isinf(capacity), np.nan, capacity),  # lifted: none
            "utilization": util,
            "binding": np.where(used >= capacity - 1e-6 * np.maximum(1.0, capacity), "yes", "no"),
            "marginal_value": capacity_values(lp, row_dual),
        }
    )


def routes_sheet(
    lp: LinearProgram, x: np.ndarray, flows: pd.DataFrame, inputs: Inputs
) -> pd.DataFrame:
    routes = inputs.routes
    volume = (flows["x"] * flows["capacity_use"]).groupby(flows["route"]).sum()
    volume = volume.reindex(routes.index, fill_value=0.0).to_numpy()
    opened = np.zeros(len(routes))
    use = lp.columns.get("use_route")
    if use is not None and len(use):
        pos = routes.index.get_indexer(use.keys["route"])
        opened[pos] = x[use.start : use.stop]
    shipments = np.zeros(len(routes))
    ships = lp.columns.get("shipments")
    if ships is not None and len(ships):
        pos = routes.index.get_indexer(ships.keys["route"])
        np.add.at(shipments, pos, x[ships.start : ships.stop])
    used = (opened > 0.5) | (volume > FLOW_EPS)
    return pd.DataFrame(
        {
            "route": routes.index,
            "corridor": routes["corridor"].to_numpy(),
            "used": np.where(used, "yes", "no"),
            "volume": volume,
            "shipments": shipments,
            "fixed_cost": routes["fixed_cost"].to_numpy() * (opened > 0.5),
        }
    )


def expansions_sheet(
    lp: LinearProgram, x: np.ndarray, inputs: Inputs, capacity: pd.DataFrame
) -> pd.DataFrame:
    exp = inputs.expansions
    units = _block_values(lp, x, "build")
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


def purchases_sheet(
    lp: LinearProgram, solution: Solution, flows: pd.DataFrame, inputs: Inputs
) -> pd.DataFrame:
    """One row per offer and period: what is bought, its price and cost, whether the offer
    is taken, the fixed cost paid (on the offer's first row), and for what is not bought the
    reduced cost and the price at which it would be (marginal.offer_values)."""
    offers = inputs.offer_rows
    n = len(offers)
    row = flows["offer_row"].to_numpy()
    mine = row >= 0
    volume = np.bincount(row[mine], weights=flows["x"].to_numpy()[mine], minlength=n)
    volume[np.abs(volume) < FLOW_EPS] = 0.0
    x = solution.x
    taken = np.where(volume > FLOW_EPS, 1.0, 0.0)
    block = lp.columns.get("taken")
    has_taken = np.zeros(n, dtype=bool)
    if block is not None and len(block):
        pos = block.locate(offers[["offer"]])
        has_taken = pos >= 0
        taken[has_taken] = np.round(x[pos[has_taken]])
    first = ~offers["offer"].duplicated().to_numpy()
    fixed = (
        np.where(first & has_taken, offers["fixed_cost"].to_numpy(dtype=float) * taken, 0.0) + 0.0
    )
    reduced, breakeven = offer_values(lp, solution, inputs, volume, taken, has_taken)
    price = offers["price"].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "offer": offers["offer"].to_numpy(),
            "supplier": offers["supplier"].to_numpy(),
            "commodity": offers["commodity"].to_numpy(),
            "origin": offers["origin"].to_numpy(),
            "period": offers["period"].to_numpy(),
            "volume": volume,
            "price": price,
            "cost": price * volume,
            "taken": np.where(taken > 0.5, "yes", "no"),
            "fixed_cost": fixed,
            "reduced_cost": reduced,
            "breakeven_price": breakeven,
        }
    )


def demand_sheet(
    lp: LinearProgram,
    x: np.ndarray,
    row_dual: np.ndarray | None,
    flows: pd.DataFrame,
    inputs: Inputs,
) -> pd.DataFrame:
    """One row per need (Demand row and period): what serves it and what is not met."""
    needs = inputs.needs
    n = len(needs)
    need = flows["need"].to_numpy()
    fx = flows["x"].to_numpy()
    is_offer = flows["offer_row"].to_numpy() >= 0
    on = need >= 0
    contracts = np.bincount(need[on & ~is_offer], weights=fx[on & ~is_offer], minlength=n) * 1.0
    offers = np.bincount(need[on & is_offer], weights=fx[on & is_offer], minlength=n) * 1.0
    keys = ["destination", "commodity", "period"]
    balance = lp.rows["demand_balance"]
    stock = np.zeros(n)
    draw = lp.columns.get("stock_draw")
    if draw is not None and len(draw):
        at = balance.locate(draw.keys.rename(columns={"node": "destination"})[keys])
        stock[at - balance.start] = x[draw.start : draw.stop]
    unmet = np.zeros(n)
    cost = np.zeros(n)
    block = lp.columns.get("unmet")
    if block is not None and len(block):
        at = balance.locate(block.keys) - balance.start
        unmet[at] = x[block.start : block.stop]
        cost[at] = unmet[at] * lp.cost_vector(["unmet_cost"])[block.start : block.stop]
    for values in (stock, unmet):
        values[np.abs(values) < FLOW_EPS] = 0.0
    return pd.DataFrame(
        {
            "destination": needs["destination"].to_numpy(),
            "commodity": needs["commodity"].to_numpy(),
            "period": needs["period"].to_numpy(),
            "volume": needs["volume"].to_numpy(dtype=float),
            "from_contracts": contracts,
            "from_offers": offers,
            "from_stock": stock,
            "unmet": unmet,
            "unmet_cost": cost,
            "marginal_cost": demand_values(lp, row_dual),
        }
    )


def stocks_sheet(
    lp: LinearProgram, x: np.ndarray, solution: Solution, inputs: Inputs
) -> pd.DataFrame:
    """One row per stock and period: opening, arrivals, used, closing, the floor and how far
    below it the plan goes (soft floors), and what one more unit of floor would cost."""
    level = lp.columns["stock_level"]
    keys = level.keys
    closing = x[level.start : level.stop].copy()
    closing[np.abs(closing) < FLOW_EPS] = 0.0
    n = len(keys)
    stocks = inputs.stocks
    s = np.repeat(np.arange(len(stocks)), len(inputs.periods))  # stock-major, as built
    first = np.r_[True, s[1:] != s[:-1]] if n else np.zeros(0, dtype=bool)
    initial = stocks["initial"].fillna(0.0).to_numpy(dtype=float)[s]
    opening = np.where(first, initial, np.r_[0.0, closing[:-1]] if n else closing)
    net = np.zeros(n)
    draw = lp.columns.get("stock_draw")
    if draw is not None and len(draw):
        net[level.locate(draw.keys) - level.start] = x[draw.start : draw.stop]
    net[np.abs(net) < FLOW_EPS] = 0.0
    floor = stocks["min_level"].fillna(0.0).to_numpy(dtype=float)[s]
    below = np.maximum(floor - closing, 0.0)  # what the plan lacks (a hard floor: 0)
    below[below < FLOW_EPS] = 0.0
    return pd.DataFrame(
        {
            "node": keys["node"].to_numpy(),
            "commodity": keys["commodity"].to_numpy(),
            "period": keys["period"].to_numpy(),
            "opening": opening,
            "arrivals": np.maximum(-net, 0.0),
            "used": np.maximum(net, 0.0),
            "closing": closing,
            "min_level": floor,
            "below_min": below,
            "marginal_cost": floor_values(lp, solution),
        }
    )


def _row_caps(rules: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    """The general transit-country cap of each destination x commodity x period: the
    smallest max_share of the rules that cap every transit country (value *), the default
    cap among them; single-country rules (bans) stay in the Rules sheet."""
    every = {"default_cap"} | set(
        inputs.limits.loc[
            (inputs.limits["measure"] == "transit_country") & (inputs.limits["value"] == "*"),
            "rule",
        ]
    )
    caps = rules[
        rules["rule"].isin(every)
        & (rules["bound"] == "max_share")
        & (rules["origin"] == "ALL")
        & (rules["contract"] == "ALL")
    ]
    if caps.empty:
        return pd.DataFrame(columns=[*SCOPE_KEYS, "cap"])
    return caps.groupby(SCOPE_KEYS, sort=False)["limit"].min().rename("cap").reset_index()


def exposure_matrix(exposure: pd.DataFrame, rules: pd.DataFrame, inputs: Inputs) -> pd.DataFrame:
    """Rows destination x commodity x period, one column per transit country (its share),
    and the row's general cap (see `_row_caps`)."""
    transit = exposure[exposure["measure"] == "transit_country"]
    if transit.empty:
        return pd.DataFrame(columns=[*SCOPE_KEYS, "cap"])
    wide = transit.pivot_table(
        index=SCOPE_KEYS, columns="value", values="share", aggfunc="max", sort=False
    )
    countries = sorted(wide.columns)
    wide = wide[countries].fillna(0.0).reset_index()
    wide.columns.name = None
    out = wide.merge(_row_caps(rules, inputs), on=SCOPE_KEYS, how="left")
    order = inputs.period_index
    out = out.assign(_t=out["period"].map(order)).sort_values(
        ["destination", "commodity", "_t"], kind="stable"
    )
    return out[[*SCOPE_KEYS, "cap", *countries]].reset_index(drop=True)


def dashboard(res: Results, inputs: Inputs, flows: pd.DataFrame) -> Dashboard:
    """The one-page headline of a plan (spec section 8). `flows`: inputs.flows with the
    plan's volumes in column x. A commodity's delivered share is the share of what was due
    (contracted volume and Demand volume) that was not lost (contract shortfall, unmet
    demand); without a Demand sheet that is delivered / contracted."""
    s = res.summary
    gap = s.get("gap")
    head = [
        {"item": "status", "value": s["status"], "fmt": "text"},
        {"item": "total cost", "value": s["objective"], "fmt": "money"},
    ]
    if gap:
        head.append({"item": "gap", "value": gap, "fmt": "share"})
    head += [
        {"item": c.replace("_", " "), "value": s[c], "fmt": "money"}
        for c in COST_COMPONENTS
        if s.get(c)
    ]
    headline = pd.DataFrame(head)
    per = per_commodity(res.sheets, flows, inputs)
    units = inputs.commodities["unit"]
    # what was due: contracted volume and Demand volume; what was lost: shortfall and unmet
    due = (per["volume"] + per["demand"]).to_numpy()
    lost = (per["shortfall"] + per["unmet"]).to_numpy()
    columns = ["commodity", "unit", "contracted", "delivered", "delivered_share"]
    delivery = pd.DataFrame(
        {
            "commodity": per.index,
            "unit": [units.get(k) or "" for k in per.index],
            "contracted": per["volume"].to_numpy(),
            "demand": per["demand"].to_numpy(),
            "delivered": per["delivered"].to_numpy(),
            "delivered_share": np.divide(due - lost, due, out=np.ones(len(per)), where=due > 0),
        }
    )
    if inputs.needs.empty:
        delivery = delivery[columns]
    exposure = res.sheets["Exposure"]
    transit = exposure[exposure["measure"] == "transit_country"]
    caps = _row_caps(res.sheets["Rules"], inputs)
    top = []
    for k in per.index:
        rows = transit[transit["commodity"] == k]
        if rows.empty:
            top.append({"commodity": k, "country": "", "highest_share": 0.0, "cap": np.nan})
            continue
        best = rows.loc[rows["share"].idxmax()]
        cap = caps[caps["commodity"] == k]["cap"]
        top.append(
            {
                "commodity": k,
                "country": best["value"],
                "highest_share": float(best["share"]),
                "cap": float(cap.min()) if len(cap) else np.nan,
            }
        )
    exposure_block = pd.DataFrame(top, columns=["commodity", "country", "highest_share", "cap"])
    binding = []
    capacity = res.sheets["Capacity"]
    if len(capacity):
        best = capacity.sort_values("marginal_value", ascending=False, na_position="last")
        for r in best.head(5).itertuples(index=False):
            if not (r.marginal_value and r.marginal_value > 0):
                continue
            binding.append(
                {
                    "what": f"{r.type} {r.id}",
                    "period": r.period,
                    "marginal_value": r.marginal_value,
                    "per": "per capacity unit",
                }
            )
    rules = res.sheets["Rules"]
    if len(rules):
        best = rules.sort_values("marginal_value", ascending=False, na_position="last")
        for r in best.head(5).itertuples(index=False):
            if not (r.marginal_value and r.marginal_value > 0):
                continue
            per_what = "per point of share" if r.bound in SHARE_BOUNDS else "per capacity unit"
            binding.append(
                {
                    "what": f"{r.rule} {r.value} ({r.commodity}, {r.destination})",
                    "period": r.period,
                    "marginal_value": r.marginal_value,
                    "per": per_what,
                }
            )
    binding_block = pd.DataFrame(binding, columns=["what", "period", "marginal_value", "per"])
    title = f"corridor plan: {res.input_file}" if res.input_file else "corridor plan"
    return Dashboard(
        title=title,
        subtitle=f"{s['status']}, solved {res.time_of_run}",
        blocks=[
            Block(
                "Plan",
                headline[["item", "value", "fmt"]],  # fmt: each row's format, not shown
                {"item": "text", "value": "general"},
            ),
            Block(
                "Delivered per commodity",
                delivery,
                {
                    "commodity": "text",
                    "unit": "text",
                    "contracted": "number",
                    "demand": "number",
                    "delivered": "number",
                    "delivered_share": "share",
                },
            ),
            Block(
                "Highest transit-country share per commodity",
                exposure_block,
                {"commodity": "text", "country": "text", "highest_share": "share", "cap": "share"},
            ),
            Block(
                "Most binding capacities and rules",
                binding_block,
                {"what": "text", "period": "text", "marginal_value": "money", "per": "text"},
            ),
        ],
        charts=[
            ChartSpec(
                sheet="Dashboard",
                block="Highest transit-country share per commodity",
                kind="bar",
                title="Highest transit-country share per commodity against its cap",
                categories="commodity",
                series=["highest_share", "cap"],
                y_format="share",
            )
        ],
    )


def log_sheet(inputs: Inputs | None, options: SolveOptions, extras: Extras | None = None):
    rows = [
        {"level": "warning", "where": w.where, "message": str(w)}
        for w in (inputs.warnings if inputs else [])
    ]
    if extras is not None and abs(extras.other_cost) > 0:
        rows.append(
            {
                "level": "warning",
                "where": "model",
                "message": "the objective has terms outside cost_terms; Summary shows them as "
                "other_cost (add a cost with model.cost_terms[name] = expression to name it)",
            }
        )
    settings = inputs.settings if inputs else {}
    for name, value in settings.items():
        shown = ", ".join(value) if isinstance(value, tuple) else value
        rows.append({"level": "info", "where": "Settings", "message": f"{name} = {shown}"})
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


def no_plan(
    inputs: Inputs | None, result: SolveResult, options: SolveOptions | None = None
) -> Results:
    """Summary and Log of a run without a plan (infeasible, stopped, error)."""
    options = options or SolveOptions()
    summary = base_summary(inputs, result)
    res = _results(inputs, summary, options)
    res.sheets["Log"] = log_sheet(inputs, options)
    res.units = summary_units(summary, res.currency, {})
    return res
