"""Why a window scored high: reasons in an analyst's words, and the records behind them.

A reason compares a window's feature value with what is typical **for this actor** (the
median of its training windows; the median of all training windows for an actor never seen
in training), e.g. ``"9 destructive actions vs typically 0"``.  Features are chosen by how
rare the deviation is: for each feature the training windows give a distribution of
"value minus the actor's typical value"; a window's deviation is ranked against it, in the
feature's anomalous direction (the side of its long tail), and the rarest deviations are the
reasons.  This is scale-free, so counts, shares and entropies compete fairly.

Evidence is the ids of the records flagged for the reasons' features
(``features.event_flags`` and ``features.FEATURE_EVIDENCE``), capped per window.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_EVIDENCE_CAP",
    "DEFAULT_MAX_SHARE",
    "DEFAULT_TOP_REASONS",
    "Baseline",
    "evidence",
    "explain",
    "format_value",
]

#: Reasons listed per window.
DEFAULT_TOP_REASONS = 3
#: A deviation is a reason only when at most this share of training windows deviated as much.
DEFAULT_MAX_SHARE = 0.1
#: Record ids listed per window.
DEFAULT_EVIDENCE_CAP = 20

_SHARE_NAME = re.compile(r"(^|_)(share|ratio|frac|fraction|pct|rate)(_|$)")


@dataclass(frozen=True)
class Baseline:
    """What the training windows looked like, per feature and per actor.

    Attributes
    ----------
    feature_columns : tuple of str
    center : ndarray of shape (n_features,)
        Median of each feature over all training windows (typical value for new actors).
    direction : ndarray of shape (n_features,)
        ``+1`` when the feature's deviations have their long tail above typical (more is
        unusual), ``-1`` when below.
    deviations : list of ndarray
        Per feature, the sorted training deviations ``direction * (value - typical)``.
    actor_typical : DataFrame
        Index ``actor_id``; per feature the median of the actor's training windows.
    is_share : ndarray of bool
        Features whose values are shares in [0, 1] (rendered as percentages).
    """

    feature_columns: tuple[str, ...]
    center: np.ndarray
    direction: np.ndarray
    deviations: list[np.ndarray]
    actor_typical: pd.DataFrame
    is_share: np.ndarray

    @classmethod
    def fit(cls, features: pd.DataFrame, feature_columns: Sequence[str] | None = None) -> Baseline:
        """Learn typical values from the training feature table.

        Parameters
        ----------
        features : DataFrame
            Training windows: ``actor_id`` plus the feature columns.
        feature_columns : sequence of str, optional
            Default ``features.FEATURE_COLUMNS``.

        Returns
        -------
        Baseline
        """
        cols = tuple(feature_columns) if feature_columns is not None else _feature_columns()
        if len(features) == 0:
            raise ValueError("cannot learn a baseline from an empty feature table")
        values = features.loc[:, list(cols)].to_numpy(dtype=np.float64)
        center = np.median(values, axis=0)
        actor_typical = features.loc[:, ["actor_id", *cols]].groupby("actor_id", sort=True).median()
        actor_typical.columns = list(cols)
        typical = actor_typical.reindex(features["actor_id"]).to_numpy(dtype=np.float64)
        dev = values - typical
        q_hi = np.quantile(dev, 0.99, axis=0)
        q_lo = np.quantile(dev, 0.01, axis=0)
        direction = np.where(q_hi >= -q_lo, 1.0, -1.0)
        deviations = [np.sort(direction[j] * dev[:, j]) for j in range(len(cols))]
        is_share = np.array(
            [
                bool(_SHARE_NAME.search(c))
                and bool(np.all((values[:, j] >= 0) & (values[:, j] <= 1)))
                for j, c in enumerate(cols)
            ]
        )
        return cls(cols, center, direction, deviations, actor_typical, is_share)

    def typical(self, features: pd.DataFrame) -> np.ndarray:
        """Typical value of every feature for each row's actor.

        Parameters
        ----------
        features : DataFrame
            Must have ``actor_id``.

        Returns
        -------
        ndarray of shape (n_rows, n_features)
            The actor's training median, or the overall median for unseen actors.
        """
        typ = self.actor_typical.reindex(features["actor_id"]).to_numpy(dtype=np.float64)
        missing = np.isnan(typ)
        if missing.any():
            typ = np.where(missing, self.center[None, :], typ)
        return typ

    def deviation_share(self, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Signed deviations and the share of training windows that deviated as much.

        Parameters
        ----------
        features : DataFrame

        Returns
        -------
        deviation : ndarray of shape (n_rows, n_features)
            ``direction * (value - typical)``; positive = in the unusual direction.
        share : ndarray of shape (n_rows, n_features)
            Share of training windows with a deviation at least as large (1 where the
            deviation is not positive).
        """
        values = features.loc[:, list(self.feature_columns)].to_numpy(dtype=np.float64)
        dev = self.direction[None, :] * (values - self.typical(features))
        share = np.ones_like(dev)
        for j, ref in enumerate(self.deviations):
            n = len(ref)
            at_least = n - np.searchsorted(ref, dev[:, j], side="left")
            share[:, j] = np.maximum(at_least, 1) / (n + 1)
        share[dev <= 1e-12] = 1.0
        return dev, share


def _feature_columns() -> tuple[str, ...]:
    from pipes_anomaly import features

    return tuple(features.FEATURE_COLUMNS)


def _descriptions() -> Mapping[str, str]:
    from pipes_anomaly import features

    return features.FEATURE_DESCRIPTIONS


def _evidence_map() -> Mapping[str, str]:
    from pipes_anomaly import features

    return features.FEATURE_EVIDENCE


def format_value(value: float, *, share: bool = False) -> str:
    """Render a feature value for a reason.

    Parameters
    ----------
    value : float
    share : bool, default False
        Render a share in [0, 1] as a whole percentage.

    Returns
    -------
    str
        ``"74%"``, ``"9"``, ``"2.5"`` or ``"1,234"``.
    """
    if share:
        return f"{round(100 * value):d}%"
    if abs(value - round(value)) < 1e-9:
        return f"{int(round(value)):,}"
    if abs(value) < 10:
        return f"{value:.1f}"
    return f"{value:,.0f}"


def _sentence(actual: str, description: str, typical: str) -> str:
    # "9 destructive actions vs typically 0", "74% of events outside usual hours vs ..."
    return f"{actual} {description} vs typically {typical}"


def explain(
    features: pd.DataFrame,
    baseline: Baseline,
    *,
    top: int = DEFAULT_TOP_REASONS,
    max_share: float = DEFAULT_MAX_SHARE,
    descriptions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Reasons for every window: its rarest deviations from the actor's typical values.

    Parameters
    ----------
    features : DataFrame
        Feature table (``actor_id`` plus the baseline's feature columns).
    baseline : Baseline
        Learned from the training windows.
    top : int, default 3
        Most reasons per window.
    max_share : float, default 0.1
        A feature is a reason only when at most this share of training windows deviated
        from their actor's typical value as much, in the same direction.
    descriptions : mapping, optional
        Feature -> analyst phrase; default ``features.FEATURE_DESCRIPTIONS`` (the column
        name for a feature without one).

    Returns
    -------
    DataFrame
        Indexed like ``features``: ``reasons`` (``"; "``-joined sentences, ``""`` when
        nothing stands out) and ``reason_features`` (tuple of feature names, rarest first).
    """
    desc = dict(descriptions) if descriptions is not None else dict(_descriptions())
    cols = baseline.feature_columns
    n = len(features)
    if n == 0:
        return pd.DataFrame(
            {"reasons": pd.Series([], dtype=object), "reason_features": []},
            index=features.index,
        )
    values = features.loc[:, list(cols)].to_numpy(dtype=np.float64)
    typical = baseline.typical(features)
    _, share = baseline.deviation_share(features)
    k = min(top, len(cols))
    # rarest first; stable order for ties (feature order)
    order = np.argsort(share, axis=1, kind="stable")[:, :k]
    chosen_share = np.take_along_axis(share, order, axis=1)
    keep = chosen_share <= max_share
    texts: list[str] = []
    feats: list[tuple[str, ...]] = []
    for i in range(n):
        parts: list[str] = []
        names: list[str] = []
        for j_pos in range(k):
            if not keep[i, j_pos]:
                break
            j = int(order[i, j_pos])
            name = cols[j]
            is_share = bool(baseline.is_share[j])
            parts.append(
                _sentence(
                    format_value(values[i, j], share=is_share),
                    desc.get(name, name),
                    format_value(typical[i, j], share=is_share),
                )
            )
            names.append(name)
        texts.append("; ".join(parts))
        feats.append(tuple(names))
    return pd.DataFrame(
        {"reasons": pd.Series(texts, dtype=object, index=features.index), "reason_features": feats},
        index=features.index,
    )


def _ns(times: pd.Series) -> np.ndarray:
    """UTC nanoseconds since the epoch of a datetime (or ISO string) column."""
    t = pd.to_datetime(times, utc=True).astype("datetime64[ns, UTC]")
    return t.dt.tz_localize(None).to_numpy().view(np.int64)


def evidence(
    events: pd.DataFrame,
    flags: pd.DataFrame,
    windows: pd.DataFrame,
    reason_features: Sequence[Sequence[str]],
    *,
    cap: int = DEFAULT_EVIDENCE_CAP,
    evidence_map: Mapping[str, str] | None = None,
) -> list[str]:
    """Ids of the records behind each window's reasons.

    Parameters
    ----------
    events : DataFrame
        Events frame (design.md section 2): ``id``, ``actor_id``, ``created_at``.
    flags : DataFrame
        ``features.event_flags(events, ...)``: boolean columns aligned to ``events.index``.
    windows : DataFrame
        Windows to explain: ``actor_id``, ``window_start``, ``window_end``.
    reason_features : sequence of sequences of str
        Per window (same order as ``windows``), the features named in its reasons.
    cap : int, default 20
        Most ids listed per window (earliest first).
    evidence_map : mapping, optional
        Feature -> flag column; default ``features.FEATURE_EVIDENCE``.

    Returns
    -------
    list of str
        Per window, space-separated record ids: the records flagged for its reasons' features;
        when none of them has a flag, the window's first records.  ``""`` for a window
        without reasons.
    """
    emap = dict(evidence_map) if evidence_map is not None else dict(_evidence_map())
    n = len(windows)
    out = [""] * n
    if n == 0 or len(events) == 0:
        return out
    win = pd.DataFrame(
        {
            "row": np.arange(n),
            "actor_id": windows["actor_id"].to_numpy(),
            "_start": _ns(windows["window_start"]),
            "_end": _ns(windows["window_end"]),
        }
    )
    win = win[[len(r) > 0 for r in reason_features]]
    if win.empty:
        return out
    # windows are aligned to UTC multiples of their length: floor each event's time
    length = int(win["_end"].iloc[0] - win["_start"].iloc[0])
    ev_mask = events["actor_id"].isin(set(win["actor_id"])).to_numpy()
    ev = events.loc[ev_mask, ["id", "actor_id", "created_at"]]
    fl = flags.loc[ev_mask]
    t_ns = _ns(ev["created_at"])
    ev = pd.DataFrame(
        {
            "id": ev["id"].to_numpy(),
            "actor_id": ev["actor_id"].to_numpy(),
            "_t": t_ns,
            "_pos": np.arange(len(ev)),
            "_start": t_ns // length * length,
        }
    )
    joined = win.merge(ev, on=["actor_id", "_start"], how="inner")
    if joined.empty:
        return out
    flag_cols = {
        int(r): [emap[f] for f in feats if f in emap and emap[f] in fl.columns]
        for r, feats in zip(range(n), reason_features, strict=True)
    }
    fl_values = {c: fl[c].to_numpy(dtype=bool) for c in fl.columns}
    rows = joined["row"].to_numpy()
    pos = joined["_pos"].to_numpy()
    hit = np.zeros(len(joined), dtype=bool)
    for col, arr in fl_values.items():
        wants = np.array([col in flag_cols[int(r)] for r in range(n)], dtype=bool)
        if not wants.any():
            continue
        hit |= wants[rows] & arr[pos]
    joined = joined.assign(_hit=hit)
    any_hit = joined.groupby("row")["_hit"].transform("any").to_numpy()
    # a window whose reasons have no flagged records shows its first records instead
    chosen = joined.loc[hit | ~any_hit].sort_values(["row", "_t", "id"], kind="stable")
    chosen = chosen.groupby("row", sort=True).head(cap)
    for r, ids in chosen.groupby("row", sort=True)["id"]:
        out[int(r)] = " ".join(ids.astype(str).tolist())
    return out
