"""Robust plans at scale: the extensive form (closures x periods copies) on generated instances.

    python benchmarks/robust_bench.py                       # small and medium, lazy and full
    python benchmarks/robust_bench.py --sizes medium --modes lazy

Each instance is ``corridor.generate.generate_frames(**SIZES[size])`` with
``robust_min_delivery`` (``--min-delivery``, default 1) against every transit country the
routes cross, and a booking cost of 1 per capacity unit on every route (without bookings the
generated instances are robust as they stand: capacities are 1.5-3 times a feasible plan's
loads and a closure suspends the default cap, so no copy ever binds and the robust plan is the
plain one). Reported per size and mode: flow variables, guarded closures, recourse copies
(closure x period) and their columns, rounds, copies in the final master, seconds, the robust
and the plain optimum. ``lazy`` starts from no copy and adds those that bind; ``full`` solves
the whole extensive form at once. Figures go to benchmarks/results/robust.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import pandas as pd

import corridor
from corridor.features.robust import all_copies, guards
from corridor.generate import SIZES, generate_frames
from corridor.highs import SolveOptions
from corridor.robust import solve_robust

OUT = Path(__file__).resolve().parent / "results" / "robust.json"


def instance(size: str, min_delivery: float, against: str = "transit_country"):
    frames = generate_frames(**SIZES[size])
    extra = pd.DataFrame(
        [
            {"setting": "robust_min_delivery", "value": min_delivery},
            {"setting": "robust_against", "value": against},
        ]
    )
    frames["Settings"] = pd.concat([frames["Settings"], extra], ignore_index=True)
    frames["Routes"] = frames["Routes"].assign(booking_cost=1.0)
    return corridor.from_frames(frames)


def one(size: str, mode: str, min_delivery: float, time_limit: float, against: str) -> dict:
    inputs = instance(size, min_delivery, against)
    every = all_copies(inputs, guards(inputs))
    per_period = inputs.flows.groupby("period").size()
    row = {
        "date": time.strftime("%Y-%m-%d"),
        "cpus": os.cpu_count(),
        "size": size,
        "mode": mode,
        "against": against,
        "flows": len(inputs.flows),
        "closures": len(guards(inputs)),
        "copies": len(every),
        "recourse_flow_columns": int(sum(per_period.get(t, 0) for _, t in every)),
    }
    start = time.perf_counter()
    out = solve_robust(inputs, SolveOptions(time_limit=time_limit), lazy=mode == "lazy")
    row.update(
        seconds=round(time.perf_counter() - start, 2),
        status=out.solution.status,
        rounds=out.rounds,
        copies_in_master=len(out.copies),
        robust_objective=out.solution.result.objective,
    )
    plain = corridor.Plan(inputs.without_robust()).solve(duals=False)
    row["plain_objective"] = plain.result.objective
    return row


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", nargs="+", default=["small", "medium"], choices=sorted(SIZES))
    p.add_argument("--modes", nargs="+", default=["full", "lazy"], choices=["full", "lazy"])
    p.add_argument("--min-delivery", type=float, default=1.0)
    p.add_argument("--time-limit", type=float, default=1800.0)
    p.add_argument(
        "--against",
        default="transit_country",
        help="robust_against (comma-separated kinds); transit_country,chokepoint guards more",
    )
    p.add_argument("--out", type=Path, default=OUT, help="where the figures go")
    args = p.parse_args(argv)
    rows = []
    for size in args.sizes:
        for mode in args.modes:
            row = one(size, mode, args.min_delivery, args.time_limit, args.against)
            print(json.dumps(row), flush=True)
            rows.append(row)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
