"""The input workbook as the independent checker sees it (tests/check.py, check_robust.py).

A small parser of the workbook contract (sections 1-2 and 6): every sheet read with openpyxl
into rows keyed by normalised header, and `Plan`, the inputs with each route's derived sets
(transit countries, chokepoints, nodes) and per-unit sums, eligibility of contracts' and
offers' routes, capacities with expansions, and unit costs. Like the checks, it imports
nothing from the `corridor` package, so a bug in the model cannot hide in its own checker.
Input workbooks are assumed to be valid (as written by tools); the parser is small.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl

Row = dict[str, Any]
INF = math.inf
SCOPE_COLS = ("destination", "commodity", "period", "origin", "contract")
SCOPE_DEFAULTS = {"destination": "*", "commodity": "*", "period": "*", "origin": "ALL"}
BOUNDS = ("max_share", "min_share", "max_volume", "min_volume")


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
    origin_country: str = ""
    countries: set[str] = field(default_factory=set)  # every node's and leg's country
    booking_cost: float | None = None  # per capacity unit booked (robust plans)

    def values(self, measure: str) -> set[str]:
        return {
            "transit_country": self.transit,
            "chokepoint": self.chokepoints,
            "corridor": {self.corridor},
            "route": {self.id},
            "node": set(self.nodes),
            "origin_country": {self.origin_country},
        }[measure]


@dataclass
class Var:
    """One flow variable of the model (a contract's or an offer's, on one route in one
    period; `contract` holds the offer id for an offer), with its flow."""

    contract: str
    route: str
    period: str
    commodity: str
    origin: str
    destination: str
    cu: float  # capacity units
    w: float  # weight by share_basis
    supplier: str | None = None

    def values(self, plan: Plan, measure: str) -> set[str]:
        if measure == "supplier":
            return {self.supplier} if self.supplier is not None else set()
        return plan.routes[self.route].values(measure)


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
        # robust plans (section 7)
        self.robust_min_delivery = _num(s.get("robust_min_delivery"))
        self.robust_against = [_key(k) for k in _list(s.get("robust_against"))] or [
            "transit_country"
        ]
        self.closure_penalty_setting = _num(s.get("closure_penalty"))
        self.disruptions = sheets.get("disruptions")  # None without the sheet

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
            countries = set(ctry)
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
                origin_country=str(self.nodes[nodes[0]]["country"]).strip(),
                countries=countries,
                booking_cost=_num(r.get("booking_cost")),
            )
        self.by_ends: dict[tuple[str, str], list[str]] = defaultdict(list)
        for rid, route in self.routes.items():
            self.by_ends[route.nodes[0], route.nodes[-1]].append(rid)
        self.contracts: dict[str, Row] = {}
        self.demand: dict[tuple[str, str], tuple[float, float | None]] = {}
        for r in sheets.get("contracts", []):
            cid = _id(r["contract"])
            self.contracts.setdefault(cid, r)
            for t in self._periods_of(r):
                self.demand[cid, t] = (_num(r["volume"]), self._penalty(r.get("shortfall_penalty")))
        # sourcing: needs per (destination, commodity, period), offers per (offer, period)
        self.needs: dict[tuple[str, str, str], tuple[float, float | None, float]] = {}
        for r in sheets.get("demand", []):
            key = (_id(r["destination"]), _id(r["commodity"]))
            days = _num(r.get("max_days"), INF)
            for t in self._periods_of(r):
                penalty = self._penalty(r.get("shortfall_penalty"))
                self.needs[(*key, t)] = (_num(r["volume"]), penalty, days)
        self.offers: dict[str, Row] = {}
        self.offer_periods: dict[tuple[str, str], Row] = {}
        for r in sheets.get("offers", []):
            oid = _id(r["offer"])
            self.offers.setdefault(oid, r)
            for t in self._periods_of(r):
                self.offer_periods[oid, t] = r
        self.stocks = {
            (_id(r["node"]), _id(r["commodity"])): {
                "initial": _num(r.get("initial"), 0.0),
                "min": _num(r.get("min_level"), 0.0),
                "max": _num(r.get("max_level"), INF),
                "holding": _num(r.get("holding_cost"), 0.0),
                "penalty": _num(r.get("penalty")),
                "replacement": _num(r.get("replacement_cost")),
            }
            for r in sheets.get("stocks", [])
        }
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

    def _periods_of(self, r: Row) -> list[str]:
        return [_id(r["period"])] if r.get("period") is not None else self.periods

    def _penalty(self, raw: Any) -> float | None:
        """A row's shortfall penalty: blank = the setting, `none` = none."""
        if raw is None:
            return self.penalty
        return None if _is(str(raw), "none") else _num(raw)

    def eligible(self, cid: str) -> list[str]:
        _, origin, dest, _ = self.contract(cid)
        joining = self.by_ends.get((origin, dest), [])
        return [rid for rid in joining if self.why_not_eligible(cid, rid) is None]

    def commodity_of(self, ident: str) -> str:
        """The commodity of a contract or an offer."""
        row = self.contracts.get(ident) or self.offers[ident]
        return _id(row["commodity"])

    def supplier_of(self, ident: str) -> str | None:
        row = self.contracts.get(ident) or self.offers[ident]
        return _id(row.get("supplier"))

    def not_allowed(self, k: str, route: Route) -> str | None:
        """None when the route allows the commodity (its list decides alone, else the
        modes), else the reason."""
        modes = self.comm[k]["modes"]
        if route.commodities is not None:
            return None if k in route.commodities else f"does not allow commodity {k}"
        if modes is not None:
            if any(str(self.legs[x].get("mode")).strip().lower() not in modes for x in route.legs):
                return f"has a leg mode that commodity {k} does not allow"
        return None

    def offer_targets(self, oid: str, t: str) -> list[str]:
        """Destinations offer `oid` may serve in period t: listed (else every one with demand
        for its commodity) and with a need there in t."""
        r = self.offers[oid]
        k = _id(r["commodity"])
        listed = _list(r.get("destinations"))
        return [
            d for (d, kk, tt) in self.needs if kk == k and tt == t and (not listed or d in listed)
        ]

    def offer_why_not(self, oid: str, rid: str, t: str) -> str | None:
        """None when route `rid` may carry offer `oid` in period t, else the reason."""
        r = self.offers[oid]
        k, origin = _id(r["commodity"]), _id(r["origin"])
        route = self.routes.get(rid)
        if route is None:
            return "does not exist"
        if not route.active:
            return "is inactive"
        dest = route.nodes[-1]
        if route.nodes[0] != origin:
            return f"starts at {route.nodes[0]}, not at the offer's origin {origin}"
        if (oid, t) not in self.offer_periods:
            return f"period {t} is not a period of offer {oid}"
        if dest not in self.offer_targets(oid, t):
            return f"ends at {dest}, which the offer may not serve in {t} (no need there)"
        if (why := self.not_allowed(k, route)) is not None:
            return why
        limit = min(_num(r.get("max_days"), INF), self.needs[dest, k, t][2])
        if route.days > limit + 1e-9:
            return f"takes {route.days:g} days, more than max_days {limit:g}"
        return None

    def offer_routes(self, oid: str, t: str) -> list[str]:
        origin = _id(self.offers[oid]["origin"])
        return [
            rid
            for d in self.offer_targets(oid, t)
            for rid in self.by_ends.get((origin, d), [])
            if self.offer_why_not(oid, rid, t) is None
        ]

    def variable_keys(self) -> list[tuple[str, str, str]]:
        """The model's flow variables as (contract or offer, route, period): each contract
        row's eligible routes, each offer row's routes to the destinations it may serve."""
        keys = {(cid, rid, t) for (cid, t) in self.demand for rid in self.eligible(cid)}
        keys |= {
            (oid, rid, t) for (oid, t) in self.offer_periods for rid in self.offer_routes(oid, t)
        }
        return sorted(keys)

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
        if (why := self.not_allowed(k, route)) is not None:
            return why
        if listed and rid not in listed:
            return f"is not in the contract's routes list {listed}"
        limit = _num(self.contracts[cid].get("max_days"), INF)
        if route.days > limit + 1e-9:
            return f"takes {route.days:g} days, more than the contract's max_days {limit:g}"
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
