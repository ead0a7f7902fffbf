"""Service accounts used by hand: the detector with and without ``log_hand_records``, on the
development worlds of the generator that simulates service-account misuse (features cached
under ``experiments/work/fifth_round/``)."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

from pipes_anomaly import catalog  # noqa: E402
from pipes_anomaly.models import AnomalyDetector, alert_flags  # noqa: E402


def ensemble(cols):
    def run(ftr, fte):
        det = AnomalyDetector(random_state=0).fit(ftr[cols], groups=ftr["actor_id"].to_numpy())
        s = det.anomaly_score(fte[cols], groups=fte["actor_id"].to_numpy())
        return s, alert_flags(s, det.threshold_, lab.cw.ASKED_RATE)

    return run


if __name__ == "__main__":
    lab.CACHE = HERE.parent / "work" / "fifth_round"
    lab.CACHE.mkdir(parents=True, exist_ok=True)
    with_hand = list(catalog.MODEL_FEATURES)
    without = [c for c in with_hand if c != "log_hand_records"]
    df = lab.measure({"without": ensemble(without), "with": ensemble(with_hand)})
    lab.write(df, "fifth_round", "run1")
