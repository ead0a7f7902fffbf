"""The three parts (forest, LOF, rarest feature) combined by their largest value or a power
mean instead of the weighted mean, on the development worlds."""

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

W = np.array([0.5, 1.0, 1.0])


def power_mean(p):
    w = W / W.sum()

    def combine(det, ptr, pte, ftr, fte):
        f = lambda P: (np.maximum(P, 0) ** p @ w) ** (1 / p)  # noqa: E731
        return f(ptr), f(pte)

    return combine


def weighted_max(det, ptr, pte, ftr, fte):
    return ptr[:, 1:].max(1) * 0.75 + ptr[:, 0] * 0.25, pte[:, 1:].max(1) * 0.75 + pte[:, 0] * 0.25


if __name__ == "__main__":
    V = {
        "base": lab.parts_variant(lab.weighted(W)),
        "pmean2": lab.parts_variant(power_mean(2)),
        "pmean4": lab.parts_variant(power_mean(4)),
        "max-lof-rarest": lab.parts_variant(weighted_max),
    }
    df = lab.measure(V)
    lab.write(df, "fourth_round", "run2")
