"""Re-solving through `corridor.Plan` against rebuilding, at medium size.

    python benchmarks/plan_resolve.py                  # medium: 50,000 flow variables
    python benchmarks/plan_resolve.py --size small

The instance is ``corridor.generate.generate_frames(**SIZES[size])`` (an LP). For each change

    cost       transport +10 % on every leg          plan.set_cost("all", factor=1.1)
    capacity   every capacity -10 %                   plan.set_capacity("all", None, factor=0.9)
    closure    the transit country carrying most      plan.close("transit_country:X")

it times (best of ``--repeat``, 3: the machine may be busy)

    re-solve   the change and a solve on a Plan that has already solved the base (warm: HiGHS
               starts from the last basis), then reset();
    rebuild    a fresh Plan of the same inputs (build + hand-off to HiGHS), the same change
               and a cold solve: what a caller without the Plan object would pay.

Both must reach the same objective (checked). Preparing the inputs from the frames
(`from_frames`: read, validate, derive) comes on top of a rebuild whenever the data change and
is reported once. Figures go to benchmarks/results/plan_resolve.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import corridor
from corridor.generate import SIZES, generate_frames

OUT = Path(__file__).resolve().parent / "results"


def busiest_transit_country(plan: corridor.Plan) -> str:
    exposure = plan.results()["Exposure"]
    transit = exposure[exposure["measure"] == "transit_country"]
    return str(transit.groupby("value")["flow_through"].sum().idxmax())


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", choices=sorted(SIZES), default="medium")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeat", type=int, default=3, help="best of this many (3)")
    args = p.parse_args(argv)

    frames = generate_frames(**SIZES[args.size], seed=args.seed)
    start = time.perf_counter()
    inputs = corridor.from_frames(frames)
    prepare = time.perf_counter() - start

    start = time.perf_counter()
    plan = corridor.Plan(inputs)
    built = time.perf_counter() - start
    first = plan.solve(duals=False)
    base_seconds = time.perf_counter() - start
    country = busiest_transit_country(plan)
    changes = {
        "cost": ("transport +10 % on every leg", lambda p: p.set_cost("all", factor=1.1)),
        "capacity": (
            "every capacity -10 %",
            lambda p: p.set_capacity("all", None, factor=0.9),
        ),
        "closure": (
            f"transit_country:{country} closed",
            lambda p: p.close(f"transit_country:{country}"),
        ),
    }
    report: dict = {
        "instance": f"generate_frames(**SIZES[{args.size!r}], seed={args.seed})",
        "flow_variables": len(inputs.flows),
        "columns": plan.lp.n_cols,
        "rows": plan.lp.n_rows,
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}",
        "repeat": args.repeat,
        "prepare_seconds": round(prepare, 3),
        "base": {
            "build_and_handoff_seconds": round(built, 3),
            "solve_seconds": round(first.result.solve_seconds, 3),
            "total_seconds": round(base_seconds, 3),
            "objective": first.result.objective,
        },
        "changes": {},
    }
    for name, (what, change) in changes.items():
        resolves, rebuilds = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            change(plan)
            warm = plan.solve(duals=False)
            resolves.append((time.perf_counter() - start, warm))
            plan.reset()
            plan.solve(duals=False)  # back at the base plan's basis for the next change

            start = time.perf_counter()
            fresh = corridor.Plan(inputs)
            fresh_built = time.perf_counter() - start
            change(fresh)
            cold = fresh.solve(duals=False)
            rebuilds.append((time.perf_counter() - start, fresh_built, cold))
        resolve, warm = min(resolves, key=lambda r: r[0])
        rebuild, fresh_built, cold = min(rebuilds, key=lambda r: r[0])
        same = abs(warm.result.objective - cold.result.objective) <= 1e-6 * max(
            1.0, abs(cold.result.objective)
        )
        report["changes"][name] = {
            "change": what,
            "status": warm.status,
            "resolve_seconds": round(resolve, 3),
            "resolve_solver_seconds": round(warm.result.solve_seconds, 3),
            "rebuild_seconds": round(rebuild, 3),
            "rebuild_build_and_handoff_seconds": round(fresh_built, 3),
            "rebuild_solver_seconds": round(cold.result.solve_seconds, 3),
            "speedup": round(rebuild / resolve, 1) if resolve > 0 else None,
            "same_objective": same,
        }
        print(
            f"{name:9s} {what:40s} re-solve {resolve:6.2f} s   rebuild {rebuild:6.2f} s "
            f"(build + hand-off {fresh_built:.2f} s)   x{rebuild / resolve:.1f}"
            + ("" if same else "   OBJECTIVES DIFFER")
        )
    print(
        f"from_frames (data changed: read, validate, derive) adds {prepare:.2f} s to every "
        f"rebuild; {len(inputs.flows):,} flow variables"
    )
    OUT.mkdir(exist_ok=True)
    (OUT / "plan_resolve.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


if __name__ == "__main__":
    main()
