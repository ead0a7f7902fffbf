"""Train and score: events -> features -> detector -> scores, alerts, reasons and evidence.

:class:`TrainedModel` is everything scoring needs; :func:`train_model` makes one from
training events, :func:`score_events` applies it (:func:`score_windows` also returns what a
triage card shows about the alerts: :mod:`pipes_anomaly.details`), and
:func:`continue_history` carries its actors' history through scored events, so that scoring
day by day gives the scores of the whole period at once. The alert threshold is decided by
one policy: :meth:`TrainedModel.threshold_for`, on
:func:`~pipes_anomaly.models.calibration.resolve_threshold`.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipes_anomaly import features
from pipes_anomaly.attack import technique_ids
from pipes_anomaly.catalog import MODEL_FEATURES
from pipes_anomaly.details import (
    EVIDENCE_COLUMNS,
    EVIDENCE_SHOWN,
    REASON_COLUMNS,
    evidence_frame,
    reason_frame,
)
from pipes_anomaly.explain import (
    GROWN_TYPE_FEATURES,
    Baseline,
    evidence_ids,
    evidence_rows,
    explain,
    name_grown_types,
)
from pipes_anomaly.features import ActorProfile
from pipes_anomaly.fit import FitWarning, TrainingSummary, check_fit
from pipes_anomaly.models import AnomalyDetector
from pipes_anomaly.models.calibration import DEFAULT_ALERT_RATE, alert_flags, resolve_threshold
from pipes_anomaly.schema import KEY_COLUMNS


class ModelError(Exception):
    """A model that cannot be trained, loaded or applied.

    The message says why and what to do; the CLI shows it as ``Error: <message>``.
    """


#: Reasons are written for windows scored at least this: more unusual than 90% of the
#: training windows.  Below it a window is ordinary for the model and has nothing to
#: explain.
REASONS_MIN_SCORE = 0.9
#: The reasons of a window scored at least :data:`REASONS_MIN_SCORE` of which no single
#: value differs enough from its typical one to be named: its score comes from how its
#: values go together.
NO_SINGLE_REASON = (
    "no single value stands out against its actor or all actors: the detector scored how "
    "its values go together"
)

#: Severity names, lowest first: ``none`` for every window that does not alert, then the
#: severities of alerts by score.
SEVERITIES: tuple[str, ...] = ("none", "low", "medium", "high", "critical")

#: Lower score bound of ``medium``, ``high`` and ``critical`` alerts (below the first:
#: ``low``). A score ``s`` means "more unusual than ``s`` of the training windows":
#: ``critical`` is rarer than 1 in 1,000 training windows, ``high`` than 1 in 100, ``medium``
#: than 1 in 20.
SEVERITY_CUTS: tuple[float, float, float] = (0.95, 0.99, 0.999)

#: Called with the name of each stage as it starts (for progress displays).
StageCallback = Callable[[str], None]


def severity(score: np.ndarray | Sequence[float], alert: np.ndarray | Sequence[bool]) -> np.ndarray:
    """Severity name of each window: ``none`` unless it alerts, else by its score.

    Parameters
    ----------
    score : array-like of float
        Calibrated scores in [0, 1].
    alert : array-like of bool
        The alert flag of each window.

    Returns
    -------
    ndarray of str
        ``none`` where ``alert`` is false; else ``low`` (score below 0.95), ``medium``
        (from 0.95), ``high`` (from 0.99) or ``critical`` (from 0.999), see
        :data:`SEVERITY_CUTS`.
    """
    idx = np.searchsorted(np.asarray(SEVERITY_CUTS), np.asarray(score, dtype=float), "right")
    idx = np.where(np.asarray(alert, dtype=bool), idx + 1, 0)
    return np.asarray(SEVERITIES, dtype=object)[idx]


@dataclass
class TrainedModel:
    """Everything scoring needs: what :func:`train_model` makes and a model directory holds.

    Attributes
    ----------
    detector : AnomalyDetector
        Fitted detector.
    profile : ActorProfile
        History of the training actors, for scoring later windows.
    baseline : Baseline
        Per-actor typical feature values, for explanations.
    window : str
        Window size the features were built with (``"1d"`` or ``"1h"``).
    feature_columns : tuple of str
        Feature names, in the detector's column order.
    threshold : float
        Score above which a window alerts.
    alert_rate : float or None
        Alert budget the threshold came from (None when set as a score cut-off).
    training_sha256 : str
        Hash of the training data.
    n_training_windows : int
        Actor-windows the detector was fitted on.
    constant_features : tuple of str
        Features that never varied over the training windows: the detector learned
        nothing about them, and any other value of theirs when scoring will look rare.
    training : TrainingSummary or None
        What the model was trained on (period, organisations, actors, action types, alert
        rate), for :func:`pipes_anomaly.fit.check_fit`; None for a model built by hand.
    manifest : dict
        The manifest of the model directory it was loaded from (empty before saving).
    """

    detector: AnomalyDetector
    profile: ActorProfile
    baseline: Baseline
    window: str
    feature_columns: tuple[str, ...]
    threshold: float
    alert_rate: float | None
    training_sha256: str
    n_training_windows: int
    constant_features: tuple[str, ...] = ()
    training: TrainingSummary | None = None
    manifest: dict = field(default_factory=dict)

    def threshold_for(
        self, *, alert_rate: float | None = None, threshold: float | None = None
    ) -> float:
        """Return the score cut-off to alert at: the model's own, or one asked for instead.

        Parameters
        ----------
        alert_rate : float, optional
            Alert budget: the share of training windows that would alert, in (0, 1).
        threshold : float, optional
            Explicit cut-off in [0, 1] (not with ``alert_rate``).

        Returns
        -------
        float
            Windows with ``score > threshold`` alert; :attr:`threshold` when neither is given.
        """
        if alert_rate is None and threshold is None:
            return self.threshold
        return resolve_threshold(
            self.detector.training_scores_, alert_rate=alert_rate, threshold=threshold
        )

    def fit_warnings(
        self, events: pd.DataFrame, scores: pd.DataFrame, *, threshold: float | None = None
    ) -> list[FitWarning]:
        """Say how the records scored differ from what the model was trained on.

        Parameters
        ----------
        events : DataFrame
            The records scored.
        scores : DataFrame
            What :func:`score_events` returned for them.
        threshold : float, optional
            The cut-off they were scored with; default the model's.

        Returns
        -------
        list of FitWarning
            Empty when the records look like the training data, or the model has no
            :attr:`training` summary (:func:`pipes_anomaly.fit.check_fit`).
        """
        if self.training is None or not len(scores):
            return []
        cut = self.threshold if threshold is None else float(threshold)
        end = self.profile.end
        return check_fit(
            self.training,
            events,
            scores["score"].to_numpy(),
            threshold=cut,
            alert_rate=self.share_above(cut),
            history_end_ns=None if end is None else end.value,
            history_day_ends_ns=self.profile.day_ends(),
        )

    def share_above(self, threshold: float) -> float:
        """Share of the training windows scored above a cut-off: the alert rate it gives.

        Parameters
        ----------
        threshold : float

        Returns
        -------
        float
        """
        return float(np.mean(self.detector.training_scores_ > threshold))


def train_model(
    events: pd.DataFrame,
    *,
    window: str = "1d",
    algorithm: str = "ensemble",
    alert_rate: float | None = DEFAULT_ALERT_RATE,
    threshold: float | None = None,
    n_estimators: int = 200,
    n_neighbors: int = 20,
    random_state: int = 0,
    training_sha256: str = "",
    stages: StageCallback | None = None,
) -> TrainedModel:
    """Featurise training events, fit the detector, learn explanations and the threshold.

    Parameters
    ----------
    events : DataFrame
        Training events (docs/design.md section 2).
    window : str, default "1d"
        Window length (``"1d"`` or ``"1h"``).
    algorithm : {"ensemble", "iforest", "lof"}, default "ensemble"
    alert_rate : float or None, default 0.01
        Alert budget (None: the default); ignored when ``threshold`` is given.
    threshold : float, optional
        Explicit score cut-off in [0, 1].
    n_estimators, n_neighbors : int
        See :class:`AnomalyDetector`.
    random_state : int, default 0
    training_sha256 : str, default ""
        Hash of the training files, recorded in the manifest.
    stages : callable, optional
        Called with the name of each stage as it starts (``"Computing features"``,
        ``"Fitting the detector"``), for a progress display.

    Returns
    -------
    TrainedModel

    Raises
    ------
    ModelError
        When the events give no actor-window to learn from.
    """
    stage = stages or _no_stage
    if threshold is not None:
        alert_rate = None
    elif alert_rate is None:
        alert_rate = DEFAULT_ALERT_RATE
    cols = tuple(MODEL_FEATURES)
    stage("Computing features")
    feats, profile = features.build_features_and_profile(events, window=window)
    if len(feats) == 0:
        raise ModelError("no actor-window to learn from: the training data has no records")
    stage("Fitting the detector")
    detector = AnomalyDetector(
        algorithm=algorithm,
        n_estimators=n_estimators,
        n_neighbors=n_neighbors,
        alert_rate=alert_rate if alert_rate is not None else DEFAULT_ALERT_RATE,
        random_state=random_state,
    ).fit(feats.loc[:, list(cols)], groups=feats["actor_id"].to_numpy())
    cut = resolve_threshold(detector.training_scores_, alert_rate=alert_rate, threshold=threshold)
    stage("Learning explanations")
    return TrainedModel(
        detector=detector,
        profile=profile,
        baseline=Baseline.fit(feats, cols),
        window=window,
        feature_columns=cols,
        threshold=cut,
        alert_rate=alert_rate,
        training_sha256=training_sha256,
        n_training_windows=len(feats),
        constant_features=tuple(c for c in cols if feats[c].nunique() <= 1),
        training=TrainingSummary.of(
            events,
            window=window,
            n_windows=len(feats),
            alert_share=float(np.mean(detector.training_scores_ > cut)),
        ),
    )


def _no_stage(name: str) -> None:
    """Stage callback that does nothing."""


@dataclass(frozen=True)
class ScoredWindows:
    """What :func:`score_windows` returns: the scores, and the details of the listed windows.

    Attributes
    ----------
    scores : DataFrame
        ``schema.SCORE_COLUMNS`` (see :func:`score_events`).
    reasons : DataFrame
        ``details.REASON_COLUMNS``: the values behind each reason of the windows whose
        evidence is listed (empty unless ``details`` was asked for).
    evidence : DataFrame
        ``details.EVIDENCE_COLUMNS``: the first evidence records of those windows and
        their totals (empty unless ``details`` was asked for).
    """

    scores: pd.DataFrame
    reasons: pd.DataFrame
    evidence: pd.DataFrame


def score_events(
    events: pd.DataFrame,
    model: TrainedModel,
    *,
    threshold: float | None = None,
    alert_rate: float | None = None,
    evidence_top: int = 0,
    stages: StageCallback | None = None,
) -> pd.DataFrame:
    """Score every actor-window of ``events`` and explain the alerts.

    Parameters
    ----------
    events : DataFrame
        Events to score (docs/design.md section 2).
    model : TrainedModel
        From :func:`train_model` or a model directory.
    threshold : float, optional
        Explicit score cut-off overriding the model's (not with ``alert_rate``).
    alert_rate : float, optional
        Alert budget overriding the model's: the cut-off that this share of training
        windows exceeds (:meth:`TrainedModel.threshold_for`).  A budget, the model's or
        this one, also lets at most ``ALERT_CAP`` times its share of the scored windows
        alert, the best-scored (:func:`~pipes_anomaly.models.calibration.alert_flags`).
    evidence_top : int, default 0
        Also list evidence for this many top-scored windows that do not alert.
    stages : callable, optional
        Called with the name of each stage as it starts (``"Computing features"``,
        ``"Scoring"``, ``"Explaining"``), for a progress display.

    Returns
    -------
    DataFrame
        ``schema.SCORE_COLUMNS``, one row per actor-window, in window then actor order.
        ``score``, ``iforest_score`` and ``lof_score`` are in [0, 1], higher = more
        anomalous; ``alert`` is ``score > threshold`` within the budget's cap; ``severity``
        is ``none`` for a window that does not alert, else by score (:func:`severity`);
        ``suppressed_by`` is ``""`` (:func:`pipes_anomaly.suppress.apply_rules` fills it);
        ``reasons`` is ``"; "``-joined, written for windows scored at least
        :data:`REASONS_MIN_SCORE` (``""`` for typical windows below it,
        :data:`NO_SINGLE_REASON` where no single feature stands out); ``reason_features``
        names their features and
        ``attack_techniques`` the MITRE ATT&CK techniques those point to (both
        space-separated, ``""`` when none); ``evidence`` (space-separated record ids) is
        filled for alerts and the ``evidence_top`` best-scored windows, ``""`` elsewhere.

    Raises
    ------
    ModelError
        When a feature is not finite (seen when the data overlaps the training period).
    """
    return score_windows(
        events,
        model,
        threshold=threshold,
        alert_rate=alert_rate,
        evidence_top=evidence_top,
        stages=stages,
    ).scores


def score_windows(
    events: pd.DataFrame,
    model: TrainedModel,
    *,
    threshold: float | None = None,
    alert_rate: float | None = None,
    evidence_top: int = 0,
    stages: StageCallback | None = None,
    details: bool = False,
    evidence_shown: int = EVIDENCE_SHOWN,
    earlier: tuple[int, int] = (0, 0),
) -> ScoredWindows:
    """Score every actor-window like :func:`score_events`; optionally keep the card details.

    Parameters
    ----------
    events, model, threshold, alert_rate, evidence_top, stages
        As :func:`score_events`.
    details : bool, default False
        Also return the reason values and evidence records of the windows whose evidence
        is listed (what a triage card or an OCSF finding shows).
    evidence_shown : int, default 10
        Most evidence records kept per window in the details (earliest first).
    earlier : (int, int), default (0, 0)
        Windows scored and alerted by earlier runs of the history carried forward: a
        budget's cap counts them (:func:`~pipes_anomaly.models.calibration.alert_flags`).

    Returns
    -------
    ScoredWindows

    Raises
    ------
    ModelError
        When a feature is not finite (seen when the data overlaps the training period).
    """
    stage = stages or _no_stage
    cut = model.threshold_for(alert_rate=alert_rate, threshold=threshold)
    rate = alert_rate if threshold is None else None
    if threshold is None and alert_rate is None:
        rate = model.alert_rate
    stage("Computing features")
    feats, flags = features.build_features_and_flags(
        events, window=model.window, profile=model.profile
    )
    matrix = _finite_matrix(feats, model.feature_columns)
    stage("Scoring")
    comps = model.detector.score_components(matrix, groups=feats["actor_id"].to_numpy())
    out = feats.loc[:, list(KEY_COLUMNS)].copy()
    for c in ("score", "iforest_score", "lof_score"):
        out[c] = comps[c].to_numpy()
    out["alert"] = alert_flags(out["score"].to_numpy(), cut, rate, earlier=earlier)
    out["suppressed_by"] = pd.Series([""] * len(out), index=out.index, dtype=object)
    out["severity"] = severity(out["score"].to_numpy(), out["alert"].to_numpy())
    stage("Explaining")
    out["reasons"], reason_features = _reasons(feats, out["score"].to_numpy(), model)
    out["reasons"] = _with_grown_types(out["reasons"], reason_features, events, flags, feats)
    out["reason_features"] = _joined(reason_features, out.index)
    out["attack_techniques"] = _joined([technique_ids(f) for f in reason_features], out.index)
    want = out["alert"].to_numpy().copy()
    if evidence_top > 0 and len(out):
        top = np.argsort(-out["score"].to_numpy(), kind="stable")[:evidence_top]
        want[top] = True
    idx = np.flatnonzero(want)
    listed = [reason_features[i] for i in idx]
    rows = evidence_rows(events, flags, feats.iloc[idx], listed)
    ev = [""] * len(out)
    for i, e in zip(idx.tolist(), evidence_ids(rows, len(idx)), strict=True):
        ev[i] = e
    out["evidence"] = pd.Series(ev, index=out.index, dtype=object)
    reasons, records = (
        pd.DataFrame(columns=list(REASON_COLUMNS)),
        pd.DataFrame(columns=list(EVIDENCE_COLUMNS)),
    )
    if details:
        sentences = [_sentences(out["reasons"].iat[i], len(reason_features[i])) for i in idx]
        reasons = reason_frame(feats, idx, listed, sentences, model.baseline)
        records = evidence_frame(events, feats.iloc[idx], rows, shown=evidence_shown)
    return ScoredWindows(out.reset_index(drop=True), reasons, records)


def _joined(names: Sequence[Sequence[str]], index: pd.Index) -> pd.Series:
    """Space-joined names per window, as a text column."""
    return pd.Series([" ".join(n) for n in names], index=index, dtype=object)


def _with_grown_types(
    reasons: pd.Series,
    reason_features: Sequence[Sequence[str]],
    events: pd.DataFrame,
    flags: pd.DataFrame,
    feats: pd.DataFrame,
) -> pd.Series:
    """Name the action type in the reasons that are about the type grown most."""
    idx = [i for i, f in enumerate(reason_features) if set(f) & set(GROWN_TYPE_FEATURES)]
    if not idx:
        return reasons
    sentences = [_sentences(reasons.iat[i], len(reason_features[i])) for i in idx]
    named = name_grown_types(
        events, flags, feats.iloc[idx], sentences, [reason_features[i] for i in idx]
    )
    out = reasons.copy()
    for i, parts in zip(idx, named, strict=True):
        if all(parts):
            out.iat[i] = "; ".join(parts)
    return out


def _sentences(reasons: str, n: int) -> list[str]:
    """Split a ``"; "``-joined reasons cell into its ``n`` sentences (our phrases hold none)."""
    parts = reasons.split("; ") if reasons else []
    return parts if len(parts) == n else [""] * n


def continue_history(model: TrainedModel, events: pd.DataFrame) -> TrainedModel:
    """Return the model with its actors' history carried on through ``events``.

    Score each batch of records with the model returned for the batch before: scoring a
    period batch by batch then gives the scores of the whole period at once, without
    retraining (the detector, threshold and explanations stay those of training).

    Parameters
    ----------
    model : TrainedModel
    events : DataFrame
        Records just scored with ``model``, all in windows after its history.

    Returns
    -------
    TrainedModel
        ``model`` with the profile continued through ``events`` (everything else shared).

    Raises
    ------
    ModelError
        When a record lies in or before the last window of the history the model carries.
    """
    check_after_history(model, events)
    return dataclasses.replace(model, profile=model.profile.continued(events))


def check_after_history(
    model: TrainedModel, events: pd.DataFrame, *, history: str = "the history carried so far"
) -> None:
    """Refuse records that do not all lie in windows after the model's history.

    Parameters
    ----------
    model : TrainedModel
    events : DataFrame
    history : str, default "the history carried so far"
        What the message calls the model's history.

    Raises
    ------
    ModelError
        Naming the first record and the end of the history.
    """
    end = model.profile.end
    if end is None or not len(events):
        return
    first = events["created_at"].min()
    size = _window_size(model.window)
    if first.floor(size) <= end.floor(size):
        raise ModelError(
            f"the records start at {first:%Y-%m-%d %H:%M:%S} UTC, but {history} ends at "
            f"{end:%Y-%m-%d %H:%M:%S} UTC, in the same or a later "
            f"{model.window} window: carry history forward only with records from later "
            "windows (score each window once, after it has ended)"
        )


def check_windows_ended(model: TrainedModel, events: pd.DataFrame, now: datetime.datetime) -> None:
    """Refuse to carry history through a window that has not ended by ``now``.

    Carried forward, such a window's later records would be refused for good (each window
    is scored once), so the history must wait for it.

    Parameters
    ----------
    model : TrainedModel
        Its window length decides where the last record's window ends.
    events : DataFrame
        The records of the run (docs/design.md section 2).
    now : datetime
        The time now, timezone-aware.

    Raises
    ------
    ModelError
        Naming the last record, its window's end and the fix.
    """
    if not len(events):
        return
    last = events["created_at"].max()
    end = last.floor(_window_size(model.window)) + _window_size(model.window)
    if end > now:
        raise ModelError(
            f"the records reach {last:%Y-%m-%d %H:%M:%S} UTC, in a {model.window} window that "
            f"ends at {end:%Y-%m-%d %H:%M:%S} UTC, after now ({now:%Y-%m-%d %H:%M:%S} UTC): "
            "carried forward, its later records could never be scored; leave its records "
            "out of the run, or score them without --state"
        )


def _window_size(window: str) -> pd.Timedelta:
    return pd.Timedelta(window.removesuffix("d") + "D" if window.endswith("d") else window)


def _finite_matrix(feats: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Return the detector's columns of the feature table; a non-finite value is an error."""
    matrix = feats.loc[:, list(columns)]
    finite = np.isfinite(matrix.to_numpy(dtype=np.float64))
    if not finite.all():
        bad = [c for c, ok in zip(columns, finite.all(axis=0), strict=True) if not ok]
        n_bad = int((~finite.all(axis=1)).sum())
        raise ModelError(
            f"cannot score: feature {', '.join(bad)} is not finite in "
            f"{n_bad} actor-window{'' if n_bad == 1 else 's'} (does the data overlap the "
            "training period? score records from after it)"
        )
    return matrix


def _reasons(
    feats: pd.DataFrame, score: np.ndarray, model: TrainedModel
) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Return the reasons of every window and the features each names.

    Only windows scored at least :data:`REASONS_MIN_SCORE` are explained: an ordinary window
    has nothing to explain.  How rare each value is among all training windows (the
    detector's per-feature surprisal) lets a value typical of its actor be told against
    all actors.
    """
    explained = np.flatnonzero(score >= REASONS_MIN_SCORE)
    rows = feats.iloc[explained]
    rarity = None
    if len(rows) and tuple(model.baseline.feature_columns) == tuple(model.feature_columns):
        matrix = rows.loc[:, list(model.feature_columns)].to_numpy(dtype=np.float64)
        rarity = model.detector.value_rarity(matrix)
    why = explain(rows, model.baseline, rarity=rarity)
    reasons = np.full(len(feats), "", dtype=object)
    told = why["reasons"].to_numpy()
    reasons[explained] = np.where(told == "", NO_SINGLE_REASON, told)
    reason_features: list[tuple[str, ...]] = [()] * len(feats)
    for i, names in zip(explained.tolist(), why["reason_features"], strict=True):
        reason_features[i] = names
    return reasons, reason_features
