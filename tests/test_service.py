"""`corridor serve` over real HTTP: httpx against the app served by uvicorn on a free port in
a thread of this process, solving in its own process pool (one worker, one job at a time, so
the bound on jobs shows)."""

from __future__ import annotations

import json
import time
from io import BytesIO

import pytest

httpx = pytest.importorskip("httpx")
uvicorn = pytest.importorskip("uvicorn")
pytest.importorskip("starlette")

import openpyxl  # noqa: E402

import corridor  # noqa: E402
from corridor.generate import generate_frames  # noqa: E402
from corridor.service import XLSX  # noqa: E402

from examples import EXAMPLE, example_json  # noqa: E402
from serving import running_service  # noqa: E402

MAX_UPLOAD_MB = 1.0


@pytest.fixture(scope="module")
def base_url():
    with running_service(workers=1, max_upload_mb=MAX_UPLOAD_MB, max_jobs=1, ttl=60) as url:
        yield url


@pytest.fixture()
def client(base_url):
    with httpx.Client(base_url=base_url, timeout=60) as c:
        yield c


def _wait(client, job_id: str, until, seconds: float = 30) -> dict:
    deadline = time.time() + seconds
    while True:
        state = client.get(f"/jobs/{job_id}").json()
        if until(state):
            return state
        assert time.time() < deadline, f"job still {state}"
        time.sleep(0.05)


def test_a_workbook_posted_with_wait_comes_back_as_the_whole_results(client):
    """Multipart upload of the bundled example: 200 with the same optimum as the command
    line, every sheet, the upload's name as input_file; the job is gone once answered."""
    expected = corridor.run(EXAMPLE).result.objective
    r = client.post(
        "/jobs?wait=1",
        files={"file": ("caspian_corridor.xlsx", EXAMPLE.read_bytes(), XLSX)},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["schema_version"] == "1.2" and body["status"] == "optimal"
    assert body["summary"]["objective"] == pytest.approx(expected, rel=1e-9)
    assert body["summary"]["input_file"] == "caspian_corridor.xlsx"
    assert {"Flows", "Contracts", "Rules", "Capacity"} <= set(body["sheets"])
    assert client.get(f"/jobs/{body['id']}").status_code == 404


def test_a_json_job_runs_in_the_background_and_gives_its_workbook(client):
    """Raw JSON body: 202 with the job and its Location; the status says finished; the
    result as a workbook (Accept header) is a real results workbook; fetched once, kept
    nowhere (404 after)."""
    r = client.post("/jobs", json=example_json("columns"))
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"] == f"/jobs/{job['id']}"
    assert job["state"] in ("queued", "running")
    done = _wait(client, job["id"], lambda s: s["state"] not in ("queued", "running"))
    assert (done["state"], done["status"]) == ("finished", "optimal")
    result = client.get(f"/jobs/{job['id']}/result", headers={"Accept": XLSX})
    assert result.status_code == 200
    assert result.headers["content-type"] == XLSX
    assert 'filename="upload_results.xlsx"' in result.headers["content-disposition"]
    book = openpyxl.load_workbook(BytesIO(result.content), read_only=True)
    assert {"Summary", "Flows"} <= set(book.sheetnames)
    assert client.get(f"/jobs/{job['id']}/result").status_code == 404


def test_input_errors_are_422_with_every_error_located(client):
    doc = example_json()
    doc["sheets"]["Legs"][2]["cost"] = "abc"
    r = client.post("/jobs?wait=1&name=plan.json", content=json.dumps(doc))
    assert r.status_code == 422
    body = r.json()
    assert body["status"] == "invalid_input"
    (error,) = body["errors"]
    assert (error["sheet"], error["cell"], error["frame_row"], error["code"]) == (
        "Legs",
        "E4",
        2,
        "bad-number",
    )


def test_uploads_over_the_limit_or_of_another_kind_are_refused(client):
    too_big = b"{" + b" " * int(MAX_UPLOAD_MB * 1024 * 1024)
    r = client.post("/jobs", content=too_big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "over the limit" in r.json()["error"]
    r = client.post("/jobs", content=b"hello", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = client.post("/jobs?time_limit=soon", json=example_json())
    assert r.status_code == 400 and r.json()["error"] == "time_limit must be a number, not 'soon'"
    assert client.get("/jobs/nope").status_code == 404


def test_a_running_mip_reports_progress_blocks_a_second_job_and_is_cancelled(client):
    """A MIP that needs seconds at gap 0: once running, its status carries HiGHS's incumbent,
    bound, gap and seconds; a second job is refused (one job at a time: 429 with
    Retry-After); DELETE stops the solve and forgets the job; then jobs are accepted."""
    sheets = generate_frames(
        routes=200, commodities=3, periods=4, seed=3, fixed_costs=True, lots=True
    )
    doc = {"sheets": {k: json.loads(v.to_json(orient="records")) for k, v in sheets.items()}}
    r = client.post("/jobs?gap=0", json=doc)
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    running = _wait(client, job_id, lambda s: s["state"] == "running" and s.get("progress"))
    assert {"incumbent", "bound", "gap", "seconds"} <= set(running["progress"])
    assert running["seconds"] >= 0
    second = client.post("/jobs", json=example_json())
    assert second.status_code == 429 and second.headers["retry-after"] == "5"
    early = client.get(f"/jobs/{job_id}/result")
    assert early.status_code == 409
    cancelled = client.delete(f"/jobs/{job_id}")
    assert cancelled.json() == {"id": job_id, "state": "cancelled"}
    assert client.get(f"/jobs/{job_id}").status_code == 404
    health = client.get("/health").json()
    assert health["active"] == 0 and health["jobs"] == 0
    assert health["max_upload_bytes"] == int(MAX_UPLOAD_MB * 1024 * 1024)


def test_schema_is_served(client):
    assert client.get("/schema").json() == json.loads(json.dumps(corridor.schema()))


def test_serve_without_the_extra_says_how_to_install_it(monkeypatch, capsys):
    import sys

    from corridor.cli import main

    monkeypatch.delitem(sys.modules, "corridor.service", raising=False)
    for name in [m for m in sys.modules if m == "starlette" or m.startswith("starlette.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "starlette", None)
    assert main(["serve", "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert "corridor serve: serving needs the optional 'serve' dependencies" in err
    assert 'pip install "corridor[serve]"' in err
