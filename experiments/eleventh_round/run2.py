"""Records that leave a resource open to anyone with its link (``log_public_shares``),
measured on the 53 development worlds and the second independent world, detector seeds 0-2:
the package's features with the column (``with``) and without it (``without``). Pipes
snapshots are shared in their workspace (``data.visibility`` ``workspace``) or with anyone
holding the link (``anyone_with_link``, Steampipe's ``--share``); ``data`` is the resource after
the action. The generator of 0.11.0 wrote no visibility, so on those worlds the column is 0
throughout and this measures only that it costs nothing there; the second independent world
writes it.
Features are computed by the package at the revision under test and cached under
``experiments/work/eleventh_round/run2/`` (delete the folder to measure another revision).
``--out NAME`` names the results file (``run2_worlds.csv``: the same on the worlds whose
snapshots carry a visibility, generator of f5b92a2).
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tenth_round"))
from _worlds import CACHE, lab, measure  # noqa: E402

from pipes_anomaly import catalog  # noqa: E402

NEW = "log_public_shares"
lab.CACHE = CACHE.parent / "eleventh_round" / "run2"
lab.CACHE.mkdir(parents=True, exist_ok=True)


def variant(kind: str, random_state: int):
    cols = [c for c in catalog.MODEL_FEATURES if kind == "with" or c != NEW]

    def run(ftr, fte):
        return lab.fit_score(ftr, fte, cols, random_state=random_state)

    return run


def main() -> None:
    variants = {
        f"{kind}, seed {rs}": variant(kind, rs) for rs in (0, 1, 2) for kind in ("without", "with")
    }
    df = measure(variants, lab.CACHE)
    out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else "run2"
    lab.write(df, "eleventh_round", out)
    df["kind"] = df["variant"].str.split(",").str[0]
    cols = ["pr_auc", "recall@5%", "lookalike_alerts_flag", "kinds_below_half@5%"]
    print(df.groupby(["size", "kind"])[cols].mean().round(4).to_string())
    w = df.pivot_table(index=["size", "world", "variant"], values="pr_auc").reset_index()
    w["kind"] = w["variant"].str.split(",").str[0]
    w["seed"] = w["variant"].str.split(", ").str[1]
    p = w.pivot_table(index=["size", "world", "seed"], columns="kind", values="pr_auc")
    better = (p["with"] > p["without"]).groupby("size").agg(["sum", "size"])
    print(better.to_string())


if __name__ == "__main__":
    main()
