"""Large sheets get their rows from io.fastrows: the same cells, formats and table as when
XlsxWriter writes every cell, and text stays text."""

import io
import zipfile

import openpyxl
import pandas as pd
import pytest

import corridor
from corridor.io import write as write_mod
from corridor.report import Results

TEXTS = ["K0", "=1+1", "a&b<c>", " K3", "_x0041_", "bell\x07", "", "x" * 40_000]
FLOWS = pd.DataFrame(
    {
        "contract": TEXTS,
        "volume": [0.5, 1.0, float("nan"), 3.25, 1e-5, 250.0, 60.0, -7.5],
        "cost": [1, 2, 3, 4, 5, 150, -5, -1500],
        "ok": [True, False, True, True, False, True, False, True],
        "mixed": ["t", 2.5, None, 300, "u", float("inf"), "v", "w"],
    }
)


def shown(value):
    """A cell's text as Excel and LibreOffice show it: openpyxl leaves the escape of a
    literal `_xHHHH_` in an inline string (`_x005F_`) undecoded; both programs decode it
    (checked with LibreOffice 7.4: `_x005F_x0041_` shows `_x0041_`)."""
    return value.replace("_x005F_", "_") if isinstance(value, str) else value


def cells(data: bytes, sheet: str = "Flows") -> list[list[tuple]]:
    ws = openpyxl.load_workbook(io.BytesIO(data))[sheet]
    return [[(shown(c.value), c.number_format, c.data_type) for c in row] for row in ws.iter_rows()]


def write(frame: pd.DataFrame, target=None) -> bytes:
    buffer = io.BytesIO()
    corridor.write_results(Results({"status": "optimal"}, {"Flows": frame}), buffer)
    return buffer.getvalue()


def test_fast_rows_match_cell_by_cell_writing(monkeypatch):
    """The same frame written cell by cell (8 rows, below FAST_ROWS) and spliced
    (FAST_ROWS = 3): identical values, number formats and cell types, row by row."""
    slow = write(FLOWS)
    monkeypatch.setattr(write_mod, "FAST_ROWS", 3)
    fast = write(FLOWS)
    assert cells(fast) == cells(slow)
    table = openpyxl.load_workbook(io.BytesIO(fast))["Flows"].tables["Flows"]
    assert table.ref == "A1:E9" and table.autoFilter.ref == "A1:E9"
    with zipfile.ZipFile(io.BytesIO(fast)) as z:
        sheet = z.read("xl/worksheets/sheet2.xml").decode()
    assert '<dimension ref="A1:E9"/>' in sheet
    assert "_x005F_x0041_" in sheet  # typed _x0041_ stays literal in Excel


def test_text_stays_text_and_what_xml_cannot_hold_is_replaced(monkeypatch):
    monkeypatch.setattr(write_mod, "FAST_ROWS", 3)
    rows = cells(write(FLOWS))[1:]
    contract = [r[0] for r in rows]
    assert [c[0] for c in contract[:6]] == ["K0", "=1+1", "a&b<c>", " K3", "_x0041_", "bell\ufffd"]
    assert all(c[2] == "s" for c in contract if c[0] is not None)  # never a formula
    assert contract[6][0] is None  # empty text is a blank cell
    assert len(contract[7][0]) == write_mod.MAX_CELL_CHARS
    assert [r[3][0] for r in rows] == ["yes", "no", "yes", "yes", "no", "yes", "no", "yes"]
    volume = [(r[1][0], r[1][1]) for r in rows]
    assert volume[:3] == [(0.5, "#,##0.00"), (1, "#,##0"), (None, "General")]  # NaN: blank
    cost = [r[2][1] for r in rows]
    assert cost[5:] == ['#,##0 "USD"', '#,##0.00 "USD"', '#,##0 "USD"']


def test_fast_sheet_continues_past_the_row_limit(monkeypatch):
    """MAX_ROWS 5 (4 data rows a sheet), 8 rows: Flows and Flows (2), each its own table
    over its own rows, and a warning in Log."""
    monkeypatch.setattr(write_mod, "FAST_ROWS", 2)
    monkeypatch.setattr(write_mod, "MAX_ROWS", 5)
    data = write(FLOWS.drop(columns=["mixed"]))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb["Flows"].tables["Flows"].ref == "A1:D5"
    assert wb["Flows (2)"].tables["Flows_2"].ref == "A1:D5"
    assert shown(wb["Flows (2)"]["A2"].value) == "_x0041_"
    log = [r[2] for r in wb["Log"].iter_rows(min_row=2, values_only=True)]
    assert "Flows: 8 rows continue on 1 more sheet(s)" in log


@pytest.mark.parametrize("fast_rows", [3, 10_000])
def test_a_file_object_gets_the_whole_workbook(monkeypatch, fast_rows):
    monkeypatch.setattr(write_mod, "FAST_ROWS", fast_rows)
    buffer = io.BytesIO()
    returned = corridor.write_results(Results({"status": "optimal"}, {"Flows": FLOWS}), buffer)
    assert returned is buffer
    assert openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["Flows"].max_row == 9


def test_a_sheet_without_columns_is_an_empty_sheet():
    wb = openpyxl.load_workbook(io.BytesIO(write(pd.DataFrame())))
    assert wb["Flows"].max_row == 1 and not wb["Flows"].tables


def test_fast_rows_keep_a_format_that_changes_by_row(monkeypatch):
    """Rules' limit is a share for share bounds and a volume otherwise (io.write.row_kinds):
    spliced rows get the same per-row formats as rows written cell by cell."""
    rules = pd.DataFrame(
        {
            "rule": ["a", "a", "b", "c", "d"],
            "bound": ["max_share", "min_volume", "max_share", "max_volume", "min_share"],
            "limit": [0.25, 1500.0, 0.5, 2.5, float("nan")],
        }
    )

    def write_rules() -> bytes:
        buffer = io.BytesIO()
        corridor.write_results(Results({"status": "optimal"}, {"Rules": rules}), buffer)
        return buffer.getvalue()

    slow = write_rules()
    monkeypatch.setattr(write_mod, "FAST_ROWS", 3)
    fast = write_rules()
    assert cells(fast, "Rules") == cells(slow, "Rules")
    with zipfile.ZipFile(io.BytesIO(fast)) as z:
        assert 't="inlineStr"' in z.read("xl/worksheets/sheet2.xml").decode()  # spliced
    limits = [r[2][:2] for r in cells(fast, "Rules")[1:]]
    assert limits[0] == (0.25, "0.0%") and limits[1] == (1500, "#,##0")
    assert limits[3] == (2.5, "#,##0.00") and limits[4] == (None, "General")
