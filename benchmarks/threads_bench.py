"""Do two threads solve at once? HiGHS solves in threads against the same solves in turn.

    python benchmarks/threads_bench.py                  # 4 LPs of ~24k columns
    python benchmarks/threads_bench.py --routes 800

Two measurements:

1. the GIL: a Python loop in the main thread counts while another thread solves a medium LP
   (``generate_frames(**SIZES["medium"])``); if ``_Highs.run()`` held the GIL the loop could
   not run during the solve, so its rate would collapse to near zero;
2. throughput: the same four LPs (prepared and handed to HiGHS before the clock starts) solved
   in turn, on 2 threads and on 4 threads, after one warm-up solve (HiGHS builds its
   process-wide thread pool on the first solve). Wall and CPU seconds.

Figures go to benchmarks/results/threads.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import corridor
from corridor.build import build
from corridor.generate import SIZES, generate_frames
from corridor.highs import HighsModel, SolveOptions

OUT = Path(__file__).resolve().parent / "results"


def gil_check() -> dict:
    """Loop iterations per second alone, and while another thread solves a medium LP."""
    lp = build(corridor.from_frames(generate_frames(**SIZES["medium"], seed=1)))
    model = HighsModel(lp)
    done = threading.Event()
    seconds = {}

    def solve():
        seconds["solve"] = model.run(SolveOptions()).solve_seconds
        done.set()

    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < 0.5:
        n += 1
    alone = n / (time.perf_counter() - start)
    thread = threading.Thread(target=solve)
    start, n = time.perf_counter(), 0
    thread.start()
    while not done.is_set():
        n += 1
    during = n / (time.perf_counter() - start)
    thread.join()
    return {
        "loop_rate_alone_per_s": alone,
        "loop_rate_during_solve_per_s": during,
        "medium_solve_seconds": seconds["solve"],
        "gil_released": during > 0.5 * alone,
    }


def throughput(routes: int) -> dict:
    """Four generated LPs solved in turn, then on 2 and on 4 threads."""
    sizes = dict(routes=routes, commodities=4, periods=3)
    lps = [build(corridor.from_frames(generate_frames(**sizes, seed=s))) for s in range(4)]

    def one(lp):
        return HighsModel(lp).run(SolveOptions()).objective

    one(lps[0])  # HiGHS sizes its thread pool on the first solve
    out: dict = {"columns_per_lp": lps[0].n_cols, "lps": len(lps)}
    objectives = {}
    for workers in (1, 2, 4):
        cpu, wall = time.process_time(), time.perf_counter()
        if workers == 1:
            objectives[workers] = [one(lp) for lp in lps]
        else:
            with ThreadPoolExecutor(workers) as pool:
                objectives[workers] = list(pool.map(one, lps))
        out[f"workers_{workers}"] = {
            "wall_seconds": round(time.perf_counter() - wall, 3),
            "cpu_seconds": round(time.process_time() - cpu, 3),
        }
    out["same_objectives"] = objectives[1] == objectives[2] == objectives[4]
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--routes", type=int, default=2000)
    args = p.parse_args(argv)
    report = {
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}",
        "gil": gil_check(),
        "throughput": throughput(args.routes),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "threads.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
