"""Files (spec section 1): no command writes over an input, results are .xlsx, the template
never replaces a file unless told to; results are written whole or not at all."""

import hashlib
import io
import os
import stat

import openpyxl
import pytest

import corridor
from corridor.cli import main
from corridor.errors import InputError
from corridor.io import write as write_mod
from corridor.io.write import TargetLocked, check_output, same_file

from cases import solve, world, write_workbook


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def plan(tmp_path):
    path = tmp_path / "plan.xlsx"
    write_workbook(world(), path)
    return path


def refused(capsys, argv, plan, expected: str) -> None:
    """The command exits 2 with `expected` in its message, the input is byte-identical and
    no file appears beside it."""
    before, listing = sha(plan), sorted(os.listdir(plan.parent))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert expected in err and "no results were written" in err
    assert sha(plan) == before
    assert sorted(os.listdir(plan.parent)) == listing


@pytest.mark.parametrize("command", ["solve", "stress", "frontier", "scenarios", "map"])
def test_output_over_the_input_is_refused(plan, capsys, command):
    refused(capsys, [command, str(plan), "-o", str(plan)], plan, "would replace the input")


def test_output_through_a_symlink_or_another_case_is_refused(plan, capsys, tmp_path):
    link = tmp_path / "link.xlsx"
    link.symlink_to(plan)
    refused(capsys, ["solve", str(plan), "-o", str(link)], plan, "would replace the input")
    other_case = tmp_path / "PLAN.XLSX"
    refused(capsys, ["solve", str(plan), "-o", str(other_case)], plan, "would replace the input")
    dotted = tmp_path / "sub" / ".." / "plan.xlsx"
    (tmp_path / "sub").mkdir()
    refused(capsys, ["solve", str(plan), "-o", str(dotted)], plan, "would replace the input")
    assert sorted(os.listdir(tmp_path / "sub")) == []


def test_a_hard_link_is_the_same_file(plan, tmp_path):
    twin = tmp_path / "twin.xlsx"
    os.link(plan, twin)
    assert same_file(twin, plan)
    assert not same_file(tmp_path / "other.xlsx", plan)


def test_results_must_be_xlsx(plan, capsys):
    refused(
        capsys,
        ["solve", str(plan), "-o", str(plan.with_name("out.csv"))],
        plan,
        "must be an .xlsx file; give a name ending in .xlsx, e.g. out.xlsx",
    )


def test_template_never_replaces_a_file_unless_forced(tmp_path, capsys):
    target = tmp_path / "template.xlsx"
    target.write_bytes(b"my own notes")
    assert main(["template", str(target)]) == 2
    err = capsys.readouterr().err
    assert "exists and `corridor template` does not replace a file" in err and "--force" in err
    assert target.read_bytes() == b"my own notes"
    assert main(["template", str(target), "--force"]) == 0
    assert "Guide" in openpyxl.load_workbook(target).sheetnames


def test_check_output_raises_one_input_issue(plan):
    with pytest.raises(InputError) as info:
        check_output(plan, [plan])
    (issue,) = info.value.errors
    assert issue.column == "output" and "give another name with -o" in issue.message
    assert check_output(plan.with_name("out.xlsx"), [plan]).name == "out.xlsx"


def test_results_into_a_file_object():
    out = solve(world())
    buffer = io.BytesIO()
    assert corridor.write_results(out.results, buffer) is buffer
    buffer.seek(0)
    assert openpyxl.load_workbook(buffer)["Summary"]["A2"].value == "status"


def test_results_get_the_users_umask(tmp_path):
    out = solve(world())
    old = os.umask(0o027)
    try:
        path = corridor.write_results(out.results, tmp_path / "r.xlsx")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_libreoffice_lock_keeps_the_old_file(tmp_path):
    out = solve(world())
    target = tmp_path / "r.xlsx"
    target.write_bytes(b"old results")
    (tmp_path / ".~lock.r.xlsx#").write_bytes(b"lock")
    with pytest.raises(TargetLocked, match="close the file"):
        corridor.write_results(out.results, target)
    assert target.read_bytes() == b"old results"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".~lock.r.xlsx#", "r.xlsx"]


def test_a_refused_rename_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    out = solve(world())
    target = tmp_path / "r.xlsx"
    target.write_bytes(b"old results")

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(write_mod.os, "replace", refuse)
    with pytest.raises(TargetLocked, match=r"cannot replace r.xlsx \(Permission denied\); close"):
        corridor.write_results(out.results, target)
    assert target.read_bytes() == b"old results"
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]


def test_a_failure_while_writing_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    """Even a large sheet's intermediate file (io.fastrows) is removed."""
    monkeypatch.setattr(write_mod, "FAST_ROWS", 1)
    out = solve(world())
    target = tmp_path / "r.xlsx"
    target.write_bytes(b"old results")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(write_mod, "splice", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        corridor.write_results(out.results, target)
    assert target.read_bytes() == b"old results"
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]
