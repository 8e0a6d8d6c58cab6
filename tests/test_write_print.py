"""Every sheet of every workbook the tool writes prints legibly (spec section 8): landscape
A4, one page wide, the header row on every page, the input file, the time of run and
"page N of M" on each page; the Dashboard and chart sheets on one page."""

import io

import openpyxl
import pandas as pd

import corridor
from corridor.cli import main
from corridor.io.xlsx import shown_time
from corridor.report import ChartSpec

from cases import solve, world
from write_samples import sample_dashboard

ONE_PAGE = {"Dashboard", "Flows chart"}


def check_page(ws, *, one_page: bool, input_file: str, run: str) -> None:
    ps = ws.page_setup
    assert ps.orientation == "landscape", ws.title
    assert int(ps.paperSize) == 9, ws.title  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
    assert int(ps.fitToWidth or 1) == 1, ws.title  # blank = the OOXML default, 1
    if one_page:
        assert int(ps.fitToHeight if ps.fitToHeight is not None else 1) == 1, ws.title
        assert ws.print_title_rows is None, ws.title
    else:
        assert int(ps.fitToHeight) == 0, ws.title  # any number of pages tall
        assert ws.print_title_rows == "$1:$1", ws.title
    assert ws.oddHeader.left.text == "&A", ws.title  # the sheet's name
    assert ws.oddHeader.center.text == f"input: {input_file}", ws.title
    assert ws.oddHeader.right.text == f"run {run}", ws.title
    assert ws.oddFooter.center.text == "page &P of &N", ws.title


def test_every_results_sheet_prints_landscape_one_page_wide(tmp_path):
    out = solve(world())
    results = out.results
    results.input_file = "R&D plan.xlsx"
    results.time_of_run = "2025-06-01T10:20:30+00:00"
    results.dashboard = sample_dashboard(results)
    results.charts = [ChartSpec("Flows", "column", "Volume per route", "route", ["volume"])]
    path = corridor.write_results(results, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "Dashboard"
    assert wb.sheetnames.index("Flows chart") == wb.sheetnames.index("Flows") + 1
    for ws in wb.worksheets:
        check_page(
            ws,
            one_page=ws.title in ONE_PAGE,
            input_file="R&&D plan.xlsx",  # '&' starts a header code: stored doubled
            run="2025-06-01 10:20 UTC",
        )


def test_the_template_prints_like_the_results(tmp_path):
    path = tmp_path / "t.xlsx"
    assert main(["template", str(path)]) == 0
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        ps = ws.page_setup
        assert ps.orientation == "landscape" and int(ps.paperSize) == 9, ws.title
        assert int(ps.fitToHeight) == 0 and ws.print_title_rows == "$1:$1", ws.title
        assert ws.oddHeader.center.text == "corridor input template", ws.title
        assert ws.oddFooter.center.text == "page &P of &N", ws.title


def test_time_of_run_as_a_page_shows_it():
    assert shown_time("2025-06-01T10:20:30+00:00") == "2025-06-01 10:20 UTC"
    assert shown_time("2025-06-01T10:20:30+02:00") == "2025-06-01 10:20 +0200"
    assert shown_time("yesterday") == "yesterday"


def test_long_text_wraps_with_room_for_its_lines(tmp_path):
    """40 four-letter words in the Log's widest text column (60 wide, some 71 characters a
    line): 14 words a line, so 3 lines of 11.25 pt; a short message keeps the default row."""
    out = solve(world())
    log = pd.DataFrame(
        {"level": ["info", "info"], "where": ["x", "y"], "message": ["word " * 40, "short"]}
    )
    out.results.sheets["Log"] = log
    path = corridor.write_results(out.results, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(path)["Log"]
    header = [c.value for c in ws[1]]
    message = header.index("message") + 1
    assert ws.column_dimensions[openpyxl.utils.get_column_letter(message)].width < 62
    assert ws.cell(2, message).alignment.wrap_text
    assert ws.row_dimensions[2].height == 3 * 11.25
    assert ws.row_dimensions[3].height == 11.25


def test_sheet_order_spec_first_then_later_features_then_the_callers():
    """Spec section 4: Summary, Flows ... Routes, Expansions; later features' sheets after
    them in the schema's order (Exposure matrix, Diagnosis, Stress); a caller's own sheet
    next; Log and Guide last."""
    frame = pd.DataFrame({"a": [1]})
    names = ["Mine", "Stress", "Diagnosis", "Exposure matrix", "Routes", "Flows", "Log"]
    results = corridor.report.Results({"status": "optimal"}, {n: frame for n in names})
    wb = openpyxl.load_workbook(corridor.write_results(results, io.BytesIO()))
    assert wb.sheetnames == [
        "Summary",
        "Flows",
        "Routes",
        "Exposure matrix",
        "Diagnosis",
        "Stress",
        "Mine",
        "Log",
        "Guide",
    ]
