"""Speed yardstick: the LP of the spec (section 3) assembled directly as CSC arrays.

``baseline_lp(frames)`` builds, with numpy and pandas only (no per-nonzero Python loops and no
modelling layer), the continuous model of a workbook given as ``{sheet: DataFrame}`` (as made
by ``corridor.generate.generate_frames``) and hands it to HiGHS in one ``passModel`` call:

- flows ``x[c,r,t] >= 0`` (commodity units) for each contract row period and eligible route;
- shortfall ``s[c,t]`` in ``[0, volume]`` where a penalty applies (the contract's
  ``shortfall_penalty`` column, else the setting; ``none`` or blank = none);
- delivery ``sum_r x + s = volume``;
- node, leg and route capacity per period ``sum capacity_use[k] x <= capacity`` (node
  capacity counts every route node, origin and destination included);
- the default transit cap per scope (destination, commodity, period) and transit country of
  the scope's eligible routes: ``through - cap * total <= 0`` with one ``total`` column per
  scope and the row ``total - sum w x = 0`` (``w`` = capacity_use, or value_per_unit for
  ``share_basis = value``);
- objective ``sum unit_cost x + sum penalty s`` with the spec's unit cost.

Integer features (``fixed_cost``, ``min_volume``, lots) are ignored; ``Limits``,
``Capacities``, ``Expansions`` and contract ``routes`` lists are not supported (an error).

Only numpy, pandas and highspy are needed (scipy is not a project dependency): the CSC arrays
are written column by column in place, already sorted, so no sort or COO conversion is needed.

Run ``python benchmarks/baseline.py --size medium`` for timings.
"""

from __future__ import annotations

import argparse
import time

import highspy
import numpy as np
import pandas as pd

__all__ = ["baseline_lp", "solve_baseline"]

_UNSUPPORTED = ("limits", "capacities", "expansions", "scenarios")
_FALSE = {"no", "false", "0", "0.0", "n"}


def _norm(name: object) -> str:
    return str(name).strip().lower().replace(" ", "_")


def _text(s: pd.Series) -> pd.Series:
    """Ids as stripped text, blanks as NaN."""
    out = s.astype(object).where(s.notna(), None)
    out = out.map(lambda v: None if v is None else str(v).strip(), na_action="ignore")
    return out.where(out.notna() & (out != ""), np.nan)


def _num(df: pd.DataFrame, col: str, default: float) -> np.ndarray:
    if col not in df:
        return np.full(len(df), float(default))
    return pd.to_numeric(df[col], errors="raise").fillna(default).to_numpy(dtype=float)


def _share(value: object) -> float:
    if isinstance(value, str):
        v = value.strip()
        return float(v[:-1]) / 100 if v.endswith("%") else float(v)
    return float(value)


def _blank(value: object) -> bool:
    return (
        value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == ""
    )


def _settings(sheets: dict[str, pd.DataFrame]) -> dict[str, object]:
    out: dict[str, object] = {}
    df = sheets.get("settings")
    if df is not None:
        for name, value in zip(df["setting"], df["value"], strict=True):
            if not _blank(name) and not _blank(value):
                out[_norm(name)] = value
    return out


def baseline_lp(
    frames: dict[str, pd.DataFrame], *, via: str = "arrays"
) -> tuple[highspy.Highs, dict]:
    """Assemble the LP as CSC arrays and pass it to a new ``Highs`` (not solved).

    ``via="arrays"`` (default) hands the numpy arrays to the array overload of
    ``Highs.passModel`` (HiGHS copies them in C++); ``via="highslp"`` first fills a
    ``highspy.HighsLp`` (pybind copies each array element by element, about 1 s per 10M
    non-zeros, counted in ``assemble``) and passes that. Either way it is one ``passModel``.

    Returns the ``Highs`` object and ``{"assemble": s, "pass": s, "num_col", "num_row",
    "nnz", "num_flow"}``. Column order: flows, shortfalls, scope totals.
    """
    t0 = time.perf_counter()
    sheets = {_norm(k): v.rename(columns=_norm) for k, v in frames.items()}
    for name in _UNSUPPORTED:
        if name in sheets and len(sheets[name].dropna(how="all")):
            raise NotImplementedError(f"the baseline does not support the {name} sheet")
    settings = _settings(sheets)
    cap = settings.get("default_max_transit_share")
    cap = None if cap is None or str(cap).strip().lower() == "none" else _share(cap)
    by_value = str(settings.get("share_basis", "volume")).strip().lower() == "value"
    carbon = float(settings.get("carbon_price", 0) or 0)
    carry = float(settings.get("carrying_cost_rate", 0) or 0)
    incl_origin = str(settings.get("include_origin_country", "no")).strip().lower() in {
        "yes",
        "true",
        "1",
        "1.0",
        "x",
    }
    default_pen = settings.get("shortfall_penalty")
    default_pen = np.nan if default_pen is None else float(default_pen)

    # ---- periods, commodities, nodes, legs
    per = sheets.get("periods")
    periods = list(_text(per["period"]).dropna()) if per is not None else ["P1"]
    T = len(periods)
    com = sheets["commodities"]
    com_ids = pd.Index(_text(com["commodity"]))
    K = len(com_ids)
    cu = _num(com, "capacity_use", 1.0)
    cf = _num(com, "cost_factor", 1.0)
    vpu = _num(com, "value_per_unit", 0.0)

    nodes = sheets["nodes"]
    node_ids = pd.Index(_text(nodes["node"]))
    node_cap = _num(nodes, "capacity", np.inf)
    handling = _num(nodes, "handling_cost", 0.0)

    legs = sheets["legs"]
    leg_ids = pd.Index(_text(legs["leg"]))
    leg_from = node_ids.get_indexer(_text(legs["from"]))
    leg_to = node_ids.get_indexer(_text(legs["to"]))
    if (leg_from < 0).any() or (leg_to < 0).any():
        raise ValueError("a leg names an unknown node")
    leg_cost = _num(legs, "cost", 0.0)
    leg_days = _num(legs, "days", 0.0)
    leg_co2 = _num(legs, "co2", 0.0)
    leg_cap = _num(legs, "capacity", np.inf)
    leg_mode = _text(legs["mode"]).str.lower().to_numpy(dtype=object)

    # countries: one code space for node countries and leg `countries` lists
    node_country = _text(nodes["country"])
    lc = _text(legs["countries"]) if "countries" in legs else pd.Series(np.nan, index=legs.index)
    lc = lc.str.split(",").explode().str.strip()
    lc = lc[lc.notna() & (lc != "")]
    lc_leg = leg_ids.get_indexer(_text(legs["leg"]).loc[lc.index])
    country_codes, uniques = pd.factorize(pd.concat([node_country, lc], ignore_index=True))
    NC = len(uniques)
    node_cc = country_codes[: len(node_ids)]
    lc_cc = country_codes[len(node_ids) :]

    # ---- routes: legs, nodes, sums, transit countries
    routes = sheets["routes"]
    if "active" in routes:
        act = routes["active"]
        off = act.notna() & act.astype(str).str.strip().str.lower().isin(_FALSE)
        routes = routes[~off.to_numpy()]
    routes = routes.reset_index(drop=True)
    R = len(routes)
    ent = routes["legs"].astype(str).str.split(">").explode().str.strip()
    e_route = ent.index.to_numpy()
    e_leg = leg_ids.get_indexer(ent.to_numpy())
    if (e_leg < 0).any():
        raise ValueError("a route names an unknown leg")
    n_legs_r = np.bincount(e_route, minlength=R)
    first = np.cumsum(n_legs_r) - n_legs_r
    last = first + n_legs_r - 1
    origin_r = leg_from[e_leg[first]]
    dest_r = leg_to[e_leg[last]]
    rn_route = np.concatenate([np.arange(R), e_route])
    rn_node = np.concatenate([origin_r, leg_to[e_leg]])
    base_r = np.bincount(e_route, leg_cost[e_leg], R) + np.bincount(rn_route, handling[rn_node], R)
    days_r = np.bincount(e_route, leg_days[e_leg], R)
    co2_r = np.bincount(e_route, leg_co2[e_leg], R)
    route_cap = _num(routes, "capacity", np.inf)

    # transit countries per route, CSR sorted by (route, country)
    lc_order = np.argsort(lc_leg, kind="stable")
    lc_ptr = np.concatenate([[0], np.cumsum(np.bincount(lc_leg, minlength=len(leg_ids)))])
    lc_sorted = lc_cc[lc_order]
    n_lc = lc_ptr[e_leg + 1] - lc_ptr[e_leg]
    rep = np.repeat(np.arange(len(e_leg)), n_lc)
    off = np.arange(len(rep)) - np.repeat(np.cumsum(n_lc) - n_lc, n_lc)
    tr_r = np.concatenate([rn_route, e_route[rep]])
    tr_c = np.concatenate([node_cc[rn_node], lc_sorted[lc_ptr[e_leg[rep]] + off]])
    keep = tr_c != node_cc[dest_r[tr_r]]
    if not incl_origin:
        keep &= tr_c != node_cc[origin_r[tr_r]]
    tr_key = np.unique(tr_r[keep].astype(np.int64) * NC + tr_c[keep])
    tr_r, tr_c = tr_key // NC, tr_key % NC
    n_tr = np.bincount(tr_r, minlength=R)
    tr_ptr = np.cumsum(n_tr) - n_tr

    # capacitated elements: g = node | leg | route, rows g*T + t; CSR per route sorted by g
    nodes_capped = np.isfinite(node_cap)
    legs_capped = np.isfinite(leg_cap)
    routes_capped = np.isfinite(route_cap)
    g_node = np.cumsum(nodes_capped) - 1
    g_leg = nodes_capped.sum() + np.cumsum(legs_capped) - 1
    g_route = nodes_capped.sum() + legs_capped.sum() + np.cumsum(routes_capped) - 1
    cap_g = np.concatenate([node_cap[nodes_capped], leg_cap[legs_capped], route_cap[routes_capped]])
    G = len(cap_g)
    m_n = nodes_capped[rn_node]
    m_l = legs_capped[e_leg]
    cg_r = np.concatenate([rn_route[m_n], e_route[m_l], np.flatnonzero(routes_capped)])
    cg_g = np.concatenate([g_node[rn_node[m_n]], g_leg[e_leg[m_l]], g_route[routes_capped]])
    order = np.lexsort((cg_g, cg_r))
    cg_g = cg_g[order]
    n_cg = np.bincount(cg_r, minlength=R)
    cg_ptr = np.cumsum(n_cg) - n_cg

    # commodity eligibility: the route's `commodities` list decides alone, else `modes`
    allowed = np.ones((R, K), dtype=bool)
    if "modes" in com:
        for k, modes in enumerate(com["modes"]):
            if not _blank(modes):
                ok = {m.strip().lower() for m in str(modes).split(",")}
                bad = ~np.isin(leg_mode[e_leg], list(ok))
                allowed[:, k] = np.bincount(e_route, bad, R) == 0
    if "commodities" in routes:
        rc = _text(routes["commodities"])
        listed = rc.notna().to_numpy()
        if listed.any():
            allowed[listed] = False
            ex = rc[listed].str.split(",").explode().str.strip()
            kk = com_ids.get_indexer(ex.to_numpy())
            allowed[ex.index.to_numpy()[kk >= 0], kk[kk >= 0]] = True

    # ---- contracts -> demand rows (contract, period)
    ct = sheets["contracts"]
    if "routes" in ct and _text(ct["routes"]).notna().any():
        raise NotImplementedError("the baseline does not support contract routes lists")
    c_k = com_ids.get_indexer(_text(ct["commodity"]))
    c_o = node_ids.get_indexer(_text(ct["origin"]))
    c_d = node_ids.get_indexer(_text(ct["destination"]))
    if (c_k < 0).any() or (c_o < 0).any() or (c_d < 0).any():
        raise ValueError("a contract names an unknown commodity or node")
    c_vol = _num(ct, "volume", np.nan)
    c_per = _text(ct["period"]) if "period" in ct else pd.Series(np.nan, index=ct.index)
    c_t = pd.Index(periods).get_indexer(c_per.fillna(""))
    if ((c_t < 0) & c_per.notna().to_numpy()).any():
        raise ValueError("a contract names an unknown period")
    pen = np.full(len(ct), default_pen)
    if "shortfall_penalty" in ct:
        raw = ct["shortfall_penalty"].astype(object)
        is_none = raw.map(lambda v: isinstance(v, str) and v.strip().lower() == "none")
        given = ~raw.map(_blank) & ~is_none
        pen[is_none.to_numpy(dtype=bool)] = np.nan
        pen[given.to_numpy(dtype=bool)] = pd.to_numeric(raw[given]).to_numpy(dtype=float)
    every = c_per.isna().to_numpy()
    n_rep = np.where(every, T, 1)
    row = np.repeat(np.arange(len(ct)), n_rep)
    dr_t = np.where(
        every[row], np.arange(len(row)) - np.repeat(np.cumsum(n_rep) - n_rep, n_rep), c_t[row]
    )
    dr_k, dr_o, dr_d = c_k[row], c_o[row], c_d[row]
    dr_vol, dr_pen = c_vol[row], pen[row]
    n_dr = len(row)

    # ---- flows: demand row x eligible route (same origin and destination, commodity ok)
    NN = len(node_ids)
    r_od = origin_r.astype(np.int64) * NN + dest_r
    r_order = np.argsort(r_od, kind="stable")
    r_od_sorted = r_od[r_order]
    dr_od = dr_o.astype(np.int64) * NN + dr_d
    lo = np.searchsorted(r_od_sorted, dr_od, "left")
    cnt = np.searchsorted(r_od_sorted, dr_od, "right") - lo
    f_dr = np.repeat(np.arange(n_dr), cnt)
    f_r = r_order[np.repeat(lo, cnt) + np.arange(len(f_dr)) - np.repeat(np.cumsum(cnt) - cnt, cnt)]
    ok = allowed[f_r, dr_k[f_dr]]
    f_dr, f_r = f_dr[ok], f_r[ok]
    n_x = len(f_dr)
    f_k, f_t = dr_k[f_dr], dr_t[f_dr]
    f_cu = cu[f_k]
    f_w = vpu[f_k] if by_value else f_cu
    x_cost = (
        f_cu * (cf[f_k] * base_r[f_r] + carbon * co2_r[f_r])
        + vpu[f_k] * carry * days_r[f_r] / 365.0
    )

    # scopes (destination, commodity, period) and (scope, transit country) rows
    dr_scope_key = (dr_d.astype(np.int64) * K + dr_k) * T + dr_t
    scope_keys, dr_scope = np.unique(dr_scope_key, return_inverse=True)
    S = len(scope_keys)
    f_s = dr_scope[f_dr]
    use_cap = cap is not None
    n_tr_f = n_tr[f_r] if use_cap else np.zeros(n_x, dtype=np.int64)
    if use_cap:
        rep_f = np.repeat(np.arange(n_x), n_tr_f)
        j_tr = np.arange(len(rep_f)) - np.repeat(np.cumsum(n_tr_f) - n_tr_f, n_tr_f)
        st_key = f_s[rep_f].astype(np.int64) * NC + tr_c[tr_ptr[f_r[rep_f]] + j_tr]
        present = np.zeros(S * NC, dtype=bool)
        present[st_key] = True
        st_row = np.cumsum(present) - 1
        n_strow = int(present.sum())
    else:
        n_strow = 0

    # row blocks: delivery | capacity (g*T+t) | scope totals | transit caps
    CAP0 = n_dr
    TOT0 = CAP0 + G * T
    TR0 = TOT0 + (S if use_cap else 0)
    m_rows = TR0 + n_strow

    # ---- flow columns: delivery, capacities (sorted g), total, transit (sorted country)
    n_cg_f = n_cg[f_r]
    per_col = 1 + n_cg_f + ((1 + n_tr_f) if use_cap else 0)
    x_start = np.concatenate([[0], np.cumsum(per_col)])
    nnz_x = int(x_start[-1])
    index = np.empty(nnz_x, dtype=np.int32)
    value = np.empty(nnz_x, dtype=float)
    s0 = x_start[:-1]
    index[s0] = f_dr
    value[s0] = 1.0
    rep_c = np.repeat(np.arange(n_x), n_cg_f)
    j_c = np.arange(len(rep_c)) - np.repeat(np.cumsum(n_cg_f) - n_cg_f, n_cg_f)
    pos = s0[rep_c] + 1 + j_c
    index[pos] = CAP0 + cg_g[cg_ptr[f_r[rep_c]] + j_c] * T + f_t[rep_c]
    value[pos] = f_cu[rep_c]
    if use_cap:
        pos = s0 + 1 + n_cg_f
        index[pos] = TOT0 + f_s
        value[pos] = -f_w
        pos = s0[rep_f] + 2 + n_cg_f[rep_f] + j_tr
        index[pos] = TR0 + st_row[st_key]
        value[pos] = f_w[rep_f]

    # ---- shortfall columns, then one total column per scope
    has_s = np.flatnonzero(~np.isnan(dr_pen))
    n_s = len(has_s)
    s_index = has_s.astype(np.int32)
    s_value = np.ones(n_s)
    if use_cap:
        keys = np.flatnonzero(present)
        st_scope = keys // NC
        n_per_scope = np.bincount(st_scope, minlength=S)
        t_start = np.cumsum(1 + n_per_scope) - (1 + n_per_scope)
        t_index = np.empty(S + len(keys), dtype=np.int32)
        t_value = np.empty(S + len(keys))
        t_index[t_start] = TOT0 + np.arange(S)
        t_value[t_start] = 1.0
        j = np.arange(len(keys)) - (np.cumsum(n_per_scope) - n_per_scope)[st_scope]
        t_index[t_start[st_scope] + 1 + j] = TR0 + np.arange(len(keys))
        t_value[t_start[st_scope] + 1 + j] = -cap
        n_tot = S
        t_counts = 1 + n_per_scope
    else:
        t_index = np.empty(0, dtype=np.int32)
        t_value = np.empty(0)
        n_tot = 0
        t_counts = np.empty(0, dtype=np.int64)

    n_col = n_x + n_s + n_tot
    start = np.concatenate(
        [x_start, nnz_x + np.arange(1, n_s + 1), nnz_x + n_s + np.cumsum(t_counts)]
    ).astype(np.int32)
    index = np.concatenate([index, s_index, t_index])
    value = np.concatenate([value, s_value, t_value])

    inf = highspy.kHighsInf
    col_cost = np.concatenate([x_cost, dr_pen[has_s], np.zeros(n_tot)])
    col_lower = np.zeros(n_col)
    col_upper = np.concatenate([np.full(n_x, inf), dr_vol[has_s], np.full(n_tot, inf)])
    row_lower = np.concatenate(
        [dr_vol, np.full(G * T, -inf), np.zeros(S if use_cap else 0), np.full(n_strow, -inf)]
    )
    row_upper = np.concatenate(
        [dr_vol, np.repeat(cap_g, T), np.zeros(S if use_cap else 0), np.zeros(n_strow)]
    )

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if via == "highslp":
        lp = highspy.HighsLp()
        lp.num_col_ = n_col
        lp.num_row_ = m_rows
        lp.col_cost_ = col_cost
        lp.col_lower_ = col_lower
        lp.col_upper_ = col_upper
        lp.row_lower_ = row_lower
        lp.row_upper_ = row_upper
        a = lp.a_matrix_
        a.format_ = highspy.MatrixFormat.kColwise
        a.num_col_ = n_col
        a.num_row_ = m_rows
        a.start_ = start
        a.index_ = index
        a.value_ = value
        t1 = time.perf_counter()
        status = h.passModel(lp)
    elif via == "arrays":
        t1 = time.perf_counter()
        status = h.passModel(
            n_col,
            m_rows,
            len(index),
            int(highspy.MatrixFormat.kColwise),
            int(highspy.ObjSense.kMinimize),
            0.0,
            col_cost,
            col_lower,
            col_upper,
            row_lower,
            row_upper,
            start[:n_col],
            index,
            value,
            # all continuous (highspy reads this array even when it is empty)
            np.zeros(n_col, dtype=np.int32),
        )
    else:
        raise ValueError("via must be 'arrays' or 'highslp'")
    t2 = time.perf_counter()
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the baseline LP")
    info = {
        "assemble": t1 - t0,
        "pass": t2 - t1,
        "num_col": n_col,
        "num_row": m_rows,
        "nnz": int(len(index)),
        "num_flow": n_x,
        # what a results writer needs of each flow column: contract row, route, period, cost
        "flow_row": row[f_dr],
        "flow_route": f_r,
        "flow_period": f_t,
        "flow_cost": x_cost,
        "contract_ids": _text(ct["contract"]).to_numpy(dtype=object),
        "route_ids": _text(routes["route"]).to_numpy(dtype=object),
        "periods": np.asarray(periods, dtype=object),
    }
    return h, info


def solve_baseline(frames: dict[str, pd.DataFrame], *, via: str = "arrays", **options) -> dict:
    """Assemble, pass and solve; ``options`` are HiGHS options (e.g. ``time_limit=60``).

    Returns the ``baseline_lp`` info plus ``{"solve": s, "status": str, "objective": float}``
    (``objective`` is NaN without an optimal solution).
    """
    h, info = baseline_lp(frames, via=via)
    for name, val in options.items():
        h.setOptionValue(name, val)
    t0 = time.perf_counter()
    h.run()
    info["solve"] = time.perf_counter() - t0
    status = h.getModelStatus()
    info["status"] = h.modelStatusToString(status)
    optimal = status == highspy.HighsModelStatus.kOptimal
    info["objective"] = h.getInfo().objective_function_value if optimal else float("nan")
    return info


def main(argv: list[str] | None = None) -> int:
    from corridor.generate import SIZES, generate_frames

    p = argparse.ArgumentParser(description="Baseline LP: assemble, pass (and solve) timings.")
    p.add_argument("--size", choices=sorted(SIZES), default="small")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--via", choices=["arrays", "highslp"], default="arrays")
    p.add_argument("--no-solve", action="store_true", help="only assemble and pass")
    p.add_argument("--time-limit", type=float, help="HiGHS time_limit in seconds")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    frames = generate_frames(**SIZES[args.size], seed=args.seed)
    info = {"generate": time.perf_counter() - t0}
    if args.no_solve:
        info.update(baseline_lp(frames, via=args.via)[1])
    else:
        options = {} if args.time_limit is None else {"time_limit": args.time_limit}
        info.update(solve_baseline(frames, via=args.via, **options))
    timed = ("generate", "assemble", "pass", "solve")
    print(
        f"size={args.size} via={args.via} "
        + " ".join(f"{k}={v:.3f}s" if k in timed else f"{k}={v}" for k, v in info.items())
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
