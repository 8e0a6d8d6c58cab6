"""Synthetic, feasible corridor instances for tests and benchmarks.

``generate_frames`` builds one DataFrame per input sheet of the workbook spec (``Settings``,
``Periods``, ``Commodities``, ``Nodes``, ``Legs``, ``Routes``, ``Contracts``) with the spec's
column names; ``write_workbook`` writes them to an ``.xlsx``; ``corridor generate OUT.xlsx``
(or ``python -m corridor.generate OUT.xlsx``) does both from the command line.

The network
-----------
Mines (``MINE0001``...) lie in one or two source countries (``SRC1``, ``SRC2``); terminals
(``TERM0001``...) in up to three market countries (``MKT1``..``MKT3``). Between them run
``families`` corridor families (``Northern``, ``Middle``, ``Southern``, ``Arctic``...), each
with its own four transit countries (``NOR1``..``NOR4`` for ``Northern``), three border
crossings (country ``NOR1``), and three ports (country ``NOR2``). Every route has three legs::

    mine --rail/road--> border crossing --rail--> port --sea/ferry--> terminal

Some rail legs also cross ``NOR3``, some sea legs a strait in ``NOR4`` (tagged with the
family's chokepoint), so a route has two to four transit countries, all from its family; the
route's ``corridor`` is the family name. Border crossings and ports are shared by every
route of their family, legs by every route that uses them.

Sizes
-----
``routes`` is the exact number of routes. They are split over
``round(routes / routes_per_pair)`` origin-destination pairs (about 12 routes each, never
fewer than 3), assigned to the families round-robin, so every pair is served by
``min(families, routes in the pair) >= 3`` families with pairwise disjoint transit countries.
Without ``contracts`` there is one contract per pair and commodity, covering every period
(some with a volume per period), so the flow variable count (contracts x eligible routes x
periods) is exactly ``routes * commodities * periods``. With ``contracts`` set, that many
contracts are spread over the (pair, commodity) combinations (several contracts may share
one), and the count is ``sum over contracts of (routes of its pair) * periods``.
``SIZES`` gives about 1k (small), 50k (medium) and 1M (large) flow variables.

Feasibility
-----------
The plan that splits every contract equally over the families of its pair, and within a
family equally over its routes, puts at most ``1 / 3`` of any scope's flow through any one
transit country. Capacities are set from that plan's load: each capacitated node, leg or route
gets 1.5 to 3 times its largest per-period load (rounded up), so that plan is feasible for
any ``cap >= 1/3`` (the default is 0.5) while an optimal plan, which crowds the cheap
families, meets some capacities. ``min_volume`` (with ``fixed_costs``) is at most half the
route's smallest per-period load in that plan; lots never cut feasibility. Every route allows
every commodity (commodity ``modes`` are blank or list every mode used).

Sourcing
--------
``offers`` (``corridor generate --offers``) makes about half of the (origin-destination pair,
commodity) combinations that have a contract *sourced*: their destination needs an extra
volume each period beyond the contracts (a ``Demand`` row per destination, commodity and
period: the contracts into it plus the extra), and two offers at the pair's origin, listed
for that destination, can fill it: offer A (cheaper, a ``max_volume`` of 1.2 to 2 times 60 %
of the extra) and offer B (dearer, a ``max_volume`` of 2 to 4 times 40 % of the extra, half
of the time a ``min_volume`` of at most half of 40 % of the extra, half of the time a
``fixed_cost``). Suppliers are drawn from a small pool, so
a supplier often sells several offers. About 30 % of the sourced combinations (at least
one) hold a stock at the destination (initial level half the first period's extra, a floor
of a quarter, half of them soft at a penalty), and half of the Demand rows may go unmet at
3 x value_per_unit.
The reference plan buys 60 % of each extra from A and 40 % from B, sends it like the
contracts (equal split over the pair's families, hence still at most 1/3 through any transit
country), leaves every stock untouched, and its loads are counted when capacities are set:
the instance stays feasible. The offers draw from their own random stream; without
``offers`` the instance is the same as before.

Determinism: the same arguments give the same frames; ``fixed_costs``, ``lots`` and
``offers`` draw from their own random streams, so switching them on does not change the
rest of the instance (``offers`` adds load, so capacities are then set higher).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "SHEETS",
    "SIZES",
    "add_arguments",
    "flow_variable_count",
    "generate_frames",
    "main",
    "run_generate",
    "write_workbook",
]

SHEETS = ("Settings", "Periods", "Commodities", "Nodes", "Legs", "Routes", "Contracts")

# Flow variables = routes * commodities * periods (without an explicit ``contracts``).
SIZES: dict[str, dict[str, int]] = {
    "small": dict(routes=64, commodities=4, periods=4),  # 1,024
    "medium": dict(routes=2_500, commodities=5, periods=4),  # 50,000
    "large": dict(routes=25_000, commodities=5, periods=8),  # 1,000,000
}

_BORDERS = 3  # border crossings per family
_PORTS = 3  # ports per family
_FAMILY_NAMES = (
    "Northern",
    "Middle",
    "Southern",
    "Arctic",
    "Eastern",
    "Western",
    "Central",
    "Coastal",
)
_CHOKEPOINTS = (
    "Bosporus",
    "Suez",
    "Hormuz",
    "Malacca",
    "Gibraltar",
    "Danish Straits",
    "Panama",
    "Dover",
)
_ALL_MODES = "rail, road, sea, ferry"
# commodity, unit, value_per_unit, capacity_use, cost_factor, modes
_COMMODITIES = (
    ("coal", "t", 110.0, 1.0, 1.0, None),
    ("grain", "t", 240.0, 1.0, 1.0, None),
    ("crude", "bbl", 75.0, 0.137, 1.0, None),
    ("copper", "t", 2200.0, 1.0, 1.1, None),
    ("uranium", "tU", 150_000.0, 1.6, 3.0, _ALL_MODES),
    ("fertiliser", "t", 380.0, 1.0, 1.2, None),
)
# mode: (cost per t-km, km per day, t CO2 per t-km)
_MODES = {
    "rail": (0.035, 450.0, 22e-6),
    "road": (0.075, 600.0, 62e-6),
    "sea": (0.006, 600.0, 8e-6),
    "ferry": (0.015, 350.0, 20e-6),
}


# --------------------------------------------------------------------------- helpers


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    """``prefix0001``... as an object array of Python strings (1-based)."""
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def _ceil_nice(x: np.ndarray) -> np.ndarray:
    """Round positive values up to three significant digits (never down)."""
    x = np.asarray(x, dtype=float)
    out = np.full_like(x, np.nan)
    pos = x > 0
    mag = 10.0 ** (np.floor(np.log10(x[pos])) - 2)
    out[pos] = np.ceil(x[pos] / mag) * mag
    return out


def _km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Equirectangular distance in km (good enough for synthetic costs)."""
    mid = np.radians((lat1 + lat2) / 2)
    dx = (lon2 - lon1) * np.cos(mid)
    dy = lat2 - lat1
    return 111.2 * np.hypot(dx, dy)


def _row_sums(idx: np.ndarray, vals: np.ndarray, n: int) -> np.ndarray:
    """Sum the rows of ``vals`` (m x T) into ``n`` groups given by ``idx``."""
    return np.stack([np.bincount(idx, vals[:, t], minlength=n) for t in range(vals.shape[1])], 1)


def _family_code(f: int) -> str:
    return _FAMILY_NAMES[f][:3].upper() if f < len(_FAMILY_NAMES) else f"F{f + 1:02d}"


def _family_name(f: int) -> str:
    return _FAMILY_NAMES[f] if f < len(_FAMILY_NAMES) else f"Corridor{f + 1}"


# --------------------------------------------------------------------------- generator


def generate_frames(
    routes: int = 50,
    commodities: int = 3,
    periods: int = 4,
    seed: int = 0,
    *,
    contracts: int | None = None,
    fixed_costs: bool = False,
    lots: bool = False,
    cap: float | None = 0.5,
    families: int = 4,
    routes_per_pair: int = 12,
    offers: bool = False,
) -> dict[str, pd.DataFrame]:
    """Return a feasible synthetic instance as ``{sheet name: DataFrame}``.

    ``routes`` routes (exact), ``commodities`` commodities, ``periods`` periods (``P1``..);
    ``contracts`` contracts (default: one per origin-destination pair and commodity, giving
    ``routes * commodities * periods`` flow variables). ``fixed_costs`` gives about a quarter
    of the routes a ``fixed_cost`` and a tenth a ``min_volume``; ``lots`` gives about 15 % a
    ``lot_size`` and ``lot_cost``. ``cap`` is written as ``default_max_transit_share`` (None
    writes no cap); the instance is feasible for any cap >= 1/3. ``families`` (>= 3) corridor
    families with disjoint transit countries; about ``routes_per_pair`` routes per pair.
    ``offers`` adds a sourcing instance (Demand, Offers, Stocks; see "Sourcing" in the
    module docstring). See the module docstring for the structure.
    """
    if routes < 3:
        raise ValueError("routes must be at least 3 (three corridor families per pair)")
    if commodities < 1 or periods < 1:
        raise ValueError("commodities and periods must be at least 1")
    if families < 3:
        raise ValueError("families must be at least 3 so that a 50% cap can be met")
    combos = _BORDERS * _PORTS
    if not 3 <= routes_per_pair <= families * combos:
        raise ValueError(f"routes_per_pair must be between 3 and {families * combos}")
    if contracts is not None and contracts < 1:
        raise ValueError("contracts must be at least 1")
    if cap is not None and not 0 < cap <= 1:
        raise ValueError("cap must be a share in (0, 1]")

    base_seq, fixed_seq, lots_seq, offers_seq = np.random.SeedSequence(seed).spawn(4)
    rng = np.random.default_rng(base_seq)
    F, T, K, R = families, periods, commodities, routes

    # ---- origin-destination pairs and routes
    n_pairs = max(1, round(R / routes_per_pair))
    n_pairs = max(min(n_pairs, R // 3), math.ceil(R / (F * combos)))
    per_pair = np.full(n_pairs, R // n_pairs)
    per_pair[: R % n_pairs] += 1
    n_orig = math.ceil(math.sqrt(n_pairs))
    n_dest = math.ceil(n_pairs / n_orig)
    m = np.arange(n_pairs)
    pair_o = m % n_orig
    pair_d = (pair_o + m // n_orig) % n_dest  # unique pairs, every mine and terminal used

    r_pair = np.repeat(np.arange(n_pairs), per_pair)
    rank_in_pair = np.arange(R) - np.repeat(np.cumsum(per_pair) - per_pair, per_pair)
    fam_offset = rng.integers(0, F, n_pairs)
    r_fam = (fam_offset[r_pair] + rank_in_pair) % F
    rank_in_fam = rank_in_pair // F
    combo_perm = rng.random((n_pairs, F, combos)).argsort(axis=2)
    combo = combo_perm[r_pair, r_fam, rank_in_fam]
    r_border = r_fam * _BORDERS + combo // _PORTS  # 0 .. F*_BORDERS-1
    r_port = r_fam * _PORTS + combo % _PORTS  # 0 .. F*_PORTS-1
    r_orig = pair_o[r_pair]
    r_dest = pair_d[r_pair]

    # ---- nodes (global index: mines, borders, ports, terminals)
    nb, npt = F * _BORDERS, F * _PORTS
    b0, p0, d0 = n_orig, n_orig + nb, n_orig + nb + npt
    n_nodes = d0 + n_dest
    band = np.linspace(57.0, 33.0, F) if F > 1 else np.array([45.0])
    b_fam = np.repeat(np.arange(F), _BORDERS)
    p_fam = np.repeat(np.arange(F), _PORTS)
    lat = np.concatenate(
        [
            rng.uniform(40, 52, n_orig),
            band[b_fam] + rng.uniform(-2, 2, nb),
            band[p_fam] + rng.uniform(-2, 2, npt),
            rng.uniform(36, 56, n_dest),
        ]
    )
    lon = np.concatenate(
        [
            rng.uniform(62, 80, n_orig),
            rng.uniform(52, 58, nb),
            rng.uniform(36, 44, npt),
            rng.uniform(-5, 28, n_dest),
        ]
    )
    n_src, n_mkt = min(2, n_orig), min(3, n_dest)
    codes = [_family_code(f) for f in range(F)]
    country = np.concatenate(
        [
            np.array([f"SRC{1 + i % n_src}" for i in range(n_orig)], dtype=object),
            np.array([f"{codes[f]}1" for f in b_fam], dtype=object),
            np.array([f"{codes[f]}2" for f in p_fam], dtype=object),
            np.array([f"MKT{1 + i % n_mkt}" for i in range(n_dest)], dtype=object),
        ]
    )
    local = np.tile(np.arange(1, _BORDERS + 1), F)
    local_p = np.tile(np.arange(1, _PORTS + 1), F)
    node_id = np.concatenate(
        [
            _ids("MINE", n_orig, 4),
            np.array([f"BX-{codes[f]}-{j}" for f, j in zip(b_fam, local, strict=True)], object),
            np.array([f"PT-{codes[f]}-{j}" for f, j in zip(p_fam, local_p, strict=True)], object),
            _ids("TERM", n_dest, 4),
        ]
    )
    node_name = np.concatenate(
        [
            np.array([f"Mine {i}" for i in range(1, n_orig + 1)], dtype=object),
            np.array([f"{_family_name(f)} border {j}" for f, j in zip(b_fam, local, strict=True)]),
            np.array([f"{_family_name(f)} port {j}" for f, j in zip(p_fam, local_p, strict=True)]),
            np.array([f"Terminal {i}" for i in range(1, n_dest + 1)], dtype=object),
        ]
    ).astype(object)
    kind = np.repeat(
        np.array(["mine", "border", "port", "terminal"], dtype=object), [n_orig, nb, npt, n_dest]
    )
    handling = np.round(
        np.concatenate(
            [
                rng.uniform(1, 3, n_orig),
                rng.uniform(2, 6, nb),
                rng.uniform(4, 10, npt),
                rng.uniform(2, 5, n_dest),
            ]
        ),
        2,
    )

    # ---- legs: mine->border, border->port, port->terminal (only the ones routes use)
    g_orig = r_orig
    g_border = b0 + r_border
    g_port = p0 + r_port
    g_dest = d0 + r_dest
    key1, inv1 = np.unique(g_orig * n_nodes + g_border, return_inverse=True)
    key2, inv2 = np.unique(g_border * n_nodes + g_port, return_inverse=True)
    key3, inv3 = np.unique(g_port * n_nodes + g_dest, return_inverse=True)
    n1, n2, n3 = len(key1), len(key2), len(key3)
    n_legs = n1 + n2 + n3
    leg_from = np.concatenate([key1, key2, key3]) // n_nodes
    leg_to = np.concatenate([key1, key2, key3]) % n_nodes
    fam_factor = rng.uniform(0.8, 1.25, F)
    leg_fam = np.concatenate(
        [
            (leg_to[:n1] - b0) // _BORDERS,
            (leg_from[n1 : n1 + n2] - b0) // _BORDERS,
            (leg_from[n1 + n2 :] - p0) // _PORTS,
        ]
    )
    ferry_port = rng.random(npt) < 0.25
    strait_port = rng.random(npt) < 0.6
    mode = np.empty(n_legs, dtype=object)
    mode[:n1] = np.where(rng.random(n1) < 0.2, "road", "rail")
    mode[n1 : n1 + n2] = "rail"
    mode[n1 + n2 :] = np.where(ferry_port[leg_from[n1 + n2 :] - p0], "ferry", "sea")
    rate = np.array([_MODES[x][0] for x in _MODES])
    speed = np.array([_MODES[x][1] for x in _MODES])
    emis = np.array([_MODES[x][2] for x in _MODES])
    mode_idx = pd.Index(list(_MODES)).get_indexer(mode)
    km = _km(lat[leg_from], lon[leg_from], lat[leg_to], lon[leg_to]) * rng.uniform(1.1, 1.4, n_legs)
    leg_cost = np.round(
        km * rate[mode_idx] * fam_factor[leg_fam] * rng.uniform(0.85, 1.15, n_legs), 2
    )
    leg_days = np.round(km / speed[mode_idx] + rng.uniform(0.2, 2.0, n_legs), 1)
    leg_co2 = np.round(km * emis[mode_idx], 4)
    leg_countries = np.full(n_legs, None, dtype=object)
    leg_choke = np.full(n_legs, None, dtype=object)
    crosses = np.zeros(n_legs, dtype=bool)
    crosses[n1 : n1 + n2] = rng.random(n2) < 0.5
    fam_c3 = np.array([f"{c}3" for c in codes], dtype=object)
    fam_c4 = np.array([f"{c}4" for c in codes], dtype=object)
    leg_countries[crosses] = fam_c3[leg_fam[crosses]]
    strait = np.zeros(n_legs, dtype=bool)
    strait[n1 + n2 :] = strait_port[leg_from[n1 + n2 :] - p0]
    leg_countries[strait] = fam_c4[leg_fam[strait]]
    chokes = np.array([_CHOKEPOINTS[f % len(_CHOKEPOINTS)] for f in range(F)], dtype=object)
    leg_choke[strait] = chokes[leg_fam[strait]]
    leg_id = _ids("L", n_legs, len(str(n_legs)) + 1)
    r_leg1, r_leg2, r_leg3 = inv1.ravel(), n1 + inv2.ravel(), n1 + n2 + inv3.ravel()

    # ---- commodities
    com_rows = [
        _COMMODITIES[k] if k < len(_COMMODITIES) else (f"K{k + 1}", "t", 500.0, 1.0, 1.0, None)
        for k in range(K)
    ]
    cu = np.array([row[3] for row in com_rows])

    # ---- contracts: (pair, commodity) combinations
    if contracts is None:
        n_c = n_pairs * K
        c_combo = np.arange(n_c)
    else:
        n_c = contracts
        c_combo = rng.permutation(n_pairs * K)[np.arange(n_c) % (n_pairs * K)]
    c_pair, c_com = c_combo // K, c_combo % K
    vol_cu = rng.lognormal(np.log(20_000.0), 0.6, n_c)
    varies = (rng.random(n_c) < 0.3) if T > 1 else np.zeros(n_c, dtype=bool)
    swing = np.where(varies[:, None], rng.uniform(0.7, 1.3, (n_c, T)), 1.0)
    vol = np.maximum(100.0, np.round(vol_cu[:, None] * swing / cu[c_com][:, None], -2))  # units
    load_ct = vol * cu[c_com][:, None]  # capacity units, contracts x periods

    # ---- sourcing: extra demand at some (pair, commodity) combinations, met by two offers
    src = (
        _sourcing(np.random.default_rng(offers_seq), c_pair, c_com, n_pairs, K, T, cu)
        if offers
        else None
    )

    # ---- reference plan: equal split over families, then over the family's routes
    pair_load = _row_sums(c_pair, load_ct, n_pairs)
    if src is not None:  # the offers' volume travels like the contracts' in the reference plan
        pair_load += _row_sums(src["pair"], src["extra"] * cu[src["com"]][:, None], n_pairs)
    fam_routes = np.bincount(r_pair * F + r_fam, minlength=n_pairs * F)
    fams_in_pair = (fam_routes.reshape(n_pairs, F) > 0).sum(axis=1)
    share = 1.0 / (fams_in_pair[r_pair] * fam_routes[r_pair * F + r_fam])
    route_load = share[:, None] * pair_load[r_pair]
    node_load = _row_sums(
        np.concatenate([g_orig, g_border, g_port, g_dest]), np.tile(route_load, (4, 1)), n_nodes
    ).max(axis=1)
    leg_load = _row_sums(
        np.concatenate([r_leg1, r_leg2, r_leg3]), np.tile(route_load, (3, 1)), n_legs
    ).max(axis=1)

    node_capped = np.concatenate(
        [rng.random(n_orig) < 0.5, np.ones(nb + npt, dtype=bool), rng.random(n_dest) < 0.5]
    )
    node_cap = np.where(node_capped, _ceil_nice(node_load * rng.uniform(1.5, 3.0, n_nodes)), np.nan)
    leg_p = np.concatenate([np.full(n1, 0.6), np.full(n2, 0.8), np.full(n3, 0.3)])
    leg_cap = np.where(
        rng.random(n_legs) < leg_p, _ceil_nice(leg_load * rng.uniform(1.5, 3.0, n_legs)), np.nan
    )
    route_max = route_load.max(axis=1)
    route_cap = np.where(
        rng.random(R) < 0.1, _ceil_nice(route_max * rng.uniform(1.5, 3.0, R)), np.nan
    )

    # ---- drop nodes that no leg uses (possible for small instances)
    used = np.zeros(n_nodes, dtype=bool)
    used[leg_from] = True
    used[leg_to] = True

    # ---- frames
    settings = [("currency", "USD")]
    if cap is not None:
        settings.append(("default_max_transit_share", float(cap)))
    settings += [("share_basis", "volume"), ("carrying_cost_rate", 0.08), ("carbon_price", 40.0)]
    period_ids = [f"P{t}" for t in range(1, T + 1)]
    frames: dict[str, pd.DataFrame] = {
        "Settings": pd.DataFrame(
            {
                "setting": [s for s, _ in settings],
                "value": pd.Series([v for _, v in settings], dtype=object),
            }
        ),
        "Periods": pd.DataFrame({"period": period_ids, "days": [round(365 / T)] * T}),
        "Commodities": pd.DataFrame(
            com_rows,
            columns=["commodity", "unit", "value_per_unit", "capacity_use", "cost_factor", "modes"],
        ),
    }
    keep = np.flatnonzero(used)
    frames["Nodes"] = pd.DataFrame(
        {
            "node": node_id[keep],
            "country": country[keep],
            "name": node_name[keep],
            "kind": kind[keep],
            "capacity": node_cap[keep],
            "handling_cost": handling[keep],
            "latitude": np.round(lat[keep], 4),
            "longitude": np.round(lon[keep], 4),
        }
    )
    frames["Legs"] = pd.DataFrame(
        {
            "leg": leg_id,
            "from": node_id[leg_from],
            "to": node_id[leg_to],
            "mode": mode,
            "cost": leg_cost,
            "days": leg_days,
            "capacity": leg_cap,
            "countries": leg_countries,
            "chokepoints": leg_choke,
            "co2": leg_co2,
        }
    )
    fam_names = np.array([_family_name(f) for f in range(F)], dtype=object)
    route_cols: dict[str, object] = {
        "route": _ids("R", R, len(str(R)) + 1),
        "legs": leg_id[r_leg1] + " > " + leg_id[r_leg2] + " > " + leg_id[r_leg3],
        "corridor": fam_names[r_fam],
        "capacity": route_cap,
    }
    if fixed_costs:
        rf = np.random.default_rng(fixed_seq)
        has_fixed = rf.random(R) < 0.25
        horizon = route_load.sum(axis=1)
        route_cols["fixed_cost"] = np.where(
            has_fixed, _ceil_nice(horizon * rf.uniform(1.0, 5.0, R)), np.nan
        )
        has_min = rf.random(R) < 0.1
        min_vol = np.floor(0.5 * route_load.min(axis=1) / 100.0) * 100.0
        route_cols["min_volume"] = np.where(has_min & (min_vol > 0), min_vol, np.nan)
    if lots:
        rl = np.random.default_rng(lots_seq)
        has_lot = rl.random(R) < 0.15
        size = rl.choice(np.array([1500.0, 3000.0, 4500.0, 6000.0]), R)
        route_cols["lot_size"] = np.where(has_lot, size, np.nan)
        route_cols["lot_cost"] = np.where(
            has_lot, np.round(size * rl.uniform(0.5, 2.0, R), -1), np.nan
        )
    frames["Routes"] = pd.DataFrame(route_cols)

    # contract rows: one blank-period row, or one row per period when the volume varies
    c_ids = _ids("C", n_c, max(5, len(str(n_c)) + 1))
    flat = np.flatnonzero(~varies)
    vary = np.flatnonzero(varies)
    row_c = np.concatenate([flat, np.repeat(vary, T)])
    row_t = np.concatenate([np.full(len(flat), -1), np.tile(np.arange(T), len(vary))])
    order = np.lexsort((row_t, row_c))
    row_c, row_t = row_c[order], row_t[order]
    row_vol = vol[row_c, np.maximum(row_t, 0)]
    period_arr = np.array([None, *period_ids], dtype=object)
    com_ids = np.array([row[0] for row in com_rows], dtype=object)
    frames["Contracts"] = pd.DataFrame(
        {
            "contract": c_ids[row_c],
            "commodity": com_ids[c_com[row_c]],
            "origin": node_id[pair_o[c_pair[row_c]]],
            "destination": node_id[d0 + pair_d[c_pair[row_c]]],
            "volume": row_vol,
            "period": period_arr[row_t + 1],
        }
    )
    if src is not None:
        frames.update(
            _sourcing_frames(
                src, vol, c_pair, c_com, node_id, pair_o, d0 + pair_d, com_rows, period_ids
            )
        )
    return frames


def _sourcing(
    rng: np.random.Generator,
    c_pair: np.ndarray,
    c_com: np.ndarray,
    n_pairs: int,
    K: int,
    T: int,
    cu: np.ndarray,
) -> dict[str, np.ndarray]:
    """The sourced (pair, commodity) combinations: about half of those with a contract, each
    with an extra volume per period that two offers fill in the reference plan (60 % and
    40 %), and the offers' terms, drawn so that plan keeps every offer's bounds."""
    combos = np.unique(c_pair * K + c_com)
    chosen = combos[rng.random(len(combos)) < 0.5]
    if len(chosen) == 0:
        chosen = combos[:1]
    n = len(chosen)
    extra_cu = rng.lognormal(np.log(8_000.0), 0.5, n)
    com = chosen % K
    swing = rng.uniform(0.8, 1.2, (n, T))
    extra = np.maximum(100.0, np.round(extra_cu[:, None] * swing / cu[com][:, None], -2))
    first, second = 0.6 * extra, 0.4 * extra  # the reference plan's split
    return {
        "pair": chosen // K,
        "com": com,
        "extra": extra,
        # offer A: cheaper, capped at 1.2 to 2 times its part of the plan
        "max_a": np.ceil(first.max(axis=1) * rng.uniform(1.2, 2.0, n) / 100.0) * 100.0,
        "price_a": rng.uniform(0.55, 0.75, n),
        # offer B: dearer, capped at 2 to 4 times its part, with a minimum (at most half its
        # part) and a fixed cost half of the time each
        "max_b": np.ceil(second.max(axis=1) * rng.uniform(2.0, 4.0, n) / 100.0) * 100.0,
        "min_b": np.where(
            rng.random(n) < 0.5, np.floor(0.5 * second.min(axis=1) / 100.0) * 100.0, 0.0
        ),
        "fixed_b": rng.random(n) < 0.5,
        "price_b": rng.uniform(0.7, 0.95, n),
        "stock": (rng.random(n) < 0.3) | (np.arange(n) == 0),  # at least one stock
        "soft": rng.random(n) < 0.5,
        "supplier_a": rng.integers(1, 1 + max(3, n // 4), n),
        "supplier_b": rng.integers(1, 1 + max(3, n // 4), n),
    }


def _sourcing_frames(
    src: dict[str, np.ndarray],
    vol: np.ndarray,
    c_pair: np.ndarray,
    c_com: np.ndarray,
    node_id: np.ndarray,
    pair_o: np.ndarray,
    pair_dest: np.ndarray,
    com_rows: list[tuple],
    period_ids: list[str],
) -> dict[str, pd.DataFrame]:
    """Demand, Offers and Stocks sheets of a sourcing instance (see `_sourcing`)."""
    T = len(period_ids)
    com_ids = np.array([row[0] for row in com_rows], dtype=object)
    value = np.array([row[2] for row in com_rows])
    # Demand per (destination, commodity, period): contracts into it plus the sourced extra
    dest_c, dest_s = pair_dest[c_pair], pair_dest[src["pair"]]
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "d": np.repeat(dest_c, T),
                    "k": np.repeat(c_com, T),
                    "t": np.tile(np.arange(T), len(c_com)),
                    "v": vol.ravel(),
                }
            ),
            pd.DataFrame(
                {
                    "d": np.repeat(dest_s, T),
                    "k": np.repeat(src["com"], T),
                    "t": np.tile(np.arange(T), len(dest_s)),
                    "v": src["extra"].ravel(),
                }
            ),
        ]
    )
    sourced = set(zip(dest_s.tolist(), src["com"].tolist(), strict=True))
    frame = frame[[(d, k) in sourced for d, k in zip(frame["d"], frame["k"], strict=True)]]
    need = frame.groupby(["d", "k", "t"], sort=True)["v"].sum().reset_index()
    soft = {
        (d, k): bool(s)
        for d, k, s in zip(dest_s.tolist(), src["com"].tolist(), src["soft"], strict=True)
    }
    demand = pd.DataFrame(
        {
            "destination": node_id[need["d"].to_numpy()],
            "commodity": com_ids[need["k"].to_numpy()],
            "period": np.array(period_ids, dtype=object)[need["t"].to_numpy()],
            "volume": need["v"].to_numpy(),
            "shortfall_penalty": [
                3.0 * value[k] if soft[(d, k)] else None
                for d, k in zip(need["d"], need["k"], strict=True)
            ],
        }
    )
    n = len(src["pair"])
    ids = _ids("OF", 2 * n, max(4, len(str(2 * n)) + 1))
    origin = node_id[pair_o[src["pair"]]]
    dest = node_id[dest_s]
    k = src["com"]
    offers = pd.DataFrame(
        {
            "supplier": np.concatenate(
                [
                    np.array([f"SUP{i:03d}" for i in src["supplier_a"]], dtype=object),
                    np.array([f"SUP{i:03d}" for i in src["supplier_b"]], dtype=object),
                ]
            ),
            "commodity": np.concatenate([com_ids[k], com_ids[k]]),
            "origin": np.concatenate([origin, origin]),
            "price": np.round(
                np.concatenate([src["price_a"], src["price_b"]]) * value[np.r_[k, k]], 2
            ),
            "max_volume": np.concatenate([src["max_a"], src["max_b"]]),
            "min_volume": np.concatenate([np.zeros(n), src["min_b"]]),
            "fixed_cost": np.concatenate(
                [
                    np.zeros(n),
                    np.where(
                        src["fixed_b"], _ceil_nice(0.02 * src["extra"].sum(axis=1) * value[k]), 0.0
                    ),
                ]
            ),
            "destinations": np.concatenate([dest, dest]),
        }
    )
    order = np.argsort(np.r_[np.arange(n) * 2, np.arange(n) * 2 + 1], kind="stable")
    offers = offers.iloc[order].reset_index(drop=True)  # each combination's two offers together
    offers.insert(0, "offer", ids)
    held = np.flatnonzero(src["stock"])
    stock_keys = pd.DataFrame({"d": dest_s[held], "k": k[held], "x": src["extra"][held, 0]})
    stock_keys = stock_keys.drop_duplicates(["d", "k"])
    x = stock_keys["x"].to_numpy()
    stocks = pd.DataFrame(
        {
            "node": node_id[stock_keys["d"].to_numpy()],
            "commodity": com_ids[stock_keys["k"].to_numpy()],
            "initial": np.round(0.5 * x, -1),
            "min_level": np.round(0.25 * x, -1),
            "max_level": np.round(2.0 * x, -1),
            "holding_cost": np.round(0.01 * value[stock_keys["k"].to_numpy()], 2),
            "penalty": np.where(
                np.arange(len(x)) % 2 == 0,
                np.round(0.5 * value[stock_keys["k"].to_numpy()], 2),
                np.nan,
            ),
        }
    )
    return {"Demand": demand, "Offers": offers, "Stocks": stocks}


# --------------------------------------------------------------------------- counting


def _norm(name: object) -> str:
    return str(name).strip().lower().replace(" ", "_")


def _sheet(frames: dict[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
    for key, df in frames.items():
        if _norm(key) == name:
            return df.rename(columns=_norm)
    return None


def _is_blank(s: pd.Series) -> pd.Series:
    return s.isna() | (s.astype(str).str.strip() == "")


def flow_variable_count(frames: dict[str, pd.DataFrame]) -> int:
    """Flow variables of an instance: sum over contracts of eligible routes x periods, plus,
    for offers that list their destinations, the routes from the offer's origin to each of
    them x the offer's periods.

    A route is counted as eligible when it is active and joins the contract's origin and
    destination (the generator lets every route carry every commodity); a contract's
    ``routes`` list, when given, caps the count at the list's length. (An offer destination
    without a Demand row in some period would count too much; the generator writes none.)
    """
    legs = _sheet(frames, "legs")
    routes = _sheet(frames, "routes")
    contracts = _sheet(frames, "contracts")
    periods = _sheet(frames, "periods")
    n_periods = len(periods) if periods is not None else 1
    leg_ids = legs["leg"].astype(str).str.strip()
    leg_from = pd.Series(legs["from"].astype(str).str.strip().to_numpy(), index=leg_ids)
    leg_to = pd.Series(legs["to"].astype(str).str.strip().to_numpy(), index=leg_ids)
    if "active" in routes:
        act = routes["active"]
        off = act.astype(str).str.strip().str.lower().isin(["no", "false", "0", "0.0", "n"])
        routes = routes[~(off & act.notna())]
    parts = routes["legs"].astype(str).str.split(">")
    first = parts.str[0].str.strip()
    last = parts.str[-1].str.strip()
    od = pd.DataFrame(
        {"origin": first.map(leg_from).to_numpy(), "destination": last.map(leg_to).to_numpy()}
    )
    per_od = od.groupby(["origin", "destination"]).size().rename("n_routes").reset_index()

    c = contracts.copy()
    for col in ("contract", "origin", "destination"):
        c[col] = c[col].astype(str).str.strip()
    if "period" in c:
        c["_blank"] = _is_blank(c["period"]).to_numpy()
        c["_p"] = c["period"].astype(str).str.strip().where(~c["_blank"])
    else:
        c["_blank"], c["_p"] = True, np.nan
    g = c.groupby("contract", sort=False)
    info = g[["origin", "destination"]].first()
    info["n_periods"] = np.where(g["_blank"].any(), n_periods, g["_p"].nunique())
    info = info.reset_index().merge(per_od, on=["origin", "destination"], how="left")
    n_routes = info["n_routes"].fillna(0).to_numpy()
    if "routes" in c:
        listed = g["routes"].first().reindex(info["contract"]).to_numpy()
        has = pd.notna(listed) & (pd.Series(listed).astype(str).str.strip() != "").to_numpy()
        n_list = pd.Series(listed).astype(str).str.split(",").str.len().to_numpy()
        n_routes = np.where(has, np.minimum(n_routes, n_list), n_routes)
    total = int((n_routes * info["n_periods"].to_numpy()).sum())
    offers = _sheet(frames, "offers")
    if offers is not None and len(offers) and "destinations" in offers:
        o = offers.copy()
        o["origin"] = o["origin"].astype(str).str.strip()
        o["destination"] = o["destinations"].astype(str).str.split(",")
        o = o.explode("destination")
        o["destination"] = o["destination"].str.strip()
        blank = _is_blank(o["period"]) if "period" in o else pd.Series(True, index=o.index)
        o["n_periods"] = np.where(blank, n_periods, 1)
        o = o.merge(per_od, on=["origin", "destination"], how="left")
        total += int((o["n_routes"].fillna(0) * o["n_periods"]).sum())
    return total


# --------------------------------------------------------------------------- writing


def _cells(series: pd.Series, ws) -> list:
    """A column as Python values for openpyxl: blanks as None, text never a formula."""
    from openpyxl.cell import WriteOnlyCell

    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_integer_dtype(series):
        return series.astype(object).where(series.notna(), None).tolist()
    if pd.api.types.is_float_dtype(series):
        vals = series.to_numpy(dtype=float)
        out = vals.tolist()
        for i in np.flatnonzero(np.isnan(vals)):
            out[i] = None
        return out
    obj = series.astype(object)
    out = obj.where(obj.notna(), None).tolist()
    is_str = obj.map(lambda v: isinstance(v, str) and v.startswith("="), na_action="ignore")
    for i in np.flatnonzero(is_str.fillna(False).to_numpy(dtype=bool)):
        cell = WriteOnlyCell(ws, value=out[i])
        cell.data_type = "s"  # text typed by a planner stays text, never a formula
        out[i] = cell
    return out


def write_workbook(frames: dict[str, pd.DataFrame], path) -> None:
    """Write ``frames`` to an ``.xlsx`` (openpyxl write-only: one sheet per frame, header
    in row 1, text ids as text cells, missing values as blank cells)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for name, df in frames.items():
        ws = wb.create_sheet(title=str(name))
        ws.append([str(c) for c in df.columns])
        columns = [_cells(df[c], ws) for c in df.columns]
        for row in zip(*columns, strict=True):
            ws.append(row)
    wb.save(Path(path))


# --------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Arguments of ``corridor generate`` (for the CLI's subparser)."""
    parser.add_argument("out", metavar="OUT.xlsx", help="workbook to write")
    parser.add_argument(
        "--size", choices=sorted(SIZES), help="preset for routes/commodities/periods"
    )
    parser.add_argument("--routes", type=int, help="number of routes (default 50)")
    parser.add_argument("--commodities", type=int, help="number of commodities (default 3)")
    parser.add_argument("--periods", type=int, help="number of periods (default 4)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--contracts", type=int, help="number of contracts (default: one per pair and commodity)"
    )
    parser.add_argument(
        "--fixed-costs",
        action="store_true",
        help="give some routes fixed costs and minimum volumes",
    )
    parser.add_argument("--lots", action="store_true", help="give some routes lot sizes and costs")
    parser.add_argument(
        "--offers",
        action="store_true",
        help="a sourcing instance: Demand beyond the contracts, Offers (with minimums and "
        "fixed costs) and Stocks",
    )
    parser.add_argument(
        "--cap", type=float, default=0.5, help="default_max_transit_share (default 0.5)"
    )
    parser.add_argument("--no-cap", action="store_true", help="write no default transit cap")
    return parser


def run_generate(args: argparse.Namespace) -> int:
    """Generate and write the workbook described by parsed ``args``; return the exit code."""
    size = dict(SIZES[args.size]) if args.size else dict(routes=50, commodities=3, periods=4)
    for key in ("routes", "commodities", "periods"):
        if getattr(args, key) is not None:
            size[key] = getattr(args, key)
    if Path(args.out).suffix.lower() != ".xlsx":
        print("corridor generate: OUT must end in .xlsx", file=sys.stderr)
        return 2
    try:
        frames = generate_frames(
            **size,
            seed=args.seed,
            contracts=args.contracts,
            fixed_costs=args.fixed_costs,
            lots=args.lots,
            cap=None if args.no_cap else args.cap,
            offers=args.offers,
        )
    except ValueError as exc:
        print(f"corridor generate: {exc}", file=sys.stderr)
        return 2
    write_workbook(frames, args.out)
    n_flows = flow_variable_count(frames)
    offers = f", {len(frames['Offers'])} offers" if "Offers" in frames else ""
    print(
        f"wrote {args.out}: {len(frames['Routes'])} routes, "
        f"{frames['Contracts']['contract'].nunique()} contracts{offers}, {n_flows} flow variables"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="corridor generate", description="Write a synthetic, feasible input workbook."
    )
    add_arguments(parser)
    return run_generate(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
