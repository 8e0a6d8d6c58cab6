"""Independent feasibility checker for a solved corridor plan.

Reads the input workbook and the results workbook (spec: workbook.md, sections 2-4) and
re-derives everything from the `Flows` sheet: eligibility, delivery, capacities, Limits
rules, the default transit cap, route minimums, lots and the objective. It deliberately
imports nothing from the `corridor` package, so a bug in the model cannot hide in its own
checker. Input workbooks are assumed to be valid (as written by tools); the parser is small.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

Row = dict[str, Any]
INF = math.inf
SCOPE_COLS = ("destination", "commodity", "period", "origin", "contract")
SCOPE_DEFAULTS = {"destination": "*", "commodity": "*", "period": "*", "origin": "ALL"}
BOUNDS = ("max_share", "min_share", "max_volume", "min_volume")
COMPONENTS = (
    "transport_cost handling_cost carrying_cost carbon_cost fixed_cost lot_cost expansion_cost "
    "shortfall_cost violation_cost"
).split()


# ----------------------------------------------------------------------------- parsing
def _key(name: Any) -> str:
    return str(name).strip().lower().replace(" ", "_")


def _read(path: str | Path) -> dict[str, list[Row]]:
    """Every sheet as a list of rows keyed by normalised header; blanks and comments dropped."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheets: dict[str, list[Row]] = {}
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            header = [_key(h) if h is not None and str(h).strip() else None for h in next(rows, ())]
            table = []
            for raw in rows:
                vals = [(v.strip() or None) if isinstance(v, str) else v for v in raw]
                if all(v is None for v in vals) or (isinstance(vals[0], str) and vals[0][0] == "#"):
                    continue
                table.append({h: v for h, v in zip(header, vals, strict=False) if h})
            sheets[_key(ws.title)] = table
        return sheets
    finally:
        wb.close()


def _id(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _num(v: Any, default: float | None = None) -> float | None:
    """A number, a numeric text or a share written `40%`."""
    if v is None:
        return default
    if isinstance(v, str):
        return float(v[:-1]) / 100 if v.endswith("%") else float(v)
    return float(v)


def _bool(v: Any, default: bool) -> bool:
    if v is None:
        return default
    if isinstance(v, bool | int | float):
        return bool(v)
    return str(v).strip().lower() in {"yes", "y", "true", "1", "x"}


def _list(v: Any, sep: str = ",") -> list[str]:
    return [s.strip() for s in (_id(v) or "").split(sep) if s.strip()]


def _is(v: str, word: str) -> bool:
    return v.lower() == word.lower()


def _close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def _exceeds(lhs: float, rhs: float, tol: float) -> bool:
    return lhs - rhs > tol * max(1.0, abs(lhs), abs(rhs))


# ----------------------------------------------------------------------------- input model
@dataclass
class Route:
    id: str
    legs: list[str]
    nodes: list[str]
    corridor: str
    fixed_cost: float
    min_volume: float
    lot_size: float
    lot_cost: float
    capacity: float
    commodities: set[str] | None
    active: bool
    transit: set[str]
    chokepoints: set[str]
    cost: float
    handling: float
    days: float
    co2: float

    def values(self, measure: str) -> set[str]:
        return {
            "transit_country": self.transit,
            "chokepoint": self.chokepoints,
            "corridor": {self.corridor},
            "route": {self.id},
            "node": set(self.nodes),
        }[measure]


@dataclass
class Var:
    """One (contract, route, period) flow variable of the model, with its flow."""

    contract: str
    route: str
    period: str
    commodity: str
    origin: str
    destination: str
    cu: float  # capacity units
    w: float  # weight by share_basis


class Plan:
    """The input workbook, parsed, with each route's derived sets and per-unit sums."""

    def __init__(self, sheets: dict[str, list[Row]]) -> None:
        s = {_key(r.get("setting")): r.get("value") for r in sheets.get("settings", [])}
        self.cap_share = _num(s.get("default_max_transit_share"))
        self.basis = _key(s.get("share_basis") or "volume")
        self.rate = _num(s.get("carrying_cost_rate"), 0.0)
        self.carbon = _num(s.get("carbon_price"), 0.0)
        own_origin = _bool(s.get("include_origin_country"), False)
        pen = s.get("shortfall_penalty")
        self.penalty = None if pen is None or _is(str(pen), "none") else _num(pen)

        self.periods = [_id(r["period"]) for r in sheets.get("periods", [])] or ["P1"]
        self.pidx = {p: i for i, p in enumerate(self.periods)}
        self.comm = {
            _id(r["commodity"]): {
                "value": _num(r.get("value_per_unit"), 0.0),
                "use": _num(r.get("capacity_use"), 1.0),
                "factor": _num(r.get("cost_factor"), 1.0),
                "modes": {m.lower() for m in _list(r.get("modes"))} or None,
            }
            for r in sheets["commodities"]
        }
        self.nodes = {_id(r["node"]): r for r in sheets["nodes"]}
        self.legs = {_id(r["leg"]): r for r in sheets["legs"]}
        self.routes: dict[str, Route] = {}
        for r in sheets["routes"]:
            legs = _list(r["legs"], ">")
            nodes = [_id(self.legs[legs[0]]["from"])] + [_id(self.legs[x]["to"]) for x in legs]
            ctry = {str(self.nodes[n]["country"]).strip() for n in nodes}
            ctry |= {c for x in legs for c in _list(self.legs[x].get("countries"))}
            ctry.discard(str(self.nodes[nodes[-1]]["country"]).strip())
            if not own_origin:
                ctry.discard(str(self.nodes[nodes[0]]["country"]).strip())
            rid = _id(r["route"])
            self.routes[rid] = Route(
                id=rid,
                legs=legs,
                nodes=nodes,
                corridor=_id(r.get("corridor")) or rid,
                fixed_cost=_num(r.get("fixed_cost"), 0.0),
                min_volume=_num(r.get("min_volume"), 0.0),
                lot_size=_num(r.get("lot_size"), 0.0),
                lot_cost=_num(r.get("lot_cost"), 0.0),
                capacity=_num(r.get("capacity"), INF),
                commodities=set(_list(r.get("commodities"))) or None,
                active=_bool(r.get("active"), True),
                transit=ctry,
                chokepoints={c for x in legs for c in _list(self.legs[x].get("chokepoints"))},
                cost=self._leg_sum(legs, "cost"),
                handling=sum(_num(self.nodes[n].get("handling_cost"), 0.0) for n in nodes),
                days=self._leg_sum(legs, "days"),
                co2=self._leg_sum(legs, "co2"),
            )
        self.by_ends: dict[tuple[str, str], list[str]] = defaultdict(list)
        for rid, route in self.routes.items():
            self.by_ends[route.nodes[0], route.nodes[-1]].append(rid)
        self.contracts: dict[str, Row] = {}
        self.demand: dict[tuple[str, str], tuple[float, float | None]] = {}
        for r in sheets["contracts"]:
            cid, raw = _id(r["contract"]), r.get("shortfall_penalty")
            self.contracts.setdefault(cid, r)
            if raw is None:
                penalty = self.penalty
            else:
                penalty = None if _is(str(raw), "none") else _num(raw)
            for t in [_id(r["period"])] if r.get("period") is not None else self.periods:
                self.demand[cid, t] = (_num(r["volume"]), penalty)
        self.limits = sheets.get("limits", [])
        self.caps: dict[tuple[str, str], dict[str | None, float]] = defaultdict(dict)
        for r in sheets.get("capacities", []):
            target = (_key(r["target_type"]), _id(r["target"]))
            self.caps[target][_id(r.get("period"))] = _num(r.get("capacity"), INF)
        self.expansions = {
            _id(r["expansion"]): {
                "target": (_key(r["target_type"]), _id(r["target"])),
                "added": _num(r.get("added_capacity"), 0.0),
                "cost": _num(r.get("cost"), 0.0),
                "max_units": _num(r.get("max_units"), 1.0),
                "first": _id(r.get("first_period")) or self.periods[0],
            }
            for r in sheets.get("expansions", [])
        }

    def eligible(self, cid: str) -> list[str]:
        _, origin, dest, _ = self.contract(cid)
        joining = self.by_ends.get((origin, dest), [])
        return [rid for rid in joining if self.why_not_eligible(cid, rid) is None]

    def _leg_sum(self, legs: list[str], col: str) -> float:
        return sum(_num(self.legs[x].get(col), 0.0) for x in legs)

    def contract(self, cid: str) -> tuple[str, str, str, list[str]]:
        r = self.contracts[cid]
        return _id(r["commodity"]), _id(r["origin"]), _id(r["destination"]), _list(r.get("routes"))

    def why_not_eligible(self, cid: str, rid: str) -> str | None:
        """None when route `rid` is eligible for contract `cid`, else the reason."""
        k, origin, dest, listed = self.contract(cid)
        route = self.routes.get(rid)
        if route is None:
            return "does not exist"
        if not route.active:
            return "is inactive"
        if (route.nodes[0], route.nodes[-1]) != (origin, dest):
            return f"runs {route.nodes[0]}->{route.nodes[-1]}, not {origin}->{dest}"
        modes = self.comm[k]["modes"]
        if route.commodities is not None:
            if k not in route.commodities:
                return f"does not allow commodity {k}"
        elif modes is not None:
            if any(str(self.legs[x].get("mode")).strip().lower() not in modes for x in route.legs):
                return f"has a leg mode that commodity {k} does not allow"
        if listed and rid not in listed:
            return f"is not in the contract's routes list {listed}"
        return None

    def capacity(self, kind: str, ident: str, period: str, units: dict[str, float]) -> float:
        if kind == "node":
            base = _num(self.nodes[ident].get("capacity"), INF)
        elif kind == "leg":
            base = _num(self.legs[ident].get("capacity"), INF)
        else:
            base = self.routes[ident].capacity
        over = self.caps.get((kind, ident), {})
        cap = over.get(period, over.get(None, base))
        return cap + sum(
            e["added"] * units.get(eid, 0.0)
            for eid, e in self.expansions.items()
            if e["target"] == (kind, ident) and self.pidx[e["first"]] <= self.pidx[period]
        )

    def unit_costs(self, k: str, rid: str) -> dict[str, float]:
        c, r = self.comm[k], self.routes[rid]
        return {
            "transport_cost": c["use"] * c["factor"] * r.cost,
            "handling_cost": c["use"] * c["factor"] * r.handling,
            "carbon_cost": c["use"] * self.carbon * r.co2,
            "carrying_cost": c["value"] * self.rate * r.days / 365,
        }


def _scopes(variables: list[Var], spec: dict[str, str]) -> dict[tuple[str, ...], list[Var]]:
    """Group variables by the rule's scope columns: `*` each, `ALL` pooled, else one id."""
    groups: dict[tuple[str, ...], list[Var]] = defaultdict(list)
    for v in variables:
        key = []
        for col in SCOPE_COLS:
            want, own = spec[col], getattr(v, col)
            if _is(want, "all"):
                key.append("ALL")
            elif want == "*" or want == own:
                key.append(own)
            else:
                break
        else:
            groups[tuple(key)].append(v)
    return groups


def _excess(bound: str, limit: float, tw: float, tc: float, total: float) -> tuple[float, float]:
    """(left side, right side) of `left <= right` for one bound."""
    return {
        "max_share": (tw, limit * total),
        "min_share": (limit * total, tw),
        "max_volume": (tc, limit),
        "min_volume": (limit, tc),
    }[bound]


# ----------------------------------------------------------------------------- the checks
Flows = dict[tuple[str, str, str], float]  # (contract, route, period) -> commodity units


def _check_flows(
    plan: Plan, rows: list[Row], comp: dict[str, float], tol: float
) -> tuple[Flows, list[str]]:
    """Check 1: every Flows row is on an eligible route in a contract period; add unit costs."""
    flows: Flows = defaultdict(float)
    problems = []
    for row in rows:
        cid, rid = _id(row.get("contract")), _id(row.get("route"))
        t = _id(row.get("period")) or (plan.periods[0] if len(plan.periods) == 1 else None)
        vol = _num(row.get("volume"), 0.0)
        where = f"Flows contract {cid} route {rid} period {t}"
        if cid not in plan.contracts or rid not in plan.routes:
            problems.append(f"{where}: unknown contract or route")
            continue
        if vol < -tol:
            problems.append(f"{where}: negative volume {vol}")
        if (why := plan.why_not_eligible(cid, rid)) is not None:
            problems.append(f"{where}: route {rid} {why}")
        if (cid, t) not in plan.demand:
            problems.append(f"{where}: period {t} is not a period of contract {cid}")
        k, origin, dest, _ = plan.contract(cid)
        for col, want in (("commodity", k), ("origin", origin), ("destination", dest)):
            if row.get(col) is not None and _id(row[col]) != want:
                problems.append(f"{where}: {col} {_id(row[col])} but the contract says {want}")
        unit = plan.unit_costs(k, rid)
        reported = _num(row.get("unit_cost"))
        if reported is not None and not _close(reported, sum(unit.values()), tol):
            problems.append(f"{where}: unit_cost {reported} != {sum(unit.values())}")
        flows[cid, rid, t] += vol
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


def _check_capacity(
    plan: Plan, flows: Flows, units: dict[str, float], comp: dict[str, float], tol: float
) -> list[str]:
    """Check 3: node, leg and route loads within capacity (replaced, plus expansions)."""
    load: dict[tuple[str, str, str], float] = defaultdict(float)
    for (cid, rid, t), vol in flows.items():
        cu, route = plan.comm[plan.contract(cid)[0]]["use"] * vol, plan.routes[rid]
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
    """The model's flow variables (eligible contract x route x period) with their flows."""
    keys = {(cid, rid, t) for (cid, t) in plan.demand for rid in plan.eligible(cid)}
    keys |= {key for key in flows if (key[0], key[2]) in plan.demand}
    out = []
    for cid, rid, t in sorted(keys):
        k, origin, dest, _ = plan.contract(cid)
        vol, c = flows.get((cid, rid, t), 0.0), plan.comm[k]
        w = c["value"] * vol if plan.basis == "value" else c["use"] * vol
        out.append(Var(cid, rid, t, k, origin, dest, c["use"] * vol, w))
    return out


def _check_rules(plan: Plan, variables: list[Var], comp: dict[str, float], tol: float) -> list[str]:
    """Check 4: every expanded Limits constraint, then the default transit-country cap."""
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
            present = set().union(*(plan.routes[m.route].values(measure) for m in members))
            total = sum(m.w for m in members)
            for val in sorted(present) if value == "*" else [value] if value in present else []:
                carry = [m for m in members if val in plan.routes[m.route].values(measure)]
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
    """Check 5a: fixed costs and min_volume of used routes, lots. Adds the minimum lot cost
    to comp["lot_cost"]; returns the lot cost at the reported shipment counts."""
    route_cu: dict[tuple[str, str], float] = defaultdict(float)
    for (cid, rid, t), vol in flows.items():
        route_cu[rid, t] += plan.comm[plan.contract(cid)[0]]["use"] * vol
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
    """Check 5b: Summary's objective and cost components against the recomputed costs."""
    problems: list[str] = []
    lots = [comp["lot_cost"], lot_reported]
    base = sum(v for name, v in comp.items() if name != "lot_cost")
    objective = _num(summary.get("objective"))
    if objective is None:
        problems.append("Summary has no objective")
    elif not any(_close(objective, base + lot, tol) for lot in lots):
        detail = ", ".join(f"{n}={v:.6g}" for n, v in comp.items())
        want = base + lot_reported
        problems.append(f"objective {objective:.10g} != recomputed {want:.10g} ({detail})")
    for name in COMPONENTS:
        if (got := _num(summary.get(name))) is not None:
            want = lots if name == "lot_cost" else [comp[name]]
            if not any(_close(got, w, tol) for w in want):
                problems.append(f"Summary {name} {got:.10g} != recomputed {want[-1]:.10g}")
    if objective is not None and all(summary.get(n) is not None for n in COMPONENTS):
        parts = sum(_num(summary[n]) for n in COMPONENTS)
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
    problems += _check_capacity(plan, flows, units, comp, tol)
    problems += _check_rules(plan, _variables(plan, flows), comp, tol)
    lot_reported, route_problems = _check_routes(plan, flows, res.get("routes", []), comp, tol)
    return problems + route_problems + _check_objective(summary, comp, lot_reported, max(tol, 1e-6))
