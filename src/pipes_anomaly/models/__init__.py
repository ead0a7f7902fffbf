"""Anomaly detectors over the actor-window feature matrix (scikit-learn estimators).

- :mod:`~pipes_anomaly.models.surprisal`: :class:`TailSurprisal`, per-feature rarity;
- :mod:`~pipes_anomaly.models.calibration`: raw values -> scores in [0, 1], the threshold;
- :mod:`~pipes_anomaly.models.detector`: :class:`AnomalyDetector`.
"""

from pipes_anomaly.models.calibration import DEFAULT_ALERT_RATE, resolve_threshold
from pipes_anomaly.models.detector import ALGORITHMS, AnomalyDetector
from pipes_anomaly.models.surprisal import TailSurprisal

__all__ = [
    "ALGORITHMS",
    "DEFAULT_ALERT_RATE",
    "AnomalyDetector",
    "TailSurprisal",
    "resolve_threshold",
]
