"""A prototype beside run1's (not in the package): public shares read as this round read owner
grants, as news about the actor. ``first_public_shares``: log1p of the window's records that
leave a resource public (run1's count) in the window where the actor first does so, after 7
days of history (0 elsewhere). On the second independent world only (development data; our
generator writes no visibility), detector seeds 0-2, beside run1's shipped columns and its
count."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _worlds import cw, folder, independent, lab  # noqa: E402
from run1 import BEFORE, public_counts, with_columns  # noqa: E402

HISTORY = pd.Timedelta(days=7)


def with_first(tr: pd.DataFrame, te: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    both = pd.concat([tr.assign(_test=False), te.assign(_test=True)], ignore_index=True)
    both = both.sort_values(["actor_id", "window_start"], kind="stable")
    shared = both["log_public_shares"] > 0
    g = shared.groupby(both["actor_id"])
    before = g.cumsum() - shared.astype(int)  # windows with a public share before this one
    first_seen = both.groupby("actor_id")["window_start"].transform("min")
    mature = both["window_start"] >= first_seen + HISTORY
    both["first_public_shares"] = np.where(
        shared & (before == 0) & mature, both["log_public_shares"], 0.0
    )
    return both[~both["_test"]].drop(columns="_test"), both[both["_test"]].drop(columns="_test")


def main() -> None:
    rows = []
    for seed in (1, 2, 3, 4):
        name, _, ftr, fte, labels, manifest = independent("indep2", seed)
        tr, te = with_first(*with_columns(ftr, fte, public_counts(folder("indep2", seed))))
        print(
            name,
            f"test windows with a first public share: {np.mean(te.first_public_shares > 0):.3f}",
        )
        variants = {
            "shipped": [],
            "with log_public_shares": ["log_public_shares"],
            "with first_public_shares": ["first_public_shares"],
        }
        for variant, extra in variants.items():
            for rs in (0, 1, 2):
                s, a = lab.fit_score(tr, te, BEFORE + extra, random_state=rs)
                m = cw.labelled_metrics(cw.scores_frame(te, s, a), labels, manifest)
                rows.append({"world": name, "variant": variant, "random_state": rs, **m})
    df = pd.DataFrame(rows)
    df.to_csv(HERE.parent / "results" / "tenth_round" / "run4.csv", index=False)
    cols = ["pr_auc", "recall@5%", "lookalike_alerts_flag", "kind@5%[slow_exfiltration]"]
    print(df.groupby("variant")[cols].mean().round(3))
    print(df.groupby(["world", "variant"])["pr_auc"].mean().unstack().round(3))


if __name__ == "__main__":
    main()
