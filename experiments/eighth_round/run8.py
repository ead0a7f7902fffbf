"""A prototype beside the shipped features (not in the package): peers by habit. The four
``*_vs_peers`` columns of volume, deletes, org management and workspaces computed against
the actors of the same organisation and window whose training windows look alike (k-means,
seeded, over each actor's mean shares of org management, deletes, maintenance and failures
and its mean volume, member adds and billing; the kind, person or automation, is not in the
cached features and is left to the groups), so that an admin is
judged among admins; an actor unseen in training, or a group of fewer than 3, keeps the
shipped column. On the 53 development worlds (run3's cached features)."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

from pipes_anomaly import catalog  # noqa: E402

lab.CACHE = HERE.parent / "work" / "eighth_round" / "run3"
HABIT = ["share_org_management", "share_destructive", "share_maintenance", "share_failure",
         "log_events", "log_member_adds", "log_billing"]  # fmt: skip
PAIRS = {"log_events": "events_vs_peers", "log_destructive": "destructive_vs_peers",
         "log_org_management": "org_management_vs_peers",
         "log_workspaces": "workspaces_vs_peers"}  # fmt: skip
MAD_TO_SD, FLOOR, CLIP = 1.4826, 0.5, 10.0


def habits(ftr: pd.DataFrame, k: int) -> pd.Series:
    """Each training actor's habit group."""
    means = ftr.groupby("actor_id")[HABIT].mean()
    if len(means) < 2 * k:
        return pd.Series(0, index=means.index)
    z = (means - means.mean()) / means.std(ddof=0).replace(0, 1)
    labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(z.to_numpy())
    return pd.Series(labels, index=means.index)


def peer_columns(f: pd.DataFrame, group: pd.Series) -> pd.DataFrame:
    out = f.copy()
    g = f["actor_id"].map(group)
    key = f["window_start"].astype(str) + "|" + f["identity_handle"].fillna("") + "|" + \
        g.fillna(-1).astype(int).astype(str)  # fmt: skip
    known = g.notna().to_numpy()
    size = key.map(key.value_counts()).to_numpy()
    use = known & (size >= 3)
    for col, name in PAIRS.items():
        x = f[col]
        med = x.groupby(key).transform("median")
        mad = (x - med).abs().groupby(key).transform("median") * MAD_TO_SD
        z = np.clip(((x - med) / np.maximum(mad, FLOOR)).fillna(0.0), -CLIP, CLIP)
        out[name] = np.where(use, z, f[name])
    return out


def habit_peers(k):
    def run(ftr, fte):
        group = habits(ftr, k)
        tr, te = peer_columns(ftr, group), peer_columns(fte, group)
        return lab.fit_score(tr, te, list(catalog.MODEL_FEATURES))

    return run


if __name__ == "__main__":
    variants = {"shipped": lab.ensemble_cols(()), "habit peers k=3": habit_peers(3),
                "habit peers k=5": habit_peers(5)}  # fmt: skip
    lab.write(lab.measure(variants), "eighth_round", "run8")
