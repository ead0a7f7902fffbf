"""The rarest part split in two, each calibrated alone: the rarest sparse feature (at least
half of the training windows at its lowest value: counts of events that are usually absent)
and the rarest dense one, so that the two kinds share the top of the ranking by their own
tails rather than by how many features each has; on the development worlds."""

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

from pipes_anomaly import catalog  # noqa: E402
from pipes_anomaly.models.calibration import Calibration  # noqa: E402

W = np.array([0.5, 1.0, 1.0])


def split(mode, share=0.5):
    def combine(det, ptr, pte, ftr, fte):
        _, _, _, str_, ste = lab._FIT[id(ftr)]
        X = ftr[list(catalog.MODEL_FEATURES)].to_numpy(float)
        sparse = (X == X.min(0)).mean(0) >= share
        out = []
        for S in (str_, ste):
            out.append([S[:, sparse].max(1), S[:, ~sparse].max(1)])
        cs, cd = Calibration.fit(out[0][0]), Calibration.fit(out[0][1])
        a_tr, a_te = cs.surprisal(out[0][0]), cs.surprisal(out[1][0])
        b_tr, b_te = cd.surprisal(out[0][1]), cd.surprisal(out[1][1])
        if mode == "four":
            w = np.array([0.5, 1, 1, 1]) / 3.5
            return (
                np.column_stack([ptr[:, :2], a_tr, b_tr]) @ w,
                np.column_stack([pte[:, :2], a_te, b_te]) @ w,
            )
        f = np.maximum if mode == "max" else (lambda x, y: (x + y) / 2)
        w = W / W.sum()
        return (
            np.column_stack([ptr[:, :2], f(a_tr, b_tr)]) @ w,
            np.column_stack([pte[:, :2], f(a_te, b_te)]) @ w,
        )

    return combine


if __name__ == "__main__":
    V = {
        "base": lab.parts_variant(lab.weighted(W)),
        "split-max": lab.parts_variant(split("max")),
        "split-mean": lab.parts_variant(split("mean")),
        "split-four": lab.parts_variant(split("four")),
    }
    df = lab.measure(V)
    lab.write(df, "fourth_round", "run4")
