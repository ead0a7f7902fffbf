"""Rarest part over quantities: features derived from one count (absolute, share, against the
actor, against peers) averaged, then the rarest quantity (parts level)."""

import lab3
import numpy as np
from lab3 import catalog, lab

from pipes_anomaly.models.calibration import Calibration

cols = list(catalog.MODEL_FEATURES)
QUANTITIES = {
    "events": ["events_vs_self", "events_vs_peers", "trend_slope"],
    "destructive": [
        "share_destructive",
        "log_destructive",
        "destructive_vs_self",
        "destructive_vs_peers",
    ],
    "failure": ["share_failure", "log_failures"],
    "org_management": [
        "share_org_management",
        "log_org_management",
        "org_management_vs_self",
        "org_management_vs_peers",
    ],
    "workspaces": ["workspaces_vs_self", "workspaces_vs_peers"],
    "off_hours": ["share_off_hours", "log_off_hours"],
    "peaks": ["log_peak_per_minute", "log_peak_per_10min", "log_max_same_action_per_minute"],
    "novel_switch": ["log_novel_switches", "novel_switch_closeness"],
    "lifetime": ["log_created_deleted", "short_lifetime"],
    "connections": [
        "trail_connections_vs_self",
        "sustained_connections_vs_self",
        "connections_growth_vs_peers",
    ],
    "runs": ["trail_runs_vs_self", "sustained_runs_vs_self", "runs_growth_vs_peers"],
}
grouped = {c for cs in QUANTITIES.values() for c in cs}
assert grouped <= set(cols), grouped - set(cols)
Q = dict(QUANTITIES)
for c in cols:
    if c not in grouped:
        Q[c] = [c]
GROUPS = [np.array([cols.index(c) for c in cs]) for cs in Q.values()]
print(len(GROUPS), "quantities")


def qmean(S, how="mean"):
    if how == "mean":
        return np.column_stack([S[:, g].mean(1) for g in GROUPS])
    if how == "median":
        return np.column_stack([np.median(S[:, g], 1) for g in GROUPS])


def q_variant(mode="replace", how="mean", w=(0.5, 1, 1)):
    def combine(det, ptr, pte, ftr, fte):
        _, _, _, str_, ste = lab._FIT[id(ftr)]
        rtr, rte = qmean(str_, how).max(1), qmean(ste, how).max(1)
        cal = Calibration.fit(rtr)
        qtr, qte = cal.surprisal(rtr), cal.surprisal(rte)
        if mode == "replace":
            ww = np.asarray(w, float) / np.sum(w)
            return np.column_stack([ptr[:, :2], qtr]) @ ww, np.column_stack([pte[:, :2], qte]) @ ww
        ww = np.asarray((*w, 1.0), float)
        ww /= ww.sum()
        return np.column_stack([ptr, qtr]) @ ww, np.column_stack([pte, qte]) @ ww

    return combine


V = {
    "base": lab.parts_variant(lab.weighted((0.5, 1, 1))),
    "q-mean": lab.parts_variant(q_variant()),
    "q-median": lab.parts_variant(q_variant(how="median")),
    "q-mean-4th": lab.parts_variant(q_variant("add")),
}
df = lab.measure(V)
df.to_csv(str(lab3.HERE.parent / "results" / "third_round" / "run3.csv"), index=False)
lab.report(df)
