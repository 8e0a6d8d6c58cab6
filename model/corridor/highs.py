"""LinearProgram -> HiGHS (highspy, in memory) -> a Solution, with no process-wide effects.

`HighsModel` holds one HiGHS instance with the program passed in one ``passModel`` call
(column-wise arrays, no files). It is safe to use one per thread: it is built on highspy's
raw ``_Highs`` class, so no class-level lock is shared between instances, HiGHS never prints
its banner to the process's stdout (its log goes through a callback into the
``corridor.highs`` logger, and only when that logger listens), and no signal handler is
installed. Cancellation (`cancel`, an Event another thread may set) and progress (`progress`,
called with the incumbent, the bound, the gap and the seconds) run through HiGHS's
callbacks. The outcome is mapped to the spec's words and never dressed up: a plan is only
"optimal" when HiGHS proves it so.

Threads: ``_Highs.run()`` releases the GIL for the whole solve (HiGHS takes it back only to
call corridor's callbacks), so two threads with two HighsModels solve at once.
`benchmarks/threads_bench.py` measured on 2 cores shared with other work: a Python loop in the
main thread kept its full rate while another thread solved the medium LP (7.7M iterations/s
alone, 8.9-9.4M during the solve; a held GIL would stop it), and four LPs of 24k columns
(same objectives every way) took 1.42 s in turn against 0.82 s on 2 threads and 0.84 s on 4
when about one core was free (load average 2.5), but 2.23 s against 2.37 s when other work
took both cores (load 4): threads share the cores there are. What does not run in parallel
is the Python around the solve (reading, building, extracting), which holds the GIL: for many
small models a process pool (`analysis/batch.py`, the service) scales where threads do not.
HiGHS keeps one thread pool per process (`_size_scheduler`).

Model changes for re-solves (`change_costs`, `change_col_bounds`, `change_row_bounds`,
`change_coeffs`, `add_rows`, `delete_rows`) keep HiGHS's basis, so the next solve starts warm.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp
from highspy._core import (
    HighsBasis,
    HighsBasisStatus,
    HighsLp,
    HighsModelStatus,
    HighsSolution,
    HighsStatus,
    HighsVarType,
    MatrixFormat,
    ObjSense,
    _Highs,
    cb,
    kHighsInf,
)
from scipy.sparse.csgraph import connected_components

from .lp import LinearProgram
from .schema import BIG_NUMBER

# The smallest LP that `SolveOptions.split=None` solves block by block: below it the blocks'
# set-up costs about what the split saves (benchmarks/blocks.py measures both sides).
SPLIT_MIN_COLUMNS = 20_000

log = logging.getLogger("corridor")
highs_log = logging.getLogger("corridor.highs")
INF = kHighsInf
# Set by the command line's Ctrl-C handler (and only there): every solve in the process stops
# and keeps its best plan. Library callers use SolveOptions.cancel instead.
INTERRUPT = threading.Event()
_INTERRUPT_ARMED = threading.Event()


_SCHEDULER = {"threads": None}  # the size corridor last gave HiGHS's process-wide pool
_SCHEDULER_LOCK = threading.Lock()


def _size_scheduler(threads: int) -> None:
    """HiGHS's thread pool is one per process, sized by the first solve; a solve asking for
    another size must rebuild it, which would pull it from under a solve running in another
    thread. So it is rebuilt only when the size asked for changes: concurrent solves that
    ask for the same `threads` (or none) never touch it; do not mix sizes concurrently."""
    with _SCHEDULER_LOCK:
        if threads != 0 and _SCHEDULER["threads"] != threads:
            _Highs.resetGlobalScheduler(True)
            _SCHEDULER["threads"] = threads


def arm_interrupt(on: bool) -> None:
    """Make every solve listen to INTERRUPT (the command line does, while it runs)."""
    (_INTERRUPT_ARMED.set if on else _INTERRUPT_ARMED.clear)()


@dataclass
class SolveOptions:
    """How to solve: limits, the solver's own options, and who may stop or watch it."""

    time_limit: float = 60.0
    mip_gap: float = 1e-4
    verbose: bool = False  # stream the HiGHS log to the corridor.highs logger
    highs_options: dict[str, object] = field(default_factory=dict)
    cancel: threading.Event | None = None  # set from any thread to stop the solve
    progress: Callable[[dict], None] | None = None  # incumbent, bound, gap, seconds
    # Solve an LP that falls apart into independent blocks (e.g. periods) block by block
    # (see `HighsModel.run`): True always, False never, None when it pays (an LP of at least
    # SPLIT_MIN_COLUMNS columns, on its first solve).
    split: bool | None = None


@dataclass
class SolveResult:
    """What the solver said, in the spec's terms."""

    status: str  # optimal, feasible, infeasible, unbounded, no_solution, error
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None
    solve_seconds: float = 0.0
    handoff_seconds: float = 0.0
    is_mip: bool = False
    nodes: int = 0
    message: str = ""
    highs_status: str = ""
    interrupted: bool = False
    n_vars: int = 0
    n_cons: int = 0
    n_nonzeros: int = 0
    blocks: int = 1  # independent blocks solved one by one (1: the whole program at once)

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "feasible")


@dataclass
class Solution:
    """A solve's outcome with the values: columns `x`, and the row duals (`row_dual`, d total
    cost / d row bound) where they exist: an LP solved to optimality, or a MIP's LP with its
    integer decisions fixed (`duals_from` says which)."""

    result: SolveResult
    x: np.ndarray | None = None
    row_dual: np.ndarray | None = None
    col_dual: np.ndarray | None = None
    duals_from: str = ""  # "lp", "fixed_integers" or "" (none)

    @property
    def status(self) -> str:
        return self.result.status

    @property
    def has_solution(self) -> bool:
        return self.result.has_solution


def highs_version() -> str:
    h = _Highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


@dataclass
class LpArrays:
    """A program as HiGHS takes it: costs, column bounds and integrality, a CSC matrix
    (int32 indices), row bounds."""

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    matrix: sp.csc_array
    row_lower: np.ndarray
    row_upper: np.ndarray

    @classmethod
    def of(cls, lp: LinearProgram) -> LpArrays:
        lower, upper, integer = lp.bounds()
        row_lower, row_upper = lp.row_bounds()
        matrix = lp.matrix("csc", index_dtype=np.int32)
        return cls(lp.cost_vector(), lower, upper, integer, matrix, row_lower, row_upper)

    def part(self, cols: np.ndarray, rows: np.ndarray) -> LpArrays:
        """The sub-program of some columns and rows (sorted), when no other row touches
        those columns (an independent block)."""
        local = np.full(len(self.row_lower), -1, dtype=np.int32)
        local[rows] = np.arange(len(rows), dtype=np.int32)
        sub = self.matrix[:, cols]
        matrix = sp.csc_array(
            (sub.data, local[sub.indices], sub.indptr.astype(np.int32)),
            shape=(len(rows), len(cols)),
        )
        return LpArrays(
            self.cost[cols],
            self.lower[cols],
            self.upper[cols],
            self.integer[cols],
            matrix,
            self.row_lower[rows],
            self.row_upper[rows],
        )


def _pass_arrays(highs: _Highs, a: LpArrays) -> HighsStatus:
    """Pass a program to HiGHS in one call from numpy arrays (HiGHS copies them in C++;
    filling a HighsLp instead copies element by element through pybind, ~1 s per 10M
    non-zeros)."""
    index = a.matrix.indices.astype(np.int32, copy=False)
    return highs.passModel(
        len(a.cost),
        len(a.row_lower),
        len(index),
        int(MatrixFormat.kColwise),
        int(ObjSense.kMinimize),
        0.0,
        np.asarray(a.cost, dtype=float),
        np.asarray(a.lower, dtype=float),
        np.asarray(a.upper, dtype=float),
        np.asarray(a.row_lower, dtype=float),
        np.asarray(a.row_upper, dtype=float),
        a.matrix.indptr[:-1].astype(np.int32, copy=False),
        index,
        a.matrix.data.astype(float, copy=False),
        # highspy reads this array even for an LP; all kContinuous (0) is an LP to HiGHS
        a.integer.astype(np.int32) * int(HighsVarType.kInteger),
    )


def independent_blocks(matrix: sp.csc_array) -> list[tuple[np.ndarray, np.ndarray]]:
    """The program's independent blocks, found from the matrix (never assumed): the
    connected components of the graph whose nodes are columns and rows and whose edges are
    the non-zeros. Returns (columns, rows) of each block, largest first; columns and rows
    in no row or column of their own (empty ones) join the largest block."""
    n_rows, n_cols = matrix.shape
    pointers = np.concatenate(
        (matrix.indptr, np.full(n_rows, matrix.indptr[-1], dtype=matrix.indptr.dtype))
    )
    graph = sp.csc_array(
        (np.ones(len(matrix.indices), dtype=np.int8), matrix.indices + n_cols, pointers),
        shape=(n_cols + n_rows, n_cols + n_rows),
    )
    _, labels = connected_components(graph, directed=False)
    col_label, row_label = labels[:n_cols], labels[n_cols:]
    with_cols = np.bincount(col_label, minlength=labels.max() + 1)
    with_rows = np.bincount(row_label, minlength=labels.max() + 1)
    real = np.flatnonzero((with_cols > 0) & (with_rows > 0))
    if len(real) == 0:
        return [(np.arange(n_cols), np.arange(n_rows))]
    real = real[np.argsort(-with_cols[real], kind="stable")]
    home = np.full(labels.max() + 1, real[0])  # a loose column or row joins the largest
    home[real] = real
    col_label, row_label = home[col_label], home[row_label]
    col_order = np.argsort(col_label, kind="stable")
    row_order = np.argsort(row_label, kind="stable")
    return _split_sorted(col_label, col_order, row_label, row_order, real)


def _split_sorted(col_label, col_order, row_label, row_order, real) -> list:
    """(columns, rows) of each label in `real`, in that order; each sorted."""
    out = []
    cols_sorted, rows_sorted = col_label[col_order], row_label[row_order]
    for b in real.tolist():
        c0, c1 = np.searchsorted(cols_sorted, [b, b + 1])
        r0, r1 = np.searchsorted(rows_sorted, [b, b + 1])
        out.append((col_order[c0:c1], row_order[r0:r1]))
    return out


_WORST = ("error", "infeasible", "unbounded", "no_solution", "feasible", "optimal")


_STOPPED = {
    HighsModelStatus.kTimeLimit,
    HighsModelStatus.kIterationLimit,
    HighsModelStatus.kInterrupt,
    HighsModelStatus.kSolutionLimit,
    HighsModelStatus.kObjectiveBound,
    HighsModelStatus.kObjectiveTarget,
}
_INTERRUPTS = (
    cb.HighsCallbackType.kCallbackSimplexInterrupt,
    cb.HighsCallbackType.kCallbackIpmInterrupt,
    cb.HighsCallbackType.kCallbackMipInterrupt,
)


class HighsModel:
    """One HiGHS instance holding one program (see the module docstring)."""

    def __init__(self, program: LinearProgram | LpArrays | HighsLp) -> None:
        start = time.perf_counter()
        self.highs = _Highs()
        self.highs.setOptionValue("output_flag", False)  # before anything can print
        # a workbook may hold any number below BIG_NUMBER, and costs are coefficients in a
        # robust plan's recourse_cost rows: HiGHS refuses the model from 1e15 by default
        self.highs.setOptionValue("large_matrix_value", BIG_NUMBER)
        # the arrays as passed, kept until the first change: an LP's first solve may split
        self._arrays: LpArrays | None = None
        self._split: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # x, duals
        if isinstance(program, LinearProgram | LpArrays):
            arrays = LpArrays.of(program) if isinstance(program, LinearProgram) else program
            self.integer = np.asarray(arrays.integer, dtype=bool)
            status = _pass_arrays(self.highs, arrays)
            self._arrays = arrays
        else:
            self.integer = (
                np.array([v == HighsVarType.kInteger for v in program.integrality_], dtype=bool)
                if len(program.integrality_)
                else np.zeros(program.num_col_, dtype=bool)
            )
            status = self.highs.passModel(program)
        if status == HighsStatus.kError:
            raise ValueError("HiGHS refused the model (passModel returned an error)")
        # the costs as HiGHS has them, to check a MIP solved from a start (see run)
        if self._arrays is not None:
            self._cost, self._offset = np.array(self._arrays.cost, dtype=float), 0.0
        else:
            self._cost = np.array(program.col_cost_, dtype=float)
            self._offset = float(program.offset_)
        self._start_given = False
        self.handoff_seconds = time.perf_counter() - start
        self._cancel: threading.Event | None = None
        self._progress: Callable[[dict], None] | None = None
        self._started = 0.0
        self._callbacks_on = False

    # ------------------------------------------------------------------ solving

    @property
    def is_mip(self) -> bool:
        return bool(self.integer.any())

    def _callback(self, kind, message, data_out, data_in, _user) -> None:
        if kind == cb.HighsCallbackType.kCallbackLogging:
            text = message.rstrip()
            if text:
                highs_log.info("%s", text)
            return
        if kind in _INTERRUPTS:
            if INTERRUPT.is_set() or (self._cancel is not None and self._cancel.is_set()):
                data_in.user_interrupt = True
            return
        if self._progress is not None and kind in (
            cb.HighsCallbackType.kCallbackMipImprovingSolution,
            cb.HighsCallbackType.kCallbackMipLogging,
        ):
            incumbent = float(data_out.objective_function_value)
            bound = float(data_out.mip_dual_bound)
            gap = float(data_out.mip_gap)
            self._progress(
                {
                    "incumbent": incumbent if math.isfinite(incumbent) else None,
                    "bound": bound if math.isfinite(bound) else None,
                    "gap": gap if math.isfinite(gap) else None,
                    "seconds": time.perf_counter() - self._started,
                    "event": "solution"
                    if kind == cb.HighsCallbackType.kCallbackMipImprovingSolution
                    else "log",
                }
            )

    def _setup_callbacks(self, options: SolveOptions, listen: bool) -> None:
        self._cancel, self._progress = options.cancel, options.progress
        wanted = []
        if listen:
            wanted.append(cb.HighsCallbackType.kCallbackLogging)
        if options.cancel is not None or _INTERRUPT_ARMED.is_set():
            wanted.extend(_INTERRUPTS)
        if options.progress is not None and self.is_mip:
            wanted.extend(
                (
                    cb.HighsCallbackType.kCallbackMipImprovingSolution,
                    cb.HighsCallbackType.kCallbackMipLogging,
                )
            )
        h = self.highs
        if self._callbacks_on:
            h.setCallback(None, None)  # stops every callback
            self._callbacks_on = False
        if wanted:
            h.setCallback(self._callback, None)
            for kind in dict.fromkeys(wanted):
                h.startCallback(kind)
            self._callbacks_on = True

    def run(self, options: SolveOptions | None = None) -> SolveResult:
        """Solve the program as it stands (warm from the last basis after changes).

        An LP whose matrix falls apart into independent blocks (`independent_blocks`) is,
        on its first solve and when `options.split` allows, solved block by block: each
        block its own HiGHS model (HiGHS's time grows faster than the size of an LP, so
        several small solves beat one large one; they run in threads, one per core), the
        values, duals and bases joined. The
        whole model then holds the joined basis, so a re-solve after a change starts warm.
        The outcome is the whole LP's: optimal only if every block is; infeasible, unbounded
        or stopped if one is (the first such block's message)."""
        options = options or SolveOptions()
        self._split = None
        arrays, wanted = self._arrays, self._wants_split(options)
        self._arrays = None  # only a first solve splits; the copy is not kept
        if wanted:
            blocks = independent_blocks(arrays.matrix)
            if len(blocks) > 1:
                return self._run_blocks(arrays, blocks, options)
        h = self.highs
        listen = bool(options.verbose) or highs_log.isEnabledFor(logging.DEBUG)
        h.setOptionValue("output_flag", listen)
        h.setOptionValue("log_to_console", False)
        h.setOptionValue("time_limit", float(options.time_limit))
        h.setOptionValue("mip_rel_gap", float(options.mip_gap))
        for name, value in options.highs_options.items():
            if h.setOptionValue(name, value) != HighsStatus.kOk:
                return SolveResult("error", message=f"HiGHS rejected option {name}={value!r}")
        if "threads" in options.highs_options:
            _size_scheduler(int(options.highs_options["threads"]))
        self._setup_callbacks(options, listen)
        if listen and options.verbose and highs_log.level == logging.NOTSET:
            highs_log.setLevel(logging.INFO)
        self._started = start = time.perf_counter()
        try:
            h.run()
            if self._start_given and self._start_misreported():
                h.clearSolver()  # forget the start (and the basis), then solve from nothing
                h.run()
        finally:
            self._start_given = False
            if self._callbacks_on:
                h.setCallback(None, None)
                self._callbacks_on = False
        return self._result(time.perf_counter() - start, options)

    def _start_misreported(self) -> bool:
        """HiGHS 1.16 can end a MIP solved from a start (set_start) whose presolve leaves
        nothing with "optimal", the start as the plan and an objective of 0, even where a
        better plan exists. The reported objective is checked against the plan's own cost;
        on a mismatch the solve is repeated without the start."""
        info = self.highs.getInfo()
        if info.primal_solution_status != 2:
            return False
        x = np.asarray(self.highs.getSolution().col_value, dtype=float)
        cost = float(self._cost @ x) + self._offset
        reported = float(info.objective_function_value)
        wrong = abs(cost - reported) > 1e-6 * max(1.0, abs(cost), abs(reported))
        if wrong:
            log.debug("HiGHS reported %g for a plan costing %g; solving again", reported, cost)
        return wrong

    def _wants_split(self, options: SolveOptions) -> bool:
        if self._arrays is None or options.split is False or self.is_mip:
            return False
        return bool(options.split) or len(self._arrays.cost) >= SPLIT_MIN_COLUMNS

    def _run_blocks(self, a: LpArrays, blocks: list, options: SolveOptions) -> SolveResult:
        """See `run`: the blocks in threads, within one time limit."""
        start = time.perf_counter()
        x = np.zeros(len(a.cost))
        row_dual = np.zeros(len(a.row_lower))
        col_dual = np.zeros(len(a.cost))
        col_status = np.full(len(a.cost), int(HighsBasisStatus.kLower), dtype=np.int64)
        row_status = np.full(len(a.row_lower), int(HighsBasisStatus.kBasic), dtype=np.int64)

        def solve(block: tuple[np.ndarray, np.ndarray]) -> SolveResult:
            """One block: solve, copy its values, duals and basis into the whole's arrays
            (each block writes only its own columns and rows), and let its model go."""
            cols, rows = block
            left = options.time_limit - (time.perf_counter() - start)
            part = HighsModel(a.part(cols, rows))
            result = part.run(replace(options, split=False, time_limit=max(left, 0.0)))
            if result.has_solution:
                s = part.highs.getSolution()
                x[cols] = part.values()
                if s.dual_valid:
                    row_dual[rows] = s.row_dual
                    col_dual[cols] = s.col_dual
                else:
                    no_duals.set()
                basis = part.highs.getBasis()
                if basis.valid:
                    col_status[cols] = [int(v) for v in basis.col_status]
                    row_status[rows] = [int(v) for v in basis.row_status]
            return result

        no_duals = threading.Event()
        # HiGHS releases the GIL while it solves: the blocks run in threads, one per core
        # (in order when the caller sizes HiGHS's own thread pool, which is per process)
        workers = min(len(blocks), os.cpu_count() or 1)
        if workers > 1 and "threads" not in options.highs_options:
            with ThreadPoolExecutor(workers, thread_name_prefix="corridor-block") as pool:
                results = list(pool.map(solve, blocks))
        else:
            results = [solve(block) for block in blocks]
        duals_valid = not no_duals.is_set()
        seconds = time.perf_counter() - start
        worst = min(results, key=lambda r: _WORST.index(r.status))
        h = self.highs
        result = SolveResult(
            worst.status,
            solve_seconds=seconds,
            handoff_seconds=self.handoff_seconds,
            highs_status=worst.highs_status,
            message=worst.message,
            interrupted=any(r.interrupted for r in results),
            n_vars=h.getNumCol(),
            n_cons=h.getNumRow(),
            n_nonzeros=h.getNumNz(),
            blocks=len(blocks),
        )
        if result.has_solution:
            result.objective = float(sum(r.objective for r in results))
            result.best_bound, result.gap = (result.objective, 0.0)
            if result.status != "optimal":
                result.best_bound, result.gap = None, None
            self._split = (x, row_dual if duals_valid else None, col_dual if duals_valid else None)
            if result.status == "optimal":
                basis = HighsBasis()
                basis.col_status = [HighsBasisStatus(v) for v in col_status.tolist()]
                basis.row_status = [HighsBasisStatus(v) for v in row_status.tolist()]
                basis.valid = True
                h.setBasis(basis)
        return result

    def _result(self, seconds: float, options: SolveOptions) -> SolveResult:
        h = self.highs
        status = h.getModelStatus()
        info = h.getInfo()
        has_primal = info.primal_solution_status == 2  # kSolutionStatusFeasible
        result = SolveResult(
            "error",
            solve_seconds=seconds,
            handoff_seconds=self.handoff_seconds,
            is_mip=self.is_mip,
            highs_status=h.modelStatusToString(status),
            n_vars=h.getNumCol(),
            n_cons=h.getNumRow(),
            n_nonzeros=h.getNumNz(),
            interrupted=status == HighsModelStatus.kInterrupt,
        )
        if status == HighsModelStatus.kOptimal:
            result.status = "optimal"
        elif status == HighsModelStatus.kInfeasible:
            result.status = "infeasible"
        elif status in (HighsModelStatus.kUnbounded, HighsModelStatus.kUnboundedOrInfeasible):
            result.status = self._unbounded_or_infeasible(status)
        elif status in _STOPPED:
            result.status = "feasible" if has_primal else "no_solution"
            why = "interrupted" if result.interrupted else result.highs_status
            result.message = f"stopped after {seconds:.1f} s ({why})"
            if status == HighsModelStatus.kTimeLimit and not has_primal:
                result.message += ": no plan yet, raise time_limit"
        else:
            result.message = f"HiGHS ended with status {result.highs_status}"
        if result.status in ("optimal", "feasible") and not has_primal:
            result.status = "no_solution"
        if result.has_solution:
            result.objective = float(info.objective_function_value)
            if self.is_mip:
                bound = float(info.mip_dual_bound)
                gap = float(info.mip_gap)
                result.best_bound = bound if math.isfinite(bound) else None
                result.gap = gap if math.isfinite(gap) else None
                result.nodes = int(info.mip_node_count)
            else:
                result.best_bound, result.gap = result.objective, 0.0
        return result

    def _unbounded_or_infeasible(self, status) -> str:
        """Presolve may not tell the two apart; one re-solve without it does."""
        if status == HighsModelStatus.kUnbounded:
            return "unbounded"
        h = self.highs
        h.setOptionValue("presolve", "off")
        h.run()
        h.setOptionValue("presolve", "choose")
        if h.getModelStatus() == HighsModelStatus.kInfeasible:
            return "infeasible"
        return "unbounded"

    def values(self) -> np.ndarray:
        """Column values of the last solve; integers rounded where within tolerance."""
        if self._split is not None:
            return self._split[0].copy()
        x = np.asarray(self.highs.getSolution().col_value, dtype=float)
        if self.is_mip:
            r = np.round(x)
            x = np.where(self.integer & (np.abs(x - r) <= 1e-6), r, x)
        return x

    def solution(self, result: SolveResult, *, duals: bool = True, options=None) -> Solution:
        """The Solution of the last solve; with `duals`, a MIP's duals come from its LP with
        the integer decisions fixed at the plan (a second, LP-only solve)."""
        sol = Solution(result)
        if not result.has_solution:
            return sol
        sol.x = self.values()
        if not duals:
            return sol
        if self._split is not None:
            if result.status == "optimal" and self._split[1] is not None:
                sol.row_dual, sol.col_dual = self._split[1].copy(), self._split[2].copy()
                sol.duals_from = "lp"
            return sol
        if not self.is_mip:
            s = self.highs.getSolution()
            if result.status == "optimal" and s.dual_valid:
                sol.row_dual = np.asarray(s.row_dual, dtype=float)
                sol.col_dual = np.asarray(s.col_dual, dtype=float)
                sol.duals_from = "lp"
            return sol
        fixed = self.fixed_integer_duals(sol.x, options)
        if fixed is not None:
            sol.row_dual, sol.col_dual = fixed
            sol.duals_from = "fixed_integers"
        return sol

    def fixed_integer_duals(
        self, x: np.ndarray, options: SolveOptions | None = None
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Row and column duals of the LP with every integer column fixed at x."""
        lp = self.highs.getLp()
        lower = np.asarray(lp.col_lower_, dtype=float)
        upper = np.asarray(lp.col_upper_, dtype=float)
        fixed = np.clip(np.round(x[self.integer]), lower[self.integer], upper[self.integer])
        lower[self.integer] = fixed
        upper[self.integer] = fixed
        lp.col_lower_, lp.col_upper_ = lower, upper
        lp.integrality_ = []
        other = HighsModel(lp)
        opts = SolveOptions(
            time_limit=options.time_limit if options else 60.0,
            highs_options=dict(options.highs_options) if options else {},
        )
        result = other.run(opts)
        s = other.highs.getSolution()
        if result.status != "optimal" or not s.dual_valid:
            log.warning(
                "marginal values: the LP with integer decisions fixed ended %s; none reported",
                result.highs_status,
            )
            return None
        return np.asarray(s.row_dual, dtype=float), np.asarray(s.col_dual, dtype=float)

    # ------------------------------------------------------------------ changes

    def change_costs(self, cols: np.ndarray, costs: np.ndarray) -> None:
        self._arrays = None  # changed: no split on the next solve
        cols = np.asarray(cols, dtype=np.int32)
        costs = np.broadcast_to(np.asarray(costs, dtype=float), cols.shape)
        self._cost[cols] = costs
        self.highs.changeColsCost(len(cols), cols, np.ascontiguousarray(costs))

    def change_col_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        self._arrays = None  # changed: no split on the next solve
        cols = np.asarray(cols, dtype=np.int32)
        lo = np.where(np.isinf(lower), -INF, lower).astype(float)
        hi = np.where(np.isinf(upper), INF, upper).astype(float)
        self.highs.changeColsBounds(len(cols), cols, lo, hi)

    def change_row_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        self._arrays = None  # changed: no split on the next solve
        rows = np.asarray(rows, dtype=np.int32)
        lo = np.where(np.isinf(lower), -INF, lower).astype(float)
        hi = np.where(np.isinf(upper), INF, upper).astype(float)
        self.highs.changeRowsBounds(len(rows), rows, lo, hi)

    def change_coeffs(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
        self._arrays = None  # changed: no split on the next solve
        h = self.highs
        for r, c, v in zip(rows.tolist(), cols.tolist(), np.asarray(values).tolist(), strict=True):
            h.changeCoeff(int(r), int(c), float(v))

    def add_rows(self, lower: np.ndarray, upper: np.ndarray, matrix) -> np.ndarray:
        """Append rows (a scipy CSR matrix over the existing columns); returns their numbers."""
        self._arrays = None  # changed: no split on the next solve
        first = self.highs.getNumRow()
        n = len(lower)
        lo = np.where(np.isinf(lower), -INF, lower).astype(float)
        hi = np.where(np.isinf(upper), INF, upper).astype(float)
        self.highs.addRows(
            n,
            lo,
            hi,
            len(matrix.data),
            matrix.indptr[:-1].astype(np.int32),
            matrix.indices.astype(np.int32),
            matrix.data.astype(float),
        )
        return np.arange(first, first + n)

    def delete_rows(self, rows: np.ndarray) -> None:
        self._arrays = None  # changed: no split on the next solve
        rows = np.asarray(rows, dtype=np.int32)
        self.highs.deleteRows(len(rows), rows)

    def add_cols(
        self, cost: np.ndarray, lower: np.ndarray, upper: np.ndarray, matrix=None
    ) -> np.ndarray:
        """Append continuous columns (with a scipy CSC matrix over the existing rows)."""
        self._arrays = None  # changed: no split on the next solve
        first = self.highs.getNumCol()
        n = len(cost)
        lo = np.where(np.isinf(lower), -INF, lower).astype(float)
        hi = np.where(np.isinf(upper), INF, upper).astype(float)
        if matrix is None:
            self.highs.addCols(n, np.asarray(cost, float), lo, hi, 0, [], [], [])
        else:
            self.highs.addCols(
                n,
                np.asarray(cost, float),
                lo,
                hi,
                len(matrix.data),
                matrix.indptr[:-1].astype(np.int32),
                matrix.indices.astype(np.int32),
                matrix.data.astype(float),
            )
        self.integer = np.concatenate((self.integer, np.zeros(n, dtype=bool)))
        self._cost = np.concatenate((self._cost, np.asarray(cost, dtype=float)))
        return np.arange(first, first + n)

    def basis(self):
        return self.highs.getBasis()

    def set_basis(self, basis) -> None:
        self._arrays = None  # changed: no split on the next solve
        self.highs.setBasis(basis)

    def set_start(self, x: np.ndarray) -> None:
        """A MIP start (a plan known to be feasible)."""
        self._arrays = None  # changed: no split on the next solve
        s = HighsSolution()
        s.col_value = np.asarray(x, dtype=float)
        s.value_valid = True
        self.highs.setSolution(s)
        self._start_given = True


def solve_lp(
    lp: LinearProgram, options: SolveOptions | None = None, *, duals: bool = True
) -> tuple[Solution, HighsModel]:
    """Hand the program to HiGHS, solve, and return the Solution and the solver model."""
    model = HighsModel(lp)
    result = model.run(options)
    return model.solution(result, duals=duals, options=options), model
