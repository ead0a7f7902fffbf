"""What a triage card shows beyond the scores row: each reason's values, and the records.

Two frames, built by :func:`pipes_anomaly.pipeline.score_windows` for the windows it lists
evidence for (the alerts, plus the best-scored windows it was asked for), from the feature
table and the baseline it already has (nothing is computed again from the records):

- :func:`reason_frame` (:data:`REASON_COLUMNS`): one row per reason of a window, with the
  window's value, the actor's typical value, the typical value over all training windows
  and, for a reason told against peers, the peers' median, each as a number on the scale
  the reason is told in (counts, percentages, ratios) and as the text it is told with;
- :func:`evidence_frame` (:data:`EVIDENCE_COLUMNS`): the first records behind each window's
  reasons (time, action, target, IP, process) and how many there are in all.

Both are keyed by ``actor_id`` and ``window_start`` like the scores frame.  Every field is
described in docs/triage.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pipes_anomaly.catalog import FEATURE_DESCRIPTIONS
from pipes_anomaly.explain import Baseline, base_feature, told_values

__all__ = [
    "EVIDENCE_COLUMNS",
    "EVIDENCE_SHOWN",
    "REASON_COLUMNS",
    "evidence_frame",
    "reason_frame",
]

#: Evidence records kept per window (earliest first): what a card or a finding lists; the
#: scores' ``evidence`` column lists more ids, and the card's query pulls every record.
EVIDENCE_SHOWN = 10

#: Columns of :func:`reason_frame`, in order.
REASON_COLUMNS: tuple[str, ...] = (
    "actor_id",
    "window_start",
    "rank",
    "feature",
    "shown_feature",
    "reason",
    "unit",
    "actual",
    "typical",
    "overall",
    "peers",
    "actual_label",
    "typical_label",
    "overall_label",
    "peers_label",
    "training_share",
)

#: Columns of :func:`evidence_frame`, in order.
EVIDENCE_COLUMNS: tuple[str, ...] = (
    "actor_id",
    "window_start",
    "evidence_total",
    "evidence_flagged",
    "id",
    "created_at",
    "action_type",
    "target",
    "actor_ip",
    "process_id",
)

_PEERS_SUFFIX = "_vs_peers"
#: The four values a reason compares, in the order :func:`told_values` gets them.
_VALUES = ("actual", "typical", "overall", "peers")


def _peer_medians(feats: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Median of each column over the windows of one organisation (identity) and window."""
    keys = [feats["window_start"], feats["identity_handle"].astype(object).fillna("")]
    return feats.loc[:, list(columns)].groupby(keys, sort=False).transform("median")


def reason_frame(
    feats: pd.DataFrame,
    rows: np.ndarray,
    reason_features: Sequence[Sequence[str]],
    sentences: Sequence[Sequence[str]],
    baseline: Baseline,
    *,
    descriptions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per reason of the given windows: the values the reason compares.

    Parameters
    ----------
    feats : DataFrame
        The feature table of every scored window (key columns and feature columns).
    rows : ndarray of int
        Positions in ``feats`` of the windows to describe.
    reason_features : sequence of sequences of str
        Per window in ``rows``, its reason features, rarest first.
    sentences : sequence of sequences of str
        Per window, the sentence of each reason (same length as its reason features).
    baseline : Baseline
        The model's baseline (typical values per actor and over all training windows).
    descriptions : mapping, optional
        Feature -> phrase; default ``catalog.FEATURE_DESCRIPTIONS``.

    Returns
    -------
    DataFrame
        :data:`REASON_COLUMNS`.  ``shown_feature`` is the feature whose values the
        sentence tells (the count behind a robust z); ``actual``, ``typical``
        (this actor's median over its training windows, the median of all training
        windows for an actor never seen), ``overall`` (median of all training windows) and
        ``peers`` (a ``*_vs_peers`` reason only: the median of the windows of the same
        organisation in the same window, or 0 for a robust z told as such; NaN otherwise)
        are on the scale of ``unit`` (see :func:`pipes_anomaly.explain.told_values`),
        ``*_label`` the same values as the reason tells them; ``training_share`` is the
        share of training windows whose deviation from their actor's typical value was at
        least as large.
    """
    desc = dict(descriptions) if descriptions is not None else dict(FEATURE_DESCRIPTIONS)
    cols = list(baseline.feature_columns)
    sub = feats.iloc[rows]
    # one entry per reason: its window (position in rows), rank and feature
    win = np.array([i for i, fs in enumerate(reason_features) for _ in fs], dtype=np.int64)
    rank = np.array([r for fs in reason_features for r in range(1, len(fs) + 1)], np.int64)
    names = [f for fs in reason_features for f in fs]
    shown = [base_feature(f, cols) for f in names]
    j = np.array([cols.index(f) for f in names], dtype=np.int64)
    k = np.array([cols.index(f) for f in shown], dtype=np.int64)
    values = sub.loc[:, cols].to_numpy(dtype=np.float64)
    raw = np.full((len(names), len(_VALUES)), np.nan)
    raw[:, 0] = values[win, k]
    raw[:, 1] = baseline.typical(sub)[win, k]
    raw[:, 2] = baseline.center[k]
    raw[:, 3] = _peer_values(feats, rows, names, shown, win)
    out = pd.DataFrame(
        {
            "actor_id": sub["actor_id"].to_numpy(dtype=object)[win],
            "window_start": sub["window_start"].iloc[win].to_numpy(),
            "rank": rank,
            "feature": pd.Series(names, dtype=object),
            "shown_feature": pd.Series(shown, dtype=object),
            "reason": pd.Series([t for ts in sentences for t in ts], dtype=object),
            "training_share": baseline.deviation_share(sub)[1][win, j],
        }
    )
    units, scaled, labels = _told(raw, k, baseline, desc)
    out["unit"] = units
    for c, name in enumerate(_VALUES):
        out[name] = scaled[:, c]
        out[f"{name}_label"] = labels[:, c]
    if len(out):
        out["window_start"] = pd.to_datetime(out["window_start"], utc=True)
    return out.loc[:, list(REASON_COLUMNS)]


def _told(
    raw: np.ndarray, k: np.ndarray, baseline: Baseline, desc: Mapping[str, str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each reason's unit, and its four values on that scale and as text."""
    cols = baseline.feature_columns
    units = np.empty(len(k), dtype=object)
    scaled = np.full_like(raw, np.nan)
    labels = np.full(raw.shape, "", dtype=object)
    for code in np.unique(k):  # one scale per shown feature
        at = np.flatnonzero(k == code)
        feature = cols[code]
        unit, vals, texts = told_values(
            feature,
            raw[at].ravel(),
            description=desc.get(feature, feature),
            share=bool(baseline.is_share[code]),
        )
        units[at] = unit
        scaled[at] = vals.reshape(-1, len(_VALUES))
        labels[at] = np.array(texts, dtype=object).reshape(-1, len(_VALUES))
    return units, scaled, labels


def _peer_values(
    feats: pd.DataFrame,
    rows: np.ndarray,
    names: Sequence[str],
    shown: Sequence[str],
    win: np.ndarray,
) -> np.ndarray:
    """Return each reason's peer value: NaN unless it is a peers feature (see reason_frame)."""
    out = np.full(len(names), np.nan)
    is_peer = np.array([n.endswith(_PEERS_SUFFIX) for n in names], dtype=bool)
    out[is_peer & (np.array(shown, dtype=object) == np.array(names, dtype=object))] = 0.0
    bases = sorted({s for s, n, p in zip(shown, names, is_peer, strict=True) if p and s != n})
    if bases:
        medians = _peer_medians(feats, bases).iloc[rows]
        for b in bases:
            at = np.flatnonzero(is_peer & (np.array(shown, dtype=object) == b))
            out[at] = medians[b].to_numpy(dtype=np.float64)[win[at]]
    return out


def _text_column(events: pd.DataFrame, name: str, records: np.ndarray) -> np.ndarray:
    """Return a text column of the events at ``records`` (None where missing or absent)."""
    if name not in events.columns:
        return np.full(len(records), None, dtype=object)
    col = events[name].to_numpy(dtype=object)[records]
    return np.where(pd.isna(col), None, col)


def evidence_frame(
    events: pd.DataFrame, windows: pd.DataFrame, rows: pd.DataFrame, *, shown: int
) -> pd.DataFrame:
    """Return the first ``shown`` evidence records of each window, with its total.

    Parameters
    ----------
    events : DataFrame
        The events frame that was scored.
    windows : DataFrame
        The windows described (``actor_id``, ``window_start``), in the order ``rows``
        numbers them.
    rows : DataFrame
        :func:`pipes_anomaly.explain.evidence_rows` of those windows.
    shown : int
        Most records kept per window (earliest first).

    Returns
    -------
    DataFrame
        :data:`EVIDENCE_COLUMNS`: ``evidence_total`` is the window's number of evidence
        records, ``evidence_flagged`` False when none was flagged for its reasons and the
        window's records stand in; ``target`` is the target's handle, else its id.
    """
    row = rows["row"].to_numpy(dtype=np.int64)  # sorted by window (evidence_rows)
    starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]]) if len(row) else row
    size = np.diff(np.r_[starts, len(row)])
    rank = np.arange(len(row)) - np.repeat(starts, size)  # position within its window
    keep = rank < shown
    total = np.repeat(size, size)[keep]
    # every record of a window is flagged, or none is (then the window's records stand in)
    flagged = rows["flagged"].to_numpy(dtype=bool)[keep]
    win = row[keep]
    rec = rows["record"].to_numpy(dtype=np.int64)[keep]
    handle = _text_column(events, "target_handle", rec)
    target = np.where(pd.isna(handle), _text_column(events, "target_id", rec), handle)
    frame = pd.DataFrame(
        {
            "actor_id": windows["actor_id"].to_numpy()[win],
            "window_start": windows["window_start"].to_numpy()[win],
            "evidence_total": total.astype(np.int64),
            "evidence_flagged": flagged,
            "id": rows["id"].to_numpy(dtype=object)[keep],
            "created_at": events["created_at"].iloc[rec].to_numpy(),
            "action_type": _text_column(events, "action_type", rec),
            "target": target,
            "actor_ip": _text_column(events, "actor_ip", rec),
            "process_id": _text_column(events, "process_id", rec),
        }
    )
    if len(frame):
        frame["window_start"] = pd.to_datetime(frame["window_start"], utc=True)
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame
