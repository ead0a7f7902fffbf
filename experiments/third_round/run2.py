"""Rarest part: per-family correction and volume-like features left out of it (parts level)."""

import lab3
import numpy as np
from lab3 import catalog, lab

FAMILIES = {
    "volume": ["events_vs_self", "events_vs_peers", "trend_slope", "hour_entropy"],
    "burst": ["log_peak_per_minute", "log_peak_per_10min", "log_max_same_action_per_minute"],
    "destructive": [
        "share_destructive",
        "log_destructive",
        "destructive_vs_self",
        "destructive_vs_peers",
    ],
    "failure": ["share_failure", "log_failures"],
    "orgmgmt": [
        "share_org_management",
        "log_org_management",
        "org_management_vs_self",
        "org_management_vs_peers",
        "log_member_adds",
        "log_self_grants",
        "log_new_owner_grants",
    ],
    "billing": ["log_billing", "log_billing_novel_network"],
    "network": [
        "log_novel_networks",
        "log_novel_switches",
        "novel_switch_closeness",
        "ips_vs_self",
    ],
    "time": ["share_off_hours", "log_off_hours", "share_weekend"],
    "lifecycle": ["log_created_deleted", "short_lifetime", "workspace_short_lifetime"],
    "integrity": ["log_mismatch"],
    "recency": ["is_new_actor", "days_since_last_seen", "log_new_actions"],
    "workspaces": ["workspaces_vs_self", "workspaces_vs_peers", "log_new_workspaces"],
    "growth": [
        "trail_connections_vs_self",
        "trail_runs_vs_self",
        "sustained_connections_vs_self",
        "sustained_runs_vs_self",
        "connections_growth_vs_peers",
        "runs_growth_vs_peers",
    ],
    "maintenance": ["share_maintenance"],
}
cols = list(catalog.MODEL_FEATURES)
fam_of = {c: f for f, cs in FAMILIES.items() for c in cs}
assert set(fam_of) == set(cols), set(cols) ^ set(fam_of)
size = np.array([len(FAMILIES[fam_of[c]]) for c in cols], float)


def rarest_offset(offset, w=(0.5, 1, 1)):
    w = np.asarray(w, float) / np.sum(w)

    def combine(det, ptr, pte, ftr, fte):
        _, _, _, str_, ste = lab._FIT[id(ftr)]
        rtr, rte = (str_ - offset).max(1), (ste - offset).max(1)
        return lab3.with_rarest(ptr, pte, rtr, rte, w)

    return combine


def family_mean_max(w=(0.5, 1, 1)):
    """rarest = max over families of the family's mean surprisal."""
    w = np.asarray(w, float) / np.sum(w)
    groups = [np.array([cols.index(c) for c in cs]) for cs in FAMILIES.values()]

    def combine(det, ptr, pte, ftr, fte):
        _, _, _, str_, ste = lab._FIT[id(ftr)]
        rtr = np.column_stack([str_[:, g].mean(1) for g in groups]).max(1)
        rte = np.column_stack([ste[:, g].mean(1) for g in groups]).max(1)
        return lab3.with_rarest(ptr, pte, rtr, rte, w)

    return combine


V = {
    "base": lab.parts_variant(lab.weighted((0.5, 1, 1))),
    "rare-logfam": lab.parts_variant(rarest_offset(np.log(size))),
    "rare-halflogfam": lab.parts_variant(rarest_offset(0.5 * np.log(size))),
    "rare-novolume": lab.parts_variant(lab.rarest_without(FAMILIES["volume"])),
    "rare-famean": lab.parts_variant(family_mean_max()),
}
df = lab.measure(V)
df.to_csv(str(lab3.HERE.parent / "results" / "third_round" / "run2.csv"), index=False)
lab.report(df)
