"""The yardstick for ``corridor solve`` end to end: a plain program that reads the same
workbook, builds the same LP as arrays, solves it and writes the plan's flows.

    python benchmarks/baseline_program.py IN.xlsx OUT.xlsx

- read: python-calamine, every sheet to a DataFrame (header in row 1), blanks as None;
- build: ``baseline.baseline_lp`` (numpy, one ``passModel``; see baseline.py for the LP);
- solve: HiGHS with its defaults;
- write: XlsxWriter in constant-memory mode, one Flows sheet (contract, period, route,
  volume, unit cost, cost) of the flows that carry volume.

No validation, no derived tables, no result sheets beyond Flows, no formats: it is the least
a program must do to turn the workbook into a plan, so ``corridor solve`` / this program is
what corridor's checks, tables and report cost on top. Prints one JSON line with the seconds
of each step and the LP's size and optimum (for the benchmark to check it is the same LP).
"""

from __future__ import annotations

import json
import sys
import time

T0 = time.perf_counter()

import highspy  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xlsxwriter  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402

from baseline import baseline_lp  # noqa: E402

FLOW_EPS = 1e-9


def read_frames(path: str) -> dict[str, pd.DataFrame]:
    book = CalamineWorkbook.from_path(path)
    frames = {}
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python()
        if not rows:
            continue
        header = [str(c) for c in rows[0]]
        frame = pd.DataFrame(rows[1:], columns=header, dtype=object)
        frames[name] = frame.replace("", None)
    return frames


def write_flows(path: str, info: dict, x: np.ndarray) -> int:
    on = np.flatnonzero(x[: info["num_flow"]] > FLOW_EPS)
    contract = info["contract_ids"][info["flow_row"][on]]
    route = info["route_ids"][info["flow_route"][on]]
    period = info["periods"][info["flow_period"][on]]
    volume = x[on]
    unit = info["flow_cost"][on]
    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = book.add_worksheet("Flows")
    sheet.write_row(0, 0, ["contract", "period", "route", "volume", "unit_cost", "cost"])
    for i, row in enumerate(
        zip(
            contract.tolist(),
            period.tolist(),
            route.tolist(),
            volume.tolist(),
            unit.tolist(),
            (volume * unit).tolist(),
            strict=True,
        ),
        start=1,
    ):
        sheet.write_row(i, 0, row)
    book.close()
    return len(on)


def main(argv: list[str]) -> dict:
    source, target = argv
    out = {"start": time.perf_counter() - T0}
    t = time.perf_counter()
    frames = read_frames(source)
    out["read"] = time.perf_counter() - t
    t = time.perf_counter()
    h, info = baseline_lp(frames)
    out["build"] = time.perf_counter() - t
    t = time.perf_counter()
    h.run()
    out["solve"] = time.perf_counter() - t
    status = h.getModelStatus()
    out["status"] = h.modelStatusToString(status)
    x = np.asarray(h.getSolution().col_value)
    out["objective"] = (
        h.getInfo().objective_function_value
        if status == highspy.HighsModelStatus.kOptimal
        else None
    )
    t = time.perf_counter()
    out["flow_rows"] = write_flows(target, info, x)
    out["write"] = time.perf_counter() - t
    out.update(columns=info["num_col"], rows=info["num_row"], nonzeros=info["nnz"])
    out["total"] = time.perf_counter() - T0
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
