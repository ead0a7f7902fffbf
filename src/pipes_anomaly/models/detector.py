"""The anomaly detector: Isolation Forest, Local Outlier Factor and their ensemble.

One score chain, one direction: internally :meth:`AnomalyDetector.score_samples` follows
scikit-learn (lower = more abnormal); everything a user sees is called ``score``, a number
in [0, 1], **higher = more anomalous** (see :mod:`~pipes_anomaly.models.calibration`).

The default ensemble averages the calibrated Isolation Forest (at half weight), LOF and
rarest-feature values on a log-tail scale (``-log(1 - rank)``, which keeps rising beyond the
most anomalous training window instead of saturating at 1), subtracts half of each actor's
own typical level, and calibrates the result once more against the training windows.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd
from sklearn import config_context
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from pipes_anomaly.models.calibration import DEFAULT_ALERT_RATE, Calibration, resolve_threshold
from pipes_anomaly.models.surprisal import TailSurprisal

#: Rows of the blocks in which the LOF's neighbour search multiplies matrices; rows past the
#: last whole block are scored in one block padded to this size, so that every row goes
#: through the same shape of product and its value does not depend on what is scored with it.
_LOF_BLOCK = 256

#: Detector choices: ``ensemble`` (default), ``iforest``, ``lof``.
ALGORITHMS: tuple[str, ...] = ("ensemble", "iforest", "lof")


class AnomalyDetector(OutlierMixin, BaseEstimator):
    """Isolation Forest, Local Outlier Factor or their ensemble, calibrated to [0, 1].

    Both detectors see the features through :class:`TailSurprisal` (per-feature rarity
    against the training windows), which puts sparse decisive signals on the same scale
    as volume counts.  They learn from each training window read as a new window is read,
    but against the *other* training windows (:meth:`TailSurprisal.transform_left_out`):
    read against a reference that holds it, a training window alone at a feature's top
    counts as one of two, where a new window beyond every training window counts as one
    alone, so new periods crowded the top of the scores and the alerts.  With ``groups``
    (the actor of each window) the combined value is also taken partly relative to the
    actor's own typical level (``actor_weight``): a window is judged half against its
    actor's usual level, so that an actor who is always unusual in the same way is not
    flagged for being itself, and half against all actors (its peers and the
    organisation), so that an actor odd every day, from the first day of training, still
    ranks: "unlike themselves and unlike their peers".

    Parameters
    ----------
    algorithm : {"ensemble", "iforest", "lof"}, default="ensemble"
        ``iforest``: an Isolation Forest.  ``lof``: a Local Outlier Factor in novelty
        mode, fitted on the distinct training rows.  ``ensemble``: the weighted mean of the
        two (and of the rarest-feature value, see ``rarest``), each rank-normalised on a
        log-tail scale, calibrated again.
    rarest : bool, default=True
        With ``algorithm="ensemble"``, add a third part: the window's single rarest
        feature (its largest surprisal).  Isolation Forest and LOF dilute one extreme
        column among dozens of ordinary ones; this part does not, so a window that is
        extreme in one decisive way (three deletes, one forged actor id) ranks high even
        when everything else about it is ordinary.
    forest_weight : float, default=0.5
        With ``algorithm="ensemble"``, the Isolation Forest's weight in the mean, where the
        LOF and the rarest-feature part weigh 1.  A forest isolates a window by random
        splits over every feature, so one decisive column among dozens of ordinary ones
        moves it less than it moves the other two parts; 0 leaves the forest out.
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
    actor_weight : float, default=0.5
        How much of the actor's own typical level (the shrunk median of its training
        windows' combined value, relative to all windows' median) is subtracted when
        ``groups`` are given; 0 turns the per-actor adjustment off (a window is judged
        against all actors only), 1 judges it against its actor alone.
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
        to that single row).  A window with the raw values of a training window in its
        reference set gets that window's training (leave-itself-out) factor, rather than
        finding its twin as its nearest neighbour: many quiet windows share one set of
        values, and a factor a hair above theirs would rank above all of them.
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
        Calibrated scores of the training windows, each read against the others.  Scoring
        the training data again reads each against a reference that holds it, so it does
        not give these back exactly (a window's rare values look a little less rare).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` has string column names.
    """

    def __init__(
        self,
        *,
        algorithm: str = "ensemble",
        rarest: bool = True,
        forest_weight: float = 0.5,
        n_estimators: int = 200,
        max_samples: int | float | str = "auto",
        n_neighbors: int = 20,
        lof_max_samples: int = 5_000,
        actor_weight: float = 0.5,
        actor_shrinkage: float = 5.0,
        alert_rate: float = DEFAULT_ALERT_RATE,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = 0,
    ) -> None:
        self.algorithm = algorithm
        self.rarest = rarest
        self.forest_weight = forest_weight
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
        for name in ("forest_weight", "actor_weight", "actor_shrinkage"):
            v = getattr(self, name)
            if not isinstance(v, numbers.Real) or isinstance(v, bool) or not 0 <= v < np.inf:
                raise ValueError(f"{name} must be a finite number >= 0; got {v!r}")

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
        # each training window read as a new window would be, against the others: read
        # against a reference holding itself, a window's own extreme value looks less rare
        # than the same value in a new period, and new periods crowd the top
        scaled = self.surprisal_.transform_left_out(X)
        if use_if:
            forest = IsolationForest(
                n_estimators=self.n_estimators,
                max_samples=self.max_samples,
                n_jobs=self.n_jobs,
                random_state=int(rng.randint(np.iinfo(np.int32).max)),
            )
            self.iforest_ = Pipeline([("surprisal", self.surprisal_), ("iforest", forest)])
            raw_if = -forest.fit(scaled).score_samples(scaled)
            self._cal_if = Calibration.fit(raw_if)
            parts.append(self._cal_if.surprisal(raw_if))
        if use_lof:
            raw_lof = self._fit_lof(scaled, self.surprisal_.transform(X), rng)
            self._cal_lof = Calibration.fit(raw_lof)
            parts.append(self._cal_lof.surprisal(raw_lof))
        if self.algorithm == "ensemble" and self.rarest:
            raw_rare = scaled.max(axis=1)
            self._cal_rare = Calibration.fit(raw_rare)
            parts.append(self._cal_rare.surprisal(raw_rare))
        combined = self._combine(parts)
        self.actor_offsets_ = self._fit_actor_offsets(combined, groups)
        combined = combined - self._actor_offset(groups, combined.shape[0])
        self._cal_final = Calibration.fit(combined)
        self.training_scores_ = self._cal_final(combined)
        self.threshold_ = resolve_threshold(self.training_scores_, alert_rate=self.alert_rate)
        self.offset_ = -self.threshold_
        return self

    def _fit_lof(
        self, scaled: np.ndarray, seen_as: np.ndarray, rng: np.random.RandomState
    ) -> np.ndarray:
        """Fit the LOF on distinct surprisal rows; return the training rows' raw LOF values.

        Quiet actors produce many identical rows; fitted as they are, more duplicates than
        ``n_neighbors`` give zero reachability distances and meaningless factors.  The
        surprisal transform learns from every row, the LOF from the distinct transformed
        rows, and each training row gets the factor of its distinct row.  ``seen_as`` holds
        the same rows as a new window with their values is transformed: a scored window
        with a reference row's values gets that row's factor.
        """
        unique, first, inverse = np.unique(
            scaled, axis=0, return_index=True, return_inverse=True
        )
        inverse = inverse.reshape(-1)
        if unique.shape[0] < 2:
            # a single distinct row: the LOF is undefined; score the distance to it
            self._lof_center = seen_as[0].copy()
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
        # A window with a reference row's values would count that row as its own nearest
        # neighbour and look more normal than the row did in training: it gets its value.
        keys = np.ascontiguousarray(seen_as[first[fit_rows]])
        self._lof_seen = {
            row.tobytes(): float(v) for row, v in zip(keys, unique_raw[fit_rows], strict=True)
        }
        return unique_raw[inverse]

    def _combine(self, parts: list[np.ndarray]) -> np.ndarray:
        """The parts' mean, the forest's part weighted by ``forest_weight`` in the ensemble."""
        if self.algorithm != "ensemble":
            return np.mean(parts, axis=0)
        weights = np.ones(len(parts))
        weights[0] = self.forest_weight  # the forest's part comes first
        return np.average(parts, axis=0, weights=weights)

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
        lof = self.lof_[-1]
        whole = scaled.shape[0] - scaled.shape[0] % _LOF_BLOCK
        raw = np.empty(scaled.shape[0])
        with config_context(pairwise_dist_chunk_size=_LOF_BLOCK):
            if whole:
                raw[:whole] = -lof.score_samples(scaled[:whole])
            if whole < scaled.shape[0]:
                padded = np.zeros((_LOF_BLOCK, scaled.shape[1]), dtype=scaled.dtype)
                padded[: scaled.shape[0] - whole] = scaled[whole:]
                raw[whole:] = -lof.score_samples(padded)[: scaled.shape[0] - whole]
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
        combined = self._combine(parts) - self._actor_offset(groups, n)
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

    def value_rarity(self, X: Any) -> np.ndarray:
        """Per feature, the share of training windows whose value is at least each value.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features)
            In ``(0, 1]``, small = rare (:meth:`TailSurprisal.share_at_least`).
        """
        check_is_fitted(self, "surprisal_")
        return self.surprisal_.share_at_least(X)

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
