"""The owner role an actor grants itself (``log_self_owner_grants``), measured on the 53
development worlds and the second independent world (development data from this round),
detector seeds 0-2: the package's features with the column (``with``), without it
(``without``), and a window-level stand-in made of two shipped columns (``window_min``: the
smaller of ``log_self_grants`` and ``log_new_owner_grants``). Features are computed by the
package at the revision under test and cached under ``experiments/work/tenth_round/run2/``
(delete the folder to measure another revision).

``--label any``: the column's first form, every grant of the owner role to oneself
(``results/tenth_round/run2_any.csv``); ``--label first`` (shipped): only those among the
actor's first owner grants (``run2_first.csv``).
"""

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _worlds import CACHE, lab, measure  # noqa: E402

from pipes_anomaly import catalog  # noqa: E402

NEW = "log_self_owner_grants"
lab.CACHE = CACHE / "run2"
lab.CACHE.mkdir(parents=True, exist_ok=True)


def variant(kind: str, random_state: int):
    without = [c for c in catalog.MODEL_FEATURES if c != NEW]

    def run(ftr, fte):
        if kind == "with":
            cols = list(catalog.MODEL_FEATURES)
        elif kind == "without":
            cols = without
        else:
            ftr, fte = ftr.copy(), fte.copy()
            for f in (ftr, fte):
                f["window_min"] = np.minimum(f["log_self_grants"], f["log_new_owner_grants"])
            cols = [*without, "window_min"]
        return lab.fit_score(ftr, fte, cols, random_state=random_state)

    return run


def main() -> None:
    variants = {
        f"{kind}, seed {rs}": variant(kind, rs)
        for rs in (0, 1, 2)
        for kind in ("without", "with", "window_min")
    }
    df = measure(variants, lab.CACHE)
    label = sys.argv[sys.argv.index("--label") + 1] if "--label" in sys.argv else "first"
    lab.write(df, "tenth_round", f"run2_{label}")
    df["kind"] = df["variant"].str.split(",").str[0]
    w = df.pivot_table(index=["size", "world", "variant"], values="pr_auc").reset_index()
    w["kind"] = w["variant"].str.split(",").str[0]
    w["seed"] = w["variant"].str.split(", ").str[1]
    p = w.pivot_table(index=["size", "world", "seed"], columns="kind", values="pr_auc")
    for kind in ("with", "window_min"):
        d = (p[kind] - p["without"]).groupby(level="size")
        print(kind, "minus without:")
        print(d.agg(["mean", "std", lambda x: int((x > 0).sum()), "size"]).round(4))


if __name__ == "__main__":
    main()
