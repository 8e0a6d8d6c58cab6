"""One shell for every command that solves: read -> compute -> Log -> write -> tell.

A command is its arguments and a `compute(inputs, args, options) -> Report`; the shell does
the rest the same way for all of them: the output path checked before anything runs (never
over an input, `.xlsx` only), the workbook (or its tables as JSON) read and its warnings
shown, the solver options from the command line over the workbook's Settings, the report's
notes added to Log, the results written whole (or printed as JSON with ``--json``;
``--no-write`` skips the file), the console lines printed, the exit code returned.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from ..data import Inputs
from ..errors import quantity
from ..highs import SolveOptions
from ..io.write import check_output, write_results
from ..load import read_inputs
from ..plan import options_for
from ..report import Results

log = logging.getLogger("corridor")


class CommandError(Exception):
    """A command cannot run (an optional dependency missing, a bad option): exit 1, the
    message printed as it is."""


@dataclass
class Report:
    """What a command computed: the workbook's tables, its exit code, console lines, and
    notes for Log (level, where, message)."""

    results: Results
    exit_code: int = 0
    lines: list[str] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    suffix: str  # default output: INPUT_<suffix>.xlsx beside the input
    compute: Callable[[Inputs, argparse.Namespace, SolveOptions], Report]
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None


def _highs_option(text: str) -> tuple[str, object]:
    if "=" not in text:
        raise argparse.ArgumentTypeError("expected name=value, e.g. threads=2")
    name, raw = text.split("=", 1)
    value: object = raw
    for cast in (int, float):
        try:
            value = cast(raw)
            break
        except ValueError:
            continue
    if raw.lower() in ("true", "false"):
        value = raw.lower() == "true"
    return name.strip(), value


def add_arguments(p: argparse.ArgumentParser, command: Command) -> None:
    """The input, the output and the solver options every solving command shares."""
    p.add_argument(
        "input", type=Path, help="input workbook (.xlsx, .xlsm) or its tables as JSON (.json)"
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        help=f"results file (default: INPUT_{command.suffix}.xlsx beside the input)",
    )
    p.add_argument("--time-limit", type=float, help="seconds per solve (overrides Settings)")
    p.add_argument("--gap", type=float, help="relative MIP gap (overrides Settings mip_gap)")
    p.add_argument("--verbose", action="store_true", help="stream the HiGHS log to stderr")
    p.add_argument(
        "--highs-option",
        action="append",
        type=_highs_option,
        default=[],
        metavar="NAME=VALUE",
        help="pass an option to HiGHS (repeatable)",
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    p.add_argument("--no-write", action="store_true", help="write no results workbook")
    if command.add_arguments is not None:
        command.add_arguments(p)


def default_output(path: Path, suffix: str) -> Path:
    return path.with_name(f"{path.stem}_{suffix}.xlsx")


def run_command(command: Command, args: argparse.Namespace) -> int:
    """The shell (see the module docstring); InputError propagates to the CLI (exit 2)."""
    output = None if args.no_write else (args.output or default_output(args.input, command.suffix))
    if output is not None:
        check_output(output, [args.input])
    inputs = read_inputs(args.input)
    for warning in inputs.warnings:
        log.warning("%s", warning)
    options = options_for(
        inputs, args.time_limit, args.gap, args.verbose, dict(args.highs_option or [])
    )
    with SolveProgress(options) as watched:
        report = command.compute(inputs, args, watched)
    results = report.results
    if report.notes:
        log_frame = results.sheets.get("Log", pd.DataFrame(columns=["level", "where", "message"]))
        results.sheets["Log"] = pd.concat(
            [log_frame, pd.DataFrame(report.notes)], ignore_index=True
        )
    path = write_results(results, output) if output is not None else None
    if args.json:
        payload = results.to_dict()
        payload["exit_code"] = report.exit_code
        payload["results_file"] = str(path) if path else None
        print(json.dumps(payload, allow_nan=False, indent=2))
    else:
        for line in report.lines:
            print(line)
        if path is not None:
            print(f"results: {path}")
    return report.exit_code


class SolveProgress:
    """A status line on stderr while a solve runs longer than a few seconds: elapsed time
    and, for a MIP, the incumbent, the bound and the gap from HiGHS's callbacks. Nothing
    when stderr is not a terminal or rich is not installed."""

    DELAY = 3.0  # seconds before the line appears (short solves print nothing)

    def __init__(self, options: SolveOptions) -> None:
        self.options = options
        self.last: dict = {}
        self._live = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = time.perf_counter()

    def __enter__(self) -> SolveOptions:
        if not sys.stderr.isatty():
            return self.options
        try:
            from rich.console import Console  # optional: progress is an extra
            from rich.live import Live
        except ImportError:
            return self.options
        self._live = Live(console=Console(stderr=True), transient=True, auto_refresh=False)
        self._thread = threading.Thread(target=self._tick, daemon=True)
        self._thread.start()
        return replace(self.options, progress=self._event)

    def _event(self, event: dict) -> None:
        self.last = event

    def _line(self) -> str:
        seconds = time.perf_counter() - self._started
        text = f"solving: {seconds:,.0f} s"
        e = self.last
        if e.get("incumbent") is not None:
            text += f"; best plan {quantity(e['incumbent'])}"
        if e.get("bound") is not None:
            text += f", bound {quantity(e['bound'])}"
        if e.get("gap") is not None:
            text += f", gap {e['gap']:.2%}"
        return text + " (Ctrl-C keeps the best plan)"

    def _tick(self) -> None:
        if self._stop.wait(self.DELAY):
            return
        with self._live as live:
            while not self._stop.wait(0.5):
                live.update(self._line(), refresh=True)

    def __exit__(self, *exc) -> bool:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        return False


def fmt_money(value: object, currency: str) -> str:
    """12,345,678 USD; 12.35 USD below 100; '-' when absent. Never scientific."""
    if value is None or value != value:
        return "-"
    v = float(value)
    return f"{v:,.2f} {currency}" if abs(v) < 100 else f"{v:,.0f} {currency}"


def fmt_number(value: object) -> str:
    """A volume as a planner reads it: thousands separators, no scientific notation."""
    if value is None or value != value:
        return "-"
    return quantity(float(value))


def echo(text: str) -> None:
    print(text, file=sys.stderr)
