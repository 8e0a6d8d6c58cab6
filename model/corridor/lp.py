"""The optimisation model as labelled arrays: named blocks of columns and rows.

A `LinearProgram` is what every feature module writes to and what HiGHS, the Pyomo view,
the result tables and the analyses read from (linopy's idea, without xarray):

- a **column block** (`Columns`) is a group of variables of one kind, e.g. ``flow`` with one
  column per (contract, route, period): its planner keys as a DataFrame, bounds and
  integrality as arrays, and its place ``start .. start + n`` among all columns;
- a **row block** (`Rows`) is a group of constraints of one kind, e.g. ``capacity_limit``
  per (type, id, period): its keys, ``lower <= A x <= upper`` bounds, and its coefficients as
  sparse triplets (local row, global column, value);
- a **cost term** is a named part of the objective (``transport_cost``, ``fixed_cost``...),
  columns and coefficients; the objective is their sum (Switch's cost list), and the Summary's
  cost components are the same terms evaluated at the solution.

Blocks are added whole, never one object per coefficient. Everything downstream addresses
columns and rows by block name and planner key (`Columns.locate`), never by position guessed
elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

INF = float("inf")


def _array(value: float | Sequence[float] | np.ndarray, n: int) -> np.ndarray:
    """A float array of length n from a scalar or a sequence."""
    out = np.asarray(value, dtype=float)
    if out.ndim == 0:
        return np.full(n, float(out))
    if len(out) != n:
        raise ValueError(f"expected {n} values, got {len(out)}")
    return out.copy()


def _frozen(a: np.ndarray) -> np.ndarray:
    """A read-only view (the caller's array stays as it was)."""
    view = a.view()
    view.flags.writeable = False
    return view


def _locate(keys: pd.DataFrame, wanted: object) -> np.ndarray:
    """Positions in `keys` of the wanted keys (a DataFrame with the same columns, a list of
    tuples, or one tuple/value); -1 where a key is absent."""
    if isinstance(wanted, pd.DataFrame):
        frame = wanted[list(keys.columns)]
    else:
        items = wanted if isinstance(wanted, list) else [wanted]
        items = [k if isinstance(k, tuple) else (k,) for k in items]
        frame = pd.DataFrame(items, columns=list(keys.columns))
    if len(keys.columns) == 1:
        index = pd.Index(keys.iloc[:, 0])
        return index.get_indexer(frame.iloc[:, 0])
    index = pd.MultiIndex.from_frame(keys)
    return index.get_indexer(pd.MultiIndex.from_frame(frame))


@dataclass
class Columns:
    """A block of variables: keys (one row per column), bounds, integrality."""

    name: str
    keys: pd.DataFrame
    start: int
    lower: np.ndarray
    upper: np.ndarray
    integer: bool = False
    set_name: str | None = None
    doc: str = ""

    def __len__(self) -> int:
        return len(self.lower)

    @property
    def stop(self) -> int:
        return self.start + len(self)

    @property
    def cols(self) -> np.ndarray:
        """Global column numbers of the block, in key order."""
        return np.arange(self.start, self.stop, dtype=np.int64)

    def locate(self, wanted: object) -> np.ndarray:
        """Global columns of the wanted keys (-1 where absent)."""
        local = _locate(self.keys, wanted)
        return np.where(local >= 0, local + self.start, -1)

    def key_tuples(self) -> list[tuple]:
        return list(self.keys.itertuples(index=False, name=None))


@dataclass
class Rows:
    """A block of constraints ``lower <= sum_j a_ij x_j <= upper`` with their keys.

    `row`, `col`, `val` are the coefficients as triplets: local row (0 .. n-1), global
    column, value."""

    name: str
    keys: pd.DataFrame
    start: int
    lower: np.ndarray
    upper: np.ndarray
    row: np.ndarray
    col: np.ndarray
    val: np.ndarray
    set_name: str | None = None
    doc: str = ""

    def __len__(self) -> int:
        return len(self.lower)

    @property
    def stop(self) -> int:
        return self.start + len(self)

    @property
    def rows(self) -> np.ndarray:
        return np.arange(self.start, self.stop, dtype=np.int64)

    def locate(self, wanted: object) -> np.ndarray:
        """Global rows of the wanted keys (-1 where absent)."""
        local = _locate(self.keys, wanted)
        return np.where(local >= 0, local + self.start, -1)

    def key_tuples(self) -> list[tuple]:
        return list(self.keys.itertuples(index=False, name=None))


@dataclass
class Cost:
    """A named part of the objective: sum coefs * x[cols]."""

    name: str
    cols: np.ndarray
    coefs: np.ndarray


class Terms:
    """Sparse coefficients of a row block under construction: (local row, column, value)."""

    def __init__(self) -> None:
        self._rows: list[np.ndarray] = []
        self._cols: list[np.ndarray] = []
        self._vals: list[np.ndarray] = []

    def add(
        self,
        rows: np.ndarray | Sequence[int],
        cols: np.ndarray | Sequence[int],
        vals: float | np.ndarray | Sequence[float] = 1.0,
    ) -> Terms:
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        if rows.shape != cols.shape:
            raise ValueError("rows and columns of the terms differ in length")
        self._rows.append(rows)
        self._cols.append(cols)
        self._vals.append(_array(vals, len(rows)))
        return self

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self._rows:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy(), np.zeros(0)
        if len(self._rows) == 1:  # no copy of a single part (values are copies already)
            return self._rows[0], self._cols[0], self._vals[0]
        return (
            np.concatenate(self._rows),
            np.concatenate(self._cols),
            np.concatenate(self._vals),
        )


@dataclass
class LinearProgram:
    """Column blocks, row blocks and named cost terms (see the module docstring)."""

    columns: dict[str, Columns] = field(default_factory=dict)
    rows: dict[str, Rows] = field(default_factory=dict)
    costs: dict[str, list[Cost]] = field(default_factory=dict)
    n_cols: int = 0
    n_rows: int = 0
    sense: int = 1  # 1 minimise (corridor always minimises total cost)

    # ------------------------------------------------------------------ building

    def add_columns(
        self,
        name: str,
        keys: pd.DataFrame,
        *,
        lower: float | np.ndarray = 0.0,
        upper: float | np.ndarray = INF,
        integer: bool = False,
        set_name: str | None = None,
        doc: str = "",
    ) -> Columns:
        """A new block of len(keys) columns, appended after every column so far."""
        if name in self.columns:
            raise ValueError(f"column block {name!r} exists already")
        n = len(keys)
        block = Columns(
            name,
            keys.reset_index(drop=True),
            self.n_cols,
            _array(lower, n),
            _array(upper, n),
            integer,
            set_name,
            doc,
        )
        self.columns[name] = block
        self.n_cols += n
        return block

    def add_rows(
        self,
        name: str,
        keys: pd.DataFrame,
        terms: Terms,
        *,
        lower: float | np.ndarray = -INF,
        upper: float | np.ndarray = INF,
        set_name: str | None = None,
        doc: str = "",
    ) -> Rows:
        """A new block of len(keys) rows with the given coefficients."""
        if name in self.rows:
            raise ValueError(f"row block {name!r} exists already")
        n = len(keys)
        row, col, val = terms.arrays()
        if len(row) and (row.min() < 0 or row.max() >= n):
            raise ValueError(f"row block {name!r}: a term names a row outside 0..{n - 1}")
        if len(col) and (col.min() < 0 or col.max() >= self.n_cols):
            raise ValueError(f"row block {name!r}: a term names an unknown column")
        keep = val != 0.0
        if not keep.all():  # explicit zeros are left out (a copy only when there are some)
            row, col, val = row[keep], col[keep], val[keep]
        # rows and columns may be views of the caller's arrays: read-only here (only the
        # values are ever changed in place, by Plan)
        row, col = _frozen(row), _frozen(col)
        block = Rows(
            name,
            keys.reset_index(drop=True),
            self.n_rows,
            _array(lower, n),
            _array(upper, n),
            row,
            col,
            val,
            set_name,
            doc,
        )
        self.rows[name] = block
        self.n_rows += n
        return block

    def add_cost(
        self, name: str, cols: np.ndarray | Sequence[int], coefs: float | np.ndarray
    ) -> None:
        """Add sum coefs * x[cols] to the cost term `name` (created on first use)."""
        cols = np.asarray(cols, dtype=np.int64)
        coefs = _array(coefs, len(cols))
        keep = coefs != 0.0
        if not keep.all():
            cols, coefs = cols[keep], coefs[keep]
        self.costs.setdefault(name, []).append(Cost(name, _frozen(cols), coefs))

    def extend_rows(
        self, name: str, local_rows: np.ndarray, cols: np.ndarray, vals: float | np.ndarray
    ) -> None:
        """Add coefficients to an existing row block (e.g. slack columns added later)."""
        block = self.rows[name]
        local_rows = np.asarray(local_rows, dtype=np.int64)
        block.row = np.concatenate((block.row, local_rows))
        block.col = np.concatenate((block.col, np.asarray(cols, dtype=np.int64)))
        block.val = np.concatenate((block.val, _array(vals, len(local_rows))))

    # ------------------------------------------------------------------ reading

    def cost_vector(self, names: Iterable[str] | None = None) -> np.ndarray:
        """The objective coefficients of every column (of the named terms only, if given)."""
        parts = [p for name, ps in self.costs.items() if names is None or name in names for p in ps]
        if not parts:
            return np.zeros(self.n_cols)
        return np.bincount(
            np.concatenate([p.cols for p in parts]),
            weights=np.concatenate([p.coefs for p in parts]),
            minlength=self.n_cols,
        ).astype(float)

    def cost_values(self, x: np.ndarray) -> dict[str, float]:
        """Each cost term evaluated at column values x."""
        return {
            name: float(sum(float(p.coefs @ x[p.cols]) for p in parts))
            for name, parts in self.costs.items()
        }

    def bounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(lower, upper, integer) of every column in order."""
        lower = np.empty(self.n_cols)
        upper = np.empty(self.n_cols)
        integer = np.zeros(self.n_cols, dtype=bool)
        for b in self.columns.values():
            lower[b.start : b.stop] = b.lower
            upper[b.start : b.stop] = b.upper
            integer[b.start : b.stop] = b.integer
        return lower, upper, integer

    def row_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        lower = np.empty(self.n_rows)
        upper = np.empty(self.n_rows)
        for b in self.rows.values():
            lower[b.start : b.stop] = b.lower
            upper[b.start : b.stop] = b.upper
        return lower, upper

    def triplets(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every coefficient as (global row, global column, value)."""
        if not self.rows:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy(), np.zeros(0)
        rows = np.concatenate([b.row + b.start for b in self.rows.values()])
        cols = np.concatenate([b.col for b in self.rows.values()])
        vals = np.concatenate([b.val for b in self.rows.values()])
        return rows, cols, vals

    def matrix(self, fmt: str = "csc", index_dtype: type = np.int64) -> sp.csc_array | sp.csr_array:
        """The constraint matrix (duplicate entries summed, indices sorted); `index_dtype`
        np.int32 gives the indices HiGHS takes without another copy.

        The coordinates are written block by block straight into arrays of the index type,
        and scipy's counting sort (COO -> compressed, O(nnz)) groups them by column (by row
        for CSR); `sum_duplicates` then sorts within a column only where needed."""
        nnz = sum(len(b.val) for b in self.rows.values())
        small = max(self.n_rows, self.n_cols, nnz) < np.iinfo(np.int32).max
        index = np.int32 if small else np.int64
        rows = np.empty(nnz, dtype=index)
        cols = np.empty(nnz, dtype=index)
        vals = np.empty(nnz)
        at = 0
        for b in self.rows.values():
            n = len(b.val)
            np.add(b.row, b.start, out=rows[at : at + n], casting="unsafe")
            cols[at : at + n] = b.col
            vals[at : at + n] = b.val
            at += n
        if fmt == "csc":  # CSC of A = CSR of its transpose
            t = sp.coo_array((vals, (cols, rows)), shape=(self.n_cols, self.n_rows)).tocsr()
            out = sp.csc_array((t.data, t.indices, t.indptr), shape=(self.n_rows, self.n_cols))
        else:
            out = sp.coo_array((vals, (rows, cols)), shape=(self.n_rows, self.n_cols)).tocsr()
        out.sum_duplicates()
        wanted = index_dtype if small else np.int64
        if out.indices.dtype != wanted:
            out.indices = out.indices.astype(wanted)
            out.indptr = out.indptr.astype(wanted)
        return out

    @property
    def is_mip(self) -> bool:
        return any(b.integer and len(b) for b in self.columns.values())

    def column_block_of(self, col: int) -> Columns:
        for b in self.columns.values():
            if b.start <= col < b.stop:
                return b
        raise IndexError(col)

    def row_block_of(self, row: int) -> Rows:
        for b in self.rows.values():
            if b.start <= row < b.stop:
                return b
        raise IndexError(row)

    def size(self) -> dict[str, int]:
        """Columns, rows, non-zeros and integer columns: the formulation's size."""
        return {
            "columns": self.n_cols,
            "rows": self.n_rows,
            "nonzeros": int(sum(len(b.val) for b in self.rows.values())),
            "integer_columns": int(sum(len(b) for b in self.columns.values() if b.integer)),
        }

    def describe(self) -> pd.DataFrame:
        """One line per block: kind, name, count, non-zeros (for `write_lp` and tests)."""
        lines = [
            {"kind": "columns", "block": b.name, "count": len(b), "nonzeros": 0}
            for b in self.columns.values()
        ]
        lines += [
            {"kind": "rows", "block": b.name, "count": len(b), "nonzeros": len(b.val)}
            for b in self.rows.values()
        ]
        return pd.DataFrame(lines, columns=["kind", "block", "count", "nonzeros"])
