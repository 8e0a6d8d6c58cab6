"""`corridor map`: a picture of the plan, drawn from the nodes' latitude and longitude alone.

Each leg the plan uses is a line whose width is proportional to its flow (capacity units,
whole horizon) and whose colour is its corridor; a leg that carries several corridors gets
one line per corridor side by side. The other legs of active routes are drawn thin and grey
for context. Nodes are placed by longitude (x, scaled by the cosine of the mean latitude so
distances look right) and latitude (y); no basemap is downloaded. A node without latitude or
longitude is left off with a warning, and so are the legs that touch it.

The PNG is written beside the results workbook as ``<results stem>_map.png`` and embedded
in the workbook's ``Map`` sheet, next to a table of the legs drawn.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..data import Inputs

log = logging.getLogger("corridor")

SHEET = "Map"
MAX_WIDTH = 9.0  # points, for the leg with the most flow
MIN_WIDTH = 0.8
GREY = "#c8c8c8"


@dataclass
class PlanMap:
    path: Path
    legs: pd.DataFrame  # the Map sheet
    warnings: list[str] = field(default_factory=list)


def leg_flows(inputs: Inputs, flows: pd.DataFrame) -> pd.DataFrame:
    """Flow per leg and corridor (capacity units, whole horizon), largest first."""
    cu = inputs.commodities["capacity_use"]
    used = flows.assign(cu=flows["volume"] * flows["commodity"].map(cu))
    per_route = used.groupby("route", sort=False)["cu"].sum()
    rows = []
    for route, volume in per_route.items():
        corridor = inputs.routes.at[route, "corridor"]
        for leg in inputs.routes.at[route, "legs"]:
            rows.append((leg, corridor, float(volume)))
    frame = pd.DataFrame(rows, columns=["leg", "corridor", "volume"])
    frame = frame.groupby(["leg", "corridor"], as_index=False, sort=True)["volume"].sum()
    legs = inputs.legs
    frame.insert(1, "from", frame["leg"].map(legs["from"]))
    frame.insert(2, "to", frame["leg"].map(legs["to"]))
    frame.insert(3, "mode", frame["leg"].map(legs["mode"]))
    return frame.sort_values(
        ["volume", "leg", "corridor"], ascending=[False, True, True]
    ).reset_index(drop=True)


def _located(inputs: Inputs) -> tuple[dict[str, tuple[float, float]], list[str]]:
    nodes = inputs.nodes
    where, missing = {}, []
    for node, lat, lon in zip(nodes.index, nodes["latitude"], nodes["longitude"], strict=True):
        if lat is None or lon is None or lat != lat or lon != lon:
            missing.append(node)
        else:
            where[node] = (float(lat), float(lon))
    return where, missing


def draw_map(inputs: Inputs, flows: pd.DataFrame, path: str | Path, title: str = "") -> PlanMap:
    """Draw the plan (the Flows sheet) to a PNG at `path`; returns the legs drawn."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter
    from matplotlib.transforms import offset_copy

    path = Path(path)
    legs = leg_flows(inputs, flows)
    where, missing = _located(inputs)
    used_nodes = set(legs["from"]) | set(legs["to"])
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
    for w in warnings:
        log.warning("%s", w)
    drawn = legs["from"].isin(where) & legs["to"].isin(where)
    legs["drawn"] = np.where(drawn, "yes", "no: a node has no coordinates")

    lat0 = math.radians(np.mean([lat for lat, _ in where.values()])) if where else 0.0
    scale = max(math.cos(lat0), 0.2)

    def xy(node: str) -> tuple[float, float]:
        lat, lon = where[node]
        return lon * scale, lat

    xs = [xy(n)[0] for n in where] or [0.0]
    ys = [xy(n)[1] for n in where] or [0.0]
    pad = 0.06 * max(max(xs) - min(xs), max(ys) - min(ys)) + 1.0
    x0, x1, y0, y1 = min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad
    aspect = min(0.75, max(0.4, (y1 - y0) / (x1 - x0)))
    fig = Figure(figsize=(13, 10 * aspect + 1.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_aspect("equal", adjustable="datalim")  # the limits grow to fill the box
    ax.update_datalim([(x0, y0), (x1, y1)])  # room for wide lines and labels at the edges
    # context: the other legs of active routes
    plan_legs = set(legs["leg"])
    context = {leg for seq in inputs.routes["legs"] for leg in seq} - plan_legs
    context = {
        leg
        for leg in context
        if inputs.legs.at[leg, "from"] in where and inputs.legs.at[leg, "to"] in where
    }
    for leg in sorted(context):
        (ax1, ay1), (ax2, ay2) = xy(inputs.legs.at[leg, "from"]), xy(inputs.legs.at[leg, "to"])
        ax.plot([ax1, ax2], [ay1, ay2], color=GREY, lw=0.7, ls="--", zorder=1)
    corridors = sorted(set(legs["corridor"]))
    palette = _palette(len(corridors))
    colour = dict(zip(corridors, palette, strict=True))
    vmax = float(legs["volume"].max()) if len(legs) else 0.0

    def width(v: float) -> float:
        return MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * (v / vmax if vmax > 0 else 0.0)

    shown = legs[drawn]
    pair = shown.apply(lambda r: tuple(sorted((r["from"], r["to"]))), axis=1)
    for _, group in shown.groupby(pair, sort=True) if len(shown) else ():
        k = len(group)
        spacing = max(width(v) for v in group["volume"]) * 0.8 + 1.0
        for i, rec in enumerate(group.sort_values(["corridor", "leg"]).to_dict("records")):
            (x1, y1), (x2, y2) = xy(rec["from"]), xy(rec["to"])
            a, b = sorted((rec["from"], rec["to"]))
            (ax1, ay1), (bx1, by1) = xy(a), xy(b)  # the same normal for both directions
            dx, dy = bx1 - ax1, by1 - ay1
            norm = math.hypot(dx, dy) or 1.0
            shift = (i - (k - 1) / 2) * spacing
            transform = offset_copy(
                ax.transData, fig=fig, x=-dy / norm * shift, y=dx / norm * shift, units="points"
            )
            ax.plot(
                [x1, x2],
                [y1, y2],
                color=colour[rec["corridor"]],
                lw=width(rec["volume"]),
                solid_capstyle="round",
                transform=transform,
                zorder=3,
                alpha=0.9,
            )
    for node in sorted(where):
        x, y = xy(node)
        used = node in used_nodes
        ax.plot(
            x,
            y,
            "o",
            ms=5 if used else 3,
            color="#202020" if used else "#9a9a9a",
            zorder=5,
        )
        if used:
            ax.annotate(
                node, (x, y), xytext=(4, 4), textcoords="offset points", fontsize=7, zorder=6
            )
    handles = [Line2D([], [], color=colour[c], lw=4, label=c) for c in corridors]
    if vmax > 0:
        for v in (vmax, vmax / 2):
            handles.append(
                Line2D(
                    [],
                    [],
                    color="#606060",
                    lw=width(v),
                    label=f"{v:,.0f} cu" if v >= 10 else f"{v:.3g} cu",
                )
            )
    if context:
        handles.append(Line2D([], [], color=GREY, lw=0.7, ls="--", label="unused leg"))
    if handles:
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            fontsize=8,
            title="corridor / flow",
            title_fontsize=8,
        )
    ax.set_xlabel("longitude (scaled by cos of the mean latitude)")
    ax.set_ylabel("latitude")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda t, _: f"{t / scale:.0f}"))
    ax.grid(True, color="#eeeeee", zorder=0)
    ax.set_title(title or "The plan: flow per leg over the whole horizon (width) by corridor")
    fig.tight_layout()
    _save_png(fig, path)
    return PlanMap(path, legs, warnings)


def _palette(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def _save_png(fig, path: Path) -> None:
    """Write beside the target, then rename over it: a failed draw leaves the old PNG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".png.tmp", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, format="png", metadata={"Software": None})
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def png_path(results_path: Path) -> Path:
    return results_path.with_name(f"{results_path.stem}_map.png")


def run_map(
    source: str | Path | Inputs,
    output: str | Path,
    *,
    time_limit: float | None = None,
    gap: float | None = None,
):
    """Solve, draw the plan and write the results workbook with a Map sheet.

    Returns (pipeline Outcome, PlanMap or None when there is no plan)."""
    from ..io.load import read_workbook
    from ..io.write import write_results
    from ..pipeline import run

    output = Path(output)
    inputs = source if isinstance(source, Inputs) else read_workbook(source)
    outcome = run(inputs, time_limit=time_limit, gap=gap)
    results = outcome.results
    if not outcome.result.has_solution:
        outcome.path = write_results(results, output)
        return outcome, None
    name = Path(inputs.source).name if inputs.source else ""
    title = f"{name}: flow per leg over the whole horizon (width) by corridor".lstrip(": ")
    drawing = draw_map(inputs, results.sheets["Flows"], png_path(output), title)
    results.sheets[SHEET] = drawing.legs
    if drawing.warnings:
        notes = pd.DataFrame({"level": "warning", "where": SHEET, "message": drawing.warnings})
        results.sheets["Log"] = pd.concat([results.sheets["Log"], notes], ignore_index=True)
    outcome.path = write_results(results, output, images={SHEET: drawing.path})
    return outcome, drawing


def add_arguments(p) -> None:
    from ..cli import add_solve_options

    p.add_argument("input", type=Path)
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        help="results file (default: INPUT_results.xlsx beside it); the PNG goes beside it",
    )
    add_solve_options(p)


def run(args) -> int:
    from ..io.write import check_output

    output = check_output(
        args.output or args.input.with_name(f"{args.input.stem}_results.xlsx"), [args.input]
    )
    outcome, drawing = run_map(args.input, output, time_limit=args.time_limit, gap=args.gap)
    if drawing is None:
        print(
            f"no plan to draw (status {outcome.results.summary['status']}); "
            f"results: {outcome.path}",
            file=sys.stderr,
        )
        return outcome.exit_code or 1
    print(f"map: {drawing.path}\nresults: {outcome.path} (sheet {SHEET})")
    return outcome.exit_code
