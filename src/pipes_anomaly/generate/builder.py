"""The organisation before any activity: actors and their habits, IPs, users, resources.

Organisations get offices in a few time zones with NAT addresses and a VPN pool;
actors are people (normal, power, admin) with local business hours, home
addresses and an action mix drawn around their role's, and service accounts
(bots) that run around the clock from one or two cloud addresses.  Each team
starts with workspaces and resources of every kind, some of them core (never
deleted), and a membership row per actor; every resource remembers who created
it (a teammate for the pre-existing ones, an admin for memberships).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipes_anomaly.generate.config import DAY, GenerateConfig, is_weekend
from pipes_anomaly.generate.encode import fixed_width, rand_ids
from pipes_anomaly.generate.vocabulary import (
    ACTION_ID,
    ACTIONS,
    BOT_WORDS,
    FIRST_NAMES,
    GROWTH_ACTIONS,
    IN_WORKSPACE,
    IP6_PREFIXES,
    IP_PREFIXES,
    KIND_ID,
    KINDS,
    LAST_NAMES,
    N_REAL_ACTIONS,
    NEW_ACTION_SPEC,
    ORG_WORDS,
    ROLE_RATE,
    UPDATE_LIKE,
    new_action_weights,
    role_weights,
)

#: random streams, one per job, in the order they are spawned from the seed (a stream
#: added later goes last, so the earlier ones draw what they drew before)
_STREAMS = ("actor", "base", "plan", "inj", "target", "ids", "ip", "churn", "world", "owner",
            "net", "extra", "share")  # fmt: skip
#: chance that each newer action type exists in a world that has any
_NEW_ACTION_PRESENT = 0.7
#: addresses in an organisation's VPN pool, and in the provider pool of each exit kind
#: shared by every organisation
_VPN_POOL, _EGRESS_POOL = 6, 40
#: seconds between a bot's runs, and how often each is chosen
_BOT_PERIODS = ([1800, 3600, 7200, 10800], [0.3, 0.35, 0.2, 0.15])
#: local hours a person's working day starts at, and its lengths in hours
_DAY_STARTS = [7.5, 8.0, 8.5, 9.0, 9.5, 10.0]
_DAY_LENGTHS = [8.0, 8.5, 9.0, 9.5]
#: accounts were created this many days before the timeline starts (range)
_ACCOUNT_AGE_DAYS = (30, 900)
#: a bot that runs in processes makes at most this share of its records by hand
_BOT_HAND_MAX = 0.1
#: pre-existing resources were created this many days before the timeline (range)
_RESOURCE_AGE_DAYS = (20, 400)
#: pre-existing workspaces per team: core (never deleted) and others
_CORE_WORKSPACES, _OTHER_WORKSPACES = 2, 4
#: pre-existing resources per team of each other kind: (core, deletable)
_FEW_PER_TEAM, _MANY_PER_TEAM = (1, 3), (2, 5)
#: invited users per team who are not actors
_INVITEES_PER_TEAM = 3
#: API tokens per team made before the timeline (worlds with the newer token actions)
_TOKENS_PER_TEAM = 2


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
    world : numpy.random.Generator
        World-wide choices: which newer action types and ``updated_by`` fields exist.
    owner : numpy.random.Generator
        Creators of pre-existing resources, own-resource choices, newer action mixes.
    net : numpy.random.Generator
        Network habits beyond the default world's (privacy addresses, carrier ranges,
        elastic bots, shared exits).
    extra : numpy.random.Generator
        Subtle forms, persistent actors, look-alikes shaped like attacks, joiners, leavers.
    share : numpy.random.Generator
        Who leaves snapshots open to anyone with the link, and which ones.
    """

    actor: np.random.Generator
    base: np.random.Generator
    plan: np.random.Generator
    inj: np.random.Generator
    target: np.random.Generator
    ids: np.random.Generator
    ip: np.random.Generator
    churn: np.random.Generator
    world: np.random.Generator
    owner: np.random.Generator
    net: np.random.Generator
    extra: np.random.Generator
    share: np.random.Generator

    @classmethod
    def from_seed(cls, seed: int) -> Streams:
        """Spawn every stream from ``seed``."""
        seeds = np.random.SeedSequence(seed).spawn(len(_STREAMS))
        return cls(**{k: np.random.default_rng(s) for k, s in zip(_STREAMS, seeds, strict=True)})


class IpTable:
    """Growing table of IP addresses with their kind.

    Besides fresh addresses of a kind, it mints addresses near an existing one
    (same carrier range, same /16 of a cloud, same IPv6 /64) and keeps one pool of
    provider exits (VPN and cloud) that every organisation and attacker may share.
    """

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.ip: list[str] = []
        self.kind: list[str] = []
        self._egress: dict[str, np.ndarray] = {}

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

    def mint_near(self, base: int, keep: int, n: int = 1) -> np.ndarray:
        """Mint ``n`` addresses of ``base``'s kind sharing its first ``keep`` octets.

        For an IPv6 ``base`` ``keep`` counts 16-bit groups (4 keeps the /64).
        """
        rng, src, kind = self.rng, self.ip[base], self.kind[base]
        start = len(self.ip)
        if ":" in src:
            head = src.split(":")[:keep]
            for g in rng.integers(1, 0xFFFF, (n, 8 - keep)):
                self.ip.append(":".join([*head, *(f"{x:x}" for x in g)]))
        else:
            head = src.split(".")[:keep]
            rest = rng.integers(0, 256, (n, 4 - keep))
            rest[:, -1] = rng.integers(2, 254, n)
            for r in rest:
                self.ip.append(".".join([*head, *(str(int(x)) for x in r)]))
        self.kind.extend([kind] * n)
        return np.arange(start, start + n, dtype=np.int32)

    def range_octets(self, i: int) -> int:
        """Octets of address ``i`` fixed by its kind's range (its carrier's or provider's)."""
        ip = self.ip[i]
        heads = [h for h in IP_PREFIXES.get(self.kind[i], ())
                 if ip.startswith(".".join(map(str, h)) + ".")]  # fmt: skip
        return max((len(h) for h in heads), default=1)

    def egress(self, kind: str, rng: np.random.Generator, n: int = 1) -> np.ndarray:
        """Draw ``n`` exits of ``kind`` (``vpn`` or ``cloud``) from the shared provider pool."""
        if kind not in self._egress:
            self._egress[kind] = self.mint(kind, _EGRESS_POOL)
        pool = self._egress[kind]
        return pool[rng.integers(0, pool.size, n)]


@dataclass
class Users:
    """Every user a record can name: the actors first, then invited users."""

    ids: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    orgs: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def add(self, uid: str, handle: str, org: int, name: str) -> None:
        """Add one user (an actor)."""
        self.ids.append(uid)
        self.handles.append(handle)
        self.orgs.append(org)
        self.names.append(name)

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
        self.names.extend(
            f"{FIRST_NAMES[f]} {LAST_NAMES[x]}" for f, x in zip(first, last, strict=True)
        )
        self.orgs.extend(orgs.tolist())
        return np.arange(start, start + n, dtype=np.int64)

    def invite_one(self, rng: np.random.Generator, org: int) -> int:
        """Add one invited user of ``org``; return its user index."""
        return int(self.invite(rng, np.array([org]))[0])


@dataclass(frozen=True)
class ActionSet:
    """Which action types a world uses and which records carry ``data.updated_by``.

    Attributes
    ----------
    present : numpy.ndarray
        One bool per ``vocabulary.ACTIONS``: the 51 real types always, newer ones
        as drawn for the world (none when ``new_action_share`` is 0).
    updated_by : numpy.ndarray
        One bool per action: records of it carry ``data.updated_by`` naming the actor
        (update-like types, as many as ``updated_by_share`` keeps).
    """

    present: np.ndarray
    updated_by: np.ndarray

    def has(self, action: str) -> bool:
        """Whether the world uses ``action``."""
        return bool(self.present[ACTION_ID[action]])


def growth_pair(rng: np.random.Generator, actions: ActionSet) -> tuple[str, str]:
    """Two different action types of :data:`GROWTH_ACTIONS` that the world uses."""
    pool = [x for x in GROWTH_ACTIONS if actions.has(x)]
    first, second = rng.choice(len(pool), size=2, replace=False)
    return pool[int(first)], pool[int(second)]


def draw_action_set(cfg: GenerateConfig, rng: np.random.Generator) -> ActionSet:
    """Draw the newer action types a world uses and its ``updated_by`` fields (world stream)."""
    present = np.zeros(len(ACTIONS), dtype=bool)
    present[:N_REAL_ACTIONS] = True
    if cfg.new_action_share > 0:
        new = rng.random(len(NEW_ACTION_SPEC)) < _NEW_ACTION_PRESENT
        new[0] = True  # every newer API version records sign-ins
        present[N_REAL_ACTIONS:] = new
    carries = UPDATE_LIKE.copy()
    if cfg.updated_by_share < 1:
        carries &= rng.random(len(ACTIONS)) < cfg.updated_by_share
    return ActionSet(present=present, updated_by=carries & present)


@dataclass
class Organisation:
    """Organisations, their teams and offices, and the actors with their habits.

    The ``a_*`` arrays hold one value per actor (the rows of ``actors``);
    ``active_from``/``active_to`` (timeline days) are set by the plan for new
    hires, leavers and dormant accounts, ``absent`` lists extra days off
    (``(actor, first day, last day)``), ``odd`` the persistent odd actors and ``fresh``
    the accounts made during the timeline for someone from outside (a backdoor, a
    contractor: :meth:`~pipes_anomaly.generate.plan.Planner.reserve_fresh`).
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
    actions: ActionSet
    absent: list[tuple[int, int, int]] = field(default_factory=list)
    odd: dict[int, str] = field(default_factory=dict)
    fresh: set[int] = field(default_factory=set)

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
    cfg: GenerateConfig, rng: np.random.Generator, ips: IpTable, users: Users,
    actions: ActionSet, rng_owner: np.random.Generator,
) -> Organisation:  # fmt: skip
    """Make the organisations and their actors, adding the actors to ``users``.

    ``rng`` (actor stream) draws everything the default world has; ``rng_owner``
    the share of newer action types in each actor's mix.
    """
    draft = _OrgDraft()
    for o in range(cfg.orgs):
        _add_org(draft, o, cfg, rng, ips, users)
    a = pd.DataFrame(draft.rows)
    n_actors = len(draft.rows)
    a_role = a["role"].to_numpy()
    team_members: dict[int, list[int]] = {}
    for i, t in enumerate(a["team"].to_numpy()):
        team_members.setdefault(int(t), []).append(i)
    mix = _action_mixes(a_role, rng)
    if actions.present[N_REAL_ACTIONS:].any():
        mix = _with_new_actions(mix, a_role, actions.present, cfg.new_action_share, rng_owner)
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
        mix_cum=_cumulative(mix),
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
        actions=actions,
    )


def _roles(cfg: GenerateConfig) -> list[str]:
    """Roles of one organisation's actors, bots, admins and power users first."""
    n = cfg.actors
    n_bot = max(1, round(cfg.bot_share * n)) if cfg.bot_share > 0 else 0
    n_admin = max(1, round(cfg.admin_share * n))
    n_power = max(1, round(cfg.power_share * n)) if cfg.power_share > 0 else 0
    n_power = max(0, min(n_power, n - n_bot - n_admin - 1))  # keep one normal member
    roles = ["bot"] * n_bot + ["admin"] * n_admin + ["power"] * n_power
    return roles + ["normal"] * (n - len(roles))


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
    zones, weights = cfg.time_zones, np.array(cfg.zone_weights)
    n_off = min(cfg.offices, len(zones))
    for tzi in rng.choice(len(zones), size=n_off, replace=False, p=weights):
        draft.office_ips[(o, int(tzi))] = ips.mint(
            "office", int(rng.integers(1, cfg.office_nat_ips + 1))
        )
    draft.org_vpn.append(ips.mint("vpn", _VPN_POOL))
    roles = list(rng.permutation(_roles(cfg)))
    n_teams = max(2, round(cfg.actors / cfg.team_size))
    team_base = len(draft.team_org)
    draft.team_org.extend([o] * n_teams)
    t0 = cfg.start_ts
    for i, role in enumerate(roles):
        team = team_base + (i % n_teams)
        idx = len(draft.rows)
        uid = "u_" + fixed_width(b"", rand_ids(rng, 1))[0].as_py()
        if role == "bot":
            handle, display, rec = _bot(rng, ips, idx, cfg.token_bot_share)
        else:
            handle, display, rec = _person(rng, ips, draft.office_ips, o, role, idx, cfg)
        users.add(uid, handle, o, display)
        created = t0 - int(rng.integers(*_ACCOUNT_AGE_DAYS)) * DAY + int(rng.integers(0, DAY))
        draft.rows.append(dict(actor_id=uid, handle=handle, display_name=display, org=o,
                               team=team, role=role, created_ts=created, **rec))  # fmt: skip


def _bot(
    rng: np.random.Generator, ips: IpTable, idx: int, token_share: float
) -> tuple[str, str, dict]:
    """Handle, display name and habits of a service account.

    ``hand_share`` is the share of its records made without a process: all of them for
    a bot run by an API token (``token_share`` of the bots), a little for the others.
    """
    word = BOT_WORDS[idx % len(BOT_WORDS)]
    handle = f"svc-{word}-{idx}"
    display = f"{word.capitalize()} Service"
    cloud = ips.mint("cloud", int(rng.integers(1, 3)))
    rec = dict(kind="bot", tz_offset_min=0, business_start=0.0, business_end=24.0,
               office=-1, home_ip=int(cloud[0]), home_ip2=int(cloud[-1]), switch_day=-1,
               v6_ip=-1, vpn=False, mobile=False,
               bot_period=int(rng.choice(_BOT_PERIODS[0], p=_BOT_PERIODS[1])),
               rate=0.0, hand_share=_hand_share(rng, token_share))  # fmt: skip
    return handle, display, rec


def _hand_share(rng: np.random.Generator, token_share: float) -> float:
    """Share of a bot's records made by hand: 1 when run by a token, else a little.

    Both draws are made either way, so that ``token_share`` moves no later draw.
    """
    token, share = rng.random(), float(rng.uniform(0.0, _BOT_HAND_MAX))
    return 1.0 if token < token_share else share


def _person(
    rng: np.random.Generator,
    ips: IpTable,
    office_ips: dict[tuple[int, int], np.ndarray],
    org: int,
    role: str,
    idx: int,
    cfg: GenerateConfig,
) -> tuple[str, str, dict]:
    """Handle, display name and habits (time zone, hours, addresses, rate) of a person."""
    first = FIRST_NAMES[rng.integers(len(FIRST_NAMES))]
    last = LAST_NAMES[rng.integers(len(LAST_NAMES))]
    handle = f"{first[0]}{last}{idx}".lower()
    display = f"{first} {last}"
    tzi = int(rng.choice(len(cfg.time_zones), p=np.array(cfg.zone_weights)))
    office = tzi if (org, tzi) in office_ips and rng.random() < cfg.office_share else -1
    home = ips.mint("home", 2)
    bs = float(rng.choice(_DAY_STARTS))
    rec = dict(kind="human", tz_offset_min=int(cfg.time_zones[tzi]), business_start=bs,
               business_end=bs + float(rng.choice(_DAY_LENGTHS)),
               office=office, home_ip=int(home[0]), home_ip2=int(home[1]),
               switch_day=(int(rng.integers(1, cfg.days)) if rng.random() < cfg.home_change_share
                           else -1),
               v6_ip=int(ips.mint("home6")[0]) if rng.random() < cfg.v6_share else -1,
               vpn=bool(rng.random() < cfg.vpn_share),
               mobile=bool(rng.random() < cfg.mobile_share), bot_period=0, hand_share=1.0,
               rate=ROLE_RATE[role] * float(rng.lognormal(0.0, cfg.rate_spread))
               * cfg.activity_scale)  # fmt: skip
    return handle, display, rec


def _action_mixes(roles: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw each actor's action mix over the 51 real types around its role's mix."""
    mixes = np.zeros((roles.size, len(ACTIONS)))
    for i, role in enumerate(roles):
        w = role_weights(role)
        w = w * rng.gamma(2.0, 0.5, size=w.size)
        mixes[i, :N_REAL_ACTIONS] = w / w.sum()
    return mixes


def _with_new_actions(mix: np.ndarray, roles: np.ndarray, present: np.ndarray, share: float,
                      rng: np.random.Generator) -> np.ndarray:  # fmt: skip
    """Move about ``share`` of each actor's mix onto the world's newer action types."""
    out = mix.copy()
    keep = present[N_REAL_ACTIONS:]
    for i, role in enumerate(roles):
        w = new_action_weights(role) * keep * rng.gamma(2.0, 0.5, size=keep.size)
        if w.sum() <= 0:
            continue
        s = min(0.9, share * float(rng.gamma(4.0, 0.25)))  # each actor's own share
        out[i, :N_REAL_ACTIONS] *= 1 - s
        out[i, N_REAL_ACTIONS:] = s * w / w.sum()
    return out


def _cumulative(mix: np.ndarray) -> np.ndarray:
    """Cumulative mixes whose rows reach exactly 1 at their last used action and after it."""
    mix_cum = np.cumsum(mix, axis=1)
    last = mix.shape[1] - 1 - np.argmax(mix[:, ::-1] > 0, axis=1)
    mix_cum[np.arange(mix.shape[1])[None, :] >= last[:, None]] = 1.0
    return mix_cum


_RESOURCE_COLUMNS = ("kind", "group", "core", "created", "parent", "ref", "explicit", "creator")


@dataclass(frozen=True)
class ResourceTable:
    """Every resource row as arrays.

    Columns: kind (``KIND_ID``), owning team, core, creation time, parent
    workspace row (-1: none), referent (user or organisation, -1: none), explicit,
    creator (user index; -1 until the create event that makes the row is known).
    """

    kind: np.ndarray
    group: np.ndarray
    core: np.ndarray
    created: np.ndarray
    parent: np.ndarray
    ref: np.ndarray
    explicit: np.ndarray
    creator: np.ndarray

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
            core: bool = False, explicit: bool = False, creator: int = -1) -> int:  # fmt: skip
        """Add one resource row; return its index.

        Its creator, if not given, is the actor of the create event that names it.
        """
        c = self.cols
        c["creator"].append(creator)
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
                       parent: np.ndarray, ref: np.ndarray,
                       creator: np.ndarray) -> None:  # fmt: skip
        """Add the rows made by ordinary create events (neither core nor explicit)."""
        c = self.cols
        c["creator"].extend(creator.tolist())
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
            if kind in ("workspace", "member", "wsmember", "org", "token"):
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


def add_tokens(org: Organisation, res: Resources, rng: np.random.Generator) -> None:
    """Give each team a few API tokens made before the timeline (owner stream)."""
    for g in range(org.n_teams):
        for _ in range(_TOKENS_PER_TEAM):
            age = int(rng.integers(*_RESOURCE_AGE_DAYS)) * DAY + int(rng.integers(0, DAY))
            res.add("token", g, org.t0 - age)


def assign_creators(org: Organisation, res: Resources, rng: np.random.Generator) -> None:
    """Name the creator of every pre-existing resource (owner stream).

    Memberships and the organisation were made by an admin of the organisation,
    everything else by a member of the owning team: so most records on a
    teammate's resource name that teammate in ``data.created_by``.
    """
    c = res.cols
    group = np.array(c["group"], dtype=np.int64)
    kind = np.array(c["kind"], dtype=np.int64)
    creator = np.array(c["creator"], dtype=np.int64)
    admin_kinds = np.isin(kind, [KIND_ID["member"], KIND_ID["wsmember"], KIND_ID["org"]])
    admins = {o: np.flatnonzero((org.a_org == o) & (org.a_role == "admin"))
              for o in range(len(org.org_id))}  # fmt: skip
    u = rng.random(group.size)
    for i in np.flatnonzero(creator < 0):
        g = int(group[i])
        pool = admins[org.team_org[g]] if admin_kinds[i] else org.team_members[g]
        if len(pool) == 0:
            pool = org.team_members[g]
        creator[i] = int(pool[int(u[i] * len(pool))])
    _one_org_row(org, c, kind, group, creator)
    c["creator"] = creator.tolist()


def _one_org_row(org: Organisation, c: dict[str, list], kind: np.ndarray, group: np.ndarray,
                 creator: np.ndarray) -> None:  # fmt: skip
    """Give every team's row of an organisation that organisation's creation and creator."""
    first: dict[int, int] = {}
    for i in np.flatnonzero(kind == KIND_ID["org"]):
        o = org.team_org[int(group[i])]
        j = first.setdefault(o, int(i))
        c["created"][i] = c["created"][j]
        creator[i] = creator[j]
