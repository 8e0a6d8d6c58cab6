"""Tests of the independent plan checker itself, on hand-made workbooks (no model involved).

The network: contract C1 ships 100 t of oil from A (KZ) to D (TR) each period over
  R1 = L1 > L2 via B (RU): cost 10+5, handling 1 at B, 5 days -> unit cost 16.5
  R2 = L3 > L4 via X (GE): cost 20+5, 10 days               -> unit cost 26
(carrying: value 100 x rate 0.365 x days / 365 = 0.1 per day).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from check import check_plan

UNIT = {"R1": 16.5, "R2": 26.0}
TRANSIT = {"R1": "RU", "R2": "GE"}


def _book(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def make_input(
    tmp_path: Path,
    settings: list[list[Any]] | None = None,
    l1_capacity: float | None = None,
    limits: list[list[Any]] | None = None,
    expansions: list[list[Any]] | None = None,
    routes: list[list[Any]] | None = None,
    capacities: list[list[Any]] | None = None,
    periods: tuple[str, ...] = (),
) -> Path:
    sheets: dict[str, list[list[Any]]] = {
        "Settings": [
            ["Setting", "Value"],
            ["Default Max Transit Share", "50%"],
            ["carrying_cost_rate", 0.365],
            *(settings or []),
        ],
        "Commodities": [["commodity", "unit", "value_per_unit"], ["oil", "t", 100]],
        "Nodes": [
            ["node", "country", "handling_cost"],
            ["A", "KZ", None],
            ["B", "RU", 1],
            ["X", "GE", None],
            ["D", "TR", None],
        ],
        "Legs": [
            ["leg", "from", "to", "mode", "cost", "days", "capacity"],
            ["# a comment row", None, None, None, None, None, None],
            ["L1", "A", "B", "rail", 10, 2, l1_capacity],
            ["L2", "B", "D", "rail", 5, 3, None],
            [],
            ["L3", "A", "X", "road", 20, 5, None],
            ["L4", "X", "D", "sea", 5, 5, None],
        ],
        "Routes": routes or [["route", "legs"], ["R1", "L1 > L2"], ["R2", "L3>L4"]],
        "Contracts": [
            ["contract", "commodity", "origin", "destination", "volume"],
            ["C1", "oil", "A", "D", 100],
        ],
    }
    if periods:
        sheets["Periods"] = [["period"], *([p] for p in periods)]
    if capacities:
        sheets["Capacities"] = [["target_type", "target", "period", "capacity"], *capacities]
    if limits:
        sheets["Limits"] = [
            ["rule", "measure", "value", "max_share", "penalty"],
            *limits,
        ]
    if expansions:
        sheets["Expansions"] = [
            ["expansion", "target_type", "target", "added_capacity", "cost", "first_period"],
            *expansions,
        ]
    return _book(tmp_path / "input.xlsx", sheets)


def make_results(
    tmp_path: Path,
    flows: dict[str, float],
    objective: float,
    shortfall: float = 0.0,
    status: str = "optimal",
    units: dict[str, int] | None = None,
    with_flows: bool = True,
    shipments: int | None = None,
    periods: tuple[str, ...] = ("P1",),
) -> Path:
    """The same flows in every period; `objective` is for the whole horizon."""
    delivered = sum(flows.values())
    sheets: dict[str, list[list[Any]]] = {
        "Summary": [["item", "value"], ["status", status], ["objective", objective]],
    }
    if with_flows:
        sheets["Flows"] = [
            [
                "contract",
                "period",
                "commodity",
                "origin",
                "destination",
                "route",
                "corridor",
                "transit_countries",
                "volume",
                "unit_cost",
                "cost",
            ],
            *(
                ["C1", t, "oil", "A", "D", r, r, TRANSIT[r], v, UNIT[r], UNIT[r] * v]
                for t in periods
                for r, v in flows.items()
            ),
        ]
        sheets["Contracts"] = [
            ["contract", "period", "commodity", "volume", "delivered", "shortfall"],
            *(["C1", t, "oil", 100, delivered, shortfall] for t in periods),
        ]
        sheets["Routes"] = [
            ["route", "corridor", "used", "volume", "shipments", "fixed_cost"],
            *([r, r, "yes", v * len(periods), shipments, 0] for r, v in flows.items()),
        ]
    if units is not None:
        sheets["Expansions"] = [["expansion", "units"], *([e, n] for e, n in units.items())]
    return _book(tmp_path / "results.xlsx", sheets)


def test_correct_plan_has_no_problems(tmp_path: Path) -> None:
    results = make_results(tmp_path, {"R1": 50, "R2": 50}, 50 * 16.5 + 50 * 26)
    assert check_plan(make_input(tmp_path), results) == []


@pytest.mark.parametrize(
    "base, override",
    [(40, None), (None, [["leg", "L1", "P1", 40]]), (None, [["leg", "L1", None, 40]])],
)
def test_leg_capacity_exceeded_names_the_leg(
    tmp_path: Path, base: float | None, override: list[list[Any]] | None
) -> None:
    results = make_results(tmp_path, {"R1": 50, "R2": 50}, 2125)
    problems = check_plan(make_input(tmp_path, l1_capacity=base, capacities=override), results)
    assert len(problems) == 1 and "leg L1" in problems[0]


def test_capacities_row_replaces_the_base(tmp_path: Path) -> None:
    inp = make_input(tmp_path, l1_capacity=40, capacities=[["leg", "L1", None, None]])
    assert check_plan(inp, make_results(tmp_path, {"R1": 50, "R2": 50}, 2125)) == []


def test_expansion_counts_from_its_first_period(tmp_path: Path) -> None:
    inp = make_input(
        tmp_path,
        l1_capacity=40,
        expansions=[["E1", "leg", "L1", 20, 100, "P2"]],
        periods=("P1", "P2"),
    )
    results = make_results(
        tmp_path, {"R1": 50, "R2": 50}, 2 * 2125 + 100, units={"E1": 1}, periods=("P1", "P2")
    )
    problems = check_plan(inp, results)
    assert len(problems) == 1 and "leg L1 period P1" in problems[0]


def test_expansion_in_effect_adds_capacity_and_cost(tmp_path: Path) -> None:
    inp = make_input(tmp_path, l1_capacity=40, expansions=[["E1", "leg", "L1", 20, 100, None]])
    assert (
        check_plan(inp, make_results(tmp_path, {"R1": 50, "R2": 50}, 2225, units={"E1": 1})) == []
    )
    problems = check_plan(inp, make_results(tmp_path, {"R1": 50, "R2": 50}, 2125, units={"E1": 0}))
    assert any("leg L1" in p for p in problems)


def test_default_cap_broken_names_the_country(tmp_path: Path) -> None:
    results = make_results(tmp_path, {"R1": 70, "R2": 30}, 70 * 16.5 + 30 * 26)
    problems = check_plan(make_input(tmp_path), results)
    assert len(problems) == 1 and "RU" in problems[0] and "GE" not in problems[0]


def test_rule_naming_a_country_replaces_the_default_cap(tmp_path: Path) -> None:
    inp = make_input(tmp_path, limits=[["ru_cap", "transit_country", "RU", "80%", None]])
    assert check_plan(inp, make_results(tmp_path, {"R1": 70, "R2": 30}, 1935)) == []


def test_soft_rule_violation_is_charged(tmp_path: Path) -> None:
    limits = [
        ["ru_cap", "transit_country", "RU", 0.8, None],
        ["ge_soft", "transit_country", "GE", 0.2, 10],  # 30 through vs 20 allowed -> 10 x 10
    ]
    inp = make_input(tmp_path, limits=limits)
    assert check_plan(inp, make_results(tmp_path, {"R1": 70, "R2": 30}, 1935 + 100)) == []
    problems = check_plan(inp, make_results(tmp_path, {"R1": 70, "R2": 30}, 1935))
    assert len(problems) == 1 and "objective" in problems[0]


def test_wrong_objective_is_reported(tmp_path: Path) -> None:
    results = make_results(tmp_path, {"R1": 50, "R2": 50}, 2000)
    problems = check_plan(make_input(tmp_path), results)
    assert len(problems) == 1 and "objective" in problems[0]


def test_shortfall_needs_a_penalty(tmp_path: Path) -> None:
    cost = 45 * 16.5 + 45 * 26
    results = make_results(tmp_path, {"R1": 45, "R2": 45}, cost, shortfall=10)
    problems = check_plan(make_input(tmp_path), results)
    assert len(problems) == 1 and "shortfall" in problems[0]
    results = make_results(tmp_path, {"R1": 45, "R2": 45}, cost + 10 * 7, shortfall=10)
    assert check_plan(make_input(tmp_path, settings=[["shortfall_penalty", 7]]), results) == []


def test_route_not_allowed_for_commodity(tmp_path: Path) -> None:
    inp = make_input(tmp_path)
    wb = openpyxl.load_workbook(inp)
    wb["Commodities"]["E1"], wb["Commodities"]["E2"] = "modes", "road, sea"
    wb.save(inp)
    problems = check_plan(inp, make_results(tmp_path, {"R1": 50, "R2": 50}, 2125))
    assert len(problems) == 1 and "R1" in problems[0] and "mode" in problems[0]


def test_unsolved_status_and_missing_flows(tmp_path: Path) -> None:
    inp = make_input(tmp_path)
    unsolved = make_results(tmp_path, {}, 0, status="infeasible", with_flows=False)
    assert check_plan(inp, unsolved) == []
    with pytest.raises(ValueError, match="Flows"):
        check_plan(inp, make_results(tmp_path, {}, 0, with_flows=False))


def test_fixed_cost_min_volume_and_lots(tmp_path: Path) -> None:
    routes = [
        ["route", "legs", "fixed_cost", "min_volume", "lot_size", "lot_cost"],
        ["R1", "L1>L2", 50, 40, 30, 2],  # 50 t -> 2 shipments of at most 30 t
        ["R2", "L3>L4", None, None, None, None],
    ]
    inp = make_input(tmp_path, routes=routes)
    plan = {"R1": 50, "R2": 50}
    assert check_plan(inp, make_results(tmp_path, plan, 2125 + 50 + 4)) == []
    assert check_plan(inp, make_results(tmp_path, plan, 2125 + 50 + 6, shipments=3)) == []
    problems = check_plan(inp, make_results(tmp_path, plan, 2125 + 50 + 2, shipments=1))
    assert len(problems) == 1 and "shipments" in problems[0]
    routes[1][3] = 60  # min_volume above the 50 t carried
    problems = check_plan(make_input(tmp_path, routes=routes), make_results(tmp_path, plan, 2179))
    assert len(problems) == 1 and "min_volume" in problems[0]


def test_hard_rule_on_each_route(tmp_path: Path) -> None:
    limits = [["ru_cap", "transit_country", "RU", 1, None], ["per_route", "route", "*", 0.6, None]]
    problems = check_plan(
        make_input(tmp_path, limits=limits), make_results(tmp_path, {"R1": 70, "R2": 30}, 1935)
    )
    assert len(problems) == 1 and "per_route" in problems[0] and "R1" in problems[0]


# --- sourcing: the sourcing world of tests/cases.py (C needs 100 t; O1 at A over RA, landed
# 60/t, at most 80 t; O2 at B over RB, landed 72/t, at least 30 t if taken)


def _sourcing_results(
    tmp_path: Path,
    bought: dict[str, float],
    objective: float,
    taken: dict[str, str] | None = None,
    stocks: list[list[Any]] | None = None,
) -> Path:
    route = {"O1": ("A", "RA", 10, 50), "O2": ("B", "RB", 12, 60)}
    sheets: dict[str, list[list[Any]]] = {
        "Summary": [["item", "value"], ["status", "optimal"], ["objective", objective]],
        "Flows": [
            ["contract", "offer", "period", "commodity", "origin", "destination", "route"]
            + ["volume", "unit_cost", "price"],
            *(
                [None, o, "P1", "U", route[o][0], "C", route[o][1], v, route[o][2], route[o][3]]
                for o, v in bought.items()
            ),
        ],
        "Purchases": [
            ["offer", "period", "taken"],
            *([o, "P1", t] for o, t in (taken or {}).items()),
        ],
    }
    if stocks is not None:
        sheets["Stocks"] = [
            ["node", "commodity", "period", "opening", "arrivals", "used", "closing"],
            *stocks,
        ]
    return _book(tmp_path / "results.xlsx", sheets)


def _sourcing_input(tmp_path: Path, **changes) -> Path:
    from cases import sourcing, write_workbook

    path = tmp_path / "input.xlsx"
    write_workbook(sourcing(**changes), path)
    return path


def test_sourcing_plan_and_its_costs(tmp_path: Path) -> None:
    """O1 70 x 60 + O2 30 x 72 = 6,360 passes; reporting 6,000 does not."""
    inp = _sourcing_input(tmp_path)
    good = _sourcing_results(tmp_path, {"O1": 70, "O2": 30}, 6360, {"O2": "yes"})
    assert check_plan(inp, good) == []
    bad = _sourcing_results(tmp_path, {"O1": 70, "O2": 30}, 6000, {"O2": "yes"})
    [problem] = check_plan(inp, bad)
    assert problem.startswith("objective 6000 != recomputed 6360")


def test_offer_above_its_maximum_below_its_minimum_and_demand_not_met(tmp_path: Path) -> None:
    """O1 90 > max 80 and O2 10 < min 30 (taken, as it sells); then O1 alone with 70 t
    leaves 30 t of a need that must be met."""
    inp = _sourcing_input(tmp_path)
    problems = check_plan(inp, _sourcing_results(tmp_path, {"O1": 90, "O2": 10}, 6120))
    assert problems == [
        "offer O1 period P1: sells 90, above max_volume 80",
        "offer O2 period P1: taken but sells 10 < min_volume 30",
    ]
    problems = check_plan(inp, _sourcing_results(tmp_path, {"O1": 70}, 4200))
    assert problems == ["demand for U at C period P1: 30 of 100 unmet but it must be met"]


def test_offer_flow_on_a_route_that_does_not_start_at_its_origin(tmp_path: Path) -> None:
    inp = _sourcing_input(tmp_path)
    path = _sourcing_results(tmp_path, {"O1": 70, "O2": 30}, 6360, {"O2": "yes"})
    wb = openpyxl.load_workbook(path)
    wb["Flows"]["G2"] = "RB"  # O1 (at A) on RB, which starts at B
    wb.save(path)
    problems = check_plan(inp, path)
    assert problems[0] == (
        "Flows offer O1 route RB period P1: route RB starts at B, not at the offer's origin A"
    )


def test_stock_levels_must_follow_from_arrivals_and_use(tmp_path: Path) -> None:
    """A stock of 50 t at C: drawing 30 leaves 20, not 25; and a level above the floor of
    40 only where the floor is hard."""
    stocks = [{"node": "C", "commodity": "U", "initial": 50, "min_level": 40}]
    inp = _sourcing_input(tmp_path, Stocks=stocks)
    row = ["C", "U", "P1", 50, 0, 30, 25]
    problems = check_plan(inp, _sourcing_results(tmp_path, {"O1": 70}, 4200, stocks=[row]))
    assert problems == [
        "stock of U at C period P1: closing 25 != 50 + 0 - 30",
        "stock of U at C period P1: level 25 below the floor 40",
    ]
