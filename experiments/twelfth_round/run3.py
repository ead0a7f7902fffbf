"""How unusual the hours of a window are for its actor, read as a number rather than a
threshold, measured like ``run1.py`` (the 53 development worlds and the second independent
world, detector seeds 0-2): the package's features alone (``base``) and with ``rarest_hour``,
the largest ``-log((h + 0.5) / (D + 1))`` over the UTC hours of the window, ``h`` the actor's
earlier active days in that hour with half of each neighbouring hour's (as
``share_off_hours`` counts them), ``D`` its earlier active days; 0 with fewer than 4 earlier
active days. ``share_off_hours`` calls an hour unusual below 0.12; a session one to three
hours outside the working day sits in hours the actor uses now and then, which the threshold
may not reach. Features of the package at the revision under test and the column cached under
``experiments/work/twelfth_round/run3/``.
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _columns import compare  # noqa: E402

NEW = "rarest_hour"
#: earlier active days an actor needs before its hours are judged
MIN_DAYS = 4


def hour_column(events: pd.DataFrame, train_end: pd.Timestamp) -> pd.DataFrame:
    """Per actor and UTC day, ``rarest_hour`` (see the module docstring)."""
    t = events["created_at"]
    ev = pd.DataFrame(
        {
            "actor_id": events["actor_id"].to_numpy(),
            "day": t.dt.floor("D").to_numpy(),
            "hour": t.dt.hour.to_numpy(),
        }  # fmt: skip
    ).drop_duplicates()
    rows = []
    for actor, g in ev.groupby("actor_id", sort=True):
        days = np.sort(g["day"].unique())
        idx = np.searchsorted(days, g["day"].to_numpy())
        active = np.zeros((days.size, 24))
        active[idx, g["hour"].to_numpy()] = 1.0
        before = np.cumsum(active, axis=0) - active  # earlier days active in each hour
        smooth = before + 0.5 * (np.roll(before, 1, axis=1) + np.roll(before, -1, axis=1))
        n_before = np.arange(days.size)[:, None]
        surprise = -np.log((smooth + 0.5) / (n_before + 1.0))
        surprise = np.where(active > 0, np.maximum(surprise, 0.0), 0.0)
        value = np.where(n_before[:, 0] >= MIN_DAYS, surprise.max(axis=1), 0.0)
        rows.append(pd.DataFrame({"actor_id": actor, "window_start": days, NEW: value}))
    out = pd.concat(rows, ignore_index=True)
    out["window_start"] = pd.to_datetime(out["window_start"], utc=True)
    return out


if __name__ == "__main__":
    compare(
        "run3",
        hour_column,
        (NEW,),
        [
            "pr_auc",
            "recall@5%",
            "lookalike_alerts_flag",
            "incidents@5%[subtle]",
            "kind@5%[off_hours]",
        ],
    )
