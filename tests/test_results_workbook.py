"""The results workbook as a planner opens it, and the command line around it."""

import hashlib
import json

import openpyxl
import pytest

import corridor
from corridor.cli import main
from corridor.io import write as write_mod
from corridor.schema import RESULT_SHEETS, SUMMARY_ITEMS

from cases import solve, world, write_workbook


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def hostile(tmp_path):
    """A valid workbook whose ids and labels look like formulas and control text."""
    sheets = world({"default_max_transit_share": 0.5})
    sheets["Routes"][0]["route"] = "=1+1"
    sheets["Routes"][1]["corridor"] = "@SUM(A1)"
    sheets["Routes"][2]["corridor"] = "+cmd|' /C calc'!A0"
    sheets["Nodes"][2]["country"] = "-RU"
    sheets["Contracts"][0]["contract"] = "\tK1"
    path = tmp_path / "in.xlsx"
    write_workbook(sheets, path)
    return path


def test_solve_writes_every_sheet_as_a_table(hostile, tmp_path):
    out = tmp_path / "out.xlsx"
    before = _sha(hostile)
    assert main(["solve", str(hostile), "-o", str(out)]) == 0
    assert _sha(hostile) == before  # the input is never modified
    wb = openpyxl.load_workbook(out)
    expected = ["Summary", "Flows", "Contracts", "Exposure", "Rules", "Capacity", "Routes"]
    # 2026-11-30 (spec v1.2): the Dashboard first; later features' sheets after the spec's
    assert wb.sheetnames[0] == "Dashboard"
    assert wb.sheetnames[1 : len(expected) + 1] == expected
    assert wb.sheetnames[len(expected) + 1 : len(expected) + 4] == [
        "Exposure matrix",
        "Log",
        "Guide",
    ]
    for name in expected:
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert len(ws.tables) == 1
        header = [c.value for c in ws[1]]
        assert header == [c.name for c in RESULT_SHEETS[name]]
    items = [row[0].value for row in wb["Summary"].iter_rows(min_row=2)]
    per_commodity = ["contracted:U", "delivered:U", "shortfall:U"]  # 2026-11-30: spec v1.2
    assert [i for i in items if i not in per_commodity] == list(SUMMARY_ITEMS)
    assert items.index("shortfall") + 1 == items.index("contracted:U")
    units = {r[0].value: r[2].value for r in wb["Summary"].iter_rows(min_row=2)}
    assert units["delivered:U"] == "t" and units["objective"] == "USD"
    assert wb["Flows"]["K2"].number_format.endswith('"USD"')


def test_no_cell_is_a_formula_and_text_stays_text(hostile, tmp_path):
    out = tmp_path / "out.xlsx"
    corridor.run(hostile, out)
    wb = openpyxl.load_workbook(out)
    texts = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    texts.add(cell.value)
    assert {"=1+1", "@SUM(A1)", "+cmd|' /C calc'!A0"} <= texts
    assert "K1" in texts  # ids are trimmed
    assert write_mod.safe_text("K1\x07") == "K1\ufffd"  # XML cannot hold control characters


def test_same_workbook_same_results(hostile, tmp_path):
    def cells(path):
        wb = openpyxl.load_workbook(path)
        out = {}
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    out[(ws.title, c.coordinate)] = c.value
        return out

    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    corridor.run(hostile, a)
    corridor.run(hostile, b)
    ca, cb = cells(a), cells(b)
    varying = {"solve_seconds", "time_of_run"}
    wb = openpyxl.load_workbook(a)
    skip = {
        ("Summary", f"B{r[0].row}")
        for r in wb["Summary"].iter_rows(min_row=2)
        if r[0].value in varying
    } | {("Dashboard", "A2")}  # the Dashboard's subtitle carries the time of run
    assert {k: v for k, v in ca.items() if k not in skip} == {
        k: v for k, v in cb.items() if k not in skip
    }


def test_locked_target_keeps_old_file(hostile, tmp_path, capsys):
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"old results")
    (tmp_path / "~$out.xlsx").write_bytes(b"lock")
    code = main(["solve", str(hostile), "-o", str(out)])
    assert code == 1
    assert out.read_bytes() == b"old results"
    err = capsys.readouterr().err
    assert "out.xlsx is open in a spreadsheet program (~$out.xlsx exists); close the file" in err
    assert not list(tmp_path.glob(".out.*.tmp"))


def test_rows_beyond_the_sheet_limit_continue(monkeypatch, tmp_path):
    monkeypatch.setattr(write_mod, "MAX_ROWS", 3)  # 2 data rows a sheet
    sheets = world(
        Contracts=[
            {"contract": f"K{i}", "commodity": "U", "origin": "A", "destination": "D", "volume": 10}
            for i in range(5)
        ]
    )
    out = solve(sheets)
    path = corridor.write_results(out.results, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    assert {"Flows", "Flows (2)", "Flows (3)"} <= set(wb.sheetnames)
    log = [
        r[2].value
        for name in wb.sheetnames
        if name.startswith("Log")
        for r in wb[name].iter_rows(min_row=2)
    ]
    assert "Flows: 5 rows continue on 2 more sheet(s)" in log


def test_long_text_is_capped():
    assert len(write_mod.safe_text("x" * 40000)) == write_mod.MAX_CELL_CHARS


def test_json_summary(hostile, tmp_path, capsys):
    assert main(["solve", str(hostile), "-o", str(tmp_path / "o.xlsx"), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    summary = payload["summary"]
    assert summary["status"] == "optimal" and summary["objective"] == pytest.approx(2500)
    assert payload["schema_version"] == "1.2" and payload["exit_code"] == 0
    assert len(payload["sheets"]["Flows"]) == 2  # 50 t via CN, 50 t via RU


def test_infeasible_exit_3_with_diagnosis(tmp_path, capsys):
    """Leg AX holds 60 and every route to D is removed but R_cn: K1's 100 t cannot go.
    The least change is +40 on AX (40/60 normalised, against 1000 x 40/100 for the contract);
    the same with capacities only; with contract volumes only K1 delivers 60; no rule
    exists, so rules alone cannot help."""
    sheets = world(Routes=[{"route": "R_cn", "legs": "AX > XD"}])
    sheets["Legs"][0]["capacity"] = 60
    path = tmp_path / "inf.xlsx"
    write_workbook(sheets, path)
    out = tmp_path / "inf_results.xlsx"
    assert main(["solve", str(path), "-o", str(out)]) == 3
    wb = openpyxl.load_workbook(out)
    assert "Diagnosis" in wb.sheetnames and "Flows" not in wb.sheetnames
    rows = list(wb["Diagnosis"].iter_rows(min_row=2, values_only=True))
    ax = "leg AX needs +40 capacity units in P1 (from 60 to 100)"
    assert rows == [
        ("least change", "capacity", "leg AX", "P1", 60, 100, ax, "Legs!F2"),
        (
            "rules only",
            "note",
            None,
            None,
            None,
            None,
            "changing rules alone cannot make a plan possible",
            None,
        ),
        ("capacities only", "capacity", "leg AX", "P1", 60, 100, ax, "Legs!F2"),
        (
            "contracts only",
            "contract",
            "K1",
            "P1",
            100,
            60,
            "contract K1 can deliver 60 of 100 t in P1",
            "Contracts!E2",
        ),
    ]
    assert "leg AX needs +40 capacity units in P1" in capsys.readouterr().out


def test_diagnosis_names_the_cap_to_raise(tmp_path):
    """Only R_cn and R_ru exist, RU holds at most 30 t (leg AY): with a 50 % cap CN must
    carry 70 t. Least change: the CN cap to 70 % (20/100 normalised, against 20/30 for AY);
    capacities only: AY +20; contracts only: 60 t (30 each way); and the tightest feasible
    default cap, found by bisection on the real model, is 70 %."""
    sheets = world(
        {"default_max_transit_share": 0.5},
        Routes=[{"route": "R_cn", "legs": "AX > XD"}, {"route": "R_ru", "legs": "AY > YD"}],
    )
    sheets["Legs"][2]["capacity"] = 30  # AY: RU can take 30 of the 100 t
    out = solve(sheets)
    assert out.exit_code == 3
    diag = out.results["Diagnosis"]
    cap = (
        "raise the CN cap (default_cap) for destination D, commodity U, period P1 from 50.0% "
        "to 70.0%"
    )
    # the tightest cap comes first: one cell that fixes the workbook
    assert list(zip(diag["option"], diag["change"], diag["cell"], strict=True)) == [
        ("tightest cap", "the tightest feasible cap is 70.0%: edit Settings!B2", "Settings!B2"),
        ("least change", cap, "Settings!B2"),
        ("rules only", cap, "Settings!B2"),
        ("capacities only", "leg AY needs +20 capacity units in P1 (from 30 to 50)", "Legs!F4"),
        ("contracts only", "contract K1 can deliver 60 of 100 t in P1", "Contracts!E2"),
    ]


def test_time_limit_without_plan_exits_4(tmp_path, capsys):
    path = tmp_path / "t.xlsx"
    write_workbook(world(), path)
    code = main(["solve", str(path), "-o", str(tmp_path / "t_out.xlsx"), "--time-limit", "0"])
    assert code == 4
    wb = openpyxl.load_workbook(tmp_path / "t_out.xlsx")
    assert wb.sheetnames[0] == "Summary"
    assert "Flows" not in wb.sheetnames
    out = capsys.readouterr().out
    assert "status: no_solution  (stopped after" in out
    assert "(Time limit reached): no plan yet, raise time_limit)" in out


def test_highs_option_pass_through(hostile, tmp_path):
    assert (
        main(
            [
                "solve",
                str(hostile),
                "-o",
                str(tmp_path / "o.xlsx"),
                "--highs-option",
                "threads=1",
                "--highs-option",
                "presolve=off",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "solve",
                str(hostile),
                "-o",
                str(tmp_path / "o.xlsx"),
                "--highs-option",
                "no_such_option=1",
            ]
        )
        == 1
    )


def test_validate_and_template(tmp_path, capsys):
    path = tmp_path / "ok.xlsx"
    write_workbook(world(), path)
    assert main(["validate", str(path)]) == 0
    assert (
        "valid (1 contract-periods, 3 active routes, 3 flow variables)" in capsys.readouterr().out
    )
    template = tmp_path / "template.xlsx"
    assert main(["template", str(template)]) == 0
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames[0] == "Guide"
    for sheet in ("Commodities", "Nodes", "Legs", "Routes", "Contracts", "Limits", "Settings"):
        assert sheet in wb.sheetnames
    legs = wb["Legs"]
    assert [c.value for c in legs[1]][:4] == ["leg", "from", "to", "mode"]
    formulas = {dv.formula1 for dv in legs.data_validations.dataValidation}
    assert "Nodes!$A$2:$A$2000" in formulas
    assert '"rail,road,sea,ferry,pipeline,river,air"' in formulas
    guide = [(r[0], r[1]) for r in wb["Guide"].iter_rows(min_row=2, values_only=True)]
    assert ("Legs", "capacity") in guide and ("Settings", "default_max_transit_share") in guide


def test_large_sheet_rows_written_fast_read_back_exactly(monkeypatch, tmp_path):
    """Sheets above FAST_ROWS rows get their cells from io.fastrows: same values, styles,
    table range, and text (even '=1+1' or '<&>') stays text."""
    import pandas as pd

    from corridor.io import fastrows
    from corridor.results import Results

    monkeypatch.setattr(write_mod, "FAST_ROWS", 3)
    flows = pd.DataFrame(
        {
            "contract": ["K0", "=1+1", "a&b<c>", " K3", "K4"],
            "volume": [0.5, 1.0, float("nan"), 3.25, 1e-5],
            "cost": [1, 2, 3, 4, 5],
        }
    )
    path = corridor.write_results(
        Results({"status": "optimal"}, {"Flows": flows}), tmp_path / "big.xlsx"
    )
    ws = openpyxl.load_workbook(path)["Flows"]
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=2)] == [
        ["K0", 0.5, 1],
        ["=1+1", 1.0, 2],
        ["a&b<c>", None, 3],
        [" K3", 3.25, 4],
        ["K4", 1e-5, 5],
    ]
    assert ws["A3"].data_type == "s"
    assert ws["B2"].number_format == "#,##0.00"  # 0.5: two decimals
    assert ws["B3"].number_format == "#,##0"  # 1.0: a whole number
    assert ws["C2"].number_format == '#,##0.00 "USD"'  # money below 100
    assert ws.tables["Flows"].ref == "A1:C6"
    assert fastrows.FAST_ROWS == 2000  # the module default is untouched


def test_stopped_early_with_a_plan_reports_feasible_and_its_gap(tmp_path, capsys):
    """HiGHS stopped after its first improving solution (as at a time limit with a plan):
    status feasible, the real gap, exit 0 and a full results workbook."""
    from corridor.generate import generate_frames, write_workbook

    path = tmp_path / "mip.xlsx"
    write_workbook(
        generate_frames(routes=60, commodities=2, periods=2, seed=5, fixed_costs=True, lots=True),
        path,
    )
    out = tmp_path / "mip_results.xlsx"
    code = main(
        ["solve", str(path), "-o", str(out), "--json", "--highs-option", "mip_max_improving_sols=1"]
    )
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert code == 0
    assert summary["status"] == "feasible"
    assert 0 < summary["gap"] < 1
    assert summary["best_bound"] < summary["objective"]
    assert "Flows" in openpyxl.load_workbook(out, read_only=True).sheetnames


def test_validate_checks_the_scenarios_sheet(tmp_path, capsys):
    sheets = world(Scenarios=[{"scenario": "s1", "change": "close", "target": "country:XX"}])
    path = tmp_path / "sc.xlsx"
    write_workbook(sheets, path)
    assert main(["validate", str(path)]) == 2
    assert "Scenarios!C2" in capsys.readouterr().err


def test_ctrl_c_keeps_the_best_plan_found():
    """SIGINT during a MIP under the command line's handler (HiGHS would need seconds to
    prove a 0 gap): the solve stops through HiGHS's interrupt callback, the incumbent is
    kept and reported as feasible with its real gap. The signal is only sent while HiGHS
    is running, so it can never reach pytest itself."""
    import os
    import signal
    import threading
    import time

    from corridor.cli import _CtrlC
    from corridor.generate import generate_frames
    from corridor.highs import SolveOptions

    frames = generate_frames(
        routes=200, commodities=3, periods=4, seed=3, fixed_costs=True, lots=True
    )
    plan = corridor.Plan(corridor.from_frames(frames), SolveOptions(mip_gap=0.0))
    sent, done, running = threading.Event(), threading.Event(), threading.Event()

    def progress(_event):
        running.set()

    def interrupt_while_running():
        if running.wait(20) and not done.is_set():
            time.sleep(0.5)
            if not done.is_set():
                sent.set()
                os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_while_running, daemon=True).start()
    try:
        with _CtrlC():
            solution = plan.solve(SolveOptions(mip_gap=0.0, progress=progress))
    finally:
        done.set()
    if not sent.is_set():
        pytest.skip("HiGHS finished before the interrupt: nothing to interrupt")
    result = solution.result
    assert result.interrupted and "interrupted" in result.message
    assert result.status in ("feasible", "no_solution")
    if result.status == "feasible":
        assert result.gap is not None and result.best_bound <= result.objective
        results = plan.results()
        assert results.summary["status"] == "feasible" and len(results["Flows"]) > 0


def test_template_filled_in_is_a_valid_workbook(tmp_path):
    """The template's own Settings rows (defaults) are valid input once the required sheets
    get rows."""
    template = tmp_path / "template.xlsx"
    assert main(["template", str(template)]) == 0
    wb = openpyxl.load_workbook(template)
    for name, rows in world().items():
        ws = wb[name]
        header = [c.value for c in ws[1]]
        for row in rows:
            ws.append([row.get(h) for h in header])
    wb.save(template)
    inputs = corridor.read_workbook(template)
    assert inputs.settings["include_origin_country"] is False
    assert inputs.settings["time_limit"] == 60.0
    assert corridor.run(inputs).result.objective == pytest.approx(2000)
