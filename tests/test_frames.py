"""DataFrames as a first-class input (`corridor.from_frames`): ids in the index or in a
column, Python lists in list-valued cells, anything else an InputError (never an
AttributeError), and every issue located by frame row and column besides its cell."""

import numpy as np
import pandas as pd
import pytest

import corridor

from cases import frames, world


def problems(data) -> list[tuple[str, str]]:
    """(str(issue), code) of every error."""
    with pytest.raises(corridor.InputError) as info:
        corridor.from_frames(data)
    return [(str(e), e.code) for e in info.value.errors]


# --- ids in the index ---------------------------------------------------------------------


def test_ids_in_a_named_index_are_read_as_the_id_column():
    base = frames(world())
    data = {
        **base,
        "Nodes": base["Nodes"].set_index("node"),
        "Legs": base["Legs"].set_index("leg"),
        "Routes": base["Routes"].set_index("route"),
        "Commodities": base["Commodities"].set_index("commodity"),
    }
    inputs = corridor.from_frames(data)
    assert list(inputs.nodes.index) == ["A", "X", "Y", "Z", "D"]
    assert set(inputs.routes.index) == {"R_cn", "R_ru", "R_az"}
    assert inputs.warnings == []
    assert corridor.run(inputs).results.summary["objective"] == pytest.approx(2000)


def test_ids_in_an_unnamed_text_index_become_the_first_column():
    nodes = pd.DataFrame.from_dict(
        {"A": {"country": "KZ"}, "X": {"country": "CN"}, "Y": {"country": "RU"}}, orient="index"
    )
    nodes.loc["Z"] = ["AZ"]
    nodes.loc["D"] = ["JP"]
    inputs = corridor.from_frames({**frames(world()), "Nodes": nodes})
    assert inputs.nodes.loc["D", "country"] == "JP"


def test_a_default_or_numeric_index_is_not_taken_for_ids():
    """A filtered frame keeps integer labels (0, 2, 5): they are row labels, not node ids,
    so the missing node column is still reported."""
    nodes = frames(world())["Nodes"].drop(columns="node")
    assert problems({**frames(world()), "Nodes": nodes}) == [
        (
            "Nodes!1 [node]: required column 'node' is missing from the header in row 1",
            "missing-column",
        )
    ]


def test_an_index_issue_names_the_index_column():
    base = frames(world())
    nodes = base["Nodes"].copy()
    nodes.loc[5] = {"node": "a", "country": "KZ"}
    assert problems({**base, "Nodes": nodes.set_index("node")}) == [
        (
            "Nodes!A7 (frame row 5, column 'node') [node] = 'a': node id used again as 'A' (ids "
            "differ only in case or spacing); first in row 2",
            "duplicate-id",
        )
    ]
    text_index = base["Nodes"].set_index("node").rename_axis(None)
    text_index.loc["z"] = ["AZ"]
    assert problems({**base, "Nodes": text_index})[0][0].startswith(
        "Nodes!A7 (frame row 5, column 'index') [node] = 'z'"
    )


# --- list-valued cells --------------------------------------------------------------------


@pytest.mark.parametrize("legs", [["AX", "XD"], ("AX", "XD"), np.array(["AX", "XD"])])
def test_route_legs_as_a_python_list(legs):
    sheets = world(Commodities=[{"commodity": "U", "unit": "t", "modes": ["rail", "Sea"]}])
    data = frames(sheets)
    data["Routes"]["legs"] = pd.Series([legs, "AY > YD", "AZ > ZD"], dtype=object)
    data["Contracts"]["routes"] = pd.Series([["R_cn", "R_ru"]], dtype=object)
    inputs = corridor.from_frames(data)
    assert inputs.routes.at["R_cn", "legs"] == ("AX", "XD")
    assert inputs.commodities.at["U", "modes"] == ("rail", "sea")
    assert set(inputs.flows["route"]) == {"R_cn", "R_ru"}


def test_bad_lists_and_lists_where_one_value_is_wanted():
    data = frames(world())
    data["Routes"]["legs"] = pd.Series([["AX", None], [], ("AY", "Y,D")], dtype=object)
    data["Legs"]["from"] = pd.Series([["A"], "X", "A", "Y", "A", "Z"], dtype=object)
    assert problems(data) == [
        (
            "Legs!B2 (frame row 0, column 'from') [from] = ['A']: expected one value, got a list",
            "bad-id",
        ),
        (
            "Routes!B2 (frame row 0, column 'legs') [legs] = ['AX', None]: a list item is empty; "
            "separate items with '>'",
            "bad-list",
        ),
        ("Routes!B3 (frame row 1, column 'legs') [legs]: a value is required", "missing-value"),
        (
            "Routes!B4 (frame row 2, column 'legs') [legs] = ('AY', 'Y,D'): ids and labels may "
            "not contain ',' or '>'",
            "bad-id",
        ),
    ]


def test_missing_values_of_every_kind_are_blank_cells():
    data = frames(world())
    data["Legs"]["capacity"] = pd.array([pd.NA, None, np.nan, pd.NA, 5, pd.NA], dtype=object)
    data["Nodes"]["name"] = [pd.NaT, None, "x", np.nan, pd.NA]
    inputs = corridor.from_frames(data)
    assert inputs.legs["capacity"].isna().sum() == 5
    assert inputs.legs.at["AZ", "capacity"] == 5


def test_numpy_integer_ids_are_text():
    data = frames(world())
    data["Contracts"]["contract"] = np.array([12], dtype=np.int64)
    assert list(corridor.from_frames(data).contracts["contract"]) == ["12"]


# --- what is not a table ------------------------------------------------------------------


def test_a_dict_of_columns_is_a_table():
    data = frames(world())
    data["Commodities"] = {"commodity": ["U"], "unit": ["t"]}
    assert list(corridor.from_frames(data).commodities.index) == ["U"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            [{"leg": "AX"}],
            "Legs: expected a pandas DataFrame (or a dict of column name -> values), got a list",
        ),
        (
            "Legs.csv",
            "Legs: expected a pandas DataFrame (or a dict of column name -> values), got a str",
        ),
        (
            {"leg": ["AX", "XD"], "from": ["A"]},
            "Legs: the dict of columns cannot be read as a table: All arrays must be of the same "
            "length",
        ),
        (
            pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "b"), ("a", "c")])),
            "Legs: the frame has several header levels (a column MultiIndex); flatten them to "
            "one row of column names",
        ),
    ],
)
def test_anything_else_is_one_input_error_and_nothing_depending_on_it(value, message):
    """The Routes sheet refers to the legs: no "unknown leg" follows the one root cause."""
    assert problems({**frames(world()), "Legs": value}) == [(message, "bad-frame")]


def test_frames_must_be_a_dict():
    assert problems([pd.DataFrame()]) == [
        ("workbook: from_frames takes a dict of sheet name -> DataFrame, got a list", "bad-frame")
    ]


def test_unknown_sheets_of_any_type_are_ignored():
    inputs = corridor.from_frames({**frames(world()), "Notes": ["anything"]})
    assert inputs.warnings == []


# --- one root cause, one error ------------------------------------------------------------


@pytest.mark.parametrize(
    ("sheet", "column", "message"),
    [
        (
            "Legs",
            "leg",
            "Legs!1 [leg]: required column 'leg' is missing from the header in row 1 (did you "
            "mean 'leg_id'?)",
        ),
        (
            "Nodes",
            "node",
            "Nodes!1 [node]: required column 'node' is missing from the header in row 1 (did "
            "you mean 'node_id'?)",
        ),
        (
            "Commodities",
            "commodity",
            "Commodities!1 [commodity]: required column 'commodity' is missing from the header "
            "in row 1 (did you mean 'commodity_id'?)",
        ),
        (
            "Routes",
            "route",
            "Routes!1 [route]: required column 'route' is missing from the header in row 1 "
            "(did you mean 'route_id'?)",
        ),
    ],
)
def test_a_renamed_id_column_is_one_error(sheet, column, message):
    data = frames(
        world(Limits=[{"rule": "r", "measure": "route", "value": "R_cn", "max_share": 1}])
    )
    data[sheet] = data[sheet].rename(columns={column: f"{column}_id"})
    assert problems(data) == [(message, "missing-column")]


def test_an_empty_required_sheet_is_one_error():
    data = frames(world())
    data["Nodes"] = pd.DataFrame(columns=["node", "country"])
    assert problems(data) == [
        ("Nodes: the Nodes sheet has no rows; there is nothing to plan", "empty-sheet")
    ]


def test_warnings_are_located_in_the_frame_too():
    data = frames(world())
    data["Nodes"]["colour"] = "red"
    data["Legs"].loc[0, "capacity"] = 0.5
    inputs = corridor.from_frames(data)
    assert [str(w) for w in inputs.warnings] == [
        "Nodes: unknown column(s) ignored: colour; expected columns are node, country, name, "
        "kind, capacity, handling_cost, latitude, longitude",
        "Legs!F2 (frame row 0, column 'capacity') [capacity] = 0.5: leg AX: capacity 0.5 is "
        "below 1 % of the smallest contract volume with an eligible route through it (K1: 100 "
        "capacity units per period); is it in another unit (kt for t)?",
    ]
    (slip,) = [w for w in inputs.warnings if w.code == "unit-slip"]
    assert (slip.frame_row, slip.frame_column, slip.cell) == (0, "capacity", "F2")


def test_frame_row_and_column_beside_the_cell():
    sheets = world()
    sheets["Legs"][5]["capacity"] = -3
    (issue,) = pytest.raises(corridor.InputError, corridor.from_frames, frames(sheets)).value.errors
    assert str(issue) == (
        "Legs!F7 (frame row 5, column 'capacity') [capacity] = -3: expected a number >= 0"
    )
    assert (issue.sheet, issue.cell, issue.column, issue.value) == ("Legs", "F7", "capacity", -3)
    assert (issue.frame_row, issue.frame_column, issue.code) == (5, "capacity", "bad-number")


# --- layers ---------------------------------------------------------------------------------
