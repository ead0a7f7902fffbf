"""The rarest part read as the sum of a window's k largest surprisals (several moderately
rare features at once: a new network at an odd hour doing new things), in place of the
single largest or as a fourth part, on the development worlds."""

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

from pipes_anomaly.models.calibration import Calibration  # noqa: E402

W = np.array([0.5, 1.0, 1.0])


def top_k(k, mode="replace"):
    def combine(det, ptr, pte, ftr, fte):
        _, _, _, str_, ste = lab._FIT[id(ftr)]
        rtr = -np.sort(-str_, axis=1)[:, :k].sum(1)
        rte = -np.sort(-ste, axis=1)[:, :k].sum(1)
        cal = Calibration.fit(rtr)
        if mode == "replace":
            Ptr = np.column_stack([ptr[:, :2], cal.surprisal(rtr)])
            Pte = np.column_stack([pte[:, :2], cal.surprisal(rte)])
            return Ptr @ (W / W.sum()), Pte @ (W / W.sum())
        w = np.array([0.5, 1, 1, 1]) / 3.5
        return np.column_stack([ptr, cal.surprisal(rtr)]) @ w, np.column_stack(
            [pte, cal.surprisal(rte)]
        ) @ w

    return combine


if __name__ == "__main__":
    V = {
        "base": lab.parts_variant(lab.weighted(W)),
        "top2": lab.parts_variant(top_k(2)),
        "top3": lab.parts_variant(top_k(3)),
        "max+top3": lab.parts_variant(top_k(3, "add")),
    }
    df = lab.measure(V)
    lab.write(df, "fourth_round", "run3")
