"""Progress on long work: MIP events reach the status line; batches ship plain options."""

from __future__ import annotations

import corridor
from corridor.analysis.batch import Footing, Job, run_jobs
from corridor.analysis.command import SolveProgress
from corridor.generate import generate_frames
from corridor.highs import SolveOptions
from corridor.whatif import Change


def test_the_status_line_reads_the_solvers_events():
    progress = SolveProgress(SolveOptions())
    progress._event({"incumbent": 1_234_567.8, "bound": 1_200_000.0, "gap": 0.0281})
    line = progress._line()
    assert "best plan 1,234,568" in line and "bound 1,200,000" in line and "gap 2.81%" in line


def test_a_mip_reports_its_incumbent_bound_and_gap():
    events = []
    frames = generate_frames(
        routes=60, commodities=2, periods=2, seed=5, fixed_costs=True, lots=True
    )
    plan = corridor.Plan(corridor.from_frames(frames))
    solution = plan.solve(SolveOptions(progress=events.append))
    assert solution.has_solution and events
    last = [e for e in events if e["incumbent"] is not None][-1]
    assert last["incumbent"] >= solution.result.objective - 1e-6 * abs(solution.result.objective)
    assert {"incumbent", "bound", "gap", "seconds", "event"} <= set(last)


def test_processes_get_options_without_this_process_callbacks():
    """A progress callback (a closure over a live display) cannot travel to a worker
    process: the batch ships plain options and the jobs still run there."""
    inputs = corridor.from_frames(generate_frames(routes=12, commodities=1, periods=1))
    jobs = [
        Job("a", [Change("scale_cost", "all", 1.1)]),
        Job("b", [Change("scale_cost", "all", 1.2)]),
    ]
    options = SolveOptions(progress=lambda event: None)
    snaps = run_jobs(inputs, jobs, options, Footing(), workers=2)
    assert [s.status for s in snaps] == ["optimal", "optimal"]
