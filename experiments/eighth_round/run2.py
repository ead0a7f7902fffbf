"""How long an account counts as new for ``log_new_account_owner_grants``: its first window
only, its first 3 days, or its first 7 (shipped); the column cut from the cached features
of run1, on the 53 development worlds."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

from pipes_anomaly import catalog  # noqa: E402

lab.CACHE = HERE.parent / "work" / "eighth_round" / "run1"
COL = "log_new_account_owner_grants"


def first_days(days):
    """The column kept on the windows starting within ``days`` days of the actor's first."""

    def run(ftr, fte):
        both = pd.concat([ftr["window_start"], fte["window_start"]])
        actors = pd.concat([ftr["actor_id"], fte["actor_id"]])
        first = both.groupby(actors.to_numpy()).min()
        tr, te = ftr.copy(), fte.copy()
        for f in (tr, te):
            age = (f["window_start"] - f["actor_id"].map(first)).dt.days.to_numpy()
            f[COL] = np.where(age < days, f[COL], 0.0)
        return lab.fit_score(tr, te, list(catalog.MODEL_FEATURES))

    return run


if __name__ == "__main__":
    variants = {"first window": first_days(1), "first 3 days": first_days(3),
                "first 7 days": lab.ensemble_cols(())}  # fmt: skip
    lab.write(lab.measure(variants), "eighth_round", "run2")
