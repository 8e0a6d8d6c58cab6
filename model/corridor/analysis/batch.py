"""One runner for batches of re-solves: the stress test, scenarios and robust sweeps.

A `Job` is a name and a list of changes (whatif.Change). Each worker holds one what-if `Plan`
(``closures=True``) built once from the prepared inputs; a job resets it to the workbook as
read, allows shortfall, makes its changes in place and solves delivery first from the last
basis, so a batch pays for one build per worker, not one per job. Results come back as
`whatif.Snapshot`s, in the batch's order.

Where the jobs run: in this process (``workers=1``), in local processes (``workers=N``; the
inputs are shipped once per process by the pool's initializer), or on a Dask cluster
(``scheduler=ADDRESS`` or a ``distributed.Client``; the inputs are broadcast once and each
worker process builds its plan once).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from ..data import Inputs
from ..highs import SolveOptions
from ..plan import Plan
from ..whatif import Change, Snapshot, apply_changes, snapshot, solve_delivery_first

log = logging.getLogger("corridor")


@dataclass(frozen=True)
class Job:
    name: str
    changes: list[Change] = field(default_factory=list)


@dataclass(frozen=True)
class Footing:
    """How every job of a batch treats caps and rules during a closure (spec section 5)."""

    keep_caps: bool = False
    lift_rules: bool = False
    with_flows: bool = False


def run_job(plan: Plan, job: Job, footing: Footing, options: SolveOptions) -> Snapshot:
    """Reset the plan, make the job's changes, solve delivery first; never raises."""
    try:
        plan.reset()
        suspended: list[str] = []
        if job.changes:
            plan.allow_shortfall()
            suspended = apply_changes(
                plan, job.changes, keep_caps=footing.keep_caps, lift_rules=footing.lift_rules
            )
            solution = solve_delivery_first(plan, options)
        else:
            solution = plan.solve(options, duals=False)
        snap = snapshot(plan, solution, job.name, with_flows=footing.with_flows)
        snap.changes = [str(c) for c in job.changes]
        snap.suspended = suspended
        return snap
    except Exception as exc:  # one broken job must not sink the batch
        log.debug("job %s failed", job.name, exc_info=True)
        return Snapshot(
            job.name, [str(c) for c in job.changes], "error", f"{type(exc).__name__}: {exc}"
        )


# a worker process's plan, built once by the pool's initializer (or the first Dask task)
_WORKER: dict[str, object] = {}


def _init_worker(inputs: Inputs, options: SolveOptions) -> None:
    _WORKER["plan"] = Plan(inputs, options, closures=True)


def _job_in_worker(job: Job, footing: Footing, options: SolveOptions) -> Snapshot:
    return run_job(_WORKER["plan"], job, footing, options)


def _job_on_dask(inputs: Inputs, token: str, job: Job, footing: Footing, options) -> Snapshot:
    if _WORKER.get("token") != token:
        _WORKER["plan"] = Plan(inputs, options, closures=True)
        _WORKER["token"] = token
    return run_job(_WORKER["plan"], job, footing, options)


def default_workers(n: int) -> int:
    return max(1, min(os.cpu_count() or 1, n))


def _context():
    """forkserver where the platform has it, else spawn; never fork (HiGHS has threads)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


def run_jobs(
    inputs: Inputs,
    jobs: list[Job],
    options: SolveOptions,
    footing: Footing = Footing(),
    *,
    workers: int | None = 1,
    scheduler=None,
    plan: Plan | None = None,
    on_done: Callable[[Snapshot], None] | None = None,
) -> list[Snapshot]:
    """Run every job; returns the Snapshots in the jobs' order. `plan` (a what-if Plan of
    these inputs) is reused when the jobs run in this process."""
    # callbacks and events belong to this process: other processes get plain options
    shipped = replace(options, progress=None, cancel=None)
    done: dict[str, Snapshot] = {}

    def finish(snap: Snapshot) -> None:
        done[snap.name] = snap
        if on_done is not None:
            on_done(snap)

    if scheduler is not None:
        _run_dask(inputs, jobs, footing, shipped, scheduler, finish)
    elif (workers or default_workers(len(jobs))) <= 1 or len(jobs) <= 1:
        plan = plan or Plan(inputs, options, closures=True)
        for job in jobs:
            finish(run_job(plan, job, footing, options))
    else:
        _run_processes(
            inputs, jobs, footing, shipped, workers or default_workers(len(jobs)), finish
        )
    return [done[job.name] for job in jobs]


def _run_processes(inputs, jobs, footing, options, n, finish) -> None:
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(
        max_workers=min(n, len(jobs)),
        mp_context=_context(),
        initializer=_init_worker,
        initargs=(inputs, options),
    ) as pool:
        futures = {pool.submit(_job_in_worker, job, footing, options): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                finish(future.result())
            except Exception as exc:  # a worker that died (out of memory, killed)
                finish(
                    Snapshot(
                        job.name, [str(c) for c in job.changes], "error", f"worker failed: {exc}"
                    )
                )


def _run_dask(inputs, jobs, footing, options, scheduler, finish) -> None:
    try:
        from distributed import Client, as_completed  # optional: pip install 'corridor[dask]'
    except ImportError:
        raise RuntimeError(
            "--dask-scheduler needs dask.distributed: pip install 'corridor[dask]'"
        ) from None
    import uuid

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler, timeout="30s")
    token = uuid.uuid4().hex
    try:
        shipped = client.scatter(inputs, broadcast=True)
        futures = {
            client.submit(
                _job_on_dask,
                shipped,
                token,
                job,
                footing,
                options,
                key=f"job-{i}-{token}",
                pure=False,
            ): job
            for i, job in enumerate(jobs)
        }
        for future in as_completed(futures):
            job = futures[future]
            try:
                finish(future.result())
            except Exception as exc:
                finish(
                    Snapshot(
                        job.name, [str(c) for c in job.changes], "error", f"worker failed: {exc}"
                    )
                )
    finally:
        if client is not scheduler:
            client.close()


@contextmanager
def progress(total: int, what: str, show: bool = True) -> Iterator[Callable[[str], None]]:
    """A rich progress bar on stderr with elapsed and remaining time (nothing when stderr is
    not a terminal, `show` is false, or rich, the `progress` extra, is not installed); yields
    a function that advances it by one."""
    try:  # optional (the `progress` extra): only the command line shows progress
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
    except ImportError:
        show = False
    if not show or total <= 0:
        yield lambda label: None
        return

    console = Console(stderr=True)
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[last]}"),
        console=console,
        disable=not console.is_terminal,
        transient=False,
    )
    with bar:
        task = bar.add_task(what, total=total, last="")
        yield lambda label: bar.update(task, advance=1, last=label)
