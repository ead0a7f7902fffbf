"""The forest and LOF read surprisal soft-thresholded at a tail share q (``max(0, s -
log(1/q))``): what is ordinary in a feature (outside its top q of training windows) counts
0, so their distances and splits follow rare values only; the rarest part is unchanged
(parts level)."""

import lab3
import numpy as np
from lab3 import catalog, lab

from pipes_anomaly.models import AnomalyDetector, detector, surprisal

cols = list(catalog.MODEL_FEATURES)


def thresholded(q):
    class Thresholded(surprisal.TailSurprisal):
        def transform(self, X):
            return np.maximum(super().transform(X) - np.log(1.0 / q), 0.0)

    return Thresholded


def soft(q, w=(0.5, 1, 1)):
    w = np.asarray(w, float) / np.sum(w)

    def combine(det, ptr, pte, ftr, fte):
        plain = detector.TailSurprisal
        detector.TailSurprisal = thresholded(q)
        try:
            d2 = AnomalyDetector(random_state=0, actor_weight=0.0).fit(
                ftr[cols], groups=ftr["actor_id"].to_numpy()
            )
            qtr, _ = lab.parts_of(d2, ftr[cols].to_numpy(float))
            qte, _ = lab.parts_of(d2, fte[cols].to_numpy(float))
        finally:
            detector.TailSurprisal = plain
        Ptr = np.column_stack([qtr[:, :2], ptr[:, 2]])
        Pte = np.column_stack([qte[:, :2], pte[:, 2]])
        return Ptr @ w, Pte @ w

    return combine


V = {
    "base": lab.parts_variant(lab.weighted((0.5, 1, 1))),
    "soft-q20": lab.parts_variant(soft(0.2)),
    "soft-q05": lab.parts_variant(soft(0.05)),
}
df = lab.measure(V)
df.to_csv(str(lab3.HERE.parent / "results" / "third_round" / "run15.csv"), index=False)
lab.report(df)
