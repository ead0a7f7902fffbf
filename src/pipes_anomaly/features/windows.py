"""Window features: the window table, its history, peers, and the features frame.

:func:`window_table` aggregates the records per actor and window (the base counts a profile
keeps too); :func:`history_features` compares each window with the actor's earlier ones
(profile and data); :func:`off_hours` flags records outside the actor's usual hours; and
:func:`assemble` turns all of it, with peers in the same window, into the features frame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipes_anomaly.catalog import FEATURE_COLUMNS, FEATURE_DESCRIPTIONS
from pipes_anomaly.features._kernels import (
    _EarlierRows,
    _exclusive_cumsum,
    _log1p,
    _nunique_per_row,
    _peak_counts,
    _robust_z,
)
from pipes_anomaly.features.records import (
    _CATEGORIES,
    _NS_DAY,
    _NS_HOUR,
    _NS_MIN,
    RecordCodes,
    RecordFlags,
    Records,
    event_column,
)
from pipes_anomaly.schema import ACTION_TYPES

_N_HOURS = 24
_HOURS = tuple(f"h{h:02d}" for h in range(_N_HOURS))
_PRIOR_HOURS = tuple(f"_prior_h{h:02d}" for h in range(_N_HOURS))  # earlier active days per hour
_BASE_STATS = ("log_events", "log_destructive", "log_org_management", "log_workspaces", "log_ips")
_TRAIL_COUNTS = ("n_events", "n_connection_create", "n_pipeline_run")
#: Window counts with trailing and sustained growth features, and the name each feature uses.
_TRAIL_NAMES = {
    "n_events": "events",
    "n_connection_create": "connections",
    "n_pipeline_run": "runs",
}
#: per-type window counts of the real action types (types outside the schema never decide
#: a score), read for the growth of whichever type grows most
_TYPE_COUNTS = tuple(f"n_type:{a}" for a in ACTION_TYPES)
_TRAIL_DAYS = 7  # trailing span of day (or longer) windows, in windows
#: Earlier windows (before the trailing span) needed to estimate an actor's rate.  Few
#: enough that a training period of a few weeks has the trailing features defined for
#: most of its windows: a detector never sees a feature that was always 0 in training
#: turn on in scoring merely because history grew long enough.
_MIN_RATE_WINDOWS = 3
_SUSTAIN_WINDOWS = 2  # active windows that must all stay above the actor's rate
_OFF_HOURS_P = 0.12  # an hour is unusual below this smoothed share of earlier active days
_OFF_HOURS_PRIOR = 0.5  # pseudo-days at every hour: little history flags nothing
_NEIGHBOUR_HOUR_WEIGHT = 0.5  # an hour borrows this share of its neighbours' active days
_CLOSENESS_MINUTES = 60.0  # switch closeness falls by 1/e per this many minutes of gap
_MIN_PEERS = 3  # fewest actors in an organisation's group to compare against it
_PROCESS_SHARE = 0.5  # windows mostly run by a process are compared with each other
#: pseudo-records made by hand in every actor's history: an actor acts by hand until its
#: records show that it runs in processes
_HAND_PRIOR = 1.0
#: the actor's habit of records by hand is read over its last this many active windows, so
#: that a habit changed for good (automation moved to a token) stops counting
_HAND_HABIT_WINDOWS = 14
#: records by hand count only for an actor whose earlier records were at most this share by
#: hand, and at least this many: automation; a person also starts tasks that run as
#: processes, and a few records tell no habit
_AUTOMATION_HAND_SHARE = 0.5
_AUTOMATION_MIN_RECORDS = 20
_MAD_TO_SD = 1.4826  # median absolute deviation of a normal distribution, in standard deviations
_PEER_INPUTS = (
    "share_process",
    "log_events",
    "log_destructive",
    "log_org_management",
    "log_workspaces",
    "trail_connections_vs_self",
    "trail_runs_vs_self",
)


def _trail_windows(wns: int) -> int:
    """Trailing span for the slow scale: a week of day windows, else one day of windows."""
    return _TRAIL_DAYS if wns >= _NS_DAY else _NS_DAY // wns


def _count(codes: RecordCodes, mask: np.ndarray) -> np.ndarray:
    """Count the records per window row among those where ``mask`` holds."""
    return np.bincount(codes.rows[mask], minlength=codes.n_rows).astype(np.float64)


def window_table(codes: RecordCodes, flags: RecordFlags) -> pd.DataFrame:
    """Window aggregates of the records (one row per actor-window), no history.

    Parameters
    ----------
    codes : RecordCodes
        The records' codes.
    flags : RecordFlags
        The records' own flags.

    Returns
    -------
    DataFrame
        ``actor_id, win`` (window index since the epoch), counts ``n_*``, ``last_t``, hour
        counts ``h00..h23`` and log values ``log_*``; row ``i`` is window row ``i``.
    """
    r, nr = codes.rows, codes.n_rows
    n_events = np.bincount(r, minlength=nr).astype(np.float64)
    hours = np.bincount(r * _N_HOURS + codes.hours, minlength=nr * _N_HOURS).reshape(nr, _N_HOURS)
    out = {
        "actor_id": np.asarray(codes.actor_index, dtype=object)[codes.row_actors],
        "win": codes.row_windows,
        "n_events": n_events,
        "n_destructive": _count(codes, flags.is_destructive),
        "n_org_management": _count(codes, flags.is_org_management),
        "n_connection_create": _count(codes, flags.is_connection_create),
        "n_pipeline_run": _count(codes, flags.is_pipeline_run),
        "n_process": _count(codes, flags.has_process),
        "n_workspaces": _nunique_per_row(r, codes.workspace_codes, nr),
        "n_ips": _nunique_per_row(r, codes.ip_codes, nr),
        "last_t": np.full(nr, -1, dtype=np.int64),
    }
    if codes.n_records:
        np.maximum.at(out["last_t"], r, codes.times)
    out |= _type_counts(codes)
    hours = hours.astype(np.float64)
    for h in range(_N_HOURS):
        out[_HOURS[h]] = hours[:, h]
    for c in ("events", "destructive", "org_management", "workspaces", "ips"):
        out[f"log_{c}"] = _log1p(out[f"n_{c}"])
    return pd.DataFrame(out)


def _type_positions(codes: RecordCodes) -> np.ndarray:
    """Each record's action type as a position in ``schema.ACTION_TYPES`` (-1: another type)."""
    position = pd.Index(ACTION_TYPES).get_indexer(codes.action_index)
    ac = codes.action_codes
    return np.where(ac >= 0, position[np.maximum(ac, 0)], -1) if len(position) else ac


def _type_counts(codes: RecordCodes) -> dict[str, np.ndarray]:
    """Count the records of each real action type per window row."""
    n_types = len(ACTION_TYPES)
    per_record = _type_positions(codes)
    known = per_record >= 0
    flat = codes.rows[known].astype(np.int64) * n_types + per_record[known]
    counts = np.bincount(flat, minlength=codes.n_rows * n_types).reshape(codes.n_rows, n_types)
    counts = counts.astype(np.float64)
    return {c: counts[:, i] for i, c in enumerate(_TYPE_COUNTS)}


# --------------------------------------------------------------------------- history


def history_features(
    base: pd.DataFrame, earlier_windows: pd.DataFrame | None, window_ns: int
) -> pd.DataFrame:
    """History features per window row, from the profile's and the data's earlier windows.

    Parameters
    ----------
    base : DataFrame
        The window table of the data (:func:`window_table`).
    earlier_windows : DataFrame, optional
        A profile's window table; only its windows before the data's first are used.
    window_ns : int
        Window length in ns.

    Returns
    -------
    DataFrame
        Aligned to ``base``: recency, baselines (``*_vs_self``), trailing and sustained
        growth, ``trend_slope``, records made by hand beyond the actor's habit, and the
        earlier active days per hour (``_prior_h00..23``,
        ``_prior_days``) that :func:`off_hours` reads, and the action types that grew most
        (``_trail_type``, ``_sustained_type``: positions in ``schema.ACTION_TYPES``, -1 for
        none) that :func:`grown_types` reads.
    """
    missing = [
        c
        for c in ("n_process", *_TYPE_COUNTS)
        if earlier_windows is not None and c not in earlier_windows.columns
    ]
    if missing:
        raise ValueError(
            f"the actor profile has no {missing[0]} column: it was built by an older version "
            "of pipes-anomaly; rebuild it with ActorProfile.from_events"
        )
    comb = _with_earlier_windows(base, earlier_windows)
    g = comb.groupby("actor_id", sort=False)
    # rows are in actor blocks: where each row's block starts
    a_codes = pd.factorize(comb["actor_id"])[0]
    start = np.r_[True, a_codes[1:] != a_codes[:-1]][: len(comb)]  # no rows: empty
    block_start = np.maximum.accumulate(np.where(start, np.arange(len(comb)), 0))
    out = _recency(comb, g, window_ns)
    out |= _baselines(comb, g, block_start)
    out |= _usual_hours(comb, start, block_start, window_ns)
    out |= _growth(comb, a_codes, block_start, window_ns)
    out |= _hand_records(comb, block_start)
    out["_cur"] = comb["_cur"].to_numpy()
    table = pd.DataFrame(out, index=comb.index)
    table = table[table["_cur"] >= 0].sort_values("_cur").drop(columns="_cur")
    return table.reset_index(drop=True)


def _with_earlier_windows(base: pd.DataFrame, earlier: pd.DataFrame | None) -> pd.DataFrame:
    """Put the profile's earlier windows (``_cur`` -1) with the data's (``_cur``: row in base)."""
    cur = base.copy()
    cur["_cur"] = np.arange(len(cur))
    if earlier is not None and len(earlier):
        hist = earlier[earlier["win"] < cur["win"].min()] if len(cur) else earlier
        hist = hist.assign(_cur=-1)
        comb = pd.concat([hist, cur], ignore_index=True)
    else:
        comb = cur
    return comb.sort_values(["actor_id", "win"], kind="stable", ignore_index=True)


def _recency(
    comb: pd.DataFrame, g: pd.api.typing.DataFrameGroupBy, window_ns: int
) -> dict[str, np.ndarray]:
    """Whether the actor is new, and the days since its previous window.

    Whole UTC days on which the log holds no record of anyone are not counted: a missing
    export or a day everyone was off is not the actor's absence.
    """
    prev_last = g["last_t"].shift(1)
    wstart = comb["win"].to_numpy() * window_ns
    seen = prev_last.notna().to_numpy()
    last = prev_last.fillna(0).to_numpy()
    days = (wstart - last) / _NS_DAY
    active = np.unique(wstart // _NS_DAY)  # the UTC days with a window of anyone
    after = last.astype(np.int64) // _NS_DAY + 1  # whole days strictly between the two
    before = wstart // _NS_DAY
    between = np.maximum(before - after, 0)
    # an earlier record of the same day has no day between (before < after): nothing logged
    logged = np.maximum(np.searchsorted(active, before) - np.searchsorted(active, after), 0)
    days = days - np.where(seen, between - logged, 0)  # the silent days between
    return {
        "is_new_actor": (~seen).astype(np.float64),
        "days_since_last_seen": np.where(seen, np.log1p(np.maximum(days, 0)), 0.0),
    }


def _baselines(
    comb: pd.DataFrame, g: pd.api.typing.DataFrameGroupBy, block_start: np.ndarray
) -> dict[str, np.ndarray]:
    """Robust z of each base log value against the actor's earlier windows (``X_vs_self``)."""
    # median and spread of earlier windows' log values
    cols = list(_BASE_STATS)  # log_X -> X_vs_self
    # median of the actor's earlier windows: one rolling pass whose window for each row is
    # its block's rows before it (empty, so NaN, for the first)
    med = comb[cols].rolling(_EarlierRows(block_start), min_periods=1).median()
    csum = g[cols].cumsum()
    csq = (comb[cols] ** 2).groupby(comb["actor_id"], sort=False).cumsum()
    k = g.cumcount().to_numpy().astype(np.float64)  # earlier windows count
    prev_sum = csum - comb[cols]
    prev_sq = csq - comb[cols] ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = prev_sum.to_numpy() / k[:, None]
        var = prev_sq.to_numpy() / k[:, None] - mean**2
    std = np.sqrt(np.maximum(np.nan_to_num(var, nan=0.0), 0.0))
    out = {}
    for j, c in enumerate(cols):
        z = _robust_z(comb[c].to_numpy(), med[c].to_numpy(), std[:, j])
        out[c.removeprefix("log_") + "_vs_self"] = np.where(k > 0, z, 0.0)
    return out


def _hand_records(comb: pd.DataFrame, block_start: np.ndarray) -> dict[str, np.ndarray]:
    """Count the records made by hand beyond an automation account's earlier share of them."""
    n = comb["n_events"].to_numpy(dtype=np.float64)
    hand = n - comb["n_process"].to_numpy(dtype=np.float64)
    before = _exclusive_cumsum(np.column_stack([n, hand]), block_start)  # all earlier rows
    oldest = np.maximum(np.arange(len(comb)) - _HAND_HABIT_WINDOWS, block_start)
    earlier = before - before[oldest]  # the last _HAND_HABIT_WINDOWS of them
    share = (earlier[:, 1] + _HAND_PRIOR) / (earlier[:, 0] + _HAND_PRIOR)
    automation = (share <= _AUTOMATION_HAND_SHARE) & (earlier[:, 0] >= _AUTOMATION_MIN_RECORDS)
    beyond = np.where(automation, np.floor(hand - n * share), 0.0)
    return {"log_hand_records": _log1p(np.maximum(beyond, 0.0))}


def _usual_hours(
    comb: pd.DataFrame, start: np.ndarray, block_start: np.ndarray, window_ns: int
) -> dict[str, np.ndarray]:
    """On how many earlier days the actor was active at each hour, and on how many at all."""
    # counting days, not events, so that one long night does not make its hours usual
    present = (comb[list(_HOURS)].to_numpy() > 0).astype(np.int32)
    prior = _exclusive_cumsum(present, block_start).astype(np.float64)
    out = {name: prior[:, h] for h, name in enumerate(_PRIOR_HOURS)}
    day = comb["win"].to_numpy() * window_ns // _NS_DAY
    new_day = start | np.r_[True, day[1:] != day[:-1]][: len(comb)]
    out["_prior_days"] = _exclusive_cumsum(new_day.astype(np.float64)[:, None], block_start)[:, 0]
    return out


def _growth(
    comb: pd.DataFrame, a_codes: np.ndarray, block_start: np.ndarray, window_ns: int
) -> dict[str, np.ndarray]:
    """Trailing and sustained growth of the window counts against the actor's rate; trend."""
    # slow scale: trailing sums and slope over T calendar windows
    T = _trail_windows(window_ns)
    win = comb["win"].to_numpy()
    span = int(win.max() - win.min() + T + 1) if len(win) else 1
    key = a_codes.astype(np.int64) * span + (win - (win.min() if len(win) else 0))
    j = np.searchsorted(key, key - T + 1, side="left")  # first row of each trailing span
    first_win = win[block_start]
    hist_windows = (win - T + 1) - first_win
    # ... and sustained growth: the fewest records in any of the actor's last K active
    # windows against its per-active-window mean before them (a single burst does not echo)
    pos = np.arange(len(comb))
    lo = pos - _SUSTAIN_WINDOWS + 1
    n_before = lo - block_start
    lo_c = np.clip(lo, 0, None)
    out = {}
    for c in _TRAIL_COUNTS:
        x = comb[c].to_numpy(dtype=np.float64)
        cs = np.r_[0.0, np.cumsum(x)]
        trail = cs[pos + 1] - cs[j]
        hist_sum = cs[j] - cs[block_start]
        what = _TRAIL_NAMES[c]
        out[f"trail_{what}_vs_self"] = _trailing_ratio(x, trail, hist_sum, hist_windows, T)
        low = x.copy()  # minimum over this and the K-1 earlier windows of the same actor
        for back in range(1, _SUSTAIN_WINDOWS):
            same = pos - back >= block_start
            low[same] = np.minimum(low[same], x[pos[same] - back])
        before = cs[lo_c] - cs[block_start]
        out[f"sustained_{what}_vs_self"] = _sustained_ratio(low, before, n_before)
    type_counts = _TypeCounts(comb[list(_TYPE_COUNTS)].to_numpy(dtype=np.float64), block_start)
    trail, trail_type = type_counts.trailing_growth(j, hist_windows, T)
    sustained, sustained_type = type_counts.sustained_growth()
    out["trail_action_vs_self"] = trail
    out["sustained_action_vs_self"] = sustained
    # the type whose records are each feature's evidence (-1: none grew)
    out["_trail_type"] = trail_type
    out["_sustained_type"] = sustained_type
    out["trend_slope"] = _trend_slope(comb["log_events"].to_numpy(), win, j, first_win, T)
    return out


def _trailing_ratio(
    x: np.ndarray, trail: np.ndarray, hist_sum: np.ndarray, hist_windows: np.ndarray, T: int
) -> np.ndarray:
    """``log`` of the trailing ``T`` windows' count against the rate before them (0 undefined).

    Capped by the window's own ratio: while the current window is not above the rate, a
    one-day burst would otherwise echo through the next ``T - 1`` windows.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = hist_sum / hist_windows
        ratio = np.log((trail + 1) / (rate * T + 1))
        now = np.log((x + 1) / (rate + 1))
    growth = np.nan_to_num(np.minimum(ratio, np.nan_to_num(now)))
    return np.where(hist_windows >= _MIN_RATE_WINDOWS, growth, 0.0)


def _sustained_ratio(low: np.ndarray, before: np.ndarray, n_before: np.ndarray) -> np.ndarray:
    """``log`` of the fewest records of the last active windows against the mean before them."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = before / n_before
        ratio = np.log((low + 1) / (np.nan_to_num(mean) + 1))
    return np.where(n_before >= _MIN_RATE_WINDOWS, ratio, 0.0)


class _TypeCounts:
    """The window rows' counts per action type, kept where they are not 0.

    A type the window does not hold cannot have grown in it, so only the (row, type) cells
    with records are read: sorted by type, then row, each type's rows of one actor form a
    run whose running sum gives any span's count by two lookups.
    """

    def __init__(self, counts: np.ndarray, block_start: np.ndarray) -> None:
        n = counts.shape[0]
        rows, types = np.nonzero(counts)
        self.key = types.astype(np.int64) * max(n, 1) + rows  # increasing: type, then row
        order = np.argsort(self.key, kind="stable")
        self.key, self.rows, self.types = self.key[order], rows[order], types[order]
        self.x = counts[self.rows, self.types]
        self.cum = np.r_[0.0, np.cumsum(self.x)]  # self.cum[i]: sum of the cells before i
        self.type_base = self.types.astype(np.int64) * max(n, 1)
        self.block_start = block_start[self.rows]
        self.n = n

    def _sum_from(self, first_row: np.ndarray) -> np.ndarray:
        """Each cell's type summed over the rows from ``first_row`` up to the cell's row."""
        at = np.searchsorted(self.key, self.type_base + first_row, side="left")
        return self.cum[np.arange(len(self.key)) + 1] - self.cum[at]

    def trailing_growth(
        self, j: np.ndarray, hist_windows: np.ndarray, T: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """``trail_*_vs_self`` of the type that grew most in each row, and which (0, -1: none)."""
        trail = self._sum_from(j[self.rows])
        hist_sum = self._sum_from(self.block_start) - trail
        return self._largest(_trailing_ratio(self.x, trail, hist_sum, hist_windows[self.rows], T))

    def sustained_growth(self) -> tuple[np.ndarray, np.ndarray]:
        """``sustained_*_vs_self`` of the type that grew most in each row, and which."""
        low = self.x.copy()
        cell = np.arange(len(self.key))
        for back in range(1, _SUSTAIN_WINDOWS):
            # the same type in the actor's window ``back`` rows earlier, else none (0)
            earlier = np.maximum(cell - back, 0)
            held = (cell - back >= 0) & (self.key[earlier] == self.key - back)
            held &= self.rows - back >= self.block_start
            low = np.where(held, np.minimum(low, self.x[earlier]), 0.0)
        lo = self.rows - _SUSTAIN_WINDOWS + 1
        before = self._sum_from(self.block_start) - self._sum_from(np.maximum(lo, self.block_start))
        return self._largest(_sustained_ratio(low, before, lo - self.block_start))

    def _largest(self, growth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each row's largest positive growth over its cells (0 if none) and its type (-1).

        Among equal growths the first type counts, as ``argmax`` would take it.
        """
        top = np.zeros(self.n)
        which = np.full(self.n, -1, dtype=np.int64)
        cells = np.flatnonzero(growth > 0)
        if len(cells):
            # by row, then growth, then type from the last: each row's last cell is its pick
            order = cells[np.lexsort((-self.types[cells], growth[cells], self.rows[cells]))]
            rows = self.rows[order]
            last = order[np.r_[rows[1:] != rows[:-1], True]]
            top[self.rows[last]] = growth[last]
            which[self.rows[last]] = self.types[last]
        return top, which


def _trend_slope(
    y: np.ndarray, win: np.ndarray, j: np.ndarray, first_win: np.ndarray, T: int
) -> np.ndarray:
    """Least-squares slope of ``y`` over each row's trailing ``T`` calendar windows."""
    # summed row by row from the window back, never by differences of running sums over
    # the whole table: a window's value must not depend on what else is featurised with it
    pos = np.arange(len(y))
    cov = np.zeros(len(y))
    for back in range(T):
        ok = pos - back >= j
        rows = pos[ok] - back
        offset = win[rows] - win[ok] + (T - 1)  # 0 for the oldest window of the span
        cov[ok] += (offset - (T - 1) / 2) * y[rows]
    var_t = T * (T**2 - 1) / 12
    return np.where(win - first_win >= 1, cov / var_t, 0.0)


def off_hours(history: pd.DataFrame, codes: RecordCodes) -> np.ndarray:
    """Flag the records outside the hours their actor was usually active before the window.

    Parameters
    ----------
    history : DataFrame
        History features of the window rows (:func:`history_features`).
    codes : RecordCodes
        The records' codes.

    Returns
    -------
    ndarray
        One boolean per record.
    """
    # days on which the actor was active at each hour, before this window (aligned to
    # data rows), and the number of earlier active days
    days = history[list(_PRIOR_HOURS)].to_numpy(dtype=np.float64)
    n_days = history["_prior_days"].to_numpy(dtype=np.float64)[:, None]
    neighbours = np.roll(days, 1, axis=1) + np.roll(days, -1, axis=1)
    smooth = days + _NEIGHBOUR_HOUR_WEIGHT * neighbours
    p = (smooth + _OFF_HOURS_PRIOR) / (n_days + 2 * _OFF_HOURS_PRIOR)
    if not codes.n_records:
        return np.zeros(0, dtype=bool)
    return p[codes.rows, codes.hours] < _OFF_HOURS_P


def grown_types(history: pd.DataFrame, codes: RecordCodes) -> tuple[np.ndarray, np.ndarray]:
    """Flag the records of the action types that grew most in their window, if any did.

    Parameters
    ----------
    history : DataFrame
        History features of the window rows (:func:`history_features`).
    codes : RecordCodes
        The records' codes.

    Returns
    -------
    is_grown_type, is_sustained_type : ndarray
        One boolean per record each: of the type whose trailing growth is
        ``trail_action_vs_self``, and of the type whose sustained growth is
        ``sustained_action_vs_self`` (the evidence of each).
    """
    if not codes.n_records:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    position = _type_positions(codes)
    out = []
    for column in ("_trail_type", "_sustained_type"):
        grown = history[column].to_numpy(dtype=np.int64)[codes.rows]
        out.append((grown >= 0) & (position == grown))
    return out[0], out[1]


def _peers(df: pd.DataFrame, identity: np.ndarray) -> pd.DataFrame:
    """Robust z of a few window values against peers in the same window."""
    kind = (df["share_process"].to_numpy() > _PROCESS_SHARE).astype(np.int64)
    org = pd.factorize(pd.Series(identity, dtype=object).fillna("").to_numpy())[0]
    win = pd.factorize(df["win"].to_numpy())[0].astype(np.int64)
    # integer group ids: (window, kind) and (window, org, kind)
    by_kind = win * 2 + kind
    by_org = pd.factorize(by_kind * (int(org.max()) + 1 if len(org) else 1) + org)[0]
    size = np.bincount(by_org)[by_org] if len(by_org) else np.zeros(0, np.int64)
    use_org = size >= _MIN_PEERS
    pairs = (
        ("log_events", "events_vs_peers"),
        ("log_destructive", "destructive_vs_peers"),
        ("log_org_management", "org_management_vs_peers"),
        ("log_workspaces", "workspaces_vs_peers"),
        # growth against the peers' growth: a rise the whole peer group shares is less
        # telling than one actor rising alone
        ("trail_connections_vs_self", "connections_growth_vs_peers"),
        ("trail_runs_vs_self", "runs_growth_vs_peers"),
    )
    x = pd.DataFrame({name: df[col].to_numpy() for col, name in pairs})
    zs = []
    for g in (by_kind, by_org):  # all columns in one grouped pass each
        med = x.groupby(g, sort=False).transform("median")
        mad = (x - med).abs().groupby(g, sort=False).transform("median") * _MAD_TO_SD
        zs.append(_robust_z(x.to_numpy(), med.to_numpy(), mad.to_numpy()))
    out = np.where(use_org[:, None], zs[1], zs[0])
    return pd.DataFrame(out, columns=x.columns, index=df.index)


# --------------------------------------------------------------------------- features frame


def assemble(
    events: pd.DataFrame,
    records: Records,
    base: pd.DataFrame,
    history: pd.DataFrame,
    is_off_hours: np.ndarray,
) -> pd.DataFrame:
    """Return the features frame: key columns, then ``FEATURE_COLUMNS``.

    Parameters
    ----------
    events : DataFrame
        Events frame the records were read from.
    records : Records
        Its codes and flags.
    base : DataFrame
        Its window table (:func:`window_table`).
    history : DataFrame
        History features of the window rows (:func:`history_features`).
    is_off_hours : ndarray
        Per record: outside its actor's usual hours (:func:`off_hours`).

    Returns
    -------
    DataFrame
        As :func:`pipes_anomaly.features.build_features` returns it.
    """
    codes = records.codes
    keys = _key_columns(events, codes, base)
    f = _activity_features(codes, records.flags, base)
    f |= _network_features(records, base)
    f |= _time_features(codes, records.flags, base, is_off_hours)
    f |= _lifetime_features(records)
    f |= _novelty_features(records)
    for c in history.columns:
        if c in FEATURE_DESCRIPTIONS:
            f[c] = history[c].to_numpy()
    identity = event_column(events, "identity_id")
    peers = _peers(
        pd.DataFrame({c: f[c] for c in _PEER_INPUTS} | {"win": codes.row_windows}),
        identity.iloc[codes.first_records].to_numpy()
        if codes.n_records
        else np.zeros(0, dtype=object),
    )
    for c in peers:
        f[c] = peers[c].to_numpy()
    return _sorted_frame(keys, f, codes)


def _key_columns(events: pd.DataFrame, codes: RecordCodes, base: pd.DataFrame) -> pd.DataFrame:
    """Key columns of the window rows (``schema.KEY_COLUMNS``), in window-row order."""
    n, fr = codes.n_records, codes.first_records
    wstart = codes.row_windows * codes.window_ns
    return pd.DataFrame(
        {
            "actor_id": base["actor_id"].to_numpy(),
            "actor_handle": event_column(events, "actor_handle").iloc[fr].to_numpy() if n else [],
            "identity_handle": (
                event_column(events, "identity_handle").iloc[fr].to_numpy() if n else []
            ),
            "window_start": pd.to_datetime(wstart, unit="ns", utc=True),
            "window_end": pd.to_datetime(wstart + codes.window_ns, unit="ns", utc=True),
            "n_events": base["n_events"].to_numpy().astype(np.int64),
        }
    )


def _activity_features(
    codes: RecordCodes, flags: RecordFlags, base: pd.DataFrame
) -> dict[str, np.ndarray]:
    """Volume, variety and mix of the window's actions."""
    r, nr = codes.rows, codes.n_rows
    ne = base["n_events"].to_numpy()
    f: dict[str, np.ndarray] = {}
    f["log_events"] = base["log_events"].to_numpy()
    f["log_action_types"] = _log1p(_nunique_per_row(r, codes.action_codes, nr))
    f["log_targets"] = _log1p(_nunique_per_row(r, codes.target_codes, nr))
    f["log_workspaces"] = base["log_workspaces"].to_numpy()
    f["log_identities"] = _log1p(_nunique_per_row(r, codes.identity_codes, nr))
    n_cats = len(_CATEGORIES)
    cats = np.bincount(r * n_cats + flags.categories, minlength=nr * n_cats)
    cats = cats.reshape(nr, n_cats).astype(np.float64)
    for i, c in enumerate(_CATEGORIES):
        f[f"share_{c}"] = cats[:, i] / np.maximum(ne, 1)
    f["log_destructive"] = base["log_destructive"].to_numpy()
    f["log_failures"] = _log1p(_count(codes, flags.is_failure))
    f["log_org_management"] = base["log_org_management"].to_numpy()
    f["log_member_adds"] = _log1p(_count(codes, flags.is_member_add))
    f["log_self_grants"] = _log1p(_count(codes, flags.is_self_grant))
    f["log_billing"] = _log1p(_count(codes, flags.is_billing))
    f["log_mismatch"] = _log1p(_count(codes, flags.is_mismatch))
    f["log_public_shares"] = _log1p(_count(codes, flags.is_public_share))
    f["share_process"] = _count(codes, flags.has_process) / np.maximum(ne, 1)
    return f


def _network_features(records: Records, base: pd.DataFrame) -> dict[str, np.ndarray]:
    """IPs and networks of the window: distinct, novel, and switches to novel ones."""
    codes, novelty, switches = records.codes, records.history_flags, records.switches
    r, nr = codes.rows, codes.n_rows
    netc = codes.network_codes
    f: dict[str, np.ndarray] = {}
    f["log_ips"] = base["log_ips"].to_numpy()
    f["log_networks"] = _log1p(_nunique_per_row(r, netc, nr))
    f["log_novel_networks"] = _log1p(
        _nunique_per_row(r, np.where(novelty.is_novel_network, netc, -1), nr)
    )
    f["log_novel_switches"] = _log1p(_count(codes, switches.is_novel_switch))
    closeness = np.zeros(nr)
    if codes.n_records:
        np.maximum.at(closeness, r, np.exp(-switches.novel_gap_minutes / _CLOSENESS_MINUTES))
    f["novel_switch_closeness"] = closeness
    return f


def _time_features(
    codes: RecordCodes, flags: RecordFlags, base: pd.DataFrame, is_off_hours: np.ndarray
) -> dict[str, np.ndarray]:
    """When in the day and week the window's records fall, and their busiest minutes."""
    ne = base["n_events"].to_numpy()
    f: dict[str, np.ndarray] = {}
    hours = base[list(_HOURS)].to_numpy()
    p = hours / np.maximum(hours.sum(axis=1, keepdims=True), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        f["hour_entropy"] = -np.nansum(np.where(p > 0, p * np.log2(p), 0.0), axis=1)
    n_off = _count(codes, is_off_hours)
    f["share_off_hours"] = n_off / np.maximum(ne, 1)
    f["log_off_hours"] = _log1p(n_off)
    f["share_weekend"] = _count(codes, flags.is_weekend) / np.maximum(ne, 1)
    o = codes.time_order
    minute_o = (codes.times[o] - codes.windows[o] * codes.window_ns) // _NS_MIN
    per_minute, per_10min, same_action = _peak_counts(
        codes.rows[o], minute_o, codes.action_codes[o], codes.n_rows
    )
    f["log_peak_per_minute"] = _log1p(per_minute)
    f["log_peak_per_10min"] = _log1p(per_10min)
    f["log_max_same_action_per_minute"] = _log1p(same_action)
    return f


def _lifetime_features(records: Records) -> dict[str, np.ndarray]:
    """Resources created and deleted within the window, and how short-lived they were."""
    codes, flags, novelty = records.codes, records.flags, records.history_flags
    r, nr = codes.rows, codes.n_rows
    f: dict[str, np.ndarray] = {}
    f["log_created_deleted"] = _log1p(
        _nunique_per_row(r, np.where(novelty.is_short_lived, codes.target_codes, -1), nr)
    )
    deleted = novelty.lifetime_ns >= 0

    def shortest_life(mask: np.ndarray) -> np.ndarray:
        """Largest ``1 / (1 + lifetime in hours)`` per row among ``mask``, 0 when none."""
        out = np.zeros(nr)
        if mask.any():
            np.maximum.at(out, r[mask], 1.0 / (1.0 + novelty.lifetime_ns[mask] / _NS_HOUR))
        return out

    f["short_lifetime"] = shortest_life(deleted)
    # the same for whole workspaces: a resource made by mistake and deleted minutes later is
    # ordinary; a workspace set up, used and torn down within minutes is the pattern
    f["workspace_short_lifetime"] = shortest_life(deleted & flags.is_workspace_delete)
    return f


def _novelty_features(records: Records) -> dict[str, np.ndarray]:
    """Count what is new to the actor, and the owner roles it received as a new account."""
    codes, novelty = records.codes, records.history_flags
    r, nr = codes.rows, codes.n_rows
    new_actions = np.where(novelty.is_new_action, codes.action_codes, -1)
    new_workspaces = np.where(novelty.is_new_workspace, codes.workspace_codes, -1)
    return {
        "log_new_actions": _log1p(_nunique_per_row(r, new_actions, nr)),
        "log_new_workspaces": _log1p(_nunique_per_row(r, new_workspaces, nr)),
        "log_billing_novel_network": _log1p(_count(codes, novelty.is_billing_novel)),
        "log_new_owner_grants": _log1p(_count(codes, novelty.is_new_owner_grant)),
        "log_self_owner_grants": _log1p(_count(codes, novelty.is_self_owner_grant)),
        "log_new_account_owner_grants": np.where(
            _count(codes, novelty.is_new_account_owner) > 0,
            _log1p(novelty.owner_grants_received[codes.first_records]),
            0.0,
        ),
    }


def _sorted_frame(keys: pd.DataFrame, f: dict[str, np.ndarray], codes: RecordCodes) -> pd.DataFrame:
    """Key columns and ``FEATURE_COLUMNS`` (one float block), by window, then actor id."""
    # rows by window, then actor id (as text): rank the actors once, sort integer keys
    names = np.asarray(codes.actor_index, dtype=object).astype(str)
    actor_rank = np.empty(len(names), dtype=np.int64)
    actor_rank[np.argsort(names, kind="stable")] = np.arange(len(names))
    order = np.lexsort((actor_rank[codes.row_actors], codes.row_windows))
    block = np.empty((len(FEATURE_COLUMNS), codes.n_rows), dtype=np.float64)
    for j, c in enumerate(FEATURE_COLUMNS):
        np.take(f[c], order, out=block[j])
    block[np.isnan(block)] = 0.0
    feats = pd.DataFrame(block.T, columns=list(FEATURE_COLUMNS), copy=False)
    return pd.concat([keys.take(order).reset_index(drop=True), feats], axis=1)
