"""The README's Python example runs as printed."""

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_python_example(tmp_path, monkeypatch, capsys):
    text = (ROOT / "README.md").read_text()
    block = re.search(r"## Use it from Python\n\n```python\n(.*?)```", text, re.S).group(1)
    shutil.copytree(ROOT / "inputs", tmp_path / "inputs")
    (tmp_path / "outputs").mkdir()
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md", "exec"), {})
    status, objective, flows = capsys.readouterr().out.split()
    assert status == "optimal" and int(flows) > 0
    assert (tmp_path / "outputs" / "my_plan.xlsx").exists()
