"""A learned prior of which columns matter, measured on the development worlds.

The rarest-feature part reads every model column alike, and an ordinary window usually has
some column in its own top 2% (third round, ``diag1``). Here a fourth part reads them through
weights learned from labelled development worlds: a logistic regression with non-negative
weights on each test window's per-column surprisal (every world weighing the same, its
attack and ordinary windows half each), its value calibrated on the world's own training
windows like the other parts. Cross-fitted: each of our 53 worlds is scored with weights
learned on the other half of them (two folds by name), the second independent world with
weights learned on all 53 (another author's world: the transfer test). ``--reverse``: our
worlds scored with weights learned on the second independent world alone (the transfer the
other way). ``--uniform``: every weight 1, nothing learned (the sum of the surprisals).

Variants (``--lam``: the part's weight beside forest 0.5, LOF 1, rarest 1; ``--alpha``: the
L2 penalty): ``shipped`` (the package's score, recomputed from the parts), ``linear``
(a fourth part), ``linear_only`` (the rarest part replaced by it), ``weighted_max`` (the
rarest part read as the largest weighted surprisal).

Writes ``experiments/results/eleventh_round/run1.csv`` and ``run1_weights.csv``.
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _parts import COLS, all_parts, cw, lab  # noqa: E402

from pipes_anomaly.models.calibration import Calibration  # noqa: E402

WEIGHTS = (0.5, 1.0, 1.0)


def learn(worlds: list[dict], alpha: float) -> tuple[np.ndarray, float]:
    """Non-negative logistic weights of the per-column surprisals (and an intercept)."""
    X = np.vstack([d["ste"] for d in worlds])
    y = np.concatenate([d["y"] for d in worlds]).astype(float)
    sw = np.concatenate(
        [
            np.where(d["y"], 0.5 / max(d["y"].sum(), 1), 0.5 / max((~d["y"]).sum(), 1))
            for d in worlds
        ]
    )
    sw = sw / sw.sum() * len(worlds)
    p = X.shape[1]

    def loss(theta):
        w, b = theta[:p], theta[p]
        z = X @ w + b
        s = 2 * y - 1
        m = -s * z
        ll = np.logaddexp(0, m)
        sig = 1 / (1 + np.exp(-m))
        g = -(sw * sig * s)
        f = float(sw @ ll) + 0.5 * alpha * float(w @ w)
        grad = np.concatenate([X.T @ g + alpha * w, [g.sum()]])
        return f, grad

    bounds = [(0, None)] * p + [(None, None)]
    r = minimize(
        loss, np.zeros(p + 1), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 2000}
    )
    return r.x[:p], float(r.x[p])


def part(vtr: np.ndarray, vte: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cal = Calibration.fit(vtr)
    return cal.surprisal(vtr), cal.surprisal(vte)


def score(d: dict, kind: str, w: np.ndarray | None, lam: float) -> tuple:
    ptr, pte = d["ptr"], d["pte"]
    wts = list(WEIGHTS)
    if kind != "shipped":
        if kind == "weighted_max":
            ltr, lte = part((d["str"] * w).max(1), (d["ste"] * w).max(1))
        else:
            ltr, lte = part(d["str"] @ w, d["ste"] @ w)
        if kind == "linear":
            ptr, pte = np.column_stack([ptr, ltr]), np.column_stack([pte, lte])
            wts.append(lam)
        else:  # the rarest part replaced
            ptr, pte = ptr.copy(), pte.copy()
            ptr[:, 2], pte[:, 2] = ltr, lte
    ctr, cte = np.average(ptr, axis=1, weights=wts), np.average(pte, axis=1, weights=wts)
    return lab.finish(ctr, cte, d["gtr"], d["gte"])


def main() -> None:
    args = sys.argv[1:]
    lams = [float(x) for x in args[args.index("--lam") + 1].split(",")] if "--lam" in args else [1]
    alphas = (
        [float(x) for x in args[args.index("--alpha") + 1].split(",")]
        if "--alpha" in args
        else [0.01]
    )
    worlds = all_parts()
    ours = sorted((d for d in worlds if d["fam"] != "indep2"), key=lambda d: d["name"])
    fold = {d["name"]: i % 2 for i, d in enumerate(ours)}
    rows, wrows = [], []
    for alpha in alphas:
        fits = {f: learn([d for d in ours if fold[d["name"]] != f], alpha) for f in (0, 1)}
        fits["all"] = learn(ours, alpha)
        if "--uniform" in args:  # no learning: every column weighs 1
            fits = {k: (np.ones(len(COLS)), 0.0) for k in (0, 1, "all")}
        if "--reverse" in args:  # our worlds scored with weights learned on the other author's
            fits[0] = fits[1] = learn([d for d in worlds if d["fam"] == "indep2"], alpha)
        for k, (w, _b) in fits.items():
            wrows += [
                {"alpha": alpha, "fit": k, "column": c, "weight": v}
                for c, v in zip(COLS, w, strict=True)
            ]
        for d in worlds:
            w = fits["all" if d["fam"] == "indep2" else 1 - fold[d["name"]]][0]
            variants = {"shipped": ("shipped", 0.0)}
            for lam in lams:
                variants[f"linear lam={lam}"] = ("linear", lam)
            variants["linear_only"] = ("linear_only", 0.0)
            variants["weighted_max"] = ("weighted_max", 0.0)
            for v, (kind, lam) in variants.items():
                if v == "shipped" and alpha != alphas[0]:
                    continue
                s, a = score(d, kind, w, lam)
                m = cw.labelled_metrics(
                    cw.scores_frame(d["fte_keys"], s, a), d["labels"], d["manifest"]
                )
                rows.append(
                    {
                        "world": d["name"],
                        "fam": d["fam"],
                        "size": d["size"],
                        "variant": v if v == "shipped" else f"{v}, alpha={alpha}",
                        **m,
                    }
                )
    df = pd.DataFrame(rows)
    out = HERE.parent / "results" / "eleventh_round"
    out.mkdir(parents=True, exist_ok=True)
    name = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else "run1"
    df.to_csv(out / f"{name}.csv", index=False)
    pd.DataFrame(wrows).to_csv(out / f"{name}_weights.csv", index=False)
    pd.set_option("display.width", 250)
    t = df.pivot_table(index="variant", columns="size", values="pr_auc")
    print(t.round(4))
    t = df.pivot_table(index="variant", columns="size", values="recall@5%")
    print(t.round(3))
    t = df.pivot_table(index="variant", columns="size", values="lookalike_alerts_flag")
    print(t.round(2))
    t = df.pivot_table(index="variant", columns="size", values="kinds_below_half@5%")
    print(t.round(2))


if __name__ == "__main__":
    main()
