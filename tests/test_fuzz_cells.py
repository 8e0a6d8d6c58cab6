"""Robustness: any cell of a valid workbook replaced by any value gives either valid Inputs
or an InputError listing cells, never another exception (the CLI's promise of no
traceback rests on this). The workbook has every input sheet, the v1.2 sourcing and robust
sheets included, and every issue must carry a documented code."""

import datetime as dt
import math
import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import corridor
import corridor.errors

from cases import frames, world

CODES = set(re.findall(r"^([a-z]+(?:-[a-z]+)*)\s{2,}", corridor.errors.__doc__, re.M))
SHEETS = world(
    {
        "default_max_transit_share": 0.6,
        "shortfall_penalty": 500,
        "robust_min_delivery": 0.8,
        "robust_against": "transit_country, chokepoint",
        "report_currency": "JPY",
        "exchange_rate": 150,
    },
    Periods=[{"period": "P1"}, {"period": "P2"}],
    Limits=[
        {"rule": "r1", "measure": "corridor", "value": "Caspian", "min_share": 0.1, "penalty": 5}
    ],
    Capacities=[{"target_type": "node", "target": "X", "period": "P2", "capacity": 40}],
    Expansions=[
        {
            "expansion": "E1",
            "target_type": "leg",
            "target": "AY",
            "added_capacity": 20,
            "cost": 50,
            "max_units": 2,
        }
    ],
    Scenarios=[{"scenario": "s", "change": "close", "target": "country:CN"}],
    Demand=[
        {"destination": "D", "commodity": "U", "period": "P1", "volume": 120, "max_days": 60},
        {"destination": "D", "commodity": "U", "period": "P2", "volume": 10},
    ],
    Offers=[
        {
            "offer": "O1",
            "supplier": "S1",
            "commodity": "U",
            "origin": "A",
            "period": "P1",
            "price": 5,
            "max_volume": 80,
            "min_volume": 10,
            "destinations": "D",
            "max_days": 50,
        },
        {
            "offer": "O1",
            "supplier": "S1",
            "commodity": "U",
            "origin": "A",
            "period": "P2",
            "destinations": "D",
            "max_days": 50,
        },
    ],
    Stocks=[{"node": "D", "commodity": "U", "initial": 20, "min_level": 10, "max_level": 90}],
    Disruptions=[
        {"closure": "country:RU", "probability": 0.1},
        {"closure": "corridor:Caspian", "probability": "5%", "min_delivery": 0.5},
    ],
)
SHEETS["Routes"][0].update(fixed_cost=100, lot_size=30, lot_cost=5, booking_cost=2)
SHEETS["Contracts"][0].update(supplier="S0", max_days=100)
SHEETS["Legs"][0].update(days=3, chokepoints="Bosporus")

VALUES = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "",
            " ",
            "#N/A",
            "#DIV/0!",
            "=1+1",
            "40%",
            "150%",
            "none",
            "*",
            "ALL",
            "all",
            "x",
            "yes",
            "2,000",
            "1e30",
            "nan",
            "inf",
            "-3",
            "A",
            "a",
            "R_cn",
            "r_cn",
            "P3",
            "A > D",
            "AX > XD",
            "CN, RU",
            "country:RU",
            "contry:RU",
            "node:",
            "chokepoint:Bosporus",
            "O1",
            "K1",
            "20%",
            "rail",
            "boat",
            "\t",
            "# c",
        ]
    ),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.text(max_size=12),
    # frames may hold Python lists in list-valued cells (and anywhere by mistake)
    st.lists(st.sampled_from(["AX", "XD", "A", "D", "rail", "", None, "x,y", 3]), max_size=3),
)


@st.composite
def damaged(draw):
    sheets = {name: [dict(row) for row in rows] for name, rows in SHEETS.items()}
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(sheets)))
        rows = sheets[name]
        row = draw(st.sampled_from(rows))
        column = draw(st.sampled_from(sorted({c for r in rows for c in r})))
        row[column] = draw(VALUES)
    return sheets


def test_the_undamaged_workbook_is_valid_and_quiet():
    inputs = corridor.from_frames(frames(SHEETS))
    assert inputs.warnings == []
    assert list(inputs.disruptions["closure"]) == ["country:RU", "corridor:Caspian"]
    assert len(inputs.offers) == 2 and len(inputs.demand_rows) == 2 and len(inputs.stocks) == 1


@settings(
    max_examples=int(os.environ.get("CORRIDOR_FUZZ", 150)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(damaged())
def test_damaged_cells_give_inputs_or_input_error(sheets):
    try:
        inputs = corridor.from_frames(frames(sheets))
    except corridor.InputError as exc:
        assert exc.errors and all(e.message for e in exc.errors)
        assert {e.code for e in exc.errors} <= CODES - {corridor.errors.GENERIC_CODE}, exc
        return
    assert {w.code for w in inputs.warnings} <= CODES - {corridor.errors.GENERIC_CODE}
    assert len(inputs.flows) > 0
    assert all(math.isfinite(v) for v in inputs.flows["unit_cost"])
    outcome = corridor.run(inputs)
    assert outcome.result.status in ("optimal", "infeasible")
