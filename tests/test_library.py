"""corridor as a library an embedding service depends on: thread-safe quiet solves, the public
re-solve object (`corridor.Plan`), embedders' own rows and costs, and the package's surface."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

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
