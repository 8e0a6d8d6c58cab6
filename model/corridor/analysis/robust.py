"""`corridor robust`: a plan that still delivers when any one guarded closure happens.

``corridor robust IN.xlsx [--min-delivery 0.8] [--against transit_country,chokepoint]``
solves the workbook in robust mode (spec section 7; the options override the Settings
``robust_min_delivery`` and ``robust_against``) and, beside it, the same workbook without
robust mode, so the planner sees the **price of robustness**:

``Price of robustness``  item by item, without and with robust mode and the difference:
                         total cost and its components, the corridors used and booked,
                         the highest transit-country share of each commodity
``Robustness sweep``     the robust plan's cost at min_delivery 0, 0.25, 0.5, 0.75, 1
                         (``--sweep``), solved on one model: a new floor is one coefficient
                         per floor row; copies are added only when a point needs them

The workbook holds the robust plan's sheets (with ``Robustness`` and ``Booking``) after the
Dashboard, then those two sheets.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np
import pandas as pd

from ..build import build
from ..data import Inputs
from ..features.robust import all_copies, guards, set_floor_level
from ..highs import HighsModel, SolveOptions
from ..pipeline import solve_workbook
from ..report import Block, ChartSpec, Dashboard
from ..robust import copy_figures, evaluate, master, recourse_options, violated
from ..schema import COST_COMPONENTS, ROBUST_KINDS
from .command import Command, CommandError, Report, fmt_money

PRICE_SHEET = "Price of robustness"
SWEEP_SHEET = "Robustness sweep"
SWEEP = (0.0, 0.25, 0.5, 0.75, 1.0)


def robust_inputs(inputs: Inputs, min_delivery: float | None, against: str | None) -> Inputs:
    settings = dict(inputs.settings)
    if min_delivery is not None:
        settings["robust_min_delivery"] = min_delivery
    if against:
        kinds = tuple(k.strip() for k in against.split(",") if k.strip())
        bad = [k for k in kinds if k not in ROBUST_KINDS]
        if bad:
            raise CommandError(
                f"--against {', '.join(bad)}: expected kinds among {', '.join(ROBUST_KINDS)}"
            )
        settings["robust_against"] = kinds
    if settings.get("robust_min_delivery") is None:
        settings["robust_min_delivery"] = 1.0
    return inputs.with_changes(settings=settings)


def _corridors(results, booked: bool) -> str:
    if booked:
        booking = results.sheets.get("Booking")
        if booking is None or booking.empty:
            return ""
        routes = booking.loc[booking["booked"].fillna(0) > 1e-9, "route"]
        corridor = results.sheets["Routes"].set_index("route")["corridor"]
        return ", ".join(sorted(set(corridor.reindex(routes).dropna())))
    routes = results.sheets["Routes"]
    return ", ".join(sorted(set(routes.loc[routes["used"] == "yes", "corridor"])))


def _highest_shares(results) -> dict[str, str]:
    exposure = results.sheets.get("Exposure")
    out = {}
    if exposure is None or exposure.empty:
        return out
    transit = exposure[exposure["measure"] == "transit_country"]
    for k, rows in transit.groupby("commodity", sort=False):
        best = rows.loc[rows["share"].idxmax()]
        out[f"highest transit share: {k}"] = f"{best['share']:.1%} ({best['value']})"
    return out


def price_of_robustness(plain, robust) -> pd.DataFrame:
    """Item by item: without robust mode, with it, and the difference (money rows, whose
    unit is the currency)."""
    rows = []
    for item in ("objective", *COST_COMPONENTS):
        a, b = plain.summary.get(item), robust.summary.get(item)
        if not (a or b):
            continue
        rows.append(
            {
                "item": "total cost" if item == "objective" else item,
                "unit": robust.currency,
                "without": a,
                "robust": b,
                "difference": (b or 0.0) - (a or 0.0),
            }
        )
    rows.append(
        {
            "item": "corridors used",
            "without": _corridors(plain, False),
            "robust": _corridors(robust, False),
        }
    )
    rows.append({"item": "corridors booked", "without": "", "robust": _corridors(robust, True)})
    a, b = _highest_shares(plain), _highest_shares(robust)
    for item in dict.fromkeys([*a, *b]):
        rows.append({"item": item, "without": a.get(item, ""), "robust": b.get(item, "")})
    return pd.DataFrame(rows, columns=["item", "unit", "without", "robust", "difference"])


def sweep(inputs: Inputs, options: SolveOptions, levels=SWEEP) -> pd.DataFrame:
    """The robust plan's cost at each min_delivery (every guard's floor set to it), on one
    HiGHS model: from the highest level down, a new level is one coefficient per floor row
    (and a demand floor's bound: features.robust.set_floor_level); the model is rebuilt
    only when a level needs a copy it lacks (robust.py's test)."""
    base = build(inputs)
    base_n = base.n_cols
    every_guard = all_copies(inputs, guards(inputs))
    included: set[tuple[str, str]] = set()
    model = lp = None
    rows, solves, builds = [], 0, 0
    for level in sorted(levels, reverse=True):
        every = [(replace(g, min_delivery=level), t) for g, t in every_guard]
        if not any(g.min_delivery > 0 or g.probability > 0 for g, _ in every):
            # floors of 0 and no probability: copies seldom bind, and re-solving them from
            # the last level's basis took over 5 minutes at medium size (the copies are
            # wholly degenerate); start again from no copy and add those that bind
            included, model = set(), None
        while True:
            if model is None:
                lp = master(inputs, [c for c in every if (c[0].name, c[1]) in included])
                model = HighsModel(lp)
                builds += 1
            else:
                (rows_, cols, vals), (bound_rows, lower, upper) = set_floor_level(lp, inputs, level)
                model.change_coeffs(rows_, cols, vals)
                if len(bound_rows):
                    model.change_row_bounds(bound_rows, lower, upper)
            result = model.run(recourse_options(options, bool(included)))
            solves += 1
            if not result.has_solution:
                break
            x_first = model.values()[:base_n]
            ev = evaluate(inputs, base, x_first, every, options)
            if not ev.checked:  # no level is robust unless every closure was checked
                result = ev.unchecked()
                break
            figures = copy_figures(ev, inputs, x_first)
            more = violated(figures, included)
            if not more:
                break
            included |= more
            model = None
        rows.append(
            {
                "min_delivery": level,
                "total_cost": result.objective if result.has_solution else None,
                "status": result.status,
            }
        )
    frame = pd.DataFrame(rows).sort_values("min_delivery").reset_index(drop=True)
    lowest = frame["total_cost"].iloc[0]
    frame["premium"] = frame["total_cost"] - lowest if lowest is not None else np.nan
    frame.attrs.update(solves=solves, builds=builds)
    return frame[["min_delivery", "total_cost", "premium", "status"]]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--min-delivery",
        type=float,
        metavar="SHARE",
        help="share of each contract's delivery that must still arrive in a closure "
        "(default: the setting, else 1)",
    )
    p.add_argument(
        "--against",
        metavar="KINDS",
        help="comma-separated: transit_country, origin_country, chokepoint, corridor "
        "(default: the setting)",
    )
    p.add_argument(
        "--no-sweep",
        dest="sweep",
        action="store_false",
        help="skip the sweep over min_delivery 0, 0.25, 0.5, 0.75, 1",
    )


def compute(inputs: Inputs, args: argparse.Namespace, options: SolveOptions) -> Report:
    robust_in = robust_inputs(inputs, args.min_delivery, args.against)
    robust = solve_workbook(robust_in, options)
    plain = solve_workbook(robust_in.without_robust(), options)
    results = robust.results
    currency = results.currency
    md = robust_in.settings["robust_min_delivery"]
    lines = [f"robust plan ({md:.0%} of every contract in any guarded closure): {results.status}"]
    if robust.result.has_solution and plain.result.has_solution:
        price = price_of_robustness(plain.results, results)
        results.sheets[PRICE_SHEET] = price
        extra = results.summary["objective"] - plain.results.summary["objective"]
        lines.append(
            f"  cost {fmt_money(results.summary['objective'], currency)} against "
            f"{fmt_money(plain.results.summary['objective'], currency)} without: the price of "
            f"robustness is {fmt_money(extra, currency)}"
        )
        lines.append(f"  corridors booked: {_corridors(results, True) or 'none'}")
        if args.sweep:
            table = sweep(robust_in, options)
            results.sheets[SWEEP_SHEET] = table
            results.charts.append(
                ChartSpec(
                    sheet=SWEEP_SHEET,
                    kind="line",
                    title="Cost of the robust plan against the share that must still arrive",
                    categories="min_delivery",
                    series=["total_cost"],
                    y_format="money",
                )
            )
            for r in table.itertuples(index=False):
                lines.append(
                    f"  min_delivery {r.min_delivery:.0%}: {fmt_money(r.total_cost, currency)} "
                    f"({r.status})"
                )
        results.dashboard = Dashboard(
            title=f"Robust plan: {results.input_file}",
            subtitle=f"{md:.0%} of every contract must arrive in any one guarded closure",
            blocks=[
                Block(
                    PRICE_SHEET,
                    price,
                    {
                        "item": "text",
                        "unit": "text",
                        "without": "general",
                        "robust": "general",
                        "difference": "money",
                    },
                ),
                *(
                    [
                        Block(
                            SWEEP_SHEET,
                            results.sheets[SWEEP_SHEET],
                            {
                                "min_delivery": "share",
                                "total_cost": "money",
                                "premium": "money",
                                "status": "text",
                            },
                        )
                    ]
                    if SWEEP_SHEET in results.sheets
                    else []
                ),
            ],
        )
    elif robust.result.status == "infeasible":
        lines.append("no plan survives every guarded closure; see the Diagnosis sheet")
    return Report(results, robust.exit_code, lines)


COMMAND = Command(
    "robust",
    "a plan that survives any one closure, and what that costs",
    "robust",
    compute,
    add_arguments,
)
