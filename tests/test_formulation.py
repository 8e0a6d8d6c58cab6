"""Pinned formulations (Temoa style): sizes of named cases without solving, the Pyomo view
equal to the arrays, and what an embedding program may do to the model before solving.

When an expected count changes, say why in a dated comment beside it.
"""

import pyomo.environ as pyo
import pytest

import corridor
from corridor.build import build
from corridor.generate import generate_frames

from cases import frames, world
from same_lp import assert_same_lp, assert_same_optimum


def _model(sheets):
    inputs = corridor.from_frames(frames(sheets))
    return inputs, corridor.build_model(inputs)


def _count(m, ctype):
    return sum(1 for _ in m.component_data_objects(ctype, active=True))


def test_base_world_with_default_cap_sizes():
    # 2026-11-28: 3 flows + 1 scope total; delivery + scope total + one cap row per country
    # 2026-11-30: the same counts, now read off the arrays without building any model
    inputs = corridor.from_frames(frames(world({"default_max_transit_share": 0.5})))
    lp = build(inputs)
    assert lp.size() == {"columns": 4, "rows": 5, "nonzeros": 3 + 4 + 3 * 2, "integer_columns": 0}
    assert list(lp.describe()["block"]) == [
        "flow",
        "shortfall",
        "scope_total",
        "delivery",
        "scope_total_def",
        "limit_rule",
    ]
    _, m = _model(world({"default_max_transit_share": 0.5}))
    assert _count(m, pyo.Var) == 4
    assert _count(m, pyo.Constraint) == 5
    assert sorted(k[2] for k in m.limit_rule) == ["AZ", "CN", "RU"]


def test_only_existing_index_combinations_are_built():
    """Two periods, a contract in P2 only, routes that allow only some commodities: flows
    exist only where a contract, an eligible route and its period meet."""
    sheets = world(
        Periods=[{"period": "P1"}, {"period": "P2"}],
        Commodities=[
            {"commodity": "U", "unit": "t"},
            {"commodity": "O", "unit": "kt", "modes": "rail"},
        ],
        Contracts=[
            {
                "contract": "K1",
                "commodity": "U",
                "origin": "A",
                "destination": "D",
                "volume": 100,
                "period": "P2",
            },
            {"contract": "K2", "commodity": "O", "origin": "A", "destination": "D", "volume": 5},
        ],
    )
    sheets["Legs"] = [
        dict(leg, mode="rail") if leg["leg"] in ("AX", "XD") else leg for leg in sheets["Legs"]
    ]
    inputs, m = _model(sheets)
    assert sorted(m.FLOWS) == [
        ("K1", "R_az", "P2"),
        ("K1", "R_cn", "P2"),
        ("K1", "R_ru", "P2"),
        ("K2", "R_cn", "P1"),
        ("K2", "R_cn", "P2"),
    ]
    assert len(m.delivery) == 3  # K1 in P2, K2 in P1 and P2
    assert sorted(m.delivery) == [("K1", "P2"), ("K2", "P1"), ("K2", "P2")]  # planner keys


def test_integer_features_sizes():
    # 2026-11-28: R_cn fixed cost -> one binary and its open rows (one per period with flow);
    # R_ru min volume -> one binary, open and minimum rows; R_az lots -> one integer per period
    sheets = world(Periods=[{"period": "P1"}, {"period": "P2"}])
    sheets["Routes"][0]["fixed_cost"] = 100
    sheets["Routes"][1]["min_volume"] = 10
    sheets["Routes"][2]["lot_size"] = 25
    _, m = _model(sheets)
    assert sorted(m.use_route) == ["R_cn", "R_ru"]
    assert len(m.route_open_limit) == 4 and len(m.route_min_volume) == 2
    assert sorted(m.shipments) == [("R_az", "P1"), ("R_az", "P2")]
    assert m.shipments["R_az", "P1"].ub == 4  # ceil(100 t reachable / 25)
    assert m.route_open_limit["R_cn", "P1"].body.polynomial_degree() == 1


def test_tight_big_m_is_the_smallest_capacity_on_the_route():
    sheets = world()
    sheets["Routes"][0]["fixed_cost"] = 100
    sheets["Legs"][0]["capacity"] = 70
    sheets["Nodes"][1]["capacity"] = 80
    _, m = _model(sheets)
    body = m.route_open_limit["R_cn", "P1"].body
    coefs = {v.name: c for c, v in zip(*_linear(body), strict=True)}
    assert coefs["use_route[R_cn]"] == -70
    inputs = corridor.from_frames(frames(sheets))
    loose = corridor.build_model(inputs, tight_big_m=False)
    coefs = {
        v.name: c for c, v in zip(*_linear(loose.route_open_limit["R_cn", "P1"].body), strict=True)
    }
    assert coefs["use_route[R_cn]"] == -1e7


def _linear(body):
    from pyomo.repn import generate_standard_repn

    repn = generate_standard_repn(body)
    return repn.linear_coefs, repn.linear_vars


def test_an_embedder_can_fix_variables_and_add_rows_with_params():
    """A fixed flow and a row with a mutable Param both reach HiGHS."""
    inputs, m = _model(world())
    m.flow["K1", "R_ru", "P1"].fix(30)  # 30 t by RU whatever it costs
    m.az_share = pyo.Param(initialize=0.2, mutable=True)
    m.az_min = pyo.Constraint(expr=m.flow["K1", "R_az", "P1"] >= m.az_share * 100)
    result = corridor.solve(m)
    assert result.status == "optimal"
    assert pyo.value(m.flow["K1", "R_ru", "P1"]) == 30
    assert pyo.value(m.flow["K1", "R_az", "P1"]) == pytest.approx(20)
    assert result.objective == pytest.approx(50 * 20 + 30 * 30 + 20 * 40)


def test_pipeline_matches_the_direct_array_baseline():
    """benchmarks/baseline.py assembles the same LP with numpy alone: same optimum."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from corridor.generate import SIZES

    from baseline import solve_baseline

    frames = generate_frames(**SIZES["small"])
    outcome = corridor.run(corridor.from_frames(frames))
    direct = solve_baseline(frames)
    assert outcome.result.status == "optimal" and direct["status"] == "Optimal"
    assert outcome.results.summary["objective"] == pytest.approx(direct["objective"], rel=1e-9)
    lp = outcome.plan.lp.size()
    assert (lp["columns"], lp["rows"], lp["nonzeros"]) == (
        direct["num_col"],
        direct["num_row"],
        direct["nnz"],
    )


@pytest.mark.parametrize(
    "features",
    [
        {},
        {"fixed_costs": True},
        {"lots": True},
        {"fixed_costs": True, "lots": True, "cap": 0.4},
    ],
    ids=["lp", "fixed_costs", "lots", "integers_and_cap"],
)
def test_pyomo_view_is_the_same_lp_on_generated_instances(features):
    """The model embedders get (Pyomo) and the arrays the command line solves: the same
    columns, rows, coefficients, bounds and costs, and the same optimum."""
    frames_ = generate_frames(routes=24, commodities=2, periods=2, seed=7, **features)
    inputs = corridor.from_frames(frames_)
    assert_same_lp(inputs)
    assert_same_optimum(inputs)


def test_pyomo_view_is_the_same_lp_with_rules_expansions_and_soft_caps():
    limits = [
        {
            "rule": "ru_soft",
            "measure": "transit_country",
            "value": "RU",
            "max_share": 0.3,
            "penalty": 5,
        },
        {"rule": "az_min", "measure": "corridor", "value": "Caspian", "min_volume": 10},
    ]
    expansions = [
        {
            "expansion": "AX+",
            "target_type": "leg",
            "target": "AX",
            "added_capacity": 20,
            "cost": 50,
            "max_units": 2,
        }
    ]
    sheets = world({"default_max_transit_share": 0.6}, Limits=limits, Expansions=expansions)
    sheets["Legs"][0]["capacity"] = 40
    inputs = corridor.from_frames(frames(sheets))
    assert_same_lp(inputs)
    assert_same_optimum(inputs)


def test_generated_workbook_solves_from_the_command_line(tmp_path):
    from corridor.cli import main

    from check import check_plan

    src, out = tmp_path / "gen.xlsx", tmp_path / "gen_results.xlsx"
    assert (
        main(
            [
                "generate",
                str(src),
                "--routes",
                "24",
                "--commodities",
                "2",
                "--periods",
                "2",
                "--seed",
                "4",
                "--fixed-costs",
                "--lots",
            ]
        )
        == 0
    )
    assert main(["solve", str(src), "-o", str(out)]) == 0
    assert check_plan(src, out) == []


@pytest.mark.parametrize(("change", "objective"), [("replace", 2700), ("deactivate", 2000)])
def test_an_embedder_can_replace_or_drop_a_model_row(change, objective):
    """Leg AX holds 60 t: 60 CN + 40 RU = 2400. Replacing its row by 'R_cn <= 30' gives
    30*20 + 70*30 = 2700; deactivating it lets all 100 t take CN = 2000."""
    sheets = world()
    sheets["Legs"][0]["capacity"] = 60
    _, m = _model(sheets)
    row = m.capacity_limit["leg", "AX", "P1"]
    if change == "replace":
        row.set_value(m.flow["K1", "R_cn", "P1"] <= 30)
    else:
        row.deactivate()
    assert corridor.solve(m).objective == pytest.approx(objective)
