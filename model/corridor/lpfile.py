"""The program as a CPLEX LP file with planner names, for reading it by eye or in another
solver: ``corridor.write_lp(plan_or_model_or_program, "plan.lp")``.

Columns and rows are named after their block and keys, ``flow(U-KHARASAN,U-CN-DOSTYK,2026)``
style but made LP-safe: ``[`` ``]`` are written ``(`` ``)`` (LP readers take brackets for
quadratic terms; HiGHS would replace every name by ``c0, c1...``), and any character LP names
may not hold (spaces, ``-``, ``+``, ``:``, ``<``...) becomes ``_``:
``flow(U_KHARASAN,U_CN_DOSTYK,2026)``. A name that would repeat gets ``~2``, ``~3``. A row
with two different finite bounds is written as two rows, ``NAME_lo`` and ``NAME_up``.

What is written:

- a `Plan`: its program as it stands (every change made through the plan included);
- a `LinearProgram`: as built;
- a Pyomo model (``build_model``'s, extended or not): what ``corridor.solve`` would hand to
  HiGHS, compiled the same way, named after the Pyomo components (an embedder's rows too).

HiGHS reads the file back (``readModel``) with the same optimum; a test checks that.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp

from .lp import INF, LinearProgram
from .plan import Plan
from .pyomo_view import standard_form

_ILLEGAL = re.compile(r"[^A-Za-z0-9!\"#$%&()/,.;?@_`'{}|~]")
PER_LINE = 8  # terms per line (LP lines must stay short)


def lp_name(text: str) -> str:
    """An LP-safe name (see the module docstring)."""
    name = _ILLEGAL.sub("_", str(text).replace("[", "(").replace("]", ")"))
    if not name or name[0].isdigit() or name[0] in ".":
        name = "_" + name
    return name[:255]


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        n = seen.get(name, 0) + 1
        seen[name] = n
        out.append(name if n == 1 else f"{name}~{n}")
    return out


def _block_names(block) -> list[str]:
    keys = block.keys
    if keys.shape[1] == 0:
        return [block.name] * len(block)
    values = [keys.iloc[:, j].astype(str).to_numpy() for j in range(keys.shape[1])]
    return [f"{block.name}({','.join(parts)})" for parts in zip(*values, strict=True)]


def _number(value: float) -> str:
    return f"{value:.17g}"


def _terms(coefs: np.ndarray, names: list[str], index: np.ndarray) -> list[str]:
    """' +2 x -1 y' in lines of PER_LINE terms."""
    parts = [
        f"{'+' if c >= 0 else '-'} {_number(abs(c))} {names[j]}"
        for c, j in zip(coefs.tolist(), index.tolist(), strict=True)
    ]
    if not parts:
        return [" 0 " + names[0]] if names else [" 0"]
    return [" " + " ".join(parts[i : i + PER_LINE]) for i in range(0, len(parts), PER_LINE)]


def lp_text(
    cost: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    integer: np.ndarray,
    matrix,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    col_names: list[str],
    row_names: list[str],
    offset: float = 0.0,
) -> str:
    """The LP file of a minimisation given as arrays (a scipy matrix, rows x columns)."""
    cols = _unique([lp_name(n) for n in col_names])
    rows = _unique([lp_name(n) for n in row_names])
    csr = sp.csr_array(matrix)
    csr.sum_duplicates()
    lines = ["\\ written by corridor (corridor.write_lp)"]
    if offset:
        lines.append(f"\\ objective constant left out: {_number(offset)}")
    lines.append("minimize")
    nonzero = np.flatnonzero(cost)
    body = _terms(cost[nonzero], cols, nonzero)
    lines.append(" obj:" + body[0])
    lines += body[1:]
    lines.append("subject to")
    for i, name in enumerate(rows):
        a, b = csr.indptr[i], csr.indptr[i + 1]
        terms = _terms(csr.data[a:b], cols, csr.indices[a:b])
        lo, hi = float(row_lower[i]), float(row_upper[i])
        has_lo, has_hi = lo > -INF, hi < INF
        if has_lo and has_hi and lo == hi:
            senses = [(name, "=", lo)]
        elif has_lo and has_hi:
            senses = [(f"{name}_lo", ">=", lo), (f"{name}_up", "<=", hi)]
        elif has_lo:
            senses = [(name, ">=", lo)]
        elif has_hi:
            senses = [(name, "<=", hi)]
        else:
            continue  # a free row constrains nothing
        for label, sense, rhs in senses:
            lines.append(f" {label}:" + terms[0])
            lines += terms[1:]
            lines[-1] += f" {sense} {_number(rhs)}"
    lines.append("bounds")
    for j, name in enumerate(cols):
        lo, hi = float(lower[j]), float(upper[j])
        if lo == 0 and hi >= INF:
            continue  # the default
        if lo <= -INF and hi >= INF:
            lines.append(f" {name} free")
        elif lo == hi:
            lines.append(f" {name} = {_number(lo)}")
        else:
            left = "-inf" if lo <= -INF else _number(lo)
            right = "+inf" if hi >= INF else _number(hi)
            lines.append(f" {left} <= {name} <= {right}")
    general = [cols[j] for j in np.flatnonzero(integer)]
    if general:
        lines.append("general")
        lines += [" " + " ".join(general[i : i + PER_LINE]) for i in range(0, len(general), 8)]
    lines.append("end")
    return "\n".join(lines) + "\n"


def program_text(lp: LinearProgram) -> str:
    """The LP file of a LinearProgram, named by its blocks and keys."""
    lower, upper, integer = lp.bounds()
    row_lower, row_upper = lp.row_bounds()
    col_names = [n for block in lp.columns.values() for n in _block_names(block)]
    row_names = [n for block in lp.rows.values() for n in _block_names(block)]
    return lp_text(
        lp.cost_vector(),
        lower,
        upper,
        integer,
        lp.matrix("csr"),
        row_lower,
        row_upper,
        col_names,
        row_names,
    )


def model_text(m: pyo.ConcreteModel) -> str:
    """The LP file of a Pyomo model as `corridor.solve` would hand it to HiGHS."""
    form = standard_form(m)
    a = form.arrays
    return lp_text(
        a.cost,
        a.lower,
        a.upper,
        a.integer,
        a.matrix,
        a.row_lower,
        a.row_upper,
        [v.name for v in form.columns],
        [con.name for con, _ in form.rows],
        form.offset,
    )


def write_lp(target: Plan | LinearProgram | pyo.ConcreteModel, path: str | Path) -> Path:
    """Write a Plan's program, a LinearProgram or a Pyomo model as an LP file with planner
    names (see the module docstring); returns the path written."""
    if isinstance(target, Plan):
        text = program_text(target.lp)
    elif isinstance(target, LinearProgram):
        text = program_text(target)
    elif isinstance(target, pyo.Block):
        text = model_text(target)
    else:
        raise TypeError(
            f"write_lp takes a corridor.Plan, a LinearProgram or a Pyomo model, not a "
            f"{type(target).__name__}"
        )
    path = Path(path)
    path.write_text(text)
    return path
