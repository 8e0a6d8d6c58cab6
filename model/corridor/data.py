"""Inputs: validated tables plus every derived fact the model needs, computed once with pandas.

No Pyomo here. The derived facts:

- ``routes``: origin, destination, nodes, countries, transit countries, chokepoints and the
  sums of leg cost, node handling cost, days and CO2 of each route;
- ``contract_rows``: one row per contract and period (volume, shortfall penalty or NaN);
- ``flows``: one row per flow variable (contract x eligible route x period) with its
  capacity use, share weight and unit cost split into transport, handling, carrying, carbon;
- ``capacity``: one row per (type, id, period) whose capacity is finite in that period,
  with the base capacity after the Capacities sheet;
- ``usage``: which flows load which capacity row (flow, capacity row, coefficient);
- ``expansions``: with the index of the first period in effect.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from . import rules, validate
from .errors import InputIssue, Issues
from .io.cells import Table
from .rules import RuleTable
from .schema import INPUT_SHEETS, REQUIRED_SHEETS

DEFAULT_PERIOD = "P1"


@dataclass(frozen=True)
class Inputs:
    """Everything the model reads, validated. Build with `read_workbook` or `from_frames`."""

    settings: dict[str, object]
    periods: list[str]
    commodities: pd.DataFrame  # index commodity
    nodes: pd.DataFrame  # index node
    legs: pd.DataFrame  # index leg
    routes: pd.DataFrame  # index route, active routes only, with derived columns
    contracts: pd.DataFrame  # the Contracts rows as typed
    contract_rows: pd.DataFrame  # contract, period, commodity, origin, destination, volume, penalty
    flows: pd.DataFrame  # one row per flow variable
    capacity: pd.DataFrame  # type, id, period, capacity (finite only)
    usage: pd.DataFrame  # flow, cap_row, coef
    limits: pd.DataFrame  # the Limits rows as typed
    expansions: pd.DataFrame  # index expansion
    tables: dict[str, Table] = field(default_factory=dict)
    warnings: list[InputIssue] = field(default_factory=list)
    source: str = ""
    sha256: str = ""
    rules: RuleTable = field(default_factory=RuleTable)  # Limits and default cap, expanded
    # The v1.2 sheets as typed (see `table_frame`; empty with the sheet's columns when the
    # sheet is absent); every row valid. Disruptions adds the closure's `kind` and `id`.
    demand_rows: pd.DataFrame = field(default_factory=lambda: table_frame({}, "Demand"))
    offers: pd.DataFrame = field(default_factory=lambda: table_frame({}, "Offers"))
    stocks: pd.DataFrame = field(default_factory=lambda: table_frame({}, "Stocks"))
    disruptions: pd.DataFrame = field(default_factory=lambda: _disruptions_frame({}))
    # Sourcing, derived (spec section 6): one row per Demand row and period, and per offer
    # and period (see expand_demand, expand_offers); flows list the offers' flows after the
    # contracts' (contract_row -1, offer_row and need set).
    needs: pd.DataFrame = field(
        default_factory=lambda: expand_demand(table_frame({}, "Demand"), [], None)
    )
    offer_rows: pd.DataFrame = field(
        default_factory=lambda: expand_offers(table_frame({}, "Offers"), [])
    )

    @property
    def period_index(self) -> dict[str, int]:
        return {p: i for i, p in enumerate(self.periods)}

    def cell_of(self, sheet: str, column: str, row: int) -> str:
        """'Legs!F7' for a table row, '' when the sheet did not come from a table."""
        table = self.tables.get(sheet)
        return f"{table.sheet}!{table.cell(column, row)}" if table is not None else ""

    def with_changes(self, **changes: object) -> Inputs:
        """A copy with some fields replaced (derived caches are recomputed on demand)."""
        return replace(self, **changes)

    def without_robust(self) -> Inputs:
        """The same workbook with robust mode off (robust_min_delivery blank)."""
        return self.with_changes(settings={**self.settings, "robust_min_delivery": None})

    @cached_property
    def closure_penalty(self) -> float:
        """Money per commodity unit of cargo a closure loses where the row has no penalty:
        the setting, else 10 x the highest landed unit cost of any flow (spec section 5)."""
        value = self.settings.get("closure_penalty")
        if value is not None:
            return float(value)
        landed = self.flows["unit_cost"].to_numpy(dtype=float)
        if "price" in self.flows:
            landed = landed + self.flows["price"].fillna(0.0).to_numpy(dtype=float)
        highest = float(landed.max()) if len(landed) else 0.0
        return 10.0 * max(highest, 1.0)

    @cached_property
    def replacement_cost(self) -> np.ndarray:
        """Per Stocks row, money per unit of stock a closure uses up (spec section 7): the
        row's replacement_cost, else the commodity's value_per_unit, else where that is 0 the
        highest landed unit cost (logistics + price) of the commodity's flows (of any flow
        where the commodity has none, so using a reserve is never free)."""
        stocks, flows = self.stocks, self.flows
        landed = flows["unit_cost"].to_numpy(dtype=float)
        if "price" in flows:
            landed = landed + flows["price"].fillna(0.0).to_numpy(dtype=float)
        per_commodity = pd.Series(landed).groupby(flows["commodity"].to_numpy()).max()
        anywhere = float(landed.max()) if len(landed) else 0.0
        out = np.empty(len(stocks))
        for i, rec in enumerate(stocks[["commodity", "replacement_cost"]].itertuples(False)):
            if rec.replacement_cost == rec.replacement_cost:  # set (not NaN)
                out[i] = float(rec.replacement_cost)
                continue
            value = float(self.commodities["value_per_unit"].get(rec.commodity, 0.0) or 0.0)
            out[i] = value if value > 0 else float(per_commodity.get(rec.commodity, anywhere))
        return out

    @cached_property
    def route_loads(self) -> RouteLoads:
        """Which flows load each (route, period) and the tightest bound on that load."""
        return route_loads(self)


@dataclass(frozen=True)
class RouteLoads:
    """Loads of (route, period) pairs that have flows, in capacity units.

    `keys` (route, period); `of_flow` the pair of each flow; `bound` the tightest bound the
    data give on the pair's load: the smallest capacity (plus every possible expansion) of
    the route, its legs and its nodes in that period, and the volume that can reach it."""

    keys: pd.DataFrame
    of_flow: np.ndarray
    bound: np.ndarray


def expansions_in_effect(inputs: Inputs, targets: pd.DataFrame) -> pd.DataFrame:
    """Expansions in effect for each (type, id, period) row of `targets`: the row's position
    (`row`), the expansion's position (`expansion`), `added` capacity per unit, `max_units`."""
    exp = inputs.expansions
    columns = {"row": np.int64, "expansion": np.int64, "added": float, "max_units": float}
    if exp.empty or targets.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    order = inputs.period_index
    left = pd.DataFrame(
        {
            "row": np.arange(len(targets)),
            "type": targets["type"].to_numpy(),
            "id": targets["id"].to_numpy(),
            "t": targets["period"].map(order).to_numpy(),
        }
    )
    right = pd.DataFrame(
        {
            "expansion": np.arange(len(exp)),
            "type": exp["target_type"].to_numpy(),
            "id": exp["target"].to_numpy(),
            "first": exp["first_index"].to_numpy(),
            "added": exp["added_capacity"].to_numpy(dtype=float),
            "max_units": exp["max_units"].to_numpy(dtype=float),
        }
    )
    both = left.merge(right, on=["type", "id"])
    both = both[both["first"] <= both["t"]]
    return both[list(columns)].reset_index(drop=True)


def route_loads(inputs: Inputs) -> RouteLoads:
    """See RouteLoads."""
    f = inputs.flows
    codes, keys = pd.MultiIndex.from_arrays([f["route"], f["period"]]).factorize()
    codes = np.asarray(codes, dtype=np.int64)
    keys = keys.to_frame(index=False, name=["route", "period"])
    cu = f["capacity_use"].to_numpy(dtype=float)
    reach = cu * flow_volume_bound(inputs)
    bound = np.bincount(codes, weights=reach, minlength=len(keys))
    cap, usage = inputs.capacity, inputs.usage
    if len(cap) and len(usage):
        hits = expansions_in_effect(inputs, cap)
        extra = np.bincount(
            hits["row"].to_numpy(),
            weights=(hits["added"] * hits["max_units"]).to_numpy(),
            minlength=len(cap),
        )
        room = cap["capacity"].to_numpy(dtype=float) + extra
        np.minimum.at(bound, codes[usage["flow"].to_numpy()], room[usage["cap_row"].to_numpy()])
    return RouteLoads(keys, codes, bound)


def loose_bound(inputs: Inputs) -> float:
    """The stand-in bound for an offer flow that demand does not bound (a share or minimum
    rule may make buying beyond demand pay) and no max_volume caps: 100 times every volume
    of the workbook together, at least 1e7. Big-Ms built on it are valid but not tight."""
    total = float(inputs.contract_rows["volume"].sum() + inputs.needs["volume"].sum())
    return max(1e7, 100.0 * total)


def need_room(inputs: Inputs, need_volume: np.ndarray | None = None) -> np.ndarray:
    """Commodity units a stock at each need's node may take in that period (0 where none):
    its max_level, capped by its floor plus every later need there (a store filled beyond
    what it can ever give out only adds holding cost)."""
    needs = inputs.needs
    room = np.zeros(len(needs))
    stocks = inputs.stocks
    if needs.empty or stocks.empty:
        return room
    volume = needs["volume"].to_numpy(dtype=float) if need_volume is None else need_volume
    t = needs["period"].map(inputs.period_index).to_numpy(dtype=np.int64)
    for rec in stocks.to_dict("records"):
        mine = np.flatnonzero(
            (needs["destination"] == rec["node"]).to_numpy()
            & (needs["commodity"] == rec["commodity"]).to_numpy()
        )
        if len(mine) == 0:
            continue
        floor = float(rec["min_level"]) if rec["min_level"] == rec["min_level"] else 0.0
        top = rec["max_level"]
        for i in mine:
            later = volume[mine[t[mine] > t[i]]].sum()
            room[i] = floor + later
            if top == top and top is not None:
                room[i] = min(room[i], float(top))
    return room


def pushed_flows(inputs: Inputs) -> np.ndarray:
    """Flows a rule may push beyond what demand needs: those a minimum rule (min_share,
    min_volume) counts as passing its value, and every flow in the scope of a share rule
    (surplus cargo could dilute a max_share). Demand does not bound them."""
    table = inputs.rules
    out = np.zeros(len(inputs.flows), dtype=bool)
    if table.empty:
        return out
    rows = table.rows
    groups = rows.loc[rows["bound"].isin(["min_share", "min_volume"]), "group"].to_numpy()
    members = table.members
    hit = np.isin(members["group"].to_numpy(), groups)
    out[members["flow"].to_numpy()[hit]] = True
    scopes = rows.loc[rows["bound"].isin(["min_share", "max_share"]), "scope"].to_numpy()
    sm = table.scope_members
    hit = np.isin(sm["scope"].to_numpy(), scopes)
    out[sm["flow"].to_numpy()[hit]] = True
    return out


def flow_room(inputs: Inputs, capacity: np.ndarray | None = None) -> np.ndarray:
    """The most each flow can carry through the capacities it loads (commodity units; inf
    where none): the smallest room, with every possible expansion, of its route, legs and
    nodes in its period. `capacity` gives the capacity rows as they stand (default: as
    read)."""
    flows, cap, usage = inputs.flows, inputs.capacity, inputs.usage
    out = np.full(len(flows), np.inf)
    if cap.empty or usage.empty:
        return out
    hits = expansions_in_effect(inputs, cap)
    extra = np.bincount(
        hits["row"].to_numpy(),
        weights=(hits["added"] * hits["max_units"]).to_numpy(),
        minlength=len(cap),
    )
    base = cap["capacity"].to_numpy(dtype=float) if capacity is None else capacity
    room = base + extra
    coef = usage["coef"].to_numpy(dtype=float)
    with np.errstate(divide="ignore"):
        per_unit = room[usage["cap_row"].to_numpy()] / coef
    np.minimum.at(out, usage["flow"].to_numpy(), per_unit)
    return out


def offer_flow_bound(
    inputs: Inputs, need_volume: np.ndarray | None = None, capacity: np.ndarray | None = None
) -> np.ndarray:
    """The most each offer flow can carry (commodity units; inf where nothing bounds it) in
    some optimal plan: the offer's max_volume; the room its capacities leave
    (`flow_room`); and its need's volume plus the room of a stock there, or the offer's
    min_volume where more (no plan gains by buying more), unless a rule may push the flow
    beyond demand (`pushed_flows`)."""
    flows, offers = inputs.flows, inputs.offer_rows
    on = np.flatnonzero(flows["offer_row"].to_numpy() >= 0)
    out = np.full(len(on), np.inf)
    if len(on) == 0:
        return out
    row = flows["offer_row"].to_numpy()[on]
    cap = offers["max_volume"].to_numpy(dtype=float)[row]
    cap = np.where(np.isnan(cap), np.inf, cap)
    volume = inputs.needs["volume"].to_numpy(dtype=float) if need_volume is None else need_volume
    need = flows["need"].to_numpy()[on]
    reach = volume[need] + need_room(inputs, volume)[need]
    reach = np.maximum(reach, offers["min_volume"].to_numpy(dtype=float)[row])
    reach = np.where(pushed_flows(inputs)[on], np.inf, reach)
    return np.minimum(np.minimum(cap, reach), flow_room(inputs, capacity)[on])


def offer_bound(
    inputs: Inputs,
    need_volume: np.ndarray | None = None,
    capacity: np.ndarray | None = None,
    *,
    through_capacity: bool = True,
) -> np.ndarray:
    """The most each offer row can sell in its period in some optimal plan (the big-M of
    ``q <= M taken``): its max_volume; what its flows' capacities let through (the sum of
    their `flow_room`); and the needs its flows reach with their stocks' room, or its
    min_volume where more, unless a rule may push one of its flows beyond demand
    (`pushed_flows`); `loose_bound` where nothing bounds it. Without `through_capacity` the
    capacities are left out (a Diagnosis that may stretch capacities needs an M that does
    not hold them)."""
    flows, offers = inputs.flows, inputs.offer_rows
    out = offers["max_volume"].to_numpy(dtype=float).copy()
    out = np.where(np.isnan(out), np.inf, out)
    if offers.empty:
        return out
    volume = inputs.needs["volume"].to_numpy(dtype=float) if need_volume is None else need_volume
    on = np.flatnonzero(flows["offer_row"].to_numpy() >= 0)
    rows = flows["offer_row"].to_numpy()[on]
    need = flows["need"].to_numpy()[on]
    reach_of_need = volume + need_room(inputs, volume)
    pairs = pd.DataFrame({"row": rows, "need": need}).drop_duplicates()
    reach = np.bincount(
        pairs["row"].to_numpy(),
        weights=reach_of_need[pairs["need"].to_numpy()],
        minlength=len(offers),
    )
    reach = np.maximum(reach, offers["min_volume"].to_numpy(dtype=float))
    pushed = np.zeros(len(offers), dtype=bool)
    pushed[rows[pushed_flows(inputs)[on]]] = True
    reach = np.where(pushed, np.inf, reach)
    room = flow_room(inputs, capacity)[on]
    through = np.full(len(offers), np.inf)
    finite = np.isfinite(room)
    if len(on) and through_capacity:  # a flow without capacity leaves its row unbounded
        unbounded = np.zeros(len(offers), dtype=bool)
        unbounded[rows[~finite]] = True
        summed = np.bincount(rows[finite], weights=room[finite], minlength=len(offers))
        through = np.where(unbounded, np.inf, summed)
    out = np.minimum(np.minimum(out, reach), through)
    return np.where(np.isfinite(out), out, loose_bound(inputs))


def flow_volume_bound(
    inputs: Inputs,
    contract_volume: np.ndarray | None = None,
    need_volume: np.ndarray | None = None,
    capacity: np.ndarray | None = None,
) -> np.ndarray:
    """The most each flow can carry (commodity units): its contract's volume in the period;
    for an offer flow `offer_flow_bound`, `loose_bound` where that is unbounded. The volumes
    default to the workbook's (a what-if plan passes its current ones)."""
    flows = inputs.flows
    if contract_volume is None:
        contract_volume = inputs.contract_rows["volume"].to_numpy(dtype=float)
    of = flows["contract_row"].to_numpy()
    out = np.zeros(len(flows))
    mine = of >= 0
    out[mine] = contract_volume[of[mine]]
    offer = ~mine
    if offer.any():
        bound = offer_flow_bound(inputs, need_volume, capacity)
        out[offer] = np.where(np.isfinite(bound), bound, loose_bound(inputs))
    return out


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def route_facts(
    routes: pd.DataFrame, legs: pd.DataFrame, nodes: pd.DataFrame, include_origin: bool
) -> pd.DataFrame:
    """Add origin, destination, nodes, countries, transit, chokepoints and cost sums."""
    out = routes.copy()
    leg_from, leg_to = legs["from"].to_dict(), legs["to"].to_dict()
    country = nodes["country"].to_dict()
    handling = nodes["handling_cost"].to_dict()
    leg_countries, leg_choke = legs["countries"].to_dict(), legs["chokepoints"].to_dict()
    route_nodes, countries, transit, chokes = [], [], [], []
    for seq in out["legs"]:
        path = (leg_from[seq[0]], *(leg_to[leg] for leg in seq))
        route_nodes.append(path)
        names: list[str] = [country[n] for n in path]
        for leg in seq:
            names.extend(leg_countries[leg] or ())
        ordered = tuple(dict.fromkeys(names))
        countries.append(ordered)
        drop = {country[path[-1]]} | (set() if include_origin else {country[path[0]]})
        transit.append(tuple(c for c in ordered if c not in drop))
        chokes.append(tuple(dict.fromkeys(t for leg in seq for t in (leg_choke[leg] or ()))))
    out["origin"] = [p[0] for p in route_nodes]
    out["origin_country"] = [country[p[0]] for p in route_nodes]
    out["destination"] = [p[-1] for p in route_nodes]
    out["nodes"] = route_nodes
    out["countries"] = countries
    out["transit"] = transit
    out["chokepoints"] = chokes
    out["corridor"] = [
        c if c is not None else r for c, r in zip(out["corridor"], out.index, strict=True)
    ]
    # each route's legs summed in route order, left to right (np.add.reduceat): the same
    # bits whatever pandas' groupby would choose for its summation
    n_legs = np.fromiter((len(seq) for seq in out["legs"]), dtype=np.int64, count=len(out))
    leg_rows = legs.index.get_indexer([leg for seq in out["legs"] for leg in seq])
    starts = np.concatenate(([0], np.cumsum(n_legs)[:-1])) if len(out) else n_legs
    for column, name in (("cost", "leg_cost"), ("days", "days"), ("co2", "co2")):
        values = legs[column].to_numpy(dtype=float)[leg_rows]
        out[name] = np.add.reduceat(values, starts) if len(values) else np.zeros(len(out))
    out["handling"] = [float(sum(handling[n] for n in p)) for p in route_nodes]
    return out


def allowed_pairs(
    routes: pd.DataFrame, commodities: pd.DataFrame, legs: pd.DataFrame
) -> set[tuple[str, str]]:
    """(route, commodity) pairs the route allows: its list decides alone, else the modes."""
    mode = legs["mode"].to_dict()
    known = set(commodities.index)
    com_modes = [(k, set(m) if m else None) for k, m in commodities["modes"].items()]
    # routes with the same set of leg modes allow the same commodities: decide once per set
    by_modes: dict[frozenset[str], list[str]] = {}
    pairs = set()
    for route, listed, seq in zip(routes.index, routes["commodities"], routes["legs"], strict=True):
        if listed:
            pairs.update((route, k) for k in listed if k in known)
            continue
        leg_modes = frozenset(mode[leg] for leg in seq)
        ks = by_modes.get(leg_modes)
        if ks is None:
            ks = by_modes[leg_modes] = [
                k for k, modes in com_modes if modes is None or leg_modes <= modes
            ]
        pairs.update((route, k) for k in ks)
    return pairs


def expand_contracts(
    contracts: pd.DataFrame, periods: list[str], setting_penalty: float | None
) -> pd.DataFrame:
    """One row per contract and period; penalty NaN where delivery must be in full."""
    frame = contracts.copy()
    frame["period"] = [[p] if p is not None else list(periods) for p in frame["period"]]
    frame = frame.explode("period", ignore_index=True)
    penalty = []
    for value in frame["shortfall_penalty"]:
        if value is None:
            penalty.append(np.nan if setting_penalty is None else float(setting_penalty))
        elif value == "none":
            penalty.append(np.nan)
        else:
            penalty.append(float(value))
    frame["penalty"] = penalty
    order = {p: i for i, p in enumerate(periods)}
    frame["_t"] = frame["period"].map(order)
    frame = frame.sort_values(["_t", "_row"], kind="stable").drop(columns="_t")
    return frame.reset_index(drop=True)


FLOW_COLUMNS = [  # every flow, contract or offer, in this column order
    "contract",
    "route",
    "period",
    "commodity",
    "origin",
    "destination",
    "contract_row",
    "capacity_use",
    "value_per_unit",
    "transport",
    "handling",
    "carbon",
    "carrying",
    "unit_cost",
    "weight",
    "offer",
    "offer_row",
    "need",
    "supplier",
    "price",
    "days",
]


def _flow_frame(
    cand: pd.DataFrame,
    routes: pd.DataFrame,
    commodities: pd.DataFrame,
    settings: dict[str, object],
    route_pos: np.ndarray | None = None,
    **columns: np.ndarray,
) -> pd.DataFrame:
    """Flow rows from candidates (contract, route, period, commodity, origin, destination)
    with unit costs and share weights; `route_pos` the routes' positions (looked up when
    None); `columns` gives the rest (contract_row, offer...)."""
    if route_pos is None:
        route_pos = routes.index.get_indexer(cand["route"].to_numpy(dtype=object))
    k = commodities.index.get_indexer(cand["commodity"].to_numpy(dtype=object))
    cu = commodities["capacity_use"].to_numpy()[k]
    cf = commodities["cost_factor"].to_numpy()[k]
    vpu = commodities["value_per_unit"].to_numpy()[k]

    def per_route(column: str) -> np.ndarray:
        return routes[column].to_numpy()[route_pos]

    days = per_route("days").astype(float)
    flows = pd.DataFrame(
        {
            "contract": cand["contract"].to_numpy(),
            "route": cand["route"].to_numpy(),
            "period": cand["period"].to_numpy(),
            "commodity": cand["commodity"].to_numpy(),
            "origin": cand["origin"].to_numpy(),
            "destination": cand["destination"].to_numpy(),
            "contract_row": np.asarray(columns["contract_row"], dtype=np.int64),
            "capacity_use": cu,
            "value_per_unit": vpu,
            "transport": cu * cf * per_route("leg_cost"),
            "handling": cu * cf * per_route("handling"),
            "carbon": cu * float(settings["carbon_price"]) * per_route("co2"),
            "carrying": vpu * float(settings["carrying_cost_rate"]) * days / 365.0,
        },
        copy=False,  # fresh arrays: no copy into blocks
    )
    flows["unit_cost"] = flows[["transport", "handling", "carbon", "carrying"]].sum(axis=1)
    flows["weight"] = (cu if settings["share_basis"] == "volume" else vpu).copy()  # own memory
    flows["offer"] = pd.Series(columns["offer"], dtype=object)
    flows["offer_row"] = np.asarray(columns["offer_row"], dtype=np.int64)
    flows["need"] = np.asarray(columns["need"], dtype=np.int64)
    flows["supplier"] = pd.Series(columns["supplier"], dtype=object)
    flows["price"] = np.asarray(columns["price"], dtype=float)
    flows["days"] = days
    return flows[FLOW_COLUMNS]


def _need_of(frame: pd.DataFrame, needs: pd.DataFrame | None) -> np.ndarray:
    """The needs row of each (destination, commodity, period) in `frame`; -1 where none."""
    if needs is None or needs.empty or frame.empty:
        return np.full(len(frame), -1, dtype=np.int64)
    keys = ["destination", "commodity", "period"]
    index = pd.MultiIndex.from_frame(needs[keys])
    return index.get_indexer(pd.MultiIndex.from_frame(frame[keys])).astype(np.int64)


def _no_supplier(values: pd.Series) -> np.ndarray:
    """Supplier labels as objects, None where blank."""
    return np.array([v if isinstance(v, str) else None for v in values], dtype=object)


def build_flows(
    contract_rows: pd.DataFrame,
    routes: pd.DataFrame,
    commodities: pd.DataFrame,
    allowed: set[tuple[str, str]],
    settings: dict[str, object],
    needs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Contract flows: each contract row x each eligible route (its `routes` list and its
    `max_days` narrow them), with unit costs and weights; `need` is the needs row of the
    flow's destination, commodity and period (-1 where the Demand sheet has none).

    Ordered by contract row, then route id. Joined with integer codes (no merge of string
    columns): a million flows take well under a second."""
    pos, route_pos = validate.eligible_pairs(contract_rows, routes, allowed, by_name=True)
    if "max_days" in contract_rows and contract_rows["max_days"].notna().any():
        limit = contract_rows["max_days"].to_numpy(dtype=float)[pos]
        days = routes["days"].to_numpy(dtype=float)[route_pos]
        fast = ~(days > limit + 1e-9)  # a route too slow is not eligible (NaN: no limit)
        pos, route_pos = pos[fast], route_pos[fast]

    def take(column: str) -> np.ndarray:
        return contract_rows[column].to_numpy(dtype=object)[pos]

    cand = pd.DataFrame(
        {
            "contract": take("contract"),
            "route": routes.index.to_numpy(dtype=object)[route_pos],
            "period": take("period"),
            "commodity": take("commodity"),
            "origin": take("origin"),
            "destination": take("destination"),
        },
        copy=False,
    )
    n = len(cand)
    supplier = take("supplier") if "supplier" in contract_rows else np.full(n, None, dtype=object)
    return _flow_frame(
        cand,
        routes,
        commodities,
        settings,
        route_pos=route_pos,
        contract_row=contract_rows.index.to_numpy()[pos].astype(np.int64),
        offer=np.full(n, None, dtype=object),
        offer_row=np.full(n, -1, dtype=np.int64),
        need=_need_of(cand, needs),
        supplier=_no_supplier(supplier),
        price=np.full(n, np.nan),
    )


def expand_demand(
    demand_rows: pd.DataFrame, periods: list[str], setting_penalty: float | None
) -> pd.DataFrame:
    """The needs: one row per Demand row and period (destination, commodity, period, volume,
    penalty NaN = must be met, max_days, _row), in period order then sheet order."""
    columns = ["destination", "commodity", "period", "volume", "penalty", "max_days", "_row"]
    if demand_rows.empty:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        for c in ("volume", "penalty", "max_days"):
            frame[c] = frame[c].astype(float)
        return frame
    frame = expand_contracts(
        demand_rows.assign(contract=None), periods, setting_penalty
    )  # the same period and penalty rules as contract rows
    frame["volume"] = frame["volume"].astype(float)
    frame["max_days"] = frame["max_days"].astype(float)
    return frame[columns].reset_index(drop=True)


def expand_offers(offers: pd.DataFrame, periods: list[str]) -> pd.DataFrame:
    """One row per offer and period (offer, supplier, commodity, origin, period, price,
    max_volume NaN = unlimited, min_volume, fixed_cost, destinations, max_days, _row), offers
    in sheet order, each in period order."""
    columns = [
        "offer",
        "supplier",
        "commodity",
        "origin",
        "period",
        "price",
        "max_volume",
        "min_volume",
        "fixed_cost",
        "destinations",
        "max_days",
        "_row",
    ]
    frame = offers.copy()
    if frame.empty:
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        for c in ("price", "max_volume", "min_volume", "fixed_cost", "max_days"):
            out[c] = out[c].astype(float)
        return out
    frame["period"] = [[p] if p is not None else list(periods) for p in frame["period"]]
    frame = frame.explode("period", ignore_index=True)
    first = {o: i for i, o in reversed(list(enumerate(frame["offer"])))}
    order = {p: i for i, p in enumerate(periods)}
    frame["_o"] = frame["offer"].map(first)
    frame["_t"] = frame["period"].map(order)
    frame = frame.sort_values(["_o", "_t"], kind="stable")
    for c in ("price", "max_volume", "min_volume", "fixed_cost", "max_days"):
        frame[c] = frame[c].astype(float)
    frame["price"] = frame["price"].fillna(0.0)
    frame["min_volume"] = frame["min_volume"].fillna(0.0)
    frame["fixed_cost"] = frame["fixed_cost"].fillna(0.0)
    return frame[columns].reset_index(drop=True)


def build_offer_flows(
    offer_rows: pd.DataFrame,
    needs: pd.DataFrame,
    routes: pd.DataFrame,
    commodities: pd.DataFrame,
    allowed: set[tuple[str, str]],
    settings: dict[str, object],
) -> pd.DataFrame:
    """Offer flows: each offer row x each destination it may serve that has a need for its
    commodity in its period (its `destinations`, else every destination with demand for the
    commodity) x each eligible route from its origin there: active, allowing the commodity,
    and no slower than the offer's `max_days` nor the need's. `contract` holds the offer id
    (offer and contract ids differ, so flow keys stay unique)."""
    if offer_rows.empty or needs.empty:
        return _empty_flows()
    left = offer_rows[["offer", "supplier", "commodity", "origin", "period", "price"]].assign(
        offer_row=np.arange(len(offer_rows)),
        offer_days=offer_rows["max_days"].fillna(np.inf).to_numpy(dtype=float),
        listed=offer_rows["destinations"].to_numpy(),
    )
    right = needs[["destination", "commodity", "period", "max_days"]].assign(
        need=np.arange(len(needs)),
        need_days=needs["max_days"].fillna(np.inf).to_numpy(dtype=float),
    )
    cand = left.merge(right.drop(columns="max_days"), on=["commodity", "period"], how="inner")
    listed = cand["listed"].to_numpy()
    has_list = np.fromiter((isinstance(v, tuple) for v in listed), bool, len(listed))
    if has_list.any():
        keep = np.ones(len(cand), dtype=bool)
        for i in np.flatnonzero(has_list):
            keep[i] = cand["destination"].iat[i] in listed[i]
        cand = cand[keep]
    cand = cand.merge(
        routes[["origin", "destination", "days"]].reset_index(names="route"),
        on=["origin", "destination"],
        how="inner",
    )
    pairs = pd.DataFrame(sorted(allowed), columns=["route", "commodity"])
    cand = cand.merge(pairs, on=["route", "commodity"], how="inner")
    limit = np.minimum(cand["offer_days"].to_numpy(), cand["need_days"].to_numpy())
    cand = cand[cand["days"].to_numpy(dtype=float) <= limit + 1e-9]
    cand = cand.sort_values(["offer_row", "route"], kind="stable").reset_index(drop=True)
    if cand.empty:
        return _empty_flows()
    n = len(cand)
    return _flow_frame(
        cand.assign(contract=cand["offer"]),
        routes,
        commodities,
        settings,
        contract_row=np.full(n, -1, dtype=np.int64),
        offer=cand["offer"].to_numpy(dtype=object),
        offer_row=cand["offer_row"].to_numpy(dtype=np.int64),
        need=cand["need"].to_numpy(dtype=np.int64),
        supplier=_no_supplier(cand["supplier"]),
        price=cand["price"].to_numpy(dtype=float),
    )


def _empty_flows() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in FLOW_COLUMNS})
    for c in ("contract_row", "offer_row", "need"):
        frame[c] = frame[c].astype(np.int64)
    for c in (
        "capacity_use",
        "value_per_unit",
        "transport",
        "handling",
        "carbon",
        "carrying",
        "unit_cost",
        "weight",
        "price",
        "days",
    ):
        frame[c] = frame[c].astype(float)
    return frame


def build_capacity(
    inputs_parts: dict[str, pd.DataFrame], overrides: pd.DataFrame, periods: list[str]
) -> pd.DataFrame:
    """Capacity in effect per (type, id, period) before expansions; NaN = unlimited."""
    frames = []
    for kind, frame in inputs_parts.items():
        base = pd.DataFrame(
            {
                "type": kind,
                "id": frame.index,
                "capacity": frame["capacity"].astype(float).to_numpy(),
            }
        )
        frames.append(base.merge(pd.DataFrame({"period": periods}), how="cross"))
    cap = pd.concat(frames, ignore_index=True)
    if len(overrides):
        ov = overrides.rename(columns={"target_type": "type", "target": "id"})
        every = ov[ov["period"].isna()].drop(columns="period")
        one = ov[ov["period"].notna()]
        for part, keys in ((every, ["type", "id"]), (one, ["type", "id", "period"])):
            if len(part):
                cap = cap.merge(
                    part[[*keys, "capacity"]].rename(columns={"capacity": "_new"}),
                    on=keys,
                    how="left",
                    indicator=True,
                )
                hit = cap["_merge"] == "both"
                cap.loc[hit, "capacity"] = cap.loc[hit, "_new"].astype(float)
                cap = cap.drop(columns=["_new", "_merge"])
    return cap


def build_usage(flows: pd.DataFrame, routes: pd.DataFrame, capacity: pd.DataFrame) -> pd.DataFrame:
    """(flow, cap_row, coef): a flow loads every node and leg of its route and the route.

    Ordered by flow, then the route's nodes, legs and the route itself. Joined with integer
    codes: each (route, period) gets its capacity rows once, each flow those of its pair."""
    if flows.empty or capacity.empty:
        return pd.DataFrame(
            {
                "flow": pd.Series(dtype=np.int64),
                "cap_row": pd.Series(dtype=np.int64),
                "coef": pd.Series(dtype=float),
            }
        )
    # members (route, type, id) in order: every route's nodes, every route's legs, the routes
    n_routes = len(routes)
    m_route, m_type, m_id = [], [], []
    for t, column in enumerate(("nodes", "legs")):
        lengths = routes[column].map(len).to_numpy(dtype=np.int64)
        m_route.append(np.repeat(np.arange(n_routes), lengths))
        m_type.append(np.full(int(lengths.sum()), t))
        m_id.append(np.fromiter((i for seq in routes[column] for i in seq), object, lengths.sum()))
    m_route.append(np.arange(n_routes))
    m_type.append(np.full(n_routes, 2))
    m_id.append(routes.index.to_numpy(dtype=object))
    m_route, m_type = np.concatenate(m_route), np.concatenate(m_type)
    types = {"node": 0, "leg": 1, "route": 2}
    c_type = capacity["type"].map(types).to_numpy(dtype=np.int64)
    ids, id_uniques = pd.factorize(np.concatenate([*m_id, capacity["id"].to_numpy(dtype=object)]))
    n_ids = max(len(id_uniques), 1)
    m_key = m_type * n_ids + ids[: len(m_route)]
    c_key = c_type * n_ids + ids[len(m_route) :]
    # member x capacity row with the same (type, id): member order, then capacity order
    m_pos, c_row = validate.join_codes(m_key, c_key)
    periods, period_uniques = pd.factorize(
        np.concatenate(
            [capacity["period"].to_numpy(dtype=object), flows["period"].to_numpy(dtype=object)]
        )
    )
    n_t = max(len(period_uniques), 1)
    pair = m_route[m_pos] * n_t + periods[: len(capacity)][c_row]
    f_route = routes.index.get_indexer(flows["route"].to_numpy(dtype=object))
    f_pair = f_route * n_t + periods[len(capacity) :]
    flow, hit = validate.join_codes(np.where(f_route >= 0, f_pair, -1), pair)
    return pd.DataFrame(
        {
            "flow": flow,
            "cap_row": c_row[hit],
            "coef": flows["capacity_use"].to_numpy()[flow],
        },
        copy=False,  # fresh arrays: no copy into one block
    )


def _first_of_each(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[~frame.index.duplicated()]


def unserved_penalty(flows: pd.DataFrame, routes: pd.DataFrame) -> float:
    """A shortfall penalty per commodity unit above every other cost a unit could incur."""
    landed = (
        flows["unit_cost"] + flows["price"].fillna(0.0) if "price" in flows else flows["unit_cost"]
    )
    per_unit = float(landed.max()) if len(flows) else 0.0
    lump = float(routes["fixed_cost"].sum() + (routes["lot_cost"]).sum())
    return 10.0 * (1.0 + per_unit + lump)


def table_frame(tables: dict[str, Table], name: str, index: str | None = None) -> pd.DataFrame:
    """A typed sheet as a frame: number columns as float (NaN = blank), the rest as objects."""
    spec = INPUT_SHEETS[name]
    if name in tables:
        frame = tables[name].frame.copy()
    else:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in [*spec.column_names, "_row"]})
    for col in spec.columns:
        if col.kind in ("number", "int", "share"):
            frame[col.name] = frame[col.name].astype(float)
    return frame.set_index(index, drop=False).rename_axis(None) if index else frame


# The sheets that define each kind of id (a reference to a kind whose sheet could not be
# read is not judged: the sheet's own error is the one to fix).
ID_SHEETS = (
    ("Periods", "period"),
    ("Commodities", "commodity"),
    ("Nodes", "node"),
    ("Legs", "leg"),
    ("Routes", "route"),
    ("Contracts", "contract"),
)


def prepare(
    tables: dict[str, Table],
    issues: Issues,
    source: str = "",
    sha256: str = "",
    what_if: bool = False,
) -> Inputs:
    """Typed tables -> Inputs: validate across sheets, derive, raise InputError on any error.

    `what_if` (closures and scenarios): a contract left without routes is a warning, not an
    error, every contract may fall short (at its penalty or at `unserved_penalty`), and a
    minimum rule that constrains nothing only warns; the unit-slip and dropped-route
    warnings, said once for the workbook, are not repeated.
    """
    settings = validate.parse_settings(tables.get("Settings"), issues)
    for name, what, column in (
        ("Periods", "period", "period"),
        ("Commodities", "commodity", "commodity"),
        ("Nodes", "node", "node"),
        ("Legs", "leg", "leg"),
        ("Routes", "route", "route"),
        ("Limits", "rule", "rule"),
        ("Expansions", "expansion", "expansion"),
    ):
        if name in tables:
            validate.check_unique(tables[name], column, issues, what)
    periods = list(dict.fromkeys(table_frame(tables, "Periods")["period"])) or [DEFAULT_PERIOD]
    # a repeated id is reported above; its first row stands so the other checks still run
    commodities = _first_of_each(table_frame(tables, "Commodities", "commodity"))
    nodes = _first_of_each(table_frame(tables, "Nodes", "node"))
    legs = _first_of_each(table_frame(tables, "Legs", "leg"))
    routes_all = _first_of_each(table_frame(tables, "Routes", "route"))
    contracts = table_frame(tables, "Contracts")
    limits = table_frame(tables, "Limits")
    expansions = _first_of_each(table_frame(tables, "Expansions", "expansion"))
    overrides = table_frame(tables, "Capacities")
    demand_rows = table_frame(tables, "Demand")
    offers = table_frame(tables, "Offers")
    stocks = table_frame(tables, "Stocks")
    disruptions = _disruptions_frame(tables)
    t = tables.get
    sourcing = t("Demand") is not None and t("Offers") is not None
    needed = {n for n in REQUIRED_SHEETS if n != "Contracts" or not sourcing}
    unread = {  # missing, unreadable, or a needed sheet with no rows: reported on its own
        kind
        for name, kind in ID_SHEETS
        if (t(name) is None and name in needed)
        or (t(name) is not None and not t(name).complete)
        or (name in needed and t(name) is not None and t(name).frame.empty)
    }
    known = {  # ids that parsed (a failed id cell is None and already reported)
        kind: {v for v in values if isinstance(v, str)}
        for kind, values in (
            ("node", nodes.index),
            ("leg", legs.index),
            ("route", routes_all.index),
            ("commodity", commodities.index),
            ("period", periods),
            ("contract", contracts["contract"]),
            ("offer", offers["offer"]),
        )
    }

    for table, column, kind in (
        (t("Legs"), "from", "node"),
        (t("Legs"), "to", "node"),
        (t("Routes"), "legs", "leg"),
        (t("Routes"), "commodities", "commodity"),
        (t("Contracts"), "commodity", "commodity"),
        (t("Contracts"), "origin", "node"),
        (t("Contracts"), "destination", "node"),
        (t("Contracts"), "period", "period"),
        (t("Contracts"), "routes", "route"),
        (t("Capacities"), "period", "period"),
        (t("Expansions"), "first_period", "period"),
        (t("Demand"), "destination", "node"),
        (t("Demand"), "commodity", "commodity"),
        (t("Demand"), "period", "period"),
        (t("Offers"), "commodity", "commodity"),
        (t("Offers"), "origin", "node"),
        (t("Offers"), "period", "period"),
        (t("Offers"), "destinations", "node"),
        (t("Stocks"), "node", "node"),
        (t("Stocks"), "commodity", "commodity"),
    ):
        if table is not None and kind not in unread:
            validate.check_refs(table, column, known[kind], issues, kind)
    label_places = {"country": [], "chokepoint": [], "corridor": [], "supplier": []}
    for table, column, what in (
        (t("Nodes"), "country", "country"),
        (t("Legs"), "countries", "country"),
        (t("Legs"), "chokepoints", "chokepoint"),
        (t("Routes"), "corridor", "corridor"),
        (t("Contracts"), "supplier", "supplier"),
        (t("Offers"), "supplier", "supplier"),
    ):
        if table is not None:
            label_places[what].extend(
                (table, column, v, r)
                for v, r in zip(table.frame[column], table.frame["_row"], strict=True)
            )
    for what, places in label_places.items():
        validate.check_labels(places, issues, what)
    # Rows with broken references are set aside so the checks below still run on the rest,
    # and every error reaches the planner in one pass.
    legs = legs[legs["from"].isin(known["node"]) & legs["to"].isin(known["node"])]
    sound = validate.check_routes(t("Routes"), legs, issues) if t("Routes") is not None else set()
    routes_all = routes_all[routes_all.index.isin(sound)]
    contracts = contracts[
        contracts["commodity"].isin(known["commodity"])
        & contracts["origin"].isin(known["node"])
        & contracts["destination"].isin(known["node"])
        & (contracts["period"].isna() | contracts["period"].isin(known["period"]))
        & contracts["volume"].notna()
    ]
    if t("Contracts") is not None:
        validate.check_contract_rows(t("Contracts"), issues)
    if t("Capacities") is not None:
        validate.check_capacity_rows(t("Capacities"), known, issues, skip=unread)
    for rec in expansions.to_dict("records"):
        if (
            rec["target"] is not None
            and rec["target_type"] is not None
            and rec["target_type"] not in unread
            and rec["target"] not in known[rec["target_type"]]
        ):
            issues.error(
                "Expansions",
                tables["Expansions"].cell("target", rec["_row"]),
                "target",
                rec["target"],
                f"unknown {rec['target_type']}",
                "unknown-ref",
            )
    if t("Limits") is not None:
        # the Limits contract column may name a contract or an offer
        scopes = {**known, "contract": known["contract"] | known["offer"]}
        validate.check_limits(t("Limits"), scopes, issues, skip=unread)
    # sourcing (Demand, Offers, Stocks) and robust plans (Disruptions)
    if t("Demand") is not None:
        validate.check_demand(t("Demand"), issues)
    pairs = validate.demand_pairs(t("Demand"), known)
    if t("Offers") is not None:
        validate.check_offers(t("Offers"), t("Contracts"), pairs, known, issues)
    if t("Stocks") is not None:
        validate.check_stocks(t("Stocks"), pairs, known, issues)
    validate.check_sourcing_sheets(tables, issues)
    if t("Disruptions") is not None:
        parsed = validate.check_disruptions(
            t("Disruptions"), settings, t("Settings"), _closure_ids(tables, known, unread), issues
        )
        if parsed:
            disruptions["kind"] = [k for k, _ in parsed]
            disruptions["id"] = [i for _, i in parsed]
            disruptions["closure"] = [
                f"{k}:{i}" if k is not None else c
                for (k, i), c in zip(parsed, disruptions["closure"], strict=True)
            ]
    for name in ("Commodities", "Nodes", "Legs", "Routes", "Contracts", "Offers"):
        table = t(name)
        if (
            table is None
            or not table.complete
            or not table.frame.empty
            or (name == "Contracts" and sourcing)
            or (name == "Offers" and (not sourcing or len(t("Contracts") or ())))
            or any(e.sheet == table.sheet for e in issues.errors)
        ):
            continue
        also = " and there are no Contracts" if name == "Offers" else ""
        issues.error(
            table.sheet,
            "",
            "",
            None,
            f"the {name} sheet has no rows{also}; there is nothing to plan",
            "empty-sheet",
        )
    if issues.errors and not (len(legs) and len(routes_all) and (len(contracts) or len(offers))):
        issues.raise_if_any(source)

    def derive() -> Inputs:
        active = routes_all[routes_all["active"].astype(bool)]
        routes = route_facts(active, legs, nodes, bool(settings["include_origin_country"]))
        allowed = allowed_pairs(routes, commodities, legs)
        _check_contract_routes(
            tables.get("Contracts"), contracts, routes_all, routes, allowed, issues
        )
        contract_rows = expand_contracts(contracts, periods, settings["shortfall_penalty"])
        needs = expand_demand(demand_rows, periods, settings["shortfall_penalty"])
        offer_rows = expand_offers(offers, periods)
        flows = build_flows(contract_rows, routes, commodities, allowed, settings, needs)
        offer_flows = build_offer_flows(offer_rows, needs, routes, commodities, allowed, settings)
        if len(offer_flows):
            flows = pd.concat([flows, offer_flows], ignore_index=True)
        if what_if:
            unserved = unserved_penalty(flows, routes)
            contract_rows["penalty"] = contract_rows["penalty"].fillna(unserved)
            needs["penalty"] = needs["penalty"].fillna(unserved)
        served = set(flows["contract_row"])
        report = issues.warn if what_if else issues.error
        too_slow = (
            validate.check_contract_max_days(
                tables["Contracts"], contracts, routes, allowed, issues, report
            )
            if "Contracts" in tables
            else set()
        )
        unserved = contract_rows[
            ~contract_rows.index.isin(served) & ~contract_rows["_row"].isin(too_slow)
        ]
        for rec in unserved.to_dict("records"):
            report(
                "Contracts",
                tables["Contracts"].cell("contract", rec["_row"]),
                "contract",
                rec["contract"],
                f"no eligible route from {rec['origin']} to {rec['destination']} for "
                f"{rec['commodity']} in {rec['period']} (check the routes' legs, "
                "commodities, modes and active columns)",
                "no-route",
            )
        if not what_if:  # said once for the workbook, not again for every what-if
            validate.check_unit_slips(
                tables,
                contracts,
                commodities,
                routes,
                {"node": nodes, "leg": legs, "route": routes},
                overrides,
                allowed,
                issues,
            )
            ends = [
                contracts.loc[contracts["routes"].isna(), ["origin", "destination", "commodity"]]
            ]
            if len(offers) and len(demand_rows):
                ends.append(validate.offer_destinations(offers, demand_rows))
            if t("Routes") is not None:
                validate.check_mode_drops(
                    t("Routes"), routes, legs, commodities, pd.concat(ends), issues
                )
            if t("Offers") is not None:
                validate.check_offer_routes(
                    t("Offers"), offers, demand_rows, routes, allowed, issues
                )
            if t("Demand") is not None and len(offers):
                validate.check_demand_max_days(
                    t("Demand"), demand_rows, offers, routes, allowed, issues
                )
        capacity = build_capacity({"node": nodes, "leg": legs, "route": routes}, overrides, periods)
        order = {p: i for i, p in enumerate(periods)}
        expansions_in_effect = expansions.copy()
        expansions_in_effect["first_index"] = [
            order.get(p, 0) if p is not None else 0 for p in expansions["first_period"]
        ]
        capacity = capacity[capacity["capacity"].notna()].reset_index(drop=True)
        usage = build_usage(flows, routes, capacity)
        used = np.unique(usage["cap_row"].to_numpy())  # rows no flow can load need no constraint
        capacity = capacity.loc[used].reset_index(drop=True)
        usage["cap_row"] = np.searchsorted(used, usage["cap_row"].to_numpy())
        if settings["share_basis"] == "value" and len(limits):
            _check_value_basis(tables.get("Limits"), limits, commodities, flows, issues)

        limits_table = tables.get("Limits")
        rule_table = rules.expand_rules(
            flows,
            routes,
            limits,
            settings,
            commodities,
            issues,
            cell_of=(lambda row: limits_table.cell("rule", row))
            if limits_table is not None
            else None,
            strict=not what_if,
        )
        return Inputs(
            settings=settings,
            periods=periods,
            commodities=commodities,
            nodes=nodes,
            legs=legs,
            routes=routes,
            contracts=contracts,
            contract_rows=contract_rows,
            flows=flows,
            capacity=capacity,
            usage=usage,
            limits=limits,
            expansions=expansions_in_effect,
            tables=tables,
            warnings=issues.warnings,
            source=source,
            sha256=sha256,
            rules=rule_table,
            demand_rows=demand_rows,
            offers=offers,
            stocks=stocks,
            disruptions=disruptions,
            needs=needs,
            offer_rows=offer_rows,
        )

    try:
        inputs = derive()
    except Exception:
        # a crash on rows already reported as wrong is their consequence, not a bug to show
        issues.raise_if_any(source)
        raise
    issues.raise_if_any(source)
    return inputs


def _disruptions_frame(tables: dict[str, Table]) -> pd.DataFrame:
    """The Disruptions rows as typed, plus the closure's parsed `kind` and `id`."""
    frame = table_frame(tables, "Disruptions")
    frame["kind"] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    frame["id"] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return frame


def _closure_ids(
    tables: dict[str, Table], known: dict[str, set[str]], unread: set[str]
) -> dict[str, set[str] | None]:
    """The ids each closure kind may name (None where their sheet could not be read)."""
    frames = {name: tables[name].frame for name in ("Nodes", "Legs", "Routes") if name in tables}

    def labels(name: str, column: str) -> set[str]:
        if name not in frames:
            return set()
        values = frames[name][column]
        return {x for v in values if v is not None for x in (v if isinstance(v, tuple) else (v,))}

    countries = labels("Nodes", "country") | labels("Legs", "countries")
    routes = frames.get("Routes")
    corridors = (
        {
            c if c is not None else r
            for r, c in zip(routes["route"], routes["corridor"], strict=True)
        }
        if routes is not None
        else set()
    )
    every_country = None if {"node", "leg"} & unread else countries
    return {
        "country": every_country,
        "transit_country": every_country,
        "origin_country": None if "node" in unread else labels("Nodes", "country"),
        "chokepoint": None if "leg" in unread else labels("Legs", "chokepoints"),
        "corridor": None if "route" in unread else {c for c in corridors if c is not None},
        "node": None if "node" in unread else known["node"],
        "leg": None if "leg" in unread else known["leg"],
        "route": None if "route" in unread else known["route"],
    }


def _check_contract_routes(
    table: Table | None,
    contracts: pd.DataFrame,
    routes_all: pd.DataFrame,
    routes: pd.DataFrame,
    allowed: set[tuple[str, str]],
    issues: Issues,
) -> None:
    """A listed route must join the contract's ends; inactive or disallowed ones are dropped."""
    if table is None:
        return
    for rec in contracts[contracts["routes"].notna()].to_dict("records"):
        for r in rec["routes"] or ():
            if r not in routes_all.index:
                continue
            cell = table.cell("routes", rec["_row"])
            if r not in routes.index:
                issues.warn(
                    "Contracts",
                    cell,
                    "routes",
                    r,
                    f"route {r} is inactive; dropped from contract {rec['contract']}",
                    "route-dropped",
                )
                continue
            ends = (routes.at[r, "origin"], routes.at[r, "destination"])
            if ends != (rec["origin"], rec["destination"]):
                issues.error(
                    "Contracts",
                    cell,
                    "routes",
                    r,
                    f"route {r} runs {ends[0]} -> {ends[1]}, not {rec['origin']} -> "
                    f"{rec['destination']} as contract {rec['contract']} needs",
                    "route-mismatch",
                )
            elif (r, rec["commodity"]) not in allowed:
                issues.warn(
                    "Contracts",
                    cell,
                    "routes",
                    r,
                    f"route {r} does not allow {rec['commodity']}; dropped from "
                    f"contract {rec['contract']}",
                    "route-dropped",
                )


def _check_value_basis(
    table: Table | None,
    limits: pd.DataFrame,
    commodities: pd.DataFrame,
    flows: pd.DataFrame,
    issues: Issues,
) -> None:
    """With share_basis value, commodities in a share rule's scope need value_per_unit > 0."""
    zero = set(commodities.index[commodities["value_per_unit"] <= 0])
    for rec in limits.to_dict("records"):
        if pd.isna(rec["max_share"]) and pd.isna(rec["min_share"]):
            continue
        scope = flows
        for col in ("destination", "commodity", "origin", "contract"):
            if rec[col] not in ("*", "ALL", None):
                scope = scope[scope[col] == rec[col]]
        bad = sorted(set(scope["commodity"]) & zero)
        if bad and table is not None:
            issues.error(
                "Limits",
                table.cell("rule", rec["_row"]),
                "rule",
                rec["rule"],
                f"share_basis is value but commodity {', '.join(bad)} in this rule's "
                "scope has value_per_unit 0; give it a value or use share_basis volume",
                "value-basis",
            )
