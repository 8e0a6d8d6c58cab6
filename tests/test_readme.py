"""The README's Python examples ("Use it from Python") run as printed, each in a fresh
namespace in a folder with the repository's inputs/ and an empty outputs/; the service's
example talks to a service started for it."""

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _examples() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Use it from Python\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


@pytest.fixture()
def workdir(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "inputs", tmp_path / "inputs")
    (tmp_path / "outputs").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(code: str, capsys) -> list[str]:
    exec(compile(code, "README.md", "exec"), {})
    return capsys.readouterr().out.splitlines()


def test_the_readme_has_the_five_examples():
    examples = _examples()
    assert len(examples) == 5
    assert [
        ("build_model" in e, "from_frames" in e, "Plan(" in e, "to_json" in e) for e in examples
    ][:4] == [
        (True, False, False, False),
        (False, True, False, False),
        (False, False, True, False),
        (False, False, False, True),
    ]
    assert "/jobs?wait=1" in examples[4]


def test_pyomo_example_with_a_cost_and_a_row_of_ones_own(workdir, capsys):
    first, second = _run(_examples()[0], capsys)
    status, objective, flows = first.split()
    assert status == "optimal" and int(flows) > 0 and int(objective) > 0
    assert re.fullmatch(r"gallium_via_titr: dual [\d,.]+; sanction_risk [\d,]+", second)
    assert (workdir / "outputs" / "my_plan.xlsx").exists()


def test_frames_example(workdir, capsys):
    assert _run(_examples()[1], capsys) == [
        "bad-number Legs!E2 (frame row 0, column 'cost')",
        "44 flow variables; 15 sheets",
    ]


def test_plan_example(workdir, capsys):
    """The oil cap binds at 50 % in 2026; a 60 % cap and a dearer ferry save money; 30 % has
    no plan and the Diagnosis names the tightest cap (50 %)."""
    capped, changed, diagnosis = _run(_examples()[2], capsys)
    assert re.fullmatch(
        r"oil via Russia 2026: 50% of a 50% cap; one point more saves [\d,]+ USD", capped
    )
    assert changed.startswith("optimal -") and "'set_limit rule:default_cap = 0.6'" in changed
    assert diagnosis.startswith("['tightest cap', 'the tightest feasible cap is 50.0%")


def test_json_example(workdir, capsys):
    (line,) = _run(_examples()[3], capsys)
    version, status, flows, word = line.split()
    assert (version, status, word) == ("1.2", "optimal", "flows") and int(flows) > 0


def test_service_example(workdir, capsys):
    pytest.importorskip("starlette")
    pytest.importorskip("uvicorn")
    from serving import running_service

    with running_service(workers=1, max_jobs=2) as url:
        code = _examples()[4].replace("http://127.0.0.1:8765", url)
        (line,) = _run(code, capsys)
    status, objective, flows = line.split()
    assert status == "optimal" and int(objective) > 0 and int(flows) > 0
