"""`corridor serve`: corridor over HTTP for tools that are not Python (docs/service.md).

A small ASGI app (Starlette, served by uvicorn; the ``serve`` extra):

====================================  ==================================================
``POST /jobs``                        a workbook (multipart form or raw body) or its tables
                                      as JSON; 202 with the job (``?wait=1``: the result
                                      at once); ``?time_limit=S&gap=G`` as on the command
                                      line
``GET /jobs/{id}``                    the job: queued, running (with a MIP's incumbent,
                                      bound, gap, seconds), finished, invalid_input,
                                      failed, cancelled
``GET /jobs/{id}/result``             the results as JSON, or the results workbook with
                                      ``Accept: application/vnd.openxmlformats-...sheet``
                                      or ``?format=xlsx``; the job is forgotten once fetched
``DELETE /jobs/{id}``                 cancel (a running solve stops) and forget
``GET /health``, ``GET /schema``      liveness and counts; ``corridor.schema()``
====================================  ==================================================

Status codes: 202 accepted, 200 results (whatever the plan's status: infeasible runs carry
their Diagnosis), 422 invalid input (every error with its sheet, cell, record and column),
409 a result asked for before the job finished, 404 an unknown (or already fetched, or
expired) job, 413 an upload over ``--max-upload-mb``, 415 a body that is neither a workbook
nor JSON, 429 more than ``--max-jobs`` jobs queued or running, 500 a job that failed.

Solves run in a process pool of ``--workers`` processes (forkserver: no fork of a threaded
process), so one long solve does not stall the others or the server. The service keeps a job
in memory only: the upload until a worker has read it, the results until they are fetched or
``--ttl`` seconds after the job ended; it writes no file but a job's own temporary files,
removed at once, and never a file of the caller's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import tempfile
import time
import uuid
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import __version__
from .io.write import write_results
from .jobs import JobOutcome, run_job, warm_up
from .schema import SCHEMA_VERSION, schema

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACTIVE = ("queued", "running")


class HTTPProblem(Exception):
    """An error answer: status code and message (and extra JSON fields)."""

    def __init__(self, status: int, message: str, **extra: object) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": message, **extra}


@dataclass
class Job:
    id: str
    name: str
    created: float
    future: Future
    ended: float | None = None
    fetched: bool = False
    links: dict[str, str] = field(default_factory=dict)

    def outcome(self) -> JobOutcome | None:
        if not self.future.done():
            return None
        if self.future.cancelled():
            return JobOutcome("cancelled", message="cancelled before it started")
        try:
            return self.future.result()
        except Exception as exc:  # the worker process died (BrokenProcessPool)
            return JobOutcome("failed", message=f"{type(exc).__name__}: {exc}")


class JobStore:
    """The jobs, the process pool and the shared state dicts (see jobs.py)."""

    def __init__(self, workers: int, max_jobs: int, ttl: float) -> None:
        self.workers = workers
        self.max_jobs = max_jobs
        self.ttl = ttl
        self.jobs: dict[str, Job] = {}
        context = _context()
        self.manager = context.Manager()
        self.state = self.manager.dict()
        self.cancels = self.manager.dict()
        self.pool = ProcessPoolExecutor(workers, mp_context=context, initializer=warm_up)

    def close(self) -> None:
        for job in self.jobs.values():
            if not job.future.done():
                self.cancels[job.id] = True
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.jobs.clear()
        self.manager.shutdown()

    def active(self) -> int:
        return sum(1 for job in self.jobs.values() if not job.future.done())

    def submit(self, kind: str, payload: bytes, name: str, params: dict) -> Job:
        if self.active() >= self.max_jobs:
            raise HTTPProblem(429, f"{self.max_jobs} jobs are queued or running; try again shortly")
        job_id = uuid.uuid4().hex
        args = (
            run_job,
            job_id,
            kind,
            payload,
            name,
            params.get("time_limit"),
            params.get("gap"),
            self.state,
            self.cancels,
        )
        try:
            future = self.pool.submit(*args)
        except BrokenProcessPool:  # a worker died (out of memory...): start a new pool
            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=_context(), initializer=warm_up
            )
            future = self.pool.submit(*args)
        job = Job(job_id, name, time.time(), future)
        job.links = {"self": f"/jobs/{job_id}", "result": f"/jobs/{job_id}/result"}
        self.jobs[job_id] = job
        future.add_done_callback(lambda _f, job=job: setattr(job, "ended", time.time()))
        return job

    def get(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise HTTPProblem(404, f"no job {job_id} (unknown, fetched or expired)")
        return job

    def forget(self, job: Job) -> None:
        self.jobs.pop(job.id, None)
        self.cancels.pop(job.id, None)

    def describe(self, job: Job) -> dict:
        """The job's state as JSON."""
        out: dict = {
            "id": job.id,
            "input": job.name,
            "created": job.created,
            "links": job.links,
        }
        outcome = job.outcome()
        if outcome is None:
            running = self.state.get(job.id)
            if running is None:
                out["state"] = "queued"
            else:
                out["state"] = "running"
                out["seconds"] = time.time() - running["started"]
                out["progress"] = running.get("progress")
            return out
        out["state"] = outcome.state
        out["status"] = outcome.status
        out["message"] = outcome.message
        out["seconds"] = outcome.seconds
        if outcome.results is not None:
            out["objective"] = outcome.results.summary.get("objective")
        return out

    def sweep(self) -> None:
        """Forget jobs that ended more than `ttl` seconds ago and were never fetched."""
        now = time.time()
        for job in list(self.jobs.values()):
            if job.ended is not None and now - job.ended > self.ttl:
                self.forget(job)


def _context():
    """forkserver where the platform has it (its server preloads corridor), else spawn;
    never fork: HiGHS and the event loop have threads."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["corridor.jobs"])
        return context
    return multiprocessing.get_context("spawn")


# ---------------------------------------------------------------------------- requests


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPProblem(413, f"the upload is over the limit of {limit:,} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPProblem(413, f"the upload is over the limit of {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _kind(content_type: str, name: str, payload: bytes) -> str:
    """json or xlsx, from the declared type, the file name, then the first bytes."""
    content_type = content_type.split(";")[0].strip().lower()
    suffix = Path(name).suffix.lower()
    if content_type == "application/json" or suffix == ".json":
        return "json"
    if suffix in (".xlsx", ".xlsm") or content_type == XLSX or payload[:2] == b"PK":
        if payload[:2] != b"PK":
            raise HTTPProblem(415, "the upload is not an .xlsx workbook (not a zip file)")
        return "xlsx"
    if payload.lstrip()[:1] == b"{":
        return "json"
    raise HTTPProblem(
        415,
        "send an .xlsx workbook or its tables as JSON (Content-Type application/json); "
        "see docs/json.md",
    )


async def _upload(request: Request, limit: int) -> tuple[str, bytes, str]:
    """(kind, payload, name) of a POST: a multipart form's first file, or the raw body."""
    body = await _body(request, limit)
    content_type = request.headers.get("content-type", "")
    if content_type.lower().startswith("multipart/form-data"):

        async def replay() -> dict:
            return {"type": "http.request", "body": body, "more_body": False}

        form = await Request(request.scope, replay).form()
        try:
            files = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
            if not files:
                raise HTTPProblem(422, "the form has no file: send the workbook as a file field")
            upload = files[0]
            payload = await upload.read()
            name = Path(upload.filename or "upload").name
            declared = upload.content_type or ""
        finally:
            await form.close()
    else:
        payload, declared = body, content_type
        name = Path(request.query_params.get("name", "")).name
    kind = _kind(declared, name, payload)
    if not name:
        name = "upload.json" if kind == "json" else "upload.xlsx"
    return kind, payload, name


def _number(request: Request, key: str) -> float | None:
    raw = request.query_params.get(key)
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise HTTPProblem(400, f"{key} must be a number, not {raw!r}") from None


def _wants_xlsx(request: Request) -> bool:
    fmt = request.query_params.get("format", "").lower()
    if fmt:
        if fmt not in ("json", "xlsx"):
            raise HTTPProblem(400, f"format is json or xlsx, not {fmt!r}")
        return fmt == "xlsx"
    return XLSX in request.headers.get("accept", "")


def _xlsx_bytes(outcome: JobOutcome) -> bytes:
    """The results workbook, written in a folder of its own and read back (the writer takes
    a path); the folder is removed before this returns."""
    with tempfile.TemporaryDirectory(prefix="corridor-results-") as folder:
        path = write_results(outcome.results, Path(folder) / "results.xlsx")
        return Path(path).read_bytes()


async def _result_response(store: JobStore, job: Job, request: Request) -> Response:
    """A finished job's answer; the job is forgotten once it has been given."""
    outcome = job.outcome()
    if outcome is None:
        raise HTTPProblem(409, "the job has not finished", job=store.describe(job))
    store.forget(job)
    if outcome.state == "invalid_input":
        return JSONResponse(
            {
                "schema_version": SCHEMA_VERSION,
                "id": job.id,
                "status": "invalid_input",
                "errors": outcome.errors,
            },
            status_code=422,
        )
    if outcome.results is None:
        status = 500 if outcome.state == "failed" else 200
        return JSONResponse(
            {"id": job.id, "status": outcome.state, "message": outcome.message},
            status_code=status,
        )
    if _wants_xlsx(request):
        data = await asyncio.to_thread(_xlsx_bytes, outcome)
        stem = Path(job.name).stem or "plan"
        return Response(
            data,
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{stem}_results.xlsx"'},
        )
    payload = outcome.results.to_dict()
    payload.update(id=job.id, state=outcome.state, message=outcome.message)
    return Response(json.dumps(payload, allow_nan=False), media_type="application/json")


def create_app(
    *, workers: int = 2, max_upload_mb: float = 50.0, max_jobs: int = 16, ttl: float = 3600.0
) -> Starlette:
    """The service as an ASGI app (see the module docstring); the pool starts with the app
    and stops with it."""
    limit = int(max_upload_mb * 1024 * 1024)
    holder: dict[str, JobStore] = {}

    def store() -> JobStore:
        return holder["store"]

    async def post_job(request: Request) -> Response:
        kind, payload, name = await _upload(request, limit)
        params = {"time_limit": _number(request, "time_limit"), "gap": _number(request, "gap")}
        job = store().submit(kind, payload, name, params)
        if request.query_params.get("wait", "") in ("1", "true", "yes"):
            with contextlib.suppress(Exception):
                await asyncio.wrap_future(job.future)
            return await _result_response(store(), job, request)
        return JSONResponse(
            store().describe(job), status_code=202, headers={"Location": job.links["self"]}
        )

    async def get_job(request: Request) -> Response:
        return JSONResponse(store().describe(store().get(request.path_params["id"])))

    async def get_result(request: Request) -> Response:
        return await _result_response(store(), store().get(request.path_params["id"]), request)

    async def delete_job(request: Request) -> Response:
        s = store()
        job = s.get(request.path_params["id"])
        if job.future.cancel():
            state = "cancelled"
        elif not job.future.done():
            s.cancels[job.id] = True
            with contextlib.suppress(Exception):
                await asyncio.wrap_future(job.future)
            state = "cancelled"
        else:
            state = "deleted"
        s.forget(job)
        return JSONResponse({"id": job.id, "state": state})

    async def health(_request: Request) -> Response:
        s = store()
        return JSONResponse(
            {
                "status": "ok",
                "version": __version__,
                "schema_version": SCHEMA_VERSION,
                "workers": s.workers,
                "jobs": len(s.jobs),
                "active": s.active(),
                "max_jobs": s.max_jobs,
                "max_upload_bytes": limit,
            }
        )

    async def get_schema(_request: Request) -> Response:
        return JSONResponse(schema())

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        holder["store"] = JobStore(workers, max_jobs, ttl)

        async def sweeper() -> None:
            while True:
                await asyncio.sleep(min(30.0, max(ttl / 4, 0.5)))
                holder["store"].sweep()

        task = asyncio.create_task(sweeper())
        try:
            yield
        finally:
            task.cancel()
            await asyncio.to_thread(holder["store"].close)

    async def problem(_request: Request, exc: HTTPProblem) -> Response:
        headers = {"Retry-After": "5"} if exc.status == 429 else None
        return JSONResponse(exc.body, status_code=exc.status, headers=headers)

    return Starlette(
        routes=[
            Route("/jobs", post_job, methods=["POST"]),
            Route("/jobs/{id}", get_job, methods=["GET"]),
            Route("/jobs/{id}", delete_job, methods=["DELETE"]),
            Route("/jobs/{id}/result", get_result, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
            Route("/schema", get_schema, methods=["GET"]),
        ],
        exception_handlers={HTTPProblem: problem},
        lifespan=lifespan,
    )


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    workers: int = 2,
    max_upload_mb: float = 50.0,
    max_jobs: int = 16,
    ttl: float = 3600.0,
) -> None:
    """Run the service until interrupted (what `corridor serve` does)."""
    import uvicorn  # the serve extra, as starlette above

    app = create_app(workers=workers, max_upload_mb=max_upload_mb, max_jobs=max_jobs, ttl=ttl)
    uvicorn.run(app, host=host, port=port, log_level="info")
