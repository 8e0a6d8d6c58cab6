"""A sourcing instance end to end, stage by stage, beside the same instance without sourcing.

    python benchmarks/sourcing_bench.py                    # medium (50,000 contract flows)
    python benchmarks/sourcing_bench.py --size small --time-limit 60

The instance is ``corridor.generate.generate_frames(**SIZES[size], offers=True)``: Demand
beyond the contracts, two offers per sourced (pair, commodity) combination, some with a
minimum volume and a fixed cost (a binary "taken" each), and stocks. For each of the two
instances it reports the seconds spent

    write     frames -> input workbook (not part of a run; for scale)
    read      workbook -> typed tables
    prepare   validation and derived tables (needs, offer rows, offer flows, rules)
    build     the program as arrays (lp.py blocks)
    handoff   arrays -> HiGHS (one passModel)
    solve     HiGHS (a MIP: the duals come from a second LP with the integers fixed)
    extract   solution -> result tables (Purchases, Demand, Stocks included)
    results   result tables -> results workbook

with the program's size, the status, objective and gap, and peak memory. Figures go to
benchmarks/results/sourcing.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import corridor
from corridor.build import build
from corridor.data import file_sha256, prepare
from corridor.errors import Issues
from corridor.generate import SIZES, generate_frames, write_workbook
from corridor.highs import HighsModel
from corridor.io.cells import parse_sheets
from corridor.io.read import read_raw
from corridor.plan import options_for
from corridor.results import extract

OUT = Path(__file__).resolve().parent / "results"


def measure(frames: dict, time_limit: float) -> dict:
    """Every stage of one run on the instance `frames`."""
    row: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.xlsx"
        t = time.perf_counter()
        write_workbook(frames, src)
        row["write"] = time.perf_counter() - t
        t = time.perf_counter()
        issues = Issues()
        tables = parse_sheets(read_raw(src), issues)
        row["read"] = time.perf_counter() - t
        t = time.perf_counter()
        inputs = prepare(tables, issues, str(src), file_sha256(src))
        row["prepare"] = time.perf_counter() - t
        t = time.perf_counter()
        lp = build(inputs)
        row["build"] = time.perf_counter() - t
        t = time.perf_counter()
        model = HighsModel(lp)
        row["handoff"] = time.perf_counter() - t
        options = options_for(inputs, time_limit=time_limit)
        t = time.perf_counter()
        result = model.run(options)
        solution = model.solution(result, options=options)
        row["solve"] = time.perf_counter() - t
        t = time.perf_counter()
        results = extract(inputs, lp, solution, options)
        row["extract"] = time.perf_counter() - t
        t = time.perf_counter()
        corridor.write_results(results, Path(tmp) / "out.xlsx")
        row["results"] = time.perf_counter() - t
    row.update(lp.size())
    row.update(
        flows=len(inputs.flows),
        offer_flows=int((inputs.flows["offer_row"] >= 0).sum()),
        offers=int(inputs.offer_rows["offer"].nunique()),
        needs=len(inputs.needs),
        stocks=len(inputs.stocks),
        status=result.status,
        objective=result.objective,
        gap=result.gap,
        nodes=result.nodes,
        purchase_cost=results.summary.get("purchase_cost"),
        peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    return row


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", choices=sorted(SIZES), default="medium")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--time-limit", type=float, default=600.0)
    args = p.parse_args(argv)
    out = {}
    for name, offers in (("contracts only", False), ("sourcing", True)):
        frames = generate_frames(**SIZES[args.size], seed=args.seed, offers=offers)
        row = measure(frames, args.time_limit)
        out[name] = row
        stages = ", ".join(
            f"{k} {row[k]:.2f}"
            for k in ("read", "prepare", "build", "handoff", "solve", "extract", "results")
        )
        print(
            f"{args.size} {name}: {row['columns']:,} columns ({row['integer_columns']} "
            f"integer), {row['rows']:,} rows, {row['nonzeros']:,} non-zeros; {row['status']} "
            f"{row['objective']:,.0f} (gap {row['gap'] or 0:.2e}); seconds: {stages}; "
            f"peak {row['peak_mb']:,.0f} MB",
            flush=True,
        )
    OUT.mkdir(exist_ok=True)
    (OUT / "sourcing.json").write_text(json.dumps({args.size: out}, indent=2, default=str))


if __name__ == "__main__":
    sys.exit(main())
