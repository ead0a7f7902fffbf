"""Each feature's rarity discounted by how much more often its tail recurs out of time.

Within the training period, a surprisal fitted on the earlier windows is read on the later
ones; a feature whose later windows reach its training tail (share <= q) more often than q
says (drift, censored gaps, the settling-in of novelty) has its surprisal lowered by
``log`` of that excess everywhere, on the same development worlds as the third round.
"""

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

import cross_world as cw  # noqa: E402
from pipes_anomaly import catalog  # noqa: E402
from pipes_anomaly.models import AnomalyDetector, alert_flags  # noqa: E402
from pipes_anomaly.models import detector as D  # noqa: E402
from pipes_anomaly.models.surprisal import TailSurprisal  # noqa: E402

COLS = list(catalog.MODEL_FEATURES)


class Discounted(TailSurprisal):
    discount = None

    def transform(self, X):
        out = super().transform(X)
        return np.maximum(out - self.discount, 0.0)


def discounts(ftr, q=0.01, late=1 / 3, prior=1.0, both=False):
    days = ftr["window_start"].dt.floor("D")
    d0, d1 = days.min(), days.max()
    cut = d1 - (d1 - d0) * late
    early = (days <= cut).to_numpy()
    X = ftr[COLS].to_numpy(float)
    if early.sum() < 20 or (~early).sum() < 20:
        return np.zeros(len(COLS))
    p = TailSurprisal().fit(X[early]).share_at_least(X[~early])
    n = (~early).sum()
    obs = (p <= q).sum(0)
    r = (obs + prior) / (n * q + prior)
    d = np.log(r)
    return d if both else np.maximum(d, 0.0)


def variant(**kw):
    def run(ftr, fte):
        Discounted.discount = discounts(ftr, **kw)
        D.TailSurprisal = Discounted
        try:
            det = AnomalyDetector(random_state=0).fit(ftr[COLS], groups=ftr["actor_id"].to_numpy())
            s = det.anomaly_score(fte[COLS], groups=fte["actor_id"].to_numpy())
        finally:
            D.TailSurprisal = TailSurprisal
        return s, alert_flags(s, det.threshold_, cw.ASKED_RATE)

    return run


if __name__ == "__main__":
    V = {
        "base": lab.ensemble(),
        "q01": variant(q=0.01),
        "q05": variant(q=0.05),
        "q01-half": variant(q=0.01, late=0.5),
    }
    df = lab.measure(V)
    lab.write(df, "fourth_round", "run1")
