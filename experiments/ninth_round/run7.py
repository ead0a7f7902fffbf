"""The Isolation Forest's training windows scored out of bag (a prototype, not in the package).

The forest scores its training windows with trees grown on samples that hold them (every
tree, below 256 windows), so they look more ordinary to it than new windows do. Here each
training window's path length is averaged over the trees whose sample left it out
(``estimators_samples_``), with the path lengths read from the trees' public arrays; a
window in every tree's sample keeps its in-sample length. ``oob``: the forest as shipped
(``max_samples="auto"``, so no tree leaves a window out below 257 windows); ``oob_half``:
below 512 windows each tree grows on half of them, so that every window has trees that left
it out. ``--check`` verifies that the in-sample lengths reproduce scikit-learn's scores.
Measured like run6 (three detector seeds, ``above`` and ``beyond``) on the eighth round's
cached features."""

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.ensemble import IsolationForest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

from pipes_anomaly import catalog  # noqa: E402
from pipes_anomaly.models import detector as detector_module  # noqa: E402

lab.CACHE = HERE.parent / "work" / "eighth_round" / "run3"
COLS = list(catalog.MODEL_FEATURES)
SHARES: list[dict] = []


def average_path_length(n: np.ndarray) -> np.ndarray:
    """Average path length of an unsuccessful search in a binary search tree of n nodes."""
    n = np.asarray(n, dtype=np.float64)
    out = np.zeros_like(n)
    out[n == 2] = 1.0
    big = n > 2
    out[big] = 2.0 * (np.log(n[big] - 1.0) + np.euler_gamma) - 2.0 * (n[big] - 1.0) / n[big]
    return out


def node_depths(tree) -> np.ndarray:
    depth = np.zeros(tree.node_count)
    stack = [0]
    while stack:
        i = stack.pop()
        for child in (tree.children_left[i], tree.children_right[i]):
            if child >= 0:
                depth[child] = depth[i] + 1
                stack.append(child)
    return depth


def path_lengths(forest: IsolationForest, X: np.ndarray) -> np.ndarray:
    """Per tree and row: the path length of the row (edges to its leaf + c(leaf size))."""
    out = np.empty((len(forest.estimators_), X.shape[0]))
    for t, (est, feats) in enumerate(
        zip(forest.estimators_, forest.estimators_features_, strict=True)
    ):
        leaves = est.apply(X[:, feats].astype(np.float32))
        tree = est.tree_
        out[t] = node_depths(tree)[leaves] + average_path_length(tree.n_node_samples[leaves])
    return out


class OOBForest(IsolationForest):
    """Scores the matrix it was fitted on out of bag; any other matrix as scikit-learn does."""

    half = False

    def fit(self, X, y=None, sample_weight=None):
        if self.half and self.max_samples == "auto" and X.shape[0] < 512:
            self.max_samples = max(2, X.shape[0] // 2)
        self._fitted_on = X
        return super().fit(X, y, sample_weight)

    def score_samples(self, X):
        if X is not getattr(self, "_fitted_on", None):
            return super().score_samples(X)
        lengths = path_lengths(self, X)
        inside = np.zeros_like(lengths, dtype=bool)
        for t, rows in enumerate(self.estimators_samples_):
            inside[t, rows] = True
        outside = ~inside
        n_out = outside.sum(axis=0)
        oob = np.where(outside, lengths, 0.0).sum(axis=0) / np.maximum(n_out, 1)
        mean = np.where(n_out > 0, oob, lengths.mean(axis=0))
        return -(2.0 ** (-mean / average_path_length([self.max_samples_])[0]))


class HalfOOBForest(OOBForest):
    half = True


def variant(seed, forest_class):
    def run(ftr, fte):
        detector_module.IsolationForest = forest_class
        try:  # the fitted forest scores new windows as scikit-learn does
            return lab.fit_score(ftr, fte, COLS, shares=SHARES, random_state=seed)
        finally:
            detector_module.IsolationForest = IsolationForest

    return run


def check() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(700, 5))
    f = IsolationForest(n_estimators=50, random_state=0).fit(X)
    mine = -(2.0 ** (-path_lengths(f, X).mean(axis=0) / average_path_length([f.max_samples_])[0]))
    print("in-sample lengths reproduce scikit-learn:", np.allclose(mine, f.score_samples(X)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if args.check:
        check()
        raise SystemExit
    variants = {}
    for s in (0, 1, 2):
        variants[f"oob, seed {s}"] = variant(s, OOBForest)
        variants[f"oob_half, seed {s}"] = variant(s, HalfOOBForest)
    df = lab.with_shares(lab.measure(variants), SHARES)
    lab.write(df, "ninth_round", "run7")
    print(df.groupby(["size", "variant"])[["above", "beyond"]].mean().round(4))
