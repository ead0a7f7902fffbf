"""Train and score: events -> features -> detector -> scores, alerts, reasons and evidence.

:class:`TrainedModel` is everything scoring needs; :func:`train_model` makes one from
training events, :func:`score_events` applies it. The alert threshold is decided by one
policy: :meth:`TrainedModel.threshold_for`, on
:func:`~pipes_anomaly.models.calibration.resolve_threshold`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipes_anomaly import features
from pipes_anomaly.catalog import MODEL_FEATURES
from pipes_anomaly.explain import Baseline, evidence, explain
from pipes_anomaly.features import ActorProfile
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

#: Severity names, lowest first.
SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")

#: Lower score bound of ``medium``, ``high`` and ``critical`` (below the first: ``low``).
#: A score ``s`` means "more unusual than ``s`` of the training windows": ``critical`` is
#: rarer than 1 in 1,000 training windows, ``high`` than 1 in 100, ``medium`` than 1 in 20.
SEVERITY_CUTS: tuple[float, float, float] = (0.95, 0.99, 0.999)


def severity(score: np.ndarray | Sequence[float]) -> np.ndarray:
    """Severity name of each score (see :data:`SEVERITY_CUTS`).

    Parameters
    ----------
    score : array-like of float
        Calibrated scores in [0, 1].

    Returns
    -------
    ndarray of str
        ``low``, ``medium``, ``high`` or ``critical``.
    """
    idx = np.searchsorted(np.asarray(SEVERITY_CUTS), np.asarray(score, dtype=float), "right")
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

    Returns
    -------
    TrainedModel

    Raises
    ------
    ModelError
        When the events give no actor-window to learn from.
    """
    if threshold is not None:
        alert_rate = None
    elif alert_rate is None:
        alert_rate = DEFAULT_ALERT_RATE
    cols = tuple(MODEL_FEATURES)
    feats, profile = features.build_features_and_profile(events, window=window)
    if len(feats) == 0:
        raise ModelError("no actor-window to learn from: the training data has no records")
    detector = AnomalyDetector(
        algorithm=algorithm,
        n_estimators=n_estimators,
        n_neighbors=n_neighbors,
        alert_rate=alert_rate if alert_rate is not None else DEFAULT_ALERT_RATE,
        random_state=random_state,
    ).fit(feats.loc[:, list(cols)], groups=feats["actor_id"].to_numpy())
    return TrainedModel(
        detector=detector,
        profile=profile,
        baseline=Baseline.fit(feats, cols),
        window=window,
        feature_columns=cols,
        threshold=resolve_threshold(
            detector.training_scores_, alert_rate=alert_rate, threshold=threshold
        ),
        alert_rate=alert_rate,
        training_sha256=training_sha256,
        n_training_windows=len(feats),
        constant_features=tuple(c for c in cols if feats[c].nunique() <= 1),
    )


def score_events(
    events: pd.DataFrame,
    model: TrainedModel,
    *,
    threshold: float | None = None,
    alert_rate: float | None = None,
    evidence_top: int = 0,
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

    Returns
    -------
    DataFrame
        ``schema.SCORE_COLUMNS``, one row per actor-window, in window then actor order.
        ``score``, ``iforest_score`` and ``lof_score`` are in [0, 1], higher = more
        anomalous; ``alert`` is ``score > threshold`` within the budget's cap; ``reasons``
        is ``"; "``-joined,
        written for windows scored at least :data:`REASONS_MIN_SCORE` (``""`` for typical
        windows below it, and for windows where no feature stands out); ``evidence``
        (space-separated record ids) is filled for alerts and the ``evidence_top``
        best-scored windows, ``""`` elsewhere.

    Raises
    ------
    ModelError
        When a feature is not finite (seen when the data overlaps the training period).
    """
    cut = model.threshold_for(alert_rate=alert_rate, threshold=threshold)
    rate = alert_rate if threshold is None else None
    if threshold is None and alert_rate is None:
        rate = model.alert_rate
    feats, flags = features.build_features_and_flags(
        events, window=model.window, profile=model.profile
    )
    matrix = _finite_matrix(feats, model.feature_columns)
    comps = model.detector.score_components(matrix, groups=feats["actor_id"].to_numpy())
    out = feats.loc[:, list(KEY_COLUMNS)].copy()
    for c in ("score", "iforest_score", "lof_score"):
        out[c] = comps[c].to_numpy()
    out["alert"] = alert_flags(out["score"].to_numpy(), cut, rate)
    out["severity"] = severity(out["score"].to_numpy())
    out["reasons"], reason_features = _reasons(feats, out["score"].to_numpy(), model)
    want = out["alert"].to_numpy().copy()
    if evidence_top > 0 and len(out):
        top = np.argsort(-out["score"].to_numpy(), kind="stable")[:evidence_top]
        want[top] = True
    ev = [""] * len(out)
    idx = np.flatnonzero(want)
    if len(idx):
        sub = evidence(events, flags, feats.iloc[idx], [reason_features[i] for i in idx])
        for i, e in zip(idx.tolist(), sub, strict=True):
            ev[i] = e
    out["evidence"] = pd.Series(ev, index=out.index, dtype=object)
    return out.reset_index(drop=True)


def _finite_matrix(feats: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Return the detector's columns of the feature table; a non-finite value is an error."""
    matrix = feats.loc[:, list(columns)]
    finite = np.isfinite(matrix.to_numpy(dtype=np.float64))
    if not finite.all():
        bad = [c for c, ok in zip(columns, finite.all(axis=0), strict=True) if not ok]
        raise ModelError(
            f"cannot score: feature {', '.join(bad)} is not finite in "
            f"{int((~finite.all(axis=1)).sum())} actor-windows (does the data overlap the "
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
    reasons[explained] = why["reasons"].to_numpy()
    reason_features: list[tuple[str, ...]] = [()] * len(feats)
    for i, names in zip(explained.tolist(), why["reason_features"], strict=True):
        reason_features[i] = names
    return reasons, reason_features
