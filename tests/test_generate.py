"""Synthetic instances (corridor.generate) and the direct-CSC baseline LP (benchmarks)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import corridor
from corridor.generate import SHEETS, SIZES, flow_variable_count, generate_frames, write_workbook
from corridor.generate import main as generate_main
from corridor.schema import INPUT_SHEETS

from check import check_plan

_BASELINE = Path(__file__).resolve().parents[1] / "benchmarks" / "baseline.py"


def _load_baseline():
    spec = importlib.util.spec_from_file_location("corridor_benchmark_baseline", _BASELINE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def baseline():
    pytest.importorskip("highspy")
    return _load_baseline()


@pytest.fixture(scope="module")
def small():
    return generate_frames(**SIZES["small"], seed=1)


def _route_transit(frames):
    """Transit countries per route, computed plainly (for checking the structure)."""
    nodes = frames["Nodes"].set_index("node")["country"]
    legs = frames["Legs"].set_index("leg")
    out = {}
    for route, spec in zip(frames["Routes"]["route"], frames["Routes"]["legs"], strict=True):
        ids = [s.strip() for s in spec.split(">")]
        path = [legs.at[ids[0], "from"]] + [legs.at[i, "to"] for i in ids]
        countries = {nodes[n] for n in path}
        for i in ids:
            if isinstance(legs.at[i, "countries"], str):
                countries |= {c.strip() for c in legs.at[i, "countries"].split(",")}
        out[route] = (path[0], path[-1], countries - {nodes[path[0]], nodes[path[-1]]})
    return out


def test_sheets_and_columns(small):
    assert tuple(small) == SHEETS
    assert list(small["Settings"].columns) == ["setting", "value"]
    assert list(small["Legs"].columns)[:10] == INPUT_SHEETS["Legs"].column_names
    settings = dict(zip(small["Settings"]["setting"], small["Settings"]["value"], strict=True))
    assert settings["default_max_transit_share"] == 0.5
    assert "default_max_transit_share" not in set(
        generate_frames(routes=10, cap=None)["Settings"]["setting"]
    )
    for sheet, col in [("Nodes", "node"), ("Legs", "leg"), ("Routes", "route")]:
        ids = small[sheet][col]
        assert all(isinstance(v, str) for v in ids)
        assert ids.str.lower().is_unique
    assert small["Routes"]["legs"].str.fullmatch(r"\S+( > \S+)+").all()


def test_deterministic():
    a = generate_frames(**SIZES["small"], seed=7, fixed_costs=True, lots=True)
    b = generate_frames(**SIZES["small"], seed=7, fixed_costs=True, lots=True)
    c = generate_frames(**SIZES["small"], seed=8, fixed_costs=True, lots=True)
    for name in SHEETS:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert not a["Legs"].equals(c["Legs"])
    # options draw from their own streams: the network does not change with them
    plain = generate_frames(**SIZES["small"], seed=7)
    pd.testing.assert_frame_equal(plain["Legs"], a["Legs"])
    pd.testing.assert_frame_equal(plain["Contracts"], a["Contracts"])


def test_sizes():
    small = generate_frames(**SIZES["small"])
    assert 800 <= flow_variable_count(small) <= 1_300
    medium = generate_frames(**SIZES["medium"])
    assert 40_000 <= flow_variable_count(medium) <= 60_000
    kw = SIZES["large"]
    assert 0.8e6 <= kw["routes"] * kw["commodities"] * kw["periods"] <= 1.2e6
    # explicit contract counts: several contracts may share a pair and commodity
    frames = generate_frames(routes=40, commodities=2, periods=3, contracts=25)
    assert frames["Contracts"]["contract"].nunique() == 25
    assert flow_variable_count(frames) > 0


def test_structure_supports_the_cap(small):
    transit = _route_transit(small)
    by_pair: dict[tuple[str, str], list[frozenset]] = {}
    for origin, dest, countries in transit.values():
        assert 2 <= len(countries) <= 4
        by_pair.setdefault((origin, dest), []).append(frozenset(countries))
    for sets in by_pair.values():
        # at least three routes whose transit countries are pairwise disjoint
        disjoint = []
        for s in sets:
            if all(not (s & t) for t in disjoint):
                disjoint.append(s)
        assert len(disjoint) >= 3


def test_options():
    frames = generate_frames(**SIZES["small"], fixed_costs=True, lots=True)
    routes = frames["Routes"]
    assert routes["fixed_cost"].notna().any() and routes["min_volume"].notna().any()
    assert (routes["lot_size"].notna() == routes["lot_cost"].notna()).all()
    assert routes["lot_size"].notna().any()
    plain = generate_frames(**SIZES["small"])["Routes"]
    assert not {"fixed_cost", "min_volume", "lot_size", "lot_cost"} & set(plain.columns)
    with pytest.raises(ValueError):
        generate_frames(routes=2)


def test_baseline_small_is_optimal_under_the_cap(baseline, small):
    capped = baseline.solve_baseline(small)
    assert capped["status"] == "Optimal"
    assert capped["num_flow"] == flow_variable_count(small)
    assert set(capped) >= {"assemble", "pass", "solve", "objective"}
    uncapped = generate_frames(**SIZES["small"], seed=1, cap=None)
    free = baseline.solve_baseline(uncapped)
    assert free["status"] == "Optimal"
    assert free["objective"] <= capped["objective"] * (1 + 1e-9)
    # a tight cap (1/3, the guaranteed bound) and the MIP options stay feasible as an LP
    tight = generate_frames(routes=30, commodities=2, periods=2, seed=3, cap=1 / 3, lots=True)
    assert baseline.solve_baseline(tight)["status"] == "Optimal"


def test_baseline_solution_meets_caps_and_delivery(baseline, small):
    h, info = baseline.baseline_lp(small)
    assert info["num_col"] > info["num_flow"] and info["nnz"] > 0
    h.run()
    lp = h.getLp()
    act = np.asarray(h.getSolution().row_value)
    lower = np.asarray(lp.row_lower_)
    upper = np.asarray(lp.row_upper_)
    tol = 1e-6 * np.maximum(1.0, np.abs(upper))
    finite = np.isfinite(upper) & (upper < 1e20)
    assert (act[finite] <= upper[finite] + tol[finite]).all()
    eq = lower == upper
    assert np.allclose(act[eq], upper[eq], rtol=1e-7, atol=1e-6)


@pytest.mark.parametrize("engine", ["openpyxl", "calamine"])
def test_write_workbook_round_trip(tmp_path, small, engine):
    if engine == "calamine":
        pytest.importorskip("python_calamine")
    frames = dict(small)
    frames["Extra"] = pd.DataFrame(
        {"id": ["12", "007", "=SUM(A1)"], "x": [1.5, np.nan, 3.0], "flag": [True, False, True]}
    )
    path = tmp_path / "synthetic.xlsx"
    write_workbook(frames, path)
    back = pd.read_excel(path, sheet_name=None, engine=engine)
    assert list(back) == list(frames)
    for name, df in small.items():
        got = back[name]
        assert list(got.columns) == list(df.columns)
        assert len(got) == len(df)
    for sheet, col in [("Contracts", "contract"), ("Routes", "route"), ("Legs", "leg")]:
        assert back[sheet][col].tolist() == small[sheet][col].tolist()
    assert back["Routes"]["legs"].tolist() == small["Routes"]["legs"].tolist()
    assert (
        back["Contracts"]["period"].isna().tolist() == small["Contracts"]["period"].isna().tolist()
    )
    np.testing.assert_allclose(back["Legs"]["cost"], small["Legs"]["cost"])
    assert back["Extra"]["id"].tolist() == ["12", "007", "=SUM(A1)"]
    assert np.isnan(back["Extra"]["x"][1])
    # the same instance in and out of the workbook counts the same
    assert flow_variable_count(back) == flow_variable_count(small)


def test_command_line(tmp_path, capsys):
    from corridor.generate import main

    out = tmp_path / "gen.xlsx"
    assert main([str(out), "--routes", "12", "--commodities", "2", "--periods", "2"]) == 0
    assert "48 flow variables" in capsys.readouterr().out
    assert pd.read_excel(out, sheet_name="Routes", engine="openpyxl").shape[0] == 12
    assert main([str(tmp_path / "gen.csv")]) == 2


def test_sourcing_instances_are_feasible_deterministic_and_checked(tmp_path, capsys):
    """--offers: Demand beyond the contracts, two offers per sourced combination (both capped,
    the dearer one with a minimum and a fixed cost half of the time each), stocks; the same
    seed gives the same frames, the plan is optimal and passes the independent checker, and
    the flow count includes the offers' flows."""
    frames = generate_frames(routes=36, commodities=2, periods=3, seed=4, offers=True)
    again = generate_frames(routes=36, commodities=2, periods=3, seed=4, offers=True)
    for name in ("Demand", "Offers", "Stocks"):
        pd.testing.assert_frame_equal(frames[name], again[name])
        assert set(frames[name].columns) <= set(INPUT_SHEETS[name].column_names)
    offers = frames["Offers"]
    assert offers["max_volume"].notna().all()
    assert (offers["min_volume"] > 0).any() and (offers["fixed_cost"] > 0).any()
    assert len(frames["Stocks"]) > 0
    plain = generate_frames(routes=36, commodities=2, periods=3, seed=4)
    pd.testing.assert_frame_equal(plain["Contracts"], frames["Contracts"])
    src, out = tmp_path / "gen.xlsx", tmp_path / "out.xlsx"
    write_workbook(frames, src)
    outcome = corridor.run(src, out)
    assert outcome.result.status == "optimal"
    assert check_plan(src, out) == []
    assert flow_variable_count(frames) == len(outcome.inputs.flows)
    assert outcome.results.summary["purchase_cost"] > 0
    assert generate_main([str(tmp_path / "cli.xlsx"), "--routes", "24", "--offers"]) == 0
    assert "offers" in capsys.readouterr().out
