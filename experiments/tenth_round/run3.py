"""Columns left out of the model, one at a time, on the 53 development worlds and the second
independent world, detector seeds 0-2 (the package's features at the revision that added
``log_self_owner_grants``, cached by ``run2.py`` in ``experiments/work/tenth_round/run2/``):
``shipped``, and ``without <column>`` for each column named on the command line.

    python experiments/tenth_round/run3.py hour_entropy
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _worlds import CACHE, lab, measure  # noqa: E402

from pipes_anomaly import catalog  # noqa: E402

lab.CACHE = CACHE / "run2"


def variant(drop: tuple[str, ...], random_state: int):
    def run(ftr, fte):
        cols = [c for c in catalog.MODEL_FEATURES if c not in drop]
        return lab.fit_score(ftr, fte, cols, random_state=random_state)

    return run


def main(columns: list[str]) -> None:
    variants = {}
    for rs in (0, 1, 2):
        variants[f"shipped, seed {rs}"] = variant((), rs)
        for c in columns:
            variants[f"without {c}, seed {rs}"] = variant((c,), rs)
    df = measure(variants, lab.CACHE)
    lab.write(df, "tenth_round", "run3_" + "_".join(columns))
    df["kind"] = df["variant"].str.split(", ").str[0]
    df["seed"] = df["variant"].str.split(", ").str[1]
    p = df.pivot_table(index=["size", "world", "seed"], columns="kind", values="pr_auc")
    for c in columns:
        d = (p[f"without {c}"] - p["shipped"]).groupby(level="size")
        print(f"without {c} minus shipped:")
        print(d.agg(["mean", "std", lambda x: int((x > 0).sum()), "size"]).round(4))


if __name__ == "__main__":
    main(sys.argv[1:])
