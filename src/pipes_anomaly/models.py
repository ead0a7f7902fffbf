"""Anomaly detectors over the actor-window feature matrix, their calibration and persistence.

One score chain, one direction:

- internally, :meth:`AnomalyDetector.score_samples` follows scikit-learn (lower = more
  abnormal);
- everything a user sees is called ``score``: a number in [0, 1], **higher = more
  anomalous**, calibrated as the share of training windows scored lower (so ``0.99`` means
  "more unusual than 99% of the training windows").

The default detector is an ensemble of an Isolation Forest and a Local Outlier Factor
(novelty mode).  Each part's raw value is rank-normalised against the training windows;
the ensemble averages the two on a log-tail scale (``-log(1 - rank)``, which keeps rising
beyond the most anomalous training window instead of saturating at 1, so strong anomalies
do not all tie) and calibrates that mean once more against the training windows.

The alert threshold comes from an alert budget (``alert_rate``: the share of training
windows that would alert) or an explicit score cut-off.

Models are saved as joblib artefacts beside a ``manifest.json`` that records package
versions, parameters, feature names, window, a hash of the training data, the threshold
and the sha256 of every artefact; :func:`load_model` checks all of it, hashes first, before
anything is unpickled.
"""

from __future__ import annotations

import hashlib
import io
import json
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OutlierMixin, TransformerMixin
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from pipes_anomaly import features
from pipes_anomaly.catalog import MODEL_FEATURES
from pipes_anomaly.schema import KEY_COLUMNS

__all__ = [
    "ALGORITHMS",
    "DEFAULT_ALERT_RATE",
    "MANIFEST_NAME",
    "SEVERITIES",
    "SEVERITY_CUTS",
    "AnomalyDetector",
    "TailSurprisal",
    "ModelError",
    "TrainedModel",
    "load_model",
    "package_versions",
    "REASONS_MIN_SCORE",
    "resolve_threshold",
    "save_model",
    "score_events",
    "severity",
    "sha256_files",
    "train_model",
]

#: Detector choices: ``ensemble`` (default), ``iforest``, ``lof``.
ALGORITHMS: tuple[str, ...] = ("ensemble", "iforest", "lof")

#: Default alert budget: 1% of actor-windows.
DEFAULT_ALERT_RATE = 0.01

#: Reasons are written for windows scored at least this: more unusual than 90% of the
#: training windows.  Below it a window is ordinary for the model and has nothing to
#: explain (and explaining every window of a large log costs seconds).
REASONS_MIN_SCORE = 0.9

#: Severity names, lowest first.
SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")

#: Lower score bound of ``medium``, ``high`` and ``critical`` (below the first: ``low``).
#: A score ``s`` means "more unusual than ``s`` of the training windows": ``critical`` is
#: rarer than 1 in 1,000 training windows, ``high`` than 1 in 100, ``medium`` than 1 in 20.
SEVERITY_CUTS: tuple[float, float, float] = (0.95, 0.99, 0.999)

#: Name of the manifest file in a model directory.
MANIFEST_NAME = "manifest.json"

#: Version of the model directory layout.
FORMAT_VERSION = 1

_ARTEFACTS: tuple[str, ...] = ("detector.joblib", "profile.joblib", "baseline.joblib")


class ModelError(Exception):
    """A model directory that is missing, altered or does not match this installation.

    The message says why and what to do; the CLI shows it as ``Error: <message>``.
    """


# ---------------------------------------------------------------------------- calibration


@dataclass(frozen=True)
class _Calibration:
    """Empirical calibration of a raw anomaly value (higher = more abnormal) into [0, 1].

    ``value`` maps ``a`` to the share of training values strictly below ``a``, linearly
    interpolated between neighbouring distinct training values (a training value keeps
    exactly its share; a value between two of them gets a share between theirs, so two
    new windows that fall between the same training values do not tie: their raw order
    is kept).  Beyond the largest training value the share would be 1 for every value;
    instead the score keeps rising smoothly from ``(n-1)/n`` towards 1
    (``1 - exp(-excess/scale)/n``) so that stronger anomalies still rank higher.
    """

    sorted_: np.ndarray
    tail_scale_: float
    distinct_: np.ndarray  # distinct training values, increasing
    distinct_below_: np.ndarray  # share of training values strictly below each

    @classmethod
    def fit(cls, raw: np.ndarray) -> _Calibration:
        s = np.sort(np.asarray(raw, dtype=np.float64))
        spread = float(s[-1] - np.median(s))
        if not np.isfinite(spread) or spread <= 0:
            spread = 1.0
        distinct, first = np.unique(s, return_index=True)
        return cls(s, spread, distinct, first / len(s))

    def _locate(self, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Share of training values below ``raw``, and its excess over the largest (0 if not)."""
        raw = np.asarray(raw, dtype=np.float64)
        below = np.interp(raw, self.distinct_, self.distinct_below_)
        return below, np.maximum(raw - self.sorted_[-1], 0.0)

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        below, excess = self._locate(raw)
        tail = 1.0 - np.exp(-excess / self.tail_scale_) / len(self.sorted_)
        return np.where(excess > 0, tail, below)

    def surprisal(self, raw: np.ndarray) -> np.ndarray:
        """``-log(1 - calibrated)`` computed without rounding loss: unbounded, increasing."""
        below, excess = self._locate(raw)
        n = len(self.sorted_)
        inside = -np.log(np.maximum(1.0 - below, 1.0 / n))
        return np.where(excess > 0, np.log(n) + excess / self.tail_scale_, inside)


# ---------------------------------------------------------------------------- transformer


class TailSurprisal(TransformerMixin, BaseEstimator):
    """Per-feature upper-tail surprisal against the training windows.

    Each value ``x`` of feature ``j`` becomes ``-log((m + 1) / (n + 1))``, where ``m`` is
    the number of the ``n`` training values ``>= x``: 0 for the most ordinary value, about
    ``log(n)`` for a value no training window reached, plus ``log1p(excess / spread)``
    beyond the largest training value, so magnitude still counts there.

    This puts every feature on one scale of rarity.  It is what makes sparse signals
    visible: a feature that is 0 in 99.9% of training windows (one forged actor id, one
    member added) is as loud at 1 as a volume feature is at its record high, where a
    standard scaler would leave it near 0 (zero variance) or drown it among volume counts.
    All features are read in the upper tail: the features are built so that higher means
    more suspicious (more deletes, more new IPs, further from the actor's own baseline).

    Attributes
    ----------
    sorted_ : ndarray of shape (n_samples, n_features)
        Training values, sorted per column.
    top_ : ndarray of shape (n_features,)
        Largest training value per feature.
    spread_ : ndarray of shape (n_features,)
        ``top_ - median``, floored at ``1e-3``: the unit of the beyond-the-top extension.
    n_features_in_ : int
    """

    def fit(self, X: Any, y: Any = None) -> TailSurprisal:
        """Learn the training distribution of every feature.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        self : TailSurprisal
        """
        X = validate_data(self, X, dtype=np.float64)
        self.sorted_ = np.sort(X, axis=0)
        self.top_ = self.sorted_[-1].copy()
        self.spread_ = np.maximum(self.top_ - np.median(self.sorted_, axis=0), 1e-3)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Surprisal of every value; same shape as ``X``, >= 0, higher = rarer.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self, "sorted_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        n = self.sorted_.shape[0]
        out = np.empty_like(X)
        for j in range(X.shape[1]):
            at_least = n - np.searchsorted(self.sorted_[:, j], X[:, j], side="left")
            out[:, j] = -np.log((at_least + 1.0) / (n + 1.0))
        out += np.log1p(np.maximum(X - self.top_, 0.0) / self.spread_)
        return out


# ------------------------------------------------------------------------------ estimator


class AnomalyDetector(OutlierMixin, BaseEstimator):
    """Isolation Forest, Local Outlier Factor or their ensemble, calibrated to [0, 1].

    Both detectors see the features through :class:`TailSurprisal` (per-feature rarity
    against the training windows), which puts sparse decisive signals on the same scale
    as volume counts.  With ``groups`` (the actor of each window) the combined value is
    also taken relative to the actor's own typical level, so an actor who is always
    unusual is not flagged for being itself: "unlike themselves and unlike their peers".

    Parameters
    ----------
    algorithm : {"ensemble", "iforest", "lof"}, default="ensemble"
        ``iforest``: an Isolation Forest.  ``lof``: a Local Outlier Factor in novelty
        mode, fitted on the distinct training rows.  ``ensemble``: the mean of the two
        (and of the rarest-feature value, see ``rarest``), each rank-normalised on a
        log-tail scale, calibrated again.
    rarest : bool, default=True
        With ``algorithm="ensemble"``, add a third part: the window's single rarest
        feature (its largest surprisal).  Isolation Forest and LOF dilute one extreme
        column among dozens of ordinary ones; this part does not, so a window that is
        extreme in one decisive way (three deletes, one forged actor id) ranks high even
        when everything else about it is ordinary.
    n_estimators : int, default=200
        Trees of the Isolation Forest.
    max_samples : int, float or "auto", default="auto"
        Rows drawn to build each tree (see :class:`~sklearn.ensemble.IsolationForest`).
    n_neighbors : int, default=20
        Neighbours of the LOF; capped at the number of distinct training rows minus one.
    lof_max_samples : int, default=5_000
        Most distinct training rows the LOF keeps as its reference set (a seeded random
        subsample beyond that; scoring cost grows with it).  Rows left out are scored
        against the reference set like new windows.
    actor_weight : float, default=1.0
        How much of the actor's own typical level (the shrunk median of its training
        windows' combined value, relative to all windows' median) is subtracted when
        ``groups`` are given; 0 turns the per-actor adjustment off.
    actor_shrinkage : float, default=5.0
        Pseudo-windows at the global median added to each actor's median, so an actor
        with few training windows gets a small adjustment.
    alert_rate : float, default=0.01
        Alert budget: the share of training windows whose score exceeds the threshold
        used by :meth:`predict` and :meth:`decision_function`.
    n_jobs : int or None, default=None
        Parallel jobs of the forest and the neighbour search (None: one).
    random_state : int, RandomState instance or None, default=0
        Seeds the Isolation Forest and the LOF's subsample.

    Attributes
    ----------
    surprisal_ : TailSurprisal
        The fitted feature transform shared by both detectors.
    iforest_ : Pipeline or None
        Fitted surprisal + Isolation Forest pipeline (None when ``algorithm="lof"``).
    lof_ : Pipeline or None
        Fitted surprisal + LOF pipeline (None when ``algorithm="iforest"`` or when the
        training rows are all identical, in which case the LOF part scores the distance
        to that single row).  A row identical to a training row gets that row's training
        (leave-itself-out) factor, so scoring the training data again reproduces
        ``training_scores_``.
    actor_offsets_ : dict
        Actor -> value subtracted from its windows' combined value (empty without
        ``groups``; an actor absent from training gets 0).
    n_neighbors_ : int
        Neighbours the LOF actually uses.
    n_unique_ : int
        Distinct training rows.
    threshold_ : float
        Score above which a window alerts (the ``1 - alert_rate`` quantile of the
        training scores).
    offset_ : float
        ``-threshold_``: ``decision_function = score_samples - offset_``.
    training_scores_ : ndarray of shape (n_samples,)
        Calibrated scores of the training windows.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` has string column names.
    """

    def __init__(
        self,
        *,
        algorithm: str = "ensemble",
        rarest: bool = True,
        n_estimators: int = 200,
        max_samples: int | float | str = "auto",
        n_neighbors: int = 20,
        lof_max_samples: int = 5_000,
        actor_weight: float = 1.0,
        actor_shrinkage: float = 5.0,
        alert_rate: float = DEFAULT_ALERT_RATE,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = 0,
    ) -> None:
        self.algorithm = algorithm
        self.rarest = rarest
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.n_neighbors = n_neighbors
        self.lof_max_samples = lof_max_samples
        self.actor_weight = actor_weight
        self.actor_shrinkage = actor_shrinkage
        self.alert_rate = alert_rate
        self.n_jobs = n_jobs
        self.random_state = random_state

    # -- parameters ---------------------------------------------------------------------

    def _validate_params(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ValueError(
                f"algorithm must be one of {', '.join(ALGORITHMS)}; got {self.algorithm!r}"
            )
        if not isinstance(self.rarest, (bool, np.bool_)):
            raise ValueError(f"rarest must be True or False; got {self.rarest!r}")
        for name in ("n_estimators", "n_neighbors", "lof_max_samples"):
            v = getattr(self, name)
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name} must be an integer >= 1; got {v!r}")
        r = self.alert_rate
        if not isinstance(r, numbers.Real) or isinstance(r, bool) or not 0 < r < 1:
            raise ValueError(f"alert_rate must be a number in (0, 1); got {r!r}")
        for name in ("actor_weight", "actor_shrinkage"):
            v = getattr(self, name)
            if not isinstance(v, numbers.Real) or isinstance(v, bool) or not v >= 0:
                raise ValueError(f"{name} must be a number >= 0; got {v!r}")

    # -- fitting ------------------------------------------------------------------------

    def fit(self, X: Any, y: Any = None, groups: Any = None) -> AnomalyDetector:
        """Fit the detector(s) and calibrate their scores on the training windows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training feature matrix (one row per actor-window).
        y : Ignored
            Present for API consistency.
        groups : array-like of shape (n_samples,), optional
            Actor of each window; enables the per-actor adjustment (``actor_weight``).

        Returns
        -------
        self : AnomalyDetector
            The fitted detector.
        """
        self._validate_params()
        X = validate_data(self, X, dtype=np.float64)
        groups = self._check_groups(groups, X.shape[0])
        rng = check_random_state(self.random_state)
        self.surprisal_ = TailSurprisal().fit(X)
        use_if = self.algorithm in ("ensemble", "iforest")
        use_lof = self.algorithm in ("ensemble", "lof")

        self.iforest_ = None
        self.lof_ = None
        self.n_unique_ = int(np.unique(X, axis=0).shape[0])
        self.n_neighbors_ = 0
        parts: list[np.ndarray] = []
        scaled = self.surprisal_.transform(X)
        if use_if:
            forest = IsolationForest(
                n_estimators=self.n_estimators,
                max_samples=self.max_samples,
                n_jobs=self.n_jobs,
                random_state=int(rng.randint(np.iinfo(np.int32).max)),
            )
            self.iforest_ = Pipeline([("surprisal", self.surprisal_), ("iforest", forest)])
            raw_if = -forest.fit(scaled).score_samples(scaled)
            self._cal_if = _Calibration.fit(raw_if)
            parts.append(self._cal_if.surprisal(raw_if))
        if use_lof:
            raw_lof = self._fit_lof(scaled, rng)
            self._cal_lof = _Calibration.fit(raw_lof)
            parts.append(self._cal_lof.surprisal(raw_lof))
        if self.algorithm == "ensemble" and self.rarest:
            raw_rare = scaled.max(axis=1)
            self._cal_rare = _Calibration.fit(raw_rare)
            parts.append(self._cal_rare.surprisal(raw_rare))
        combined = np.mean(parts, axis=0)
        self.actor_offsets_ = self._fit_actor_offsets(combined, groups)
        combined = combined - self._actor_offset(groups, combined.shape[0])
        self._cal_final = _Calibration.fit(combined)
        self.training_scores_ = self._cal_final(combined)
        self.threshold_ = resolve_threshold(self.training_scores_, alert_rate=self.alert_rate)
        self.offset_ = -self.threshold_
        return self

    def _fit_lof(self, scaled: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
        """Fit the LOF on distinct surprisal rows; return the training rows' raw LOF values.

        Quiet actors produce many identical rows; fitted as they are, more duplicates than
        ``n_neighbors`` give zero reachability distances and meaningless factors.  The
        surprisal transform learns from every row, the LOF from the distinct transformed
        rows, and each training row gets the factor of its distinct row.
        """
        unique, inverse = np.unique(scaled, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        if unique.shape[0] < 2:
            # a single distinct row: the LOF is undefined; score the distance to it
            self._lof_center = unique[0]
            return np.zeros(scaled.shape[0])
        # the LOF's cost grows with its reference set: cap it with a seeded subsample
        n_unique = unique.shape[0]
        fit_rows = np.arange(n_unique)
        if n_unique > self.lof_max_samples:
            fit_rows = np.sort(rng.choice(n_unique, size=self.lof_max_samples, replace=False))
        reference = unique[fit_rows]
        self.n_neighbors_ = int(min(self.n_neighbors, reference.shape[0] - 1))
        lof = LocalOutlierFactor(
            n_neighbors=self.n_neighbors_, novelty=True, n_jobs=self.n_jobs
        ).fit(reference)
        self.lof_ = Pipeline([("surprisal", self.surprisal_), ("lof", lof)])
        unique_raw = np.empty(n_unique)
        unique_raw[fit_rows] = -lof.negative_outlier_factor_
        rest = np.ones(n_unique, dtype=bool)
        rest[fit_rows] = False
        if rest.any():  # rows left out of the reference set are new points to it
            unique_raw[rest] = -lof.score_samples(unique[rest])
        # A reference row scored again would count itself as its own nearest neighbour and
        # look more normal than it did in training; such rows get their training value.
        self._lof_seen = {
            row.tobytes(): float(v) for row, v in zip(reference, unique_raw[fit_rows], strict=True)
        }
        return unique_raw[inverse]

    @staticmethod
    def _check_groups(groups: Any, n: int) -> np.ndarray | None:
        if groups is None:
            return None
        g = np.asarray(groups, dtype=object).reshape(-1)
        if g.shape[0] != n:
            raise ValueError(f"groups has {g.shape[0]} entries for {n} rows of X")
        return g

    def _fit_actor_offsets(self, combined: np.ndarray, groups: np.ndarray | None) -> dict:
        """Per-actor shrunk median of the combined value, minus the global median."""
        if groups is None or self.actor_weight == 0:
            return {}
        frame = pd.DataFrame({"actor": groups, "value": combined})
        stats = frame.groupby("actor", sort=True)["value"].agg(["median", "size"])
        centre = float(np.median(combined))
        k = float(self.actor_shrinkage)
        shrunk = (stats["median"] * stats["size"] + k * centre) / (stats["size"] + k)
        offsets = self.actor_weight * (shrunk - centre)
        return {str(a): float(v) for a, v in offsets.items()}

    def _actor_offset(self, groups: np.ndarray | None, n: int) -> np.ndarray:
        if groups is None or not self.actor_offsets_:
            return np.zeros(n)
        get = self.actor_offsets_.get
        return np.fromiter((get(str(a), 0.0) for a in groups), dtype=np.float64, count=n)

    # -- scoring ------------------------------------------------------------------------

    def _raw_lof(self, scaled: np.ndarray) -> np.ndarray:
        """Raw LOF value (higher = more abnormal) of rows already through ``surprisal_``."""
        if self.lof_ is None:
            return np.linalg.norm(scaled - self._lof_center, axis=1)
        raw = -self.lof_[-1].score_samples(scaled)
        seen = self._lof_seen
        for i, row in enumerate(np.ascontiguousarray(scaled)):
            v = seen.get(row.tobytes())
            if v is not None:
                raw[i] = v
        return raw

    def score_components(self, X: Any, groups: Any = None) -> pd.DataFrame:
        """Calibrated scores in [0, 1], higher = more anomalous, per detector and combined.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        groups : array-like of shape (n_samples,), optional
            Actor of each window, for the per-actor adjustment of ``score`` (pass it when
            the detector was fitted with ``groups``).

        Returns
        -------
        DataFrame
            Columns ``score`` (the detector's output), ``iforest_score``, ``lof_score``
            and ``rarest_score`` (each part calibrated alone; NaN for a part the detector
            does not use), indexed like ``X`` when ``X`` is a DataFrame.
        """
        check_is_fitted(self, "threshold_")
        index = X.index if isinstance(X, pd.DataFrame) else None
        X = validate_data(self, X, dtype=np.float64, reset=False)
        n = X.shape[0]
        groups = self._check_groups(groups, n)
        if_score = np.full(n, np.nan)
        lof_score = np.full(n, np.nan)
        parts = []
        scaled = self.surprisal_.transform(X)  # shared by both detectors: computed once
        if self.iforest_ is not None:
            raw = -self.iforest_[-1].score_samples(scaled)
            if_score = self._cal_if(raw)
            parts.append(self._cal_if.surprisal(raw))
        if self.algorithm in ("ensemble", "lof"):
            raw = self._raw_lof(scaled)
            lof_score = self._cal_lof(raw)
            parts.append(self._cal_lof.surprisal(raw))
        rare_score = np.full(n, np.nan)
        if self.algorithm == "ensemble" and self.rarest:
            raw = scaled.max(axis=1)
            rare_score = self._cal_rare(raw)
            parts.append(self._cal_rare.surprisal(raw))
        combined = np.mean(parts, axis=0) - self._actor_offset(groups, n)
        score = self._cal_final(combined)
        return pd.DataFrame(
            {
                "score": score,
                "iforest_score": if_score,
                "lof_score": lof_score,
                "rarest_score": rare_score,
            },
            index=index,
        )

    def anomaly_score(self, X: Any, groups: Any = None) -> np.ndarray:
        """Calibrated score in [0, 1], higher = more anomalous.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        groups : array-like of shape (n_samples,), optional
            Actor of each window (see :meth:`score_components`).

        Returns
        -------
        ndarray of shape (n_samples,)
            Share of training windows scored lower (strictly increasing beyond the most
            anomalous training window).
        """
        return self.score_components(X, groups)["score"].to_numpy()

    def score_samples(self, X: Any, groups: Any = None) -> np.ndarray:
        """Opposite of :meth:`anomaly_score` (scikit-learn direction: lower = more abnormal).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        groups : array-like of shape (n_samples,), optional
            Actor of each window (see :meth:`score_components`).

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return -self.anomaly_score(X, groups)

    def decision_function(self, X: Any, groups: Any = None) -> np.ndarray:
        """``score_samples(X) - offset_``: negative for windows that alert.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        groups : array-like of shape (n_samples,), optional
            Actor of each window (see :meth:`score_components`).

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self.score_samples(X, groups) - self.offset_

    def predict(self, X: Any, groups: Any = None) -> np.ndarray:
        """-1 for windows that alert (score above ``threshold_``), 1 otherwise.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        groups : array-like of shape (n_samples,), optional
            Actor of each window (see :meth:`score_components`).

        Returns
        -------
        ndarray of shape (n_samples,), dtype int
        """
        return np.where(self.decision_function(X, groups) < 0, -1, 1)


# ------------------------------------------------------------------------ thresholds etc.


def resolve_threshold(
    training_scores: np.ndarray,
    *,
    alert_rate: float | None = None,
    threshold: float | None = None,
) -> float:
    """Score cut-off from an alert budget or an explicit threshold (not both).

    Parameters
    ----------
    training_scores : ndarray
        Calibrated scores of the training windows.
    alert_rate : float, optional
        Share of training windows allowed to alert, in (0, 1).
    threshold : float, optional
        Explicit cut-off in [0, 1]; returned as is.

    Returns
    -------
    float
        Windows with ``score > threshold`` alert.

    Raises
    ------
    ValueError
        When both or neither are given, or a value is out of range.
    """
    if (alert_rate is None) == (threshold is None):
        raise ValueError("give exactly one of alert_rate and threshold")
    if threshold is not None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1]; got {threshold}")
        return float(threshold)
    assert alert_rate is not None
    if not 0.0 < alert_rate < 1.0:
        raise ValueError(f"alert rate must be in (0, 1); got {alert_rate}")
    return float(np.quantile(np.asarray(training_scores, dtype=np.float64), 1.0 - alert_rate))


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


# ---------------------------------------------------------------------------- persistence


@dataclass
class TrainedModel:
    """Everything ``anomaly score`` needs, as saved by :func:`save_model`.

    Attributes
    ----------
    detector : AnomalyDetector
        Fitted detector.
    profile : object
        ``features.ActorProfile`` of the training data (history for scoring).
    baseline : object
        ``explain.Baseline``: per-actor typical feature values for explanations.
    window : str
        Window size the features were built with (``"1d"`` or ``"1h"``).
    feature_columns : tuple of str
        Feature names, in the detector's column order.
    threshold : float
        Score above which a window alerts.
    alert_rate : float or None
        Alert budget the threshold came from (None when set as a score cut-off).
    training_sha256 : str
        Hash of the training data (see :func:`sha256_files`).
    n_training_windows : int
        Actor-windows the detector was fitted on.
    constant_features : tuple of str
        Features that never varied over the training windows: the detector learned
        nothing about them, and any other value of theirs when scoring will look rare.
    manifest : dict
        The manifest as read by :func:`load_model` (empty before saving).
    """

    detector: AnomalyDetector
    profile: Any
    baseline: Any
    window: str
    feature_columns: tuple[str, ...]
    threshold: float
    alert_rate: float | None
    training_sha256: str
    n_training_windows: int
    constant_features: tuple[str, ...] = ()
    manifest: dict = field(default_factory=dict)


def package_versions() -> dict[str, str]:
    """Versions recorded in, and required by, a model manifest.

    Returns
    -------
    dict
        ``pipes_anomaly``, ``scikit-learn``, ``numpy``, ``pandas`` -> version string.
    """
    import sklearn

    from pipes_anomaly import __version__

    return {
        "pipes_anomaly": __version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
    }


def _sha256(path: Path) -> str:
    return sha256_files([path])


def _read_checked(path: Path, want: str) -> bytes | None:
    """Return the bytes of ``path`` when their sha256 is ``want``, else None.

    The file is read once, so the bytes unpickled are the bytes checked.
    """
    data = path.read_bytes()
    return data if hashlib.sha256(data).hexdigest() == want else None


def sha256_files(paths: Iterable[str | Path]) -> str:
    """One sha256 over the bytes of several files, in the order given.

    Parameters
    ----------
    paths : iterable of str or Path

    Returns
    -------
    str
        Hex digest.
    """
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as fh:
            for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def _retrain(model_dir: Path) -> str:
    return f"retrain with `anomaly train --model-dir {model_dir}`"


def save_model(model_dir: str | Path, model: TrainedModel) -> Path:
    """Write the model's artefacts and its manifest into ``model_dir``.

    Parameters
    ----------
    model_dir : str or Path
        Directory (created if needed); existing artefacts are overwritten.
    model : TrainedModel

    Returns
    -------
    Path
        Path of the written ``manifest.json``.
    """
    import joblib

    d = Path(model_dir)
    d.mkdir(parents=True, exist_ok=True)
    objects = {
        "detector.joblib": model.detector,
        "profile.joblib": model.profile,
        "baseline.joblib": model.baseline,
    }
    hashes = {}
    for name, obj in objects.items():
        joblib.dump(obj, d / name)
        hashes[name] = _sha256(d / name)
    params = {
        k: (v if isinstance(v, (str, int, float, bool)) or v is None else repr(v))
        for k, v in model.detector.get_params().items()
    }
    manifest = {
        "format": FORMAT_VERSION,
        "versions": package_versions(),
        "params": params,
        "feature_columns": list(model.feature_columns),
        "window": model.window,
        "training_data_sha256": model.training_sha256,
        "n_training_windows": int(model.n_training_windows),
        "constant_features": list(model.constant_features),
        "threshold": float(model.threshold),
        "alert_rate": None if model.alert_rate is None else float(model.alert_rate),
        "artefacts": hashes,
    }
    path = d / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    model.manifest = manifest
    return path


def read_manifest(model_dir: str | Path) -> dict:
    """Read and structurally check ``manifest.json`` (nothing is unpickled).

    Parameters
    ----------
    model_dir : str or Path

    Returns
    -------
    dict

    Raises
    ------
    ModelError
        When the directory or manifest is missing or malformed.
    """
    d = Path(model_dir)
    path = d / MANIFEST_NAME
    if not path.is_file():
        where = "does not exist" if not d.exists() else f"has no {MANIFEST_NAME}"
        raise ModelError(
            f"no model in {d}: the directory {where} - train one with "
            f"`anomaly train --model-dir {d}`"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise ModelError(f"{path} is not a valid manifest ({exc}) - {_retrain(d)}") from None
    keys = ("format", "versions", "feature_columns", "window", "threshold", "artefacts")
    missing = [k for k in keys if not isinstance(manifest, dict) or k not in manifest]
    if missing:
        raise ModelError(f"{path} lacks {', '.join(missing)} - {_retrain(d)}")
    return manifest


def load_model(
    model_dir: str | Path, *, feature_columns: Sequence[str] | None = None
) -> TrainedModel:
    """Load a model saved by :func:`save_model`, refusing anything that does not match.

    Checks, in order and before unpickling anything: the manifest exists and parses; its
    format, package versions and feature names match this installation; every artefact
    exists and its sha256 matches the manifest.

    Parameters
    ----------
    model_dir : str or Path
    feature_columns : sequence of str, optional
        Feature names the model must have; default ``MODEL_FEATURES``.

    Returns
    -------
    TrainedModel

    Raises
    ------
    ModelError
        Saying what does not match and what to do.
    """
    import joblib

    d = Path(model_dir)
    manifest = read_manifest(d)
    if manifest["format"] != FORMAT_VERSION:
        raise ModelError(
            f"model in {d} has layout version {manifest['format']}, this version reads "
            f"{FORMAT_VERSION} - {_retrain(d)}"
        )
    current = package_versions()
    saved = manifest["versions"]
    for pkg, version in current.items():
        if saved.get(pkg) != version:
            raise ModelError(
                f"model in {d} was made with {pkg} {saved.get(pkg)}, this is {pkg} {version}"
                f" - {_retrain(d)}"
            )
    expected = tuple(feature_columns if feature_columns is not None else MODEL_FEATURES)
    have = tuple(manifest["feature_columns"])
    if have != expected:
        gone = [f for f in expected if f not in have]
        extra = [f for f in have if f not in expected]
        what = []
        if gone:
            what.append(f"lacks {', '.join(gone[:5])}")
        if extra:
            what.append(f"has unknown {', '.join(extra[:5])}")
        if not what:
            what.append("orders them differently")
        raise ModelError(
            f"model in {d} was trained on another feature set (it {'; '.join(what)})"
            f" - {_retrain(d)}"
        )
    checked: dict[str, bytes] = {}
    for name in _ARTEFACTS:
        p = d / name
        want = manifest["artefacts"].get(name)
        if want is None or not p.is_file():
            raise ModelError(f"model file {p} is missing - {_retrain(d)}")
        data = _read_checked(p, want)
        if data is None:
            raise ModelError(
                f"model file {p} was altered (its sha256 does not match {MANIFEST_NAME}); "
                f"refusing to load it - {_retrain(d)}"
            )
        checked[name] = data
    loaded = {name: joblib.load(io.BytesIO(data)) for name, data in checked.items()}
    return TrainedModel(
        detector=loaded["detector.joblib"],
        profile=loaded["profile.joblib"],
        baseline=loaded["baseline.joblib"],
        window=str(manifest["window"]),
        feature_columns=have,
        threshold=float(manifest["threshold"]),
        alert_rate=manifest.get("alert_rate"),
        training_sha256=str(manifest.get("training_data_sha256", "")),
        n_training_windows=int(manifest.get("n_training_windows", 0)),
        constant_features=tuple(manifest.get("constant_features", ())),
        manifest=manifest,
    )


# ------------------------------------------------------------------------ train and score


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
    from pipes_anomaly.explain import Baseline

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
    cut = resolve_threshold(detector.training_scores_, alert_rate=alert_rate, threshold=threshold)
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
    )


def score_events(
    events: pd.DataFrame,
    model: TrainedModel,
    *,
    threshold: float | None = None,
    evidence_top: int = 0,
) -> pd.DataFrame:
    """Score every actor-window of ``events`` and explain the alerts.

    Parameters
    ----------
    events : DataFrame
        Events to score (docs/design.md section 2).
    model : TrainedModel
        From :func:`train_model` or :func:`load_model`.
    threshold : float, optional
        Score cut-off overriding the model's (see :func:`resolve_threshold` to turn an
        alert rate into one).
    evidence_top : int, default 0
        Also list evidence for this many top-scored windows that do not alert.

    Returns
    -------
    DataFrame
        :data:`SCORE_COLUMNS`, one row per actor-window, in window then actor order.
        ``score``, ``iforest_score`` and ``lof_score`` are in [0, 1], higher = more
        anomalous; ``alert`` is ``score > threshold``; ``reasons`` is ``"; "``-joined,
        written for windows scored at least :data:`REASONS_MIN_SCORE` (``""`` for typical
        windows below it, and for windows where no feature stands out); ``evidence``
        (space-separated record ids) is filled for alerts and the ``evidence_top``
        best-scored windows, ``""`` elsewhere.

    Raises
    ------
    ModelError
        When a feature is not finite (seen when the data overlaps the training period).
    """
    from pipes_anomaly.explain import evidence, explain

    cut = model.threshold if threshold is None else float(threshold)
    feats, flags = features.build_features_and_flags(
        events, window=model.window, profile=model.profile
    )
    matrix = feats.loc[:, list(model.feature_columns)]
    finite = np.isfinite(matrix.to_numpy(dtype=np.float64))
    if not finite.all():
        bad = [c for c, ok in zip(model.feature_columns, finite.all(axis=0), strict=True) if not ok]
        raise ModelError(
            f"cannot score: feature {', '.join(bad)} is not finite in "
            f"{int((~finite.all(axis=1)).sum())} actor-windows (does the data overlap the "
            "training period? score records from after it)"
        )
    comps = model.detector.score_components(matrix, groups=feats["actor_id"].to_numpy())
    out = feats.loc[:, list(KEY_COLUMNS)].copy()
    for c in ("score", "iforest_score", "lof_score"):
        out[c] = comps[c].to_numpy()
    out["alert"] = out["score"].to_numpy() > cut
    out["severity"] = severity(out["score"].to_numpy())
    # reasons explain what is unusual: an ordinary window gets none
    explained = np.flatnonzero(out["score"].to_numpy() >= REASONS_MIN_SCORE)
    why = explain(feats.iloc[explained], model.baseline)
    reasons = np.full(len(out), "", dtype=object)
    reasons[explained] = why["reasons"].to_numpy()
    reason_features: list[tuple[str, ...]] = [()] * len(out)
    for i, names in zip(explained.tolist(), why["reason_features"], strict=True):
        reason_features[i] = names
    out["reasons"] = reasons
    want = out["alert"].to_numpy().copy()
    if evidence_top > 0 and len(out):
        top = np.argsort(-out["score"].to_numpy(), kind="stable")[:evidence_top]
        want[top] = True
    ev = [""] * len(out)
    idx = np.flatnonzero(want)
    if len(idx):
        sub = evidence(
            events,
            flags,
            feats.iloc[idx],
            [reason_features[i] for i in idx],
        )
        for i, e in zip(idx.tolist(), sub, strict=True):
            ev[i] = e
    out["evidence"] = pd.Series(ev, index=out.index, dtype=object)
    return out.reset_index(drop=True)
