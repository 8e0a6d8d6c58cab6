"""Sourcing sheets (Demand, Offers, Stocks) and when Contracts may be left out: each bad
input gives its exact message, cell and code.

The world is the base world of `cases` (origin A, destination D, three routes A -> D) with
the Contracts sheet replaced by one Demand row (100 t of U at D) and one offer O1 from A.
"""

import pytest

import corridor

from cases import BASE, frames, world, write_workbook


def sourcing(**changes: list[dict]) -> dict[str, list[dict]]:
    sheets = world(**changes)
    if "Contracts" not in changes:
        del sheets["Contracts"]
    sheets.setdefault("Demand", [{"destination": "D", "commodity": "U", "volume": 100}])
    sheets.setdefault(
        "Offers",
        [{"offer": "O1", "supplier": "S1", "commodity": "U", "origin": "A", "price": 5}],
    )
    return sheets


def errors(sheets) -> list[tuple[str, str, str]]:
    """(sheet!cell, code, message) of every error."""
    with pytest.raises(corridor.InputError) as info:
        corridor.from_frames(frames(sheets))
    return [(f"{e.sheet}!{e.cell}", e.code, e.message) for e in info.value.errors]


def offer(offer="O1", **values) -> dict:
    return {"offer": offer, "supplier": "S1", "commodity": "U", "origin": "A", **values}


# --- Contracts optional with Demand and Offers ---------------------------------------------


def test_demand_and_offers_without_contracts_is_valid_and_returns_the_typed_frames():
    inputs = corridor.from_frames(frames(sourcing()))
    assert inputs.warnings == []
    assert list(inputs.demand_rows.columns) == [
        "destination",
        "commodity",
        "period",
        "volume",
        "shortfall_penalty",
        "max_days",
        "_row",
    ]
    assert inputs.demand_rows[["destination", "commodity", "volume"]].values.tolist() == [
        ["D", "U", 100.0]
    ]
    assert inputs.offers[
        ["offer", "supplier", "origin", "price", "min_volume"]
    ].values.tolist() == [["O1", "S1", "A", 5.0, 0.0]]
    assert inputs.stocks.empty and "max_level" in inputs.stocks.columns
    assert inputs.disruptions.empty and list(inputs.disruptions.columns) == [
        "closure",
        "probability",
        "min_delivery",
        "_row",
        "kind",
        "id",
    ]
    assert inputs.contracts.empty


def test_an_empty_contracts_sheet_is_fine_with_demand_and_offers():
    inputs = corridor.from_frames(frames(sourcing(Contracts=[])))
    assert inputs.contracts.empty and len(inputs.offers) == 1


def test_demand_without_offers_or_contracts_says_what_is_missing(tmp_path):
    sheets = sourcing()
    del sheets["Offers"]
    path = tmp_path / "in.xlsx"
    write_workbook(sheets, path)
    with pytest.raises(corridor.InputError) as info:
        corridor.read_workbook(path)
    assert [(str(e), e.code) for e in info.value.errors] == [
        (
            "Offers: nothing supplies the Demand sheet: add an Offers sheet (what suppliers would "
            "sell) or a Contracts sheet (sheets found: Commodities, Nodes, Legs, Routes, Demand)",
            "no-supply",
        )
    ]


def test_offers_without_demand_or_contracts():
    sheets = sourcing()
    del sheets["Demand"]
    assert errors(sheets) == [
        (
            "Contracts!",
            "missing-sheet",
            "required sheet 'Contracts' is missing (sheets found: Commodities, Nodes, Legs, "
            "Routes, Offers); Offers need a Demand sheet (with Demand and Offers, Contracts is "
            "optional)",
        )
    ]


def test_empty_offers_and_no_contracts_is_nothing_to_plan():
    assert errors(sourcing(Offers=[])) == [
        (
            "Offers!",
            "empty-sheet",
            "the Offers sheet has no rows and there are no Contracts; there is nothing to plan",
        )
    ]


def test_offers_and_stocks_beside_contracts_but_without_demand_one_error_per_sheet():
    sheets = world(
        Offers=[offer(), offer("O2")],
        Stocks=[{"node": "D", "commodity": "U"}, {"node": "X", "commodity": "U"}],
    )
    assert errors(sheets) == [
        (
            "Offers!",
            "no-demand",
            "the Offers sheet needs a Demand sheet: an offer serves what a destination needs; "
            "add Demand rows (destination, commodity, volume)",
        ),
        (
            "Stocks!",
            "no-demand",
            "the Stocks sheet needs a Demand sheet: a stock serves what a destination needs; "
            "add Demand rows (destination, commodity, volume)",
        ),
    ]


def test_contracts_still_required_without_sourcing():
    sheets = world()
    del sheets["Contracts"]
    assert errors(sheets) == [
        (
            "Contracts!",
            "missing-sheet",
            "required sheet 'Contracts' is missing (sheets found: Commodities, Nodes, Legs, "
            "Routes)",
        )
    ]


# --- Demand -------------------------------------------------------------------------------


def test_demand_rows_may_not_overlap_and_references_are_checked():
    sheets = sourcing(
        Periods=[{"period": "P1"}, {"period": "P2"}],
        Demand=[
            {"destination": "D", "commodity": "U", "volume": 100},
            {"destination": "D", "commodity": "U", "period": "P2", "volume": 50},
            {"destination": "d", "commodity": "U", "period": "P3", "volume": 5},
        ],
    )
    assert errors(sheets) == [
        ("Demand!A4", "unknown-ref", "unknown node (did you mean 'D'?)"),
        ("Demand!D4", "unknown-ref", "unknown period"),
        (
            "Demand!D3",
            "overlap",
            "demand for U at D already has a row for this period (row 2); rows may not overlap",
        ),
    ]


def test_negative_demand_volume_is_refused():
    sheets = sourcing(Demand=[{"destination": "D", "commodity": "U", "volume": -1}])
    assert errors(sheets) == [("Demand!C2", "bad-number", "expected a number >= 0")]


# --- Offers -------------------------------------------------------------------------------


def test_rows_of_one_offer_must_agree_and_not_overlap():
    sheets = sourcing(
        Periods=[{"period": "P1"}, {"period": "P2"}],
        Offers=[
            offer(period="P1", destinations="D", max_days=30),
            offer(period="P1", supplier="S2", fixed_cost=7),
            offer(period="P2", origin="X", destinations="D", max_days=30),
        ],
    )
    assert errors(sheets) == [
        # columns: offer supplier commodity origin period destinations max_days fixed_cost
        ("Offers!B3", "rows-disagree", "offer O1 has 'S1' in row 2; all its rows must agree"),
        ("Offers!H3", "rows-disagree", "offer O1 has 0 in row 2; all its rows must agree"),
        ("Offers!F3", "rows-disagree", "offer O1 has 'D' in row 2; all its rows must agree"),
        ("Offers!G3", "rows-disagree", "offer O1 has 30 in row 2; all its rows must agree"),
        ("Offers!D4", "rows-disagree", "offer O1 has 'A' in row 2; all its rows must agree"),
        (
            "Offers!E3",
            "overlap",
            "offer O1 already has a row for this period (row 2); rows may not overlap",
        ),
    ]


def test_offer_ids_differ_from_contract_ids_and_from_each_other_in_case():
    sheets = sourcing(
        Contracts=BASE["Contracts"],
        Offers=[offer("k1"), offer("O2"), offer("o2", period=None)],
    )
    assert errors(sheets) == [
        (
            "Offers!A4",
            "duplicate-id",
            "offer id differs from 'O2' (row 3) only in case or spacing; use one spelling",
        ),
        (
            "Offers!A2",
            "id-clash",
            "offer id is also contract id 'K1' up to case or spacing (Contracts!A2); offer and "
            "contract ids must differ",
        ),
    ]


def test_offer_min_volume_above_max_volume():
    sheets = sourcing(Offers=[offer(min_volume=50, max_volume=40)])
    assert errors(sheets) == [
        (
            "Offers!E2",
            "bounds-order",
            "min_volume is above max_volume (40); the offer could never be taken",
        )
    ]


def test_offer_destinations_and_commodities_need_demand():
    """O1 lists X, a node without demand for U; O2 sells V, which nobody demands."""
    sheets = sourcing(
        Commodities=[{"commodity": "U", "unit": "t"}, {"commodity": "V", "unit": "t"}],
        Offers=[offer(destinations="D, X"), offer("O2", commodity="V")],
    )
    assert errors(sheets) == [
        (
            "Offers!E2",
            "no-demand",
            "offer O1: no Demand row for U at X; an offer serves only destinations with demand "
            "for its commodity",
        ),
        (
            "Offers!C3",
            "no-demand",
            "offer O2 sells V but no Demand row asks for V; add the demand, or remove the offer",
        ),
    ]


def test_a_demand_row_in_error_is_the_one_error_offers_get():
    """The Demand row names 'u' (a near miss): the offers of U are not also said to lack
    demand; fixing the Demand row is the one thing to do."""
    sheets = sourcing(Demand=[{"destination": "D", "commodity": "u", "volume": 100}])
    assert errors(sheets) == [("Demand!B2", "unknown-ref", "unknown commodity (did you mean 'U'?)")]


def test_offer_references_are_checked_with_near_misses():
    sheets = sourcing(Offers=[offer(origin="a", destinations="D, Q", period="P9")])
    assert errors(sheets) == [
        ("Offers!D2", "unknown-ref", "unknown node (did you mean 'A'?)"),
        ("Offers!F2", "unknown-ref", "unknown period"),
        ("Offers!E2", "unknown-ref", "unknown node"),
    ]


def test_supplier_labels_follow_the_casing_rule():
    sheets = sourcing(Offers=[offer(), offer("O2", supplier="s1")])
    assert errors(sheets) == [
        (
            "Offers!B3",
            "label-case",
            "supplier 's1' differs from 'S1' (Offers!B2) only in case or spacing; use one spelling",
        )
    ]


# --- Stocks -------------------------------------------------------------------------------


def test_stocks_one_row_per_node_and_commodity_at_a_destination_with_demand():
    sheets = sourcing(
        Stocks=[
            {"node": "D", "commodity": "U", "initial": 80, "min_level": 90, "max_level": 50},
            {"node": "D", "commodity": "U"},
            {"node": "X", "commodity": "U"},
        ]
    )
    assert errors(sheets) == [
        (
            "Stocks!D2",
            "bounds-order",
            "min_level is above max_level (50); the store cannot hold it",
        ),
        ("Stocks!C2", "bounds-order", "initial is above max_level (50); the store cannot hold it"),
        (
            "Stocks!A3",
            "duplicate-id",
            "a stock of U at D is already given in row 2; one row per node and commodity",
        ),
        (
            "Stocks!A4",
            "no-demand",
            "no Demand row for U at X; a stock is held at a destination with demand for its "
            "commodity",
        ),
    ]


def test_valid_stock_is_returned_typed():
    sheets = sourcing(Stocks=[{"node": "D", "commodity": "U", "initial": 30, "min_level": 20}])
    stocks = corridor.from_frames(frames(sheets)).stocks
    assert stocks[["node", "commodity", "initial", "min_level"]].values.tolist() == [
        ["D", "U", 30.0, 20.0]
    ]
    assert stocks["max_level"].isna().all()
