"""Days since last seen against the actor's own gaps (a prototype, not in the package).

``gap_vs_self``: ``days_since_last_seen`` (log1p of days) less the median or the 90th
percentile of the actor's earlier windows' values, at least 0: a week away counts less for
an actor who is often away for a week. Added beside ``days_since_last_seen`` or in its place.
Computed from the cached features (the actor's windows of training and test in time order).
On the 53 development worlds (eighth round run3's cached features)."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

from pipes_anomaly import catalog  # noqa: E402

lab.CACHE = HERE.parent / "work" / "eighth_round" / "run3"
COLS = list(catalog.MODEL_FEATURES)


def gap_vs_self(ftr, fte, stat):
    a = pd.concat([ftr.assign(_te=False), fte.assign(_te=True)], ignore_index=True)
    a = a.sort_values(["actor_id", "window_start"], kind="stable")
    prev = a.groupby("actor_id", sort=False)["days_since_last_seen"].shift(1)
    expanding = prev.groupby(a["actor_id"]).expanding()
    ref = expanding.median() if stat == "median" else expanding.quantile(0.9)
    ref = ref.reset_index(level=0, drop=True)
    a["gap_vs_self"] = np.maximum(a["days_since_last_seen"] - ref.fillna(0.0), 0.0)
    a = a.sort_index()
    test = a["_te"].to_numpy()
    return (
        a[~test].drop(columns="_te").reset_index(drop=True),
        a[test].drop(columns="_te").reset_index(drop=True),
    )


def variant(stat, mode):
    def run(ftr, fte):
        tr, te = gap_vs_self(ftr, fte, stat)
        if mode == "add":
            cols = [*COLS, "gap_vs_self"]
        else:
            cols = ["gap_vs_self" if c == "days_since_last_seen" else c for c in COLS]
        return lab.fit_score(tr, te, cols)

    return run


if __name__ == "__main__":
    variants = {
        "shipped": lab.ensemble_cols(()),
        "median, added": variant("median", "add"),
        "median, in place": variant("median", "replace"),
        "90th percentile, in place": variant("q90", "replace"),
    }
    lab.write(lab.measure(variants), "ninth_round", "run4")
