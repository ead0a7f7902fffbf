"""The rarest part discounted by the window's organisation on the same day: a value that k
windows of the same organisation and window reach (the window included) counts log(k) less,
so what many people do on one day (a month-end, a release) is less telling (parts level)."""

import lab3
import numpy as np
import pandas as pd
from lab3 import catalog, lab

cols = list(catalog.MODEL_FEATURES)


def discounted(S, X, frame):
    """S minus log(k): k = windows of the same (organisation, window) with a value >= this."""
    grp = pd.factorize(
        pd.Series(frame["identity_handle"].astype(str).to_numpy())
        + "|"
        + pd.Series(frame["window_start"].astype(str).to_numpy())
    )[0]
    out = S.copy()
    order = np.argsort(grp, kind="stable")
    g_sorted = grp[order]
    bounds = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1], True])
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        rows = order[lo:hi]
        if len(rows) < 2:
            continue
        x = X[rows]
        # per feature: how many windows of the group reach at least each window's value
        k = (x[None, :, :] >= x[:, None, :]).sum(axis=1)
        out[rows] = S[rows] - np.log(k)
    return np.maximum(out, 0.0)


def org_day(w=(0.5, 1, 1)):
    def combine(det, ptr, pte, ftr, fte):
        _, _, _, str_, ste = lab._FIT[id(ftr)]
        Xtr, Xte = ftr[cols].to_numpy(float), fte[cols].to_numpy(float)
        rtr = discounted(str_, Xtr, ftr).max(1)
        rte = discounted(ste, Xte, fte).max(1)
        return lab3.with_rarest(ptr, pte, rtr, rte, w)

    return combine


V = {
    "base": lab.parts_variant(lab.weighted((0.5, 1, 1))),
    "rare-orgday": lab.parts_variant(org_day()),
}
df = lab.measure(V)
df.to_csv(str(lab3.HERE.parent / "results" / "third_round" / "run11.csv"), index=False)
lab.report(df)
