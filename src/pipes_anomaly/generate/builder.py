"""The organisation before any activity: actors and their habits, IPs, users, resources.

Organisations get offices in a few time zones with NAT addresses and a VPN pool;
actors are people (normal, power, admin) with local business hours, home
addresses and an action mix drawn around their role's, and service accounts
(bots) that run around the clock from one or two cloud addresses.  Each team
starts with workspaces and resources of every kind, some of them core (never
deleted), and a membership row per actor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipes_anomaly.generate.config import DAY, GenerateConfig, is_weekend
from pipes_anomaly.generate.encode import fixed_width, rand_ids
from pipes_anomaly.generate.vocabulary import (
    BOT_WORDS,
    FIRST_NAMES,
    IN_WORKSPACE,
    IP6_PREFIXES,
    IP_PREFIXES,
    KIND_ID,
    KINDS,
    LAST_NAMES,
    ORG_WORDS,
    ROLE_RATE,
    TZ_OFFSETS_MIN,
    TZ_WEIGHTS,
    role_weights,
)
from pipes_anomaly.schema import ACTION_TYPES

#: random streams, one per job, in the order they are spawned from the seed
_STREAMS = ("actor", "base", "plan", "inj", "target", "ids", "ip", "churn")
#: offices per organisation, each in a different time zone
_OFFICES = 3
#: addresses in an organisation's VPN pool
_VPN_POOL = 6
#: shares of an organisation's actors that are bots, admins and power users
_BOT_SHARE, _ADMIN_SHARE, _POWER_SHARE = 0.04, 0.06, 0.20
#: actors per team (about)
_TEAM_SIZE = 8
#: seconds between a bot's runs, and how often each is chosen
_BOT_PERIODS = ([1800, 3600, 7200, 10800], [0.3, 0.35, 0.2, 0.15])
#: local hours a person's working day starts at, and its lengths in hours
_DAY_STARTS = [7.5, 8.0, 8.5, 9.0, 9.5, 10.0]
_DAY_LENGTHS = [8.0, 8.5, 9.0, 9.5]
#: shares of people who work from the office on weekdays, move house, have IPv6 at
#: home, use the organisation's VPN and work from a phone
_OFFICE_SHARE, _MOVER_SHARE, _V6_SHARE, _VPN_SHARE, _MOBILE_SHARE = 0.6, 0.12, 0.25, 0.15, 0.06
#: a person's activity rate is the role's times a log-normal factor of this sigma
_RATE_SIGMA = 0.4
#: accounts were created this many days before the timeline starts (range)
_ACCOUNT_AGE_DAYS = (30, 900)
#: pre-existing resources were created this many days before the timeline (range)
_RESOURCE_AGE_DAYS = (20, 400)
#: pre-existing workspaces per team: core (never deleted) and others
_CORE_WORKSPACES, _OTHER_WORKSPACES = 2, 4
#: pre-existing resources per team of each other kind: (core, deletable)
_FEW_PER_TEAM, _MANY_PER_TEAM = (1, 3), (2, 5)
#: invited users per team who are not actors
_INVITEES_PER_TEAM = 3


@dataclass(frozen=True)
class Streams:
    """The world's random streams, one per job, so one job's draws never shift another's.

    Attributes
    ----------
    actor : numpy.random.Generator
        Organisations, actors, their action mixes and pre-existing resources.
    base : numpy.random.Generator
        Ordinary activity.
    plan : numpy.random.Generator
        Who and when for incidents and look-alikes.
    inj : numpy.random.Generator
        Times, addresses, actions and invitees of planned events.
    target : numpy.random.Generator
        Target resources of events.
    ids : numpy.random.Generator
        Record ids, extras, versions and resource ids and handles.
    ip : numpy.random.Generator
        IP addresses.
    churn : numpy.random.Generator
        Benign scratch work and undos.
    """

    actor: np.random.Generator
    base: np.random.Generator
    plan: np.random.Generator
    inj: np.random.Generator
    target: np.random.Generator
    ids: np.random.Generator
    ip: np.random.Generator
    churn: np.random.Generator

    @classmethod
    def from_seed(cls, seed: int) -> Streams:
        """Spawn every stream from ``seed``."""
        seeds = np.random.SeedSequence(seed).spawn(len(_STREAMS))
        return cls(**{k: np.random.default_rng(s) for k, s in zip(_STREAMS, seeds, strict=True)})


class IpTable:
    """Growing table of IP addresses with their kind."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.ip: list[str] = []
        self.kind: list[str] = []

    def mint(self, kind: str, n: int = 1) -> np.ndarray:
        """Mint ``n`` new addresses of ``kind``; return their indices."""
        rng = self.rng
        start = len(self.ip)
        if kind == "home6":
            pre = rng.integers(0, len(IP6_PREFIXES), n)
            groups = rng.integers(1, 0xFFFF, (n, 7))
            for p, g in zip(pre, groups, strict=True):
                self.ip.append(IP6_PREFIXES[p] + ":" + ":".join(f"{x:x}" for x in g))
        else:
            prefixes = IP_PREFIXES[kind]
            pre = rng.integers(0, len(prefixes), n)
            octets = rng.integers(0, 256, (n, 3))
            last = rng.integers(2, 254, n)
            for p, o, q in zip(pre, octets, last, strict=True):
                head = prefixes[p]
                parts = [*head, *o[: 3 - len(head)], q]
                self.ip.append(".".join(str(int(x)) for x in parts))
        self.kind.extend([kind] * n)
        return np.arange(start, start + n, dtype=np.int32)


@dataclass
class Users:
    """Every user a record can name: the actors first, then invited users."""

    ids: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    orgs: list[int] = field(default_factory=list)

    def add(self, uid: str, handle: str, org: int) -> None:
        """Add one user (an actor)."""
        self.ids.append(uid)
        self.handles.append(handle)
        self.orgs.append(org)

    def invite(self, rng: np.random.Generator, orgs: np.ndarray) -> np.ndarray:
        """Add invited users (not actors) of ``orgs``; return their user indices."""
        n = orgs.size
        start = len(self.ids)
        self.ids.extend(fixed_width(b"u_", rand_ids(rng, n)).to_pylist())
        first = rng.integers(0, len(FIRST_NAMES), n)
        last = rng.integers(0, len(LAST_NAMES), n)
        self.handles.extend(
            f"{FIRST_NAMES[f][0]}{LAST_NAMES[x]}{start + i + 1}".lower()
            for i, (f, x) in enumerate(zip(first, last, strict=True))
        )
        self.orgs.extend(orgs.tolist())
        return np.arange(start, start + n, dtype=np.int64)

    def invite_one(self, rng: np.random.Generator, org: int) -> int:
        """Add one invited user of ``org``; return its user index."""
        return int(self.invite(rng, np.array([org]))[0])


@dataclass
class Organisation:
    """Organisations, their teams and offices, and the actors with their habits.

    The ``a_*`` arrays hold one value per actor (the rows of ``actors``);
    ``active_from``/``active_to`` (timeline days) are set by the plan for new
    hires and dormant accounts.
    """

    start: dt.date
    t0: int
    days: int
    org_id: list[str]
    org_handle: list[str]
    team_org: list[int]
    office_ips: dict[tuple[int, int], np.ndarray]
    org_vpn: list[np.ndarray]
    actors: pd.DataFrame
    mix_cum: np.ndarray
    active_from: np.ndarray
    active_to: np.ndarray
    team_members: dict[int, list[int]]
    a_tz: np.ndarray
    a_bs: np.ndarray
    a_be: np.ndarray
    a_bot: np.ndarray
    a_team: np.ndarray
    a_org: np.ndarray
    a_role: np.ndarray
    a_office: np.ndarray
    a_switch: np.ndarray
    a_home: np.ndarray
    a_home2: np.ndarray

    @property
    def n_actors(self) -> int:
        """Number of actors in all organisations."""
        return len(self.actors)

    @property
    def n_teams(self) -> int:
        """Number of teams in all organisations."""
        return len(self.team_org)

    def usual_ip(self, a: int, day: int) -> int:
        """Address actor ``a`` usually works from on ``day``: office on weekdays, else home."""
        office = int(self.a_office[a])
        if office >= 0 and not is_weekend(self.start, day):
            return int(self.office_ips[(int(self.a_org[a]), office)][0])
        if 0 <= self.a_switch[a] <= day:
            return int(self.a_home2[a])
        return int(self.a_home[a])


@dataclass
class _OrgDraft:
    """What the per-organisation steps add to while actors are made."""

    org_id: list[str] = field(default_factory=list)
    org_handle: list[str] = field(default_factory=list)
    team_org: list[int] = field(default_factory=list)
    office_ips: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)
    org_vpn: list[np.ndarray] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)


def make_organisation(
    cfg: GenerateConfig, rng: np.random.Generator, ips: IpTable, users: Users
) -> Organisation:
    """Make the organisations and their actors, adding the actors to ``users``."""
    draft = _OrgDraft()
    for o in range(cfg.orgs):
        _add_org(draft, o, cfg, rng, ips, users)
    a = pd.DataFrame(draft.rows)
    n_actors = len(draft.rows)
    a_role = a["role"].to_numpy()
    team_members: dict[int, list[int]] = {}
    for i, t in enumerate(a["team"].to_numpy()):
        team_members.setdefault(int(t), []).append(i)
    return Organisation(
        start=cfg.start,
        t0=cfg.start_ts,
        days=cfg.days,
        org_id=draft.org_id,
        org_handle=draft.org_handle,
        team_org=draft.team_org,
        office_ips=draft.office_ips,
        org_vpn=draft.org_vpn,
        actors=a,
        mix_cum=_action_mixes(a_role, rng),
        active_from=np.zeros(n_actors, dtype=np.int64),
        active_to=np.full(n_actors, cfg.days - 1, dtype=np.int64),
        team_members=team_members,
        a_tz=a["tz_offset_min"].to_numpy(),
        a_bs=a["business_start"].to_numpy(dtype=float),
        a_be=a["business_end"].to_numpy(dtype=float),
        a_bot=(a["kind"] == "bot").to_numpy(),
        a_team=a["team"].to_numpy(),
        a_org=a["org"].to_numpy(),
        a_role=a_role,
        a_office=a["office"].to_numpy(),
        a_switch=a["switch_day"].to_numpy(),
        a_home=a["home_ip"].to_numpy(),
        a_home2=a["home_ip2"].to_numpy(),
    )


def _add_org(
    draft: _OrgDraft,
    o: int,
    cfg: GenerateConfig,
    rng: np.random.Generator,
    ips: IpTable,
    users: Users,
) -> None:
    """Add organisation ``o``: its id and handle, offices, VPN pool, teams and actors."""
    draft.org_id.append("o_" + fixed_width(b"", rand_ids(rng, 1))[0].as_py())
    word = ORG_WORDS[o % len(ORG_WORDS)]
    draft.org_handle.append(word if o < len(ORG_WORDS) else f"{word}-{o}")
    offices = rng.choice(len(TZ_OFFSETS_MIN), size=_OFFICES, replace=False, p=TZ_WEIGHTS)
    for tzi in offices:
        draft.office_ips[(o, int(tzi))] = ips.mint("office", int(rng.integers(1, 3)))
    draft.org_vpn.append(ips.mint("vpn", _VPN_POOL))
    n = cfg.actors
    n_bot = max(1, round(_BOT_SHARE * n))
    n_admin = max(1, round(_ADMIN_SHARE * n))
    n_power = max(1, round(_POWER_SHARE * n))
    roles = ["bot"] * n_bot + ["admin"] * n_admin + ["power"] * n_power
    roles += ["normal"] * (n - len(roles))
    roles = list(rng.permutation(roles))
    n_teams = max(2, round(n / _TEAM_SIZE))
    team_base = len(draft.team_org)
    draft.team_org.extend([o] * n_teams)
    t0 = cfg.start_ts
    for i, role in enumerate(roles):
        team = team_base + (i % n_teams)
        idx = len(draft.rows)
        uid = "u_" + fixed_width(b"", rand_ids(rng, 1))[0].as_py()
        if role == "bot":
            handle, display, rec = _bot(rng, ips, idx)
        else:
            handle, display, rec = _person(rng, ips, draft.office_ips, o, role, idx, cfg.days)
        users.add(uid, handle, o)
        created = t0 - int(rng.integers(*_ACCOUNT_AGE_DAYS)) * DAY + int(rng.integers(0, DAY))
        draft.rows.append(dict(actor_id=uid, handle=handle, display_name=display, org=o,
                               team=team, role=role, created_ts=created, **rec))  # fmt: skip


def _bot(rng: np.random.Generator, ips: IpTable, idx: int) -> tuple[str, str, dict]:
    """Handle, display name and habits of a service account."""
    word = BOT_WORDS[idx % len(BOT_WORDS)]
    handle = f"svc-{word}-{idx}"
    display = f"{word.capitalize()} Service"
    cloud = ips.mint("cloud", int(rng.integers(1, 3)))
    rec = dict(kind="bot", tz_offset_min=0, business_start=0.0, business_end=24.0,
               office=-1, home_ip=int(cloud[0]), home_ip2=int(cloud[-1]), switch_day=-1,
               v6_ip=-1, vpn=False, mobile=False,
               bot_period=int(rng.choice(_BOT_PERIODS[0], p=_BOT_PERIODS[1])),
               rate=0.0)  # fmt: skip
    return handle, display, rec


def _person(
    rng: np.random.Generator,
    ips: IpTable,
    office_ips: dict[tuple[int, int], np.ndarray],
    org: int,
    role: str,
    idx: int,
    days: int,
) -> tuple[str, str, dict]:
    """Handle, display name and habits (time zone, hours, addresses, rate) of a person."""
    first = FIRST_NAMES[rng.integers(len(FIRST_NAMES))]
    last = LAST_NAMES[rng.integers(len(LAST_NAMES))]
    handle = f"{first[0]}{last}{idx}".lower()
    display = f"{first} {last}"
    tzi = int(rng.choice(len(TZ_OFFSETS_MIN), p=TZ_WEIGHTS))
    office = tzi if (org, tzi) in office_ips and rng.random() < _OFFICE_SHARE else -1
    home = ips.mint("home", 2)
    bs = float(rng.choice(_DAY_STARTS))
    rec = dict(kind="human", tz_offset_min=int(TZ_OFFSETS_MIN[tzi]), business_start=bs,
               business_end=bs + float(rng.choice(_DAY_LENGTHS)),
               office=office, home_ip=int(home[0]), home_ip2=int(home[1]),
               switch_day=int(rng.integers(1, days)) if rng.random() < _MOVER_SHARE else -1,
               v6_ip=int(ips.mint("home6")[0]) if rng.random() < _V6_SHARE else -1,
               vpn=bool(rng.random() < _VPN_SHARE), mobile=bool(rng.random() < _MOBILE_SHARE),
               bot_period=0,
               rate=ROLE_RATE[role] * float(rng.lognormal(0.0, _RATE_SIGMA)))  # fmt: skip
    return handle, display, rec


def _action_mixes(roles: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Cumulative action mix per actor, drawn around the role's mix (rows end at 1)."""
    mixes = np.zeros((roles.size, len(ACTION_TYPES)))
    for i, role in enumerate(roles):
        w = role_weights(role)
        w = w * rng.gamma(2.0, 0.5, size=w.size)
        mixes[i] = w / w.sum()
    mix_cum = np.cumsum(mixes, axis=1)
    mix_cum[:, -1] = 1.0
    return mix_cum


_RESOURCE_COLUMNS = ("kind", "group", "core", "created", "parent", "ref", "explicit")


@dataclass(frozen=True)
class ResourceTable:
    """Every resource row as arrays.

    Columns: kind (``KIND_ID``), owning team, core, creation time, parent
    workspace row (-1: none), referent (user or organisation, -1: none), explicit.
    """

    kind: np.ndarray
    group: np.ndarray
    core: np.ndarray
    created: np.ndarray
    parent: np.ndarray
    ref: np.ndarray
    explicit: np.ndarray

    @property
    def n_rows(self) -> int:
        """Number of resource rows."""
        return int(self.kind.size)


@dataclass
class Resources:
    """Resource rows as they are added, and what scenarios need to find some of them.

    Explicit rows are made by planned events, which name their targets
    themselves; ``explicit_deleted`` holds the deletion time such rows carry.
    """

    cols: dict[str, list] = field(default_factory=lambda: {k: [] for k in _RESOURCE_COLUMNS})
    explicit_deleted: dict[int, int] = field(default_factory=dict)
    core_ws: dict[int, list[int]] = field(default_factory=dict)
    member_row: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def add(self, kind: str, group: int, created: int, *, parent: int = -1, ref: int = -1,
            core: bool = False, explicit: bool = False) -> int:  # fmt: skip
        """Add one resource row; return its index."""
        c = self.cols
        c["kind"].append(KIND_ID[kind])
        c["group"].append(group)
        c["core"].append(core)
        c["created"].append(created)
        c["parent"].append(parent)
        c["ref"].append(ref)
        c["explicit"].append(explicit)
        return len(c["kind"]) - 1

    @property
    def n_rows(self) -> int:
        """Number of rows so far."""
        return len(self.cols["kind"])

    def extend_created(self, kind: np.ndarray, group: np.ndarray, created: np.ndarray,
                       parent: np.ndarray, ref: np.ndarray) -> None:  # fmt: skip
        """Add the rows made by ordinary create events (neither core nor explicit)."""
        c = self.cols
        c["kind"].extend(kind.tolist())
        c["group"].extend(group.tolist())
        c["core"].extend([False] * kind.size)
        c["created"].extend(created.tolist())
        c["parent"].extend(parent.tolist())
        c["ref"].extend(ref.tolist())
        c["explicit"].extend([False] * kind.size)

    def freeze(self) -> ResourceTable:
        """Return the rows as arrays; the lists are dropped (no row is added after)."""
        table = ResourceTable(**{k: np.array(v) for k, v in self.cols.items()})
        self.cols = {}
        return table


def make_resources(
    org: Organisation, users: Users, rng: np.random.Generator, rng_inj: np.random.Generator
) -> Resources:
    """Make every team's pre-existing workspaces, resources and memberships.

    ``rng`` draws creation times and parents, ``rng_inj`` the invited members.
    """
    res = Resources(member_row=np.full(org.n_actors, -1, dtype=np.int64))
    t0 = org.t0

    def past() -> int:
        return t0 - int(rng.integers(*_RESOURCE_AGE_DAYS)) * DAY + int(rng.integers(0, DAY))

    for g in range(org.n_teams):
        ws = [res.add("workspace", g, past(), core=True) for _ in range(_CORE_WORKSPACES)]
        res.core_ws[g] = ws
        for _ in range(_OTHER_WORKSPACES):
            res.add("workspace", g, past())
        for kind in KINDS:
            if kind in ("workspace", "member", "wsmember", "org"):
                continue
            n_core, n_del = _FEW_PER_TEAM if kind in ("integration", "notifier") else _MANY_PER_TEAM
            for i in range(n_core + n_del):
                parent = ws[int(rng.integers(len(ws)))] if kind in IN_WORKSPACE else -1
                res.add(kind, g, past(), parent=parent, core=i < n_core)
        _add_memberships(res, org, g, ws[0])
        for _ in range(_INVITEES_PER_TEAM):
            res.add("member", g, past(), ref=users.invite_one(rng_inj, org.team_org[g]))
        res.add("org", g, past(), ref=org.team_org[g], core=True)
    return res


def _add_memberships(res: Resources, org: Organisation, g: int, home_ws: int) -> None:
    """Add the organisation and first-workspace membership of each actor of team ``g``."""
    for a in org.team_members.get(g, []):
        created = int(org.actors.at[a, "created_ts"])
        res.member_row[a] = res.add("member", g, created, ref=a, core=True)
        res.add("wsmember", g, created, parent=home_ws, ref=a, core=True)
