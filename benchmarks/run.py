"""corridor benchmarks: where the time goes, from workbook to results, against plain arrays.

    make bench                                   # everything (the large LP takes minutes)
    python benchmarks/run.py --sizes small medium --skip-extras
    python benchmarks/run.py --extras-only

Every measurement runs in a fresh Python process (``--part NAME``), so each has its own
peak memory and none warms another's caches. Figures go to benchmarks/results/:
stages.csv and stages.png (per size), extras.json (everything else).

Stages, per size (small 1k, medium 50k, large 1M flow variables: ``generate.SIZES``),
wall seconds of one run in one process:

    read      workbook -> raw cells -> typed tables (python-calamine; io.read, io.cells)
    prepare   validate across sheets and derive (data.prepare -> Inputs)
    build     Inputs -> LinearProgram (build.build: the feature modules' blocks)
    handoff   LinearProgram -> HiGHS (highs.HighsModel: CSC matrix + one passModel)
    solve     HiGHS, as `corridor solve` does it (independent blocks split when it pays;
              `blocks` says how many), plus joining the blocks' values and duals
    extract   solution -> result tables (results.extract)
    write     result tables -> workbook (io.write.write_results)

each with its CPU seconds beside it (``cpu_<stage>``: less sensitive than wall time to other
work on a shared machine; the solve's counts every thread), plus the peak resident memory
of the process (it includes the generated workbook's frames,
made before the clock starts) and the LP's size. ``baseline`` is benchmarks/baseline.py: the
same LP assembled with numpy and passed in one ``passModel``, best of 3 fresh processes;
its size is asserted equal to corridor's. ``build_handoff_best`` is build + handoff timed
the same way (best of 3 fresh processes that only build and hand off), and ``ratio`` =
build_handoff_best / baseline.

Extras: ``corridor solve`` end to end against benchmarks/baseline_program.py on a ~90k-flow
workbook (both as commands, interpreter start-up included, best of 3; same optimum and LP
size asserted; corridor once more with the block split off); the stress test (every
closure) and 100 scenarios on the medium instance, seconds per re-solve against one solve
of the same LP from a warm basis; reading 100k contract rows; writing 200k flow rows; the
bundled example end to end; the frontier sweep on one model against independent solves
(benchmarks/frontier_bench.py); one LP against its independent blocks (benchmarks/blocks.py);
tight against loose big-M on a small instance with integer decisions.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "results"
sys.path.insert(0, str(HERE))

STAGES = ("read", "prepare", "build", "handoff", "solve", "extract", "write")
E2E_SHAPE = dict(routes=1800, commodities=5, periods=10)  # 90,000 flow variables


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _clock():
    start = time.perf_counter()
    return lambda: time.perf_counter() - start


class Stages:
    """Wall and CPU seconds of named stages (CPU: this process's, every thread counted;
    less sensitive than wall time to other work on a shared machine)."""

    def __init__(self, row: dict) -> None:
        self.row = row

    def __call__(self, name: str):
        row = self.row

        class _Stage:
            def __enter__(self):
                self.wall, self.cpu = time.perf_counter(), time.process_time()

            def __exit__(self, *exc):
                row[name] = time.perf_counter() - self.wall
                row[f"cpu_{name}"] = time.process_time() - self.cpu

        return _Stage()


# ------------------------------------------------------------------------- parts (fresh)


def part_stages(size: str, solve_limit: float) -> dict:
    """The pipeline on one generated instance, stage by stage (see the module docstring)."""
    from corridor.build import build
    from corridor.data import file_sha256, prepare
    from corridor.errors import Issues
    from corridor.generate import SIZES, generate_frames, write_workbook
    from corridor.highs import HighsModel, SolveOptions
    from corridor.io.cells import parse_sheets
    from corridor.io.read import read_raw
    from corridor.io.write import write_results
    from corridor.results import extract

    row: dict = {"size": size}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"{size}.xlsx"
        write_workbook(generate_frames(**SIZES[size]), src)
        stage = Stages(row)
        with stage("read"):
            issues = Issues()
            tables = parse_sheets(read_raw(src), issues)
        with stage("prepare"):
            inputs = prepare(tables, issues, str(src), file_sha256(src))
        with stage("build"):
            lp = build(inputs)
        with stage("handoff"):
            model = HighsModel(lp)
        options = SolveOptions(time_limit=solve_limit)
        with stage("solve"):
            result = model.run(options)
            solution = model.solution(result, options=options)
        row.update(status=result.status, objective=result.objective, blocks=result.blocks)
        with stage("extract"):
            results = extract(inputs, lp, solution, options)
        with stage("write"):
            write_results(results, Path(tmp) / "results.xlsx")
        row["flow_rows"] = len(results.sheets.get("Flows", []))
    size_of = lp.size()
    row.update(
        flows=len(inputs.flows),
        columns=size_of["columns"],
        rows=size_of["rows"],
        nonzeros=size_of["nonzeros"],
        peak_mb=peak_mb(),
    )
    return row


def part_baseline(size: str) -> dict:
    """The direct-array baseline (assemble + passModel), alone in a fresh process."""
    from corridor.generate import SIZES, generate_frames

    from baseline import baseline_lp

    frames = generate_frames(**SIZES[size])
    cpu = time.process_time()
    _, info = baseline_lp(frames)
    return {
        "baseline": info["assemble"] + info["pass"],
        "cpu_baseline": time.process_time() - cpu,
        "baseline_size": [info["num_col"], info["num_row"], info["nnz"]],
    }


def part_assemble(size: str) -> dict:
    """build + hand-off alone in a fresh process, timed like the baseline (best of 3 of
    these is set against the baseline's best of 3)."""
    import corridor
    from corridor.build import build
    from corridor.generate import SIZES, generate_frames
    from corridor.highs import HighsModel

    inputs = corridor.from_frames(generate_frames(**SIZES[size]))
    clock, cpu = _clock(), time.process_time()
    lp = build(inputs)
    built = clock()
    HighsModel(lp)
    return {
        "build": built,
        "build_and_handoff": clock(),
        "cpu_build_and_handoff": time.process_time() - cpu,
    }


def part_whatif(which: str, n: int = 100) -> dict:
    """Stress (every closure the plan uses) or `n` scenarios on the medium instance: seconds
    per re-solve, against the same changed LP solved again from its own optimal basis."""
    import numpy as np

    import corridor
    from corridor.analysis.batch import Footing, Job, run_job
    from corridor.analysis.stress import used_closures
    from corridor.generate import SIZES, generate_frames
    from corridor.highs import SolveOptions
    from corridor.plan import Plan
    from corridor.whatif import Change

    inputs = corridor.from_frames(generate_frames(**SIZES["medium"]))
    options = SolveOptions(time_limit=600)
    clock = _clock()
    base = Plan(inputs, options)
    solution = base.solve()
    cold = clock()
    clock = _clock()
    plan = Plan(inputs, options, closures=True)
    plan.solve(options, duals=False)
    whatif_cold = clock()
    if which == "stress":
        flow = base.lp.columns["flow"]
        closures = used_closures(inputs, solution.x[flow.start : flow.stop])
        jobs = [Job(str(c), [Change("close", str(c))]) for c in closures]
    else:
        rng = np.random.default_rng(0)
        legs, routes = list(inputs.legs.index), list(inputs.routes.index)
        nodes = list(inputs.capacity.loc[inputs.capacity["type"] == "node", "id"].unique())
        commodities = list(inputs.commodities.index)
        jobs = []
        for i in range(n):
            changes = [
                Change("scale_cost", f"leg:{rng.choice(legs)}", float(rng.uniform(0.8, 1.5))),
                Change("scale_capacity", f"node:{rng.choice(nodes)}", float(rng.uniform(0.5, 1))),
                Change(
                    "scale_volume",
                    f"commodity:{rng.choice(commodities)}",
                    float(rng.uniform(1, 1.2)),
                ),
            ]
            if i % 4 == 0:
                changes.append(Change("close", f"route:{rng.choice(routes)}"))
            jobs.append(Job(f"S{i:03d}", changes))
    per_job, warm, statuses = [], [], {}
    for job in jobs:
        clock = _clock()
        snap = run_job(plan, job, Footing(), options)
        per_job.append(clock())
        statuses[snap.status] = statuses.get(snap.status, 0) + 1
        clock = _clock()  # the same LP again, from the optimal basis just found
        plan.solve(options, duals=False)
        warm.append(clock())
    return {
        "instance_flows": len(inputs.flows),
        "jobs": len(jobs),
        "statuses": statuses,
        "cold_solve_s": cold,
        "whatif_plan_build_and_cold_solve_s": whatif_cold,
        "per_job_s": float(np.mean(per_job)),
        # a closure or scenario solves twice: most delivery first, then least cost
        "per_resolve_s": float(np.mean(per_job)) / 2,
        "warm_same_lp_s": float(np.mean(warm)),
        "total_s": float(np.sum(per_job)),
    }


def part_read_100k() -> dict:
    """Reading (cells -> typed tables), then validating and deriving, 100,000 contract rows."""
    from corridor.data import prepare
    from corridor.errors import Issues
    from corridor.generate import generate_frames, write_workbook
    from corridor.io.cells import parse_sheets
    from corridor.io.read import read_raw

    frames = generate_frames(routes=120, commodities=5, periods=4, contracts=100_000)
    contracts = frames["Contracts"].iloc[:100_000].copy()
    contracts["period"] = [f"P{i % 4 + 1}" for i in range(len(contracts))]
    frames["Contracts"] = contracts
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contracts.xlsx"
        write_workbook(frames, path)
        clock = _clock()
        issues = Issues()
        tables = parse_sheets(read_raw(path), issues)
        read = clock()
        inputs = prepare(tables, issues, str(path))
        both = clock()
    assert len(inputs.contracts) == 100_000
    return {"read_s": read, "read_and_prepare_s": both, "flows": len(inputs.flows)}


def part_write_200k() -> dict:
    """Writing a results workbook whose Flows sheet has 200,000 rows (14 columns)."""
    import numpy as np
    import pandas as pd

    from corridor.io.write import write_results
    from corridor.report import Results

    n = 200_000
    rng = np.random.default_rng(0)
    flows = pd.DataFrame(
        {
            "contract": [f"K{i // 8}" for i in range(n)],
            "period": "P1",
            "commodity": "U",
            "origin": "AKT",
            "destination": "YOK",
            "route": [f"R{i % 997}" for i in range(n)],
            "corridor": "Middle",
            "transit_countries": "AZ, GE, TR",
            "volume": rng.random(n) * 100,
            "unit_cost": rng.random(n) * 50,
            "cost": rng.random(n) * 5000,
            "offer": None,
            "price": np.nan,
            "days": rng.random(n) * 40,
        }
    )
    results = Results({"status": "optimal"}, {"Flows": flows})
    with tempfile.TemporaryDirectory() as tmp:
        clock = _clock()
        write_results(results, Path(tmp) / "w.xlsx")
        return {"write_s": clock(), "rows": n, "columns": flows.shape[1]}


def part_big_m() -> dict:
    """Tight against loose big-M (route_use) on a 200-route instance with fixed costs and
    lots, with and without HiGHS's presolve, each solved to a 0.01 % gap."""
    import corridor
    from corridor.generate import generate_frames
    from corridor.highs import SolveOptions
    from corridor.plan import Plan

    frames = generate_frames(
        routes=200, commodities=3, periods=4, seed=3, fixed_costs=True, lots=True
    )
    inputs = corridor.from_frames(frames)
    rows = []
    for presolve, tight in ((True, True), (True, False), (False, True), (False, False)):
        options = SolveOptions(
            time_limit=600, mip_gap=1e-4, highs_options={} if presolve else {"presolve": "off"}
        )
        plan = Plan(inputs, options, tight_big_m=tight)
        result = plan.solve(duals=False).result
        rows.append(
            {
                "big_m": "tight" if tight else "loose (1e7)",
                "presolve": presolve,
                "status": result.status,
                "objective": result.objective,
                "gap": result.gap,
                "seconds": result.solve_seconds,
                "nodes": result.nodes,
                "integer_columns": plan.lp.size()["integer_columns"],
            }
        )
    return {"runs": rows}


def part_frontier() -> dict:
    from frontier_bench import sweep_reuse

    import corridor
    from corridor.generate import SIZES, generate_frames

    return sweep_reuse(corridor.from_frames(generate_frames(**SIZES["medium"])), points=20)


def part_blocks() -> dict:
    from blocks import gil_check, measure

    out = measure(routes=1500, commodities=5, periods=12, repeat=3)
    out["small"] = [measure(routes=r, periods=t, repeat=5) for r, t in ((64, 4), (250, 4))]
    out["gil"] = gil_check()
    return out


PARTS = {
    "stress": lambda: part_whatif("stress"),
    "scenarios": lambda: part_whatif("scenarios"),
    "read_100k": part_read_100k,
    "write_200k": part_write_200k,
    "frontier": part_frontier,
    "blocks": part_blocks,
    "big_m": part_big_m,
}


# ---------------------------------------------------------------------------- the driver


def fresh(*args: str, timeout: float = 3600) -> dict:
    """Run this file with args in a new process; its last stdout line is JSON."""
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, timeout=timeout
    )
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"benchmark part {args} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


CHILD_CPU: list[float] = []  # CPU seconds (user + system) of each command run, in order


def command_seconds(argv: list[str], cwd: Path | None = None) -> tuple[float, str]:
    """Wall seconds of a command (its CPU seconds appended to CHILD_CPU)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    clock = _clock()
    done = subprocess.run(argv, capture_output=True, text=True, cwd=cwd)
    seconds = clock()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CHILD_CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"{argv[:3]} failed")
    return seconds, done.stdout


def end_to_end(repeats: int = 3) -> dict:
    """`corridor solve` against the baseline program on one ~90k-flow workbook."""
    import corridor
    from corridor.generate import generate_frames, write_workbook

    exe = [sys.executable, "-m", "corridor.cli", "solve"]
    no_split = [
        sys.executable,
        "-c",
        "import sys, corridor.highs as h; h.SPLIT_MIN_COLUMNS = 10**12; "
        "from corridor.cli import main; sys.exit(main())",
        "solve",
    ]
    out: dict = {"shape": E2E_SHAPE}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "e2e.xlsx"
        write_workbook(generate_frames(**E2E_SHAPE), src)
        inputs = corridor.read_workbook(src)
        out["flows"] = len(inputs.flows)
        best = {"corridor": float("inf"), "corridor_no_split": float("inf")}
        cpu = dict(corridor=float("inf"), corridor_no_split=float("inf"), baseline=float("inf"))
        runs = []
        for _ in range(repeats):
            s, _ = command_seconds([*exe, str(src), "-o", str(Path(tmp) / "c.xlsx"), "--json"])
            best["corridor"] = min(best["corridor"], s)
            cpu["corridor"] = min(cpu["corridor"], CHILD_CPU[-1])
            s, _ = command_seconds([*no_split, str(src), "-o", str(Path(tmp) / "n.xlsx"), "--json"])
            best["corridor_no_split"] = min(best["corridor_no_split"], s)
            cpu["corridor_no_split"] = min(cpu["corridor_no_split"], CHILD_CPU[-1])
            s, text = command_seconds(
                [
                    sys.executable,
                    str(HERE / "baseline_program.py"),
                    str(src),
                    str(Path(tmp) / "b.xlsx"),
                ],
                cwd=HERE,
            )
            runs.append((s, json.loads(text.strip().splitlines()[-1])))
            cpu["baseline"] = min(cpu["baseline"], CHILD_CPU[-1])
        base_s, base = min(runs, key=lambda r: r[0])
        plan = corridor.run(src)
    objective = plan.result.objective
    if abs(objective - base["objective"]) > 1e-9 * abs(base["objective"]):
        raise AssertionError(f"not the same optimum: {objective!r} vs {base['objective']!r}")
    if [plan.result.n_vars, plan.result.n_cons, plan.result.n_nonzeros] != [
        base["columns"],
        base["rows"],
        base["nonzeros"],
    ]:
        raise AssertionError("the baseline program's LP is not corridor's")
    out.update(
        corridor_s=best["corridor"],
        corridor_no_split_s=best["corridor_no_split"],
        baseline_program_s=base_s,
        baseline_steps=base,
        ratio=best["corridor"] / base_s,
        ratio_no_split=best["corridor_no_split"] / base_s,
        cpu_corridor_s=cpu["corridor"],
        cpu_corridor_no_split_s=cpu["corridor_no_split"],
        cpu_baseline_program_s=cpu["baseline"],
        objective=objective,
    )
    return out


def example_end_to_end(repeats: int = 3) -> float:
    """Best wall time of `corridor solve` on the bundled example, start-up included."""
    best = float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            s, _ = command_seconds(
                [
                    sys.executable,
                    "-m",
                    "corridor.cli",
                    "solve",
                    str(ROOT / "inputs" / "caspian_corridor.xlsx"),
                    "-o",
                    str(Path(tmp) / "r.xlsx"),
                ]
            )
            best = min(best, s)
    return best


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    flows = [r["flows"] for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for stage in STAGES:
        ax.plot(flows, [max(r[stage], 1e-3) for r in rows], marker="o", label=stage)
    ax.plot(
        flows, [r["baseline"] for r in rows], "k--", marker="x", label="baseline (arrays -> HiGHS)"
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("flow variables")
    ax.set_ylabel("seconds (wall)")
    ax.set_title(f"corridor stages by size ({platform.machine()}, {os.cpu_count()} cores)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def run_sizes(sizes: list[str], solve_limit: float) -> list[dict]:
    rows = []
    for size in sizes:
        row = fresh("--part", "stages", "--size", size, "--solve-limit", str(solve_limit))
        baselines = [fresh("--part", "baseline", "--size", size) for _ in range(3)]
        if baselines[0]["baseline_size"] != [row["columns"], row["rows"], row["nonzeros"]]:
            raise AssertionError(f"{size}: the baseline's LP size differs from corridor's")
        row["baseline"] = min(b["baseline"] for b in baselines)
        ours = [fresh("--part", "assemble", "--size", size) for _ in range(3)]
        row["build_handoff_best"] = min(a["build_and_handoff"] for a in ours)
        row["ratio"] = row["build_handoff_best"] / row["baseline"]
        row["cpu_baseline"] = min(b["cpu_baseline"] for b in baselines)
        row["cpu_build_handoff_best"] = min(a["cpu_build_and_handoff"] for a in ours)
        row["cpu_ratio"] = row["cpu_build_handoff_best"] / row["cpu_baseline"]
        rows.append(row)
        print(
            f"{size:>6}: {row['flows']:>9,} flows {row['columns']:>9,} cols {row['rows']:>8,} "
            f"rows {row['nonzeros']:>11,} nnz  "
            + "  ".join(f"{s} {row[s]:.2f}" for s in STAGES)
            + f"  | build+handoff best {row['build_handoff_best']:.2f}  "
            f"baseline {row['baseline']:.2f}  ratio {row['ratio']:.2f}x "
            f"(CPU {row['cpu_ratio']:.2f}x)  "
            f"peak {row['peak_mb']:,.0f} MB  {row['status']} ({row['blocks']} blocks)",
            flush=True,
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["small", "medium", "large"])
    parser.add_argument("--solve-limit", type=float, default=1800.0)
    parser.add_argument("--skip-extras", action="store_true")
    parser.add_argument("--extras-only", action="store_true")
    parser.add_argument("--only", nargs="+", help="extras to run (default: all)")
    parser.add_argument("--part", help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part == "stages":
        print(json.dumps(part_stages(args.size, args.solve_limit)))
        return
    if args.part == "baseline":
        print(json.dumps(part_baseline(args.size)))
        return
    if args.part == "assemble":
        print(json.dumps(part_assemble(args.size)))
        return
    if args.part:
        print(json.dumps(PARTS[args.part]()))
        return
    OUT.mkdir(exist_ok=True)
    machine = {
        "machine": platform.platform(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
    }
    if not args.extras_only:
        rows = run_sizes(args.sizes, args.solve_limit)
        with open(OUT / "stages.csv", "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        plot(rows, OUT / "stages.png")
    if args.skip_extras:
        return
    path = OUT / "extras.json"
    extras = json.loads(path.read_text()) if path.exists() and args.only else {}
    wanted = args.only or ["e2e", "example", *PARTS]
    for name in wanted:
        clock = _clock()
        if name == "e2e":
            extras[name] = end_to_end()
        elif name == "example":
            extras[name] = {"seconds": example_end_to_end()}
        else:
            extras[name] = fresh("--part", name)
        extras[name]["load_average_after"] = os.getloadavg()[0]
        print(f"{name} ({clock():.0f} s): {json.dumps(extras[name])}", flush=True)
    extras["machine"] = machine
    path.write_text(json.dumps(extras, indent=2))


if __name__ == "__main__":
    main()
