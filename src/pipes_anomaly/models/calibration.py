"""Raw anomaly values -> scores in [0, 1], and the alert threshold those scores are cut at.

A score is the share of training windows with a lower raw value (``0.99``: more unusual than
99% of the training windows), rising smoothly towards 1 beyond the most anomalous one. The
alert threshold is the score that a given share of training windows exceeds (the alert
budget), or an explicit cut-off: :func:`resolve_threshold` is the one place that decides it,
and :func:`alert_flags` the one place that applies it to scored windows (a budget also caps
the share of scored windows that alert).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Default alert budget: 1% of actor-windows.
DEFAULT_ALERT_RATE = 0.01
#: An alert budget lets at most this multiple of its share of the *scored* windows alert
#: (the best-scored): on a new period that looks more unusual than training as a whole,
#: the flag stays near the rate asked instead of drifting with the period.
ALERT_CAP = 1.5
#: The extrapolated tail is fitted to this share of the largest training values ...
TAIL_SHARE = 0.01
#: ... and to at least this many of them.
TAIL_MIN_VALUES = 10


@dataclass(frozen=True)
class Calibration:
    """Empirical calibration of a raw anomaly value (higher = more abnormal) into [0, 1].

    Calling it maps ``a`` to the share of training values strictly below ``a``, linearly
    interpolated between neighbouring distinct training values (a training value keeps
    exactly its share; a value between two of them gets a share between theirs, so two
    new windows that fall between the same training values do not tie: their raw order
    is kept).  Beyond the largest training value the share would be 1 for every value;
    instead the tail is extrapolated: the score keeps rising from ``(n-1)/n`` towards 1 as
    ``1 - exp(-excess/scale)/n``, an exponential tail whose ``scale`` is the mean excess of
    the top training values over the value below them (the tail's own scale, not the
    whole range), so that on a new period stronger anomalies still rank higher and the top
    does not crowd at one value.
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
        distinct, first = np.unique(s, return_index=True)
        return cls(s, _tail_scale(s), distinct, first / len(s))

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


def _tail_scale(s: np.ndarray) -> float:
    """Mean excess of the top :data:`TAIL_SHARE` of sorted values over the value below them.

    The scale of an exponential tail fitted to the largest values (peaks over a threshold);
    the whole spread above the median when the top values are all equal, 1 when nothing
    varies.
    """
    n = len(s)
    k = min(max(TAIL_MIN_VALUES, int(np.ceil(TAIL_SHARE * n))), n - 1)
    if k >= 1:
        scale = float(np.mean(s[n - k :] - s[n - k - 1]))
        if np.isfinite(scale) and scale > 0:
            return scale
    spread = float(s[-1] - np.median(s))
    return spread if np.isfinite(spread) and spread > 0 else 1.0


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


def alert_flags(
    score: np.ndarray,
    threshold: float,
    alert_rate: float | None = None,
    *,
    earlier: tuple[int, int] = (0, 0),
) -> np.ndarray:
    """Which scored windows alert: above the threshold and, for a budget, within its cap.

    Parameters
    ----------
    score : ndarray of shape (n_windows,)
        Calibrated scores of the scored windows.
    threshold : float
        Windows with ``score > threshold`` may alert.
    alert_rate : float, optional
        The alert budget the threshold came from: then at most
        ``max(1, floor(ALERT_CAP * alert_rate * n)) - alerted`` windows alert, the
        best-scored (ties in row order), where ``n`` counts these windows and the earlier
        ones. None: an explicit threshold, no cap.
    earlier : (int, int), default (0, 0)
        Windows scored and windows alerted by the earlier runs of one history, so that runs
        of a day each share the cap of the whole period instead of a day's sliver of it.

    Returns
    -------
    ndarray of bool
    """
    score = np.asarray(score, dtype=np.float64)
    alert = score > threshold
    if alert_rate is None:
        return alert
    scored, alerted = earlier
    total = max(1, int(np.floor(ALERT_CAP * alert_rate * (scored + len(score)))))
    most = max(total - alerted, 0)
    if int(alert.sum()) <= most:
        return alert
    keep = np.zeros(len(score), dtype=bool)
    keep[np.argsort(-score, kind="stable")[:most]] = True
    return alert & keep
