"""The `corridor` command.

Exit codes: 0 solved (optimal, or feasible at the time limit), 2 invalid input (nothing
written), 3 infeasible (Summary and Diagnosis written), 4 no solution within the time limit
(Summary only), 1 anything else. Messages name the file and what to do; a traceback only
with --debug. Ctrl-C stops a running solve and keeps the best plan found.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import signal
import sys
import threading
from pathlib import Path

from . import highs
from .analysis.command import CommandError, run_command
from .analysis.command import add_arguments as add_command_arguments
from .analysis.compare import add_arguments as compare_arguments
from .analysis.compare import run_compare
from .analysis.scenarios import read_scenarios
from .errors import InputError
from .generate import add_arguments as generate_arguments
from .generate import run_generate
from .io.template import write_template
from .io.write import TargetLocked, check_template_target
from .load import read_inputs
from .schema import SCHEMA_VERSION

log = logging.getLogger("corridor")

# The solving commands live in their own modules, each with a `COMMAND` (analysis.command).
SOLVING = {
    "solve": ("corridor.analysis.solve_command", "solve a workbook and write the results"),
    "frontier": ("corridor.analysis.frontier", "cost of diversification: sweep a cap"),
    "stress": ("corridor.analysis.stress", "close each transit country, chokepoint, corridor"),
    "scenarios": ("corridor.analysis.scenarios", "solve the Scenarios sheet and compare"),
    "map": ("corridor.analysis.plan_map", "solve and draw the plan on a map (PNG + Map sheet)"),
    "robust": ("corridor.analysis.robust", "a plan that survives any one closure; its price"),
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="corridor",
        description="Plan commodity flows over multi-leg routes with caps on dependence on "
        "any one transit country, origin or supplier.",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True)
    for name, (module, help_text) in SOLVING.items():
        command = importlib.import_module(module).COMMAND
        add_command_arguments(sub.add_parser(name, help=help_text), command)
    v = sub.add_parser("validate", help="check a workbook without solving")
    v.add_argument("input", type=Path, help="input workbook (.xlsx, .xlsm) or JSON (.json)")
    v.add_argument("--json", action="store_true", help="print the outcome as JSON")
    compare_arguments(sub.add_parser("compare", help="two results workbooks side by side"))
    t = sub.add_parser("template", help="write an empty input workbook with a Guide sheet")
    t.add_argument("output", type=Path)
    t.add_argument("--force", action="store_true", help="replace an existing file")
    s = sub.add_parser(
        "serve", help="serve corridor over HTTP: POST a workbook or JSON, get the results"
    )
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    s.add_argument("--port", type=int, default=8765, help="port (8765)")
    s.add_argument("--workers", type=int, default=2, help="solver processes (2)")
    s.add_argument(
        "--max-upload-mb", type=float, default=50.0, help="largest upload in MB (50): 413 above"
    )
    s.add_argument(
        "--max-jobs", type=int, default=16, help="jobs queued or running at once (16): 429 above"
    )
    s.add_argument(
        "--ttl", type=float, default=3600.0, help="seconds an unfetched result is kept (3600)"
    )
    generate_arguments(sub.add_parser("generate", help="write a synthetic feasible workbook"))
    return p


def cmd_validate(args) -> int:
    inputs = read_inputs(args.input)
    if "Scenarios" in inputs.tables:
        read_scenarios(inputs)  # its rows are input too: InputError names each bad cell
    facts = {
        "contract_periods": len(inputs.contract_rows),
        "active_routes": len(inputs.routes),
        "flow_variables": len(inputs.flows),
        "warnings": [str(w) for w in inputs.warnings],
    }
    if args.json:
        print(json.dumps({"valid": True, **facts}, indent=2))
        return 0
    for warning in inputs.warnings:
        print(f"warning: {warning}")
    print(
        f"{args.input}: valid ({facts['contract_periods']} contract-periods, "
        f"{facts['active_routes']} active routes, {facts['flow_variables']} flow variables)"
    )
    return 0


def cmd_template(args) -> int:
    check_template_target(args.output, force=args.force)
    path = write_template(args.output)
    print(f"template: {path}")
    return 0


def cmd_generate(args) -> int:
    return run_generate(args)


SERVE_EXTRA = 'pip install "corridor[serve]"'


def cmd_serve(args) -> int:
    try:  # the serve extra (starlette, uvicorn) is optional: imported only here
        from .service import serve
    except ImportError as exc:
        missing = exc.name or "starlette or uvicorn"
        raise CommandError(
            f"serving needs the optional 'serve' dependencies ({missing} missing): {SERVE_EXTRA}"
        ) from None
    serve(
        args.host,
        args.port,
        workers=args.workers,
        max_upload_mb=args.max_upload_mb,
        max_jobs=args.max_jobs,
        ttl=args.ttl,
    )
    return 0


COMMANDS = {
    "validate": cmd_validate,
    "template": cmd_template,
    "generate": cmd_generate,
    "compare": run_compare,
    "serve": cmd_serve,
}


def _input_errors_json(exc: InputError) -> str:
    return json.dumps(
        {
            "schema_version": SCHEMA_VERSION,
            "status": "invalid_input",
            "exit_code": 2,
            "source": exc.source,
            "errors": [e.to_dict() for e in exc.errors],
        },
        allow_nan=False,
        indent=2,
    )


class _CtrlC:
    """While a command runs: Ctrl-C stops the solver (the run keeps the best plan found)
    instead of killing the process; a second Ctrl-C interrupts as usual."""

    def __enter__(self):
        self.event = highs.INTERRUPT
        self.previous = None
        highs.arm_interrupt(True)
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.event.is_set():
            raise KeyboardInterrupt
        print(
            "\nstopping the solver; the best plan found is kept (Ctrl-C again to abort)",
            file=sys.stderr,
        )
        self.event.set()

    def __exit__(self, *exc):
        highs.arm_interrupt(False)
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        self.event.clear()
        return False


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    if getattr(args, "verbose", False):
        logging.getLogger("corridor.highs").setLevel(logging.INFO)
    try:
        if args.command in SOLVING:
            command = importlib.import_module(SOLVING[args.command][0]).COMMAND
            with _CtrlC():
                return run_command(command, args)
        return COMMANDS[args.command](args)
    except InputError as exc:
        if getattr(args, "json", False):
            print(_input_errors_json(exc))
        else:
            what = "the cells listed above" if any(e.cell for e in exc.errors) else "the file"
            print(f"{exc}\nFix {what} and run again; no results were written.", file=sys.stderr)
        return 2
    except (TargetLocked, CommandError) as exc:
        print(f"corridor {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 1
    except Exception as exc:  # the promise: no traceback unless --debug
        if args.debug:
            raise
        name = getattr(args, "input", None) or getattr(args, "output", "")
        print(
            f"corridor {args.command} {name}: {type(exc).__name__}: {exc}\n"
            "Run again with --debug for the full traceback.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
