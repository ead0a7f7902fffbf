"""Evaluate actor-window scores against the generator's ground truth.

Everything here is pure: :func:`evaluate` takes a scores frame (design.md section 5)
and a :class:`Labels` bundle (section 6) and returns an :class:`EvaluationResult`.
Reading files lives in ``io.py`` (``read_scores``, ``read_labels``).

Conventions
-----------
- A window is *positive* when any record of ``labels.csv`` falls in
  ``[window_start, window_end)`` for the same ``actor_id``; this works for any window
  size (1h, 1d, ...).
- ``score`` is higher = more anomalous.
- An investigation *budget* ``b`` lets an analyst look at the top ``ceil(b * n)``
  windows by score (at least one).  Windows tied at the cut-off share the remaining
  slots: each counts with the probability it would be picked under a random order of
  the tie, so budget metrics are exact expectations and never reward lucky tie order.
- Metrics that are undefined (recall with no positive window, ROC-AUC with a single
  class) are ``NaN``, never an exception.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import (
    average_precision_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

from pipes_anomaly._text import plural, visible

__all__ = [
    "DEFAULT_BUDGETS",
    "DEFAULT_KS",
    "EvaluationError",
    "EvaluationResult",
    "LABEL_COLUMNS",
    "LOOKALIKE_COLUMNS",
    "Labels",
    "LabelsMismatchError",
    "SCORE_COLUMNS",
    "budget_label",
    "budget_selection",
    "evaluate",
    "prepare_scores",
    "window_truth",
]

#: Investigation budgets: fractions of all windows an analyst reviews.
DEFAULT_BUDGETS: tuple[float, ...] = (0.001, 0.01, 0.05, 0.1)
#: Cut-offs for precision@k.
DEFAULT_KS: tuple[int, ...] = (10, 25, 50, 100)
#: Columns a scores frame must have (``alert`` is optional but expected).
SCORE_COLUMNS: tuple[str, ...] = ("actor_id", "window_start", "window_end", "score")
#: Columns of ``labels.csv``.
LABEL_COLUMNS: tuple[str, ...] = ("record_id", "actor_id", "created_at", "scenario", "incident_id")
#: Columns of ``lookalikes.csv``.
LOOKALIKE_COLUMNS: tuple[str, ...] = ("actor_id", "day", "kind")


class EvaluationError(ValueError):
    """Scores or labels that cannot be evaluated; the message says why and what to do."""


class LabelsMismatchError(EvaluationError):
    """Scores and labels of different worlds: no actor or no time in common, or no match."""


@dataclass(frozen=True)
class Labels:
    """Ground truth of a generated world (design.md section 6).

    Parameters
    ----------
    records : DataFrame
        ``labels.csv``: ``record_id, actor_id, created_at, scenario, incident_id``;
        ``created_at`` is converted to ``datetime64[ns, UTC]``.
    lookalikes : DataFrame, optional
        ``lookalikes.csv``: ``actor_id, day, kind`` (benign look-alike actor-days).
    window_labels : DataFrame, optional
        ``window_labels.csv`` (kept for reference; positives come from ``records``).
    manifest : dict, optional
        ``manifest.json`` contents.
    actors : tuple of str, optional
        Ids of every actor of the world (``actors.csv``); empty when not known.
    """

    records: pd.DataFrame
    lookalikes: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(LOOKALIKE_COLUMNS))
    )
    window_labels: pd.DataFrame | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    actors: tuple[str, ...] = ()

    @classmethod
    def from_frames(
        cls,
        records: pd.DataFrame,
        lookalikes: pd.DataFrame | None = None,
        *,
        window_labels: pd.DataFrame | None = None,
        manifest: dict[str, Any] | None = None,
        actors: Sequence[str] | None = None,
    ) -> Labels:
        """Check columns and normalise types of label frames.

        Parameters
        ----------
        records : DataFrame
            Labelled attack records with :data:`LABEL_COLUMNS`.
        lookalikes : DataFrame, optional
            Benign look-alike actor-days with :data:`LOOKALIKE_COLUMNS`.
        window_labels : DataFrame, optional
            Window labels as written by the generator.
        manifest : dict, optional
            The generator manifest.
        actors : sequence of str, optional
            Ids of every actor of the world (``actors.csv``).

        Returns
        -------
        Labels

        Raises
        ------
        EvaluationError
            When a column is missing or a timestamp or day cannot be parsed.
        """
        _require(records, LABEL_COLUMNS, "labels.csv")
        rec = records.loc[:, list(LABEL_COLUMNS)].copy()
        rec["created_at"] = _to_utc(rec["created_at"], "labels.csv", "created_at")
        for col in ("record_id", "actor_id", "scenario", "incident_id"):
            rec[col] = rec[col].astype("string")
        if lookalikes is None:
            look = pd.DataFrame(columns=list(LOOKALIKE_COLUMNS))
        else:
            _require(lookalikes, LOOKALIKE_COLUMNS, "lookalikes.csv")
            look = lookalikes.loc[:, list(LOOKALIKE_COLUMNS)].copy()
        look["day"] = _to_utc(look["day"], "lookalikes.csv", "day").dt.floor("D")
        look["actor_id"] = look["actor_id"].astype("string")
        look["kind"] = look["kind"].astype("string")
        return cls(
            records=rec.reset_index(drop=True),
            lookalikes=look.reset_index(drop=True),
            window_labels=window_labels,
            manifest=dict(manifest or {}),
            actors=tuple(str(a) for a in (actors if actors is not None else ())),
        )


@dataclass(frozen=True)
class EvaluationResult:
    """All metrics of one evaluation.  Tables are DataFrames; ``NaN`` = undefined.

    Attributes
    ----------
    n_windows, n_positive, n_alerts : int
        Windows scored, windows with a labelled record, windows flagged by ``alert``.
    window : str
        Window size as seen in the scores (``"1d"``, ``"1h"``, ...).
    flag : dict
        ``precision, recall, f1, tp, fp, fn, tn`` of the ``alert`` flag (``NaN`` when the
        scores carry no ``alert`` column).
    pr_auc, roc_auc : float
        Average precision and ROC-AUC of ``score`` against window truth.
    precision_at_k : DataFrame
        ``k, k_used, precision, positives`` (expected values under random tie order).
    budgets : DataFrame
        ``budget, label, k, threshold, recall, precision, positives``.
    scenarios : DataFrame
        One row per scenario: ``scenario, windows, incidents, pr_auc, recall_flag,
        incidents_flag`` then ``recall@<b>`` and ``incidents@<b>`` per budget.
    lookalikes : DataFrame
        One row per look-alike kind (plus ``all``): ``kind, windows, alerts_flag,
        rate_flag`` then ``alerts@<b>`` per budget (counted among non-positive windows).
    incidents : DataFrame
        One row per incident: ``incident_id, scenario, actor_id, windows, max_score,
        best_rank, caught_flag`` then ``caught@<b>`` (probability) per budget.
    windows : DataFrame
        The scores with ``is_positive``, ``scenarios`` (``;``-joined), ``lookalike``
        (``;``-joined kinds), ``rank`` (1 = highest score) and ``selected@<b>``.
    pr_curve, roc_curve : DataFrame
        ``precision, recall`` and ``fpr, tpr`` points (empty when undefined).
    unmatched_labels : int
        Labelled records inside the scores' time span whose actor-window is missing.
    notes : tuple of str
        Human-readable caveats (no positives, no alert column, ...).
    """

    n_windows: int
    n_positive: int
    n_alerts: int
    window: str
    flag: dict[str, float]
    pr_auc: float
    roc_auc: float
    precision_at_k: pd.DataFrame
    budgets: pd.DataFrame
    scenarios: pd.DataFrame
    lookalikes: pd.DataFrame
    incidents: pd.DataFrame
    windows: pd.DataFrame
    pr_curve: pd.DataFrame
    roc_curve: pd.DataFrame
    unmatched_labels: int
    budget_values: tuple[float, ...]
    notes: tuple[str, ...] = ()

    def summary(self) -> dict[str, float]:
        """Flat headline numbers, e.g. for an experiments table.

        Returns
        -------
        dict
            ``pr_auc, roc_auc, precision, recall, f1``, ``recall@<b>`` per budget,
            ``min_scenario_recall@<b>``, ``recall@<b>[<scenario>]``,
            ``incidents@<b>`` (share of incidents caught) and
            ``lookalike_alerts@<b>`` (false alerts on look-alike windows).
        """
        out: dict[str, float] = {
            "n_windows": float(self.n_windows),
            "n_positive": float(self.n_positive),
            "pr_auc": self.pr_auc,
            "roc_auc": self.roc_auc,
            "precision": self.flag["precision"],
            "recall": self.flag["recall"],
            "f1": self.flag["f1"],
        }
        n_inc = len(self.incidents)
        all_look = self.lookalikes[self.lookalikes["kind"] == "all"]
        for b in self.budget_values:
            lab = budget_label(b)
            row = self.budgets[self.budgets["label"] == lab].iloc[0]
            out[f"recall@{lab}"] = float(row["recall"])
            col = f"recall@{lab}"
            vals = self.scenarios[col] if len(self.scenarios) else pd.Series([], dtype=float)
            out[f"min_scenario_recall@{lab}"] = float(vals.min()) if len(vals) else math.nan
            for _, srow in self.scenarios.iterrows():
                out[f"recall@{lab}[{srow['scenario']}]"] = float(srow[col])
            out[f"incidents@{lab}"] = (
                float(self.incidents[f"caught@{lab}"].sum() / n_inc) if n_inc else math.nan
            )
            out[f"lookalike_alerts@{lab}"] = (
                float(all_look[f"alerts@{lab}"].iloc[0]) if len(all_look) else 0.0
            )
        return out


# --- helpers -------------------------------------------------------------------------------


def budget_label(budget: float) -> str:
    """Format a budget fraction as a percentage label: ``0.001 -> "0.1%"``, ``0.05 -> "5%"``.

    Parameters
    ----------
    budget : float
        Fraction of windows in (0, 1].

    Returns
    -------
    str
    """
    return f"{budget * 100:g}%"


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise EvaluationError(f"{what} is missing required column(s): {', '.join(missing)}")


def _to_utc(values: pd.Series, what: str, column: str) -> pd.Series:
    """Parse timestamps (strings or datetimes, any zone) to ``datetime64[ns, UTC]``."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
    try:
        out = pd.to_datetime(values, utc=True, format="ISO8601")
    except (ValueError, TypeError) as exc:
        bad = _first_unparseable(values)
        raise EvaluationError(
            f"{what}: column '{column}' has a value that is not an ISO 8601 time: {bad!r}"
        ) from exc
    if out.isna().any():
        row = int(np.flatnonzero(out.isna().to_numpy())[0])
        raise EvaluationError(f"{what}: column '{column}' is empty in row {row + 1}")
    return out.astype("datetime64[ns, UTC]")


def _first_unparseable(values: pd.Series) -> object:
    for v in values:
        try:
            pd.Timestamp(v)
        except (ValueError, TypeError):
            return v
    return None


def prepare_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Check and normalise a scores frame (design.md section 5).

    Parameters
    ----------
    scores : DataFrame
        At least :data:`SCORE_COLUMNS`; ``alert`` (bool, ``true``/``false`` strings or
        0/1) is used when present.  Window bounds may be ISO 8601 strings.

    Returns
    -------
    DataFrame
        A copy with UTC window bounds, float ``score``, bool ``alert`` (when present),
        sorted by ``window_start, actor_id`` with a fresh index.

    Raises
    ------
    EvaluationError
        Naming missing columns, unparseable times, missing or non-numeric scores,
        windows with ``window_end <= window_start`` or duplicated actor-windows.
    """
    if "class_uid" in scores.columns and "actor_id" not in scores.columns:
        raise EvaluationError(
            "scores: these are OCSF findings (`score --format ocsf`), one per alert; evaluate "
            "reads the scores of every window: `anomaly score ... -o scores.csv` (or .jsonl, "
            ".parquet)"
        )
    _require(scores, SCORE_COLUMNS, "scores")
    out = scores.copy()
    out["actor_id"] = out["actor_id"].astype("string")
    if (out["actor_id"].isna() | (out["actor_id"] == "")).any():
        raise EvaluationError("scores: column 'actor_id' has empty values")
    out["window_start"] = _to_utc(out["window_start"], "scores", "window_start")
    out["window_end"] = _to_utc(out["window_end"], "scores", "window_end")
    if (out["window_end"] <= out["window_start"]).any():
        raise EvaluationError("scores: some windows have window_end <= window_start")
    score = pd.to_numeric(out["score"], errors="coerce")
    if score.isna().any():
        n = int(score.isna().sum())
        raise EvaluationError(f"scores: column 'score' has {n} missing or non-numeric value(s)")
    out["score"] = score.astype("float64")
    if "alert" in out.columns:
        out["alert"] = _to_bool(out["alert"])
    dup = out.duplicated(["actor_id", "window_start"])
    if dup.any():
        first = out.loc[dup].iloc[0]
        raise EvaluationError(
            f"scores: {int(dup.sum())} duplicated actor-window(s), e.g. "
            f"{visible(first['actor_id'])} at {first['window_start'].isoformat()}"
        )
    return out.sort_values(["window_start", "actor_id"], kind="stable").reset_index(drop=True)


def _to_bool(values: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        return values.fillna(False).astype(bool)
    if pd.api.types.is_numeric_dtype(values):
        return values.fillna(0).astype(float) != 0
    text = values.astype("string").str.strip().str.lower()
    ok = text.isin(["true", "false", "1", "0", "yes", "no", "t", "f"]) | text.isna()
    if not ok.all():
        bad = values[~ok].iloc[0]
        raise EvaluationError(f"scores: column 'alert' has a value that is not a boolean: {bad!r}")
    return text.isin(["true", "1", "yes", "t"]).fillna(False).astype(bool)


def _window_name(scores: pd.DataFrame) -> str:
    if scores.empty:
        return "?"
    sizes = (scores["window_end"] - scores["window_start"]).value_counts()
    size = sizes.index[0]
    if size % pd.Timedelta(days=1) == pd.Timedelta(0):
        return f"{size // pd.Timedelta(days=1)}d"
    if size % pd.Timedelta(hours=1) == pd.Timedelta(0):
        return f"{size // pd.Timedelta(hours=1)}h"
    return str(size)


# --- truth ---------------------------------------------------------------------------------


def window_truth(scores: pd.DataFrame, labels: Labels) -> tuple[pd.DataFrame, int]:
    """Map labelled records and look-alike days onto the scores' actor-windows.

    Parameters
    ----------
    scores : DataFrame
        Output of :func:`prepare_scores`.
    labels : Labels
        Ground truth.

    Returns
    -------
    hits : DataFrame
        One row per (window index, labelled record): ``window, record_id, scenario,
        incident_id`` where ``window`` is the row index in ``scores``.
    unmatched : int
        Labelled records inside the scores' overall time span whose actor has no window
        covering them.
    """
    rec = labels.records
    empty = pd.DataFrame(
        {
            "window": pd.Series([], dtype="int64"),
            "record_id": pd.Series([], dtype="string"),
            "scenario": pd.Series([], dtype="string"),
            "incident_id": pd.Series([], dtype="string"),
        }
    )
    if scores.empty or rec.empty:
        return empty, 0
    lo, hi = scores["window_start"].min(), scores["window_end"].max()
    rec = rec[(rec["created_at"] >= lo) & (rec["created_at"] < hi)]
    if rec.empty:
        return empty, 0
    win = scores.loc[:, ["actor_id", "window_start", "window_end"]].copy()
    win["window"] = np.arange(len(win), dtype="int64")
    win = win.sort_values("window_start", kind="stable")
    left = rec.sort_values("created_at", kind="stable")
    merged = pd.merge_asof(
        left,
        win,
        left_on="created_at",
        right_on="window_start",
        by="actor_id",
        direction="backward",
    )
    ok = merged["window"].notna() & (merged["created_at"] < merged["window_end"])
    hits = merged.loc[ok, ["window", "record_id", "scenario", "incident_id"]].copy()
    hits["window"] = hits["window"].astype("int64")
    return hits.reset_index(drop=True), int((~ok).sum())


def _lookalike_windows(scores: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """Return ``window, kind`` pairs: windows overlapping a look-alike actor-day."""
    look = labels.lookalikes
    if scores.empty or look.empty:
        return pd.DataFrame(
            {"window": pd.Series([], dtype="int64"), "kind": pd.Series([], dtype="string")}
        )
    win = scores.loc[:, ["actor_id", "window_start", "window_end"]].copy()
    win["window"] = np.arange(len(win), dtype="int64")
    m = win.merge(look, on="actor_id", how="inner")
    day_end = m["day"] + pd.Timedelta(days=1)
    m = m[(m["window_start"] < day_end) & (m["window_end"] > m["day"])]
    return m.loc[:, ["window", "kind"]].drop_duplicates().reset_index(drop=True)


# --- budget selection ----------------------------------------------------------------------


def budget_selection(score: np.ndarray, k: int) -> np.ndarray:
    """Probability of each window being among the top ``k`` under random tie order.

    Parameters
    ----------
    score : ndarray of shape (n,)
        Scores, higher = more anomalous.
    k : int
        Number of windows reviewed; clipped to ``[0, n]``.

    Returns
    -------
    ndarray of shape (n,)
        1 for windows strictly above the cut-off score, ``slots / tied`` for windows
        tied at it, 0 below.  Sums to ``min(k, n)``.
    """
    n = len(score)
    k = max(0, min(int(k), n))
    w = np.zeros(n, dtype="float64")
    if k == 0:
        return w
    threshold = np.sort(score)[::-1][k - 1]
    above = score > threshold
    tied = score == threshold
    w[above] = 1.0
    w[tied] = (k - int(above.sum())) / int(tied.sum())
    return w


def _k_for_budget(budget: float, n: int) -> int:
    if n == 0:
        return 0
    return max(1, min(n, math.ceil(budget * n - 1e-9)))


def _any_selected_probability(score: np.ndarray, members: np.ndarray, k: int) -> float:
    """P(at least one of ``members`` in the top k) under random tie order."""
    n = len(score)
    k = max(0, min(int(k), n))
    if k == 0 or len(members) == 0:
        return 0.0
    threshold = np.sort(score)[::-1][k - 1]
    s = score[members]
    if (s > threshold).any():
        return 1.0
    j = int((s == threshold).sum())
    if j == 0:
        return 0.0
    n_above = int((score > threshold).sum())
    m = int((score == threshold).sum())
    r = k - n_above
    if r >= m - j + 1:
        return 1.0
    # 1 - C(m - j, r) / C(m, r)
    log_none = (
        math.lgamma(m - j + 1)
        - math.lgamma(m - j - r + 1)
        - math.lgamma(m + 1)
        + math.lgamma(m - r + 1)
    )
    return float(1.0 - math.exp(log_none))


# --- metrics -------------------------------------------------------------------------------


def _safe_ap(y: np.ndarray, s: np.ndarray) -> float:
    if y.sum() == 0:
        return math.nan
    if y.sum() == len(y):
        return 1.0
    return float(average_precision_score(y, s))


def _safe_roc(y: np.ndarray, s: np.ndarray) -> float:
    if y.sum() == 0 or y.sum() == len(y):
        return math.nan
    return float(roc_auc_score(y, s))


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else math.nan


def evaluate(
    scores: pd.DataFrame,
    labels: Labels,
    *,
    budgets: Sequence[float] = DEFAULT_BUDGETS,
    ks: Sequence[int] = DEFAULT_KS,
) -> EvaluationResult:
    """Evaluate actor-window scores against labelled incidents and look-alikes.

    Parameters
    ----------
    scores : DataFrame
        One row per actor-window (design.md section 5): ``actor_id, window_start,
        window_end, score`` (higher = more anomalous) and, when available, ``alert``.
        Strings or datetimes for the window bounds; any window size.
    labels : Labels
        Ground truth, see :meth:`Labels.from_frames`.
    budgets : sequence of float, default (0.001, 0.01, 0.05, 0.1)
        Investigation budgets as fractions of windows, each in (0, 1].
    ks : sequence of int, default (10, 25, 50, 100)
        Cut-offs for precision@k (clipped to the number of windows).

    Returns
    -------
    EvaluationResult

    Raises
    ------
    EvaluationError
        When the scores are malformed (see :func:`prepare_scores`) or a budget is outside
        (0, 1].
    LabelsMismatchError
        When the scores and the labels are of different worlds: no scored actor is an actor
        of the labels' world (``labels.actors``, else the actors its labels and look-alikes
        name), no window falls in its timeline (the manifest's training and test periods),
        or labelled records fall inside the scores' time span but none of them matches a
        scored actor-window (another world or window grid).
    """
    budgets = tuple(float(b) for b in budgets)
    for b in budgets:
        if not 0 < b <= 1:
            raise EvaluationError(f"budget {b:g} is not a fraction in (0, 1]")
    frame = prepare_scores(scores)
    n = len(frame)
    _check_same_world(frame, labels)
    hits, unmatched = window_truth(frame, labels)
    if unmatched and hits.empty:
        raise LabelsMismatchError(
            f"none of the {unmatched} labelled record(s) inside the scores' time span match a "
            f"scored actor-window; {_SAME_WORLD}"
        )
    y = np.zeros(n, dtype=bool)
    y[hits["window"].to_numpy()] = True
    s = frame["score"].to_numpy(dtype="float64")
    has_alert = "alert" in frame.columns
    alert = frame["alert"].to_numpy(dtype=bool) if has_alert else np.zeros(n, dtype=bool)
    notes = _notes(unmatched, int(y.sum()), n, has_alert)
    pr_auc, roc_auc, pr_curve, roc = _curves(y, s)
    budget_table, selections, ks_b = _budget_table(s, y, budgets)
    looks = _lookalike_windows(frame, labels)
    windows = _windows_table(frame, y, selections, hits, looks)
    rank = windows["rank"].to_numpy()
    incidents = _incident_table(hits, frame, s, rank, alert if has_alert else None, ks_b)
    return EvaluationResult(
        n_windows=n,
        n_positive=int(y.sum()),
        n_alerts=int(alert.sum()),
        window=_window_name(frame),
        flag=_flag_metrics(y, alert, has_alert),
        pr_auc=pr_auc,
        roc_auc=roc_auc,
        precision_at_k=_precision_at_k(s, y, ks),
        budgets=budget_table,
        scenarios=_scenario_table(hits, s, y, alert if has_alert else None, selections, incidents),
        lookalikes=_lookalike_table(looks, y, alert if has_alert else None, selections),
        incidents=incidents,
        windows=windows,
        pr_curve=pr_curve,
        roc_curve=roc,
        unmatched_labels=unmatched,
        budget_values=budgets,
        notes=notes,
    )


#: What to do when the scores and the labels are of different worlds.
_SAME_WORLD = (
    "evaluate the scores of the world these labels belong to (its test records scored by a "
    "model trained on its training records)"
)


def _world_days(labels: Labels) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last UTC day of the labels' world (its manifest's periods), None if unknown."""
    try:
        first = pd.Timestamp(labels.manifest["train_period"]["start"], tz="UTC")
        last = pd.Timestamp(labels.manifest["test_period"]["end"], tz="UTC")
    except (KeyError, TypeError, ValueError):
        return None
    return first, last


def _check_same_world(frame: pd.DataFrame, labels: Labels) -> None:
    """Refuse scores that share no actor, or no time, with the labels' world."""
    known = set(labels.actors) or (
        set(labels.records["actor_id"].dropna()) | set(labels.lookalikes["actor_id"].dropna())
    )
    if frame.empty or not known:  # nothing to compare with: the notes say what is undefined
        return
    scored = set(frame["actor_id"])
    lo, hi = frame["window_start"].min(), frame["window_end"].max()
    days = _world_days(labels)
    no_actor = not scored & known
    no_time = days is not None and not (lo < days[1] + pd.Timedelta(days=1) and hi > days[0])
    if not (no_actor or no_time):
        return
    what = " and ".join(
        w for w, lacking in (("no actor", no_actor), ("no day", no_time)) if lacking
    )
    last = (hi - pd.Timedelta(1)).floor("D")
    world = (
        f"{plural(len(known), 'actor')} in the labels' world"
        if labels.actors
        else (f"{plural(len(known), 'actor')} named by the labels")
    )
    if days is not None:
        world += f" on UTC days {days[0]:%Y-%m-%d} to {days[1]:%Y-%m-%d}"
    raise LabelsMismatchError(
        f"the scores and the labels share {what}: {plural(len(scored), 'actor')} scored on "
        f"UTC days {lo:%Y-%m-%d} to {last:%Y-%m-%d}, {world}; {_SAME_WORLD}"
    )


def _windows_table(
    frame: pd.DataFrame,
    y: np.ndarray,
    selections: dict[str, np.ndarray],
    hits: pd.DataFrame,
    looks: pd.DataFrame,
) -> pd.DataFrame:
    """Return the scores with their truth, rank, budget selections, scenarios and look-alikes."""
    n = len(frame)
    windows = frame.copy()
    windows["is_positive"] = y
    order = np.argsort(-frame["score"].to_numpy(dtype="float64"), kind="stable")
    rank = np.empty(n, dtype="int64")
    rank[order] = np.arange(1, n + 1)
    windows["rank"] = rank
    for lab, w in selections.items():
        windows[f"selected@{lab}"] = w
    windows["scenarios"] = _joined_per_window(
        hits.drop_duplicates(["window", "scenario"]), "scenario", n, distinct=False
    )
    windows["lookalike"] = _joined_per_window(looks, "kind", n, distinct=True)
    return windows


def _notes(unmatched: int, n_pos: int, n: int, has_alert: bool) -> tuple[str, ...]:
    """Caveats an analyst should read beside the numbers."""
    notes = []
    if unmatched:
        notes.append(
            f"{unmatched} labelled record(s) inside the scores' time span have no scored "
            "window (rejected records or actors missing from the scores)."
        )
    if n_pos == 0:
        notes.append("No labelled window among the scores: recall and PR-AUC are undefined.")
    elif n_pos == n:
        notes.append("Every window is labelled: ROC-AUC is undefined.")
    if not has_alert:
        notes.append("The scores have no 'alert' column: metrics at the flag are undefined.")
    return tuple(notes)


def _flag_metrics(y: np.ndarray, alert: np.ndarray, has_alert: bool) -> dict[str, float]:
    """Precision, recall, F1 and the confusion counts of the ``alert`` flag."""
    tp = int((alert & y).sum())
    fp = int((alert & ~y).sum())
    fn = int((~alert & y).sum())
    tn = int((~alert & ~y).sum())
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    if math.isnan(recall):
        f1 = math.nan
    elif tp == 0:
        f1 = 0.0  # positives exist but none is flagged (precision may be undefined)
    else:
        f1 = 2 * precision * recall / (precision + recall)
    if not has_alert:
        precision = recall = f1 = math.nan
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
    }


def _curves(y: np.ndarray, s: np.ndarray) -> tuple[float, float, pd.DataFrame, pd.DataFrame]:
    """PR-AUC, ROC-AUC and the points of both curves (empty when undefined)."""
    n_pos, n = int(y.sum()), len(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pr_auc = _safe_ap(y, s)
        roc_auc = _safe_roc(y, s)
        if 0 < n_pos < n:
            p, r, _ = precision_recall_curve(y, s)
            pr_curve = pd.DataFrame({"precision": p, "recall": r})
            fpr, tpr, _ = roc_curve(y, s)
            roc = pd.DataFrame({"fpr": fpr, "tpr": tpr})
        else:
            pr_curve = pd.DataFrame({"precision": [], "recall": []}, dtype="float64")
            roc = pd.DataFrame({"fpr": [], "tpr": []}, dtype="float64")
    return pr_auc, roc_auc, pr_curve, roc


def _precision_at_k(s: np.ndarray, y: np.ndarray, ks: Sequence[int]) -> pd.DataFrame:
    """Return the expected precision among the top ``k`` windows, for each ``k``."""
    rows = []
    for k in ks:
        k_used = min(int(k), len(s))
        got = float((budget_selection(s, k_used) * y).sum())
        rows.append(
            {"k": int(k), "k_used": k_used, "precision": _ratio(got, k_used), "positives": got}
        )
    return pd.DataFrame(rows, columns=["k", "k_used", "precision", "positives"])


def _budget_table(
    s: np.ndarray, y: np.ndarray, budgets: Sequence[float]
) -> tuple[pd.DataFrame, dict[str, np.ndarray], dict[str, int]]:
    """Recall and precision within each budget; each budget's selection and its size."""
    n, n_pos = len(s), int(y.sum())
    rows = []
    selections: dict[str, np.ndarray] = {}
    sizes: dict[str, int] = {}
    for b in budgets:
        lab = budget_label(b)
        k = _k_for_budget(b, n)
        w = budget_selection(s, k)
        selections[lab] = w
        sizes[lab] = k
        got = float((w * y).sum())
        rows.append(
            {
                "budget": b,
                "label": lab,
                "k": k,
                "threshold": float(np.sort(s)[::-1][k - 1]) if k else math.nan,
                "recall": _ratio(got, n_pos),
                "precision": _ratio(got, k),
                "positives": got,
            }
        )
    columns = ["budget", "label", "k", "threshold", "recall", "precision", "positives"]
    return pd.DataFrame(rows, columns=columns), selections, sizes


def _joined_per_window(pairs: pd.DataFrame, column: str, n: int, *, distinct: bool) -> np.ndarray:
    """Per window, the ``;``-joined sorted values of ``column`` in ``pairs`` (NA when none)."""
    joined = pairs.groupby("window")[column].agg(
        lambda v: ";".join(sorted(set(v) if distinct else v))
    )
    return pd.Series(joined, dtype="string").reindex(np.arange(n)).to_numpy()


def _scenario_table(
    hits: pd.DataFrame,
    s: np.ndarray,
    y: np.ndarray,
    alert: np.ndarray | None,
    selections: dict[str, np.ndarray],
    incidents: pd.DataFrame,
) -> pd.DataFrame:
    """One row per scenario: windows, incidents, PR-AUC and recall at the flag and budgets."""
    n = len(s)
    rows = []
    for scen, grp in hits.groupby("scenario", sort=True):
        idx = np.unique(grp["window"].to_numpy())
        yy = np.zeros(n, dtype=bool)
        yy[idx] = True
        mask = yy | ~y  # this scenario's windows against all negative windows
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ap = _safe_ap(yy[mask], s[mask])
        sub = incidents[incidents["scenario"] == str(scen)]
        row: dict[str, Any] = {
            "scenario": str(scen),
            "windows": len(idx),
            "incidents": int(grp["incident_id"].nunique()),
            "pr_auc": ap,
            "recall_flag": float(alert[idx].mean()) if alert is not None else math.nan,
            "incidents_flag": float(sub["caught_flag"].sum()) if alert is not None else math.nan,
        }
        for lab, w in selections.items():
            row[f"recall@{lab}"] = float(w[idx].mean())
        for lab in selections:
            row[f"incidents@{lab}"] = float(sub[f"caught@{lab}"].sum())
        rows.append(row)
    columns = ["scenario", "windows", "incidents", "pr_auc", "recall_flag", "incidents_flag"]
    columns += [f"recall@{lab}" for lab in selections]
    columns += [f"incidents@{lab}" for lab in selections]
    return pd.DataFrame(rows, columns=columns)


def _incident_table(
    hits: pd.DataFrame,
    frame: pd.DataFrame,
    s: np.ndarray,
    rank: np.ndarray,
    alert: np.ndarray | None,
    ks: dict[str, int],
) -> pd.DataFrame:
    """One row per incident: its windows, best score and rank, caught at the flag and budgets."""
    rows = []
    for (inc, scen), grp in hits.groupby(["incident_id", "scenario"], sort=True):
        idx = np.unique(grp["window"].to_numpy())
        actors = frame.loc[idx, "actor_id"].unique()
        row = {
            "incident_id": str(inc),
            "scenario": str(scen),
            "actor_id": ";".join(sorted(str(a) for a in actors)),
            "windows": len(idx),
            "max_score": float(s[idx].max()),
            "best_rank": int(rank[idx].min()),
            "caught_flag": bool(alert[idx].any()) if alert is not None else False,
        }
        for lab, k in ks.items():
            row[f"caught@{lab}"] = _any_selected_probability(s, idx, k)
        rows.append(row)
    columns = ["incident_id", "scenario", "actor_id", "windows", "max_score", "best_rank"]
    columns += ["caught_flag", *[f"caught@{lab}" for lab in ks]]
    return pd.DataFrame(rows, columns=columns)


def _lookalike_table(
    looks: pd.DataFrame,
    y: np.ndarray,
    alert: np.ndarray | None,
    selections: dict[str, np.ndarray],
) -> pd.DataFrame:
    """Count false alerts among non-positive look-alike windows, per kind and for ``all``."""
    rows = []
    neg_looks = looks[~y[looks["window"].to_numpy()]] if len(looks) else looks
    kinds = sorted(neg_looks["kind"].unique()) if len(neg_looks) else []
    for kind in [*kinds, "all"]:
        sel = neg_looks if kind == "all" else neg_looks[neg_looks["kind"] == kind]
        idx = np.unique(sel["window"].to_numpy()).astype("int64")
        row = {
            "kind": kind,
            "windows": len(idx),
            "alerts_flag": int(alert[idx].sum()) if alert is not None else math.nan,
            "rate_flag": (
                _ratio(int(alert[idx].sum()), len(idx)) if alert is not None else math.nan
            ),
        }
        for lab, w in selections.items():
            row[f"alerts@{lab}"] = float(w[idx].sum())
        rows.append(row)
    columns = ["kind", "windows", "alerts_flag", "rate_flag"]
    columns += [f"alerts@{lab}" for lab in selections]
    return pd.DataFrame(rows, columns=columns)
