"""corridor as a library an embedding service depends on: thread-safe quiet solves, the public
re-solve object (`corridor.Plan`), embedders' own rows and costs, and the package's surface."""

from __future__ import annotations

import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import corridor
from corridor.generate import generate_frames

from cases import frames, world

# ---------------------------------------------------------------------------- threads


def _job_sheets() -> list[dict[str, pd.DataFrame]]:
    """Eight different instances: hand-sized worlds (LPs) and generated networks, three of
    them with fixed costs and lots (MIPs)."""
    capped = world({"default_max_transit_share": 0.5})
    tight = world(
        {"default_max_transit_share": 0.4},
        Legs=[
            {"leg": "AX", "from": "A", "to": "X", "mode": "rail", "cost": 10, "capacity": 30},
            {"leg": "XD", "from": "X", "to": "D", "mode": "sea", "cost": 10},
            {"leg": "AY", "from": "A", "to": "Y", "mode": "rail", "cost": 15},
            {"leg": "YD", "from": "Y", "to": "D", "mode": "sea", "cost": 15},
            {"leg": "AZ", "from": "A", "to": "Z", "mode": "ferry", "cost": 20},
            {"leg": "ZD", "from": "Z", "to": "D", "mode": "sea", "cost": 20},
        ],
    )
    out = [frames(world()), frames(capped), frames(tight)]
    out += [generate_frames(routes=30, commodities=2, periods=2, seed=s) for s in (1, 2)]
    out += [
        generate_frames(routes=30, commodities=2, periods=2, seed=s, fixed_costs=True, lots=True)
        for s in (3, 4, 5)
    ]
    return out


def _solve_job(sheets: dict[str, pd.DataFrame]) -> tuple:
    """from_frames -> Plan -> solve -> results: what one service request does."""
    plan = corridor.Plan(corridor.from_frames(sheets))
    plan.solve()
    results = plan.results()
    flows = results["Flows"]
    return (
        results.status,
        results.summary["objective"],
        tuple(flows["route"]),
        tuple(np.round(flows["volume"].to_numpy(dtype=float), 6)),
        tuple(np.round(results["Capacity"]["marginal_value"].to_numpy(dtype=float), 6))
        if "Capacity" in results
        else (),
    )


def test_forty_solves_on_four_threads_equal_the_same_solves_in_turn(capfd):
    """40 jobs (8 instances, 3 of them MIPs, each 5 times) on ThreadPoolExecutor(4) give the
    same statuses, objectives, flows and marginal values as each instance solved alone in
    the main thread; nothing lands on stdout while they run, file descriptor 1 is the same
    file before and after, and a print afterwards is still seen (no fd redirection, no
    banner). Each instance is solved in turn once (not 5 times) to keep the suite fast."""
    instances = _job_sheets()
    before = os.fstat(1)
    alone = [_solve_job(s) for s in instances]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(_solve_job, [instances[i % 8] for i in range(40)]))
    after = os.fstat(1)
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)
    print("still here")
    assert capfd.readouterr().out == "still here\n"
    assert {s[0] for s in alone} == {"optimal"}
    assert all(s[3] for s in alone)  # every plan moves something
    for i, other in enumerate(threaded):
        one = alone[i % 8]
        assert one[0] == other[0] and one[2] == other[2]
        assert one[1] == pytest.approx(other[1], rel=1e-9)
        assert one[3] == pytest.approx(other[3], abs=1e-6)
        assert one[4] == pytest.approx(other[4], abs=1e-6)


def test_no_signal_handler_is_installed_by_the_library():
    """A solve outside the command line leaves SIGINT's handler as it found it; only the
    command line's _CtrlC installs one, and puts the old one back."""
    import signal

    from corridor.cli import _CtrlC

    before = signal.getsignal(signal.SIGINT)
    plan = corridor.Plan(corridor.from_frames(frames(world())))
    assert plan.solve().status == "optimal"
    assert signal.getsignal(signal.SIGINT) is before
    with _CtrlC():
        assert signal.getsignal(signal.SIGINT) is not before
    assert signal.getsignal(signal.SIGINT) is before


# ---------------------------------------------------------------------------- the Plan object

# The base world (R_cn 20/t, R_ru 30/t, R_az 40/t, 100 t of K1) with a default cap of 100 %
# (so the cap has rows to change) and a capacity of 200 t on node X (so it has one to vary).
PLAN_WORLD = world(
    {"default_max_transit_share": 1.0},
    Nodes=[
        {"node": "A", "country": "KZ"},
        {"node": "X", "country": "CN", "capacity": 200},
        {"node": "Y", "country": "RU"},
        {"node": "Z", "country": "AZ"},
        {"node": "D", "country": "JP"},
    ],
)


def _plan(sheets=PLAN_WORLD, **kwargs) -> corridor.Plan:
    return corridor.Plan(corridor.from_frames(frames(sheets)), **kwargs)


def _objective(plan: corridor.Plan) -> float:
    solution = plan.solve()
    assert solution.status == "optimal"
    return solution.result.objective


def _flows(plan: corridor.Plan) -> dict[str, float]:
    flows = plan.results()["Flows"]
    return flows.groupby("route")["volume"].sum().round(9).to_dict()


def test_plan_changes_by_planner_names_and_reset():
    """Uncapped, everything takes R_cn: 100 x 20 = 2000.
    - leg AX x2.5: AX's 10 becomes 25, R_cn 35/t > R_ru 30/t: 3000 by R_ru;
      then route R_ru x2: R_ru 60/t, R_cn 35/t is cheapest again: 3500.
    - node X at 30 t: 30 x 20 + 70 x 30 = 2700; lifted again (None): 2000.
    - default cap 50 %: 50 by R_cn, 50 by R_ru: 1000 + 1500 = 2500.
    - K1 x1.5 (150 t, uncapped, X holds 200): 3000.
    - country CN closed: R_ru, 3000.
    reset() after each brings back 2000."""
    plan = _plan()
    assert _objective(plan) == pytest.approx(2000)
    assert plan.set_cost("leg", "AX", factor=2.5) == 1  # one flow column's cost
    assert _objective(plan) == pytest.approx(3000)
    assert _flows(plan) == {"R_ru": 100}  # the Flows sheet lists what moves
    assert plan.results().summary["transport_cost"] == pytest.approx(3000)
    plan.set_cost("route", "R_ru", factor=2)
    assert _objective(plan) == pytest.approx(3500)
    assert plan.changes == ["scale_cost leg:AX x2.5", "scale_cost route:R_ru x2"]
    plan.reset()
    assert _objective(plan) == pytest.approx(2000) and plan.changes == []

    assert plan.set_capacity("node", "X", 30) == 1  # one period
    assert _objective(plan) == pytest.approx(2700)
    plan.set_capacity("node", "X", None)
    assert _objective(plan) == pytest.approx(2000)
    plan.reset()

    assert plan.set_cap(0.5) == 3  # one row per transit country of the scope
    assert _objective(plan) == pytest.approx(2500)
    assert _flows(plan) == {"R_cn": 50, "R_ru": 50}
    plan.reset()

    assert plan.set_volume("contract", "K1", factor=1.5) == 1
    assert _objective(plan) == pytest.approx(3000)
    assert plan.results()["Contracts"]["volume"].tolist() == [150]
    plan.reset()

    closed = plan.close("country:CN")
    assert plan.inputs.flows["route"].iloc[closed["flows"]].tolist() == ["R_cn"]
    assert _objective(plan) == pytest.approx(3000)
    plan.reset()
    assert _objective(plan) == pytest.approx(2000)


def test_plan_results_report_the_changed_limits_with_their_marginal_values():
    """With node X at 30 t, X is full (30 of 30, binding) and one more tonne through X
    saves 30 - 20 = 10. With the cap at 50 % the CN and RU rows bind at 50 of 100 and the
    Rules sheet shows the cap in force (0.5, not the workbook's 1.0); one more percentage
    point of the CN cap moves 1 t from R_ru to R_cn: saves 10."""
    plan = _plan()
    plan.set_capacity("node", "X", 30)
    plan.solve()
    capacity = plan.results()["Capacity"].set_index(["type", "id"]).loc[("node", "X")]
    assert capacity["used"] == pytest.approx(30) and capacity["capacity"] == 30
    assert capacity["binding"] == "yes"
    assert capacity["marginal_value"] == pytest.approx(10)
    plan.reset()
    plan.set_cap(0.5)
    plan.solve()
    rules = plan.results()["Rules"].set_index("value")
    assert rules["limit"].tolist() == [0.5, 0.5, 0.5]
    assert rules.loc["CN", "binding"] == "yes" and rules.loc["AZ", "binding"] == "no"
    assert rules.loc["CN", "marginal_value"] == pytest.approx(10)
    assert rules.loc["RU", "marginal_value"] == pytest.approx(0)


def test_plan_names_an_unknown_or_unchangeable_target():
    plan = _plan()
    with pytest.raises(ValueError, match=r"unknown leg 'ax' \(did you mean 'AX'\?\)"):
        plan.set_cost("leg", "ax", factor=2)
    with pytest.raises(ValueError, match=r"'node' is not one of: leg, route, all"):
        plan.set_cost("node", "X", factor=2)
    with pytest.raises(ValueError, match="node Y has no capacity in the workbook"):
        plan.set_capacity("node", "Y", 10)
    with pytest.raises(ValueError, match=r"unknown period 'P9'"):
        plan.set_capacity("node", "X", 10, period="P9")
    with pytest.raises(ValueError, match=r"unknown contract 'k1' \(did you mean 'K1'\?\)"):
        plan.set_volume("contract", "k1", factor=2)
    with pytest.raises(ValueError, match=r"no max_share rule 'ban'"):
        plan.set_cap(0.5, rule="ban")
    with pytest.raises(ValueError, match=r"unknown country 'XX'"):
        plan.close("country:XX")
    assert plan.changes == []


def test_a_cost_change_resolves_warm_from_the_last_basis():
    """Transport +10 % on every leg through the Plan gives the objective of a rebuild from
    frames whose leg costs are 10 % higher, and HiGHS gets there from the last basis in
    fewer simplex iterations than the cold solve took.

    Timings (`python benchmarks/plan_resolve.py`, medium: 50,000 flow variables, 2 cores,
    best of 3; benchmarks/results/plan_resolve.json): transport +10 % on every leg
    re-solved through the Plan in 0.05 s, against 0.84 s for a rebuild (a fresh Plan: build
    and hand-off 0.08 s, cold solve 0.75 s), plus 0.33 s of from_frames when the data
    change. Seconds are not asserted here (the machine is shared); the iteration count
    stands in for them."""
    sheets = generate_frames(routes=400, commodities=3, periods=2, seed=7)
    plan = corridor.Plan(corridor.from_frames(sheets))
    plan.solve()
    cold = plan.highs.highs.getInfo().simplex_iteration_count
    plan.set_cost("all", factor=1.1)
    warm_objective = _objective(plan)
    warm = plan.highs.highs.getInfo().simplex_iteration_count
    dearer = {**sheets, "Legs": sheets["Legs"].assign(cost=sheets["Legs"]["cost"] * 1.1)}
    rebuilt = corridor.Plan(corridor.from_frames(dearer)).solve()
    assert warm_objective == pytest.approx(rebuilt.result.objective, rel=1e-9)
    assert warm < cold


def _long_mip() -> corridor.Plan:
    """A MIP HiGHS needs seconds to prove optimal at gap 0 (fixed costs and lots)."""
    sheets = generate_frames(
        routes=200, commodities=3, periods=4, seed=3, fixed_costs=True, lots=True
    )
    return corridor.Plan(corridor.from_frames(sheets), corridor.SolveOptions(mip_gap=0.0))


def test_cancel_from_another_thread_stops_a_running_mip_with_its_best_plan():
    """A watcher thread cancels as soon as HiGHS reports its first progress; the solve ends
    interrupted, with the incumbent as a feasible plan (its real gap) or no plan yet."""
    plan = _long_mip()
    first = threading.Event()
    watcher = threading.Thread(target=lambda: first.wait(30) and plan.cancel())
    watcher.start()
    options = corridor.SolveOptions(mip_gap=0.0, progress=lambda _event: first.set())
    started = time.perf_counter()
    solution = plan.solve(options)
    watcher.join()
    assert first.is_set()
    result = solution.result
    assert result.interrupted and "interrupted" in result.message
    assert result.status in ("feasible", "no_solution")
    if result.status == "feasible":
        assert result.gap is not None and result.best_bound <= result.objective + 1e-6
        assert plan.results().summary["status"] == "feasible"
    assert time.perf_counter() - started < 30
    plan.options = corridor.SolveOptions(mip_gap=0.05)  # the next solve runs afresh
    assert plan.solve().status in ("optimal", "feasible") and not plan.solution.result.interrupted


def test_progress_reports_incumbent_bound_gap_and_seconds():
    """Every event has the four numbers; the bound never passes the incumbent, seconds never
    go back, and the last improving solution is the plan the solve returns."""
    sheets = generate_frames(routes=30, commodities=2, periods=2, seed=4, fixed_costs=True)
    events: list[dict] = []
    plan = corridor.Plan(corridor.from_frames(sheets))
    solution = plan.solve(corridor.SolveOptions(mip_gap=0.0, progress=events.append))
    assert solution.status == "optimal" and plan.highs.is_mip
    assert events and all({"incumbent", "bound", "gap", "seconds"} <= set(e) for e in events)
    seconds = [e["seconds"] for e in events]
    assert seconds == sorted(seconds) and seconds[0] >= 0
    for e in events:
        if e["incumbent"] is not None and e["bound"] is not None:
            assert e["bound"] <= e["incumbent"] + 1e-6 * abs(e["incumbent"])
    found = [e for e in events if e["event"] == "solution"]
    assert found and found[-1]["incumbent"] == pytest.approx(solution.result.objective)


def test_plan_diagnose_explains_a_change_that_leaves_no_plan_as_run_does():
    """The three routes cross three different countries, so no plan keeps each under 30 %
    (3 x 30 % < 100 %). A Plan of the workbook with a 50 % cap, set to 30 %, diagnoses the
    same way as run() on the workbook that says 30 %: raise a cap to 40 % (rules only),
    capacities cannot help, and the tightest feasible cap is 33.4 % (1/3 rounded up to the
    grid of 0.001), each pointing at Settings!B2."""
    as_run = corridor.run(corridor.from_frames(frames(world({"default_max_transit_share": 0.3}))))
    assert as_run.result.status == "infeasible"
    plan = _plan(world({"default_max_transit_share": 0.5}))
    plan.set_cap(0.3)
    assert plan.solve().status == "infeasible"
    assert set(plan.results().sheets) == {"Log"}  # Summary only: no tables without a plan
    diagnosis = plan.diagnose()
    expected = as_run.results["Diagnosis"]
    pd.testing.assert_frame_equal(diagnosis, expected)
    tightest = diagnosis[diagnosis["option"] == "tightest cap"].iloc[0]
    assert tightest["needed"] == pytest.approx(0.334) and tightest["current"] == 0.3
    assert tightest["cell"] == "Settings!B2"
    assert "capacities alone cannot" in " ".join(diagnosis["change"])


# ---------------------------------------------------------------------------- embedders


def test_a_custom_cost_term_reaches_the_objective_and_summary_by_its_name():
    """Cap 50 %: 50 t by R_cn (20) and 50 t by R_ru (30): 2500. A sanction-risk charge of
    5 per tonne through Russia makes R_ru 35/t, still below R_az's 40: the same plan, 2750,
    of which sanction_risk 250 (Summary's components add up to the objective). Taking the
    term out restores 2500."""
    import pyomo.environ as pyo

    inputs = corridor.from_frames(frames(world({"default_max_transit_share": 0.5})))
    m = corridor.build_model(inputs)
    via_russia = [k for k in m.FLOWS if k[1] == "R_ru"]
    m.cost_terms["sanction_risk"] = 5 * sum(m.flow[k] for k in via_russia)
    result = corridor.solve(m)
    assert result.objective == pytest.approx(2750)
    assert pyo.value(m.total_cost) == pytest.approx(2750)
    summary = corridor.extract(m, inputs, result).summary
    assert summary["sanction_risk"] == pytest.approx(250)
    assert summary["transport_cost"] == pytest.approx(2500)
    assert "other_cost" not in summary  # nothing unaccounted for
    del m.cost_terms["sanction_risk"]
    assert corridor.solve(m).objective == pytest.approx(2500)


def test_an_edit_of_the_objective_outside_cost_terms_is_reported_as_other_cost():
    """Adding to total_cost directly (not through cost_terms) still solves, and Summary
    shows the part no named term explains as other_cost (100 here), so its parts add up."""
    inputs = corridor.from_frames(frames(world()))
    m = corridor.build_model(inputs)
    m.total_cost.expr = m.total_cost.expr + 1 * m.flow["K1", "R_cn", "P1"]
    result = corridor.solve(m)
    summary = corridor.extract(m, inputs, result).summary
    assert result.objective == pytest.approx(2100)
    assert summary["other_cost"] == pytest.approx(100)


def test_a_constant_in_the_objective_and_a_maximisation_solve_as_written():
    """A fixed fee of 300 in cost_terms (a constant: HiGHS gets no offset, it is added back):
    2,000 + 300 = 2,300. The same model turned into a maximisation of minus its cost
    reports -2,300, the plan unchanged (100 t by R_cn)."""
    import pyomo.environ as pyo

    inputs = corridor.from_frames(frames(world()))
    m = corridor.build_model(inputs)
    m.cost_terms["fee"] = 300
    assert corridor.solve(m).objective == pytest.approx(2300)
    m.total_cost.deactivate()
    m.gain = pyo.Objective(expr=-m.total_cost.expr, sense=pyo.maximize)
    result = corridor.solve(m)
    assert result.objective == pytest.approx(-2300)
    assert pyo.value(m.flow["K1", "R_cn", "P1"]) == pytest.approx(100)


def test_a_custom_row_is_reported_by_its_name_with_its_dual():
    """Uncapped, K1 takes R_cn (20/t). A row of the caller's, at least 10 t by R_az (40/t):
    10 x 40 + 90 x 20 = 2200. Its dual is d objective / d bound: each further tonne forced
    onto R_az costs 40 - 20 = 20 (checked by solving again with the bound at 11: 2220). An
    indexed row reports one line per index."""
    import pyomo.environ as pyo

    inputs = corridor.from_frames(frames(world()))
    m = corridor.build_model(inputs)
    m.min_caspian = pyo.Constraint(expr=m.flow["K1", "R_az", "P1"] >= 10)
    m.at_most = pyo.Constraint(["R_ru", "R_az"], rule=lambda m, r: m.flow["K1", r, "P1"] <= 50)
    result = corridor.solve(m)
    assert result.objective == pytest.approx(2200)
    rows = corridor.extract(m, inputs, result)["Custom rows"]
    assert rows.columns.tolist() == ["row", "index", "body", "lower", "upper", "dual"]
    mine = rows.set_index(["row", "index"])
    assert mine.loc[("min_caspian", ""), "dual"] == pytest.approx(20)
    assert mine.loc[("min_caspian", ""), "body"] == pytest.approx(10)
    assert mine.loc[("min_caspian", ""), "lower"] == 10
    assert mine.loc[("at_most", "R_az"), "dual"] == pytest.approx(0)
    assert mine.loc[("at_most", "R_az"), "upper"] == 50
    m.min_caspian.set_value(m.flow["K1", "R_az", "P1"] >= 11)
    assert corridor.solve(m).objective - result.objective == pytest.approx(20)


def _example_frames() -> dict[str, pd.DataFrame]:

    path = Path(__file__).resolve().parents[1] / "inputs" / "caspian_corridor.xlsx"
    return pd.read_excel(path, sheet_name=None, engine="calamine")


def test_every_component_the_readme_names_is_indexed_by_planner_keys():
    """The bundled example, plus what it lacks for the integer blocks (a fixed cost and a
    lot size on U-CN-DOSTYK, an expansion of Lianyungang, a shortfall penalty on
    U-KHARASAN), indexes each component the README lists by the example's own ids."""
    sheets = _example_frames()
    routes = sheets["Routes"].copy()
    dostyk = routes["route"] == "U-CN-DOSTYK"
    routes.loc[dostyk, "fixed_cost"] = 1e5
    routes.loc[dostyk, "lot_size"] = 500
    contracts = sheets["Contracts"].copy()
    contracts.loc[contracts["contract"] == "U-KHARASAN", "shortfall_penalty"] = 1e6
    sheets.update(
        Routes=routes,
        Contracts=contracts,
        Expansions=pd.DataFrame(
            [
                {
                    "expansion": "LYG-BERTH",
                    "target_type": "node",
                    "target": "LIANYUNGANG",
                    "added_capacity": 1e6,
                    "cost": 1e7,
                }
            ]
        ),
    )
    m = corridor.build_model(corridor.from_frames(sheets))
    scope = ("YOKOHAMA", "uranium", "2026", "ALL", "ALL")
    components = {
        "flow": m.flow["U-KHARASAN", "U-CN-DOSTYK", "2026"],
        "delivery": m.delivery["U-KHARASAN", "2026"],
        "shortfall": m.shortfall["U-KHARASAN", "2026"],
        "capacity_limit": m.capacity_limit["node", "LIANYUNGANG", "2026"],
        "scope_total": m.scope_total[scope],
        "limit_rule": m.limit_rule["default_cap", "max_share", "CN", *scope],
        "use_route": m.use_route["U-CN-DOSTYK"],
        "shipments": m.shipments["U-CN-DOSTYK", "2026"],
        "build": m.build["LYG-BERTH"],
    }
    assert all(c is not None for c in components.values())
    assert m.FLOWS.dimen == 3 and ("U-KHARASAN", "U-CN-DOSTYK", "2026") in m.FLOWS
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Use it from Python", 1)[1].split("\n## ", 1)[0]
    for name in components:
        assert f"`{name}" in section, name


# ---------------------------------------------------------------------------- the package

ROOT = Path(__file__).resolve().parents[1]


def test_import_corridor_is_fast_and_loads_no_heavy_dependency():
    """`import corridor` in a fresh interpreter: no pandas, numpy, pyomo, highspy or scipy
    loaded, and under 0.3 s by -X importtime's own count (measured about 0.01 s; the
    margin is for a busy machine). Everything loads when first used."""
    import subprocess
    import sys

    code = (
        "import sys, corridor; "
        "print(','.join(m for m in ('pandas', 'numpy', 'pyomo', 'highspy', 'scipy') "
        "if m in sys.modules))"
    )
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "model")},
    )
    assert run.stdout.strip() == ""
    # the line of the package itself: "import time: self | cumulative | corridor"
    (line,) = [x for x in run.stderr.splitlines() if x.rstrip().endswith("| corridor")]
    cumulative_us = int(line.split("|")[1])
    assert cumulative_us < 300_000


def test_the_public_names_load_lazily_and_schema_is_callable():
    """Every name in __all__ resolves; `corridor.schema()` gives the contract as data
    whether or not the schema submodule has been imported."""
    import json

    for name in corridor.__all__:
        assert getattr(corridor, name) is not None, name
    contract = corridor.schema()
    assert contract["schema_version"] == "1.2"
    assert [c["name"] for c in contract["input_sheets"]["Legs"]["columns"]][:4] == [
        "leg",
        "from",
        "to",
        "mode",
    ]
    assert json.loads(json.dumps(contract)) == contract
    from corridor.schema import INPUT_SHEETS  # the module is still the module

    assert "Legs" in INPUT_SHEETS and corridor.schema.INPUT_SHEETS is INPUT_SHEETS
    assert sorted(dir(corridor)) == sorted(corridor.__all__)


def test_version_has_one_source_and_types_ship():
    """pyproject reads the version from corridor.__version__; when corridor is installed
    from this tree, the installed metadata says the same; py.typed ships as package data."""
    import importlib.metadata
    import json
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "corridor.__version__"}
    assert corridor.__version__ == "0.2.0"
    assert "py.typed" in pyproject["tool"]["setuptools"]["package-data"]["corridor"]
    assert (ROOT / "model" / "corridor" / "py.typed").exists()
    dist = importlib.metadata.distribution("corridor")
    # an editable install of this tree: its direct_url names it, or setuptools' egg-info
    # sits in model/ (found first on sys.path)
    origin = json.loads(dist.read_text("direct_url.json") or "{}").get("url", "")
    place = Path(str(dist.locate_file(""))).resolve()
    if origin.rstrip("/") != ROOT.as_uri() and ROOT not in (place, *place.parents):
        pytest.skip(f"the installed corridor is from {origin or place}, not this tree")
    assert dist.version == corridor.__version__


def test_write_lp_names_columns_and_rows_by_planner_keys(tmp_path):
    """A Plan (after a change), its LinearProgram and the Pyomo model (with a row of the
    caller's) write LP files whose names are the blocks' keys, and HiGHS reads each back to
    the optimum it had: 2000 for the base world, 3000 with leg AX x2.5, 2200 with at least
    10 t forced onto R_az."""
    import pyomo.environ as pyo
    from highspy._core import _Highs

    def optimum(path) -> float:
        h = _Highs()
        h.setOptionValue("output_flag", False)
        h.readModel(str(path))
        h.run()
        return h.getInfo().objective_function_value

    plan = _plan()
    text = corridor.write_lp(plan.lp, tmp_path / "as_built.lp").read_text()
    assert "flow(K1,R_cn,P1)" in text and " delivery(K1,P1): " in text
    assert " capacity_limit(node,X,P1): " in text and "limit_rule(default_cap,max_share,CN," in text
    assert optimum(tmp_path / "as_built.lp") == pytest.approx(2000)
    plan.set_cost("leg", "AX", factor=2.5)
    assert optimum(corridor.write_lp(plan, tmp_path / "changed.lp")) == pytest.approx(3000)

    inputs = corridor.from_frames(frames(world()))
    m = corridor.build_model(inputs)
    m.min_caspian = pyo.Constraint(expr=m.flow["K1", "R_az", "P1"] >= 10)
    text = corridor.write_lp(m, tmp_path / "model.lp").read_text()
    assert " min_caspian: + 1 flow(K1,R_az,P1) >= 10" in text
    assert optimum(tmp_path / "model.lp") == pytest.approx(2200)
    with pytest.raises(TypeError, match="write_lp takes a corridor.Plan"):
        corridor.write_lp("plan.xlsx", tmp_path / "x.lp")


def test_lp_names_are_made_safe_for_lp_readers():
    from corridor.lpfile import lp_name

    assert lp_name("flow[U-KAP-JP,R 1,2026]") == "flow(U_KAP_JP,R_1,2026)"
    assert lp_name("2026") == "_2026" and lp_name("a:b<c") == "a_b_c"


def test_the_command_line_runs_without_rich_with_no_bar(tmp_path, monkeypatch, capsys):
    """rich is the `progress` extra: without it `corridor stress` runs as before (the bar is
    simply not shown); its progress helper still counts nothing and raises nothing."""
    import sys

    from corridor.analysis.batch import progress
    from corridor.cli import main

    for name in [m for m in sys.modules if m == "rich" or m.startswith("rich.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "rich", None)
    with progress(3, "closures") as advance:
        advance("one")
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"sheets": world({"default_max_transit_share": 0.5})}))
    assert main(["stress", str(path), "--no-write"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("plan: cost 2,500 USD") and "4 closure(s) in" in out


def test_the_service_forgets_jobs_that_end_unfetched_after_their_ttl():
    """JobStore.sweep drops a job ended more than ttl seconds ago and keeps a newer or still
    running one (the running service calls it in the background)."""
    from types import SimpleNamespace

    from corridor.service import JobStore

    now = time.time()
    jobs = {
        "old": SimpleNamespace(id="old", ended=now - 120),
        "new": SimpleNamespace(id="new", ended=now - 5),
        "running": SimpleNamespace(id="running", ended=None),
    }
    store = SimpleNamespace(jobs=jobs, ttl=60, forget=lambda job: jobs.pop(job.id))
    JobStore.sweep(store)
    assert sorted(jobs) == ["new", "running"]
