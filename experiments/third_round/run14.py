"""The rarest part as Higher Criticism (Donoho and Jin 2004) over the features' tail
shares, in place of the single largest surprisal: a statistic made for a few strong signals
among many tests, which also adds up several moderately rare features (parts level)."""

import lab3
import numpy as np
from lab3 import lab


def higher_criticism(S, alpha=0.5):
    """Per row: max over the smallest alpha*d tail shares of sqrt(d)(i/d - p)/sqrt(p(1-p))."""
    p = np.clip(np.sort(np.exp(-S), axis=1), 1e-12, 1 - 1e-12)
    d = p.shape[1]
    k = max(1, int(alpha * d))
    i = np.arange(1, k + 1) / d
    hc = np.sqrt(d) * (i - p[:, :k]) / np.sqrt(p[:, :k] * (1 - p[:, :k]))
    return hc.max(axis=1)


def hc(alpha=0.5, w=(0.5, 1, 1)):
    def combine(det, ptr, pte, ftr, fte):
        _, _, _, str_, ste = lab._FIT[id(ftr)]
        return lab3.with_rarest(
            ptr, pte, higher_criticism(str_, alpha), higher_criticism(ste, alpha), w
        )

    return combine


V = {
    "base": lab.parts_variant(lab.weighted((0.5, 1, 1))),
    "rare-hc50": lab.parts_variant(hc(0.5)),
    "rare-hc20": lab.parts_variant(hc(0.2)),
}
df = lab.measure(V)
df.to_csv(str(lab3.HERE.parent / "results" / "third_round" / "run14.csv"), index=False)
lab.report(df)
