"""Independent feasibility checker for a solved corridor plan.

Reads the input workbook and the results workbook (the workbook contract, sections 2-4 and
6) and re-derives everything from the `Flows` sheet: eligibility (max_days included),
delivery, purchases (offer minimums, maximums and the taken decision read from `Purchases`),
the demand balance with stock levels (read from `Stocks`: the level recursion, storage
capacity, reserve floors), capacities, Limits rules (origin_country and supplier included),
the default transit cap, route minimums, lots and the objective; in robust mode (section 7)
also bookings and every guarded closure's recourse (check_robust.py). It deliberately
imports nothing from the `corridor` package, so a bug in the model cannot hide in its own
checker. The input workbook is parsed by check_inputs.py.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

from check_inputs import (
    BOUNDS,
    INF,
    SCOPE_COLS,
    SCOPE_DEFAULTS,
    Plan,
    Row,
    Var,
    _bool,
    _close,
    _exceeds,
    _excess,
    _id,
    _is,
    _key,
    _num,
    _read,
    _scopes,
)
from check_robust import ROBUST_COMPONENTS, check_robust

COMPONENTS = (
    "transport_cost handling_cost carrying_cost carbon_cost fixed_cost lot_cost expansion_cost "
    "shortfall_cost violation_cost purchase_cost holding_cost stock_penalty_cost unmet_cost"
).split()


# ----------------------------------------------------------------------------- the checks
# (contract or offer, route, period) -> commodity units; offer and contract ids differ
Flows = dict[tuple[str, str, str], float]


def _check_flows(
    plan: Plan, rows: list[Row], comp: dict[str, float], tol: float
) -> tuple[Flows, list[str]]:
    """Check 1: every Flows row is on a route eligible for its contract (or offer) in one of
    its periods; add unit costs (and an offer's price to purchase_cost)."""
    flows: Flows = defaultdict(float)
    problems = []
    for row in rows:
        cid, oid, rid = _id(row.get("contract")), _id(row.get("offer")), _id(row.get("route"))
        t = _id(row.get("period")) or (plan.periods[0] if len(plan.periods) == 1 else None)
        vol = _num(row.get("volume"), 0.0)
        ident = oid if oid is not None else cid
        where = f"Flows {'offer' if oid is not None else 'contract'} {ident} route {rid} period {t}"
        known = plan.offers if oid is not None else plan.contracts
        if ident not in known or rid not in plan.routes:
            problems.append(f"{where}: unknown {'offer' if oid else 'contract'} or route")
            continue
        if vol < -tol:
            problems.append(f"{where}: negative volume {vol}")
        if oid is not None:
            if cid is not None:
                problems.append(f"{where}: an offer's flow names contract {cid}")
            if (why := plan.offer_why_not(oid, rid, t)) is not None:
                problems.append(f"{where}: route {rid} {why}")
                continue
            r = plan.offers[oid]
            k, origin = _id(r["commodity"]), _id(r["origin"])
            dest = plan.routes[rid].nodes[-1]
            price = _num(plan.offer_periods[oid, t].get("price"), 0.0)
            comp["purchase_cost"] += price * vol
            if (got := _num(row.get("price"))) is not None and not _close(got, price, tol):
                problems.append(f"{where}: price {got} but the offer says {price}")
        else:
            if (why := plan.why_not_eligible(cid, rid)) is not None:
                problems.append(f"{where}: route {rid} {why}")
            if (cid, t) not in plan.demand:
                problems.append(f"{where}: period {t} is not a period of contract {cid}")
            k, origin, dest, _ = plan.contract(cid)
        for col, want in (("commodity", k), ("origin", origin), ("destination", dest)):
            if row.get(col) is not None and _id(row[col]) != want:
                problems.append(f"{where}: {col} {_id(row[col])} but the inputs say {want}")
        days = _num(row.get("days"))
        if days is not None and not _close(days, plan.routes[rid].days, tol):
            problems.append(f"{where}: days {days} but the route takes {plan.routes[rid].days}")
        unit = plan.unit_costs(k, rid)
        reported = _num(row.get("unit_cost"))
        if reported is not None and not _close(reported, sum(unit.values()), tol):
            problems.append(f"{where}: unit_cost {reported} != {sum(unit.values())}")
        flows[ident, rid, t] += vol
        for name, value in unit.items():
            comp[name] += value * vol
    return flows, problems


def _check_delivery(
    plan: Plan, flows: Flows, rows: list[Row], comp: dict[str, float], tol: float
) -> list[str]:
    """Check 2: flow + shortfall = volume; a shortfall only where a penalty exists."""
    reported = {(_id(r["contract"]), _id(r["period"])): r for r in rows}
    delivered: dict[tuple[str, str], float] = defaultdict(float)
    for (cid, _, t), vol in flows.items():
        if cid in plan.contracts:
            delivered[cid, t] += vol
    problems = []
    for (cid, t), (volume, penalty) in plan.demand.items():
        got = delivered.get((cid, t), 0.0)
        short = _num(reported.get((cid, t), {}).get("shortfall"), volume - got)
        where = f"contract {cid} period {t}"
        if not _close(got + short, volume, tol):
            problems.append(f"{where}: delivered {got} + shortfall {short} != volume {volume}")
        if short < -tol * max(1.0, volume):
            problems.append(f"{where}: negative shortfall {short}")
        elif short > tol * max(1.0, volume) and penalty is None:
            problems.append(f"{where}: shortfall {short} but it has no shortfall penalty")
        comp["shortfall_cost"] += (penalty or 0.0) * max(short, 0.0)
    return problems


def _check_purchases(
    plan: Plan, flows: Flows, rows: list[Row], comp: dict[str, float], tol: float
) -> list[str]:
    """Check 3a: what each offer sells in each period (the sum of its flows) is within its
    max_volume; an offer with a min_volume or fixed_cost is taken or not (the Purchases
    sheet's `taken`; taken where it sells anything): taken, it sells at least min_volume in
    every period of the offer and pays its fixed cost once; not taken, it sells nothing."""
    sold: dict[tuple[str, str], float] = defaultdict(float)
    for (ident, _, t), vol in flows.items():
        if ident in plan.offers:
            sold[ident, t] += vol
    taken_cell = {_id(r["offer"]): str(r.get("taken") or "").strip().lower() == "yes" for r in rows}
    problems = []
    for oid, first in plan.offers.items():
        periods = [t for (o, t) in plan.offer_periods if o == oid]
        fixed = _num(first.get("fixed_cost"), 0.0)
        committed = fixed > 0 or any(
            _num(plan.offer_periods[oid, t].get("min_volume"), 0.0) > 0 for t in periods
        )
        sells = any(sold.get((oid, t), 0.0) > tol for t in periods)
        taken = taken_cell.get(oid, sells) or sells
        for t in periods:
            r = plan.offer_periods[oid, t]
            got = sold.get((oid, t), 0.0)
            top, least = _num(r.get("max_volume"), INF), _num(r.get("min_volume"), 0.0)
            where = f"offer {oid} period {t}"
            if _exceeds(got, top, tol):
                problems.append(f"{where}: sells {got:g}, above max_volume {top:g}")
            if committed and taken and _exceeds(least, got, tol):
                problems.append(f"{where}: taken but sells {got:g} < min_volume {least:g}")
        if committed and taken:
            comp["purchase_cost"] += fixed
    for (oid, t), got in sold.items():
        if (oid, t) not in plan.offer_periods and got > tol:
            problems.append(f"offer {oid} sells {got:g} in {t}, not one of its periods")
    return problems


def _check_needs(
    plan: Plan, flows: Flows, stock_rows: list[Row], comp: dict[str, float], tol: float
) -> list[str]:
    """Check 3b: the demand balance of each Demand row and period: contract deliveries and
    offer arrivals there, plus what its stock gives (used - arrivals, from the Stocks sheet)
    must reach the volume, or the rest is unmet (only at a penalty, which it costs); each
    stock's levels follow opening = the last closing (initial at first), closing = opening +
    arrivals - used, within 0 and max_level, moving only in periods with a Demand row; a
    floor below min_level is an error, or costs its penalty; holding is charged on each
    closing level."""
    problems = []
    served: dict[tuple[str, str, str], float] = defaultdict(float)
    for (ident, rid, t), vol in flows.items():
        dest = plan.routes[rid].nodes[-1]
        served[dest, plan.commodity_of(ident), t] += vol
    reported = {(_id(r["node"]), _id(r["commodity"]), _id(r["period"])): r for r in stock_rows}
    for (node, k), st in plan.stocks.items():
        level = st["initial"]
        for t in plan.periods:
            where = f"stock of {k} at {node} period {t}"
            r = reported.get((node, k, t))
            if r is None:
                problems.append(f"{where}: not in the Stocks sheet")
                continue
            opening, closing = _num(r.get("opening"), 0.0), _num(r.get("closing"), 0.0)
            added, used = _num(r.get("arrivals"), 0.0), _num(r.get("used"), 0.0)
            if not _close(opening, level, tol):
                problems.append(f"{where}: opens at {opening:g}, the last level was {level:g}")
            if not _close(closing, opening + added - used, tol):
                problems.append(
                    f"{where}: closing {closing:g} != {opening:g} + {added:g} - {used:g}"
                )
            if min(added, used) < -tol:
                problems.append(f"{where}: negative arrivals or use")
            if closing < -tol or _exceeds(closing, st["max"], tol):
                problems.append(f"{where}: level {closing:g} outside 0..{st['max']:g}")
            if (node, k, t) not in plan.needs and (abs(added) > tol or abs(used) > tol):
                problems.append(f"{where}: moves without a Demand row in that period")
            below = max(0.0, st["min"] - closing)
            if below > tol * max(1.0, st["min"]):
                if st["penalty"] is None:
                    problems.append(f"{where}: level {closing:g} below the floor {st['min']:g}")
                else:
                    comp["stock_penalty_cost"] += st["penalty"] * below
            comp["holding_cost"] += st["holding"] * closing
            served[node, k, t] += used - added
            level = closing
    for (d, k, t), (volume, penalty, _) in plan.needs.items():
        unmet = max(0.0, volume - served.get((d, k, t), 0.0))
        if unmet > tol * max(1.0, volume):
            if penalty is None:
                problems.append(
                    f"demand for {k} at {d} period {t}: {unmet:g} of {volume:g} unmet but it "
                    "must be met"
                )
            else:
                comp["unmet_cost"] += penalty * unmet
    return problems


def _check_capacity(
    plan: Plan, flows: Flows, units: dict[str, float], comp: dict[str, float], tol: float
) -> list[str]:
    """Check 4: node, leg and route loads within capacity (replaced, plus expansions)."""
    load: dict[tuple[str, str, str], float] = defaultdict(float)
    for (cid, rid, t), vol in flows.items():
        cu, route = plan.comm[plan.commodity_of(cid)]["use"] * vol, plan.routes[rid]
        for kind, ids in (("node", route.nodes), ("leg", route.legs), ("route", [rid])):
            for ident in ids:
                load[kind, ident, t] += cu
    problems = []
    for (kind, ident, t), used in sorted(load.items()):
        if t in plan.pidx and _exceeds(used, cap := plan.capacity(kind, ident, t, units), tol):
            problems.append(f"{kind} {ident} period {t}: load {used:g} exceeds capacity {cap:g}")
    for eid, e in plan.expansions.items():
        n = units.get(eid, 0.0)
        if n < -tol or n > e["max_units"] + tol or abs(n - round(n)) > tol:
            problems.append(f"expansion {eid}: {n} units is not a whole number in 0..max_units")
        comp["expansion_cost"] += e["cost"] * n
    return problems


def _variables(plan: Plan, flows: Flows) -> list[Var]:
    """The model's flow variables (eligible contract x route x period, and offer x route to a
    destination it may serve x period) with their flows."""
    keys = set(plan.variable_keys())
    keys |= {key for key in flows if (key[0], key[2]) in plan.demand}
    keys |= {key for key in flows if (key[0], key[2]) in plan.offer_periods}
    out = []
    for ident, rid, t in sorted(keys):
        route = plan.routes[rid]
        k = plan.commodity_of(ident)
        vol, c = flows.get((ident, rid, t), 0.0), plan.comm[k]
        w = c["value"] * vol if plan.basis == "value" else c["use"] * vol
        out.append(
            Var(
                ident,
                rid,
                t,
                k,
                route.nodes[0],
                route.nodes[-1],
                c["use"] * vol,
                w,
                plan.supplier_of(ident),
            )
        )
    return out


def _check_rules(plan: Plan, variables: list[Var], comp: dict[str, float], tol: float) -> list[str]:
    """Check 5: every expanded Limits constraint, then the default transit-country cap."""
    problems = []
    exempt = []  # (country, scope spec) of transit_country rules with a max_share
    for rule in plan.limits:
        name, measure = _id(rule.get("rule")), _key(rule.get("measure"))
        value = _id(rule.get("value")) or "*"
        spec = {col: _id(rule.get(col)) or SCOPE_DEFAULTS.get(col, "ALL") for col in SCOPE_COLS}
        bounds = {b: _num(rule[b]) for b in BOUNDS if rule.get(b) is not None}
        penalty = _num(rule.get("penalty"))
        if measure == "transit_country" and "max_share" in bounds and value != "*":
            if _is(spec["origin"], "all") and _is(spec["contract"], "all"):
                exempt.append((value, spec))
        for key, members in _scopes(variables, spec).items():
            present = set().union(*(m.values(plan, measure) for m in members))
            total = sum(m.w for m in members)
            for val in sorted(present) if value == "*" else [value] if value in present else []:
                carry = [m for m in members if val in m.values(plan, measure)]
                tw, tc = sum(m.w for m in carry), sum(m.cu for m in carry)
                for bound, limit in bounds.items():
                    lhs, rhs = _excess(bound, limit, tw, tc, total)
                    if penalty is not None:
                        comp["violation_cost"] += penalty * max(0.0, lhs - rhs)
                    elif _exceeds(lhs, rhs, tol):
                        scope = dict(zip(SCOPE_COLS, key, strict=True))
                        problems.append(
                            f"rule {name} {scope} value {val}: {bound} {limit:g} violated "
                            f"(through {tw if 'share' in bound else tc:g}, total {total:g})"
                        )
    if plan.cap_share is None:
        return problems
    for (dest, k, t, *_), members in _scopes(
        variables, dict(SCOPE_DEFAULTS, contract="ALL")
    ).items():
        own = {"destination": dest, "commodity": k, "period": t}
        total = sum(m.w for m in members)
        for country in sorted(set().union(*(plan.routes[m.route].transit for m in members))):
            if any(
                c == country and all(s[col] in ("*", own[col]) or _is(s[col], "all") for col in own)
                for c, s in exempt
            ):
                continue
            tw = sum(m.w for m in members if country in plan.routes[m.route].transit)
            if _exceeds(tw, plan.cap_share * total, tol):
                problems.append(
                    f"default cap: transit country {country} carries {tw:g} of {total:g} "
                    f"(> {plan.cap_share:.0%}) for destination {dest}, commodity {k}, period {t}"
                )
    return problems


def _check_routes(
    plan: Plan, flows: Flows, rows: list[Row], comp: dict[str, float], tol: float
) -> tuple[float, list[str]]:
    """Check 6a: fixed costs and min_volume of used routes, lots. Adds the minimum lot cost
    to comp["lot_cost"]; returns the lot cost at the reported shipment counts."""
    route_cu: dict[tuple[str, str], float] = defaultdict(float)
    for (cid, rid, t), vol in flows.items():
        route_cu[rid, t] += plan.comm[plan.commodity_of(cid)]["use"] * vol
    reported = {_id(r["route"]): r for r in rows}
    problems, lot_reported = [], 0.0
    for rid, route in plan.routes.items():
        cu = [route_cu.get((rid, t), 0.0) for t in plan.periods]
        if max(cu) > tol or _bool(reported.get(rid, {}).get("used"), False):
            comp["fixed_cost"] += route.fixed_cost
            for t, got in zip(plan.periods, cu, strict=True):
                if route.min_volume > 0 and _exceeds(route.min_volume, got, tol):
                    problems.append(
                        f"route {rid} period {t}: used but carries {got:g} "
                        f"< min_volume {route.min_volume:g}"
                    )
        if route.lot_size > 0:
            need = sum(max(0, math.ceil(x / route.lot_size - tol)) for x in cu)
            shipped = _num(reported.get(rid, {}).get("shipments"), float(need))
            if shipped < need - tol:
                problems.append(f"route {rid}: {shipped:g} shipments, lots need at least {need}")
            comp["lot_cost"] += route.lot_cost * need
            lot_reported += route.lot_cost * shipped
    return lot_reported, problems


def _check_objective(
    summary: Row, comp: dict[str, float], lot_reported: float, tol: float
) -> list[str]:
    """Check 6b: Summary's objective and cost components against the recomputed costs."""
    problems: list[str] = []
    names = COMPONENTS + [n for n in ROBUST_COMPONENTS if n in summary or comp[n]]
    lots = [comp["lot_cost"], lot_reported]
    base = sum(v for name, v in comp.items() if name != "lot_cost")
    objective = _num(summary.get("objective"))
    if objective is None:
        problems.append("Summary has no objective")
    elif not any(_close(objective, base + lot, tol) for lot in lots):
        detail = ", ".join(f"{n}={v:.6g}" for n, v in comp.items())
        want = base + lot_reported
        problems.append(f"objective {objective:.10g} != recomputed {want:.10g} ({detail})")
    for name in names:
        if (got := _num(summary.get(name))) is not None:
            want = lots if name == "lot_cost" else [comp[name]]
            # an LP's optimum (the recourse's) is exact to the objective's scale only
            scale = abs(objective or 0.0) if name == "expected_recourse_cost" else 0.0
            if not any(_close(got, w, tol) or abs(got - w) <= tol * scale for w in want):
                problems.append(f"Summary {name} {got:.10g} != recomputed {want[-1]:.10g}")
    if objective is not None and all(summary.get(n) is not None for n in names):
        parts = sum(_num(summary[n]) for n in names)
        if not _close(parts, objective, tol):
            problems.append(f"Summary cost components add up to {parts:.10g}, not {objective:.10g}")
    return problems


def check_plan(input_path: str | Path, results_path: str | Path, tol: float = 1e-6) -> list[str]:
    """Return a list of human-readable problems (empty when the plan is feasible and the cost
    matches). Returns [] without checking when Summary's status is neither optimal nor
    feasible; raises ValueError when a solved results workbook has no Flows sheet."""
    res = _read(results_path)
    summary = {_key(r.get("item")): r.get("value") for r in res.get("summary", [])}
    if str(summary.get("status") or "optimal").strip().lower() not in {"optimal", "feasible"}:
        return []
    flow_sheets = [k for k in res if k == "flows" or k.startswith("flows_(")]
    if not flow_sheets:
        raise ValueError(f"{results_path}: the results workbook has no Flows sheet")
    plan = Plan(_read(input_path))
    units = {_id(r["expansion"]): _num(r.get("units"), 0.0) for r in res.get("expansions", [])}
    comp = dict.fromkeys(COMPONENTS, 0.0)
    flows, problems = _check_flows(plan, [r for k in flow_sheets for r in res[k]], comp, tol)
    problems += _check_delivery(plan, flows, res.get("contracts", []), comp, tol)
    problems += _check_purchases(plan, flows, res.get("purchases", []), comp, tol)
    problems += _check_needs(plan, flows, res.get("stocks", []), comp, tol)
    problems += _check_capacity(plan, flows, units, comp, tol)
    problems += _check_rules(plan, _variables(plan, flows), comp, tol)
    lot_reported, route_problems = _check_routes(plan, flows, res.get("routes", []), comp, tol)
    robust_comp, robust_problems = check_robust(plan, res, flows, units, tol)
    comp.update(robust_comp)
    problems += route_problems + robust_problems
    return problems + _check_objective(summary, comp, lot_reported, max(tol, 1e-6))
