"""One solve job in a worker process, with progress and cancellation across processes.

This is what `corridor serve` (service.py) runs in its process pool, kept free of any web
framework so that the pool's processes load only corridor. A job is an upload (a workbook's
bytes or JSON text) and the command line's two solver overrides; it runs the same steps as
``corridor solve``: read with every check, solve on a `Plan`, the result tables, and the
Diagnosis when no plan exists.

Between the service and its workers two shared dicts (multiprocessing Manager proxies)
carry what a job's state is: ``state[job]`` (written by the worker: ``running`` with the
time it started and the MIP's latest progress, at most every PROGRESS_EVERY seconds) and
``cancels[job]`` (written by the service: a watcher thread in the worker polls it every
CANCEL_POLL seconds and cancels the plan, which stops HiGHS with the best plan found).
Nothing is written to disk but the uploaded workbook, for the moment it is read, in a
temporary folder of the job's own that is removed at once.
"""

from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import InputError
from .load import from_json, read_workbook
from .pipeline import solve_workbook
from .plan import options_for
from .report import Results

PROGRESS_EVERY = 0.2  # seconds between progress updates sent to the service
CANCEL_POLL = 0.1  # seconds between looks at the cancel flag


@dataclass
class JobOutcome:
    """What a job ended with: `state` is finished, invalid_input, failed or cancelled."""

    state: str
    results: Results | None = None
    errors: list[dict] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0

    @property
    def status(self) -> str:
        """The plan's status (optimal, feasible, infeasible...) when there are results."""
        return self.results.status if self.results is not None else self.state


def read_upload(kind: str, payload: bytes, name: str):
    """Inputs from an upload: JSON text, or a workbook read from a private temporary file
    (the reader checks the zip as it checks any file; the file is gone when this returns).
    Raises InputError naming `name`, never the temporary path."""
    if kind == "json":
        return from_json(payload, source=name)
    suffix = ".xlsm" if name.lower().endswith(".xlsm") else ".xlsx"
    with tempfile.TemporaryDirectory(prefix="corridor-job-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(payload)
        try:
            inputs = read_workbook(path)
        except InputError as exc:
            raise InputError(exc.errors, name) from None
    return inputs.with_changes(source=name)


def run_job(
    job_id: str,
    kind: str,
    payload: bytes,
    name: str,
    time_limit: float | None,
    gap: float | None,
    state,
    cancels,
) -> JobOutcome:
    """Read, solve and report one upload (see the module docstring); never raises."""
    started = time.time()
    state[job_id] = {"state": "running", "started": started, "progress": None}
    try:
        try:
            inputs = read_upload(kind, payload, name)
        except InputError as exc:
            errors = [e.to_dict() for e in exc.errors]
            return JobOutcome("invalid_input", errors=errors, message=str(exc))
        if cancels.get(job_id):
            return JobOutcome("cancelled", message="cancelled before the solve")
        stop = threading.Event()
        options = replace(options_for(inputs, time_limit, gap), cancel=stop)
        last = [0.0]

        def progress(event: dict) -> None:
            now = time.perf_counter()
            if now - last[0] >= PROGRESS_EVERY or event.get("event") == "solution":
                last[0] = now
                state[job_id] = {"state": "running", "started": started, "progress": event}

        done = threading.Event()

        def watch() -> None:
            while not done.wait(CANCEL_POLL):
                if cancels.get(job_id):
                    stop.set()
                    return

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:  # the same path as `corridor solve`: robust mode and Diagnosis included
            outcome = solve_workbook(inputs, replace(options, progress=progress))
        finally:
            done.set()
            watcher.join()
        results = outcome.results
        results.summary["input_file"] = name
        results.input_file = name
        cancelled = bool(cancels.get(job_id)) and outcome.result.interrupted
        return JobOutcome(
            "cancelled" if cancelled else "finished",
            results=results,
            message=outcome.result.message,
            seconds=time.time() - started,
        )
    except Exception as exc:  # a job's failure is its outcome, the worker lives on
        return JobOutcome("failed", message=f"{type(exc).__name__}: {exc}")
    finally:
        state.pop(job_id, None)


def warm_up() -> None:
    """Run in each new worker: the imports above are done; nothing else to prepare."""
