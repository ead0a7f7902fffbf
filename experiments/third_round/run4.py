"""Rarest part restricted to sparse features (data-driven: most training windows at the
feature's lowest value), and per-feature offsets that share the training top 5% evenly."""

import lab3
import numpy as np
from lab3 import catalog, lab

cols = list(catalog.MODEL_FEATURES)


def sparse_rarest(min_share, w=(0.5, 1, 1)):
    w = np.asarray(w, float) / np.sum(w)

    def combine(det, ptr, pte, ftr, fte):
        _, _, _, str_, ste = lab._FIT[id(ftr)]
        X = ftr[cols].to_numpy(float)
        at_floor = (X <= X.min(0) + 1e-12).mean(0)
        keep = at_floor >= min_share
        if not keep.any():
            keep[:] = True
        rtr, rte = str_[:, keep].max(1), ste[:, keep].max(1)
        return lab3.with_rarest(ptr, pte, rtr, rte, w)

    return combine


def even_offsets(top=0.05, iters=30, w=(0.5, 1, 1)):
    w = np.asarray(w, float) / np.sum(w)

    def combine(det, ptr, pte, ftr, fte):
        _, _, _, str_, ste = lab._FIT[id(ftr)]
        n, p = str_.shape
        b = np.zeros(p)
        k = max(1, int(top * n))
        for _ in range(iters):
            Z = str_ - b
            m = Z.max(1)
            idx = np.argsort(-m, kind="stable")[:k]
            lead = np.bincount(Z[idx].argmax(1), minlength=p)
            b += 0.3 * np.log((lead + 1.0) / (k / p + 1.0))
            b = np.clip(b, -2.0, 4.0)
        rtr, rte = (str_ - b).max(1), (ste - b).max(1)
        return lab3.with_rarest(ptr, pte, rtr, rte, w)

    return combine


V = {
    "base": lab.parts_variant(lab.weighted((0.5, 1, 1))),
    "rare-sparse50": lab.parts_variant(sparse_rarest(0.5)),
    "rare-sparse80": lab.parts_variant(sparse_rarest(0.8)),
    "rare-even": lab.parts_variant(even_offsets()),
}
df = lab.measure(V)
df.to_csv(str(lab3.HERE.parent / "results" / "third_round" / "run4.csv"), index=False)
lab.report(df)
