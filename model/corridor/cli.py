"""The `corridor` command.

Exit codes: 0 solved (optimal, or feasible at the time limit), 2 invalid input (nothing
written), 3 infeasible (Summary and Diagnosis written), 4 no solution within the time limit
(Summary only), 1 anything else. Messages name the file and what to do; a traceback only
with --debug.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import logging
import math
import sys
from pathlib import Path

from .errors import InputError
from .io.write import TargetLocked, check_output, check_template_target
from .schema import COST_COMPONENTS

log = logging.getLogger("corridor")


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


def add_input_output(p: argparse.ArgumentParser, suffix: str) -> None:
    """The input workbook and the optional results file of a solving command."""
    p.add_argument("input", type=Path)
    p.add_argument(
        "-o", "--output", type=Path, help=f"results file (default: INPUT_{suffix}.xlsx beside it)"
    )


def add_solve_options(
    p: argparse.ArgumentParser, *, verbose: bool = False, highs: bool = False
) -> None:
    """The solver options every solving command shares."""
    p.add_argument("--time-limit", type=float, help="seconds per solve (overrides Settings)")
    p.add_argument("--gap", type=float, help="relative MIP gap (overrides Settings mip_gap)")
    if verbose:
        p.add_argument("--verbose", action="store_true", help="stream the HiGHS log")
    if highs:
        p.add_argument(
            "--highs-option",
            action="append",
            type=_highs_option,
            default=[],
            metavar="NAME=VALUE",
            help="pass an option to HiGHS (repeatable)",
        )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="corridor",
        description=__doc__.split("\n")[0] + " "
        "Plan commodity flows over routes with transit-country caps.",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("solve", help="solve a workbook and write the results workbook")
    add_input_output(s, "results")
    add_solve_options(s, verbose=True, highs=True)
    s.add_argument("--json", action="store_true", help="print the Summary as JSON")

    v = sub.add_parser("validate", help="check a workbook without solving")
    v.add_argument("input", type=Path)

    t = sub.add_parser("template", help="write an empty input workbook with a Guide sheet")
    t.add_argument("output", type=Path)
    t.add_argument("--force", action="store_true", help="replace OUTPUT if it exists")

    from .generate import add_arguments

    add_arguments(sub.add_parser("generate", help="write a synthetic feasible input workbook"))
    for name, (module, help_text) in ANALYSES.items():
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module).add_arguments(sub.add_parser(name, help=help_text))
    return p


def _default_output(path: Path) -> Path:
    return path.with_name(f"{path.stem}_results.xlsx")


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if math.isfinite(value) else str(value)
    return "" if value is None else str(value)


def print_summary(outcome) -> None:
    s = outcome.results.summary
    currency = outcome.results.currency
    print(
        f"status: {s['status']}"
        + (f"  ({outcome.result.message})" if outcome.result.message else "")
    )
    if s["objective"] is not None:
        print(
            f"total cost: {_fmt(s['objective'])} {currency}  (gap {s['gap']:.4%})"
            if s["gap"] is not None
            else ""
        )
        parts = [f"{k.replace('_cost', '')} {_fmt(s[k])}" for k in COST_COMPONENTS if s.get(k)]
        print("  " + ", ".join(parts))
        print(f"delivered {_fmt(s['delivered'])} of {_fmt(s['contracted'])} capacity units")
        exposure = outcome.results.sheets.get("Exposure")
        if exposure is not None and not exposure.empty:
            transit = exposure[exposure["measure"] == "transit_country"]
            top = transit.groupby("value")["share"].max().sort_values(ascending=False).head(6)
            print(
                "highest transit share per country: "
                + ", ".join(f"{k} {v:.0%}" for k, v in top.items())
            )
    diagnosis = outcome.results.sheets.get("Diagnosis")
    if diagnosis is not None:
        print("no plan meets every rule; the least change that would allow one:")
        for row in diagnosis.itertuples(index=False):
            print(f"  - {row.change}  [{row.cell}]")
    if outcome.path:
        print(f"results: {outcome.path}")


def cmd_solve(args) -> int:
    from .pipeline import run

    output = check_output(args.output or _default_output(args.input), [args.input])
    outcome = run(
        args.input,
        output,
        time_limit=args.time_limit,
        gap=args.gap,
        verbose=args.verbose,
        highs_options=dict(args.highs_option),
    )
    if args.json:
        print(json.dumps(outcome.results.summary, default=str, indent=2))
    else:
        print_summary(outcome)
    return outcome.exit_code


def cmd_validate(args) -> int:
    from .io.load import read_workbook

    inputs = read_workbook(args.input)
    scenarios = ""
    if "Scenarios" in inputs.tables and not inputs.tables["Scenarios"].frame.empty:
        from .analysis.scenarios import read_scenarios

        scenarios = f", {len(read_scenarios(inputs))} scenarios"  # raises on a bad row
    for warning in inputs.warnings:
        print(f"warning: {warning}")
    print(
        f"{args.input}: valid ({len(inputs.demand)} contract-periods, {len(inputs.routes)} "
        f"active routes, {len(inputs.flows)} flow variables{scenarios})"
    )
    return 0


def cmd_template(args) -> int:
    from .io.template import write_template

    check_template_target(args.output, force=args.force)
    write_template(args.output)
    print(f"template: {args.output}")
    return 0


def cmd_generate(args) -> int:
    from .generate import run as generate

    return generate(args)


# Analyses live in their own modules, each with add_arguments(parser) and run(args) -> exit
# code; they keep heavy imports (matplotlib, dask, rich) inside their functions.
ANALYSES = {
    "frontier": ("corridor.analysis.frontier", "cost of diversification: sweep a cap"),
    "stress": ("corridor.analysis.stress", "closure stress test of what the plan uses"),
    "scenarios": ("corridor.analysis.scenarios", "solve the Scenarios sheet and compare"),
    "map": ("corridor.analysis.plan_map", "solve and draw the plan on a map (PNG + Map sheet)"),
}

COMMANDS = {
    "solve": cmd_solve,
    "validate": cmd_validate,
    "template": cmd_template,
    "generate": cmd_generate,
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s: %(message)s"
    )
    try:
        if args.command in ANALYSES:
            return importlib.import_module(ANALYSES[args.command][0]).run(args)
        return COMMANDS[args.command](args)
    except InputError as exc:
        what = "the cells listed above" if any(e.cell for e in exc.errors) else "the file"
        print(f"{exc}\nFix {what} and run again; no results were written.", file=sys.stderr)
        return 2
    except TargetLocked as exc:
        print(f"corridor: {exc}", file=sys.stderr)
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
