"""Robustness: any cell of a valid workbook replaced by any value gives either valid Inputs
or an InputError listing cells, never another exception (the CLI's promise of no
traceback rests on this)."""

import datetime as dt
import math
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import corridor

from cases import frames, world

SHEETS = world(
    {"default_max_transit_share": 0.6, "shortfall_penalty": 500},
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
)
SHEETS["Routes"][0].update(fixed_cost=100, lot_size=30, lot_cost=5)

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
        return
    assert len(inputs.flows) > 0
    assert all(math.isfinite(v) for v in inputs.flows["unit_cost"])
    outcome = corridor.run(inputs)
    assert outcome.result.status in ("optimal", "infeasible")
