"""Raw anomaly values -> scores in [0, 1], and the alert threshold those scores are cut at.

A score is the share of training windows with a lower raw value (``0.99``: more unusual than
99% of the training windows), rising smoothly towards 1 beyond the most anomalous one. The
alert threshold is the score that a given share of training windows exceeds (the alert
budget), or an explicit cut-off: :func:`resolve_threshold` is the one place that decides it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Default alert budget: 1% of actor-windows.
DEFAULT_ALERT_RATE = 0.01


@dataclass(frozen=True)
class Calibration:
    """Empirical calibration of a raw anomaly value (higher = more abnormal) into [0, 1].

    Calling it maps ``a`` to the share of training values strictly below ``a``, linearly
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
    def fit(cls, raw: np.ndarray) -> Calibration:
        """Learn the calibration from the training windows' raw values.

        Parameters
        ----------
        raw : ndarray of shape (n_samples,)
            Raw anomaly values, higher = more abnormal.

        Returns
        -------
        Calibration
        """
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
        """Scores in [0, 1] of raw values (the share of training values below each)."""
        below, excess = self._locate(raw)
        tail = 1.0 - np.exp(-excess / self.tail_scale_) / len(self.sorted_)
        return np.where(excess > 0, tail, below)

    def surprisal(self, raw: np.ndarray) -> np.ndarray:
        """``-log(1 - calibrated)`` computed without rounding loss: unbounded, increasing."""
        below, excess = self._locate(raw)
        n = len(self.sorted_)
        inside = -np.log(np.maximum(1.0 - below, 1.0 / n))
        return np.where(excess > 0, np.log(n) + excess / self.tail_scale_, inside)


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
