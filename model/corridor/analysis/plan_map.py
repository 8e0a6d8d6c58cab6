"""`corridor map`: a picture of the plan that a planner can put in front of management.

What is drawn
- Every leg the plan uses is a line coloured by its corridor; a leg that carries several
  corridors gets one line per corridor, side by side. The other legs of active routes are thin
  grey dashes, for context.
- Land legs (rail, road, pipeline, air) are straight lines between their two nodes.
- Sea legs (mode ``sea`` or ``ferry``) follow sea lanes computed offline by the ``searoute``
  package (Apache-2.0; its maritime network ships inside the package, nothing is downloaded).
  The chokepoint rule: a leg's ``chokepoints`` are read as the complete list of the straits
  and canals it passes, as the model reads them for transit exposure. The lane drawn is the
  shortest one that avoids every passage the network knows (Suez, Bab-el-Mandeb, Bosporus and
  Dardanelles, Gibraltar, Hormuz, Malacca, Sunda, Panama, Bering, the Northwest Passage) that
  the leg does not list. So a Black Sea leg listing "Bosporus, Suez, Bab-el-Mandeb, Malacca"
  goes through the Turkish straits, the Red Sea and round Arabia, and one listing only
  "Bosporus, Gibraltar" goes round the Cape of Good Hope (capes are open sea, never closed).
  A blank cell means "no chokepoint": the lane avoids them all (a Caspian ferry). Names the
  network does not know (Korea Strait, Tsugaru, Danish Straits) do not steer the lane; they
  are marked on the map where their position is known. When no lane keeps to the list, the
  shortest lane is drawn and the Map sheet says so; when there is no lane at all, or a node
  lies more than `SNAP_KM` from the sea-lane network (an inland node on a sea leg), the leg is
  a straight line. Lanes are cached in memory for the run.
- Width: per commodity. A line's width is the share of its commodity's whole flow (all
  routes, whole horizon) that passes that leg on that corridor; a line that carries several
  commodities takes the largest of their shares. Crude oil moves thousands of times the
  tonnage of gallium: on one common scale the minerals would be hairlines next to the oil.
  Per commodity, each commodity's picture reads on its own and the split the transit caps
  force shows directly (a 50/50 split draws two half-width lines; a commodity that all goes
  one way draws at full width). Value would be the other common scale, but value per unit is
  optional in the workbook and would still let one commodity dwarf another. The caption says
  what full width is for each commodity (its whole flow, in its own unit).
- Labels: every drawn node is labelled with its ``name`` where given (else its id), nodes the
  plan uses in dark type, the others in grey. Labels are placed by a small deterministic
  search (positions round the node, nearer ones first) that keeps them clear of each other,
  of the nodes and as far as it can of the lines; a label moved away from its node gets a
  thin leader line.
- Background: land from Natural Earth's 1:110m countries (public domain), shipped as a small
  file beside this module (`land_110m.json.gz`, see `LAND_NOTE`); the Caspian is water.
  Longitude is scaled by the cosine of the map's middle latitude so shapes look right.

A node without latitude or longitude is left off with a warning, and so are its legs.
The PNG is written beside the results workbook as ``<results stem>_map.png`` and embedded
in the workbook's ``Map`` sheet, next to a table of the lines drawn.

Drawing needs the ``map`` extra (matplotlib, searoute): ``pip install "corridor[map]"``.
Without searoute the map is still drawn, with straight sea legs and a warning.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import math
import os
import tempfile
import textwrap
import warnings as pywarnings
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..data import Inputs
from ..pipeline import solve_workbook
from .command import Command, CommandError, Report, default_output

log = logging.getLogger("corridor")

SHEET = "Map"
MAX_WIDTH = 8.0  # points, for a line that carries all of its commodity's flow
MIN_WIDTH = 1.2  # points, so the smallest flow is still seen
GREY = "#b4b4b4"
LAND = "#efece4"
SEA = "#e6eff6"
BORDER = "#cfcac0"
SEA_MODES = frozenset({"sea", "ferry"})
SNAP_KM = 300.0  # a node further than this from the sea-lane network gets a straight leg
LAND_FILE = Path(__file__).with_name("land_110m.json.gz")
LAND_NOTE = (
    "land_110m.json.gz: Natural Earth 1:110m Admin 0 countries (public domain, "
    "naturalearthdata.com), as shipped in geopandas 0.14.4's naturalearth_lowres; "
    "polygon rings only, coordinates rounded to 0.01 degree."
)
MAP_EXTRA = 'pip install "corridor[map]"'

# searoute's passages, the words a planner may write for each in Legs.chokepoints, and the
# name used in the Map sheet. Capes (south_africa, chili) are open sea and never closed.
PASSAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "suez": ("Suez", ("suez",)),
    "babalmandab": ("Bab-el-Mandeb", ("bab-el", "bab el", "bab al", "mandeb", "mandab")),
    "bosporus": ("Bosporus", ("bosporus", "bosphorus", "turkish strait", "istanbul strait")),
    "dardanelles": ("Dardanelles", ("dardanelles", "bosporus", "bosphorus", "turkish strait")),
    "gibraltar": ("Gibraltar", ("gibraltar",)),
    "ormuz": ("Hormuz", ("hormuz", "ormuz")),
    "malacca": ("Malacca", ("malacca", "singapore strait")),
    "sunda": ("Sunda", ("sunda",)),
    "panama": ("Panama", ("panama",)),
    "bering": ("Bering", ("bering", "northern sea route")),
    "northwest": ("Northwest Passage", ("northwest passage", "north-west passage")),
}
# Where to mark a chokepoint named on a leg the plan uses: (words, latitude, longitude).
STRAITS: tuple[tuple[tuple[str, ...], float, float], ...] = (
    (("suez",), 30.45, 32.35),
    (("bab-el", "bab el", "bab al", "mandeb", "mandab"), 12.6, 43.35),
    (("bosporus", "bosphorus", "turkish strait", "istanbul strait"), 41.12, 29.06),
    (("dardanelles",), 40.2, 26.4),
    (("gibraltar",), 35.95, -5.6),
    (("hormuz", "ormuz"), 26.55, 56.45),
    (("malacca",), 2.6, 101.2),
    (("singapore strait",), 1.2, 103.9),
    (("sunda",), -5.95, 105.8),
    (("lombok",), -8.5, 115.7),
    (("panama",), 9.1, -79.7),
    (("bering",), 65.8, -169.0),
    (("korea strait", "tsushima"), 34.4, 129.3),
    (("tsugaru",), 41.45, 140.45),
    (("taiwan strait",), 24.5, 119.7),
    (("danish strait", "oresund", "øresund", "great belt"), 55.9, 12.7),
    (("dover", "english channel"), 51.0, 1.45),
    (("kerch",), 45.3, 36.5),
    (("good hope",), -34.4, 18.5),
    (("cape horn", "magellan", "drake passage"), -56.0, -67.3),
)


@dataclass
class PlanMap:
    """What `draw_map` drew: the PNG, the Map sheet and, for callers and tests, the
    geometry (lon/lat points per drawn line), line widths (points) and node labels."""

    path: Path
    legs: pd.DataFrame  # the Map sheet
    warnings: list[str] = field(default_factory=list)
    geometry: dict[tuple[str, str], np.ndarray] = field(default_factory=dict, repr=False)
    widths: dict[tuple[str, str], float] = field(default_factory=dict, repr=False)
    # node (or "chokepoint:NAME") -> its matplotlib Text; nodes drawn together share one
    labels: dict[str, object] = field(default_factory=dict, repr=False)
    figure: object = field(default=None, repr=False)


def missing_extra() -> str:
    """'' when the map extra is installed, else the message to print."""
    missing = []
    for module in ("matplotlib", "searoute"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if not missing:
        return ""
    return (
        f"corridor map needs the optional 'map' dependencies ({', '.join(missing)} missing): "
        f"{MAP_EXTRA}"
    )


# --------------------------------------------------------------------------- flows per line


def commodity_flows(inputs: Inputs, flows: pd.DataFrame) -> pd.DataFrame:
    """Flow per leg, corridor and commodity over the whole horizon, in the commodity's unit
    and in capacity units, with its share of the commodity's whole flow."""
    cu = inputs.commodities["capacity_use"]
    rows = []
    per_route = flows.groupby(["route", "commodity"], sort=True)["volume"].sum()
    for (route, commodity), volume in per_route.items():
        corridor = inputs.routes.at[route, "corridor"]
        for leg in inputs.routes.at[route, "legs"]:
            rows.append((leg, corridor, commodity, float(volume)))
    frame = pd.DataFrame(rows, columns=["leg", "corridor", "commodity", "volume"])
    frame = frame.groupby(["leg", "corridor", "commodity"], as_index=False, sort=True).sum()
    frame["cu"] = frame["volume"] * frame["commodity"].map(cu).astype(float)
    whole = frame["commodity"].map(flows.groupby("commodity")["volume"].sum()).astype(float)
    frame["share"] = np.where(whole > 0, frame["volume"] / whole.where(whole > 0, 1.0), 0.0)
    return frame


def leg_flows(inputs: Inputs, flows: pd.DataFrame) -> pd.DataFrame:
    """One row per line on the map (leg and corridor), largest flow first: `volume` in
    capacity units over the whole horizon, the commodities it carries, and `width_share`
    (the largest share of a commodity's whole flow that it carries: 1 draws at full width)."""
    per = commodity_flows(inputs, flows)
    units = inputs.commodities["unit"]
    columns = ["leg", "corridor", "volume", "from", "to", "mode", "commodities", "width_share"]
    if per.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for (leg, corridor), group in per.groupby(["leg", "corridor"], sort=True):
        carried = "; ".join(
            f"{_commodity_words(k)} {_amount(v)} {units.get(k, '')}".rstrip()
            for k, v in zip(group["commodity"], group["volume"], strict=True)
        )
        rows.append((leg, corridor, float(group["cu"].sum()), carried, float(group["share"].max())))
    frame = pd.DataFrame(rows, columns=["leg", "corridor", "volume", "commodities", "width_share"])
    legs = inputs.legs
    frame["from"] = frame["leg"].map(legs["from"])
    frame["to"] = frame["leg"].map(legs["to"])
    frame["mode"] = frame["leg"].map(legs["mode"])
    frame = frame[columns]
    return frame.sort_values(
        ["volume", "leg", "corridor"], ascending=[False, True, True]
    ).reset_index(drop=True)


def _commodity_words(commodity: str) -> str:
    return str(commodity).replace("_", " ")


def _amount(v: float) -> str:
    if v >= 100:
        return f"{v:,.0f}"
    return f"{v:,.3g}"


def _located(inputs: Inputs) -> tuple[dict[str, tuple[float, float]], list[str]]:
    nodes = inputs.nodes
    where, missing = {}, []
    for node, lat, lon in zip(nodes.index, nodes["latitude"], nodes["longitude"], strict=True):
        if lat is None or lon is None or lat != lat or lon != lon:
            missing.append(node)
        else:
            where[node] = (float(lat), float(lon))
    return where, missing


# --------------------------------------------------------------------------- sea lanes


def closed_passages(chokepoints) -> tuple[str, ...]:
    """The searoute passages a leg's lane must avoid: every one its chokepoints do not name
    (the leg's list is complete; a blank list names none)."""
    named = " | ".join(str(c).lower() for c in (chokepoints or ()))
    return tuple(p for p, (_, words) in PASSAGES.items() if not any(w in named for w in words))


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


@lru_cache(maxsize=4096)
def sea_lane(
    start: tuple[float, float], end: tuple[float, float], closed: tuple[str, ...]
) -> tuple[tuple[tuple[float, float], ...], tuple[str, ...]] | None:
    """The shortest sea lane from `start` to `end` ((lon, lat) points) avoiding the `closed`
    passages: its points (ending exactly at both nodes) and the passages it traverses.
    None when there is none, or a node is more than SNAP_KM from the network."""
    import searoute  # the map extra; loads its bundled network once (about 0.1 s)

    with pywarnings.catch_warnings():
        pywarnings.simplefilter("ignore")  # "no path found" is answered by returning None
        feature = searoute.searoute(
            list(start),
            list(end),
            restrictions=list(closed),
            append_orig_dest=True,
            return_passages=True,
        )
    points = [tuple(map(float, p)) for p in feature["geometry"]["coordinates"]]
    if len(points) < 2:
        return None
    network = searoute.setup_M()  # cached by searoute: where each node joins the network
    for node in (start, end):
        if _km(node, tuple(network.kdtree.query(list(node)))) > SNAP_KM:
            return None
    passes = feature["properties"].get("traversed_passages") or []
    return tuple(points), tuple(sorted(p for p in passes if p in PASSAGES))


def _passage_order(points: np.ndarray, passes: tuple[str, ...]) -> list[str]:
    """The traversed passages in the order the lane meets them (for the Map sheet)."""
    spots = {}
    for words, lat, lon in STRAITS:
        for key in passes:
            if any(w in PASSAGES[key][1] for w in words) and key not in spots:
                spots[key] = (lon, lat)
    order = []
    for key in passes:
        if key in spots:
            d = np.hypot(points[:, 0] - spots[key][0], points[:, 1] - spots[key][1])
            order.append((int(np.argmin(d)), key))
        else:
            order.append((len(points), key))
    names = []
    for _, key in sorted(order):
        name = PASSAGES[key][0]
        if name not in names:
            names.append(name)
    if "Bosporus" in names and "Dardanelles" in names:
        names.remove("Dardanelles")  # the Turkish straits, listed as the Bosporus
    return names


def _route_leg(
    leg: pd.Series, start: tuple[float, float], end: tuple[float, float], searoute_ok: bool
) -> tuple[np.ndarray, str, str]:
    """(lon/lat points, how it is drawn, passages passed) for one leg."""
    straight = np.array([start, end], dtype=float)
    if str(leg["mode"]).lower() not in SEA_MODES:
        return straight, "straight line", ""
    if not searoute_ok:
        return straight, "straight line (searoute not installed)", ""
    closed = closed_passages(leg["chokepoints"])
    lane = sea_lane(start, end, closed)
    how = "sea lane"
    if lane is None:
        default = ("northwest",)
        lane = sea_lane(start, end, default) if closed != default else None
        if lane is None:
            return straight, "straight line (no sea lane found near its nodes)", ""
        how = "sea lane (shortest: no lane keeps to the leg's chokepoints)"
    points = np.array(lane[0], dtype=float)
    passes = _passage_order(points, lane[1])
    listed = [PASSAGES[k][0] for k in PASSAGES if k not in closed and k != "dardanelles"]
    missed = [p for p in listed if p not in passes]
    if missed and how == "sea lane":
        how += f" (the shortest lane does not pass {', '.join(missed)})"
    return points, how, ", ".join(passes)


def _pieces(points: np.ndarray) -> list[np.ndarray]:
    """Split a lon/lat line where it crosses the antimeridian, longitudes in [-180, 180]."""
    lon = (points[:, 0] + 180.0) % 360.0 - 180.0
    lat = points[:, 1]
    pieces, current = [], [(lon[0], lat[0])]
    for i in range(1, len(lon)):
        d = lon[i] - lon[i - 1]
        if abs(d) > 180:
            edge = 180.0 if lon[i - 1] > 0 else -180.0
            step = d - 360 if d > 0 else d + 360
            t = (edge - lon[i - 1]) / step if step else 0.0
            y = lat[i - 1] + t * (lat[i] - lat[i - 1])
            current.append((edge, y))
            pieces.append(np.array(current))
            current = [(-edge, y)]
        current.append((lon[i], lat[i]))
    pieces.append(np.array(current))
    return pieces


# --------------------------------------------------------------------------- the land


@cache
def land_rings() -> tuple[np.ndarray, ...]:
    """Natural Earth 1:110m country outlines as (lon, lat) rings; () if the file is absent."""
    try:
        with gzip.open(LAND_FILE, "rt", encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError:
        return ()
    return tuple(np.array(r, dtype=float) for r in data["rings"])


# --------------------------------------------------------------------------- drawing


@dataclass
class _Line:
    key: tuple[str, str]  # (leg, corridor); corridor "" for a leg of a route not used
    lonlat: np.ndarray  # the leg as routed, (lon, lat) rows
    width: float  # points
    colour: object
    offsets: list[np.ndarray] = field(default_factory=list)  # per piece, per segment (points)


@dataclass
class _Node:
    node: str
    lon: float
    lat: float
    used: bool
    text: str


@dataclass
class _Scene:
    lines: list[_Line]  # the plan's lines, widest first
    context: list[_Line]
    nodes: list[_Node]
    chokes: list[tuple[str, float, float]]  # (name, lat, lon)
    scale: float  # x = longitude * scale


@dataclass
class _View:
    lon0: float
    lon1: float
    lat0: float
    lat1: float

    def holds(self, lon: float, lat: float) -> bool:
        return self.lon0 <= lon <= self.lon1 and self.lat0 <= lat <= self.lat1


def _width(share: float) -> float:
    return MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * max(0.0, min(1.0, share))


def _bundle(lines: list[_Line], gap: float = 1.0) -> None:
    """Lines that share a stretch (two corridors on one leg, sea lanes through the same
    straits) are set side by side on it, centred, in a fixed order (corridor, leg), instead of
    on top of each other: per line and segment, its sideways offset in points. Sides are
    counted from the direction in which the first line of the stretch runs, so lines running
    the same way keep their sides from one segment to the next."""
    users: dict[tuple, dict[int, bool]] = {}  # segment -> line -> runs the segment's way
    pieces = [_pieces(line.lonlat) for line in lines]

    def segment(p: np.ndarray, i: int) -> tuple[tuple, bool]:
        a, b = tuple(np.round(p[i], 4)), tuple(np.round(p[i + 1], 4))
        return ((a, b), True) if a <= b else ((b, a), False)

    for n, parts in enumerate(pieces):
        for p in parts:
            for i in range(len(p) - 1):
                seg, forward = segment(p, i)
                users.setdefault(seg, {}).setdefault(n, forward)
    rank = sorted(range(len(lines)), key=lambda n: (str(lines[n].key[1]), lines[n].key[0]))
    position = {n: r for r, n in enumerate(rank)}
    for n, parts in enumerate(pieces):
        line = lines[n]
        line.offsets = []
        for p in parts:
            off = np.zeros(max(len(p) - 1, 0))
            for i in range(len(p) - 1):
                seg, forward = segment(p, i)
                group = sorted(users[seg], key=position.get)
                total = sum(lines[j].width for j in group) + gap * (len(group) - 1)
                before = sum(lines[j].width + gap for j in group[: group.index(n)])
                at = -total / 2 + before + line.width / 2
                off[i] = at if forward == users[seg][group[0]] else -at
            line.offsets.append(off)


def _shifted(xy: np.ndarray, offsets: np.ndarray, per_point: float) -> np.ndarray:
    """The polyline with each segment moved sideways by its offset (points; + is left of the
    segment's direction), the moved segments joined at the midpoints of their ends."""
    if len(xy) < 2 or not np.any(offsets):
        return xy
    d = np.diff(xy, axis=0)
    n = np.column_stack([-d[:, 1], d[:, 0]])
    n /= np.maximum(np.hypot(n[:, 0], n[:, 1]), 1e-12)[:, None]
    shift = n * (offsets / per_point)[:, None]
    starts, ends = xy[:-1] + shift, xy[1:] + shift
    return np.vstack([starts[:1], (ends[:-1] + starts[1:]) / 2, ends[-1:]])


def _detail(scene: _Scene, main: _View, px_per_unit: float) -> _View | None:
    """The window of the most crowded group of nodes, worth a zoomed panel: five or more
    nodes, each within 90 px of another in the group, some within 45 px of two others."""
    if len(scene.nodes) < 5:
        return None
    xy = np.array([(n.lon * scene.scale, n.lat) for n in scene.nodes]) * px_per_unit
    dist = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    crowded = (dist < 45).sum(axis=1) >= 3  # itself and two others
    if not crowded.any():
        return None
    best: list[int] = []
    seen: set[int] = set()
    for start in np.flatnonzero(crowded):
        if start in seen:
            continue
        group, todo = {int(start)}, [int(start)]
        while todo:
            i = todo.pop()
            for j in np.flatnonzero(dist[i] < 90):
                if int(j) not in group:
                    group.add(int(j))
                    todo.append(int(j))
        seen |= group
        ordered = sorted(group, key=lambda i: scene.nodes[i].node)
        if len(ordered) > len(best):
            best = ordered
    if len(best) < 5:
        return None
    lons = [scene.nodes[i].lon for i in best]
    lats = [scene.nodes[i].lat for i in best]
    span = max(max(lons) - min(lons), max(lats) - min(lats))
    pad = 0.12 * span + 1.0
    view = _View(min(lons) - pad, max(lons) + pad, min(lats) - pad, max(lats) + pad)
    if (view.lon1 - view.lon0) > 0.45 * (main.lon1 - main.lon0):
        return None  # hardly a zoom
    return view


def _fit(view: _View, scale: float, width: float, height: float) -> _View:
    """The window grown in one direction so that it fills a width x height box at one scale
    in both directions."""
    dx, dy = (view.lon1 - view.lon0) * scale, view.lat1 - view.lat0
    if dy / dx > height / width:
        grow = (dy * width / height - dx) / 2 / scale
        return _View(view.lon0 - grow, view.lon1 + grow, view.lat0, view.lat1)
    grow = (dx * height / width - dy) / 2
    return _View(view.lon0, view.lon1, view.lat0 - grow, view.lat1 + grow)


def draw_map(inputs: Inputs, flows: pd.DataFrame, path: str | Path, title: str = "") -> PlanMap:
    """Draw the plan (the Flows sheet) to a PNG at `path`; returns what was drawn."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.patches import Rectangle
    except ImportError as exc:
        raise ImportError(f"drawing the map needs matplotlib: {MAP_EXTRA}") from exc
    try:
        import searoute  # noqa: F401  (only to know whether sea lanes can be drawn)

        searoute_ok = True
    except ImportError:
        searoute_ok = False

    path = Path(path)
    legs = leg_flows(inputs, flows)
    where, missing = _located(inputs)
    used_nodes = set(legs["from"]) | set(legs["to"])
    warnings = _missing_warnings(inputs, missing, used_nodes)
    if not searoute_ok and legs["mode"].astype(str).str.lower().isin(SEA_MODES).any():
        warnings.append(f"sea legs are drawn as straight lines: searoute is missing ({MAP_EXTRA})")
    for w in warnings:
        log.warning("%s", w)

    def lonlat(node: str) -> tuple[float, float]:
        lat, lon = where[node]
        return lon, lat

    # ---- the geometry of every leg drawn: the plan's and the other legs of active routes
    drawn = legs["from"].isin(where) & legs["to"].isin(where)
    shapes: dict[str, tuple[np.ndarray, str, str]] = {}
    plan_legs = set(legs["leg"])
    context_legs = sorted(
        leg
        for leg in {leg for seq in inputs.routes["legs"] for leg in seq} - plan_legs
        if inputs.legs.at[leg, "from"] in where and inputs.legs.at[leg, "to"] in where
    )
    for leg in sorted(set(legs.loc[drawn, "leg"])) + context_legs:
        row = inputs.legs.loc[leg]
        shapes[leg] = _route_leg(row, lonlat(row["from"]), lonlat(row["to"]), searoute_ok)
    legs["drawn"] = [
        shapes[leg][1] if ok else "no: a node has no coordinates"
        for leg, ok in zip(legs["leg"], drawn, strict=True)
    ]
    legs["passes"] = [shapes[leg][2] if leg in shapes else "" for leg in legs["leg"]]

    corridors = sorted(set(legs["corridor"]))
    colour = dict(zip(corridors, _palette(len(corridors)), strict=True))
    shown = legs[drawn].sort_values(
        ["width_share", "leg", "corridor"], ascending=[False, True, True]
    )
    lines = [
        _Line(
            (r["leg"], r["corridor"]),
            shapes[r["leg"]][0],
            _width(r["width_share"]),
            colour[r["corridor"]],
        )
        for r in shown.to_dict("records")
    ]
    _bundle(lines)
    context = [_Line((leg, ""), shapes[leg][0], 0.8, GREY) for leg in context_legs]
    for line in context:
        line.offsets = [np.zeros(len(p) - 1) for p in _pieces(line.lonlat)]
    node_ids = {n for leg in context_legs for n in inputs.legs.loc[leg, ["from", "to"]]}
    node_ids = sorted(n for n in node_ids | used_nodes if n in where)
    nodes = [_Node(n, *lonlat(n), n in used_nodes, _node_label(inputs, n)) for n in node_ids]
    chokes = _chokepoints_to_mark(inputs, legs.loc[drawn, "leg"])

    # ---- the main window: the nodes shown and the lanes the plan uses (a chokepoint named
    # on a leg but far from every lane drawn, say on a straight leg, does not widen it)
    pts = [np.array([(n.lon, n.lat) for n in nodes] or [(0.0, 0.0)])]
    pts += [p for line in lines for p in _pieces(line.lonlat)]
    allp = np.vstack(pts)
    lon0, lon1 = float(allp[:, 0].min()), float(allp[:, 0].max())
    lat0, lat1 = float(allp[:, 1].min()), float(allp[:, 1].max())
    pad = 0.05 * max(lon1 - lon0, lat1 - lat0) + 2.0
    main = _View(
        max(lon0 - pad, -180.0),
        min(lon1 + pad, 180.0),
        max(lat0 - pad, -85.0),
        min(lat1 + pad, 85.0),
    )
    scale = max(math.cos(math.radians((main.lat0 + main.lat1) / 2)), 0.2)
    chokes = [c for c in chokes if main.holds(c[2], c[1])]  # far off the lanes: not shown
    scene = _Scene(lines, context, nodes, chokes, scale)

    # ---- layout (inches): map, a right-hand column (legends, detail), a caption below
    dpi = 110
    map_w = 10.2
    dx, dy = (main.lon1 - main.lon0) * scale, main.lat1 - main.lat0
    map_h = min(max(map_w * dy / dx, 4.2), 7.2)
    main = _fit(main, scale, map_w, map_h)
    detail = _detail(scene, main, map_w * dpi / ((main.lon1 - main.lon0) * scale))
    left, gap, top, caption = 0.55, 0.3, 0.5, 1.0
    col_w = 4.9 if detail else 3.3
    fig_w, fig_h = left + map_w + gap + col_w + 0.15, caption + map_h + top
    fig = Figure(figsize=(fig_w, fig_h), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((left / fig_w, caption / fig_h, map_w / fig_w, map_h / fig_h))
    col_x = (left + map_w + gap) / fig_w
    legend_bottom = _legend(
        fig, colour, bool(context), bool(chokes), col_x, 1 - top / fig_h, wide=col_w > 4.5
    )

    labels = _draw_view(fig, ax, scene, main, skip=detail)
    if detail is not None:
        avail_h = legend_bottom * fig_h - caption - 0.3
        det_w, det_h = col_w, avail_h
        detail = _fit(detail, scale, det_w, det_h)
        det = fig.add_axes((col_x, caption / fig_h, det_w / fig_w, det_h / fig_h))
        labels.update(_draw_view(fig, det, scene, detail, skip=None))
        det.set_title("Detail of the boxed area", fontsize=8.5, loc="left", pad=3)
        ax.add_patch(
            Rectangle(
                (detail.lon0 * scale, detail.lat0),
                (detail.lon1 - detail.lon0) * scale,
                detail.lat1 - detail.lat0,
                fill=False,
                ec="#404040",
                lw=0.9,
                ls=(0, (3, 2)),
                zorder=7,  # under the labels
            )
        )
    fig.text(
        left / fig_w,
        1 - 0.15 / fig_h,
        title or "The plan: flows over the whole horizon by corridor",
        fontsize=11.5,
        weight="bold",
        va="top",
    )
    fig.text(
        left / fig_w,
        (caption - 0.3) / fig_h,
        _caption(inputs, flows.groupby("commodity")["volume"].sum(), map_w),
        fontsize=7.6,
        va="top",
        color="#333",
        linespacing=1.35,
    )
    _save_png(fig, path)
    geometry = {line.key: line.lonlat for line in lines}
    widths = {line.key: line.width for line in lines}
    return PlanMap(path, legs, warnings, geometry, widths, labels, fig)


def _draw_view(fig, ax, scene: _Scene, view: _View, skip: _View | None) -> dict[str, object]:
    """Draw land, lines, nodes, chokepoints and labels into `ax` for the lon/lat window
    `view`. Labels of what lies inside `skip` are left to the detail panel."""
    from matplotlib import patheffects
    from matplotlib.patches import Polygon

    scale = scene.scale
    ax.set_xlim(view.lon0 * scale, view.lon1 * scale)
    ax.set_ylim(view.lat0, view.lat1)
    ax.set_facecolor(SEA)
    width_in = ax.get_position().width * fig.get_figwidth()
    per_point = width_in * 72 / ((view.lon1 - view.lon0) * scale)  # points per data unit

    def to_xy(p: np.ndarray) -> np.ndarray:
        return np.column_stack([p[:, 0] * scale, p[:, 1]])

    for ring in land_rings():
        if ring[:, 0].max() < view.lon0 - 1 or ring[:, 0].min() > view.lon1 + 1:
            continue
        if ring[:, 1].max() < view.lat0 - 1 or ring[:, 1].min() > view.lat1 + 1:
            continue
        ax.add_patch(Polygon(to_xy(ring), closed=True, fc=LAND, ec=BORDER, lw=0.5, zorder=0.5))
    for line in scene.context:
        for piece in _pieces(line.lonlat):
            xy = to_xy(piece)
            ax.plot(xy[:, 0], xy[:, 1], color=GREY, lw=0.8, ls=(0, (4, 3)), zorder=2)
    samples, sample_w = [], []
    for z, line in enumerate(scene.lines):
        for piece, offsets in zip(_pieces(line.lonlat), line.offsets, strict=True):
            xy = _shifted(to_xy(piece), offsets, per_point)
            ax.plot(
                xy[:, 0],
                xy[:, 1],
                color=line.colour,
                lw=line.width,
                solid_capstyle="round",
                solid_joinstyle="round",
                zorder=3 + z * 0.001,
                path_effects=[
                    patheffects.Stroke(linewidth=line.width + 1.4, foreground="white"),
                    patheffects.Normal(),
                ],
            )
            dense = _densify(xy, 3.0 / per_point)
            samples.append(dense)
            sample_w.append(np.full(len(dense), line.width))
    for _, lat, lon in scene.chokes:
        ax.plot(lon * scale, lat, marker="D", ms=4.5, mfc="white", mec="#505050", mew=0.9, zorder=5)
    for n in scene.nodes:
        ax.plot(
            n.lon * scale,
            n.lat,
            "o",
            ms=5.5 if n.used else 4,
            mfc="#1e1e1e" if n.used else "white",
            mec="#1e1e1e" if n.used else "#8a8a8a",
            mew=0.8,
            zorder=6,
        )
    inside = [n for n in scene.nodes if view.holds(n.lon, n.lat)]
    items = [
        _Label(
            tuple(n.node for n in group),
            "\n".join(n.text for n in group),
            (group[0].lon * scale, group[0].lat),
            7.2 if group[0].used else 6.4,
            "#1e1e1e" if group[0].used else "#7a7a7a",
            "normal",
            "bold" if group[0].used else "normal",
            0 if group[0].used else 1,
        )
        for group in _together(ax, inside, scale)
    ]
    items += [
        _Label(
            (f"chokepoint:{name}",), name, (lon * scale, lat), 6.6, "#404040", "italic", "normal", 2
        )
        for name, lat, lon in scene.chokes
        if view.holds(lon, lat)
    ]
    marks = np.array([it.xy for it in items]) if items else np.zeros((0, 2))  # markers to avoid
    if skip is not None:
        items = [it for it in items if not skip.holds(it.xy[0] / scale, it.xy[1])]
    lines = np.vstack(samples) if samples else np.zeros((0, 2))
    line_w = np.concatenate(sample_w) if sample_w else np.zeros(0)
    texts = _place_labels(fig, ax, items, marks, lines, line_w)
    lon_ticks, lat_ticks = _ticks(view.lon0, view.lon1), _ticks(view.lat0, view.lat1)
    ax.set_xticks([t * scale for t in lon_ticks])
    ax.set_xticklabels([_deg(t, "E", "W") for t in lon_ticks], fontsize=7, color="#666")
    ax.set_yticks(lat_ticks)
    ax.set_yticklabels([_deg(t, "N", "S") for t in lat_ticks], fontsize=7, color="#666")
    ax.tick_params(length=2, color="#999", pad=1.5)
    ax.grid(True, color="white", lw=0.6, alpha=0.8, zorder=0.6)
    for spine in ax.spines.values():
        spine.set_color("#9a9a9a")
    return texts


def _together(ax, nodes: list[_Node], scale: float, within: float = 8.0) -> list[list[_Node]]:
    """Nodes drawn on top of each other (less than `within` pixels apart: a border station
    and its twin across the line, a port and the refinery beside it) share one label; used
    nodes first in each group, then by id."""
    if not nodes:
        return []
    px = ax.transData.transform(np.array([(n.lon * scale, n.lat) for n in nodes]))
    group_of = list(range(len(nodes)))

    def root(i: int) -> int:
        while group_of[i] != i:
            i = group_of[i]
        return i

    for i in range(len(nodes)):
        for j in range(i + 1, len(nodes)):
            if math.hypot(*(px[i] - px[j])) < within:
                group_of[root(j)] = root(i)
    groups: dict[int, list[_Node]] = {}
    for i, n in enumerate(nodes):
        groups.setdefault(root(i), []).append(n)
    return sorted(
        (sorted(g, key=lambda n: (not n.used, n.node)) for g in groups.values()),
        key=lambda g: g[0].node,
    )


def _caption(inputs: Inputs, whole: pd.Series, width_in: float) -> str:
    """The note under the map: what width means, with each commodity's whole flow."""
    units = inputs.commodities["unit"]
    full = [
        f"{_commodity_words(k)} {_amount(whole[k])} {units.get(k, '')}".rstrip()
        for k in inputs.commodities.index
        if k in whole.index and whole[k] > 0
    ]
    lines = [
        "Line width: the share of a commodity's whole flow over the horizon that takes this leg "
        "on this corridor (a line carrying several commodities: the largest share), so a small "
        "commodity shows beside a bulk one. Full width = all of it: " + ", ".join(full) + "."
        if full
        else "",
        "Sea and ferry legs follow sea lanes through the chokepoints listed on the leg (searoute); "
        "rail, road and pipeline legs are straight lines between their nodes. "
        "Land: Natural Earth 1:110m (public domain).",
    ]
    chars = int(width_in * 72 / (7.6 * 0.56))  # about the width of the map
    return "\n".join(textwrap.fill(t, chars) for t in lines if t)


def _missing_warnings(inputs: Inputs, missing: list[str], used_nodes: set) -> list[str]:
    warnings = []
    for node in missing:
        if node in used_nodes:
            row = inputs.nodes.at[node, "_row"]
            cell = inputs.cell_of("Nodes", "latitude", int(row)) if row == row else "Nodes"
            warnings.append(
                f"{cell or 'Nodes'}: node {node} has no latitude/longitude; it and its legs are "
                "left off the map"
            )
    others = [n for n in missing if n not in used_nodes]
    if others:
        warnings.append(
            f"{len(others)} node(s) the plan does not use have no coordinates and are not drawn: "
            + ", ".join(others[:10])
            + (" ..." if len(others) > 10 else "")
        )
    return warnings


def _chokepoints_to_mark(inputs: Inputs, legs: pd.Series) -> list[tuple[str, float, float]]:
    """(name as the planner wrote it, lat, lon) of the chokepoints named on the plan's legs
    whose position is known."""
    names = []
    for leg in sorted(set(legs)):
        for name in inputs.legs.at[leg, "chokepoints"] or ():
            if name not in names:
                names.append(name)
    out, seen = [], set()
    for name in names:
        low = str(name).lower()
        for i, (words, lat, lon) in enumerate(STRAITS):
            if any(w in low for w in words) and i not in seen:
                seen.add(i)
                out.append((str(name), lat, lon))
                break
    return out


def _node_label(inputs: Inputs, node: str) -> str:
    name = inputs.nodes.at[node, "name"] if "name" in inputs.nodes.columns else None
    text = str(name).strip() if isinstance(name, str) and name.strip() else str(node)
    return _wrap(text)


def _wrap(text: str, width: int = 26) -> str:
    """A long name on two lines, broken where a reader would: before a bracket or after a
    comma, whichever balances the lines best; else at spaces."""
    if len(text) <= width:
        return text
    breaks = [i for i in range(1, len(text)) if text[i - 1 : i + 1] in (" (", ", ")]
    best = min(breaks, key=lambda i: max(i, len(text) - i), default=None)
    if best is not None and max(best, len(text) - best) <= width + 4:
        cut = best if text[best] == "(" else best + 1  # keep "(" on the second line
        first = text[:cut].rstrip()
        return f"{first}\n{text[cut:].strip()}"
    return "\n".join(textwrap.wrap(text, width, break_on_hyphens=False))


def _densify(xy: np.ndarray, step: float) -> np.ndarray:
    out = [xy[:1]]
    for a, b in zip(xy[:-1], xy[1:], strict=True):
        n = max(1, int(math.hypot(*(b - a)) / step))
        t = np.linspace(0, 1, n + 1)[1:, None]
        out.append(a + (b - a) * t)
    return np.vstack(out)


def _ticks(a: float, b: float) -> list[float]:
    span = b - a
    step = next(s for s in (5, 10, 15, 20, 30, 45, 60) if span / s <= 9)
    return [float(t) for t in range(math.ceil(a / step) * step, math.floor(b) + 1, step)]


def _deg(t: float, pos: str, neg: str) -> str:
    if t == 0:
        return "0°"
    return f"{abs(t):.0f}°{pos if t > 0 else neg}"


# --------------------------------------------------------------------------- labels


@dataclass
class _Label:
    keys: tuple[str, ...]  # the nodes (or the chokepoint) it names
    text: str
    xy: tuple[float, float]  # data coordinates of the point labelled
    size: float
    colour: str
    style: str
    weight: str
    rank: int  # 0 nodes used, 1 other nodes, 2 chokepoints: placed in this order


def _overlap(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Overlap areas of one box (x0, y0, x1, y1) with each of `boxes`."""
    if len(boxes) == 0:
        return np.zeros(0)
    w = np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0])
    h = np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1])
    return np.clip(w, 0, None) * np.clip(h, 0, None)


# Positions tried round a point: right, left, above, below, then the diagonals; and the gaps
# (pixels) between the point and the label, nearest first.
ANGLES = (0, 180, 90, 270, 45, 135, 315, 225, 22.5, 157.5, 337.5, 202.5, 67.5, 112.5, 292.5, 247.5)
RINGS = (5, 11, 19, 30, 44, 62, 84)


def _place_labels(fig, ax, items: list[_Label], marks, lines, line_w) -> dict[str, object]:
    """Put each label where it overlaps no other label and as little as possible of the
    markers (`marks`) and lines (points along them, `lines`, weighted by width): a greedy
    search over positions round its point, nearer ones first, the most crowded points placed
    first. Deterministic; a label set further away gets a leader line."""
    if not items:
        return {}
    renderer = fig.canvas.get_renderer()
    to_px = ax.transData.transform
    frame = ax.get_window_extent(renderer)
    px_items = to_px(np.array([it.xy for it in items], dtype=float))
    px_marks = to_px(marks) if len(marks) else np.zeros((0, 2))
    px_lines = to_px(lines) if len(lines) else np.zeros((0, 2))
    px_per_pt = fig.dpi / 72
    sizes = []
    for it in items:
        probe = ax.text(
            0, 0, it.text, fontsize=it.size, style=it.style, weight=it.weight, linespacing=1.0
        )
        bb = probe.get_window_extent(renderer)
        probe.remove()
        sizes.append((bb.width + 2, bb.height + 1))
    crowd = [int(np.sum(np.hypot(*(px_marks - p).T) < 60)) for p in px_items]
    order = sorted(range(len(items)), key=lambda i: (items[i].rank, -crowd[i], items[i].keys))
    placed = np.zeros((0, 4))
    texts = {}
    for i in order:
        it = items[i]
        w, h = sizes[i]
        px, py = px_items[i]
        others = px_marks[np.hypot(*(px_marks - px_items[i]).T) > 0.5]
        mark_boxes = np.column_stack([others - 4, others + 4])
        best = None
        for r_i, r in enumerate(RINGS):
            for a_i, ang in enumerate(ANGLES):
                ux, uy = math.cos(math.radians(ang)), math.sin(math.radians(ang))
                # the box starts `r` from the point in that direction, flush on that side
                cx = px + ux * r + (math.copysign(w / 2, ux) if abs(ux) > 0.3 else 0.0)
                cy = py + uy * r + (math.copysign(h / 2, uy) if abs(uy) > 0.3 else 0.0)
                box = np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
                cost = 100.0 * _overlap(box + [-2, -2, 2, 2], placed).sum()
                cost += 8.0 * _overlap(box, mark_boxes).sum()
                inside_w = max(0.0, min(box[2], frame.x1 - 2) - max(box[0], frame.x0 + 2))
                inside_h = max(0.0, min(box[3], frame.y1 - 2) - max(box[1], frame.y0 + 2))
                cost += 100.0 * (w * h - inside_w * inside_h)
                if len(px_lines):
                    hit = (
                        (px_lines[:, 0] > box[0])
                        & (px_lines[:, 0] < box[2])
                        & (px_lines[:, 1] > box[1])
                        & (px_lines[:, 1] < box[3])
                    )
                    cost += 0.6 * float(line_w[hit].sum())
                cost += 1.5 * r + 0.4 * a_i + 3 * r_i
                if best is None or cost < best[0]:
                    best = (cost, cx, cy, r, box)
        _, cx, cy, r, box = best
        placed = np.vstack([placed, box])
        offset = ((cx - px) / px_per_pt, (cy - py) / px_per_pt)
        leader = None
        if r > RINGS[1]:
            leader = {"arrowstyle": "-", "color": "#8a8a8a", "lw": 0.5, "shrinkA": 0, "shrinkB": 3}
        text = ax.annotate(
            it.text,
            it.xy,
            xytext=offset,
            textcoords="offset points",
            ha="center",
            va="center",
            fontsize=it.size,
            style=it.style,
            weight=it.weight,
            color=it.colour,
            linespacing=1.0,
            zorder=8,
            arrowprops=leader,
            annotation_clip=False,
            path_effects=[_halo()],
        )
        for key in it.keys:
            texts[key] = text
    return texts


def _halo():
    from matplotlib import patheffects

    return patheffects.withStroke(linewidth=2.2, foreground="white", alpha=0.8)


# --------------------------------------------------------------------------- legend


def _legend(fig, colour, context: bool, chokes: bool, x: float, top: float, wide: bool) -> float:
    """The legends at the top of the right-hand column; returns their lowest edge (figure
    fraction)."""
    from matplotlib.lines import Line2D

    corridors = [Line2D([], [], color=colour[c], lw=5, label=c) for c in colour]
    widths = [Line2D([], [], color="#555", lw=_width(s), label=f"{s:.0%}") for s in (1.0, 0.5, 0.1)]
    symbols = [
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            ms=5.5,
            mfc="#1e1e1e",
            mec="#1e1e1e",
            label="node the plan uses",
        )
    ]
    if context:
        symbols += [
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                ms=4,
                mfc="white",
                mec="#8a8a8a",
                label="node of a route not used",
            ),
            Line2D([], [], color=GREY, lw=0.8, ls=(0, (4, 3)), label="leg of a route not used"),
        ]
    if chokes:
        symbols.append(
            Line2D(
                [],
                [],
                ls="",
                marker="D",
                ms=4.5,
                mfc="white",
                mec="#505050",
                label="chokepoint on a leg used",
            )
        )
    style = {
        "fontsize": 8,
        "title_fontsize": 8.5,
        "frameon": False,
        "alignment": "left",
        "loc": "upper left",
        "borderaxespad": 0.0,
        "handlelength": 2.6,
    }
    renderer = fig.canvas.get_renderer()
    first = fig.legend(
        handles=corridors, bbox_to_anchor=(x, top), title="Corridor (line colour)", **style
    )
    second = fig.legend(
        handles=widths,
        bbox_to_anchor=(x + 1.55 / fig.get_figwidth(), top),
        title="Line width: share of the\ncommodity's whole flow",
        **style,
    )
    low = min(
        leg.get_window_extent(renderer).transformed(fig.transFigure.inverted()).y0
        for leg in (first, second)
    )
    third = fig.legend(
        handles=symbols,
        bbox_to_anchor=(x, low - 0.02),
        title="Symbols",
        ncols=2 if wide and len(symbols) > 2 else 1,
        **style,
    )
    return third.get_window_extent(renderer).transformed(fig.transFigure.inverted()).y0


def _palette(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def _save_png(fig, path: Path) -> None:
    """Write beside the target, then rename over it: a failed draw leaves the old PNG. The
    picture is stored with a 256-colour palette (a third of the size, no visible change)."""
    from PIL import Image  # matplotlib's own dependency

    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    with Image.open(buffer) as picture:
        small = picture.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".png.tmp", dir=path.parent)
    os.close(fd)
    try:
        small.save(tmp, format="PNG", optimize=True)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a picture is for sharing
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def png_path(results_path: Path) -> Path:
    return results_path.with_name(f"{results_path.stem}_map.png")


def compute(inputs: Inputs, args, options) -> Report:
    """Solve, draw the plan (a PNG beside the results) and add the Map sheet."""
    problem = missing_extra()
    if problem:
        raise CommandError(problem)
    outcome = solve_workbook(inputs, options)
    results = outcome.results
    if not outcome.result.has_solution:
        return Report(results, outcome.exit_code or 1, [f"no plan to draw ({results.status})"])
    output = None if args.no_write else (args.output or default_output(args.input, "results"))
    png = png_path(Path(output)) if output else Path(tempfile.mkdtemp()) / "map.png"
    name = Path(inputs.source).name if inputs.source else ""
    title = f"{name}: the plan's flows over the whole horizon by corridor".lstrip(": ")
    drawing = draw_map(inputs, results.sheets["Flows"], png, title)
    results.sheets[SHEET] = drawing.legs
    results.images[SHEET] = drawing.path
    notes = [{"level": "warning", "where": SHEET, "message": w} for w in drawing.warnings]
    return Report(results, outcome.exit_code, [f"map: {drawing.path}"], notes)


COMMAND = Command("map", "solve and draw the plan on a map (PNG + Map sheet)", "results", compute)
