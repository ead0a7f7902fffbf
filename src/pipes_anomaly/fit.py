"""Honest about fit: what a model was trained on, and whether records to score look like it.

A model learns one organisation's habits over one period.  Scored on records it never saw the
like of (another organisation, other actors, action types it never met, a period long after
its training), every window looks unlike the training data and alerts; the scores then rank
how foreign the data is, not how suspicious.  :class:`TrainingSummary` records what the model
was trained on (saved with it); :func:`check_fit` compares records to score with it and
returns the warnings, each saying what is wrong and what to do; :func:`history_note` says
truthfully why history features never varied in training.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipes_anomaly._text import plural, visible
from pipes_anomaly.catalog import FEATURE_DESCRIPTIONS, HISTORY_FEATURES

__all__ = [
    "FitWarning",
    "HISTORY_MIN_DAYS",
    "TrainingSummary",
    "check_fit",
    "fit_advice",
    "history_note",
]

_NS_DAY = 86_400 * 10**9

#: Days of training data history features need: an actor's first 7 days teach its habits
#: (nothing in them counts as new), then trailing features look back 7 windows.
HISTORY_MIN_DAYS = 14
#: Records of organisations never seen in training, as a share of the records, that warn.
UNSEEN_ORG_SHARE = 0.05
#: Actors never seen in training, as a share of the actors scored, above which it warns.
UNSEEN_ACTOR_SHARE = 0.5
#: Records of action types never seen in training, as a share of the records, that warn.
UNKNOWN_ACTION_SHARE = 0.05
#: Days between the end of training and the first record scored beyond which it warns.
LONG_AFTER_DAYS = 30
#: Earlier days the last day's end is compared with, at the least.
CUT_SHORT_MIN_DAYS = 3
#: Earlier days the last day's end is compared with, at the most (the latest ones).
CUT_SHORT_DAYS = 28
#: Hours before the earliest end of an earlier day at which the last day is called cut short.
CUT_SHORT_HOURS = 2
#: Windows above the threshold warn when more than this many times the asked rate (a new
#: period of the organisation stays within a few times it, experiments/results/alert_shares.md;
#: data the model does not know alerts on most windows)...
ALERT_EXCESS = 10.0
#: ...and at least this many (a few alerts on a small batch are not a pattern).
ALERT_MIN = 5
#: A unit at the end of a feature's description, left out of messages: " (log1p)".
_UNIT = re.compile(r" \((log1p|robust z|log ratio|bits)\)$")
#: Below this many training windows, a model places its threshold on few of them, and more
#: of a new period's windows pass it (small development variants: 14% before the alert cap,
#: large ones 3.6%, experiments/results/ninth_round/run6_others_spread.csv): many alerts are
#: then advised as such.
FEW_TRAINING_WINDOWS = 1_000
#: Most names a message lists.
_SHOWN = 5
#: Most action types recorded in a manifest (the model directory holds them all).
_MANIFEST_ACTIONS = 100


def _counts(values: pd.Series, key: str, label: pd.Series | None = None) -> pd.DataFrame:
    """Count records per value (most first, then by value), with the first label of each."""
    codes, uniques = pd.factorize(values.fillna(""), sort=True)
    records = np.bincount(codes, minlength=len(uniques)).astype(np.int64)
    out = pd.DataFrame({key: np.asarray(uniques, dtype=object)})
    if label is not None:
        _, first = np.unique(codes, return_index=True)
        out["label"] = label.fillna("").to_numpy(dtype=object)[first]
    out["records"] = records
    order = np.lexsort((np.arange(len(out)), -records))  # most first; ties by value (sorted)
    return out.iloc[order].reset_index(drop=True)


def _iso(ns: int) -> str:
    """Write a time in ns since the epoch as ISO 8601 UTC, to the second."""
    return pd.Timestamp(int(ns), unit="ns", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(ns: int) -> str:
    return pd.Timestamp(int(ns), unit="ns", tz="UTC").strftime("%Y-%m-%d")


def _short(text: object, limit: int = 40) -> str:
    """Cut a name from data to ``limit`` characters, its newlines and tabs made visible too.

    The whole message keeps its own lines; a name from data must not add any.
    """
    s = str(text)
    return visible(s if len(s) <= limit else s[: limit - 1] + "…")


@dataclass
class TrainingSummary:
    """What a model was trained on: period, organisations, actors, action types, alert rate.

    Saved with the model (``training.npz`` of a model directory, digested in its manifest).

    Attributes
    ----------
    window : str
        Window length of the model.
    first_ns, last_ns : int
        Times of the first and last training record (ns since the epoch, UTC).
    n_records : int
        Training records.
    n_windows : int
        Training actor-windows.
    alert_share : float
        Share of the training windows scored above the model's alert threshold.
    organisations : DataFrame
        ``identity_id``, ``label`` (its handle), ``records``; most records first.
    actors : DataFrame
        ``actor_id``, ``label`` (its handle), ``records``; most records first.
    action_types : DataFrame
        ``action_type``, ``records``; most records first.
    """

    window: str
    first_ns: int
    last_ns: int
    n_records: int
    n_windows: int
    alert_share: float
    organisations: pd.DataFrame
    actors: pd.DataFrame
    action_types: pd.DataFrame

    @classmethod
    def of(
        cls, events: pd.DataFrame, *, window: str, n_windows: int, alert_share: float
    ) -> TrainingSummary:
        """Summarise training events.

        Parameters
        ----------
        events : DataFrame
            The training events (docs/design.md section 2), at least one record.
        window : str
            Window length of the model.
        n_windows : int
            Training actor-windows.
        alert_share : float
            Share of training windows above the alert threshold.

        Returns
        -------
        TrainingSummary
        """
        ns = _record_times(events)
        return cls(
            window=window,
            first_ns=int(ns.min()),
            last_ns=int(ns.max()),
            n_records=len(events),
            n_windows=int(n_windows),
            alert_share=float(alert_share),
            organisations=_counts(events["identity_id"], "identity_id", events["identity_handle"]),
            actors=_counts(events["actor_id"], "actor_id", events["actor_handle"]),
            action_types=_counts(events["action_type"], "action_type"),
        )

    @property
    def days(self) -> int:
        """Length of the training period in UTC days, those of its first and last record in."""
        return int(self.last_ns // _NS_DAY - self.first_ns // _NS_DAY + 1)

    def digest(self) -> dict:
        """Return the summary as a model manifest records it (plain JSON values).

        Returns
        -------
        dict
            ``first_record``, ``last_record`` (ISO 8601 UTC), ``records``, ``actors``,
            ``organisations`` (counts), ``action_types`` (share of the records of each, the
            :data:`_MANIFEST_ACTIONS` most frequent) and ``alert_rate`` (share of training
            windows above the threshold).
        """
        top = self.action_types.head(_MANIFEST_ACTIONS)
        shares = top["records"].to_numpy() / max(self.n_records, 1)
        return {
            "first_record": _iso(self.first_ns),
            "last_record": _iso(self.last_ns),
            "records": int(self.n_records),
            "actors": len(self.actors),
            "organisations": len(self.organisations),
            "action_types": {
                str(a)[:200]: round(float(s), 6)
                for a, s in zip(top["action_type"], shares, strict=True)
            },
            "alert_rate": round(float(self.alert_share), 6),
        }


@dataclass(frozen=True)
class FitWarning:
    """One way records to score differ from what the model was trained on.

    Attributes
    ----------
    kind : str
        ``organisations``, ``actors``, ``action_types``, ``overlap``, ``after``, ``gap``,
        ``cut_short`` or ``alerts``.
    text : str
        What differs, with figures (names from data with their control characters, newlines
        and tabs made visible).
    """

    kind: str
    text: str

    @property
    def foreign(self) -> bool:
        """Whether it says the records are not of the organisation or activity it knows."""
        return self.kind in _FOREIGN


#: Kinds of warning that mean the records are not the organisation the model knows.
_FOREIGN = ("organisations", "actors", "action_types")


def check_fit(
    summary: TrainingSummary,
    events: pd.DataFrame,
    scores: pd.Series | np.ndarray,
    *,
    threshold: float,
    alert_rate: float,
    history_end_ns: int | None = None,
    history_day_ends_ns: np.ndarray | None = None,
) -> list[FitWarning]:
    """Compare records to score with what the model was trained on.

    Parameters
    ----------
    summary : TrainingSummary
        What the model was trained on.
    events : DataFrame
        The records scored (docs/design.md section 2).
    scores : array-like of float
        The ``score`` of every scored actor-window.
    threshold : float
        The alert threshold used.
    alert_rate : float
        The share of windows expected above it (the asked budget, or the share of training
        windows above an explicit threshold).
    history_end_ns : int, optional
        Where the model's history of the actors ends (UTC nanoseconds): its training
        period's, or that of the history carried forward; default the training period's.
    history_day_ends_ns : ndarray of int, optional
        The time of the last record of each UTC day of that history (ns since the epoch),
        so that a run of one day can be told it ends earlier than the days before it.

    Returns
    -------
    list of FitWarning
        Empty when the records look like the training data.
    """
    ns = _record_times(events)
    period = _period(summary, ns)
    end = summary.last_ns if history_end_ns is None else int(history_end_ns)
    checks = (
        _organisations(summary, events),
        _actors(summary, events),
        _action_types(summary, events),
        *period,
        _gap(end, int(ns.min())) if _gap_is_news(period, end, summary) else None,
        _cut_short(ns, history_day_ends_ns),
        _alerts(np.asarray(scores, dtype=float), threshold, alert_rate),
    )
    return [w for w in checks if w is not None]


def _names(frame: pd.DataFrame, key: str, n: int = _SHOWN) -> str:
    """Join the first ``n`` entries of a counts frame as ``label (id)`` or ``id``."""
    shown = []
    for k, label in zip(frame[key].head(n), frame["label"].head(n), strict=True):
        shown.append(f"{_short(label)} ({_short(k)})" if label and label != k else _short(k))
    more = len(frame) - len(shown)
    return ", ".join(shown) + (f" and {more:,} more" if more > 0 else "")


def _organisations(summary: TrainingSummary, events: pd.DataFrame) -> FitWarning | None:
    seen = _counts(events["identity_id"], "identity_id", events["identity_handle"])
    seen = seen[seen["identity_id"] != ""]
    if not len(seen):
        return None
    new = seen[~seen["identity_id"].isin(set(summary.organisations["identity_id"]))]
    share = new["records"].sum() / seen["records"].sum()
    if not len(new) or share < UNSEEN_ORG_SHARE:
        return None
    if len(new) == len(seen):
        lead = "none of the " + (
            f"{len(seen):,} organisations" if len(seen) > 1 else "organisation"
        )
        text = f"{lead} in these records ({_names(new, 'identity_id')}) was in the training data"
    else:
        text = (
            f"{len(new):,} of the {len(seen):,} organisations in these records "
            f"({_names(new, 'identity_id')}; {share:.0%} of the records) were not in the "
            "training data"
        )
    known = _names(summary.organisations, "identity_id", 3)
    return FitWarning("organisations", f"{text} (it knows {known})")


def _actors(summary: TrainingSummary, events: pd.DataFrame) -> FitWarning | None:
    seen = _counts(events["actor_id"], "actor_id", events["actor_handle"])
    new = seen[~seen["actor_id"].isin(set(summary.actors["actor_id"]))]
    if len(new) <= UNSEEN_ACTOR_SHARE * len(seen):
        return None
    return FitWarning(
        "actors",
        f"{len(new):,} of the {plural(len(seen), 'actor')} ({_names(new, 'actor_id')}) "
        f"{'was' if len(new) == 1 else 'were'} never "
        f"seen in training (it knows {len(summary.actors):,})",
    )


def _action_types(summary: TrainingSummary, events: pd.DataFrame) -> FitWarning | None:
    seen = _counts(events["action_type"], "action_type")
    new = seen[~seen["action_type"].isin(set(summary.action_types["action_type"]))]
    share = new["records"].sum() / max(seen["records"].sum(), 1)
    if share < UNKNOWN_ACTION_SHARE:
        return None
    total = seen["records"].sum()
    head = new.head(_SHOWN)
    listed = ", ".join(
        f"{_short(a)} {n / total:.0%}"
        for a, n in zip(head["action_type"], head["records"], strict=True)
    )
    if len(new) > _SHOWN:
        listed += f" and {len(new) - _SHOWN:,} more"
    kinds = plural(len(new), "action type")
    return FitWarning(
        "action_types",
        f"{share:.0%} of the records are of {kinds} the model never saw in training ({listed})",
    )


def _record_times(events: pd.DataFrame) -> np.ndarray:
    """Return the records' times in ns since the epoch (UTC)."""
    return events["created_at"].to_numpy(dtype="datetime64[ns]").astype(np.int64)


def _period(summary: TrainingSummary, ns: np.ndarray) -> list[FitWarning]:
    first, last = int(ns.min()), int(ns.max())
    trained = f"{_day(summary.first_ns)} .. {_day(summary.last_ns)}"
    if first <= summary.last_ns and last >= summary.first_ns:
        inside = int(((ns >= summary.first_ns) & (ns <= summary.last_ns)).sum())
        return [
            FitWarning(
                "overlap",
                f"{inside:,} of the {plural(len(ns), 'record')} ({inside / len(ns):.0%}) "
                f"{'falls' if inside == 1 else 'fall'} in the "
                f"training period ({trained}): the model learned them as normal, so they "
                "cannot stand out",
            )
        ]
    gap = (first - summary.last_ns) / _NS_DAY
    if gap > LONG_AFTER_DAYS:
        return [
            FitWarning(
                "after",
                f"the records start {gap:,.0f} days after the training period ended "
                f"({trained}): habits, people and tools change in that time",
            )
        ]
    return []


def _gap_is_news(period: list[FitWarning], end: int, summary: TrainingSummary) -> bool:
    """Whether missing days are worth a warning of their own beside the period's."""
    kinds = {w.kind for w in period}
    # an overlap has no gap; records long after training already warn, unless a carried
    # history ends later than training
    return "overlap" not in kinds and ("after" not in kinds or end != summary.last_ns)


def _gap(history_end_ns: int, first: int) -> FitWarning | None:
    """Warn when working days lie between the end of the history and the first record."""
    missing = pd.date_range(
        pd.Timestamp(history_end_ns // _NS_DAY + 1, unit="D"),
        pd.Timestamp(first // _NS_DAY - 1, unit="D"),
        freq="D",
    )
    # an organisation quiet at weekends leaves those days out of every export
    weekdays = int((missing.day_of_week < 5).sum())
    if not weekdays:
        return None
    return FitWarning(
        "gap",
        f"the records start {plural(len(missing), 'whole day')} after the model's history "
        f"of its actors ends ({_iso(history_end_ns)}), {plural(weekdays, 'working day')} "
        "among them: what happened on those days is unseen (recency does not count them as "
        "absence)",
    )


def _cut_short(ns: np.ndarray, history_day_ends: np.ndarray | None) -> FitWarning | None:
    """Warn when the last UTC day's records end well before those of every earlier day."""
    if history_day_ends is not None and len(history_day_ends):
        ns = np.concatenate([np.asarray(history_day_ends, dtype=np.int64), ns])
    last_of_day = pd.Series(ns).groupby(ns // _NS_DAY).max().iloc[-(CUT_SHORT_DAYS + 1) :]
    if len(last_of_day) < CUT_SHORT_MIN_DAYS + 1:
        return None
    clock = last_of_day % _NS_DAY
    earliest = int(clock.iloc[:-1].min())
    end = int(clock.iloc[-1])
    if end >= earliest - CUT_SHORT_HOURS * 3_600 * 10**9:
        return None
    return FitWarning(
        "cut_short",
        f"the records of the last day ({_day(int(last_of_day.iloc[-1]))}) end at "
        f"{_clock(end)} UTC, where those of every earlier day go on to {_clock(earliest)} at "
        "least: if the export was cut, that day is partial and its windows score as if "
        "their actors stopped early",
    )


def _clock(ns_of_day: int) -> str:
    return pd.Timestamp(int(ns_of_day), unit="ns").strftime("%H:%M")


def _alerts(scores: np.ndarray, threshold: float, alert_rate: float) -> FitWarning | None:
    above = int((scores > threshold).sum())
    if not len(scores) or above < ALERT_MIN or above <= ALERT_EXCESS * alert_rate * len(scores):
        return None
    return FitWarning(
        "alerts",
        f"{above:,} of the {len(scores):,} actor-windows ({above / len(scores):.0%}) scored "
        f"above the alert threshold, against {alert_rate:.1%} expected",
    )


def fit_advice(warnings: Sequence[FitWarning], *, model_dir: str, summary: TrainingSummary) -> str:
    """Say what to do about the warnings of :func:`check_fit`, in a sentence or two.

    Parameters
    ----------
    warnings : sequence of FitWarning
        Not empty.
    model_dir : str
        The model directory used (named in the advice).
    summary : TrainingSummary
        What the model was trained on.

    Returns
    -------
    str
    """
    kinds = {w.kind for w in warnings}
    if any(w.foreign for w in warnings):
        return (
            f"the model in {model_dir} knows another organisation or other activity, so its "
            "scores here rank how unlike its training data these records are, not how "
            "suspicious they are. Train a model on this organisation's own audit log, a few "
            "weeks before the period you score (`anomaly train HISTORY... --model-dir "
            "models/NAME`), and score with `--model-dir models/NAME`."
        )
    if "overlap" in kinds:
        return (
            f"score only records after the training period ({_iso(summary.last_ns)}), or "
            "train on records before the period you score."
        )
    if "after" in kinds:
        return (
            "retrain on the latest weeks (`anomaly train RECENT... --model-dir "
            f"{model_dir}`); a model trained a month or more ago misses its actors' changes."
        )
    if "gap" in kinds:
        return (
            "if the organisation was active on the days between, their records were left "
            "out: score them in one run with these (with `--state DIR`, the history has now "
            "moved past them: move DIR aside and score every day since the model's training, "
            "in order); if it was quiet, nothing is missing."
        )
    if kinds == {"cut_short"}:
        return (
            "score that day again once its records are complete (with --state, leave it out "
            "until then: a day carried forward cannot be scored again)."
        )
    if summary.n_windows < FEW_TRAINING_WINDOWS:
        return (
            f"the model learned from only {plural(summary.n_windows, 'actor-window')}, too "
            "few to tell a new period's ordinary changes from what stands out: train on more "
            f"weeks (`anomaly train LOGS... --model-dir {model_dir}`). Until then, read the "
            "alerts' reasons before acting on them."
        )
    return (
        "read the top alerts' reasons: if one change explains most of them (a new tool, a "
        "migration, a new team), retrain on weeks that include it; if not, something changed "
        "across the organisation and the alerts deserve a look."
    )


def history_note(
    constant: Sequence[str], days: float, *, limit: int | None = _SHOWN
) -> tuple[bool, str] | None:
    """Say why history features never varied in training, as it is.

    Parameters
    ----------
    constant : sequence of str
        Features constant over the training windows.
    days : float
        Length of the training period in days.
    limit : int or None, default 5
        Most feature names listed (None: all).

    Returns
    -------
    (bool, str) or None
        Whether it is a warning (the period is too short to learn them) rather than a note
        (they stayed the same in this data), and the message; None when no history
        feature was constant.
    """
    history = [c for c in constant if c in HISTORY_FEATURES]
    if not history:
        return None
    shown = history if limit is None else history[:limit]
    more = len(history) - len(shown)
    names = ", ".join(shown) + (f" and {more} more" if more else "")
    n = plural(len(history), "history feature")
    if days < HISTORY_MIN_DAYS:
        return True, (
            f"{n} never varied ({names}): the training period ({days:g} days) is shorter "
            f"than the {HISTORY_MIN_DAYS} days they need (an actor's first 7 days teach its "
            f"habits, then trailing features look back a week); train on {HISTORY_MIN_DAYS} "
            "days or more."
        )
    what = "; ".join(_UNIT.sub("", FEATURE_DESCRIPTIONS.get(c, c)) for c in history[:3])
    return False, (
        f"{n} never varied over the {days:g}-day training period ({names}): what they "
        f"measure ({what}{'; ...' if len(history) > 3 else ''}) stayed the same throughout "
        "this data. The period is long enough; the data is steady. The model learned nothing "
        "about them: a scored window where one differs ranks as rare."
    )
