"""Reading and validation: each bad input gives its exact message with the cell named."""

import datetime as dt
import time
import zipfile

import openpyxl
import pytest

import corridor
from corridor.cli import main

from cases import BASE, world, write_workbook


def errors_of(sheets, tmp_path, name="in.xlsx") -> list[str]:
    path = tmp_path / name
    write_workbook(sheets, path)
    with pytest.raises(corridor.InputError) as info:
        corridor.read_workbook(path)
    return [str(e) for e in info.value.errors]


def read_ok(sheets, tmp_path):
    path = tmp_path / "ok.xlsx"
    write_workbook(sheets, path)
    return corridor.read_workbook(path)


def patch_zip(path, member, transform):
    """Rewrite one part of an xlsx (the tests' way to make what Excel would not save)."""
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i.filename) for i in src.infolist()}
    parts[member] = transform(parts[member])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)


# --- files that are not workbooks ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "plan.xlsx",
            b"contract,volume\nK1,100\n",
            "plan.xlsx is not an Excel workbook (not a "
            "valid zip: File is not a zip file); it may be truncated or a renamed text file",
        ),
        ("plan.xlsx", b"", "plan.xlsx is empty (0 bytes)"),
        (
            "plan.xls",
            b"\xd0\xcf\x11\xe0",
            "plan.xls is an old .xls workbook; corridor reads "
            ".xlsx or .xlsm (save it as .xlsx in Excel)",
        ),
        (
            "plan.csv",
            b"a,b",
            "plan.csv is a '.csv' file; corridor reads .xlsx or .xlsm (save it as .xlsx in Excel)",
        ),
    ],
)
def test_not_a_workbook(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(corridor.InputError) as info:
        corridor.read_workbook(path)
    assert [e.message for e in info.value.errors] == [message]


def test_truncated_zip(tmp_path):
    path = tmp_path / "in.xlsx"
    write_workbook(world(), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(corridor.InputError) as info:
        corridor.read_workbook(path)
    assert "in.xlsx is not an Excel workbook (not a valid zip" in info.value.errors[0].message


def test_zip_bomb_rejected_fast(tmp_path):
    path = tmp_path / "bomb.xlsx"
    write_workbook(world(), path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/padding.xml", b"0" * (64 * 1024**2))
    start = time.perf_counter()
    with pytest.raises(corridor.InputError) as info:
        corridor.read_workbook(path)
    assert time.perf_counter() - start < 1.0
    assert "bomb.xlsx looks like a zip bomb: part xl/media/padding.xml expands" in str(info.value)


def test_entity_bomb_rejected(tmp_path):
    path = tmp_path / "lol.xlsx"
    write_workbook(world(), path)
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    patch_zip(
        path,
        "xl/worksheets/sheet1.xml",
        lambda d: bomb + d.split(b"?>", 1)[1] if d.startswith(b"<?xml") else bomb + d,
    )
    with pytest.raises(corridor.InputError) as info:
        corridor.read_workbook(path)
    assert info.value.errors[0].message == (
        "lol.xlsx contains XML with a DTD or entity declarations (xl/worksheets/sheet1.xml); "
        "corridor refuses such files for safety"
    )


def test_defusedxml_protects_openpyxl():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True


# --- sheets and columns ------------------------------------------------------------------


def test_missing_sheet_and_column(tmp_path):
    sheets = world()
    del sheets["Legs"]
    for row in sheets["Contracts"]:
        del row["volume"]
    errors = errors_of(sheets, tmp_path)
    assert (
        "Legs: required sheet 'Legs' is missing (sheets found: Commodities, Nodes, Routes, "
        "Contracts)" in errors
    )
    assert (
        "Contracts!1 [volume]: required column 'volume' is missing from the header in row 1"
        in errors
    )


def test_names_match_loosely_and_unknown_columns_warn(tmp_path):
    sheets = {("  legs " if k == "Legs" else k): v for k, v in world().items()}
    sheets["  legs "] = [
        {("Leg " if c == "leg" else c): v for c, v in r.items()} for r in sheets["  legs "]
    ]
    sheets["Nodes"][0]["colour"] = "red"
    inputs = read_ok(sheets, tmp_path)
    assert len(inputs.legs) == 6
    assert [str(w) for w in inputs.warnings] == [
        "Nodes: unknown column(s) ignored: colour; expected columns are node, country, name, "
        "kind, capacity, handling_cost, latitude, longitude"
    ]


def test_duplicate_ids(tmp_path):
    sheets = world()
    sheets["Nodes"] += [{"node": "A", "country": "KZ"}, {"node": " x", "country": "CN"}]
    errors = errors_of(sheets, tmp_path)
    assert "Nodes!A7 [node] = 'A': node id used again; first in row 2" in errors
    assert (
        "Nodes!A8 [node] = 'x': node id used again as 'X' (ids differ only in case or "
        "spacing); first in row 3"
    ) in errors


def test_label_casing(tmp_path):
    sheets = world()
    sheets["Nodes"][1]["country"] = "Cn"
    sheets["Legs"][0]["countries"] = "CN"
    errors = errors_of(sheets, tmp_path)
    assert errors == [
        "Legs!F2 [countries] = 'CN': country 'CN' differs from 'Cn' (Nodes!B3) "
        "only in case or spacing; use one spelling"
    ]


def test_reference_near_miss_and_every_error_together(tmp_path):
    sheets = world({"time_limt": 5})
    sheets["Legs"][0]["to"] = "x"
    sheets["Contracts"][0]["commodity"] = "u"
    errors = errors_of(sheets, tmp_path)
    assert errors == [
        "Settings!A2 [setting] = 'time_limt': unknown setting (did you mean 'time_limit'?)",
        "Legs!C2 [to] = 'x': unknown node (did you mean 'X'?)",
        "Contracts!B2 [commodity] = 'u': unknown commodity (did you mean 'U'?)",
    ]


# --- cells -------------------------------------------------------------------------------


def test_numbers_as_text_dates_negatives_shares_nan_and_huge(tmp_path):
    sheets = world({"default_max_transit_share": 1.5})
    legs = sheets["Legs"]
    legs[0]["cost"] = "2000"  # accepted: parses plainly
    legs[1]["cost"] = "2,000"
    legs[2]["cost"] = dt.datetime(2025, 1, 2)
    legs[3]["capacity"] = -5
    legs[4]["cost"] = float("nan")
    legs[5]["cost"] = 1e20
    errors = errors_of(sheets, tmp_path)
    assert errors == [
        "Legs!E3 [cost] = '2,000': expected a number; type it in a number cell (e.g. 2000 or 2.5)",
        "Legs!E4 [cost] = 2025-01-02: expected a number, got a date or "
        "time (format the cell as a number)",
        "Legs!F5 [capacity] = -5: expected a number >= 0",
        "Legs!E7 [cost] = 1e+20: expected a number below 1e+20; leave the cell blank for none",
        "Settings!B2 [value] = 1.5: default_max_transit_share: expected a share between 0 and 1 "
        "(0.4 or 40%)",
    ]


def test_ids_are_text_and_comments_and_blanks_skipped(tmp_path):
    sheets = world()
    sheets["Contracts"] = [
        {"contract": 12, "commodity": "U", "origin": "A", "destination": "D", "volume": "100"},
        {"contract": "# a planner's note", "commodity": None},
        {"contract": None},
    ]
    inputs = read_ok(sheets, tmp_path)
    assert list(inputs.contract_rows["contract"]) == ["12"]
    assert inputs.contract_rows["volume"].iloc[0] == 100


def test_error_values_and_formulas_without_value(tmp_path):
    path = tmp_path / "f.xlsx"
    write_workbook(world(), path)
    wb = openpyxl.load_workbook(path)
    wb["Legs"]["E2"] = "=1+1"  # saved by openpyxl: no cached value
    wb["Legs"]["E3"] = "#N/A"  # openpyxl stores this as an error cell
    wb["Contracts"]["A2"] = "#DIV/0!"
    wb.save(path)
    with pytest.raises(corridor.InputError) as info:
        corridor.read_workbook(path)
    assert [str(e) for e in info.value.errors] == [
        "Legs!E2 [cost]: a formula with no stored value; open and save the workbook in Excel or "
        "LibreOffice so its result is stored",
        "Legs!E3 [cost]: the cell holds the error value #N/A",
        "Contracts!A2 [contract]: the cell holds the error value #DIV/0!",
    ]


def test_merged_cells_and_header_not_in_row_1(tmp_path):
    path = tmp_path / "m.xlsx"
    write_workbook(world(), path)
    wb = openpyxl.load_workbook(path)
    wb["Nodes"].merge_cells("B2:B3")
    wb["Legs"].insert_rows(1, 2)
    wb.save(path)
    with pytest.raises(corridor.InputError) as info:
        corridor.read_workbook(path)
    errors = [str(e) for e in info.value.errors]
    assert "Nodes!B2:B3: merged cells in a table (B2:B3); unmerge them" in errors
    assert (
        "Legs!A3: the header row must be row 1 (found it in row 3); delete the rows above it"
        in errors
    )


def test_whole_grid_dimension_reads_fast(tmp_path):
    path = tmp_path / "dim.xlsx"
    write_workbook(world(), path)
    patch_zip(
        path,
        "xl/worksheets/sheet3.xml",
        lambda d: d.replace(b'<dimension ref="A1:E7"/>', b'<dimension ref="A1:XFD1048576"/>'),
    )
    start = time.perf_counter()
    inputs = corridor.read_workbook(path)
    assert time.perf_counter() - start < 1.0
    assert len(inputs.legs) == 6


# --- cross-sheet checks ------------------------------------------------------------------


def test_route_connectivity_and_revisits(tmp_path):
    sheets = world()
    sheets["Legs"].append({"leg": "XA", "from": "X", "to": "A", "mode": "rail"})
    sheets["Routes"] += [
        {"route": "R_gap", "legs": "AX > YD"},
        {"route": "R_loop", "legs": "AX > XA > AX"},
    ]
    errors = errors_of(sheets, tmp_path)
    assert errors == [
        "Routes!B5 [legs] = 'AX > YD': route R_gap: leg AX ends at X but the next leg YD starts "
        "at Y",
        "Routes!B6 [legs] = 'AX > XA > AX': route R_loop visits node(s) A, X more than once",
    ]


def test_contract_without_eligible_route(tmp_path):
    sheets = world(Commodities=[{"commodity": "U", "unit": "t", "modes": "pipeline"}])
    errors = errors_of(sheets, tmp_path)
    assert errors == [
        "Contracts!A2 [contract] = 'K1': no eligible route from A to D for U in P1 (check the "
        "routes' legs, commodities, modes and active columns)"
    ]


def test_contract_route_list(tmp_path):
    sheets = world()
    sheets["Routes"][2]["active"] = "no"
    sheets["Contracts"][0]["routes"] = "R_cn, R_az"
    inputs = read_ok(sheets, tmp_path)
    assert set(inputs.flows["route"]) == {"R_cn"}
    assert [str(w) for w in inputs.warnings] == [
        "Contracts!F2 [routes] = 'R_az': route R_az is inactive; dropped from contract K1"
    ]


def test_overlapping_contract_rows(tmp_path):
    sheets = world(Periods=[{"period": "P1"}, {"period": "P2"}])
    sheets["Contracts"].append(
        {
            "contract": "K1",
            "commodity": "U",
            "origin": "A",
            "destination": "D",
            "volume": 5,
            "period": "P2",
        }
    )
    errors = errors_of(sheets, tmp_path)
    assert errors == [
        "Contracts!F3 [period] = 'P2': contract K1 already has a row for this "
        "period (row 2); rows may not overlap"
    ]


def test_min_rule_that_constrains_nothing_is_an_error(tmp_path):
    sheets = world(
        Limits=[
            {
                "rule": "via_tr",
                "measure": "transit_country",
                "value": "TR",
                "destination": "ALL",
                "commodity": "ALL",
                "period": "ALL",
                "min_share": 0.1,
            },
            {"rule": "cap_ru", "measure": "transit_country", "value": "ru", "max_share": 0.2},
        ]
    )
    errors = errors_of(sheets, tmp_path)
    assert errors == [
        "Limits!A2 [rule] = 'via_tr': rule via_tr constrains nothing: no eligible route in its "
        "scope carries TR; values on its routes: AZ, CN, RU; a minimum could never be honoured"
    ]


def test_max_rule_near_miss_warns(tmp_path):
    sheets = world(
        Limits=[{"rule": "cap_ru", "measure": "transit_country", "value": "ru", "max_share": 0.2}]
    )
    inputs = read_ok(sheets, tmp_path)
    assert [str(w) for w in inputs.warnings] == [
        "Limits!A2 [rule] = 'cap_ru': rule cap_ru constrains nothing: no eligible route in its "
        "scope carries ru (did you mean 'RU'?)"
    ]


def test_cli_invalid_exit_2_and_no_file(tmp_path, capsys):
    sheets = world()
    sheets["Legs"][0]["to"] = "x"
    path = tmp_path / "bad.xlsx"
    write_workbook(sheets, path)
    out = tmp_path / "out.xlsx"
    assert main(["solve", str(path), "-o", str(out)]) == 2
    assert not out.exists()
    assert "Legs!C2 [to] = 'x': unknown node (did you mean 'X'?)" in capsys.readouterr().err


def test_base_world_is_valid():
    assert set(BASE) == {"Commodities", "Nodes", "Legs", "Routes", "Contracts"}


def test_comment_row_is_judged_by_its_first_cell(tmp_path):
    """A notes column before the table's columns: '#' in column A makes the row a comment."""
    sheets = world()
    sheets["Nodes"] = [{"note": None, **row} for row in sheets["Nodes"]]
    sheets["Nodes"].append({"note": "# old port", "node": "OLD", "country": "XX"})
    inputs = read_ok(sheets, tmp_path)
    assert "OLD" not in inputs.nodes.index


def test_a_bad_bound_is_one_error_not_also_no_bound(tmp_path):
    """max_share 50 (meant 50 %) is invalid; the rule does set a bound, so it is not also
    told that it sets none (issue 9 item 8: one root cause, one error)."""
    sheets = world(
        Limits=[
            {"rule": "cap_ru", "measure": "transit_country", "value": "RU", "max_share": 50},
            {"rule": "empty", "measure": "transit_country", "value": "CN"},
        ]
    )
    errors = errors_of(sheets, tmp_path)
    assert errors == [
        "Limits!D2 [max_share] = 50: expected a share between 0 and 1 (0.4 or 40%)",
        "Limits!A3 [rule] = 'empty': the rule sets no bound; fill max_share, min_share, "
        "max_volume or min_volume",
    ]


def test_errors_carry_stable_codes(tmp_path):
    """A sample across the reader: each code is the documented one (errors.py)."""
    sheets = world({"time_limt": 5, "share_basis": "weight"})
    sheets["Legs"][0]["to"] = "x"
    sheets["Legs"][1]["cost"] = "2,000"
    sheets["Legs"][2]["mode"] = "boat"
    sheets["Nodes"].append({"node": "A", "country": "KZ"})
    sheets["Contracts"][0]["volume"] = None
    sheets["Routes"][0]["active"] = "maybe"
    sheets["Nodes"][1]["country"] = "Cn"
    sheets["Legs"][3]["countries"] = "CN"
    path = tmp_path / "in.xlsx"
    write_workbook(sheets, path)
    with pytest.raises(corridor.InputError) as info:
        corridor.read_workbook(path)
    assert sorted((e.where, e.code) for e in info.value.errors) == [
        ("Contracts!E2", "missing-value"),
        ("Legs!C2", "unknown-ref"),
        ("Legs!D4", "bad-choice"),
        ("Legs!E3", "bad-number"),
        ("Legs!F5", "label-case"),
        ("Nodes!A7", "duplicate-id"),
        ("Routes!C2", "bad-bool"),
        ("Settings!A2", "unknown-setting"),
        ("Settings!B3", "bad-choice"),
    ]
    assert all(e.frame_row is None for e in info.value.errors)  # a workbook has no frame
    path.write_bytes(b"")
    with pytest.raises(corridor.InputError) as info:
        corridor.read_workbook(path)
    assert [e.code for e in info.value.errors] == ["unreadable-file"]


def test_every_code_in_use_is_documented():
    """Each code string the package passes for an issue appears in the errors.py table."""
    import re
    from pathlib import Path

    import corridor.errors as errors_module

    documented = set(re.findall(r"^([a-z]+(?:-[a-z]+)*)\s{2,}", errors_module.__doc__, re.M))
    package = Path(corridor.__file__).parent
    used = set()
    for path in package.rglob("*.py"):
        text = path.read_text()
        used |= set(re.findall(r'"([a-z]+(?:-[a-z]+)+)",?\n\s*\)', text))
        used |= set(re.findall(r'CellError\([^)]*?"([a-z]+(?:-[a-z]+)+)"\s*\)', text, re.S))
    assert used and used <= documented, used - documented
