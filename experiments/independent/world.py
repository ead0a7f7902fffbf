#!/usr/bin/env python3
"""Independent simulator of Turbot Pipes audit logs with labelled attacks.

A second author's picture of two Pipes organisations over 75 days: people of
several roles in two or three time zones, service accounts, a platform actor,
offices behind NAT, home broadband with daily IPv6 privacy addresses, corporate
VPN egress shared by many, mobile carriers, cloud elastic addresses; leave,
holidays, hires and leavers; teammates acting on each other's resources.  Ten
kinds of attack are injected in the test period (``labels.csv``) and eight kinds
of benign look-alike are listed (``lookalikes.csv``).

It was written without reading the project's own generator or detector.

Run ``python world.py --seed 1 --out DIR``; ``--help`` lists the knobs.
"""

from __future__ import annotations

import argparse
import base64
import csv
import json
import math
import struct
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Any

import numpy as np

DAY = 86_400
HOUR = 3_600
MINUTE = 60
EPOCH = date(1970, 1, 1)

PLATFORM_ACTIONS: tuple[str, ...] = (
    "connection-folder.create",
    "connection.create",
    "connection.delete",
    "connection.permission.create",
    "connection.permission.delete",
    "connection.update",
    "datatank.create",
    "datatank.delete",
    "datatank.part.update",
    "datatank.table.create",
    "datatank.table.delete",
    "datatank.table.update",
    "integration.create",
    "integration.delete",
    "integration.refresh",
    "notifier.create",
    "org.billing.payment_method.create",
    "org.member.add",
    "org.member.delete",
    "org.member.update",
    "org.update",
    "org.workspace.member.add",
    "org.workspace.member.update",
    "pipeline.command.run",
    "pipeline.create",
    "pipeline.delete",
    "pipeline.update",
    "workspace.aggregator.create",
    "workspace.aggregator.delete",
    "workspace.aggregator.update",
    "workspace.connection.dissociate",
    "workspace.create",
    "workspace.delete",
    "workspace.flowpipe.input.create",
    "workspace.inactive.disable",
    "workspace.inactive.warn",
    "workspace.mod.install",
    "workspace.mod.uninstall",
    "workspace.mod.variable.setting.create",
    "workspace.mod.variable.setting.update",
    "workspace.notifier.set_default",
    "workspace.reboot",
    "workspace.schema.attach",
    "workspace.schema.create",
    "workspace.schema.delete",
    "workspace.snapshot.create",
    "workspace.snapshot.update",
    "workspace.update",
    "workspace.upgrade",
    "workspace.usage.disable",
    "workspace.usage.enable",
)
# Action types of a newer API version: benign, used by everyone a little.
NEWER_ACTIONS: tuple[str, ...] = (
    "user.token.create",
    "user.token.delete",
    "org.audit.export",
    "workspace.pipeline.trigger.create",
    "workspace.snapshot.delete",
    "connection.test",
)

SCENARIOS: tuple[str, ...] = (
    "forged_actor",
    "impossible_travel",
    "low_and_slow_growth",
    "privilege_persistence",
    "short_lived_workspaces",
    "account_takeover",
    "billing_change",
    "dormant_account",
    "mass_deletion",
    "service_account_misuse",
)
LOOKALIKES: tuple[str, ...] = (
    "returning_from_leave",
    "travelling_employee",
    "new_hire_onboarding",
    "admin_cleanup",
    "month_end_billing_admin",
    "ci_burst",
    "reorg_membership_changes",
    "late_incident_response",
)

# action -> (resource kind, operation)
ACTION_SPEC: dict[str, tuple[str, str]] = {
    "connection-folder.create": ("folder", "create"),
    "connection.create": ("connection", "create"),
    "connection.delete": ("connection", "delete"),
    "connection.permission.create": ("conn_perm", "create"),
    "connection.permission.delete": ("conn_perm", "delete"),
    "connection.update": ("connection", "update"),
    "connection.test": ("connection", "read"),
    "datatank.create": ("datatank", "create"),
    "datatank.delete": ("datatank", "delete"),
    "datatank.part.update": ("dt_table", "update"),
    "datatank.table.create": ("dt_table", "create"),
    "datatank.table.delete": ("dt_table", "delete"),
    "datatank.table.update": ("dt_table", "update"),
    "integration.create": ("integration", "create"),
    "integration.delete": ("integration", "delete"),
    "integration.refresh": ("integration", "update"),
    "notifier.create": ("notifier", "create"),
    "org.billing.payment_method.create": ("payment", "create"),
    "org.member.add": ("member", "create"),
    "org.member.delete": ("member", "delete"),
    "org.member.update": ("member", "update"),
    "org.update": ("org", "update"),
    "org.audit.export": ("export", "create"),
    "org.workspace.member.add": ("ws_member", "create"),
    "org.workspace.member.update": ("ws_member", "update"),
    "pipeline.command.run": ("pipeline", "run"),
    "pipeline.create": ("pipeline", "create"),
    "pipeline.delete": ("pipeline", "delete"),
    "pipeline.update": ("pipeline", "update"),
    "user.token.create": ("token", "create"),
    "user.token.delete": ("token", "delete"),
    "workspace.aggregator.create": ("aggregator", "create"),
    "workspace.aggregator.delete": ("aggregator", "delete"),
    "workspace.aggregator.update": ("aggregator", "update"),
    "workspace.connection.dissociate": ("connection", "dissociate"),
    "workspace.create": ("workspace", "create"),
    "workspace.delete": ("workspace", "delete"),
    "workspace.flowpipe.input.create": ("fp_input", "create"),
    "workspace.inactive.disable": ("workspace", "update"),
    "workspace.inactive.warn": ("workspace", "update"),
    "workspace.mod.install": ("mod", "create"),
    "workspace.mod.uninstall": ("mod", "delete"),
    "workspace.mod.variable.setting.create": ("mod_var", "create"),
    "workspace.mod.variable.setting.update": ("mod_var", "update"),
    "workspace.notifier.set_default": ("workspace", "update"),
    "workspace.pipeline.trigger.create": ("trigger", "create"),
    "workspace.reboot": ("workspace", "update"),
    "workspace.schema.attach": ("schema", "update"),
    "workspace.schema.create": ("schema", "create"),
    "workspace.schema.delete": ("schema", "delete"),
    "workspace.snapshot.create": ("snapshot", "create"),
    "workspace.snapshot.delete": ("snapshot", "delete"),
    "workspace.snapshot.update": ("snapshot", "update"),
    "workspace.update": ("workspace", "update"),
    "workspace.upgrade": ("workspace", "update"),
    "workspace.usage.disable": ("workspace", "update"),
    "workspace.usage.enable": ("workspace", "update"),
}
WS_KINDS = frozenset(
    {
        "pipeline",
        "datatank",
        "dt_table",
        "aggregator",
        "mod",
        "mod_var",
        "snapshot",
        "schema",
        "fp_input",
        "trigger",
        "ws_member",
        "conn_perm",
    }
)
PARENT_KEY = {
    "dt_table": "datatank_id",
    "mod_var": "workspace_mod_id",
    "conn_perm": "connection_id",
    "trigger": "pipeline_id",
}
ID_PREFIX = {
    "workspace": "w",
    "connection": "c",
    "folder": "cf",
    "conn_perm": "cp",
    "pipeline": "pl",
    "datatank": "dt",
    "dt_table": "dtt",
    "aggregator": "ag",
    "mod": "wm",
    "mod_var": "wmv",
    "snapshot": "s",
    "schema": "sc",
    "fp_input": "fi",
    "trigger": "tr",
    "integration": "i",
    "notifier": "n",
    "member": "om",
    "ws_member": "wsm",
    "payment": "pm",
    "token": "tok",
    "export": "ae",
}


# ----------------------------------------------------------------------------------- draws
class Rand:
    """Fast buffered scalar draws from a seeded numpy ``Generator``.

    Parameters
    ----------
    seed : int
        World seed.
    stream : int
        Stream number, so that separate concerns draw independently.
    """

    _BLOCK = 1 << 14

    def __init__(self, seed: int, stream: int) -> None:
        self.gen = np.random.default_rng([seed, stream])
        self._u: list[float] = []
        self._ui = 0
        self._n: list[float] = []
        self._ni = 0

    def u(self) -> float:
        """Return a uniform draw in [0, 1)."""
        if self._ui >= len(self._u):
            self._u = self.gen.random(self._BLOCK).tolist()
            self._ui = 0
        x = self._u[self._ui]
        self._ui += 1
        return x

    def n(self) -> float:
        """Return a standard normal draw."""
        if self._ni >= len(self._n):
            self._n = self.gen.standard_normal(self._BLOCK).tolist()
            self._ni = 0
        x = self._n[self._ni]
        self._ni += 1
        return x

    def randint(self, lo: int, hi: int) -> int:
        """Return an integer in [lo, hi], both included."""
        return lo + int(self.u() * (hi - lo + 1))

    def uniform(self, lo: float, hi: float) -> float:
        """Return a uniform draw in [lo, hi)."""
        return lo + (hi - lo) * self.u()

    def chance(self, p: float) -> bool:
        """Return True with probability ``p``."""
        return self.u() < p

    def choice(self, seq: Any) -> Any:
        """Return one element of a non-empty sequence."""
        return seq[int(self.u() * len(seq))]

    def weighted(self, items: Any, weights: Any) -> Any:
        """Return one of ``items`` with probability proportional to ``weights``."""
        total = sum(weights)
        x = self.u() * total
        acc = 0.0
        for item, w in zip(items, weights, strict=True):
            acc += w
            if x < acc:
                return item
        return items[-1]

    def expo(self, mean: float) -> float:
        """Return an exponential draw with the given mean."""
        return -mean * math.log(1.0 - self.u())

    def lognormal(self, median: float, sigma: float) -> float:
        """Return a log-normal draw with the given median and log-sd."""
        return median * math.exp(sigma * self.n())

    def poisson(self, lam: float) -> int:
        """Return a Poisson draw (Knuth's method, for small means)."""
        if lam <= 0:
            return 0
        limit = math.exp(-lam)
        k = 0
        p = self.u()
        while p > limit:
            k += 1
            p *= self.u()
        return k

    def geometric(self, mean: float) -> int:
        """Return a geometric draw >= 1 with the given mean."""
        if mean <= 1.0:
            return 1
        q = 1.0 - 1.0 / mean
        return 1 + int(math.log(1.0 - self.u()) / math.log(q))

    def sample(self, seq: Any, k: int) -> list[Any]:
        """Return ``k`` distinct elements of ``seq`` in random order."""
        pool = list(seq)
        k = min(k, len(pool))
        for i in range(k):
            j = i + int(self.u() * (len(pool) - i))
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]

    def gamma(self, shape: float) -> float:
        """Return a gamma draw of unit scale."""
        return float(self.gen.gamma(shape))

    def hexword(self, n: int) -> str:
        """Return ``n`` random lowercase hex digits."""
        return "".join("0123456789abcdef"[int(self.u() * 16)] for _ in range(n))


class Ids:
    """Make xid-like identifiers: 4 bytes of time, 5 of machine, 3 of counter.

    Parameters
    ----------
    rng : Rand
        Source of the machine bytes and the first counter value.
    """

    def __init__(self, rng: Rand) -> None:
        self.counter = rng.randint(0, 1 << 22)
        self.machines = [bytes(rng.randint(0, 255) for _ in range(5)) for _ in range(4)]

    def new(self, prefix: str, t: int) -> str:
        """Return a new id with ``prefix`` whose time part is ``t`` (epoch seconds)."""
        self.counter = (self.counter + 1) & 0xFFFFFF
        raw = (
            struct.pack(">I", t & 0xFFFFFFFF)
            + self.machines[self.counter & 3]
            + self.counter.to_bytes(3, "big")
        )
        return f"{prefix}_{base64.b32hexencode(raw).decode()[:20].lower()}"


# ------------------------------------------------------------------------------------ time
def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """Return the n-th (n=-1: last) given weekday (Monday 0) of a month."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    last = nxt - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def easter(year: int) -> date:
    """Return Western Easter Sunday of ``year`` (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


def holidays(country: str, year: int) -> frozenset[date]:
    """Return the public holidays of ``country`` in ``year`` that offices close for."""
    es = easter(year)
    if country == "US":
        days = [
            date(year, 1, 1),
            nth_weekday(year, 1, 0, 3),
            nth_weekday(year, 2, 0, 3),
            nth_weekday(year, 5, 0, -1),
            date(year, 6, 19),
            date(year, 7, 4),
            nth_weekday(year, 9, 0, 1),
            nth_weekday(year, 11, 3, 4),
            nth_weekday(year, 11, 3, 4) + timedelta(days=1),
            date(year, 12, 25),
        ]
    elif country == "GB":
        days = [
            date(year, 1, 1),
            es - timedelta(days=2),
            es + timedelta(days=1),
            nth_weekday(year, 5, 0, 1),
            nth_weekday(year, 5, 0, -1),
            nth_weekday(year, 8, 0, -1),
            date(year, 12, 25),
            date(year, 12, 26),
        ]
    elif country == "IN":
        days = [
            date(year, 1, 26),
            es - timedelta(days=2),
            date(year, 4, 14),
            date(year, 5, 1),
            date(year, 8, 15),
            date(year, 10, 2),
            date(year, 12, 25),
        ]
    else:
        days = []
    return frozenset(days)


ZONE_COUNTRY = {
    "America/New_York": "US",
    "America/Los_Angeles": "US",
    "Europe/London": "GB",
    "Europe/Berlin": "DE",
    "Asia/Kolkata": "IN",
    "Asia/Singapore": "SG",
    "Asia/Tokyo": "JP",
    "UTC": "US",
}


def utc_offset_minutes(zone: str, d: date) -> int:
    """Return the UTC offset of ``zone`` on local date ``d`` (2007+ US and EU DST rules)."""
    y = d.year
    if zone in ("America/New_York", "America/Los_Angeles"):
        base = -300 if zone == "America/New_York" else -480
        dst = nth_weekday(y, 3, 6, 2) <= d < nth_weekday(y, 11, 6, 1)
        return base + 60 * dst
    if zone in ("Europe/London", "Europe/Berlin"):
        base = 0 if zone == "Europe/London" else 60
        dst = nth_weekday(y, 3, 6, -1) <= d < nth_weekday(y, 10, 6, -1)
        return base + 60 * dst
    return {"Asia/Kolkata": 330, "Asia/Singapore": 480, "Asia/Tokyo": 540}.get(zone, 0)


class Clock:
    """Timeline of the world: day indices, UTC epoch seconds and ISO strings.

    Parameters
    ----------
    start : date
        First UTC day.
    days : int
        Length of the timeline in days.
    train_days : int
        Days in the training period.
    """

    def __init__(self, start: date, days: int, train_days: int) -> None:
        self.start = start
        self.days = days
        self.train_days = train_days
        self.t0 = (start - EPOCH).days * DAY
        self.t_test = self.t0 + train_days * DAY
        self.t_end = self.t0 + days * DAY
        self._day_str: dict[int, str] = {}
        self._offset: dict[tuple[str, int], int] = {}
        self._holiday: dict[tuple[str, int], bool] = {}

    def date(self, d: int) -> date:
        """Return the calendar date of day index ``d``."""
        return self.start + timedelta(days=d)

    def weekday(self, d: int) -> int:
        """Return the weekday (Monday 0) of day index ``d``."""
        return (self.start.weekday() + d) % 7

    def day_of(self, t: int) -> int:
        """Return the UTC day index of epoch second ``t``."""
        return (t - self.t0) // DAY

    def day_str(self, t: int) -> str:
        """Return the UTC date of epoch second ``t`` as YYYY-MM-DD."""
        k = t // DAY
        s = self._day_str.get(k)
        if s is None:
            s = (EPOCH + timedelta(days=k)).isoformat()
            self._day_str[k] = s
        return s

    def iso(self, t: int) -> str:
        """Return epoch second ``t`` as an ISO 8601 UTC string with Z."""
        rest = t % DAY
        h, rest = divmod(rest, HOUR)
        m, s = divmod(rest, MINUTE)
        return f"{self.day_str(t)}T{h:02d}:{m:02d}:{s:02d}Z"

    def offset(self, zone: str, d: int) -> int:
        """Return the UTC offset in minutes of ``zone`` on day index ``d``."""
        key = (zone, d)
        v = self._offset.get(key)
        if v is None:
            v = utc_offset_minutes(zone, self.date(d))
            self._offset[key] = v
        return v

    def local(self, d: int, hour: float, zone: str) -> int:
        """Return the epoch second of local ``hour`` on local day ``d`` in ``zone``."""
        return self.t0 + d * DAY + int(hour * HOUR) - self.offset(zone, d) * MINUTE

    def is_holiday(self, country: str, d: int) -> bool:
        """Return whether day index ``d`` is a public holiday in ``country``."""
        key = (country, d)
        v = self._holiday.get(key)
        if v is None:
            dt = self.date(d)
            v = dt in holidays(country, dt.year)
            self._holiday[key] = v
        return v


# -------------------------------------------------------------------------------- networks
@dataclass(frozen=True)
class Network:
    """An address space of one provider: IPv4 /16s and an optional IPv6 /32.

    Parameters
    ----------
    name : str
        Provider label (never written to the records).
    kind : str
        residential, mobile, office, sse, vpn, cloud, ci, hosting, hotel or platform.
    country : str
        Country of the addresses.
    v4 : tuple of (int, int)
        First two octets of its IPv4 blocks.
    v6 : str
        First two hextets of its IPv6 block, or "".
    """

    name: str
    kind: str
    country: str
    v4: tuple[tuple[int, int], ...]
    v6: str = ""

    def v4_addr(self, r: Rand) -> str:
        """Return a random IPv4 address of this network."""
        a, b = r.choice(self.v4)
        return f"{a}.{b}.{r.randint(0, 255)}.{r.randint(1, 254)}"

    def v6_p64(self, r: Rand) -> str:
        """Return a random /64 prefix of this network (four hextets)."""
        return f"{self.v6}:{r.randint(0, 0xFFFF):x}:{r.randint(0, 0xFF) << 8:x}"


def v6_iid(r: Rand) -> str:
    """Return a random IPv6 interface identifier (privacy address, four hextets)."""
    return ":".join(f"{r.randint(0, 0xFFFF):x}" for _ in range(4))


NETWORKS: tuple[Network, ...] = (
    # residential broadband
    Network(
        "us-comcast", "residential", "US", ((73, 12), (73, 150), (98, 34), (24, 60)), "2601:184"
    ),
    Network("us-verizon-fios", "residential", "US", ((71, 105), (108, 46), (100, 2)), "2600:4040"),
    Network("us-spectrum", "residential", "US", ((66, 108), (174, 97), (184, 152)), "2603:7000"),
    Network("us-att-fiber", "residential", "US", ((99, 110), (107, 203), (76, 250)), "2600:1700"),
    Network("us-cox", "residential", "US", ((68, 105), (70, 173)), "2600:8800"),
    Network("gb-bt", "residential", "GB", ((81, 129), (86, 150), (109, 155)), "2a00:23c6"),
    Network("gb-virgin", "residential", "GB", ((82, 17), (92, 233), (62, 31))),
    Network("gb-sky", "residential", "GB", ((90, 214), (5, 81), (2, 123)), "2a02:c7c"),
    Network("gb-talktalk", "residential", "GB", ((89, 241), (92, 20))),
    Network("in-airtel", "residential", "IN", ((122, 171), (106, 51), (59, 95)), "2401:4900"),
    Network("in-jiofiber", "residential", "IN", ((49, 43), (49, 207)), "2405:201"),
    Network("in-act", "residential", "IN", ((183, 82), (106, 206))),
    Network("de-telekom", "residential", "DE", ((84, 156), (87, 161), (91, 39)), "2003:e6"),
    Network("nl-kpn", "residential", "NL", ((77, 160), (145, 53)), "2a02:a440"),
    Network("fr-orange", "residential", "FR", ((90, 8), (86, 245)), "2a01:cb00"),
    Network("es-movistar", "residential", "ES", ((83, 44), (88, 12))),
    Network("ca-rogers", "residential", "CA", ((99, 230), (174, 112)), "2607:fea8"),
    Network("br-vivo", "residential", "BR", ((177, 94), (189, 78)), "2804:14c"),
    Network("au-telstra", "residential", "AU", ((120, 148), (101, 180)), "2001:8003"),
    Network("ro-digi", "residential", "RO", ((86, 124), (79, 117))),
    Network("pl-orange", "residential", "PL", ((83, 24), (31, 60))),
    Network("vn-viettel", "residential", "VN", ((27, 72), (171, 224))),
    # mobile carriers (carrier-grade NAT, addresses rotate)
    Network("us-tmobile", "mobile", "US", ((172, 56), (172, 58), (172, 59)), "2607:fb90"),
    Network("us-verizon-wireless", "mobile", "US", ((174, 205), (97, 41)), "2600:1010"),
    Network("gb-ee", "mobile", "GB", ((31, 94), (85, 255)), "2a00:23ee"),
    Network("gb-vodafone", "mobile", "GB", ((92, 40), (82, 132))),
    Network("in-jio-mobile", "mobile", "IN", ((49, 36), (157, 35)), "2409:4040"),
    Network("in-airtel-mobile", "mobile", "IN", ((223, 181), (106, 193)), "2402:3a80"),
    Network("de-vodafone-mobile", "mobile", "DE", ((109, 40),), "2a02:3030"),
    Network("sg-singtel-mobile", "mobile", "SG", ((116, 14),), "2406:3003"),
    Network("jp-docomo", "mobile", "JP", ((1, 66), (49, 98)), "2001:268"),
    # business fibre behind office NAT
    Network("us-lumen-business", "office", "US", ((4, 14), (8, 39))),
    Network("gb-colt-business", "office", "GB", ((62, 6), (213, 86))),
    Network("in-tata-business", "office", "IN", ((14, 140), (115, 113))),
    # corporate VPN / secure web gateways: egress shared by many organisations
    Network("sse-zscaler", "sse", "US", ((165, 225), (136, 226), (147, 161))),
    Network("sse-warp", "sse", "US", ((104, 28),), "2a09:bac1"),
    Network("sse-netskope", "sse", "US", ((163, 116),)),
    # commercial VPN providers
    Network("vpn-mullvad", "vpn", "SE", ((185, 213), (193, 32)), "2a03:1b20"),
    Network("vpn-nord", "vpn", "NL", ((89, 187), (146, 70))),
    Network("vpn-proton", "vpn", "CH", ((149, 88), (185, 159)), "2a07:b944"),
    Network("vpn-express", "vpn", "GB", ((45, 87), (152, 89))),
    Network("vpn-surfshark", "vpn", "DE", ((138, 199), (217, 138))),
    # clouds (elastic addresses), CI runners and hosting
    Network("aws-us-east-1", "cloud", "US", ((3, 80), (34, 224), (44, 192), (52, 2), (54, 144))),
    Network("aws-eu-west-2", "cloud", "GB", ((18, 130), (35, 176), (3, 8))),
    Network("aws-ap-south-1", "cloud", "IN", ((13, 232), (65, 0), (3, 108))),
    Network("gcp-us-central1", "cloud", "US", ((34, 72), (35, 184))),
    Network("azure-eastus", "cloud", "US", ((20, 185), (40, 76), (52, 168))),
    Network("gh-actions", "ci", "US", ((20, 42), (20, 57), (40, 84), (52, 176), (4, 175))),
    Network("do-nyc", "hosting", "US", ((159, 89), (167, 99), (142, 93))),
    Network("hetzner-fsn", "hosting", "DE", ((5, 75), (116, 202), (95, 216)), "2a01:4f8"),
    Network("ovh-gra", "hosting", "FR", ((51, 68), (51, 210)), "2001:41d0"),
    Network("linode-lon", "hosting", "GB", ((172, 105), (139, 162))),
    Network("vultr-sgp", "hosting", "SG", ((45, 32), (139, 180))),
    # hotels and conference venues
    Network("de-hotel-wifi", "hotel", "DE", ((178, 15),)),
    Network("es-hotel-wifi", "hotel", "ES", ((95, 127),)),
    Network("nl-conference-wifi", "hotel", "NL", ((31, 201),)),
    Network("sg-hotel-wifi", "hotel", "SG", ((202, 166),)),
    Network("jp-hotel-wifi", "hotel", "JP", ((153, 156),)),
    Network("us-vegas-conference", "hotel", "US", ((68, 224),)),
    Network("us-ny-hotel-wifi", "hotel", "US", ((12, 34),)),
    Network("gb-hotel-wifi", "hotel", "GB", ((212, 250),)),
    Network("in-hotel-wifi", "hotel", "IN", ((103, 48),)),
    # the platform's own workers
    Network("pipes-platform", "platform", "US", ((54, 210),)),
)
NET = {n.name: n for n in NETWORKS}
TRAVEL_DESTINATIONS = (
    ("de-hotel-wifi", "Europe/Berlin"),
    ("es-hotel-wifi", "Europe/Berlin"),
    ("nl-conference-wifi", "Europe/Berlin"),
    ("sg-hotel-wifi", "Asia/Singapore"),
    ("jp-hotel-wifi", "Asia/Tokyo"),
    ("us-vegas-conference", "America/Los_Angeles"),
    ("us-ny-hotel-wifi", "America/New_York"),
    ("gb-hotel-wifi", "Europe/London"),
    ("in-hotel-wifi", "Asia/Kolkata"),
)
OFFICE_NET = {"US": "us-lumen-business", "GB": "gb-colt-business", "IN": "in-tata-business"}
CLOUD_NET = {"US": "aws-us-east-1", "GB": "aws-eu-west-2", "IN": "aws-ap-south-1"}


def check_networks() -> None:
    """Fail when two networks share an IPv4 /16 (world definition error)."""
    seen: dict[tuple[int, int], str] = {}
    for net in NETWORKS:
        for block in net.v4:
            if block in seen:
                raise ValueError(f"{net.name} and {seen[block]} share {block}")
            seen[block] = net.name


# ------------------------------------------------------------------------------- vocabulary
FIRST_NAMES = (
    "james",
    "maria",
    "wei",
    "priya",
    "tom",
    "sarah",
    "arjun",
    "emma",
    "daniel",
    "fatima",
    "lucas",
    "olivia",
    "rahul",
    "chloe",
    "michael",
    "aisha",
    "david",
    "sofia",
    "kenji",
    "laura",
    "omar",
    "hannah",
    "ravi",
    "grace",
    "ben",
    "nina",
    "samuel",
    "meera",
    "alex",
    "julia",
    "kwame",
    "isabel",
    "jack",
    "ananya",
    "peter",
    "zoe",
    "mohammed",
    "ellen",
    "vikram",
    "amy",
    "chris",
    "lena",
    "andrew",
    "deepa",
    "ryan",
    "claire",
    "sean",
    "yuki",
    "matt",
    "rosa",
    "harry",
    "kavya",
    "george",
    "lucy",
    "nikhil",
    "ruth",
    "oscar",
    "tara",
    "ethan",
    "ines",
    "liam",
    "pooja",
    "noah",
    "helen",
    "adam",
    "sana",
    "felix",
    "amelia",
    "karan",
    "jane",
    "leo",
    "diana",
    "ivan",
    "megan",
    "suresh",
    "paula",
    "theo",
    "asha",
    "mark",
    "nora",
)
LAST_NAMES = (
    "smith",
    "patel",
    "chen",
    "jones",
    "kumar",
    "williams",
    "nguyen",
    "brown",
    "singh",
    "taylor",
    "garcia",
    "wilson",
    "sharma",
    "martin",
    "lee",
    "davies",
    "iyer",
    "evans",
    "kim",
    "walker",
    "thomas",
    "rao",
    "roberts",
    "wang",
    "johnson",
    "mehta",
    "hughes",
    "lopez",
    "green",
    "reddy",
    "hall",
    "khan",
    "clarke",
    "nair",
    "wood",
    "zhang",
    "hill",
    "gupta",
    "moore",
    "okafor",
    "white",
    "das",
    "harris",
    "murphy",
    "joshi",
    "scott",
    "young",
    "bose",
    "baker",
    "ali",
    "turner",
    "menon",
    "cooper",
    "costa",
    "ward",
    "pillai",
    "morgan",
    "silva",
    "price",
    "bell",
    "fischer",
    "shah",
    "king",
    "reid",
    "carter",
    "yadav",
    "ellis",
    "ahmed",
    "foster",
    "tan",
)
ORG_NAMES = (
    ("northwind-labs", "Northwind Labs"),
    ("bluefin-data", "Bluefin Data"),
    ("harbor-security", "Harbor Security"),
    ("kestrel-cloud", "Kestrel Cloud"),
    ("tallis-systems", "Tallis Systems"),
    ("quanta-retail", "Quanta Retail"),
)
SITE_LAYOUTS = (
    ("America/New_York", "Europe/London"),
    ("Europe/London", "Asia/Kolkata"),
    ("America/New_York", "Asia/Kolkata"),
)
TEAM_NAMES = (
    "platform",
    "secops",
    "data-eng",
    "finops",
    "cloud-infra",
    "analytics",
    "compliance",
    "sre",
    "devex",
    "risk",
)
PLUGINS = (
    "aws",
    "aws",
    "aws",
    "azure",
    "gcp",
    "github",
    "slack",
    "okta",
    "kubernetes",
    "terraform",
    "net",
    "csv",
    "jira",
)
ENV_WORDS = (
    "prod",
    "dev",
    "staging",
    "sandbox",
    "audit",
    "billing",
    "logs",
    "security",
    "shared",
    "data",
    "payments",
    "core",
    "legacy",
    "east",
    "west",
    "eu",
    "us",
    "ops",
)
PIPELINES = (
    "detect_and_correct_s3_buckets_without_versioning",
    "cis_v300_weekly",
    "rotate_iam_access_keys",
    "notify_cost_anomalies",
    "sync_okta_users",
    "check_public_ec2_instances",
    "daily_compliance_snapshot",
    "tag_untagged_resources",
    "github_repo_audit",
    "expired_certificates_report",
    "detect_unattached_ebs_volumes",
    "correct_security_groups_allowing_ssh",
    "stale_access_keys_report",
    "gcp_bucket_public_check",
    "azure_storage_tls_check",
    "kubernetes_privileged_pods",
    "slack_alert_digest",
    "cost_by_service_daily",
    "iam_users_without_mfa",
    "rds_snapshot_retention",
)
MODS = (
    ("github.com/turbot/steampipe-mod-aws-compliance", "aws_compliance"),
    ("github.com/turbot/steampipe-mod-aws-insights", "aws_insights"),
    ("github.com/turbot/steampipe-mod-azure-compliance", "azure_compliance"),
    ("github.com/turbot/steampipe-mod-gcp-compliance", "gcp_compliance"),
    ("github.com/turbot/steampipe-mod-kubernetes-compliance", "kubernetes_compliance"),
    ("github.com/turbot/steampipe-mod-github-sanity", "github_sanity"),
    ("github.com/turbot/steampipe-mod-aws-thrifty", "aws_thrifty"),
    ("github.com/turbot/steampipe-mod-aws-tags", "aws_tags"),
    ("github.com/turbot/flowpipe-mod-aws-thrifty", "aws_thrifty_flow"),
    ("github.com/turbot/flowpipe-mod-detect-correct", "detect_correct"),
)
DASHBOARDS = (
    "aws_compliance.benchmark.cis_v300",
    "aws_insights.dashboard.s3_bucket_report",
    "aws_thrifty.benchmark.ec2",
    "azure_compliance.benchmark.cis_v200",
    "gcp_compliance.benchmark.cis_v200",
    "github_sanity.benchmark.repository_checks",
    "aws_tags.benchmark.mandatory",
    "kubernetes_compliance.benchmark.nsa_cisa_v1",
    "aws_insights.dashboard.iam_user_report",
    "aws_insights.dashboard.cost_by_service",
)
TABLES = (
    "aws_s3_bucket",
    "aws_iam_user",
    "azure_storage_account",
    "github_repository",
    "okta_user",
    "gcp_compute_instance",
    "aws_ec2_instance",
    "aws_cost_by_service_daily",
    "aws_iam_role",
    "kubernetes_pod",
    "aws_vpc_security_group",
    "aws_cloudtrail_trail",
)
VARIABLES = (
    "approvers",
    "notifier",
    "notification_level",
    "tag_keys",
    "regions",
    "max_age_days",
    "cost_threshold",
    "default_action",
    "database",
    "schedule",
)
NOTIFIERS = (
    "secops-alerts",
    "platform-oncall",
    "finops-weekly",
    "default",
    "compliance",
    "data-eng-alerts",
)
INTEGRATION_TYPES = ("github", "slack", "aws", "gcp", "azure")

# Session themes: which actions a person does in one sitting, with base weights.
THEMES: dict[str, tuple[tuple[str, float], ...]] = {
    "pipelines": (
        ("pipeline.command.run", 40),
        ("pipeline.update", 30),
        ("pipeline.create", 6),
        ("pipeline.delete", 1.2),
        ("workspace.flowpipe.input.create", 4),
        ("workspace.mod.variable.setting.update", 6),
        ("notifier.create", 0.8),
        ("workspace.notifier.set_default", 0.8),
        ("workspace.pipeline.trigger.create", 2.5),
    ),
    "connections": (
        ("connection.update", 40),
        ("connection.create", 12),
        ("connection.delete", 2.5),
        ("connection.permission.create", 10),
        ("connection.permission.delete", 2.5),
        ("connection-folder.create", 1.5),
        ("workspace.connection.dissociate", 1.5),
        ("workspace.aggregator.create", 2.5),
        ("workspace.aggregator.update", 8),
        ("workspace.aggregator.delete", 0.8),
        ("workspace.schema.attach", 6),
        ("workspace.schema.create", 2.5),
        ("workspace.schema.delete", 0.8),
        ("connection.test", 3),
    ),
    "workspace": (
        ("workspace.update", 15),
        ("workspace.mod.install", 9),
        ("workspace.mod.uninstall", 3.5),
        ("workspace.mod.variable.setting.create", 10),
        ("workspace.mod.variable.setting.update", 25),
        ("workspace.reboot", 6),
        ("workspace.upgrade", 1.5),
        ("workspace.create", 3.5),
        ("workspace.delete", 1.2),
        ("workspace.usage.enable", 0.8),
        ("workspace.usage.disable", 0.8),
        ("org.workspace.member.add", 3),
        ("org.workspace.member.update", 1.5),
        ("user.token.create", 1.5),
        ("user.token.delete", 0.7),
    ),
    "datatank": (
        ("datatank.table.update", 35),
        ("datatank.part.update", 18),
        ("datatank.table.create", 14),
        ("datatank.table.delete", 3.5),
        ("datatank.create", 3),
        ("datatank.delete", 0.6),
        ("pipeline.command.run", 15),
    ),
    "reporting": (
        ("workspace.snapshot.create", 45),
        ("workspace.snapshot.update", 30),
        ("pipeline.command.run", 12),
        ("workspace.snapshot.delete", 2.5),
        ("workspace.mod.variable.setting.update", 8),
    ),
    "integrations": (
        ("integration.refresh", 45),
        ("integration.create", 9),
        ("integration.delete", 2),
        ("connection.update", 25),
        ("connection.create", 8),
        ("notifier.create", 3),
        ("connection.test", 4),
    ),
    "people": (
        ("org.workspace.member.add", 30),
        ("org.workspace.member.update", 25),
        ("org.member.update", 12),
        ("org.member.add", 7),
        ("org.member.delete", 4),
        ("org.update", 8),
        ("org.audit.export", 4),
        ("user.token.create", 2),
    ),
    "billing": (
        ("org.update", 50),
        ("workspace.usage.enable", 10),
        ("workspace.usage.disable", 8),
        ("org.audit.export", 8),
        ("org.billing.payment_method.create", 2),
    ),
}
THEME_NAMES: tuple[str, ...] = tuple(THEMES)
ROLE_THEMES: dict[str, dict[str, float]] = {
    "engineer": {
        "pipelines": 28,
        "connections": 24,
        "workspace": 16,
        "datatank": 10,
        "reporting": 12,
        "integrations": 6,
    },
    "security": {
        "pipelines": 20,
        "connections": 22,
        "workspace": 12,
        "datatank": 4,
        "reporting": 22,
        "integrations": 16,
    },
    "analyst": {"pipelines": 12, "connections": 3, "workspace": 5, "datatank": 16, "reporting": 62},
    "manager": {"reporting": 85, "pipelines": 8, "workspace": 5},
    "admin": {
        "people": 26,
        "workspace": 24,
        "connections": 14,
        "reporting": 14,
        "integrations": 10,
        "pipelines": 6,
        "billing": 3,
    },
    "finance": {"reporting": 80, "billing": 20},
    "contractor": {
        "pipelines": 30,
        "connections": 25,
        "workspace": 15,
        "datatank": 15,
        "reporting": 15,
    },
}
ROLE_PARAMS: dict[str, tuple[tuple[float, float], ...]] = {
    # p_active, p_weekend, extra sessions, records per session
    "engineer": ((0.55, 0.9), (0.02, 0.1), (0.5, 1.6), (4, 11)),
    "security": ((0.55, 0.9), (0.02, 0.12), (0.5, 1.5), (4, 10)),
    "analyst": ((0.45, 0.85), (0.0, 0.05), (0.3, 1.2), (3, 8)),
    "manager": ((0.12, 0.35), (0.0, 0.05), (0.0, 0.5), (2, 5)),
    "admin": ((0.5, 0.85), (0.01, 0.06), (0.4, 1.3), (3, 9)),
    "finance": ((0.08, 0.2), (0.0, 0.02), (0.0, 0.4), (2, 5)),
    "contractor": ((0.4, 0.8), (0.0, 0.08), (0.4, 1.2), (4, 10)),
}
ONBOARDING = (
    ("workspace.create", 3),
    ("connection.create", 14),
    ("workspace.mod.install", 8),
    ("workspace.mod.variable.setting.create", 10),
    ("workspace.snapshot.create", 10),
    ("pipeline.create", 5),
    ("pipeline.command.run", 10),
    ("user.token.create", 3),
    ("connection.update", 10),
    ("integration.create", 2),
    ("workspace.update", 5),
    ("connection.permission.create", 4),
    ("datatank.table.create", 3),
)
INCIDENT_MIX = (
    ("workspace.reboot", 12),
    ("connection.update", 18),
    ("integration.refresh", 10),
    ("pipeline.command.run", 18),
    ("pipeline.update", 10),
    ("workspace.update", 6),
    ("workspace.usage.enable", 3),
    ("workspace.mod.variable.setting.update", 8),
    ("connection.test", 6),
    ("workspace.snapshot.create", 6),
    ("datatank.table.update", 3),
)
BOT_MIXES: dict[str, tuple[tuple[str, float], ...]] = {
    "ci": (
        ("workspace.mod.install", 12),
        ("workspace.mod.uninstall", 5),
        ("workspace.mod.variable.setting.update", 30),
        ("workspace.mod.variable.setting.create", 8),
        ("pipeline.update", 22),
        ("workspace.update", 5),
        ("workspace.reboot", 3),
        ("workspace.pipeline.trigger.create", 3),
        ("connection.update", 4),
        ("pipeline.create", 3),
        ("workspace.flowpipe.input.create", 2),
        ("connection.test", 3),
    ),
    "terraform": (
        ("connection.update", 35),
        ("connection.create", 4),
        ("connection.delete", 1.5),
        ("connection.permission.create", 6),
        ("connection.permission.delete", 1),
        ("workspace.aggregator.update", 10),
        ("workspace.aggregator.create", 1),
        ("integration.refresh", 10),
        ("workspace.schema.attach", 6),
        ("connection-folder.create", 0.5),
        ("workspace.update", 4),
        ("connection.test", 8),
        ("workspace.connection.dissociate", 1),
        ("org.workspace.member.add", 2),
        ("org.workspace.member.update", 1),
    ),
    "reports": (
        ("workspace.snapshot.create", 85),
        ("workspace.snapshot.update", 12),
        ("workspace.snapshot.delete", 3),
    ),
    "integration": (("integration.refresh", 90), ("connection.update", 10)),
    "datatank": (
        ("datatank.part.update", 80),
        ("datatank.table.update", 18),
        ("datatank.table.create", 2),
    ),
    "scheduler": (("pipeline.command.run", 100),),
}
BOT_HANDLES = {
    "scheduler": ("svc-scheduler", "pipes-runner", "automation-scheduler"),
    "ci": ("ci-deploy", "github-actions-deployer", "svc-ci"),
    "terraform": ("tf-automation", "svc-terraform", "infra-as-code"),
    "reports": ("report-bot", "svc-reporting", "dashboards-bot"),
    "integration": ("svc-integrations", "sync-bot", "integration-sync"),
    "datatank": ("datatank-sync", "svc-datatank", "etl-loader"),
}


# ------------------------------------------------------------------------------- entities
@dataclass(eq=False)
class User:
    """A Pipes user identity, whether or not it acts in the world.

    Parameters
    ----------
    id, handle, display, avatar : str
        Identity fields as the API shows them.
    created_at : int
        Account creation (epoch seconds).
    left_day : int or None
        Day index after which the person no longer works there (None: still does).
    """

    id: str
    handle: str
    display: str
    avatar: str
    created_at: int
    left_day: int | None = None
    ref: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ref = {
            "id": self.id,
            "handle": self.handle,
            "display_name": self.display,
            "avatar_url": self.avatar,
        }


@dataclass(eq=False)
class Trip:
    """A business trip: days [first, end), destination network and zone."""

    first: int
    end: int
    net: Network
    zone: str
    nat: tuple[str, ...]


@dataclass(eq=False)
class Actor:
    """Someone (person, bot, platform, backdoor) whose actions appear in the log."""

    idx: int
    user: User
    role: str
    kind: str
    orgs: list[int]
    teams: dict[int, int] = field(default_factory=dict)
    zone: str = "UTC"
    country: str = "US"
    site: int = 0
    first_day: int = -10_000
    last_day: int = 10_000
    removed_day: int | None = None
    # behaviour of a person
    p_active: float = 0.0
    p_weekend: float = 0.0
    extra_sessions: float = 0.0
    session_mean: float = 5.0
    gap_median: float = 40.0
    start_hour: float = 9.0
    day_len: float = 8.5
    p_evening: float = 0.05
    org_weights: list[float] = field(default_factory=list)
    theme_w: list[float] = field(default_factory=list)
    action_w: dict[str, list[float]] = field(default_factory=dict)
    remote: bool = False
    office_p: float = 0.5
    on_call: bool = False
    cli: bool = False
    owner: bool = False
    # networks of a person
    home: Network | None = None
    home_v4: list[tuple[int, str]] = field(default_factory=list)
    v6_p64: list[tuple[int, str]] = field(default_factory=list)
    mobile: Network | None = None
    privacy_vpn: Network | None = None
    devbox: str | None = None
    vpn_p: float = 0.0
    off: bytearray = field(default_factory=bytearray)
    trips: list[Trip] = field(default_factory=list)
    away: list[tuple[int, int, str, tuple[int, ...]]] = field(default_factory=list)
    special: dict[int, str] = field(default_factory=dict)
    # bots
    bot_kind: str = ""
    ips: list[tuple[int, str]] = field(default_factory=list)
    outages: list[tuple[int, int]] = field(default_factory=list)

    @property
    def org(self) -> int:
        """Return the primary organisation index."""
        return self.orgs[0]

    def active(self, d: int) -> bool:
        """Return whether the person works on day ``d`` (employed and not off)."""
        return self.first_day <= d < self.last_day and (d >= len(self.off) or not self.off[d])

    def trip_on(self, d: int) -> Trip | None:
        """Return the trip covering day ``d``, if any."""
        for trip in self.trips:
            if trip.first <= d < trip.end:
                return trip
        return None

    def away_on(self, d: int) -> tuple[str, bool] | None:
        """Return (address, check-in day?) when on holiday abroad on day ``d``."""
        for first, end, addr, checks in self.away:
            if first <= d < end:
                return addr, d in checks
        return None

    def ip_at(self, d: int) -> str:
        """Return a bot's elastic address on day ``d``."""
        ip = self.ips[0][1]
        for first, addr in self.ips:
            if first <= d:
                ip = addr
        return ip


@dataclass(eq=False)
class Res:
    """A Pipes resource (workspace, connection, pipeline, membership, ...)."""

    kind: str
    id: str
    handle: str
    org: int
    ws: Res | None
    parent: Res | None
    created_at: int
    created_by: User
    updated_at: int
    updated_by: User
    team: int = -1
    version: int = 1
    alive: bool = True
    core: bool = False
    in_use: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    children: dict[str, list[Res]] | None = None

    def live(self) -> bool:
        """Return whether the resource and its containers still exist."""
        if not self.alive:
            return False
        if self.ws is not None and not self.ws.alive:
            return False
        return self.parent is None or self.parent.alive


@dataclass(eq=False)
class Org:
    """A Pipes organisation with its teams, sites, resources and memberships."""

    idx: int
    id: str
    handle: str
    display: str
    tenant: str
    zones: tuple[str, ...]
    created_at: int
    res: Res | None = None
    offices: list[tuple[str, ...]] = field(default_factory=list)
    sse: Network | None = None
    vpn_pool: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    team_ws: list[list[Res]] = field(default_factory=list)
    people: list[Actor] = field(default_factory=list)
    bots: list[Actor] = field(default_factory=list)
    admins: list[Actor] = field(default_factory=list)
    members: dict[str, Res] = field(default_factory=dict)
    by_kind: dict[str, list[Res]] = field(default_factory=dict)
    tags: dict[str, Res] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    ex_users: list[User] = field(default_factory=list)
    scheduled: list[tuple[Res, int]] = field(default_factory=list)
    synced: list[tuple[Res, int]] = field(default_factory=list)

    def kind_list(self, kind: str) -> list[Res]:
        """Return the (mutable) list of resources of ``kind``."""
        lst = self.by_kind.get(kind)
        if lst is None:
            lst = []
            self.by_kind[kind] = lst
        return lst


@dataclass(slots=True, eq=False)
class Event:
    """One planned action; executed in time order into one audit record (or none)."""

    t: int
    seq: int
    org: int
    actor: Actor
    action: str
    ip: str
    proc: str | None
    sess: int
    flags: dict[str, Any] | None


# ------------------------------------------------------------------------------ the world
@dataclass
class Config:
    """Knobs of a world."""

    seed: int
    start: date = date(2026, 3, 2)
    days: int = 75
    train_days: int = 45
    bot_volume: float = 1.0
    attacks: bool = True
    lookalikes: bool = True


class World:
    """Organisations, actors, networks and initial resources of one simulated world.

    Parameters
    ----------
    cfg : Config
        Knobs.
    """

    def __init__(self, cfg: Config) -> None:
        check_networks()
        self.cfg = cfg
        self.clock = Clock(cfg.start, cfg.days, cfg.train_days)
        self.r = Rand(cfg.seed, 1)
        self.ids = Ids(self.r)
        self.actors: list[Actor] = []
        self.orgs: list[Org] = []
        self.handles: set[str] = set()
        self.tenant = self.ids.new("t", self.clock.t0 - 900 * DAY)
        self.platform = self.user_actor(
            "turbot-pipes", "Turbot Pipes", "system", "system", [0, 1], self.clock.t0 - 1500 * DAY
        )
        self.platform.ips = [
            (-10_000, NET["pipes-platform"].v4_addr(self.r)),
            (-10_000, NET["pipes-platform"].v4_addr(self.r)),
        ]
        self.platform.zone = "UTC"
        used_layouts = self.r.sample(range(len(SITE_LAYOUTS)), 2)
        names = self.r.sample(ORG_NAMES, 2)
        sses = self.r.sample(["sse-zscaler", "sse-warp", "sse-netskope"], 2)
        for i in range(2):
            self._build_org(i, names[i], SITE_LAYOUTS[used_layouts[i]], NET[sses[i]])
        self._build_consultants()
        for org in self.orgs:
            self._build_bots(org)
        self._build_lifecycles()
        self._spread_networks()
        for org in self.orgs:
            self._build_resources(org)
        self._collect_used_networks()

    # ------------------------------------------------------------------ identities
    def _handle(self, first: str, last: str) -> str:
        """Return an unused person handle in one of the usual styles."""
        r = self.r
        for _ in range(50):
            style = r.randint(0, 4)
            if style == 0:
                h = f"{first[0]}{last}"
            elif style == 1:
                h = f"{first}-{last}"
            elif style == 2:
                h = f"{first}{last[0]}"
            elif style == 3:
                h = f"{first}.{last}".replace(".", "")
            else:
                h = f"{first}{r.randint(2, 99)}"
            if h not in self.handles:
                self.handles.add(h)
                return h
        h = f"{first}-{last}-{r.randint(100, 999)}"
        self.handles.add(h)
        return h

    def new_user(
        self, t_created: int, handle: str | None = None, display: str | None = None
    ) -> User:
        """Return a new user identity with a person-like handle and avatar."""
        r = self.r
        if handle is None:
            first, last = r.choice(FIRST_NAMES), r.choice(LAST_NAMES)
            handle = self._handle(first, last)
            display = f"{first.title()} {last.title()}"
        uid = self.ids.new("u", t_created)
        avatar = (
            f"https://pipes.turbot.com/api/latest/identity/{handle}/avatar?v={r.randint(1, 60)}"
        )
        return User(uid, handle, display or handle, avatar, t_created)

    def user_actor(
        self,
        handle: str | None,
        display: str | None,
        role: str,
        kind: str,
        orgs: list[int],
        t_created: int,
    ) -> Actor:
        """Create an actor with a new identity and register it."""
        if handle is not None:
            self.handles.add(handle)
        user = self.new_user(t_created, handle, display)
        actor = Actor(len(self.actors), user, role, kind, list(orgs))
        self.actors.append(actor)
        return actor

    # ------------------------------------------------------------------ organisations
    def _build_org(
        self, i: int, name: tuple[str, str], zones: tuple[str, ...], sse: Network
    ) -> None:
        """Create one organisation, its sites, teams and people."""
        r, clock = self.r, self.clock
        created = clock.t0 - r.randint(400, 1100) * DAY
        org = Org(i, self.ids.new("o", created), name[0], name[1], self.tenant, zones, created)
        org.sse = sse
        org.vpn_pool = [sse.v4_addr(r) for _ in range(40)]
        for zone in zones:
            net = NET[OFFICE_NET[ZONE_COUNTRY[zone]]]
            org.offices.append(tuple(net.v4_addr(r) for _ in range(r.randint(1, 3))))
        org.teams = r.sample(TEAM_NAMES, r.randint(5, 7))
        org.team_ws = [[] for _ in org.teams]
        org.ex_users = [
            self.new_user(created + r.randint(0, 300) * DAY) for _ in range(r.randint(6, 10))
        ]
        for u in org.ex_users:
            u.left_day = -r.randint(20, 300)
        self.orgs.append(org)
        n_people = r.randint(64, 74)
        roles = (
            ["admin"] * r.randint(3, 4)
            + ["finance"]
            + ["manager"] * r.randint(4, 7)
            + ["security"] * r.randint(5, 9)
            + ["analyst"] * r.randint(11, 16)
            + ["contractor"] * r.randint(2, 4)
        )
        roles += ["engineer"] * max(10, n_people - len(roles))
        vpn_mean = r.uniform(0.15, 0.6)
        for role in roles:
            p = self._person(org, role, vpn_mean)
            org.people.append(p)
            if role == "admin":
                org.admins.append(p)
        for p in org.people:
            if p.role in ("engineer", "security") and r.chance(0.08):
                p.owner = True

    def _person(self, org: Org, role: str, vpn_mean: float) -> Actor:
        """Create one person of ``role`` in ``org`` with habits and networks."""
        r, clock = self.r, self.clock
        created = clock.t0 - r.randint(30, 1000) * DAY
        p = self.user_actor(None, None, role, "person", [org.idx], created)
        site = 0 if r.chance(0.65) else 1
        p.site = site
        p.zone = org.zones[site]
        p.country = ZONE_COUNTRY[p.zone]
        team = r.randint(0, len(org.teams) - 1)
        p.teams[org.idx] = team
        self._habits(p, role)
        p.remote = r.chance(0.25)
        p.office_p = r.uniform(0.25, 0.85)
        p.owner = role == "admin"
        p.vpn_p = min(0.95, max(0.0, r.lognormal(vpn_mean, 0.6))) if r.chance(0.8) else 0.0
        self._networks(p)
        return p

    def _habits(self, p: Actor, role: str) -> None:
        """Draw a person's rhythm and action mix from the role's ranges."""
        r = self.r
        act, wkend, extra, sess = ROLE_PARAMS[role]
        p.p_active = r.uniform(*act)
        p.p_weekend = r.uniform(*wkend)
        p.extra_sessions = r.uniform(*extra)
        p.session_mean = r.uniform(*sess)
        p.gap_median = r.uniform(15, 90)
        p.start_hour = min(11.5, max(6.5, 8.8 + 0.9 * r.n()))
        p.day_len = min(10.5, max(6.0, 8.5 + 0.8 * r.n()))
        p.p_evening = r.uniform(0.0, 0.15)
        p.on_call = role in ("engineer", "security") and r.chance(0.35)
        p.cli = role in ("engineer", "security", "contractor") and r.chance(0.15)
        base = ROLE_THEMES[role]
        weights = []
        for name in THEME_NAMES:
            w = base.get(name, 0.0)
            weights.append(w * r.gamma(2.0) / 2.0 if w else 0.0)
        if role in ("engineer", "security", "contractor") and r.chance(0.5):
            drop = r.choice(
                [k for k, name in enumerate(THEME_NAMES) if weights[k] > 0 and name != "reporting"]
            )
            weights[drop] = 0.0
        p.theme_w = weights
        for name in THEME_NAMES:
            acts = THEMES[name]
            top = max(w for _, w in acts)
            aw = []
            for _, w in acts:
                m = r.lognormal(1.0, 0.5)
                if w < top and r.chance(0.12):
                    m = 0.0
                aw.append(w * m)
            p.action_w[name] = aw

    def _networks(self, p: Actor) -> None:
        """Give a person a home ISP, IPv6, a mobile carrier and maybe a VPN or dev box."""
        r = self.r
        homes = [n for n in NETWORKS if n.kind == "residential" and n.country == p.country]
        mobiles = [n for n in NETWORKS if n.kind == "mobile" and n.country == p.country]
        p.home = r.choice(homes)
        day = -10_000
        p.home_v4 = []
        static = r.chance(0.3)
        while day < self.cfg.days:
            p.home_v4.append((day, p.home.v4_addr(r)))
            if static:
                break
            day = (0 if day < 0 else day) + 1 + int(r.expo(35))
        if p.home.v6 and r.chance(0.7):
            p.v6_p64 = [(-10_000, p.home.v6_p64(r))]
            if r.chance(0.25):
                p.v6_p64.append((r.randint(5, self.cfg.days - 5), p.home.v6_p64(r)))
        if len(homes) > 1 and r.chance(0.05):
            moved = r.randint(5, self.cfg.days - 5)
            other = r.choice([n for n in homes if n is not p.home])
            p.home_v4 = [x for x in p.home_v4 if x[0] < moved] + [(moved, other.v4_addr(r))]
            if p.v6_p64:
                p.v6_p64 = [x for x in p.v6_p64 if x[0] < moved] + [
                    (moved, other.v6_p64(r) if other.v6 else "")
                ]
        p.mobile = r.choice(mobiles)
        if r.chance(0.06):
            p.privacy_vpn = NET[
                r.choice(["vpn-mullvad", "vpn-nord", "vpn-proton", "vpn-express", "vpn-surfshark"])
            ]
        if p.role in ("engineer", "security", "contractor") and r.chance(0.15):
            p.devbox = NET[
                r.choice(
                    [
                        "aws-us-east-1",
                        "gcp-us-central1",
                        "azure-eastus",
                        CLOUD_NET[p.country],
                        "do-nyc",
                        "hetzner-fsn",
                        "linode-lon",
                    ]
                )
            ].v4_addr(r)
        p.off = bytearray(self.cfg.days)

    def _build_consultants(self) -> None:
        """Add one to three consultants who are members of both organisations."""
        r = self.r
        for _ in range(r.randint(1, 3)):
            zone = self.orgs[0].zones[0]
            p = self.user_actor(
                None, None, "contractor", "person", [0, 1], self.clock.t0 - r.randint(60, 600) * DAY
            )
            p.zone = zone
            p.country = ZONE_COUNTRY[zone]
            p.teams = {
                0: r.randint(0, len(self.orgs[0].teams) - 1),
                1: r.randint(0, len(self.orgs[1].teams) - 1),
            }
            self._habits(p, "contractor")
            p.remote = True
            p.org_weights = [r.uniform(0.3, 0.7)]
            p.org_weights.append(1.0 - p.org_weights[0])
            self._networks(p)
            for org in self.orgs:
                org.people.append(p)

    def _build_bots(self, org: Org) -> None:
        """Create the organisation's service accounts and their addresses."""
        r = self.r
        kinds = ["scheduler", "ci"] + r.sample(
            ["datatank", "terraform", "reports", "integration"], r.randint(1, 4)
        )
        country = ZONE_COUNTRY[org.zones[0]]
        for kind in kinds:
            handle = f"{r.choice(BOT_HANDLES[kind])}-{org.handle.split('-')[0]}"
            bot = self.user_actor(
                handle,
                f"{handle} (service account)",
                "service",
                "bot",
                [org.idx],
                org.created_at + r.randint(10, 300) * DAY,
            )
            bot.bot_kind = kind
            bot.zone = org.zones[0]
            bot.country = country
            bot.teams[org.idx] = r.randint(0, len(org.teams) - 1)
            if kind == "ci":
                bot.ips = []
            else:
                cloud = NET[
                    r.choice(
                        [CLOUD_NET[country], CLOUD_NET[country], "gcp-us-central1", "azure-eastus"]
                    )
                ]
                bot.ips = [(-10_000, cloud.v4_addr(r))]
                if r.chance(0.4):
                    bot.ips.append((r.randint(5, self.cfg.days - 5), cloud.v4_addr(r)))
            org.bots.append(bot)

    # ------------------------------------------------------------------ resources
    def new_res(
        self,
        org: Org,
        kind: str,
        handle: str,
        ws: Res | None,
        parent: Res | None,
        t: int,
        by: User,
        extra: dict[str, Any],
        team: int = -1,
    ) -> Res:
        """Create and register a resource."""
        res = Res(
            kind,
            self.ids.new(ID_PREFIX[kind], t),
            handle,
            org.idx,
            ws,
            parent,
            t,
            by,
            t,
            by,
            team=team,
            extra=extra,
        )
        org.kind_list(kind).append(res)
        if ws is not None and ws.children is not None:
            ws.children.setdefault(kind, []).append(res)
        if kind == "workspace":
            res.children = {}
        return res

    def make_extra(
        self, org: Org, kind: str, ws: Res | None, parent: Res | None, by: User, t: int
    ) -> tuple[str, dict[str, Any]]:
        """Return a new resource's handle and kind-specific fields."""
        r = self.r
        if kind == "workspace":
            h = f"{org.teams[r.randint(0, len(org.teams) - 1)]}-{r.choice(ENV_WORDS)}"
            return h, {
                "desired_state": "enabled",
                "state": "enabled",
                "instance_type": r.choice(["db1.shared", "db1.shared", "db1.small"]),
                "database_name": f"d{r.hexword(6)}",
                "api_version": "1.14.2",
                "cli_version": "v1.0.3",
            }
        if kind == "connection":
            plugin = r.choice(PLUGINS)
            return (
                f"{plugin}_{r.choice(ENV_WORDS)}_{r.randint(1, 99)}",
                {
                    "plugin": plugin,
                    "type": "connection",
                    "plugin_version": f"{r.randint(0, 1)}.{r.randint(0, 60)}.{r.randint(0, 9)}",
                },
            )
        if kind == "folder":
            return f"{r.choice(ENV_WORDS)}-{r.choice(PLUGINS)}", {"title": r.choice(ENV_WORDS)}
        if kind == "conn_perm":
            return (
                f"{parent.handle if parent else 'conn'}-{ws.handle if ws else 'ws'}",
                {"permission": r.choice(["use", "use", "manage"])},
            )
        if kind == "pipeline":
            name = r.choice(PIPELINES)
            mod = r.choice(MODS)[1]
            return name, {
                "title": name.replace("_", " ").title(),
                "pipeline": f"{mod}.pipeline.{name}",
                "frequency": {
                    "type": "interval",
                    "schedule": r.choice(["hourly", "daily", "weekly"]),
                },
                "desired_state": "enabled",
                "state": "enabled",
            }
        if kind == "datatank":
            return (f"{r.choice(ENV_WORDS)}_tank", {"state": "ready", "desired_state": "enabled"})
        if kind == "dt_table":
            table = r.choice(TABLES)
            return table, {
                "source_query": f"select * from {table}",
                "frequency": {"type": "interval", "schedule": r.choice(["15m", "hourly", "daily"])},
                "state": "ready",
            }
        if kind == "aggregator":
            plugin = r.choice(PLUGINS)
            return f"all_{plugin}", {"plugin": plugin, "connections": [f"{plugin}_*"]}
        if kind == "mod":
            path, alias = r.choice(MODS)
            return alias, {
                "path": path,
                "alias": alias,
                "constraint": "*",
                "installed_version": f"0.{r.randint(10, 99)}.{r.randint(0, 9)}",
                "state": "installed",
            }
        if kind == "mod_var":
            name = r.choice(VARIABLES)
            return name, {
                "name": name,
                "setting": r.choice(
                    ["['us-east-1']", "7", "'info'", "['owner']", "90", "'notify'", "1000"]
                ),
            }
        if kind == "snapshot":
            dash = r.choice(DASHBOARDS)
            return dash.split(".")[-1], {
                "dashboard_name": dash,
                "title": dash.split(".")[-1],
                "visibility": r.choice(["workspace", "workspace", "anyone_with_link"]),
                "state": "available",
            }
        if kind == "schema":
            return (
                f"{r.choice(PLUGINS)}_{r.choice(ENV_WORDS)}",
                {"type": "connection", "connections": []},
            )
        if kind == "fp_input":
            return (
                f"input_{r.hexword(6)}",
                {"type": r.choice(["button", "select", "text"]), "state": "pending"},
            )
        if kind == "trigger":
            return (
                f"{parent.handle if parent else 'pipeline'}_trigger",
                {"type": "schedule", "schedule": r.choice(["hourly", "daily", "5m"])},
            )
        if kind == "integration":
            typ = r.choice(INTEGRATION_TYPES)
            return f"{typ}-{r.choice(ENV_WORDS)}", {"type": typ, "state": "enabled"}
        if kind == "notifier":
            return r.choice(NOTIFIERS), {
                "notifies": [{"integration": r.choice(INTEGRATION_TYPES)}],
                "state": "enabled",
            }
        if kind == "payment":
            last4 = f"{r.randint(0, 9999):04d}"
            return f"card-{last4}", {
                "type": "card",
                "brand": r.choice(["visa", "mastercard", "amex"]),
                "last4": last4,
                "exp_month": r.randint(1, 12),
                "exp_year": 2026 + r.randint(1, 5),
                "is_default": True,
            }
        if kind == "token":
            last4 = r.hexword(4)
            return f"token-{last4}", {
                "description": r.choice(["cli", "terraform", "laptop", "ci", "notebook"]),
                "last4": last4,
                "status": "active",
            }
        if kind == "export":
            return (
                f"audit-export-{self.clock.day_str(t)}",
                {"format": r.choice(["csv", "json"]), "state": "pending"},
            )
        raise ValueError(kind)

    def _build_resources(self, org: Org) -> None:
        """Create the organisation and the resources that exist before day 0."""
        r, clock = self.r, self.clock
        admin = org.admins[0].user
        org.res = Res(
            "org",
            org.id,
            org.handle,
            org.idx,
            None,
            None,
            org.created_at,
            admin,
            clock.t0 - r.randint(5, 90) * DAY,
            admin,
            extra={
                "display_name": org.display,
                "plan": "team",
                "url": f"https://{org.handle}.example.com",
                "billing_email": f"billing@{org.handle}.example.com",
            },
        )
        lo = org.created_at

        def creator(team: int) -> User:
            if r.chance(0.2):
                return r.choice(org.ex_users)
            mates = [p for p in org.people if p.teams.get(org.idx) == team and p.first_day <= 0]
            return (r.choice(mates) if mates else r.choice(org.admins)).user

        def when() -> int:
            return r.randint(lo, clock.t0 - DAY)

        def new(kind: str, team: int, ws: Res | None = None, parent: Res | None = None) -> Res:
            by = creator(team)
            t = when() if parent is None else r.randint(parent.created_at, clock.t0 - DAY)
            handle, extra = self.make_extra(org, kind, ws, parent, by, t)
            res = self.new_res(org, kind, handle, ws, parent, t, by, extra, team)
            if r.chance(0.6):
                res.updated_at = r.randint(t, clock.t0 - DAY)
                res.updated_by = creator(team)
                res.version = r.randint(2, 30)
            return res

        for m in org.people:
            role = "owner" if m.owner else "member"
            if m.first_day <= 0:
                self.add_member(org, m.user, role, org.admins[0].user, m.user.created_at)
        for b in org.bots:
            self.add_member(
                org,
                b.user,
                "owner" if b.bot_kind == "terraform" else "member",
                org.admins[0].user,
                b.user.created_at,
            )
        for _ in range(r.randint(3, 8)):
            self.add_member(
                org,
                self.new_user(when()),
                "member",
                r.choice(org.admins).user,
                when(),
                status="invited",
            )
        for k in range(r.randint(2, 5)):
            new("folder", k % len(org.teams))
        for team, tname in enumerate(org.teams):
            for j in range(r.randint(1, 3)):
                ws = new("workspace", team)
                ws.handle = tname if j == 0 else f"{tname}-{['prod', 'dev', 'staging'][j - 1]}"
                ws.core = True
                org.team_ws[team].append(ws)
                mates = [p for p in org.people if p.teams.get(org.idx) == team]
                for p in mates:
                    if p.first_day <= 0:
                        self.add_ws_member(
                            org,
                            ws,
                            p.user,
                            "owner" if r.chance(0.3) else "member",
                            ws.created_by,
                            ws.created_at,
                        )
                for _ in range(r.randint(3, 10)):
                    new("connection", team, ws)
                pipes = [new("pipeline", team, ws) for _ in range(r.randint(2, 9))]
                for pl in pipes:
                    if r.chance(0.7 * self.cfg.bot_volume):
                        period = r.weighted(
                            [300, 900, 1800, 3600, 6 * 3600, DAY],
                            [0.05, 0.15, 0.15, 0.35, 0.15, 0.15],
                        )
                        org.scheduled.append((pl, period))
                        pl.in_use = True
                        pl.extra["frequency"] = {
                            "type": "interval",
                            "schedule": {
                                300: "5m",
                                900: "15m",
                                1800: "30m",
                                3600: "hourly",
                                6 * 3600: "6h",
                                DAY: "daily",
                            }[period],
                        }
                for _ in range(r.randint(0, 2)):
                    tank = new("datatank", team, ws)
                    for _ in range(r.randint(2, 6)):
                        table = new("dt_table", team, ws, tank)
                        if r.chance(0.7):
                            org.synced.append((table, r.choice([1800, 3600, 3600])))
                            table.in_use = tank.in_use = True
                for _ in range(r.randint(0, 3)):
                    new("aggregator", team, ws)
                for _ in range(r.randint(1, 4)):
                    mod = new("mod", team, ws)
                    for _ in range(r.randint(1, 5)):
                        new("mod_var", team, ws, mod)
                for _ in range(r.randint(2, 15)):
                    new("snapshot", team, ws)
                for _ in range(r.randint(0, 3)):
                    new("schema", team, ws)
                for _ in range(r.randint(0, 2)):
                    new("fp_input", team, ws)
            for _ in range(r.randint(2, 7)):
                new("connection", team)
            for _ in range(r.randint(0, 2)):
                ws = new("workspace", team)
                by = ws.created_by
                ws.handle = f"{by.handle.replace('.', '-')}-{r.choice(ENV_WORDS)}"
                org.team_ws[team].append(ws)
                for _ in range(r.randint(0, 3)):
                    new("connection", team, ws)
                for _ in range(r.randint(0, 2)):
                    new("snapshot", team, ws)
        for _ in range(r.randint(3, 8)):
            new("integration", r.randint(0, len(org.teams) - 1)).in_use = r.chance(0.8)
        for _ in range(r.randint(2, 4)):
            new("notifier", r.randint(0, len(org.teams) - 1))
        conns = [c for c in org.kind_list("connection") if c.ws is None]
        for ws_list in org.team_ws:
            for ws in ws_list:
                for c in r.sample(conns, r.randint(1, 4)):
                    new_perm = new("conn_perm", ws.team, ws, c)
                    new_perm.handle = f"{c.handle}-{ws.handle}"

    def add_member(
        self, org: Org, user: User, role: str, by: User, t: int, status: str = "accepted"
    ) -> Res:
        """Create an organisation membership."""
        res = self.new_res(
            org,
            "member",
            user.handle,
            None,
            None,
            t,
            by,
            {"user_id": user.id, "role": role, "status": status, "user": user.ref},
        )
        org.members[user.id] = res
        return res

    def add_ws_member(self, org: Org, ws: Res, user: User, role: str, by: User, t: int) -> Res:
        """Create a workspace membership."""
        return self.new_res(
            org,
            "ws_member",
            user.handle,
            ws,
            None,
            t,
            by,
            {"user_id": user.id, "role": role, "status": "accepted", "user": user.ref},
            ws.team,
        )

    # ------------------------------------------------------------------ lifecycles
    def _build_lifecycles(self) -> None:
        """Draw hires, leavers, dormant accounts, leave, trips and long leaves."""
        r, days, train = self.r, self.cfg.days, self.cfg.train_days
        for org in self.orgs:
            own = [p for p in org.people if p.orgs == [org.idx]]
            pool = [p for p in own if p.role in ("engineer", "analyst", "security", "contractor")]
            picks = r.sample(pool, 16)
            # hires: some during training, more during test
            hire_days = [r.randint(3, train - 4) for _ in range(r.randint(1, 2))] + [
                r.randint(train + 1, days - 4) for _ in range(r.randint(2, 3))
            ]
            for d in hire_days:
                p = picks.pop()
                d = self._workday(d, p.country)
                p.first_day = d
                p.user.created_at = self.clock.local(d, 8.0, p.zone) - r.randint(1, 5) * DAY
                for k in range(3):
                    p.special[d + k] = "new_hire_onboarding"
            # leavers, deprovisioned or not
            for _ in range(r.randint(3, 5)):
                p = picks.pop()
                p.last_day = r.randint(8, days - 3)
                p.user.left_day = p.last_day
                if r.chance(0.7):
                    p.removed_day = p.last_day + r.randint(0, 4)
            # accounts of people who moved on without deprovisioning: dormant
            for _ in range(r.randint(3, 4)):
                p = picks.pop()
                p.last_day = r.randint(6, max(7, train - 14))
                p.user.left_day = p.last_day
        for p in self.actors:
            if p.kind != "person":
                continue
            # ordinary vacation blocks and sick days
            for _ in range(r.poisson(0.7)):
                d0 = r.randint(0, self.cfg.days - 1)
                end = min(self.cfg.days, d0 + r.randint(3, 10))
                for d in range(d0, end):
                    p.off[d] = 1
                if r.chance(0.25):
                    self._abroad(
                        p,
                        d0,
                        end,
                        r.choice(
                            [
                                n
                                for n in NETWORKS
                                if n.kind in ("residential", "mobile") and n.country != p.country
                            ]
                        ),
                    )
            for d in range(self.cfg.days):
                if r.chance(0.012):
                    p.off[d] = 3
        # long leaves ending in the test period (listed) and in training (not listed)
        for org in self.orgs:
            cands = [
                p
                for p in org.people
                if p.orgs == [org.idx]
                and p.first_day <= 0
                and p.last_day > days
                and p.role not in ("finance", "manager")
            ]
            chosen = r.sample(cands, 6)
            ends = [r.randint(train + 1, days - 3) for _ in range(r.randint(3, 4))] + [
                r.randint(14, train - 2) for _ in range(2)
            ]
            for p, back in zip(chosen, ends, strict=False):
                back = self._workday(back, p.country)
                first = max(0, back - r.randint(12, 26))
                for d in range(first, back):
                    p.off[d] = 2
                p.off[back] = 0
                if back + 1 < days:
                    p.off[back + 1] = 0
                p.special[back] = "returning_from_leave"
                p.special[back + 1] = "returning_from_leave"
        # business trips
        for org in self.orgs:
            cands = [
                p
                for p in org.people
                if p.orgs == [org.idx]
                and p.first_day <= 0
                and p.last_day > days
                and p.role in ("engineer", "security", "manager", "admin")
            ]
            travellers = r.sample(cands, 6)
            starts = [r.randint(train, days - 4) for _ in range(r.randint(3, 4))] + [
                r.randint(2, train - 6) for _ in range(r.randint(1, 2))
            ]
            for p, d0 in zip(travellers, starts, strict=False):
                d0 = self._workday(d0, "")
                dests = [x for x in TRAVEL_DESTINATIONS if NET[x[0]].country != p.country]
                net_name, zone = r.choice(dests)
                net = NET[net_name]
                length = r.randint(2, 5)
                trip = Trip(
                    d0,
                    min(days, d0 + length),
                    net,
                    zone,
                    tuple(net.v4_addr(r) for _ in range(r.randint(1, 2))),
                )
                p.trips.append(trip)
                for d in range(trip.first, trip.end):
                    p.off[d] = 0
                    if p.special.get(d) is None:
                        p.special[d] = "travelling_employee"

    def _abroad(self, p: Actor, first: int, end: int, net: Network) -> None:
        """Send ``p`` on holiday abroad on [first, end) with one or two check-ins."""
        r = self.r
        for d in range(first, end):
            p.off[d] = max(p.off[d], 1)
        days = list(range(first, end))
        addr = f"{net.v6_p64(r)}:{v6_iid(r)}" if net.v6 and r.chance(0.3) else net.v4_addr(r)
        p.away.append((first, end, addr, tuple(sorted(r.sample(days, r.randint(1, 2))))))

    def _spread_networks(self) -> None:
        """Give every foreign, hosting and VPN network to at least one benign person.

        So that no address range is used by attackers only: a network an attack uses is
        new to the attacked organisation, but someone benign uses it somewhere.
        """
        r = self.r
        self._collect_used_networks()
        anywhere = set().union(*(o.used for o in self.orgs))
        for net in NETWORKS:
            if net.name in anywhere or net.kind not in ("residential", "mobile", "hosting", "vpn"):
                continue
            org = r.choice(self.orgs)
            people = [
                p
                for p in org.people
                if len(p.orgs) == 1 and p.first_day <= 0 and p.last_day > self.cfg.days
            ]
            if net.kind in ("residential", "mobile"):
                p = r.choice([q for q in people if q.country != net.country])
                d0 = r.randint(0, self.cfg.days - 8)
                self._abroad(p, d0, d0 + r.randint(4, 8), net)
            elif net.kind == "hosting":
                p = r.choice(
                    [q for q in people if q.devbox is None and q.role in ("engineer", "security")]
                )
                p.devbox = net.v4_addr(r)
            else:
                p = r.choice([q for q in people if q.privacy_vpn is None])
                p.privacy_vpn = net
        for org in self.orgs:
            org.used.clear()

    def _workday(self, d: int, country: str) -> int:
        """Return the first working day at or after ``d`` (capped at the last day)."""
        while d < self.cfg.days - 1 and (
            self.clock.weekday(d) >= 5 or self.clock.is_holiday(country, d)
        ):
            d += 1
        return d

    def _collect_used_networks(self) -> None:
        """Record every network each organisation's actors use."""
        for org in self.orgs:
            org.used.add(org.sse.name if org.sse else "")
            for zone in org.zones:
                org.used.add(OFFICE_NET[ZONE_COUNTRY[zone]])
            org.used.add("pipes-platform")
            org.used.add("gh-actions")
            for p in org.people:
                for net in (p.home, p.mobile, p.privacy_vpn):
                    if net is not None:
                        org.used.add(net.name)
                for trip in p.trips:
                    org.used.add(trip.net.name)
                for _, _, addr, _ in p.away:
                    org.used.add(self.net_of(addr))
                for _, addr in p.home_v4:
                    org.used.add(self.net_of(addr))
                if p.devbox:
                    org.used.add(self.net_of(p.devbox))
            for b in org.bots:
                for _, ip in b.ips:
                    org.used.add(self.net_of(ip))

    @staticmethod
    def net_of(ip: str) -> str:
        """Return the name of the network an IPv4 address belongs to."""
        if ":" in ip:
            head = ":".join(ip.split(":")[:2])
            for net in NETWORKS:
                if net.v6 == head:
                    return net.name
            return ""
        a, b = (int(x) for x in ip.split(".")[:2])
        for net in NETWORKS:
            if (a, b) in net.v4:
                return net.name
        return ""


# ------------------------------------------------------------------------------- planning
class Planner:
    """Turn the world's habits, bots, look-alikes and attacks into timed events.

    Parameters
    ----------
    world : World
        The world to plan for.
    """

    def __init__(self, world: World) -> None:
        self.w = world
        self.clock = world.clock
        self.r = Rand(world.cfg.seed, 2)
        self.events: list[Event] = []
        self.seq = 0
        self.sess = 0
        self.busy: set[tuple[int, int]] = set()
        self._v6_iid: dict[tuple[int, int], str] = {}
        self._vpn_day: dict[tuple[int, int], bool] = {}
        self._mobile_day: dict[tuple[int, int], str] = {}
        self.incidents: dict[str, int] = {s: 0 for s in SCENARIOS}
        self.forms: dict[str, str] = {}  # incident id -> "plain" or "subtle"
        self.backdoors: list[Actor] = []
        self.dropped_labels = 0

    # ------------------------------------------------------------------ primitives
    def add(
        self,
        t: int,
        org: int,
        actor: Actor,
        action: str,
        ip: str,
        proc: str | None = None,
        sess: int = 0,
        **flags: Any,
    ) -> None:
        """Plan one event (dropped outside the timeline)."""
        if t < self.clock.t0 or t >= self.clock.t_end:
            return
        if "label" in flags and t < self.clock.t_test:
            self.dropped_labels += 1
            return
        self.seq += 1
        self.events.append(Event(t, self.seq, org, actor, action, ip, proc, sess, flags or None))

    def new_session(self) -> int:
        """Return a new session number."""
        self.sess += 1
        return self.sess

    def home_ip(self, p: Actor, d: int, r: Rand) -> str:
        """Return the person's home address on day ``d`` (IPv6 privacy address if any)."""
        if p.v6_p64 and r.chance(0.85):
            key = (p.idx, d)
            iid = self._v6_iid.get(key)
            if iid is None:
                iid = v6_iid(r)
                self._v6_iid[key] = iid
            p64 = p.v6_p64[0][1]
            for first, pref in p.v6_p64:
                if first <= d:
                    p64 = pref
            if p64:
                return f"{p64}:{iid}"
        ip = p.home_v4[0][1]
        for first, addr in p.home_v4:
            if first <= d:
                ip = addr
        return ip

    def mobile_ip(self, p: Actor, r: Rand) -> str:
        """Return a carrier-grade NAT address of the person's mobile carrier."""
        net = p.mobile
        if net is None:
            return self.home_ip(p, 0, r)
        if net.v6 and r.chance(0.6):
            return f"{net.v6_p64(r)}:{v6_iid(r)}"
        return net.v4_addr(r)

    def usual_ip(self, p: Actor, org: Org, d: int, mode: str, r: Rand) -> str:
        """Return the address of one ordinary session of ``p`` on day ``d``."""
        if mode == "office":
            return r.choice(org.offices[min(p.site, len(org.offices) - 1)])
        trip = p.trip_on(d)
        if trip is not None:
            x = r.u()
            if x < 0.55:
                return r.choice(trip.nat)
            if x < 0.75:
                return self.mobile_ip(p, r)
            return r.choice(org.vpn_pool)
        x = r.u()
        if x < 0.04:
            return self.mobile_ip(p, r)
        if p.devbox and x < 0.14:
            return p.devbox
        key = (p.idx, d)
        vpn = self._vpn_day.get(key)
        if vpn is None:
            vpn = r.chance(p.vpn_p)
            self._vpn_day[key] = vpn
        if vpn:
            return r.choice(org.vpn_pool)
        if p.privacy_vpn is not None and r.chance(0.5):
            return p.privacy_vpn.v4_addr(r)
        return self.home_ip(p, d, r)

    def fresh_ip(self, org: Org, r: Rand, kinds: tuple[str, ...], abroad_of: str = "") -> str:
        """Return an address of a network ``org`` never uses (optionally abroad)."""
        cands = [
            n
            for n in NETWORKS
            if n.kind in kinds and n.name not in org.used and n.country != abroad_of
        ]
        net = r.choice(cands)
        if net.v6 and net.kind in ("residential", "mobile") and r.chance(0.3):
            return f"{net.v6_p64(r)}:{v6_iid(r)}"
        return net.v4_addr(r)

    def draw_action(self, p: Actor, theme: str, r: Rand) -> str:
        """Return one action of ``theme`` from the person's own mix."""
        acts = THEMES[theme]
        return r.weighted([a for a, _ in acts], p.action_w[theme])

    def draw_theme(self, p: Actor, r: Rand) -> str:
        """Return one of the person's session themes."""
        return r.weighted(THEME_NAMES, p.theme_w)

    def session(
        self,
        p: Actor,
        org: int,
        t0: int,
        n: int,
        ip: str,
        r: Rand,
        theme: str | None = None,
        mix: tuple[tuple[str, float], ...] | None = None,
        look: str | None = None,
        gap: float | None = None,
        proc: str | None = None,
        **flags: Any,
    ) -> int:
        """Plan one bursty session of ``n`` actions; return its end time."""
        sess = self.new_session()
        if theme is None and mix is None:
            theme = self.draw_theme(p, r)
        cli = proc or (self.w.ids.new("p", t0) if p.cli and r.chance(0.15) else None)
        median = gap or p.gap_median
        t = t0
        for _ in range(n):
            if mix is not None:
                action = r.weighted([a for a, _ in mix], [w for _, w in mix])
            else:
                if r.chance(0.12):
                    theme = self.draw_theme(p, r)
                action = self.draw_action(p, theme or "reporting", r)
            process = cli
            if action == "pipeline.command.run" and process is None:
                process = self.w.ids.new("p", t)
            if look:
                self.add(t, org, p, action, ip, process, sess, look=look, **flags)
            else:
                self.add(t, org, p, action, ip, process, sess, **flags)
            step = r.lognormal(median, 0.9)
            if r.chance(0.08):
                step += r.expo(420)
            t += max(1, int(step))
        return t

    # ------------------------------------------------------------------ people
    def plan_people(self) -> None:
        """Plan every person's ordinary days."""
        r, clock = self.r, self.clock
        persons = [a for a in self.w.actors if a.kind == "person"]
        for d in range(clock.days):
            for p in persons:
                self.person_day(p, d, r)

    def person_day(self, p: Actor, d: int, r: Rand) -> None:
        """Plan one person's sessions on local day ``d``."""
        clock = self.clock
        if d < p.first_day or d >= p.last_day:
            return
        look = p.special.get(d)
        trip = p.trip_on(d)
        zone = trip.zone if trip else p.zone
        wd = clock.weekday(d)
        off = p.off[d]
        forced = look in ("new_hire_onboarding", "returning_from_leave") and wd < 5
        if forced:
            p_act = 1.0
        elif off == 2:
            p_act = 0.0
        elif off or clock.is_holiday(p.country, d):
            p_act = 0.03
        elif wd >= 5:
            p_act = p.p_weekend
        else:
            p_act = p.p_active
        if trip is not None and wd < 5:
            p_act = max(p_act, 0.8)
        away = p.away_on(d) if off else None
        if away is not None:
            if away[1] and len(p.orgs) == 1:
                org_i = p.orgs[0]
                t0 = clock.local(d, r.uniform(p.start_hour, p.start_hour + 10), zone)
                self.session(p, org_i, t0, r.randint(1, 4), away[0], r)
            return
        if not r.chance(p_act):
            return
        if len(p.orgs) > 1:
            org_i = r.weighted(p.orgs, p.org_weights)
        else:
            org_i = p.orgs[0]
        org = self.w.orgs[org_i]
        mode = "home"
        if trip is None and not p.remote and wd < 5 and not off and r.chance(p.office_p):
            mode = "office"
        n_sess = 1 + r.poisson(p.extra_sessions)
        mean = p.session_mean
        if look == "returning_from_leave":
            n_sess += 1 + r.poisson(1.0)
            mean *= 1.4
        if wd >= 5 or off:
            n_sess = 1
            mean = max(2.0, mean / 2)
        starts = [p.start_hour + r.expo(0.4)]
        for _ in range(n_sess - 1):
            starts.append(r.uniform(p.start_hour + 0.5, p.start_hour + p.day_len))
        if r.chance(p.p_evening):
            starts.append(r.uniform(19.5, 23.0))
        if p.on_call and r.chance(0.01):
            starts.append(r.uniform(0.5, 4.5))
        starts.sort()
        listed = look if (look and (look != "travelling_employee" or trip is not None)) else None
        for k, hour in enumerate(starts):
            t0 = clock.local(d, hour, zone)
            ip = self.usual_ip(p, org, d, mode, r)
            n = r.geometric(mean)
            if look == "new_hire_onboarding" and k < 2:
                self.session(p, org_i, t0, n + 3, ip, r, mix=ONBOARDING, look=listed)
            else:
                self.session(p, org_i, t0, n, ip, r, look=listed)

    # ------------------------------------------------------------------ bots
    def plan_bots(self) -> None:
        """Plan every service account's automation and the platform's own actions."""
        for org in self.w.orgs:
            for bot in org.bots:
                getattr(self, f"_bot_{bot.bot_kind}")(org, bot)
            self._platform(org)

    def _times(self, period: int, phase: int, jitter: int) -> list[int]:
        """Return periodic epoch seconds over the timeline with uniform jitter."""
        clock = self.clock
        base = np.arange(clock.t0 + phase, clock.t_end, period, dtype=np.int64)
        jit = self.r.gen.integers(0, jitter + 1, size=base.size)
        return (base + jit).tolist()

    def _shift_outages(self, bot: Actor, times: list[int]) -> list[int]:
        """Move runs inside an outage to a catch-up burst right after it."""
        if not bot.outages:
            return times
        out = []
        for t in times:
            for a, b in bot.outages:
                if a <= t < b:
                    t = b + int((t - a) / max(1, b - a) * 240)
                    break
            out.append(t)
        return out

    def _bot_scheduler(self, org: Org, bot: Actor) -> None:
        """Scheduled pipeline runs through the orchestration account."""
        r, clock = self.r, self.clock
        for pl, period in org.scheduled:
            if period >= DAY:
                hour = r.randint(0, 23) * HOUR + r.choice([0, 15, 30, 45]) * MINUTE
                times = self._times(DAY, hour, 90)
            else:
                times = self._times(period, r.randint(0, period - 1), min(45, period // 4))
            for t in self._shift_outages(bot, times):
                d = clock.day_of(t)
                proc = self.w.ids.new("p", t)
                if r.chance(0.012):
                    self.add(t, org.idx, bot, "connection.test", bot.ip_at(d), proc, 0)
                self.add(t, org.idx, bot, "pipeline.command.run", bot.ip_at(d), proc, 0, res=pl)

    def _bot_datatank(self, org: Org, bot: Actor) -> None:
        """Datatank syncs: part updates every half hour or hour, daily table updates."""
        r, clock = self.r, self.clock
        for table, period in org.synced:
            times = self._times(period, r.randint(0, period - 1), 30)
            for t in self._shift_outages(bot, times):
                proc = self.w.ids.new("p", t)
                if r.chance(0.012):
                    self.add(
                        t, org.idx, bot, "connection.test", bot.ip_at(clock.day_of(t)), proc, 0
                    )
                self.add(
                    t,
                    org.idx,
                    bot,
                    "datatank.part.update",
                    bot.ip_at(clock.day_of(t)),
                    proc,
                    0,
                    res=table,
                )
            for t in self._times(DAY, r.randint(1, 5) * HOUR, 600):
                self.add(
                    t,
                    org.idx,
                    bot,
                    "datatank.table.update",
                    bot.ip_at(clock.day_of(t)),
                    self.w.ids.new("p", t),
                    0,
                    res=table,
                )
        for d in range(clock.days):
            if r.chance(0.1):
                t = clock.local(d, r.uniform(0, 24), "UTC")
                self.add(
                    t,
                    org.idx,
                    bot,
                    r.choice(["datatank.table.create", "datatank.table.update"]),
                    bot.ip_at(d),
                    self.w.ids.new("p", t),
                    0,
                )

    def _deploy(
        self,
        org: Org,
        bot: Actor,
        t: int,
        n: int,
        mix_name: str,
        r: Rand,
        ip: str | None = None,
        look: str | None = None,
    ) -> None:
        """One automation run: ``n`` actions of the bot's mix under one process."""
        proc = self.w.ids.new("p", t)
        ip = ip or (
            NET["gh-actions"].v4_addr(r)
            if bot.bot_kind == "ci"
            else bot.ip_at(self.clock.day_of(t))
        )
        mix = BOT_MIXES[mix_name]
        sess = self.new_session()
        for _ in range(n):
            action = r.weighted([a for a, _ in mix], [w for _, w in mix])
            if look:
                self.add(t, org.idx, bot, action, ip, proc, sess, look=look)
            else:
                self.add(t, org.idx, bot, action, ip, proc, sess)
            t += r.randint(2, 25)

    def _bot_ci(self, org: Org, bot: Actor) -> None:
        """Deploys after merges: weekdays in the team's hours, runners' addresses."""
        r, clock = self.r, self.clock
        for d in range(clock.days):
            wd = clock.weekday(d)
            n = r.poisson(3.5 if wd < 5 else 0.3)
            for _ in range(n):
                t = clock.local(d, r.uniform(9.5, 18.5), bot.zone)
                self._deploy(org, bot, t, r.randint(3, 12), "ci", r)

    def _bot_terraform(self, org: Org, bot: Actor) -> None:
        """Nightly drift apply and weekday applies from the elastic address or CI."""
        r, clock = self.r, self.clock
        for d in range(clock.days):
            t = clock.local(d, 5.5, "UTC") + r.randint(0, 300)
            self._deploy(org, bot, t, r.randint(5, 20), "terraform", r)
            for _ in range(r.poisson(1.0 if clock.weekday(d) < 5 else 0.0)):
                t = clock.local(d, r.uniform(10, 18), bot.zone)
                ip = NET["gh-actions"].v4_addr(r) if r.chance(0.4) else None
                self._deploy(org, bot, t, r.randint(3, 15), "terraform", r, ip)

    def _bot_reports(self, org: Org, bot: Actor) -> None:
        """Hourly snapshots in business hours and a Monday batch."""
        r, clock = self.r, self.clock
        for d in range(clock.days):
            wd = clock.weekday(d)
            if wd < 5:
                for h in range(7, 19):
                    t = clock.local(d, h, bot.zone) + r.randint(0, 120)
                    self._deploy(org, bot, t, r.randint(1, 4), "reports", r)
            if wd == 0:
                t = clock.local(d, 6.0, bot.zone)
                self._deploy(org, bot, t, r.randint(15, 30), "reports", r)

    def _bot_integration(self, org: Org, bot: Actor) -> None:
        """Refresh every integration every two to six hours."""
        r = self.r
        for integ in list(org.kind_list("integration")):
            period = r.choice([2, 3, 4, 6]) * HOUR
            for t in self._times(period, r.randint(0, period - 1), 120):
                self.add(
                    t,
                    org.idx,
                    bot,
                    "integration.refresh",
                    bot.ip_at(self.clock.day_of(t)),
                    self.w.ids.new("p", t),
                    0,
                    res=integ,
                )
            for t in self._times(DAY, r.randint(0, 23) * HOUR, 600):
                if r.chance(0.3):
                    self.add(
                        t,
                        org.idx,
                        bot,
                        "connection.update",
                        bot.ip_at(self.clock.day_of(t)),
                        self.w.ids.new("p", t),
                        0,
                    )

    def _platform(self, org: Org) -> None:
        """Inactivity warnings and disables, and maintenance upgrades by the platform."""
        r, clock, sysa = self.r, self.clock, self.w.platform
        for d in range(clock.days):
            if clock.weekday(d) == 1:
                for _ in range(r.poisson(1.2)):
                    t = clock.local(d, r.uniform(1, 3), "UTC")
                    self.add(
                        t,
                        org.idx,
                        sysa,
                        "workspace.inactive.warn",
                        r.choice(sysa.ips)[1],
                        self.w.ids.new("p", t),
                        0,
                        pick="idle",
                    )
                for _ in range(r.poisson(0.5)):
                    t = clock.local(d, r.uniform(1, 3), "UTC")
                    self.add(
                        t,
                        org.idx,
                        sysa,
                        "workspace.inactive.disable",
                        r.choice(sysa.ips)[1],
                        self.w.ids.new("p", t),
                        0,
                        pick="warned",
                    )
        n_ws = sum(len(x) for x in org.team_ws) + 6
        for k, d in enumerate(range(r.randint(15, 25), clock.days, 35)):
            t = clock.local(d, 2.0, "UTC") + r.randint(0, 1800)
            for _ in range(n_ws):
                self.add(
                    t,
                    org.idx,
                    sysa,
                    "workspace.upgrade",
                    r.choice(sysa.ips)[1],
                    self.w.ids.new("p", t),
                    0,
                    pick=f"upgrade{k}",
                )
                t += r.randint(20, 90)

    # ------------------------------------------------------------------ lifecycle events
    def plan_lifecycle(self) -> None:
        """Admins add hires (with workspace access) and remove leavers."""
        r, clock = self.r, self.clock
        for org in self.w.orgs:
            for p in org.people:
                if len(p.orgs) > 1:
                    continue
                if p.first_day > 0:
                    near = [a for a in org.admins if a.zone == p.zone] or org.admins
                    admin = r.choice(near)
                    t = clock.local(p.first_day, p.start_hour - 0.7, p.zone)
                    ip = self.usual_ip(admin, org, p.first_day, "home", r)
                    sess = self.new_session()
                    self.add(
                        t,
                        org.idx,
                        admin,
                        "org.member.add",
                        ip,
                        None,
                        sess,
                        user=p.user,
                        role="member",
                    )
                    for k in range(r.randint(1, 3)):
                        self.add(
                            t + 40 + 30 * k,
                            org.idx,
                            admin,
                            "org.workspace.member.add",
                            ip,
                            None,
                            sess,
                            user=p.user,
                            team=p.teams[org.idx],
                        )
                if p.removed_day is not None and p.removed_day < clock.days:
                    admin = r.choice(org.admins)
                    d = p.removed_day
                    t = clock.local(d, r.uniform(10, 17), admin.zone)
                    self.add(
                        t,
                        org.idx,
                        admin,
                        "org.member.delete",
                        self.usual_ip(admin, org, d, "home", r),
                        None,
                        self.new_session(),
                        user=p.user,
                    )

    # ------------------------------------------------------------------ look-alikes
    def plan_lookalikes(self) -> None:
        """Plan the look-alike behaviours that are not habits (both periods)."""
        r, clock = self.r, self.clock
        train, days = clock.train_days, clock.days
        test_days = list(range(train, days))
        train_days = list(range(1, train))
        for period, n_scale in ((test_days, 1.0), (train_days, 0.4)):
            self._cleanups(period, max(1, round(6 * n_scale)), r)
            self._reorgs(period, n_scale, r)
            self._incidents(period, max(1, round(4 * n_scale)), r)
            self._ci_bursts(period, n_scale, r)
        self._month_end(r)

    def _mark(self, actor: Actor, d: int) -> None:
        """Reserve an actor-day (and its neighbours) for one planned behaviour."""
        for k in (d - 1, d, d + 1):
            self.busy.add((actor.idx, k))

    def _free(self, actor: Actor, d: int) -> bool:
        """Return whether the actor-day is not yet used by a look-alike or attack."""
        return (actor.idx, d) not in self.busy and actor.special.get(d) is None

    def _cleanups(self, period: list[int], n: int, r: Rand) -> None:
        """Admins delete stale resources of departed people in a burst."""
        clock = self.clock
        for _ in range(n):
            org = r.choice(self.w.orgs)
            admin = r.choice(org.admins)
            for _ in range(20):
                d = r.choice(period)
                if clock.weekday(d) < 5 and admin.active(d) and self._free(admin, d):
                    break
            else:
                continue
            self._mark(admin, d)
            for k in range(r.randint(1, 2)):
                dd = d + k
                if dd >= clock.days or not admin.active(dd):
                    break
                self.busy.add((admin.idx, dd + 1))
                t = clock.local(dd, r.uniform(10, 16), admin.zone)
                ip = self.usual_ip(admin, org, dd, "home", r)
                mix = (
                    ("pipeline.delete", 20),
                    ("connection.delete", 20),
                    ("workspace.delete", 6),
                    ("datatank.table.delete", 8),
                    ("workspace.mod.uninstall", 8),
                    ("workspace.snapshot.delete", 14),
                    ("connection.permission.delete", 6),
                    ("workspace.aggregator.delete", 3),
                    ("integration.delete", 2),
                    ("workspace.schema.delete", 3),
                )
                self.session(
                    admin,
                    org.idx,
                    t,
                    r.randint(10, 30),
                    ip,
                    r,
                    mix=mix,
                    look="admin_cleanup",
                    gap=25.0,
                    pick="cleanup",
                )

    def _reorgs(self, period: list[int], scale: float, r: Rand) -> None:
        """Admins move people between workspaces and change organisation roles."""
        clock = self.clock
        orgs = self.w.orgs if scale >= 1 else [r.choice(self.w.orgs)]
        for org in orgs:
            d0 = r.choice([d for d in period if clock.weekday(d) < 3][:-2] or period)
            admins = (
                [a for a in org.admins if r.chance(0.75)] or org.admins[:1]
                if scale >= 1
                else [r.choice(org.admins)]
            )
            for admin in admins:
                for k in range(3):
                    d = d0 + k
                    if d >= clock.days or not admin.active(d) or not self._free(admin, d):
                        continue
                    self.busy.add((admin.idx, d))
                    t = clock.local(d, r.uniform(9.5, 15), admin.zone)
                    ip = self.usual_ip(admin, org, d, "home", r)
                    mix = (
                        ("org.workspace.member.add", 40),
                        ("org.workspace.member.update", 35),
                        ("org.member.update", 15),
                        ("org.update", 2),
                    )
                    self.session(
                        admin,
                        org.idx,
                        t,
                        r.randint(12, 35),
                        ip,
                        r,
                        mix=mix,
                        look="reorg_membership_changes",
                        gap=30.0,
                        pick="reorg",
                    )

    def _incidents(self, period: list[int], n: int, r: Rand) -> None:
        """Night-time incident response by on-call people from home or phone."""
        clock = self.clock
        for _ in range(n):
            org = r.choice(self.w.orgs)
            d = r.choice(period)
            oncall = [
                p
                for p in org.people
                if p.on_call and p.active(d) and self._free(p, d) and p.trip_on(d) is None
            ]
            if not oncall:
                continue
            for p in r.sample(oncall, r.randint(2, 3)):
                self._mark(p, d)
                hour = r.uniform(0.3, 4.0)
                for _ in range(r.randint(1, 2)):
                    t = clock.local(d, hour, p.zone)
                    ip = (
                        self.mobile_ip(p, r)
                        if r.chance(0.3)
                        else self.usual_ip(p, org, d, "home", r)
                    )
                    end = self.session(
                        p,
                        org.idx,
                        t,
                        r.randint(6, 25),
                        ip,
                        r,
                        mix=INCIDENT_MIX,
                        look="late_incident_response",
                        gap=35.0,
                    )
                    hour = (end - clock.local(d, 0, p.zone)) / HOUR + r.uniform(0.2, 1.0)

    def _ci_bursts(self, period: list[int], scale: float, r: Rand) -> None:
        """Release days, big applies and catch-up after a runner outage."""
        clock = self.clock
        for org in self.w.orgs:
            for bot in org.bots:
                if bot.bot_kind == "ci":
                    n = max(1, round(r.randint(3, 4) * scale))
                    for d in r.sample([d for d in period if clock.weekday(d) < 5], n):
                        self.busy.add((bot.idx, d))
                        for _ in range(r.randint(15, 30)):
                            t = clock.local(d, r.uniform(9, 20), bot.zone)
                            self._deploy(org, bot, t, r.randint(6, 20), "ci", r, look="ci_burst")
                elif bot.bot_kind == "terraform" and r.chance(0.8 * scale):
                    d = r.choice(period)
                    self.busy.add((bot.idx, d))
                    t = clock.local(d, r.uniform(10, 16), bot.zone)
                    self._deploy(org, bot, t, r.randint(60, 140), "terraform", r, look="ci_burst")
                elif bot.bot_kind in ("scheduler", "datatank") and r.chance(0.7 * scale):
                    d = r.choice(period)
                    self.busy.add((bot.idx, d))
                    a = clock.local(d, r.uniform(0, 20), "UTC")
                    bot.outages.append((a, a + r.randint(2, 6) * HOUR))

    def _month_end(self, r: Rand) -> None:
        """Finance and admins at month end: payment methods, billing details, usage."""
        clock = self.clock
        ends = []
        for d in range(clock.days):
            dt = clock.date(d)
            nxt = [clock.date(k) for k in range(d + 1, d + 8)]
            business = [x for x in nxt if x.weekday() < 5]
            last_three = dt.weekday() < 5 and sum(1 for x in business if x.month == dt.month) < 3
            first_two = (
                dt.weekday() < 5
                and dt.day <= 4
                and sum(
                    1
                    for k in range(max(0, d - 4), d)
                    if clock.date(k).weekday() < 5 and clock.date(k).month == dt.month
                )
                < 2
            )
            if last_three or first_two:
                ends.append(d)
        mix = (
            ("org.billing.payment_method.create", 12),
            ("org.update", 30),
            ("workspace.usage.enable", 8),
            ("workspace.usage.disable", 6),
            ("org.audit.export", 8),
            ("workspace.snapshot.create", 25),
            ("workspace.snapshot.update", 10),
        )
        for org in self.w.orgs:
            fin = [p for p in org.people if p.role == "finance"]
            admins = r.sample(org.admins, 2)
            for d in ends:
                people = [p for p in fin if r.chance(0.9)]
                people += [admins[0]] if r.chance(0.3) else []
                if r.chance(0.1):
                    people.append(admins[1])
                for p in people:
                    if not p.active(d) or not self._free(p, d):
                        continue
                    self.busy.add((p.idx, d))
                    t = clock.local(d, r.uniform(9.5, 16.5), p.zone)
                    ip = self.usual_ip(p, org, d, "home", r)
                    self.session(
                        p,
                        org.idx,
                        t,
                        r.randint(3, 9),
                        ip,
                        r,
                        mix=mix,
                        look="month_end_billing_admin",
                        gap=60.0,
                    )

    # ------------------------------------------------------------------ attacks
    def plan_attacks(self) -> None:
        """Plan two to five incidents of every attack scenario in the test period."""
        ra = Rand(self.w.cfg.seed, 3)
        for scenario in SCENARIOS:
            n = ra.randint(2, 5)
            for k in range(n):
                subtle = (k % 2 == 1) if k < 2 else ra.chance(0.5)
                inc = f"{scenario}-{self.incidents[scenario] + 1}"
                for _ in range(30):
                    if getattr(self, f"_atk_{scenario}")(inc, subtle, ra):
                        self.incidents[scenario] += 1
                        self.forms[inc] = "subtle" if subtle else "plain"
                        break

    def _test_day(self, r: Rand, weekday: bool | None = None, margin: int = 0) -> int:
        """Return a day of the test period (optionally a weekday or weekend day)."""
        clock = self.clock
        while True:
            d = r.randint(clock.train_days + 1, clock.days - 2 - margin)
            if weekday is None or (clock.weekday(d) < 5) == weekday:
                return d

    def _pick_person(
        self,
        r: Rand,
        d: int,
        roles: tuple[str, ...],
        org: Org | None = None,
        need_active: bool = True,
    ) -> Actor | None:
        """Return a free person of one of ``roles`` working on day ``d``."""
        orgs = [org] if org else self.w.orgs
        cands = [
            p
            for o in orgs
            for p in o.people
            if p.role in roles
            and len(p.orgs) == 1
            and self._free(p, d)
            and (p.active(d) or not need_active)
            and p.trip_on(d) is None
            and p.first_day < d - 7
        ]
        return r.choice(cands) if cands else None

    def _ordinary(
        self, p: Actor, org: Org, d: int, r: Rand, hour: float | None = None, n: int | None = None
    ) -> tuple[int, str]:
        """Plan an ordinary session of ``p`` on day ``d``; return its start and address."""
        hour = hour if hour is not None else r.uniform(p.start_hour, p.start_hour + 6)
        t = self.clock.local(d, hour, p.zone)
        ip = self.usual_ip(p, org, d, "home", r)
        self.session(p, org.idx, t, n or r.geometric(p.session_mean) + 2, ip, r)
        return t, ip

    def _attack(
        self,
        p: Actor,
        org: Org,
        t: int,
        actions: list[str],
        ip: str,
        r: Rand,
        scenario: str,
        inc: str,
        gap: float = 40.0,
        proc: str | None = None,
        **flags: Any,
    ) -> int:
        """Plan labelled attack actions one after another; return the end time."""
        sess = self.new_session()
        for action in actions:
            process = proc
            if action == "pipeline.command.run" and process is None:
                process = self.w.ids.new("p", t)
            self.add(t, org.idx, p, action, ip, process, sess, label=(scenario, inc), **flags)
            t += max(1, int(r.lognormal(gap, 0.8)))
        return t

    def _own_mix(self, p: Actor, r: Rand, n: int, ops: tuple[str, ...]) -> list[str]:
        """Return ``n`` actions from the person's own mix whose operation is in ``ops``."""
        out: list[str] = []
        for _ in range(n * 40):
            if len(out) == n:
                break
            a = self.draw_action(p, self.draw_theme(p, r), r)
            if ACTION_SPEC[a][1] in ops:
                out.append(a)
        while len(out) < n:
            out.append("connection.update")
        return out

    def _unusual(self, p: Actor, pool: tuple[str, ...], r: Rand, n: int) -> list[str]:
        """Return ``n`` actions of ``pool``, preferring those the actor never does."""
        weight = {}
        for name in THEME_NAMES:
            for (a, _), w in zip(THEMES[name], p.action_w.get(name, []), strict=True):
                weight[a] = weight.get(a, 0.0) + w * (
                    p.theme_w[THEME_NAMES.index(name)] if p.theme_w else 0.0
                )
        never = [a for a in pool if weight.get(a, 0.0) == 0.0]
        rare = sorted(pool, key=lambda a: (weight.get(a, 0.0), a))[: max(3, len(pool) // 2)]
        src = never if len(never) >= 3 else rare
        return [r.choice(src) for _ in range(n)]

    def _atk_forged_actor(self, inc: str, subtle: bool, r: Rand) -> bool:
        d = self._test_day(r, weekday=True, margin=4)
        org = r.choice(self.w.orgs)
        if not subtle and r.chance(0.3):
            bots = [b for b in org.bots if b.bot_kind in ("ci", "terraform") and self._free(b, d)]
            if not bots:
                return False
            bot = r.choice(bots)
            victim = self._pick_person(r, d, ("engineer", "security", "admin"), org, False)
            if victim is None:
                return False
            self._mark(bot, d)
            t = self.clock.local(d, r.uniform(0, 24), "UTC")
            mix = BOT_MIXES[bot.bot_kind]
            acts = [
                a
                for a in (r.weighted([x for x, _ in mix], [w for _, w in mix]) for _ in range(60))
                if ACTION_SPEC[a][1] in ("create", "update")
            ]
            self._attack(
                bot,
                org,
                t,
                acts[: r.randint(8, 20)],
                bot.ip_at(d),
                r,
                "forged_actor",
                inc,
                gap=8.0,
                proc=self.w.ids.new("p", t),
                forge=victim.user,
            )
            return True
        p = self._pick_person(r, d, ("engineer", "security", "contractor"), org)
        if p is None:
            return False
        mates = [
            q
            for q in org.people
            if q is not p
            and len(q.orgs) == 1
            and q.teams.get(org.idx) == p.teams.get(org.idx)
            and q.first_day <= 0
        ]
        victim = r.choice(mates) if (mates and subtle) else r.choice(org.admins)
        if subtle:
            days = sorted(set([d] + [d + r.randint(1, 4) for _ in range(r.randint(1, 2))]))
            for dd in days:
                if dd >= self.clock.days:
                    continue
                self._mark(p, dd)
                t, ip = self._ordinary(p, org, dd, r)
                self._attack(
                    p,
                    org,
                    t + r.randint(120, 1500),
                    self._own_mix(p, r, r.randint(1, 2), ("create", "update")),
                    ip,
                    r,
                    "forged_actor",
                    inc,
                    forge=victim.user,
                )
        else:
            self._mark(p, d)
            t, ip = self._ordinary(p, org, d, r)
            acts = self._own_mix(p, r, r.randint(10, 25), ("create", "update"))
            self._attack(
                p,
                org,
                t + r.randint(1800, 4 * HOUR),
                acts,
                ip,
                r,
                "forged_actor",
                inc,
                gap=20.0,
                forge=victim.user,
            )
        return True

    def _atk_impossible_travel(self, inc: str, subtle: bool, r: Rand) -> bool:
        d = self._test_day(r, weekday=True)
        p = self._pick_person(r, d, ("engineer", "security", "analyst", "admin", "manager"))
        if p is None:
            return False
        org = self.w.orgs[p.org]
        self._mark(p, d)
        t, _ = self._ordinary(p, org, d, r, n=r.geometric(p.session_mean) + 4)
        ip = self.fresh_ip(org, r, ("residential", "hosting", "vpn", "mobile"), p.country)
        t_att = t + r.randint(3, 40) * MINUTE
        if subtle:
            acts = self._own_mix(p, r, r.randint(2, 4), ("create", "update", "run", "read"))
        else:
            pool = (
                "connection.create",
                "user.token.create",
                "integration.create",
                "connection.permission.create",
                "datatank.table.create",
                "connection.update",
                "org.audit.export",
                "workspace.snapshot.create",
                "pipeline.command.run",
            )
            acts = self._own_mix(
                p, r, r.randint(3, 8), ("create", "update", "run")
            ) + self._unusual(p, pool, r, r.randint(8, 20))
        self._attack(p, org, t_att, acts, ip, r, "impossible_travel", inc)
        return True

    def _atk_low_and_slow_growth(self, inc: str, subtle: bool, r: Rand) -> bool:
        clock = self.clock
        span = r.randint(8, 14)
        d0 = r.randint(clock.train_days + 1, clock.days - span - 2)
        roles = (
            ("engineer", "security", "contractor")
            if subtle
            else ("engineer", "security", "contractor", "analyst")
        )
        p = self._pick_person(r, d0, roles)
        if p is None or any(not self._free(p, d) for d in range(d0, d0 + span)):
            return False
        org = self.w.orgs[p.org]
        if subtle:
            creates = [
                a
                for a in ("connection.create", "pipeline.create", "workspace.create")
                if self._weight_of(p, a) > 0
            ]
            action = max(creates or ["connection.create"], key=lambda a: self._weight_of(p, a))
        else:
            action = r.choice(["connection.create", "pipeline.create", "workspace.create"])
        ip = self.fresh_ip(org, r, ("vpn", "hosting"))
        k = 0
        for d in range(d0, d0 + span):
            self.busy.add((p.idx, d))
            if subtle:
                if clock.weekday(d) >= 5 or not p.active(d):
                    continue
                t, uip = self._ordinary(p, org, d, r)
                self._attack(
                    p, org, t + r.randint(60, 1800), [action], uip, r, "low_and_slow_growth", inc
                )
            else:
                k += 1
                t = clock.local(d, r.uniform(20, 23), p.zone)
                acts = [action] * (1 + k // 2)
                if r.chance(0.4):
                    acts.append("connection.permission.create")
                self._attack(p, org, t, acts, ip, r, "low_and_slow_growth", inc, gap=90.0)
        return True

    def _weight_of(self, p: Actor, action: str) -> float:
        """Return the weight of ``action`` in the person's own mix."""
        total = 0.0
        for k, name in enumerate(THEME_NAMES):
            for (a, _), w in zip(THEMES[name], p.action_w.get(name, []), strict=True):
                if a == action and p.theme_w:
                    total += w * p.theme_w[k]
        return total

    def _backdoor(self, org: Org, r: Rand, t: int) -> Actor:
        """Create an ordinary-looking account that an attacker controls."""
        bd = self.w.user_actor(None, None, "backdoor", "backdoor", [org.idx], t - DAY)
        bd.zone = org.zones[0]
        bd.teams[org.idx] = 0
        self.backdoors.append(bd)
        return bd

    def _atk_privilege_persistence(self, inc: str, subtle: bool, r: Rand) -> bool:
        clock = self.clock
        d = self._test_day(r, weekday=True, margin=6)
        org = r.choice(self.w.orgs)
        owners = [
            p
            for p in org.people
            if p.owner
            and len(p.orgs) == 1
            and p.active(d)
            and self._free(p, d)
            and p.trip_on(d) is None
            and p.first_day <= 0
        ]
        if subtle:
            owners = [p for p in owners if p.role == "admin"]
        if not owners:
            return False
        p = r.choice(owners)
        bd = self._backdoor(org, r, clock.local(d, 0, p.zone))
        label = "privilege_persistence"
        if subtle:
            steps = [
                ("org.member.add", {"user": bd.user, "role": "member"}),
                ("org.member.update", {"user": bd.user, "role": "owner"}),
                ("org.workspace.member.add", {"user": bd.user, "role": "owner"}),
            ]
            dd = d
            for action, extra in steps:
                while dd < clock.days and (clock.weekday(dd) >= 5 or not p.active(dd)):
                    dd += 1
                if dd >= clock.days:
                    break
                self._mark(p, dd)
                t, ip = self._ordinary(p, org, dd, r)
                self._attack(p, org, t + r.randint(60, 1200), [action], ip, r, label, inc, **extra)
                dd += r.randint(1, 3)
            return True
        self._mark(p, d)
        ip = self.fresh_ip(org, r, ("residential", "vpn", "hosting"), p.country)
        t = clock.local(d, r.uniform(0.5, 4.5), p.zone)
        t = self._attack(
            p, org, t, ["org.member.add"], ip, r, label, inc, user=bd.user, role="owner"
        )
        quiet = [
            q
            for q in org.people
            if not q.owner
            and len(q.orgs) == 1
            and (q.last_day < d or q.role == "manager")
            and (q.removed_day is None or q.removed_day > d)
        ]
        for q in r.sample(quiet, r.randint(1, 2)):
            t = self._attack(
                p, org, t, ["org.member.update"], ip, r, label, inc, user=q.user, role="owner"
            )
        for _ in range(r.randint(3, 6)):
            t = self._attack(
                p,
                org,
                t,
                ["org.workspace.member.add"],
                ip,
                r,
                label,
                inc,
                user=bd.user,
                role="owner",
                anyws=True,
            )
        self._mark(bd, d)
        t2 = t + r.randint(10, 90) * MINUTE
        acts = [
            "user.token.create",
            "connection.update",
            "connection.update",
            "org.audit.export",
            "integration.create",
            "connection.create",
        ]
        self._attack(bd, org, t2, r.sample(acts, r.randint(3, 6)), ip, r, label, inc)
        return True

    def _atk_short_lived_workspaces(self, inc: str, subtle: bool, r: Rand) -> bool:
        clock = self.clock
        label = "short_lived_workspaces"
        if subtle:
            d = self._test_day(r, weekday=True, margin=3)
            p = self._pick_person(r, d, ("engineer", "contractor", "security"))
            if p is None or self._weight_of(p, "workspace.create") == 0:
                return False
            org = self.w.orgs[p.org]
            for j in range(r.randint(1, 2)):
                dd = d + j
                if dd >= clock.days or not p.active(dd):
                    continue
                self._mark(p, dd)
                t, ip = self._ordinary(p, org, dd, r, hour=p.start_hour + r.uniform(0, 2))
                tag = f"{inc}-ws{j}"
                t = self._attack(
                    p,
                    org,
                    t + r.randint(300, 1800),
                    ["workspace.create"],
                    ip,
                    r,
                    label,
                    inc,
                    tag=tag,
                )
                if r.chance(0.6):
                    t = self._attack(
                        p, org, t, ["workspace.mod.install"], ip, r, label, inc, ws_ref=tag
                    )
                t_del = t + r.randint(1, 5) * HOUR
                self._attack(p, org, t_del, ["workspace.delete"], ip, r, label, inc, ref=tag)
            return True
        d = self._test_day(r, margin=1)
        p = self._pick_person(
            r, d, ("engineer", "contractor", "analyst", "security"), need_active=False
        )
        if p is None:
            return False
        org = self.w.orgs[p.org]
        self._mark(p, d)
        ip = self.fresh_ip(org, r, ("hosting", "vpn"))
        t = clock.local(d, r.uniform(0, 5) if r.chance(0.6) else r.uniform(19, 23), p.zone)
        for j in range(r.randint(4, 10)):
            tag = f"{inc}-ws{j}"
            tc = self._attack(
                p, org, t, ["workspace.create"], ip, r, label, inc, tag=tag, size="db1.large"
            )
            for action in r.sample(
                [
                    "workspace.update",
                    "workspace.mod.install",
                    "workspace.reboot",
                    "connection.create",
                ],
                r.randint(0, 2),
            ):
                tc = self._attack(p, org, tc, [action], ip, r, label, inc, ws_ref=tag, ref=tag)
            self._attack(
                p,
                org,
                tc + r.randint(8, 60) * MINUTE,
                ["workspace.delete"],
                ip,
                r,
                label,
                inc,
                ref=tag,
            )
            t += r.randint(3, 20) * MINUTE
        return True

    def _atk_account_takeover(self, inc: str, subtle: bool, r: Rand) -> bool:
        clock = self.clock
        d = self._test_day(r, margin=1)
        p = self._pick_person(r, d, ("analyst", "manager", "engineer"), need_active=False)
        if p is None or p.owner:
            return False
        org = self.w.orgs[p.org]
        self._mark(p, d)
        pool = (
            "connection.create",
            "connection.update",
            "connection.permission.create",
            "integration.create",
            "user.token.create",
            "datatank.create",
            "datatank.table.create",
            "pipeline.create",
            "pipeline.command.run",
            "org.audit.export",
            "workspace.mod.install",
            "org.workspace.member.add",
            "workspace.mod.variable.setting.update",
            "notifier.create",
        )
        if subtle:
            ip = self.fresh_ip(org, r, ("vpn", "residential"))
            t = clock.local(d, r.uniform(18.5, 21.5), p.zone)
            acts = self._own_mix(
                p, r, r.randint(1, 3), ("create", "update", "run")
            ) + self._unusual(p, pool, r, r.randint(2, 4))
        else:
            ip = self.fresh_ip(org, r, ("residential", "hosting", "vpn", "mobile"), p.country)
            t = clock.local(d, r.uniform(1, 5), p.zone)
            acts = self._unusual(p, pool, r, r.randint(20, 50))
        self._attack(
            p,
            org,
            t,
            acts,
            ip,
            r,
            "account_takeover",
            inc,
            gap=25.0,
            pick="others" if not subtle else None,
        )
        return True

    def _atk_billing_change(self, inc: str, subtle: bool, r: Rand) -> bool:
        clock = self.clock
        d = self._test_day(r, weekday=subtle or None)
        p = self._pick_person(
            r, d, ("engineer", "analyst", "security", "manager"), need_active=subtle
        )
        if p is None or self._weight_of(p, "org.billing.payment_method.create") > 0:
            return False
        org = self.w.orgs[p.org]
        self._mark(p, d)
        label = "billing_change"
        if subtle:
            t, ip = self._ordinary(p, org, d, r)
            acts = ["org.billing.payment_method.create"] + (["org.update"] if r.chance(0.5) else [])
            self._attack(p, org, t + r.randint(120, 1800), acts, ip, r, label, inc)
        else:
            ip = self.fresh_ip(org, r, ("residential", "vpn", "hosting"), p.country)
            t = clock.local(d, r.uniform(0.5, 5), p.zone)
            acts = (
                ["org.billing.payment_method.create"] * r.randint(1, 3)
                + ["org.update"] * r.randint(1, 2)
                + ["workspace.usage.enable"] * r.randint(0, 2)
                + (["org.audit.export"] if r.chance(0.5) else [])
            )
            self._attack(p, org, t, acts, ip, r, label, inc, gap=50.0)
        return True

    def _atk_dormant_account(self, inc: str, subtle: bool, r: Rand) -> bool:
        clock = self.clock
        d = self._test_day(r, weekday=True if subtle else None, margin=2)
        cands = [
            p
            for o in self.w.orgs
            for p in o.people
            if len(p.orgs) == 1
            and p.last_day <= d - 21
            and p.last_day > 0
            and (p.removed_day is None or p.removed_day > d + 2)
            and self._free(p, d)
        ]
        if not cands:
            return False
        p = r.choice(cands)
        org = self.w.orgs[p.org]
        self._mark(p, d)
        label = "dormant_account"
        if subtle:
            ip = self.home_ip(p, d, r)
            t = clock.local(d, r.uniform(p.start_hour, p.start_hour + 7), p.zone)
            acts = self._own_mix(p, r, r.randint(3, 8), ("create", "update", "run", "read"))
            self._attack(p, org, t, acts, ip, r, label, inc, gap=p.gap_median)
            return True
        ip = self.fresh_ip(org, r, ("residential", "hosting", "vpn"), p.country)
        pool = (
            "connection.update",
            "datatank.table.create",
            "datatank.table.update",
            "pipeline.create",
            "pipeline.command.run",
            "workspace.snapshot.create",
            "user.token.create",
            "org.audit.export",
            "connection.permission.create",
            "connection.test",
        )
        for k in range(r.randint(1, 2)):
            dd = d + k
            self._mark(p, dd)
            t = clock.local(dd, r.uniform(0, 24), p.zone)
            self._attack(
                p,
                org,
                t,
                [r.choice(pool) for _ in range(r.randint(8, 25))],
                ip,
                r,
                label,
                inc,
                gap=30.0,
            )
        return True

    def _atk_mass_deletion(self, inc: str, subtle: bool, r: Rand) -> bool:
        clock = self.clock
        label = "mass_deletion"
        deletes = (
            "pipeline.delete",
            "connection.delete",
            "workspace.delete",
            "datatank.delete",
            "datatank.table.delete",
            "workspace.mod.uninstall",
            "workspace.aggregator.delete",
            "workspace.schema.delete",
            "workspace.snapshot.delete",
            "integration.delete",
            "connection.permission.delete",
        )
        if subtle:
            d = self._test_day(r, weekday=True)
            p = self._pick_person(r, d, ("engineer", "security", "contractor", "admin"))
            if p is None:
                return False
            org = self.w.orgs[p.org]
            self._mark(p, d)
            t, ip = self._ordinary(p, org, d, r, hour=p.start_hour + r.uniform(3, 6))
            own = [a for a in deletes if self._weight_of(p, a) > 0] or list(deletes[:3])
            acts = [r.choice(own) for _ in range(r.randint(6, 12))]
            self._attack(
                p,
                org,
                t + r.randint(300, 900),
                acts,
                ip,
                r,
                label,
                inc,
                gap=600.0,
                pick="others_team",
            )
            return True
        leavers = [
            p
            for o in self.w.orgs
            for p in o.people
            if clock.train_days + 1 < p.last_day <= clock.days - 1
            and len(p.orgs) == 1
            and self._free(p, p.last_day - 1)
        ]
        if leavers and r.chance(0.5):
            p = r.choice(leavers)
            d = p.last_day - 1
            hour = r.uniform(p.start_hour + 6, p.start_hour + 9)
        else:
            d = self._test_day(r)
            p = self._pick_person(
                r, d, ("engineer", "security", "admin", "contractor"), need_active=False
            )
            if p is None:
                return False
            hour = r.uniform(0.5, 5) if r.chance(0.5) else r.uniform(18, 22)
        org = self.w.orgs[p.org]
        self._mark(p, d)
        t = clock.local(d, hour, p.zone)
        ip = self.usual_ip(p, org, d, "home", r)
        acts = [r.choice(deletes) for _ in range(r.randint(25, 80))]
        self._attack(p, org, t, acts, ip, r, label, inc, gap=12.0, pick="others")
        return True

    def _atk_service_account_misuse(self, inc: str, subtle: bool, r: Rand) -> bool:
        clock = self.clock
        d = self._test_day(r, weekday=True)
        org = r.choice(self.w.orgs)
        bots = [b for b in org.bots if self._free(b, d)]
        if not bots:
            return False
        bot = r.choice(bots)
        self._mark(bot, d)
        label = "service_account_misuse"
        mix = [a for a, _ in BOT_MIXES[bot.bot_kind]]
        new_pool = [
            a
            for a in (
                "connection.create",
                "user.token.create",
                "workspace.create",
                "datatank.table.delete",
                "connection.permission.create",
                "org.audit.export",
                "integration.create",
                "pipeline.create",
                "workspace.snapshot.create",
                "pipeline.update",
                "workspace.mod.variable.setting.update",
                "connection.update",
                "org.workspace.member.add",
            )
            if a not in mix
        ]
        t = clock.local(d, r.uniform(10, 17.5), bot.zone)
        if subtle:
            ip = bot.ip_at(d) if bot.ips else NET["gh-actions"].v4_addr(r)
            own = [
                a
                for a in mix
                if ACTION_SPEC[a][1] in ("create", "update") and a != "datatank.part.update"
            ]
            acts = [r.choice(own) for _ in range(r.randint(1, 3))] if own else []
            acts += [r.choice(new_pool) for _ in range(r.randint(1, 2))]
            self._attack(bot, org, t, acts, ip, r, label, inc, gap=70.0)
        else:
            ip = self.fresh_ip(org, r, ("residential", "vpn", "mobile"))
            acts = [r.choice(new_pool) for _ in range(r.randint(15, 40))]
            self._attack(bot, org, t, acts, ip, r, label, inc, gap=45.0)
        return True


# ------------------------------------------------------------------------------ execution
class Executor:
    """Apply events in time order to the resources and render audit records.

    Parameters
    ----------
    world : World
        The world whose resources the events change.
    """

    def __init__(self, world: World) -> None:
        self.w = world
        self.clock = world.clock
        self.r = Rand(world.cfg.seed, 4)
        self.sessions: dict[int, dict[str, Res]] = {}

    # ------------------------------------------------------------------ picking
    def team_of(self, actor: Actor, org: Org) -> int:
        """Return the actor's team in ``org`` (-1 when none)."""
        return actor.teams.get(org.idx, -1)

    def pick_ws(self, ev: Event, org: Org, sess: dict[str, Res]) -> Res | None:
        """Return the workspace an action happens in."""
        r, flags = self.r, ev.flags or {}
        ref = flags.get("ws_ref")
        if ref is not None:
            ws = org.tags.get(ref)
            return ws if ws is not None and ws.alive else None
        cur = sess.get("workspace")
        if cur is not None and cur.alive and r.chance(0.85):
            return cur
        team = self.team_of(ev.actor, org)
        if ev.actor.kind == "person" and team >= 0 and not flags.get("anyws"):
            mine = [w for w in org.team_ws[team] if w.alive]
            if mine and not r.chance(0.05):
                ws = r.choice(mine)
                sess["workspace"] = ws
                return ws
        alive = [w for w in org.kind_list("workspace") if w.alive]
        if not alive:
            return None
        ws = r.choice(alive)
        sess["workspace"] = ws
        return ws

    def pick(self, kind: str, op: str, ev: Event, org: Org, sess: dict[str, Res]) -> Res | None:
        """Return the existing resource an update/delete/run acts on."""
        r, flags, actor = self.r, ev.flags or {}, ev.actor
        if "res" in flags:
            res = flags["res"]
            return res if res.live() else None
        ref = flags.get("ref")
        if ref is not None and kind == "workspace":
            res = org.tags.get(ref)
            return res if res is not None and res.alive else None
        if kind == "org":
            return org.res
        mode = flags.get("pick")
        if kind in ("member", "ws_member") and "user" in flags:
            return self._membership(kind, flags, org, ev)
        if kind == "member":
            cands = [
                m
                for m in org.kind_list("member")
                if m.alive
                and m.extra["user_id"] != actor.user.id
                and (op != "delete" or m.extra["status"] == "invited")
            ]
            return r.choice(cands) if cands else None
        if kind == "workspace":
            return self._pick_workspace(op, ev, org, mode)
        sticky = sess.get(kind)
        if (
            sticky is not None
            and sticky.live()
            and mode is None
            and r.chance(0.6)
            and not (op == "delete" and sticky.in_use)
            and not (op == "dissociate" and sticky.ws is None)
        ):
            return sticky
        cands: list[Res] = []
        if kind in WS_KINDS and mode is None and actor.kind == "person":
            ws = self.pick_ws(ev, org, sess)
            if ws is not None and ws.children is not None:
                cands = [x for x in ws.children.get(kind, ()) if x.live()]
        if not cands:
            cands = [x for x in org.kind_list(kind) if x.live()]
        if op == "dissociate":
            cands = [x for x in cands if x.ws is not None]
        if not cands:
            return None
        res = self._weighted_pick(cands, op, ev, org, mode)
        if res is not None:
            sess[kind] = res
        return res

    def _parent(self, kind: str, ws: Res | None, ev: Event, org: Org) -> Res | None:
        """Return a live ``kind`` resource in ``ws``, else the team's, else the org's."""
        r = self.r
        if ws is not None and ws.children is not None:
            here = [x for x in ws.children.get(kind, ()) if x.live()]
            if here:
                return r.choice(here)
        team = self.team_of(ev.actor, org)
        if 0 <= team < len(org.team_ws):
            near = [
                x
                for w in org.team_ws[team]
                if w.children is not None
                for x in w.children.get(kind, ())
                if x.live()
            ]
            if near:
                return r.choice(near)
        anywhere = [x for x in org.kind_list(kind) if x.live()]
        return r.choice(anywhere) if anywhere else None

    def _membership(self, kind: str, flags: dict[str, Any], org: Org, ev: Event) -> Res | None:
        """Return the membership of ``flags['user']``."""
        user = flags["user"]
        if kind == "member":
            return org.members.get(user.id)
        for m in org.kind_list("ws_member"):
            if m.live() and m.extra["user_id"] == user.id:
                return m
        return None

    def _pick_workspace(self, op: str, ev: Event, org: Org, mode: str | None) -> Res | None:
        """Return the workspace a workspace-level action acts on."""
        r = self.r
        alive = [w for w in org.kind_list("workspace") if w.alive]
        if not alive:
            return None
        if mode == "idle":
            cands = [w for w in alive if not w.core and "inactive_warned_at" not in w.extra]
            return r.choice(cands) if cands else None
        if mode == "warned":
            cands = [
                w
                for w in alive
                if "inactive_warned_at" in w.extra and w.extra.get("desired_state") != "disabled"
            ]
            return r.choice(cands) if cands else None
        if mode is not None and mode.startswith("upgrade"):
            for w in alive:
                if w.extra.get("maintenance") != mode:
                    w.extra["maintenance"] = mode
                    return w
            return None
        if mode in ("others", "others_team", "cleanup"):
            return self._weighted_pick(alive, op, ev, org, mode)
        actor = ev.actor
        if op == "delete":
            own = [w for w in alive if not w.core and w.created_by is actor.user]
            return r.choice(own) if own else None
        if actor.kind == "person":
            sess = self.sessions.setdefault(ev.sess, {})
            return self.pick_ws(ev, org, sess)
        return r.choice(alive)

    def _weighted_pick(
        self, cands: list[Res], op: str, ev: Event, org: Org, mode: str | None
    ) -> Res | None:
        """Choose among candidates by who created them (own, team, others)."""
        r, actor = self.r, ev.actor
        team = self.team_of(actor, org)
        today = self.clock.day_of(ev.t)
        weights = []
        for x in cands:
            own = x.created_by is actor.user
            same = x.team == team
            if mode == "others":
                w = 0.0 if own else 1.0
            elif mode == "others_team":
                w = 0.0 if own else (1.0 if same else 0.05)
            elif mode == "cleanup":
                left = x.created_by.left_day
                gone = left is not None and left < today
                w = (
                    0.0
                    if own
                    else (6.0 if gone else (1.0 if ev.t - x.updated_at > 30 * DAY else 0.05))
                )
                if (x.kind == "workspace" and x.core) or x.in_use:
                    w = 0.0
            elif actor.kind != "person":
                w = 1.0
            elif op == "delete":
                w = 6.0 if own else (1.0 if same else 0.05)
                if (x.kind == "workspace" and x.core) or x.in_use:
                    w = 0.0
            else:
                w = 4.0 if own else (2.0 if same else 0.3)
            weights.append(w)
        if sum(weights) <= 0:
            return None
        return r.weighted(cands, weights)

    # ------------------------------------------------------------------ operations
    def create(
        self, kind: str, ev: Event, org: Org, sess: dict[str, Res], acting: User
    ) -> Res | None:
        """Create a resource for a create action."""
        r, w, flags, actor = self.r, self.w, ev.flags or {}, ev.actor
        ws = parent = None
        t = ev.t
        if kind in WS_KINDS or (kind == "connection" and (r.chance(0.55) or "ws_ref" in flags)):
            ws = self.pick_ws(ev, org, sess)
            if ws is None:
                return None
        if kind in ("dt_table", "mod_var", "trigger"):
            parent = self._parent(
                {"dt_table": "datatank", "mod_var": "mod", "trigger": "pipeline"}[kind], ws, ev, org
            )
            if parent is None:
                return None
            ws = parent.ws
        elif kind == "conn_perm":
            conns = [x for x in org.kind_list("connection") if x.live() and x.ws is None]
            if not conns:
                return None
            parent = r.choice(conns)
        if kind == "member":
            user = flags.get("user") or w.new_user(t - r.randint(0, 400) * DAY)
            role = flags.get("role", "member")
            status = "accepted" if "user" in flags else "invited"
            res = w.add_member(org, user, role, acting, t, status)
            res.created_at = res.updated_at = t
            return res
        if kind == "ws_member":
            user = flags.get("user")
            if "team" in flags and org.team_ws[flags["team"]]:
                ws = r.choice(org.team_ws[flags["team"]])
            if user is None:
                present = {
                    m.extra["user_id"] for m in (ws.children or {}).get("ws_member", ()) if m.live()
                }
                cands = [
                    p.user
                    for p in org.people
                    if p.user.id not in present and p.first_day <= self.clock.day_of(t) < p.last_day
                ]
                if not cands:
                    return None
                user = r.choice(cands)
            role = flags.get("role") or r.weighted(["member", "owner", "reader"], [6, 2, 2])
            res = w.add_ws_member(org, ws, user, role, acting, t)
            return res
        handle, extra = w.make_extra(org, kind, ws, parent, acting, t)
        team = self.team_of(actor, org)
        if kind == "workspace":
            sandbox = actor.kind == "person" and r.chance(0.5)
            if sandbox:
                handle = f"{actor.user.handle.replace('.', '-')}-{r.choice(ENV_WORDS)}"
            elif 0 <= team < len(org.teams):
                handle = f"{org.teams[team]}-{r.choice(ENV_WORDS)}-{r.randint(2, 9)}"
            if "size" in flags:
                extra["instance_type"] = flags["size"]
        res = w.new_res(
            org, kind, handle, ws, parent, t, acting, extra, ws.team if ws is not None else team
        )
        if kind == "workspace":
            if 0 <= team < len(org.team_ws):
                org.team_ws[team].append(res)
            sess["workspace"] = res
        else:
            sess[kind] = res
        tag = flags.get("tag")
        if tag is not None:
            org.tags[tag] = res
        return res

    def update(self, res: Res, ev: Event, acting: User) -> None:
        """Apply an update-like action to ``res``."""
        r, flags, action = self.r, ev.flags or {}, ev.action
        res.updated_at = ev.t
        res.updated_by = acting
        res.version += 1
        x = res.extra
        if res.kind == "member":
            if "role" in flags:
                x["role"] = flags["role"]
            elif flags.get("pick") == "reorg":
                x["role"] = "owner" if r.chance(0.12) else "member"
            else:
                x["status"] = "accepted"
                x["role"] = "owner" if r.chance(0.05) else "member"
        elif res.kind == "ws_member":
            x["role"] = flags.get("role") or r.weighted(["member", "owner", "reader"], [5, 2, 2])
        elif action == "workspace.reboot":
            x["state"] = "enabled"
        elif action == "workspace.upgrade":
            x["api_version"] = "1.15.0"
        elif action == "workspace.usage.disable":
            x["usage_state"] = "disabled"
        elif action == "workspace.usage.enable":
            x["usage_state"] = "enabled"
        elif action == "workspace.inactive.warn":
            x["inactive_warned_at"] = self.clock.iso(ev.t)
        elif action == "workspace.inactive.disable":
            x["desired_state"] = x["state"] = "disabled"
        elif action == "workspace.notifier.set_default":
            notifiers = [n for n in self.w.orgs[res.org].kind_list("notifier") if n.alive]
            if notifiers:
                x["default_notifier_id"] = r.choice(notifiers).id
        elif action == "workspace.schema.attach":
            conns = [c.handle for c in self.w.orgs[res.org].kind_list("connection")[:40]]
            if conns:
                x["connections"] = sorted(set(x.get("connections", []) + [r.choice(conns)]))[:8]
        elif action == "datatank.part.update":
            x["last_part"] = self.clock.day_str(ev.t)
        elif action == "integration.refresh":
            x["last_refreshed_at"] = self.clock.iso(ev.t)
        elif action == "workspace.mod.variable.setting.update":
            x["setting"] = r.choice(
                ["['us-east-1']", "14", "'warning'", "['owner','admin']", "30", "'correct'", "500"]
            )

    def delete(self, res: Res, ev: Event, org: Org) -> None:
        """Remove ``res`` (and for a workspace, from its team's list)."""
        res.alive = False
        res.updated_at = ev.t
        res.updated_by = ev.actor.user
        lst = org.kind_list(res.kind)
        if res in lst:
            lst.remove(res)
        if res.ws is not None and res.ws.children is not None:
            kids = res.ws.children.get(res.kind, [])
            if res in kids:
                kids.remove(res)
        if res.kind == "workspace":
            for team in org.team_ws:
                if res in team:
                    team.remove(res)
        if res.kind == "member":
            org.members.pop(res.extra["user_id"], None)

    def data(self, res: Res, org: Org) -> dict[str, Any]:
        """Return the resource as the API shows it."""
        clock = self.clock
        d: dict[str, Any] = {"id": res.id, "handle": res.handle}
        d.update(res.extra)
        d["identity_id"] = org.id
        if res.ws is not None:
            d["workspace_id"] = res.ws.id
        if res.parent is not None:
            d[PARENT_KEY.get(res.kind, "parent_id")] = res.parent.id
        d["created_at"] = clock.iso(res.created_at)
        d["created_by_id"] = res.created_by.id
        d["created_by"] = res.created_by.ref
        d["updated_at"] = clock.iso(res.updated_at)
        d["updated_by_id"] = res.updated_by.id
        d["updated_by"] = res.updated_by.ref
        d["version_id"] = res.version
        return d

    def execute(self, ev: Event) -> dict[str, Any] | None:
        """Apply one event; return its audit record, or None when it cannot happen."""
        org = self.w.orgs[ev.org]
        kind, op = ACTION_SPEC[ev.action]
        flags = ev.flags or {}
        sess = self.sessions.setdefault(ev.sess, {}) if ev.sess else {}
        acting = flags.get("forge") or ev.actor.user
        deleted = False
        if op == "create":
            res = self.create(kind, ev, org, sess, acting)
        else:
            if kind == "token":
                mine = [
                    x for x in org.kind_list("token") if x.alive and x.created_by is ev.actor.user
                ]
                res = mine[-1] if mine else None
            else:
                res = self.pick(kind, op, ev, org, sess)
            if res is None:
                return None
            if op == "update":
                self.update(res, ev, acting)
            elif op == "dissociate":
                if res.ws is None:
                    return None
                kids = (res.ws.children or {}).get("connection", [])
                if res in kids:
                    kids.remove(res)
                res.ws = None
                self.update(res, ev, acting)
            elif op == "run":
                res.extra["last_process_id"] = ev.proc
            elif op == "delete":
                self.delete(res, ev, org)
                deleted = True
        if res is None:
            return None
        data = self.data(res, org)
        if deleted:
            data["deleted_at"] = self.clock.iso(ev.t)
        if kind in ("member", "ws_member"):
            target_id, target_handle = res.extra["user_id"], res.extra["user"]["handle"]
        elif kind == "token":
            target_id, target_handle = ev.actor.user.id, ev.actor.user.handle
        elif kind == "workspace":
            target_id, target_handle = res.id, res.handle
        elif res.ws is not None:
            target_id, target_handle = res.ws.id, res.ws.handle
        else:
            target_id, target_handle = org.id, org.handle
        u = ev.actor.user
        return {
            "id": self.w.ids.new("a", ev.t),
            "action_type": ev.action,
            "actor_id": u.id,
            "actor_handle": u.handle,
            "actor_display_name": u.display,
            "actor_avatar_url": u.avatar,
            "actor_ip": ev.ip,
            "created_at": self.clock.iso(ev.t),
            "identity_id": org.id,
            "identity_handle": org.handle,
            "tenant_id": org.tenant,
            "target_id": target_id,
            "target_handle": target_handle,
            "process_id": ev.proc,
            "data": data,
        }


# -------------------------------------------------------------------------------- output
def generate(cfg: Config, out: Path, quiet: bool = False) -> dict[str, Any]:
    """Simulate a world and write its records, labels, look-alikes, actors and manifest.

    Parameters
    ----------
    cfg : Config
        Knobs of the world.
    out : Path
        Directory to write into (created).
    quiet : bool
        Print nothing.

    Returns
    -------
    dict
        The manifest.
    """
    t_start = time.perf_counter()
    world = World(cfg)
    planner = Planner(world)
    if cfg.lookalikes:
        planner.plan_lookalikes()
    planner.plan_people()
    planner.plan_lifecycle()
    planner.plan_bots()
    if cfg.attacks:
        planner.plan_attacks()
    events = planner.events
    events.sort(key=attrgetter("t", "seq"))
    planned = time.perf_counter()

    out.mkdir(parents=True, exist_ok=True)
    clock = world.clock
    ex = Executor(world)
    labels: list[tuple[str, str, str, str, str]] = []
    look_rows: set[tuple[str, str, str]] = set()
    n_train = n_test = 0
    newer = 0
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    with (
        (out / "train.jsonl").open("w", encoding="utf-8") as f_train,
        (out / "test.jsonl").open("w", encoding="utf-8") as f_test,
    ):
        buf_train: list[str] = []
        buf_test: list[str] = []
        for ev in events:
            rec = ex.execute(ev)
            if rec is None:
                continue
            if ev.action in NEWER_ACTIONS:
                newer += 1
            line = dumps(rec)
            if ev.t < clock.t_test:
                buf_train.append(line)
                n_train += 1
                if len(buf_train) >= 5000:
                    f_train.write("\n".join(buf_train) + "\n")
                    buf_train.clear()
                continue
            buf_test.append(line)
            n_test += 1
            if len(buf_test) >= 5000:
                f_test.write("\n".join(buf_test) + "\n")
                buf_test.clear()
            flags = ev.flags
            if flags:
                if "label" in flags:
                    scen, inc = flags["label"]
                    labels.append((rec["id"], rec["actor_id"], rec["created_at"], scen, inc))
                elif "look" in flags:
                    look_rows.add((rec["actor_id"], clock.day_str(ev.t), flags["look"]))
        if buf_train:
            f_train.write("\n".join(buf_train) + "\n")
        if buf_test:
            f_test.write("\n".join(buf_test) + "\n")

    attacked = {(a, c[:10]) for _, a, c, _, _ in labels}
    looks = sorted(
        (row for row in look_rows if (row[0], row[1]) not in attacked),
        key=lambda x: (x[1], x[0], x[2]),
    )
    with (out / "labels.csv").open("w", encoding="utf-8", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["record_id", "actor_id", "created_at", "scenario", "incident_id"])
        wr.writerows(labels)
    with (out / "lookalikes.csv").open("w", encoding="utf-8", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["actor_id", "day", "kind"])
        wr.writerows(looks)
    with (out / "actors.csv").open("w", encoding="utf-8", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["actor_id", "actor_handle", "role", "org"])
        for a in world.actors:
            wr.writerow(
                [a.user.id, a.user.handle, a.role, ";".join(world.orgs[i].handle for i in a.orgs)]
            )
    scen_counts = {s: 0 for s in SCENARIOS}
    incidents: dict[str, set[str]] = {s: set() for s in SCENARIOS}
    for _, _, _, s, inc in labels:
        scen_counts[s] += 1
        incidents[s].add(inc)
    look_counts = {k: 0 for k in LOOKALIKES}
    for _, _, k in looks:
        look_counts[k] += 1
    last = clock.date(cfg.days - 1)
    manifest = {
        "generator": "independent",
        "seed": cfg.seed,
        "train_period": [cfg.start.isoformat(), clock.date(cfg.train_days - 1).isoformat()],
        "test_period": [clock.date(cfg.train_days).isoformat(), last.isoformat()],
        "records": n_train + n_test,
        "scenarios": scen_counts,
        "lookalikes": look_counts,
        "incidents": {s: len(incidents[s]) for s in SCENARIOS},
        "incident_forms": {
            i: planner.forms[i]
            for s in SCENARIOS
            for i in sorted(incidents[s])
            if i in planner.forms
        },
        "train_records": n_train,
        "test_records": n_test,
        "newer_action_records": newer,
        "actors": len(world.actors),
        "orgs": [o.handle for o in world.orgs],
        "knobs": {
            "days": cfg.days,
            "train_days": cfg.train_days,
            "start": cfg.start.isoformat(),
            "bot_volume": cfg.bot_volume,
            "attacks": cfg.attacks,
            "lookalikes": cfg.lookalikes,
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    lost = sum(planner.incidents.values()) - sum(len(v) for v in incidents.values())
    if lost:
        print(f"warning: {lost} planned incidents left no record", file=sys.stderr)
    if planner.dropped_labels:
        print(
            f"warning: {planner.dropped_labels} attack events fell outside the test period "
            "and were not written",
            file=sys.stderr,
        )
    if not quiet:
        done = time.perf_counter()
        print(
            f"{n_train + n_test} records ({n_train} train, {n_test} test), "
            f"{len(world.actors)} actors, {len(labels)} attack records, {len(looks)} "
            f"look-alike actor-days; planned in {planned - t_start:.1f}s, "
            f"total {done - t_start:.1f}s",
            file=sys.stderr,
        )
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and generate a world."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0, help="seed of every random choice")
    ap.add_argument("--out", type=Path, required=True, help="directory to write into")
    ap.add_argument(
        "--start",
        type=date.fromisoformat,
        default=date(2026, 3, 2),
        help="first UTC day (YYYY-MM-DD)",
    )
    ap.add_argument("--days", type=int, default=75, help="days in all")
    ap.add_argument("--train-days", type=int, default=45, help="days of the training period")
    ap.add_argument(
        "--bot-volume",
        type=float,
        default=1.0,
        help="share of pipelines that run on a schedule, relative to the default",
    )
    ap.add_argument("--no-attacks", action="store_true", help="inject no attacks")
    ap.add_argument(
        "--no-lookalikes",
        action="store_true",
        help="plan no look-alike behaviours beyond habits (leave, trips, hires)",
    )
    ap.add_argument("-q", "--quiet", action="store_true", help="print nothing")
    args = ap.parse_args(argv)
    if not 20 <= args.days <= 400 or not 10 <= args.train_days <= args.days - 10:
        ap.error("need 20 <= --days <= 400 and 10 <= --train-days <= days - 10")
    cfg = Config(
        args.seed,
        args.start,
        args.days,
        args.train_days,
        args.bot_volume,
        not args.no_attacks,
        not args.no_lookalikes,
    )
    generate(cfg, args.out, args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
