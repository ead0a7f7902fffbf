"""Why a window scored high: reasons in an analyst's words, and the records behind them.

A reason compares a window's feature value with what is typical **for this actor** (the
median of its training windows; the median of all training windows for an actor never seen
in training), e.g. ``"9 destructive actions vs typically 0"``.  Features are chosen by how
rare the deviation is: for each feature the training windows give a distribution of
"value minus the actor's typical value"; a window's deviation is ranked against it, in the
feature's anomalous direction (up: the feature set is built so that more is more
suspicious), and the rarest deviations are the reasons.  This is scale-free, so counts,
shares and entropies compete fairly.  An actor odd every day is typical of itself; given
how rare each value is among all training windows (``rarity``), a value rare across actors
is told against the typical value across actors instead
(``"40% failed or suspicious actions vs typically 0% across actors"``).

A reason is told only when the values differ in the words an analyst reads: a count at
least half again as large (``403 vs typically 393`` is no deviation), a share at least ten
points higher, a standardised value two standard deviations higher, and never two values
that read the same (``0 days vs typically 0``).

Evidence is the ids of the records flagged for the reasons' features
(``features.event_flags`` and ``catalog.FEATURE_EVIDENCE``), capped per window.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipes_anomaly.catalog import FEATURE_COLUMNS, FEATURE_DESCRIPTIONS, FEATURE_EVIDENCE
from pipes_anomaly.schema import ACTION_TYPES

__all__ = [
    "DEFAULT_EVIDENCE_CAP",
    "DEFAULT_MAX_SHARE",
    "DEFAULT_TOP_REASONS",
    "Baseline",
    "base_feature",
    "evidence",
    "evidence_ids",
    "evidence_rows",
    "explain",
    "name_grown_types",
    "format_value",
    "render_reason",
    "told_values",
]

#: Reasons listed per window.
DEFAULT_TOP_REASONS = 3
#: A deviation is a reason only when at most this share of training windows deviated as much.
DEFAULT_MAX_SHARE = 0.1
#: Record ids listed per window.
DEFAULT_EVIDENCE_CAP = 20
#: A count (or ratio) deviates when it is at least this many times the typical one
#: (counts plus one, so 0 -> 1 deviates and 393 -> 403 does not).
MIN_COUNT_RATIO = 1.5
#: A share deviates when it is at least this much above the typical share.
MIN_SHARE_POINTS = 0.10
#: A robust z told as such (no count behind it) deviates when it is at least this many
#: standard deviations above the typical one.
MIN_Z = 2.0

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
        ``+1`` where more is unusual, ``-1`` where less is.
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
    def fit(
        cls,
        features: pd.DataFrame,
        feature_columns: Sequence[str] | None = None,
        *,
        lower_is_unusual: Sequence[str] | None = None,
    ) -> Baseline:
        """Learn typical values from the training feature table.

        Parameters
        ----------
        features : DataFrame
            Training windows: ``actor_id`` plus the feature columns.
        feature_columns : sequence of str, optional
            Default ``catalog.FEATURE_COLUMNS``.
        lower_is_unusual : sequence of str, optional
            Features whose unusual direction is down; every other feature counts as
            unusual when above the actor's typical value (the feature set is built so that
            more is more suspicious).

        Returns
        -------
        Baseline
        """
        cols = tuple(feature_columns) if feature_columns is not None else FEATURE_COLUMNS
        if len(features) == 0:
            raise ValueError("cannot learn a baseline from an empty feature table")
        values = features.loc[:, list(cols)].to_numpy(dtype=np.float64)
        center = np.median(values, axis=0)
        actor_typical = features.loc[:, ["actor_id", *cols]].groupby("actor_id", sort=True).median()
        actor_typical.columns = list(cols)
        typical = actor_typical.reindex(features["actor_id"]).to_numpy(dtype=np.float64)
        dev = values - typical
        lower = lower_is_unusual or ()
        direction = np.array([-1.0 if c in lower else 1.0 for c in cols])
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
        return self._deviation_share(values, self.typical(features))

    def _deviation_share(
        self, values: np.ndarray, typical: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`deviation_share` of values whose typical values are already looked up."""
        dev = self.direction[None, :] * (values - typical)
        share = np.ones_like(dev)
        for j, ref in enumerate(self.deviations):
            n = len(ref)
            at_least = n - np.searchsorted(ref, dev[:, j], side="left")
            share[:, j] = np.maximum(at_least, 1) / (n + 1)
        share[dev <= 1e-12] = 1.0
        return dev, share


def format_value(value: float, *, share: bool = False) -> str:
    """Render a number for a reason.

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
    if abs(value - round(value)) < 0.05 or abs(value) >= 10:
        return f"{int(round(value)):,}"
    return _decimal(value)


def _decimal(value: float, digits: int = 1) -> str:
    """Write ``value`` with ``digits`` decimals, without a minus sign when it rounds to zero."""
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


_LOG1P = " (log1p)"
_ROBUST_Z = " (robust z)"
_ACROSS = " across actors"
_LOG_RATIO = " (log ratio)"
_PEERS = " (unusual for its peers)"
_INV_HOURS = ", as 1/(1 + hours)"
_CLOSENESS = " (as exp(-minutes/60))"


_SINGULAR = {
    "events": "event",
    "records": "record",
    "IPs": "IP",
    "actions": "action",
    "types": "type",
    "targets": "target",
    "workspaces": "workspace",
    "identities": "identity",
    "members": "member",
    "networks": "network",
    "changes": "change",
    "resources": "resource",
    "grants": "grant",
    "days": "day",
    "hours": "hour",
    "minutes": "minute",
    "memberships": "membership",
    "roles": "role",
    "runs": "run",
    "connections": "connection",
}


def _count_phrase(count: str, what: str) -> str:
    """``"3 IPs never seen"``, and ``"1 IP never seen"`` for a count of one.

    The counted noun is the first word of :data:`_SINGULAR` (a comma may follow it); a noun
    joined to it by ``or`` (``"memberships or roles"``) is made singular with it.
    """
    if count == "1":
        words = what.split(" ")
        for i, w in enumerate(words):
            if w.rstrip(",") in _SINGULAR:
                words[i] = _singular(w)
                if i + 2 < len(words) and words[i + 1] == "or":
                    words[i + 2] = _singular(words[i + 2])
                break
        what = " ".join(words)
    return f"{count} {what}"


def _singular(word: str) -> str:
    """Return the singular of a :data:`_SINGULAR` plural (a trailing comma kept), else ``word``."""
    stem = word.rstrip(",")
    return _SINGULAR.get(stem, stem) + word[len(stem) :]


def _hours(inverse: float) -> str:
    """``1 / (1 + hours)`` back to a duration; 0 means there was none."""
    if inverse <= 0:
        return "none"
    hours = 1.0 / inverse - 1.0
    if hours < 1:
        return f"{round(hours * 60):d} min"
    return f"{format_value(hours)} h"


def _minutes(closeness: float) -> str:
    """``exp(-minutes / 60)`` back to a gap in minutes; 0 means there was none."""
    if closeness <= 0:
        return "none"
    return f"{format_value(-60.0 * np.log(min(closeness, 1.0)))} min"


def render_reason(
    feature: str,
    actual: float,
    typical: float,
    *,
    description: str,
    share: bool = False,
    base: tuple[str, float, float, str] | None = None,
) -> str:
    """One reason as an analyst reads it: actual versus typical for this actor.

    Parameters
    ----------
    feature : str
        Feature column.
    actual, typical : float
        The window's value and the actor's typical value, as stored in the feature table.
    description : str
        The feature's phrase (``catalog.FEATURE_DESCRIPTIONS``); a ``" (log1p)"`` suffix
        means the value is ``log1p(count)`` and is shown as the count, ``" (log ratio)"``
        as a ratio.
    share : bool, default False
        The value is a share in [0, 1], shown as a percentage.
    base : (feature, actual, typical, description), optional
        For a ``"(robust z)"`` feature, the count feature it standardises; the reason is
        then told in that feature's counts.

    Returns
    -------
    str
        E.g. ``"9 destructive actions vs typically 0"``,
        ``"74% of events outside the actor's usual hours vs typically 5%"``.
    """
    if description.endswith(_ROBUST_Z) and base is not None:
        _, b_actual, b_typical, b_desc = base
        text = render_reason(base[0], b_actual, b_typical, description=b_desc)
        return text + (_PEERS if "peers" in feature else "")
    if description.endswith(_LOG1P):
        what = description[: -len(_LOG1P)]
        a, t = format_value(float(np.expm1(actual))), format_value(float(np.expm1(typical)))
        if what.startswith("most "):  # "most events in one minute: 16 vs typically 1"
            return f"{what}: {a} vs typically {t}"
        return f"{_count_phrase(a, what)} vs typically {t}"
    if description.endswith(_INV_HOURS):  # value = 1 / (1 + hours), 0 = none
        what = description[: -len(_INV_HOURS)]
        return f"{what}: {_hours(actual)} vs typically {_hours(typical)}"
    if description.endswith(_CLOSENESS):  # value = exp(-minutes / 60), 0 = none
        what = description[: -len(_CLOSENESS)]
        return f"{what}: {_minutes(actual)} vs typically {_minutes(typical)}"
    if description.endswith(_ROBUST_Z) and " vs " in description:  # no count to tell it in
        what, against = description[: -len(_ROBUST_Z)].split(" vs ", 1)
        return (
            f"{what} {_decimal(actual)} standard deviations above {against} "
            f"(typically {_decimal(typical)})"
        )
    if description.endswith(_LOG_RATIO):
        what = description[: -len(_LOG_RATIO)]
        return f"{what}: {_decimal(np.exp(actual))}x vs typically {_decimal(np.exp(typical))}x"
    if share:
        what = description.removeprefix("share of ")
        joiner = " of " if what.split(" ", 1)[0] in ("events", "records") else " "
        return (
            f"{format_value(actual, share=True)}{joiner}{what} vs typically "
            f"{format_value(typical, share=True)}"
        )
    if feature.startswith("is_") and actual in (0.0, 1.0):
        return description if actual == 1.0 else f"not: {description}"
    return f"{description}: {format_value(actual)} vs typically {format_value(typical)}"


def _base_feature(feature: str, columns: Sequence[str]) -> str | None:
    """Count feature behind a ``<x>_vs_self`` / ``<x>_vs_peers`` robust z, if any."""
    for suffix in ("_vs_self", "_vs_peers"):
        if feature.endswith(suffix):
            cand = "log_" + feature[: -len(suffix)]
            if cand in columns:
                return cand
    return None


def explain(
    features: pd.DataFrame,
    baseline: Baseline,
    *,
    top: int = DEFAULT_TOP_REASONS,
    max_share: float = DEFAULT_MAX_SHARE,
    descriptions: Mapping[str, str] | None = None,
    rarity: np.ndarray | None = None,
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
        from their actor's typical value as much, in the same direction (or, with
        ``rarity``, reached the value at all).
    descriptions : mapping, optional
        Feature -> analyst phrase; default ``catalog.FEATURE_DESCRIPTIONS`` (the column
        name for a feature without one).
    rarity : ndarray of shape (n_rows, n_features), optional
        Share of all training windows whose value is at least the window's, per feature
        (e.g. ``exp(-TailSurprisal.transform(X))``).  A value typical for its actor but
        rare across actors is then told against the typical value across actors.

    Returns
    -------
    DataFrame
        Indexed like ``features``: ``reasons`` (``"; "``-joined sentences, ``""`` when
        nothing stands out) and ``reason_features`` (tuple of feature names, rarest first;
        a robust-z feature told in the same words as its count feature is listed once).
    """
    desc = dict(descriptions) if descriptions is not None else dict(FEATURE_DESCRIPTIONS)
    cols = baseline.feature_columns
    n = len(features)
    if n == 0:
        return pd.DataFrame(
            {"reasons": pd.Series([], dtype=object), "reason_features": []},
            index=features.index,
        )
    values = features.loc[:, list(cols)].to_numpy(dtype=np.float64)
    typical = baseline.typical(features)
    _, share = baseline._deviation_share(values, typical)
    across = np.zeros_like(share, dtype=bool)
    if rarity is not None:
        above = baseline.direction[None, :] * (values - baseline.center[None, :]) > 1e-12
        rare = np.where(above, np.asarray(rarity, dtype=np.float64), 1.0)
        across = (share > max_share) & (rare < share)
        share = np.where(across, rare, share)
    base_of = {c: _base_feature(c, cols) for c in cols}
    # rarest first; stable order for ties (feature order)
    order = np.argsort(share, axis=1, kind="stable")
    sorted_share = np.take_along_axis(share, order, axis=1)
    n_candidates = (sorted_share <= max_share).sum(axis=1)
    texts: list[str] = []
    feats: list[tuple[str, ...]] = []
    for i in range(n):
        picked = order[i, : n_candidates[i]].tolist()
        parts, names = _row_reasons(
            [(j, bool(across[i, j])) for j in picked],
            values[i],
            typical[i],
            baseline,
            base_of,
            desc,
            top,
        )
        texts.append("; ".join(parts))
        feats.append(tuple(names))
    return pd.DataFrame(
        {"reasons": pd.Series(texts, dtype=object, index=features.index), "reason_features": feats},
        index=features.index,
    )


def _deviates(description: str, actual: float, typical: float, *, share: bool) -> bool:
    """Whether a value differs from the typical one enough to tell, on the feature's scale."""
    if description.endswith((_LOG1P, _LOG_RATIO)):  # log counts and log ratios
        return actual - typical >= np.log(MIN_COUNT_RATIO)
    if share:
        return actual - typical >= MIN_SHARE_POINTS
    if description.endswith(_ROBUST_Z):
        return actual - typical >= MIN_Z
    return True


def _row_reasons(
    candidates: list[tuple[int, bool]],
    values: np.ndarray,
    typical: np.ndarray,
    baseline: Baseline,
    base_of: Mapping[str, str | None],
    desc: Mapping[str, str],
    top: int,
) -> tuple[list[str], list[str]]:
    """Sentences and feature names of one window's reasons, from its candidate features.

    ``candidates`` are (feature position, told across actors). A candidate whose values
    do not differ enough, or read the same, is skipped; a robust-z feature told in the
    same words as its count feature is told once.
    """
    cols = baseline.feature_columns
    parts: list[str] = []
    names: list[str] = []
    told: set[str] = set()
    for j, across in candidates:
        if len(parts) >= top:
            break
        name = cols[j]
        b = base_of[name]
        shown = b if b is not None else name  # the feature whose values the sentence tells
        k = cols.index(shown)
        # told across actors: every value it shows against its typical value across actors
        usual = baseline.center if across else typical
        sentence = _Sentence(name, values[j], usual[j], desc, baseline.is_share[j], b)
        text = sentence.told(values[k], usual[k])
        if not _deviates(
            desc.get(shown, shown), values[k], usual[k], share=bool(baseline.is_share[k])
        ) or text == sentence.told(usual[k], usual[k]):
            continue  # the same in an analyst's words
        if across:
            text = text.removesuffix(_PEERS) + _ACROSS
        key = text.removesuffix(_PEERS)
        if key in told:
            continue  # the same counts already told by another feature
        told.add(key)
        parts.append(text)
        names.append(name)
    return parts, names


@dataclass(frozen=True)
class _Sentence:
    """How one feature is told: its own values, or those of the count it standardises."""

    name: str
    actual: float
    typical: float
    descriptions: Mapping[str, str]
    share: bool
    base: str | None

    def told(self, actual: float, typical: float) -> str:
        """Tell the feature with the shown values ``actual`` and ``typical``."""
        desc = self.descriptions
        if self.base is None:
            return render_reason(
                self.name,
                actual,
                typical,
                description=desc.get(self.name, self.name),
                share=self.share,
            )
        return render_reason(
            self.name,
            self.actual,
            self.typical,
            description=desc.get(self.name, self.name),
            share=self.share,
            base=(self.base, actual, typical, desc.get(self.base, self.base)),
        )


def _ns(times: pd.Series) -> np.ndarray:
    """UTC nanoseconds since the epoch of a datetime (or ISO string) column."""
    t = pd.to_datetime(times, utc=True).astype("datetime64[ns, UTC]")
    return t.dt.tz_localize(None).to_numpy().view(np.int64)


def _records_in_windows(
    events: pd.DataFrame, flags: pd.DataFrame, windows: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each record of the windows' actors joined to its window, and those records' flags.

    The joined frame has ``row`` (the window), ``id``, ``_t`` (ns), ``_pos`` (the record's
    position among the flags returned) and ``record`` (its position in ``events``).
    """
    win = pd.DataFrame(
        {
            "row": np.arange(len(windows)),
            "actor_id": windows["actor_id"].to_numpy(),
            "_start": _ns(windows["window_start"]),
            "_end": _ns(windows["window_end"]),
        }
    )
    # windows are aligned to UTC multiples of their length: floor each event's time
    length = int(win["_end"].iloc[0] - win["_start"].iloc[0])
    ev_mask = events["actor_id"].isin(set(win["actor_id"])).to_numpy()
    ev = events.loc[ev_mask, ["id", "actor_id", "created_at"]]
    t_ns = _ns(ev["created_at"])
    ev = pd.DataFrame(
        {
            "id": ev["id"].to_numpy(),
            "actor_id": ev["actor_id"].to_numpy(),
            "_t": t_ns,
            "_pos": np.arange(len(ev)),
            "record": np.flatnonzero(ev_mask),
            "_start": t_ns // length * length,
        }
    )
    return win.merge(ev, on=["actor_id", "_start"], how="inner"), flags.loc[ev_mask]


def evidence_rows(
    events: pd.DataFrame,
    flags: pd.DataFrame,
    windows: pd.DataFrame,
    reason_features: Sequence[Sequence[str]],
    *,
    evidence_map: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Every record behind each window's reasons, earliest first (no cap).

    Parameters
    ----------
    events, flags, windows, reason_features, evidence_map
        As :func:`evidence`.

    Returns
    -------
    DataFrame
        ``row`` (the window's position in ``windows``), ``record`` (the record's position
        in ``events``), ``id`` and ``flagged`` (True: flagged for one of the window's
        reasons; False: the window has no such record, and all its records stand in),
        sorted by window, then time, then id.
    """
    empty = pd.DataFrame(
        {
            "row": np.zeros(0, np.int64),
            "record": np.zeros(0, np.int64),
            "id": pd.Series([], dtype=object),
            "flagged": np.zeros(0, bool),
        }
    )
    emap = dict(evidence_map) if evidence_map is not None else dict(FEATURE_EVIDENCE)
    n = len(windows)
    if n == 0 or len(events) == 0:
        return empty
    joined, fl = _records_in_windows(events, flags, windows)
    if joined.empty:
        return empty
    flag_cols = {
        int(r): [emap[f] for f in feats if f in emap and emap[f] in fl.columns]
        for r, feats in zip(range(n), reason_features, strict=True)
    }
    rows = joined["row"].to_numpy()
    pos = joined["_pos"].to_numpy()
    hit = np.zeros(len(joined), dtype=bool)
    for col in fl.columns:
        wants = np.array([col in flag_cols[int(r)] for r in range(n)], dtype=bool)
        if not wants.any():
            continue
        hit |= wants[rows] & fl[col].to_numpy(dtype=bool)[pos]
    joined = joined.assign(flagged=hit)
    any_hit = joined.groupby("row")["flagged"].transform("any").to_numpy()
    # a window whose reasons have no flagged records shows its first records instead
    chosen = joined.loc[hit | ~any_hit].sort_values(["row", "_t", "id"], kind="stable")
    return chosen.loc[:, ["row", "record", "id", "flagged"]].reset_index(drop=True)


#: Features told about "the action type grown most", and the phrase that names it.
GROWN_TYPE_FEATURES = ("trail_action_vs_self", "sustained_action_vs_self")
_GROWN_PHRASE = "the action type grown most"


def name_grown_types(
    events: pd.DataFrame,
    flags: pd.DataFrame,
    windows: pd.DataFrame,
    sentences: Sequence[Sequence[str]],
    reason_features: Sequence[Sequence[str]],
) -> list[list[str]]:
    """Name the action type in each reason about the type grown most.

    Parameters
    ----------
    events, flags : DataFrame
        The scored records and their flags (``catalog.FLAG_COLUMNS``), aligned.
    windows : DataFrame
        The windows explained (``actor_id``, ``window_start``, ``window_end``).
    sentences : sequence of sequences of str
        Each window's reasons, one sentence per reason feature.
    reason_features : sequence of sequences of str
        Each window's reason features, in the order of its sentences.

    Returns
    -------
    list of lists of str
        The sentences, with the type written after the phrase where a grown type's
        records are in the window (always one of the schema's 51 types: no text from the
        data).
    """
    out = [list(s) for s in sentences]
    want = [i for i, f in enumerate(reason_features) if set(f) & set(GROWN_TYPE_FEATURES)]
    if not want or len(events) == 0:
        return out
    joined, fl = _records_in_windows(events, flags, windows.iloc[want])
    if joined.empty:
        return out
    types = events["action_type"].to_numpy()[joined["record"].to_numpy()]
    known = set(ACTION_TYPES)
    for feature in GROWN_TYPE_FEATURES:
        hit = fl[FEATURE_EVIDENCE[feature]].to_numpy(dtype=bool)[joined["_pos"].to_numpy()]
        first = pd.Series(types[hit], index=joined["row"].to_numpy()[hit]).groupby(level=0).first()
        for row, name in first.items():
            i = want[int(row)]
            if name not in known or feature not in reason_features[i]:
                continue
            k = list(reason_features[i]).index(feature)
            out[i][k] = out[i][k].replace(_GROWN_PHRASE, f"{_GROWN_PHRASE} ({name})", 1)
    return out


def evidence_ids(rows: pd.DataFrame, n: int, *, cap: int = DEFAULT_EVIDENCE_CAP) -> list[str]:
    """Space-separated ids of the first ``cap`` records of each window.

    Parameters
    ----------
    rows : DataFrame
        :func:`evidence_rows` output.
    n : int
        Number of windows.
    cap : int, default 20
        Most ids listed per window (earliest first).

    Returns
    -------
    list of str
        Per window, ``""`` when it has no record.
    """
    out = [""] * n
    if rows.empty:
        return out
    row = rows["row"].to_numpy(dtype=np.int64)  # sorted by window (evidence_rows)
    starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
    ends = np.r_[starts[1:], len(row)]
    ids = rows["id"].to_numpy(dtype=object)
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        out[int(row[a])] = " ".join(str(i) for i in ids[a : min(b, a + cap)])
    return out


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
        Feature -> flag column; default ``catalog.FEATURE_EVIDENCE``.

    Returns
    -------
    list of str
        Per window, space-separated record ids: the records flagged for its reasons' features;
        when none of them has a flag (or the window has no reasons), the window's first
        records.
    """
    rows = evidence_rows(events, flags, windows, reason_features, evidence_map=evidence_map)
    return evidence_ids(rows, len(windows), cap=cap)


def base_feature(feature: str, columns: Sequence[str]) -> str:
    """Return the feature whose values a reason about ``feature`` tells.

    Parameters
    ----------
    feature : str
    columns : sequence of str
        The feature columns.

    Returns
    -------
    str
        The count feature a ``<x>_vs_self`` / ``<x>_vs_peers`` robust z standardises, when
        there is one (its reason is told in that count); else ``feature`` itself.
    """
    return _base_feature(feature, columns) or feature


def told_values(
    feature: str, values: np.ndarray, *, description: str, share: bool = False
) -> tuple[str, np.ndarray, list[str]]:
    """Return a feature's values on the scale its reasons are told in, for plots and labels.

    Parameters
    ----------
    feature : str
        Feature column (as :func:`base_feature` returns it).
    values : ndarray
        Values as stored in the feature table (NaN stays NaN, labelled ``""``).
    description : str
        Its phrase (``catalog.FEATURE_DESCRIPTIONS``).
    share : bool, default False
        The values are shares in [0, 1].

    Returns
    -------
    unit : str
        ``count``, ``percent``, ``ratio``, ``closeness`` (``1 / (1 + hours)``: higher is
        sooner), ``flag`` (0 or 1) or ``value``.
    shown : ndarray
        The values on that scale (counts for ``log1p`` features, percentages for shares,
        ratios for log ratios); higher is more unusual, as in the feature table.
    labels : list of str
        Each value as a reason tells it (``"9"``, ``"74%"``, ``"2.5x"``, ``"12 min"``,
        ``"yes"``).
    """
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    if description.endswith(_LOG1P):
        unit, shown, label = "count", np.expm1(v), format_value
    elif share:
        unit, shown, label = "percent", 100.0 * v, lambda x: f"{round(x):d}%"
    elif description.endswith(_LOG_RATIO):
        unit, shown, label = "ratio", np.exp(v), lambda x: f"{_decimal(x)}x"
    elif description.endswith(_INV_HOURS):
        unit, shown, label = "closeness", v, _hours
    elif feature.startswith("is_"):
        unit, shown, label = "flag", v, lambda x: "yes" if x == 1.0 else "no"
    else:
        unit, shown, label = "value", v, format_value
    labels = [label(float(x)) if ok else "" for x, ok in zip(shown, finite, strict=True)]
    return unit, shown, labels
