"""corridor benchmarks: where the time goes, from workbook to results, at three sizes.

Run with ``make bench`` (all sizes; the large LP alone takes minutes on 2 cores) or
``python benchmarks/run.py --sizes small medium``. Each size runs in a fresh process so its
peak memory is its own. For each size it reports the seconds spent

    read      workbook -> raw cells -> typed tables (python-calamine)
    validate  cross-sheet checks and derived facts (pandas)
    build     the Pyomo model
    handoff   Pyomo model -> arrays -> highspy.passModel
    solve     HiGHS
    extract   values -> result tables
    write     results workbook

plus peak memory, the LP's size, and the direct-array baseline (benchmarks/baseline.py,
the same LP assembled with numpy and passed in one call): ratio = (build + handoff) /
(baseline assemble + pass), the baseline timed alone in fresh processes (best of 3).
Extra checks: reading 100k contract rows, writing 200k flow rows, the bundled example end
to end, the hand-off compared with Pyomo's persistent
interface and its standard-form compiler, and the tight against the loose big-M on a
200-route instance with fixed costs and lots. Figures go to benchmarks/results/ as CSV
and a plot of time against size.
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

STAGES = ("read", "validate", "build", "handoff", "solve", "extract", "write")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_size(size: str, solve_limit: float) -> dict:
    """The whole pipeline on one generated instance, stage by stage."""
    import corridor
    from corridor.data import file_sha256, prepare
    from corridor.errors import Issues
    from corridor.generate import SIZES, generate_frames, write_workbook
    from corridor.io.cells import parse_sheets as _tables
    from corridor.io.read import read_raw
    from corridor.results import extract
    from corridor.solve import SolveOptions, compile_model, load_values, run

    frames = generate_frames(**SIZES[size])
    row: dict = {"size": size}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"{size}.xlsx"
        write_workbook(frames, src)
        t = time.perf_counter()
        issues = Issues()
        tables = _tables(read_raw(src), issues)
        row["read"] = time.perf_counter() - t
        t = time.perf_counter()
        inputs = prepare(tables, issues, str(src), file_sha256(src))
        row["validate"] = time.perf_counter() - t
        t = time.perf_counter()
        model = corridor.build_model(inputs)
        row["build"] = time.perf_counter() - t
        t = time.perf_counter()
        compiled = compile_model(model)
        row["handoff"] = time.perf_counter() - t
        options = SolveOptions(time_limit=solve_limit)
        result = run(compiled, options)
        row["solve"] = result.solve_seconds
        row["status"] = result.status
        row["objective"] = result.objective
        t = time.perf_counter()
        if result.has_solution:
            load_values(compiled, result)
        results = extract(model, inputs, result, options)
        row["extract"] = time.perf_counter() - t
        t = time.perf_counter()
        corridor.write_results(results, Path(tmp) / "results.xlsx")
        row["write"] = time.perf_counter() - t
        row["flow_rows"] = len(results.sheets.get("Flows", []))
    row.update(
        flows=len(inputs.flows),
        variables=result.n_vars,
        constraints=result.n_cons,
        nonzeros=result.n_nonzeros,
    )
    row["peak_mb"] = peak_mb()
    return row


def one_baseline(size: str) -> dict:
    """The direct-array baseline, alone in a fresh process like the pipeline."""
    from corridor.generate import SIZES, generate_frames

    from baseline import baseline_lp

    _, info = baseline_lp(generate_frames(**SIZES[size]))
    return {"baseline": info["assemble"] + info["pass"]}


def read_100k_contracts() -> dict[str, float]:
    """Seconds to read (cells -> typed tables) and then validate and derive (Inputs) a
    workbook with 100,000 contract rows."""
    from corridor.data import prepare
    from corridor.errors import Issues
    from corridor.generate import generate_frames, write_workbook
    from corridor.io.cells import parse_sheets as _tables
    from corridor.io.read import read_raw

    frames = generate_frames(
        routes=120, commodities=5, periods=4, contracts=100_000, routes_per_pair=3
    )
    # 100k rows, each its own contract in one period: 300k flow variables to derive
    contracts = frames["Contracts"].iloc[:100_000].copy()
    contracts["period"] = [f"P{i % 4 + 1}" for i in range(len(contracts))]
    frames["Contracts"] = contracts
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contracts.xlsx"
        write_workbook(frames, path)
        t = time.perf_counter()
        issues = Issues()
        tables = _tables(read_raw(path), issues)
        read = time.perf_counter() - t
        inputs = prepare(tables, issues, str(path))
        total = time.perf_counter() - t
    assert len(inputs.contracts) == 100_000
    return {"read": read, "read_and_validate": total, "flows": len(inputs.flows)}


def write_200k_flows() -> float:
    """Seconds to write a results workbook whose Flows sheet has 200,000 rows."""
    import numpy as np
    import pandas as pd

    import corridor
    from corridor.results import Results

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
        }
    )
    results = Results({"status": "optimal"}, {"Flows": flows})
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        corridor.write_results(results, Path(tmp) / "w.xlsx")
        return time.perf_counter() - t


def example_end_to_end(repeats: int = 3) -> float:
    """Best wall time of `corridor solve` on the bundled example, start-up included."""
    exe = Path(sys.executable).with_name("corridor")
    best = float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            t = time.perf_counter()
            subprocess.run(
                [
                    str(exe),
                    "solve",
                    str(ROOT / "inputs" / "caspian_corridor.xlsx"),
                    "-o",
                    str(Path(tmp) / "r.xlsx"),
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            best = min(best, time.perf_counter() - t)
    return best


def handoff_compare(size: str = "medium") -> dict:
    """Our array hand-off against Pyomo's persistent HiGHS interface and the standard-form
    compiler (arrays then passModel), on the same model."""
    import highspy
    import numpy as np
    from pyomo.contrib.appsi.solvers.highs import Highs as PersistentHighs
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    import corridor
    from corridor.generate import SIZES, generate_frames
    from corridor.solve import compile_model

    inputs = corridor.from_frames(generate_frames(**SIZES[size]))
    model = corridor.build_model(inputs)
    out = {}
    t = time.perf_counter()
    compile_model(model)
    out["corridor_arrays"] = time.perf_counter() - t
    t = time.perf_counter()
    PersistentHighs().set_instance(model)
    out["pyomo_persistent"] = time.perf_counter() - t
    t = time.perf_counter()
    info = LinearStandardFormCompiler().write(model, mixed_form=True)
    a = info.A.tocsc()
    inf = highspy.kHighsInf
    sense = np.array([mult for _, mult in info.rows])
    rhs = np.asarray(info.rhs, dtype=float)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(info.columns), len(info.rows)
    lp.col_cost_ = np.asarray(info.c.todense()).ravel()
    lp.col_lower_ = np.array([v.lb if v.lb is not None else -inf for v in info.columns], float)
    lp.col_upper_ = np.array([v.ub if v.ub is not None else inf for v in info.columns], float)
    lp.row_lower_ = np.where(sense == 1, -inf, rhs)
    lp.row_upper_ = np.where(sense == -1, inf, rhs)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    out["pyomo_standard_form"] = time.perf_counter() - t
    return out


def big_m_compare() -> list[dict]:
    """Tight against loose big-M on a 200-route instance with fixed costs and lots."""
    import corridor
    from corridor.generate import generate_frames
    from corridor.solve import SolveOptions, solve

    frames = generate_frames(
        routes=200, commodities=3, periods=4, seed=3, fixed_costs=True, lots=True
    )
    inputs = corridor.from_frames(frames)
    rows = []
    for presolve, tight in ((True, True), (True, False), (False, True), (False, False)):
        model = corridor.build_model(inputs, tight_big_m=tight)
        options = {} if presolve else {"presolve": "off"}
        result = solve(model, SolveOptions(time_limit=600, mip_gap=1e-4, highs_options=options))
        rows.append(
            {
                "big_m": ("tight" if tight else "loose (1e7)")
                + ("" if presolve else ", presolve off"),
                "status": result.status,
                "objective": result.objective,
                "gap": result.gap,
                "seconds": result.solve_seconds,
                "nodes": result.nodes,
                "integers": sum(
                    v.is_integer() for v in model.component_data_objects(corridor.build.pyo.Var)
                ),
            }
        )
    return rows


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    flows = [r["flows"] for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for stage in STAGES:
        ax.plot(flows, [r[stage] for r in rows], marker="o", label=stage)
    ax.plot(
        flows,
        [r["baseline"] for r in rows],
        "k--",
        marker="x",
        label="baseline (arrays -> highspy)",
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("flow variables")
    ax.set_ylabel("seconds")
    ax.set_title(f"corridor stages by size ({platform.machine()}, {os.cpu_count()} cores)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["small", "medium", "large"])
    parser.add_argument("--solve-limit", type=float, default=1800.0)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--one-baseline", help=argparse.SUPPRESS)
    parser.add_argument("--skip-extras", action="store_true")
    parser.add_argument("--extras-only", action="store_true")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, args.solve_limit)))
        return
    if args.one_baseline:
        print(json.dumps(one_baseline(args.one_baseline)))
        return
    OUT.mkdir(exist_ok=True)
    rows = []
    for size in [] if args.extras_only else args.sizes:
        row = {}
        # the pipeline once; the baseline best of three (its large arrays make it noisy)
        for flag in ("--one", "--one-baseline", "--one-baseline", "--one-baseline"):
            done = subprocess.run(
                [sys.executable, __file__, flag, size, "--solve-limit", str(args.solve_limit)],
                capture_output=True,
                text=True,
            )
            if done.returncode:
                print(done.stderr, file=sys.stderr)
                raise SystemExit(f"size {size} failed")
            found = json.loads(done.stdout.strip().splitlines()[-1])
            if "baseline" in found and "baseline" in row:
                found["baseline"] = min(found["baseline"], row["baseline"])
            row.update(found)
        row["ratio"] = (row["build"] + row["handoff"]) / row["baseline"]
        rows.append(row)
        print(
            f"{size:>6}: {row['flows']:>9,} flows {row['variables']:>9,} vars "
            f"{row['constraints']:>8,} rows {row['nonzeros']:>11,} nnz  "
            + "  ".join(f"{s} {row[s]:.2f}" for s in STAGES)
            + f"  | baseline {row['baseline']:.2f}  ratio {row['ratio']:.1f}x  "
            f"peak {row['peak_mb']:,.0f} MB  {row['status']}",
            flush=True,
        )
    if rows:
        with open(OUT / "stages.csv", "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        plot(rows, OUT / "stages.png")
    if args.skip_extras:
        return
    reading = read_100k_contracts()
    extras = {
        "read_100k_contract_rows_s": reading["read"],
        "read_and_validate_100k_contract_rows_s": reading["read_and_validate"],
        "write_200k_flow_rows_s": write_200k_flows(),
        "example_end_to_end_s": example_end_to_end(),
    }
    extras.update({f"handoff_{k}_s": v for k, v in handoff_compare().items()})
    for key, value in extras.items():
        print(f"{key}: {value:.2f}")
    big_m = big_m_compare()
    for row in big_m:
        print(
            "big-M {big_m}: {status}, objective {objective:,.2f}, gap {gap}, "
            "{seconds:.2f} s, {nodes} nodes, {integers} integer variables".format(**row)
        )
    with open(OUT / "extras.json", "w") as fh:
        json.dump(
            {
                "extras": extras,
                "big_m": big_m,
                "machine": platform.platform(),
                "cores": os.cpu_count(),
            },
            fh,
            indent=2,
        )


if __name__ == "__main__":
    main()
