"""Frontier sweep on one reused solver model vs the same caps solved independently.

    python benchmarks/frontier_bench.py                 # medium: 50,000 flow variables
    python benchmarks/frontier_bench.py --size small --points 20

The instance is ``corridor.generate.generate_frames(**SIZES[size])``. The caps run evenly
from the uncapped plan's highest share down to 1/3 (every generated instance is feasible at
any cap >= 1/3: see corridor.generate). The reused sweep is the frontier command's own
`Sweeper`: one Plan, only the cap coefficients changed between warm solves. Each independent
solve builds the program (`build`), hands it to HiGHS and solves it cold. Both sweeps solve
the same LPs: their objectives are checked to agree.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import corridor
from corridor.analysis.frontier import Sweeper
from corridor.generate import SIZES, generate_frames
from corridor.highs import SolveOptions
from corridor.plan import Plan


def sweep_reuse(inputs, points: int = 20, options: SolveOptions | None = None) -> dict:
    """Seconds of a reused sweep and of independent solves at the same caps (see above)."""
    options = options or SolveOptions(time_limit=600)
    start = time.perf_counter()
    sweeper = Sweeper(inputs, options=options)
    uncapped = sweeper.solve_at(1.0, kind="uncapped")
    built = time.perf_counter() - start
    caps = list(np.linspace(min(uncapped.highest, 0.99), 1 / 3, points))
    reused = []
    t = time.perf_counter()
    for cap in caps:
        reused.append(sweeper.solve_at(float(cap)).objective)
    reused_seconds = time.perf_counter() - t
    independent = []
    t = time.perf_counter()
    for cap in caps:
        plan = Plan(sweeper.inputs, options)
        plan.set_cap(float(cap), rule=sweeper.rule)
        independent.append(plan.solve(duals=False).result.objective)
    independent_seconds = time.perf_counter() - t
    gap = max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(reused, independent, strict=True))
    if gap > 1e-6:
        raise AssertionError(f"the two sweeps disagree (relative gap {gap:.1e})")
    return {
        "points": points,
        "caps": [float(c) for c in caps],
        "first_build_and_solve_s": built,
        "reused_s": reused_seconds,
        "independent_s": independent_seconds,
        "speedup": independent_seconds / reused_seconds,
        "max_objective_gap": gap,
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", choices=sorted(SIZES), default="medium")
    p.add_argument("--points", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    inputs = corridor.from_frames(generate_frames(**SIZES[args.size], seed=args.seed))
    b = sweep_reuse(inputs, args.points)
    print(f"instance {args.size}: {len(inputs.flows):,} flow variables, {b['points']} caps")
    print(
        f"reused model:       {b['reused_s']:8.2f} s (after {b['first_build_and_solve_s']:.2f} s)"
    )
    print(f"independent solves: {b['independent_s']:8.2f} s")
    print(f"speed-up {b['speedup']:.1f}x; objectives agree to {b['max_objective_gap']:.1e}")


if __name__ == "__main__":
    main()
