#!/usr/bin/env python3
"""A third, independently written simulated Turbot Pipes audit-log world.

Written blind: without reading the project's detector or its own simulators (see README.md).
One or two organisations of people and service accounts act on a stateful model of Pipes
resources (workspaces, connections, mods, pipelines, snapshots, datatanks, members, tokens,
billing); scheduled pipelines and the platform itself add process records; attacks of
fourteen kinds, each in a plain and a subtle form, are injected into the test period only,
and benign look-alikes of each kind run through the whole timeline.

Usage: python experiments/independent3/world.py --seed N --out DIR [-q]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import random
import sys
import time

try:  # zone rules from the system; fixed offsets when they are missing
    from zoneinfo import ZoneInfo
except ImportError:  # pragma: no cover
    ZoneInfo = None

# --------------------------------------------------------------------------------------
# Knobs (documented in README.md). Ranges are drawn per seed.
# --------------------------------------------------------------------------------------
KNOBS = {
    "days": (50, 90),  # length of the timeline
    "train_frac": (0.65, 0.70),  # share of days in the training period
    "actors": (58, 394),  # people + service accounts (plus the platform and attackers' accounts)
    "two_orgs_prob": 0.4,  # chance of a second organisation
    "consultants": (1, 4),  # people in both organisations (two-org worlds)
    "bot_share": (0.05, 0.09),  # service accounts per organisation
    "dormant_share": (0.03, 0.06),  # people silent after the first days
    "hire_share": (0.04, 0.09),  # people who join during the window
    "leaver_share": (0.02, 0.05),  # people who leave during the window
    "trip_share": (0.10, 0.18),  # people who travel once
    "long_leave_share": (0.03, 0.07),  # people away 3-6 weeks
    "vpn_user_share": (0.08, 0.18),  # people who use a commercial VPN at times
    "v6_share": (0.25, 0.45),  # people whose home line is dual-stack IPv6
    "extra_incident_prob": 0.5,  # chance of a third incident of a scenario
    "start_range": ("2025-01-06", "2026-03-02"),
}

SCENARIOS = [
    "forged_actor",
    "impossible_travel",
    "slow_exfil",
    "access_creep",
    "privilege_persistence",
    "ephemeral_workspace",
    "account_takeover",
    "billing_change",
    "dormant_return",
    "mass_delete",
    "service_account_by_hand",
    # kinds of this world's own invention
    "notifier_hijack",
    "pipeline_implant",
    "control_blinding",
]

B32 = "0123456789abcdefghijklmnopqrstuv"
DAY = 86400

# --------------------------------------------------------------------------------------
# Action types: (resource kind, verb)
# --------------------------------------------------------------------------------------
ACTIONS = {
    "workspace.create": ("workspace", "create"),
    "workspace.update": ("workspace", "update"),
    "workspace.delete": ("workspace", "delete"),
    "workspace.reboot": ("workspace", "update"),
    "workspace.upgrade": ("workspace", "update"),
    "workspace.usage.enable": ("workspace", "update"),
    "workspace.usage.disable": ("workspace", "update"),
    "workspace.inactive.warn": ("workspace", "update"),
    "workspace.inactive.disable": ("workspace", "update"),
    "connection.create": ("connection", "create"),
    "connection.update": ("connection", "update"),
    "connection.delete": ("connection", "delete"),
    "connection.test": ("connection", "update"),
    "connection-folder.create": ("folder", "create"),
    "connection.permission.create": ("permission", "create"),
    "connection.permission.delete": ("permission", "delete"),
    "workspace.connection.associate": ("wsconn", "create"),
    "workspace.connection.dissociate": ("wsconn", "delete"),
    "workspace.aggregator.create": ("aggregator", "create"),
    "workspace.aggregator.update": ("aggregator", "update"),
    "workspace.aggregator.delete": ("aggregator", "delete"),
    "workspace.schema.create": ("schema", "create"),
    "workspace.schema.attach": ("schema", "update"),
    "workspace.schema.detach": ("schema", "update"),
    "workspace.schema.delete": ("schema", "delete"),
    "workspace.mod.install": ("mod", "create"),
    "workspace.mod.update": ("mod", "update"),
    "workspace.mod.uninstall": ("mod", "delete"),
    "workspace.mod.variable.setting.create": ("setting", "create"),
    "workspace.mod.variable.setting.update": ("setting", "update"),
    "workspace.mod.variable.setting.delete": ("setting", "delete"),
    "workspace.snapshot.create": ("snapshot", "create"),
    "workspace.snapshot.update": ("snapshot", "update"),
    "workspace.snapshot.delete": ("snapshot", "delete"),
    "workspace.notifier.set_default": ("notifier", "update"),
    "notifier.create": ("notifier", "create"),
    "notifier.update": ("notifier", "update"),
    "notifier.delete": ("notifier", "delete"),
    "workspace.flowpipe.input.create": ("fpinput", "create"),
    "workspace.flowpipe.trigger.run": ("fpinput", "update"),
    "pipeline.create": ("pipeline", "create"),
    "pipeline.update": ("pipeline", "update"),
    "pipeline.delete": ("pipeline", "delete"),
    "pipeline.command.run": ("pipeline", "run"),
    "integration.create": ("integration", "create"),
    "integration.refresh": ("integration", "update"),
    "integration.delete": ("integration", "delete"),
    "datatank.create": ("datatank", "create"),
    "datatank.delete": ("datatank", "delete"),
    "datatank.table.create": ("table", "create"),
    "datatank.table.update": ("table", "update"),
    "datatank.table.delete": ("table", "delete"),
    "datatank.part.update": ("table", "update"),
    "org.update": ("org", "update"),
    "org.billing.payment_method.create": ("payment", "create"),
    "org.billing.payment_method.delete": ("payment", "delete"),
    "org.member.add": ("orgmember", "create"),
    "org.member.update": ("orgmember", "update"),
    "org.member.delete": ("orgmember", "delete"),
    "org.workspace.member.add": ("wsmember", "create"),
    "org.workspace.member.update": ("wsmember", "update"),
    "org.workspace.member.delete": ("wsmember", "delete"),
    "tenant.member.update": ("tenantmember", "update"),
    "token.create": ("token", "create"),
    "token.update": ("token", "update"),
    "token.delete": ("token", "delete"),
    "user.update": ("user", "update"),
}
# kinds that live inside a workspace
WS_KINDS = {
    "permission",
    "wsconn",
    "aggregator",
    "schema",
    "mod",
    "setting",
    "snapshot",
    "fpinput",
    "pipeline",
    "datatank",
    "table",
    "wsmember",
}
ID_PREFIX = {
    "workspace": "w_",
    "connection": "c_",
    "folder": "cf_",
    "permission": "cp_",
    "wsconn": "wc_",
    "aggregator": "ag_",
    "schema": "sc_",
    "mod": "m_",
    "setting": "ms_",
    "snapshot": "snap_",
    "notifier": "n_",
    "fpinput": "fi_",
    "pipeline": "pipe_",
    "integration": "i_",
    "datatank": "dt_",
    "table": "dtt_",
    "payment": "pm_",
    "orgmember": "om_",
    "wsmember": "owm_",
    "tenantmember": "tm_",
    "token": "tok_",
}

# Routine action weights per role (people) --------------------------------------------
ROLE_WEIGHTS = {
    "engineer": {
        "connection.update": 10,
        "connection.create": 2,
        "connection.delete": 1.2,
        "connection.test": 1.5,
        "workspace.update": 4,
        "workspace.reboot": 1.5,
        "workspace.mod.install": 2,
        "workspace.mod.uninstall": 0.7,
        "workspace.mod.update": 1.5,
        "workspace.mod.variable.setting.create": 2,
        "workspace.mod.variable.setting.update": 4,
        "workspace.mod.variable.setting.delete": 0.4,
        "workspace.aggregator.create": 0.8,
        "workspace.aggregator.update": 2,
        "workspace.aggregator.delete": 0.3,
        "workspace.schema.create": 1,
        "workspace.schema.attach": 1,
        "workspace.schema.delete": 0.3,
        "workspace.schema.detach": 0.3,
        "pipeline.create": 0.15,
        "pipeline.update": 2.5,
        "pipeline.command.run": 4,
        "pipeline.delete": 0.12,
        "integration.refresh": 1,
        "connection.permission.create": 0.6,
        "connection.permission.delete": 0.25,
        "connection-folder.create": 0.3,
        "workspace.connection.dissociate": 0.6,
        "workspace.connection.associate": 1,
        "workspace.snapshot.create": 3,
        "workspace.snapshot.delete": 0.4,
        "workspace.create": 0.05,
        "workspace.delete": 0.03,
        "token.create": 0.15,
        "token.delete": 0.1,
        "workspace.flowpipe.input.create": 0.3,
        "workspace.flowpipe.trigger.run": 0.4,
    },
    "analyst": {
        "workspace.snapshot.create": 20,
        "workspace.snapshot.update": 5,
        "workspace.snapshot.delete": 1.5,
        "pipeline.command.run": 3,
        "workspace.mod.variable.setting.update": 1.5,
        "pipeline.create": 0.05,
        "pipeline.update": 0.8,
        "workspace.aggregator.update": 0.3,
        "connection.update": 0.5,
        "token.create": 0.05,
        "workspace.flowpipe.input.create": 0.5,
        "workspace.flowpipe.trigger.run": 0.6,
    },
    "security": {
        "workspace.snapshot.create": 10,
        "workspace.snapshot.update": 2,
        "workspace.mod.install": 1.5,
        "workspace.mod.update": 1,
        "workspace.mod.variable.setting.create": 1.5,
        "workspace.mod.variable.setting.update": 4,
        "workspace.mod.variable.setting.delete": 0.5,
        "pipeline.create": 0.15,
        "pipeline.update": 1.5,
        "pipeline.command.run": 2.5,
        "pipeline.delete": 0.1,
        "notifier.create": 0.2,
        "notifier.update": 0.3,
        "workspace.notifier.set_default": 0.3,
        "connection.permission.create": 0.5,
        "connection.permission.delete": 0.3,
        "connection.update": 1,
        "token.create": 0.1,
        "token.delete": 0.1,
        "workspace.snapshot.delete": 0.4,
    },
    "data": {
        "datatank.table.create": 3,
        "datatank.table.update": 6,
        "datatank.table.delete": 1,
        "datatank.part.update": 4,
        "datatank.create": 0.3,
        "datatank.delete": 0.1,
        "connection.create": 1.5,
        "connection.update": 5,
        "connection.delete": 0.5,
        "connection.test": 1.0,
        "workspace.schema.create": 1.5,
        "workspace.schema.attach": 1.5,
        "workspace.schema.detach": 0.5,
        "workspace.schema.delete": 0.5,
        "pipeline.create": 0.2,
        "pipeline.update": 3,
        "pipeline.command.run": 4,
        "integration.refresh": 1.5,
        "workspace.snapshot.create": 2,
        "workspace.flowpipe.input.create": 0.8,
        "workspace.aggregator.update": 1,
        "token.create": 0.1,
        "pipeline.delete": 0.15,
    },
    "admin": {
        "org.workspace.member.add": 4,
        "org.workspace.member.update": 3,
        "org.workspace.member.delete": 1,
        "org.member.update": 1.5,
        "workspace.create": 0.3,
        "workspace.update": 3,
        "workspace.usage.enable": 0.4,
        "workspace.usage.disable": 0.4,
        "workspace.upgrade": 0.4,
        "org.update": 0.5,
        "integration.create": 0.4,
        "integration.delete": 0.15,
        "notifier.create": 0.3,
        "workspace.notifier.set_default": 0.3,
        "token.create": 0.3,
        "token.delete": 0.2,
        "connection.update": 2,
        "workspace.snapshot.create": 2,
        "workspace.delete": 0.15,
        "connection.delete": 0.3,
        "tenant.member.update": 0.2,
    },
    "manager": {
        "workspace.snapshot.create": 3,
        "workspace.snapshot.update": 3,
        "org.workspace.member.add": 0.4,
        "workspace.update": 0.3,
        "pipeline.command.run": 0.3,
    },
    "finance": {
        "workspace.snapshot.create": 4,
        "workspace.snapshot.update": 1,
        "org.update": 0.3,
    },
    "contractor": {
        "connection.update": 6,
        "connection.create": 2,
        "workspace.mod.install": 1,
        "connection.test": 0.8,
        "workspace.mod.variable.setting.update": 3,
        "pipeline.update": 1.5,
        "pipeline.command.run": 3,
        "workspace.snapshot.create": 4,
        "workspace.aggregator.update": 1,
        "workspace.reboot": 0.8,
        "workspace.schema.attach": 0.5,
        "workspace.mod.update": 1,
    },
}
ROLE_MIX = [
    ("engineer", 0.28),
    ("analyst", 0.18),
    ("security", 0.11),
    ("data", 0.12),
    ("admin", 0.05),
    ("manager", 0.10),
    ("finance", 0.03),
    ("contractor", 0.13),
]
ROLE_RATE = {
    "engineer": 9,
    "analyst": 7,
    "security": 6,
    "data": 8,
    "admin": 5,
    "manager": 1.2,
    "finance": 0.25,
    "contractor": 7,
}

BOT_WEIGHTS = {
    "ci": {
        "workspace.mod.install": 1,
        "workspace.mod.update": 4,
        "workspace.mod.variable.setting.update": 4,
        "workspace.mod.variable.setting.create": 1,
        "pipeline.update": 1.5,
        "workspace.aggregator.update": 1,
        "workspace.update": 0.5,
    },
    "terraform": {
        "connection.create": 2,
        "connection.update": 5,
        "connection.delete": 1,
        "connection.test": 0.5,
        "workspace.connection.associate": 2,
        "workspace.connection.dissociate": 0.5,
        "connection.permission.create": 1,
        "workspace.update": 1,
        "connection-folder.create": 0.2,
        "workspace.aggregator.update": 0.8,
    },
    "sync": {"connection.update": 1},
    "scheduler": {"workspace.snapshot.create": 1},
    "scratch": {"workspace.create": 1},
}
# introduced by a platform release during the timeline (unknown to older readers)
NEW_API = {"connection.test", "workspace.flowpipe.trigger.run"}
PROCESS_ACTIONS = {
    "workspace.mod.install",
    "workspace.mod.update",
    "integration.refresh",
    "pipeline.command.run",
    "datatank.part.update",
    "workspace.upgrade",
    "workspace.inactive.warn",
    "workspace.inactive.disable",
    "workspace.flowpipe.trigger.run",
}

# --------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------
FIRST = [
    "james",
    "maria",
    "wei",
    "priya",
    "olga",
    "ahmed",
    "lucas",
    "sofia",
    "kenji",
    "amara",
    "noah",
    "emma",
    "ravi",
    "anna",
    "diego",
    "fatima",
    "tom",
    "chloe",
    "arjun",
    "lena",
    "marco",
    "yuki",
    "sam",
    "nina",
    "omar",
    "grace",
    "ivan",
    "zoe",
    "hugo",
    "aisha",
    "ben",
    "mei",
    "pablo",
    "sara",
    "erik",
    "leila",
    "jack",
    "hana",
    "felix",
    "rosa",
    "dan",
    "ines",
    "kofi",
    "julia",
    "max",
    "tara",
    "leo",
    "eva",
    "raj",
    "ella",
    "victor",
    "nadia",
    "sean",
    "mila",
    "andre",
    "lucy",
    "tariq",
    "ada",
    "paul",
    "kim",
    "jonas",
    "bea",
    "matteo",
    "iris",
    "chen",
    "alma",
    "rohan",
    "vera",
    "luis",
    "maya",
]
LAST = [
    "smith",
    "garcia",
    "chen",
    "patel",
    "ivanova",
    "hassan",
    "silva",
    "rossi",
    "tanaka",
    "okafor",
    "brown",
    "muller",
    "kumar",
    "novak",
    "lopez",
    "khan",
    "wright",
    "martin",
    "singh",
    "berg",
    "bianchi",
    "sato",
    "taylor",
    "petrov",
    "ali",
    "kelly",
    "popov",
    "dubois",
    "ahmed",
    "walker",
    "wang",
    "fernandez",
    "cohen",
    "larsen",
    "haddad",
    "reid",
    "nakamura",
    "moreau",
    "mensah",
    "kowalski",
    "hughes",
    "li",
    "santos",
    "fischer",
    "roy",
    "oconnor",
    "schmidt",
    "ng",
    "costa",
    "yilmaz",
    "byrne",
    "jansen",
    "das",
    "park",
    "gomez",
    "lindqvist",
    "murphy",
    "adeyemi",
    "weber",
    "hadianto",
]
WS_WORDS = [
    "prod",
    "security",
    "finops",
    "compliance",
    "dev",
    "staging",
    "data-platform",
    "k8s",
    "shared",
    "reporting",
    "eu",
    "us",
    "apac",
    "infra",
    "audit",
    "cloud",
    "ops",
    "platform",
    "payments",
    "analytics",
    "identity",
    "network",
    "sre",
    "soc",
]
PLUGINS = [
    "aws",
    "aws",
    "aws",
    "azure",
    "gcp",
    "github",
    "kubernetes",
    "okta",
    "slack",
    "terraform",
    "net",
    "jira",
    "csv",
    "googleworkspace",
    "oci",
    "digitalocean",
]
MODS = [
    ("aws_compliance", "github.com/turbot/steampipe-mod-aws-compliance", "sec"),
    ("aws_insights", "github.com/turbot/steampipe-mod-aws-insights", "ops"),
    ("aws_thrifty", "github.com/turbot/steampipe-mod-aws-thrifty", "ops"),
    ("aws_tags", "github.com/turbot/steampipe-mod-aws-tags", "ops"),
    ("azure_compliance", "github.com/turbot/steampipe-mod-azure-compliance", "sec"),
    ("gcp_compliance", "github.com/turbot/steampipe-mod-gcp-compliance", "sec"),
    ("kubernetes_compliance", "github.com/turbot/steampipe-mod-kubernetes-compliance", "sec"),
    ("github_sherlock", "github.com/turbot/steampipe-mod-github-sherlock", "sec"),
    ("terraform_aws_compliance", "github.com/turbot/steampipe-mod-terraform-aws-compliance", "sec"),
    ("aws_perimeter", "github.com/turbot/steampipe-mod-aws-perimeter", "sec"),
    ("net_insights", "github.com/turbot/steampipe-mod-net-insights", "ops"),
    ("kubernetes_insights", "github.com/turbot/steampipe-mod-kubernetes-insights", "ops"),
]
DASHBOARDS = {
    "aws_compliance": [
        "benchmark.cis_v300",
        "benchmark.pci_dss_v321",
        "benchmark.soc_2",
        "benchmark.foundational_security",
        "benchmark.nist_800_53_rev_5",
    ],
    "aws_insights": [
        "dashboard.iam_user_dashboard",
        "dashboard.s3_bucket_dashboard",
        "dashboard.ec2_instance_dashboard",
        "dashboard.iam_access_key_age_report",
    ],
    "aws_thrifty": ["benchmark.ec2", "benchmark.ebs", "benchmark.rds"],
    "aws_tags": ["benchmark.mandatory", "benchmark.prohibited"],
    "azure_compliance": ["benchmark.cis_v210", "benchmark.hipaa_hitrust_v92"],
    "gcp_compliance": ["benchmark.cis_v200", "benchmark.forseti_security"],
    "kubernetes_compliance": ["benchmark.nsa_cisa_v1", "benchmark.cis_v170"],
    "github_sherlock": ["benchmark.repository_checks", "benchmark.org_checks"],
    "terraform_aws_compliance": ["benchmark.s3", "benchmark.iam"],
    "aws_perimeter": ["benchmark.public_access", "benchmark.network_access"],
    "net_insights": ["benchmark.dns_best_practices"],
    "kubernetes_insights": ["dashboard.cluster_dashboard"],
}
VARS = [
    "common_dimensions",
    "tag_dimensions",
    "regions",
    "mandatory_tags",
    "ec2_instance_age_max_days",
    "ebs_snapshot_age_max_days",
    "benchmark_tags",
    "excluded_accounts",
    "severity_filter",
    "rds_db_instance_age_max_days",
    "access_key_max_age",
]
NOTIFIER_TYPES = ["slack", "slack", "msteams", "email", "webhook"]
INTEGRATION_TYPES = ["github", "slack", "aws", "gcp", "msteams"]
TABLE_WORDS = [
    "aws_iam_user",
    "aws_s3_bucket",
    "aws_ec2_instance",
    "github_repository",
    "okta_user",
    "azure_compute_virtual_machine",
    "gcp_compute_instance",
    "kubernetes_pod",
    "aws_vpc_security_group_rule",
    "aws_iam_role",
    "aws_cost_by_service_daily",
    "jira_issue",
    "googleworkspace_user",
    "aws_cloudtrail_trail",
]

# Countries: time zones, work week, office weights --------------------------------------
COUNTRIES = {
    "US": (["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"], "MF"),
    "CA": (["America/Toronto", "America/Vancouver"], "MF"),
    "BR": (["America/Sao_Paulo"], "MF"),
    "MX": (["America/Mexico_City"], "MF"),
    "GB": (["Europe/London"], "MF"),
    "IE": (["Europe/Dublin"], "MF"),
    "DE": (["Europe/Berlin"], "MF"),
    "NL": (["Europe/Amsterdam"], "MF"),
    "PL": (["Europe/Warsaw"], "MF"),
    "ES": (["Europe/Madrid"], "MF"),
    "RO": (["Europe/Bucharest"], "MF"),
    "ZA": (["Africa/Johannesburg"], "MF"),
    "IL": (["Asia/Jerusalem"], "SR"),
    "AE": (["Asia/Dubai"], "MF"),
    "IN": (["Asia/Kolkata"], "MF"),
    "SG": (["Asia/Singapore"], "MF"),
    "PH": (["Asia/Manila"], "MF"),
    "JP": (["Asia/Tokyo"], "MF"),
    "AU": (["Australia/Sydney", "Australia/Melbourne", "Australia/Perth"], "MF"),
    "NZ": (["Pacific/Auckland"], "MF"),
}
FIXED_OFFSETS = {
    "America/New_York": -5,
    "America/Chicago": -6,
    "America/Denver": -7,
    "America/Los_Angeles": -8,
    "America/Toronto": -5,
    "America/Vancouver": -8,
    "America/Sao_Paulo": -3,
    "America/Mexico_City": -6,
    "Europe/London": 0,
    "Europe/Dublin": 0,
    "Europe/Berlin": 1,
    "Europe/Amsterdam": 1,
    "Europe/Warsaw": 1,
    "Europe/Madrid": 1,
    "Europe/Bucharest": 2,
    "Africa/Johannesburg": 2,
    "Asia/Jerusalem": 2,
    "Asia/Dubai": 4,
    "Asia/Kolkata": 5.5,
    "Asia/Singapore": 8,
    "Asia/Manila": 8,
    "Asia/Tokyo": 9,
    "Australia/Sydney": 10,
    "Australia/Melbourne": 10,
    "Australia/Perth": 8,
    "Pacific/Auckland": 12,
}
HQ_CHOICES = ["US", "US", "GB", "AU", "DE", "NL", "IN", "CA", "SG", "IL"]
CLOUDS = ["aws", "gcp", "azure", "digitalocean", "hetzner", "ovh"]
HOSTING = ["m247", "datacamp", "leaseweb", "choopa", "cdn77"]
VPN_PROVIDERS = ["vpn_a", "vpn_b", "vpn_c", "vpn_d"]
FIRST_OCTETS = [
    2,
    5,
    8,
    12,
    13,
    18,
    20,
    23,
    24,
    31,
    34,
    35,
    37,
    38,
    40,
    45,
    46,
    49,
    50,
    52,
    54,
    58,
    62,
    63,
    64,
    66,
    67,
    68,
    69,
    70,
    71,
    72,
    73,
    74,
    75,
    76,
    77,
    78,
    79,
    80,
    81,
    82,
    83,
    84,
    85,
    86,
    87,
    88,
    89,
    90,
    91,
    92,
    93,
    94,
    95,
    96,
    97,
    98,
    99,
    101,
    103,
    104,
    106,
    107,
    108,
    109,
    110,
    111,
    112,
    113,
    114,
    115,
    116,
    117,
    118,
    119,
    120,
    121,
    122,
    123,
    124,
    125,
    128,
    129,
    130,
    131,
    132,
    134,
    136,
    137,
    138,
    139,
    140,
    141,
    142,
    143,
    144,
    146,
    147,
    148,
    149,
    150,
    151,
    152,
    153,
    154,
    155,
    156,
    157,
    158,
    159,
    160,
    161,
    162,
    163,
    164,
    165,
    166,
    167,
    168,
    170,
    171,
    173,
    174,
    175,
    176,
    177,
    178,
    179,
    180,
    181,
    182,
    183,
    184,
    185,
    186,
    187,
    188,
    189,
    190,
    191,
    193,
    194,
    195,
    196,
    197,
    199,
    200,
    201,
    202,
    203,
    204,
    205,
    206,
    207,
    208,
    209,
    210,
    211,
    212,
    213,
    216,
    217,
    218,
    219,
    220,
    221,
    222,
]


def iso(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def easter(y: int) -> dt.date:
    a = y % 19
    b, c = divmod(y, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ll = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ll) // 451
    month = (h + ll - 7 * m + 114) // 31
    day = ((h + ll - 7 * m + 114) % 31) + 1
    return dt.date(y, month, day)


def nth_weekday(y, m, wd, n):
    """n-th (1-based; -1 = last) weekday wd (Mon=0) of month m."""
    if n > 0:
        d = dt.date(y, m, 1)
        d += dt.timedelta(days=(wd - d.weekday()) % 7)
        return d + dt.timedelta(days=7 * (n - 1))
    nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
    d = nxt - dt.timedelta(days=1)
    return d - dt.timedelta(days=(d.weekday() - wd) % 7)


def holidays(country: str, y: int) -> list:
    e = easter(y)
    D = dt.date
    out = [D(y, 1, 1), D(y, 12, 25)]
    if country == "US":
        out += [
            nth_weekday(y, 1, 0, 3),
            nth_weekday(y, 2, 0, 3),
            nth_weekday(y, 5, 0, -1),
            D(y, 7, 4),
            nth_weekday(y, 9, 0, 1),
            nth_weekday(y, 11, 3, 4),
            nth_weekday(y, 11, 3, 4) + dt.timedelta(days=1),
            D(y, 6, 19),
        ]
    elif country in ("GB", "IE"):
        out += [
            e - dt.timedelta(days=2),
            e + dt.timedelta(days=1),
            nth_weekday(y, 5, 0, 1),
            nth_weekday(y, 5, 0, -1),
            nth_weekday(y, 8, 0, -1),
            D(y, 12, 26),
        ]
    elif country in ("DE", "NL", "PL", "ES", "RO"):
        out += [
            e - dt.timedelta(days=2),
            e + dt.timedelta(days=1),
            D(y, 5, 1),
            D(y, 12, 26),
            e + dt.timedelta(days=39),
        ]
        if country == "DE":
            out.append(D(y, 10, 3))
        if country == "NL":
            out.append(D(y, 4, 27))
        if country == "PL":
            out += [D(y, 5, 3), D(y, 11, 1), D(y, 11, 11), D(y, 1, 6)]
    elif country in ("AU", "NZ"):
        out += [
            D(y, 1, 26),
            e - dt.timedelta(days=2),
            e + dt.timedelta(days=1),
            D(y, 4, 25),
            D(y, 12, 26),
        ]
    elif country == "IN":
        out += [D(y, 1, 26), D(y, 8, 15), D(y, 10, 2), D(y, 3, 14), D(y, 10, 20)]
    elif country in ("SG", "PH"):
        out += [D(y, 5, 1), D(y, 8, 9), D(y, 1, 29), D(y, 1, 30)]
    elif country == "JP":
        out += [
            D(y, 1, 2),
            D(y, 1, 3),
            D(y, 2, 11),
            D(y, 4, 29),
            D(y, 5, 3),
            D(y, 5, 4),
            D(y, 5, 5),
            D(y, 11, 3),
            D(y, 11, 23),
        ]
    elif country in ("CA",):
        out += [
            D(y, 7, 1),
            nth_weekday(y, 9, 0, 1),
            nth_weekday(y, 10, 0, 2),
            D(y, 12, 26),
            e - dt.timedelta(days=2),
        ]
    elif country in ("BR", "MX"):
        out += [
            e - dt.timedelta(days=47),
            e - dt.timedelta(days=48),
            D(y, 5, 1),
            D(y, 9, 7),
            D(y, 11, 15),
            e - dt.timedelta(days=2),
        ]
    elif country == "IL":
        out = [D(y, 4, 13), D(y, 4, 14), D(y, 9, 23), D(y, 10, 2), D(y, 10, 7)]
    elif country in ("ZA", "AE"):
        out += [D(y, 3, 21), D(y, 4, 27), D(y, 6, 16), D(y, 12, 16)]
    return out


# --------------------------------------------------------------------------------------
# Address pools
# --------------------------------------------------------------------------------------
class Pool:
    """A set of IPv4 /16 (or /24) prefixes and optionally an IPv6 /32."""

    def __init__(self, name, kind, country, v4, v6=None, host_bits=16):
        self.name, self.kind, self.country = name, kind, country
        self.v4 = v4  # list of (a, b) or (a, b, c)
        self.v6 = v6  # (h1, h2) or None
        self.host_bits = host_bits

    def addr(self, r: random.Random) -> str:
        p = self.v4[r.randrange(len(self.v4))]
        if len(p) == 2:
            return f"{p[0]}.{p[1]}.{r.randrange(256)}.{r.randrange(1, 255)}"
        return f"{p[0]}.{p[1]}.{p[2]}.{r.randrange(2, 254)}"

    def v6_prefix64(self, r: random.Random) -> str:
        h1, h2 = self.v6
        return f"{h1:x}:{h2:x}:{r.randrange(1 << 16):x}:{r.randrange(1 << 16):x}"


def v6_iid(r: random.Random) -> str:
    return ":".join(f"{r.randrange(1 << 16):x}" for _ in range(4))


class Networks:
    def __init__(self, r: random.Random):
        self.r = r
        self.used = set()
        self.isps, self.carriers = {}, {}
        for c in COUNTRIES:
            self.isps[c] = [
                Pool(f"isp-{c}-{i}", "isp", c, self.prefixes(r.randint(2, 4)), self.v6p())
                for i in range(r.randint(2, 4))
            ]
            self.carriers[c] = [
                Pool(f"mob-{c}-{i}", "mobile", c, self.prefixes(2), self.v6p())
                for i in range(r.randint(1, 3))
            ]
        self.clouds = {
            name: Pool(name, "cloud", "XX", self.prefixes(r.randint(6, 10))) for name in CLOUDS
        }
        self.hosting = {
            name: Pool(name, "hosting", "XX", self.prefixes(r.randint(3, 5))) for name in HOSTING
        }
        # commercial VPN providers: exits in many countries, a handful of IPs each
        self.vpn_exits = {}
        countries = list(COUNTRIES)
        for v in VPN_PROVIDERS:
            exits = {}
            for c in sorted(r.sample(countries, r.randint(8, 14))):
                host = self.hosting[HOSTING[r.randrange(len(HOSTING))]]
                base = host.v4[r.randrange(len(host.v4))]
                third = r.randrange(256)
                exits[c] = [
                    f"{base[0]}.{base[1]}.{third}.{r.randrange(2, 254)}"
                    for _ in range(r.randint(3, 8))
                ]
            self.vpn_exits[v] = exits
        aws = self.clouds["aws"]
        self.platform = [aws.addr(r) for _ in range(4)]  # Pipes workers' egress
        self.github_runners = [self.clouds["azure"], self.clouds["aws"]]

    def v6p(self):
        return (
            self.r.choice(
                [
                    0x2001,
                    0x2A01,
                    0x2A02,
                    0x2600,
                    0x2601,
                    0x2407,
                    0x2404,
                    0x2804,
                    0x2C0F,
                    0x2A00,
                    0x2003,
                    0x240D,
                ]
            ),
            self.r.randrange(1 << 16),
        )

    def prefixes(self, n):
        out = []
        while len(out) < n:
            p = (self.r.choice(FIRST_OCTETS), self.r.randrange(256))
            if p in self.used:
                continue
            self.used.add(p)
            out.append(p)
        return out

    def vpn_ip(self, r, provider, country=None):
        exits = self.vpn_exits[provider]
        keys = list(exits)
        c = country if country in exits else keys[r.randrange(len(keys))]
        ips = exits[c]
        return ips[r.randrange(len(ips))], c

    def foreign_resi(self, r, not_country):
        cs = [c for c in COUNTRIES if c != not_country]
        c = cs[r.randrange(len(cs))]
        isp = self.isps[c][r.randrange(len(self.isps[c]))]
        return isp.addr(r), c


def xid_encode(b: bytes) -> str:
    n = int.from_bytes(b, "big") << 4
    return "".join(B32[(n >> (95 - 5 * i)) & 31] for i in range(20))


# --------------------------------------------------------------------------------------
# Model objects
# --------------------------------------------------------------------------------------
class Ident:
    __slots__ = ("id", "handle", "tenant", "kind", "display", "obj", "org")

    def __init__(self, id_, handle, tenant, kind, display):
        self.id, self.handle, self.tenant, self.kind, self.display = (
            id_,
            handle,
            tenant,
            kind,
            display,
        )
        self.obj = None
        self.org = None


class Obj:
    __slots__ = (
        "kind",
        "id",
        "handle",
        "ident",
        "ws",
        "created_at",
        "creator",
        "updated_at",
        "updater",
        "version",
        "state",
        "attrs",
        "alive",
        "children",
        "last_active",
    )

    def __init__(self, kind, id_, handle, ident, ws, created_at, creator, attrs=None):
        self.kind, self.id, self.handle, self.ident, self.ws = kind, id_, handle, ident, ws
        self.created_at, self.creator = created_at, creator
        self.updated_at, self.updater = created_at, None
        self.version, self.state = 1, "enabled"
        self.attrs = attrs or {}
        self.alive = True
        self.children = None
        self.last_active = created_at


class Person:
    def __init__(self, idx, kind, role):
        self.idx, self.kind, self.role = idx, kind, role
        self.id = self.handle = self.display = None
        self.avatar_v = 1
        self.acct_created = 0
        self.orgs = []
        self.country = "US"
        self.tz = "America/New_York"
        self.office = None
        self.office_days = ()
        self.workdays = (0, 1, 2, 3, 4)
        self.start_h, self.len_h = 9.0, 8.5
        self.rate = 1.0
        self.gap = 120.0
        self.weekend_p = 0.03
        self.evening_p = 0.08
        self.oncall_weeks = []
        self.vpn, self.vpn_p = None, 0.0
        self.corp_vpn_p = 0.0
        self.mobile_p = 0.03
        self.v6, self.v6_share = False, 0.0
        self.isp = self.carrier = None
        self.home_v4 = []
        self.v6_prefix = None
        self.join_day, self.leave_day = -(10**6), None
        self.leave_days = set()
        self.long_leave = None
        self.trips = []
        self.dormant_after = None
        self.sessions = {}
        self.ws = []  # accessible workspaces (runtime)
        self.ws_fav = []
        self.weights = None
        self.bot_kind = None
        self.owner = None
        self.bot_ips = []
        self.ident = None
        self.summary = None
        self.org_role = "member"
        self.r = None
        self.members = {}  # org id -> orgmember Obj
        self.tokens = []

    @property
    def is_human(self):
        return self.kind in ("human", "shadow")

    def trip_on(self, d):
        for t in self.trips:
            if t["d0"] <= d <= t["d1"]:
                return t
        return None


class Org:
    def __init__(self, idx):
        self.idx = idx
        self.ident = None
        self.hq = "US"
        self.offices = []
        self.members = []
        self.admins = []
        self.bots = []
        self.corp_vpn = []
        self.tenant = "t_00000000000000000000"
        self.custom_tenant = False
        self.live = {}  # kind -> list of org-level objects
        self.workspaces = []  # live workspaces
        self.payment = None


class Office:
    def __init__(self, country, tz, nat):
        self.country, self.tz, self.nat = country, tz, nat


ORG_NAMES = [
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "vandelay",
    "tyrell",
    "cyberdyne",
    "soylent",
    "wonka",
    "aperture",
    "bluesun",
    "nakatomi",
    "piedpiper",
    "dunder",
    "contoso",
    "fabrikam",
    "northwind",
    "lumon",
    "veridian",
    "oceanic",
    "monarch",
    "krusty",
    "gekko",
]
ORG_SUFFIX = ["", "-corp", "-io", "-cloud", "-sec", "-labs", "-tank", "-data"]


def weighted(r: random.Random, items, weights):
    tot = sum(weights)
    x = r.random() * tot
    acc = 0.0
    for it, w in zip(items, weights, strict=True):
        acc += w
        if x < acc:
            return it
    return items[-1]


class World:
    def __init__(self, seed: int, quiet: bool = False):
        self.seed = seed
        self.quiet = quiet
        self.r = random.Random(f"indep3/world/{seed}")
        self.rx = random.Random(f"indep3/exec/{seed}")  # execution-time choices
        r = self.r
        self.D = r.randint(*KNOBS["days"])
        self.train_days = int(round(self.D * r.uniform(*KNOBS["train_frac"])))
        s0 = dt.date.fromisoformat(KNOBS["start_range"][0])
        s1 = dt.date.fromisoformat(KNOBS["start_range"][1])
        self.start = s0 + dt.timedelta(days=r.randrange((s1 - s0).days))
        self.T0 = int(
            dt.datetime(
                self.start.year, self.start.month, self.start.day, tzinfo=dt.UTC
            ).timestamp()
        )
        self.n_orgs = 2 if r.random() < KNOBS["two_orgs_prob"] else 1
        self.n_actors = r.randint(*KNOBS["actors"])
        self.xc = r.randrange(1 << 24)
        self.machines = [bytes(r.randrange(256) for _ in range(5)) for _ in range(6)]
        self.seq = 0
        self.net = Networks(random.Random(f"indep3/net/{seed}"))
        self.buckets = [[] for _ in range(self.D)]
        self.people, self.orgs = [], []
        self.handles = set()
        self.tzcache = {}
        self.holcache = {}
        self.labels = []
        self.la = {}
        self.incidents = []  # dicts: id, scenario, form, actors
        self.record_counts = {"train": 0, "test": 0}
        self.type_counts_benign = {}
        self.type_counts_attack = {}
        self.out = None
        self.scan_state = {}
        self.release_days = []
        self.storms = {}
        self.victims = set()
        self.kd = {k: r.uniform(*KNOBS[k]) for k in ("vpn_user_share", "v6_share")}

    # ---------------------------------------------------------------- basics
    def xid(self, ts: int) -> str:
        self.xc = (self.xc + 1) & 0xFFFFFF
        m = self.machines[(self.xc * 7) % len(self.machines)]
        return xid_encode(int(ts).to_bytes(4, "big") + m + self.xc.to_bytes(3, "big"))

    def date(self, d: int) -> dt.date:
        return self.start + dt.timedelta(days=d)

    def tzoff(self, tz: str, d: int) -> int:
        key = (tz, d)
        off = self.tzcache.get(key)
        if off is None:
            if ZoneInfo is not None:
                try:
                    day = self.date(d)
                    off = int(
                        ZoneInfo(tz)
                        .utcoffset(dt.datetime(day.year, day.month, day.day, 12))
                        .total_seconds()
                    )
                except Exception:  # noqa: BLE001 - no zone data on this machine
                    off = int(FIXED_OFFSETS[tz] * 3600)
            else:
                off = int(FIXED_OFFSETS[tz] * 3600)
            self.tzcache[key] = off
        return off

    def local_ts(self, tz: str, d: int, sec: float) -> int:
        return self.T0 + d * DAY + int(sec) - self.tzoff(tz, d)

    def is_holiday(self, country: str, day: dt.date) -> bool:
        key = (country, day.year)
        hs = self.holcache.get(key)
        if hs is None:
            hs = set(holidays(country, day.year))
            self.holcache[key] = hs
        return day in hs

    def day_of(self, ts: int) -> int:
        return (ts - self.T0) // DAY

    def add(self, ts, fn, *args):
        d = (int(ts) - self.T0) // DAY
        if 0 <= d < self.D:
            self.seq += 1
            self.buckets[d].append((int(ts), self.seq, fn, args))

    def new_handle(self, base: str) -> str:
        h = base
        k = 1
        while h in self.handles:
            k += 1
            h = f"{base}{k}"
        self.handles.add(h)
        return h

    def summary(self, p: Person) -> dict:
        if p.summary is None:
            p.summary = {
                "id": p.id,
                "handle": p.handle,
                "display_name": p.display,
                "avatar_url": self.avatar(p),
                "status": "accepted",
                "created_at": iso(p.acct_created),
                "updated_at": iso(p.acct_created + 86400 * 30),
                "version_id": p.avatar_v + 2,
            }
        return p.summary

    def avatar(self, p: Person) -> str:
        return f"https://pipes.turbot.com/api/v0/identity/{p.handle}/avatar?v={p.avatar_v}"

    # ---------------------------------------------------------------- people
    def make_person(self, kind, role, r, org=None, created=None, name=None):
        p = Person(len(self.people), kind, role)
        p.r = random.Random(f"indep3/person/{self.seed}/{p.idx}")
        if kind == "bot":
            oh = org.ident.handle.split("-")[0]
            base = {
                "ci": [f"{oh}-ci", "ci-deployer", f"{oh}-github-actions", "deploy-bot"],
                "terraform": ["tf-automation", f"{oh}-terraform", "infra-apply"],
                "sync": ["cred-sync", f"{oh}-sync", "integration-svc"],
                "scheduler": [f"{oh}-reports", "report-runner", "scheduled-snapshots", f"{oh}-svc"],
                "scratch": ["pr-preview", f"{oh}-test-runner", "e2e-tests"],
            }[role]
            p.handle = self.new_handle(r.choice(base))
            p.display = p.handle.replace("-", " ").title()
            p.acct_created = created or self.T0 - r.randint(60, 900) * DAY - r.randrange(DAY)
            p.bot_kind = role
        elif kind == "system":
            p.handle = "turbot-pipes"
            self.handles.add(p.handle)
            p.display = "Turbot Pipes"
            p.acct_created = self.T0 - 1500 * DAY - r.randrange(DAY)
        else:
            f, last = name or (r.choice(FIRST), r.choice(LAST))
            style = r.random()
            if style < 0.35:
                base = f[0] + last
            elif style < 0.55:
                base = f"{f}.{last}"
            elif style < 0.7:
                base = f + last
            elif style < 0.8:
                base = f"{f}-{last[0]}"
            elif style < 0.9:
                base = f"{last}{f[0]}"
            else:
                base = f"{f}{last[:3]}{r.randint(1, 99)}"
            p.handle = self.new_handle(base)
            p.display = f"{f.title()} {last.title()}"
            p.acct_created = created or self.T0 - r.randint(20, 1600) * DAY - r.randrange(DAY)
        p.avatar_v = r.randint(1, 90)
        p.id = "u_" + self.xid(p.acct_created)
        p.ident = Ident(
            p.id, p.handle, org.tenant if org else "t_00000000000000000000", "user", p.display
        )
        uobj = Obj(
            "user",
            p.id,
            p.handle,
            p.ident,
            None,
            p.acct_created,
            p,
            {"display_name": p.display, "status": "accepted"},
        )
        p.ident.obj = uobj
        self.people.append(p)
        return p

    def place_human(self, p: Person, org: Org, r: random.Random):
        if org.offices and r.random() < 0.6:
            off = weighted(r, org.offices, [3 if o.country == org.hq else 1 for o in org.offices])
            p.office, p.country, p.tz = off, off.country, off.tz
            p.office_days = (
                tuple(range(5))
                if r.random() < 0.4
                else tuple(sorted(r.sample(range(5), r.randint(2, 3))))
            )
        else:
            x = r.random()
            if x < 0.5:
                c = org.hq
            elif x < 0.7 and org.offices:
                c = r.choice(org.offices).country
            else:
                c = r.choice(list(COUNTRIES))
            p.country = c
            p.tz = r.choice(COUNTRIES[c][0])
        if COUNTRIES[p.country][1] == "SR":
            p.workdays = (6, 0, 1, 2, 3)
            if p.office_days:
                p.office_days = tuple(sorted({(x + 6) % 7 for x in p.office_days}))
        if r.random() < 0.05:
            p.workdays = tuple(sorted(r.sample(p.workdays, r.randint(3, 4))))
        role = p.role
        p.start_h = min(12.5, max(6.0, r.gauss(9.6 if role in ("engineer", "data") else 8.9, 1.0)))
        if role in ("engineer", "data", "contractor") and r.random() < 0.12:
            p.start_h = r.uniform(11.5, 14.5)  # night owls
        p.len_h = min(11.0, max(5.0, r.gauss(8.5, 1.0)))
        p.rate = ROLE_RATE[role] * math.exp(r.gauss(0, 0.6))
        if r.random() < 0.08:
            p.rate *= 0.15  # occasional users
        p.gap = r.uniform(40, 300)
        p.weekend_p = r.uniform(0.02, 0.14 if role in ("engineer", "data", "security") else 0.05)
        p.evening_p = r.uniform(0.02, 0.2)
        if r.random() < self.kd["vpn_user_share"]:
            p.vpn = r.choice(VPN_PROVIDERS)
            p.vpn_p = r.uniform(0.1, 0.6)
        if org.corp_vpn and p.office is None and r.random() < 0.3:
            p.corp_vpn_p = r.uniform(0.1, 0.5)
        p.mobile_p = r.uniform(0.0, 0.12)
        isp = self.net.isps[p.country]
        p.isp = isp[r.randrange(len(isp))]
        car = self.net.carriers[p.country]
        p.carrier = car[r.randrange(len(car))]
        if r.random() < self.kd["v6_share"]:
            p.v6 = True
            p.v6_share = r.uniform(0.3, 0.9)
            p.v6_prefix = p.isp.v6_prefix64(r)
        change = r.uniform(0.005, 0.05)
        cur = p.isp.addr(r)
        p.home_v4 = []
        for _ in range(self.D + 4):
            if r.random() < change:
                cur = p.isp.addr(r)
            p.home_v4.append(cur)
        if role in ("engineer", "security", "data") and r.random() < 0.4:
            period = r.randint(3, 6)
            phase = r.randrange(period)
            p.oncall_weeks = [w for w in range(self.D // 7 + 2) if w % period == phase]

    def build(self):
        r = self.r
        sizes = (
            [self.n_actors] if self.n_orgs == 1 else [int(self.n_actors * r.uniform(0.55, 0.75))]
        )
        if self.n_orgs == 2:
            sizes.append(self.n_actors - sizes[0])
        used = set()
        for i, size in enumerate(sizes):
            org = Org(i)
            while True:
                h = r.choice(ORG_NAMES) + r.choice(ORG_SUFFIX)
                if h not in used:
                    used.add(h)
                    break
            created = self.T0 - r.randint(200, 1400) * DAY
            if r.random() < 0.35:
                org.custom_tenant = True
                org.tenant = "t_" + self.xid(created - 5 * DAY)
            org.ident = Ident(
                "o_" + self.xid(created), h, org.tenant, "org", h.replace("-", " ").title()
            )
            org.ident.org = org
            org.hq = r.choice(HQ_CHOICES)
            countries = [org.hq] + [c for c in r.sample(list(COUNTRIES), 3) if c != org.hq][
                : r.randint(0, 2)
            ]
            for c in countries:
                isp = self.net.isps[c][r.randrange(len(self.net.isps[c]))]
                nat = [isp.addr(r) for _ in range(r.randint(1, 2))]
                org.offices.append(Office(c, r.choice(COUNTRIES[c][0]), nat))
            if r.random() < 0.7:
                cl = self.net.clouds[r.choice(["aws", "azure", "gcp"])]
                org.corp_vpn = [cl.addr(r) for _ in range(r.randint(2, 3))]
            org.plan = r.choice(["team", "enterprise"]) if not org.custom_tenant else "enterprise"
            org.created = created
            self.orgs.append(org)
            self.populate(org, size, r)
        # consultants in both organisations
        if self.n_orgs == 2:
            a, b = self.orgs
            pool = [
                p
                for p in a.members
                if p.kind == "human"
                and p.role in ("engineer", "contractor", "security")
                and p.leave_day is None
                and p.dormant_after is None
                and p.join_day < 0
            ]
            for p in r.sample(pool, min(len(pool), r.randint(*KNOBS["consultants"]))):
                p.orgs.append(b)
                b.members.append(p)
                p.consultant = True
        self.system = self.make_person("system", "system", r)

    def populate(self, org: Org, size: int, r: random.Random):
        n_bots = max(4, int(round(size * r.uniform(*KNOBS["bot_share"]))))
        n_h = size - n_bots
        roles = []
        for role, minimum in (
            ("admin", 2),
            ("finance", 1),
            ("security", 2),
            ("engineer", 3),
            ("analyst", 2),
            ("data", 1),
        ):
            roles += [role] * minimum
        while len(roles) < n_h:
            roles.append(weighted(r, [x for x, _ in ROLE_MIX], [w for _, w in ROLE_MIX]))
        r.shuffle(roles)
        for role in roles:
            p = self.make_person("human", role, r, org)
            p.orgs.append(org)
            org.members.append(p)
            if role == "admin":
                org.admins.append(p)
                p.org_role = "owner"
            elif role in ("finance",) or (role == "engineer" and r.random() < 0.08):
                p.org_role = "owner"
            self.place_human(p, org, p.r)
        bot_kinds = ["scheduler", "ci", "terraform", "sync"]
        while len(bot_kinds) < n_bots:
            bot_kinds.append(
                weighted(
                    r,
                    ["scheduler", "ci", "sync", "scratch", "terraform"],
                    [3, 2, 1, 1.5 if "scratch" not in bot_kinds else 0.3, 1],
                )
            )
        engineers = [p for p in org.members if p.role in ("engineer", "data", "admin")]
        for bk in bot_kinds:
            b = self.make_person("bot", bk, r, org)
            b.orgs.append(org)
            org.members.append(b)
            org.bots.append(b)
            b.owner = r.choice(engineers)
            b.country, b.tz = org.hq, COUNTRIES[org.hq][0][0]
            if bk in ("terraform", "sync"):
                cl = self.net.clouds[r.choice(["aws", "gcp", "azure"])]
                b.bot_ips = [cl.addr(r) for _ in range(r.randint(1, 2))]
                b.cloud = cl
            elif bk in ("ci", "scratch"):
                b.cloud = r.choice(self.net.github_runners)
            else:
                b.cloud = self.net.clouds["aws"]
            b.org_role = "owner" if bk in ("terraform",) else "member"
        self.lifecycle(org, r)

    def lifecycle(self, org: Org, r: random.Random):
        humans = [p for p in org.members if p.kind == "human"]
        D, T = self.D, self.train_days
        admins = set(id(a) for a in org.admins)
        k_dorm = max(1, int(round(len(humans) * r.uniform(*KNOBS["dormant_share"]))))
        cand = [p for p in humans if id(p) not in admins and p.role not in ("finance",)]
        dorm = r.sample(cand, min(k_dorm, len(cand)))
        for p in dorm:
            p.dormant_after = r.randint(2, max(3, min(12, T - 22)))
            p.rate = max(p.rate, 3.0)
        rest = [p for p in humans if p.dormant_after is None and id(p) not in admins]
        k_hire = int(round(len(humans) * r.uniform(*KNOBS["hire_share"])))
        for p in r.sample(rest, min(k_hire, len(rest) // 3)):
            p.join_day = r.randint(3, D - 3)
            p.acct_created = min(p.acct_created, self.T0 + (p.join_day - 1) * DAY)
        rest = [p for p in rest if p.join_day < 0]
        k_leave = int(round(len(humans) * r.uniform(*KNOBS["leaver_share"])))
        for p in r.sample(rest, min(k_leave, len(rest) // 4)):
            p.leave_day = r.randint(5, D - 2)
        rest = [p for p in humans if p.dormant_after is None and p.leave_day is None]
        for p in rest:
            pr = p.r
            if pr.random() < 0.5:
                d0 = pr.randint(0, D - 1)
                ln = pr.randint(3, 12)
                p.leave_days.update(range(d0, d0 + ln))
        k_long = int(round(len(humans) * r.uniform(*KNOBS["long_leave_share"])))
        for p in r.sample(rest, min(k_long, len(rest) // 5)):
            ln = r.randint(21, 42)
            d0 = r.randint(-10, D - 5)
            p.leave_days.update(range(d0, d0 + ln))
            p.long_leave = (d0, d0 + ln)
        k_trip = int(round(len(humans) * r.uniform(*KNOBS["trip_share"])))
        for p in r.sample(rest, min(k_trip, len(rest))):
            dest = r.choice(
                [c for c in COUNTRIES if c != p.country]
                + ([p.country] if len(COUNTRIES[p.country][0]) > 1 else [])
            )
            tzs = [t for t in COUNTRIES[dest][0] if t != p.tz] or COUNTRIES[dest][0]
            d0 = r.randint(0, D - 4)
            d1 = d0 + r.randint(3, 10)
            isp = self.net.isps[dest]
            hotels = []
            dd = d0
            while dd <= d1:
                span = r.randint(2, 5)
                hotels.append((dd, dd + span - 1, isp[r.randrange(len(isp))].addr(r)))
                dd += span
            p.trips.append(
                {
                    "d0": d0,
                    "d1": d1,
                    "country": dest,
                    "tz": r.choice(tzs),
                    "hotels": hotels,
                    "shift": r.uniform(-1.5, 2.0),
                }
            )

    # ---------------------------------------------------------------- resources
    def new_obj(self, kind, ident, ws, ts, creator, handle, attrs, org=None):
        obj = Obj(
            kind, ID_PREFIX.get(kind, "x_") + self.xid(ts), handle, ident, ws, ts, creator, attrs
        )
        if kind == "workspace":
            obj.children = {}
            obj.state = "running"
            org.workspaces.append(obj)
        elif ws is not None:
            ws.children.setdefault(kind, []).append(obj)
        elif kind == "token":
            creator.tokens.append(obj)
        elif org is not None:
            org.live.setdefault(kind, []).append(obj)
        return obj

    def kill(self, obj, org=None):
        obj.alive = False
        obj.state = "deleted"
        if obj.kind == "workspace":
            if org is not None and obj in org.workspaces:
                org.workspaces.remove(obj)
                # people whose last workspace went are moved to another one (no record)
                for u in self.ws_users(org, obj):
                    if u.kind == "human" and not any(w.alive for w in u.ws):
                        w2 = self.pick_ws_for_user(org, u, self.rx)
                        if w2 is not None:
                            u.ws.append(w2)
        elif obj.ws is not None:
            lst = obj.ws.children.get(obj.kind)
            if lst is not None and obj in lst:
                lst.remove(obj)
        elif obj.kind == "token":
            if obj in obj.creator.tokens:
                obj.creator.tokens.remove(obj)
        elif org is not None:
            lst = org.live.get(obj.kind)
            if lst is not None and obj in lst:
                lst.remove(obj)

    def attrs_for(self, kind, r, org, ws, kw, ts):
        """(handle, attrs) of a new resource of this kind."""
        if kind == "workspace":
            h = kw.get("handle") or self.ws_handle(org, r)
            return h, {
                "api_version": f"1.{r.randint(8, 12)}.{r.randint(0, 20)}",
                "cli_version": f"0.{r.randint(19, 24)}.{r.randint(0, 6)}",
                "database_name": f"c{r.randint(1000, 99999)}",
                "desired_state": "running",
                "instance_type": r.choice(["db1.shared", "db1.shared", "db1.small"]),
            }
        if kind == "connection":
            pl = kw.get("plugin") or r.choice(PLUGINS)
            word = r.choice(WS_WORDS + [str(r.randint(1, 40)), "main", "org", "audit", "ro"])
            return f"{pl}_{word.replace('-', '_')}", {"plugin": pl, "type": "connection"}
        if kind == "folder":
            return r.choice(
                ["prod", "nonprod", "security", "shared", "legacy", "sandbox"]
            ) + f"_{r.randint(1, 9)}", {"title": "folder"}
        if kind in ("permission", "wsconn"):
            c = kw.get("conn")
            return c.handle, {
                "connection_id": c.id,
                "connection_handle": c.handle,
                "plugin": c.attrs.get("plugin"),
            }
        if kind == "aggregator":
            pl = r.choice(["aws", "aws", "azure", "gcp", "kubernetes", "github"])
            return f"{pl}_{r.choice(['all', 'prod', 'nonprod', 'org', 'eu', 'us'])}", {
                "plugin": pl,
                "connections": [f"{pl}_*"],
                "type": "aggregator",
            }
        if kind == "schema":
            return r.choice(
                ["datatank", "reporting", "cache", "history", "finance", "inventory"]
            ) + f"_{r.randint(1, 20)}", {"type": "datatank", "attached": True}
        if kind == "mod":
            alias, path, fam = kw.get("mod") or MODS[r.randrange(len(MODS))]
            return alias, {
                "alias": alias,
                "path": path,
                "constraint": "*",
                "installed_version": f"v{r.randint(0, 1)}.{r.randint(5, 40)}.{r.randint(0, 9)}",
                "state": "installed",
                "_family": fam,
            }
        if kind == "setting":
            m = kw.get("mod_obj")
            var = r.choice(VARS)
            return var, {
                "mod_alias": m.handle,
                "setting_name": var,
                "value": self.var_value(var, r),
                "_mod": m,
            }
        if kind == "snapshot":
            dash = kw.get("dashboard") or self.pick_dashboard(ws, r)
            vis = kw.get("visibility") or ("anyone_with_link" if r.random() < 0.04 else "workspace")
            return dash, {
                "dashboard_name": dash,
                "visibility": vis,
                "schema_version": "20221222",
                "tags": {},
            }
        if kind == "notifier":
            t = r.choice(NOTIFIER_TYPES)
            return (
                r.choice(
                    ["security", "ops", "compliance", "oncall", "finops", "platform", "alerts"]
                )
                + f"-{t}"
                + (f"-{r.randint(2, 9)}" if r.random() < 0.3 else ""),
                {"type": t, "state": "enabled"},
            )
        if kind == "fpinput":
            return f"input_{r.randint(1, 999)}", {
                "type": r.choice(["button", "select", "text"]),
                "pipeline": r.choice(["approve_fix", "tag_resources", "notify_owner"]),
            }
        if kind == "pipeline":
            return self.pipeline_attrs(ws, r, kw.get("owner"), kw)
        if kind == "integration":
            t = r.choice(INTEGRATION_TYPES)
            return f"{t}-{r.choice(['main', 'org', 'prod', 'alerts', str(r.randint(1, 9))])}", {
                "type": t,
                "state": "installed",
            }
        if kind == "datatank":
            return r.choice(["main", "datatank", "history", "cache"]), {
                "desired_state": "enabled",
                "part_per": "connection",
            }
        if kind == "table":
            src = r.choice(TABLE_WORDS)
            return src, {
                "source_query": f"select * from {src}",
                "part_per": "connection",
                "frequency": {
                    "type": "interval",
                    "schedule": r.choice(["hourly", "daily", "weekly"]),
                },
                "_datatank": kw.get("datatank"),
            }
        if kind == "payment":
            brand = r.choice(["visa", "visa", "mastercard", "amex"])
            return None, {
                "brand": brand,
                "last4": f"{r.randrange(10000):04d}",
                "exp_month": r.randint(1, 12),
                "exp_year": self.date(0).year + r.randint(1, 4),
            }
        if kind == "orgmember":
            u = kw["user"]
            return u.handle, {
                "org_id": org.ident.id,
                "org_handle": org.ident.handle,
                "user_id": u.id,
                "user_handle": u.handle,
                "role": kw.get("role", "member"),
                "status": kw.get("status", "invited"),
                "_user": u,
            }
        if kind == "wsmember":
            u = kw["user"]
            return u.handle, {
                "user_id": u.id,
                "user_handle": u.handle,
                "role": kw.get("role", "reader"),
                "status": "accepted",
                "_user": u,
            }
        if kind == "tenantmember":
            u = kw["user"]
            return u.handle, {
                "tenant_id": org.tenant,
                "user_id": u.id,
                "user_handle": u.handle,
                "role": kw.get("role", "member"),
                "status": "accepted",
                "_user": u,
            }
        if kind == "token":
            return None, {
                "user_id": kw["owner"].id,
                "status": "active",
                "last4": "".join(r.choice(B32) for _ in range(4)),
            }
        raise ValueError(kind)

    def var_value(self, var, r):
        if var in ("regions",):
            return r.sample(
                ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"],
                r.randint(1, 4),
            )
        if var.endswith("_days") or var == "access_key_max_age":
            return r.choice([30, 45, 60, 90, 120, 180, 365])
        if var in ("mandatory_tags",):
            return r.sample(
                ["owner", "cost_center", "env", "app", "team", "data_class"], r.randint(2, 4)
            )
        if var == "severity_filter":
            return r.choice(["critical", "high", "medium", "low"])
        if var == "excluded_accounts":
            return [f"{r.randrange(10**12):012d}" for _ in range(r.randint(0, 3))]
        return r.sample(
            ["account_id", "region", "connection_name", "title", "tags"], r.randint(1, 3)
        )

    def pick_dashboard(self, ws, r):
        mods = ws.children.get("mod") if ws is not None else None
        if mods:
            m = mods[r.randrange(len(mods))]
            dl = DASHBOARDS.get(m.handle, ["dashboard.overview"])
            return f"{m.handle}.{r.choice(dl)}"
        return r.choice(
            [
                "query.inventory",
                "dashboard.custom_overview",
                "dashboard.cost_report",
                "dashboard.access_review",
            ]
        )

    def ws_handle(self, org, r):
        existing = set(w.handle for w in org.workspaces)
        for _ in range(50):
            x = r.random()
            if x < 0.4:
                h = r.choice(WS_WORDS)
            elif x < 0.8:
                h = f"{r.choice(WS_WORDS)}-{r.choice(WS_WORDS)}"
            else:
                h = f"{r.choice(WS_WORDS)}-{r.randint(2, 99)}"
            if h not in existing:
                return h
        return f"ws-{r.randint(100, 99999)}"

    def pipeline_attrs(self, ws, r, owner, kw):
        tanks = ws.children.get("table") if ws is not None else None
        kind = kw.get("pkind") or ("datatank" if tanks and r.random() < 0.35 else "snapshot")
        freq = kw.get("freq") or weighted(
            r, ["hourly", "4h", "daily", "weekly"], [0.06, 0.14, 0.58, 0.22]
        )
        sched = (freq, r.randrange(60), r.randrange(24), r.randrange(7))
        dash = self.pick_dashboard(ws, r)
        args = {"resource": dash} if kind == "snapshot" else {"tables": r.randint(1, 6)}
        if kind == "snapshot":
            args["visibility"] = "anyone_with_link" if r.random() < 0.08 else "workspace"
            args["notifiers"] = r.randint(0, 2)
        title = f"Scheduled {dash.split('.')[-1]}" if kind == "snapshot" else "Datatank refresh"
        return title.lower().replace(" ", "_")[:40], {
            "title": title,
            "pipeline": "pipeline."
            + ("snapshot_dashboard" if kind == "snapshot" else "datatank_refresh"),
            "frequency": {"type": "interval", "schedule": {"4h": "every_4_hours"}.get(freq, freq)},
            "args": args,
            "desired_state": "enabled",
            "last_process_id": None,
            "_owner": owner,
            "_sched": sched,
            "_kind": kind,
        }

    def past(self, r, lo):
        hi = self.T0 - 3600
        lo = max(lo, self.T0 - 700 * DAY)
        if lo >= hi:
            return hi - r.randint(60, 3600)
        return r.randint(lo, hi)

    def init_state(self):
        r = random.Random(f"indep3/state/{self.seed}")
        for org in self.orgs:
            admins = org.admins
            first = min(admins, key=lambda a: a.acct_created)
            org.ident.obj = Obj(
                "org",
                org.ident.id,
                org.ident.handle,
                org.ident,
                None,
                org.created,
                first,
                {
                    "display_name": org.ident.display,
                    "plan_id": org.plan,
                    "url": f"https://pipes.turbot.com/org/{org.ident.handle}",
                    "usage_compute_action": "notify",
                },
            )
            present = [p for p in org.members if p.join_day < 0]
            for p in present:
                inviter = first if p is first else r.choice(admins)
                ts = self.past(r, max(org.created, p.acct_created))
                m = self.new_obj(
                    "orgmember",
                    org.ident,
                    None,
                    ts,
                    inviter,
                    *self.attrs_for(
                        "orgmember",
                        r,
                        org,
                        None,
                        {"user": p, "role": p.org_role, "status": "accepted"},
                        ts,
                    ),
                    org=org,
                )
                p.members[org.ident.id] = m
                if org.custom_tenant and p.kind == "human":
                    self.new_obj(
                        "tenantmember",
                        org.ident,
                        None,
                        ts,
                        inviter,
                        *self.attrs_for(
                            "tenantmember",
                            r,
                            org,
                            None,
                            {"user": p, "role": "owner" if p in admins else "member"},
                            ts,
                        ),
                        org=org,
                    )
            builders = [p for p in present if p.role in ("admin", "engineer", "data")] or admins
            nw = max(5, min(40, int(round(len(org.members) / 6))))
            for _ in range(nw):
                self.init_ws(org, r, r.choice(builders))
            # sandboxes
            for p in present:
                if p.kind == "human" and p.role in ("engineer", "data") and r.random() < 0.15:
                    ws = self.init_ws(
                        org, r, p, handle=self.new_ws_handle(org, f"{p.handle}-sandbox")
                    )
                    ws.attrs["_private"] = p
            # org-level resources
            for _ in range(r.randint(len(org.workspaces), 3 * len(org.workspaces))):
                c = r.choice(builders)
                ts = self.past(r, max(org.created, c.acct_created))
                conn = self.new_obj(
                    "connection",
                    org.ident,
                    None,
                    ts,
                    c,
                    *self.attrs_for("connection", r, org, None, {}, ts),
                    org=org,
                )
                for ws in r.sample(org.workspaces, min(len(org.workspaces), r.randint(0, 3))):
                    self.new_obj(
                        "wsconn",
                        org.ident,
                        ws,
                        ts + 60,
                        c,
                        *self.attrs_for("wsconn", r, org, ws, {"conn": conn}, ts),
                        org=org,
                    )
            for kind, lo, hi in (("notifier", 1, 3), ("integration", 1, 3), ("folder", 1, 4)):
                for _ in range(r.randint(lo, hi)):
                    c = r.choice(admins + builders)
                    ts = self.past(r, max(org.created, c.acct_created))
                    self.new_obj(
                        kind,
                        org.ident,
                        None,
                        ts,
                        c,
                        *self.attrs_for(kind, r, org, None, {}, ts),
                        org=org,
                    )
            fin = [p for p in present if p.role == "finance"] or admins
            ts = self.past(r, org.created)
            org.payment = self.new_obj(
                "payment",
                org.ident,
                None,
                ts,
                r.choice(fin),
                *self.attrs_for("payment", r, org, None, {}, ts),
                org=org,
            )
            # access
            self.assign_access(org, r)
            # pipelines, snapshots
            sched_bots = [b for b in org.bots if b.bot_kind == "scheduler"]
            for ws in list(org.workspaces):
                members = [
                    p
                    for p in self.ws_users(org, ws)
                    if p.kind == "human"
                    and p.dormant_after is None
                    and p.role in ("security", "data", "analyst", "engineer")
                ]
                for _ in range(r.randint(0, 3) + (1 if r.random() < 0.4 else 0)):
                    owner = (
                        r.choice(members) if members and r.random() < 0.4 else r.choice(sched_bots)
                    )
                    ts = self.past(r, owner.acct_created)
                    h, a = self.pipeline_attrs(ws, r, owner, {})
                    self.new_obj("pipeline", org.ident, ws, ts, owner, h, a, org=org)
                users = self.ws_users(org, ws) or admins
                for _ in range(r.randint(3, 15)):
                    c = r.choice(users)
                    ts = self.past(r, c.acct_created)
                    self.new_obj(
                        "snapshot",
                        org.ident,
                        ws,
                        ts,
                        c,
                        *self.attrs_for("snapshot", r, org, ws, {}, ts),
                        org=org,
                    )
                ws.last_active = self.T0 - r.randint(0, 12) * DAY - r.randint(0, DAY)
            # tokens
            for p in org.members:
                if p.join_day >= 0:
                    continue
                if p.kind == "bot" or r.random() < 0.4:
                    for _ in range(r.randint(1, 2)):
                        ts = self.past(r, p.acct_created)
                        self.new_obj(
                            "token",
                            p.ident,
                            None,
                            ts,
                            p,
                            *self.attrs_for("token", r, org, None, {"owner": p}, ts),
                        )

    def new_ws_handle(self, org, base):
        existing = set(w.handle for w in org.workspaces)
        h, k = base, 1
        while h in existing:
            k += 1
            h = f"{base}-{k}"
        return h

    def init_ws(self, org, r, creator, handle=None):
        ts = self.past(r, max(org.created, creator.acct_created))
        h, a = self.attrs_for("workspace", r, org, None, {"handle": handle}, ts)
        ws = self.new_obj("workspace", org.ident, None, ts, creator, h, a, org=org)
        for _ in range(r.randint(1, 4)):
            self.new_obj(
                "mod",
                org.ident,
                ws,
                ts + 300,
                creator,
                *self.attrs_for("mod", r, org, ws, {}, ts),
                org=org,
            )
        for m in list(ws.children.get("mod", [])):
            for _ in range(r.randint(0, 3)):
                self.new_obj(
                    "setting",
                    org.ident,
                    ws,
                    ts + 600,
                    creator,
                    *self.attrs_for("setting", r, org, ws, {"mod_obj": m}, ts),
                    org=org,
                )
        for _ in range(r.randint(0, 2)):
            self.new_obj(
                "aggregator",
                org.ident,
                ws,
                ts + 900,
                creator,
                *self.attrs_for("aggregator", r, org, ws, {}, ts),
                org=org,
            )
        for _ in range(r.randint(0, 2)):
            self.new_obj(
                "schema",
                org.ident,
                ws,
                ts + 900,
                creator,
                *self.attrs_for("schema", r, org, ws, {}, ts),
                org=org,
            )
        if r.random() < 0.3:
            tank = self.new_obj(
                "datatank",
                org.ident,
                ws,
                ts + 1200,
                creator,
                *self.attrs_for("datatank", r, org, ws, {}, ts),
                org=org,
            )
            for _ in range(r.randint(2, 6)):
                self.new_obj(
                    "table",
                    org.ident,
                    ws,
                    ts + 1300,
                    creator,
                    *self.attrs_for("table", r, org, ws, {"datatank": tank}, ts),
                    org=org,
                )
        for _ in range(r.randint(1, 5)):
            self.new_obj(
                "connection",
                org.ident,
                ws,
                ts + 200,
                creator,
                *self.attrs_for("connection", r, org, ws, {}, ts),
                org=org,
            )
        for _ in range(r.randint(0, 2)):
            self.new_obj(
                "fpinput",
                org.ident,
                ws,
                ts + 1500,
                creator,
                *self.attrs_for("fpinput", r, org, ws, {}, ts),
                org=org,
            )
        conns = ws.children.get("connection", [])
        for c in r.sample(conns, min(len(conns), r.randint(0, 2))):
            self.new_obj(
                "permission",
                org.ident,
                ws,
                ts + 1600,
                creator,
                *self.attrs_for("permission", r, org, ws, {"conn": c}, ts),
                org=org,
            )
        return ws

    AFFINITY = {
        "analyst": ("reporting", "finops", "analytics", "compliance", "audit", "payments"),
        "security": ("security", "compliance", "audit", "soc", "identity", "network"),
        "data": ("data-platform", "analytics", "reporting", "prod"),
        "engineer": (
            "prod",
            "dev",
            "staging",
            "k8s",
            "infra",
            "platform",
            "sre",
            "cloud",
            "ops",
            "network",
        ),
        "contractor": ("dev", "staging", "k8s", "infra", "cloud"),
        "finance": ("finops", "reporting", "payments"),
        "manager": ("reporting", "compliance", "finops", "security"),
    }

    def assign_access(self, org, r):
        shared = [w for w in org.workspaces if "_private" not in w.attrs]
        for p in org.members:
            p.all_access = p.role == "admin" or p.bot_kind in ("scheduler", "terraform", "sync")
            if p.all_access or p.bot_kind == "scratch" or p.join_day >= 0:
                continue
            if p.bot_kind == "ci":
                chosen = r.sample(shared, max(1, int(len(shared) * r.uniform(0.4, 0.8))))
            else:
                aff = self.AFFINITY.get(p.role, ())
                w = [3.0 if any(a in ws.handle for a in aff) else 1.0 for ws in shared]
                k = min(len(shared), 1 + min(6, int(r.expovariate(0.6))))
                chosen = []
                pool, pw = list(shared), list(w)
                for _ in range(k):
                    ws = weighted(r, pool, pw)
                    i = pool.index(ws)
                    pool.pop(i)
                    pw.pop(i)
                    chosen.append(ws)
                for ws in org.workspaces:
                    if ws.attrs.get("_private") is p:
                        chosen.insert(0, ws)
            for ws in chosen:
                self.grant(
                    p,
                    org,
                    ws,
                    r,
                    self.past(r, max(ws.created_at, p.acct_created)),
                    r.choice(org.admins),
                    weighted(r, ["reader", "operator", "admin", "owner"], [2, 4, 2, 1]),
                    record=False,
                )

    def grant(self, p, org, ws, r, ts, by, role, record=False):
        m = self.new_obj(
            "wsmember",
            org.ident,
            ws,
            ts,
            by,
            *self.attrs_for("wsmember", r, org, ws, {"user": p, "role": role}, ts),
            org=org,
        )
        if ws not in p.ws:
            p.ws.append(ws)
        return m

    def ws_users(self, org, ws):
        return [m.attrs["_user"] for m in ws.children.get("wsmember", [])]

    def pick_ws(self, p, org, r):
        if getattr(p, "all_access", False) and org in p.orgs:
            lst = org.workspaces
            if not lst:
                return None
            return lst[r.randrange(len(lst))]
        lst = [w for w in p.ws if w.alive and w.ident is org.ident]
        if not lst:
            if p.kind == "bot" and org.workspaces:  # deploy targets follow the workspaces
                return org.workspaces[r.randrange(len(org.workspaces))]
            return None
        # favourites: earlier workspaces are used more
        i = min(len(lst) - 1, int(r.expovariate(0.9)))
        return lst[i]

    # ---------------------------------------------------------------- execution
    def ref(self, x, ctx):
        if isinstance(x, str) and x.startswith("ctx:"):
            return ctx.get(x[4:]) if ctx is not None else None
        return x

    def pick_ws_for_user(self, org, user, r, exclude=()):
        aff = self.AFFINITY.get(user.role, ())
        pool = [
            w
            for w in org.workspaces
            if "_private" not in w.attrs and w not in exclude and w not in user.ws
        ]
        if not pool:
            return None
        return weighted(r, pool, [3.0 if any(a in w.handle for a in aff) else 1.0 for w in pool])

    def pick_target(self, kind, action, p, org, ws, r, kw):
        others = kw.get("others", False)
        if kind == "workspace":
            if ws is not None:
                return ws
            if kw.get("stale"):
                lst = [w for w in org.workspaces if w.state == "disabled" or "_warned" in w.attrs]
                return lst[r.randrange(len(lst))] if lst else None
            if action == "workspace.delete" and not kw.get("any"):
                own = [w for w in org.workspaces if w.creator is p and w.alive]
                return own[r.randrange(len(own))] if own else None
            return self.pick_ws(p, org, r)
        if kind == "org":
            return org.ident.obj
        if kind == "payment":
            return org.payment if org.payment is not None and org.payment.alive else None
        if kind == "user":
            return p.ident.obj
        if kind == "token":
            return p.tokens[r.randrange(len(p.tokens))] if p.tokens else None
        if kind in ("notifier", "integration", "folder", "tenantmember"):
            lst = org.live.get(kind) or []
            return lst[r.randrange(len(lst))] if lst else None
        if kind == "orgmember":
            u = kw.get("user")
            if u is not None:
                return u.members.get(org.ident.id)
            lst = [
                m
                for m in org.live.get("orgmember", [])
                if m.attrs["_user"] is not p and m.attrs["_user"].kind == "human"
            ]
            return lst[r.randrange(len(lst))] if lst else None
        if kind == "pipeline" and kw.get("owned_by") is not None:
            src = kw["owned_by"]
            lst = [
                x
                for w in org.workspaces
                for x in w.children.get("pipeline", [])
                if x.attrs["_owner"] is src
            ]
            return lst[0] if lst else None
        if kind == "connection" and (ws is None or r.random() < 0.45) and not kw.get("ws_only"):
            lst = org.live.get("connection") or []
            if others:
                lst = [c for c in lst if c.creator is not p]
            if lst:
                return lst[r.randrange(len(lst))]
        tries = [ws] if ws is not None else [self.pick_ws(p, org, r) for _ in range(4)]
        if ws is None:  # then any accessible workspace that holds such a resource
            if getattr(p, "all_access", False) or (p.kind == "bot" and not p.ws):
                acc = org.workspaces
            else:
                acc = [w for w in p.ws if w.alive and w.ident is org.ident]
            acc = [w for w in acc if w.children.get(kind)]
            if acc:
                tries.append(acc[r.randrange(len(acc))])
        for w in tries:
            if w is None:
                continue
            lst = w.children.get(kind)
            if not lst:
                continue
            if kind == "wsmember":
                u = kw.get("user")
                if u is not None:
                    lst = [m for m in lst if m.attrs["_user"] is u]
                else:  # nobody loses their last workspace in passing
                    lst = [
                        m
                        for m in lst
                        if m.attrs["_user"] is not p
                        and sum(1 for x in m.attrs["_user"].ws if x.alive) > 1
                    ]
                if not lst:
                    continue
            if kind == "mod" and kw.get("family"):
                lst = [m for m in lst if m.attrs.get("_family") == kw["family"]] or lst
            if kind == "snapshot" and len(lst) > 200:
                lst = lst[-200:]
            if others:
                lst2 = [x for x in lst if x.creator is not p]
                if lst2:
                    lst = lst2
            elif r.random() < kw.get("self_pref", 0.55):
                lst2 = [x for x in lst if x.creator is p]
                if lst2:
                    lst = lst2
            return lst[r.randrange(len(lst))]
        return None

    def mutate(self, obj, action, r, kw, ts):
        a = obj.attrs
        if action == "workspace.upgrade":
            major, minor = a["cli_version"].split(".")[1:3]
            a["cli_version"] = f"0.{major}.{int(minor) + 1}"
        elif action in ("workspace.usage.disable", "workspace.inactive.disable"):
            obj.state = "disabled"
            a["desired_state"] = "disabled"
        elif action == "workspace.usage.enable":
            obj.state = "running"
            a["desired_state"] = "running"
            a.pop("_warned", None)
        elif action == "workspace.update":
            a["instance_type"] = kw.get("instance_type") or r.choice(
                ["db1.shared", "db1.small", "db1.shared"]
            )
        elif action == "workspace.schema.attach":
            a["attached"] = True
        elif action == "workspace.schema.detach":
            a["attached"] = False
        elif action == "workspace.mod.update":
            v = a["installed_version"].lstrip("v").split(".")
            a["installed_version"] = f"v{v[0]}.{int(v[1]) + 1}.0"
        elif action == "workspace.mod.variable.setting.update":
            a["value"] = kw.get("value", self.var_value(a["setting_name"], r))
        elif action == "workspace.snapshot.update":
            if "visibility" in kw:
                a["visibility"] = kw["visibility"]
            elif r.random() < 0.3:
                a["visibility"] = "anyone_with_link" if r.random() < 0.25 else "workspace"
            else:
                a["tags"] = (
                    {"reviewed": "true"} if r.random() < 0.5 else {"team": r.choice(WS_WORDS)}
                )
        elif action == "workspace.notifier.set_default":
            a["is_default"] = True
        elif action == "pipeline.update":
            if kw.get("new_owner") is not None:
                a["_owner"] = kw["new_owner"]
            if kw.get("freq"):
                f = kw["freq"]
                s = a["_sched"]
                a["_sched"] = (f, s[1], s[2], s[3])
                a["frequency"] = {"type": "interval", "schedule": {"4h": "every_4_hours"}.get(f, f)}
            elif r.random() < 0.3:
                a["args"] = dict(a["args"], notifiers=r.randint(0, 3))
            if "visibility" in kw and "visibility" in a["args"]:
                a["args"] = dict(a["args"], visibility=kw["visibility"])
        elif action == "integration.refresh":
            a["last_refreshed_at"] = iso(ts)
        elif action in ("datatank.part.update", "datatank.table.update"):
            a["last_part_update_at"] = iso(ts)
        elif action == "org.update":
            if kw.get("plan"):
                a["plan_id"] = kw["plan"]
            else:
                a["usage_compute_action"] = r.choice(["notify", "notify", "shutdown"])
        elif action in ("org.member.update", "org.workspace.member.update", "tenant.member.update"):
            if "status" in kw:
                a["status"] = kw["status"]
            if "role" in kw:
                a["role"] = kw["role"]
            elif "status" not in kw:
                roles = (
                    ["member", "owner"]
                    if obj.kind != "wsmember"
                    else ["reader", "operator", "admin", "owner"]
                )
                a["role"] = r.choice([x for x in roles if x != a["role"]])
        elif action == "token.update":
            a["status"] = "inactive"
        elif action == "user.update" and kw.get("new_handle"):
            u = obj.creator
            self.handles.add(kw["new_handle"])
            u.handle = kw["new_handle"]
            u.summary = None
            u.ident.handle = u.handle
            obj.handle = u.handle
        elif action == "connection.update":
            a["config_version"] = a.get("config_version", 1) + 1

    def act(self, ts, p, org, action, ip, pid=None, tag=None, kw=None):
        kw = kw or {}
        r = self.rx
        kind, verb = ACTIONS[action]
        ctx = kw.get("ctx")
        ws = self.ref(kw.get("ws"), ctx)
        if ws is not None and not ws.alive:
            if kw.get("strict"):
                return None
            ws = None
        target = self.ref(kw.get("target"), ctx)
        if target is not None and not target.alive:
            if kw.get("strict"):
                return None
            target = None
        ident = p.ident if kind in ("token", "user") else org.ident
        extra_ws = None
        if verb == "create":
            if kind in WS_KINDS:
                if ws is None:
                    if kind == "wsmember" and kw.get("user") is not None:
                        ws = self.pick_ws_for_user(org, kw["user"], r)
                    else:
                        ws = self.pick_ws(p, org, r)
                if ws is None:
                    return None
            k2 = dict(kw)
            if kind == "wsconn":
                conn = self.ref(kw.get("conn"), ctx)
                if conn is None:
                    have = {x.attrs["connection_id"] for x in ws.children.get("wsconn", [])}
                    lst = [c for c in org.live.get("connection", []) if c.id not in have]
                    if not lst:
                        return None
                    conn = lst[r.randrange(len(lst))]
                k2["conn"] = conn
            elif kind == "permission":
                lst = ws.children.get("connection") or org.live.get("connection") or []
                if not lst:
                    return None
                k2["conn"] = lst[r.randrange(len(lst))]
            elif kind == "setting":
                mods = ws.children.get("mod")
                if not mods:
                    return None
                k2["mod_obj"] = mods[r.randrange(len(mods))]
            elif kind == "table":
                tanks = ws.children.get("datatank")
                if not tanks:
                    return None
                k2["datatank"] = tanks[r.randrange(len(tanks))]
            elif kind == "wsmember":
                u = kw.get("user")
                if u is None:
                    cands = [
                        m
                        for m in org.members
                        if m.kind == "human"
                        and ws not in m.ws
                        and org.ident.id in m.members
                        and m.members[org.ident.id].alive
                        and not getattr(m, "all_access", False)
                    ]
                    if not cands:
                        return None
                    u = cands[r.randrange(len(cands))]
                k2["user"] = u
            elif kind in ("pipeline", "token"):
                k2["owner"] = p
            elif kind == "orgmember" and kw.get("user") is None:
                return None
            h, a = self.attrs_for(kind, r, org, ws, k2, ts)
            obj = self.new_obj(kind, ident, ws if kind in WS_KINDS else None, ts, p, h, a, org=org)
            if "state" in a:
                obj.state = a.pop("state")
            if kind == "workspace":
                p.ws.append(obj)
                obj.last_active = ts
            elif kind == "wsmember":
                if ws not in k2["user"].ws:
                    k2["user"].ws.append(ws)
            elif kind == "orgmember":
                kw["user"].members[org.ident.id] = obj
            elif kind == "payment":
                org.payment = obj
            elif kind == "snapshot":
                lst = ws.children["snapshot"]
                if len(lst) > 400:
                    del lst[:100]
            put = kw.get("put")
            if put and ctx is not None:
                ctx[put] = obj
        else:
            obj = target or self.pick_target(kind, action, p, org, ws, r, kw)
            if obj is None:
                return None
            obj.updated_at = ts
            obj.updater = kw.get("as_updater") or p
            obj.version += 1
            if verb == "delete":
                self.kill(obj, org)
                if kind == "wsmember":
                    u = obj.attrs["_user"]
                    if obj.ws in u.ws:
                        u.ws.remove(obj.ws)
                elif kind == "workspace":
                    obj.attrs["desired_state"] = "deleted"
            else:
                self.mutate(obj, action, r, kw, ts)
                if verb == "run":
                    pid = pid or "p_" + self.xid(ts)
                    obj.attrs["last_process_id"] = pid
            put = kw.get("put")
            if put and ctx is not None:
                ctx[put] = obj
            if action == "workspace.notifier.set_default":
                extra_ws = ws or self.pick_ws(p, org, r)
                if extra_ws is None:
                    return None
        w2 = obj if kind == "workspace" else obj.ws
        if w2 is not None and p.kind != "system":
            w2.last_active = ts
            if w2.attrs.pop("_warned", None) is not None and w2.state == "disabled" and w2.alive:
                w2.state = "running"
        return self.emit(ts, p, ident, action, obj, ip, pid, tag, kw, extra_ws)

    def render(self, obj, extra_ws=None):
        d = {"id": obj.id, "handle": obj.handle, "identity_id": obj.ident.id}
        w = obj.ws or extra_ws
        if w is not None:
            d["workspace_id"] = w.id
            d["workspace_handle"] = w.handle
        for k, v in obj.attrs.items():
            if k[0] != "_":
                d[k] = v
        d["created_at"] = iso(obj.created_at)
        d["created_by_id"] = obj.creator.id
        d["created_by"] = self.summary(obj.creator)
        d["updated_at"] = iso(obj.updated_at)
        if obj.updater is not None:
            d["updated_by_id"] = obj.updater.id
            d["updated_by"] = self.summary(obj.updater)
        else:
            d["updated_by_id"] = None
            d["updated_by"] = None
        d["state"] = obj.state
        d["version_id"] = obj.version
        return d

    def emit(self, ts, p, ident, action, obj, ip, pid, tag, kw, extra_ws=None):
        data = self.render(obj, extra_ws)
        if obj.kind in ("orgmember", "wsmember", "tenantmember"):
            u = obj.attrs["_user"]
            tid, th = u.id, u.handle
        else:
            tid, th = obj.id, obj.handle
        rid = "a_" + self.xid(ts)
        ingest = ts - (ts % 1800) + 1800 + (self.xc % 240)
        rec = {
            "id": rid,
            "action_type": action,
            "actor_id": p.id,
            "actor_handle": p.handle,
            "actor_display_name": p.display,
            "actor_avatar_url": self.avatar(p),
            "actor_ip": ip,
            "created_at": iso(ts),
            "identity_id": ident.id,
            "identity_handle": ident.handle,
            "tenant_id": ident.tenant,
            "target_id": tid,
            "target_handle": th,
            "process_id": pid,
            "data": data,
            "tp_id": self.xid(ingest),
            "tp_source_type": "pipes_audit_log_api",
            "tp_source_name": "pipes_audit_log_api",
            "tp_timestamp": iso(ts),
            "tp_ingest_timestamp": iso(ingest),
            "tp_date": iso(ts)[:10],
            "tp_index": ident.handle,
            "tp_partition": "pipes",
            "tp_table": "pipes_audit_log",
            "tp_source_ip": ip,
            "tp_destination_ip": None,
            "tp_ips": [ip] if ip else None,
            "tp_usernames": [p.handle, p.id],
            "tp_akas": [tid],
            "tp_domains": None,
            "tp_emails": None,
            "tp_tags": None,
        }
        af = kw.get("actor_fields")
        if af:
            rec.update(af)
            rec["tp_usernames"] = [rec["actor_handle"], rec["actor_id"]]
        self.fh.write(json.dumps(rec))
        self.fh.write("\n")
        self.record_counts[self.period] += 1
        if tag is not None and tag[0] == "atk":
            self.labels.append((rid, rec["actor_id"], rec["created_at"], tag[1], tag[2]))
            self.type_counts_attack[action] = self.type_counts_attack.get(action, 0) + 1
        else:
            self.type_counts_benign[action] = self.type_counts_benign.get(action, 0) + 1
            if tag is not None:
                key = (rec["actor_id"], rec["created_at"][:10], tag[1])
                self.la[key] = 1
        return rid

    def routine(self, ts, p, org, ip, tag=None, weights=None):
        r = self.rx
        acts, cum = weights or p.wcum
        for _ in range(3):
            x = r.random() * cum[-1]
            lo, hi = 0, len(cum) - 1
            while lo < hi:
                mid = (lo + hi) // 2
                if cum[mid] <= x:
                    lo = mid + 1
                else:
                    hi = mid
            action = acts[lo]
            if action in NEW_API and ts < self.new_api_ts:
                continue
            pid = ("p_" + self.xid(ts)) if action in PROCESS_ACTIONS else None
            if self.act(ts, p, org, action, ip, pid, tag) is not None:
                return

    # ---------------------------------------------------------------- benign generation
    @staticmethod
    def poisson(r, lam):
        if lam <= 0:
            return 0
        if lam > 40:
            return max(0, int(round(r.gauss(lam, math.sqrt(lam)))))
        lim = math.exp(-lam)
        k, pr = 0, 1.0
        while True:
            pr *= r.random()
            if pr <= lim:
                return k
            k += 1

    @staticmethod
    def cum(weights, r=None, jitter=True):
        acts, cum, acc = [], [], 0.0
        for a, w in weights.items():
            if jitter and r is not None:
                w = w * math.exp(r.gauss(0, 0.5))
                if w < 1.0 and r.random() < 0.3:
                    continue  # some people never do some rare things
            acc += w
            acts.append(a)
            cum.append(acc)
        return acts, cum

    def iid(self, p, d):
        return v6_iid(random.Random(f"indep3/iid/{self.seed}/{p.idx}/{d}"))

    def session_ip(self, p, d, trip, r, wd, org=None):
        org = org or p.orgs[0]
        if trip is not None:
            u = r.random()
            if u < 0.15:
                return p.carrier.addr(r)  # roaming keeps the home carrier
            if u < 0.25 and p.corp_vpn_p > 0 and org.corp_vpn:
                return org.corp_vpn[r.randrange(len(org.corp_vpn))]
            if p.vpn and u < 0.25 + 0.5 * p.vpn_p:
                return self.net.vpn_ip(r, p.vpn, p.country)[0]
            for h in trip["hotels"]:
                if h[0] <= d <= h[1]:
                    return h[2]
            return trip["hotels"][-1][2]
        if p.office is not None and wd in p.office_days and r.random() < 0.92:
            nat = p.office.nat
            return nat[0] if (len(nat) == 1 or r.random() < 0.9) else nat[1]
        if p.vpn and r.random() < p.vpn_p:
            return self.net.vpn_ip(r, p.vpn, p.country if r.random() < 0.5 else None)[0]
        if r.random() < p.mobile_p:
            if r.random() < 0.5:
                return p.carrier.addr(r)
            return f"{p.carrier.v6_prefix64(r)}:{v6_iid(r)}"
        if p.corp_vpn_p > 0 and org.corp_vpn and r.random() < p.corp_vpn_p:
            return org.corp_vpn[r.randrange(len(org.corp_vpn))]
        if p.v6 and r.random() < p.v6_share:
            return f"{p.v6_prefix}:{self.iid(p, d)}"
        return p.home_v4[min(len(p.home_v4) - 1, max(0, d + 1))]

    def human_tag(self, p, d):
        if p.trip_on(d) is not None:
            return ("la", "trip")
        return None

    def gen_human(self, p):
        r = p.r
        first_days = []
        after_leave = []
        for d in range(-1, self.D + 1):
            if p.join_day >= 0 and d <= p.join_day:
                continue
            if p.leave_day is not None and d >= p.leave_day:
                continue
            if p.dormant_after is not None and d > p.dormant_after:
                continue
            if d in p.leave_days:
                continue
            trip = p.trip_on(d)
            tz = trip["tz"] if trip else p.tz
            day = self.date(d)
            wd = day.weekday()
            hol = self.is_holiday(p.country, day)
            shutdown = (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day == 1)
            work = wd in p.workdays and not hol
            if work:
                lam = p.rate * (
                    0.8 if wd == p.workdays[-1] else 1.1 if wd == p.workdays[0] else 1.0
                )
                lam *= r.gammavariate(4, 0.25)
                if shutdown:
                    lam *= 0.25
                if trip:
                    lam *= 0.6
            else:
                lam = (1 + r.expovariate(0.5)) if r.random() < p.weekend_p else 0.0
            n = self.poisson(r, lam)
            sessions = []
            if n > 0:
                k = max(1, min(5, n, 1 + self.poisson(r, n / 7)))
                shift = trip["shift"] if trip else 0.0
                starts = sorted(
                    r.uniform(p.start_h + shift, p.start_h + shift + p.len_h - 0.3)
                    for _ in range(k)
                )
                if k > 1 and r.random() < p.evening_p:
                    starts[-1] = r.uniform(19.5, 23.2)
                counts = [0] * k
                for _ in range(n):
                    counts[r.randrange(k)] += 1
                for sh, c in zip(starts, counts, strict=True):
                    if c:
                        sessions.append(
                            (self.local_ts(tz, d, sh * 3600), c, self.session_ip(p, d, trip, r, wd))
                        )
            if p.oncall_weeks and ((d + 7) // 7) in p.oncall_weeks and r.random() < 0.12:
                sessions.append(
                    (
                        self.local_ts(tz, d, r.uniform(0.3, 5.0) * 3600),
                        r.randint(1, 6),
                        self.session_ip(p, d, trip, r, 5),
                    )
                )
            if not sessions:
                continue
            tag = self.human_tag(p, d)
            if p.join_day >= 0 and len(first_days) < 2:
                first_days.append(d)
                tag = tag or ("la", "new_hire")
            if p.long_leave is not None and d >= p.long_leave[1] and len(after_leave) < 2:
                after_leave.append(d)
                tag = tag or ("la", "back_from_leave")
            for t0, c, ip in sessions:
                org = p.orgs[0] if len(p.orgs) == 1 or r.random() < 0.7 else p.orgs[1]
                t = t0
                for _ in range(c):
                    self.add(t, self.routine, p, org, ip, tag)
                    t += 1 + int(r.expovariate(1.0 / p.gap))
                ud = (t0 - self.T0) // DAY
                p.sessions.setdefault(ud, []).append((t0, t, ip, org))

    def gen_bot(self, b):
        r = b.r
        org = b.orgs[0]
        k = b.bot_kind
        wc = self.cum(BOT_WEIGHTS[k], r, jitter=False)
        b.wcum = wc
        b.sync_min = r.randrange(60)
        for d in range(self.D):
            wd = self.date(d).weekday()
            if k == "ci":
                lam = 2.5 if wd < 5 else (0.4 if r.random() < 0.2 else 0.0)
                for _ in range(self.poisson(r, lam)):
                    t = self.local_ts(b.tz, d, r.uniform(8.5, 19.5) * 3600)
                    ip = b.cloud.addr(r)
                    for _ in range(r.randint(3, 12)):
                        t += r.randint(2, 25)
                        self.add(t, self.routine, b, org, ip, None, wc)
            elif k == "terraform":
                if wd >= 5 or r.random() > 0.45:
                    continue
                for _ in range(r.randint(1, 2)):
                    t = self.local_ts(b.tz, d, r.uniform(9, 18) * 3600)
                    ip = b.bot_ips[r.randrange(len(b.bot_ips))]
                    for _ in range(r.randint(2, 15)):
                        t += r.randint(1, 8)
                        self.add(t, self.routine, b, org, ip, None, wc)
            elif k == "sync":
                ip = b.bot_ips[0]
                for h in (0, 6, 12, 18):
                    self.add(
                        self.T0 + d * DAY + h * 3600 + b.sync_min * 60 + r.randint(0, 90),
                        self.sync_refresh,
                        b,
                        org,
                        ip,
                    )
                t = self.T0 + d * DAY + 2 * 3600 + r.randint(0, 1200)
                for _ in range(r.randint(1, 4)):
                    t += r.randint(1, 5)
                    self.add(
                        t, self.act, b, org, "connection.update", b.bot_ips[-1], None, None, {}
                    )
            elif k == "scratch":
                if wd >= 5:
                    continue
                for _ in range(r.randint(0, 3)):
                    t = self.local_ts(b.tz, d, r.uniform(8, 20) * 3600)
                    self.scratch_flow(b, org, t, b.cloud.addr(r), r, None)

    def scratch_flow(self, p, org, t, ip, r, tag, life=(300, 1500), steps=None):
        ctx = {}
        self.add(
            t,
            self.act,
            p,
            org,
            "workspace.create",
            ip,
            None,
            tag,
            {
                "ctx": ctx,
                "put": "w",
                "handle": r.choice(["pr", "test", "preview", "e2e", "demo", "tmp"])
                + f"-{r.randint(100, 9999)}",
            },
        )
        t2 = t
        for action in steps or ["workspace.mod.install", "workspace.snapshot.create"]:
            t2 += r.randint(20, max(21, life[0] // 3))
            pid = "p_" + self.xid(t2) if p.kind == "bot" else None
            self.add(
                t2,
                self.act,
                p,
                org,
                action,
                ip,
                pid,
                tag,
                {"ws": "ctx:w", "ctx": ctx, "strict": True},
            )
        self.add(
            max(t2 + 30, t + r.randint(*life)),
            self.act,
            p,
            org,
            "workspace.delete",
            ip,
            None,
            tag,
            {"target": "ctx:w", "ctx": ctx, "strict": True},
        )

    def sync_refresh(self, ts, b, org, ip):
        syncs = [x for x in org.bots if x.bot_kind == "sync"]
        k, n = syncs.index(b), len(syncs)
        for i, integ in enumerate(list(org.live.get("integration", []))):
            if i % n != k:
                continue
            self.act(
                ts, b, org, "integration.refresh", ip, "p_" + self.xid(ts), None, {"target": integ}
            )

    def slot(self, p, d, r, hours=None, ip=None):
        """A time (and the network) on UTC day d where p would plausibly be working."""
        ss = p.sessions.get(d)
        if ss and hours is None:
            t0, t1, sip, org = ss[r.randrange(len(ss))]
            return r.randint(t0, max(t0, t1) + 240), ip or sip, org
        trip = p.trip_on(d)
        tz = trip["tz"] if trip else p.tz
        lo, hi = hours or (p.start_h, p.start_h + p.len_h)
        t = self.local_ts(tz, d, r.uniform(lo, hi) * 3600)
        if ip is None:
            ip = self.session_ip(p, d, trip, r, self.date(d).weekday())
        return t, ip, p.orgs[0]

    def usual_days(self, p, d0, d1):
        return [d for d in range(max(0, d0), min(self.D, d1)) if p.sessions.get(d)]

    def active_admin(self, org, d, r, exclude=()):
        cands = [a for a in org.admins if a.sessions.get(d) and a not in exclude]
        if not cands:
            cands = [a for a in org.admins if a not in exclude] or org.admins
        return cands[r.randrange(len(cands))]

    def plan_hire(self, p, org, d, r, tag=None):
        admin = self.active_admin(org, d, r)
        t, ip_a, _ = self.slot(admin, d, r)
        ctx = {}
        self.add(
            t,
            self.act,
            admin,
            org,
            "org.member.add",
            ip_a,
            None,
            tag,
            {"user": p, "role": "member", "status": "invited", "ctx": ctx, "put": "m"},
        )
        wd = self.date(d).weekday()
        t2 = t + r.randint(600, 5 * 3600)
        self.add(
            t2,
            self.act,
            p,
            org,
            "org.member.update",
            self.session_ip(p, d, None, p.r, wd),
            None,
            ("la", "new_hire"),
            {"target": "ctx:m", "status": "accepted", "ctx": ctx, "strict": True},
        )
        t3 = t
        for _ in range(r.randint(1, 4)):
            t3 += r.randint(20, 400)
            self.add(
                t3,
                self.act,
                admin,
                org,
                "org.workspace.member.add",
                ip_a,
                None,
                tag,
                {"user": p, "role": weighted(r, ["reader", "operator", "admin"], [3, 5, 1])},
            )
        if org.custom_tenant:
            pass

    def plan_leave(self, p, org, d, r):
        admin = self.active_admin(org, d, r)
        t, ip_a, _ = self.slot(admin, d, r)
        for _ in range(min(6, len(p.ws))):
            t += r.randint(10, 120)
            self.add(
                t,
                self.act,
                admin,
                org,
                "org.workspace.member.delete",
                ip_a,
                None,
                None,
                {"user": p},
            )
        self.add(
            t + r.randint(30, 300),
            self.act,
            admin,
            org,
            "org.member.delete",
            ip_a,
            None,
            None,
            {"user": p},
        )
        # hand the leaver's pipelines to a teammate
        mates = [
            m
            for m in org.members
            if m.kind == "human"
            and m.role in ("engineer", "data", "security")
            and m is not p
            and m.leave_day is None
            and m.dormant_after is None
        ]
        if mates:
            mate = mates[r.randrange(len(mates))]
            dd = min(self.D - 1, d + r.randint(0, 2))
            tt, ipm, _ = self.slot(mate, dd, r)
            for _ in range(6):
                tt += r.randint(30, 400)
                self.add(
                    tt,
                    self.act,
                    mate,
                    org,
                    "pipeline.update",
                    ipm,
                    None,
                    ("la", "pipeline_handover"),
                    {"owned_by": p, "new_owner": mate},
                )

    def gen_lifecycle(self):
        r = random.Random(f"indep3/lifecycle/{self.seed}")
        for org in self.orgs:
            hires = [p for p in org.members if p.kind == "human" and p.join_day >= 0]
            for p in hires:
                if r.random() < 0.5:  # a brand-new Pipes account
                    p.acct_created = self.T0 + p.join_day * DAY - r.randint(3600, 3 * DAY)
                    p.id = "u_" + self.xid(p.acct_created)
                    p.ident.id = p.id
                    p.ident.obj.id = p.id
                    p.ident.obj.created_at = p.acct_created
                    p.summary = None
            if len(hires) >= 4 and r.random() < 0.6:
                w = r.randint(3, self.D - 3)
                for p in r.sample(hires, r.randint(4, min(12, len(hires)))):
                    p.join_day = w
                org.wave_day = w
            else:
                org.wave_day = None

    def plan_lifecycle(self):
        r = random.Random(f"indep3/lifeplan/{self.seed}")
        for org in self.orgs:
            for p in org.members:
                if p.kind != "human" or p.orgs[0] is not org:
                    continue
                if p.join_day >= 0:
                    tag = ("la", "onboarding_wave") if p.join_day == org.wave_day else None
                    self.plan_hire(p, org, p.join_day, r, tag)
                if p.leave_day is not None:
                    self.plan_leave(p, org, p.leave_day, r)

    # ---------------------------------------------------------------- runtime sources
    def pipeline_runs(self, d):
        out = []
        base = self.T0 + d * DAY
        wd = self.date(d).weekday()
        for org in self.orgs:
            for ws in org.workspaces:
                for pipe in ws.children.get("pipeline", []):
                    if pipe.created_at >= base or pipe.attrs.get("desired_state") != "enabled":
                        continue
                    owner = pipe.attrs["_owner"]
                    if owner.leave_day is not None and owner.leave_day <= d:
                        continue
                    freq, mi, hr, wdy = pipe.attrs["_sched"]
                    if freq == "hourly":
                        times = [base + h * 3600 + mi * 60 for h in range(24)]
                    elif freq == "4h":
                        times = [base + h * 3600 + mi * 60 for h in range(hr % 4, 24, 4)]
                    elif freq == "daily":
                        times = [base + hr * 3600 + mi * 60]
                    elif freq == "5min":
                        times = [base + m * 300 + mi % 5 for m in range(288)]
                    else:
                        times = [base + hr * 3600 + mi * 60] if wd == wdy else []
                    storm = self.storms.get((owner.idx, d))
                    tag = ("la", "broken_bot") if storm else None
                    for t in times:
                        t += self.rx.randint(0, 40)
                        t = min(t, base + DAY - 1 - (storm or 0) * 240)
                        self.seq += 1
                        out.append((t, self.seq, self.run_pipeline, (pipe, org, tag)))
                        if storm:
                            for _ in range(storm):
                                t += self.rx.randint(60, 240)
                                self.seq += 1
                                out.append((t, self.seq, self.run_pipeline, (pipe, org, tag)))
        return out

    def run_pipeline(self, ts, pipe, org, tag):
        if not pipe.alive or not pipe.ws.alive:
            return
        owner = pipe.attrs["_owner"]
        pid = "p_" + self.xid(ts)
        pipe.attrs["last_process_id"] = pid
        ip = self.net.platform[self.rx.randrange(len(self.net.platform))]
        if pipe.attrs["_kind"] == "snapshot":
            args = pipe.attrs["args"]
            self.act(
                ts,
                owner,
                org,
                "workspace.snapshot.create",
                ip,
                pid,
                tag,
                {
                    "ws": pipe.ws,
                    "dashboard": args.get("resource"),
                    "visibility": args.get("visibility"),
                },
            )
        else:
            if pipe.ws.children.get("table"):
                self.act(ts, owner, org, "datatank.part.update", ip, pid, tag, {"ws": pipe.ws})

    def system_day(self, d):
        out = []
        base = self.T0 + d * DAY
        self.seq += 1
        out.append(
            (base + 4 * 3600 + 600 + self.rx.randint(0, 900), self.seq, self.inactive_scan, ())
        )
        if d in self.release_days:
            for org in self.orgs:
                for ws in list(org.workspaces):
                    self.seq += 1
                    out.append(
                        (
                            base + self.rx.randint(3600, 7 * 3600),
                            self.seq,
                            self.sys_upgrade,
                            (org, ws),
                        )
                    )
        return out

    def sys_upgrade(self, ts, org, ws):
        if ws.alive:
            self.act(
                ts,
                self.system,
                org,
                "workspace.upgrade",
                None,
                "p_" + self.xid(ts),
                None,
                {"target": ws},
            )

    def inactive_scan(self, ts):
        for org in self.orgs:
            for ws in list(org.workspaces):
                if ws.state != "running":
                    continue
                idle = ts - ws.last_active
                warned = ws.attrs.get("_warned")
                if warned is None and idle > 14 * DAY:
                    self.act(
                        ts,
                        self.system,
                        org,
                        "workspace.inactive.warn",
                        None,
                        "p_" + self.xid(ts),
                        None,
                        {"target": ws},
                    )
                    ws.attrs["_warned"] = ts
                elif warned is not None and ts - warned > 7 * DAY and idle > 21 * DAY:
                    self.act(
                        ts,
                        self.system,
                        org,
                        "workspace.inactive.disable",
                        None,
                        "p_" + self.xid(ts),
                        None,
                        {"target": ws},
                    )

    # ---------------------------------------------------------------- look-alikes
    def humans(self, roles=None, org=None, active=True):
        out = []
        for p in self.people:
            if p.kind != "human":
                continue
            if roles and p.role not in roles:
                continue
            if org is not None and org not in p.orgs:
                continue
            if active and (p.dormant_after is not None or p.leave_day is not None):
                continue
            out.append(p)
        return out

    def rand_day_with_sessions(self, p, r, d0=0, d1=None):
        days = self.usual_days(p, d0, d1 if d1 is not None else self.D)
        return days[r.randrange(len(days))] if days else None

    def la_day(self, p, r, i, org_idx=0, margin=0):
        """Day for the i-th instance of a look-alike: the first (of the first organisation) falls in
        the test period, the others anywhere."""
        lo = self.train_days if (i == 0 and org_idx == 0) else 0
        return self.rand_day_with_sessions(p, r, lo, self.D - margin)

    def plan_lookalikes(self):
        r = random.Random(f"indep3/lookalikes/{self.seed}")
        D = self.D
        allh = self.humans()
        # vpn_hop: a session that switches to a VPN exit abroad for a while
        for i in range(max(3, int(len(allh) * 0.12))):
            p = allh[r.randrange(len(allh))]
            d = self.la_day(p, r, i % 3)
            if d is None:
                continue
            t0, t1, ip0, org = p.sessions[d][r.randrange(len(p.sessions[d]))]
            t = r.randint(t0, max(t0, t1)) + r.randint(60, 900)
            prov = p.vpn or VPN_PROVIDERS[r.randrange(len(VPN_PROVIDERS))]
            ip = self.net.vpn_ip(r, prov)[0]
            for _ in range(r.randint(2, 8)):
                t += r.randint(20, 400)
                self.add(t, self.routine, p, org, ip, ("la", "vpn_hop"))
            if r.random() < 0.5:
                t += r.randint(60, 900)
                self.add(t, self.routine, p, org, ip0, ("la", "vpn_hop"))
        # on-call nights with many changes
        oncall = [p for p in allh if p.oncall_weeks]
        for i in range(max(2, len(oncall) // 3)):
            if not oncall:
                break
            p = oncall[r.randrange(len(oncall))]
            d = r.randrange(self.train_days if i == 0 else 0, D)
            if d in p.leave_days or p.trip_on(d):
                continue
            t = self.local_ts(p.tz, d, r.uniform(0.5, 4.5) * 3600)
            ip = self.session_ip(p, d, None, r, 5)
            for _ in range(r.randint(5, 20)):
                t += r.randint(15, 300)
                self.add(t, self.routine, p, p.orgs[0], ip, ("la", "oncall_night"))
        for org in self.orgs:
            self.plan_org_lookalikes(org, r)
        # broken bots: retry storms of scheduled pipelines and CI loops
        bots = [b for b in self.people if b.kind == "bot" and b.bot_kind in ("scheduler", "ci")]
        for i in range(r.randint(2, 4)):
            b = bots[r.randrange(len(bots))]
            d = r.randrange(self.train_days if i == 0 else 0, D)
            if b.bot_kind == "scheduler":
                self.storms[(b.idx, d)] = r.randint(2, 5)
            else:
                for _ in range(r.randint(3, 6)):
                    t = self.local_ts(b.tz, d, r.uniform(0, 24) * 3600)
                    ip = b.cloud.addr(r)
                    for _ in range(r.randint(10, 30)):
                        t += r.randint(2, 20)
                        self.add(t, self.routine, b, b.orgs[0], ip, ("la", "broken_bot"), b.wcum)
        # an owner works by hand with the bot's credentials
        bots = [b for b in self.people if b.kind == "bot" and b.bot_kind != "scratch"]
        for i in range(r.randint(2, 4)):
            b = bots[r.randrange(len(bots))]
            o = b.owner
            d = self.la_day(o, r, i)
            if d is None:
                continue
            t, ip, _ = self.slot(o, d, r)
            for a in ["token.create"] + [
                r.choice(
                    [
                        "pipeline.update",
                        "connection.update",
                        "token.delete",
                        "workspace.mod.variable.setting.update",
                        "integration.refresh",
                    ]
                )
                for _ in range(r.randint(2, 7))
            ]:
                t += r.randint(30, 400)
                self.add(t, self.act, b, b.orgs[0], a, ip, None, ("la", "bot_handwork"), {})
        # handle renames
        for i in range(r.randint(2, 4)):
            p = allh[r.randrange(len(allh))]
            d = self.la_day(p, r, i)
            if d is None:
                continue
            t, ip, org = self.slot(p, d, r)
            first, last = p.display.lower().split(" ", 1)
            new = self.new_handle(
                r.choice(
                    [
                        f"{first}-{last}",
                        f"{first}{last[0]}",
                        f"{last}-{first}",
                        f"{first}.{last}.{r.randint(1, 9)}",
                    ]
                )
            )
            self.add(
                t,
                self.act,
                p,
                org,
                "user.update",
                ip,
                None,
                ("la", "handle_rename"),
                {"new_handle": new},
            )
            self.add(t + r.randint(60, 900), self.routine, p, org, ip, ("la", "handle_rename"))
        # scratch / demo workspaces by people
        eng = self.humans(("engineer", "data", "contractor", "security"))
        for i in range(max(3, len(eng) // 5)):
            p = eng[r.randrange(len(eng))]
            d = self.la_day(p, r, i % 3)
            if d is None:
                continue
            t, ip, org = self.slot(p, d, r)
            steps = ["workspace.connection.associate", "workspace.mod.install"] + [
                "workspace.snapshot.create"
            ] * r.randint(1, 3)
            self.scratch_flow(
                p, org, t, ip, r, ("la", "scratch_workspace"), life=(1800, 8 * 3600), steps=steps
            )
        # token rotation
        for i in range(max(3, len(allh) // 25)):
            p = allh[r.randrange(len(allh))]
            d = self.la_day(p, r, i % 2)
            if d is None:
                continue
            t, ip, org = self.slot(p, d, r)
            for a in ["token.delete", "token.create", "token.create", "token.delete"][
                : r.randint(2, 4)
            ]:
                t += r.randint(20, 300)
                self.add(t, self.act, p, org, a, ip, None, ("la", "token_rotation"), {})

    def plan_org_lookalikes(self, org, r):
        D = self.D
        oi = org.idx
        admins = [a for a in org.admins]
        sec = [
            p
            for p in org.members
            if p.kind == "human" and p.role == "security" and p.dormant_after is None
        ]

        def n_inst(prob):
            return (1 if oi == 0 else 0) + (1 if r.random() < prob else 0)

        # admin clean-ups
        for i in range(1 + r.randint(1, 2)):
            a = admins[r.randrange(len(admins))]
            d = self.la_day(a, r, i, oi)
            if d is None:
                continue
            t, ip, _ = self.slot(a, d, r)
            for _ in range(r.randint(15, 50)):
                t += r.randint(5, 90)
                act = weighted(
                    r,
                    [
                        "workspace.snapshot.delete",
                        "connection.delete",
                        "pipeline.delete",
                        "workspace.delete",
                        "workspace.mod.uninstall",
                        "datatank.table.delete",
                        "org.workspace.member.delete",
                        "workspace.aggregator.delete",
                    ],
                    [6, 3, 1.5, 1, 1, 0.7, 1, 0.5],
                )
                self.add(
                    t,
                    self.act,
                    a,
                    org,
                    act,
                    ip,
                    None,
                    ("la", "admin_cleanup"),
                    {"others": True, "stale": act == "workspace.delete"},
                )
        # access reviews
        for i in range(1 + r.randint(0, 1)):
            a = admins[r.randrange(len(admins))]
            d = self.la_day(a, r, i, oi)
            if d is None:
                continue
            t, ip, _ = self.slot(a, d, r)
            for _ in range(r.randint(10, 30)):
                t += r.randint(10, 150)
                act = (
                    "org.workspace.member.update"
                    if r.random() < 0.7
                    else "org.workspace.member.delete"
                )
                self.add(t, self.act, a, org, act, ip, None, ("la", "access_review"), {})
            if r.random() < 0.5:
                self.add(
                    t + 60,
                    self.act,
                    a,
                    org,
                    "org.member.update",
                    ip,
                    None,
                    ("la", "access_review"),
                    {},
                )
        # month ends: reporting rushes
        for d in range(D):
            day = self.date(d)
            nxt = day + dt.timedelta(days=1)
            if not (
                (nxt.month != day.month and day.weekday() < 5)
                or (day.day <= 2 and day.weekday() < 5)
            ):
                continue
            people = [
                p
                for p in org.members
                if p.kind == "human"
                and p.role in ("finance", "analyst", "manager")
                and p.sessions.get(d)
            ]
            for p in people:
                if p.role == "analyst" and r.random() > 0.35:
                    continue
                t, ip, _ = self.slot(p, d, r)
                for _ in range(r.randint(5, 15)):
                    t += r.randint(30, 400)
                    kw = {"visibility": "anyone_with_link"} if r.random() < 0.3 else {}
                    self.add(
                        t,
                        self.act,
                        p,
                        org,
                        "workspace.snapshot.create"
                        if r.random() < 0.8
                        else "workspace.snapshot.update",
                        ip,
                        None,
                        ("la", "month_end"),
                        kw,
                    )
        # audit preparation: a security person shares benchmark snapshots for days
        for i in range(n_inst(0.7) if sec else 0):
            p = sec[r.randrange(len(sec))]
            lo = self.train_days if (i == 0 and oi == 0) else 0
            d0 = r.randint(lo, max(lo, D - 8))
            for d in self.usual_days(p, d0, d0 + r.randint(7, 12)):
                for _ in range(r.randint(2, 4)):
                    t, ip, _ = self.slot(p, d, r)
                    self.add(
                        t,
                        self.act,
                        p,
                        org,
                        "workspace.snapshot.create",
                        ip,
                        None,
                        ("la", "audit_prep"),
                        {"visibility": "anyone_with_link" if r.random() < 0.6 else "workspace"},
                    )
        # workspace migration
        eng = [
            p
            for p in org.members
            if p.kind == "human"
            and p.role in ("engineer", "admin", "data")
            and p.dormant_after is None
            and p.leave_day is None
        ]
        for i in range(n_inst(0.6) if eng else 0):
            p = eng[r.randrange(len(eng))]
            d = self.la_day(p, r, i, oi, margin=3)
            old = [w for w in org.workspaces if "_private" not in w.attrs]
            if d is None or not old:
                continue
            oldws = old[r.randrange(len(old))]
            ctx = {}
            t, ip, _ = self.slot(p, d, r)
            tag = ("la", "migration")
            self.add(
                t, self.act, p, org, "workspace.create", ip, None, tag, {"ctx": ctx, "put": "w"}
            )
            for a in (
                ["connection.create"] * r.randint(3, 8)
                + ["workspace.mod.install"] * r.randint(2, 4)
                + ["pipeline.create"] * r.randint(1, 2)
                + ["workspace.connection.associate"] * r.randint(1, 3)
            ):
                t += r.randint(30, 300)
                self.add(
                    t,
                    self.act,
                    p,
                    org,
                    a,
                    ip,
                    None,
                    tag,
                    {"ws": "ctx:w", "ctx": ctx, "strict": True},
                )
            d2 = min(D - 1, d + r.randint(1, 2))
            t, ip, _ = self.slot(p, d2, r)
            for _ in range(r.randint(2, 6)):
                t += r.randint(20, 200)
                self.add(
                    t,
                    self.act,
                    p,
                    org,
                    "connection.delete",
                    ip,
                    None,
                    tag,
                    {"ws": oldws, "strict": True, "others": True},
                )
            self.add(
                t + r.randint(30, 300),
                self.act,
                p,
                org,
                "workspace.delete",
                ip,
                None,
                tag,
                {"target": oldws, "strict": True},
            )
        # billing: card renewal and plan changes
        fin = [p for p in org.members if p.kind == "human" and p.role == "finance"] or admins
        for i in range(1 + n_inst(0.55)):
            p = fin[r.randrange(len(fin))]
            d = self.la_day(p, r, i, oi)
            if d is None:  # a rare user: any workday of the right period
                lo = self.train_days if (i == 0 and oi == 0) else 0
                d = r.randrange(lo, D)
                t, ip, _ = self.slot(p, d, r, hours=(p.start_h, p.start_h + p.len_h))
            else:
                t, ip, _ = self.slot(p, d, r)
            ctx = {}
            self.add(t - 1, self.remember_payment, org, ctx)
            self.add(
                t,
                self.act,
                p,
                org,
                "org.billing.payment_method.create",
                ip,
                None,
                ("la", "card_renewal"),
                {},
            )
            self.add(
                t + r.randint(60, 900),
                self.act,
                p,
                org,
                "org.billing.payment_method.delete",
                ip,
                None,
                ("la", "card_renewal"),
                {"target": "ctx:old", "ctx": ctx, "strict": True},
            )
            if r.random() < 0.6:
                self.add(
                    t + r.randint(900, 3000),
                    self.act,
                    p,
                    org,
                    "org.update",
                    ip,
                    None,
                    ("la", "card_renewal"),
                    {},
                )
        for i in range(n_inst(0.3)):
            a = admins[r.randrange(len(admins))]
            d = self.la_day(a, r, i, oi)
            if d is not None:
                t, ip, _ = self.slot(a, d, r)
                self.add(
                    t,
                    self.act,
                    a,
                    org,
                    "org.update",
                    ip,
                    None,
                    ("la", "plan_change"),
                    {"plan": "enterprise" if org.plan == "team" else "team"},
                )
        # notifier roll-out
        sec_or_admin = sec + admins
        for i in range(n_inst(0.7)):
            p = sec_or_admin[r.randrange(len(sec_or_admin))]
            d = self.la_day(p, r, i, oi)
            if d is None:
                continue
            t, ip, _ = self.slot(p, d, r)
            ctx = {}
            tag = ("la", "notifier_rollout")
            self.add(
                t, self.act, p, org, "notifier.create", ip, None, tag, {"ctx": ctx, "put": "n"}
            )
            for _ in range(r.randint(3, 10)):
                t += r.randint(20, 200)
                self.add(
                    t,
                    self.act,
                    p,
                    org,
                    "workspace.notifier.set_default",
                    ip,
                    None,
                    tag,
                    {"target": "ctx:n", "ctx": ctx, "strict": True},
                )
            self.add(
                t + 120,
                self.act,
                p,
                org,
                "notifier.update",
                ip,
                None,
                tag,
                {"target": "ctx:n", "ctx": ctx, "strict": True},
            )
        # benchmark tuning
        tuners = sec + [
            p
            for p in org.members
            if p.kind == "human" and p.role == "engineer" and p.dormant_after is None
        ]
        for i in range(1 + r.randint(0, 2) if tuners else 0):
            p = tuners[r.randrange(len(tuners))]
            d = self.la_day(p, r, i, oi)
            if d is None:
                continue
            t, ip, _ = self.slot(p, d, r)
            for _ in range(r.randint(5, 15)):
                t += r.randint(20, 300)
                a = weighted(
                    r,
                    [
                        "workspace.mod.variable.setting.update",
                        "workspace.mod.variable.setting.delete",
                        "workspace.mod.update",
                        "workspace.mod.uninstall",
                        "pipeline.update",
                    ],
                    [6, 1.5, 1.5, 0.7, 1],
                )
                self.add(
                    t, self.act, p, org, a, ip, None, ("la", "benchmark_tuning"), {"family": "sec"}
                )
        # a reorganisation: someone takes over colleagues' pipelines
        owners = [
            p
            for p in org.members
            if p.kind == "human" and p.dormant_after is None and p.leave_day is None
        ]
        for i in range(n_inst(0.6) if len(owners) > 1 else 0):
            mate = owners[r.randrange(len(owners))]
            d = self.la_day(mate, r, i, oi)
            if d is None:
                continue
            t, ip, _ = self.slot(mate, d, r)
            for _ in range(r.randint(2, 6)):
                t += r.randint(30, 300)
                self.add(
                    t,
                    self.act,
                    mate,
                    org,
                    "pipeline.update",
                    ip,
                    None,
                    ("la", "pipeline_handover"),
                    {"others": True},
                )

    def remember_payment(self, ts, org, ctx):
        ctx["old"] = org.payment

    # ---------------------------------------------------------------- attacks
    def aadd(self, ts, fn, *args):
        """Schedule an attack step; never before the test period."""
        lo = self.T0 + self.train_days * DAY
        ts = int(ts)
        while ts < lo:
            ts += DAY
        if ts >= self.T0 + self.D * DAY:
            return False
        self.add(ts, fn, *args)
        return True

    def attacker_ip(self, r, victim, kind=None):
        kind = kind or r.choice(["vpn", "resi", "cloud"])
        if kind == "vpn":
            return self.net.vpn_ip(r, VPN_PROVIDERS[r.randrange(len(VPN_PROVIDERS))])[0]
        if kind == "resi":
            return self.net.foreign_resi(r, victim.country)[0]
        if kind == "domestic":
            isp = self.net.isps[victim.orgs[0].hq]
            return isp[r.randrange(len(isp))].addr(r)
        return self.net.clouds[CLOUDS[r.randrange(len(CLOUDS))]].addr(r)

    def odd_ts(self, p, d, r):
        return self.local_ts(p.tz, d, r.uniform(0.5, 4.8) * 3600)

    def pick_victim(self, r, pred, min_days=2):
        T = self.train_days
        cands = [
            p
            for p in self.people
            if p.idx not in self.victims
            and pred(p)
            and (min_days == 0 or len(self.usual_days(p, T, self.D)) >= min_days)
        ]
        if not cands:
            return None
        p = cands[r.randrange(len(cands))]
        self.victims.add(p.idx)
        return p

    def is_h(self, p, roles=None):
        return (
            p.kind == "human"
            and p.dormant_after is None
            and p.leave_day is None
            and p.join_day < 0
            and (roles is None or p.role in roles)
        )

    def usual_actions(self, p, r, k, verbs=None):
        acts, cum = p.wcum
        out = []
        for _ in range(200):
            if len(out) >= k:
                break
            x = r.random() * cum[-1]
            i = next(j for j, c in enumerate(cum) if c > x)
            a = acts[i]
            if a in NEW_API:
                continue
            if verbs is None or ACTIONS[a][1] in verbs:
                out.append(a)
        return out

    def plan_attacks(self):
        r = random.Random(f"indep3/attacks/{self.seed}")
        plan = []
        for s in SCENARIOS:
            forms = ["plain", "subtle"]
            if r.random() < KNOBS["extra_incident_prob"]:
                forms.append(r.choice(["plain", "subtle"]))
            for f in forms:
                plan.append((s, f))
        r.shuffle(plan)
        # scarce victims first
        order = {
            "dormant_return": 0,
            "service_account_by_hand": 1,
            "privilege_persistence": 2,
            "billing_change": 3,
        }
        plan.sort(key=lambda x: order.get(x[0], 9))
        for s, f in plan:
            inc = f"inc{self.seed:03d}-{len(self.incidents) + 1:03d}"
            ok = getattr(self, "s_" + s)(r, f, inc, ("atk", s, inc))
            if ok:
                self.incidents.append({"incident_id": inc, "scenario": s, "form": f, "actors": ok})

    def test_day(self, r, p=None, lo=0, hi=None, need=1):
        T, D = self.train_days, self.D
        hi = D if hi is None else hi
        if p is not None:
            days = self.usual_days(p, T + lo, hi)
            return days[r.randrange(len(days))] if days else None
        return r.randint(T + lo, max(T + lo, hi - need))

    # 1. forged or mismatched acting id
    def s_forged_actor(self, r, form, inc, tag):
        E = self.pick_victim(
            r, lambda p: self.is_h(p, ("engineer", "admin", "data", "security")), 3
        )
        if E is None:
            return None
        org = E.orgs[0]
        mates = [
            p for p in org.members if self.is_h(p) and p is not E and p.idx not in self.victims
        ]
        if form == "subtle" and E.office is not None:
            mates = [p for p in mates if p.office is E.office] or mates
        if not mates:
            return None
        V = mates[r.randrange(len(mates))]
        self.victims.add(V.idx)
        if form == "plain":
            d = self.test_day(r, E)
            t, ip, _ = self.slot(E, d, r)
            af = {"actor_id": V.id}
            for _ in range(r.randint(12, 30)):
                t += r.randint(20, 300)
                a = r.choice(
                    [
                        "connection.update",
                        "workspace.update",
                        "org.workspace.member.update",
                        "workspace.mod.variable.setting.update",
                        "pipeline.update",
                        "token.create",
                        "workspace.snapshot.create",
                    ]
                )
                self.aadd(
                    t, self.act, E, org, a, ip, None, tag, {"actor_fields": af, "others": True}
                )
        else:
            days = self.usual_days(E, self.train_days, self.D)
            days = sorted(r.sample(days, min(len(days), r.randint(2, 4))))
            af = {
                "actor_id": V.id,
                "actor_handle": V.handle,
                "actor_display_name": V.display,
                "actor_avatar_url": self.avatar(V),
            }
            acts = self.usual_actions(V, r, len(days), verbs=("update",)) or [
                "connection.update"
            ] * len(days)
            for d, a in zip(days, acts, strict=False):
                t, ip, _ = self.slot(E, d, r)
                self.aadd(t, self.act, E, org, a, ip, None, tag, {"actor_fields": af})
        return [V.id]

    # 2. impossible travel
    def s_impossible_travel(self, r, form, inc, tag):
        V = self.pick_victim(r, lambda p: self.is_h(p) and not p.trips, 3)
        if V is None:
            return None
        days = [d for d in self.usual_days(V, self.train_days, self.D)]
        n_days = 1 if form == "plain" else min(len(days), r.randint(1, 2))
        for d in sorted(r.sample(days, n_days)):
            t0, t1, ip0, org = V.sessions[d][r.randrange(len(V.sessions[d]))]
            ip = self.attacker_ip(r, V, r.choice(["resi", "vpn"]))
            t = r.randint(t0, max(t0, t1)) + r.randint(180, 1200)
            n = r.randint(8, 20) if form == "plain" else r.randint(1, 3)
            for _ in range(n):
                t += r.randint(30, 240)
                if form == "plain" and r.random() < 0.3:
                    a = r.choice(["token.create", "connection.update", "workspace.snapshot.create"])
                    self.aadd(
                        t, self.act, V, org, a, ip, None, tag, {"visibility": "anyone_with_link"}
                    )
                else:
                    self.aadd(t, self.routine, V, org, ip, tag)
        return [V.id]

    # 3. low-and-slow data taken out through shared snapshots
    def s_slow_exfil(self, r, form, inc, tag):
        V = self.pick_victim(
            r,
            lambda p: (
                self.is_h(p, ("analyst", "security", "data", "manager", "engineer"))
                and "workspace.snapshot.create" in p.wcum[0]
            ),
            4,
        )
        if V is None:
            return None
        org = V.orgs[0]
        T, D = self.train_days, self.D
        if form == "plain":
            span = r.randint(8, 12)
            d0 = r.randint(T, max(T, D - span))
            for i, d in enumerate(range(d0, min(D, d0 + span))):
                for _ in range(min(25, int(round(2 * 1.35**i)))):
                    t = self.local_ts(V.tz, d, r.uniform(19.0, 25.0) * 3600)
                    ip = self.session_ip(V, d, None, r, 5)
                    self.aadd(
                        t,
                        self.act,
                        V,
                        org,
                        "workspace.snapshot.create",
                        ip,
                        None,
                        tag,
                        {"visibility": "anyone_with_link"},
                    )
                if i % 3 == 2:
                    t = self.local_ts(V.tz, d, r.uniform(19.0, 23.0) * 3600)
                    self.aadd(
                        t,
                        self.act,
                        V,
                        org,
                        "workspace.snapshot.update",
                        self.session_ip(V, d, None, r, 5),
                        None,
                        tag,
                        {"visibility": "anyone_with_link", "others": True},
                    )
        else:
            span = r.randint(12, 20)
            d0 = r.randint(T, max(T, D - span))
            days = self.usual_days(V, d0, d0 + span)
            for i, d in enumerate(days):
                if r.random() < 0.3:
                    continue
                for _ in range(1 if i < len(days) / 2 else 2):
                    t, ip, org2 = self.slot(V, d, r)
                    self.aadd(
                        t,
                        self.act,
                        V,
                        org2,
                        "workspace.snapshot.create",
                        ip,
                        None,
                        tag,
                        {"visibility": "anyone_with_link"},
                    )
        return [V.id]

    # 4. low-and-slow growth of access
    def s_access_creep(self, r, form, inc, tag):
        roles = (
            ("engineer", "data", "security") if form == "plain" else ("admin", "engineer", "data")
        )
        V = self.pick_victim(
            r,
            lambda p: self.is_h(p, roles) and len(p.ws) + 3 < len(p.orgs[0].workspaces),
            4,
        )
        if V is None:
            return None
        org = V.orgs[0]
        T, D = self.train_days, self.D
        if form == "plain":
            d0 = r.randint(T, max(T, D - 7))
            days = list(range(d0, min(D, d0 + r.randint(4, 7))))
            t = self.local_ts(V.tz, d0, r.uniform(19, 23) * 3600)
            ip = self.session_ip(V, d0, None, r, 5)
            self.aadd(
                t,
                self.act,
                V,
                org,
                "org.member.update",
                ip,
                None,
                tag,
                {"user": V, "role": "owner"},
            )
            for d in days:
                t = self.local_ts(V.tz, d, r.uniform(18, 23.5) * 3600)
                ip = self.session_ip(V, d, None, r, 5)
                for _ in range(r.randint(1, 3)):
                    t += r.randint(30, 600)
                    self.aadd(
                        t,
                        self.act,
                        V,
                        org,
                        "org.workspace.member.add",
                        ip,
                        None,
                        tag,
                        {"user": V, "role": "owner"},
                    )
                if r.random() < 0.5:
                    self.aadd(
                        t + 200, self.act, V, org, "connection.permission.create", ip, None, tag, {}
                    )
        else:
            span = r.randint(10, 20)
            d0 = r.randint(T, max(T, D - span))
            days = self.usual_days(V, d0, d0 + span)
            days = sorted(r.sample(days, min(len(days), r.randint(3, 5))))
            for i, d in enumerate(days):
                t, ip, _ = self.slot(V, d, r)
                if i < len(days) - 1 or len(days) < 3:
                    self.aadd(
                        t,
                        self.act,
                        V,
                        org,
                        "org.workspace.member.add",
                        ip,
                        None,
                        tag,
                        {"user": V, "role": r.choice(["reader", "operator"])},
                    )
                else:
                    self.aadd(
                        t,
                        self.act,
                        V,
                        org,
                        "org.workspace.member.update",
                        ip,
                        None,
                        tag,
                        {"user": V, "role": "admin"},
                    )
        return [V.id]

    # 5. privilege persistence through a new account
    def s_privilege_persistence(self, r, form, inc, tag):
        A = self.pick_victim(r, lambda p: self.is_h(p, ("admin",)), 3)
        if A is None:
            return None
        org = A.orgs[0]
        D = self.D
        f, last = r.choice(FIRST), r.choice(LAST)
        d0 = self.test_day(r, A, 0, D - (3 if form == "plain" else 10)) or self.test_day(r, A)
        if d0 is None:
            return None
        N = self.make_person(
            "shadow",
            "engineer",
            r,
            org,
            created=self.T0 + d0 * DAY - r.randint(3600, 3 * DAY),
            name=(f, last),
        )
        N.orgs.append(org)
        N.country = org.hq
        N.tz = COUNTRIES[org.hq][0][0]
        N.wcum = self.cum(ROLE_WEIGHTS["engineer"], r)
        N.join_day = d0
        ctx = {}
        if form == "plain":
            ip_a = self.attacker_ip(r, A, "vpn")
            t = self.odd_ts(A, d0, r)
            self.aadd(
                t,
                self.act,
                A,
                org,
                "org.member.add",
                ip_a,
                None,
                tag,
                {"user": N, "role": "member", "status": "invited", "ctx": ctx, "put": "m"},
            )
            t += r.randint(300, 1200)
            ip_n = self.attacker_ip(r, A, "vpn")
            self.aadd(
                t,
                self.act,
                N,
                org,
                "org.member.update",
                ip_n,
                None,
                tag,
                {"target": "ctx:m", "status": "accepted", "ctx": ctx, "strict": True},
            )
            t += r.randint(120, 600)
            self.aadd(
                t,
                self.act,
                A,
                org,
                "org.member.update",
                ip_a,
                None,
                tag,
                {"target": "ctx:m", "role": "owner", "ctx": ctx, "strict": True},
            )
            for _ in range(r.randint(3, 6)):
                t += r.randint(20, 120)
                self.aadd(
                    t,
                    self.act,
                    A,
                    org,
                    "org.workspace.member.add",
                    ip_a,
                    None,
                    tag,
                    {"user": N, "role": "owner"},
                )
            t += r.randint(60, 600)
            self.aadd(t, self.act, N, org, "token.create", ip_n, None, tag, {})
            for d in range(d0 + 1, min(D, d0 + r.randint(2, 4))):
                ip = self.attacker_ip(r, A, r.choice(["vpn", "cloud"]))
                t = self.T0 + d * DAY + r.randint(0, DAY - 3600)
                for _ in range(r.randint(5, 12)):
                    t += r.randint(20, 300)
                    a = r.choice(
                        [
                            "connection.update",
                            "workspace.snapshot.create",
                            "org.workspace.member.add",
                            "token.create",
                            "pipeline.command.run",
                            "connection.create",
                        ]
                    )
                    self.aadd(
                        t, self.act, N, org, a, ip, None, tag, {"visibility": "anyone_with_link"}
                    )
        else:
            t, ip_a, _ = self.slot(A, d0, r)
            self.aadd(
                t,
                self.act,
                A,
                org,
                "org.member.add",
                ip_a,
                None,
                tag,
                {"user": N, "role": "member", "status": "invited", "ctx": ctx, "put": "m"},
            )
            self.aadd(
                t + r.randint(60, 1500),
                self.act,
                A,
                org,
                "org.workspace.member.add",
                ip_a,
                None,
                tag,
                {"user": N, "role": "reader"},
            )
            ip_n = self.attacker_ip(r, A, "domestic")
            t2 = self.local_ts(N.tz, min(D - 1, d0 + 1), r.uniform(9, 17) * 3600)
            self.aadd(
                t2,
                self.act,
                N,
                org,
                "org.member.update",
                ip_n,
                None,
                tag,
                {"target": "ctx:m", "status": "accepted", "ctx": ctx, "strict": True},
            )
            d2 = self.test_day(r, A, d0 + 4 - self.train_days, d0 + 8) or min(D - 1, d0 + 5)
            t, ip_a2, _ = self.slot(A, d2, r)
            self.aadd(
                t,
                self.act,
                A,
                org,
                "org.member.update",
                ip_a2,
                None,
                tag,
                {"target": "ctx:m", "role": "owner", "ctx": ctx, "strict": True},
            )
            d3 = min(D - 1, d2 + r.randint(3, 7))
            t = self.local_ts(N.tz, d3, r.uniform(9.5, 16.5) * 3600)
            self.aadd(t, self.act, N, org, "token.create", ip_n, None, tag, {})
            for _ in range(r.randint(2, 4)):
                t += r.randint(600, 4 * 3600)
                self.aadd(t, self.routine, N, org, ip_n, tag)
        return [A.id, N.id]

    # 6. short-lived workspaces
    def s_ephemeral_workspace(self, r, form, inc, tag):
        V = self.pick_victim(
            r, lambda p: self.is_h(p, ("engineer", "data", "admin", "contractor")), 2
        )
        if V is None:
            return None
        org = V.orgs[0]
        if form == "plain":
            d = self.test_day(r, V)
            t = self.odd_ts(V, d, r)
            ip = (
                self.attacker_ip(r, V, "vpn")
                if r.random() < 0.5
                else self.session_ip(V, d, None, r, 5)
            )
            for _ in range(r.randint(2, 4)):
                steps = (
                    ["workspace.connection.associate"] * r.randint(1, 2)
                    + ["workspace.mod.install"]
                    + ["workspace.snapshot.create"] * r.randint(1, 3)
                )
                if t >= self.T0 + self.train_days * DAY:
                    self.scratch_flow(V, org, t, ip, r, tag, life=(600, 3000), steps=steps)
                t += r.randint(3000, 5400)
        else:
            days = self.usual_days(V, self.train_days, self.D - 1)
            if len(days) < 2:
                return None
            i = r.randrange(len(days) - 1)
            d1, d2 = days[i], days[i + 1]
            ctx = {}
            t, ip, _ = self.slot(V, d1, r)
            self.aadd(
                t,
                self.act,
                V,
                org,
                "workspace.create",
                ip,
                None,
                tag,
                {
                    "ctx": ctx,
                    "put": "w",
                    "handle": r.choice(["test", "demo", "tmp", "preview"])
                    + f"-{r.randint(100, 9999)}",
                },
            )
            self.aadd(
                t + r.randint(60, 600),
                self.act,
                V,
                org,
                "workspace.connection.associate",
                ip,
                None,
                tag,
                {"ws": "ctx:w", "ctx": ctx, "strict": True},
            )
            t, ip, _ = self.slot(V, d2, r)
            self.aadd(
                t,
                self.act,
                V,
                org,
                "workspace.snapshot.create",
                ip,
                None,
                tag,
                {"ws": "ctx:w", "ctx": ctx, "strict": True},
            )
            self.aadd(
                t + r.randint(120, 1200),
                self.act,
                V,
                org,
                "workspace.delete",
                ip,
                None,
                tag,
                {"target": "ctx:w", "ctx": ctx, "strict": True},
            )
        return [V.id]

    # 7. account takeover
    def s_account_takeover(self, r, form, inc, tag):
        V = self.pick_victim(r, lambda p: self.is_h(p), 3)
        if V is None:
            return None
        org = V.orgs[0]
        if form == "plain":
            d = self.test_day(r, V)
            t = self.odd_ts(V, d, r)
            ip = self.net.vpn_ip(r, VPN_PROVIDERS[r.randrange(len(VPN_PROVIDERS))])[0]
            acts = (
                ["token.create"] * r.randint(1, 2)
                + ["connection.update"] * r.randint(3, 10)
                + ["workspace.snapshot.create"] * r.randint(4, 12)
                + ["pipeline.command.run"] * r.randint(0, 4)
                + ["workspace.mod.variable.setting.update"] * r.randint(0, 3)
                + ["notifier.create"] * r.randint(0, 1)
                + ["integration.create"] * r.randint(0, 1)
            )
            head, rest = acts[:1], acts[1:]
            r.shuffle(rest)
            for a in head + rest:
                t += r.randint(10, 150)
                self.aadd(
                    t,
                    self.act,
                    V,
                    org,
                    a,
                    ip,
                    None,
                    tag,
                    {"visibility": "anyone_with_link", "others": True},
                )
        else:
            users = [p for p in self.people if p.vpn]
            prov = users[r.randrange(len(users))].vpn if users else VPN_PROVIDERS[0]
            days = self.usual_days(V, self.train_days, self.D)
            days = sorted(r.sample(days, min(len(days), r.randint(2, 3))))
            for i, d in enumerate(days):
                ip = self.net.vpn_ip(r, prov, V.country)[0]
                t, _, _ = self.slot(V, d, r)
                acts = (["token.create"] if i == 0 else []) + self.usual_actions(
                    V, r, r.randint(1, 2)
                )
                for a in acts:
                    t += r.randint(60, 900)
                    self.aadd(t, self.act, V, org, a, ip, None, tag, {})
        return [V.id]

    # 8. billing change
    def s_billing_change(self, r, form, inc, tag):
        V = self.pick_victim(
            r, lambda p: self.is_h(p, ("admin", "engineer")) and p.org_role == "owner", 2
        )
        if V is None:
            return None
        org = V.orgs[0]
        ctx = {}
        if form == "plain":
            d = self.test_day(r, V)
            t = self.odd_ts(V, d, r)
            ip = self.attacker_ip(r, V, "vpn")
            self.aadd(t - 1, self.remember_payment, org, ctx)
            self.aadd(t, self.act, V, org, "org.billing.payment_method.create", ip, None, tag, {})
            t += r.randint(60, 300)
            self.aadd(
                t,
                self.act,
                V,
                org,
                "org.billing.payment_method.delete",
                ip,
                None,
                tag,
                {"target": "ctx:old", "ctx": ctx, "strict": True},
            )
            for _ in range(r.randint(1, 3)):
                t += r.randint(30, 300)
                self.aadd(
                    t,
                    self.act,
                    V,
                    org,
                    "org.update",
                    ip,
                    None,
                    tag,
                    {"plan": r.choice(["team", "enterprise"]) if r.random() < 0.5 else None},
                )
        else:
            days = self.usual_days(V, self.train_days, self.D)
            d = days[r.randrange(len(days))]
            t, ip, _ = self.slot(V, d, r)
            self.aadd(t, self.act, V, org, "org.billing.payment_method.create", ip, None, tag, {})
            if r.random() < 0.5:
                later = [x for x in days if x > d]
                if later:
                    t, ip, _ = self.slot(V, later[0], r)
                    self.aadd(t, self.act, V, org, "org.update", ip, None, tag, {})
        return [V.id]

    # 9. a dormant account comes back
    def s_dormant_return(self, r, form, inc, tag):
        V = self.pick_victim(
            r,
            lambda p: (
                p.kind == "human"
                and p.dormant_after is not None
                and p.dormant_after <= self.train_days - 15
                and p.leave_day is None
            ),
            0,
        )
        if V is None:
            return None
        org = V.orgs[0]
        T, D = self.train_days, self.D
        if form == "plain":
            d = r.randint(T, D - 1)
            t = (
                self.odd_ts(V, d, r)
                if r.random() < 0.6
                else self.T0 + d * DAY + r.randint(0, DAY - 7200)
            )
            ip = self.attacker_ip(r, V, r.choice(["vpn", "resi"]))
            acts = (
                ["token.create"]
                + ["connection.update"] * r.randint(2, 8)
                + ["pipeline.create"] * r.randint(0, 2)
                + ["workspace.snapshot.create"] * r.randint(3, 10)
                + ["org.workspace.member.add"] * r.randint(0, 2)
            )
            for a in acts:
                t += r.randint(15, 200)
                self.aadd(
                    t,
                    self.act,
                    V,
                    org,
                    a,
                    ip,
                    None,
                    tag,
                    {"visibility": "anyone_with_link", "user": V, "role": "owner"}
                    if a == "org.workspace.member.add"
                    else {"visibility": "anyone_with_link"},
                )
        else:
            d0 = r.randint(T, max(T, D - 4))
            days = [d for d in range(d0, min(D, d0 + 5)) if self.date(d).weekday() in V.workdays]
            days = days[: r.randint(2, 4)] or [d0]
            for d in days:
                t, ip, _ = self.slot(V, d, r, hours=(V.start_h, V.start_h + V.len_h))
                if V.office is not None:
                    ip = V.office.nat[0]
                self.aadd(t, self.routine, V, org, ip, tag)
        return [V.id]

    # 10. mass deletion
    def s_mass_delete(self, r, form, inc, tag):
        V = self.pick_victim(r, lambda p: self.is_h(p, ("engineer", "admin", "data")), 3)
        if V is None:
            return None
        org = V.orgs[0]
        kinds = [
            "workspace.snapshot.delete",
            "connection.delete",
            "pipeline.delete",
            "datatank.table.delete",
            "workspace.mod.uninstall",
            "workspace.aggregator.delete",
            "workspace.delete",
            "workspace.schema.delete",
            "connection.permission.delete",
        ]
        if form == "plain":
            d = self.test_day(r, V)
            if r.random() < 0.5:
                t, ip = self.odd_ts(V, d, r), self.session_ip(V, d, None, r, 5)
            else:
                t, ip, _ = self.slot(V, d, r)
            for _ in range(r.randint(25, 70)):
                t += r.randint(5, 60)
                a = weighted(r, kinds, [4, 4, 2, 1, 1.5, 1, 1.2, 0.8, 0.8])
                self.aadd(t, self.act, V, org, a, ip, None, tag, {"others": True, "any": True})
        else:
            days = self.usual_days(V, self.train_days, self.D)
            days = sorted(r.sample(days, min(len(days), r.randint(3, 5))))
            mine = [
                a for a in V.wcum[0] if a.endswith(".delete") or a == "workspace.mod.uninstall"
            ] or kinds[:3]
            for d in days:
                for _ in range(r.randint(2, 4)):
                    t, ip, _ = self.slot(V, d, r)
                    self.aadd(
                        t,
                        self.act,
                        V,
                        org,
                        mine[r.randrange(len(mine))],
                        ip,
                        None,
                        tag,
                        {"others": True},
                    )
        return [V.id]

    # 11. a service account used by hand
    def s_service_account_by_hand(self, r, form, inc, tag):
        B = self.pick_victim(
            r,
            lambda p: p.kind == "bot" and p.bot_kind in ("ci", "terraform", "sync", "scheduler"),
            0,
        )
        if B is None:
            return None
        org = B.orgs[0]
        T, D = self.train_days, self.D
        if form == "plain":
            d = r.randint(T, D - 1)
            t = self.local_ts(B.tz, d, r.uniform(18, 23) * 3600)
            ip = self.attacker_ip(r, B, r.choice(["domestic", "resi"]))
            for _ in range(r.randint(10, 25)):
                t += r.randint(20, 400)
                a = r.choice(
                    [
                        "org.workspace.member.add",
                        "token.create",
                        "connection.update",
                        "workspace.snapshot.create",
                        "pipeline.update",
                        "workspace.mod.variable.setting.update",
                    ]
                )
                self.aadd(t, self.act, B, org, a, ip, None, tag, {"visibility": "anyone_with_link"})
        else:
            d0 = r.randint(T, max(T, D - 3))
            for i, d in enumerate(range(d0, min(D, d0 + r.randint(2, 3)))):
                if i > 0 and r.random() < 0.3:
                    continue
                ip = B.cloud.addr(r)
                t = self.T0 + d * DAY + r.randint(0, DAY - 1)
                for _ in range(r.randint(1, 2)):
                    t += r.randint(30, 600)
                    self.aadd(t, self.routine, B, org, ip, tag, B.wcum)
        return [B.id]

    # 12. (own) notifications and integrations pointed elsewhere
    def s_notifier_hijack(self, r, form, inc, tag):
        V = self.pick_victim(r, lambda p: self.is_h(p, ("security", "admin", "engineer")), 3)
        if V is None:
            return None
        org = V.orgs[0]
        ctx = {}
        if form == "plain":
            d = self.test_day(r, V)
            t = self.odd_ts(V, d, r) if r.random() < 0.6 else self.slot(V, d, r)[0]
            ip = (
                self.attacker_ip(r, V, "vpn")
                if r.random() < 0.5
                else self.session_ip(V, d, None, r, 5)
            )
            self.aadd(
                t, self.act, V, org, "notifier.create", ip, None, tag, {"ctx": ctx, "put": "n"}
            )
            for _ in range(r.randint(4, 10)):
                t += r.randint(20, 200)
                self.aadd(
                    t,
                    self.act,
                    V,
                    org,
                    "workspace.notifier.set_default",
                    ip,
                    None,
                    tag,
                    {"target": "ctx:n", "ctx": ctx, "strict": True},
                )
            t += r.randint(60, 400)
            self.aadd(t, self.act, V, org, "integration.create", ip, None, tag, {})
            for _ in range(2):
                t += r.randint(30, 300)
                self.aadd(t, self.act, V, org, "pipeline.update", ip, None, tag, {"others": True})
        else:
            days = self.usual_days(V, self.train_days, self.D)
            if not days:
                return None
            d = days[r.randrange(max(1, len(days) // 2))]
            t, ip, _ = self.slot(V, d, r)
            self.aadd(
                t, self.act, V, org, "notifier.create", ip, None, tag, {"ctx": ctx, "put": "n"}
            )
            later = [x for x in days if d + 2 <= x <= d + 6]
            for dd in later[: r.randint(1, 2)]:
                t, ip, _ = self.slot(V, dd, r)
                self.aadd(
                    t,
                    self.act,
                    V,
                    org,
                    "workspace.notifier.set_default",
                    ip,
                    None,
                    tag,
                    {"target": "ctx:n", "ctx": ctx, "strict": True},
                )
        return [V.id]

    # 13. (own) implants in teammates' scheduled pipelines
    def s_pipeline_implant(self, r, form, inc, tag):
        def ok(p):
            return self.is_h(p, ("engineer", "data", "security")) and any(
                x.creator is not p for w in p.ws for x in w.children.get("pipeline", [])
            )

        V = self.pick_victim(r, ok, 3)
        if V is None:
            return None
        org = V.orgs[0]
        if form == "plain":
            d = self.test_day(r, V)
            t, ip, _ = (
                self.slot(V, d, r)
                if r.random() < 0.5
                else (self.odd_ts(V, d, r), self.attacker_ip(r, V, "vpn"), org)
            )
            for _ in range(r.randint(5, 12)):
                ctx = {}
                t += r.randint(30, 300)
                self.aadd(
                    t,
                    self.act,
                    V,
                    org,
                    "pipeline.update",
                    ip,
                    None,
                    tag,
                    {
                        "others": True,
                        "ctx": ctx,
                        "put": "pi",
                        "freq": "hourly",
                        "visibility": "anyone_with_link",
                    },
                )
                t += r.randint(10, 120)
                self.aadd(
                    t,
                    self.act,
                    V,
                    org,
                    "pipeline.command.run",
                    ip,
                    None,
                    tag,
                    {"target": "ctx:pi", "ctx": ctx, "strict": True},
                )
        else:
            days = self.usual_days(V, self.train_days, self.D)
            for d in sorted(r.sample(days, min(len(days), r.randint(1, 2)))):
                ctx = {}
                t, ip, _ = self.slot(V, d, r)
                self.aadd(
                    t,
                    self.act,
                    V,
                    org,
                    "pipeline.update",
                    ip,
                    None,
                    tag,
                    {"others": True, "ctx": ctx, "put": "pi", "visibility": "anyone_with_link"},
                )
                self.aadd(
                    t + r.randint(60, 600),
                    self.act,
                    V,
                    org,
                    "pipeline.command.run",
                    ip,
                    None,
                    tag,
                    {"target": "ctx:pi", "ctx": ctx, "strict": True},
                )
        return [V.id]

    # 14. (own) blinding compliance controls
    def s_control_blinding(self, r, form, inc, tag):
        def ok(p):
            return self.is_h(p, ("security", "engineer")) and any(
                w.children.get("setting") for w in p.ws
            )

        V = self.pick_victim(r, ok, 3)
        if V is None:
            return None
        org = V.orgs[0]
        kinds = [
            "workspace.mod.variable.setting.update",
            "workspace.mod.variable.setting.delete",
            "workspace.mod.uninstall",
            "connection.permission.delete",
            "pipeline.delete",
            "pipeline.update",
        ]
        if form == "plain":
            d = self.test_day(r, V)
            t, ip = (
                (self.odd_ts(V, d, r), self.session_ip(V, d, None, r, 5))
                if r.random() < 0.5
                else self.slot(V, d, r)[:2]
            )
            for _ in range(r.randint(10, 25)):
                t += r.randint(15, 200)
                a = weighted(r, kinds, [5, 3, 2, 1.5, 1.5, 1])
                self.aadd(t, self.act, V, org, a, ip, None, tag, {"family": "sec", "others": True})
        else:
            span = r.randint(5, 10)
            days = self.usual_days(V, self.train_days, self.D)
            if not days:
                return None
            d0 = days[r.randrange(len(days))]
            days = [d for d in days if d0 <= d < d0 + span]
            acts = ["workspace.mod.variable.setting.update"] * r.randint(2, 4) + ["pipeline.update"]
            for a in acts:
                d = days[r.randrange(len(days))]
                t, ip, _ = self.slot(V, d, r)
                self.aadd(t, self.act, V, org, a, ip, None, tag, {"family": "sec"})
        return [V.id]

    # ---------------------------------------------------------------- driver
    def generate(self, outdir):
        t_start = time.time()
        self.build()
        self.gen_lifecycle()
        self.init_state()
        for p in self.people:
            if p.kind == "human":
                p.wcum = self.cum(ROLE_WEIGHTS[p.role], p.r)
                self.gen_human(p)
        for p in self.people:
            if p.kind == "bot":
                self.gen_bot(p)
        rr = random.Random(f"indep3/release/{self.seed}")
        self.release_days = sorted(rr.sample(range(self.D), rr.randint(1, 3)))
        self.new_api_day = rr.randint(self.train_days - 10, self.train_days + 5)
        self.new_api_ts = self.T0 + self.new_api_day * DAY + rr.randint(0, DAY)
        self.plan_lifecycle()
        self.plan_lookalikes()
        self.plan_attacks()
        os.makedirs(outdir, exist_ok=True)
        with (
            open(os.path.join(outdir, "train.jsonl"), "w", encoding="utf-8", newline="\n") as ftr,
            open(os.path.join(outdir, "test.jsonl"), "w", encoding="utf-8", newline="\n") as fte,
        ):
            for d in range(self.D):
                self.period = "train" if d < self.train_days else "test"
                self.fh = ftr if d < self.train_days else fte
                items = self.buckets[d]
                self.buckets[d] = None
                items.extend(self.pipeline_runs(d))
                items.extend(self.system_day(d))
                items.sort(key=lambda x: (x[0], x[1]))
                for ts, _, fn, args in items:
                    fn(ts, *args)
        self.write_truth(outdir, time.time() - t_start)

    def write_truth(self, outdir, elapsed):
        T = self.train_days
        test_start = self.date(T).isoformat()
        labels = sorted(self.labels, key=lambda x: (x[2], x[0]))
        with open(os.path.join(outdir, "labels.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["record_id", "actor_id", "created_at", "scenario", "incident_id"])
            w.writerows(labels)
        win = {}
        for _, aid, ca, s, inc in labels:
            win[(aid, ca[:10], s, inc)] = 1
        with open(
            os.path.join(outdir, "window_labels.csv"), "w", newline="", encoding="utf-8"
        ) as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["actor_id", "day", "scenario", "incident_id"])
            w.writerows(sorted(win))
        attack_days = {(a, d) for a, d, _, _ in win}
        la_rows = sorted(
            (a, d, k) for (a, d, k) in self.la if d >= test_start and (a, d) not in attack_days
        )
        with open(os.path.join(outdir, "lookalikes.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["actor_id", "day", "kind"])
            w.writerows(la_rows)
        with open(os.path.join(outdir, "actors.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(
                [
                    "actor_id",
                    "handle",
                    "kind",
                    "role",
                    "orgs",
                    "country",
                    "tz",
                    "office",
                    "join_day",
                    "leave_day",
                    "dormant_after",
                ]
            )
            for p in self.people:
                w.writerow(
                    [
                        p.id,
                        p.handle,
                        p.kind,
                        p.role,
                        " ".join(o.ident.handle for o in p.orgs),
                        p.country,
                        p.tz,
                        p.office.country if p.office else "",
                        p.join_day if p.join_day >= 0 else "",
                        "" if p.leave_day is None else p.leave_day,
                        "" if p.dormant_after is None else p.dormant_after,
                    ]
                )
        inc_seen = {}
        for _, _, _, s, inc in labels:
            inc_seen[inc] = s
        incidents = [i for i in self.incidents if i["incident_id"] in inc_seen]
        per_scen = {s: 0 for s in SCENARIOS}
        per_scen_form = {s: {"plain": 0, "subtle": 0} for s in SCENARIOS}
        for i in incidents:
            per_scen[i["scenario"]] += 1
            per_scen_form[i["scenario"]][i["form"]] += 1
        la_counts = {}
        for _, _, k in la_rows:
            la_counts[k] = la_counts.get(k, 0) + 1
        la_all = {}
        for _, _, k in self.la:
            la_all[k] = la_all.get(k, 0) + 1
        attack_only = sorted(a for a in self.type_counts_attack if a not in self.type_counts_benign)
        kinds = {}
        for p in self.people:
            kinds[p.kind] = kinds.get(p.kind, 0) + 1
        roles = {}
        for p in self.people:
            key = p.bot_kind and f"bot:{p.bot_kind}" or p.role
            roles[key] = roles.get(key, 0) + 1
        manifest = {
            "world": "independent3",
            "seed": self.seed,
            "days": self.D,
            "start": self.start.isoformat(),
            "train_period": [self.date(0).isoformat(), self.date(T - 1).isoformat()],
            "test_period": [test_start, self.date(self.D - 1).isoformat()],
            "train_days": T,
            "test_days": self.D - T,
            "records": {
                "train": self.record_counts["train"],
                "test": self.record_counts["test"],
                "total": self.record_counts["train"] + self.record_counts["test"],
                "attack": len(labels),
            },
            "organisations": [
                {
                    "id": o.ident.id,
                    "handle": o.ident.handle,
                    "tenant_id": o.tenant,
                    "hq": o.hq,
                    "offices": [x.country for x in o.offices],
                    "members": len(o.members),
                }
                for o in self.orgs
            ],
            "actors": {"total": len(self.people), "by_kind": kinds, "by_role": roles},
            "incidents": per_scen,
            "incidents_by_form": per_scen_form,
            "incident_forms": {i["incident_id"]: i["form"] for i in incidents},
            "incident_actors": {i["incident_id"]: i["actors"] for i in incidents},
            "incidents_planned_without_records": sorted(
                i["incident_id"] for i in self.incidents if i["incident_id"] not in inc_seen
            ),
            "lookalikes": la_counts,
            "lookalikes_all_periods": la_all,
            "action_types": {
                "benign": len(self.type_counts_benign),
                "attack": len(self.type_counts_attack),
            },
            "attack_only_action_types": attack_only,
            "release_days": [self.date(d).isoformat() for d in self.release_days],
            "new_api": {
                "day": self.date(self.new_api_day).isoformat(),
                "action_types": sorted(NEW_API),
            },
            "knobs": {k: list(v) if isinstance(v, tuple) else v for k, v in KNOBS.items()},
            "drawn": {"n_orgs": self.n_orgs, "n_actors_target": self.n_actors, **self.kd},
        }
        with open(os.path.join(outdir, "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2, sort_keys=False)
            f.write("\n")
        if attack_only:
            print(f"warning: attack-only action types: {attack_only}", file=sys.stderr)
        if not self.quiet:
            print(
                f"seed {self.seed}: {self.D} days ({T} train), {len(self.orgs)} org(s), "
                f"{len(self.people)} actors, "
                f"{manifest['records']['total']} records ({manifest['records']['attack']} attack), "
                f"{len(incidents)} incidents, {len(la_rows)} test look-alike actor-days, "
                f"{elapsed:.1f}s"
            )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args(argv)
    World(a.seed, a.quiet).generate(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
