#!/usr/bin/env python3
"""independent4: a blind, labelled simulation of the Turbot Pipes audit log.

    python experiments/independent4/world.py --seed N --out DIR [-q]

Standard library only.  Every random choice comes from random.Random streams derived from the
seed; nothing iterates over a set or depends on hash order, so the same seed gives byte-identical
files whatever PYTHONHASHSEED is.  See README.md beside this file for what is simulated.
"""
import argparse
import csv
import datetime as dt
import ipaddress
import json
import math
import os
import random
import sys
import time

DAY = 86400
B32 = "0123456789abcdefghijklmnopqrstuv"
DEFAULT_TENANT = "t_00000000000000000000"


def stream(seed, name):
    """An independent random stream per purpose (stable across Python runs)."""
    h = 0
    for ch in name:
        h = (h * 131 + ord(ch)) % (2 ** 61 - 1)
    return random.Random(seed * 1_000_003 + h)


def hash_int(text):
    """A stable small hash (never Python's salted hash())."""
    h = 7
    for ch in text:
        h = (h * 31 + ord(ch)) % 1_000_000_007
    return h


# --------------------------------------------------------------------------- time helpers
_DAYSTR = {}


def day_str(di):
    s = _DAYSTR.get(di)
    if s is None:
        s = (dt.date(1970, 1, 1) + dt.timedelta(days=di)).isoformat()
        _DAYSTR[di] = s
    return s


def fmt(ts):
    di, r = divmod(int(ts), DAY)
    h, r = divmod(r, 3600)
    m, s = divmod(r, 60)
    return "%sT%02d:%02d:%02dZ" % (day_str(di), h, m, s)


def date_of(di):
    return dt.date(1970, 1, 1) + dt.timedelta(days=di)


def di_of(date):
    return (date - dt.date(1970, 1, 1)).days


def nth_sunday(year, month, n):
    d = dt.date(year, month, 1)
    d += dt.timedelta(days=(6 - d.weekday()) % 7)
    return d + dt.timedelta(days=7 * (n - 1))


def last_sunday(year, month):
    d = dt.date(year, month + 1, 1) - dt.timedelta(days=1) if month < 12 else dt.date(year, 12, 31)
    return d - dt.timedelta(days=(d.weekday() + 1) % 7)


def dst_on(rule, date):
    y = date.year
    if rule == "us":
        return nth_sunday(y, 3, 2) <= date < nth_sunday(y, 11, 1)
    if rule == "eu":
        return last_sunday(y, 3) <= date < last_sunday(y, 10)
    if rule == "au":   # southern: first Sunday of October to first Sunday of April
        return not (nth_sunday(y, 4, 1) <= date < nth_sunday(y, 10, 1))
    if rule == "nz":
        return not (nth_sunday(y, 4, 1) <= date < last_sunday(y, 9))
    return False


# zone -> (standard offset hours, dst rule, country)
ZONES = {
    "America/New_York": (-5, "us", "US"),
    "America/Chicago": (-6, "us", "US"),
    "America/Denver": (-7, "us", "US"),
    "America/Los_Angeles": (-8, "us", "US"),
    "America/Toronto": (-5, "us", "CA"),
    "America/Sao_Paulo": (-3, None, "BR"),
    "Europe/London": (0, "eu", "GB"),
    "Europe/Dublin": (0, "eu", "IE"),
    "Europe/Berlin": (1, "eu", "DE"),
    "Europe/Amsterdam": (1, "eu", "NL"),
    "Europe/Warsaw": (1, "eu", "PL"),
    "Europe/Madrid": (1, "eu", "ES"),
    "Asia/Kolkata": (5.5, None, "IN"),
    "Asia/Singapore": (8, None, "SG"),
    "Asia/Tokyo": (9, None, "JP"),
    "Australia/Melbourne": (10, "au", "AU"),
    "Australia/Sydney": (10, "au", "AU"),
    "Pacific/Auckland": (12, "nz", "NZ"),
}
COUNTRY_ZONE = {}
for _z, (_o, _r, _c) in ZONES.items():
    COUNTRY_ZONE.setdefault(_c, _z)

_OFFS = {}


def utc_offset(zone, di):
    key = (zone, di)
    v = _OFFS.get(key)
    if v is None:
        std, rule, _ = ZONES[zone]
        v = std + (1 if rule and dst_on(rule, date_of(di)) else 0)
        _OFFS[key] = v
    return v


def local_midnight_utc(zone, di):
    return di * DAY - int(utc_offset(zone, di) * 3600)


# public holidays as (month, day); approximate, both years alike, Easter for 2025/2026 added
HOLIDAYS = {
    "US": [(1, 1), (1, 20), (2, 17), (5, 26), (7, 4), (9, 1), (11, 27), (11, 28), (12, 25), (1, 19), (2, 16), (5, 25)],
    "CA": [(1, 1), (2, 17), (4, 18), (5, 19), (7, 1), (9, 1), (10, 13), (12, 25), (12, 26)],
    "BR": [(1, 1), (3, 3), (3, 4), (4, 18), (4, 21), (5, 1), (9, 7), (10, 12), (11, 2), (11, 15), (12, 25), (2, 16), (2, 17)],
    "GB": [(1, 1), (4, 18), (4, 21), (5, 5), (5, 26), (8, 25), (12, 25), (12, 26), (4, 3), (4, 6)],
    "IE": [(1, 1), (2, 3), (3, 17), (4, 21), (5, 5), (6, 2), (8, 4), (10, 27), (12, 25), (12, 26)],
    "DE": [(1, 1), (4, 18), (4, 21), (5, 1), (5, 29), (6, 9), (10, 3), (12, 25), (12, 26), (4, 3), (4, 6)],
    "NL": [(1, 1), (4, 18), (4, 21), (4, 27), (5, 5), (5, 29), (6, 9), (12, 25), (12, 26)],
    "PL": [(1, 1), (1, 6), (4, 21), (5, 1), (5, 3), (6, 19), (8, 15), (11, 1), (11, 11), (12, 25), (12, 26)],
    "ES": [(1, 1), (1, 6), (4, 18), (5, 1), (8, 15), (10, 12), (11, 1), (12, 6), (12, 8), (12, 25)],
    "IN": [(1, 26), (3, 14), (3, 31), (4, 18), (8, 15), (10, 2), (10, 20), (10, 21), (11, 5), (12, 25)],
    "SG": [(1, 1), (1, 29), (1, 30), (3, 31), (4, 18), (5, 1), (5, 12), (6, 7), (8, 9), (10, 20), (12, 25)],
    "JP": [(1, 1), (1, 2), (1, 3), (1, 13), (2, 11), (2, 24), (3, 20), (4, 29), (5, 5), (5, 6), (7, 21), (8, 11), (9, 15), (11, 3), (11, 24), (12, 31)],
    "AU": [(1, 1), (1, 27), (4, 18), (4, 21), (4, 25), (6, 9), (11, 4), (12, 25), (12, 26)],
    "NZ": [(1, 1), (1, 2), (2, 6), (4, 18), (4, 21), (4, 25), (6, 2), (6, 20), (10, 27), (12, 25), (12, 26)],
}


def is_holiday(country, date):
    if (date.month == 12 and date.day >= 24) or (date.month == 1 and date.day == 1):
        return True
    return (date.month, date.day) in HOLIDAYS.get(country, ())


# --------------------------------------------------------------------------- ids (xid-like)
class Ids:
    """Pipes ids look like xids: 4 bytes of time, 3 of machine, 2 of process, 3 of counter,
    written in base32hex (0-9a-v), 20 characters."""

    def __init__(self, rng, n_machines=4):
        self.machines = [(rng.getrandbits(24), rng.getrandbits(16)) for _ in range(n_machines)]
        self.counter = rng.getrandbits(24)
        self.rng = rng

    def raw(self, ts):
        self.counter = (self.counter + 1) & 0xFFFFFF
        m, p = self.machines[self.counter % len(self.machines)]
        n = (((int(ts) & 0xFFFFFFFF) << 64) | (m << 40) | (p << 24) | self.counter) << 4
        return "".join(B32[(n >> (95 - 5 * i)) & 31] for i in range(20))

    def new(self, prefix, ts):
        return prefix + "_" + self.raw(ts)


# --------------------------------------------------------------------------- networks
def _cidr(c):
    n = ipaddress.ip_network(c)
    return (int(n.network_address), n.num_addresses, n.version)


class Pool:
    """A named set of address ranges (an ISP, a carrier, a cloud, a VPN provider)."""

    def __init__(self, name, kind, country, v4, v6=None):
        self.name, self.kind, self.country = name, kind, country
        self.v4 = [_cidr(c) for c in v4]
        self.v6 = _cidr(v6) if v6 else None

    def ip4(self, rng):
        base, size, _ = self.v4[rng.randrange(len(self.v4))]
        x = base + rng.randrange(1, size - 1)
        if x & 0xFF in (0, 255):
            x = (x & ~0xFF) | rng.randrange(1, 255)
        return str(ipaddress.IPv4Address(x))

    def near4(self, rng, ip):
        """Another address in the same /16 (same ISP region, different subscriber)."""
        x = int(ipaddress.IPv4Address(ip))
        y = (x & 0xFFFF0000) | rng.randrange(256, 65280)
        if y == x:
            y ^= 0x100
        return str(ipaddress.IPv4Address(y))

    def prefix64(self, rng):
        base, size, _ = self.v6
        blocks = size >> 64
        return base + (rng.randrange(blocks) << 64)

    @staticmethod
    def ip6(prefix, rng):
        return str(ipaddress.IPv6Address(prefix | rng.getrandbits(64) | (1 << 57)))


HOME = "home"
MOBILE = "mobile"
BUSINESS = "business"
POOLS_SPEC = [
    # name, kind, country, v4, v6
    ("comcast", HOME, "US", ["73.0.0.0/8", "98.192.0.0/10", "24.0.0.0/12"], "2601::/20"),
    ("verizon-fios", HOME, "US", ["71.160.0.0/11", "108.0.0.0/12"], "2600:4040::/32"),
    ("spectrum", HOME, "US", ["66.65.0.0/16", "174.96.0.0/12"], "2603:8000::/24"),
    ("t-mobile-us", MOBILE, "US", ["172.56.0.0/14"], "2607:fb90::/32"),
    ("verizon-wireless", MOBILE, "US", ["174.192.0.0/10"], "2600:1000::/28"),
    ("lumen", BUSINESS, "US", ["4.0.0.0/9", "63.0.0.0/10"], None),
    ("rogers", HOME, "CA", ["99.224.0.0/11"], "2607:fea8::/32"),
    ("rogers-wireless", MOBILE, "CA", ["72.136.0.0/13"], None),
    ("vivo", HOME, "BR", ["177.32.0.0/11", "189.0.0.0/11"], "2804:14c::/32"),
    ("claro-br", MOBILE, "BR", ["191.0.0.0/12"], None),
    ("bt", HOME, "GB", ["86.128.0.0/10", "81.128.0.0/11"], "2a00:23c0::/27"),
    ("virgin-media", HOME, "GB", ["82.0.0.0/13"], None),
    ("sky-uk", HOME, "GB", ["90.192.0.0/11"], "2a02:c7c::/31"),
    ("ee", MOBILE, "GB", ["92.40.0.0/14"], "2a01:4c8::/32"),
    ("colt", BUSINESS, "GB", ["212.36.0.0/17", "213.86.0.0/16"], None),
    ("eir", HOME, "IE", ["86.40.0.0/13"], None),
    ("vodafone-ie", MOBILE, "IE", ["89.19.64.0/18"], None),
    ("telekom-de", HOME, "DE", ["79.192.0.0/10", "91.0.0.0/10", "217.224.0.0/11"], "2003::/19"),
    ("vodafone-de", HOME, "DE", ["88.64.0.0/11"], "2a02:8100::/27"),
    ("o2-de", MOBILE, "DE", ["176.0.0.0/11"], "2a02:3030::/28"),
    ("telekom-business", BUSINESS, "DE", ["62.144.0.0/13"], None),
    ("ziggo", HOME, "NL", ["84.24.0.0/13"], "2001:1c00::/23"),
    ("kpn-mobile", MOBILE, "NL", ["77.60.0.0/15"], None),
    ("orange-pl", HOME, "PL", ["83.0.0.0/11"], "2a01:110::/31"),
    ("plus-pl", MOBILE, "PL", ["37.248.0.0/13"], None),
    ("movistar", HOME, "ES", ["83.32.0.0/11"], None),
    ("jio", HOME, "IN", ["49.32.0.0/11"], "2409:4000::/22"),
    ("airtel", HOME, "IN", ["122.160.0.0/12", "106.192.0.0/11"], "2401:4900::/27"),
    ("jio-mobile", MOBILE, "IN", ["157.32.0.0/11"], "2409:4070::/28"),
    ("tata-comm", BUSINESS, "IN", ["14.140.0.0/14"], None),
    ("singtel", HOME, "SG", ["116.86.0.0/15"], None),
    ("starhub", HOME, "SG", ["118.200.0.0/13"], None),
    ("m1-sg", MOBILE, "SG", ["111.65.0.0/16"], None),
    ("ntt-ocn", HOME, "JP", ["153.128.0.0/10"], "240b:10::/28"),
    ("softbank-mobile", MOBILE, "JP", ["126.0.0.0/9"], None),
    ("aussie-broadband", HOME, "AU", ["159.196.0.0/16"], "2403:5800::/32"),
    ("telstra", HOME, "AU", ["101.160.0.0/11", "110.140.0.0/14"], "2001:8000::/20"),
    ("telstra-mobile", MOBILE, "AU", ["1.128.0.0/11"], None),
    ("spark-nz", HOME, "NZ", ["122.56.0.0/14"], None),
    ("one-nz", MOBILE, "NZ", ["49.224.0.0/13"], None),
]
CLOUD_SPEC = {
    "aws-us-east-1": ["3.80.0.0/12", "44.192.0.0/11", "54.160.0.0/11"],
    "aws-us-west-2": ["35.80.0.0/12", "44.224.0.0/11"],
    "aws-eu-west-1": ["34.240.0.0/13", "52.16.0.0/14"],
    "aws-ap-southeast-2": ["3.104.0.0/14", "13.236.0.0/14"],
    "gcp": ["34.64.0.0/10", "35.184.0.0/13"],
    "azure": ["20.0.0.0/11", "52.224.0.0/11", "40.64.0.0/10"],
    "digitalocean": ["104.131.0.0/16", "159.65.0.0/16", "167.99.0.0/16"],
    "hetzner": ["95.216.0.0/15", "135.181.0.0/16"],
}
VPN_SPEC = {   # commercial VPN / proxy exit providers
    "m247": ["37.120.128.0/17", "185.236.200.0/22", "193.27.12.0/22"],
    "datacamp": ["89.187.160.0/19", "212.102.32.0/19"],
    "leaseweb": ["5.79.64.0/18", "212.32.224.0/19"],
}
SASE_SPEC = ["165.225.0.0/17", "136.226.0.0/16"]   # a secure web gateway shared by its customers


class Net:
    def __init__(self, rng):
        self.pools = [Pool(*p) for p in POOLS_SPEC]
        self.by_country = {}
        for p in self.pools:
            self.by_country.setdefault((p.country, p.kind), []).append(p)
        self.cloud = {k: Pool(k, "cloud", "", v) for k, v in CLOUD_SPEC.items()}
        # the Pipes platform runs scheduled work from a handful of fixed egress addresses
        self.platform = [self.cloud["aws-us-east-1"].ip4(rng) for _ in range(6)]
        # commercial VPN exits: a finite set of addresses shared by everyone who uses them
        self.vpn_exits = []
        for k, v in VPN_SPEC.items():
            p = Pool(k, "vpn", "", v)
            self.vpn_exits += [p.ip4(rng) for _ in range(14)]
        sase = Pool("sase", "sase", "", SASE_SPEC)
        self.sase_nodes = [sase.ip4(rng) for _ in range(60)]

    def pick(self, rng, country, kind):
        lst = self.by_country.get((country, kind))
        if not lst:
            lst = self.by_country.get(("US", kind))
        return lst[rng.randrange(len(lst))]

    def foreign_home(self, rng, not_country):
        lst = [p for p in self.pools if p.kind == HOME and p.country != not_country]
        return lst[rng.randrange(len(lst))]


# --------------------------------------------------------------------------- names
FIRST = ["Alice", "Arjun", "Bea", "Bruno", "Chen", "Chloe", "Dario", "Deepa", "Elena", "Emeka", "Fatima",
         "Felix", "Grace", "Hana", "Hugo", "Ines", "Ivan", "Jana", "Jun", "Kai", "Kavya", "Lars", "Leila",
         "Liam", "Lucia", "Mateo", "Mei", "Mila", "Nadia", "Noah", "Olu", "Omar", "Priya", "Quentin", "Rafael",
         "Rina", "Rohan", "Sakura", "Sam", "Sara", "Sven", "Tariq", "Tom", "Uma", "Vera", "Victor", "Wen",
         "Yara", "Yusuf", "Zoe", "Aiko", "Ben", "Carmen", "Dmitri", "Eva", "Farid", "Gita", "Henrik", "Isla",
         "Jonas", "Kofi", "Lena", "Marek", "Nina", "Oscar", "Paula", "Ravi", "Sofia", "Theo", "Ana"]
LAST = ["Abbott", "Adeyemi", "Bauer", "Bianchi", "Castro", "Chowdhury", "Costa", "Das", "Dubois", "Eriksen",
        "Fischer", "Garcia", "Gupta", "Haddad", "Hansen", "Ito", "Iyer", "Jensen", "Kim", "Kowalski", "Kumar",
        "Larsen", "Lee", "Lopez", "Mehta", "Meyer", "Moreau", "Murphy", "Nakamura", "Nguyen", "Novak", "Okafor",
        "Olsen", "Park", "Patel", "Pereira", "Quinn", "Rao", "Reyes", "Rossi", "Sato", "Schmidt", "Shah", "Silva",
        "Singh", "Sousa", "Tanaka", "Torres", "Ueda", "Varga", "Wagner", "Walsh", "Wang", "Weber", "Wong",
        "Yamada", "Yilmaz", "Zhang", "Zielinski", "Hadid", "Brennan", "Sokolov", "Lindqvist", "Mensah"]
ORG_WORDS = ["acme", "globex", "initech", "umbrella", "hooli", "vandelay", "stark", "wayne", "tyrell", "cyberdyne",
             "soylent", "wonka", "oscorp", "gringotts", "monarch", "nakatomi", "aperture", "blackmesa", "zorg",
             "vought", "massive", "pied", "dunder", "bluth", "prestige", "strickland", "sirius", "gekko"]
ORG_SUFFIX = ["", "-corp", "-labs", "-sec", "-cloud", "-io", "-tank", "-group", "-platform", "-ops"]
WS_WORDS = ["prod", "production", "security", "compliance", "finops", "platform", "dev", "staging", "sandbox",
            "audit", "soc2", "cis", "k8s", "network", "identity", "data", "analytics", "hunting", "payments",
            "core", "infra", "shared", "ops", "cost", "scratch", "demo", "poc", "eu", "us", "apac", "iam",
            "vuln", "cspm", "aws", "azure", "gcp", "github", "grc", "pci", "hipaa", "detections", "reports"]
PLUGINS = [("aws", 0.34), ("azure", 0.12), ("gcp", 0.1), ("github", 0.1), ("kubernetes", 0.07), ("okta", 0.04),
           ("terraform", 0.05), ("net", 0.03), ("slack", 0.03), ("jira", 0.03), ("csv", 0.03),
           ("googleworkspace", 0.02), ("crowdstrike", 0.02), ("microsoft365", 0.02)]
MODS = ["aws_compliance", "aws_insights", "aws_thrifty", "aws_perimeter", "aws_tags", "azure_compliance",
        "azure_insights", "gcp_compliance", "gcp_insights", "github_compliance", "github_insights",
        "kubernetes_compliance", "kubernetes_insights", "terraform_aws_compliance", "net_insights",
        "okta_insights", "aws_well_architected", "oci_compliance", "digitalocean_thrifty", "local_dashboards"]
BENCHES = ["cis_v300", "cis_v200", "nist_800_53_rev_5", "pci_dss_v321", "soc_2", "hipaa_final_omnibus",
           "foundational_security", "ec2_report", "iam_dashboard", "cost_report", "public_access", "tag_policy"]
INSTANCE_TYPES = ["db1.shared", "db1.small", "db1.medium", "db1.large", "db1.xlarge"]


# --------------------------------------------------------------------------- actions
# action_type -> (resource kind, verb, asynchronous?)
ACTIONS = {}


def _reg(kind, verb, *types, async_=False):
    for t in types:
        ACTIONS[t] = (kind, verb, async_)


_reg("workspace", "create", "workspace.create", async_=True)
_reg("workspace", "update", "workspace.update")
_reg("workspace", "delete", "workspace.delete")
_reg("workspace", "touch", "workspace.reboot", "workspace.upgrade", async_=True)
_reg("workspace", "touch", "workspace.usage.enable", "workspace.usage.disable", "workspace.inactive.warn",
     "workspace.inactive.disable")
_reg("connection", "create", "connection.create")
_reg("connection", "update", "connection.update")
_reg("connection", "delete", "connection.delete")
_reg("conn_perm", "create", "connection.permission.create")
_reg("conn_perm", "update", "connection.permission.update")
_reg("conn_perm", "delete", "connection.permission.delete")
_reg("conn_folder", "create", "connection-folder.create")
_reg("conn_folder", "update", "connection-folder.update")
_reg("conn_folder", "delete", "connection-folder.delete")
_reg("ws_conn", "create", "workspace.connection.associate")
_reg("ws_conn", "delete", "workspace.connection.dissociate")
_reg("aggregator", "create", "workspace.aggregator.create")
_reg("aggregator", "update", "workspace.aggregator.update")
_reg("aggregator", "delete", "workspace.aggregator.delete")
_reg("schema", "create", "workspace.schema.create")
_reg("schema", "update", "workspace.schema.update")
_reg("schema", "delete", "workspace.schema.delete")
_reg("schema", "touch", "workspace.schema.attach", "workspace.schema.detach")
_reg("mod", "create", "workspace.mod.install", async_=True)
_reg("mod", "update", "workspace.mod.update", async_=True)
_reg("mod", "delete", "workspace.mod.uninstall")
_reg("modvar", "create", "workspace.mod.variable.setting.create")
_reg("modvar", "update", "workspace.mod.variable.setting.update")
_reg("modvar", "delete", "workspace.mod.variable.setting.delete")
_reg("snapshot", "create", "workspace.snapshot.create")
_reg("snapshot", "update", "workspace.snapshot.update")
_reg("snapshot", "delete", "workspace.snapshot.delete")
_reg("pipeline", "create", "pipeline.create")
_reg("pipeline", "update", "pipeline.update")
_reg("pipeline", "delete", "pipeline.delete")
_reg("pipeline", "touch", "pipeline.command.run", async_=True)
_reg("fp_input", "create", "workspace.flowpipe.input.create")
_reg("fp_input", "update", "workspace.flowpipe.input.update")
_reg("fp_trigger", "create", "workspace.flowpipe.trigger.create")
_reg("fp_trigger", "update", "workspace.flowpipe.trigger.update")
_reg("notifier", "create", "notifier.create")
_reg("notifier", "update", "notifier.update")
_reg("notifier", "delete", "notifier.delete")
_reg("notifier", "touch", "workspace.notifier.set_default")
_reg("integration", "create", "integration.create")
_reg("integration", "update", "integration.update")
_reg("integration", "delete", "integration.delete")
_reg("integration", "touch", "integration.refresh", async_=True)
_reg("datatank", "create", "datatank.create", async_=True)
_reg("datatank", "update", "datatank.update")
_reg("datatank", "delete", "datatank.delete")
_reg("dt_table", "create", "datatank.table.create")
_reg("dt_table", "update", "datatank.table.update")
_reg("dt_table", "delete", "datatank.table.delete")
_reg("dt_table", "touch", "datatank.part.update", async_=True)
_reg("org", "update", "org.update", "org.subscription.update")
_reg("org_member", "create", "org.member.add")
_reg("org_member", "update", "org.member.update")
_reg("org_member", "delete", "org.member.delete")
_reg("ws_member", "create", "org.workspace.member.add")
_reg("ws_member", "update", "org.workspace.member.update")
_reg("ws_member", "delete", "org.workspace.member.delete")
_reg("payment", "create", "org.billing.payment_method.create")
_reg("payment", "delete", "org.billing.payment_method.delete")
_reg("token", "create", "token.create")
_reg("token", "update", "token.update")
_reg("token", "delete", "token.delete")

CREATE_OF = {}
for _t, (_k, _v, _a) in ACTIONS.items():
    if _v == "create":
        CREATE_OF.setdefault(_k, _t)
WS_KINDS = ("aggregator", "schema", "mod", "modvar", "snapshot", "pipeline", "fp_input", "fp_trigger",
            "datatank", "dt_table", "ws_conn", "ws_member")
ID_PREFIX = {"workspace": "w", "connection": "c", "conn_perm": "cp", "conn_folder": "cf", "ws_conn": "wc",
             "aggregator": "ag", "schema": "sc", "mod": "m", "modvar": "mv", "snapshot": "s",
             "pipeline": "pl", "fp_input": "fi", "fp_trigger": "ft", "notifier": "n", "integration": "i",
             "datatank": "dt", "dt_table": "dtt", "org_member": "om", "ws_member": "wm", "payment": "pm",
             "token": "tok"}
# action types that only exist after the mid-period API release
NEW_API = ("workspace.flowpipe.trigger.create", "workspace.flowpipe.trigger.update",
           "workspace.flowpipe.input.update", "connection.permission.update")

ROLE_MIX = {
    "admin": {"org.member.add": 2, "org.member.update": 2.5, "org.member.delete": 1, "org.workspace.member.add": 5,
              "org.workspace.member.update": 3, "org.workspace.member.delete": 1.2, "workspace.create": 1.5,
              "workspace.update": 2.5, "org.update": 0.5, "token.create": 0.6, "token.delete": 0.4,
              "workspace.snapshot.create": 4, "connection.update": 2, "connection.create": 1,
              "integration.create": 0.2, "notifier.create": 0.3, "notifier.update": 0.4, "workspace.delete": 0.4,
              "connection.permission.create": 1, "connection.permission.delete": 0.4, "workspace.mod.install": 0.8,
              "workspace.mod.variable.setting.update": 1, "workspace.notifier.set_default": 0.2,
              "org.billing.payment_method.create": 0.05, "org.subscription.update": 0.05,
              "workspace.usage.enable": 0.2, "integration.update": 0.2, "notifier.delete": 0.1,
              "workspace.usage.disable": 0.12},
    "platform": {"connection.create": 5, "connection.update": 8, "connection.delete": 1.5,
                 "connection.permission.create": 1, "connection.permission.update": 0.3,
                 "connection.permission.delete": 0.4, "connection-folder.create": 0.5,
                 "connection-folder.update": 0.3, "connection-folder.delete": 0.1,
                 "workspace.connection.associate": 3, "workspace.connection.dissociate": 1,
                 "workspace.aggregator.create": 1.5, "workspace.aggregator.update": 3,
                 "workspace.aggregator.delete": 0.5, "workspace.schema.create": 1, "workspace.schema.attach": 1,
                 "workspace.schema.detach": 0.3, "workspace.schema.delete": 0.3, "workspace.schema.update": 0.3,
                 "workspace.create": 0.8, "workspace.update": 2, "workspace.reboot": 0.8,
                 "workspace.mod.install": 1.5, "workspace.mod.update": 1, "workspace.mod.uninstall": 0.5,
                 "token.create": 0.5, "token.delete": 0.4, "token.update": 0.1, "integration.create": 0.3,
                 "integration.update": 0.3, "datatank.create": 0.3, "datatank.update": 0.3,
                 "datatank.table.create": 1, "datatank.table.update": 1, "datatank.table.delete": 0.3,
                 "pipeline.create": 0.8, "pipeline.update": 1.5, "pipeline.command.run": 2, "pipeline.delete": 0.3,
                 "workspace.snapshot.create": 2, "workspace.flowpipe.trigger.create": 0.4,
                 "workspace.flowpipe.trigger.update": 0.4, "workspace.mod.variable.setting.update": 0.8,
                 "datatank.delete": 0.1, "workspace.delete": 0.25},
    "secops": {"workspace.snapshot.create": 10, "workspace.snapshot.update": 3, "workspace.snapshot.delete": 0.8,
               "workspace.mod.install": 2, "workspace.mod.update": 2, "workspace.mod.uninstall": 0.6,
               "workspace.mod.variable.setting.create": 3, "workspace.mod.variable.setting.update": 4,
               "workspace.mod.variable.setting.delete": 0.5, "pipeline.create": 1.2, "pipeline.update": 2.5,
               "pipeline.command.run": 4, "pipeline.delete": 0.4, "notifier.create": 0.4, "notifier.update": 0.5,
               "workspace.notifier.set_default": 0.3, "workspace.flowpipe.input.create": 1,
               "workspace.flowpipe.input.update": 0.5, "workspace.flowpipe.trigger.create": 0.6,
               "workspace.flowpipe.trigger.update": 0.6, "connection.update": 0.5, "datatank.table.create": 0.3},
    "analyst": {"workspace.snapshot.create": 12, "workspace.snapshot.update": 4, "workspace.snapshot.delete": 1,
                "workspace.mod.variable.setting.update": 2, "workspace.mod.variable.setting.create": 1,
                "pipeline.command.run": 1, "datatank.table.create": 0.4, "datatank.table.update": 0.6},
    "developer": {"workspace.create": 1.5, "workspace.delete": 1, "workspace.update": 1, "workspace.mod.install": 3,
                  "workspace.mod.uninstall": 1.5, "workspace.mod.update": 1, "connection.create": 1.5,
                  "connection.update": 2, "connection.delete": 0.6, "workspace.connection.associate": 1,
                  "workspace.snapshot.create": 3, "token.create": 0.5, "token.delete": 0.3,
                  "datatank.table.create": 0.5, "pipeline.command.run": 1, "pipeline.create": 0.5,
                  "pipeline.update": 1, "workspace.schema.create": 0.5, "workspace.mod.variable.setting.create": 1,
                  "workspace.mod.variable.setting.update": 1.2, "workspace.reboot": 0.3},
    "billing": {"org.billing.payment_method.create": 0.6, "org.billing.payment_method.delete": 0.3,
                "org.subscription.update": 0.6, "org.update": 1, "workspace.snapshot.create": 2},
    "viewer": {"workspace.snapshot.create": 3, "workspace.snapshot.update": 1, "workspace.mod.variable.setting.update": 0.3},
}
ROLE_PLAN = [("admin", 0.07), ("platform", 0.16), ("secops", 0.18), ("analyst", 0.2), ("developer", 0.24),
             ("billing", 0.03), ("viewer", 0.12)]
ROLE_ACTIVITY = {   # (probability of acting on a workday, median records on an active day)
    "admin": (0.55, 4.5), "platform": (0.6, 6), "secops": (0.55, 5), "analyst": (0.45, 4),
    "developer": (0.45, 4), "billing": (0.08, 1.5), "viewer": (0.15, 1.8), "contractor": (0.5, 4)}


def wchoice(rng, items, weights, total=None):
    if total is None:
        total = sum(weights)
    x = rng.random() * total
    acc = 0.0
    for it, w in zip(items, weights):
        acc += w
        if x < acc:
            return it
    return items[-1]


# --------------------------------------------------------------------------- world objects
class Actor:
    __slots__ = ("id", "handle", "display", "avatar", "kind", "role", "orgs", "org_w", "zone", "country",
                 "acct_created", "uobj", "join_di", "leave_di", "dormant", "habits", "mix", "mix_items",
                 "mix_w", "favs", "home", "tokens", "notes", "leave_days", "trips", "extra")

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k))
        if self.tokens is None:
            self.tokens = []
        if self.favs is None:
            self.favs = {}
        if self.extra is None:
            self.extra = {}
        if self.notes is None:
            self.notes = []

    def make_uobj(self):
        self.uobj = {"id": self.id, "handle": self.handle, "display_name": self.display,
                     "avatar_url": self.avatar, "status": "accepted", "created_at": fmt(self.acct_created),
                     "updated_at": fmt(self.acct_created + 86400 * 37 + (hash_int(self.id) % 86400) * 9),
                     "version_id": 2 + hash_int(self.id) % 9}


class Res:
    __slots__ = ("id", "kind", "handle", "org", "ws", "created_at", "creator", "version", "updated_at",
                 "updater", "state", "fields", "live", "pools", "members", "owner")

    def __init__(self, kind, rid, handle, org, ws, ts, creator, fields=None):
        self.id, self.kind, self.handle, self.org, self.ws = rid, kind, handle, org, ws
        self.created_at = self.updated_at = ts
        self.creator, self.updater = creator, None
        self.version = 1
        self.state = "active"
        self.fields = fields or {}
        self.live = True
        self.pools = None
        self.members = None
        self.owner = None


class Org:
    def __init__(self, oid, handle, tenant, created, creator, partition, hq_zone):
        self.id, self.handle, self.tenant = oid, handle, tenant
        self.created, self.creator, self.partition, self.hq_zone = created, creator, partition, hq_zone
        self.pools = {}
        self.members = {}       # user id -> Res(org_member)
        self.people = []
        self.bots = []
        self.offices = []       # list of (country, [ips])
        self.corp_vpn = []
        self.sase = False
        self.ws_handles = {}
        self.conn_handles = {}
        self.res = None         # the org itself as a target

    def pool(self, kind):
        p = self.pools.get(kind)
        if p is None:
            p = self.pools[kind] = []
        return p


# --------------------------------------------------------------------------- the world
class World:
    def __init__(self, seed, quiet=False):
        self.seed = seed
        self.quiet = quiet
        self.rk = stream(seed, "knobs")
        self.rw = stream(seed, "world")
        self.ra = stream(seed, "activity")
        self.rr = stream(seed, "realize")
        self.rx = stream(seed, "attacks")
        self.rl = stream(seed, "lookalikes")
        self.ids = Ids(stream(seed, "ids"))
        self.tpids = Ids(stream(seed, "tpids"), n_machines=1)
        self.net = Net(stream(seed, "net"))
        self.actors = []
        self.orgs = []
        self.intents = []       # (ts, seq, actor, org, action, opts, ip, proc, tag)
        self.seq = 0
        self.lookalike_days = []   # (actor_id, di, kind)
        self.incidents = []     # dicts
        self.refs = {}
        self.draw_knobs()

    # ------------------------------------------------------------------ knobs
    def draw_knobs(self):
        r = self.rk
        shapes = ["team", "midsize", "enterprise", "consultancy"]
        shape = shapes[(self.seed - 1) % 4]
        days = r.randint(56, 84)
        start = dt.date(2025, 1, 6) + dt.timedelta(days=7 * r.randint(0, 44))
        train_frac = r.uniform(0.6, 0.7)
        k = {
            "shape": shape,
            "days": days,
            "start": start.isoformat(),
            "train_days": int(round(days * train_frac)),
            "v6_share": round(r.uniform(0.1, 0.55), 3),
            "mobile_share": round(r.uniform(0.04, 0.18), 3),
            "office_share": round(r.uniform(0.2, 0.75), 3),
            "commercial_vpn_users": round(r.uniform(0.02, 0.1), 3),
            "home_renumber_rate": round(r.uniform(0.005, 0.04), 4),
            "travel_rate": round(r.uniform(0.05, 0.2), 3),
            "new_hire_rate": round(r.uniform(0.03, 0.1), 3),
            "leaver_rate": round(r.uniform(0.02, 0.07), 3),
            "dormant_rate": round(r.uniform(0.05, 0.12), 3),
            "unoffboarded_share": round(r.uniform(0.2, 0.5), 3),
            "automation": round(r.uniform(0.8, 1.4), 3),
            "collect_every_h": r.choice([1, 1, 6, 24]),
            "release_day": r.randint(int(days * 0.3), int(days * 0.8)),
            "burst_day_p": round(r.uniform(0.02, 0.06), 3),
            "weekend_work": round(r.uniform(0.02, 0.12), 3),
            "lookalike_rate": round(r.uniform(0.8, 1.3), 3),
        }
        if shape == "team":
            k.update(orgs=1, people=r.randint(15, 30), sase=False, tenant="default")
        elif shape == "midsize":
            k.update(orgs=1, people=r.randint(60, 130), sase=r.random() < 0.4, tenant="default")
        elif shape == "enterprise":
            k.update(orgs=r.randint(3, 5), people=r.randint(220, 380), sase=True, tenant="enterprise")
        else:
            k.update(orgs=r.randint(5, 8), people=r.randint(40, 70), sase=False, tenant="default")
        k["incidents_per_scenario"] = {"team": 2, "midsize": 3, "enterprise": 4, "consultancy": 3}[shape]
        self.k = k
        self.start_di = di_of(start)
        self.days = days
        self.end_di = self.start_di + days          # exclusive
        self.test_di = self.start_di + k["train_days"]
        self.t0 = self.start_di * DAY
        self.t_end = self.end_di * DAY
        self.t_test = self.test_di * DAY

    def log(self, *a):
        if not self.quiet:
            print(*a, file=sys.stderr)

    # ------------------------------------------------------------------ people
    def new_person_name(self, used):
        r = self.rw
        while True:
            f, l = r.choice(FIRST), r.choice(LAST)
            base = (f[0] + l).lower()
            if r.random() < 0.3:
                base = (f + l[0]).lower()
            if r.random() < 0.15:
                base = (f + "-" + l).lower()
            h = base
            n = 1
            while h in used:
                n += 1
                h = base + str(n)
            used[h] = 1
            return h, f + " " + l

    def make_actor(self, handle, display, kind, role, zone, created):
        created += self.rw.randint(0, DAY - 1)
        a = Actor(id=self.ids.new("u", created), handle=handle, display=display, kind=kind, role=role, zone=zone,
                  country=ZONES[zone][2], acct_created=created, orgs=[], org_w=[])
        a.avatar = "https://pipes.turbot.com/api/v0/identity/%s/avatar?v=%d" % (handle, self.rw.randint(1, 90))
        a.make_uobj()
        self.actors.append(a)
        return a

    def habits_for(self, a, org):
        r = self.rw
        k = self.k
        role = a.role if a.role in ROLE_ACTIVITY else "developer"
        p, med = ROLE_ACTIVITY[role]
        h = {
            "active_p": min(0.95, max(0.03, p * math.exp(r.gauss(0, 0.45)))),
            "rate_mu": math.log(med) + r.gauss(0, 0.45),
            "rate_sigma": r.uniform(0.4, 0.8),
            "start_h": min(12.5, max(5.5, r.gauss(9.0, 1.1))) if r.random() > 0.15 else r.uniform(11, 14),
            "span_h": r.uniform(6.5, 10.5),
            "weekend_p": k["weekend_work"] * math.exp(r.gauss(0, 0.9)),
            "evening_p": r.uniform(0.0, 0.12),
            "sessions_mu": r.uniform(1.2, 2.8),
            "gap_mean": r.uniform(40, 240),
            "office": (r.random() < k["office_share"]) and bool(org.offices),
            "office_days": sorted(r.sample(range(5), r.randint(2, 5))),
            "v6": r.random() < k["v6_share"],
            "mobile_p": min(0.6, k["mobile_share"] * math.exp(r.gauss(0, 0.7))),
            "corpvpn_p": r.uniform(0, 0.5) if org.corp_vpn else 0.0,
            "cvpn_p": r.uniform(0.3, 0.9) if r.random() < k["commercial_vpn_users"] else 0.0,
            "renumber_p": k["home_renumber_rate"] * math.exp(r.gauss(0, 0.8)),
        }
        a.habits = h
        base = ROLE_MIX.get(a.role, ROLE_MIX["developer"])
        items, ws = [], []
        top = max(base.values())
        for t, w in base.items():
            if w < top and r.random() < 0.25:
                continue
            items.append(t)
            ws.append(w * math.exp(r.gauss(0, 0.7)))
        a.mix_items, a.mix_w = items, ws
        a.mix = sum(ws)

    def assign_home(self, a):
        r = self.rw
        isp = self.net.pick(r, a.country, HOME)
        carrier = self.net.pick(r, a.country, MOBILE)
        a.home = {"isp": isp, "carrier": carrier, "v4": isp.ip4(r),
                  "p64": isp.prefix64(r) if isp.v6 is not None else None}

    # ------------------------------------------------------------------ build
    def build(self):
        k = self.k
        r = self.rw
        used = {}
        tenant = DEFAULT_TENANT if k["tenant"] == "default" else self.ids.new("t", self.t0 - 900 * DAY)
        hq_zones = [z for z in ZONES]
        main_zone = r.choice(["America/New_York", "America/Los_Angeles", "Europe/London", "Europe/Berlin",
                              "Australia/Melbourne", "Asia/Singapore", "America/Chicago", "Asia/Kolkata"])
        self.system = self.make_actor("turbot-pipes", "Turbot Pipes", "system", "system", "America/New_York",
                                      self.t0 - 1400 * DAY)
        self.ghosts = []
        for _ in range(max(3, k["people"] // 12)):
            h, d = self.new_person_name(used)
            g = self.make_actor(h, d, "ghost", "former", main_zone, self.t0 - r.randint(500, 1500) * DAY)
            self.ghosts.append(g)
        # organisations
        n_orgs = k["orgs"]
        words = r.sample(ORG_WORDS, n_orgs + 1)
        for i in range(n_orgs):
            hz = main_zone if (i == 0 or r.random() < 0.5) else r.choice(hq_zones)
            handle = words[i] + r.choice(ORG_SUFFIX)
            created = self.t0 - r.randint(200, 1000) * DAY
            founder = r.choice(self.ghosts)
            o = Org(self.ids.new("o", created), handle, tenant, created, founder,
                    r.choice(["my_logs", "pipes_audit", handle.replace("-", "_") + "_audit", "org_" + handle.replace("-", "_")]),
                    hz)
            o.res = Res("org", o.id, handle, o, None, created, founder,
                        {"display_name": handle.replace("-", " ").title(), "url": "", "plan_id": r.choice(["team", "enterprise"]),
                         "usage_compute_action": "notify", "avatar_url": "https://pipes.turbot.com/api/v0/identity/%s/avatar?v=3" % handle})
            o.res.version = r.randint(3, 40)
            self.orgs.append(o)
            # offices: 1-3 office NATs in org countries
            hc = ZONES[hz][2]
            n_off = 1 if k["shape"] == "team" else r.randint(1, 3)
            for j in range(n_off):
                c = hc if j == 0 else ZONES[r.choice(hq_zones)][2]
                biz = self.net.pick(r, c, BUSINESS) if self.net.by_country.get((c, BUSINESS)) else self.net.pick(r, c, HOME)
                base = biz.ip4(r)
                pre = base.rsplit(".", 1)[0]
                o.offices.append((c, ["%s.%d" % (pre, r.randint(2, 250)) for _ in range(r.randint(1, 4))]))
            if k["shape"] != "team" or r.random() < 0.4:
                region = {"US": "aws-us-east-1", "CA": "aws-us-east-1", "AU": "aws-ap-southeast-2", "SG": "aws-ap-southeast-2",
                          "IN": "aws-ap-southeast-2"}.get(hc, "aws-eu-west-1")
                o.corp_vpn = [self.net.cloud[region].ip4(r) for _ in range(r.randint(1, 3))]
            o.sase = k["sase"] and r.random() < 0.8
        self.tenant = tenant
        self.build_people(used, main_zone)
        self.build_bots(used)
        self.build_resources()
        self.automation_floor()

    def build_people(self, used, main_zone):
        k = self.k
        r = self.rw
        orgs = self.orgs
        n = k["people"]
        # org weights for the home org of each person
        if k["shape"] == "enterprise":
            ow = [5.0] + [r.uniform(0.6, 2.0) for _ in orgs[1:]]
        else:
            ow = [1.0 + r.random() for _ in orgs]
        staff_n = 0
        if k["shape"] == "consultancy":
            staff_n = r.randint(9, 18)
        # every organisation has at least an admin, a platform engineer, a security engineer and an analyst
        plan = []
        for o in orgs:
            forced = ["admin", "platform", "secops", "analyst"] + (["admin"] if n / len(orgs) > 40 else [])
            plan += [(o, ro) for ro in forced]
        for i in range(n + staff_n):
            consultant = i >= n
            if i < len(plan) and not consultant:
                home_org, role = plan[i]
            else:
                role = wchoice(r, [x for x, _ in ROLE_PLAN], [w for _, w in ROLE_PLAN])
                home_org = orgs[0] if consultant else wchoice(r, orgs, ow)
            if r.random() < 0.75:
                zone = home_org.hq_zone
            else:
                zone = r.choice(list(ZONES))
            if consultant:
                role = r.choice(["platform", "secops", "admin", "developer", "secops"])
            created = self.t0 - r.randint(30, 1500) * DAY
            h, d = self.new_person_name(used)
            a = self.make_actor(h, d, "person", role, zone, created)
            # membership: home org plus, for consultants and some platform people, others
            a.orgs = [home_org]
            a.org_w = [1.0]
            if consultant:
                others = [o for o in orgs[1:]]
                picks = r.sample(others, min(len(others), r.randint(2, 5)))
                a.orgs = picks
                a.org_w = [r.uniform(0.3, 1.5) for _ in picks]
            elif len(orgs) > 1 and role in ("platform", "admin") and r.random() < 0.35:
                extra = [o for o in orgs if o is not home_org]
                for o in r.sample(extra, min(len(extra), r.randint(1, 2))):
                    a.orgs.append(o)
                    a.org_w.append(r.uniform(0.1, 0.5))
            for o in a.orgs:
                o.people.append(a)
            self.habits_for(a, a.orgs[0])
            self.assign_home(a)
            # lifecycle
            x = r.random() if i >= len(plan) else 1.0
            if x < k["new_hire_rate"]:
                a.join_di = self.start_di + r.randint(3, self.days - 5)
                a.acct_created = a.join_di * DAY - r.randint(3600, 5 * 86400)
                a.make_uobj()
                a.notes.append("new_hire")
            elif x < k["new_hire_rate"] + k["leaver_rate"]:
                a.leave_di = self.start_di + r.randint(5, self.days - 3)
                a.notes.append("leaver")
            elif x < k["new_hire_rate"] + k["leaver_rate"] + k["dormant_rate"]:
                a.dormant = True
                a.notes.append("dormant")
            # vacations: blocks of workdays
            a.leave_days = {}
            for _ in range(r.choice([0, 1, 1, 2])):
                s = self.start_di + r.randint(-5, self.days)
                for d in range(s, s + r.randint(3, 12)):
                    a.leave_days[d] = 1
            a.trips = []
            if r.random() < k["travel_rate"] and not a.dormant:
                s = self.start_di + r.randint(0, self.days - 6)
                dest = r.choice([z for z in ZONES if ZONES[z][2] != a.country])
                a.trips.append((s, s + r.randint(2, 6), dest))
        need = k["incidents_per_scenario"]
        pool = [a for a in self.actors if a.kind == "person" and a.role not in ("admin",) and not a.dormant
                and a.join_di is None and a.leave_di is None]
        while sum(1 for a in self.actors if a.kind == "person" and a.dormant) < need and pool:
            a = pool.pop(r.randrange(len(pool)))
            a.dormant = True
            a.notes.append("dormant")
        # the shared contractors' account (odd from the first day)
        self.shared = []
        n_shared = 1 if k["shape"] in ("team", "midsize") else 2
        for j in range(n_shared):
            o = self.orgs[j % len(self.orgs)]
            h = r.choice(["ops-shared", "support-team", "contractor-ops", "noc-shared", "msp-admin"]) + ("" if j == 0 else str(j + 1))
            while h in used:
                h += "x"
            used[h] = 1
            a = self.make_actor(h, h.replace("-", " ").title(), "shared", "platform", o.hq_zone,
                                self.t0 - r.randint(200, 800) * DAY)
            a.orgs, a.org_w = [o], [1.0]
            o.people.append(a)
            self.habits_for(a, o)
            a.habits["office"] = False
            # the humans behind it: in several countries
            users = []
            for _ in range(r.randint(3, 5)):
                z = r.choice(["Asia/Kolkata", "Europe/Warsaw", "America/Sao_Paulo", "Asia/Singapore",
                              "Europe/London", "America/New_York", "Pacific/Auckland"])
                c = ZONES[z][2]
                isp = self.net.pick(r, c, HOME)
                users.append({"zone": z, "isp": isp, "carrier": self.net.pick(r, c, MOBILE), "v4": isp.ip4(r),
                              "start_h": r.uniform(7, 13), "active_p": r.uniform(0.3, 0.7)})
            a.extra["users"] = users
            a.notes.append("shared_account")
            self.shared.append(a)

    def build_bots(self, used):
        k = self.k
        r = self.rw
        self.bots = []
        for oi, o in enumerate(self.orgs):
            size = len(o.people)

            def mk(handle, display, role, zone):
                hh = handle
                while hh in used:
                    hh = handle + "-" + str(r.randint(2, 99))
                used[hh] = 1
                b = self.make_actor(hh, display, "bot", role, zone, self.t0 - r.randint(60, 700) * DAY)
                b.orgs, b.org_w = [o], [1.0]
                o.bots.append(b)
                self.bots.append(b)
                return b

            ci = mk(r.choice(["ci-deploy", "github-actions", "gha-pipes", "buildkite-bot"]), "CI Deploy", "ci", o.hq_zone)
            ci.extra.update(provider="azure", runs_lambda=r.uniform(1.5, 7) * k["automation"], weekend=r.random() < 0.3)
            if r.random() < 0.7 or size > 40:
                tf = mk(r.choice(["terraform", "tf-automation", "iac-bot", "atlantis"]), "Terraform Automation",
                        "terraform", o.hq_zone)
                region = r.choice(["aws-us-east-1", "aws-eu-west-1", "aws-us-west-2"])
                tf.extra.update(nat=[self.net.cloud[region].ip4(r) for _ in range(r.randint(1, 2))],
                                region=region, applies_lambda=r.uniform(0.4, 2.5))
                if r.random() < 0.5:   # NAT gateway replaced once during the period
                    tf.extra["nat_change"] = self.start_di + r.randint(5, self.days - 5)
                    tf.extra["nat2"] = [self.net.cloud[region].ip4(r)]
            sch = mk(r.choice(["scheduler", "pipes-scheduler", "reports-bot", "snapshot-bot"]), "Scheduled Reports",
                     "scheduler", o.hq_zone)
            if r.random() < 0.6 or k["shape"] == "team":
                ib = mk(r.choice(["cmdb-sync", "servicenow-sync", "asset-sync", "jira-sync"]), "Asset Sync",
                        "integration", o.hq_zone)
                prov = r.choice(["digitalocean", "hetzner", "gcp"])
                ib.extra.update(ip=self.net.cloud[prov].ip4(r), every_min=r.choice([15, 20, 30, 60]),
                                hours=r.choice([(0, 24), (6, 20)]))
            if oi == 0 or r.random() < 0.35:
                fb = mk(r.choice(["aws-org-sync", "account-onboarder", "conn-autodiscovery"]), "Connection Autodiscovery",
                        "flapping", o.hq_zone)
                fb.extra.update(provider=r.choice(["aws-us-east-1", "aws-us-west-2"]), burst_p=r.uniform(0.2, 0.5))
                fb.notes.append("broken_retry_loop")
            for b in o.bots:
                b.habits = {}
                b.mix = 0

    # ------------------------------------------------------------------ initial resources
    def handle_ws(self, o):
        r = self.rw
        while True:
            if r.random() < 0.6:
                h = "%s-%s" % (r.choice(WS_WORDS), r.choice(WS_WORDS))
            else:
                h = r.choice(WS_WORDS) + (str(r.randint(1, 99)) if r.random() < 0.4 else "")
            parts = h.split("-")
            if len(parts) == 2 and parts[0] == parts[1]:
                continue
            if h not in o.ws_handles:
                o.ws_handles[h] = 1
                return h

    def handle_for(self, kind, o, ws, fields):
        r = self.rr
        if kind == "connection":
            p = fields.get("plugin", "aws")
            while True:
                if p == "aws":
                    h = "aws_%s" % r.choice(["prod", "dev", "stage", "sec", "log", "audit", "shared", "data",
                                             str(r.randint(100000000000, 999999999999))])
                else:
                    h = "%s_%s" % (p, r.choice(["prod", "main", "corp", "dev", "all", "eu", "us", "org", str(r.randint(1, 99))]))
                if h not in o.conn_handles:
                    o.conn_handles[h] = 1
                    return h
                if r.random() < 0.5:
                    h = h + "_" + str(r.randint(2, 999))
                    if h not in o.conn_handles:
                        o.conn_handles[h] = 1
                        return h
        if kind == "aggregator":
            return "all_%s" % r.choice(["aws", "azure", "gcp", "github", "prod", "nonprod", "accounts", "regions"]) + (
                "" if r.random() < 0.6 else "_%d" % r.randint(2, 9))
        if kind == "schema":
            return r.choice(["aws", "azure", "gcp", "github", "k8s", "okta", "net", "prod", "all"]) + "_%s" % r.choice(["all", "prod", "dev", "ro"])
        if kind == "mod":
            return fields.get("alias") or r.choice(MODS)
        if kind == "modvar":
            return r.choice(["common_dimensions", "tag_dimensions", "benchmark_tags", "min_age_days",
                             "approved_regions", "trusted_accounts", "ec2_instance_allowed_types",
                             "ebs_snapshot_max_age_days", "ignore_accounts", "alert_threshold"])
        if kind == "snapshot":
            return "snapshot_%s_%s" % (r.choice(BENCHES), "".join(r.choice(B32) for _ in range(8)))
        if kind == "pipeline":
            return r.choice(["daily", "hourly", "weekly", "nightly", "weekday"]) + "_" + r.choice(BENCHES)
        if kind in ("fp_input", "fp_trigger"):
            return r.choice(["approve", "notify", "detect", "remediate", "correct", "review"]) + "_" + r.choice(
                ["s3_public", "iam_keys", "sg_ingress", "ebs_unencrypted", "untagged", "ec2_stopped", "github_2fa"])
        if kind == "notifier":
            return r.choice(["security", "ops", "alerts", "oncall", "sec-team", "platform", "compliance", "finops", "default"]) + (
                "" if r.random() < 0.5 else "-" + r.choice(["slack", "teams", "email", "webhook", "pager"]))
        if kind == "integration":
            return r.choice(["github", "slack", "msteams", "aws", "gitlab", "email"]) + "_" + r.choice(["main", "corp", "org", "sec"])
        if kind == "datatank":
            return r.choice(["tank", "cache", "warehouse", "inventory", "daily", "assets"]) + ("" if r.random() < 0.5 else str(r.randint(1, 9)))
        if kind == "dt_table":
            return "%s_%s" % (r.choice(["aws", "azure", "gcp", "github", "okta"]), r.choice(
                ["ec2_instance", "s3_bucket", "iam_user", "iam_role", "vpc_security_group", "compute_instance",
                 "repository", "user", "storage_account", "rds_db_instance", "lambda_function"]))
        if kind == "conn_folder":
            return r.choice(["prod", "nonprod", "sandbox", "security", "legacy", "acquired", "eu", "us"])
        return None

    def fields_for(self, kind, rng, o, ws, t):
        if kind == "workspace":
            return {"api_version": self.api_version(t), "cli_version": self.cli_version(t),
                    "database_name": "c%d" % rng.randint(1000, 99999), "desired_state": "running",
                    "instance_type": rng.choice(["db1.shared", "db1.shared", "db1.small", "db1.medium"]),
                    "host": None}
        if kind == "connection":
            p = wchoice(rng, [x for x, _ in PLUGINS], [w for _, w in PLUGINS])
            return {"plugin": p, "plugin_version": "latest", "type": "connection", "config": {}}
        if kind == "mod":
            alias = rng.choice(MODS)
            return {"alias": alias, "path": "github.com/turbot/steampipe-mod-%s" % alias.replace("_", "-"),
                    "constraint": "*", "installed_version": "v%d.%d.%d" % (rng.randint(0, 2), rng.randint(0, 40), rng.randint(0, 5))}
        if kind == "snapshot":
            return {"visibility": "workspace", "dashboard_name": rng.choice(BENCHES), "schema_version": "20221222",
                    "tags": {}}
        if kind == "pipeline":
            return {"title": rng.choice(BENCHES).replace("_", " ").title(), "pipeline": "pipeline.snapshot_dashboard",
                    "frequency": {"type": "interval", "schedule": rng.choice(["hourly", "daily", "weekly"])},
                    "args": {"resource": rng.choice(BENCHES)}, "last_process_id": None}
        if kind == "notifier":
            return {"kind": rng.choice(["slack", "slack", "msteams", "email", "webhook"]), "precedence": "required"}
        if kind == "integration":
            return {"type": rng.choice(["github", "slack", "msteams", "aws", "gitlab"]), "config": {}}
        if kind == "datatank":
            return {"description": "", "desired_state": "enabled", "part_per": "connection"}
        if kind == "dt_table":
            return {"type": "table", "part_per": "connection", "frequency": {"type": "interval", "schedule": "daily"}}
        if kind == "token":
            return {"description": rng.choice(["cli", "laptop", "tailpipe", "steampipe", "ci", "terraform", "powerpipe", "api", ""]),
                    "last4": "".join(rng.choice("0123456789abcdef") for _ in range(4)), "status": "active",
                    "expires_at": None}
        if kind in ("conn_perm",):
            return {"permission": rng.choice(["use", "use", "manage"])}
        if kind == "payment":
            return {"brand": rng.choice(["visa", "mastercard", "amex"]), "last4": "%04d" % rng.randint(0, 9999)}
        return {}

    def api_version(self, t):
        return "1.9.2" if t >= (self.start_di + self.k["release_day"]) * DAY else "1.8.13"

    def cli_version(self, t):
        return "0.21.4" if t >= (self.start_di + self.k["release_day"]) * DAY else "0.19.5"

    def new_res(self, kind, o, ws, ts, creator, rng, fields=None, handle=None):
        f = self.fields_for(kind, rng, o, ws, ts)
        if fields:
            f.update(fields)
        if handle is None:
            handle = self.handle_ws(o) if kind == "workspace" else self.handle_for(kind, o, ws, f)
        rr = Res(kind, self.ids.new(ID_PREFIX.get(kind, "x"), ts), handle, o, ws, ts, creator, f)
        if kind == "workspace":
            rr.pools = {}
            rr.members = {}
            rr.state = "running"
        if kind in ("connection", "integration", "notifier", "datatank", "pipeline", "token"):
            rr.state = "active" if kind != "datatank" else "enabled"
        return rr

    def attach(self, rr):
        if rr.kind in WS_KINDS:
            rr.ws.pools.setdefault(rr.kind, []).append(rr)
        else:
            rr.org.pool(rr.kind).append(rr)

    def build_resources(self):
        r = self.rw
        self.scheduled = []      # pipelines with schedules
        self.tables = []         # datatank tables with refresh
        self.integrations = []
        for o in self.orgs:
            people = [a for a in o.people if a.kind == "person"]
            creators = [a for a in people if a.role in ("admin", "platform")] or people or [o.creator]
            old_t = lambda: self.t0 - r.randint(10, 600) * DAY - r.randint(0, DAY)

            def who():
                if r.random() < 0.25:
                    return r.choice(self.ghosts)
                return r.choice(creators)

            # memberships
            for a in o.people:
                t = a.acct_created + r.randint(0, 3 * DAY) if a.join_di is None else None
                if t is None:
                    continue
                m = self.new_res("org_member", o, None, min(t, self.t0 - DAY), who(), r,
                                 {"user_id": a.id, "user_handle": a.handle,
                                  "role": "owner" if a.role == "admin" or (a.kind == "shared" and r.random() < 0.5) else "member",
                                  "status": "accepted", "email": None}, handle=a.handle)
                m.state = "accepted"
                o.members[a.id] = m
                self.attach(m)
            for b in o.bots:
                m = self.new_res("org_member", o, None, b.acct_created + 3600, who(), r,
                                 {"user_id": b.id, "user_handle": b.handle,
                                  "role": "owner" if b.role in ("terraform", "flapping") else "member",
                                  "status": "accepted", "email": None}, handle=b.handle)
                m.state = "accepted"
                o.members[b.id] = m
                self.attach(m)
            n_ws = max(3, min(45, int(len(o.people) / 3.5) + r.randint(1, 4)))
            wss = []
            for _ in range(n_ws):
                w = self.new_res("workspace", o, None, old_t(), who(), r)
                w.version = r.randint(2, 30)
                w.fields["scratch"] = False
                if r.random() < 0.2:
                    w.fields["scratch"] = True
                self.attach(w)
                wss.append(w)
            # connections and associations
            conns = []
            for _ in range(int(n_ws * r.uniform(2, 5)) + 3):
                c = self.new_res("connection", o, None, old_t(), who(), r)
                c.version = r.randint(1, 12)
                self.attach(c)
                conns.append(c)
            for w in wss:
                for c in r.sample(conns, min(len(conns), r.randint(2, 8))):
                    wc = self.new_res("ws_conn", o, w, max(c.created_at, w.created_at) + 600, c.creator, r,
                                      {"connection_id": c.id, "connection_handle": c.handle}, handle=c.handle)
                    self.attach(wc)
                for kind, lo, hi in (("aggregator", 0, 3), ("schema", 0, 2), ("mod", 1, 5), ("modvar", 0, 6),
                                     ("snapshot", 2, 12), ("datatank", 0, 1), ("fp_input", 0, 2)):
                    for _ in range(r.randint(lo, hi)):
                        x = self.new_res(kind, o, w, max(w.created_at + 300, old_t()), who(), r)
                        self.attach(x)
                        if kind == "datatank":
                            for _ in range(r.randint(1, 4)):
                                tb = self.new_res("dt_table", o, w, x.created_at + 600, x.creator, r,
                                                  {"datatank_id": x.id, "datatank_handle": x.handle})
                                self.attach(tb)
                                if r.random() < 0.45:
                                    self.tables.append((tb, r.choice([60, 180, 360, 720, 1440, 1440])))
            for _ in range(r.randint(1, 2 + len(o.people) // 30)):
                self.attach(self.new_res("notifier", o, None, old_t(), who(), r))
            for _ in range(r.randint(1, 3)):
                ig = self.new_res("integration", o, None, old_t(), who(), r)
                self.attach(ig)
                self.integrations.append(ig)
            for _ in range(r.randint(1, 3)):
                self.attach(self.new_res("conn_folder", o, None, old_t(), who(), r))
            for _ in range(r.randint(2, 10)):
                c = r.choice(conns)
                self.attach(self.new_res("conn_perm", o, None, max(c.created_at, old_t()), who(), r,
                                         {"connection_id": c.id, "connection_handle": c.handle}, handle=c.handle))
            self.attach(self.new_res("payment", o, None, o.created + 3600, o.creator, r))
            # workspace memberships
            for a in o.people:
                k = max(1, min(len(wss), int(r.expovariate(1 / 3.0)) + 1))
                favs = r.sample(wss, k)
                a.favs[o.id] = favs
                if a.id not in o.members:
                    continue
                for w in favs:
                    self.add_ws_member(o, w, a, r.choice(["reader", "operator", "admin", "owner"]) if a.role != "viewer" else "reader",
                                       max(w.created_at, a.acct_created) + 3600, who())
            for b in o.bots:
                k = max(1, min(len(wss), r.randint(2, 8)))
                favs = r.sample(wss, k)
                b.favs[o.id] = favs
                for w in favs:
                    self.add_ws_member(o, w, b, "owner" if b.role != "scheduler" else "operator", b.acct_created + 7200, who())
            # scheduled pipelines
            owners = [b for b in o.bots if b.role == "scheduler"] + [a for a in o.people if a.role in ("secops", "platform", "admin")
                                                                     and a.kind == "person" and not a.dormant and a.join_di is None]
            n_pl = int((3 + len(o.people) / 5.0) * self.k["automation"] * r.uniform(0.7, 1.3))
            if self.k["shape"] == "team":
                n_pl = int(n_pl * 2.2) + 10
            if self.k["shape"] == "consultancy":
                n_pl = int(n_pl * 1.2) + 2
            for _ in range(max(2, n_pl)):
                owner = owners[0] if (r.random() < 0.45 or len(owners) == 1) else r.choice(owners[1:])
                w = r.choice(owner.favs.get(o.id) or wss)
                p = self.new_res("pipeline", o, w, old_t(), owner, r)
                freq = wchoice(r, ["hourly", "6h", "daily", "weekday", "weekly"], [0.25, 0.15, 0.4, 0.12, 0.08])
                p.fields["frequency"] = {"type": "interval", "schedule": freq}
                self.attach(p)
                self.scheduled.append({"p": p, "freq": freq, "minute": r.randint(0, 59), "hour": r.randint(0, 23),
                                       "wday": r.randint(0, 6), "end": None, "tag": None})

    def automation_floor(self):
        """Small teams lean on scheduled reports: keep the platform's scheduled work at least
        at a level where the log holds a realistic stream of pipeline runs."""
        r = self.rw
        per_day = {"hourly": 24, "6h": 4, "daily": 1, "weekday": 5 / 7.0, "weekly": 1 / 7.0}
        est = sum(per_day[s["freq"]] for s in self.scheduled) * self.days
        o = self.orgs[0]
        sch = [b for b in o.bots if b.role == "scheduler"][0]
        while est < 16000:
            w = r.choice(sch.favs.get(o.id) or o.pool("workspace"))
            p = self.new_res("pipeline", o, w, self.t0 - r.randint(10, 300) * DAY, sch, r)
            p.fields["frequency"] = {"type": "interval", "schedule": "hourly"}
            self.attach(p)
            self.scheduled.append({"p": p, "freq": "hourly", "minute": r.randint(0, 59), "hour": 0, "wday": 0,
                                   "end": None, "tag": None})
            est += 24 * self.days

    def add_ws_member(self, o, w, a, role, t, creator):
        m = self.new_res("ws_member", o, w, t, creator, self.rw,
                         {"user_id": a.id, "user_handle": a.handle, "role": role, "status": "accepted"}, handle=a.handle)
        m.state = "accepted"
        w.members[a.id] = m
        self.attach(m)
        return m

    # ------------------------------------------------------------------ intents
    def add(self, ts, actor, org, action, opts=None, ip=None, proc=False, tag=None):
        if ts < self.t0 or ts >= self.t_end:
            return False
        self.seq += 1
        self.intents.append((int(ts), self.seq, actor, org, action, opts or {}, ip, proc, tag))
        return True

    def present(self, a, di):
        if a.join_di is not None and di < a.join_di:
            return False
        if a.leave_di is not None and di > a.leave_di:
            return False
        return True

    def trip_on(self, a, di):
        for s, e, z in a.trips or ():
            if s <= di < e:
                return z
        return None

    def home_ip(self, a, di, rng):
        """Home address of a person on a day: IPv4 that renumbers now and then, or an IPv6
        privacy address that changes every day inside a stable /64."""
        h = a.home
        chg = a.extra.get("isp_change")
        if chg is not None and di >= chg and not a.extra.get("isp_done"):
            h["isp"] = a.extra["isp_next"]
            h["v4"] = h["isp"].ip4(rng)
            h["p64"] = h["isp"].prefix64(rng) if h["isp"].v6 is not None else None
            a.extra["isp_done"] = True
        last = h.get("di")
        if last is None or di != last:
            steps = 1 if last is None else max(1, di - last)
            for _ in range(min(steps, 30)):
                if rng.random() < a.habits["renumber_p"]:
                    h["v4"] = h["isp"].ip4(rng)
                    if h["p64"] is not None and rng.random() < 0.5:
                        h["p64"] = h["isp"].prefix64(rng)
            h["di"] = di
            h["v6today"] = Pool.ip6(h["p64"], rng) if h["p64"] is not None else None
        if a.habits["v6"] and h["v6today"] is not None and rng.random() < 0.85:
            return h["v6today"]
        return h["v4"]

    def session_ip(self, a, org, di, rng, weekday):
        hb = a.habits
        net = self.net
        trip = self.trip_on(a, di)
        if trip:
            x = rng.random()
            if x < 0.35 and org.corp_vpn:
                return rng.choice(org.corp_vpn)
            if x < 0.55:   # roaming mobile data egresses through the home carrier
                return a.home["carrier"].ip4(rng)
            hotel = a.extra.get("hotel")
            if hotel is None or hotel[0] != trip:
                hotel = (trip, net.pick(rng, ZONES[trip][2], HOME).ip4(rng))
                a.extra["hotel"] = hotel
            return hotel[1] if rng.random() < 0.7 else net.pick(rng, ZONES[trip][2], HOME).ip4(rng)
        if hb["cvpn_p"] and rng.random() < hb["cvpn_p"]:
            return rng.choice(net.vpn_exits)
        if hb["office"] and weekday in hb["office_days"] and rng.random() < 0.85:
            offices = [ips for c, ips in org.offices if c == a.country] or [org.offices[0][1]]
            return rng.choice(offices[0])
        if org.sase and rng.random() < 0.75:
            return rng.choice(net.sase_nodes[:30] if ZONES[a.zone][0] < 0 else net.sase_nodes[30:])
        if rng.random() < hb["mobile_p"]:
            return a.home["carrier"].ip4(rng)
        if hb["corpvpn_p"] and rng.random() < hb["corpvpn_p"]:
            return rng.choice(org.corp_vpn)
        return self.home_ip(a, di, rng)

    def pick_org(self, a, rng):
        if len(a.orgs) == 1:
            return a.orgs[0]
        return wchoice(rng, a.orgs, a.org_w)

    def person_action(self, a, rng, t):
        act = wchoice(rng, a.mix_items, a.mix_w, a.mix)
        if act in NEW_API and t < (self.start_di + self.k["release_day"]) * DAY:
            act = "workspace.snapshot.create" if "snapshot" in " ".join(a.mix_items) else a.mix_items[0]
        return act

    def gen_people(self):
        rng = self.ra
        k = self.k
        for a in self.actors:
            if a.kind != "person":
                continue
            hb = a.habits
            for di in range(self.start_di - 1, self.end_di + 1):
                if not self.present(a, di):
                    continue
                if a.dormant:
                    continue
                date = date_of(di)
                trip = self.trip_on(a, di)
                zone = trip or a.zone
                wd = date.weekday()
                off = a.leave_days.get(di) or is_holiday(a.country, date)
                p = hb["weekend_p"] if wd >= 5 else hb["active_p"]
                if off:
                    p *= 0.04
                if trip:
                    p *= 0.6
                if a.join_di is not None and di - a.join_di < 10:
                    p = min(0.95, p * 1.4)
                if rng.random() >= p:
                    continue
                n = max(1, int(round(math.exp(rng.gauss(hb["rate_mu"], hb["rate_sigma"])))))
                if rng.random() < k["burst_day_p"]:
                    n *= rng.randint(3, 6)
                self.person_day(a, di, zone, wd, n, rng)

    def person_day(self, a, di, zone, wd, n, rng, hours=None, acts=None, tag=None, ip=None, org=None):
        hb = a.habits
        base = local_midnight_utc(zone, di)
        n_s = max(1, min(n, int(round(rng.expovariate(1 / hb["sessions_mu"]))) + 1))
        per = [0] * n_s
        for i in range(n):
            per[rng.randrange(n_s)] += 1
        for s in range(n_s):
            if per[s] == 0:
                continue
            if hours is not None:
                st = hours[0] + rng.random() * (hours[1] - hours[0])
            elif rng.random() < hb["evening_p"]:
                st = rng.uniform(19, 23.3)
            else:
                st = hb["start_h"] + rng.random() * max(0.5, hb["span_h"] - 0.5) + rng.gauss(0, 0.3)
            t = base + int(st * 3600)
            o = org or self.pick_org(a, rng)
            sip = ip or self.session_ip(a, o, di, rng, wd)
            for j in range(per[s]):
                act = acts[rng.randrange(len(acts))] if acts else self.person_action(a, rng, t)
                self.add(t, a, o, act, None, sip, ACTIONS[act][2], tag)
                gap = rng.expovariate(1 / hb["gap_mean"])
                if rng.random() < 0.12:
                    gap += rng.uniform(300, 2400)
                t += int(gap) + 5

    def gen_shared(self):
        rng = self.ra
        for a in self.shared:
            o = a.orgs[0]
            for di in range(self.start_di - 1, self.end_di + 1):
                wd = date_of(di).weekday()
                for u in a.extra["users"]:
                    p = u["active_p"] * (0.35 if wd >= 5 else 1.0)
                    if rng.random() >= p:
                        continue
                    n = max(1, int(round(math.exp(rng.gauss(1.3, 0.7)))))
                    base = local_midnight_utc(u["zone"], di)
                    t = base + int((u["start_h"] + rng.random() * 9) * 3600)
                    ip = u["v4"] if rng.random() < 0.7 else u["carrier"].ip4(rng)
                    if rng.random() < 0.02:
                        u["v4"] = u["isp"].ip4(rng)
                    for _ in range(n):
                        act = self.person_action(a, rng, t)
                        self.add(t, a, o, act, None, ip, ACTIONS[act][2], None)
                        t += int(rng.expovariate(1 / 120.0)) + 10
                    if di >= self.test_di:
                        self.lookalike_days.append((a.id, (t - 1) // DAY, "shared_account_routine"))

    def gen_bots(self):
        rng = self.ra
        net = self.net
        for b in self.bots:
            o = b.orgs[0]
            favs = b.favs.get(o.id) or []
            for di in range(self.start_di - 1, self.end_di + 1):
                date = date_of(di)
                wd = date.weekday()
                base = local_midnight_utc(b.zone, di)
                if b.role == "ci":
                    if wd >= 5 and not b.extra.get("weekend"):
                        continue
                    lam = b.extra["runs_lambda"] * (0.2 if wd >= 5 else 1.0)
                    prov = b.extra.get("provider_override", {}).get(di, b.extra["provider"]) if b.extra.get("provider_override") else b.extra["provider"]
                    for _ in range(self.poisson(rng, lam)):
                        t = base + int(rng.uniform(8, 19.5) * 3600)
                        ip = net.cloud[prov].ip4(rng)
                        w = rng.choice(favs) if favs else None
                        for _ in range(rng.randint(1, 4)):
                            act = wchoice(rng, ["workspace.mod.update", "workspace.mod.install",
                                                "workspace.mod.variable.setting.update", "pipeline.update",
                                                "workspace.snapshot.create", "workspace.mod.variable.setting.create"],
                                          [0.4, 0.05, 0.3, 0.1, 0.1, 0.05])
                            self.add(t, b, o, act, {"ws": w}, ip, ACTIONS[act][2], None)
                            t += rng.randint(5, 90)
                elif b.role == "terraform":
                    if wd >= 5:
                        continue
                    for _ in range(self.poisson(rng, b.extra["applies_lambda"])):
                        t = base + int(rng.uniform(9, 18.5) * 3600)
                        nat = b.extra["nat"] if di < b.extra.get("nat_change", 10 ** 9) else b.extra["nat2"]
                        ip = rng.choice(nat)
                        for _ in range(rng.randint(2, 12)):
                            act = wchoice(rng, ["connection.create", "connection.update", "connection.delete",
                                                "workspace.connection.associate", "workspace.connection.dissociate",
                                                "workspace.aggregator.update", "org.workspace.member.add",
                                                "org.workspace.member.update", "connection.permission.create",
                                                "workspace.update", "workspace.aggregator.create"],
                                          [1.5, 3, 0.5, 1.5, 0.4, 1.5, 0.6, 0.4, 0.6, 0.4, 0.3])
                            self.add(t, b, o, act, {"ws": rng.choice(favs) if favs else None}, ip, False, None)
                            t += rng.randint(1, 20)
                elif b.role == "integration":
                    ev = b.extra["every_min"] * 60
                    h0, h1 = b.extra["hours"]
                    t = di * DAY + h0 * 3600 + rng.randint(0, ev)
                    while t < di * DAY + h1 * 3600:
                        if rng.random() < 0.97:   # a few runs fail and leave no record
                            act = "datatank.table.update" if rng.random() < 0.8 else "datatank.table.create"
                            self.add(t, b, o, act, {"ws": favs[0] if favs else None}, b.extra["ip"], False, None)
                        t += ev + rng.randint(-30, 60)
                elif b.role == "flapping":
                    # a retry loop that creates and deletes the same connection, from the first day
                    if rng.random() < b.extra["burst_p"]:
                        t = di * DAY + rng.randint(0, DAY - 3600)
                        ip = net.cloud[b.extra["provider"]].ip4(rng)
                        for _ in range(rng.randint(3, 25)):
                            self.add(t, b, o, "connection.create", {"flap": True}, ip, False, None)
                            t += rng.randint(20, 200)
                            self.add(t, b, o, "connection.delete", {"flap": True}, ip, False, None)
                            t += rng.randint(60, 900)
                        if di >= self.test_di:
                            self.lookalike_days.append((b.id, di, "flapping_integration"))
                    elif rng.random() < 0.5:
                        t = di * DAY + rng.randint(0, DAY - 600)
                        ip = net.cloud[b.extra["provider"]].ip4(rng)
                        self.add(t, b, o, "connection.update", None, ip, False, None)
                elif b.role == "scheduler":
                    if wd < 5 and rng.random() < 0.1:   # someone uses the bot's token by hand now and then
                        t = base + int(rng.uniform(9, 17) * 3600)
                        act = rng.choice(["pipeline.update", "pipeline.create", "pipeline.command.run"])
                        self.add(t, b, o, act, None, rng.choice(net.platform) if act == "pipeline.command.run" else net.cloud["aws-us-east-1"].ip4(rng),
                                 ACTIONS[act][2], None)

    @staticmethod
    def poisson(rng, lam):
        if lam <= 0:
            return 0
        L = math.exp(-lam)
        k = 0
        p = 1.0
        while True:
            p *= rng.random()
            if p < L:
                return k
            k += 1

    def gen_platform(self):
        """The platform's own asynchronous work: scheduled pipelines, datatank refreshes,
        integration refreshes, weekly workspace upgrades, inactivity warnings."""
        rng = self.ra
        plat = self.net.platform
        for s in self.scheduled:
            p = s["p"]
            owner = p.creator
            freq = s["freq"]
            for di in range(self.start_di, self.end_di):
                wd = date_of(di).weekday()
                if freq == "hourly":
                    times = [di * DAY + h * 3600 + s["minute"] * 60 for h in range(24)]
                elif freq == "6h":
                    times = [di * DAY + h * 3600 + s["minute"] * 60 for h in range(s["hour"] % 6, 24, 6)]
                elif freq == "daily":
                    times = [di * DAY + s["hour"] * 3600 + s["minute"] * 60]
                elif freq == "weekday":
                    times = [di * DAY + s["hour"] * 3600 + s["minute"] * 60] if wd < 5 else []
                else:
                    times = [di * DAY + s["hour"] * 3600 + s["minute"] * 60] if wd == s["wday"] else []
                for t in times:
                    if s["end"] is not None and t >= s["end"]:
                        break
                    if rng.random() < 0.985:
                        t2 = t + rng.randint(3, 150)
                        self.add(t2, owner, p.org, "workspace.snapshot.create", {"ws": p.ws, "pipeline": p},
                                 rng.choice(plat), True, s["tag"])
        for tb, every in self.tables:
            off = rng.randint(0, every * 60)
            t = self.t0 + off
            while t < self.t_end:
                self.add(t + rng.randint(0, 40), self.system, tb.org, "datatank.part.update", {"target": tb},
                         rng.choice(plat), True, None)
                t += every * 60
        for ig in self.integrations:
            every = rng.choice([6, 12, 24]) * 3600
            t = self.t0 + rng.randint(0, every)
            while t < self.t_end:
                self.add(t + rng.randint(0, 120), self.system, ig.org, "integration.refresh", {"target": ig},
                         rng.choice(plat), True, None)
                t += every
        for o in self.orgs:
            wss = list(o.pool("workspace"))
            for di in range(self.start_di, self.end_di):
                if date_of(di).weekday() == 1:   # weekly maintenance window
                    for w in wss:
                        if rng.random() < 0.9:
                            self.add(di * DAY + rng.randint(3600, 5 * 3600), self.system, o, "workspace.upgrade",
                                     {"target": w}, rng.choice(plat), True, None)
            scratch = [w for w in wss if w.fields.get("scratch")]
            for w in scratch:
                if rng.random() < 0.6:
                    d = self.start_di + rng.randint(0, self.days - 1)
                    self.add(d * DAY + rng.randint(0, DAY - 1), self.system, o, "workspace.inactive.warn", {"target": w},
                             rng.choice(plat), False, None)
                    if rng.random() < 0.6:
                        d2 = d + 7
                        self.add(d2 * DAY + rng.randint(0, DAY - 1), self.system, o, "workspace.inactive.disable",
                                 {"target": w}, rng.choice(plat), False, None)
                        # someone notices and turns usage back on
                        if rng.random() < 0.5 and o.people:
                            a = rng.choice(o.people)
                            if a.kind == "person" and not a.dormant:
                                d3 = d2 + rng.randint(1, 10)
                                t3 = local_midnight_utc(a.zone, d3) + int((a.habits["start_h"] + rng.random() * 6) * 3600)
                                self.add(t3, a, o, "workspace.usage.enable", {"target": w},
                                         self.session_ip(a, o, d3, rng, date_of(d3).weekday()), False, None)

    def gen_lifecycle(self):
        """New hires are added by an admin; leavers are removed (or forgotten)."""
        rng = self.ra
        for o in self.orgs:
            admins = [a for a in o.people if a.role == "admin" and a.kind == "person" and not a.dormant] or \
                     [a for a in o.people if a.kind == "person" and not a.dormant][:1]
            if not admins:
                continue
            # hires arrive in cohorts on Mondays: group them
            for a in o.people:
                if a.kind != "person":
                    continue
                if a.join_di is not None:
                    adm = rng.choice(admins)
                    if not self.present(adm, a.join_di):
                        continue
                    t = local_midnight_utc(adm.zone, a.join_di) + int((adm.habits["start_h"] + rng.random() * 3) * 3600)
                    t = max(t, a.acct_created + 60)
                    ip = self.session_ip(adm, o, a.join_di, rng, date_of(a.join_di).weekday())
                    self.add(t, adm, o, "org.member.add", {"user": a, "role": "member"}, ip, False, "onboard")
                    ta = t + rng.randint(300, 6 * 3600)
                    self.add(ta, a, o, "org.member.update", {"user": a, "accept": True},
                             self.session_ip(a, o, ta // DAY, rng, date_of(ta // DAY).weekday()), False, "onboard")
                    for w in (a.favs.get(o.id) or [])[:3]:
                        t += rng.randint(20, 300)
                        self.add(t, adm, o, "org.workspace.member.add", {"user": a, "ws": w, "role": "operator"}, ip, False, "onboard")
                    if a.join_di >= self.test_di:
                        self.lookalike_days.append((adm.id, (t // DAY), "onboarding_wave"))
                        self.lookalike_days.append((a.id, a.join_di, "new_hire"))
                        self.lookalike_days.append((a.id, a.join_di + 1, "new_hire"))
                if a.leave_di is not None:
                    if rng.random() < self.k["unoffboarded_share"]:
                        a.notes.append("not_offboarded")
                        continue
                    d = a.leave_di + rng.randint(1, 12)
                    adm = rng.choice(admins)
                    if adm is a or not self.present(adm, d):
                        continue
                    t = local_midnight_utc(adm.zone, d) + int((adm.habits["start_h"] + rng.random() * 7) * 3600)
                    ip = self.session_ip(adm, o, d, rng, date_of(d).weekday())
                    self.add(t, adm, o, "org.member.delete", {"user": a}, ip, False, None)

    # ------------------------------------------------------------------ look-alikes
    def gen_lookalikes(self):
        r = self.rl
        k = self.k
        rate = k["lookalike_rate"]
        people = [a for a in self.actors if a.kind == "person" and not a.dormant]
        by_role = {}
        for a in people:
            by_role.setdefault(a.role, []).append(a)

        def some(roles):
            c = []
            for ro in roles:
                c += by_role.get(ro, [])
            return c or people

        def day_for(a, test_bias=0.5):
            for _ in range(20):
                if r.random() < test_bias:
                    di = self.test_di + r.randrange(self.end_di - self.test_di)
                else:
                    di = self.start_di + r.randrange(self.test_di - self.start_di)
                if self.present(a, di) and date_of(di).weekday() < 5:
                    return di
            return None

        def note(a, di, kind, ts=None):
            if di >= self.test_di:
                self.lookalike_days.append((a.id, di if ts is None else ts // DAY, kind))

        n_org = len(self.orgs)
        scale = max(1.0, len(people) / 40.0) * rate

        def count(base):
            return max(1, int(round(base * scale * r.uniform(0.7, 1.3))))

        # 1 token rotation (imitates token_persistence)
        for _ in range(count(3)):
            a = r.choice(some(["platform", "developer", "admin"]))
            di = day_for(a)
            if di is None:
                continue
            o = a.orgs[0]
            t = local_midnight_utc(a.zone, di) + int(r.uniform(a.habits["start_h"], 22) * 3600)
            ip = self.session_ip(a, o, di, r, date_of(di).weekday())
            for _ in range(r.randint(2, 5)):
                self.add(t, a, o, "token.create", None, ip, False, "lk")
                t += r.randint(20, 400)
                self.add(t, a, o, "token.delete", None, ip, False, "lk")
                t += r.randint(20, 400)
            if r.random() < 0.5:
                self.add(t, a, o, "token.update", None, ip, False, "lk")
            note(a, di, "token_rotation", t)
        # 2 onboarding wave (imitates backdoor_member)
        for _ in range(count(2)):
            a = r.choice(some(["admin"]))
            di = day_for(a)
            if di is None:
                continue
            o = a.orgs[0]
            t = local_midnight_utc(a.zone, di) + int((a.habits["start_h"] + r.random() * 4) * 3600)
            ip = self.session_ip(a, o, di, r, date_of(di).weekday())
            for _ in range(r.randint(3, 8)):
                g = self.guest_user(o, t)
                self.add(t, a, o, "org.member.add", {"user": g, "role": r.choice(["member", "member", "owner"])}, ip, False, "lk")
                if r.random() < 0.7:
                    ta = t + r.randint(600, 3 * DAY)
                    gip = self.net.pick(r, g.country, HOME if r.random() < 0.8 else MOBILE).ip4(r)
                    self.add(ta, g, o, "org.member.update", {"user": g, "accept": True}, gip, False, "lk")
                    if r.random() < 0.6:
                        self.add(ta + r.randint(60, 3600), g, o, "workspace.snapshot.create", {"ws_pick": "member"}, gip, False, "lk")
                    note(g, ta // DAY, "new_hire")
                wl = o.pool("workspace")
                for w in r.sample(wl, min(len(wl), r.randint(1, 3))):
                    t += r.randint(15, 200)
                    self.add(t, a, o, "org.workspace.member.add", {"user": g, "ws": w, "role": r.choice(["reader", "operator", "owner"])}, ip, False, "lk")
                t += r.randint(60, 900)
            note(a, di, "onboarding_wave", t)
        # 3 break-glass (imitates self_escalation)
        for _ in range(count(2)):
            a = r.choice(some(["platform", "admin"]))
            di = day_for(a)
            if di is None:
                continue
            o = a.orgs[0]
            night = r.random() < 0.5
            t = local_midnight_utc(a.zone, di) + int((r.uniform(0.5, 5) if night else r.uniform(10, 18)) * 3600)
            ip = self.home_ip(a, di, r) if night else self.session_ip(a, o, di, r, date_of(di).weekday())
            wl = o.pool("workspace")
            w = r.choice(wl)
            self.add(t, a, o, "org.workspace.member.add", {"user": a, "ws": w, "role": "owner", "self": True}, ip, False, "lk")
            for act in r.sample(["workspace.reboot", "connection.update", "workspace.update", "workspace.mod.variable.setting.update",
                                 "workspace.connection.associate"], 3):
                t += r.randint(60, 900)
                self.add(t, a, o, act, {"ws": w}, ip, ACTIONS[act][2], "lk")
            note(a, di, "break_glass", t)
            t2 = t + r.randint(8, 30) * 3600
            self.add(t2, a, o, "org.workspace.member.delete", {"user": a, "ws": w, "self": True},
                     self.session_ip(a, o, t2 // DAY, r, date_of(t2 // DAY).weekday()), False, "lk")
            note(a, t2 // DAY, "break_glass")
        # 4 cleanup day (imitates mass_delete)
        for _ in range(count(2)):
            a = r.choice(some(["platform", "admin", "developer"]))
            di = day_for(a)
            if di is None:
                continue
            o = a.orgs[0]
            t = local_midnight_utc(a.zone, di) + int(r.uniform(13, 17) * 3600)
            ip = self.session_ip(a, o, di, r, date_of(di).weekday())
            for _ in range(r.randint(8, 22)):
                act = wchoice(r, ["workspace.delete", "connection.delete", "workspace.snapshot.delete", "workspace.mod.uninstall",
                                  "pipeline.delete", "workspace.aggregator.delete", "datatank.table.delete", "token.delete"],
                              [1, 3, 3, 2, 1, 1, 1, 0.5])
                self.add(t, a, o, act, {"prefer": "scratch"}, ip, False, "lk")
                t += r.randint(15, 240)
            note(a, di, "cleanup_day", t)
        # 5 terraform destroy + re-apply (imitates mass_delete / resource_abuse)
        for b in [x for x in self.bots if x.role == "terraform"]:
            for _ in range(max(1, int(round(2 * rate)))):
                di = day_for(b)
                if di is None:
                    continue
                o = b.orgs[0]
                t = local_midnight_utc(b.zone, di) + int(r.uniform(10, 20) * 3600)
                nat = b.extra["nat"] if di < b.extra.get("nat_change", 10 ** 9) else b.extra["nat2"]
                ip = r.choice(nat)
                for _ in range(r.randint(6, 18)):
                    act = r.choice(["connection.delete", "workspace.connection.dissociate", "workspace.aggregator.delete", "connection.permission.delete"])
                    self.add(t, b, o, act, None, ip, False, "lk")
                    t += r.randint(1, 8)
                t += r.randint(60, 600)
                for _ in range(r.randint(6, 18)):
                    act = r.choice(["connection.create", "workspace.connection.associate", "workspace.aggregator.create", "connection.permission.create"])
                    self.add(t, b, o, act, None, ip, False, "lk")
                    t += r.randint(1, 8)
                note(b, di, "terraform_destroy", t)
        # 6 report publishing (imitates snapshot_exfil)
        for _ in range(count(3)):
            a = r.choice(some(["analyst", "secops"]))
            di = day_for(a)
            if di is None:
                continue
            o = a.orgs[0]
            t = local_midnight_utc(a.zone, di) + int(r.uniform(a.habits["start_h"], a.habits["start_h"] + 8) * 3600)
            ip = self.session_ip(a, o, di, r, date_of(di).weekday())
            wl = o.pool("workspace")
            ws = r.sample(wl, min(len(wl), r.randint(2, 6)))
            for _ in range(r.randint(10, 30)):
                self.add(t, a, o, "workspace.snapshot.create",
                         {"ws": r.choice(ws), "fields": {"visibility": "anyone_with_link" if r.random() < 0.6 else "workspace"}},
                         ip, False, "lk")
                t += r.randint(20, 300)
            note(a, di, "report_publishing", t)
        # 7 automation build (imitates pipeline_backdoor)
        for _ in range(count(2)):
            a = r.choice(some(["secops", "platform"]))
            di = day_for(a)
            if di is None:
                continue
            o = a.orgs[0]
            late = r.random() < 0.4
            t = local_midnight_utc(a.zone, di) + int((r.uniform(19, 23) if late else r.uniform(10, 17)) * 3600)
            ip = self.session_ip(a, o, di, r, date_of(di).weekday())
            key = ("lk", self.seq)
            self.add(t, a, o, "notifier.create", {"fields": {"kind": "webhook"}, "ref": key + ("n",)}, ip, False, "lk")
            t += r.randint(60, 600)
            self.add(t, a, o, "pipeline.create", {"ref": key + ("p",)}, ip, False, "lk")
            for _ in range(r.randint(3, 8)):
                t += r.randint(60, 400)
                self.add(t, a, o, "pipeline.command.run", {"use_ref": key + ("p",)}, ip, True, "lk")
            t += r.randint(60, 400)
            self.add(t, a, o, "pipeline.update", {"use_ref": key + ("p",)}, ip, False, "lk")
            note(a, di, "automation_build", t)
        # 8 notifier migration (imitates alert_tamper)
        for _ in range(count(1)):
            a = r.choice(some(["admin", "platform", "secops"]))
            di = day_for(a)
            if di is None:
                continue
            o = a.orgs[0]
            t = local_midnight_utc(a.zone, di) + int(r.uniform(10, 17) * 3600)
            ip = self.session_ip(a, o, di, r, date_of(di).weekday())
            self.add(t, a, o, "integration.create", None, ip, False, "lk")
            for _ in range(r.randint(1, 3)):
                t += r.randint(60, 600)
                self.add(t, a, o, "notifier.create", {"fields": {"kind": "msteams"}}, ip, False, "lk")
            for act in ["workspace.notifier.set_default", "workspace.notifier.set_default", "notifier.update", "notifier.delete",
                        "notifier.delete", "integration.delete"]:
                t += r.randint(60, 900)
                self.add(t, a, o, act, None, ip, False, "lk")
            note(a, di, "notifier_migration", t)
        # 9 conference travel (imitates session_hijack): extra trips, test days are listed
        for _ in range(count(2)):
            a = r.choice(people)
            if a.trips:
                continue
            di = day_for(a, 0.6)
            if di is None:
                continue
            dest = r.choice([z for z in ZONES if ZONES[z][2] != a.country])
            a.trips.append((di, di + r.randint(2, 5), dest))
            a.extra["travel_lk"] = True
        # 10 return from long leave (imitates dormant_awakening)
        for _ in range(count(1)):
            a = r.choice(some(["platform", "secops", "developer", "admin"]))
            if a.join_di is not None or a.leave_di is not None:
                continue
            back = self.test_di + r.randint(0, max(1, (self.end_di - self.test_di) // 2))
            for d in range(self.start_di - 10, back):
                a.leave_days[d] = 1
            a.extra["return_di"] = back
            o = a.orgs[0]
            self.person_day(a, back, a.zone, date_of(back).weekday(), r.randint(12, 30), r, tag="lk")
            note(a, back, "return_from_leave")
        # 11 project kickoff (imitates resource_abuse)
        for _ in range(count(1)):
            a = r.choice(some(["platform", "admin"]))
            di = day_for(a)
            if di is None:
                continue
            o = a.orgs[0]
            t = local_midnight_utc(a.zone, di) + int(r.uniform(9, 16) * 3600)
            ip = self.session_ip(a, o, di, r, date_of(di).weekday())
            for _ in range(r.randint(3, 6)):
                key = ("lk", self.seq, "w")
                self.add(t, a, o, "workspace.create", {"ref": key}, ip, True, "lk")
                t += r.randint(60, 300)
                self.add(t, a, o, "workspace.update", {"use_ref": key, "fields": {"instance_type": r.choice(["db1.medium", "db1.large"])}}, ip, False, "lk")
                t += r.randint(30, 200)
                self.add(t, a, o, r.choice(["datatank.create", "connection.create", "workspace.connection.associate"]), {"ws_ref": key}, ip, False, "lk")
                t += r.randint(60, 600)
            note(a, di, "project_kickoff", t)
        # 12 CI migration (imitates bot_token_abuse): CI moves to another runner provider for good
        for b in [x for x in self.bots if x.role == "ci"]:
            if r.random() < 0.5 * rate:
                di = self.start_di + r.randrange(self.days)
                newp = r.choice(["aws-us-east-1", "gcp", "aws-eu-west-1"])
                b.extra["provider_override"] = {d: newp for d in range(di, self.end_di + 1)}
                for d in range(di, min(di + 3, self.end_di)):
                    note(b, d, "ci_migration")
        # 13 late-night incident (imitates session_hijack)
        for _ in range(count(2)):
            a = r.choice(some(["platform", "secops", "developer"]))
            di = day_for(a)
            if di is None:
                continue
            o = a.orgs[0]
            ip = a.home["carrier"].ip4(r) if r.random() < 0.4 else self.home_ip(a, di, r)
            self.person_day(a, di, a.zone, date_of(di).weekday(), r.randint(6, 18), r, hours=(0.5, 4.5),
                            acts=["workspace.reboot", "connection.update", "workspace.update", "workspace.mod.variable.setting.update",
                                  "pipeline.command.run", "workspace.snapshot.create"], tag="lk", ip=ip, org=o)
            note(a, (local_midnight_utc(a.zone, di) + 3 * 3600) // DAY, "late_night_incident")
        # 14 home ISP change (imitates session_hijack)
        for _ in range(count(1)):
            a = r.choice(people)
            di = day_for(a)
            if di is None:
                continue
            a.extra["isp_change"] = di
            a.extra["isp_next"] = self.net.pick(r, a.country, HOME)
            for d in range(di, min(di + 5, self.end_di)):
                note(a, d, "isp_change")
        # travel test days
        for a in people:
            for s, e, z in a.trips:
                for d in range(s, e):
                    if d >= self.test_di and self.present(a, d):
                        note(a, d, "conference_travel")

    def guest_user(self, o, t):
        r = self.rl
        used = {a.handle: 1 for a in self.actors[-50:]}
        f, l = r.choice(FIRST), r.choice(LAST)
        h = (f[0] + l).lower() + r.choice(["", "-ext", "-contractor", str(r.randint(1, 99))])
        z = r.choice(list(ZONES))
        g = Actor(id=self.ids.new("u", t - r.randint(DAY, 400 * DAY)), handle=h, display=f + " " + l, kind="external",
                  role="guest", zone=z, country=ZONES[z][2], acct_created=t - r.randint(DAY, 400 * DAY), orgs=[o], org_w=[1.0])
        g.avatar = "https://pipes.turbot.com/api/v0/identity/%s/avatar?v=%d" % (h, r.randint(1, 20))
        g.make_uobj()
        self.actors.append(g)
        return g

    # ------------------------------------------------------------------ attacks
    def victim_profile(self, a):
        ips, secs, acts, days = {}, [], [], {}
        for it in self._by_actor.get(a.id, ()):
            if it[0] < self.t_test and it[8] is None:
                if "pipeline" in it[5] or "pipeline_ref" in it[5]:   # platform-run work is not the person's own habit
                    continue
                ips[it[6]] = ips.get(it[6], 0) + 1
                secs.append(it[0] % DAY)
                acts.append(it[4])
            elif it[0] >= self.t_test and "pipeline" not in it[5]:
                days[it[0] // DAY] = 1
        best = None
        for ip, c in ips.items():
            if best is None or c > ips[best]:
                best = ip
        if best is None:
            o = a.orgs[0]
            best = self.session_ip(a, o, self.test_di, self.rx, 2) if a.habits and a.home else self.net.platform[0]
        if not acts:
            acts = ["workspace.snapshot.create"]
        return {"ip": best, "secs": secs, "acts": acts, "n": len(acts), "test_days": sorted(days)}

    def gen_attacks(self):
        r = self.rx
        k = self.k
        n_per = k["incidents_per_scenario"]
        counts = {}
        self._by_actor = {}
        for it in self.intents:
            self._by_actor.setdefault(it[2].id, []).append(it)
            if it[0] < self.t_test and it[8] is None and "pipeline" not in it[5]:
                counts[it[2].id] = counts.get(it[2].id, 0) + 1
        self._counts = counts
        self.used_victims = {}
        # profile cache
        self._prof = {}
        scen = [("token_persistence", self.sc_token), ("backdoor_member", self.sc_backdoor),
                ("self_escalation", self.sc_escalate), ("mass_delete", self.sc_delete),
                ("snapshot_exfil", self.sc_snapshot), ("pipeline_backdoor", self.sc_pipeline),
                ("alert_tamper", self.sc_tamper), ("session_hijack", self.sc_hijack),
                ("dormant_awakening", self.sc_dormant), ("resource_abuse", self.sc_abuse),
                ("bot_token_abuse", self.sc_bot), ("shared_account_abuse", self.sc_shared)]
        inc_no = 0
        for name, fn in scen:
            first = r.random() < 0.5
            for i in range(n_per):
                form = "plain" if (i % 2 == 0) == first else "subtle"
                inc_no += 1
                iid = "inc%03d_%s" % (inc_no, name)
                ok = fn(iid, form, r)
                if ok:
                    self.incidents.append({"id": iid, "scenario": name, "form": form, "actors": ok})

    def prof(self, a):
        p = self._prof.get(a.id)
        if p is None:
            p = self._prof[a.id] = self.victim_profile(a)
        return p

    def candidates(self, roles=None, min_n=12, kinds=("person",), need_test=True):
        out = []
        for a in self.actors:
            if a.kind not in kinds or a.dormant:
                continue
            if roles and a.role not in roles:
                continue
            if self._counts.get(a.id, 0) < min_n:
                continue
            if a.leave_di is not None and a.leave_di < self.end_di - 2:
                continue
            if a.join_di is not None:
                continue
            out.append(a)
        return out

    def choose_victim(self, cands, r):
        if not cands:
            cands = self.candidates(None)
        if not cands:
            return None
        cands = sorted(cands, key=lambda a: self.used_victims.get(a.id, 0))
        low = self.used_victims.get(cands[0].id, 0)
        cands = [a for a in cands if self.used_victims.get(a.id, 0) == low]
        a = r.choice(cands)
        self.used_victims[a.id] = self.used_victims.get(a.id, 0) + 1
        return a

    def attack_day(self, r, span=1):
        hi = self.end_di - self.test_di - span - 1
        return self.test_di + r.randint(0, max(0, hi))

    def night(self, a, di, r):
        z = a.zone if a.zone in ZONES else "America/New_York"
        return local_midnight_utc(z, di) + int(r.uniform(0.8, 5.0) * 3600)

    def usual(self, a, di, r):
        p = self.prof(a)
        s = r.choice(p["secs"]) if p["secs"] else 14 * 3600
        return di * DAY + max(0, min(DAY - 600, s + r.randint(-1200, 1200)))

    def bad_ip(self, r, a):
        x = r.random()
        if x < 0.4:
            return r.choice(self.net.vpn_exits)
        if x < 0.7:
            return self.net.cloud[r.choice(["digitalocean", "hetzner", "aws-us-west-2", "gcp"])].ip4(r)
        if x < 0.9:
            return self.net.foreign_home(r, a.country).ip4(r)
        return self.net.pick(r, r.choice(["BR", "IN", "PL", "NL"]), MOBILE).ip4(r)

    def atk(self, iid, t, a, o, act, opts=None, ip=None, proc=None):
        while t >= self.t_end:      # a night that falls after the last UTC day moves a day earlier
            t -= DAY
        if t < self.t_test:
            t = self.t_test + 60
        if act in NEW_API and t < (self.start_di + self.k["release_day"]) * DAY:
            act = "workspace.snapshot.create"
        if proc is None:
            proc = ACTIONS[act][2]
        return self.add(t, a, o, act, opts or {}, ip, proc, iid)

    def subtle_days(self, a, r, n_days):
        p = self.prof(a)
        days = [d for d in p["test_days"] if self.test_di <= d < self.end_di]
        if len(days) >= n_days:
            s = r.randrange(len(days) - n_days + 1)
            return days[s:s + n_days]
        d0 = self.attack_day(r, n_days * 2)
        return [d0 + 2 * i for i in range(n_days) if d0 + 2 * i < self.end_di]

    def unfamiliar_ws(self, a, o, r, n=1):
        favs = a.favs.get(o.id) or []
        other = [w for w in o.pool("workspace") if w not in favs] or o.pool("workspace")
        return r.sample(other, min(n, len(other)))

    # each scenario returns the list of actor ids it involved, or None
    def sc_token(self, iid, form, r):
        a = self.choose_victim(self.candidates(["platform", "developer", "admin", "secops"]), r)
        if a is None:
            return None
        o = a.orgs[0]
        if form == "plain":
            di = self.attack_day(r)
            t = self.night(a, di, r)
            ip = self.bad_ip(r, a)
            for _ in range(r.randint(3, 6)):
                self.atk(iid, t, a, o, "token.create", None, ip)
                t += r.randint(15, 240)
            self.atk(iid, t, a, o, "token.update", None, ip)
            for _ in range(r.randint(1, 3)):
                t += r.randint(300, 1800)
                self.atk(iid, t, a, o, r.choice(["connection.update", "workspace.mod.variable.setting.update"]), None, ip)
        else:
            p = self.prof(a)
            days = self.subtle_days(a, r, 2)
            for j, di in enumerate(days):
                self.atk(iid, self.usual(a, di, r), a, o, "token.create" if j == 0 else "token.update", None, p["ip"])
        return [a.id]

    def sc_backdoor(self, iid, form, r):
        a = self.choose_victim(self.candidates(["admin"], min_n=5) or self.candidates(["platform"]), r)
        if a is None:
            return None
        o = a.orgs[0]
        di = self.attack_day(r, 6)
        g = self.guest_user(o, di * DAY)
        g.notes.append("backdoor")
        if form == "plain":
            t = self.night(a, di, r)
            ip = self.bad_ip(r, a)
            self.atk(iid, t, a, o, "org.member.add", {"user": g, "role": "owner"}, ip)
            for w in self.unfamiliar_ws(a, o, r, r.randint(3, 5)):
                t += r.randint(20, 200)
                self.atk(iid, t, a, o, "org.workspace.member.add", {"user": g, "ws": w, "role": "owner"}, ip)
            gip = ip if r.random() < 0.5 else self.bad_ip(r, a)
            t += r.randint(300, 3 * 3600)
            self.atk(iid, t, g, o, "org.member.update", {"user": g, "accept": True}, gip)
            t += r.randint(600, 20 * 3600)
            for _ in range(r.randint(3, 7)):
                self.atk(iid, t, g, o, r.choice(["workspace.snapshot.create", "workspace.snapshot.create", "token.create", "connection.update"]),
                         {"ws_pick": "member"}, gip)
                t += r.randint(30, 600)
        else:
            p = self.prof(a)
            days = [d for d in (di, di + r.randint(1, 3), di + r.randint(4, 6)) if d < self.end_di]
            w = self.unfamiliar_ws(a, o, r, 1)[0]
            self.atk(iid, self.usual(a, days[0], r), a, o, "org.member.add", {"user": g, "role": "member"}, p["ip"])
            if len(days) > 1:
                self.atk(iid, self.usual(a, days[1], r), a, o, "org.workspace.member.add", {"user": g, "ws": w, "role": "reader"}, p["ip"])
            if len(days) > 2:
                self.atk(iid, self.usual(a, days[2], r), a, o, "org.workspace.member.update", {"user": g, "ws": w, "role": "owner"}, p["ip"])
                gip = self.net.pick(r, a.country, HOME).ip4(r)
                self.atk(iid, self.usual(a, days[2], r) + r.randint(3600, 7200), g, o, "workspace.snapshot.create", {"ws": w}, gip)
        return [a.id, g.id]

    def sc_escalate(self, iid, form, r):
        a = self.choose_victim(self.candidates(["admin", "platform"]), r)
        if a is None:
            return None
        o = a.orgs[0]
        if form == "plain":
            di = self.attack_day(r)
            t = self.night(a, di, r)
            ip = self.bad_ip(r, a)
            wl = self.unfamiliar_ws(a, o, r, r.randint(4, 8))
            for w in wl:
                self.atk(iid, t, a, o, "org.workspace.member.add", {"user": a, "ws": w, "role": "owner", "self": True}, ip)
                t += r.randint(15, 120)
            for w in wl[:3]:
                t += r.randint(60, 400)
                self.atk(iid, t, a, o, r.choice(["workspace.mod.variable.setting.update", "workspace.connection.associate", "workspace.update"]), {"ws": w}, ip)
        else:
            p = self.prof(a)
            days = self.subtle_days(a, r, 3)
            w = self.unfamiliar_ws(a, o, r, 1)[0]
            acts = [("org.workspace.member.add", {"user": a, "ws": w, "role": "reader", "self": True}),
                    ("org.workspace.member.update", {"user": a, "ws": w, "role": "owner", "self": True}),
                    ("workspace.mod.variable.setting.update", {"ws": w})]
            for di, (act, op) in zip(days, acts):
                self.atk(iid, self.usual(a, di, r), a, o, act, op, p["ip"])
        return [a.id]

    def sc_delete(self, iid, form, r):
        a = self.choose_victim(self.candidates(["admin", "platform", "developer"]), r)
        if a is None:
            return None
        o = a.orgs[0]
        kinds = ["workspace.delete", "connection.delete", "pipeline.delete", "datatank.delete", "workspace.mod.uninstall",
                 "workspace.snapshot.delete", "workspace.aggregator.delete"]
        if form == "plain":
            di = self.attack_day(r)
            t = self.night(a, di, r)
            ip = self.bad_ip(r, a)
            for _ in range(r.randint(8, 25)):
                act = wchoice(r, kinds, [2, 4, 2, 1, 2, 2, 1])
                self.atk(iid, t, a, o, act, {"prefer": "old"}, ip)
                t += r.randint(10, 150)
        else:
            p = self.prof(a)
            own = [x for x in p["acts"] if x.endswith(".delete") or x.endswith(".uninstall")]
            days = self.subtle_days(a, r, r.randint(3, 5))
            for di in days:
                for _ in range(r.randint(1, 2)):
                    act = r.choice(own) if own and r.random() < 0.6 else r.choice(["connection.delete", "workspace.snapshot.delete", "workspace.delete"])
                    self.atk(iid, self.usual(a, di, r), a, o, act, {"prefer": "old"}, p["ip"])
        return [a.id]

    def sc_snapshot(self, iid, form, r):
        a = self.choose_victim(self.candidates(["analyst", "secops"] if form == "subtle" else None), r)
        if a is None:
            return None
        o = a.orgs[0]
        if form == "plain":
            di = self.attack_day(r)
            t = self.night(a, di, r)
            ip = self.bad_ip(r, a)
            ws = self.unfamiliar_ws(a, o, r, r.randint(3, 8))
            for _ in range(r.randint(15, 40)):
                self.atk(iid, t, a, o, "workspace.snapshot.create", {"ws": r.choice(ws), "fields": {"visibility": "anyone_with_link"}}, ip)
                t += r.randint(20, 150)
        else:
            p = self.prof(a)
            days = self.subtle_days(a, r, r.randint(3, 4))
            uw = self.unfamiliar_ws(a, o, r, 1)
            for di in days:
                for _ in range(r.randint(1, 3)):
                    w = uw[0] if r.random() < 0.4 else None
                    self.atk(iid, self.usual(a, di, r), a, o, "workspace.snapshot.create",
                             {"ws": w, "fields": {"visibility": "anyone_with_link"}}, p["ip"])
        return [a.id]

    def sc_pipeline(self, iid, form, r):
        a = self.choose_victim(self.candidates(["secops", "platform", "admin"]), r)
        if a is None:
            return None
        o = a.orgs[0]
        if form == "plain":
            di = self.attack_day(r, 4)
            t = self.night(a, di, r)
            ip = self.bad_ip(r, a)
            self.atk(iid, t, a, o, "notifier.create", {"fields": {"kind": "webhook"}, "ref": (iid, "n")}, ip)
            t += r.randint(60, 400)
            w = self.unfamiliar_ws(a, o, r, 1)[0]
            self.atk(iid, t, a, o, "pipeline.create", {"ws": w, "ref": (iid, "p"), "fields": {"frequency": {"type": "interval", "schedule": "6h"}}}, ip)
            for _ in range(r.randint(2, 3)):
                t += r.randint(60, 300)
                self.atk(iid, t, a, o, "pipeline.command.run", {"use_ref": (iid, "p")}, ip)
            # the new pipeline runs as the victim every six hours until someone removes it
            stop = min(self.t_end - 1, t + r.randint(2, 5) * DAY)
            tt = t + 6 * 3600
            while tt < stop:
                self.atk(iid, tt + r.randint(3, 120), a, o, "workspace.snapshot.create", {"ws": w, "pipeline_ref": (iid, "p")},
                         r.choice(self.net.platform), True)
                tt += 6 * 3600
            admins = [x for x in o.people if x.role == "admin" and x.kind == "person" and x is not a and not x.dormant]
            if admins and stop < self.t_end - 3600:
                ad = r.choice(admins)
                self.add(stop + r.randint(600, 7200), ad, o, "pipeline.delete", {"use_ref": (iid, "p")},
                         self.session_ip(ad, o, stop // DAY, r, date_of(stop // DAY).weekday()), False, "response")
        else:
            p = self.prof(a)
            days = self.subtle_days(a, r, 2)
            self.atk(iid, self.usual(a, days[0], r), a, o, "notifier.create", {"fields": {"kind": "webhook"}, "ref": (iid, "n")}, p["ip"])
            self.atk(iid, self.usual(a, days[-1], r) + 1, a, o, "pipeline.update", {"prefer": "own"}, p["ip"])
        return [a.id]

    def sc_tamper(self, iid, form, r):
        a = self.choose_victim(self.candidates(["admin", "platform", "secops"]), r)
        if a is None:
            return None
        o = a.orgs[0]
        if form == "plain":
            di = self.attack_day(r)
            t = self.night(a, di, r)
            ip = self.bad_ip(r, a)
            for act in ["notifier.update", "notifier.delete", "notifier.delete", "workspace.notifier.set_default", "integration.delete"]:
                self.atk(iid, t, a, o, act, {"fields": {"state": "disabled"}} if act == "notifier.update" else None, ip)
                t += r.randint(20, 300)
            for _ in range(r.randint(1, 3)):
                t += r.randint(120, 900)
                self.atk(iid, t, a, o, r.choice(["connection.permission.delete", "token.delete", "pipeline.delete"]), None, ip)
        else:
            p = self.prof(a)
            days = self.subtle_days(a, r, 2)
            self.atk(iid, self.usual(a, days[0], r), a, o, "notifier.update", {"fields": {"state": "disabled"}}, p["ip"])
            self.atk(iid, self.usual(a, days[-1], r) + 1, a, o, r.choice(["integration.update", "notifier.delete"]), None, p["ip"])
        return [a.id]

    def sc_hijack(self, iid, form, r):
        a = self.choose_victim(self.candidates(min_n=25), r)
        if a is None:
            return None
        o = a.orgs[0]
        p = self.prof(a)
        if form == "plain":
            di = self.attack_day(r, 2)
            ip = self.bad_ip(r, a)
            for d in (di, di + 1) if r.random() < 0.5 else (di,):
                t = self.night(a, d, r)
                for _ in range(r.randint(6, 15)):
                    self.atk(iid, t, a, o, r.choice(p["acts"]), None, ip)
                    t += r.randint(20, 400)
        else:
            days = self.subtle_days(a, r, r.randint(2, 3))
            home = a.home["isp"]
            base_ip = a.home["v4"]
            for di in days:
                ip = home.near4(r, base_ip)
                for _ in range(r.randint(1, 2)):
                    self.atk(iid, self.usual(a, di, r), a, o, r.choice(p["acts"]), None, ip)
        return [a.id]

    def sc_dormant(self, iid, form, r):
        cands = [a for a in self.actors if a.kind == "person" and a.dormant and self.used_victims.get(a.id, 0) == 0]
        if not cands:
            cands = [a for a in self.actors if a.kind == "person" and a.leave_di is not None and "not_offboarded" in a.notes
                     and a.leave_di < self.test_di and self.used_victims.get(a.id, 0) == 0]
        if not cands:
            return None
        a = r.choice(cands)
        self.used_victims[a.id] = 1
        o = a.orgs[0]
        if form == "plain":
            di = self.attack_day(r)
            t = self.night(a, di, r)
            ip = self.bad_ip(r, a)
            for _ in range(r.randint(10, 25)):
                act = wchoice(r, ["token.create", "connection.create", "workspace.snapshot.create", "connection.update",
                                  "org.workspace.member.add", "workspace.mod.install"], [1, 2, 4, 2, 1, 1])
                op = {"fields": {"visibility": "anyone_with_link"}} if act == "workspace.snapshot.create" else None
                if act == "org.workspace.member.add":
                    op = {"user": a, "self": True, "role": "owner"}
                self.atk(iid, t, a, o, act, op, ip)
                t += r.randint(20, 300)
        else:
            days = []
            d = self.attack_day(r, 5)
            for i in range(r.randint(2, 3)):
                days.append(min(self.end_di - 1, d + i * r.randint(1, 2)))
            for di in days:
                t = local_midnight_utc(o.hq_zone, di) + int(r.uniform(9.5, 16.5) * 3600)
                ip = r.choice(o.offices[0][1]) if r.random() < 0.5 else self.net.pick(r, a.country, HOME).ip4(r)
                for _ in range(r.randint(1, 2)):
                    self.atk(iid, t, a, o, r.choice(["workspace.snapshot.create", "workspace.mod.variable.setting.update",
                                                     "workspace.snapshot.update"]), None, ip)
                    t += r.randint(60, 900)
        return [a.id]

    def sc_abuse(self, iid, form, r):
        a = self.choose_victim(self.candidates(["platform", "developer", "admin"]), r)
        if a is None:
            return None
        o = a.orgs[0]
        if form == "plain":
            di = self.attack_day(r)
            t = self.night(a, di, r)
            ip = self.bad_ip(r, a)
            for i in range(r.randint(5, 12)):
                key = (iid, "w%d" % i)
                self.atk(iid, t, a, o, "workspace.create", {"ref": key}, ip)
                t += r.randint(20, 200)
                self.atk(iid, t, a, o, "workspace.update", {"use_ref": key, "fields": {"instance_type": r.choice(["db1.large", "db1.xlarge"])}}, ip)
                t += r.randint(10, 100)
                if r.random() < 0.4:
                    self.atk(iid, t, a, o, "datatank.create", {"ws_ref": key}, ip)
                    t += r.randint(10, 100)
        else:
            p = self.prof(a)
            days = self.subtle_days(a, r, 3)
            key = (iid, "w")
            self.atk(iid, self.usual(a, days[0], r), a, o, "workspace.create", {"ref": key}, p["ip"])
            if len(days) > 1:
                self.atk(iid, self.usual(a, days[1], r) + 1, a, o, "workspace.update",
                         {"use_ref": key, "fields": {"instance_type": "db1.large"}}, p["ip"])
            if len(days) > 2:
                self.atk(iid, self.usual(a, days[2], r) + 2, a, o, "datatank.create", {"ws_ref": key}, p["ip"])
        return [a.id]

    def sc_bot(self, iid, form, r):
        cands = [b for b in self.bots if b.role in ("ci", "terraform") and self._counts.get(b.id, 0) > 10]
        a = self.choose_victim(cands, r)
        if a is None:
            return None
        o = a.orgs[0]
        if form == "plain":
            di = self.attack_day(r)
            t = self.night(a, di, r) if r.random() < 0.6 else local_midnight_utc(a.zone, di) + int(r.uniform(0, 24) * 3600)
            ip = self.bad_ip(r, a)
            for _ in range(r.randint(6, 15)):
                act = wchoice(r, ["token.create", "connection.update", "workspace.snapshot.create", "org.member.update",
                                  "connection.permission.create", "org.workspace.member.add"], [1, 3, 2, 1, 1, 1])
                op = None
                if act == "workspace.snapshot.create":
                    op = {"fields": {"visibility": "anyone_with_link"}}
                if act == "org.workspace.member.add":
                    op = {"user": a, "self": True, "role": "owner"}
                self.atk(iid, t, a, o, act, op, ip)
                t += r.randint(5, 200)
        else:
            if a.role == "ci":
                ip = self.net.cloud["azure"].ip4(r)
                acts = ["workspace.mod.update", "workspace.mod.variable.setting.update"]
            else:
                ip = self.net.cloud[r.choice(["aws-us-east-1", "aws-us-west-2", "aws-eu-west-1"])].ip4(r)
                acts = ["connection.update", "workspace.connection.associate"]
            days = [self.attack_day(r, 2)]
            days.append(days[0] + 1)
            w = self.unfamiliar_ws(a, o, r, 1)[0]
            for j, di in enumerate(days):
                if di >= self.end_di:
                    continue
                t = local_midnight_utc(a.zone, di) + int(r.uniform(10, 17) * 3600)
                for act in acts[: r.randint(1, 2)]:
                    self.atk(iid, t, a, o, act, {"ws": w}, ip)
                    t += r.randint(5, 60)
                if j == 1:
                    self.atk(iid, t + 30, a, o, "connection.update", None, ip)
        return [a.id]

    def sc_shared(self, iid, form, r):
        if not self.shared:
            return None
        a = self.shared[r.randrange(len(self.shared))]
        o = a.orgs[0]
        if form == "plain":
            di = self.attack_day(r)
            t = di * DAY + r.randint(0, DAY - 7200)
            ip = self.bad_ip(r, a)
            for _ in range(r.randint(1, 2)):
                self.atk(iid, t, a, o, "token.create", None, ip)
                t += r.randint(30, 200)
            for _ in range(r.randint(3, 6)):
                self.atk(iid, t, a, o, "connection.update", None, ip)
                t += r.randint(30, 300)
            for w in self.unfamiliar_ws(a, o, r, r.randint(3, 6)):
                self.atk(iid, t, a, o, "workspace.snapshot.create", {"ws": w, "fields": {"visibility": "anyone_with_link"}}, ip)
                t += r.randint(30, 300)
        else:
            u = r.choice(a.extra["users"])
            days = [self.attack_day(r, 3)]
            days.append(min(self.end_di - 1, days[0] + r.randint(1, 3)))
            w = self.unfamiliar_ws(a, o, r, 1)[0]
            for di in days:
                t = local_midnight_utc(u["zone"], di) + int((u["start_h"] + r.random() * 8) * 3600)
                ip = u["isp"].near4(r, u["v4"])
                for _ in range(r.randint(1, 2)):
                    act = r.choice(a.mix_items)
                    if act in NEW_API and t < (self.start_di + self.k["release_day"]) * DAY:
                        act = "connection.update"
                    self.atk(iid, t, a, o, act, {"ws": w}, ip)
                    t += r.randint(60, 900)
        return [a.id]

    def gen_chores(self):
        """Rare admin chores: every action type an incident uses is also done, now and then,
        by an ordinary admin or platform engineer in their own hours from their own network
        (no action type belongs to attacks alone)."""
        r = stream(self.seed, "chores")
        attack_types, benign = [], {}
        for it in self.intents:
            if it[8] is not None and it[8].startswith("inc"):
                if it[4] not in attack_types:
                    attack_types.append(it[4])
            else:
                benign[it[4]] = benign.get(it[4], 0) + 1
        for act in attack_types:
            if benign.get(act, 0) >= 4:
                continue
            kind, verb, async_ = ACTIONS[act]
            for j in range(4 - benign.get(act, 0)):
                o = self.orgs[r.randrange(len(self.orgs))]
                staff = [a for a in o.people if a.kind == "person" and a.role in ("admin", "platform") and not a.dormant
                         and a.join_di is None and a.leave_di is None]
                if not staff:
                    continue
                a = staff[r.randrange(len(staff))]
                di = (self.start_di + r.randrange(self.test_di - self.start_di)) if j % 2 == 0 else \
                    (self.test_di + r.randrange(self.end_di - self.test_di))
                if date_of(di).weekday() >= 5:
                    di -= 2
                t = local_midnight_utc(a.zone, di) + int((a.habits["start_h"] + r.random() * 6) * 3600)
                ip = self.session_ip(a, o, di, r, date_of(di).weekday())
                opts = {}
                if kind == "ws_member" or kind == "org_member":
                    opts = {}
                elif verb in ("update", "delete", "touch") and kind in CREATE_OF and kind != "org":
                    key = ("chore", self.seq)
                    self.add(t - r.randint(600, 3 * 3600), a, o, CREATE_OF[kind], {"ref": key}, ip, ACTIONS[CREATE_OF[kind]][2], "chore")
                    opts = {"use_ref": key}
                self.add(t, a, o, act, opts, ip, async_, "chore")

    # ------------------------------------------------------------------ realisation
    def member_ws(self, a, o, rng):
        wl = [w for w in o.pool("workspace") if a.id in w.members]
        return rng.choice(wl) if wl else None

    def pick_ws(self, a, o, opts, rng):
        w = opts.get("ws")
        if w is not None and w.live:
            return w
        wr = opts.get("ws_ref")
        if wr is not None:
            x = self.refs.get(wr)
            if x is not None and x.live:
                return x if x.kind == "workspace" else x.ws
        pr = opts.get("pipeline_ref")
        if pr is not None:
            x = self.refs.get(pr)
            if x is not None and x.ws is not None and x.ws.live:
                return x.ws
        if opts.get("ws_pick") == "member":
            w = self.member_ws(a, o, rng)
            if w is not None:
                return w
        favs = [x for x in (a.favs.get(o.id) or []) if x.live]
        if favs and rng.random() < 0.88:
            return rng.choice(favs)
        wl = o.pool("workspace")
        return rng.choice(wl) if wl else None

    def pick_existing(self, kind, a, o, opts, rng, ws=None):
        if kind in WS_KINDS:
            tries = [ws] if ws is not None else []
            tries += [self.pick_ws(a, o, {}, rng) for _ in range(3)]
            for w in tries:
                if w is None:
                    continue
                lst = w.pools.get(kind)
                if lst:
                    return self._choose(lst, a, opts, rng), lst
            return None, None
        lst = o.pool(kind)
        if kind == "token":
            lst = a.tokens
        if not lst:
            return None, None
        return self._choose(lst, a, opts, rng), lst

    def _choose(self, lst, a, opts, rng):
        pref = opts.get("prefer")
        if pref == "old":
            cands = [x for x in lst[: max(1, len(lst) // 2)] if x.creator is not a] or lst
            return rng.choice(cands)
        if pref == "own":
            cands = [x for x in lst if x.creator is a]
            if cands:
                return rng.choice(cands)
        if pref == "scratch":
            cands = [x for x in lst if x.fields.get("scratch") or (x.ws is not None and x.ws.fields.get("scratch"))]
            if cands:
                return rng.choice(cands)
            cands = [x for x in lst if x.creator is a]
            if cands and rng.random() < 0.6:
                return rng.choice(cands)
        if len(lst) > 40 and rng.random() < 0.7:   # recent objects are touched more
            return lst[-1 - rng.randrange(min(40, len(lst)))]
        return lst[rng.randrange(len(lst))]

    def resolve(self, it):
        ts, seq, a, o, act, opts, ip, proc, tag = it
        rng = self.rr
        kind, verb, _ = ACTIONS[act]
        labelled = tag is not None and tag.startswith("inc")
        if "use_ref" in opts:
            x = self.refs.get(opts["use_ref"])
            if x is not None and x.live:
                return act, self.mutate(x, a, ts, verb, opts)
            if not labelled:
                return None
        if "target" in opts:
            x = opts["target"]
            if not x.live:
                return None
            return act, self.mutate(x, a, ts, verb, opts)
        if kind == "org":
            return act, self.mutate(o.res, a, ts, "update", opts)
        if kind == "org_member":
            return self.resolve_member(it)
        if kind == "ws_member":
            return self.resolve_ws_member(it)
        if act == "workspace.notifier.set_default":
            x, _ = self.pick_existing("notifier", a, o, opts, rng)
            w = self.pick_ws(a, o, opts, rng)
            if x is None or w is None:
                return None
            x.fields["default_workspace_id"] = w.id
            return act, self.mutate(x, a, ts, "update", opts)
        if verb == "create" or (verb in ("update", "delete", "touch") and opts.get("flap") and kind == "connection" and verb == "create"):
            x = self.create(kind, a, o, ts, opts, rng)
            return None if x is None else (act, x)
        if opts.get("flap") and verb == "delete":
            lst = [x for x in o.pool(kind) if x.creator is a]
            if not lst:
                return None
            x = lst[-1]
            return act, self.mutate(x, a, ts, verb, opts)
        if "pipeline" in opts:
            pl = opts["pipeline"]
            if not pl.live or pl.ws is None or not pl.ws.live:
                return None
        if act == "workspace.delete" and not labelled:
            if len(o.pool("workspace")) <= 2:
                return None
            if "prefer" not in opts:
                opts = dict(opts, prefer="scratch")
        ws = None
        if kind in WS_KINDS and (opts.get("ws") is not None or opts.get("ws_ref") is not None or opts.get("ws_pick")):
            ws = self.pick_ws(a, o, opts, rng)
        x, lst = self.pick_existing(kind, a, o, opts, rng, ws)
        if x is None:
            if labelled or verb == "touch":
                if kind in CREATE_OF and verb != "touch":
                    x = self.create(kind, a, o, ts, opts, rng)
                    return None if x is None else (CREATE_OF[kind], x)
                return None
            return None
        return act, self.mutate(x, a, ts, verb, opts, lst)

    def create(self, kind, a, o, ts, opts, rng):
        ws = None
        if kind in WS_KINDS:
            ws = self.pick_ws(a, o, opts, rng)
            if ws is None:
                return None
        extra = {}
        if kind == "ws_conn":
            conns = o.pool("connection")
            c = rng.choice(conns) if conns else self.create("connection", a, o, ts, {}, rng)
            extra = {"connection_id": c.id, "connection_handle": c.handle}
            x = self.new_res(kind, o, ws, ts, a, rng, extra, handle=c.handle)
        elif kind == "conn_perm":
            conns = o.pool("connection")
            c = rng.choice(conns) if conns else self.create("connection", a, o, ts, {}, rng)
            x = self.new_res(kind, o, None, ts, a, rng, {"connection_id": c.id, "connection_handle": c.handle}, handle=c.handle)
        elif kind == "dt_table":
            tanks = ws.pools.get("datatank") or []
            if tanks:
                tk = rng.choice(tanks)
                extra = {"datatank_id": tk.id, "datatank_handle": tk.handle}
            x = self.new_res(kind, o, ws, ts, a, rng, extra)
        elif kind == "pipeline" and "pipeline" in opts:
            x = self.new_res(kind, o, ws, ts, a, rng)
        else:
            x = self.new_res(kind, o, ws, ts, a, rng)
        if kind == "workspace":
            x.fields["scratch"] = rng.random() < 0.5
            x.members[a.id] = None
        if kind == "snapshot":
            pl = opts.get("pipeline")
            if pl is None and opts.get("pipeline_ref") is not None:
                pl = self.refs.get(opts["pipeline_ref"])
            if pl is not None:
                x.fields["dashboard_name"] = pl.fields.get("args", {}).get("resource", x.fields["dashboard_name"])
                x.fields["tags"] = {"generated_by": "pipeline", "pipeline_id": pl.id}
            elif rng.random() < 0.07:
                x.fields["visibility"] = "anyone_with_link"
        if kind == "token":
            a.tokens.append(x)
            x.fields["user_id"] = a.id
        if opts.get("fields"):
            x.fields.update(opts["fields"])
        if opts.get("ref") is not None:
            self.refs[opts["ref"]] = x
        if kind != "token":
            self.attach(x)
            if kind == "snapshot":
                lst = ws.pools["snapshot"]
                if len(lst) > 300:
                    del lst[0]
        return x

    def mutate(self, x, a, ts, verb, opts, lst=None):
        if ts <= x.updated_at:
            ts = x.updated_at + 1
        x.version += 1
        x.updated_at = ts
        x.updater = a
        if opts.get("fields"):
            x.fields.update(opts["fields"])
        if verb == "delete":
            x.live = False
            x.state = "deleted"
            if x.kind == "workspace":
                x.fields["desired_state"] = "deleted"
            if lst is None:
                if x.kind in WS_KINDS:
                    lst = x.ws.pools.get(x.kind, [])
                elif x.kind == "token":
                    lst = x.creator.tokens
                else:
                    lst = x.org.pool(x.kind)
            if x in lst:
                lst.remove(x)
            if x.kind == "token":
                x.fields["status"] = "inactive"
        elif verb == "update" and x.kind == "token" and opts.get("fields") is None:
            x.fields["description"] = x.fields.get("description", "") or "api"
        if opts.get("fields", {}).get("state"):
            x.state = opts["fields"]["state"]
        return x

    def resolve_member(self, it):
        ts, seq, a, o, act, opts, ip, proc, tag = it
        rng = self.rr
        verb = ACTIONS[act][1]
        u = opts.get("user")
        if verb == "create":
            if u is None:
                u = self.guest_user(o, ts)
            if u.id in o.members and o.members[u.id].live:
                m = o.members[u.id]
                return "org.member.update", self.mutate(m, a, ts, "update", {"fields": {"role": opts.get("role", "member")}})
            m = self.new_res("org_member", o, None, ts, a, rng,
                             {"user_id": u.id, "user_handle": u.handle, "role": opts.get("role", "member"),
                              "status": "invited", "email": None}, handle=u.handle)
            m.state = "invited"
            o.members[u.id] = m
            self.attach(m)
            return act, m
        if u is None:
            lst = [m for m in o.pool("org_member") if m.fields["user_id"] != a.id]
            if not lst:
                return None
            m = lst[rng.randrange(len(lst))] if verb == "update" else (
                [x for x in lst if x.state == "invited"] or lst)[-1]
        else:
            m = o.members.get(u.id)
            if m is None or not m.live:
                return None
        f = {}
        if verb == "update" and opts.get("accept"):
            m.state = "accepted"
            return act, self.mutate(m, a, ts, verb, {"fields": {"status": "accepted"}})
        if verb == "update":
            role = opts.get("role") or ("owner" if m.fields["role"] == "member" else "member")
            f = {"role": role}
            if m.state == "invited" and rng.random() < 0.5:
                f["status"] = "accepted"
                m.state = "accepted"
        return act, self.mutate(m, a, ts, verb, {"fields": f})

    def resolve_ws_member(self, it):
        ts, seq, a, o, act, opts, ip, proc, tag = it
        rng = self.rr
        verb = ACTIONS[act][1]
        u = opts.get("user")
        w = opts.get("ws")
        if w is not None and not w.live:
            w = None
        if verb == "create":
            if w is None:
                w = self.pick_ws(a, o, opts, rng)
            if w is None:
                return None
            if u is None:
                members = [m for m in o.pool("org_member") if m.live]
                for _ in range(6):
                    m = rng.choice(members)
                    if m.fields["user_id"] not in w.members:
                        break
                else:
                    return None
                uid, uh = m.fields["user_id"], m.fields["user_handle"]
            else:
                uid, uh = u.id, u.handle
            old = w.members.get(uid)
            if old is not None and old.live:
                return "org.workspace.member.update", self.mutate(old, a, ts, "update", {"fields": {"role": opts.get("role", "owner")}})
            m = self.new_res("ws_member", o, w, ts, a, rng,
                             {"user_id": uid, "user_handle": uh, "role": opts.get("role") or rng.choice(["reader", "operator", "admin"]),
                              "status": "accepted"}, handle=uh)
            m.state = "accepted"
            w.members[uid] = m
            self.attach(m)
            if u is not None and u.kind in ("person", "external", "bot", "shared"):
                u.favs.setdefault(o.id, [])
                if w not in u.favs[o.id]:
                    u.favs[o.id].append(w)
            return act, m
        # update / delete
        if u is not None:
            cands = [w] if w is not None else [x for x in o.pool("workspace") if u.id in x.members]
            for x in cands:
                m = x.members.get(u.id)
                if m is not None and m.live:
                    f = {"role": opts.get("role")} if (verb == "update" and opts.get("role")) else {}
                    if verb == "delete":
                        del x.members[u.id]
                    return act, self.mutate(m, a, ts, verb, {"fields": f})
            return None
        w = w or self.pick_ws(a, o, opts, rng)
        if w is None:
            return None
        lst = [m for m in (w.pools.get("ws_member") or []) if m.fields["user_id"] != a.id]
        if not lst:
            return None
        m = rng.choice(lst)
        f = {"role": rng.choice(["reader", "operator", "admin", "owner"])} if verb == "update" else {}
        if verb == "delete":
            w.members.pop(m.fields["user_id"], None)
        return act, self.mutate(m, a, ts, verb, {"fields": f})

    def data_of(self, x):
        d = {"id": x.id}
        if x.handle is not None:
            d["handle"] = x.handle
        d["identity_id"] = x.org.id
        if x.ws is not None:
            d["workspace_id"] = x.ws.id
            d["workspace_handle"] = x.ws.handle
        for k2, v in x.fields.items():
            if k2 == "scratch":
                continue
            d[k2] = v
        d["created_at"] = fmt(x.created_at)
        d["created_by_id"] = x.creator.id
        d["created_by"] = x.creator.uobj
        d["state"] = x.state
        d["updated_at"] = fmt(x.updated_at)
        if x.updater is not None:
            d["updated_by_id"] = x.updater.id
            d["updated_by"] = x.updater.uobj
        d["version_id"] = x.version
        return d

    def realise(self, out_train, out_test):
        self.intents.sort(key=lambda it: (it[0], it[1]))
        ingest_every = self.k["collect_every_h"] * 3600
        labels = []
        counts = {"train": 0, "test": 0}
        benign_types = {}
        attack_types = {}
        self.action_counts = {}
        actor_days_attack = {}
        rng = self.rr
        first_seen = {}
        realised_days = {}
        self.realised_days = realised_days
        for it in self.intents:
            ts, seq, a, o, act, opts, ip, proc, tag = it
            res = self.resolve(it)
            if res is None:
                continue
            act2, x = res
            labelled = tag is not None and tag.startswith("inc")
            pid = self.ids.new("p", ts - rng.randint(0, 5)) if proc else None
            if act2 == "workspace.snapshot.create" and pid and "pipeline" in opts:
                opts["pipeline"].fields["last_process_id"] = pid
            rid = self.ids.new("a", ts)
            ingest = (ts // ingest_every + 1) * ingest_every + rng.randint(20, 600)
            rec = {
                "id": rid,
                "action_type": act2,
                "actor_id": a.id,
                "actor_handle": a.handle,
                "actor_display_name": a.display,
                "actor_avatar_url": a.avatar,
                "actor_ip": ip,
                "created_at": fmt(ts),
                "identity_id": o.id,
                "identity_handle": o.handle,
                "tenant_id": o.tenant,
                "target_id": x.id,
                "target_handle": x.handle,
                "process_id": pid,
                "data": self.data_of(x),
                "tp_id": self.tpids.raw(ingest),
                "tp_source_type": "pipes_audit_log_api",
                "tp_source_name": "pipes_audit_log_api",
                "tp_timestamp": fmt(ts),
                "tp_ingest_timestamp": fmt(ingest),
                "tp_date": day_str(ts // DAY),
                "tp_index": o.handle,
                "tp_partition": o.partition,
                "tp_table": "pipes_audit_log",
                "tp_source_ip": ip,
                "tp_destination_ip": None,
                "tp_ips": [ip] if ip else None,
                "tp_usernames": [a.handle, a.id],
                "tp_akas": [x.id],
                "tp_domains": None,
                "tp_emails": None,
                "tp_tags": None,
            }
            line = json.dumps(rec, separators=(",", ":"), ensure_ascii=False) + "\n"
            if ts < self.t_test:
                out_train.write(line)
                counts["train"] += 1
            else:
                out_test.write(line)
                counts["test"] += 1
            self.action_counts[act2] = self.action_counts.get(act2, 0) + 1
            if labelled:
                assert ts >= self.t_test
                labels.append((rid, a.id, fmt(ts), tag.split("_", 1)[1], tag))
                attack_types[act2] = attack_types.get(act2, 0) + 1
                actor_days_attack[(a.id, ts // DAY)] = tag
            else:
                benign_types[act2] = benign_types.get(act2, 0) + 1
            if a.id not in first_seen:
                first_seen[a.id] = ts
            realised_days[(a.id, ts // DAY)] = 1
        self.labels = labels
        self.counts = counts
        self.attack_only = sorted(t for t in attack_types if t not in benign_types)
        self.actor_days_attack = actor_days_attack
        self.first_seen = first_seen

    # ------------------------------------------------------------------ run
    def run(self, out):
        t_start = time.time()
        self.build()
        self.gen_lookalikes()       # before people: it edits trips and leave
        self.gen_people()
        self.gen_shared()
        self.gen_bots()
        self.gen_platform()
        self.gen_lifecycle()
        self.gen_attacks()
        self.gen_chores()
        self.log("intents: %d (%.1fs)" % (len(self.intents), time.time() - t_start))
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "train.jsonl"), "w", encoding="utf-8", newline="\n") as ftr, \
                open(os.path.join(out, "test.jsonl"), "w", encoding="utf-8", newline="\n") as fte:
            self.realise(ftr, fte)
        self.write_truth(out)
        self.log("records: train %d, test %d; labelled %d; incidents %d (%.1fs)" % (
            self.counts["train"], self.counts["test"], len(self.labels), len(self.incidents), time.time() - t_start))

    def write_truth(self, out):
        # labels
        with open(os.path.join(out, "labels.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["record_id", "actor_id", "created_at", "scenario", "incident_id"])
            for row in self.labels:
                w.writerow(row)
        # windows
        wl = {}
        for rid, aid, ca, sc, iid in self.labels:
            key = (aid, ca[:10], sc, iid)
            wl[key] = 1
        with open(os.path.join(out, "window_labels.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["actor_id", "day", "scenario", "incident_id"])
            for key in sorted(wl):
                w.writerow(key)
        # look-alikes: test days, actor-days holding an attack record left out, only days with records
        seen = {}
        rows = []
        active = self.realised_days
        for aid, di, kind in self.lookalike_days:
            if di < self.test_di or di >= self.end_di:
                continue
            if (aid, di) in self.actor_days_attack:
                continue
            if (aid, di) not in active:
                continue
            key = (aid, di, kind)
            if key in seen:
                continue
            seen[key] = 1
            rows.append((aid, day_str(di), kind))
        rows.sort()
        lk_counts = {}
        for _, _, kind in rows:
            lk_counts[kind] = lk_counts.get(kind, 0) + 1
        with open(os.path.join(out, "lookalikes.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["actor_id", "day", "kind"])
            for row in rows:
                w.writerow(row)
        # actors
        with open(os.path.join(out, "actors.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["actor_id", "handle", "display_name", "kind", "role", "orgs", "country", "timezone",
                        "joined", "left", "notes", "first_record"])
            for a in self.actors:
                w.writerow([a.id, a.handle, a.display, a.kind, a.role, ";".join(o.handle for o in a.orgs or []),
                            a.country, a.zone, day_str(a.join_di) if a.join_di is not None else "",
                            day_str(a.leave_di) if a.leave_di is not None else "", ";".join(a.notes),
                            fmt(self.first_seen[a.id]) if a.id in self.first_seen else ""])
        inc_counts = {}
        forms = {}
        inc_actors = {}
        labelled_inc = {}
        for row in self.labels:
            labelled_inc[row[4]] = labelled_inc.get(row[4], 0) + 1
        for inc in self.incidents:
            if inc["id"] not in labelled_inc:
                continue
            inc_counts[inc["scenario"]] = inc_counts.get(inc["scenario"], 0) + 1
            forms[inc["id"]] = inc["form"]
            acts = sorted({row[1]: 1 for row in self.labels if row[4] == inc["id"]})
            inc_actors[inc["id"]] = acts
        man = {
            "generator": "independent4/world.py",
            "seed": self.seed,
            "train_period": [day_str(self.start_di), day_str(self.test_di - 1)],
            "test_period": [day_str(self.test_di), day_str(self.end_di - 1)],
            "records": dict(self.counts),
            "incidents": inc_counts,
            "incident_forms": forms,
            "incident_actors": inc_actors,
            "incident_records": labelled_inc,
            "lookalikes": dict(sorted(lk_counts.items())),
            "attack_only_action_types": self.attack_only,
            "action_types": dict(sorted(self.action_counts.items())),
            "organisations": [{"id": o.id, "handle": o.handle, "tenant_id": o.tenant, "people": len(o.people),
                               "bots": len(o.bots)} for o in self.orgs],
            "knobs": self.k,
        }
        with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8", newline="\n") as f:
            json.dump(man, f, indent=2, sort_keys=False)
            f.write("\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    w = World(args.seed, quiet=args.quiet)
    w.run(args.out)


if __name__ == "__main__":
    main()
