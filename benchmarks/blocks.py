"""Independent blocks: one whole LP against its blocks solved in turn, in threads, in processes.

    python benchmarks/blocks.py                      # 12 periods, ~90,000 flow variables
    python benchmarks/blocks.py --routes 600 --periods 4

The LP is a generated instance's (default cap per destination x commodity x period, capacity
per period, no rule over the horizon), so it falls apart by period; the blocks are found from
its matrix (`corridor.highs.independent_blocks`). Every variant starts from the program as
arrays (`LpArrays.of(lp)`), hands its model(s) to HiGHS and solves; the times include finding
the blocks and cutting the sub-programs. Each is the best of `--repeat` runs; every variant's
objective is checked against the whole LP's.

- whole: one HighsModel, `split=False`;
- in turn: each block its own HighsModel, one after another, in this process;
- threads: `SolveOptions(split=True)`, what corridor does (HiGHS releases the GIL: one
  thread per core);
- processes: the sub-programs sent to a pool of one process per core (started beforehand,
  not timed).

``--gil`` checks that HiGHS releases the GIL while it solves: a Python loop counting in a
second thread during a solve, against the same loop alone for as long.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor

import corridor
from corridor.build import build
from corridor.generate import generate_frames
from corridor.highs import HighsModel, LpArrays, SolveOptions, independent_blocks


def _solve(part: LpArrays) -> float:
    model = HighsModel(part)
    return model.run(SolveOptions(split=False, time_limit=600)).objective


def measure(routes: int = 1500, commodities: int = 5, periods: int = 12, repeat: int = 3):
    inputs = corridor.from_frames(
        generate_frames(routes=routes, commodities=commodities, periods=periods)
    )
    lp = build(inputs)
    cores = os.cpu_count() or 1

    def whole() -> float:
        return HighsModel(lp).run(SolveOptions(split=False, time_limit=600)).objective

    def in_turn() -> float:
        a = LpArrays.of(lp)
        return sum(_solve(a.part(c, r)) for c, r in independent_blocks(a.matrix))

    def threads() -> float:
        result = HighsModel(lp).run(SolveOptions(split=True, time_limit=600))
        assert result.blocks > 1
        return result.objective

    pool = ProcessPoolExecutor(cores)
    list(pool.map(abs, range(cores)))  # the workers are up before the clock starts

    def processes() -> float:
        a = LpArrays.of(lp)
        parts = [a.part(c, r) for c, r in independent_blocks(a.matrix)]
        return sum(pool.map(_solve, parts))

    out = {
        "columns": lp.n_cols,
        "rows": lp.n_rows,
        "nonzeros": lp.size()["nonzeros"],
        "blocks": len(independent_blocks(LpArrays.of(lp).matrix)),
        "cores": cores,
        "load_average": os.getloadavg()[0],
    }
    reference = None
    for name, run in (
        ("whole", whole),
        ("in_turn", in_turn),
        ("threads", threads),
        ("processes", processes),
    ):
        best = float("inf")
        for _ in range(repeat):
            t = time.perf_counter()
            objective = run()
            best = min(best, time.perf_counter() - t)
        reference = objective if reference is None else reference
        if abs(objective - reference) > 1e-9 * max(1.0, abs(reference)):
            raise AssertionError(f"{name}: objective {objective!r} != whole {reference!r}")
        out[f"{name}_s"] = best
    pool.shutdown()
    out["objective"] = reference
    return out


def gil_check(routes: int = 600, periods: int = 4) -> dict:
    """Counts per second of a Python loop alone and beside a HiGHS solve in another thread
    (about equal when run() releases the GIL; near zero when it holds it)."""
    import threading

    lp = build(corridor.from_frames(generate_frames(routes=routes, commodities=5, periods=periods)))

    def count(stop: threading.Event, out: list) -> None:
        n, start = 0, time.perf_counter()
        while not stop.is_set():
            n += 1
        out.append(n / (time.perf_counter() - start))

    stop, beside = threading.Event(), []
    spinner = threading.Thread(target=count, args=(stop, beside))
    model = HighsModel(lp)
    spinner.start()
    clock = time.perf_counter()
    model.run(SolveOptions(split=False))
    solve = time.perf_counter() - clock
    stop.set()
    spinner.join()
    stop, alone = threading.Event(), []
    timer = threading.Timer(solve, stop.set)
    timer.start()
    count(stop, alone)
    return {"solve_s": solve, "counts_per_s_alone": alone[0], "counts_per_s_beside": beside[0]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--routes", type=int, default=1500)
    p.add_argument("--commodities", type=int, default=5)
    p.add_argument("--periods", type=int, default=12)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--gil", action="store_true", help="only check that HiGHS releases the GIL")
    args = p.parse_args()
    if args.gil:
        print(json.dumps(gil_check()))
        return
    print(json.dumps(measure(args.routes, args.commodities, args.periods, args.repeat)))


if __name__ == "__main__":
    main()
