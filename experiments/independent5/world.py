#!/usr/bin/env python3
"""independent5: a blind, labelled simulation of Turbot Pipes audit logs.

    python experiments/independent5/world.py --seed N --out DIR [-q]

Standard library only.  Every random choice comes from random.Random streams
named after the seed, so one seed always gives byte-identical files whatever
PYTHONHASHSEED is (no set or dict-hash order is ever iterated for a choice).

The emphasis of this world (see README.md): organisations where much of the
work is done by automation, a consultancy whose staff work inside many client
organisations of one tenant, seasonal and long-weekend rhythms, snapshots shared
publicly by habit in some teams, credentials rotated on schedules, and attacks
that mostly use ordinary verbs in an unusual order, place or scale.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import random
import sys
import time as _time
from datetime import date, datetime, timedelta, timezone

# ---------------------------------------------------------------------------
# small utilities
# ---------------------------------------------------------------------------

XID_ALPHABET = "0123456789abcdefghijklmnopqrstuv"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
DAY = 86400


def stream(seed, name):
    """An independent, reproducible random stream (string seeds use sha512)."""
    return random.Random(f"independent5:{seed}:{name}")


class XidFactory:
    """Pipes ids are xids: 4 bytes of creation time, 3 of machine, 2 of pid,
    3 of counter, written in 20 lowercase base32hex characters."""

    def __init__(self, rng):
        self.rng = rng
        self.machines = [rng.getrandbits(24) for _ in range(7)]
        self.pids = [rng.getrandbits(16) for _ in range(7)]
        self.counter = rng.getrandbits(24)
        self.seen = set()

    def make(self, prefix, ts):
        while True:
            self.counter = (self.counter + 1 + self.rng.randrange(1500)) & 0xFFFFFF
            k = self.rng.randrange(len(self.machines))
            raw = ((int(ts) & 0xFFFFFFFF) << 64) | (self.machines[k] << 40) | (self.pids[k] << 24) | self.counter
            n = raw << 4
            chars = []
            for _ in range(20):
                chars.append(XID_ALPHABET[n & 31])
                n >>= 5
            s = prefix + "_" + "".join(reversed(chars))
            if s not in self.seen:
                self.seen.add(s)
                return s


def iso(ts):
    return datetime.fromtimestamp(int(ts), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def day_of(ts):
    return datetime.fromtimestamp(int(ts), timezone.utc).strftime("%Y-%m-%d")


def ts_of(d, hours=0.0):
    """UTC epoch seconds of date d at the given UTC hour (may be negative / > 24)."""
    return int((datetime(d.year, d.month, d.day, tzinfo=timezone.utc) - EPOCH).total_seconds() + hours * 3600)


def wchoice(rng, items, weights):
    total = 0.0
    cum = []
    for w in weights:
        total += w
        cum.append(total)
    x = rng.random() * total
    lo, hi = 0, len(cum) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return items[lo]


def poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    L = math.exp(-lam)
    k, p = 0, 1.0
    while True:
        p *= rng.random()
        if p <= L:
            return k
        k += 1


def clamp(x, lo, hi):
    return lo if x < lo else hi if x > hi else x


# ---------------------------------------------------------------------------
# calendar: regions, daylight saving, holidays, seasons
# ---------------------------------------------------------------------------

def _nth_weekday(year, month, weekday, n):
    """n-th (1-based; -1 = last) weekday (Mon=0) of a month."""
    if n > 0:
        d = date(year, month, 1)
        d += timedelta(days=(weekday - d.weekday()) % 7)
        return d + timedelta(days=7 * (n - 1))
    d = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return d - timedelta(days=(d.weekday() - weekday) % 7)


def _dst_on(rule, d):
    y = d.year
    if rule == "us":
        return _nth_weekday(y, 3, 6, 2) <= d < _nth_weekday(y, 11, 6, 1)
    if rule == "eu":
        return _nth_weekday(y, 3, 6, -1) <= d < _nth_weekday(y, 10, 6, -1)
    if rule == "au":  # southern hemisphere: on from first Sunday of October to first Sunday of April
        return d >= _nth_weekday(y, 10, 6, 1) or d < _nth_weekday(y, 4, 6, 1)
    return False


# region -> (standard UTC offset, DST rule, country)
REGIONS = {
    "us_east": (-5.0, "us", "us"),
    "us_central": (-6.0, "us", "us"),
    "us_pacific": (-8.0, "us", "us"),
    "uk": (0.0, "eu", "uk"),
    "de": (1.0, "eu", "de"),
    "nl": (1.0, "eu", "nl"),
    "in": (5.5, None, "in"),
    "sg": (8.0, None, "sg"),
    "au_syd": (10.0, "au", "au"),
    "jp": (9.0, None, "jp"),
    "br": (-3.0, None, "br"),
}


def utc_offset(region, d):
    std, rule, _ = REGIONS[region]
    return std + (1.0 if rule and _dst_on(rule, d) else 0.0)


_HOL = {
    "us": "2025-09-01 2025-11-27 2025-11-28 2025-12-24 2025-12-25 2026-01-01 2026-01-19 2026-02-16 "
          "2026-05-25 2026-06-19 2026-07-03 2026-09-07",
    "uk": "2025-08-25 2025-12-25 2025-12-26 2026-01-01 2026-04-03 2026-04-06 2026-05-04 2026-05-25 2026-08-31",
    "de": "2025-10-03 2025-12-24 2025-12-25 2025-12-26 2025-12-31 2026-01-01 2026-04-03 2026-04-06 "
          "2026-05-01 2026-05-14 2026-05-25 2026-06-04",
    "nl": "2025-12-25 2025-12-26 2026-01-01 2026-04-03 2026-04-06 2026-04-27 2026-05-05 2026-05-14 2026-05-25",
    "in": "2025-10-02 2025-10-20 2025-10-21 2025-11-05 2025-12-25 2026-01-26 2026-03-04 2026-03-19 "
          "2026-04-03 2026-08-15",
    "sg": "2025-10-20 2025-12-25 2026-01-01 2026-02-17 2026-02-18 2026-03-20 2026-04-03 2026-05-01 "
          "2026-05-27 2026-06-01 2026-08-10",
    "au": "2025-10-06 2025-12-25 2025-12-26 2026-01-01 2026-01-26 2026-04-03 2026-04-04 2026-04-06 "
          "2026-04-27 2026-06-08",
    "jp": "2025-11-03 2025-11-24 2025-12-29 2025-12-30 2025-12-31 2026-01-01 2026-01-02 2026-01-12 "
          "2026-02-11 2026-02-23 2026-03-20 2026-04-29 2026-05-04 2026-05-05 2026-05-06 2026-07-20",
    "br": "2025-11-20 2025-12-25 2026-01-01 2026-02-16 2026-02-17 2026-04-03 2026-04-21 2026-05-01 2026-06-04",
}
HOLIDAYS = {c: frozenset(date.fromisoformat(x) for x in v.split()) for c, v in _HOL.items()}


def season_factor(region, d):
    """Seasonal rhythm of work: the year-end lull, northern summer, quarter-end push."""
    f = 1.0
    md = (d.month, d.day)
    if (12, 20) <= md or md <= (1, 4):
        f *= 0.45
    elif (12, 13) <= md:
        f *= 0.85
    if d.month in (7, 8) and REGIONS[region][2] in ("de", "nl", "uk"):
        f *= 0.75
    if d.month in (3, 6, 9, 12) and d.day >= 22 and not ((12, 20) <= md):
        f *= 1.2
    return f


# ---------------------------------------------------------------------------
# names
# ---------------------------------------------------------------------------

FIRST = ("Aisha Alejandro Amara Anders Ankit Anna Arjun Ayumi Beatriz Ben Bilal Camille Carlos Chen Chloe "
         "Daniel Darius Deepa Diego Dmitri Elena Emeka Emma Erik Fatima Felix Gabriel Grace Hana Hannah "
         "Hiroshi Ibrahim Ines Isabel Ivan James Jana Javier Jia Jonas Julia Kai Karim Katarzyna Kenji "
         "Kofi Lars Laura Leila Liam Lina Lucas Mai Marco Maria Mateo Maya Mei Mohammed Nadia Naveen Nia "
         "Nikhil Noah Nora Oliver Olga Omar Pablo Patrick Pooja Priya Rafael Rahul Ravi Rebecca Rosa "
         "Ryan Sakura Samir Sara Sean Shreya Sofia Sven Tariq Thomas Tomasz Uma Victor Wei Xin Yara "
         "Yusuf Zara Zoe Adebayo Bruno Chidi Dana Eitan Farah Gustavo Helga Ilse Jorge Keanu Lucia").split()
LAST = ("Abe Adeyemi Agarwal Ahmed Alvarez Andersen Bakker Banerjee Becker Bianchi Brown Campbell Chen "
        "Costa Cruz Das Dubois Eriksen Fernandes Fischer Garcia Gupta Hadid Hansen Hernandez Hoffmann "
        "Ito Iyer Jansen Jensen Johnson Kapoor Kato Kaur Khan Kim Kowalski Kumar Larsen Lee Lim Lopez "
        "Martin Meyer Miller Mohamed Moreau Murphy Nakamura Nguyen Novak Nowak Okafor Oliveira Ong "
        "Park Patel Pereira Petrov Quinn Rahman Reddy Rossi Sato Schmidt Schulz Silva Singh Smith "
        "Sorensen Suzuki Tan Tanaka Taylor Thomas Tran Turner Van Dijk Vogel Wagner Walker Wang Weber "
        "Williams Wong Yamamoto Yilmaz Zhang Zielinski Osei Mensah Haddad Lindqvist Moreno Varga").split()


class NameMaker:
    def __init__(self, rng):
        self.rng = rng
        self.used = set()

    def person(self):
        rng = self.rng
        while True:
            f, l = rng.choice(FIRST), rng.choice(LAST)
            base = f.lower(), l.lower().replace(" ", "")
            style = rng.random()
            if style < 0.35:
                h = base[0][0] + base[1]
            elif style < 0.6:
                h = base[0] + "-" + base[1]
            elif style < 0.75:
                h = base[0] + base[1][0]
            elif style < 0.9:
                h = base[0][0] + base[1] + str(rng.randrange(2, 99))
            else:
                h = base[0] + str(rng.randrange(1, 999))
            if h not in self.used:
                self.used.add(h)
                return h, f"{f} {l}"

    def handle(self, base):
        h = base
        k = 2
        while h in self.used:
            h = f"{base}-{k}"
            k += 1
        self.used.add(h)
        return h


# ---------------------------------------------------------------------------
# networks
# ---------------------------------------------------------------------------

# residential / business ISP first octets (and sometimes second) by country
ISP_V4 = {
    "us": [(73,), (98,), (24,), (71,), (174,), (99,)],
    "uk": [(86,), (81,), (92,), (82,), (109,)],
    "de": [(79,), (91,), (84,), (93,), (87,)],
    "nl": [(83,), (84,), (77,), (145,)],
    "in": [(49,), (103,), (117,), (122,), (106,)],
    "sg": [(116,), (118,), (119,), (175,)],
    "au": [(159, 196), (1, 145), (120,), (101,), (203,)],
    "jp": [(126,), (153,), (180,), (60,)],
    "br": [(177,), (189,), (179,), (201,)],
}
MOBILE_V4 = {
    "us": [(172, 56), (172, 58), (107, 77), (174, 205)],
    "uk": [(148, 252), (82, 132), (31, 94)],
    "de": [(109, 40), (176, 1), (37, 80)],
    "nl": [(77, 60), (84, 241)],
    "in": [(106, 195), (49, 36), (223, 187)],
    "sg": [(111, 65), (42, 60)],
    "au": [(1, 128), (49, 195), (110, 150)],
    "jp": [(126, 33), (133, 106)],
    "br": [(177, 79), (191, 47)],
}
ISP_V6 = {
    "us": ["2600:1700", "2601:647", "2603:8080", "2607:fb90"],
    "uk": ["2a00:23c7", "2a02:c7c", "2a01:4b00"],
    "de": ["2003:e5", "2a02:8109", "2a01:c22"],
    "nl": ["2a02:a46", "2001:1c00"],
    "in": ["2409:40f4", "2401:4900"],
    "sg": ["2406:3003", "2404:e801"],
    "au": ["2403:5800", "2001:8003", "2403:580a"],
    "jp": ["240b:10", "2400:4050"],
    "br": ["2804:14c", "2804:7f0"],
}
CLOUD_V4 = {  # public cloud ranges, shared by every tenant's automation and by strangers
    "aws": [(3, 80, 95), (18, 204, 237), (52, 0, 95), (54, 144, 243), (44, 192, 231), (35, 152, 183)],
    "gcp": [(34, 64, 159), (35, 184, 247), (104, 154, 199)],
    "azure": [(20, 36, 127), (52, 146, 191), (13, 64, 107), (40, 64, 127)],
}
HOSTING_VPN = [(146, 70), (89, 187), (185, 159), (37, 19), (194, 5), (45, 134), (91, 207), (138, 199)]


def _v4(rng, pref):
    if len(pref) == 1:
        return f"{pref[0]}.{rng.randrange(1, 255)}.{rng.randrange(0, 256)}.{rng.randrange(1, 255)}"
    return f"{pref[0]}.{pref[1]}.{rng.randrange(0, 256)}.{rng.randrange(1, 255)}"


def isp_ip(rng, country):
    return _v4(rng, rng.choice(ISP_V4[country]))


def mobile_ip(rng, country):
    return _v4(rng, rng.choice(MOBILE_V4[country]))


def cloud_ip(rng, provider=None):
    provider = provider or rng.choice(["aws", "aws", "gcp", "azure"])
    a, lo, hi = rng.choice(CLOUD_V4[provider])
    return f"{a}.{rng.randrange(lo, hi + 1)}.{rng.randrange(0, 256)}.{rng.randrange(1, 255)}"


def v6_prefix(rng, country):
    return f"{rng.choice(ISP_V6[country])}:{rng.randrange(0x1000, 0xffff):x}:{rng.randrange(0, 0xffff):x}"


def v6_addr(rng, prefix):
    return prefix + ":" + ":".join(f"{rng.randrange(0, 0x10000):x}" for _ in range(4))


class Net:
    """The shared parts of the internet this tenant's people and bots use."""

    def __init__(self, rng):
        self.rng = rng
        # a commercial VPN provider: a few hundred exits shared by strangers
        self.vpn_exits = [_v4(rng, rng.choice(HOSTING_VPN)) for _ in range(240)]
        # Pipes' own egress (scheduled pipelines, asynchronous processes)
        self.platform = [cloud_ip(rng, "aws") for _ in range(6)]
        # hotel / conference / cafe networks in each country
        self.guest = {c: [isp_ip(rng, c) for _ in range(30)] for c in ISP_V4}

    def vpn(self, rng):
        return rng.choice(self.vpn_exits)


# ---------------------------------------------------------------------------
# entities
# ---------------------------------------------------------------------------

class Ident:
    """An identity whose audit log is collected: an organisation or a user."""

    def __init__(self, id, handle, display, created_ts, kind):
        self.id, self.handle, self.display, self.created_ts, self.kind = id, handle, display, created_ts, kind
        self.offices = []          # list of (region, [nat ips])
        self.corp_vpn = []         # corporate VPN egress (in a cloud range)
        self.public_habit = 0.02   # share of snapshots this org's teams share with a link
        self.members = []          # actors (order of joining)
        self.role = {}             # actor id -> owner | member
        self.client = False
        self.rotation_days = 0     # scheduled credential rotation period (0: none)
        self.token_rotation_days = 0
        self.region = "us_east"


class Actor:
    def __init__(self, id, handle, display, kind, job, created_ts, avatar_v):
        self.id, self.handle, self.display, self.kind, self.job = id, handle, display, kind, job
        self.created_ts = created_ts
        self.avatar = f"https://pipes.turbot.com/api/v0/identity/{handle}/avatar?v={avatar_v}"
        self.avatar_v = avatar_v
        self.updated_ts = created_ts + 86400 * 30
        self.orgs = []             # organisations the actor works in (Ident)
        self.org_w = []            # weight of each
        self.ws = {}               # org id -> [workspace Res] the actor uses (order = preference)
        self.personal = None       # Ident of the actor's own developer account, when used
        self.region = "us_east"
        self.country = "us"
        self.rate = 3.0
        self.start_h, self.end_h = 9.0, 17.5
        self.weekend_p, self.night_p = 0.05, 0.02
        self.mix = []              # [(action, weight)]
        self.join_day, self.leave_day = None, None
        self.off = set()           # day indices on leave
        self.trips = []            # (first day, last day, region)
        self.dormant = False
        self.odd = ""
        # network habits
        self.office = None         # (region, [ips]) or None (remote)
        self.office_p = 0.0
        self.home_v4 = None
        self.v6 = False
        self.v6_prefix = None
        self.v6_daily_prefix = False
        self.mobile_p = 0.05
        self.corp_vpn_p = 0.0
        self.vpn_p = 0.0
        self.ip_days = {}          # day index -> fixed choice for bots
        # bots
        self.bot = None            # dict of schedule parameters
        self.fixed_ips = []
        self.cloud = "aws"
        self.shared_by = []        # shared account: regions of the people using it

    def profile(self):
        return {
            "id": self.id,
            "handle": self.handle,
            "display_name": self.display,
            "avatar_url": self.avatar,
            "status": "accepted",
            "created_at": iso(self.created_ts),
            "updated_at": iso(self.updated_ts),
            "version_id": self.avatar_v + 2,
        }


class Res:
    __slots__ = ("rtype", "id", "handle", "ident", "ws", "creator", "created_ts", "updated_ts",
                 "version", "state", "extra", "alive", "updater")

    def __init__(self, rtype, id, handle, ident, ws, creator, created_ts, extra=None):
        self.rtype, self.id, self.handle, self.ident, self.ws = rtype, id, handle, ident, ws
        self.creator, self.created_ts, self.updated_ts = creator, created_ts, created_ts
        self.version, self.state, self.extra, self.alive = 1, "enabled", extra or {}, True
        self.updater = None


# action type -> (resource type, verb class, scope)
#   verb class: new (makes the target), mod (changes it), end (removes it)
#   scope: ws (lives in a workspace), ident (belongs to the org / user), self (the workspace / org itself)
ACTIONS = {}


def _act(names, rtype, verb, scope):
    for n in names.split():
        ACTIONS[n] = (rtype, verb, scope)


_act("workspace.create", "workspace", "new", "self")
_act("workspace.update workspace.upgrade workspace.reboot workspace.inactive.warn workspace.usage.enable "
     "workspace.usage.disable workspace.notifier.set_default", "workspace", "mod", "self")
_act("workspace.delete workspace.inactive.disable", "workspace", "end", "self")
_act("workspace.aggregator.create", "aggregator", "new", "ws")
_act("workspace.aggregator.update", "aggregator", "mod", "ws")
_act("workspace.aggregator.delete", "aggregator", "end", "ws")
_act("workspace.mod.install", "mod", "new", "ws")
_act("workspace.mod.update", "mod", "mod", "ws")
_act("workspace.mod.uninstall", "mod", "end", "ws")
_act("workspace.mod.variable.setting.create", "modvar", "new", "ws")
_act("workspace.mod.variable.setting.update", "modvar", "mod", "ws")
_act("workspace.mod.variable.setting.delete", "modvar", "end", "ws")
_act("workspace.schema.create", "schema", "new", "ws")
_act("workspace.schema.attach", "schema", "mod", "ws")
_act("workspace.schema.delete", "schema", "end", "ws")
_act("workspace.snapshot.create", "snapshot", "new", "ws")
_act("workspace.snapshot.update", "snapshot", "mod", "ws")
_act("workspace.snapshot.delete", "snapshot", "end", "ws")
_act("workspace.connection.associate", "wsconn", "new", "ws")
_act("workspace.connection.dissociate", "wsconn", "end", "ws")
_act("workspace.flowpipe.input.create", "fpinput", "new", "ws")
_act("workspace.flowpipe.trigger.create", "fptrigger", "new", "ws")
_act("workspace.flowpipe.trigger.update", "fptrigger", "mod", "ws")
_act("workspace.flowpipe.trigger.delete", "fptrigger", "end", "ws")
_act("org.update", "org", "mod", "self")
_act("org.billing.payment_method.create", "paymethod", "new", "ident")
_act("org.billing.payment_method.delete", "paymethod", "end", "ident")
_act("org.member.add", "orgmember", "new", "ident")
_act("org.member.update", "orgmember", "mod", "ident")
_act("org.member.delete", "orgmember", "end", "ident")
_act("org.workspace.member.add", "wsmember", "new", "ws")
_act("org.workspace.member.update", "wsmember", "mod", "ws")
_act("org.workspace.member.delete", "wsmember", "end", "ws")
_act("connection.create", "connection", "new", "ident")
_act("connection.update", "connection", "mod", "ident")
_act("connection.delete", "connection", "end", "ident")
_act("connection.permission.create", "connperm", "new", "ident")
_act("connection.permission.update", "connperm", "mod", "ident")
_act("connection.permission.delete", "connperm", "end", "ident")
_act("connection-folder.create", "connfolder", "new", "ident")
_act("connection-folder.delete", "connfolder", "end", "ident")
_act("integration.create", "integration", "new", "ident")
_act("integration.update integration.refresh", "integration", "mod", "ident")
_act("integration.delete", "integration", "end", "ident")
_act("notifier.create", "notifier", "new", "ident")
_act("notifier.update", "notifier", "mod", "ident")
_act("notifier.delete", "notifier", "end", "ident")
_act("pipeline.create", "pipeline", "new", "ws")
_act("pipeline.update pipeline.command.run", "pipeline", "mod", "ws")
_act("pipeline.delete", "pipeline", "end", "ws")
_act("datatank.create", "datatank", "new", "ws")
_act("datatank.update", "datatank", "mod", "ws")
_act("datatank.delete", "datatank", "end", "ws")
_act("datatank.table.create", "dttable", "new", "ws")
_act("datatank.table.update datatank.part.update", "dttable", "mod", "ws")
_act("datatank.table.delete", "dttable", "end", "ws")
_act("token.create", "token", "new", "ident")
_act("token.update", "token", "mod", "ident")
_act("token.delete", "token", "end", "ident")

CREATE_OF = {}
for _a, (_r, _v, _s) in ACTIONS.items():
    if _v == "new":
        CREATE_OF.setdefault(_r, _a)

PREFIX = {"workspace": "w", "aggregator": "agg", "mod": "mod", "modvar": "var", "schema": "sch",
          "snapshot": "snap", "wsconn": "wc", "fpinput": "inp", "fptrigger": "trg", "paymethod": "pm",
          "orgmember": "om", "wsmember": "wm", "connection": "conn", "connperm": "cp",
          "connfolder": "cf", "integration": "int", "notifier": "ntf", "pipeline": "pipe",
          "datatank": "dt", "dttable": "dtt", "token": "tok"}

# actions the platform performs asynchronously (they carry a process id)
ASYNC = frozenset("workspace.create workspace.upgrade workspace.reboot workspace.mod.install workspace.mod.update "
                  "workspace.mod.uninstall integration.refresh datatank.part.update datatank.table.update "
                  "pipeline.command.run workspace.inactive.warn workspace.inactive.disable "
                  "workspace.usage.disable workspace.usage.enable workspace.schema.attach".split())

PLUGINS = ["aws", "aws", "aws", "azure", "gcp", "github", "kubernetes", "okta", "net", "terraform", "slack",
           "azuread", "googleworkspace", "tailscale"]
MODS = ["aws_compliance", "aws_insights", "aws_thrifty", "aws_tags", "aws_perimeter", "azure_compliance",
        "gcp_compliance", "gcp_insights", "github_sanity", "kubernetes_compliance", "azure_insights",
        "terraform_aws_compliance", "aws_well_architected", "net_insights", "okta_insights"]
DASHBOARDS = ["aws_compliance.benchmark.cis_v300", "aws_compliance.benchmark.foundational_security",
              "aws_compliance.benchmark.pci_dss_v321", "aws_insights.dashboard.iam_user_dashboard",
              "aws_insights.dashboard.s3_bucket_report_public_access", "aws_thrifty.benchmark.ec2",
              "azure_compliance.benchmark.cis_v200", "gcp_compliance.benchmark.cis_v300",
              "github_sanity.benchmark.repository_checks", "kubernetes_compliance.benchmark.nsa_cisa_v1",
              "aws_perimeter.benchmark.public_access", "aws_tags.benchmark.mandatory",
              "aws_insights.dashboard.ec2_instance_age_report", "okta_insights.dashboard.user_mfa_report"]
TABLES = ["aws_s3_bucket", "aws_iam_role", "aws_iam_user", "aws_ec2_instance", "aws_cloudtrail_trail",
          "aws_vpc_security_group", "azure_storage_account", "gcp_compute_instance", "github_repository",
          "kubernetes_pod", "okta_user", "aws_rds_db_instance", "aws_lambda_function", "aws_kms_key",
          "azure_key_vault", "gcp_storage_bucket", "aws_cost_by_service_daily"]
WS_NAMES = ["prod", "aws-prod", "security", "compliance", "finops", "dev", "sandbox", "scratch", "audit",
            "platform", "data", "k8s", "gcp-prod", "azure-prod", "staging", "network", "identity",
            "soc", "reporting", "cis", "iam-review", "cloud-inventory", "devops", "analytics", "shared"]
NOTIFIERS = ["slack-secops", "slack-platform", "teams-cloud", "email-oncall", "webhook-pagerduty",
             "slack-finops", "email-audit", "teams-soc", "slack-alerts"]
INTEGRATIONS = ["github", "slack", "aws", "gcp", "msteams", "azure"]


# ---------------------------------------------------------------------------
# the simulator core: resources, target resolution, record writing
# ---------------------------------------------------------------------------

class Sim:
    def __init__(self, seed, tenant_id, tenant_handle, partition):
        self.seed = seed
        self.xid = XidFactory(stream(seed, "xid"))
        self.rng = stream(seed, "exec")
        self.tenant_id, self.tenant_handle, self.partition = tenant_id, tenant_handle, partition
        self.idx = {}          # (scope id, rtype) -> [Res] alive
        self.by_id = {}
        self.records = []      # (ts, id, line, actor id, label or None)
        self.labels = []       # (record id, actor id, created_at, scenario, incident)
        self.look = {}         # (actor id, day) -> kind (first kind wins)
        self.look_order = []
        self.platform = None   # the platform's own actor
        self.action_counts = {}
        self.res_label = {}    # resource id -> attack label for its scheduled runs

    # ----- registry
    def _key(self, res):
        if res.rtype == "workspace":
            return (res.ident.id, "workspace")
        if res.ws is not None:
            return (res.ws.id, res.rtype)
        return (res.ident.id, res.rtype)

    def add(self, res):
        self.by_id[res.id] = res
        self.idx.setdefault(self._key(res), []).append(res)
        return res

    def kill(self, res):
        if not res.alive:
            return
        res.alive = False
        lst = self.idx.get(self._key(res), [])
        if res in lst:
            lst.remove(res)
        if res.rtype == "workspace":
            for rt in PREFIX:
                for child in list(self.idx.get((res.id, rt), [])):
                    child.alive = False
                self.idx.pop((res.id, rt), None)

    def alive(self, scope_id, rtype):
        return self.idx.get((scope_id, rtype), [])

    def new_res(self, rtype, ts, ident, ws, creator, handle, extra=None):
        return self.add(Res(rtype, self.xid.make(PREFIX[rtype], ts), handle, ident, ws, creator, ts, extra))

    # ----- handles and extras for a new resource
    def _new_fields(self, rtype, ident, ws, actor, h):
        rng = self.rng
        if rtype == "workspace":
            base = h.get("handle") or rng.choice(WS_NAMES)
            taken = [r.handle for r in self.alive(ident.id, "workspace")]
            handle = base
            k = 2
            while handle in taken:
                handle = f"{base}-{k}" if rng.random() < 0.6 else f"{base}{rng.randrange(2, 99)}"
                k += 1
            return handle, {"database_name": f"c{rng.randrange(1000, 99999)}",
                            "instance_type": h.get("instance_type", rng.choice(["db1.shared", "db1.shared", "db1.small"])),
                            "api_version": "2.4.1", "cli_version": "1.0.3", "desired_state": "enabled"}
        if rtype == "connection":
            plugin = h.get("plugin") or rng.choice(PLUGINS)
            suffix = rng.choice([str(rng.randrange(100000000000, 999999999999)), rng.choice(
                ["prod", "dev", "staging", "sandbox", "audit", "logs", "shared", "payments", "data", "legacy"])])
            return f"{plugin}_{suffix}", {"plugin": plugin, "type": "connection", "config_version": 1}
        if rtype == "snapshot":
            dash = h.get("dashboard") or rng.choice(DASHBOARDS)
            return f"snapshot_{dash.split('.')[-1]}_{rng.getrandbits(32):08x}", {
                "dashboard_name": dash, "visibility": h.get("visibility", "workspace"), "schema_version": "20221222"}
        if rtype == "pipeline":
            kind = h.get("kind") or rng.choice(["snapshot", "snapshot", "command", "flowpipe", "datatank"])
            sched = h.get("schedule") or rng.choice(["manual", "manual", "daily", "weekly", "0 6 * * 1-5"])
            name = {"snapshot": "pipeline.snapshot_dashboard", "command": "pipeline.command_run",
                    "flowpipe": "pipeline.flowpipe_run", "datatank": "pipeline.datatank_refresh"}[kind]
            return f"{kind}_{rng.choice(DASHBOARDS).split('.')[-1]}_{rng.randrange(100, 999)}", {
                "pipeline": name, "frequency": {"type": "cron" if " " in sched else "interval", "schedule": sched},
                "args": {"resource": rng.choice(DASHBOARDS)}, "fire_minute": rng.randrange(60),
                "fire_hour": rng.randrange(24)}
        if rtype == "mod":
            m = h.get("mod") or rng.choice(MODS)
            return m, {"path": "github.com/turbot/steampipe-mod-" + m.replace("_", "-"), "constraint": "*",
                       "installed_version": f"v{rng.randrange(0, 2)}.{rng.randrange(1, 60)}.0"}
        if rtype == "modvar":
            return rng.choice(["common_dimensions", "tag_dimensions", "mandatory_tags", "benchmark_regions",
                               "ec2_instance_age_max_days", "excluded_accounts", "notify_channel"]), {
                "setting_scope": "workspace"}
        if rtype == "aggregator":
            p = rng.choice(["aws", "aws", "azure", "gcp", "kubernetes"])
            return f"all_{p}" if rng.random() < 0.5 else f"{p}_{rng.choice(['prod', 'nonprod', 'all', 'org'])}", {
                "plugin": p, "connections": [f"{p}_*"]}
        if rtype == "schema":
            return rng.choice(["reports", "inventory", "tank", "history", "scratch", "exports"]) + str(rng.randrange(1, 9)), {}
        if rtype == "wsconn":
            conns = self.alive(ident.id, "connection")
            c = h.get("conn") or (rng.choice(conns) if conns else None)
            if c is None:
                return None, None
            return c.handle, {"connection_id": c.id, "connection_handle": c.handle}
        if rtype == "fpinput":
            return f"input_{rng.getrandbits(24):06x}", {"pipeline": "approve_remediation", "type": "button"}
        if rtype == "fptrigger":
            return f"trigger_{rng.choice(['nightly', 'hourly', 'on_change', 'weekly'])}_{rng.randrange(10, 99)}", {
                "type": "schedule", "schedule": rng.choice(["daily", "hourly", "weekly"])}
        if rtype == "paymethod":
            return f"card_{rng.randrange(1000, 9999)}", {"brand": rng.choice(["visa", "mastercard", "amex"]),
                                                       "last4": f"{rng.randrange(0, 10000):04d}"}
        if rtype == "orgmember":
            u = h["user"]
            return u.handle, {"user_id": u.id, "user_handle": u.handle, "user": u.profile(), "org_id": ident.id,
                              "org_handle": ident.handle, "role": h.get("role", "member"),
                              "status": h.get("status", "accepted")}
        if rtype == "orgmember" and "user" not in h:
            return None, None
        if rtype == "wsmember" and "user" not in h:
            have = set(r.extra.get("user_id") for r in self.alive(ws.id, "wsmember"))
            cands = [m for m in getattr(ident, "members", []) if m.kind == "person" and m.id not in have
                     and ident.role.get(m.id) != "owner" and (m.leave_day is None)]
            if not cands:
                return None, None
            h["user"] = rng.choice(cands)
            lst = h["user"].ws.setdefault(ident.id, [])
            if ws not in lst:
                lst.append(ws)
        if rtype == "wsmember":
            u = h["user"]
            return u.handle, {"user_id": u.id, "user_handle": u.handle, "role": h.get("role", "reader"),
                              "status": "accepted"}
        if rtype == "connperm":
            conns = self.alive(ident.id, "connection")
            c = h.get("conn") or (rng.choice(conns) if conns else None)
            gw = h.get("grant_ws") or ws
            if c is None or gw is None:
                return None, None
            return c.handle, {"connection_id": c.id, "connection_handle": c.handle, "type": "workspace",
                              "workspace_id": gw.id, "workspace_handle": gw.handle}
        if rtype == "connfolder":
            return rng.choice(["aws", "prod", "nonprod", "clients", "legacy", "regions", "accounts"]) + f"-{rng.randrange(1, 50)}", {
                "title": "folder"}
        if rtype == "integration":
            t = h.get("itype") or rng.choice(INTEGRATIONS)
            return f"{t}-{ident.handle}"[:40] + (f"-{rng.randrange(2, 9)}" if rng.random() < 0.3 else ""), {"type": t}
        if rtype == "notifier":
            return h.get("handle") or rng.choice(NOTIFIERS) + (f"-{rng.randrange(2, 9)}" if rng.random() < 0.4 else ""), {
                "notifies": [{"type": rng.choice(["slack", "msteams", "email", "webhook"])}]}
        if rtype == "datatank":
            return rng.choice(["tank", "archive", "history", "inventory", "cache"]) + (str(rng.randrange(2, 9)) if rng.random() < 0.5 else ""), {
                "desired_state": "enabled", "part_count": 0}
        if rtype == "dttable":
            tanks = self.alive(ws.id, "datatank")
            if not tanks:
                return None, None
            t = h.get("tank") or rng.choice(tanks)
            return h.get("table") or rng.choice(TABLES), {"datatank_id": t.id, "datatank_handle": t.handle,
                                                        "frequency": {"type": "interval", "schedule": rng.choice(["hourly", "daily"])},
                                                        "source_query": "select * from " + rng.choice(TABLES)}
        if rtype == "token":
            u = h.get("owner") or actor
            return f"token-{rng.getrandbits(16):04x}", {"user_id": u.id, "user_handle": u.handle,
                                                      "last4": f"{rng.getrandbits(16):04x}", "status": "active",
                                                      "description": h.get("desc", rng.choice(["cli", "ci", "terraform", "laptop", "powerpipe", "api"]))}
        return f"{rtype}-{rng.randrange(1000)}", {}

    # ----- choosing an existing target
    def pick(self, scope_id, rtype, actor, policy="mine"):
        lst = self.alive(scope_id, rtype)
        if not lst:
            return None
        rng = self.rng
        if policy == "mine":
            mine = [r for r in lst if r.creator is actor]
            if mine and rng.random() < 0.75:
                return rng.choice(mine)
            return rng.choice(lst)
        if policy == "mine_only":   # people remove what they made (or, rarely, anything)
            mine = [r for r in lst if r.creator is actor]
            if mine:
                return rng.choice(mine)
            return rng.choice(lst) if rng.random() < 0.12 else None
        if policy == "others":
            other = [r for r in lst if r.creator is not actor]
            return rng.choice(other) if other else rng.choice(lst)
        if policy == "oldest":
            return min(lst, key=lambda r: (r.created_ts, r.id))
        if policy == "newest":
            return max(lst, key=lambda r: (r.created_ts, r.id))
        return rng.choice(lst)

    def pick_ws(self, actor, ident):
        lst = actor.ws.get(ident.id) or []
        live = [w for w in lst if w.alive]
        if live:
            # preference decays with position in the actor's own list
            return wchoice(self.rng, live, [1.0 / (1 + 0.6 * i) for i in range(len(live))])
        allws = self.alive(ident.id, "workspace")
        return self.rng.choice(allws) if allws else None

    # ----- the one entry point: an actor performs an action
    def do(self, ts, actor, action, ident, ip, ws=None, target=None, policy="mine", process=None,
           label=None, look=None, **h):
        rtype, verb, scope = ACTIONS[action]
        rng = self.rng
        if scope == "ws" or (scope == "self" and rtype == "workspace" and verb != "new"):
            if ws is None and target is not None and rtype == "workspace":
                ws = target
            if ws is None or not ws.alive:
                ws = self.pick_ws(actor, ident)
            if ws is None or not ws.alive:
                if verb == "new" and rtype != "workspace":
                    return None
                if rtype != "workspace":
                    return None
        if verb == "end" and policy == "mine" and actor.kind != "platform":
            policy = "mine_only"
        if rtype == "workspace" and verb != "new":
            if action == "workspace.delete" and target is None:
                target = self.pick(ident.id, "workspace", actor, policy)
            target = target or ws
            if target is None or not target.alive:
                return None
        elif rtype == "org":
            target = None
        elif verb != "new":
            member = h.pop("_member_of", None)
            if member is not None and (target is None or not target.alive):
                scope_id = ws.id if scope == "ws" else ident.id
                mine = [r for r in self.alive(scope_id, rtype) if r.extra.get("user_id") == member.id]
                target = mine[0] if mine else None
                if target is None:
                    return None
            if target is None or not target.alive:
                scope_id = ws.id if scope == "ws" else ident.id
                target = self.pick(scope_id, rtype, actor, policy)
            if target is None:
                if verb == "mod" and rtype in CREATE_OF and rtype not in ("orgmember", "wsmember", "token", "paymethod"):
                    return self.do(ts, actor, CREATE_OF[rtype], ident, ip, ws=ws, process=process, label=label,
                                   look=look, **h)
                return None
        # apply
        if verb == "new":
            handle, extra = self._new_fields(rtype, ident, ws, actor, h)
            if handle is None:
                return None
            target = self.new_res(rtype, ts, ident, ws if rtype != "workspace" else None, h.get("creator", actor),
                                  handle, extra)
            if rtype == "workspace":
                lst = actor.ws.setdefault(ident.id, [])
                lst.insert(0, target)
        elif rtype != "org":
            target.version += 1
            target.updated_ts = ts
            target.updater = actor
            if verb == "end":
                if action == "workspace.inactive.disable":
                    target.state = "disabled"
                else:
                    target.state = "deleted"
                    self.kill(target)
            else:
                if action == "workspace.usage.disable":
                    target.state = "disabled"
                if action == "workspace.usage.enable" or (action == "workspace.update" and target.state == "disabled"):
                    target.state = "enabled"
                for k, v in h.items():
                    if k in ("visibility", "role", "instance_type", "status"):
                        target.extra[k] = v
                if rtype == "connection" and action == "connection.update":
                    target.extra["config_version"] = target.extra.get("config_version", 1) + 1
                if action == "workspace.notifier.set_default":
                    nts = self.alive(ident.id, "notifier")
                    if h.get("notifier") == "mine":
                        mine = [x for x in nts if x.creator is actor]
                        nts = mine[-1:] or nts
                    if nts:
                        n = nts[-1] if h.get("notifier") == "mine" else rng.choice(nts)
                        target.extra["default_notifier_id"] = n.id
                        target.extra["default_notifier_handle"] = n.handle
                if action == "pipeline.update" and h.get("schedule"):
                    target.extra["frequency"] = {"type": "interval", "schedule": h["schedule"]}
        if label is not None and rtype == "pipeline" and verb != "end" and target is not None:
            if verb == "new" or h.get("schedule"):
                # the organisation notices the runaway schedule after a few days and removes it
                self.res_label[target.id] = (label, ts + rng.randint(2 * DAY, 5 * DAY))
        if process is True or (process is None and action in ASYNC):
            process = self.xid.make("p", ts - rng.randrange(0, 4))
        elif process is None or process is False:
            process = None
        return self.emit(ts, actor, action, ident, ip, target, verb, process, label, look)

    def _data(self, ts, action, ident, target, verb, actor):
        if target is None:  # org.update: the organisation itself
            d = {"id": ident.id, "handle": ident.handle, "display_name": ident.display,
                 "created_at": iso(ident.created_ts), "created_by_id": ident.founder.id,
                 "created_by": ident.founder.profile(), "state": "enabled", "updated_at": iso(ts),
                 "updated_by_id": actor.id, "updated_by": actor.profile(), "version_id": ident.version}
            ident.version += 1
            return d, ident.id, ident.handle
        r = target
        d = {"id": r.id, "handle": r.handle, "identity_id": r.ident.id}
        if r.rtype != "workspace" and (r.ws is not None or "workspace_id" in r.extra):
            if r.ws is not None:
                d["workspace_id"] = r.ws.id
                d["workspace_handle"] = r.ws.handle
        for k, v in r.extra.items():
            d[k] = v
        d["created_at"] = iso(r.created_ts)
        d["created_by_id"] = r.creator.id
        d["created_by"] = r.creator.profile()
        d["state"] = r.state
        if r.rtype == "workspace":
            d["desired_state"] = r.state
        d["updated_at"] = iso(r.updated_ts)
        if verb != "new" and r.updater is not None:
            d["updated_by_id"] = r.updater.id
            d["updated_by"] = r.updater.profile()
        d["version_id"] = r.version
        return d, r.id, r.handle

    def emit(self, ts, actor, action, ident, ip, target, verb, process, label, look):
        data, tid, thandle = self._data(ts, action, ident, target, verb, actor)
        rid = self.xid.make("a", ts)
        ingest = (ts // 900 + 1) * 900 + self.rng.randrange(20, 240)
        rec = {
            "id": rid, "action_type": action, "actor_id": actor.id, "actor_handle": actor.handle,
            "actor_display_name": actor.display, "actor_avatar_url": actor.avatar, "actor_ip": ip,
            "created_at": iso(ts), "identity_id": ident.id, "identity_handle": ident.handle,
            "tenant_id": self.tenant_id, "target_id": tid, "target_handle": thandle, "process_id": process,
            "data": data,
            "tp_id": self.xid.make("", ingest)[1:], "tp_source_type": "pipes_audit_log_api",
            "tp_source_name": "pipes_audit_log_api", "tp_timestamp": iso(ts), "tp_ingest_timestamp": iso(ingest),
            "tp_date": day_of(ts), "tp_index": ident.handle, "tp_partition": self.partition,
            "tp_table": "pipes_audit_log", "tp_source_ip": ip, "tp_destination_ip": None, "tp_ips": [ip],
            "tp_usernames": [actor.handle, actor.id], "tp_akas": [tid], "tp_domains": None, "tp_emails": None,
            "tp_tags": None,
        }
        line = json.dumps(rec, separators=(",", ":"), ensure_ascii=False)
        self.records.append((ts, rid, line, actor.id, label, action))
        if label is not None:
            self.labels.append((rid, actor.id, iso(ts), label[0], label[1]))
        if look is not None:
            key = (actor.id, day_of(ts))
            if key not in self.look:
                self.look[key] = look
                self.look_order.append(key)
        return target if target is not None else ident


# ---------------------------------------------------------------------------
# people: jobs, action mixes, habits
# ---------------------------------------------------------------------------

JOB_MIX = {
    "admin": {"org.workspace.member.add": 2, "org.workspace.member.update": 2, "org.member.update": 0.6,
              "workspace.update": 3, "workspace.create": 0.6, "connection.create": 1.5, "connection.update": 3,
              "integration.update": 0.6, "notifier.update": 0.6, "workspace.mod.install": 0.8,
              "workspace.mod.update": 2, "workspace.snapshot.create": 2, "org.update": 0.3,
              "connection-folder.create": 0.4, "connection.permission.create": 1, "connection.permission.delete": 0.3,
              "workspace.reboot": 0.5, "workspace.aggregator.update": 1, "token.create": 0.08, "token.delete": 0.06,
              "workspace.connection.associate": 1, "workspace.snapshot.update": 0.6, "integration.delete": 0.04,
              "workspace.mod.uninstall": 0.3, "notifier.create": 0.1, "notifier.delete": 0.05},
    "cloud_eng": {"connection.create": 1.5, "connection.update": 3, "workspace.connection.associate": 2,
                  "workspace.connection.dissociate": 0.5, "workspace.aggregator.create": 0.7,
                  "workspace.aggregator.update": 3, "workspace.mod.install": 1.2, "workspace.mod.update": 2,
                  "workspace.mod.variable.setting.create": 1.2, "workspace.mod.variable.setting.update": 3,
                  "workspace.mod.variable.setting.delete": 0.3, "workspace.schema.create": 0.4,
                  "workspace.reboot": 0.6, "workspace.snapshot.create": 2, "pipeline.command.run": 1,
                  "connection-folder.create": 0.3, "connection.delete": 0.4, "workspace.update": 1,
                  "workspace.flowpipe.trigger.update": 0.3, "token.create": 0.05},
    "analyst": {"workspace.snapshot.create": 6, "workspace.snapshot.update": 2, "workspace.snapshot.delete": 0.6,
                "pipeline.create": 0.6, "pipeline.update": 1.5, "pipeline.command.run": 3,
                "workspace.mod.variable.setting.update": 1, "notifier.update": 0.3,
                "workspace.notifier.set_default": 0.15, "workspace.flowpipe.input.create": 1,
                "workspace.mod.install": 0.3, "workspace.flowpipe.trigger.create": 0.2, "pipeline.delete": 0.2},
    "data_eng": {"datatank.table.create": 1.5, "datatank.table.update": 3, "datatank.table.delete": 0.4,
                 "datatank.create": 0.3, "datatank.update": 1, "workspace.schema.create": 0.8,
                 "workspace.schema.attach": 1, "pipeline.create": 0.8, "pipeline.update": 2,
                 "pipeline.command.run": 3, "connection.update": 0.5, "workspace.snapshot.create": 1,
                 "workspace.schema.delete": 0.2, "datatank.delete": 0.15, "pipeline.delete": 0.2},
    "developer": {"workspace.create": 0.7, "workspace.delete": 0.4, "workspace.update": 1, "connection.create": 1.5,
                  "connection.update": 1, "connection.delete": 0.5, "workspace.mod.install": 2,
                  "workspace.mod.uninstall": 0.7, "workspace.mod.update": 1, "workspace.snapshot.create": 2,
                  "workspace.reboot": 0.5, "workspace.mod.variable.setting.create": 1, "pipeline.command.run": 1,
                  "token.create": 0.1, "token.delete": 0.07, "workspace.schema.create": 0.5,
                  "workspace.schema.delete": 0.3, "workspace.connection.associate": 1},
    "auditor": {"workspace.snapshot.create": 6, "workspace.snapshot.update": 3, "workspace.snapshot.delete": 0.3,
                "pipeline.command.run": 1},
    "manager": {"workspace.snapshot.create": 2, "workspace.snapshot.update": 1, "org.workspace.member.add": 0.5,
                "pipeline.command.run": 0.5, "workspace.update": 0.3},
    "finance": {"workspace.snapshot.create": 1, "org.update": 0.4, "workspace.upgrade": 0.3,
                "workspace.snapshot.update": 0.5},
    "consultant": {"connection.create": 1.5, "connection.update": 2.5, "workspace.connection.associate": 1.5,
                   "workspace.aggregator.update": 1.5, "workspace.mod.install": 1.5, "workspace.mod.update": 1.5,
                   "workspace.mod.variable.setting.update": 2, "workspace.mod.variable.setting.create": 1,
                   "workspace.snapshot.create": 5, "workspace.snapshot.update": 2, "pipeline.create": 0.5,
                   "pipeline.update": 1, "pipeline.command.run": 2, "workspace.reboot": 0.3,
                   "workspace.flowpipe.input.create": 0.3, "connection.permission.create": 0.3},
}
JOB_RATE = {"admin": 3.5, "cloud_eng": 4.5, "analyst": 3.5, "data_eng": 4.5, "developer": 3.5,
            "auditor": 2.0, "manager": 0.8, "finance": 0.4, "consultant": 4.5}
# follow-up chains: after action A, often B (probability, [actions])
FOLLOW = {
    "workspace.create": (0.8, ["workspace.mod.install", "workspace.connection.associate",
                               "workspace.mod.variable.setting.create"]),
    "connection.create": (0.6, ["workspace.connection.associate"]),
    "workspace.mod.install": (0.5, ["workspace.mod.variable.setting.create"]),
    "pipeline.create": (0.6, ["pipeline.command.run"]),
    "pipeline.update": (0.4, ["pipeline.command.run"]),
    "datatank.create": (0.9, ["datatank.table.create", "datatank.table.create"]),
    "workspace.snapshot.create": (0.15, ["workspace.snapshot.update"]),
    "workspace.schema.create": (0.5, ["workspace.schema.attach"]),
    "token.create": (0.3, ["token.delete"]),
}


def personal_mix(rng, job):
    base = JOB_MIX[job]
    items = []
    for a in base:  # dict insertion order: deterministic
        w = base[a] * math.exp(rng.gauss(0, 0.8))
        if rng.random() < 0.22:
            w = 0.0
        items.append((a, w))
    if sum(1 for _, w in items if w > 0) < 3:
        items = [(a, base[a]) for a in base]
    return [(a, w) for a, w in items if w > 0]


class World:
    pass


ARCHETYPES = ["automation", "consultancy", "enterprise", "startup"]
STARTS = ["2025-10-13", "2025-11-17", "2026-01-05", "2026-02-23", "2026-04-13", "2026-06-08", "2025-09-08"]
COMPANY = ["helio", "quanta", "verdant", "copperleaf", "lumen", "orbital", "kestrel", "tundra", "saffron",
           "basalt", "meridian", "cobalt", "juniper", "aurora", "granite", "harbor", "pioneer", "summit",
           "atlas", "zephyr", "fjord", "sequoia", "nimbus", "larkspur", "tessera", "ardent", "brightwater"]


def draw_knobs(seed):
    rng = stream(seed, "knobs")
    arch = ARCHETYPES[(seed - 1) % 4] if 1 <= seed <= 4 else rng.choice(ARCHETYPES)
    k = {"archetype": arch}
    k["start"] = rng.choice(STARTS)
    k["days"] = rng.randint(63, 84) if arch not in ("enterprise", "startup") else rng.randint(56, 70) if arch == "enterprise" else rng.randint(72, 90)
    k["train_fraction"] = round(rng.uniform(0.62, 0.68), 3)
    k["v6_share"] = round(rng.uniform(0.1, 0.6), 3)
    k["v6_daily_prefix_share"] = round(rng.uniform(0.0, 0.3), 3)
    k["mobile_share"] = round(rng.uniform(0.02, 0.15), 3)
    k["commercial_vpn_share"] = round(rng.uniform(0.02, 0.10), 3)
    k["corp_vpn_share"] = round(rng.uniform(0.3, 0.7) if arch == "enterprise" else rng.uniform(0.0, 0.25), 3)
    k["remote_share"] = round(rng.uniform(0.2, 0.8), 3)
    k["public_habit_max"] = round(rng.uniform(0.3, 0.8) if arch == "startup" else rng.uniform(0.1, 0.5), 3)
    k["rotation_days"] = rng.choice([7, 14, 30])
    k["token_rotation_days"] = rng.choice([30, 45, 60, 90])
    k["dormant_share"] = round(rng.uniform(0.04, 0.12), 3)
    k["hire_share"] = round(rng.uniform(0.02, 0.08), 3)
    k["leaver_share"] = round(rng.uniform(0.02, 0.06), 3)
    k["travel_share"] = round(rng.uniform(0.05, 0.2), 3)
    k["activity_scale"] = round(rng.uniform(0.8, 1.25), 3)
    k["company_shutdown"] = rng.random() < 0.5   # the firm closes between Christmas and New Year
    k["attack_rate"] = 1.0
    k["subtle_share"] = round(rng.uniform(0.4, 0.6), 3)
    k["lookalike_rate"] = round(rng.uniform(0.8, 1.3), 3)
    if arch == "automation":
        k.update(orgs=rng.randint(2, 3), people=rng.randint(10, 22), bots=rng.randint(26, 40))
    elif arch == "consultancy":
        k.update(orgs=1 + rng.randint(6, 10), people=rng.randint(26, 46), bots=rng.randint(8, 16))
    elif arch == "enterprise":
        k.update(orgs=rng.randint(3, 5), people=rng.randint(240, 380), bots=rng.randint(18, 30))
    else:
        k.update(orgs=1, people=rng.randint(12, 30), bots=rng.randint(4, 8))
        k["activity_scale"] = round(k["activity_scale"] * 2.3, 3)   # small teams of heavy users
    return k


# ---------------------------------------------------------------------------
# building the world
# ---------------------------------------------------------------------------

def build_world(seed, k):
    rng = stream(seed, "world")
    W = World()
    W.seed, W.k = seed, k
    arch = k["archetype"]
    start = date.fromisoformat(k["start"])
    W.days = [start + timedelta(days=i) for i in range(k["days"])]
    W.n_train = int(round(k["days"] * k["train_fraction"]))
    t0 = ts_of(start)
    W.t0 = t0
    W.net = Net(stream(seed, "net"))
    names = NameMaker(stream(seed, "names"))
    company = rng.choice(COMPANY)
    W.company = company
    sim = Sim(seed, None, None, rng.choice(["pipes_audit", "my_logs", "audit", f"{company}_pipes"]))
    W.sim = sim
    if arch == "startup":
        sim.tenant_id, sim.tenant_handle = "t_00000000000000000000", "pipes"
    else:
        sim.tenant_id = sim.xid.make("t", t0 - rng.randrange(400, 1500) * DAY)
        sim.tenant_handle = company
    # the platform's own actor (asynchronous maintenance)
    plat = Actor(sim.xid.make("u", t0 - 1400 * DAY), "pipes", "Turbot Pipes", "platform", "platform",
                 t0 - 1400 * DAY, 1)
    sim.platform = plat
    W.actors = [plat]
    W.people, W.bots, W.orgs = [], [], []

    def past(lo, hi):
        return t0 - rng.randrange(lo * DAY, hi * DAY)

    # ---- regions and offices
    all_regions = list(REGIONS)
    if arch == "automation":
        home = rng.choice(["us_east", "uk", "de", "au_syd", "us_pacific"])
        regions = [home, rng.choice([r for r in all_regions if r != home])]
    elif arch == "consultancy":
        home = rng.choice(["uk", "nl", "au_syd", "us_east", "sg"])
        regions = [home, home, rng.choice(all_regions)]
    elif arch == "enterprise":
        regions = rng.sample(all_regions, rng.randint(4, 6))
        home = regions[0]
    else:
        home = rng.choice(all_regions)
        regions = [home]
    W.home = home
    company_offices = {}
    for r in regions:
        if r not in company_offices:
            company_offices[r] = [isp_ip(rng, REGIONS[r][2]) for _ in range(rng.randint(1, 3))]
    corp_vpn = [cloud_ip(rng, rng.choice(["aws", "azure"])) for _ in range(rng.randint(3, 7))] if arch != "startup" else []

    def new_org(handle, display, region, client=False):
        c = past(200, 1600)
        o = Ident(sim.xid.make("o", c), handle, display, c, "org")
        o.version = rng.randint(3, 30)
        o.region = region
        o.client = client
        o.public_habit = rng.uniform(0.0, k["public_habit_max"]) if rng.random() < 0.5 else rng.uniform(0.0, 0.05)
        o.rotation_days = k["rotation_days"] if (arch != "startup" and rng.random() < 0.8) else 0
        o.token_rotation_days = k["token_rotation_days"] if arch != "startup" else 0
        W.orgs.append(o)
        return o

    if arch == "automation":
        orgs = [new_org(f"{company}-platform", f"{company.title()} Platform", home)]
        orgs.append(new_org(f"{company}-secops", f"{company.title()} Security Operations", home))
        if k["orgs"] >= 3:
            orgs.append(new_org(f"{company}-sandbox", f"{company.title()} Sandbox", home))
        for o in orgs:
            o.offices = [(home, company_offices[home])]
            o.corp_vpn = corp_vpn
    elif arch == "consultancy":
        orgs = [new_org(f"{company}-consulting", f"{company.title()} Consulting", home)]
        orgs[0].offices = [(home, company_offices[home])]
        orgs[0].corp_vpn = corp_vpn
        others = [c for c in COMPANY if c != company]
        rng.shuffle(others)
        for i in range(k["orgs"] - 1):
            r = rng.choice(all_regions)
            o = new_org(f"{others[i]}-{rng.choice(['cloud', 'sec', 'ops', 'group', 'digital', 'it'])}",
                        f"{others[i].title()} (client)", r, client=True)
            o.offices = [(r, [isp_ip(rng, REGIONS[r][2]) for _ in range(rng.randint(1, 2))])]
            o.corp_vpn = [cloud_ip(rng) for _ in range(rng.randint(0, 3))]
            orgs.append(o)
    elif arch == "enterprise":
        bus = ["retail", "payments", "corp-it", "data", "cloud-platform", "research", "logistics"]
        rng.shuffle(bus)
        orgs = []
        for i in range(k["orgs"]):
            o = new_org(f"{company}-{bus[i]}", f"{company.title()} {bus[i].replace('-', ' ').title()}", regions[i % len(regions)])
            o.offices = [(r, company_offices[r]) for r in company_offices]
            o.corp_vpn = corp_vpn
            orgs.append(o)
    else:
        orgs = [new_org(company, company.title(), home)]
        orgs[0].offices = [(home, company_offices[home])] if rng.random() < 0.6 else []
    W.orgs = orgs

    # ---- people
    def make_person(job, region, org_list, created=None):
        h, disp = names.person()
        c = created if created is not None else past(30, 1500)
        a = Actor(sim.xid.make("u", c), h, disp, "person", job, c, rng.randint(1, 90))
        a.region, a.country = region, REGIONS[region][2]
        a.rate = JOB_RATE[job] * math.exp(rng.gauss(0, 0.6)) * k["activity_scale"]
        if rng.random() < 0.08:   # night owls
            a.start_h = rng.uniform(10.5, 13.5)
            a.end_h = a.start_h + rng.uniform(8, 11)
        else:
            a.start_h = clamp(rng.gauss(8.7, 1.0), 6.0, 11.5)
            a.end_h = a.start_h + clamp(rng.gauss(8.6, 0.9), 6.0, 11.0)
        a.weekend_p = rng.choice([0.0, 0.02, 0.04, 0.08, 0.15, 0.3])
        a.night_p = rng.choice([0.0, 0.01, 0.03, 0.08])
        a.mix = personal_mix(rng, job)
        offs = [o for o in org_list[0].offices if o[0] == region] or org_list[0].offices
        if offs and rng.random() > k["remote_share"]:
            a.office = offs[0]
            a.office_p = rng.uniform(0.3, 0.95)
        a.home_v4 = isp_ip(rng, a.country)
        a.v6 = rng.random() < k["v6_share"]
        a.v6_prefix = v6_prefix(rng, a.country)
        a.v6_daily_prefix = a.v6 and (rng.random() < k["v6_daily_prefix_share"] or (a.country == "de" and rng.random() < 0.5))
        a.mobile_p = rng.uniform(0, 2 * k["mobile_share"])
        if org_list[0].corp_vpn and rng.random() < k["corp_vpn_share"]:
            a.corp_vpn_p = rng.uniform(0.5, 1.0)
        if rng.random() < k["commercial_vpn_share"]:
            a.vpn_p = rng.uniform(0.4, 1.0)
        a.personal = Ident(a.id, a.handle, a.display, c, "user")
        a.personal.founder = a
        a.personal.version = 1
        for o in org_list:
            a.orgs.append(o)
            a.org_w.append(1.0 if o is org_list[0] else rng.uniform(0.2, 1.0))
            o.members.append(a)
            o.role[a.id] = "owner" if job == "admin" else "member"
        W.people.append(a)
        W.actors.append(a)
        return a

    def jobs_for(n, table):
        out = []
        for j, share in table:
            out += [j] * max(0, int(round(n * share)))
        while len(out) < n:
            out.append(table[0][0])
        rng.shuffle(out)
        return out[:n]

    n = k["people"]
    if arch == "automation":
        js = ["admin", "admin"] + jobs_for(n - 2, [("cloud_eng", .4), ("analyst", .2), ("data_eng", .15),
                                                   ("developer", .18), ("manager", .07)])
        for j in js:
            r = home if rng.random() < 0.75 else regions[1]
            ol = [orgs[0]] + [o for o in orgs[1:] if rng.random() < (0.8 if j in ("admin", "analyst") else 0.4)]
            make_person(j, r, ol)
    elif arch == "consultancy":
        js = ["admin", "admin", "finance", "manager", "manager"] + jobs_for(n - 5, [("consultant", .8), ("analyst", .2)])
        clients = orgs[1:]
        for j in js:
            r = home if rng.random() < 0.8 else rng.choice(regions)
            if j in ("consultant", "analyst"):
                ol = [orgs[0]] + rng.sample(clients, rng.randint(1, min(4, len(clients))))
            elif j == "admin":
                ol = [orgs[0]] + clients
            else:
                ol = [orgs[0]] + rng.sample(clients, min(2, len(clients)))
            p = make_person(j, r, ol)
            if j in ("consultant", "analyst"):   # most of the work happens in client orgs
                p.org_w = [0.25] + [rng.uniform(0.5, 1.5) for _ in ol[1:]]
            for o in ol[1:]:
                o.role[p.id] = "owner" if (j == "admin" or rng.random() < 0.15) else "member"
        for o in clients:   # the clients' own staff
            for j in ["admin"] + [rng.choice(["auditor", "manager", "analyst", "cloud_eng"]) for _ in range(rng.randint(0, 3))]:
                make_person(j, o.region, [o])
    elif arch == "enterprise":
        per = [n // len(orgs)] * len(orgs)
        for o, cnt in zip(orgs, per):
            js = ["admin", "admin"] + jobs_for(cnt - 2, [("cloud_eng", .25), ("analyst", .2), ("developer", .2),
                                                         ("data_eng", .1), ("auditor", .08), ("manager", .12),
                                                         ("finance", .02), ("admin", .03)])
            for j in js:
                r = o.region if rng.random() < 0.6 else rng.choice(regions)
                ol = [o] + ([rng.choice([x for x in orgs if x is not o])] if rng.random() < 0.1 else [])
                make_person(j, r, ol)
    else:
        js = ["admin", "admin"] + jobs_for(n - 2, [("developer", .45), ("cloud_eng", .2), ("analyst", .15),
                                                   ("data_eng", .1), ("manager", .05), ("finance", .05)])
        for j in js:
            r = home if rng.random() < 0.7 else rng.choice(all_regions)
            p = make_person(j, r, orgs)
            if rng.random() < 0.3:
                orgs[0].role[p.id] = "owner"     # small teams hand out owner freely
    for o in orgs:
        admins = [p for p in o.members if o.role.get(p.id) == "owner"] or o.members[:1]
        o.founder = admins[0]
        o.admins = admins
    W.rng = rng
    return W


BOT_NAMES = {
    "tf_ci": [("terraform-ci", "Terraform CI"), ("gha-infra", "GitHub Actions infra"), ("atlantis", "Atlantis"),
              ("tf-pipes", "Terraform pipes provider"), ("spacelift", "Spacelift runner")],
    "rotator": [("cred-rotator", "Credential rotator"), ("vault-sync", "Vault sync"), ("secrets-rotation", "Secrets rotation")],
    "snapshot": [("report-bot", "Report bot"), ("snapshots", "Snapshot scheduler"), ("compliance-reports", "Compliance reports"),
                 ("cis-runner", "CIS runner"), ("finops-reports", "FinOps reports"), ("posture-bot", "Posture bot")],
    "flowpipe": [("flowpipe", "Flowpipe"), ("remediator", "Auto remediation"), ("flowpipe-ops", "Flowpipe ops")],
    "tank": [("tank-loader", "Datatank loader"), ("etl", "ETL service"), ("inventory-sync", "Inventory sync")],
    "connsync": [("aws-org-sync", "AWS org sync"), ("account-discovery", "Account discovery")],
    "scim": [("okta-scim", "Okta SCIM"), ("entra-scim", "Entra ID provisioning")],
    "misc": [("jira-sync", "Jira sync"), ("cost-reporter", "Cost reporter"), ("svc-api", "API service"),
             ("backstage", "Backstage plugin")],
    "broken": [("aws-org-sync", "AWS org sync"), ("legacy-sync", "Legacy sync"), ("tf-nightly", "Terraform nightly")],
}


def populate(W):
    k, sim, rng, net = W.k, W.sim, W.rng, W.net
    arch, t0, orgs = k["archetype"], W.t0, W.orgs
    names = NameMaker(stream(W.seed, "botnames"))
    for p in W.people:
        names.used.add(p.handle)

    def past(lo, hi):
        return t0 - rng.randrange(int(lo * DAY), int(hi * DAY))

    def make_bot(kind, org, extra_orgs=(), ipmode="fixed"):
        base, disp = rng.choice(BOT_NAMES[kind])
        c = past(60, 900)
        a = Actor(sim.xid.make("u", c), names.handle(base), disp, "bot", kind, c, rng.randint(1, 20))
        a.region, a.country = org.region, REGIONS[org.region][2]
        a.cloud = "azure" if kind == "tf_ci" and rng.random() < 0.7 else rng.choice(["aws", "aws", "gcp", "azure"])
        a.fixed_ips = [cloud_ip(rng, a.cloud) for _ in range(rng.randint(1, 2))]
        a.bot = {"kind": kind, "ipmode": ipmode}
        for o in [org] + list(extra_orgs):
            a.orgs.append(o)
            a.org_w.append(1.0)
            o.members.append(a)
            o.role[a.id] = "owner" if kind in ("tf_ci", "rotator", "scim", "broken", "connsync") else "member"
        W.bots.append(a)
        W.actors.append(a)
        return a

    B = k["bots"]
    if arch == "automation":
        for o in orgs:
            for _ in range(rng.randint(1, 2)):
                make_bot("tf_ci", o, ipmode="elastic")
        make_bot("rotator", orgs[0], orgs[1:])
        make_bot("broken", orgs[0], ipmode="elastic")
        make_bot("connsync", orgs[0], ipmode="fixed")
        rest = B - len(W.bots)
        for i in range(max(0, rest)):
            kind = wchoice(rng, ["snapshot", "flowpipe", "tank", "misc"], [0.5, 0.2, 0.15, 0.15])
            make_bot(kind, rng.choice(orgs), ipmode="fixed" if rng.random() < 0.6 else "elastic")
    elif arch == "consultancy":
        make_bot("rotator", orgs[0], [o for o in orgs[1:] if o.rotation_days])
        make_bot("broken", rng.choice(orgs[1:]), ipmode="elastic")
        for o in orgs[1:]:
            make_bot("snapshot", o, ipmode="fixed")
            if rng.random() < 0.5:
                make_bot("tf_ci", o, ipmode="elastic")
        while len(W.bots) < B:
            make_bot(rng.choice(["snapshot", "flowpipe", "misc"]), rng.choice(orgs), ipmode="fixed")
    elif arch == "enterprise":
        make_bot("scim", orgs[0], orgs[1:])
        make_bot("rotator", orgs[0], orgs[1:])
        make_bot("broken", rng.choice(orgs), ipmode="elastic")
        for o in orgs:
            make_bot("tf_ci", o, ipmode="elastic")
        while len(W.bots) < B:
            kind = wchoice(rng, ["snapshot", "flowpipe", "tank", "misc", "connsync"], [0.45, 0.2, 0.15, 0.12, 0.08])
            make_bot(kind, rng.choice(orgs), ipmode="fixed" if rng.random() < 0.6 else "elastic")
    else:
        make_bot("tf_ci", orgs[0], ipmode="elastic")
        if rng.random() < 0.7:
            make_bot("broken", orgs[0], ipmode="elastic")
        while len(W.bots) < B:
            make_bot(rng.choice(["snapshot", "snapshot", "flowpipe", "misc"]), orgs[0], ipmode="elastic")
    W.scim = next((b for b in W.bots if b.job == "scim"), None)

    # ---- odd-from-the-first-day accounts
    # a break-glass admin account shared by several people in different countries
    o0 = orgs[0]
    c = past(300, 900)
    shared = Actor(sim.xid.make("u", c), names.handle(rng.choice(["ops-admin", "breakglass", "admin-shared", "platform-admin"])),
                   rng.choice(["Ops Admin", "Break Glass", "Platform Admin"]), "person", "admin", c, 3)
    shared.shared_by = rng.sample(list(REGIONS), 3)
    shared.region, shared.country = shared.shared_by[0], REGIONS[shared.shared_by[0]][2]
    shared.rate = 2.5
    shared.mix = personal_mix(rng, "admin")
    shared.home_v4 = isp_ip(rng, shared.country)
    shared.v6_prefix = v6_prefix(rng, shared.country)
    shared.odd = "shared_account"
    shared.weekend_p = 0.4
    shared.orgs, shared.org_w = [o0], [1.0]
    o0.members.append(shared)
    o0.role[shared.id] = "owner"
    W.people.append(shared)
    W.actors.append(shared)
    W.shared = shared
    # a contractor whose habits are odd from day one (off hours, commercial VPN, many workspaces); a sleeper
    sl_org = orgs[1] if arch == "consultancy" else o0
    c = past(120, 400)
    h, disp = names.person()
    sl = Actor(sim.xid.make("u", c), h, disp, "person", "cloud_eng", c, rng.randint(1, 30))
    sl.region = rng.choice([r for r in REGIONS if r != W.home])
    sl.country = REGIONS[sl.region][2]
    sl.rate = 2.5
    sl.start_h, sl.end_h = rng.uniform(18, 21), rng.uniform(25, 28)   # works the evening and night of its region
    sl.weekend_p = 0.35
    sl.night_p = 0.1
    sl.mix = personal_mix(rng, "cloud_eng")
    sl.home_v4 = isp_ip(rng, sl.country)
    sl.v6_prefix = v6_prefix(rng, sl.country)
    sl.vpn_p = 0.85
    sl.mobile_p = 0.1
    sl.odd = "contractor_from_day_one"
    sl.orgs, sl.org_w = [sl_org], [1.0]
    sl.personal = Ident(sl.id, sl.handle, sl.display, c, "user")
    sl.personal.founder, sl.personal.version = sl, 1
    sl_org.members.append(sl)
    sl_org.role[sl.id] = "member"
    W.people.append(sl)
    W.actors.append(sl)
    W.sleeper = sl

    # ---- workspaces
    for o in orgs:
        if arch == "automation":
            nws = rng.randint(6, 12)
        elif arch == "consultancy":
            nws = rng.randint(3, 5) if not o.client else rng.randint(3, 8)
        elif arch == "enterprise":
            nws = rng.randint(5, 14)
        else:
            nws = rng.randint(4, 8)
        for _ in range(nws):
            creator = rng.choice(o.admins)
            ts = past(20, 700)
            handle, extra = sim._new_fields("workspace", o, None, creator, {})
            sim.new_res("workspace", ts, o, None, creator, handle, extra)
    for p in W.people:
        if p.personal is not None and p.job in ("developer", "cloud_eng", "consultant") and rng.random() < (0.5 if arch in ("startup", "automation") else 0.15):
            for _ in range(rng.randint(1, 2)):
                handle, extra = sim._new_fields("workspace", p.personal, None, p, {"handle": rng.choice(["scratch", "dev", "test", "play", "poc"])})
                w = sim.new_res("workspace", past(5, 400), p.personal, None, p, handle, extra)
                p.ws.setdefault(p.personal.id, []).append(w)
    for a in W.people + W.bots:
        for o in a.orgs:
            allws = list(sim.alive(o.id, "workspace"))
            rng.shuffle(allws)
            m = len(allws) if (a.kind == "bot" and a.job in ("tf_ci", "rotator", "broken", "connsync")) else rng.randint(1, min(6, len(allws)))
            a.ws[o.id] = allws[:m]

    # ---- memberships
    for o in orgs:
        for a in o.members:
            ts = max(o.created_ts, a.created_ts) + rng.randrange(0, 20 * DAY)
            ts = min(ts, t0 - DAY)
            sim.new_res("orgmember", ts, o, None, o.founder, a.handle,
                        {"user_id": a.id, "user_handle": a.handle, "user": a.profile(), "org_id": o.id,
                         "org_handle": o.handle, "role": o.role[a.id], "status": "accepted"})
            if o.role[a.id] != "owner":
                for w in a.ws.get(o.id, []):
                    sim.new_res("wsmember", ts + 3600, o, w, o.founder, a.handle,
                                {"user_id": a.id, "user_handle": a.handle,
                                 "role": rng.choice(["reader", "operator", "operator", "admin"]), "status": "accepted"})

    # ---- identity-level resources
    builders = {o.id: [a for a in o.members if a.kind == "person" and a.job in ("admin", "cloud_eng", "consultant", "developer")] or o.admins
                for o in orgs}
    for o in orgs:
        bl = builders[o.id]
        nconn = {"automation": (40, 110), "consultancy": (10, 40), "enterprise": (20, 70), "startup": (5, 18)}[arch]
        tf = [b for b in W.bots if b.job in ("tf_ci", "connsync") and o in b.orgs]
        for _ in range(rng.randint(*nconn)):
            cr = rng.choice(tf) if tf and rng.random() < 0.6 else rng.choice(bl)
            h, ex = sim._new_fields("connection", o, None, cr, {})
            sim.new_res("connection", past(5, 600), o, None, cr, h, ex)
        for _ in range(rng.randint(0, 5)):
            h, ex = sim._new_fields("connfolder", o, None, None, {})
            sim.new_res("connfolder", past(5, 600), o, None, rng.choice(bl), h, ex)
        for t in rng.sample(INTEGRATIONS, rng.randint(1, 3)):
            h, ex = sim._new_fields("integration", o, None, None, {"itype": t})
            sim.new_res("integration", past(30, 600), o, None, rng.choice(o.admins), h, ex)
        for nm in rng.sample(NOTIFIERS, rng.randint(2, 5)):
            h, ex = sim._new_fields("notifier", o, None, None, {"handle": nm})
            sim.new_res("notifier", past(30, 600), o, None, rng.choice(o.admins), h, ex)
        h, ex = sim._new_fields("paymethod", o, None, None, {})
        sim.new_res("paymethod", past(60, 700), o, None, o.founder, h, ex)
        for b in W.bots:
            if o is b.orgs[0]:
                h, ex = sim._new_fields("token", o, None, b, {"owner": b, "desc": "service"})
                b.token = sim.new_res("token", past(1, k["token_rotation_days"] or 120), o, None, rng.choice(o.admins), h, ex)
    for p in W.people:
        if p.personal is not None and rng.random() < 0.6:
            h, ex = sim._new_fields("token", p.personal, None, p, {})
            sim.new_res("token", past(3, 400), p.personal, None, p, h, ex)

    # ---- workspace contents
    for o in orgs + [p.personal for p in W.people if p.personal is not None]:
        for w in list(sim.alive(o.id, "workspace")):
            users = [a for a in (o.members if o.kind == "org" else [o.founder]) if w in a.ws.get(o.id, [])] or [o.founder]
            people = [a for a in users if a.kind == "person"] or users

            def mk(rtype, creator, **h):
                hh, ex = sim._new_fields(rtype, o, w, creator, h)
                if hh is None:
                    return None
                return sim.new_res(rtype, max(w.created_ts + 600, past(1, 300)), o, w, creator, hh, ex)

            for m in rng.sample(MODS, rng.randint(1, 4)):
                mk("mod", rng.choice(people), mod=m)
            for _ in range(rng.randint(0, 4)):
                mk("modvar", rng.choice(people))
            for _ in range(rng.randint(0, 3)):
                mk("aggregator", rng.choice(people))
            conns = sim.alive(o.id, "connection") if o.kind == "org" else []
            for c in rng.sample(conns, min(len(conns), rng.randint(2, 12))):
                mk("wsconn", rng.choice(people), conn=c)
            for _ in range(rng.randint(0, 10)):
                mk("snapshot", rng.choice(people), visibility="anyone_with_link" if rng.random() < o.public_habit else "workspace")
            for _ in range(rng.randint(0, 2)):
                mk("schema", rng.choice(people))
            if rng.random() < (0.5 if arch != "startup" else 0.3):
                t = mk("datatank", rng.choice(people))
                for _ in range(rng.randint(1, 6)):
                    mk("dttable", rng.choice(people), tank=t)
            for _ in range(rng.randint(0, 2)):
                mk("fptrigger", rng.choice(people))
            # scheduled pipelines: owned by bots where the org has them, else by people
            owners = [a for a in users if a.kind == "bot" and a.job in ("snapshot", "flowpipe", "tank", "misc")]
            if arch == "automation":
                npipe = rng.randint(2, 7) if owners else rng.randint(0, 3)
            elif arch == "startup":
                npipe = rng.randint(2, 6) if o.kind == "org" else rng.randint(0, 2)
            else:
                npipe = rng.randint(1, 5) if owners else rng.randint(0, 3)
            if o.kind == "user":
                npipe = rng.randint(0, 1)
            for _ in range(npipe):
                owner = rng.choice(owners) if owners and rng.random() < 0.8 else rng.choice(people)
                kindp = {"snapshot": "snapshot", "flowpipe": "flowpipe", "tank": "datatank", "misc": "command"}.get(owner.job, None) \
                    if owner.kind == "bot" else rng.choice(["snapshot", "snapshot", "command", "datatank"])
                sw = [0.25, 0.25, 0.3, 0.1, 0.1] if arch in ("startup", "automation") else [0.08, 0.12, 0.5, 0.18, 0.12]
                sched = wchoice(rng, ["hourly", "0 */6 * * *", "daily", "0 6 * * 1-5", "weekly"], sw)
                pp = mk("pipeline", owner, kind=kindp, schedule=sched)
                if pp is not None:
                    pp.extra["args"]["visibility"] = "anyone_with_link" if rng.random() < o.public_habit else "workspace"
                    pp.extra["fire_minute"] = rng.randrange(0, 60)
                    pp.extra["fire_hour"] = rng.randrange(0, 24)

    # ---- life events of people
    nd = len(W.days)
    for p in W.people:
        if p.odd:
            continue
        if p not in [o.founder for o in orgs] and rng.random() < k["dormant_share"]:
            p.dormant = True
            p.rate *= 0.03
        elif rng.random() < k["hire_share"] and p.job not in ("admin",):
            p.join_day = rng.randrange(4, nd - 8)
        elif rng.random() < k["leaver_share"] and p not in [o.founder for o in orgs]:
            p.leave_day = rng.randrange(8, nd - 2)
        for _ in range(wchoice(rng, [0, 1, 2], [0.45, 0.4, 0.15])):
            s = rng.randrange(0, nd)
            ln = wchoice(rng, [2, 3, 5, 9, 12, 16], [0.25, 0.2, 0.25, 0.15, 0.1, 0.05])
            for d in range(s, min(nd, s + ln)):
                p.off.add(d)
        if rng.random() < k["travel_share"]:
            s = rng.randrange(0, nd - 3)
            p.trips.append((s, min(nd - 1, s + rng.randint(2, 7)), rng.choice([r for r in REGIONS if r != p.region])))
        if k["company_shutdown"] and p.kind == "person":
            for i, d in enumerate(W.days):
                if (d.month == 12 and d.day >= 24) or (d.month == 1 and d.day <= 1):
                    if rng.random() < 0.9:
                        p.off.add(i)
    if not any(p.join_day is not None for p in W.people):   # every firm hires someone in ten weeks
        cands = [p for p in W.people if not p.odd and p.job != "admin" and not p.dormant and p.leave_day is None]
        if cands:
            rng.choice(cands).join_day = rng.randrange(4, nd - 8)
    for p in W.people:
        if p.join_day is not None:   # a new hire's account appears on the joining day
            old = p.id
            p.created_ts = t0 + p.join_day * DAY - rng.randrange(3600, 20 * 3600)
            p.updated_ts = p.created_ts
            p.id = sim.xid.make("u", p.created_ts)
            p.personal = Ident(p.id, p.handle, p.display, p.created_ts, "user")
            p.personal.founder, p.personal.version = p, 1
            p.ws.pop(old, None)
            for o in p.orgs:
                o.role[p.id] = o.role.pop(old)
            for r in list(sim.by_id.values()):
                if r.alive and (r.creator is p or r.extra.get("user_id") == old or r.ident.id == old):
                    sim.kill(r)
    return W


# ---------------------------------------------------------------------------
# the daily engine: people, bots, scheduled pipelines, the platform
# ---------------------------------------------------------------------------

OWNER_ONLY = frozenset("org.update org.member.add org.member.update org.member.delete org.billing.payment_method.create "
                       "org.billing.payment_method.delete integration.create integration.update integration.delete "
                       "notifier.create notifier.update notifier.delete connection.permission.create "
                       "connection.permission.update connection.permission.delete org.workspace.member.add "
                       "org.workspace.member.update org.workspace.member.delete".split())
TF_MIX = [("workspace.update", 2), ("connection.update", 3), ("connection.create", 1.2),
          ("workspace.aggregator.update", 2), ("workspace.mod.variable.setting.update", 3),
          ("workspace.mod.variable.setting.create", 0.8), ("workspace.mod.update", 1.5),
          ("org.workspace.member.add", 0.6), ("org.workspace.member.update", 0.8), ("pipeline.update", 1),
          ("notifier.update", 0.4), ("workspace.connection.associate", 1.2), ("connection.delete", 0.3),
          ("workspace.aggregator.create", 0.3), ("pipeline.create", 0.3), ("connection.permission.create", 0.4),
          ("workspace.flowpipe.trigger.update", 0.3)]
MISC_MIX = [("workspace.snapshot.create", 4), ("pipeline.command.run", 2), ("notifier.update", 0.2),
            ("workspace.snapshot.update", 1), ("workspace.flowpipe.input.create", 0.5)]


class Engine:
    def __init__(self, W):
        self.W, self.sim = W, W.sim
        self.rng = stream(W.seed, "behave")
        self.heap = []
        self.seq = 0
        self.t_first = ts_of(W.days[0])
        self.t_end = ts_of(W.days[-1]) + DAY
        self.ws_last = {}
        self.warned = {}
        r = stream(W.seed, "wslast")
        for o in W.orgs + [p.personal for p in W.people if p.personal is not None]:
            for w in self.sim.alive(o.id, "workspace"):
                self.ws_last[w.id] = self.t_first - r.randrange(0, 26 * DAY)
        self.loc_cache = {}
        self.abuse, self.usage_off = {}, {}
        self.rot_off = {o.id: r.randrange(0, 30) for o in W.orgs}
        self.tok_off = {o.id: r.randrange(0, 90) for o in W.orgs}
        self.releases = sorted(r.sample(range(1, len(W.days)), max(1, len(W.days) // 16)))

    # ----- intents
    def push(self, ts, actor, action, ident, ip, **kw):
        ts = int(ts)
        if ts < self.t_first or ts >= self.t_end:
            return
        self.seq += 1
        self.heap.append((ts, self.seq, actor, action, ident, ip, kw))

    def flush(self, upto):
        import heapq
        if not getattr(self, "_heaped", False):
            heapq.heapify(self.heap)
            self._heaped = True
        sim = self.sim
        while self.heap and self.heap[0][0] < upto:
            ts, _, actor, action, ident, ip, kw = heapq.heappop(self.heap)
            rot = kw.pop("_rotate", None)
            res = sim.do(ts, actor, action, ident, ip, **kw)
            if res is not None and isinstance(res, Res):
                if rot is not None:
                    rot.token = res
                w = res if res.rtype == "workspace" else res.ws
                if w is not None:
                    self.ws_last[w.id] = ts
                    self.warned.pop(w.id, None)
                    if w.state == "disabled" and actor.kind != "platform" and w.alive:
                        self.push_sorted(ts + 5, actor, "workspace.update", ident, ip, target=w,
                                         label=kw.get("label"), look=kw.get("look"))

    def push_sorted(self, ts, actor, action, ident, ip, **kw):
        import heapq
        ts = int(ts)
        if ts < self.t_first or ts >= self.t_end:
            return
        self.seq += 1
        heapq.heappush(self.heap, (ts, self.seq, actor, action, ident, ip, kw))

    # ----- where a person is today and which address a session comes from
    def region_today(self, a, i):
        for s, e, reg in a.trips:
            if s <= i <= e:
                return reg, True
        return a.region, False

    def location(self, a, i):
        key = (a.id, i)
        loc = self.loc_cache.get(key)
        if loc is not None:
            return loc
        r = stream(self.W.seed, f"loc:{a.id}:{i}")
        reg, travel = self.region_today(a, i)
        d = self.W.days[i]
        if travel:
            loc = ("travel", reg, r.choice(self.W.net.guest[REGIONS[reg][2]]))
        elif a.office and d.weekday() < 5 and r.random() < a.office_p:
            loc = ("office", a.office[1])
        else:
            lease = 20 + (int(a.id[-3:], 32) % 40)
            epoch = (i + int(a.id[-5:-3], 32)) // lease
            home4 = isp_ip(stream(self.W.seed, f"lease:{a.id}:{epoch}"), a.country) if epoch else a.home_v4
            pref = v6_prefix(r, a.country) if a.v6_daily_prefix else a.v6_prefix
            loc = ("home", home4, v6_addr(r, pref))
        self.loc_cache[key] = loc
        return loc

    def session_ip(self, a, i, r):
        loc = self.location(a, i)
        if loc[0] == "travel":
            if r.random() < 0.3:
                return mobile_ip(r, a.country)     # roaming data leaves through the home carrier
            if a.vpn_p and r.random() < a.vpn_p:
                return self.W.net.vpn(r)
            return loc[2]
        if a.vpn_p and r.random() < a.vpn_p:
            return self.W.net.vpn(r)
        corp = a.orgs[0].corp_vpn if a.orgs else []
        if loc[0] == "office":
            if corp and a.corp_vpn_p and r.random() < 0.25:
                return r.choice(corp)
            return r.choice(loc[1])
        if r.random() < a.mobile_p:
            return mobile_ip(r, a.country)
        if corp and a.corp_vpn_p and r.random() < a.corp_vpn_p:
            return r.choice(corp)
        if a.v6 and r.random() < 0.8:
            return loc[2]
        return loc[1]

    # ----- calendar
    def work_prob(self, a, i, region):
        d = self.W.days[i]
        off = utc_offset(region, d)
        country = REGIONS[region][2]
        hol = HOLIDAYS.get(country, frozenset())
        wd = d.weekday()
        if d in hol:
            return 0.06, off
        if wd >= 5:
            return a.weekend_p, off
        # bridge days and long weekends
        if (wd == 4 and (d - timedelta(days=1)) in hol) or (wd == 0 and (d + timedelta(days=1)) in hol):
            return 0.45, off
        if (wd == 4 and (d + timedelta(days=3)) in hol) or (wd == 0 and (d - timedelta(days=3)) in hol):
            return 0.8, off
        return 0.93, off

    # ----- one person-day
    def person_day(self, a, i, rate_mult=1.0, look=None, force=False):
        W, rng = self.W, self.rng
        if a.join_day is not None and i < a.join_day:
            return
        if a.leave_day is not None and i > a.leave_day:
            return
        if i in a.off and not force:
            if rng.random() > 0.03:
                return
            rate_mult *= 0.3
        region, travel = self.region_today(a, i)
        test = i >= W.n_train
        if travel and test and look is None:
            look = "travel"
        if i >= 8 and (i - 1) in a.off and all((i - x) in a.off for x in range(1, 9)) and i not in a.off:
            rate_mult *= 2.5                     # catching up after a long absence
            if test and look is None:
                look = "return_from_leave"
        p, off = self.work_prob(a, i, region)
        if not force and rng.random() > p:
            return
        d = W.days[i]
        lam = a.rate * rate_mult * season_factor(region, d) * (1.1, 1.1, 1.05, 1.0, 0.75, 0.6, 0.6)[d.weekday()]
        lam *= math.exp(rng.gauss(0, 0.5))
        if rng.random() < 0.04:
            lam *= rng.uniform(2.5, 5)          # a bursty day
        if a.join_day is not None and i - a.join_day < 10:
            lam *= 0.4 + 0.06 * (i - a.join_day)
        if a.leave_day is not None and i == a.leave_day:
            lam *= 0.5
        n = poisson(rng, lam)
        if force:
            n = max(n, 2)
        if n == 0:
            return
        nsess = 1 + min(4, poisson(rng, n / 6.0))
        r = stream(W.seed, f"sess:{a.id}:{i}")
        base = ts_of(d, -off)
        for s in range(nsess):
            cnt = max(1, n // nsess + (1 if s < n % nsess else 0))
            if rng.random() < a.night_p:
                h = rng.uniform(20.5, 24.5)
            else:
                h = rng.uniform(a.start_h, max(a.start_h + 0.5, a.end_h - 0.3))
            if travel:
                h += rng.uniform(-4, 4) if rng.random() < 0.5 else 0   # jet lag and conference days
            ts = base + h * 3600
            ip = self.session_ip(a, i, r)
            ident = self.pick_ident(a, rng)
            self.session(a, ident, ts, ip, cnt, look=look)

    def pick_ident(self, a, rng):
        if a.personal is not None and a.ws.get(a.personal.id) and rng.random() < 0.25:
            return a.personal
        if not a.orgs:
            return a.personal
        return wchoice(rng, a.orgs, a.org_w)

    def session(self, a, ident, ts, ip, cnt, look=None, mix=None):
        rng = self.rng
        mix = mix or a.mix
        acts, ws_ = [m[0] for m in mix], [m[1] for m in mix]
        owner = ident.kind == "user" or ident.role.get(a.id) == "owner"
        ws = self.sim.pick_ws(a, ident)
        t = ts
        done = 0
        while done < cnt:
            act = wchoice(rng, acts, ws_)
            if act.startswith("org.") and ident.kind == "user":
                continue_ = True
            else:
                continue_ = False
            if continue_ or (act in OWNER_ONLY and not owner):
                act = "workspace.snapshot.create"
            chain = [act]
            f = FOLLOW.get(act)
            if f and rng.random() < f[0]:
                chain += f[1][: rng.randint(1, len(f[1]))]
            for c in chain:
                if rng.random() < 0.3:
                    ws = self.sim.pick_ws(a, ident)
                self.push_sorted(t, a, c, ident, ip, ws=ws, look=look)
                t += int(math.exp(rng.gauss(4.3, 1.1))) + 3
                done += 1

    # ----- bots
    def bot_ip(self, b, r):
        if b.bot["ipmode"] == "elastic":
            return cloud_ip(r, b.cloud)
        return r.choice(b.fixed_ips)

    def bot_day(self, b, i):
        W, rng, sim = self.W, self.rng, self.sim
        d = W.days[i]
        kind = b.job
        r = stream(W.seed, f"bot:{b.id}:{i}")
        org = b.orgs[0]
        off = utc_offset(org.region, d)
        base = ts_of(d)
        hol = d in HOLIDAYS.get(REGIONS[org.region][2], frozenset())
        if kind == "tf_ci":
            wd = d.weekday() < 5 and not hol
            runs = poisson(rng, (3.5 if wd else 0.3) * season_factor(org.region, d) * W.k["activity_scale"])
            for _ in range(runs):          # merges during the team's working day
                t = base + (rng.uniform(9.5, 18.5) - off) * 3600
                self.tf_run(b, org, t, r)
            if rng.random() < 0.6:         # the nightly drift-correction apply
                t = base + rng.uniform(1.5, 2.5) * 3600
                self.tf_run(b, org, t, r, size=rng.randint(0, 3))
        elif kind == "rotator":
            for o in b.orgs:
                if o.rotation_days and (i + self.rot_off[o.id]) % o.rotation_days == 0:
                    t = base + (2 + rng.random()) * 3600
                    ip = self.bot_ip(b, r)
                    look = "credential_rotation" if i >= W.n_train else None
                    for c in list(sim.alive(o.id, "connection")):
                        if c.extra.get("plugin") in ("aws", "azure", "gcp", "okta", "github", "azuread"):
                            self.push_sorted(t, b, "connection.update", o, ip, target=c, look=look)
                            t += r.randint(2, 9)
                if o.token_rotation_days and (i + self.tok_off[o.id]) % o.token_rotation_days == 0:
                    t = base + (3 + rng.random()) * 3600
                    ip = self.bot_ip(b, r)
                    look = "token_rotation" if i >= W.n_train else None
                    for sb in W.bots:
                        if sb.orgs and sb.orgs[0] is o and getattr(sb, "token", None) is not None:
                            self.push_sorted(t, b, "token.create", o, ip, owner=sb, desc="service", look=look,
                                             _rotate=sb)
                            self.push_sorted(t + r.randint(20, 90), b, "token.delete", o, ip, target=sb.token, look=look)
                            t += r.randint(100, 200)
        elif kind == "flowpipe":
            for _ in range(poisson(rng, 7)):
                t = base + rng.uniform(0, 24) * 3600
                self.push_sorted(t, b, "pipeline.command.run", org, self.bot_ip(b, r), policy="mine")
            for _ in range(poisson(rng, 0.8)):
                t = base + rng.uniform(0, 24) * 3600
                self.push_sorted(t, b, "workspace.flowpipe.input.create", org, self.bot_ip(b, r))
        elif kind == "tank":
            for _ in range(poisson(rng, 3)):
                t = base + rng.uniform(0, 24) * 3600
                self.push_sorted(t, b, "datatank.table.update", org, self.bot_ip(b, r), policy="mine")
            if rng.random() < 0.06:
                self.push_sorted(base + rng.uniform(8, 18) * 3600, b, "datatank.table.create", org, self.bot_ip(b, r))
        elif kind == "connsync":
            t = base + (4 + rng.random()) * 3600
            ip = self.bot_ip(b, r)
            for act, lam in (("connection.create", 0.5), ("connection.delete", 0.25), ("connection.update", 1.5),
                             ("workspace.connection.associate", 0.4)):
                for _ in range(poisson(rng, lam)):
                    self.push_sorted(t, b, act, org, ip, policy="mine")
                    t += r.randint(1, 20)
        elif kind == "misc":
            if d.weekday() < 5:
                for _ in range(poisson(rng, 4)):
                    t = base + (rng.uniform(7, 20) - off) * 3600
                    act = wchoice(rng, [m[0] for m in MISC_MIX], [m[1] for m in MISC_MIX])
                    self.push_sorted(t, b, act, org, self.bot_ip(b, r))
        elif kind == "broken":
            # a misconfigured sync loop, odd from the first day: flaps the same few objects all day
            t = base + r.randrange(0, 1800)
            ip = self.bot_ip(b, r)
            step = 0
            while t < base + DAY:
                if step % 6 == 5:
                    self.push_sorted(t, b, "connection.delete", org, ip, policy="newest")
                    self.push_sorted(t + 4, b, "connection.create", org, ip, plugin="aws")
                else:
                    self.push_sorted(t, b, "connection.update", org, ip, policy="newest")
                if step % 9 == 4:
                    self.push_sorted(t + 7, b, "workspace.mod.variable.setting.update", org, ip, policy="mine")
                step += 1
                t += r.randint(1200, 3300)
                if r.random() < 0.05:
                    ip = self.bot_ip(b, r)

    def tf_run(self, b, org, t, r, size=None):
        rng = self.rng
        n = size if size is not None else max(1, int(math.exp(rng.gauss(1.0, 0.8))))
        ip = self.bot_ip(b, r)
        ws = self.sim.pick_ws(b, org)
        for _ in range(n):
            act = wchoice(rng, [m[0] for m in TF_MIX], [m[1] for m in TF_MIX])
            self.push_sorted(t, b, act, org, ip, ws=ws, policy="any")
            t += r.randint(1, 25)

    # ----- the shared break-glass account (odd from day one)
    def shared_day(self, a, i):
        rng = self.rng
        d = self.W.days[i]
        r = stream(self.W.seed, f"shared:{i}")
        for _ in range(poisson(rng, a.rate * (0.5 if d.weekday() >= 5 else 1.0))):
            reg = rng.choice(a.shared_by)
            c = REGIONS[reg][2]
            off = utc_offset(reg, d)
            t = ts_of(d, rng.uniform(8, 19) - off)
            ip = isp_ip(stream(self.W.seed, f"sharer:{reg}:{i // 25}"), c) if rng.random() < 0.7 else mobile_ip(r, c)
            self.session(a, a.orgs[0], t, ip, 1 + poisson(rng, 1.5))

    # ----- scheduled pipelines and the platform
    def pipelines_day(self, i):
        W, sim = self.W, self.sim
        d = W.days[i]
        base = ts_of(d)
        r = stream(W.seed, f"pipes:{i}")
        plat = W.net.platform
        for o in W.orgs + [p.personal for p in W.people if p.personal is not None]:
            for w in list(sim.alive(o.id, "workspace")):
                if w.state != "enabled":
                    continue
                for pp in list(sim.alive(w.id, "pipeline")):
                    sched = pp.extra["frequency"]["schedule"]
                    fm, fh = pp.extra.get("fire_minute", 0), pp.extra.get("fire_hour", 0)
                    if sched == "hourly":
                        hours = list(range(24))
                    elif sched == "0 */6 * * *":
                        hours = [0, 6, 12, 18]
                    elif sched == "daily":
                        hours = [fh]
                    elif sched == "0 6 * * 1-5":
                        hours = [6] if d.weekday() < 5 else []
                    elif sched == "weekly":
                        hours = [fh] if d.weekday() == fh % 7 else []
                    else:
                        hours = [fh] if r.random() < 0.3 else []
                    name = pp.extra["pipeline"]
                    owner = pp.creator
                    lab = sim.res_label.get(pp.id)
                    if lab is not None:
                        lab, exp = lab
                        if base + DAY > exp:
                            hours = [h for h in hours if base + h * 3600 < exp]
                            if pp.id not in self.usage_off and o.kind == "org":
                                self.usage_off[pp.id] = 1
                                fixer = r.choice(o.admins)
                                self.push_sorted(exp + r.randrange(600), fixer, "pipeline.delete", o,
                                                 self.session_ip(fixer, i, r) if fixer.kind == "person" else r.choice(plat),
                                                 ws=w, target=pp)
                        self.abuse[w.id] = self.abuse.get(w.id, 0) + len(hours)
                        if self.abuse[w.id] > 120 and w.state == "enabled" and w.id not in self.usage_off:
                            self.usage_off[w.id] = 1
                            self.push_sorted(base + 12 * 3600 + r.randrange(3600), sim.platform, "workspace.usage.disable",
                                             o, r.choice(plat), target=w)
                    for h in hours:
                        if r.random() < 0.02:
                            continue
                        t = base + h * 3600 + fm * 60 + r.randrange(0, 50)
                        ip = r.choice(plat)
                        if name == "pipeline.snapshot_dashboard":
                            self.push_sorted(t, owner, "workspace.snapshot.create", o, ip, ws=w, process=True, label=lab,
                                             visibility=pp.extra["args"].get("visibility", "workspace"),
                                             dashboard=pp.extra["args"]["resource"])
                        elif name == "pipeline.datatank_refresh" and sim.alive(w.id, "dttable"):
                            self.push_sorted(t, owner, "datatank.part.update", o, ip, ws=w, process=True, policy="any", label=lab)
                        else:
                            self.push_sorted(t, owner, "pipeline.command.run", o, ip, ws=w, target=pp, process=True, label=lab)

    def platform_day(self, i):
        W, sim, rng = self.W, self.sim, self.rng
        plat = sim.platform
        d = W.days[i]
        base = ts_of(d)
        r = stream(W.seed, f"platform:{i}")
        release = any(0 <= i - x <= 2 for x in self.releases)
        for o in W.orgs + [p.personal for p in W.people if p.personal is not None]:
            for w in list(sim.alive(o.id, "workspace")):
                if release and (int(w.id[-2:], 32) % 3) == (i - max(x for x in self.releases if x <= i)):
                    self.push_sorted(base + r.uniform(0.2, 5.5) * 3600, plat, "workspace.upgrade", o, r.choice(W.net.platform), target=w)
                if r.random() < 0.003:
                    self.push_sorted(base + r.uniform(0, 24) * 3600, plat, "workspace.reboot", o, r.choice(W.net.platform), target=w)
                idle = (base - self.ws_last.get(w.id, base)) / DAY
                if w.state == "enabled" and idle >= 21 and w.id not in self.warned:
                    self.warned[w.id] = i
                    self.push_sorted(base + r.uniform(3, 4) * 3600, plat, "workspace.inactive.warn", o, r.choice(W.net.platform), target=w)
                elif w.state == "enabled" and w.id in self.warned and i - self.warned[w.id] >= 7:
                    self.push_sorted(base + r.uniform(3, 4) * 3600, plat, "workspace.inactive.disable", o, r.choice(W.net.platform), target=w)
            if o.kind == "org":
                for it in list(sim.alive(o.id, "integration")):
                    every = 6 if int(it.id[-1], 32) % 2 else 12
                    for h in range(int(it.id[-2], 32) % every, 24, every):
                        self.push_sorted(base + h * 3600 + r.randrange(0, 600), plat, "integration.refresh", o,
                                         r.choice(W.net.platform), target=it)

    # ----- joiners and leavers
    def lifecycle_day(self, i):
        W, rng, sim = self.W, self.rng, self.sim
        d = W.days[i]
        test = i >= W.n_train
        for p in W.people:
            if p.join_day == i:
                for o in p.orgs:
                    adder = W.scim if (W.scim is not None and o in W.scim.orgs) else rng.choice(o.admins)
                    off = utc_offset(o.region, d)
                    t = ts_of(d, rng.uniform(8, 10) - off) if adder.kind == "person" else ts_of(d, rng.uniform(0.5, 1.5))
                    ip = self.session_ip(adder, i, stream(W.seed, f"join:{p.id}")) if adder.kind == "person" else self.bot_ip(adder, rng)
                    look = "onboarding" if test else None
                    status = "accepted" if adder.kind == "bot" else "invited"
                    self.push_sorted(t, adder, "org.member.add", o, ip, user=p, role=o.role[p.id], status=status, look=look)
                    if status == "invited":
                        self.push_sorted(t + rng.randint(1200, 20000), p, "org.member.update", o,
                                         self.session_ip(p, i, rng), policy="newest", status="accepted",
                                         _member_of=p)
                    t2 = t + rng.randint(300, 3000)
                    for w in p.ws.get(o.id, []):
                        if o.role[p.id] != "owner":
                            self.push_sorted(t2, adder, "org.workspace.member.add", o, ip, ws=w, user=p,
                                             role=rng.choice(["reader", "operator", "operator"]), look=look)
                            t2 += rng.randint(5, 120)
            if p.leave_day == i:
                for o in p.orgs:
                    remover = W.scim if (W.scim is not None and o in W.scim.orgs) else rng.choice([x for x in o.admins if x is not p] or o.admins)
                    off = utc_offset(o.region, d)
                    t = ts_of(d, rng.uniform(15, 18) - off) if remover.kind == "person" else ts_of(d + timedelta(days=1), rng.uniform(0.5, 1.5))
                    ip = self.session_ip(remover, i, rng) if remover.kind == "person" else self.bot_ip(remover, rng)
                    look = "offboarding" if test else None
                    for w in p.ws.get(o.id, []):
                        self.push_sorted(t, remover, "org.workspace.member.delete", o, ip, ws=w, _member_of=p, look=look)
                        t += rng.randint(3, 60)
                    self.push_sorted(t + 30, remover, "org.member.delete", o, ip, _member_of=p, look=look)
                    # a colleague takes over the leaver's pipelines and rotates what they knew
                    heirs = [x for x in o.members if x.kind == "person" and x is not p and x.leave_day is None and not x.odd]
                    if heirs:
                        heir = rng.choice(heirs)
                        j = min(len(W.days) - 1, i + rng.randint(1, 3))
                        th = ts_of(W.days[j], rng.uniform(heir.start_h + 0.5, heir.end_h - 0.5) - utc_offset(heir.region, W.days[j]))
                        hip = self.session_ip(heir, j, rng)
                        lk = "pipeline_handover" if j >= W.n_train else None
                        for w in p.ws.get(o.id, []):
                            for pp in sim.alive(w.id, "pipeline"):
                                if pp.creator is p:
                                    self.push_sorted(th, heir, "pipeline.update", o, hip, ws=w, target=pp, look=lk)
                                    th += rng.randint(30, 400)
                        for c in sim.alive(o.id, "connection"):
                            if c.creator is p:
                                self.push_sorted(th, heir, "connection.update", o, hip, target=c, look=lk)
                                th += rng.randint(10, 200)

    def run(self, planners=()):
        W = self.W
        for i, d in enumerate(W.days):
            for a in W.people:
                if a is W.shared:
                    self.shared_day(a, i)
                else:
                    self.person_day(a, i)
            for b in W.bots:
                self.bot_day(b, i)
            self.pipelines_day(i)
            self.platform_day(i)
            self.lifecycle_day(i)
            for pl in planners:
                pl(i)
            self.flush(ts_of(d) + DAY - 12 * 3600)
        self.flush(self.t_end + DAY)


# ---------------------------------------------------------------------------
# attacks and look-alikes
# ---------------------------------------------------------------------------

# attack kind -> (what it imitates in benign life) is documented in README.md
SCENARIOS = ["stolen_token_persistence", "owner_backdoor", "connection_share_out", "public_snapshot_leak",
             "destructive_sweep", "pipeline_hijack", "alert_silencing", "dormant_account_revival",
             "compute_abuse", "lateral_workspace_access", "billing_tamper", "datatank_staging", "credential_swap"]
LOOKALIKES = ["credential_rotation", "token_rotation", "public_report_day", "quarterly_cleanup", "offboarding",
              "pipeline_handover", "notifier_migration", "return_from_leave", "workshop_day", "access_grant",
              "billing_renewal", "data_migration", "travel", "night_incident", "role_review",
              "connection_sharing_setup", "onboarding", "ci_backfill"]


class Planner:
    def __init__(self, W, eng):
        self.W, self.eng, self.sim = W, eng, W.sim
        self.r = stream(W.seed, "attack")
        self.lr = stream(W.seed, "look")
        self.incidents = []
        self.nd = len(W.days)
        self.first = W.n_train
        self.used_victims = []
        self.daily = {}        # day -> [callables] for look-alikes planned on that day

    # ----- helpers
    def active(self, a, i0, i1):
        return (a.join_day is None or a.join_day < i0 - 3) and (a.leave_day is None or a.leave_day > i1) \
            and not a.odd and a.kind == "person"

    def victims(self, pred, i0, i1, allow_used=False):
        c = [a for a in self.W.people if self.active(a, i0, i1) and not a.dormant and pred(a)
             and (allow_used or a not in self.used_victims)]
        return c

    def workdays(self, a, i0, n, span):
        days = [i for i in range(i0, min(self.nd, i0 + span)) if self.W.days[i].weekday() < 5 and i not in a.off]
        if not days:
            days = [min(self.nd - 1, i0)]
        return sorted(self.r.sample(days, min(n, len(days))))

    def usual(self, a, i, r):
        d = self.W.days[i]
        reg, _ = self.eng.region_today(a, i)
        off = utc_offset(reg, d)
        t = ts_of(d, r.uniform(a.start_h + 0.3, max(a.start_h + 0.6, a.end_h - 0.4)) - off)
        return t, self.eng.session_ip(a, i, r)

    def odd_time(self, a, i, r):
        d = self.W.days[i]
        off = utc_offset(a.region, d)
        return ts_of(d, r.uniform(0.5, 4.8) - off)

    def attacker_ip(self, r, a):
        x = r.random()
        if x < 0.4:
            return self.W.net.vpn(r)
        if x < 0.7:
            return cloud_ip(r)
        other = [c for c in ISP_V4 if c != a.country]
        return isp_ip(r, r.choice(other))

    def org_of(self, a, owner=False):
        c = [o for o in a.orgs if (not owner or o.role.get(a.id) == "owner")]
        return c[0] if c else (a.orgs[0] if a.orgs else None)

    def new_incident(self, scenario, form, actors):
        inc = {"id": f"i5-{self.W.seed}-{len(self.incidents) + 1:03d}", "scenario": scenario, "form": form,
               "actors": [], "records": 0}
        self.incidents.append(inc)
        return inc

    def push(self, inc, ts, actor, action, ident, ip, **kw):
        while ts < ts_of(self.W.days[self.first]):   # never in the training period
            ts += DAY
        if actor.id not in inc["actors"]:
            inc["actors"].append(actor.id)
        self.eng.push_sorted(ts, actor, action, ident, ip, label=(inc["scenario"], inc["id"]), **kw)

    def own_mix_actions(self, a, n, r):
        acts, ws = [m[0] for m in a.mix], [m[1] for m in a.mix]
        out = []
        while len(out) < n:
            x = wchoice(r, acts, ws)
            if x not in OWNER_ONLY and not x.startswith("org."):
                out.append(x)
        return out

    def new_person(self, region, ts):
        h, disp = NameMaker(stream(self.W.seed, f"nm:{len(self.W.actors)}")).person()
        while any(x.handle == h for x in self.W.actors):
            h = h + str(self.r.randrange(2, 99))
        a = Actor(self.sim.xid.make("u", ts), h, disp, "person", "developer", ts, self.r.randint(1, 5))
        a.region, a.country = region, REGIONS[region][2]
        a.home_v4 = isp_ip(self.r, a.country)
        self.W.actors.append(a)
        return a

    # ----- planning
    def plan(self):
        W, r = self.W, self.r
        k = W.k
        rate = k["attack_rate"]
        order = list(SCENARIOS)
        r.shuffle(order)
        span = self.nd - self.first
        for j, scn in enumerate(order):
            forms = ["plain", "subtle"]
            if r.random() < 0.35 * rate:
                forms.append("subtle" if r.random() < k["subtle_share"] else "plain")
            for f in forms:
                i0 = self.first + r.randrange(0, max(1, span - 6))
                getattr(self, "atk_" + scn)(f, i0)
        # the contractor odd from the first day turns out to be exfiltrating
        sl = W.sleeper
        i0 = self.first + r.randrange(1, max(2, span - 6))
        inc = self.new_incident("connection_share_out", "subtle", [sl])
        o = sl.orgs[0]
        target_ws = r.choice(sl.ws.get(o.id) or self.sim.alive(o.id, "workspace"))
        for i in self.workdays(sl, i0, 4, 8):
            rr = stream(W.seed, f"sl:{i}")
            t = ts_of(W.days[i], rr.uniform(sl.start_h, sl.end_h) - utc_offset(sl.region, W.days[i]))
            ip = self.eng.session_ip(sl, i, rr)
            for _ in range(rr.randint(1, 3)):
                self.push(inc, t, sl, "connection.permission.create", o, ip, grant_ws=target_ws, ws=target_ws, policy="any")
                t += rr.randint(40, 600)
        self.plan_lookalikes()

    # ----- the attacks
    def _setup(self, scn, form, i0, pred, owner=False):
        span = 1 if form == "plain" else 7
        cands = self.victims(pred, i0, min(self.nd - 1, i0 + span))
        if owner:
            cands = [a for a in cands if any(o.role.get(a.id) == "owner" for o in a.orgs)]
        if not cands:
            cands = [a for a in self.W.people if self.active(a, i0, i0 + span) and not a.dormant
                     and (not owner or any(o.role.get(a.id) == "owner" for o in a.orgs))]
        if not cands:
            return None, None
        v = self.r.choice(cands)
        self.used_victims.append(v)
        return v, self.new_incident(scn, form, [v])

    def atk_stolen_token_persistence(self, form, i0):
        v, inc = self._setup("stolen_token_persistence", form, i0, lambda a: a.personal is not None and a.rate > 1.5)
        if v is None:
            return
        r = self.r
        o = self.org_of(v)
        if form == "plain":
            ip = self.attacker_ip(r, v)
            t = self.odd_time(v, i0, r)
            for _ in range(r.randint(2, 3)):
                self.push(inc, t, v, "token.create", v.personal, ip, desc=r.choice(["cli", "api", "laptop"]))
                t += r.randint(20, 200)
            for i in range(i0 + 1, min(self.nd, i0 + 3)):
                ip2 = cloud_ip(r)
                t = self.odd_time(v, i, r)
                for act in self.own_mix_actions(v, r.randint(3, 7), r):
                    self.push(inc, t, v, act, o, ip2, policy="any")
                    t += r.randint(15, 240)
        else:
            days = self.workdays(v, i0, 3, 7)
            t, ip = self.usual(v, days[0], r)
            self.push(inc, t, v, "token.create", v.personal, ip, desc="cli")
            ci = next((b for b in self.W.bots if b.job == "tf_ci" and o in b.orgs), None)
            for i in days[1:]:
                t, _ = self.usual(v, i, r)
                ip2 = cloud_ip(r, ci.cloud if ci else None)
                for act in self.own_mix_actions(v, r.randint(1, 2), r):
                    self.push(inc, t, v, act, o, ip2)
                    t += r.randint(30, 400)

    def atk_owner_backdoor(self, form, i0):
        v, inc = self._setup("owner_backdoor", form, i0, lambda a: True, owner=True)
        if v is None:
            return
        r = self.r
        o = self.org_of(v, owner=True)
        if form == "plain":
            ip = self.attacker_ip(r, v)
            t = self.odd_time(v, i0, r)
            bd = self.new_person(r.choice(list(REGIONS)), t - r.randint(600, 7200))
            bd.orgs, bd.org_w = [o], [1.0]
            o.role[bd.id] = "owner"
            self.push(inc, t, v, "org.member.add", o, ip, user=bd, role="owner", status="accepted")
            others = [m for m in o.members if m.kind == "person" and o.role.get(m.id) != "owner" and m is not v]
            if others:
                m = r.choice(others)
                self.push(inc, t + r.randint(60, 300), v, "org.member.update", o, ip, _member_of=m, role="owner")
            j = min(self.nd - 1, i0 + 1)
            t2 = self.odd_time(v, j, r)
            ip2 = self.attacker_ip(r, v)
            for act in ["connection.update", "connection.update", "connection.permission.create", "token.create",
                        "workspace.snapshot.create"][: r.randint(3, 5)]:
                self.push(inc, t2, bd, act, o, ip2, policy="any", owner=bd)
                t2 += r.randint(30, 300)
        else:
            dormant = [m for m in o.members if m.kind == "person" and m.dormant and o.role.get(m.id) != "owner"]
            plain_members = [m for m in o.members if m.kind == "person" and o.role.get(m.id) != "owner" and m is not v and not m.odd]
            m = r.choice(dormant or plain_members or [v])
            days = self.workdays(v, i0, 1, 3)
            t, ip = self.usual(v, days[0], r)
            self.push(inc, t, v, "org.member.update", o, ip, _member_of=m, role="owner")
            j = min(self.nd - 1, days[0] + r.randint(3, 6))
            rr = stream(self.W.seed, f"bd:{inc['id']}")
            t2 = ts_of(self.W.days[j], rr.uniform(9, 17) - utc_offset(o.region, self.W.days[j]))
            ip2 = self.W.net.vpn(rr)
            for act in ["connection.permission.create", "workspace.snapshot.update", "connection.update"][: r.randint(2, 3)]:
                self.push(inc, t2, m, act, o, ip2, policy="any")
                t2 += r.randint(60, 900)

    def atk_connection_share_out(self, form, i0):
        v, inc = self._setup("connection_share_out", form, i0, lambda a: a.job in ("cloud_eng", "admin", "consultant"), owner=True)
        if v is None:
            return
        r = self.r
        o = self.org_of(v, owner=True)
        wss = self.sim.alive(o.id, "workspace")
        if not wss:
            return
        rare = [w for w in wss if w not in v.ws.get(o.id, [])] or wss
        gw = r.choice(rare)
        if form == "plain":
            ip = self.attacker_ip(r, v)
            t = self.odd_time(v, i0, r)
            for _ in range(r.randint(10, 25)):
                self.push(inc, t, v, "connection.permission.create", o, ip, grant_ws=gw, ws=gw, policy="any")
                t += r.randint(5, 60)
        else:
            for i in self.workdays(v, i0, r.randint(3, 5), 8):
                t, ip = self.usual(v, i, r)
                for _ in range(r.randint(1, 2)):
                    self.push(inc, t, v, "connection.permission.create", o, ip, grant_ws=gw, ws=gw, policy="any")
                    t += r.randint(60, 900)

    def atk_public_snapshot_leak(self, form, i0):
        v, inc = self._setup("public_snapshot_leak", form, i0,
                             lambda a: any(x[0].startswith("workspace.snapshot") for x in a.mix))
        if v is None:
            return
        r = self.r
        o = self.org_of(v)
        if form == "plain":
            ip = self.attacker_ip(r, v)
            t = self.odd_time(v, i0, r)
            wss = self.sim.alive(o.id, "workspace")
            for _ in range(r.randint(15, 35)):
                w = r.choice(wss) if wss else None
                self.push(inc, t, v, "workspace.snapshot.create", o, ip, ws=w, visibility="anyone_with_link")
                t += r.randint(20, 120)
            for _ in range(r.randint(2, 6)):
                self.push(inc, t, v, "workspace.snapshot.update", o, ip, policy="others", visibility="anyone_with_link")
                t += r.randint(10, 60)
        else:
            for i in self.workdays(v, i0, r.randint(3, 5), 8):
                t, ip = self.usual(v, i, r)
                for _ in range(r.randint(1, 2)):
                    self.push(inc, t, v, "workspace.snapshot.update", o, ip, policy="others", visibility="anyone_with_link")
                    t += r.randint(120, 1200)

    def atk_destructive_sweep(self, form, i0):
        v, inc = self._setup("destructive_sweep", form, i0, lambda a: a.job in ("admin", "cloud_eng", "developer", "consultant"), owner=True)
        if v is None:
            return
        r = self.r
        o = self.org_of(v, owner=True)
        if form == "plain":
            ip = self.attacker_ip(r, v)
            t = self.odd_time(v, i0, r)
            acts = (["connection.delete"] * r.randint(6, 15) + ["pipeline.delete"] * r.randint(2, 6) +
                    ["workspace.snapshot.delete"] * r.randint(3, 10) + ["datatank.delete"] * r.randint(0, 2) +
                    ["notifier.delete"] * r.randint(0, 2) + ["workspace.delete"] * r.randint(1, 2))
            for act in acts:
                w = r.choice(self.sim.alive(o.id, "workspace") or [None])
                self.push(inc, t, v, act, o, ip, ws=w, policy="others")
                t += r.randint(5, 90)
        else:
            for i in self.workdays(v, i0, r.randint(3, 5), 8):
                t, ip = self.usual(v, i, r)
                for act in r.sample(["connection.delete", "datatank.table.delete", "pipeline.delete",
                                     "workspace.mod.uninstall", "workspace.snapshot.delete"], r.randint(1, 3)):
                    self.push(inc, t, v, act, o, ip, policy="others")
                    t += r.randint(60, 1500)

    def atk_pipeline_hijack(self, form, i0):
        v, inc = self._setup("pipeline_hijack", form, i0, lambda a: a.job in ("data_eng", "analyst", "cloud_eng", "consultant"))
        if v is None:
            return
        r = self.r
        o = self.org_of(v)
        if form == "plain":
            ip = self.attacker_ip(r, v)
            t = self.odd_time(v, i0, r)
            for _ in range(r.randint(4, 8)):
                w = self.sim.pick_ws(v, o)
                self.push(inc, t, v, "pipeline.update", o, ip, ws=w, policy="others", schedule="hourly")
                t += r.randint(10, 60)
                for _ in range(r.randint(2, 5)):
                    self.push(inc, t, v, "pipeline.command.run", o, ip, ws=w, policy="newest")
                    t += r.randint(5, 40)
        else:
            days = self.workdays(v, i0, 3, 7)
            t, ip = self.usual(v, days[0], r)
            w = self.sim.pick_ws(v, o)
            self.push(inc, t, v, "pipeline.update", o, ip, ws=w, policy="others")
            for i in days[1:]:
                t, ip = self.usual(v, i, r)
                self.push(inc, t, v, "pipeline.command.run", o, ip, ws=w, policy="newest")
                if r.random() < 0.5:
                    self.push(inc, t + r.randint(60, 600), v, "pipeline.update", o, ip, ws=w, policy="newest")

    def atk_alert_silencing(self, form, i0):
        v, inc = self._setup("alert_silencing", form, i0, lambda a: True, owner=True)
        if v is None:
            return
        r = self.r
        o = self.org_of(v, owner=True)
        if form == "plain":
            ip = self.attacker_ip(r, v)
            t = self.odd_time(v, i0, r)
            for _ in range(len(self.sim.alive(o.id, "notifier"))):
                self.push(inc, t, v, "notifier.delete", o, ip, policy="any")
                t += r.randint(10, 60)
            self.push(inc, t, v, "integration.delete", o, ip, policy="any")
            for w in r.sample(self.sim.alive(o.id, "workspace"), min(3, len(self.sim.alive(o.id, "workspace")))):
                self.push(inc, t + r.randint(30, 200), v, "workspace.notifier.set_default", o, ip, target=w)
        else:
            days = self.workdays(v, i0, 3, 6)
            t, ip = self.usual(v, days[0], r)
            self.push(inc, t, v, "notifier.create", o, ip)
            wss = self.sim.alive(o.id, "workspace")
            for i in days[1:]:
                t, ip = self.usual(v, i, r)
                if wss:
                    self.push(inc, t, v, "workspace.notifier.set_default", o, ip, target=r.choice(wss), notifier="mine")

    def atk_dormant_account_revival(self, form, i0):
        r = self.r
        cands = [a for a in self.W.people if a.dormant and not a.odd and a not in self.used_victims
                 and (a.leave_day is None)]
        if not cands:
            cands = [a for a in self.W.people if self.active(a, i0, i0 + 5) and a.rate < 1.2 and a not in self.used_victims]
        if not cands:
            return
        v = r.choice(cands)
        self.used_victims.append(v)
        inc = self.new_incident("dormant_account_revival", form, [v])
        o = self.org_of(v)
        owner = o.role.get(v.id) == "owner"
        if form == "plain":
            ip = self.attacker_ip(r, v)
            t = self.odd_time(v, i0, r)
            acts = ["connection.update"] * r.randint(2, 5) + ["workspace.snapshot.create"] * r.randint(3, 8) + \
                   ["token.create"] + (["org.workspace.member.add", "connection.permission.create"] if owner else ["pipeline.command.run"] * 3)
            r.shuffle(acts)
            for act in acts:
                ident = v.personal if act == "token.create" else o
                self.push(inc, t, v, act, ident, ip, policy="any", visibility="anyone_with_link")
                t += r.randint(20, 300)
        else:
            for i in self.workdays(v, i0, 3, 6):
                rr = stream(self.W.seed, f"dr:{inc['id']}:{i}")
                t = ts_of(self.W.days[i], rr.uniform(v.start_h, v.end_h) - utc_offset(v.region, self.W.days[i]))
                ip = v.home_v4 if rr.random() < 0.6 else self.W.net.vpn(rr)
                for act in self.own_mix_actions(v, rr.randint(1, 2), rr):
                    self.push(inc, t, v, act, o, ip)
                    t += rr.randint(60, 900)

    def atk_compute_abuse(self, form, i0):
        v, inc = self._setup("compute_abuse", form, i0, lambda a: a.job in ("developer", "cloud_eng", "consultant", "admin"), owner=True)
        if v is None:
            return
        r = self.r
        o = self.org_of(v, owner=True)
        if form == "plain":
            ip = self.attacker_ip(r, v)
            t = self.odd_time(v, i0, r)
            for _ in range(r.randint(6, 14)):
                self.push(inc, t, v, "workspace.create", o, ip, handle=r.choice(WS_NAMES), instance_type="db1.large")
                self.push(inc, t + 40, v, "pipeline.create", o, ip, schedule="hourly", kind="command")
                t += r.randint(60, 300)
        else:
            for i in self.workdays(v, i0, 3, 7):
                t, ip = self.usual(v, i, r)
                self.push(inc, t, v, "workspace.create", o, ip, handle=r.choice(WS_NAMES))
                self.push(inc, t + r.randint(200, 900), v, "workspace.upgrade", o, ip, instance_type="db1.large")
                if r.random() < 0.6:
                    self.push(inc, t + r.randint(900, 2000), v, "pipeline.create", o, ip, schedule="hourly", kind="command")

    def atk_lateral_workspace_access(self, form, i0):
        v, inc = self._setup("lateral_workspace_access", form, i0, lambda a: True, owner=True)
        if v is None:
            return
        r = self.r
        o = self.org_of(v, owner=True)
        ben = [m for m in o.members if m.kind == "person" and o.role.get(m.id) != "owner" and not m.odd and m.leave_day is None]
        if not ben:
            return
        b = r.choice(ben)
        wss = [w for w in self.sim.alive(o.id, "workspace") if w not in b.ws.get(o.id, [])]
        if not wss:
            return
        if form == "plain":
            ip = self.attacker_ip(r, v)
            t = self.odd_time(v, i0, r)
            for w in wss[: r.randint(6, 15)]:
                self.push(inc, t, v, "org.workspace.member.add", o, ip, ws=w, user=b, role="owner")
                t += r.randint(5, 40)
            t += r.randint(600, 3000)
            for w in wss[:3]:
                self.push(inc, t, b, "workspace.mod.install", o, ip, ws=w)
                self.push(inc, t + 30, b, "workspace.mod.variable.setting.create", o, ip, ws=w)
                t += r.randint(60, 400)
        else:
            for i, w in zip(self.workdays(v, i0, 4, 8), wss[:4]):
                t, ip = self.usual(v, i, r)
                self.push(inc, t, v, "org.workspace.member.add", o, ip, ws=w, user=b, role="admin")

    def atk_billing_tamper(self, form, i0):
        v, inc = self._setup("billing_tamper", form, i0, lambda a: True, owner=True)
        if v is None:
            return
        r = self.r
        o = self.org_of(v, owner=True)
        if form == "plain":
            ip = self.attacker_ip(r, v)
            t = self.odd_time(v, i0, r)
            self.push(inc, t, v, "org.billing.payment_method.create", o, ip)
            self.push(inc, t + 60, v, "org.billing.payment_method.create", o, ip)
            self.push(inc, t + 120, v, "org.billing.payment_method.delete", o, ip, policy="oldest")
            self.push(inc, t + 200, v, "org.update", o, ip)
            for w in self.sim.alive(o.id, "workspace")[: r.randint(2, 5)]:
                self.push(inc, t + r.randint(250, 900), v, "workspace.upgrade", o, ip, target=w, instance_type="db1.large")
        else:
            days = self.workdays(v, i0, 2, 5)
            t, ip = self.usual(v, days[0], r)
            self.push(inc, t, v, "org.billing.payment_method.create", o, ip)
            t, ip = self.usual(v, days[-1], r)
            self.push(inc, t, v, "org.update", o, ip)

    def atk_datatank_staging(self, form, i0):
        v, inc = self._setup("datatank_staging", form, i0, lambda a: a.job in ("data_eng", "cloud_eng", "developer", "consultant"))
        if v is None:
            return
        r = self.r
        o = self.org_of(v)
        w = self.sim.pick_ws(v, o)
        if w is None:
            return
        if form == "plain":
            ip = self.attacker_ip(r, v)
            t = self.odd_time(v, i0, r)
            self.push(inc, t, v, "datatank.create", o, ip, ws=w)
            t += 60
            for _ in range(r.randint(12, 28)):
                self.push(inc, t, v, "datatank.table.create", o, ip, ws=w)
                t += r.randint(10, 60)
            for _ in range(2):
                self.push(inc, t, v, "workspace.snapshot.create", o, ip, ws=w, visibility="anyone_with_link")
                t += 30
        else:
            for i in self.workdays(v, i0, 3, 6):
                t, ip = self.usual(v, i, r)
                for _ in range(r.randint(2, 4)):
                    self.push(inc, t, v, "datatank.table.create", o, ip, ws=w)
                    t += r.randint(60, 600)

    def atk_credential_swap(self, form, i0):
        v, inc = self._setup("credential_swap", form, i0, lambda a: a.job in ("admin", "cloud_eng", "consultant", "developer"), owner=True)
        if v is None:
            return
        r = self.r
        o = self.org_of(v, owner=True)
        if form == "plain":
            ip = self.attacker_ip(r, v)
            t = self.odd_time(v, i0, r)
            for _ in range(r.randint(15, 35)):
                self.push(inc, t, v, "connection.update", o, ip, policy="others")
                t += r.randint(5, 50)
        else:
            for i in self.workdays(v, i0, 4, 8):
                t, ip = self.usual(v, i, r)
                for _ in range(r.randint(1, 2)):
                    self.push(inc, t, v, "connection.update", o, ip, policy="others")
                    t += r.randint(60, 900)

    # ----- benign look-alikes
    def plan_lookalikes(self):
        W, r = self.W, self.lr
        rate = W.k["lookalike_rate"]
        kinds = ["public_report_day", "quarterly_cleanup", "notifier_migration", "workshop_day", "access_grant",
                 "billing_renewal", "data_migration", "night_incident", "role_review", "connection_sharing_setup",
                 "ci_backfill", "credential_rotation", "token_rotation", "pipeline_handover"]
        for kind in kinds:
            n = poisson(r, 1.6 * rate) + 1
            for _ in range(n):
                # most in the test period, some in training (they are routine)
                i = r.randrange(self.first, self.nd) if r.random() < 0.75 else r.randrange(0, self.first)
                self.daily.setdefault(i, []).append(kind)

    def day(self, i):
        for kind in self.daily.get(i, []):
            getattr(self, "lk_" + kind)(i)

    def lk_actor(self, i, pred, owner=False):
        c = [a for a in self.W.people if self.active(a, i, i) and not a.dormant and i not in a.off and pred(a)
             and (not owner or any(o.role.get(a.id) == "owner" for o in a.orgs))]
        return self.lr.choice(c) if c else None

    def lk_push(self, i, a, kind, ts, action, ident, ip, **kw):
        look = kind if i >= self.first else None
        self.eng.push_sorted(ts, a, action, ident, ip, look=look, **kw)

    def lk_public_report_day(self, i):
        a = self.lk_actor(i, lambda x: x.job in ("analyst", "auditor", "consultant", "manager"))
        if a is None:
            return
        r = self.lr
        o = self.org_of(a)
        t, ip = self.usual(a, i, r)
        for _ in range(r.randint(8, 22)):
            self.lk_push(i, a, "public_report_day", t, "workspace.snapshot.create", o, ip, visibility="anyone_with_link")
            t += r.randint(30, 240)

    def lk_quarterly_cleanup(self, i):
        a = self.lk_actor(i, lambda x: x.job in ("admin", "cloud_eng"), owner=True)
        if a is None:
            return
        r = self.lr
        o = self.org_of(a, owner=True)
        t, ip = self.usual(a, i, r)
        acts = ["workspace.snapshot.delete"] * r.randint(5, 15) + ["connection.delete"] * r.randint(3, 10) + \
               ["pipeline.delete"] * r.randint(1, 3) + ["workspace.delete"] * r.randint(0, 2) + \
               ["datatank.delete"] * r.randint(0, 1) + ["workspace.mod.uninstall"] * r.randint(1, 3) + \
               ["datatank.table.delete"] * r.randint(1, 3) + \
               ["integration.delete"] * r.randint(0, 1) + ["notifier.delete"] * r.randint(0, 1)
        r.shuffle(acts)
        for act in acts:
            self.lk_push(i, a, "quarterly_cleanup", t, act, o, ip, policy="oldest")
            t += r.randint(10, 180)

    def lk_notifier_migration(self, i):
        a = self.lk_actor(i, lambda x: x.job == "admin", owner=True)
        if a is None:
            return
        r = self.lr
        o = self.org_of(a, owner=True)
        t, ip = self.usual(a, i, r)
        self.lk_push(i, a, "notifier_migration", t, "notifier.create", o, ip, handle=r.choice(["teams-alerts", "teams-secops", "slack-alerts-v2"]))
        t += 300
        for w in self.sim.alive(o.id, "workspace"):
            self.lk_push(i, a, "notifier_migration", t, "workspace.notifier.set_default", o, ip, target=w, notifier="mine")
            t += r.randint(20, 90)
        for _ in range(r.randint(1, 3)):
            self.lk_push(i, a, "notifier_migration", t, "notifier.delete", o, ip, policy="oldest")
            t += r.randint(20, 90)
        if r.random() < 0.5:
            self.lk_push(i, a, "notifier_migration", t, "integration.delete", o, ip, policy="oldest")

    def lk_workshop_day(self, i):
        a = self.lk_actor(i, lambda x: x.job in ("admin", "consultant", "cloud_eng"), owner=True)
        if a is None:
            return
        r = self.lr
        o = self.org_of(a, owner=True)
        t, ip = self.usual(a, i, r)
        n = r.randint(6, 14)
        for k in range(n):
            self.lk_push(i, a, "workshop_day", t, "workspace.create", o, ip, handle=f"training-{k + 1:02d}")
            self.lk_push(i, a, "workshop_day", t + 30, "workspace.mod.install", o, ip, mod="aws_compliance")
            t += r.randint(40, 200)
        j = min(self.nd - 1, i + 1)
        t2, ip2 = self.usual(a, j, r)
        for k in range(n):
            self.lk_push(j, a, "workshop_day", t2, "workspace.delete", o, ip2, policy="newest")
            t2 += r.randint(10, 60)

    def lk_access_grant(self, i):
        a = self.lk_actor(i, lambda x: x.job == "admin", owner=True)
        if a is None:
            return
        r = self.lr
        o = self.org_of(a, owner=True)
        ben = [m for m in o.members if m.kind == "person" and o.role.get(m.id) != "owner" and m.leave_day is None]
        if not ben:
            return
        b = r.choice(ben)
        t, ip = self.usual(a, i, r)
        for w in self.sim.alive(o.id, "workspace")[: r.randint(5, 12)]:
            self.lk_push(i, a, "access_grant", t, "org.workspace.member.add", o, ip, ws=w, user=b, role=r.choice(["operator", "admin"]))
            t += r.randint(5, 60)

    def lk_billing_renewal(self, i):
        a = self.lk_actor(i, lambda x: x.job in ("admin", "finance"), owner=True)
        if a is None:
            return
        r = self.lr
        o = self.org_of(a, owner=True)
        t, ip = self.usual(a, i, r)
        self.lk_push(i, a, "billing_renewal", t, "org.billing.payment_method.create", o, ip)
        self.lk_push(i, a, "billing_renewal", t + r.randint(60, 600), "org.billing.payment_method.delete", o, ip, policy="oldest")
        self.lk_push(i, a, "billing_renewal", t + r.randint(700, 1500), "org.update", o, ip)

    def lk_data_migration(self, i):
        a = self.lk_actor(i, lambda x: x.job in ("data_eng", "cloud_eng"))
        if a is None:
            return
        r = self.lr
        o = self.org_of(a)
        w = self.sim.pick_ws(a, o)
        t, ip = self.usual(a, i, r)
        self.lk_push(i, a, "data_migration", t, "datatank.create", o, ip, ws=w)
        t += 120
        for _ in range(r.randint(10, 25)):
            self.lk_push(i, a, "data_migration", t, "datatank.table.create", o, ip, ws=w)
            t += r.randint(20, 150)

    def lk_night_incident(self, i):
        a = self.lk_actor(i, lambda x: x.job in ("cloud_eng", "admin", "developer", "consultant"))
        if a is None:
            return
        r = self.lr
        o = self.org_of(a)
        t = self.odd_time(a, i, r)
        ip = self.eng.session_ip(a, i, r)
        for act in ["workspace.reboot", "connection.update", "connection.update", "pipeline.command.run",
                    "workspace.update", "workspace.mod.update", "pipeline.command.run"][: r.randint(4, 7)]:
            self.lk_push(i, a, "night_incident", t, act, o, ip, policy="any")
            t += r.randint(60, 600)

    def lk_role_review(self, i):
        a = self.lk_actor(i, lambda x: x.job == "admin", owner=True)
        if a is None:
            return
        r = self.lr
        o = self.org_of(a, owner=True)
        t, ip = self.usual(a, i, r)
        ms = [m for m in o.members if m.kind == "person" and m is not a and m.leave_day is None]
        for m in r.sample(ms, min(len(ms), r.randint(4, 12))):
            role = "owner" if r.random() < 0.15 else "member"
            self.lk_push(i, a, "role_review", t, "org.member.update", o, ip, _member_of=m, role=role)
            t += r.randint(20, 200)

    def lk_connection_sharing_setup(self, i):
        a = self.lk_actor(i, lambda x: x.job in ("cloud_eng", "admin", "consultant"), owner=True)
        if a is None:
            return
        r = self.lr
        o = self.org_of(a, owner=True)
        wss = self.sim.alive(o.id, "workspace")
        if not wss:
            return
        w = r.choice(wss)
        t, ip = self.usual(a, i, r)
        for _ in range(r.randint(8, 20)):
            self.lk_push(i, a, "connection_sharing_setup", t, "connection.permission.create", o, ip, grant_ws=w, ws=w, policy="any")
            t += r.randint(10, 90)

    def lk_ci_backfill(self, i):
        bots = [b for b in self.W.bots if b.job == "tf_ci"]
        if not bots:
            return
        r = self.lr
        b = r.choice(bots)
        o = b.orgs[0]
        d = self.W.days[i]
        t = ts_of(d, r.uniform(9, 18) - utc_offset(o.region, d))
        ip = self.eng.bot_ip(b, r)
        for _ in range(r.randint(30, 80)):
            act = wchoice(r, [m[0] for m in TF_MIX], [m[1] for m in TF_MIX])
            self.lk_push(i, b, "ci_backfill", t, act, o, ip, policy="any")
            t += r.randint(1, 8)

    def lk_credential_rotation(self, i):
        a = self.lk_actor(i, lambda x: x.job in ("admin", "cloud_eng"), owner=True)
        if a is None:
            return
        r = self.lr
        o = self.org_of(a, owner=True)
        t, ip = self.usual(a, i, r)
        for _ in range(r.randint(10, 30)):
            self.lk_push(i, a, "credential_rotation", t, "connection.update", o, ip, policy="any")
            t += r.randint(15, 120)

    def lk_token_rotation(self, i):
        a = self.lk_actor(i, lambda x: x.personal is not None)
        if a is None:
            return
        r = self.lr
        t, ip = self.usual(a, i, r)
        self.lk_push(i, a, "token_rotation", t, "token.create", a.personal, ip, desc="cli")
        self.lk_push(i, a, "token_rotation", t + r.randint(60, 900), "token.delete", a.personal, ip, policy="oldest")

    def lk_pipeline_handover(self, i):
        a = self.lk_actor(i, lambda x: x.job in ("data_eng", "analyst", "cloud_eng", "consultant"))
        if a is None:
            return
        r = self.lr
        o = self.org_of(a)
        t, ip = self.usual(a, i, r)
        for _ in range(r.randint(3, 8)):
            self.lk_push(i, a, "pipeline_handover", t, "pipeline.update", o, ip, policy="others")
            t += r.randint(60, 400)

    def finish(self):
        counts = {}
        for rid, aid, ca, sc, inc in self.sim.labels:
            counts[inc] = counts.get(inc, 0) + 1
        for inc in self.incidents:
            inc["records"] = counts.get(inc["id"], 0)
            acts = []
            for rid, aid, ca, sc, iid in self.sim.labels:
                if iid == inc["id"] and aid not in acts:
                    acts.append(aid)
            inc["actors"] = acts
        return self.incidents


# ---------------------------------------------------------------------------
# writing the world
# ---------------------------------------------------------------------------

def write_outputs(W, out, knobs, incidents, quiet):
    sim = W.sim
    os.makedirs(out, exist_ok=True)
    recs = sorted(sim.records, key=lambda r: (r[0], r[1]))
    split = ts_of(W.days[W.n_train])
    labelled = set(l[0] for l in sim.labels)
    n_train = n_test = 0
    with open(os.path.join(out, "train.jsonl"), "w", encoding="utf-8", newline="\n") as ftr, \
            open(os.path.join(out, "test.jsonl"), "w", encoding="utf-8", newline="\n") as fte:
        for ts, rid, line, aid, label, action in recs:
            if ts < split:
                if rid in labelled:
                    raise RuntimeError("attack record in the training period")
                ftr.write(line + "\n")
                n_train += 1
            else:
                fte.write(line + "\n")
                n_test += 1
    labels = sorted(sim.labels, key=lambda l: (l[2], l[0]))
    with open(os.path.join(out, "labels.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["record_id", "actor_id", "created_at", "scenario", "incident_id"])
        for l in labels:
            w.writerow(l)
    wl = {}
    for rid, aid, ca, sc, inc in labels:
        key = (aid, ca[:10], sc, inc)
        wl[key] = 1
    with open(os.path.join(out, "window_labels.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["actor_id", "day", "scenario", "incident_id"])
        for key in sorted(wl):
            w.writerow(key)
    attack_days = set((k[0], k[1]) for k in wl)
    first_test = W.days[W.n_train].isoformat()
    look_rows = sorted((a, d, kind) for (a, d), kind in sim.look.items()
                       if d >= first_test and (a, d) not in attack_days)
    with open(os.path.join(out, "lookalikes.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["actor_id", "day", "kind"])
        for r in look_rows:
            w.writerow(r)
    with open(os.path.join(out, "actors.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["actor_id", "handle", "display_name", "kind", "role", "region", "orgs", "odd",
                    "join_day", "leave_day", "dormant"])
        for a in W.actors:
            w.writerow([a.id, a.handle, a.display, a.kind, a.job, a.region, " ".join(o.handle for o in a.orgs),
                        a.odd, W.days[a.join_day].isoformat() if a.join_day is not None else "",
                        W.days[a.leave_day].isoformat() if a.leave_day is not None else "",
                        "yes" if a.dormant else ""])
    # action types only attacks use (should be none)
    benign_types, attack_types = {}, {}
    for ts, rid, line, aid, label, action in recs:
        (attack_types if rid in labelled else benign_types)[action] = 1
    attack_only = sorted(a for a in attack_types if a not in benign_types)
    per_scn = {}
    for inc in incidents:
        if inc["records"] > 0:
            per_scn[inc["scenario"]] = per_scn.get(inc["scenario"], 0) + 1
    look_counts = {}
    for _, _, kind in look_rows:
        look_counts[kind] = look_counts.get(kind, 0) + 1
    manifest = {
        "seed": W.seed,
        "generator": "experiments/independent5/world.py",
        "archetype": knobs["archetype"],
        "tenant": {"id": sim.tenant_id, "handle": sim.tenant_handle},
        "organisations": [{"id": o.id, "handle": o.handle, "client": o.client} for o in W.orgs],
        "train_period": [W.days[0].isoformat(), W.days[W.n_train - 1].isoformat()],
        "test_period": [W.days[W.n_train].isoformat(), W.days[-1].isoformat()],
        "records": {"train": n_train, "test": n_test},
        "actors": {"people": sum(1 for a in W.actors if a.kind == "person"),
                   "bots": sum(1 for a in W.actors if a.kind == "bot"), "platform": 1},
        "incidents": dict(sorted(per_scn.items())),
        "incident_forms": {inc["id"]: inc["form"] for inc in incidents if inc["records"] > 0},
        "incident_actors": {inc["id"]: sorted(inc["actors"]) for inc in incidents if inc["records"] > 0},
        "incident_records": {inc["id"]: inc["records"] for inc in incidents if inc["records"] > 0},
        "lookalikes": dict(sorted(look_counts.items())),
        "attack_only_action_types": attack_only,
        "action_types": sorted(set(benign_types) | set(attack_types)),
        "knobs": knobs,
    }
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(manifest, f, indent=2, sort_keys=False)
        f.write("\n")
    return manifest


def main(argv=None):
    ap = argparse.ArgumentParser(description="Blind simulation of Turbot Pipes audit logs (independent5).")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    t_start = _time.time()
    knobs = draw_knobs(args.seed)
    W = build_world(args.seed, knobs)
    populate(W)
    eng = Engine(W)
    planner = Planner(W, eng)
    planner.plan()
    eng.run(planners=[planner.day])
    incidents = planner.finish()
    man = write_outputs(W, args.out, knobs, incidents, args.quiet)
    if not args.quiet:
        print(f"seed {args.seed} ({knobs['archetype']}): {man['records']['train']} train + "
              f"{man['records']['test']} test records, {len(W.actors)} actors, {len(W.days)} days, "
              f"{len(man['incident_forms'])} incidents, {sum(man['lookalikes'].values())} look-alike actor-days, "
              f"{_time.time() - t_start:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
