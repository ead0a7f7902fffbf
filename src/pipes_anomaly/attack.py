"""MITRE ATT&CK techniques of an alert, from the features its reasons name.

The techniques themselves (ids, names, tactics) are the hunting queries' ``-- attack:``
lines (:mod:`pipes_anomaly.hunting`), so a technique is named in one place.
:data:`FEATURE_TECHNIQUES` is the one table that says which of them a reason feature points
to; a feature that points to none (a general volume change, a trend) adds no technique.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from pipes_anomaly.hunting import Attack, load_queries

__all__ = ["FEATURE_TECHNIQUES", "attacks_of", "technique_catalogue", "technique_ids"]

#: Reason feature -> the technique ids (as the hunting queries name them) it points to.
FEATURE_TECHNIQUES: dict[str, tuple[str, ...]] = {
    # destructive_burst
    "share_destructive": ("T1485",),
    "log_destructive": ("T1485",),
    "destructive_vs_self": ("T1485",),
    "destructive_vs_peers": ("T1485",),
    # short_lived_workspaces
    "workspace_short_lifetime": ("T1578.002", "T1578.003"),
    "short_lifetime": ("T1070",),
    "log_created_deleted": ("T1070",),
    "log_new_workspaces": ("T1578.002",),
    "workspaces_vs_self": ("T1578.002",),
    "workspaces_vs_peers": ("T1578.002",),
    # off_hours
    "share_off_hours": ("T1078",),
    "log_off_hours": ("T1078",),
    "share_weekend": ("T1078",),
    # ip_hopping
    "log_novel_switches": ("T1078", "T1550.004"),
    "novel_switch_closeness": ("T1078", "T1550.004"),
    # first_seen_ip
    "log_novel_networks": ("T1078.004",),
    "ips_vs_self": ("T1078.004",),
    # privilege_changes
    "share_org_management": ("T1098.003",),
    "log_org_management": ("T1098.003",),
    "org_management_vs_self": ("T1098.003",),
    "org_management_vs_peers": ("T1098.003",),
    "log_self_grants": ("T1098.003",),
    "log_self_owner_grants": ("T1098.003",),
    "log_new_owner_grants": ("T1098.003",),
    "log_new_account_owner_grants": ("T1098.003", "T1136.003"),
    "log_member_adds": ("T1136.003",),
    # billing_changes
    "log_billing": ("T1657", "T1496"),
    "log_billing_novel_network": ("T1657",),
    # created_by_mismatch
    "log_mismatch": ("T1550.001", "T1036"),
    # a service account's token used by hand
    "log_hand_records": ("T1078.004", "T1550.001"),
    # public_shares
    "log_public_shares": ("T1567",),
    # dormant_reactivation
    "days_since_last_seen": ("T1078.004",),
    # high_volume_per_minute
    "log_peak_per_minute": ("T1078", "T1119"),
    "log_peak_per_10min": ("T1078", "T1119"),
    "log_max_same_action_per_minute": ("T1078", "T1119"),
}


@functools.cache
def technique_catalogue() -> dict[str, Attack]:
    """Every technique the hunting queries name, by its most specific id.

    Returns
    -------
    dict of str to Attack
        In the order the queries first name them.

    Raises
    ------
    ValueError
        When two queries describe one id differently (another name or tactic).
    """
    out: dict[str, Attack] = {}
    for query in load_queries().values():
        for attack in query.attacks:
            seen = out.setdefault(attack.uid, attack)
            if seen != attack:
                raise ValueError(f"hunting query {query.name} describes {attack.uid} differently")
    return out


def technique_ids(features: Iterable[str]) -> tuple[str, ...]:
    """Technique ids that reason features point to, first feature first, each once.

    Parameters
    ----------
    features : iterable of str
        A window's reason features, rarest first.

    Returns
    -------
    tuple of str
        E.g. ``("T1485", "T1078.004")``; empty when no feature points to a technique.
    """
    out: dict[str, None] = {}
    for f in features:
        out.update(dict.fromkeys(FEATURE_TECHNIQUES.get(f, ())))
    return tuple(out)


def attacks_of(ids: Sequence[str]) -> list[Attack]:
    """Return the :class:`~pipes_anomaly.hunting.Attack` of each technique id.

    Parameters
    ----------
    ids : sequence of str
        Ids from :func:`technique_ids`.

    Returns
    -------
    list of Attack
        Ids no hunting query names (from a file of another version) are left out.
    """
    catalogue = technique_catalogue()
    return [catalogue[i] for i in ids if i in catalogue]
