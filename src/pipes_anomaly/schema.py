"""Shared vocabulary and the frame contracts between stages.

The vocabulary: the 51 real Pipes action types, their categories, record fields, and the
names of the simulated attack scenarios and look-alikes. The contracts: the columns of the
events frame (what the reader gives), the key columns of the feature table, and the columns
of a scores frame (``docs/design.md``).

The classification follows the seed conversation (``../shared/seed``): common,
maintenance, org-management and destructive actions.  The seed classified 29 of
the 51 types; the remaining ones are placed by what they do (a ``*.delete``,
``*.uninstall`` or ``*.dissociate`` removes something, so it is destructive).
Action types outside the 51 (real exports carry them: new API versions, other
products) are classified by their verb, the last dot-separated part
(:func:`category_of`).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ACTION_CATEGORY",
    "EVENT_COLUMNS",
    "KEY_COLUMNS",
    "SCORE_COLUMNS",
    "ACTION_TYPES",
    "BILLING_ACTIONS",
    "Category",
    "CATEGORY_OTHER",
    "OPTIONAL_FIELDS",
    "RECORD_FIELDS",
    "REQUIRED_FIELDS",
    "TP_FIELDS",
    "category_of",
    "VERB_CATEGORY",
    "verb_of",
    "Lookalike",
    "LOOKALIKES",
    "Scenario",
    "SCENARIOS",
]


class Category(StrEnum):
    """Closed set of action categories."""

    COMMON = "common"
    MAINTENANCE = "maintenance"
    ORG_MANAGEMENT = "org_management"
    DESTRUCTIVE = "destructive"
    FAILURE = "failure"
    OTHER = "other"


CATEGORY_OTHER = Category.OTHER.value

_COMMON = (
    "workspace.create",
    "workspace.update",
    "connection.create",
    "connection.update",
    "pipeline.create",
    "pipeline.update",
    "pipeline.command.run",
    "workspace.schema.create",
    "integration.refresh",
    # not weighted in the seed, creative/routine by nature
    "workspace.aggregator.create",
    "workspace.aggregator.update",
    "workspace.mod.variable.setting.create",
    "workspace.mod.variable.setting.update",
    "workspace.mod.install",
    "workspace.notifier.set_default",
    "workspace.snapshot.create",
    "workspace.snapshot.update",
    "workspace.schema.attach",
    "workspace.flowpipe.input.create",
    "datatank.create",
    "datatank.table.create",
    "datatank.table.update",
    "datatank.part.update",
    "integration.create",
    "notifier.create",
    "connection-folder.create",
    "connection.permission.create",
)
_MAINTENANCE = (
    "workspace.reboot",
    "workspace.upgrade",
    "workspace.usage.enable",
    "workspace.usage.disable",
    "workspace.inactive.warn",
    "workspace.inactive.disable",
)
_ORG_MANAGEMENT = (
    "org.member.add",
    "org.member.update",
    "org.member.delete",
    "org.workspace.member.add",
    "org.workspace.member.update",
    "org.update",
    "org.billing.payment_method.create",
)
_DESTRUCTIVE = (
    "workspace.delete",
    "connection.delete",
    "pipeline.delete",
    "workspace.schema.delete",
    "integration.delete",
    "datatank.delete",
    "workspace.mod.uninstall",
    # not weighted in the seed; each removes a resource or an access path
    "workspace.aggregator.delete",
    "datatank.table.delete",
    "connection.permission.delete",
    "workspace.connection.dissociate",
)

#: Category of every real action type (51 entries).
ACTION_CATEGORY: dict[str, str] = {
    **{a: Category.COMMON.value for a in _COMMON},
    **{a: Category.MAINTENANCE.value for a in _MAINTENANCE},
    **{a: Category.ORG_MANAGEMENT.value for a in _ORG_MANAGEMENT},
    **{a: Category.DESTRUCTIVE.value for a in _DESTRUCTIVE},
}

#: The 51 real action types, sorted.
ACTION_TYPES: tuple[str, ...] = tuple(sorted(ACTION_CATEGORY))

#: Actions that change what the organisation pays (payment method, plan upgrade).
BILLING_ACTIONS: frozenset[str] = frozenset(
    {"org.billing.payment_method.create", "workspace.upgrade"}
)

#: Fields of a record as the Pipes audit API returns it.
RECORD_FIELDS: tuple[str, ...] = (
    "id",
    "action_type",
    "actor_id",
    "actor_handle",
    "actor_display_name",
    "actor_avatar_url",
    "actor_ip",
    "created_at",
    "identity_id",
    "identity_handle",
    "tenant_id",
    "target_id",
    "target_handle",
    "process_id",
    "data",
)

#: Tailpipe's common fields written by the generator.
TP_FIELDS: tuple[str, ...] = (
    "tp_id",
    "tp_source_type",
    "tp_timestamp",
    "tp_source_ip",
    "tp_ips",
    "tp_usernames",
    "tp_index",
    "tp_date",
)

#: Fields a record must carry to be used (plus ``actor_id`` or ``actor_handle``).
REQUIRED_FIELDS: tuple[str, ...] = ("id", "action_type", "created_at")

#: Optional string fields kept by the reader (the avatar URL is not kept).
OPTIONAL_FIELDS: tuple[str, ...] = tuple(
    f for f in RECORD_FIELDS if f not in (*REQUIRED_FIELDS, "data", "actor_avatar_url")
)


# ---- frame contracts --------------------------------------------------------------------

#: Columns of the events frame, in order (what the reader gives; docs/design.md section 2).
EVENT_COLUMNS: tuple[str, ...] = (
    "id",
    "action_type",
    "category",
    "actor_id",
    "actor_handle",
    "actor_display_name",
    "actor_ip",
    "created_at",
    "identity_id",
    "identity_handle",
    "tenant_id",
    "target_id",
    "target_handle",
    "process_id",
    "created_by_id",
    "workspace_id",
    "role",
    "updated_by_id",
    "user_id",
    "visibility",
    "target_created_at",
    "source",
    "line",
)

#: Key columns of the feature table (docs/design.md section 3): one row per actor-window.
KEY_COLUMNS: tuple[str, ...] = (
    "actor_id",
    "actor_handle",
    "identity_handle",
    "window_start",
    "window_end",
    "n_events",
)

#: Columns of a scores frame, in order (docs/design.md section 5, every field in
#: docs/scores.md): the feature keys, then the scores, the suppression rule that silenced an
#: alert, and the explanation.  ``severity`` is ``none`` for a window that does not alert,
#: else ``low``, ``medium``, ``high`` or ``critical`` by score (``pipeline.severity``).
SCORE_COLUMNS: tuple[str, ...] = (
    *KEY_COLUMNS,
    "score",
    "iforest_score",
    "lof_score",
    "alert",
    "suppressed_by",
    "severity",
    "reasons",
    "reason_features",
    "attack_techniques",
    "evidence",
)


#: Verbs (the last dot-separated part of an action type) that classify an unknown type.
VERB_CATEGORY: dict[str, str] = {
    "delete": Category.DESTRUCTIVE.value,
    "uninstall": Category.DESTRUCTIVE.value,
    "dissociate": Category.DESTRUCTIVE.value,
    "failed": Category.FAILURE.value,
    "suspicious": Category.FAILURE.value,
}


def verb_of(action_type: str) -> str:
    """Return the verb of an action type: its last dot-separated part, lower-cased.

    Parameters
    ----------
    action_type : str
        E.g. ``"settings.delete"``.

    Returns
    -------
    str
        E.g. ``"delete"``.
    """
    return action_type.rsplit(".", 1)[-1].lower()


def category_of(action_type: str) -> str:
    """Return the category of an action type.

    One of the 51 real types has its own category; any other is classified by its verb:
    ``*.delete``, ``*.uninstall``, ``*.dissociate`` are destructive, ``*.failed`` and
    ``*.suspicious`` are failures (``failure``: no real type is one), the rest ``other``.

    Parameters
    ----------
    action_type : str
        A Pipes action type such as ``"workspace.delete"``.

    Returns
    -------
    str
        One of ``common``, ``maintenance``, ``org_management``, ``destructive``,
        ``failure`` or ``other``.
    """
    known = ACTION_CATEGORY.get(action_type)
    if known is not None:
        return known
    return VERB_CATEGORY.get(verb_of(action_type), CATEGORY_OTHER)


class Scenario(StrEnum):
    """Injected attack scenarios (labelled in ``labels.csv``)."""

    MASS_DELETION = "mass_deletion"
    SHORT_LIVED_WORKSPACE = "short_lived_workspace"
    OFF_HOURS = "off_hours"
    IMPOSSIBLE_TRAVEL = "impossible_travel"
    ACCOUNT_TAKEOVER = "account_takeover"
    PRIVILEGE_ESCALATION = "privilege_escalation"
    WORKSPACE_SPRAWL = "workspace_sprawl"
    ACTOR_MISMATCH = "actor_mismatch"
    RAPID_SUCCESSION = "rapid_succession"
    DORMANT_REACTIVATION = "dormant_reactivation"
    BILLING_CHANGE = "billing_change"
    LOW_AND_SLOW = "low_and_slow"
    SERVICE_ACCOUNT_MISUSE = "service_account_misuse"
    PRIVILEGE_PERSISTENCE = "privilege_persistence"
    DATA_EXFILTRATION = "data_exfiltration"


class Lookalike(StrEnum):
    """Benign look-alikes (never labelled; listed in ``lookalikes.csv``).

    The first six are the classic ones; the next fifteen each mimic one attack
    scenario (``docs/worlds.md`` pairs them); the last two are persistent odd
    actors, listed on every day they act.
    """

    ADMIN_CLEANUP = "admin_cleanup"
    TRAVELLER = "traveller"
    NEW_HIRE = "new_hire"
    ONCALL_REBOOTS = "oncall_reboots"
    MONTH_END_RUNS = "month_end_runs"
    BULK_ONBOARDING = "bulk_onboarding"
    MIGRATION = "migration"
    CI_WORKSPACE = "ci_workspace"
    LATE_DEADLINE = "late_deadline"
    VPN_RECONNECT = "vpn_reconnect"
    NEW_DEVICE = "new_device"
    REORGANISATION = "reorganisation"
    CROSS_TEAM_SUPPORT = "cross_team_support"
    COVERING_TEAMMATE = "covering_teammate"
    BULK_SCRIPT = "bulk_script"
    RETURN_FROM_LEAVE = "return_from_leave"
    CARD_RENEWAL = "card_renewal"
    PROJECT_RAMP_UP = "project_ramp_up"
    HAND_MAINTENANCE = "hand_maintenance"
    CONTRACTOR_ACCESS = "contractor_access"
    CUSTOMER_REPORT = "customer_report"
    SHARED_ACCOUNT = "shared_account"
    BROKEN_BOT = "broken_bot"


SCENARIOS: tuple[str, ...] = tuple(s.value for s in Scenario)
LOOKALIKES: tuple[str, ...] = tuple(k.value for k in Lookalike)
