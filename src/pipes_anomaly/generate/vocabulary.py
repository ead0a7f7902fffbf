"""The fixed vocabulary of a simulated Pipes organisation.

Resource kinds and their id prefixes and handle words, what each action type
does (creates, touches or deletes which kind; the 51 real ones plus newer ones
outside that list), which actions update a resource, the role mixes actors draw
their actions around, the per-action ``data`` extras, and the names
and IP ranges actors and attackers are made from.
"""

from __future__ import annotations

import numpy as np

from pipes_anomaly.schema import ACTION_CATEGORY, ACTION_TYPES

#: the tenant every simulated organisation belongs to
TENANT = "t_00000000000000000000"

KINDS = (
    "workspace", "connection", "pipeline", "datatank", "dtable", "schema", "mod", "modvar",
    "aggregator", "snapshot", "fpinput", "cperm", "cfolder", "integration", "notifier",
    "member", "wsmember", "org", "token",
)  # fmt: skip
KIND_ID = {k: i for i, k in enumerate(KINDS)}
KIND_PREFIX = {
    "workspace": "w_", "connection": "c_", "pipeline": "pl_", "datatank": "dt_",
    "dtable": "dtt_", "schema": "sc_", "mod": "wm_", "modvar": "wmv_", "aggregator": "wag_",
    "snapshot": "s_", "fpinput": "fi_", "cperm": "cp_", "cfolder": "cf_", "integration": "i_",
    "notifier": "n_", "member": "u_", "wsmember": "u_", "org": "o_", "token": "tok_",
}  # fmt: skip
IN_WORKSPACE = frozenset(
    {"connection", "pipeline", "datatank", "dtable", "schema", "mod", "modvar", "aggregator",
     "snapshot", "fpinput", "cperm", "cfolder", "wsmember"}
)  # fmt: skip
HANDLE_WORDS = {
    "workspace": ("prod", "dev", "staging", "security", "finops", "data", "scratch", "ops",
                  "analytics", "compliance", "platform", "sandbox"),
    "connection": ("aws", "azure", "gcp", "github", "slack", "okta", "kubernetes", "jira"),
    "pipeline": ("sync", "nightly_report", "cost_alert", "backup", "inventory", "audit_export"),
    "datatank": ("cache", "warehouse", "history", "snapshots"),
    "dtable": ("aws_s3_bucket", "aws_iam_user", "github_repo", "gcp_instance", "azure_vm"),
    "schema": ("aws_all", "prod", "reporting", "shared"),
    "mod": ("aws_compliance", "aws_insights", "github_sherlock", "azure_thrifty", "kubernetes"),
    "modvar": ("regions", "tag_keys", "threshold", "accounts"),
    "aggregator": ("aws_all", "gcp_all", "all_accounts"),
    "snapshot": ("cis_report", "cost_dashboard", "inventory", "posture"),
    "fpinput": ("approval", "ticket", "confirm"),
    "cperm": ("read", "use", "admin"),
    "cfolder": ("prod", "nonprod", "shared", "legacy"),
    "integration": ("github", "slack", "gitlab", "msteams"),
    "notifier": ("email", "slack", "webhook", "pagerduty"),
    "member": ("guest",), "wsmember": ("guest",), "org": ("org",),
    "token": ("cli", "terraform", "ci", "laptop", "automation"),
}  # fmt: skip

#: verbs: what an action does to a resource of its kind
CREATE, TOUCH, DELETE = 0, 1, 2
_C, _O, _D = CREATE, TOUCH, DELETE  # short names keep the table below to two actions a line
ACTION_SPEC: dict[str, tuple[str, int]] = {
    "workspace.create": ("workspace", _C), "workspace.update": ("workspace", _O),
    "workspace.delete": ("workspace", _D), "workspace.reboot": ("workspace", _O),
    "workspace.upgrade": ("workspace", _O), "workspace.usage.enable": ("workspace", _O),
    "workspace.usage.disable": ("workspace", _O), "workspace.inactive.warn": ("workspace", _O),
    "workspace.inactive.disable": ("workspace", _O),
    "workspace.aggregator.create": ("aggregator", _C),
    "workspace.aggregator.update": ("aggregator", _O),
    "workspace.aggregator.delete": ("aggregator", _D),
    "workspace.mod.variable.setting.create": ("modvar", _C),
    "workspace.mod.variable.setting.update": ("modvar", _O),
    "workspace.mod.install": ("mod", _C), "workspace.mod.uninstall": ("mod", _D),
    "workspace.notifier.set_default": ("notifier", _O),
    "workspace.snapshot.create": ("snapshot", _C), "workspace.snapshot.update": ("snapshot", _O),
    "workspace.schema.create": ("schema", _C), "workspace.schema.attach": ("schema", _O),
    "workspace.schema.delete": ("schema", _D),
    "workspace.flowpipe.input.create": ("fpinput", _C),
    "workspace.connection.dissociate": ("connection", _O),
    "datatank.create": ("datatank", _C), "datatank.delete": ("datatank", _D),
    "datatank.table.create": ("dtable", _C), "datatank.table.update": ("dtable", _O),
    "datatank.table.delete": ("dtable", _D), "datatank.part.update": ("dtable", _O),
    "connection.create": ("connection", _C), "connection.update": ("connection", _O),
    "connection.delete": ("connection", _D), "connection.permission.create": ("cperm", _C),
    "connection.permission.delete": ("cperm", _D), "connection-folder.create": ("cfolder", _C),
    "pipeline.create": ("pipeline", _C), "pipeline.update": ("pipeline", _O),
    "pipeline.delete": ("pipeline", _D), "pipeline.command.run": ("pipeline", _O),
    "integration.create": ("integration", _C), "integration.refresh": ("integration", _O),
    "integration.delete": ("integration", _D), "notifier.create": ("notifier", _C),
    "org.member.add": ("member", _C), "org.member.update": ("member", _O),
    "org.member.delete": ("member", _D), "org.workspace.member.add": ("wsmember", _C),
    "org.workspace.member.update": ("wsmember", _O), "org.update": ("org", _O),
    "org.billing.payment_method.create": ("org", _O),
}  # fmt: skip
assert set(ACTION_SPEC) == set(ACTION_TYPES)
#: action types outside the 51 (newer API versions; some as Turbot's own generator writes
#: them); "self" actions target the acting user's own membership
NEW_ACTION_SPEC: dict[str, tuple[str, int]] = {
    "user.login": ("self", _O), "login.failed": ("self", _O),
    "user.token.create": ("token", _C), "user.token.delete": ("token", _D),
    "workspace.snapshot.download": ("snapshot", _O), "workspace.snapshot.delete": ("snapshot", _D),
    "workspace.mod.update": ("mod", _O), "pipeline.schedule.update": ("pipeline", _O),
    "connection.test": ("connection", _O), "settings.update": ("org", _O),
    "settings.delete": ("org", _O),
}  # fmt: skip
#: what slow abuse (and a benign project's ramp-up) accumulates: access paths, data taken
#: out, runs; each incident grows two of them
GROWTH_ACTIONS = (
    "connection.create", "pipeline.command.run", "connection.permission.create",
    "workspace.snapshot.create", "datatank.table.create", "integration.create",
    "org.workspace.member.add", "workspace.mod.install",
)  # fmt: skip
#: every action type the simulator writes: the 51 real ones first, then the newer ones
ACTIONS: tuple[str, ...] = (*ACTION_TYPES, *NEW_ACTION_SPEC)
N_REAL_ACTIONS = len(ACTION_TYPES)
_SPEC_ALL = {**ACTION_SPEC, **NEW_ACTION_SPEC}
ACTION_ID = {a: i for i, a in enumerate(ACTIONS)}
#: resource kind each action targets ("self" actions: the actor's membership)
ACTION_KIND = np.array(
    [KIND_ID["member" if _SPEC_ALL[a][0] == "self" else _SPEC_ALL[a][0]] for a in ACTIONS],
    dtype=np.int16,
)
ACTION_VERB = np.array([_SPEC_ALL[a][1] for a in ACTIONS], dtype=np.int8)
SELF_ACTION = np.array([_SPEC_ALL[a][0] == "self" for a in ACTIONS])
#: touches that leave the resource as it was: runs, reads, notices, sign-ins
_NON_UPDATING = frozenset(
    {"pipeline.command.run", "integration.refresh", "workspace.inactive.warn",
     "workspace.snapshot.download", "connection.test", "user.login", "login.failed"}
)  # fmt: skip
#: actions that change an existing resource (touches that update it, and deletes): the
#: records whose ``data.updated_by`` names who acted, where the world's API carries it
UPDATE_LIKE = np.array(
    [_SPEC_ALL[a][1] == DELETE or (_SPEC_ALL[a][1] == TOUCH and a not in _NON_UPDATING)
     for a in ACTIONS]
)  # fmt: skip

#: people's weight per action type before the role's category multipliers
_BASE_WEIGHT = {
    "workspace.create": 0.08, "workspace.update": 0.1, "connection.create": 0.08,
    "connection.update": 0.1, "pipeline.create": 0.06, "pipeline.update": 0.08,
    "pipeline.command.run": 0.15, "workspace.schema.create": 0.05, "integration.refresh": 0.1,
    "workspace.reboot": 0.02, "workspace.upgrade": 0.02, "workspace.usage.enable": 0.01,
    "workspace.usage.disable": 0.01, "workspace.inactive.warn": 0.03,
    "workspace.inactive.disable": 0.01, "org.member.add": 0.02, "org.member.update": 0.02,
    "org.member.delete": 0.01, "org.workspace.member.add": 0.02,
    "org.workspace.member.update": 0.02, "org.update": 0.01,
    "org.billing.payment_method.create": 0.005, "workspace.delete": 0.01,
    "connection.delete": 0.01, "pipeline.delete": 0.01, "workspace.schema.delete": 0.01,
    "integration.delete": 0.005, "datatank.delete": 0.005, "workspace.mod.uninstall": 0.01,
    "workspace.aggregator.create": 0.01, "workspace.aggregator.update": 0.015,
    "workspace.aggregator.delete": 0.004, "workspace.mod.variable.setting.create": 0.015,
    "workspace.mod.variable.setting.update": 0.03, "workspace.mod.install": 0.03,
    "workspace.notifier.set_default": 0.005, "workspace.snapshot.create": 0.03,
    "workspace.snapshot.update": 0.015, "workspace.schema.attach": 0.015,
    "workspace.flowpipe.input.create": 0.01, "datatank.create": 0.008,
    "datatank.table.create": 0.015, "datatank.table.update": 0.03, "datatank.part.update": 0.03,
    "integration.create": 0.006, "notifier.create": 0.006, "connection-folder.create": 0.008,
    "connection.permission.create": 0.01, "datatank.table.delete": 0.005,
    "connection.permission.delete": 0.004, "workspace.connection.dissociate": 0.005,
}  # fmt: skip
_ROLE_CATEGORY_MULT = {
    "normal": {"common": 1.0, "maintenance": 0.4, "org_management": 0.04, "destructive": 0.5},
    "power": {"common": 1.2, "maintenance": 1.0, "org_management": 0.12, "destructive": 1.0},
    "admin": {"common": 0.5, "maintenance": 1.5, "org_management": 4.0, "destructive": 1.0},
}
_BOT_WEIGHT = {
    "pipeline.command.run": 0.42, "integration.refresh": 0.14, "datatank.part.update": 0.12,
    "datatank.table.update": 0.07, "workspace.snapshot.create": 0.06,
    "workspace.snapshot.update": 0.04, "connection.update": 0.03,
    "workspace.inactive.warn": 0.03, "workspace.inactive.disable": 0.006,
    "workspace.usage.enable": 0.01, "workspace.usage.disable": 0.01,
    "workspace.flowpipe.input.create": 0.02, "datatank.table.create": 0.01,
    # provisioning (BOT_PROVISIONING): deploy jobs and infrastructure as code
    "connection.create": 0.008, "pipeline.create": 0.005, "integration.create": 0.004,
    "connection.permission.create": 0.004, "notifier.create": 0.002,
    "workspace.mod.install": 0.004, "workspace.update": 0.004, "org.member.add": 0.002,
}  # fmt: skip
#: what bots provision now and then (deploy jobs, infrastructure as code); a person often
#: runs such a job by hand with the account's token
BOT_PROVISIONING = (
    "connection.create", "pipeline.create", "integration.create", "connection.permission.create",
    "notifier.create", "workspace.mod.install", "workspace.update", "org.member.add",
    "user.token.create",
)  # fmt: skip
#: tasks the platform runs as processes (Pipes' asynchronous tasks): a person who starts one
#: gets a record carrying its process id, as a bot does
PLATFORM_TASKS = (
    "pipeline.command.run", "workspace.snapshot.create", "workspace.mod.install",
    "workspace.mod.update", "workspace.upgrade", "integration.refresh", "datatank.part.update",
)  # fmt: skip
#: people's and bots' weights among the newer action types (a world draws which exist)
_NEW_WEIGHT = {
    "user.login": 0.35, "login.failed": 0.03, "user.token.create": 0.03,
    "user.token.delete": 0.015, "workspace.snapshot.download": 0.12,
    "workspace.snapshot.delete": 0.03, "workspace.mod.update": 0.08,
    "pipeline.schedule.update": 0.08, "connection.test": 0.2, "settings.update": 0.05,
    "settings.delete": 0.015,
}  # fmt: skip
_BOT_NEW_WEIGHT = {
    "connection.test": 0.4, "workspace.snapshot.download": 0.3, "user.login": 0.2,
    "login.failed": 0.05, "workspace.mod.update": 0.05, "user.token.create": 0.02,
}  # fmt: skip
ROLES = ("normal", "power", "admin", "bot")
ROLE_RATE = {"normal": 4.0, "power": 12.0, "admin": 8.0}
#: billing is rare for everyone, admins do most of it
_BILLING_FACTOR = {"normal": 0.03, "power": 0.05, "admin": 0.4}


def role_weights(role: str) -> np.ndarray:
    """Action-type probabilities of ``role`` (``normal``, ``power``, ``admin`` or ``bot``)."""
    if role == "bot":
        w = np.array([_BOT_WEIGHT.get(a, 0.0) for a in ACTION_TYPES])
    else:
        mult = _ROLE_CATEGORY_MULT[role]
        w = np.array(
            [
                _BASE_WEIGHT[a]
                * mult[ACTION_CATEGORY[a]]
                * (_BILLING_FACTOR[role] if a == "org.billing.payment_method.create" else 1.0)
                for a in ACTION_TYPES
            ]
        )
    return w / w.sum()


def new_action_weights(role: str) -> np.ndarray:
    """Relative weights of ``role`` over the newer action types (``NEW_ACTION_SPEC`` order)."""
    table = _BOT_NEW_WEIGHT if role == "bot" else _NEW_WEIGHT
    return np.array([table.get(a, 0.0) for a in NEW_ACTION_SPEC])


# per-action variants of ``data`` extras: same keys within an action type
_EXTRAS: dict[str, tuple[tuple[str, float], ...]] = {
    "pipeline.command.run": ((',"trigger":"schedule"', 0.7), (',"trigger":"manual"', 0.3)),
    "pipeline.create": ((',"frequency":"hourly"', 0.4), (',"frequency":"daily"', 0.6)),
    "connection.create": tuple((f',"plugin":"{p}"', 1.0) for p in HANDLE_WORDS["connection"]),
    "connection.update": tuple((f',"plugin":"{p}"', 1.0) for p in HANDLE_WORDS["connection"]),
    "org.member.add": ((',"role":"member","status":"invited"', 0.85),
                       (',"role":"owner","status":"invited"', 0.15)),
    "org.member.update": ((',"role":"member","status":"accepted"', 0.85),
                          (',"role":"owner","status":"accepted"', 0.15)),
    "org.workspace.member.add": ((',"role":"reader"', 0.5), (',"role":"operator"', 0.35),
                                 (',"role":"owner"', 0.15)),
    "org.workspace.member.update": ((',"role":"reader"', 0.4), (',"role":"operator"', 0.4),
                                    (',"role":"owner"', 0.2)),
    "org.billing.payment_method.create": ((',"payment_method":"card","card_brand":"visa"', 0.6),
                                          (',"payment_method":"card","card_brand":"amex"', 0.4)),
    "workspace.upgrade": ((',"instance_type":"db1.small"', 0.6),
                          (',"instance_type":"db1.large"', 0.4)),
    "workspace.create": ((',"instance_type":"db1.shared"', 1.0),),
    # who can open a snapshot: chosen by its maker (``sharing``), never drawn here
    "workspace.snapshot.create": ((',"visibility":"workspace"', 1.0),
                                  (',"visibility":"anyone_with_link"', 0.0)),
    "workspace.snapshot.update": ((',"visibility":"workspace"', 1.0),
                                  (',"visibility":"anyone_with_link"', 0.0)),
}  # fmt: skip


def _extras_tables() -> tuple[list[str], np.ndarray, np.ndarray, list[np.ndarray]]:
    """Flatten ``_EXTRAS``: fragments, first index and count per action, cumulative weights."""
    frags: list[str] = []
    cum: list[np.ndarray] = []
    offset = np.zeros(len(ACTIONS), dtype=np.int32)
    count = np.zeros(len(ACTIONS), dtype=np.int32)
    for i, action in enumerate(ACTIONS):
        variants = _EXTRAS.get(action, (("", 1.0),))
        offset[i] = len(frags)
        count[i] = len(variants)
        frags.extend(v for v, _ in variants)
        p = np.array([w for _, w in variants])
        cum.append(np.cumsum(p / p.sum()))
    return frags, offset, count, cum


#: every extras fragment, and per action type its first index, count and cumulative weights
EXTRA_FRAGS, EXTRA_OFFSET, EXTRA_COUNT, EXTRA_CUM = _extras_tables()


def extra_index(action: str, value: str) -> int:
    """Global index of the extras variant of ``action`` containing ``value``."""
    i = ACTION_ID[action]
    for j in range(EXTRA_COUNT[i]):
        if value in EXTRA_FRAGS[EXTRA_OFFSET[i] + j]:
            return int(EXTRA_OFFSET[i] + j)
    raise KeyError(value)


def in_workspace(action: str) -> bool:
    """Whether ``action`` makes or touches a resource that lives in a workspace."""
    return KINDS[int(ACTION_KIND[ACTION_ID[action]])] in IN_WORKSPACE


def state_frag(action: str) -> str:
    """Return the ``data`` fragment with the ``state`` and ``desired_state`` of ``action``."""
    verb = _SPEC_ALL[action][1]
    if verb == DELETE:
        return ',"state":"deleted","desired_state":"deleted"'
    if action in ("workspace.usage.disable", "workspace.inactive.disable"):
        return ',"state":"disabled","desired_state":"disabled"'
    if action == "workspace.create":
        return ',"state":"pending","desired_state":"running"'
    if action in ("org.member.add", "org.workspace.member.add", "org.member.update",
                  "org.workspace.member.update"):  # fmt: skip
        return ',"state":"active","desired_state":"active"'
    return ',"state":"active","desired_state":"running"'


#: the deletes a bulk cleanup runs through, and how often each
DELETE_MIX = {
    "workspace.delete": 3, "connection.delete": 4, "pipeline.delete": 4, "datatank.delete": 2,
    "workspace.schema.delete": 2, "workspace.mod.uninstall": 3, "datatank.table.delete": 3,
    "integration.delete": 1, "workspace.aggregator.delete": 1, "connection.permission.delete": 2,
}  # fmt: skip

#: IP ranges by kind; benign actors and attackers alike draw from these.
IP_PREFIXES: dict[str, tuple[tuple[int, ...], ...]] = {
    "office": ((38,), (64,), (199,), (208,), (12,), (62,), (103,)),
    "home": ((73,), (98,), (24,), (71,), (86,), (81,), (92,), (49,), (122,), (101,),
             (159, 196), (124,), (2,), (90,), (76,), (109,)),
    "vpn": ((185,), (146, 70), (89, 187), (193,), (45,)),
    "mobile": ((172, 56), (174,), (166,), (39,), (117,), (176,)),
    "cloud": ((34,), (35,), (52,), (54,), (3,), (20,), (13,)),
}  # fmt: skip
IP6_PREFIXES = ("2601", "2a02", "2406", "2a01", "2600", "2403")

FIRST_NAMES = (
    "Ana", "Ben", "Chen", "Dara", "Elif", "Femi", "Grace", "Hiro", "Ines", "Jon", "Kai", "Lena",
    "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor", "Wen",
    "Xavi", "Yara", "Zoe", "Arjun", "Bea", "Carlos", "Divya", "Emma", "Felix", "Gita", "Hugo",
    "Ivy", "Jamal", "Kenji", "Lucia", "Mia", "Noah",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Garcia", "Nguyen", "Patel", "Kim", "Okafor", "Muller", "Rossi", "Silva", "Chen",
    "Hadianto", "Kowalski", "Dubois", "Tanaka", "Singh", "Brown", "Ivanova", "Haddad", "Lopez",
    "Wilson", "Sato", "Fischer", "Moreau", "Costa", "Larsen", "Novak", "Ali", "Murphy",
    "Jensen", "Reyes",
)  # fmt: skip
BOT_WORDS = ("etl", "backup", "sync", "reporter", "scanner", "deployer", "compliance", "cost")
ORG_WORDS = ("acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell")
