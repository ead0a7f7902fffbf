"""Anomaly detectors over the actor-window feature matrix (scikit-learn estimators).

- :mod:`~pipes_anomaly.models.surprisal`: :class:`TailSurprisal`, per-feature rarity;
- :mod:`~pipes_anomaly.models.calibration`: raw values -> scores in [0, 1], the threshold;
- :mod:`~pipes_anomaly.models.detector`: :class:`AnomalyDetector`.
"""

from pipes_anomaly.models.calibration import (
    ALERT_CAP,
    DEFAULT_ALERT_RATE,
    alert_flags,
    resolve_threshold,
)
from pipes_anomaly.models.detector import ALGORITHMS, AnomalyDetector
from pipes_anomaly.models.surprisal import TailSurprisal

__all__ = [
    "ALERT_CAP",
    "ALGORITHMS",
    "DEFAULT_ALERT_RATE",
    "AnomalyDetector",
    "TailSurprisal",
    "alert_flags",
    "resolve_threshold",
]
