#!/usr/bin/env python3
"""independent2 -- a simulated Turbot Pipes audit log with labelled attacks and benign look-alikes.

Written independently of the project's detector and simulators (see README.md in this folder).
Python 3.11, stdlib + numpy.  Every random draw comes from numpy.random.default_rng([seed, stream]).

    python experiments/independent2/world.py --seed 1 --out /tmp/indep2/s1
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import sys
import time

import numpy as np

DAY = 86400
ALPH = "0123456789abcdefghijklmnopqrstuv"
EPOCH = dt.date(1970, 1, 1)

# --------------------------------------------------------------------------------------------
# knobs (defaults; --set KNOB=VALUE overrides)
# --------------------------------------------------------------------------------------------
KNOBS = {
    "big_people_min": 120,        # people in the mid-size organisation (drawn uniformly)
    "big_people_max": 280,
    "small_org_prob": 0.6,       # chance that a second, small organisation exists
    "small_people_min": 8,
    "small_people_max": 22,
    "attack_rate": 1.0,          # scales incidents per kind (1 + Binomial(2, 0.5*rate))
    "subtle_share": 0.45,        # share of incidents drawn in the subtle form (beyond the first two)
    "lookalike_rate": 1.0,       # scales look-alike instances per kind
    "v6_share": 0.35,            # people whose home broadband has IPv6 (privacy addresses)
    "privacy_vpn_share": 0.05,   # people who route home traffic through a consumer VPN
    "renumber_days": 30.0,       # mean days between home IPv4 renumberings
    "sched_pipelines_per_ws": 4.5,  # scheduled pipelines run by the scheduler bot, per workspace
    "activity": 1.0,             # scales human sessions
}

# --------------------------------------------------------------------------------------------
# calendar: zones with DST rules, public holidays per country
# --------------------------------------------------------------------------------------------
ZONES = {  # name: (standard offset hours, DST rule)
    "AU_MEL": (10.0, "au"), "UK": (0.0, "eu"), "US_E": (-5.0, "us"), "US_M": (-7.0, "us"),
    "US_P": (-8.0, "us"), "IN": (5.5, None), "DE": (1.0, "eu"), "SG": (8.0, None),
    "JP": (9.0, None), "PH": (8.0, None), "PL": (1.0, "eu"), "BR": (-3.0, None),
    "NL": (1.0, "eu"), "PT": (0.0, "eu"), "CA_E": (-5.0, "us"), "NZ": (12.0, "nz"),
}
COUNTRY_ZONE = {"au": "AU_MEL", "uk": "UK", "us": "US_E", "in": "IN", "de": "DE", "sg": "SG",
                "jp": "JP", "ph": "PH", "pl": "PL", "br": "BR", "nl": "NL", "pt": "PT",
                "ca": "CA_E", "nz": "NZ", "fr": "DE"}
DIWALI = {2023: dt.date(2023, 11, 12), 2024: dt.date(2024, 10, 31), 2025: dt.date(2025, 10, 20),
          2026: dt.date(2026, 11, 8), 2027: dt.date(2027, 10, 29), 2028: dt.date(2028, 10, 17)}


def nth_wd(y, m, wd, n):
    """n-th weekday wd (Mon=0) of month m; n=-1 is the last."""
    if n > 0:
        d = dt.date(y, m, 1)
        return d + dt.timedelta(days=(wd - d.weekday()) % 7 + 7 * (n - 1))
    d = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))
    return d - dt.timedelta(days=(d.weekday() - wd) % 7)


def easter(y):
    a = y % 19; b = y // 100; c = y % 100; d = b // 4; e = b % 4; f = (b + 8) // 25
    g = (b - f + 1) // 3; h = (19 * a + b - d - g + 15) % 30; i = c // 4; k = c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7; m = (a + 11 * h + 22 * l_) // 451
    mo = (h + l_ - 7 * m + 114) // 31; da = (h + l_ - 7 * m + 114) % 31 + 1
    return dt.date(y, mo, da)


_OFF = {}


def zone_offset(zone, d):
    key = (zone, d)
    v = _OFF.get(key)
    if v is not None:
        return v
    std, rule = ZONES[zone]
    y = d.year
    dst = False
    if rule == "au":
        dst = d >= nth_wd(y, 10, 6, 1) or d < nth_wd(y, 4, 6, 1)
    elif rule == "nz":
        dst = d >= nth_wd(y, 9, 6, -1) or d < nth_wd(y, 4, 6, 1)
    elif rule == "eu":
        dst = nth_wd(y, 3, 6, -1) <= d < nth_wd(y, 10, 6, -1)
    elif rule == "us":
        dst = nth_wd(y, 3, 6, 2) <= d < nth_wd(y, 11, 6, 1)
    v = std + (1.0 if dst else 0.0)
    _OFF[key] = v
    return v


def holidays(country, y):
    D = dt.date
    E = easter(y)
    td = dt.timedelta
    if country == "au":
        last_sat_sep = nth_wd(y, 9, 5, -1)
        return {D(y, 1, 1), D(y, 1, 26), E - td(2), E + td(1), D(y, 4, 25), nth_wd(y, 6, 0, 2),
                last_sat_sep - td(1), nth_wd(y, 11, 1, 1), D(y, 12, 25), D(y, 12, 26)}
    if country == "uk":
        return {D(y, 1, 1), E - td(2), E + td(1), nth_wd(y, 5, 0, 1), nth_wd(y, 5, 0, -1),
                nth_wd(y, 8, 0, -1), D(y, 12, 25), D(y, 12, 26)}
    if country == "us":
        tg = nth_wd(y, 11, 3, 4)
        return {D(y, 1, 1), nth_wd(y, 1, 0, 3), nth_wd(y, 2, 0, 3), nth_wd(y, 5, 0, -1),
                D(y, 6, 19), D(y, 7, 4), nth_wd(y, 9, 0, 1), tg, tg + td(1), D(y, 12, 25)}
    if country == "in":
        s = {D(y, 1, 26), D(y, 8, 15), D(y, 10, 2), D(y, 11, 1), D(y, 12, 25)}
        if y in DIWALI:
            s |= {DIWALI[y], DIWALI[y] + td(1)}
        return s
    if country == "de":
        return {D(y, 1, 1), D(y, 3, 8), E - td(2), E + td(1), D(y, 5, 1), E + td(39), E + td(50),
                D(y, 10, 3), D(y, 12, 25), D(y, 12, 26)}
    return set()


SITES = {
    "mel": dict(zone="AU_MEL", country="au", office=(203, 12)),
    "lon": dict(zone="UK", country="uk", office=(195, 59)),
    "nyc": dict(zone="US_E", country="us", office=(64, 124)),
    "den": dict(zone="US_M", country="us", office=(65, 154)),
    "blr": dict(zone="IN", country="in", office=(115, 110)),
    "ber": dict(zone="DE", country="de", office=(62, 153)),
}

# --------------------------------------------------------------------------------------------
# network pools (first two octets of plausible public ranges)
# --------------------------------------------------------------------------------------------
RES = {
    "au": [(101, 160), (110, 140), (120, 148), (124, 168), (159, 196), (58, 96), (49, 180), (1, 145)],
    "uk": [(86, 128), (81, 98), (82, 3), (90, 200), (109, 150), (2, 96)],
    "us": [(73, 15), (24, 5), (98, 210), (71, 190), (68, 36), (47, 144), (174, 62), (76, 102)],
    "in": [(49, 36), (106, 51), (122, 171), (223, 190)],
    "de": [(84, 150), (91, 64), (79, 200), (93, 210)],
    "sg": [(116, 86), (118, 189)], "jp": [(126, 23), (153, 156)], "fr": [(90, 12), (88, 160)],
    "nl": [(145, 53), (77, 161)], "br": [(177, 33), (189, 6)], "ph": [(112, 198), (49, 145)],
    "pl": [(83, 24), (89, 64)], "pt": [(85, 240), (94, 60)], "ca": [(99, 230), (142, 112)],
    "nz": [(121, 98), (122, 56)],
}
MOBILE = {"au": [(1, 136), (49, 195), (120, 18)], "uk": [(92, 40), (148, 252), (82, 132)],
          "us": [(172, 56), (107, 77), (166, 170)], "in": [(42, 105), (157, 48)],
          "de": [(80, 187), (176, 0)]}
V6_RES = {"au": [(0x2403, 0x5800), (0x2001, 0x8003)], "uk": [(0x2a00, 0x23c5), (0x2a02, 0xc7c)],
          "us": [(0x2601, 0x1c0), (0x2600, 0x1700)], "in": [(0x2401, 0x4900)],
          "de": [(0x2003, 0xe2)]}
V6_MOBILE = {"us": (0x2607, 0xfb90), "au": (0x2001, 0x8004), "uk": (0x2a01, 0x4c8),
             "in": (0x2409, 0x4060), "de": (0x2a02, 0x3032)}
CLOUD = [(3, 8), (3, 104), (13, 54), (18, 130), (34, 201), (34, 82), (35, 185), (44, 201), (52, 14),
         (54, 153), (20, 62), (40, 78), (104, 196), (139, 59), (165, 227), (5, 161), (20, 102),
         (52, 191), (3, 24), (13, 236)]
RUNNERS = [(20, 62), (40, 78), (52, 191), (20, 102), (104, 196), (13, 54), (34, 201)]
VPN_EXIT_PREFIX = [((193, 32), "nl"), ((146, 70), "us"), ((89, 187), "de"), ((212, 102), "uk"),
                   ((37, 19), "sg"), ((45, 134), "jp"), ((185, 156), "pl"), ((198, 54), "ca"),
                   ((103, 107), "au"), ((149, 102), "pt")]
FOREIGN = ["sg", "jp", "fr", "nl", "br", "ph", "pl", "pt", "ca", "nz"]

# --------------------------------------------------------------------------------------------
# names and vocabularies
# --------------------------------------------------------------------------------------------
FIRST = ("James Olivia Liam Emma Noah Ava Lucas Mia Ethan Isla Aarav Priya Rohan Ananya Vikram Kavya "
         "Wei Mei Hiroshi Yuki Chen Li Minh Thao Jae Soo-ah Mohammed Fatima Omar Aisha Ahmed Layla "
         "Carlos Sofia Diego Lucia Mateo Valentina Pedro Ana Joao Beatriz Lukas Hannah Felix Lea "
         "Jonas Mila Pierre Camille Louis Chloe Sven Freya Lars Ingrid Piotr Zofia Tomasz Agnieszka "
         "Olu Ngozi Kwame Amara Tariq Zainab Daniel Grace Samuel Ruby Jack Charlotte Oliver Amelia "
         "Harry Sophie George Lily Thomas Ella William Zoe Benjamin Chloe Henry Matilda Max Evie "
         "Arjun Sneha Rahul Divya Sanjay Meera Kenji Sakura Tuan Linh Dmitri Elena Ivan Olga Nikos "
         "Eleni Marco Giulia Luca Chiara Tom Kate Ben Sarah Josh Emily Ryan Jess Nathan Laura").split()
LAST = ("Smith Jones Williams Brown Taylor Wilson Nguyen Tran Le Pham Patel Sharma Singh Kumar Gupta "
        "Iyer Reddy Chen Wang Li Zhang Liu Kim Park Lee Choi Tanaka Sato Suzuki Watanabe Garcia "
        "Martinez Rodriguez Lopez Hernandez Silva Santos Costa Oliveira Muller Schmidt Schneider "
        "Fischer Weber Meyer Wagner Becker Dubois Moreau Laurent Bernard Rossi Russo Ferrari Bianchi "
        "Kowalski Nowak Wisniewski Johansson Andersson Larsen Nielsen Hansen Okafor Mensah Adeyemi "
        "Hassan Ali Khan Ahmed Rahman Murphy Kelly Walsh Byrne OBrien Campbell Stewart Robertson "
        "Thompson White Harris Martin Clark Lewis Walker Hall Allen Young King Wright Scott Green "
        "Baker Adams Nelson Hill Mitchell Roberts Carter Phillips Evans Turner Parker Collins Edwards "
        "Morris Cook Rogers Morgan Cooper Peterson Bailey Reed Howard Cox Ward Richardson Wood Watson "
        "Brooks Bennett Gray James Hughes Price Sanders Myers Long Ross Foster Popescu Ionescu Novak "
        "Horvat Petrov Ivanova Papadopoulos Yilmaz Demir Cohen Levi Friedman Vargas Castillo").split()
TEAMS = ["platform", "secops", "cloudsec", "data", "finops", "compliance", "k8s", "identity",
         "appsec", "analytics", "infra", "payments", "risk", "devex", "observability", "growth"]
ENVS = ["prod", "staging", "dev", "audit", "reports", "shared", "ops", "lab"]
PLUGINS = ["aws", "aws", "aws", "azure", "gcp", "github", "kubernetes", "okta", "slack", "net",
           "terraform", "csv", "pagerduty", "jira", "tailscale", "crowdstrike"]
MODS = ["aws_compliance", "aws_insights", "aws_thrifty", "aws_perimeter", "aws_tags",
        "azure_compliance", "gcp_compliance", "github_sanity", "kubernetes_compliance",
        "net_insights", "terraform_aws_compliance", "okta_insights", "azure_insights",
        "gcp_insights", "kubernetes_insights"]
TOKEN_DESC = ["cli", "laptop", "steampipe-cli", "powerpipe", "local-dev", "ci", "notebook",
              "grafana", "scripts", "terraform", "export", "api"]
WORDS = ["alpha", "bravo", "nova", "atlas", "orion", "delta", "ember", "harbor", "summit", "pioneer",
         "beacon", "meridian", "quartz", "falcon", "cobalt", "lumen", "vertex", "sierra", "tango"]

ACTION_KIND = {
    "workspace.create": ("ws", "create"), "workspace.update": ("ws", "update"),
    "workspace.delete": ("ws", "delete"), "workspace.reboot": ("ws", "update"),
    "connection.create": ("conn", "create"), "connection.update": ("conn", "update"),
    "connection.delete": ("conn", "delete"),
    "workspace.connection.create": ("wconn", "create"), "workspace.connection.update": ("wconn", "update"),
    "workspace.connection.delete": ("wconn", "delete"),
    "workspace.aggregator.create": ("agg", "create"), "workspace.aggregator.update": ("agg", "update"),
    "workspace.aggregator.delete": ("agg", "delete"),
    "workspace.pipeline.create": ("pipe", "create"), "workspace.pipeline.update": ("pipe", "update"),
    "workspace.pipeline.delete": ("pipe", "delete"), "workspace.pipeline.command.run": ("pipe", "run"),
    "workspace.snapshot.create": ("snap", "create"), "workspace.snapshot.update": ("snap", "update"),
    "workspace.snapshot.delete": ("snap", "delete"),
    "workspace.mod.install": ("mod", "create"), "workspace.mod.update": ("mod", "update"),
    "workspace.mod.uninstall": ("mod", "delete"), "workspace.mod.variable.update": ("modvar", "update"),
    "workspace.datatank.create": ("tank", "create"), "workspace.datatank.update": ("tank", "update"),
    "workspace.datatank.delete": ("tank", "delete"),
    "workspace.notifier.create": ("notif", "create"), "workspace.notifier.update": ("notif", "update"),
    "workspace.notifier.send": ("notif", "run"),
    "token.create": ("token", "create"), "token.delete": ("token", "delete"),
    "org.member.add": ("member", "create"), "org.member.update": ("member", "update"),
    "org.member.delete": ("member", "delete"),
    "org.workspace.member.add": ("wmember", "create"), "org.workspace.member.update": ("wmember", "update"),
    "org.workspace.member.delete": ("wmember", "delete"),
    "org.update": ("org", "update"), "org.subscription.update": ("sub", "update"),
    "org.billing.payment_method.create": ("pm", "create"),
    "org.billing.payment_method.update": ("pm", "update"),
    "org.billing.payment_method.delete": ("pm", "delete"),
}
PROCESS_ACTIONS = {"workspace.pipeline.command.run", "workspace.mod.install", "workspace.mod.update",
                   "workspace.datatank.update", "workspace.reboot", "workspace.notifier.send",
                   "workspace.mod.uninstall"}
NEW_ACTIONS = {"workspace.notifier.create", "workspace.notifier.update", "workspace.notifier.send"}

# task templates: list of (action, weight-of-repeat); expanded in Person sessions
TASKS = ["snapshot", "snap_share", "snap_cleanup", "conn_edit", "conn_new", "conn_remove",
         "pipe_edit", "pipe_new", "pipe_remove", "mod", "mod_remove", "ws_admin", "ws_new", "ws_ops",
         "agg", "tank", "token", "member_admin", "org_settings", "billing"]
ROLE_TASKS = {
    "platform_eng": dict(snapshot=.08, conn_edit=.12, conn_new=.06, conn_remove=.02, pipe_edit=.09,
                         pipe_new=.03, pipe_remove=.015, mod=.2, mod_remove=.02, ws_admin=.05,
                         ws_new=.015, ws_ops=.08, agg=.05, tank=.03, token=.03, snap_cleanup=.03,
                         snap_share=.01),
    "data_eng": dict(snapshot=.1, conn_edit=.12, conn_new=.07, conn_remove=.02, pipe_edit=.14,
                     pipe_new=.05, pipe_remove=.02, mod=.07, agg=.1, tank=.16, ws_ops=.03, token=.03,
                     ws_new=.01, snap_cleanup=.02),
    "security_analyst": dict(snapshot=.38, snap_share=.04, pipe_edit=.12, pipe_new=.04, mod=.12,
                             conn_edit=.05, snap_cleanup=.06, ws_admin=.03, token=.02, pipe_remove=.01),
    "analyst": dict(snapshot=.58, snap_share=.06, snap_cleanup=.08, pipe_edit=.1, pipe_new=.03,
                    mod=.06, token=.02),
    "manager": dict(snapshot=.45, snap_share=.08, ws_admin=.25, pipe_edit=.05, token=.02,
                    snap_cleanup=.03),
    "org_admin": dict(member_admin=.45, ws_admin=.2, org_settings=.04, token=.05, snapshot=.1,
                      conn_edit=.05, ws_new=.02, conn_new=.03),
    "finance": dict(snapshot=.55, snap_share=.1, org_settings=.1, billing=.0),
    "contractor": dict(conn_edit=.12, conn_new=.08, pipe_edit=.12, pipe_new=.05, mod=.2, ws_ops=.08,
                       agg=.06, tank=.06, snapshot=.12, token=.03, ws_new=.02),
}
ROLE_PARAMS = {  # p_active on workdays, extra sessions lambda, tasks-per-session lambda
    "platform_eng": (0.72, 1.1, 1.6), "data_eng": (0.68, 1.0, 1.6), "security_analyst": (0.66, 1.0, 1.5),
    "analyst": (0.5, 0.7, 1.4), "manager": (0.32, 0.4, 1.0), "org_admin": (0.62, 0.9, 1.5),
    "finance": (0.12, 0.2, 1.0), "contractor": (0.62, 0.9, 1.6),
}

INSIGHT_NOUNS = {"aws": ["iam_user", "s3_bucket", "ec2_instance", "rds_db_instance", "lambda_function", "vpc"],
                 "azure": ["compute_virtual_machine", "storage_account", "key_vault", "sql_server"],
                 "gcp": ["compute_instance", "storage_bucket", "iam_service_account", "kms_key"],
                 "kubernetes": ["pod", "deployment", "namespace", "service_account"],
                 "okta": ["user", "group", "app"], "net": ["dns_record", "certificate"]}
MOD_BENCH = {"aws_thrifty": ["ec2", "ebs", "rds", "cost_variance", "lambda"],
             "aws_perimeter": ["public_access", "network_access", "shared_access"],
             "aws_tags": ["mandatory", "prohibited", "untagged"],
             "github_sanity": ["repository_checks", "organization_checks"],
             "terraform_aws_compliance": ["s3", "ec2", "iam", "kms"]}
COMPLIANCE_BENCH = ["cis_v300", "cis_v200", "foundational_security", "nist_800_53_rev_5", "soc_2", "pci_dss_v321",
                    "hipaa_security_rule_2003", "gdpr", "cisa_cyber_essentials"]


def mod_dashboard(alias, rng):
    if alias in MOD_BENCH:
        v = MOD_BENCH[alias]
        return f"{alias}.benchmark.{v[int(rng.integers(0, len(v)))]}"
    if alias.endswith("_compliance"):
        return f"{alias}.benchmark.{COMPLIANCE_BENCH[int(rng.integers(0, len(COMPLIANCE_BENCH)))]}"
    p = alias.split("_")[0]
    v = INSIGHT_NOUNS.get(p, ["overview"])
    kind = ["dashboard", "report", "age_report", "detail"][int(rng.integers(0, 4))]
    return f"{alias}.dashboard.{p}_{v[int(rng.integers(0, len(v)))]}_{kind}"


# statuses of a person-day
WORK, WEEKEND, HOLIDAY, VAC, SICK, LEAVE, OUT = range(7)


def xid(ts, machine, pid, counter):
    b = ((int(ts) & 0xFFFFFFFF) << 64) | ((machine & 0xFFFFFF) << 40) | ((pid & 0xFFFF) << 24) | (counter & 0xFFFFFF)
    n = b << 4
    out = [""] * 20
    for i in range(19, -1, -1):
        out[i] = ALPH[n & 31]
        n >>= 5
    return "".join(out)


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(ts)))


def day_ts(d):
    return (d - EPOCH).days * DAY


class IdMaker:
    """xid-style ids: time, machine, pid, counter -- like Pipes' own ids."""

    def __init__(self, rng, n_servers=6):
        self.rng = rng
        self.servers = [[int(rng.integers(1, 1 << 24)), int(rng.integers(1, 1 << 16)),
                         int(rng.integers(0, 1 << 24))] for _ in range(n_servers)]
        self.redeploy_week = -1

    def new(self, prefix, ts):
        wk = int(ts // (7 * DAY))
        if wk != self.redeploy_week:  # weekly redeploy: new process ids
            self.redeploy_week = wk
            for s in self.servers:
                s[1] = int(self.rng.integers(1, 1 << 16))
        s = self.servers[int(self.rng.integers(0, len(self.servers)))]
        s[2] = (s[2] + 1 + int(self.rng.integers(0, 40))) & 0xFFFFFF
        return prefix + xid(ts, s[0], s[1], s[2])

    def past(self, prefix, ts):
        """An id made at an earlier time (pre-existing objects)."""
        return prefix + xid(ts, int(self.rng.integers(1, 1 << 24)), int(self.rng.integers(1, 1 << 16)),
                            int(self.rng.integers(0, 1 << 24)))


# --------------------------------------------------------------------------------------------
class Actor:
    def __init__(self, **kw):
        self.__dict__.update(kw)


class World:
    def __init__(self, seed, days, train_days, start, knobs, quiet=False):
        self.seed = seed
        self.days = days
        self.train_days = train_days
        self.start = start
        self.knobs = dict(KNOBS)
        self.knobs.update(knobs)
        self.quiet = quiet
        self.t0 = day_ts(start)
        self.t_end = self.t0 + days * DAY
        self.t_test = self.t0 + train_days * DAY
        self.ev = []   # [t, seq, actor, action, ip, hint, incident, lookalike]
        self.seq = 0
        self.incidents = []  # dicts: id, scenario, form
        self.used_prefix = {}  # pool -> list of prefixes used benignly (ordered)
        self.used_prefix_set = set()
        self.dates = [start + dt.timedelta(days=k) for k in range(-1, days + 2)]  # index k+1
        years = sorted({d.year for d in self.dates})
        self.hol = {c: set().union(*[holidays(c, y) for y in years]) for c in
                    ["au", "uk", "us", "in", "de"]}

    def R(self, stream):
        return np.random.default_rng([self.seed, stream])

    def say(self, *a):
        if not self.quiet:
            print(*a, file=sys.stderr)

    # ---------------------------------------------------------------------------------- events
    def add(self, t, actor, action, ip, hint=None, inc=None, la=None):
        t = int(t)
        if t < self.t0 or t >= self.t_end:
            return
        self.seq += 1
        self.ev.append((t, self.seq, actor.idx, action, ip, hint, inc, la))

    def note_prefix(self, pool, ip):
        if ":" in ip:
            pfx = ip.split(":")[0] + ":" + ip.split(":")[1]
        else:
            a, b = ip.split(".")[:2]
            pfx = a + "." + b
        key = (pool, pfx)
        if key not in self.used_prefix_set:
            self.used_prefix_set.add(key)
            self.used_prefix.setdefault(pool, []).append(pfx)

    # ---------------------------------------------------------------------------------- network
    @staticmethod
    def v4(rng, prefixes):
        a, b = prefixes[int(rng.integers(0, len(prefixes)))]
        return f"{a}.{b}.{int(rng.integers(0, 256))}.{int(rng.integers(1, 255))}"

    def make_network(self):
        rng = self.R(2)
        self.vpn_exits = []  # (ip, country)
        for (a, b), c in VPN_EXIT_PREFIX:
            base = int(rng.integers(0, 250))
            for _ in range(3):
                self.vpn_exits.append((f"{a}.{b}.{base}.{int(rng.integers(2, 250))}", c))
        # platform egress (scheduled processes run inside Pipes): a few addresses, redeployed
        self.platform_ips = []  # list per platform epoch
        k = 0
        self.platform_epochs = []
        while k < self.days + 2:
            span = int(rng.integers(12, 26))
            self.platform_epochs.append(k)
            self.platform_ips.append([f"{a}.{b}.{int(rng.integers(0, 256))}.{int(rng.integers(1, 255))}"
                                      for a, b in [(3, 24), (13, 236), (3, 24)]])
            k += span
        # platform incidents: scheduler outage windows (shared by every org)
        n_out = int(rng.integers(1, 4))
        self.platform_outages = []
        for _ in range(n_out):
            s = self.t0 + int(rng.integers(2 * DAY, (self.days - 1) * DAY))
            self.platform_outages.append((s, s + int(rng.integers(2 * 3600, 11 * 3600))))
        self.platform_outages.sort()

    def platform_ip(self, t, rng):
        k = int((t - self.t0) // DAY)
        e = 0
        for i, s in enumerate(self.platform_epochs):
            if k >= s:
                e = i
        ips = self.platform_ips[e]
        return ips[int(rng.integers(0, len(ips)))]

    # ---------------------------------------------------------------------------------- orgs
    def make_orgs(self):
        rng = self.R(3)
        self.ids = IdMaker(self.R(4))
        self.actors = []
        self.handles = set()
        self.orgs = []
        big_handles = ["kestrel-analytics", "brightwater-group", "northwind-data", "harbourline",
                       "tallgrass-io", "quokka-systems", "ironbark-cloud", "saltmarsh-tech"]
        small_handles = ["fernhollow", "lumen-sec", "tidewater-labs", "ostara-ops", "pinecrest-it"]
        # big org: 2-4 sites
        site_sets = [["mel", "lon"], ["mel", "nyc"], ["mel", "lon", "nyc"], ["nyc", "lon", "blr"],
                     ["mel", "lon", "blr"], ["nyc", "den", "lon"], ["lon", "ber", "nyc", "blr"]]
        big_sites = site_sets[int(rng.integers(0, len(site_sets)))]
        w = rng.dirichlet([3.0] * len(big_sites))
        w = 0.6 * w + 0.4 / len(big_sites)
        n_big = int(rng.integers(self.knobs["big_people_min"], self.knobs["big_people_max"] + 1))
        orgs = [dict(handle=big_handles[int(rng.integers(0, len(big_handles)))], sites=big_sites,
                     site_w=w, n=n_big, size="big")]
        if rng.random() < self.knobs["small_org_prob"]:
            s = ["den", "ber", "mel", "lon"][int(rng.integers(0, 4))]
            orgs.append(dict(handle=small_handles[int(rng.integers(0, len(small_handles)))], sites=[s],
                             site_w=np.array([1.0]),
                             n=int(rng.integers(self.knobs["small_people_min"],
                                                self.knobs["small_people_max"] + 1)), size="small"))
        for oi, spec in enumerate(orgs):
            self.make_org(oi, spec, self.R(100 + oi))

    def new_handle(self, rng, first, last, style=None):
        f, l_ = first.lower().replace("-", ""), last.lower()
        styles = [f[0] + l_, f + "-" + l_, f + l_, f + str(int(rng.integers(1, 99))), l_ + f[0],
                  f + "." + l_[:1], f[:3] + l_[:3]]
        wts = [0.33, 0.2, 0.14, 0.09, 0.1, 0.0, 0.14]
        i = style if style is not None else int(rng.choice(len(styles), p=np.array(wts) / sum(wts)))
        h = styles[i].replace(".", "")
        base = h
        n = 2
        while h in self.handles:
            h = f"{base}{n}"
            n += 1
        self.handles.add(h)
        return h

    def user_obj(self, a):
        return {"id": a.id, "handle": a.handle, "display_name": a.display, "avatar_url": a.avatar,
                "status": "accepted", "created_at": iso(a.created_ts), "updated_at": iso(a.updated_ts),
                "version_id": a.version}

    def new_actor(self, org, rng, kind, role, created_ts, first=None, last=None, handle=None,
                  display=None):
        if handle is None:
            first = first or FIRST[int(rng.integers(0, len(FIRST)))]
            last = last or LAST[int(rng.integers(0, len(LAST)))]
            handle = self.new_handle(rng, first, last)
            display = f"{first} {last}"
        else:
            self.handles.add(handle)
        a = Actor(idx=len(self.actors), org=org, kind=kind, role=role, handle=handle, display=display,
                  created_ts=created_ts, sessions=[], dormant=False, hire_k=None, leave_k=None,
                  la_tag={}, boost={}, adopter=False, last={}, tokens=[], team=None, trip=None)
        a.id = self.ids.past("u_", created_ts)
        a.updated_ts = created_ts + int(rng.integers(0, max(1, self.t0 - created_ts)))
        a.version = int(rng.integers(1, 30))
        a.avatar = f"https://pipes.turbot.com/api/v0/identity/{handle}/avatar?v={int(rng.integers(1, 90))}"
        a.uobj = self.user_obj(a)
        self.actors.append(a)
        org.actors.append(a)
        return a

    def make_org(self, oi, spec, rng):
        org = Actor(idx=oi, handle=spec["handle"], size=spec["size"], sites=spec["sites"], actors=[],
                    people=[], bots={})
        created = self.t0 - int(rng.integers(300, 1400)) * DAY - int(rng.integers(0, DAY))
        org.created_ts = created
        org.id = self.ids.past("o_", created)
        org.display = spec["handle"].replace("-", " ").title()
        org.tenant = "t_00000000000000000000" if spec["size"] == "small" else \
            self.ids.past("t_", created - int(rng.integers(10, 200)) * DAY)
        va, vb = CLOUD[int(rng.integers(0, len(CLOUD)))]
        vc = int(rng.integers(0, 256))
        org.corp_vpn = [f"{va}.{vb}.{vc}.{int(rng.integers(2, 250))}" for _ in range(int(rng.integers(2, 5)))]
        org.offices = {}
        for s in spec["sites"]:
            a, b = SITES[s]["office"]
            c = int(rng.integers(0, 256))
            org.offices[s] = [f"{a}.{b}.{c}.{int(rng.integers(2, 250))}" for _ in range(int(rng.integers(1, 3)))]
        org.main_site = spec["sites"][int(np.argmax(spec["site_w"]))]
        self.orgs.append(org)
        n = spec["n"]
        big = spec["size"] == "big"
        # teams and workspaces
        nteams = max(2, int(round(n / 14))) if big else 2
        teams = list(rng.choice(TEAMS, size=min(nteams, len(TEAMS)), replace=False))
        org.teams = teams
        org.ws_init = []  # (handle, team, created_ts)
        used = set()
        for tm in teams:
            for env in rng.choice(ENVS, size=int(rng.integers(1, 4)), replace=False):
                h = f"{tm}-{env}"
                if h not in used:
                    used.add(h)
                    org.ws_init.append((h, tm))
        for h in ["scratch", "shared-dashboards"] if big else ["main"]:
            org.ws_init.append((h, None))
        # connections
        nconn = int(len(org.ws_init) * rng.uniform(2.5, 4.5))
        org.conn_init = []
        cused = set()
        for _ in range(nconn):
            pl = PLUGINS[int(rng.integers(0, len(PLUGINS)))]
            tm = teams[int(rng.integers(0, len(teams)))]
            env = ["prod", "dev", "staging", "audit", "sandbox", "shared"][int(rng.integers(0, 6))]
            if pl == "aws":
                h = f"aws_{tm}_{env}" if rng.random() < 0.6 else f"aws_{int(rng.integers(10**11, 10**12))}"
            elif pl in ("azure", "gcp"):
                h = f"{pl}_{tm}_{env}"
            else:
                h = f"{pl}_{env}" if rng.random() < 0.5 else f"{pl}_{tm}"
            if h in cused:
                continue
            cused.add(h)
            org.conn_init.append((h, pl, tm))
        # people
        roles_big = ["platform_eng", "data_eng", "security_analyst", "analyst", "manager", "contractor"]
        rw_big = np.array([0.24, 0.18, 0.19, 0.2, 0.11, 0.05])
        n_admin = int(rng.integers(2, 5)) if big else 1
        n_fin = int(rng.integers(1, 4)) if big else 1
        roles = ["org_admin"] * n_admin + ["finance"] * n_fin
        roles += list(rng.choice(roles_big, size=n - len(roles), p=rw_big / rw_big.sum()))
        for i, role in enumerate(roles):
            site = spec["sites"][int(rng.choice(len(spec["sites"]), p=spec["site_w"] / spec["site_w"].sum()))]
            created = self.t0 - int(rng.gamma(1.6, 320)) * DAY - int(rng.integers(0, DAY))
            created = max(created, org.created_ts + int(rng.integers(0, 30)) * DAY)
            a = self.new_actor(org, rng, "person", role, created)
            self.setup_person(a, org, site, rng)
            org.people.append(a)
        # hires during the timeline (1-2% of headcount per month), leavers
        n_hire = int(rng.poisson(n * 0.017 * self.days / 30)) + (1 if big else 0)
        for _ in range(n_hire):
            k = int(rng.integers(2, self.days - 1))
            role = str(rng.choice(roles_big, p=rw_big / rw_big.sum()))
            site = spec["sites"][int(rng.choice(len(spec["sites"]), p=spec["site_w"] / spec["site_w"].sum()))]
            a = self.new_actor(org, rng, "person", role, self.t0 + (k - int(rng.integers(5, 15))) * DAY + int(rng.integers(0, DAY)))
            a.hire_k = k
            self.setup_person(a, org, site, rng)
            org.people.append(a)
        n_leave = int(rng.poisson(n * 0.012 * self.days / 30))
        cands = [a for a in org.people if a.hire_k is None and a.role not in ("org_admin",)]
        for j in rng.choice(len(cands), size=min(n_leave, len(cands)), replace=False):
            cands[int(j)].leave_k = int(rng.integers(3, self.days - 1))
        # dormant accounts: ex-contractors / people who stopped using Pipes, never removed
        n_dorm = max(1, int(round(n * rng.uniform(0.03, 0.07))))
        cands = [a for a in org.people if a.hire_k is None and a.leave_k is None and a.role not in ("org_admin", "finance")]
        for j in rng.choice(len(cands), size=min(n_dorm, len(cands)), replace=False):
            p = cands[int(j)]
            p.dormant = True
            p.dormant_k = int(rng.integers(-1, 8))  # last active local day
        # bots
        bot_specs = [("scheduler", "svc-scheduler", "Snapshot Scheduler"),
                     ("ci", "ci-deploy", "CI Deploy"),
                     ("terraform", "terraform-pipes", "Terraform")]
        if big:
            bot_specs += [("rotator", "cred-rotator", "Credential Rotator"),
                          ("datatank", "datatank-loader", "Datatank Loader"),
                          ("idp", "idp-sync", "IdP Sync"),
                          ("reporter", "report-exporter", "Report Exporter")]
        alt = {"svc-scheduler": ["svc-scheduler", "sched-bot", "pipes-scheduler", "snapshot-bot"],
               "ci-deploy": ["ci-deploy", "gha-deployer", "ci-bot", "build-bot"],
               "terraform-pipes": ["terraform-pipes", "tf-provisioner", "iac-bot", "tf-automation"]}
        for kind, h, disp in bot_specs:
            opts = alt.get(h, [h])
            hh = opts[int(rng.integers(0, len(opts)))]
            while hh in self.handles:
                hh = hh + "-" + org.handle.split("-")[0][:4]
            created = org.created_ts + int(rng.integers(5 * DAY, 200 * DAY))
            b = self.new_actor(org, rng, "bot", "service:" + kind, created, handle=hh, display=disp)
            b.bot_kind = kind
            b.ip_epochs = self.bot_ip_epochs(rng, kind)
            org.bots[kind] = b

    def bot_ip_epochs(self, rng, kind):
        out = []
        k = -1
        while k < self.days + 2:
            n_ips = 1 if kind != "reporter" else 2
            out.append((k, [self.v4(rng, CLOUD) for _ in range(n_ips)]))
            k += int(rng.integers(9, 30))
        return out

    def bot_ip(self, b, t, rng):
        k = int((t - self.t0) // DAY)
        ips = b.ip_epochs[0][1]
        for s, v in b.ip_epochs:
            if k >= s:
                ips = v
        return ips[int(rng.integers(0, len(ips)))]

    def setup_person(self, a, org, site, rng):
        S = SITES[site]
        a.site = site
        a.country = S["country"]
        a.zone = S["zone"]
        if org.size == "big" and rng.random() < 0.04:  # remote abroad (e.g. living in Portugal)
            c = ["pt", "nz", "ca", "pl"][int(rng.integers(0, 4))]
            a.country = c
            a.zone = COUNTRY_ZONE[c]
            a.remote_abroad = True
        else:
            a.remote_abroad = False
        p_act, sess_l, task_l = ROLE_PARAMS[a.role]
        eng = float(rng.lognormal(0, 0.45))
        a.p_active = min(0.97, p_act * (0.6 + 0.4 * eng))
        a.sess_lam = sess_l * eng * self.knobs["activity"]
        a.task_lam = 1.3 * task_l * float(rng.lognormal(0, 0.3))
        if rng.random() < 0.08 and a.role not in ("org_admin", "finance"):  # rare users
            a.p_active *= 0.15
        base = ROLE_TASKS[a.role]
        vec = np.array([base.get(t, 0.0) for t in TASKS]) + 1e-4
        a.task_w = rng.dirichlet(vec / vec.sum() * 25 + 0.02)
        a.task_w[TASKS.index("billing")] = 0.0
        a.task_w /= a.task_w.sum()
        a.share_p = float(rng.beta(1.2, 12))
        a.start_h = float(np.clip(rng.normal(8.7, 0.9), 6.0, 11.5))
        a.day_len = float(np.clip(rng.normal(8.6, 0.8), 6.5, 11))
        a.evening_p = float(rng.beta(1.3, 14))
        a.weekend_p = float(rng.beta(1.1, 18))
        a.team = org.teams[int(rng.integers(0, len(org.teams)))]
        remote = a.remote_abroad or rng.random() < 0.3
        a.office_days = set() if remote else set(int(x) for x in rng.choice(5, size=int(rng.integers(1, 5)), replace=False))
        a.corp_vpn_p = float(rng.choice([0.0, 0.1, 0.5, 0.9], p=[0.45, 0.25, 0.15, 0.15]))
        a.mobile_p = float(rng.beta(1.2, 16))
        a.privacy_vpn = rng.random() < self.knobs["privacy_vpn_share"]
        a.vpn_exits = [self.vpn_exits[int(i)][0] for i in rng.choice(len(self.vpn_exits), size=3, replace=False)]
        res = RES[a.country]
        a.isp = [res[int(rng.integers(0, len(res)))]]
        a.has_v6 = a.country in V6_RES and rng.random() < self.knobs["v6_share"]
        if a.has_v6:
            g1, g2 = V6_RES[a.country][int(rng.integers(0, len(V6_RES[a.country])))]
            a.v6_pfx = f"{g1:x}:{g2:x}:{int(rng.integers(0, 65536)):x}:{int(rng.integers(0, 256)) << 8:x}"
        a.oncall = a.role in ("platform_eng",) and rng.random() < 0.5
        a.home_v4 = []
        a.v6_iid = {}

    # ---------------------------------------------------------------------------------- life
    def plan_life(self):
        D = self.days
        for a in self.actors:
            if a.kind != "person":
                continue
            rng = self.R(5000 + a.idx)
            st = np.full(D + 3, WORK, dtype=np.int8)
            hol = self.hol.get(a.country if a.country in self.hol else "", set())
            if a.remote_abroad:
                hol = set()
            for j, d in enumerate(self.dates):
                if d.weekday() >= 5:
                    st[j] = WEEKEND
                elif d in hol:
                    st[j] = HOLIDAY
            # vacation block
            if rng.random() < 0.5:
                L = int(rng.integers(3, 11))
                s = int(rng.integers(0, D))
                st[s:s + L] = np.where(st[s:s + L] == WORK, VAC, st[s:s + L])
            if rng.random() < 0.35:  # a long weekend
                s = int(rng.integers(0, D))
                for q in range(s, min(D + 3, s + int(rng.integers(1, 4)))):
                    if st[q] == WORK:
                        st[q] = VAC
            # sick days
            j = 0
            while j < D + 3:
                if st[j] == WORK and rng.random() < 0.011:
                    L = int(rng.integers(1, 4))
                    for q in range(j, min(D + 3, j + L)):
                        if st[q] == WORK:
                            st[q] = SICK
                    j += L
                j += 1
            if a.hire_k is not None:
                st[: a.hire_k + 1] = OUT
            if a.leave_k is not None:
                st[a.leave_k + 2:] = OUT
            if a.dormant:
                st[a.dormant_k + 2:] = OUT
            a.status = st
            a.trip = [None] * (D + 3)
            # home IPv4 with renumbering
            ip = self.v4(rng, a.isp)
            arr = []
            for j in range(D + 3):
                if rng.random() < 1.0 / self.knobs["renumber_days"]:
                    ip = self.v4(rng, a.isp)
                arr.append(ip)
            a.home_v4 = arr

    # ---------------------------------------------------------------------------------- helpers
    def local_ts(self, a, k, hour, zone=None):
        """UTC epoch of local `hour` on local date index k (k in -1..days)."""
        d = self.dates[k + 1]
        z = zone or (a.trip[k + 1][0] if a.kind == "person" and a.trip[k + 1] else a.zone)
        return day_ts(d) + int(hour * 3600) - int(zone_offset(z, d) * 3600)

    def home_ip(self, a, k, rng):
        j = k + 1
        if a.has_v6 and rng.random() < 0.85:
            iid = a.v6_iid.get(j)
            if iid is None:
                iid = ":".join(f"{int(x):x}" for x in rng.integers(0, 65536, size=4))
                a.v6_iid[j] = iid
            ip = f"{a.v6_pfx}:{iid}"
            self.note_prefix("res_" + a.country, ip)
            return ip
        ip = a.home_v4[j]
        self.note_prefix("res_" + a.country, ip)
        return ip

    def mobile_ip(self, country, rng):
        if country in V6_MOBILE and rng.random() < 0.4:
            g1, g2 = V6_MOBILE[country]
            ip = f"{g1:x}:{g2:x}:" + ":".join(f"{int(x):x}" for x in rng.integers(0, 65536, size=6))
        else:
            ip = self.v4(rng, MOBILE.get(country, RES[country]))
        self.note_prefix("mobile_" + country, ip)
        return ip

    def session_ip(self, a, k, hour, rng, status):
        j = k + 1
        trip = a.trip[j]
        org = a.org
        if trip:
            zone, country, hotel = trip
            r = rng.random()
            if a.privacy_vpn and r < 0.6:
                ip = a.vpn_exits[int(rng.integers(0, 3))]
                self.note_prefix("vpn", ip)
                return ip
            if r < 0.3:
                ip = org.corp_vpn[int(rng.integers(0, len(org.corp_vpn)))]
                self.note_prefix("corp_vpn", ip)
                return ip
            if r < 0.45:
                return self.mobile_ip(a.country, rng)  # roaming: home carrier address
            self.note_prefix("res_" + country, hotel)
            return hotel
        wd = self.dates[j].weekday()
        if status == WORK and wd in a.office_days and 7.0 <= hour <= 18.5:
            return org.offices[a.site][int(rng.integers(0, len(org.offices[a.site])))]
        r = rng.random()
        if a.privacy_vpn and r < 0.75:
            ip = a.vpn_exits[int(rng.integers(0, 3))]
            self.note_prefix("vpn", ip)
            return ip
        if rng.random() < a.corp_vpn_p:
            ip = org.corp_vpn[int(rng.integers(0, len(org.corp_vpn)))]
            self.note_prefix("corp_vpn", ip)
            return ip
        if rng.random() < a.mobile_p:
            return self.mobile_ip(a.country, rng)
        return self.home_ip(a, k, rng)

    # task expansion -> list of (action, gap_seconds, hint)
    def task_actions(self, a, task, rng, k):
        out = []
        g = lambda: float(rng.lognormal(3.6, 1.0))  # ~37 s median gap
        if task == "snapshot":
            for _ in range(1 + int(rng.geometric(0.45)) - 1):
                vis = "anyone_with_link" if rng.random() < a.share_p else "workspace"
                out.append(("workspace.snapshot.create", g(), {"vis": vis}))
        elif task == "snap_share":
            out.append(("workspace.snapshot.create", g(), {"vis": "workspace"}))
            out.append(("workspace.snapshot.update", g(), {"vis": "anyone_with_link", "last": 1}))
        elif task == "snap_cleanup":
            for _ in range(int(rng.integers(1, 6))):
                out.append(("workspace.snapshot.delete", g() / 3, None))
        elif task == "conn_edit":
            for _ in range(int(rng.integers(1, 4))):
                out.append((("workspace.connection.update" if rng.random() < 0.6 else "connection.update"), g(), None))
        elif task == "conn_new":
            out.append(("connection.create", g(), None))
            for _ in range(int(rng.integers(1, 3))):
                out.append(("workspace.connection.create", g(), {"conn": "last"}))
        elif task == "conn_remove":
            out.append(("workspace.connection.delete", g(), None))
            if rng.random() < 0.3:
                out.append(("connection.delete", g(), {"owned_by": a.idx}))
        elif task == "pipe_edit":
            out.append(("workspace.pipeline.update", g(), None))
            if rng.random() < 0.7:
                out.append(("workspace.pipeline.command.run", g() / 2, {"pipe": "last"}))
        elif task == "pipe_new":
            out.append(("workspace.pipeline.create", g(), None))
            out.append(("workspace.pipeline.command.run", g() / 2, {"pipe": "last"}))
        elif task == "pipe_remove":
            out.append(("workspace.pipeline.delete", g(), None))
        elif task == "mod":
            r = rng.random()
            if r < 0.2:
                out.append(("workspace.mod.install", g(), None))
                out.append(("workspace.mod.variable.update", g(), {"mod": "last"}))
            elif r < 0.6:
                out.append(("workspace.mod.update", g(), None))
            else:
                for _ in range(int(rng.integers(1, 4))):
                    out.append(("workspace.mod.variable.update", g(), None))
        elif task == "mod_remove":
            out.append(("workspace.mod.uninstall", g(), None))
        elif task == "ws_admin":
            r = rng.random()
            if r < 0.4:
                out.append(("workspace.update", g(), None))
            else:
                out.append((("org.workspace.member.add" if rng.random() < 0.5 else "org.workspace.member.update"), g(), None))
        elif task == "ws_new":
            h = self.ws_name(a, rng)
            out.append(("workspace.create", g(), {"new_ws": h}))
            for _ in range(int(rng.integers(1, 4))):
                out.append(("workspace.connection.create", g(), {"ws": "last"}))
            out.append(("workspace.mod.install", g(), {"ws": "last"}))
        elif task == "ws_ops":
            r = rng.random()
            out.append((("workspace.reboot" if r < 0.35 else "workspace.update"), g(), None))
        elif task == "agg":
            out.append((("workspace.aggregator.update" if rng.random() < 0.7 else "workspace.aggregator.create"), g(), None))
        elif task == "tank":
            r = rng.random()
            out.append((("workspace.datatank.update" if r < 0.8 else "workspace.datatank.create"), g(), None))
        elif task == "token":
            out.append(("token.create", g(), None))
            if rng.random() < 0.5:
                out.append(("token.delete", g(), {"old": 1}))
        elif task == "member_admin":
            r = rng.random()
            if r < 0.55:
                out.append(("org.workspace.member.add", g(), None))
            elif r < 0.85:
                out.append(("org.workspace.member.update", g(), None))
            elif r < 0.95:
                out.append(("org.workspace.member.delete", g(), None))
            else:
                out.append(("org.member.update", g(), None))
        elif task == "org_settings":
            out.append(("org.update", g(), None))
        elif task == "billing":
            r = rng.random()
            if r < 0.5:
                out.append(("org.subscription.update", g(), None))
            elif r < 0.8:
                out.append(("org.billing.payment_method.update", g(), None))
            elif r < 0.93:
                out.append(("org.billing.payment_method.create", g(), None))
                out.append(("org.billing.payment_method.update", g(), {"pm": "last", "default": 1}))
            else:  # an expired card removed
                out.append(("org.billing.payment_method.delete", g(), {"pm": "old"}))
        return out

    def ws_name(self, a, rng):
        r = rng.random()
        if r < 0.35:
            return f"sandbox-{a.handle}"
        if r < 0.7:
            return f"{a.team}-{WORDS[int(rng.integers(0, len(WORDS)))]}"
        return f"{a.team}-{ENVS[int(rng.integers(0, len(ENVS)))]}-{int(rng.integers(2, 9))}"

    # ---------------------------------------------------------------------------------- humans
    def month_end(self, d):
        """Last two workdays of a month or first workday of the next."""
        nxt = d + dt.timedelta(days=1)
        n2 = d + dt.timedelta(days=4)
        if d.day <= 2 and d.weekday() < 5:
            return True
        return d.weekday() < 5 and (n2.month != d.month) and nxt.month == d.month or \
            (d.weekday() < 5 and nxt.month != d.month)

    def gen_person(self, a, launch_k):
        rng = self.R(10000 + a.idx)
        D = self.days
        for k in range(-1, D + 1):
            j = k + 1
            st = a.status[j]
            if st in (OUT, SICK, LEAVE):
                continue
            d = self.dates[j]
            trip = a.trip[j]
            if st == VAC:
                if rng.random() > 0.04:
                    continue
                n_sess = 1
                p_short = True
            elif st in (WEEKEND, HOLIDAY):
                if rng.random() > a.weekend_p * (3 if trip else 1):
                    continue
                n_sess = 1
                p_short = True
            else:
                pa = a.p_active
                if a.role == "finance" and self.month_end(d):
                    pa = 0.9
                if trip:
                    pa = max(pa, 0.75)
                if a.hire_k is not None and k <= a.hire_k + 5:
                    pa = max(pa, 0.85)
                if j in a.boost:
                    pa = 1.0
                if rng.random() > pa:
                    continue
                n_sess = 1 + int(rng.poisson(a.sess_lam))
                p_short = False
            hours = []
            for _ in range(n_sess):
                if not p_short and rng.random() < a.evening_p:
                    h = a.start_h + a.day_len + rng.uniform(1.5, 5.0)
                elif p_short:
                    h = rng.uniform(9, 22)
                else:
                    u = rng.beta(1.6, 1.6) if rng.random() < 0.8 else rng.random()
                    h = a.start_h + u * a.day_len
                hours.append(min(h, 23.9))
            hours.sort()
            last_end = -1
            for h in hours:
                t = self.local_ts(a, k, h)
                if t < last_end + 120:
                    t = last_end + int(rng.integers(120, 1800))
                ip = self.session_ip(a, k, h, rng, st)
                t0 = t
                ntask = 1 + int(rng.poisson(a.task_lam * (0.5 if p_short else 1.0)))
                if a.hire_k is not None and k <= a.hire_k + 3:
                    ntask += 2
                ntask += a.boost.get(j, 0)
                for _ in range(ntask):
                    w = a.task_w
                    if a.role == "finance" and self.month_end(d):
                        task = "billing" if rng.random() < 0.5 else TASKS[int(rng.choice(len(TASKS), p=w))]
                    else:
                        task = TASKS[int(rng.choice(len(TASKS), p=w))]
                    if (launch_k is not None and k >= launch_k and a.adopter and rng.random() < 0.12):
                        acts = [("workspace.notifier.create" if rng.random() < 0.45 else "workspace.notifier.update",
                                 float(rng.lognormal(3.6, 1.0)),
                                 {"la": "new_feature_adoption"} if k < launch_k + 5 else None)]
                    else:
                        acts = self.task_actions(a, task, rng, k)
                    for act, gap, hint in acts:
                        t += int(gap) + 1
                        la = a.la_tag.get(j)
                        if hint and "la" in hint:
                            la = hint["la"]
                        self.add(t, a, act, ip, hint, la=la)
                    t += int(rng.lognormal(4.5, 1.0))
                last_end = t
                if self.t0 <= t0 < self.t_end:
                    a.sessions.append((t0, t, ip, k))

    def gen_onboarding(self):
        """Hires: admin adds them (org.member.add), idp-sync/admin adds workspaces; first-day acceptance."""
        for org in self.orgs:
            rng = self.R(700 + org.idx)
            admins = [p for p in org.people if p.role == "org_admin"]
            for a in org.people:
                if a.hire_k is None or getattr(a, "contractor_owner", False):
                    continue
                adm = admins[int(rng.integers(0, len(admins)))]
                kk = a.hire_k - int(rng.integers(1, 4))
                t = self.local_ts(adm, kk, rng.uniform(9.5, 16.5))
                la = "new_hire"
                ip = self.session_ip(adm, kk, 11.0, rng, WORK)
                self.add(t, adm, "org.member.add", ip, {"member": a.idx, "role": "member", "status": "invited"})
                t1 = self.local_ts(a, a.hire_k, a.start_h + rng.uniform(0.3, 1.5))
                ip1 = self.session_ip(a, a.hire_k, a.start_h + 1, rng, WORK)
                self.add(t1, a, "org.member.update", ip1, {"member": a.idx, "status": "accepted", "self": 1}, la=la)
                org_ws = "idp" in org.bots
                for q in range(int(rng.integers(1, 4))):
                    tt = t1 + int(rng.integers(600, 4 * 3600))
                    if org_ws:
                        b = org.bots["idp"]
                        self.add(tt, b, "org.workspace.member.add", self.bot_ip(b, tt, rng),
                                 {"member": a.idx, "role": "reader", "ws": "team:" + a.team})
                    else:
                        self.add(tt, adm, "org.workspace.member.add", ip, {"member": a.idx, "role": "operator", "ws": "team:" + a.team})
                self.add(t1 + int(rng.integers(1800, 5 * 3600)), a, "token.create", ip1, None, la=la)
                for q in range(2):
                    if a.hire_k + q < self.days:
                        a.la_tag = a.la_tag or {}
                        a.la_tag.setdefault(a.hire_k + 1 + q, la)
            # leavers: admin removes (some forgotten -> later), idp-sync strips workspaces
            for a in org.people:
                if a.leave_k is None:
                    continue
                if rng.random() < 0.15:
                    continue  # forgotten account
                kk = a.leave_k + int(rng.integers(0, 5))
                if kk >= self.days:
                    continue
                adm = admins[int(rng.integers(0, len(admins)))]
                if self.dates[kk + 1].weekday() >= 5:
                    kk += 2
                t = self.local_ts(adm, kk, rng.uniform(9.5, 17))
                ip = self.session_ip(adm, kk, 11.0, rng, WORK)
                self.add(t, adm, "org.member.delete", ip, {"member": a.idx})
                if "idp" in org.bots:
                    b = org.bots["idp"]
                    for q in range(int(rng.integers(1, 4))):
                        tt = t + int(rng.integers(300, 2400))
                        self.add(tt, b, "org.workspace.member.delete", self.bot_ip(b, tt, rng), {"member": a.idx})

    # ---------------------------------------------------------------------------------- bots
    def gen_bots(self, launch_k):
        for org in self.orgs:
            for kind, b in org.bots.items():
                rng = self.R(20000 + b.idx)
                getattr(self, "bot_" + kind)(org, b, rng, launch_k)

    def in_outage(self, t, windows):
        for s, e in windows:
            if s <= t < e:
                return (s, e)
        return None

    def bot_scheduler(self, org, b, rng, launch_k):
        # scheduled pipelines: frequency, phase
        nws = len(org.ws_init)
        n = max(4, int(rng.poisson(self.knobs["sched_pipelines_per_ws"] * nws)))
        freqs = rng.choice(["hourly", "4h", "daily", "weekly", "30m"], size=n, p=[0.32, 0.18, 0.38, 0.08, 0.04])
        org.sched = []
        fast = [i for i in range(n) if freqs[i] in ("hourly", "30m", "4h")] or list(range(n))
        flagged = set(int(fast[int(x)]) for x in rng.choice(len(fast), size=min(len(fast), max(1, int(round(0.035 * n)))), replace=False))
        for i in range(n):
            kind = "snapshot" if rng.random() < 0.85 else "command"
            notif_k = None
            if launch_k is not None and i in flagged:
                notif_k = launch_k + int(rng.integers(1, max(2, self.days - launch_k)))
            org.sched.append(dict(key=i, freq=str(freqs[i]), minute=int(rng.integers(0, 60)),
                                  hour=int(rng.integers(0, 24)), wd=int(rng.integers(0, 7)),
                                  kind=kind, notif_k=notif_k))
        outages = list(self.platform_outages)
        for p in org.sched:
            period = {"hourly": 3600, "4h": 4 * 3600, "daily": DAY, "weekly": 7 * DAY, "30m": 1800}[p["freq"]]
            if p["freq"] == "weekly":
                first = self.t0 + ((p["wd"] - self.start.weekday()) % 7) * DAY + p["hour"] * 3600 + p["minute"] * 60
            elif p["freq"] == "daily":
                first = self.t0 + p["hour"] * 3600 + p["minute"] * 60
            elif p["freq"] == "4h":
                first = self.t0 + (p["hour"] % 4) * 3600 + p["minute"] * 60
            elif p["freq"] == "30m":
                first = self.t0 + (p["minute"] % 30) * 60
            else:
                first = self.t0 + p["minute"] * 60
            t = first
            missed = None
            act = "workspace.snapshot.create" if p["kind"] == "snapshot" else "workspace.pipeline.command.run"
            while t < self.t_end:
                o = self.in_outage(t, outages)
                if o:
                    missed = o
                else:
                    if missed is not None:  # catch-up: run the last missed schedule right after recovery
                        tc = missed[1] + int(rng.integers(20, 900))
                        self.add(tc, b, act, self.platform_ip(tc, rng), {"sched": p["key"], "vis": "workspace"},
                                 la="bot_catchup")
                        missed = None
                    tt = t + int(rng.integers(2, 50))
                    ip = self.platform_ip(tt, rng)
                    self.add(tt, b, act, ip, {"sched": p["key"], "vis": "workspace"})
                    kd = int((tt - self.t0) // DAY)
                    if p["notif_k"] is not None and kd >= p["notif_k"]:
                        self.add(tt + int(rng.integers(3, 40)), b, "workspace.notifier.send", ip, {"sched": p["key"]})
                t += period

    def bot_ci(self, org, b, rng, launch_k):
        # pushes from engineers' sessions
        engs = [p for p in org.people if p.role in ("platform_eng", "data_eng", "contractor", "security_analyst")]
        for p in engs:
            for (t0, t1, ip, k) in p.sessions:
                if rng.random() < 0.3:
                    t = t1 + int(rng.integers(120, 1500))
                    run_ip = self.v4(rng, RUNNERS)
                    self.note_prefix("cloud", run_ip)
                    nws = int(rng.integers(1, 4))
                    wsh = "team:" + p.team
                    for q in range(nws):
                        t += int(rng.integers(20, 200))
                        self.add(t, b, "workspace.mod.update", run_ip, {"ws": wsh})
                        if rng.random() < 0.35:
                            self.add(t + int(rng.integers(5, 60)), b, "workspace.mod.variable.update", run_ip, {"ws": wsh})
        # nightly build 03:xx UTC on weekdays; release every 2nd week (Tue/Wed) afternoon at the main site
        main_zone = SITES[org.main_site]["zone"]
        phase = int(rng.integers(0, 2))
        rel_wd = int(rng.integers(1, 3))
        for k in range(-1, self.days + 1):
            d = self.dates[k + 1]
            if d.weekday() < 5:
                t = day_ts(d) + 3 * 3600 + int(rng.integers(0, 1800))
                run_ip = self.v4(rng, RUNNERS)
                self.note_prefix("cloud", run_ip)
                for q in range(int(rng.integers(2, 6))):
                    t += int(rng.integers(30, 240))
                    self.add(t, b, "workspace.mod.update", run_ip, {"ws": "env:staging"})
            wk = (d - self.start).days // 7
            if d.weekday() == rel_wd and wk % 2 == phase:
                t = day_ts(d) + int((14 + rng.uniform(0, 2.5) - zone_offset(main_zone, d)) * 3600)
                n = int(rng.integers(15, 45)) if org.size == "big" else int(rng.integers(4, 10))
                run_ip = self.v4(rng, RUNNERS)
                self.note_prefix("cloud", run_ip)
                for q in range(n):
                    t += int(rng.integers(5, 90))
                    if q % 12 == 11:
                        run_ip = self.v4(rng, RUNNERS)
                    act = "workspace.mod.update" if rng.random() < 0.75 else "workspace.mod.variable.update"
                    self.add(t, b, act, run_ip, {"ws": "any"}, la="release_day_ci_burst")

    def bot_terraform(self, org, b, rng, launch_k):
        main = org.main_site
        zone = SITES[main]["zone"]
        outages = []
        if rng.random() < 0.5:
            s = self.t0 + int(rng.integers(3, self.days - 2)) * DAY
            outages.append((s, s + int(rng.integers(1, 3)) * DAY))
        b.outages = outages
        catch = False
        for k in range(-1, self.days + 1):
            d = self.dates[k + 1]
            t = day_ts(d) + int((2.0 - zone_offset(zone, d)) * 3600) + int(rng.integers(0, 600))
            if self.in_outage(t, outages):
                catch = True
                continue
            ip = self.bot_ip(b, t, rng)
            n = int(rng.poisson(1.3)) + (int(rng.integers(6, 15)) if catch else 0)
            for q in range(n):
                t += int(rng.integers(3, 40))
                act = ["workspace.connection.update", "org.workspace.member.update", "workspace.update",
                       "connection.update", "workspace.aggregator.update"][int(rng.integers(0, 5))]
                self.add(t, b, act, ip, None, la=("bot_catchup" if catch else None))
            catch = False
            if d.weekday() < 5 and d not in self.hol.get(SITES[main]["country"], set()):
                for r in range(int(rng.poisson(1.1 if org.size == "big" else 0.4))):
                    t = day_ts(d) + int((rng.uniform(9.5, 17.5) - zone_offset(zone, d)) * 3600)
                    if self.in_outage(t, outages):
                        continue
                    ip = self.bot_ip(b, t, rng)
                    for q in range(int(rng.integers(2, 10))):
                        t += int(rng.integers(2, 25))
                        x = rng.random()
                        if x < 0.25:
                            self.add(t, b, "connection.create", ip, None)
                            t += 3
                            self.add(t, b, "workspace.connection.create", ip, {"conn": "last", "ws": "any"})
                        elif x < 0.5:
                            self.add(t, b, "workspace.connection.update", ip, {"ws": "any"})
                        elif x < 0.7:
                            self.add(t, b, "org.workspace.member.add", ip, {"ws": "any"})
                        elif x < 0.85:
                            self.add(t, b, "workspace.aggregator.update", ip, {"ws": "any"})
                        elif x < 0.93 and launch_k is not None and k >= launch_k:
                            self.add(t, b, "workspace.notifier.create", ip, {"ws": "any"})
                        else:
                            self.add(t, b, "workspace.update", ip, {"ws": "any"})

    def bot_rotator(self, org, b, rng, launch_k):
        missed = 0
        out_day = int(rng.integers(0, self.days)) if rng.random() < 0.6 else -99
        b.outages = []
        for k in range(0, self.days):
            d = self.dates[k + 1]
            if k in (out_day, out_day + 1):
                missed += 1
                b.outages.append((day_ts(d), day_ts(d) + DAY))
                continue
            t = day_ts(d) + 4 * 3600 + int(rng.integers(0, 900))
            ip = self.bot_ip(b, t, rng)
            n = int(rng.integers(12, 30)) * (1 + missed)
            for q in range(n):
                t += int(rng.integers(3, 25))
                self.add(t, b, "connection.update", ip, {"plugin": "aws"}, la=("bot_catchup" if missed else None))
            missed = 0

    def bot_datatank(self, org, b, rng, launch_k):
        ntank = int(rng.integers(3, 8))
        b.tanks = ntank
        for i in range(ntank):
            minute = int(rng.integers(0, 60))
            period = [3600, 3600, 7200, 1800][int(rng.integers(0, 4))]
            t = self.t0 + minute * 60
            while t < self.t_end:
                if not self.in_outage(t, self.platform_outages):
                    tt = t + int(rng.integers(1, 90))
                    self.add(tt, b, "workspace.datatank.update", self.platform_ip(tt, rng), {"tank": i})
                t += period

    def bot_idp(self, org, b, rng, launch_k):
        for k in range(0, self.days):
            d = self.dates[k + 1]
            t = day_ts(d) + 1 * 3600 + int(rng.integers(0, 3600))
            for q in range(int(rng.poisson(0.8))):
                t += int(rng.integers(2, 30))
                self.add(t, b, "org.member.update", self.bot_ip(b, t, rng), {"profile": 1})

    def bot_reporter(self, org, b, rng, launch_k):
        zone = SITES[org.main_site]["zone"]
        for k in range(-1, self.days + 1):
            d = self.dates[k + 1]
            if d.weekday() >= 5:
                continue
            t = day_ts(d) + int((7.5 - zone_offset(zone, d)) * 3600) + int(rng.integers(0, 300))
            ip = self.bot_ip(b, t, rng)
            for q in range(int(rng.integers(8, 22))):
                t += int(rng.integers(4, 40))
                vis = "anyone_with_link" if rng.random() < 0.2 else "workspace"
                self.add(t, b, "workspace.snapshot.create", ip, {"vis": vis, "ws": "env:reports"})
            if d.day == 1 or (d.weekday() == 0 and d.day <= 3):
                for q in range(int(rng.integers(10, 25))):
                    t += int(rng.integers(4, 40))
                    self.add(t, b, "workspace.snapshot.create", ip, {"vis": "anyone_with_link", "ws": "any"})

    # ---------------------------------------------------------------------------------- look-alikes
    def test_k_range(self, margin_end=1):
        return self.train_days + 1, self.days - 1 - margin_end

    def n_instances(self, rng, lo=1, hi=3):
        r = self.knobs["lookalike_rate"]
        if r <= 0:
            return 0
        return max(1, int(round(rng.integers(lo, hi + 1) * r)))

    def create_lookalike_actors(self):
        """Actors that only exist because of a look-alike (contractors onboarded as owners)."""
        rng = self.R(40001)
        big = self.orgs[0]
        self.contractors = []
        k0, k1 = self.test_k_range(3)
        for i in range(self.n_instances(rng, 1, 2)):
            k = int(rng.integers(k0, k1))
            while self.dates[k + 1].weekday() >= 5:
                k += 1
            a = self.new_actor(big, rng, "person", "contractor", self.t0 + k * DAY - DAY - int(rng.integers(600, 3 * DAY)))
            c = ["ph", "pl", "pt", "br", "sg"][int(rng.integers(0, 5))]
            self.setup_person(a, big, big.main_site, rng)
            a.country, a.zone, a.isp = c, COUNTRY_ZONE[c], [RES[c][int(rng.integers(0, len(RES[c])))]]
            a.has_v6 = False
            a.office_days = set()
            a.hire_k = k
            a.contractor_owner = True
            big.people.append(a)
            self.contractors.append(a)
        # one more contractor in the training period, so owner-contractors are not new in kind
        if self.train_days > 10:
            k = int(rng.integers(5, self.train_days - 3))
            a = self.new_actor(big, rng, "person", "contractor", self.t0 + k * DAY - DAY - int(rng.integers(600, 3 * DAY)))
            c = ["ph", "pl", "pt", "br", "sg"][int(rng.integers(0, 5))]
            self.setup_person(a, big, big.main_site, rng)
            a.country, a.zone, a.isp = c, COUNTRY_ZONE[c], [RES[c][int(rng.integers(0, len(RES[c])))]]
            a.has_v6 = False
            a.office_days = set()
            a.hire_k = k
            a.contractor_owner = True
            big.people.append(a)
            self.contractors.append(a)

    def people(self, org=None, roles=None, exclude=(), need_k=None, ok_dormant=False):
        out = []
        for a in (org.people if org else [p for o in self.orgs for p in o.people]):
            if roles and a.role not in roles:
                continue
            if a.idx in exclude or a.role == "backdoor":
                continue
            if a.dormant and not ok_dormant:
                continue
            if getattr(a, "contractor_owner", False):
                continue
            if need_k is not None and a.status[need_k + 1] == OUT:
                continue
            out.append(a)
        return out

    def plan_lookalikes(self):
        D, T = self.days, self.train_days
        k0, k1 = self.test_k_range()
        self.la_people = set()
        big = self.orgs[0]
        rng = self.R(40002)
        # --- travel (train and test): trips of 3-8 days abroad
        n_trip_test = self.n_instances(rng, 2, 4)
        n_trip = n_trip_test + int(rng.integers(2, 5))
        for i in range(n_trip):
            org = self.orgs[0] if (len(self.orgs) == 1 or rng.random() < 0.8) else self.orgs[1]
            cands = [p for p in self.people(org, exclude=self.la_people) if p.p_active > 0.35] or self.people(org)
            a = cands[int(rng.integers(0, len(cands)))]
            test = i < n_trip_test
            s = int(rng.integers(k0, k1 - 3)) if test else int(rng.integers(1, max(2, T - 8)))
            L = int(rng.integers(3, 9))
            dest = [c for c in FOREIGN + ["us", "uk", "au", "de"] if c != a.country]
            c = dest[int(rng.integers(0, len(dest)))]
            hotel = self.v4(rng, RES[c])
            for j in range(s + 1, min(D + 2, s + 1 + L)):
                if a.status[j] != OUT:
                    a.trip[j] = (COUNTRY_ZONE[c], c, hotel)
                    if a.status[j] in (VAC, SICK):
                        a.status[j] = WORK
                    a.la_tag[j] = "travel"
            if test:
                self.la_people.add(a.idx)
        # --- return from long leave (leave starts in train, ends in test)
        for i in range(self.n_instances(rng, 1, 2)):
            cands = self.people(big, roles=["platform_eng", "data_eng", "security_analyst", "analyst"],
                                exclude=self.la_people)
            cands = [a for a in cands if a.hire_k is None and a.leave_k is None]
            a = cands[int(rng.integers(0, len(cands)))]
            r = int(rng.integers(k0, k1 - 2))
            while self.dates[r + 1].weekday() >= 5:
                r += 1
            L = int(rng.integers(21, 46))
            s = max(-1, r - L)
            for j in range(s + 1, r + 1):
                if a.status[j] != OUT:
                    a.status[j] = LEAVE
            newip = self.v4(rng, a.isp)
            for j in range(r + 1, D + 3):
                a.home_v4[j] = newip
            got = 0
            for j in range(r + 1, D + 2):
                if a.status[j] == WORK:
                    a.la_tag[j] = "return_from_leave"
                    a.boost[j] = 3 - got
                    got += 1
                    if got == 2:
                        break
            a.return_k = r
            self.la_people.add(a.idx)
        # --- month-end billing (finance; natural behaviour, listed in the test period)
        for a in self.people(roles=["finance"]):
            for j, d in enumerate(self.dates):
                if self.month_end(d):
                    a.la_tag[j] = "month_end_billing"
        # --- new action types: launch day and early adopters
        self.launch_k = T + int(rng.integers(0, 3))
        for a in self.people(roles=["platform_eng", "security_analyst", "data_eng", "analyst"]):
            a.adopter = rng.random() < 0.15
        # --- on-call incident nights (train and test)
        self.incident_nights = []
        oncall = [a for a in self.people(big) if getattr(a, "oncall", False)]
        n_in = self.n_instances(rng, 1, 3) + int(rng.integers(1, 4))
        for i in range(n_in):
            test = i < n_in - 2 if n_in > 2 else True
            k = int(rng.integers(k0, k1)) if test else int(rng.integers(1, T - 1))
            grp = [oncall[int(x)] for x in rng.choice(len(oncall), size=min(len(oncall), int(rng.integers(1, 4))), replace=False)]
            self.incident_nights.append((k, grp, test))
        # --- reorg with owner grants (test; sometimes also in train)
        self.reorgs = []
        admins = [a for a in big.people if a.role == "org_admin"]
        for i in range(self.n_instances(rng, 1, 2)):
            self.reorgs.append((int(rng.integers(k0, k1)), admins[int(rng.integers(0, len(admins)))], True))
        if rng.random() < 0.6:
            self.reorgs.append((int(rng.integers(1, T - 1)), admins[int(rng.integers(0, len(admins)))], False))
        # --- migration: delete and recreate workspaces (test; also once in train)
        self.migrations = []
        engs = self.people(big, roles=["platform_eng"], exclude=self.la_people)
        for i in range(self.n_instances(rng, 1, 2)):
            a = engs[int(rng.integers(0, len(engs)))]
            self.migrations.append((int(rng.integers(k0, k1 - 1)), a, True))
            self.la_people.add(a.idx)
        a = engs[int(rng.integers(0, len(engs)))]
        self.migrations.append((int(rng.integers(1, T - 2)), a, False))
        # --- project ramp-up over weeks (a team sharing snapshots with a customer)
        self.rampups = []
        for i in range(self.n_instances(rng, 1, 2)):
            tm = big.teams[int(rng.integers(0, len(big.teams)))]
            team = [a for a in self.people(big, roles=["security_analyst", "analyst", "data_eng", "platform_eng"])
                    if a.team == tm and a.idx not in self.la_people]
            if len(team) < 2:
                team = self.people(big, roles=["security_analyst", "analyst"], exclude=self.la_people)
                team = [team[int(x)] for x in rng.choice(len(team), size=min(4, len(team)), replace=False)]
            team = team[:4]
            s = int(rng.integers(max(1, T - 10), k0 + 3))
            self.rampups.append((s, team, f"{tm}-{WORDS[int(rng.integers(0, len(WORDS)))]}-customer"))
            for a in team:
                self.la_people.add(a.idx)
        # --- ownership handover around a leaver in the test period
        self.handovers = []
        leavers = [a for a in big.people if a.leave_k is not None and k0 <= a.leave_k <= k1]
        if not leavers:
            cands = self.people(big, roles=["platform_eng", "data_eng"], exclude=self.la_people)
            a = cands[int(rng.integers(0, len(cands)))]
            a.leave_k = int(rng.integers(k0, k1))
            a.status[a.leave_k + 2:] = OUT
            leavers = [a]
        for lv in leavers[: self.n_instances(rng, 1, 2)]:
            mates = [a for a in self.people(big, need_k=lv.leave_k) if a.team == lv.team and a.idx != lv.idx
                     and a.role != "contractor"]
            if not mates:
                mates = self.people(big, roles=["manager", "platform_eng"], need_k=lv.leave_k)
            m = mates[int(rng.integers(0, len(mates)))]
            self.handovers.append((lv, m))
            self.la_people.add(m.idx)

    def lookalike_events(self):
        rng = self.R(40003)
        T = self.train_days
        # incident-response nights
        for k, grp, test in self.incident_nights:
            for a in grp:
                if a.status[k + 1] == OUT:
                    continue
                h = rng.uniform(0.3, 3.5)
                t = self.local_ts(a, k, h)
                ip = self.mobile_ip(a.country, rng) if rng.random() < 0.3 else self.home_ip(a, k, rng)
                n = int(rng.integers(8, 35))
                for q in range(n):
                    t += int(rng.lognormal(4.0, 0.9))
                    act = ["workspace.reboot", "workspace.update", "workspace.connection.update",
                           "workspace.pipeline.update", "workspace.pipeline.command.run", "workspace.mod.update",
                           "connection.update", "workspace.datatank.update"][int(rng.choice(8, p=[.15, .15, .2, .12, .12, .1, .1, .06]))]
                    self.add(t, a, act, ip, {"ws": "team:" + a.team} if rng.random() < 0.6 else None,
                             la="incident_response_night" if test else None)
                if test:
                    self.la_people.add(a.idx)
        # reorg owner grants
        for k, adm, test in self.reorgs:
            org = adm.org
            while self.dates[k + 1].weekday() >= 5:
                k += 1
            t = self.local_ts(adm, k, rng.uniform(10, 15))
            ip = self.session_ip(adm, k, 11, rng, WORK)
            ppl = self.people(org, roles=["manager", "platform_eng", "security_analyst", "data_eng"], need_k=k)
            leads = [ppl[int(x)] for x in rng.choice(len(ppl), size=min(len(ppl), int(rng.integers(2, 5))), replace=False)]
            for q in range(int(rng.integers(10, 30))):
                t += int(rng.lognormal(3.8, 0.8))
                m = leads[q % len(leads)] if rng.random() < 0.7 else ppl[int(rng.integers(0, len(ppl)))]
                act = "org.workspace.member.update" if rng.random() < 0.6 else "org.workspace.member.add"
                self.add(t, adm, act, ip, {"member": m.idx, "role": ["owner", "admin"][int(rng.integers(0, 2))], "ws": "any"},
                         la="reorg_owner_grants" if test else None)
            for m in leads[: int(rng.integers(1, 3))]:
                t += int(rng.lognormal(3.8, 0.8))
                self.add(t, adm, "org.member.update", ip, {"member": m.idx, "role": "owner"},
                         la="reorg_owner_grants" if test else None)
            if test:
                self.la_people.add(adm.idx)
        # migrations
        for mi, (k, a, test) in enumerate(self.migrations):
            while self.dates[k + 1].weekday() >= 5:
                k += 1
            la = "migration_recreate" if test else None
            ip = self.session_ip(a, k, 10, rng, WORK)
            t = self.local_ts(a, k, rng.uniform(9.5, 13))
            for w in range(int(rng.integers(2, 5))):
                key = f"mig{mi}-{w}"
                self.add(t, a, "workspace.update", ip, {"ctx": key, "pick_ws": "team:" + a.team}, la=la)
                for q in range(int(rng.integers(1, 4))):
                    t += int(rng.lognormal(3.2, 0.7))
                    self.add(t, a, "workspace.pipeline.delete", ip, {"ws": ("ctx", key, "old")}, la=la)
                for q in range(int(rng.integers(2, 6))):
                    t += int(rng.lognormal(3.2, 0.7))
                    self.add(t, a, "workspace.connection.delete", ip, {"ws": ("ctx", key, "old")}, la=la)
                t += int(rng.lognormal(4, 0.7))
                self.add(t, a, "workspace.delete", ip, {"ws": ("ctx", key, "old")}, la=la)
                t += int(rng.lognormal(4, 0.7))
                self.add(t, a, "workspace.create", ip, {"ctx": key, "new_from_old": "-v2"}, la=la)
                for q in range(int(rng.integers(2, 7))):
                    t += int(rng.lognormal(3.2, 0.7))
                    self.add(t, a, "workspace.connection.create", ip, {"ws": ("ctx", key, "new")}, la=la)
                t += int(rng.lognormal(3.5, 0.7))
                self.add(t, a, "workspace.mod.install", ip, {"ws": ("ctx", key, "new")}, la=la)
                for q in range(int(rng.integers(1, 4))):
                    t += int(rng.lognormal(3.2, 0.7))
                    self.add(t, a, "workspace.pipeline.create", ip, {"ws": ("ctx", key, "new")}, la=la)
                t += int(rng.lognormal(6, 0.8))
            if "terraform" in a.org.bots:
                b = a.org.bots["terraform"]
                for q in range(int(rng.integers(3, 9))):
                    t += int(rng.integers(5, 60))
                    self.add(t, b, "org.workspace.member.add", self.bot_ip(b, t, rng), {"ws": "any"}, la=la)
        # contractors onboarded as owners
        for c in self.contractors:
            org = c.org
            adm = [a for a in org.people if a.role == "org_admin"][int(rng.integers(0, 2)) % len([a for a in org.people if a.role == "org_admin"])]
            k = c.hire_k
            test = k >= T
            la = "contractor_onboarded_owner" if test else None
            kk = k - 1
            t = self.local_ts(adm, kk, rng.uniform(10, 16))
            ip = self.session_ip(adm, kk, 11, rng, WORK)
            self.add(t, adm, "org.member.add", ip, {"member": c.idx, "role": "owner", "status": "invited"}, la=la)
            for q in range(int(rng.integers(2, 5))):
                t += int(rng.lognormal(3.5, 0.7))
                self.add(t, adm, "org.workspace.member.add", ip, {"member": c.idx, "role": "owner", "ws": "any"}, la=la)
            cip = self.v4(rng, RES[c.country])
            self.note_prefix("res_" + c.country, cip)
            dev = self.v4(rng, CLOUD)
            self.note_prefix("cloud", dev)
            for dd in range(3):
                kd = k + dd
                if kd >= self.days or self.dates[kd + 1].weekday() >= 5:
                    continue
                t = self.local_ts(c, kd, rng.uniform(8.5, 11))
                if dd == 0:
                    self.add(t, c, "org.member.update", cip, {"member": c.idx, "status": "accepted", "self": 1}, la=la)
                    self.add(t + 200, c, "token.create", cip, None, la=la)
                for q in range(int(rng.integers(8, 25))):
                    t += int(rng.lognormal(4.2, 1.0))
                    ipq = dev if rng.random() < 0.4 else cip
                    act = ["workspace.connection.create", "connection.create", "workspace.mod.install",
                           "workspace.pipeline.create", "workspace.update", "workspace.aggregator.create",
                           "workspace.snapshot.create", "workspace.create"][int(rng.choice(8, p=[.25, .15, .12, .12, .12, .08, .12, .04]))]
                    hint = {"new_ws": f"{c.handle}-sandbox"} if act == "workspace.create" else None
                    self.add(t, c, act, ipq, hint, la=la)
                c.la_tag[kd + 1] = la
            if test:
                self.la_people.add(adm.idx)
        # project ramp-up
        for ri, (s, team, wsname) in enumerate(self.rampups):
            key = f"ramp{ri}"
            lead = team[0]
            # first workday at/after s with a session for the lead
            done = False
            for (t0, t1, ip, k) in lead.sessions:
                if k >= s:
                    self.add(t0 + 30, lead, "workspace.create", ip, {"ctx": key, "new_ws": wsname},
                             la="project_rampup" if k >= T else None)
                    for m in team[1:]:
                        self.add(t0 + 60 + 20 * m.idx % 300, lead, "org.workspace.member.add", ip,
                                 {"member": m.idx, "role": "operator", "ws": ("ctx", key, "new")},
                                 la="project_rampup" if k >= T else None)
                    for q in range(int(rng.integers(2, 5))):
                        self.add(t0 + 400 + 30 * q, lead, "workspace.connection.create", ip, {"ws": ("ctx", key, "new")},
                                 la="project_rampup" if k >= T else None)
                    s = k
                    done = True
                    break
            if not done:
                continue
            span = max(1, self.days - 1 - s)
            for m in team:
                for (t0, t1, ip, k) in m.sessions:
                    if k <= s:
                        continue
                    frac = (k - s) / span
                    n = int(rng.poisson(0.5 + 5.0 * frac))
                    for q in range(n):
                        t = t0 + int(rng.uniform(0, max(60, t1 - t0 + 300)))
                        vis = "anyone_with_link" if rng.random() < 0.45 else "workspace"
                        act = "workspace.snapshot.create" if rng.random() < 0.85 else "workspace.pipeline.create"
                        self.add(t, m, act, ip, {"ws": ("ctx", key, "new"), "vis": vis},
                                 la="project_rampup" if k >= T else None)
        # ownership handover
        for lv, m in self.handovers:
            k = lv.leave_k
            for dd in range(-1, 3):
                kd = k + dd
                if kd >= self.days or self.dates[kd + 1].weekday() >= 5 or m.status[kd + 1] in (OUT, SICK, VAC):
                    continue
                t = self.local_ts(m, kd, rng.uniform(10, 16))
                ip = self.session_ip(m, kd, 11, rng, WORK)
                for q in range(int(rng.integers(4, 12))):
                    t += int(rng.lognormal(3.8, 0.8))
                    act = ["workspace.pipeline.update", "workspace.connection.update", "workspace.snapshot.delete",
                           "workspace.pipeline.delete", "workspace.mod.variable.update", "token.delete"][int(rng.choice(6, p=[.3, .2, .2, .12, .1, .08]))]
                    h = {"owned_by": lv.idx}
                    self.add(t, m, act, ip, h, la="ownership_handover" if kd >= T else None)
        # card renewal by finance: new card, make it default, remove the expiring one (train; sometimes test)
        for org in self.orgs:
            fin = [a for a in org.people if a.role == "finance"]
            if not fin:
                continue
            f = fin[0]
            ks = [int(rng.integers(3, T - 6))]
            if rng.random() < 0.4:
                ks.append(int(rng.integers(T + 1, self.days - 2)))
            for k in ks:
                for _ in range(10):
                    if f.status[k + 1] == WORK:
                        break
                    k += 1
                t = self.local_ts(f, k, rng.uniform(f.start_h + 0.5, f.start_h + 7))
                ip = self.session_ip(f, k, f.start_h + 2, rng, WORK)
                la = "card_renewal" if k >= T else None
                self.add(t, f, "org.billing.payment_method.create", ip, None, la=la)
                self.add(t + int(rng.integers(30, 300)), f, "org.billing.payment_method.update", ip, {"pm": "last", "default": 1}, la=la)
                t2 = t + int(rng.integers(1, 4)) * DAY
                self.add(t2, f, "org.billing.payment_method.delete", ip, {"pm": "old"}, la=la)
        # bots run by hand after an outage (jump host or VPN, human hours)
        for org in self.orgs:
            for kind in ("terraform", "rotator", "scheduler"):
                b = org.bots.get(kind)
                if b is None:
                    continue
                outs = list(getattr(b, "outages", []) if kind != "scheduler" else self.platform_outages)
                if kind == "terraform" and org.size == "big":
                    # a job re-run by hand besides any outage: once in training, once in the test period
                    for lo, hi in ((2, T - 2), (T + 1, self.days - 2)):
                        if self.knobs["lookalike_rate"] > 0 or lo < T:
                            s0 = self.t0 + int(rng.integers(lo, hi)) * DAY + int(rng.integers(0, DAY // 2))
                            outs.append((s0, s0 + 3600))
                for oi, (s, e) in enumerate(outs):
                    forced = kind == "terraform" and oi >= len(getattr(b, "outages", []))
                    if not forced and (rng.random() < 0.6 or kind == "scheduler" and rng.random() < 0.5):
                        continue
                    ops = self.people(org, roles=["platform_eng"])
                    if not ops:
                        continue
                    op = ops[int(rng.integers(0, len(ops)))]
                    t = e + int(rng.integers(1800, 4 * 3600))
                    x = rng.random()
                    if x < 0.45:  # corporate VPN
                        ip = org.corp_vpn[0]
                    elif x < 0.8:  # a jump host
                        ip = self.v4(rng, CLOUD)
                        self.note_prefix("cloud", ip)
                    else:  # from the operator's laptop at home
                        ip = self.home_ip(op, int((t - self.t0) // DAY), rng)
                    acts = {"terraform": ["workspace.connection.update", "org.workspace.member.update", "workspace.update"],
                            "rotator": ["connection.update"],
                            "scheduler": ["workspace.snapshot.create", "workspace.pipeline.command.run"]}[kind]
                    for q in range(int(rng.integers(4, 16))):
                        t += int(rng.lognormal(3.0, 1.0))
                        hint = {"plugin": "aws"} if kind == "rotator" else ({"sched": int(rng.integers(0, len(org.sched)))} if kind == "scheduler" else None)
                        self.add(t, b, acts[int(rng.integers(0, len(acts)))], ip, hint,
                                 la="bot_manual_rerun" if t >= self.t_test else None)
        # return from leave: new token on the first day back
        for a in self.actors:
            r = getattr(a, "return_k", None)
            if r is None:
                continue
            for (t0, t1, ip, k) in a.sessions:
                if k >= r:
                    self.add(t0 + 40, a, "token.create", ip, None, la="return_from_leave")
                    self.add(t0 + 95, a, "token.delete", ip, {"old": 1}, la="return_from_leave")
                    break

    # ---------------------------------------------------------------------------------- attacks
    KINDS = ["account_takeover", "connection_theft", "slow_exfiltration", "backdoor_account", "sabotage",
             "billing_fraud", "dormant_reuse", "service_token_misuse", "forged_actor", "impossible_travel",
             "privilege_escalation"]

    def atk_ip(self, rng, mode, victim=None):
        """An attacker address drawn inside ranges that benign actors also use."""
        if mode == "foreign":
            pools = [p for p in self.used_prefix if p.startswith("res_") and p[4:] in FOREIGN + ["us", "uk", "de", "au", "in"]
                     and (victim is None or p[4:] != victim.country)]
            if not pools:
                mode = "vpn"
            else:
                pool = pools[int(rng.integers(0, len(pools)))]
                return self.addr_in(rng, self.used_prefix[pool])
        if mode == "vpn":
            used = self.used_prefix.get("vpn", [])
            ex = [ip for ip, c in self.vpn_exits if ".".join(ip.split(".")[:2]) in used] or [ip for ip, c in self.vpn_exits]
            return ex[int(rng.integers(0, len(ex)))]
        if mode == "cloud":
            return self.addr_in(rng, self.used_prefix.get("cloud", [f"{a}.{b}" for a, b in RUNNERS]))
        if mode == "mobile_local":
            pool = self.used_prefix.get("mobile_" + victim.country)
            if pool:
                return self.addr_in(rng, pool)
            mode = "res_local"
        if mode == "res_local":
            return self.addr_in(rng, self.used_prefix.get("res_" + victim.country, [f"{a}.{b}" for a, b in RES[victim.country]]))
        raise ValueError(mode)

    @staticmethod
    def addr_in(rng, prefixes):
        p = prefixes[int(rng.integers(0, len(prefixes)))]
        if ":" in p:
            return p + ":" + ":".join(f"{int(x):x}" for x in rng.integers(0, 65536, size=6))
        return f"{p}.{int(rng.integers(0, 256))}.{int(rng.integers(1, 255))}"

    def pick_victim(self, rng, org, roles, k=None, dormant=False, need_sessions=False, min_days=1):
        c = [a for a in self.people(org, roles=roles, exclude=self.victims | self.la_people, ok_dormant=dormant)
             if (not dormant or a.dormant)]
        if need_sessions:
            c = [a for a in c if len({s[3] for s in a.sessions if s[0] >= self.t_test + DAY and s[0] < self.t_end - DAY}) >= min_days]
        if k is not None:
            c = [a for a in c if a.status[k + 1] != OUT]
        if not c:
            c = [a for a in self.people(org, roles=roles, exclude=self.victims, ok_dormant=dormant) if (not dormant or a.dormant)]
            if need_sessions:
                c = [a for a in c if any(s[0] >= self.t_test + DAY and s[0] < self.t_end - DAY for s in a.sessions)]
        if not c:
            return None
        a = c[int(rng.integers(0, len(c)))]
        self.victims.add(a.idx)
        return a

    def test_sessions(self, a, lo=None, hi=None):
        lo = self.t_test + 3600 if lo is None else lo
        hi = self.t_end - 3600 if hi is None else hi
        return [s for s in a.sessions if lo <= s[0] and s[1] < hi]

    def gen_attacks(self):
        rng = self.R(30000)
        rate = self.knobs["attack_rate"]
        self.victims = set()
        n_id = 0
        if rate <= 0:
            return
        for ki, kind in enumerate(self.KINDS):
            n = 1 + int(rng.binomial(2, min(1.0, 0.5 * rate)))
            for i in range(n):
                if n == 1:
                    form = "subtle" if rng.random() < self.knobs["subtle_share"] else "plain"
                else:
                    form = ["plain", "subtle"][i] if i < 2 else ("subtle" if rng.random() < self.knobs["subtle_share"] else "plain")
                org = self.orgs[1] if len(self.orgs) > 1 and rng.random() < 0.18 else self.orgs[0]
                n_id += 1
                inc = f"inc{n_id:02d}-{kind}"
                irng = self.R(31000 + 37 * ki + i)
                before = len(self.ev)
                ok = getattr(self, "atk_" + kind)(inc, form, org, irng)
                if ok is False and org is not self.orgs[0]:
                    ok = getattr(self, "atk_" + kind)(inc, form, self.orgs[0], irng)
                if len(self.ev) > before:
                    self.incidents.append(dict(id=inc, scenario=kind, form=form, org=org.handle))
                else:
                    n_id -= 1

    def atk_day(self, rng, a=None, span=1, workday=None):
        k0, k1 = self.train_days + 1, self.days - 1 - span
        for _ in range(50):
            k = int(rng.integers(k0, max(k0 + 1, k1)))
            if a is not None and a.kind == "person" and a.status[k + 1] == OUT:
                continue
            if workday is True and self.dates[k + 1].weekday() >= 5:
                continue
            return k
        return k0

    def burst(self, t, a, acts, ip, inc, rng, gap=(3.4, 0.9)):
        for act, hint in acts:
            t += int(rng.lognormal(*gap)) + 2
            self.add(t, a, act, ip, hint, inc=inc)
        return t

    def atk_account_takeover(self, inc, form, org, rng):
        v = self.pick_victim(rng, org, ["platform_eng", "data_eng", "security_analyst", "analyst", "manager"],
                             need_sessions=(form == "subtle"))
        if v is None:
            return False
        if form == "plain":
            k = self.atk_day(rng, v, 2)
            ip = self.atk_ip(rng, ["foreign", "vpn", "cloud"][int(rng.integers(0, 3))], v)
            for dd in range(int(rng.integers(1, 3))):
                t = self.local_ts(v, k + dd, rng.uniform(0.5, 4.5), zone=v.zone)
                acts = [("token.create", None)]
                for q in range(int(rng.integers(6, 16))):
                    x = rng.random()
                    if x < 0.7:
                        acts.append(("workspace.snapshot.create", {"vis": "anyone_with_link" if rng.random() < 0.7 else "workspace", "ws": "any"}))
                    elif x < 0.85:
                        acts.append(("workspace.connection.update", {"ws": "any"}))
                    else:
                        acts.append(("workspace.pipeline.command.run", {"ws": "any"}))
                if dd == 0 and rng.random() < 0.5:
                    acts.append(("token.create", None))
                self.burst(t, v, acts, ip, inc, rng)
        else:
            s = self.test_sessions(v)
            t0, t1, sip, k = s[int(rng.integers(0, len(s)))]
            ip = self.atk_ip(rng, "mobile_local", v)
            t = t1 + int(rng.integers(1800, 3 * 3600))
            acts = [("token.create", None)] + [("workspace.snapshot.create", {"vis": "workspace"}) for _ in range(int(rng.integers(2, 4)))]
            self.burst(t, v, acts, ip, inc, rng, gap=(4.0, 0.8))

    def atk_connection_theft(self, inc, form, org, rng):
        v = self.pick_victim(rng, org, ["platform_eng", "data_eng", "contractor"], need_sessions=True)
        if v is None:
            return False
        if form == "plain":
            k = self.atk_day(rng, v)
            t = self.local_ts(v, k, rng.uniform(21.0, 25.0), zone=v.zone)
            ip = v.home_v4[k + 1] if rng.random() < 0.5 else self.atk_ip(rng, "vpn", v)
            key = inc
            acts = [("workspace.create", {"ctx": key, "new_ws": self.ws_name(v, rng)})]
            for q in range(int(rng.integers(8, 20))):
                acts.append(("workspace.connection.create", {"ws": ("ctx", key, "new"), "conn": "prod_other"}))
            acts.append(("workspace.aggregator.create", {"ws": ("ctx", key, "new")}))
            acts.append(("workspace.mod.install", {"ws": ("ctx", key, "new")}))
            for q in range(int(rng.integers(2, 5))):
                acts.append(("workspace.snapshot.create", {"ws": ("ctx", key, "new"), "vis": "workspace"}))
            self.burst(t, v, acts, ip, inc, rng, gap=(3.0, 0.7))
        else:
            s = self.test_sessions(v)
            t0, t1, sip, k = s[int(rng.integers(0, len(s)))]
            t = t0 + int(rng.uniform(0, max(60, t1 - t0)))
            acts = [("workspace.connection.create", {"conn": "prod_other"}) for _ in range(int(rng.integers(2, 4)))]
            if rng.random() < 0.5:
                acts.append(("workspace.connection.update", None))
            self.burst(t, v, acts, sip, inc, rng, gap=(4.0, 0.8))

    def atk_slow_exfiltration(self, inc, form, org, rng):
        v = self.pick_victim(rng, org, ["security_analyst", "analyst", "data_eng"], need_sessions=True, min_days=8)
        if v is None:
            return False
        k0 = self.train_days + int(rng.integers(0, 3))
        L = min(self.days - 2 - k0, int(rng.integers(12, 21)))
        ips = [s[2] for s in v.sessions] or [v.home_v4[k0 + 1]]
        if form == "plain":
            self.add(self.local_ts(v, k0 + 1, rng.uniform(v.start_h + 1, v.start_h + 5)), v, "workspace.pipeline.create",
                     ips[-1], {"exfil": 1, "ws": "any"}, inc=inc)
            for dd in range(L):
                k = k0 + 1 + dd
                n = int(round(2 * (1.0 + 12.0 * (dd / max(1, L - 1)) ** 1.6) * rng.uniform(0.7, 1.3)))
                if self.dates[k + 1].weekday() >= 5 and dd < L / 2:
                    continue
                for q in range(n):
                    h = rng.uniform(v.start_h, v.start_h + v.day_len + (4 if dd > L / 3 else 0))
                    t = self.local_ts(v, k, h)
                    ip = self.home_ip(v, k, rng) if h > v.start_h + v.day_len else ips[int(rng.integers(0, len(ips)))]
                    self.add(t, v, "workspace.snapshot.create", ip,
                             {"vis": "anyone_with_link" if rng.random() < 0.8 else "workspace", "ws": "any"}, inc=inc)
        else:
            for dd in range(L):
                k = k0 + 1 + dd
                ss = [s for s in v.sessions if s[3] == k]
                if not ss:
                    continue
                n = int(round(1 + 3 * dd / max(1, L - 1)))
                for q in range(n):
                    t0, t1, sip, _ = ss[int(rng.integers(0, len(ss)))]
                    t = t0 + int(rng.uniform(0, max(60, t1 - t0)))
                    self.add(t, v, "workspace.snapshot.create", sip,
                             {"vis": "anyone_with_link" if rng.random() < 0.6 else "workspace"}, inc=inc)

    def new_backdoor(self, org, rng, t):
        first = FIRST[int(rng.integers(0, len(FIRST)))]
        last = LAST[int(rng.integers(0, len(LAST)))]
        t = t - int(rng.integers(300, 2 * DAY))  # the account is signed up shortly before it is added
        a = self.new_actor(org, rng, "person", "backdoor", t, first=first, last=last)
        a.id = self.ids.new("u_", t)
        a.created_ts = a.updated_ts = t
        a.version = 1
        a.uobj = self.user_obj(a)
        a.country, a.zone, a.status = "xx", "UK", np.full(self.days + 3, WORK, dtype=np.int8)
        a.trip = [None] * (self.days + 3)
        return a

    def atk_backdoor_account(self, inc, form, org, rng):
        adm = self.pick_victim(rng, org, ["org_admin"], need_sessions=(form == "subtle"))
        if adm is None:
            return False
        if form == "plain":
            k = self.atk_day(rng, adm, 3)
            ip = self.atk_ip(rng, ["foreign", "vpn", "cloud"][int(rng.integers(0, 3))], adm)
            t = self.local_ts(adm, k, rng.uniform(0.5, 4.5), zone=adm.zone)
            bd = self.new_backdoor(org, rng, t)
            acts = [("org.member.add", {"member": bd.idx, "role": "owner", "status": "invited"})]
            for q in range(int(rng.integers(3, 7))):
                acts.append(("org.workspace.member.add", {"member": bd.idx, "role": "owner", "ws": "any"}))
            t = self.burst(t, adm, acts, ip, inc, rng)
            t += int(rng.integers(600, 3600))
            acts = [("org.member.update", {"member": bd.idx, "status": "accepted", "self": 1}), ("token.create", None)]
            self.burst(t, bd, acts, ip, inc, rng)
            for dd in range(1, int(rng.integers(2, 4))):
                t = self.local_ts(adm, k + dd, rng.uniform(0, 24), zone=adm.zone)
                ip2 = ip if rng.random() < 0.5 else self.atk_ip(rng, "vpn")
                acts = []
                for q in range(int(rng.integers(4, 12))):
                    x = rng.random()
                    acts.append(("workspace.snapshot.create", {"vis": "anyone_with_link", "ws": "any"}) if x < 0.5 else
                                ("workspace.connection.create", {"ws": "any", "conn": "prod_other"}) if x < 0.8 else ("token.create", None))
                self.burst(t, bd, acts, ip2, inc, rng)
        else:
            s = self.test_sessions(adm, hi=self.t_end - 8 * DAY)
            if not s:
                s = self.test_sessions(adm)
            t0, t1, sip, k = s[int(rng.integers(0, len(s)))]
            t = t0 + int(rng.uniform(0, max(60, t1 - t0)))
            bd = self.new_backdoor(org, rng, t)
            t = self.burst(t, adm, [("org.member.add", {"member": bd.idx, "role": "member", "status": "invited"}),
                                    ("org.workspace.member.add", {"member": bd.idx, "role": "operator", "ws": "any"})], sip, inc, rng)
            vip = self.atk_ip(rng, "vpn")
            t += int(rng.integers(3 * 3600, 20 * 3600))
            self.add(t, bd, "org.member.update", vip, {"member": bd.idx, "status": "accepted", "self": 1}, inc=inc)
            later = [x for x in self.test_sessions(adm) if x[0] > t + 2 * DAY]
            if later:
                u0, u1, uip, uk = later[int(rng.integers(0, min(3, len(later))))]
                tu = u0 + int(rng.uniform(0, max(60, u1 - u0)))
                self.add(tu, adm, "org.member.update", uip, {"member": bd.idx, "role": "owner"}, inc=inc)
                for q in range(int(rng.integers(2, 5))):
                    tb = tu + int(rng.integers(3600, 2 * DAY))
                    act = ["token.create", "workspace.snapshot.create", "workspace.connection.create"][int(rng.integers(0, 3))]
                    self.add(tb, bd, act, self.atk_ip(rng, "vpn"), {"ws": "any"} if act != "token.create" else None, inc=inc)

    def atk_sabotage(self, inc, form, org, rng):
        v = self.pick_victim(rng, org, ["platform_eng", "data_eng", "org_admin"], need_sessions=True)
        if v is None:
            return False
        if form == "plain":
            k = self.atk_day(rng, v)
            t = self.local_ts(v, k, rng.uniform(18.5, 23.0), zone=v.zone)
            ip = v.home_v4[k + 1] if rng.random() < 0.7 else self.atk_ip(rng, "foreign", v)
            acts = []
            acts += [("workspace.pipeline.delete", {"ws": "any", "owned_by_other": 1}) for _ in range(int(rng.integers(3, 9)))]
            acts += [("workspace.connection.delete", {"ws": "any"}) for _ in range(int(rng.integers(4, 12)))]
            acts += [("workspace.mod.uninstall", {"ws": "any"}) for _ in range(int(rng.integers(1, 4)))]
            acts += [("connection.delete", None) for _ in range(int(rng.integers(1, 5)))]
            acts += [("workspace.delete", {"ws": "any"}) for _ in range(int(rng.integers(2, 5)))]
            acts += [("org.workspace.member.delete", {"ws": "any"}) for _ in range(int(rng.integers(0, 3)))]
            self.burst(t, v, acts, ip, inc, rng, gap=(2.8, 0.7))
            # the account is removed afterwards (not an attack record)
            adm = [a for a in org.people if a.role == "org_admin" and a.idx != v.idx]
            if adm:
                a = adm[0]
                kd = k + 1 + (2 if self.dates[k + 2].weekday() >= 5 else 0)
                if kd < self.days:
                    self.add(self.local_ts(a, kd, rng.uniform(9.5, 12)), a, "org.member.delete",
                             self.session_ip(a, kd, 11, rng, WORK), {"member": v.idx})
        else:
            s = self.test_sessions(v)
            days = sorted({x[3] for x in s})
            if not days:
                return False
            d0 = days[int(rng.integers(0, max(1, len(days) - 2)))]
            for d in [x for x in days if d0 <= x <= d0 + 3][:3]:
                ss = [x for x in s if x[3] == d]
                t0, t1, sip, _ = ss[int(rng.integers(0, len(ss)))]
                t = t0 + int(rng.uniform(0, max(60, t1 - t0)))
                acts = []
                for q in range(int(rng.integers(1, 4))):
                    acts.append((["workspace.pipeline.delete", "workspace.connection.delete", "workspace.snapshot.delete",
                                  "workspace.mod.uninstall"][int(rng.choice(4, p=[.35, .35, .15, .15]))], {"owned_by_other": 1}))
                self.burst(t, v, acts, sip, inc, rng, gap=(4.0, 0.8))

    def atk_billing_fraud(self, inc, form, org, rng):
        if form == "plain":
            v = self.pick_victim(rng, org, ["org_admin", "manager"])
            if v is None:
                return False
            k = self.atk_day(rng, v)
            t = self.local_ts(v, k, rng.uniform(0.5, 5), zone=v.zone)
            ip = self.atk_ip(rng, ["foreign", "vpn"][int(rng.integers(0, 2))], v)
            acts = [("org.billing.payment_method.create", None), ("org.billing.payment_method.update", {"pm": "last", "default": 1}),
                    ("org.update", {"billing_email": "external"}),
                    ("org.subscription.update", {"seats_add": int(rng.integers(40, 200))})]
            if rng.random() < 0.6:
                acts.append(("org.billing.payment_method.delete", {"pm": "old"}))
            if rng.random() < 0.5:
                acts.append(("token.create", None))
            self.burst(t, v, acts, ip, inc, rng, gap=(3.8, 0.8))
        else:
            v = self.pick_victim(rng, org, ["finance"], need_sessions=False)
            if v is None:
                return False
            for _ in range(60):
                k = self.atk_day(rng, v, workday=True)
                if not self.month_end(self.dates[k + 1]) and v.status[k + 1] == WORK:
                    break
            t = self.local_ts(v, k, rng.uniform(v.start_h + 1, v.start_h + 6))
            ip = self.session_ip(v, k, v.start_h + 2, rng, WORK)
            acts = [("org.billing.payment_method.create", None), ("org.update", {"billing_email": "external"})]
            if rng.random() < 0.5:
                acts.append(("org.billing.payment_method.update", {"pm": "last", "default": 1}))
            self.burst(t, v, acts, ip, inc, rng, gap=(4.5, 0.8))

    def atk_dormant_reuse(self, inc, form, org, rng):
        v = self.pick_victim(rng, org, None, dormant=True)
        if v is None:
            return False
        if v.dormant_k + 25 > self.days - 2:
            return False
        k = self.atk_day(rng, None, 2)
        k = max(k, v.dormant_k + 25)
        if form == "plain":
            ip = self.atk_ip(rng, ["foreign", "cloud", "vpn"][int(rng.integers(0, 3))], v)
            for dd in range(int(rng.integers(1, 3))):
                t = self.local_ts(v, k + dd, rng.uniform(0, 24), zone=v.zone)
                acts = [("token.create", None)] if dd == 0 else []
                for q in range(int(rng.integers(10, 25))):
                    x = rng.random()
                    acts.append(("workspace.snapshot.create", {"vis": "anyone_with_link", "ws": "any"}) if x < 0.55 else
                                ("workspace.connection.create", {"ws": "any", "conn": "prod_other"}) if x < 0.75 else
                                ("workspace.pipeline.create", {"ws": "any", "exfil": 1}) if x < 0.85 else
                                ("workspace.mod.install", {"ws": "any"}))
                self.burst(t, v, acts, ip, inc, rng)
        else:
            ip = self.atk_ip(rng, "res_local", v)
            for dd in range(2):
                kd = k + dd
                t = self.local_ts(v, kd, rng.uniform(9.5, 16.5), zone=v.zone)
                acts = [("workspace.snapshot.create", {"vis": "workspace"}) for _ in range(int(rng.integers(1, 3)))]
                if dd == 0:
                    acts.insert(0, ("token.create", None))
                self.burst(t, v, acts, ip, inc, rng, gap=(4.5, 0.8))

    def atk_service_token_misuse(self, inc, form, org, rng):
        bots = [org.bots[k] for k in ("terraform", "ci", "rotator") if k in org.bots and org.bots[k].idx not in self.victims]
        if not bots:
            return False
        b = bots[int(rng.integers(0, len(bots)))]
        self.victims.add(b.idx)
        ins = self.pick_victim(rng, org, ["platform_eng", "data_eng", "contractor"], need_sessions=True)
        if ins is None:
            return False
        self.victims.discard(ins.idx)  # the insider's own account stays clean
        s = self.test_sessions(ins)
        t0, t1, sip, k = s[int(rng.integers(0, len(s)))]
        if form == "plain":
            ip = ins.home_v4[k + 1]
            t = self.local_ts(ins, k, rng.uniform(19.5, 23.0))
            acts = [("org.workspace.member.update", {"member": ins.idx, "role": "owner", "ws": "any"})]
            for q in range(int(rng.integers(12, 30))):
                x = rng.random()
                acts.append(("workspace.connection.create", {"ws": "any", "conn": "prod_other"}) if x < 0.3 else
                            ("workspace.snapshot.create", {"ws": "any", "vis": "anyone_with_link"}) if x < 0.6 else
                            ("connection.update", None) if x < 0.8 else
                            ("token.create", None) if x < 0.85 else ("org.workspace.member.add", {"member": ins.idx, "role": "owner", "ws": "any"}))
            self.burst(t, b, acts, ip, inc, rng, gap=(4.0, 1.0))
        else:
            ip = org.corp_vpn[int(rng.integers(0, len(org.corp_vpn)))]
            t = self.local_ts(ins, k, rng.uniform(13, 16.5))
            usual = {"terraform": ["workspace.connection.update", "org.workspace.member.update"],
                     "ci": ["workspace.mod.update", "workspace.mod.variable.update"],
                     "rotator": ["connection.update"]}[b.bot_kind]
            acts = [(usual[int(rng.integers(0, len(usual)))], {"ws": "any"}) for _ in range(int(rng.integers(2, 5)))]
            acts.append(("org.workspace.member.add", {"member": ins.idx, "role": "admin", "ws": "any"}))
            self.burst(t, b, acts, ip, inc, rng, gap=(4.5, 0.9))

    def atk_forged_actor(self, inc, form, org, rng):
        v = self.pick_victim(rng, org, ["analyst", "security_analyst", "data_eng"], need_sessions=True)
        if v is None:
            return False
        owners = [a for a in org.people if a.role in ("org_admin", "manager") and a.idx != v.idx]
        if form == "plain":
            k = self.atk_day(rng, v)
            t = self.local_ts(v, k, rng.uniform(20, 26), zone=v.zone)
            ip = self.atk_ip(rng, ["vpn", "foreign"][int(rng.integers(0, 2))], v)
            o = owners[int(rng.integers(0, len(owners)))]
            acts = []
            for q in range(int(rng.integers(5, 12))):
                act = ["workspace.pipeline.create", "workspace.connection.create", "workspace.snapshot.create",
                       "workspace.mod.install"][int(rng.integers(0, 4))]
                acts.append((act, {"forge": o.idx, "ws": "any"}))
            self.burst(t, v, acts, ip, inc, rng)
        else:
            mates = [a for a in org.people if a.team == v.team and a.idx != v.idx and a.kind == "person"] or owners
            o = mates[int(rng.integers(0, len(mates)))]
            s = self.test_sessions(v)
            t0, t1, sip, k = s[int(rng.integers(0, len(s)))]
            t = t0 + int(rng.uniform(0, max(60, t1 - t0)))
            acts = [(["workspace.pipeline.update", "workspace.connection.update", "workspace.mod.variable.update"][int(rng.integers(0, 3))],
                     {"forge_upd": o.idx}) for _ in range(int(rng.integers(1, 4)))]
            self.burst(t, v, acts, sip, inc, rng, gap=(4.0, 0.8))

    def atk_impossible_travel(self, inc, form, org, rng):
        v = self.pick_victim(rng, org, ["platform_eng", "data_eng", "security_analyst", "analyst", "manager", "org_admin"],
                             need_sessions=True)
        if v is None:
            return False
        s = self.test_sessions(v)
        s.sort(key=lambda x: -(x[1] - x[0]))
        t0, t1, sip, k = s[int(rng.integers(0, max(1, len(s) // 3)))]
        if form == "plain":
            ip = self.atk_ip(rng, "foreign", v)
            t = t0 + int(rng.integers(300, 1800))
            acts = [("token.create", None)]
            for q in range(int(rng.integers(7, 18))):
                x = rng.random()
                acts.append(("workspace.snapshot.create", {"vis": "anyone_with_link" if rng.random() < 0.5 else "workspace", "ws": "any"}) if x < 0.6 else
                            ("workspace.connection.update", None) if x < 0.8 else ("org.workspace.member.add", {"ws": "any"}))
            self.burst(t, v, acts, ip, inc, rng, gap=(5.0, 0.8))
        else:
            ip = self.atk_ip(rng, ["vpn", "foreign"][int(rng.integers(0, 2))], v)
            t = t0 + int(rng.uniform(0, max(60, t1 - t0)))
            acts = [(["workspace.snapshot.create", "workspace.mod.variable.update", "workspace.pipeline.update"][int(rng.integers(0, 3))], None)
                    for _ in range(int(rng.integers(1, 4)))]
            self.burst(t, v, acts, ip, inc, rng, gap=(4.0, 0.8))

    def atk_privilege_escalation(self, inc, form, org, rng):
        v = self.pick_victim(rng, org, ["analyst", "security_analyst", "data_eng", "platform_eng"], need_sessions=True)
        if v is None:
            return False
        if form == "plain":
            k = self.atk_day(rng, v)
            t = self.local_ts(v, k, rng.uniform(19.5, 23.5), zone=v.zone)
            ip = v.home_v4[k + 1] if rng.random() < 0.6 else self.atk_ip(rng, "vpn", v)
            acts = [("org.workspace.member.update", {"member": v.idx, "role": "owner", "ws": "any"}) for _ in range(int(rng.integers(4, 10)))]
            acts.append(("org.member.update", {"member": v.idx, "role": "owner"}))
            for q in range(int(rng.integers(3, 8))):
                acts.append((["workspace.update", "workspace.connection.create", "token.create", "org.workspace.member.delete",
                              "workspace.connection.update"][int(rng.integers(0, 5))], {"ws": "any"}))
            self.burst(t, v, acts, ip, inc, rng)
        else:
            s = self.test_sessions(v)
            t0, t1, sip, k = s[int(rng.integers(0, len(s)))]
            t = t0 + int(rng.uniform(0, max(60, t1 - t0)))
            key = inc
            acts = [("org.workspace.member.update", {"member": v.idx, "role": "owner", "ws": "any", "ctx": key, "set_ws": 1}),
                    (["workspace.connection.update", "workspace.pipeline.update", "workspace.update"][int(rng.integers(0, 3))],
                     {"ws": ("ctx", key, "new")})]
            self.burst(t, v, acts, sip, inc, rng, gap=(4.5, 0.8))

    # ---------------------------------------------------------------------------------- resources
    def init_resources(self):
        rng = self.R(50001)
        self.ctx = {}
        ids = self.ids
        for org in self.orgs:
            org.W = {}
            org.alive = []
            org.C = []
            persons0 = [a for a in org.people if a.hire_k is None and a.role not in ("backdoor",)]
            tf = org.bots.get("terraform")

            def creator(team=None):
                if tf is not None and rng.random() < 0.35:
                    return tf.idx
                c = [a for a in persons0 if a.team == team] or persons0
                return c[int(rng.integers(0, len(c)))].idx

            def past(lo=20, hi=600):
                return self.t0 - int(rng.integers(lo * DAY, hi * DAY))

            for h, tm in org.ws_init:
                ct = past(60, 900)
                self.new_ws(org, h, tm, creator(tm), ct, rng, ids.past("w_", ct))
            for h, pl, tm in org.conn_init:
                ct = past(30, 800)
                c = dict(id=ids.past("c_", ct), handle=h, plugin=pl, team=tm, cb=creator(tm), ct=ct, ut=ct,
                         v=int(rng.integers(1, 40)))
                org.C.append(c)
                team_ws = [w for w in org.alive if org.W[w]["team"] == tm] or org.alive
                for q in range(int(rng.integers(1, 4))):
                    w = org.W[team_ws[int(rng.integers(0, len(team_ws)))]] if rng.random() < 0.8 else \
                        org.W[org.alive[int(rng.integers(0, len(org.alive)))]]
                    if any(x["conn"] is c for x in w["conns"]):
                        continue
                    t2 = max(ct, w["ct"]) + int(rng.integers(0, 30 * DAY))
                    t2 = min(t2, self.t0 - 3600)
                    w["conns"].append(dict(id=ids.past("wc_", t2), conn=c, cb=c["cb"], ct=t2, ut=t2, v=1))
            for w in list(org.W.values()):
                tm = w["team"]
                for q in range(int(rng.integers(1, 5))):
                    m = MODS[int(rng.integers(0, len(MODS)))]
                    if any(x["alias"] == m for x in w["mods"]):
                        continue
                    ct = past(5, 400)
                    w["mods"].append(self.new_mod(m, creator(tm), ct, rng, ids.past("mod_", ct)))
                for q in range(int(rng.integers(0, 4))):
                    ct = past(5, 300)
                    w["pipes"].append(self.new_pipe(w, creator(tm), ct, rng, ids.past("pipe_", ct)))
                for q in range(int(rng.integers(5, 30))):
                    ct = past(1, 60)
                    w["snaps"].append(self.new_snap(w, creator(tm), ct, rng, "workspace", ids.past("snap_", ct)))
                if any(x["conn"]["plugin"] == "aws" for x in w["conns"]) and rng.random() < 0.6:
                    ct = past(10, 500)
                    w["aggs"].append(dict(id=ids.past("c_", ct), handle="aws_all", plugin="aws", cb=creator(tm), ct=ct, ut=ct, v=int(rng.integers(1, 9))))
            # scheduled pipelines
            org.sched_obj = {}
            for p in getattr(org, "sched", []):
                cand = org.alive
                w = org.W[cand[int(rng.integers(0, len(cand)))]]
                ct = past(10, 500)
                pp = self.new_pipe(w, creator(w["team"]), ct, rng, ids.past("pipe_", ct), freq=p["freq"])
                w["pipes"].append(pp)
                pp["managed"] = True
                org.sched_obj[p["key"]] = (w, pp)
            org.tanks_bot = []
            nt = getattr(org.bots.get("datatank"), "tanks", 0)
            for i in range(nt):
                w = org.W[org.alive[int(rng.integers(0, len(org.alive)))]]
                ct = past(20, 400)
                tk = dict(id=ids.past("dt_", ct), handle=f"dt_{w['team'] or 'shared'}_{i}", cb=creator(w["team"]), ct=ct, ut=ct,
                          v=int(rng.integers(1, 500)), ws=w)
                w["tanks"].append(tk)
                org.tanks_bot.append(tk)
            # org members and workspace members
            org.members = {}
            for a in org.actors:
                if a.kind == "bot" or (a.hire_k is None and a.role != "backdoor"):
                    role = "owner" if a.role in ("org_admin",) or getattr(a, "bot_kind", "") == "terraform" else "member"
                    ct = max(a.created_ts, org.created_ts)
                    org.members[a.idx] = dict(id=ids.past("om_", ct), role=role, status="accepted", cb=a.idx, ct=ct, ut=ct, v=1)
            for a in org.actors:
                team_ws = [w for w in org.alive if org.W[w]["team"] == a.team] if a.team else []
                extra = [org.alive[int(x)] for x in rng.choice(len(org.alive), size=min(2, len(org.alive)), replace=False)]
                a.prefs = list(dict.fromkeys(team_ws + extra)) if a.kind == "person" else list(org.alive)
                if a.kind == "person" and a.hire_k is None and a.idx in org.members:
                    for wid in a.prefs:
                        ct = past(5, 300)
                        org.W[wid]["members"][a.idx] = dict(id=ids.past("wm_", ct), role=["reader", "operator", "admin", "owner"][int(rng.choice(4, p=[.2, .45, .25, .1]))],
                                                            cb=creator(), ct=ct, ut=ct, v=1)
                a.tokens = []
                if a.kind == "person":
                    for q in range(int(rng.integers(0, 3))):
                        ct = past(5, 300)
                        a.tokens.append(self.new_token(a, ct, rng, ids.past("tok_", ct)))
            fin = [a for a in org.people if a.role == "finance"] or persons0
            org.pms = []
            for q in range(int(rng.integers(1, 3))):
                ct = past(30, 700)
                org.pms.append(self.new_pm(fin[0].idx, ct, rng, ids.past("pm_", ct), q == 0))
            adm = [a for a in org.people if a.role == "org_admin"] or persons0
            org.obj = dict(cb=adm[0].idx, ct=org.created_ts, ut=org.created_ts, v=int(rng.integers(3, 40)),
                           billing_email=f"billing@{org.handle}.com", plan="enterprise" if org.size == "big" else "team",
                           seats=len(org.people) + int(rng.integers(5, 30)), sub_id=ids.past("sub_", org.created_ts))
            org.sub_v = int(rng.integers(1, 12))

    def new_ws(self, org, handle, team, cb, ct, rng, wid):
        base, n = handle, 2
        while any(org.W[w]["handle"] == handle for w in org.alive):
            handle = f"{base}-{n}"
            n += 1
        w = dict(id=wid, handle=handle, team=team, cb=cb, ct=ct, ut=ct, v=int(rng.integers(1, 20)),
                 db="c" + str(int(rng.integers(1000, 99999))), inst=["db1.shared", "db1.small", "db1.medium"][int(rng.integers(0, 3))],
                 conns=[], pipes=[], mods=[], snaps=[], aggs=[], tanks=[], notifs=[], members={}, alive=True)
        org.W[wid] = w
        org.alive.append(wid)
        return w

    def new_mod(self, alias, cb, ct, rng, mid):
        return dict(id=mid, alias=alias, cb=cb, ct=ct, ut=ct, v=1,
                    ver=[0, int(rng.integers(10, 99)), int(rng.integers(0, 5))])

    def new_pipe(self, w, cb, ct, rng, pid, freq=None, exfil=False):
        m = w["mods"][int(rng.integers(0, len(w["mods"])))]["alias"] if w["mods"] else MODS[int(rng.integers(0, len(MODS)))]
        dash = mod_dashboard(m, rng)
        freq = freq or ["daily", "weekly", "hourly", "daily"][int(rng.integers(0, 4))]
        if exfil:
            to = f"{WORDS[int(rng.integers(0, len(WORDS)))]}{int(rng.integers(10, 99))}@" + ["protonmail.com", "gmail.com", "outlook.com"][int(rng.integers(0, 3))]
        else:
            to = "#" + (w["team"] or "general") + "-alerts" if rng.random() < 0.6 else f"{w['team'] or 'ops'}@example.org"
        last = dash.split(".")[-1].replace("_", " ")
        title = [f"{freq.title()} {last}", f"{m.replace('_', ' ')} {last}", f"Snapshot {last} ({freq})",
                 f"{(w['team'] or 'shared').title()} {last}"][int(rng.integers(0, 4))]
        return dict(id=pid, title=title, dash=dash, freq=freq,
                    notify=to, cb=cb, ct=ct, ut=ct, v=int(rng.integers(1, 5)), last_proc=None, managed=False)

    def new_snap(self, w, cb, ct, rng, vis, sid, dash=None):
        if dash is None:
            m = w["mods"][int(rng.integers(0, len(w["mods"])))]["alias"] if w["mods"] else MODS[int(rng.integers(0, len(MODS)))]
            dash = mod_dashboard(m, rng)
        return dict(id=sid, dash=dash, vis=vis, cb=cb, ct=ct, ut=ct, v=1)

    def new_token(self, a, ct, rng, tid):
        return dict(id=tid, desc=TOKEN_DESC[int(rng.integers(0, len(TOKEN_DESC)))], last4=f"{int(rng.integers(0, 10000)):04d}",
                    cb=a.idx, ct=ct, ut=ct, v=1)

    def new_pm(self, cb, ct, rng, pid, default):
        return dict(id=pid, brand=["visa", "mastercard", "amex"][int(rng.integers(0, 3))], last4=f"{int(rng.integers(0, 10000)):04d}",
                    exp=(int(rng.integers(1, 13)), int(rng.integers(2026, 2031))), default=default, cb=cb, ct=ct, ut=ct, v=1)

    # ---------------------------------------------------------------------------------- realise
    def alive_ws(self, org, wid):
        w = org.W.get(wid)
        return w if (w is not None and w["alive"]) else None

    def pick_ws(self, org, a, spec, rng):
        if isinstance(spec, tuple):
            w = self.ctx.get(spec[1], {}).get(spec[2])
            if w is not None and w["alive"]:
                return w
            spec = None
        if spec == "last":
            w = a.last.get("ws")
            if w is not None and w["alive"]:
                return w
            spec = None
        if spec is None or spec == "prefs":
            c = [w for w in a.prefs if org.W[w]["alive"]]
            if c:
                return org.W[c[int(rng.integers(0, len(c)))]]
            spec = "any"
        if spec.startswith("team:"):
            tm = spec[5:]
            c = [w for w in org.alive if org.W[w]["team"] == tm]
            if c:
                return org.W[c[int(rng.integers(0, len(c)))]]
            return self.pick_ws(org, a, None, rng)
        if spec.startswith("env:"):
            e = spec[4:]
            c = [w for w in org.alive if e in org.W[w]["handle"]]
            if c:
                return org.W[c[int(rng.integers(0, len(c)))]]
        return org.W[org.alive[int(rng.integers(0, len(org.alive)))]]

    def pick_item(self, org, a, lst, spec, rng, hint, exhaustive=False):
        """Pick (workspace, item) from workspace list `lst`, trying the spec'd workspace first."""
        tried = []
        w = self.pick_ws(org, a, spec, rng)
        order = [w]
        c = [org.W[x] for x in a.prefs if org.W[x]["alive"]]
        order += [c[int(i)] for i in rng.permutation(len(c))][:4]
        order += [org.W[org.alive[int(i)]] for i in rng.permutation(len(org.alive))[:(len(org.alive) if exhaustive else 8)]]
        if lst == "pipes" and hint.get("_unmanaged"):
            order = [x for x in order if any(not p.get("managed") for p in x["pipes"])] or order
        for w in order:
            items = w[lst]
            if not items:
                continue
            if hint:
                if "owned_by" in hint:
                    own = [x for x in items if x["cb"] == hint["owned_by"]]
                    if own:
                        items = own
                    elif len(tried) < 6:
                        tried.append(w)
                        continue
                elif "owned_by_other" in hint:
                    oth = [x for x in items if x["cb"] != a.idx]
                    if oth:
                        items = oth
            return w, items[int(rng.integers(0, len(items)))]
        for w in tried:
            if w[lst]:
                return w, w[lst][int(rng.integers(0, len(w[lst])))]
        return None, None

    def common(self, obj, t, actor, upd, forge_upd=None):
        cb = self.actors[obj["cb"]]
        d = {"created_at": iso(obj["ct"]), "created_by_id": cb.id, "created_by": cb.uobj}
        if upd:
            ub = self.actors[forge_upd] if forge_upd is not None else actor
            obj["ut"] = t
            obj["v"] += 1
            d["updated_at"] = iso(t)
            d["updated_by_id"] = ub.id
            d["updated_by"] = ub.uobj
        else:
            d["updated_at"] = iso(obj["ut"])
        d["version_id"] = obj["v"]
        return d

    def ws_data(self, org, w, t, actor, upd, state=None, fu=None):
        rel = (t - self.t0) // (13 * DAY)
        d = {"id": w["id"], "handle": w["handle"], "identity_id": org.id,
             "api_version": f"1.{38 + rel}.{(t // (3 * DAY)) % 7}", "cli_version": f"1.{2 + rel // 2}.{(t // (5 * DAY)) % 4}",
             "database_name": w["db"], "instance_type": w["inst"],
             "desired_state": state or "running", "state": state or "running"}
        d.update(self.common(w, t, actor, upd, fu))
        return d

    def in_ws(self, org, w):
        return {"identity_id": org.id, "workspace_id": w["id"], "workspace_handle": w["handle"]}

    def realise(self, e, rng):
        t, _seq, ai, act, ip, hint, inc, la = e
        a = self.actors[ai]
        org = a.org
        hint = hint or {}
        kind, op = ACTION_KIND[act]
        fu = hint.get("forge_upd")
        creator = hint.get("forge", ai)
        upd = op in ("update", "run", "delete")
        ids = self.ids
        proc = ids.new("p_", t) if act in PROCESS_ACTIONS else None
        wsspec = hint.get("ws")
        if kind == "ws":
            if op == "create":
                name = hint.get("new_ws")
                if "new_from_old" in hint:
                    old = self.ctx.get(hint["ctx"], {}).get("old")
                    name = (old["handle"] if old else a.team or "ws") + hint["new_from_old"]
                if name is None:
                    name = self.ws_name(a, rng)
                w = self.new_ws(org, name, a.team, creator, t, rng, ids.new("w_", t))
                w["v"] = 1
                a.last["ws"] = w
                if ai not in w["members"]:
                    w["members"][ai] = dict(id=ids.new("wm_", t), role="owner", cb=ai, ct=t, ut=t, v=1)
                if w["id"] not in a.prefs:
                    a.prefs.append(w["id"])
                if "ctx" in hint:
                    self.ctx.setdefault(hint["ctx"], {})["new"] = w
                d = self.ws_data(org, w, t, a, False)
            else:
                if "pick_ws" in hint:
                    w = self.pick_ws(org, a, hint["pick_ws"], rng)
                    self.ctx.setdefault(hint["ctx"], {})["old"] = w
                else:
                    w = self.pick_ws(org, a, wsspec, rng)
                if op == "delete":
                    w["alive"] = False
                    org.alive.remove(w["id"])
                    if not org.alive:  # never leave an org without workspaces
                        self.new_ws(org, "default", None, ai, t, rng, ids.new("w_", t))
                    d = self.ws_data(org, w, t, a, True, "deleted", fu)
                else:
                    d = self.ws_data(org, w, t, a, True, None, fu)
            return w["id"], w["handle"], d, proc
        if kind == "conn":
            if op == "create":
                pl = PLUGINS[int(rng.integers(0, len(PLUGINS)))]
                h = f"{pl}_{a.team or 'shared'}_{WORDS[int(rng.integers(0, len(WORDS)))]}"
                if any(c["handle"] == h for c in org.C):
                    h += f"_{int(rng.integers(2, 99))}"
                c = dict(id=ids.new("c_", t), handle=h, plugin=pl, team=a.team, cb=creator, ct=t, ut=t, v=1)
                org.C.append(c)
                a.last["conn"] = c
                upd = False
            else:
                cand = org.C
                if "plugin" in hint:
                    cand = [c for c in org.C if c["plugin"] == hint["plugin"]] or org.C
                if "owned_by" in hint:
                    cand = [c for c in org.C if c["cb"] == hint["owned_by"]] or cand
                c = cand[int(rng.integers(0, len(cand)))]
                if op == "delete":
                    org.C.remove(c)
                    for wid in org.alive:
                        w = org.W[wid]
                        w["conns"] = [x for x in w["conns"] if x["conn"] is not c]
            d = {"id": c["id"], "handle": c["handle"], "identity_id": org.id, "plugin": c["plugin"], "type": "connection",
                 "state": "deleted" if op == "delete" else "ok"}
            d.update(self.common(c, t, a, upd, fu))
            return c["id"], c["handle"], d, proc
        if kind == "wconn":
            if op == "create":
                w = self.pick_ws(org, a, wsspec, rng)
                have = {x["conn"]["id"] for x in w["conns"]}
                cs = hint.get("conn")
                c = None
                if cs == "last":
                    c = a.last.get("conn")
                if c is None:
                    cand = [x for x in org.C if x["id"] not in have]
                    if cs in ("prod", "prod_other"):
                        cand = [x for x in cand if "prod" in x["handle"] or x["handle"].startswith("aws_")] or cand
                    elif a.team:
                        tc = [x for x in cand if x["team"] == a.team]
                        if tc and rng.random() < 0.7:
                            cand = tc
                    c = cand[int(rng.integers(0, len(cand)))] if cand else org.C[int(rng.integers(0, len(org.C)))]
                wc = dict(id=ids.new("wc_", t), conn=c, cb=creator, ct=t, ut=t, v=1)
                w["conns"].append(wc)
                upd = False
            else:
                w, wc = self.pick_item(org, a, "conns", wsspec, rng, hint, inc is not None)
                if wc is None:
                    return None
                if op == "delete":
                    w["conns"].remove(wc)
            c = wc["conn"]
            d = {"id": wc["id"], "connection_id": c["id"], "handle": c["handle"],
                 "connection": {"id": c["id"], "handle": c["handle"], "plugin": c["plugin"], "type": "connection"},
                 "state": "deleted" if op == "delete" else "ok"}
            d.update(self.in_ws(org, w))
            d.update(self.common(wc, t, a, upd, fu))
            return c["id"], c["handle"], d, proc
        if kind in ("agg", "tank", "notif"):
            lst = {"agg": "aggs", "tank": "tanks", "notif": "notifs"}[kind]
            if op == "create":
                w = self.pick_ws(org, a, wsspec, rng)
                if kind == "agg":
                    pl = ["aws", "azure", "gcp", "kubernetes"][int(rng.integers(0, 4))]
                    x = dict(id=ids.new("c_", t), handle=f"{pl}_all" if rng.random() < 0.5 else f"{pl}_{WORDS[int(rng.integers(0, len(WORDS)))]}",
                             plugin=pl, cb=creator, ct=t, ut=t, v=1)
                elif kind == "tank":
                    x = dict(id=ids.new("dt_", t), handle=f"dt_{a.team or 'shared'}_{int(rng.integers(10, 99))}", cb=creator, ct=t, ut=t, v=1, ws=w)
                else:
                    x = dict(id=ids.new("nt_", t), handle=["slack-alerts", "teams-secops", "email-digest", "pagerduty"][int(rng.integers(0, 4))],
                             cb=creator, ct=t, ut=t, v=1)
                w[lst].append(x)
                upd = False
            elif kind == "tank" and "tank" in hint and org.tanks_bot:
                x = org.tanks_bot[hint["tank"] % len(org.tanks_bot)]
                w = x["ws"]
                if not w["alive"]:
                    return None
            elif kind == "notif" and "sched" in hint:
                w, pp = org.sched_obj[hint["sched"]]
                if not w["alive"] or pp.get("gone"):
                    return None
                if not w["notifs"]:
                    ct = self.t0 + (self.launch_k or 0) * DAY + int(rng.integers(0, DAY))
                    w["notifs"].append(dict(id=ids.past("nt_", ct), handle="slack-alerts", cb=pp["cb"], ct=ct, ut=ct, v=1))
                x = w["notifs"][0]
            else:
                w, x = self.pick_item(org, a, lst, wsspec, rng, hint, inc is not None)
                if x is None:
                    if kind == "notif":
                        return self.realise((t, _seq, ai, "workspace.notifier.create", ip, hint, inc, la), rng)
                    if op == "delete":
                        return None
                    return self.realise((t, _seq, ai, act.rsplit(".", 1)[0] + ".create", ip, hint, inc, la), rng)
                if op == "delete":
                    w[lst].remove(x)
            d = {"id": x["id"], "handle": x["handle"]}
            if kind == "agg":
                d.update({"plugin": x["plugin"], "type": "aggregator", "connections": [x["plugin"] + "_*"]})
            elif kind == "tank":
                d.update({"part_per": "connection", "state": "ready" if op != "delete" else "deleted"})
            else:
                d.update({"notifies": [{"integration": x["handle"].split("-")[0]}], "state": "enabled"})
            d.update(self.in_ws(org, w))
            d.update(self.common(x, t, a, upd if op != "run" else False, fu))
            return x["id"], x["handle"], d, proc
        if kind == "pipe":
            if "sched" in hint:
                w, p = org.sched_obj[hint["sched"]]
                if not w["alive"] or p.get("gone"):
                    return None
            elif op == "create":
                w = self.pick_ws(org, a, wsspec, rng)
                p = self.new_pipe(w, creator, t, rng, ids.new("pipe_", t), exfil=bool(hint.get("exfil")))
                w["pipes"].append(p)
                a.last["pipe"] = p
                upd = False
            elif hint.get("pipe") == "last" and a.last.get("pipe") is not None and not a.last["pipe"].get("gone"):
                p = a.last["pipe"]
                w = None
                for wid in a.prefs + org.alive:
                    if p in org.W[wid]["pipes"]:
                        w = org.W[wid]
                        break
                if w is None:
                    w, p = self.pick_item(org, a, "pipes", wsspec, rng, hint)
            else:
                h2 = dict(hint)
                if op == "delete":
                    h2["_unmanaged"] = 1
                w, p = self.pick_item(org, a, "pipes", wsspec, rng, h2, inc is not None)
                if p is None or (op == "delete" and p.get("managed")):
                    if op == "delete":
                        cand = [x for x in (w["pipes"] if w else []) if not x.get("managed")]
                        if cand:
                            p = cand[0]
                        elif p is None or inc is None:  # benign users leave scheduled pipelines alone
                            return None
                    elif p is None:
                        return self.realise((t, _seq, ai, "workspace.pipeline.create", ip, hint, inc, la), rng)
            if op == "delete":
                w["pipes"].remove(p)
                p["gone"] = True
            if op == "run":
                p["last_proc"] = proc
            d = {"id": p["id"], "title": p["title"], "pipeline": "pipeline.snapshot_dashboard",
                 "frequency": {"type": "interval", "schedule": p["freq"]},
                 "args": {"resource": p["dash"], "notifications": [p["notify"]]},
                 "last_process_id": p["last_proc"], "desired_state": "enabled",
                 "state": "deleted" if op == "delete" else "enabled"}
            d.update(self.in_ws(org, w))
            d.update(self.common(p, t, a, upd, fu))
            return p["id"], "".join(ch if ch.isalnum() else "-" for ch in p["title"].lower()).strip("-").replace("--", "-"), d, proc
        if kind == "snap":
            if op == "create":
                dash = None
                if "sched" in hint:
                    w, pp = org.sched_obj[hint["sched"]]
                    if not w["alive"] or pp.get("gone"):
                        return None
                    dash = pp["dash"]
                else:
                    w = self.pick_ws(org, a, wsspec, rng)
                s = self.new_snap(w, creator, t, rng, hint.get("vis", "workspace"), ids.new("snap_", t), dash)
                w["snaps"].append(s)
                if len(w["snaps"]) > 400:
                    del w["snaps"][:100]
                a.last["snap"] = (w, s)
                upd = False
            else:
                if hint.get("last") and a.last.get("snap"):
                    w, s = a.last["snap"]
                else:
                    w, s = self.pick_item(org, a, "snaps", wsspec, rng, hint, inc is not None)
                    if s is None:
                        return None
                if op == "delete" and s in w["snaps"]:
                    w["snaps"].remove(s)
                if "vis" in hint:
                    s["vis"] = hint["vis"]
            d = {"id": s["id"], "dashboard_name": s["dash"], "dashboard_title": s["dash"].split(".")[-1].replace("_", " ").title(),
                 "schema_version": "20221222", "visibility": s["vis"], "state": "deleted" if op == "delete" else "available",
                 "tags": {}}
            if "sched" in hint:
                d["pipeline_id"] = pp["id"]
            d.update(self.in_ws(org, w))
            d.update(self.common(s, t, a, upd, fu))
            return s["id"], s["dash"], d, proc
        if kind in ("mod", "modvar"):
            if op == "create":
                w = self.pick_ws(org, a, wsspec, rng)
                have = {m["alias"] for m in w["mods"]}
                cand = [m for m in MODS if m not in have] or MODS
                m = self.new_mod(cand[int(rng.integers(0, len(cand)))], creator, t, rng, ids.new("mod_", t))
                w["mods"].append(m)
                a.last["mod"] = (w, m)
                upd = False
            else:
                if hint.get("mod") == "last" and a.last.get("mod"):
                    w, m = a.last["mod"]
                else:
                    w, m = self.pick_item(org, a, "mods", wsspec, rng, hint, inc is not None)
                    if m is None:
                        if op == "delete":
                            return None
                        return self.realise((t, _seq, ai, "workspace.mod.install", ip, hint, inc, la), rng)
                if op == "delete" and m in w["mods"]:
                    w["mods"].remove(m)
                if kind == "mod" and op == "update":
                    m["ver"][2] += 1
                    if rng.random() < 0.1:
                        m["ver"][1] += 1
                        m["ver"][2] = 0
            if kind == "modvar":
                var = ["common_dimensions", "tag_dimensions", "regions", "benchmark_tags", "ignore_errors",
                       "max_age_days"][int(rng.integers(0, 6))]
                d = {"id": m["id"] + "." + var, "name": var, "mod_alias": m["alias"], "type": "string"}
                d.update(self.in_ws(org, w))
                d.update(self.common(m, t, a, True, fu))
                return m["id"], f"{m['alias']}.{var}", d, proc
            d = {"id": m["id"], "alias": m["alias"], "path": "github.com/turbot/steampipe-mod-" + m["alias"].replace("_", "-"),
                 "constraint": "*", "installed_version": "v{}.{}.{}".format(*m["ver"]),
                 "state": "uninstalled" if op == "delete" else "installed"}
            d.update(self.in_ws(org, w))
            d.update(self.common(m, t, a, upd, fu))
            return m["id"], m["alias"], d, proc
        if kind == "token":
            if op == "create":
                tk = self.new_token(a, t, rng, ids.new("tok_", t))
                a.tokens.append(tk)
                upd = False
            else:
                owner = self.actors[hint["owned_by"]] if "owned_by" in hint else a
                if not owner.tokens:
                    owner = a
                if not a.tokens and owner is a:
                    ct = self.t0 - int(rng.integers(30, 300)) * DAY
                    a.tokens.append(self.new_token(a, ct, rng, ids.past("tok_", ct)))
                tk = owner.tokens.pop(0)
            d = {"id": tk["id"], "description": tk["desc"], "last4": tk["last4"], "user_id": self.actors[tk["cb"]].id,
                 "status": "deleted" if op == "delete" else "active"}
            d.update(self.common(tk, t, a, upd, fu))
            return tk["id"], tk["desc"], d, proc
        if kind == "member":
            mi = hint.get("member")
            if mi is None:
                cand = [x for x in org.members if self.actors[x].kind == "person"]
                mi = cand[int(rng.integers(0, len(cand)))]
            m = self.actors[mi]
            if op == "create":
                obj = dict(id=ids.new("om_", t), role=hint.get("role", "member"), status=hint.get("status", "invited"),
                           cb=creator, ct=t, ut=t, v=1)
                org.members[mi] = obj
                upd = False
            else:
                obj = org.members.get(mi)
                if obj is None:
                    obj = dict(id=ids.new("om_", t), role="member", status="accepted", cb=ai, ct=t, ut=t, v=1)
                    org.members[mi] = obj
                if "role" in hint:
                    obj["role"] = hint["role"]
                if "status" in hint:
                    obj["status"] = hint["status"]
                if op == "delete":
                    org.members.pop(mi, None)
                    for wid in org.alive:
                        org.W[wid]["members"].pop(mi, None)
            d = {"id": obj["id"], "org_id": org.id, "identity_id": org.id, "user_id": m.id, "user_handle": m.handle,
                 "display_name": m.display, "role": obj["role"], "status": "removed" if op == "delete" else obj["status"]}
            d.update(self.common(obj, t, a, upd, fu))
            return m.id, m.handle, d, proc
        if kind == "wmember":
            mi = hint.get("member")
            if op == "delete" and mi is not None:
                ws_c = [org.W[w] for w in org.alive if mi in org.W[w]["members"]]
                w = ws_c[int(rng.integers(0, len(ws_c)))] if ws_c else self.pick_ws(org, a, wsspec, rng)
            else:
                w = self.pick_ws(org, a, wsspec, rng)
            if mi is None:
                if op == "create":
                    cand = [x for x in org.members if self.actors[x].kind == "person" and x not in w["members"]]
                else:
                    cand = [x for x in w["members"] if self.actors[x].kind == "person"]
                if not cand:
                    cand = [x for x in org.members if self.actors[x].kind == "person"]
                mi = cand[int(rng.integers(0, len(cand)))]
            m = self.actors[mi]
            obj = w["members"].get(mi)
            if op == "create" or obj is None:
                obj = dict(id=ids.new("wm_", t), role=hint.get("role") or ["reader", "operator", "admin", "owner"][int(rng.choice(4, p=[.3, .4, .2, .1]))],
                           cb=creator, ct=t, ut=t, v=1)
                w["members"][mi] = obj
                upd = op != "create"
            else:
                obj["role"] = hint.get("role") or ["reader", "operator", "admin", "owner"][int(rng.choice(4, p=[.25, .35, .28, .12]))]
            if op == "delete":
                w["members"].pop(mi, None)
            if hint.get("set_ws"):
                self.ctx.setdefault(hint["ctx"], {})["new"] = w
            d = {"id": obj["id"], "user_id": m.id, "user_handle": m.handle, "role": obj["role"],
                 "status": "removed" if op == "delete" else "accepted"}
            d.update(self.in_ws(org, w))
            d.update(self.common(obj, t, a, upd, fu))
            return m.id, m.handle, d, proc
        if kind == "org":
            o = org.obj
            if hint.get("billing_email") == "external":
                o["billing_email"] = f"{['accounts', 'billing', 'ap', 'finance'][int(rng.integers(0, 4))]}.{org.handle.split('-')[0]}@" + \
                    ["gmail.com", "proton.me", "outlook.com"][int(rng.integers(0, 3))]
            elif a.role == "finance" and rng.random() < 0.3:
                o["billing_email"] = [f"billing@{org.handle}.com", f"accounts-payable@{org.handle}.com"][int(rng.integers(0, 2))]
            d = {"id": org.id, "handle": org.handle, "display_name": org.display,
                 "avatar_url": f"https://pipes.turbot.com/api/v0/identity/{org.handle}/avatar?v={o['v']}",
                 "billing_email": o["billing_email"], "usage_compute_action": "notify", "url": f"https://pipes.turbot.com/org/{org.handle}"}
            d.update(self.common(o, t, a, True, fu))
            return org.id, org.handle, d, proc
        if kind == "sub":
            o = org.obj
            if "seats_add" in hint:
                o["seats"] += hint["seats_add"]
            else:
                o["seats"] = max(5, o["seats"] + int(rng.integers(-3, 6)))
            sub = dict(cb=o["cb"], ct=org.created_ts, ut=o["ut"], v=org.sub_v)
            d = {"id": o["sub_id"], "identity_id": org.id, "plan": o["plan"], "seats": o["seats"], "status": "active",
                 "interval": "monthly" if org.size == "small" else "annual"}
            d.update(self.common(sub, t, a, True, fu))
            org.sub_v = sub["v"]
            o["ut"] = t
            return o["sub_id"], org.handle, d, proc
        if kind == "pm":
            if op == "create":
                pm = self.new_pm(creator, t, rng, ids.new("pm_", t), False)
                org.pms.append(pm)
                upd = False
            else:
                if hint.get("pm") == "last":
                    pm = org.pms[-1]
                elif hint.get("pm") == "old" or op == "delete":
                    cand = [x for x in org.pms if not x["default"]] or org.pms
                    pm = cand[0]
                else:
                    pm = org.pms[int(rng.integers(0, len(org.pms)))]
                if hint.get("default"):
                    for x in org.pms:
                        x["default"] = False
                    pm["default"] = True
                if op == "delete" and len(org.pms) > 1:
                    org.pms.remove(pm)
            d = {"id": pm["id"], "identity_id": org.id, "type": "card", "brand": pm["brand"], "last4": pm["last4"],
                 "exp_month": pm["exp"][0], "exp_year": pm["exp"][1], "is_default": pm["default"]}
            d.update(self.common(pm, t, a, upd, fu))
            return pm["id"], f"{pm['brand']}-{pm['last4']}", d, proc
        raise ValueError(act)

    # ---------------------------------------------------------------------------------- output
    def write(self, out):
        os.makedirs(out, exist_ok=True)
        rng = self.R(50000)
        lag_rng = self.R(50002)
        self.ev.sort(key=lambda e: (e[0], e[1]))
        ftr = open(os.path.join(out, "train.jsonl"), "w")
        fte = open(os.path.join(out, "test.jsonl"), "w")
        labels, la_rows = [], set()
        n_tr = n_te = 0
        attack_days = set()
        per_scen = {}
        seen_ids = set()
        benign_pfx, attack_pfx = set(), {}
        benign_act, attack_act = set(), set()
        new_act = [0, 0]
        dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
        lags = lag_rng.integers(45, 1200, size=len(self.ev) + 10)
        for n, e in enumerate(self.ev):
            t, _s, ai, act, ip, hint, inc, la = e
            r = self.realise(e, rng)
            if r is None:
                if inc is not None:
                    raise RuntimeError(f"attack event not realised: {e}")
                continue
            tid, th, data, proc = r
            a = self.actors[ai]
            org = a.org
            rid = self.ids.new("a_", t)
            if rid in seen_ids:
                raise RuntimeError("duplicate id")
            seen_ids.add(rid)
            ts = iso(t)
            rec = {"id": rid, "action_type": act, "actor_id": a.id, "actor_handle": a.handle,
                   "actor_display_name": a.display, "actor_avatar_url": a.avatar, "actor_ip": ip, "created_at": ts,
                   "identity_id": org.id, "identity_handle": org.handle, "tenant_id": org.tenant,
                   "target_id": tid, "target_handle": th, "process_id": proc, "data": data,
                   "tp_id": xid(t + int(lags[n]), 0x1a2b3c, 0x77, n), "tp_source_type": "pipes_audit_log_api",
                   "tp_source_name": "pipes_audit_log_api", "tp_timestamp": ts, "tp_ingest_timestamp": iso(t + int(lags[n])),
                   "tp_date": ts[:10], "tp_index": org.handle, "tp_partition": "pipes", "tp_table": "pipes_audit_log",
                   "tp_source_ip": ip, "tp_destination_ip": None, "tp_ips": [ip], "tp_usernames": [a.handle, a.id],
                   "tp_akas": [tid], "tp_domains": None, "tp_emails": None, "tp_tags": None}
            line = dumps(rec) + "\n"
            pfx = ":".join(ip.split(":")[:2]) if ":" in ip else ".".join(ip.split(".")[:2])
            if t < self.t_test:
                ftr.write(line)
                n_tr += 1
            else:
                fte.write(line)
                n_te += 1
                if act in NEW_ACTIONS:
                    new_act[0] += 1
                new_act[1] += 1
            if inc is not None:
                if t < self.t_test:
                    raise RuntimeError(f"attack record in training period: {inc}")
                scen = inc.split("-", 1)[1]
                labels.append((rid, a.id, ts, scen, inc))
                attack_days.add((a.id, ts[:10]))
                per_scen[scen] = per_scen.get(scen, 0) + 1
                attack_pfx.setdefault(pfx, inc)
                attack_act.add(act)
            else:
                benign_pfx.add(pfx)
                benign_act.add(act)
                if la is not None and t >= self.t_test:
                    la_rows.add((a.id, ts[:10], la))
        ftr.close()
        fte.close()
        la_rows = sorted(x for x in la_rows if (x[0], x[1]) not in attack_days)
        with open(os.path.join(out, "labels.csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["record_id", "actor_id", "created_at", "scenario", "incident_id"])
            w.writerows(labels)
        with open(os.path.join(out, "window_labels.csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["actor_id", "day", "scenario", "incident_id"])
            w.writerows(sorted({(r[1], r[2][:10], r[3], r[4]) for r in labels}))
        with open(os.path.join(out, "lookalikes.csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["actor_id", "day", "kind"])
            w.writerows(la_rows)
        with open(os.path.join(out, "actors.csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["actor_id", "actor_handle", "role", "org"])
            for a in self.actors:
                w.writerow([a.id, a.handle, a.role, a.org.handle])
        la_count = {}
        for _a, _d, k in la_rows:
            la_count[k] = la_count.get(k, 0) + 1
        inc_count = {}
        for i in self.incidents:
            inc_count[i["scenario"]] = inc_count.get(i["scenario"], 0) + 1
        last = lambda k: str(self.start + dt.timedelta(days=k))
        man = {
            "generator": "independent2", "seed": self.seed,
            "train_period": [last(0), last(self.train_days - 1)],
            "test_period": [last(self.train_days), last(self.days - 1)],
            "records": n_tr + n_te, "train_records": n_tr, "test_records": n_te,
            "training_period_attacks": "none (attack-free)",
            "scenarios": dict(sorted(per_scen.items())),
            "incidents": dict(sorted(inc_count.items())),
            "incident_forms": {i["id"]: ("subtle" if i["form"] == "subtle" else "plain") for i in self.incidents},
            "incident_orgs": {i["id"]: i["org"] for i in self.incidents},
            "lookalikes": dict(sorted(la_count.items())),
            "actors": len(self.actors),
            "orgs": [dict(handle=o.handle, id=o.id, size=o.size, sites=o.sites,
                          people=sum(1 for a in o.actors if a.kind == "person" and a.role != "backdoor"),
                          bots=len(o.bots)) for o in self.orgs],
            "new_action_types": sorted(NEW_ACTIONS), "new_action_launch_day": last(self.launch_k),
            "new_action_share_of_test_records": round(new_act[0] / max(1, new_act[1]), 4),
            "knobs": dict(self.knobs, days=self.days, train_days=self.train_days, start=str(self.start)),
        }
        self.checks = {
            "attack_only_prefixes": sorted(p for p in attack_pfx if p not in benign_pfx),
            "attack_only_action_types": sorted(attack_act - benign_act),
        }
        man["checks"] = self.checks
        with open(os.path.join(out, "manifest.json"), "w") as f:
            json.dump(man, f, indent=2, sort_keys=False)
            f.write("\n")
        return man

    # ---------------------------------------------------------------------------------- run
    def build(self):
        self.make_network()
        self.make_orgs()
        self.create_lookalike_actors()
        self.plan_life()
        self.plan_lookalikes()
        for a in self.actors:
            if a.kind == "person":
                self.gen_person(a, self.launch_k)
        self.gen_onboarding()
        self.gen_bots(self.launch_k)
        self.lookalike_events()
        self.gen_attacks()
        self.init_resources()


def main(argv=None):
    ap = argparse.ArgumentParser(description="independent2: simulated Pipes audit log with labelled attacks")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--days", type=int, default=70)
    ap.add_argument("--train-days", type=int, default=None)
    ap.add_argument("--start", default="2025-09-22", help="first UTC day (YYYY-MM-DD)")
    ap.add_argument("--set", action="append", default=[], metavar="KNOB=VALUE")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    if args.days < 30:
        ap.error("--days must be at least 30")
    train_days = args.train_days if args.train_days is not None else int(round(args.days * 0.7))
    if not (14 <= train_days <= args.days - 14):
        ap.error("--train-days must leave at least 14 days on each side")
    knobs = {}
    for kv in args.set:
        k, _, v = kv.partition("=")
        if k not in KNOBS:
            ap.error(f"unknown knob {k}; known: {', '.join(KNOBS)}")
        knobs[k] = type(KNOBS[k])(float(v)) if isinstance(KNOBS[k], (int, float)) else v
    t0 = time.time()
    w = World(args.seed, args.days, train_days, dt.date.fromisoformat(args.start), knobs, args.quiet)
    w.build()
    man = w.write(args.out)
    if not args.quiet:
        print(f"seed {args.seed}: {man['records']} records ({man['train_records']} train, {man['test_records']} test), "
              f"{man['actors']} actors, orgs {[o['handle'] + ':' + str(o['people']) + 'p/' + str(o['bots']) + 'b' for o in man['orgs']]}, "
              f"{time.time() - t0:.1f} s", file=sys.stderr)
        print("  incidents:", ", ".join(f"{k}={v}" for k, v in man["incidents"].items()), file=sys.stderr)
        forms = list(man["incident_forms"].values())
        print(f"  forms: plain={forms.count('plain')} subtle={forms.count('subtle')}; labelled records={sum(man['scenarios'].values())}",
              file=sys.stderr)
        print("  look-alike days:", ", ".join(f"{k}={v}" for k, v in man["lookalikes"].items()), file=sys.stderr)
        print(f"  new action types: {man['new_action_share_of_test_records']:.2%} of test records; checks: {w.checks}",
              file=sys.stderr)


if __name__ == "__main__":
    main()
