"""The feature catalogue: every feature's name, what it means, and the records behind it.

One place for what a feature *is*, read by the feature pipeline (which computes them in this
order), the detector (which of them it learns from), explanations (the phrase an analyst
reads, the flag whose records are the evidence) and the reports. Every feature is described
at length in ``docs/features.md``.
"""

from __future__ import annotations

__all__ = [
    "ACTIVITY_LEVEL",
    "NEW_ACCOUNT_DAYS",
    "FEATURE_COLUMNS",
    "FEATURE_DESCRIPTIONS",
    "FEATURE_EVIDENCE",
    "FLAG_COLUMNS",
    "HISTORY_FEATURES",
    "MODEL_FEATURES",
    "UNKNOWN_TYPES",
    "VOLUME_TREND",
]

#: ``log_new_account_owner_grants`` counts the owner roles granted to an account in this many
#: days up to its first record (the features compute it, the triage card's query reaches back
#: as far).
NEW_ACCOUNT_DAYS = 7

#: Feature column -> short phrase an analyst reads.
FEATURE_DESCRIPTIONS: dict[str, str] = {
    # volume
    "log_events": "events in the window (log1p)",
    "log_action_types": "distinct action types (log1p)",
    "log_targets": "distinct targets (log1p)",
    "log_workspaces": "distinct workspaces touched (log1p)",
    "log_identities": "distinct identities (orgs/users) acted in (log1p)",
    # mix
    "share_maintenance": "share of maintenance actions",
    "share_org_management": "share of org-management actions",
    "share_destructive": "share of destructive actions",
    "share_failure": "share of failed or suspicious actions",
    "share_other": "share of action types unknown to this version",
    "log_destructive": "destructive actions (log1p)",
    "log_failures": "failed or suspicious actions (log1p)",
    "log_org_management": "org-management actions (log1p)",
    "log_member_adds": "members added to the org or a workspace (log1p)",
    "log_self_grants": "memberships or roles the actor added or changed for itself (log1p)",
    "log_billing": "billing actions (log1p)",
    "log_public_shares": "records that left a resource open to anyone with its link (log1p)",
    # network
    "log_ips": "distinct IPs (log1p)",
    "log_networks": "distinct networks, /16 or /48 (log1p)",
    "log_novel_networks": "networks that neither the actor nor its organisation used before "
    "(log1p)",
    "log_novel_switches": "changes less than an hour apart between the actor's usual network "
    "and one it and its organisation never used (log1p)",
    "novel_switch_closeness": "minutes between the actor's usual network and one it and its "
    "organisation never used (as exp(-minutes/60))",
    # time
    "hour_entropy": "spread of activity over hours of the day (bits)",
    "share_off_hours": "share of events outside the actor's usual hours",
    "log_off_hours": "events outside the actor's usual hours (log1p)",
    "share_weekend": "share of events on Saturday or Sunday (UTC)",
    "log_peak_per_minute": "most events in one minute (log1p)",
    "log_peak_per_10min": "most events in ten minutes (log1p)",
    "log_max_same_action_per_minute": "most repeats of one action in one minute (log1p)",
    # lifecycle
    "log_created_deleted": "resources created and deleted in the window (log1p)",
    "short_lifetime": "shortest lifetime of a deleted resource, as 1/(1 + hours)",
    "workspace_short_lifetime": "shortest lifetime of a deleted workspace, as 1/(1 + hours)",
    # integrity / kind
    "log_mismatch": "records whose acting id (the maker or updater it records) is not the actor "
    "(log1p)",
    "log_hand_records": "records made without a process id beyond the actor's usual share of "
    "them (log1p)",
    # history
    "is_new_actor": "actor never seen before this window",
    "days_since_last_seen": "days since the actor was last seen (log1p)",
    "log_new_actions": "action types the actor never used before (log1p)",
    "log_new_workspaces": "workspaces the actor never touched before (log1p)",
    "log_billing_novel_network": "billing actions from a network never used before by the "
    "actor or its organisation (log1p)",
    "log_new_owner_grants": "owner grants by an actor who never granted owner before (log1p)",
    "log_self_owner_grants": "owner grants to itself by an actor who never granted owner before "
    "(log1p)",
    "log_new_account_owner_grants": "owner roles granted to the actor by someone else in the 7 "
    "days up to its first record, on that record's day (log1p)",
    "events_vs_self": "event volume vs the actor's own baseline (robust z)",
    "destructive_vs_self": "destructive actions vs the actor's own baseline (robust z)",
    "org_management_vs_self": "org-management actions vs the actor's own baseline (robust z)",
    "workspaces_vs_self": "workspaces touched vs the actor's own baseline (robust z)",
    "ips_vs_self": "distinct IPs vs the actor's own baseline (robust z)",
    "trail_events_vs_self": "events over the trailing windows vs the actor's rate (log ratio)",
    "trail_connections_vs_self": "connections created over the trailing windows vs the "
    "actor's rate (log ratio)",
    "trail_runs_vs_self": "pipeline runs over the trailing windows vs the actor's rate (log ratio)",
    "trail_action_vs_self": "records of the action type grown most over the trailing windows "
    "vs the actor's rate of that type (log ratio)",
    "trend_slope": "growth of daily volume over the trailing windows (log1p per window)",
    "sustained_events_vs_self": "fewest events in the actor's last 2 active windows vs its "
    "usual count (log ratio)",
    "sustained_connections_vs_self": "fewest connections created in the last 2 active windows "
    "vs the actor's usual count (log ratio)",
    "sustained_runs_vs_self": "fewest pipeline runs in the last 2 active windows vs the "
    "actor's usual count (log ratio)",
    "sustained_action_vs_self": "fewest records of the action type grown most in the last 2 "
    "active windows vs the actor's usual count of it (log ratio)",
    # peers (same window)
    "events_vs_peers": "event volume vs peers in the same org and kind (robust z)",
    "destructive_vs_peers": "destructive actions vs peers (robust z)",
    "org_management_vs_peers": "org-management actions vs peers (robust z)",
    "workspaces_vs_peers": "workspaces touched vs peers (robust z)",
    "connections_growth_vs_peers": "growth of connections created over the trailing windows "
    "vs peers' growth (robust z)",
    "runs_growth_vs_peers": "growth of pipeline runs over the trailing windows vs peers' growth "
    "(robust z)",
}

#: Numeric feature columns (float64, no NaN), in output order.
FEATURE_COLUMNS: tuple[str, ...] = tuple(FEATURE_DESCRIPTIONS)

#: Absolute activity level: how busy the actor is, not how unlike itself or its peers.  A
#: busy admin and a quiet analyst differ here every day, so the detector leaves these out
#: (their relative forms, ``*_vs_self`` and ``*_vs_peers``, are in); they stay in the table
#: for explanations, reports and the SQL hunting queries.
ACTIVITY_LEVEL: tuple[str, ...] = (
    "log_events",
    "log_action_types",
    "log_targets",
    "log_workspaces",
    "log_identities",
    "log_ips",
    "log_networks",
)

#: The actor's whole record volume over several windows against its own rate: a rhythm of
#: work (a project, a deadline week) far more often than a behaviour, so the detector leaves
#: it out; the growth of connections and pipeline runs, what low-and-slow abuse builds up,
#: stays in.  The columns stay in the table for explanations and reports.
VOLUME_TREND: tuple[str, ...] = ("trail_events_vs_self", "sustained_events_vs_self")

#: Share of action types unknown to the schema: a new API version brings them to everyone
#: at once, so it never decides a score; such types count through their verb's category.
UNKNOWN_TYPES: tuple[str, ...] = ("share_other",)

#: Features the detector is trained on: all but :data:`ACTIVITY_LEVEL`,
#: :data:`VOLUME_TREND` and :data:`UNKNOWN_TYPES`, in table order.
MODEL_FEATURES: tuple[str, ...] = tuple(
    c
    for c in FEATURE_COLUMNS
    if c not in ACTIVITY_LEVEL and c not in VOLUME_TREND and c not in UNKNOWN_TYPES
)

#: Features that need history (profile or earlier windows); the rest use the window alone.
HISTORY_FEATURES: tuple[str, ...] = (
    "log_novel_networks",
    "log_novel_switches",
    "novel_switch_closeness",
    "share_off_hours",
    "log_off_hours",
    "is_new_actor",
    "days_since_last_seen",
    "log_new_actions",
    "log_new_workspaces",
    "log_billing_novel_network",
    "log_new_owner_grants",
    "log_self_owner_grants",
    "log_new_account_owner_grants",
    "log_hand_records",
    "events_vs_self",
    "destructive_vs_self",
    "org_management_vs_self",
    "workspaces_vs_self",
    "ips_vs_self",
    "trail_events_vs_self",
    "trail_connections_vs_self",
    "trail_runs_vs_self",
    "trail_action_vs_self",
    "trend_slope",
    "sustained_events_vs_self",
    "sustained_connections_vs_self",
    "sustained_runs_vs_self",
    "sustained_action_vs_self",
    "connections_growth_vs_peers",
    "runs_growth_vs_peers",
)

#: Per-record flags: what ``features.event_flags`` returns, one boolean column each.
FLAG_COLUMNS: tuple[str, ...] = (
    "is_destructive",
    "is_failure",
    "is_org_management",
    "is_member_add",
    "is_billing",
    "is_new_network",
    "is_novel_network",
    "is_new_action",
    "is_new_workspace",
    "is_off_hours",
    "is_weekend",
    "is_network_switch",
    "is_novel_network_switch",
    "is_short_lived",
    "is_mismatch",
    "is_self_grant",
    "is_billing_novel_network",
    "is_new_owner_grant",
    "is_self_owner_grant",
    "is_new_account_owner",
    "is_connection_create",
    "is_pipeline_run",
    "is_hand_made",
    "is_grown_type",
    "is_sustained_type",
    "is_public_share",
)

#: Feature column -> flag column whose records are its evidence.
FEATURE_EVIDENCE: dict[str, str] = {
    "share_destructive": "is_destructive",
    "log_destructive": "is_destructive",
    "destructive_vs_self": "is_destructive",
    "destructive_vs_peers": "is_destructive",
    "share_failure": "is_failure",
    "log_failures": "is_failure",
    "share_org_management": "is_org_management",
    "log_org_management": "is_org_management",
    "org_management_vs_self": "is_org_management",
    "org_management_vs_peers": "is_org_management",
    "log_member_adds": "is_member_add",
    "log_self_grants": "is_self_grant",
    "log_billing": "is_billing",
    "log_public_shares": "is_public_share",
    "log_novel_networks": "is_novel_network",
    "log_new_actions": "is_new_action",
    "log_new_workspaces": "is_new_workspace",
    "share_off_hours": "is_off_hours",
    "share_weekend": "is_weekend",
    "log_novel_switches": "is_novel_network_switch",
    "novel_switch_closeness": "is_novel_network_switch",
    "log_off_hours": "is_off_hours",
    "log_created_deleted": "is_short_lived",
    "short_lifetime": "is_short_lived",
    "workspace_short_lifetime": "is_short_lived",
    "log_mismatch": "is_mismatch",
    "log_billing_novel_network": "is_billing_novel_network",
    "trail_connections_vs_self": "is_connection_create",
    "trail_runs_vs_self": "is_pipeline_run",
    "sustained_connections_vs_self": "is_connection_create",
    "sustained_runs_vs_self": "is_pipeline_run",
    "log_new_owner_grants": "is_new_owner_grant",
    "log_self_owner_grants": "is_self_owner_grant",
    "log_new_account_owner_grants": "is_new_account_owner",
    "connections_growth_vs_peers": "is_connection_create",
    "runs_growth_vs_peers": "is_pipeline_run",
    "log_hand_records": "is_hand_made",
    "trail_action_vs_self": "is_grown_type",
    "sustained_action_vs_self": "is_sustained_type",
}
