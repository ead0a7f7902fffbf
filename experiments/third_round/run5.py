"""A k-nearest-neighbour distance part (mean distance to the k nearest distinct training rows
in the surprisal space) in place of the LOF, or beside it (parts level)."""

import lab3
import numpy as np
from lab3 import lab
from sklearn.neighbors import NearestNeighbors

from pipes_anomaly.models.calibration import Calibration

_K = {}


def knn_part(str_, ste, k):
    uniq, inv = np.unique(str_, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    rng = np.random.default_rng(0)
    ref = uniq if len(uniq) <= 5000 else uniq[np.sort(rng.choice(len(uniq), 5000, replace=False))]
    nn = NearestNeighbors(n_neighbors=min(k + 1, len(ref))).fit(ref)
    d_tr, _ = nn.kneighbors(uniq)
    d_tr = d_tr[:, 1:].mean(1)[inv]  # leave the row itself out
    d_te, _ = nn.kneighbors(ste, n_neighbors=min(k, len(ref)))
    d_te = d_te.mean(1)
    cal = Calibration.fit(d_tr)
    return cal.surprisal(d_tr), cal.surprisal(d_te)


def knn_variant(mode, k=20):
    def combine(det, ptr, pte, ftr, fte):
        _, _, _, str_, ste = lab._FIT[id(ftr)]
        key = (id(ftr), k)
        if key not in _K:
            _K.clear()
            _K[key] = knn_part(str_, ste, k)
        ktr, kte = _K[key]
        if mode == "replace":
            w = np.array([0.5, 1, 1]) / 2.5
            return np.column_stack([ptr[:, 0], ktr, ptr[:, 2]]) @ w, np.column_stack(
                [pte[:, 0], kte, pte[:, 2]]
            ) @ w
        w = np.array([0.5, 1, 1, 1]) / 3.5
        return np.column_stack([ptr, ktr]) @ w, np.column_stack([pte, kte]) @ w

    return combine


V = {
    "base": lab.parts_variant(lab.weighted((0.5, 1, 1))),
    "knn-for-lof": lab.parts_variant(knn_variant("replace")),
    "knn-added": lab.parts_variant(knn_variant("add")),
}
df = lab.measure(V)
df.to_csv(str(lab3.HERE.parent / "results" / "third_round" / "run5.csv"), index=False)
lab.report(df)
