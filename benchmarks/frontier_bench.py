"""Frontier sweep on one reused solver model vs the same caps solved independently.

    python benchmarks/frontier_bench.py                 # medium: 50,000 flow variables
    python benchmarks/frontier_bench.py --size small --points 20

The instance is ``corridor.generate.generate_frames(**SIZES[size])``. The caps are the
frontier's own (``--points`` evenly from the uncapped share to the tightest feasible cap);
the reused sweep builds and compiles the model once and changes only the cap coefficients
between warm-started solves, each independent solve builds, compiles and solves from scratch.
"""

from __future__ import annotations

import argparse
import time

import corridor
from corridor.analysis.frontier import benchmark_sweep
from corridor.generate import SIZES, generate_frames


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", choices=sorted(SIZES), default="medium")
    p.add_argument("--points", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    start = time.perf_counter()
    inputs = corridor.from_frames(generate_frames(**SIZES[args.size], seed=args.seed))
    print(
        f"instance {args.size}: {len(inputs.flows):,} flow variables, "
        f"{int((inputs.rule_rows['rule'] == 'default_cap').sum()):,} default-cap rows "
        f"(prepared in {time.perf_counter() - start:.1f} s)"
    )
    b = benchmark_sweep(inputs, points=args.points)
    caps = b["caps"]
    print(f"caps: {caps[0]:.3f} (uncapped) ... {caps[-1]:.3f} (tightest), {b['points']} points")
    print(
        f"frontier command's sweep ({b['frontier_solves']} solves, with the search for the "
        f"tightest cap): "
        f"{b['frontier_seconds']:.2f} s"
    )
    print(
        f"reused model, {b['points']} points:      {b['reused_seconds']:8.2f} s "
        f"(one build + compile, then {b['reused_solve_seconds']:.2f} s of cap changes + solves)"
    )
    print(
        f"{b['points']} independent solves:         {b['independent_seconds']:8.2f} s "
        f"(solver {b['independent_solve_seconds']:.2f} s)"
    )
    print(
        f"speed-up {b['speedup']:.1f}x; objectives agree to {b['max_objective_gap']:.1e} (relative)"
    )


if __name__ == "__main__":
    main()
