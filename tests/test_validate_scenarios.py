"""Scenario values: a factor explains itself (1.2 means +20 %), a percentage is refused with
that hint, set_limit takes a share, and set_price names an offer or a supplier."""

import pytest

import corridor
from corridor.analysis.scenarios import read_scenarios
from corridor.io.cells import CellError
from corridor.validate import parse_scenario_value
from corridor.whatif import Change

from cases import frames, world


@pytest.mark.parametrize(
    ("change", "raw", "expected"),
    [
        ("scale_cost", 1.2, 1.2),
        ("scale_capacity", "0.5", 0.5),
        ("scale_volume", 0, 0.0),
        ("set_price", 2, 2.0),
        ("set_limit", 0.4, 0.4),
        ("set_limit", "40%", 0.4),
        ("close", None, None),
    ],
)
def test_values_that_parse(change, raw, expected):
    assert parse_scenario_value(change, raw) == expected


@pytest.mark.parametrize(
    ("change", "raw", "message"),
    [
        (
            "scale_cost",
            "20%",
            "scale_cost takes a factor, not a percentage: write 1.2 for +20 % (1.2 means +20 %, "
            "0.5 halves)",
        ),
        (
            "set_price",
            " -10 % ",
            "set_price takes a factor, not a percentage: write 1.2 for +20 % (1.2 means +20 %, "
            "0.5 halves)",
        ),
        (
            "scale_volume",
            -1,
            "expected a number >= 0 as a factor (1.2 means +20 %, 0.5 halves)",
        ),
        (
            "scale_capacity",
            None,
            "scale_capacity needs a factor (e.g. 1.2; 1.2 means +20 %, 0.5 halves)",
        ),
        (
            "scale_capacity",
            "double",
            "expected a number; type it in a number cell (e.g. 2000 or 2.5); scale_capacity "
            "needs a factor (1.2 means +20 %, 0.5 halves)",
        ),
        (
            "scale_cost",
            float("inf"),
            "expected a finite number; scale_cost needs a factor (1.2 means +20 %, 0.5 halves)",
        ),
        ("set_limit", 1.5, "a share is at most 1 (100%)"),
        ("set_limit", "150%", "a share is at most 1 (100%)"),
        ("set_limit", None, "set_limit needs the new max_share (0 to 1, or 40%)"),
    ],
)
def test_values_refused_with_the_hint(change, raw, message):
    with pytest.raises(CellError) as info:
        parse_scenario_value(change, raw)
    assert (str(info.value), info.value.code) == (message, "bad-factor")


def sourcing_world(rows: list[dict]) -> dict[str, list[dict]]:
    sheets = world(
        Demand=[{"destination": "D", "commodity": "U", "volume": 100}],
        Offers=[
            {"offer": "O1", "supplier": "S1", "commodity": "U", "origin": "A", "price": 5},
            {"offer": "O2", "supplier": "S2", "commodity": "U", "origin": "A", "price": 6},
        ],
        Scenarios=rows,
    )
    del sheets["Contracts"]
    return sheets


def test_read_scenarios_accepts_set_price_on_an_offer_or_a_supplier():
    rows = [
        {"scenario": "dear", "change": "set_price", "target": "offer:O1", "value": 1.5},
        {"scenario": "dear", "change": "set_price", "target": "Supplier: S2", "value": "0.8"},
    ]
    batch = read_scenarios(corridor.from_frames(frames(sourcing_world(rows))))
    assert batch == {
        "dear": [Change("set_price", "offer:O1", 1.5), Change("set_price", "supplier:S2", 0.8)]
    }


def test_read_scenarios_names_the_cell_of_a_bad_value_or_target():
    rows = [
        {"scenario": "a", "change": "set_price", "target": "offer:O9", "value": 1.5},
        {"scenario": "b", "change": "set_price", "target": "route:R_cn", "value": 1.5},
        {"scenario": "c", "change": "scale_cost", "target": "all", "value": "20%"},
        {"scenario": "d", "change": "set_price", "target": "supplier:s1", "value": "x"},
    ]
    with pytest.raises(corridor.InputError) as info:
        read_scenarios(corridor.from_frames(frames(sourcing_world(rows))))
    assert [(e.cell, e.code, e.message) for e in info.value.errors] == [
        ("C2", "unknown-ref", "unknown offer 'O9'"),
        ("C3", "bad-target", "set_price takes a target of the form offer:id or supplier:id"),
        (
            "D4",
            "bad-factor",
            "scale_cost takes a factor, not a percentage: write 1.2 for +20 % (1.2 means +20 %, "
            "0.5 halves)",
        ),
        ("C5", "unknown-ref", "unknown supplier 's1' (did you mean 'S1'?)"),
    ]
