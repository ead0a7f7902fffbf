"""Simulate Pipes organisations and inject labelled attacks and benign look-alikes.

The core is pure: :func:`simulate` turns a :class:`GenerateConfig` into a
:class:`World` (columnar events plus ground truth), and :func:`render_jsonl` /
:func:`render_tables` turn a world's training or test period into JSON lines or
Arrow tables chunk by chunk.  Writing files is ``io.write_world``'s job.

How the world is built
----------------------
1. Organisations, teams and actors: people (normal, power, admin) in several
   time zones with local business hours, and service accounts (bots) that run
   24/7 from one or two fixed cloud addresses.
2. IPs: office NAT addresses shared by an office, home addresses that rarely
   change, some IPv6, VPN pools and mobile churn.  Attackers draw from the same
   kinds of ranges with the same minting function.
3. Benign activity, vectorised over all actor-days: Poisson counts, sessions
   around local business hours, quieter weekends, holidays, per-actor action
   mixes drawn around a role mix over the 51 real action types.
4. Incidents (labelled) and look-alikes (listed, unlabelled) are planned on
   real actors and injected as ordinary events.
5. Targets: resources (workspaces, connections, pipelines, datatanks, ...) live
   in teams; a ``*.create`` makes a resource, a delete removes an existing one
   (routine benign deletes pick resources at least a week old), every other
   action touches a live resource, mostly of the actor's own team.  Some
   in-workspace creations fill the team's newest workspace, which then stays.
6. Benign churn (unlabelled, like any ordinary activity): scratch workspaces
   that get a mod, connection or pipeline and are torn down minutes to days
   later, and resources created by mistake and deleted minutes later; so young
   deletes and short-lived workspaces are not attack-only.
"""

from __future__ import annotations

import bisect
import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipes_anomaly.generate.config import (
    DAY,
    DEFAULT_START,
    GenerateConfig,
    default_train_days,
)
from pipes_anomaly.generate.encode import fixed_width, iso, iso_one, json_str, rand_ids
from pipes_anomaly.generate.render import render_jsonl, render_tables
from pipes_anomaly.generate.vocabulary import (
    ACTION_ID,
    ACTION_KIND,
    ACTION_SPEC,
    ACTION_VERB,
    BOT_WORDS,
    CLOUD_DESK_SHARE,
    CREATE,
    DELETE,
    EXTRA_COUNT,
    EXTRA_CUM,
    EXTRA_FRAGS,
    EXTRA_OFFSET,
    FIRST_NAMES,
    HANDLE_WORDS,
    IN_WORKSPACE,
    IP6_PREFIXES,
    IP_PREFIXES,
    KIND_ID,
    KIND_PREFIX,
    KINDS,
    LAST_NAMES,
    ORG_WORDS,
    PERSONAL_VPN_SHARE,
    ROLE_RATE,
    ROLES,
    TENANT,
    TZ_OFFSETS_MIN,
    TZ_WEIGHTS,
    extra_index,
    role_weights,
    state_frag,
)
from pipes_anomaly.generate.world import World
from pipes_anomaly.schema import ACTION_TYPES, LOOKALIKES, SCENARIOS

__all__ = [
    "DEFAULT_START",
    "GenerateConfig",
    "World",
    "default_train_days",
    "render_jsonl",
    "render_tables",
    "simulate",
]

_NO_DELETE = np.iinfo(np.int64).max
AVATAR_API = "https://pipes.turbot.com/api/v0/identity"


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


class _Builder:
    """Mutable state while one world is simulated (private)."""

    def __init__(self, cfg: GenerateConfig) -> None:
        self.cfg = cfg
        ss = np.random.SeedSequence(cfg.seed)
        seeds = ss.spawn(8)
        self.rng_actor, self.rng_base, self.rng_plan, self.rng_inj = (
            np.random.default_rng(s) for s in seeds[:4]
        )
        self.rng_target, self.rng_ids, self.rng_ip = (np.random.default_rng(s) for s in seeds[4:7])
        self.rng_churn = np.random.default_rng(seeds[7])  # benign scratch work and undos
        self.ips = IpTable(self.rng_ip)
        self.D = cfg.days
        self.t0 = cfg.start_ts
        self.inj: list[tuple] = []  # injected events
        self.users_id: list[str] = []  # actors first, then invitees
        self.users_handle: list[str] = []
        self.user_org: list[int] = []
        self.res: dict[str, list] = {
            k: [] for k in ("kind", "group", "core", "created", "parent", "ref", "explicit")
        }
        self.incidents: list[dict] = []
        self.busy: dict[int, set[int]] = {}
        self.new_hires: list[tuple[int, int]] = []  # (actor, first day), set by the plan
        self.explicit_deleted: dict[int, int] = {}  # resource row -> deletion time

    # ---------------- actors ----------------

    def make_actors(self) -> None:
        cfg, rng = self.cfg, self.rng_actor
        rows = []
        self.org_id, self.org_handle = [], []
        self.team_org: list[int] = []
        self.office_ips: dict[tuple[int, int], np.ndarray] = {}
        self.org_vpn: list[np.ndarray] = []
        for o in range(cfg.orgs):
            self.org_id.append("o_" + fixed_width(b"", rand_ids(rng, 1))[0].as_py())
            word = ORG_WORDS[o % len(ORG_WORDS)]
            self.org_handle.append(word if o < len(ORG_WORDS) else f"{word}-{o}")
            offices = rng.choice(len(TZ_OFFSETS_MIN), size=3, replace=False, p=TZ_WEIGHTS)
            for tzi in offices:
                self.office_ips[(o, int(tzi))] = self.ips.mint("office", int(rng.integers(1, 3)))
            self.org_vpn.append(self.ips.mint("vpn", 6))
            n = cfg.actors
            n_bot = max(1, round(0.04 * n))
            n_admin = max(1, round(0.06 * n))
            n_power = max(1, round(0.20 * n))
            roles = ["bot"] * n_bot + ["admin"] * n_admin + ["power"] * n_power
            roles += ["normal"] * (n - len(roles))
            roles = list(rng.permutation(roles))
            n_teams = max(2, round(n / 8))
            team_base = len(self.team_org)
            self.team_org.extend([o] * n_teams)
            for i, role in enumerate(roles):
                team = team_base + (i % n_teams)
                rows.append(self._make_actor(o, team, role, len(rows)))
        self.actors = pd.DataFrame(rows)
        self.n_actors = len(rows)
        self.n_teams = len(self.team_org)
        a = self.actors
        self.a_tz = a["tz_offset_min"].to_numpy()
        self.a_bs = a["business_start"].to_numpy(dtype=float)
        self.a_be = a["business_end"].to_numpy(dtype=float)
        self.a_bot = (a["kind"] == "bot").to_numpy()
        self.a_team = a["team"].to_numpy()
        self.a_org = a["org"].to_numpy()
        self.a_role = a["role"].to_numpy()
        self.a_office = a["office"].to_numpy()
        self.a_switch = a["switch_day"].to_numpy()
        self.a_home = a["home_ip"].to_numpy()
        self.a_home2 = a["home_ip2"].to_numpy()
        # per-actor action mixes drawn around the role mix
        mixes = np.zeros((self.n_actors, len(ACTION_TYPES)))
        for i, role in enumerate(self.a_role):
            w = role_weights(role)
            w = w * rng.gamma(2.0, 0.5, size=w.size)
            mixes[i] = w / w.sum()
        self.mix_cum = np.cumsum(mixes, axis=1)
        self.mix_cum[:, -1] = 1.0
        self.active_from = np.zeros(self.n_actors, dtype=np.int64)
        self.active_to = np.full(self.n_actors, self.D - 1, dtype=np.int64)

    def _make_actor(self, org: int, team: int, role: str, idx: int) -> dict:
        rng = self.rng_actor
        uid = "u_" + fixed_width(b"", rand_ids(rng, 1))[0].as_py()
        if role == "bot":
            word = BOT_WORDS[idx % len(BOT_WORDS)]
            handle = f"svc-{word}-{idx}"
            display = f"{word.capitalize()} Service"
            ips = self.ips.mint("cloud", int(rng.integers(1, 3)))
            rec = dict(kind="bot", tz_offset_min=0, business_start=0.0, business_end=24.0,
                       office=-1, home_ip=int(ips[0]), home_ip2=int(ips[-1]), switch_day=-1,
                       v6_ip=-1, vpn=False, mobile=False,
                       bot_period=int(rng.choice([1800, 3600, 7200, 10800], p=[.3, .35, .2, .15])),
                       rate=0.0)  # fmt: skip
        else:
            first = FIRST_NAMES[rng.integers(len(FIRST_NAMES))]
            last = LAST_NAMES[rng.integers(len(LAST_NAMES))]
            handle = f"{first[0]}{last}{idx}".lower()
            display = f"{first} {last}"
            tzi = int(rng.choice(len(TZ_OFFSETS_MIN), p=TZ_WEIGHTS))
            office = tzi if (org, tzi) in self.office_ips and rng.random() < 0.6 else -1
            home = self.ips.mint("home", 2)
            bs = float(rng.choice([7.5, 8.0, 8.5, 9.0, 9.5, 10.0]))
            rec = dict(kind="human", tz_offset_min=int(TZ_OFFSETS_MIN[tzi]), business_start=bs,
                       business_end=bs + float(rng.choice([8.0, 8.5, 9.0, 9.5])),
                       office=office, home_ip=int(home[0]), home_ip2=int(home[1]),
                       switch_day=int(rng.integers(1, self.D)) if rng.random() < 0.12 else -1,
                       v6_ip=int(self.ips.mint("home6")[0]) if rng.random() < 0.25 else -1,
                       vpn=bool(rng.random() < 0.15), mobile=bool(rng.random() < 0.06),
                       bot_period=0,
                       rate=ROLE_RATE[role] * float(rng.lognormal(0.0, 0.4)))  # fmt: skip
        self.users_id.append(uid)
        self.users_handle.append(handle)
        self.user_org.append(org)
        created = self.t0 - int(rng.integers(30, 900)) * DAY + int(rng.integers(0, DAY))
        return dict(actor_id=uid, handle=handle, display_name=display, org=org, team=team,
                    role=role, created_ts=created, **rec)  # fmt: skip

    # ---------------- helpers used by scenarios ----------------

    def local_ts(self, a: int, day: int, hour: float) -> int:
        """UTC seconds of local ``hour`` on local calendar day ``day`` for actor ``a``."""
        sec = hour * 3600.0 + self.rng_inj.uniform(0, 60)
        return int(self.t0 + day * DAY + sec - self.a_tz[a] * 60)

    def work_hour(self, a: int) -> float:
        return float(self.rng_inj.uniform(self.a_bs[a] + 0.3, self.a_be[a] - 1.5))

    def usual_ip(self, a: int, day: int) -> int:
        office = int(self.a_office[a])
        if office >= 0 and (self.cfg.start + dt.timedelta(days=day)).weekday() < 5:
            return int(self.office_ips[(int(self.a_org[a]), office)][0])
        if 0 <= self.a_switch[a] <= day:
            return int(self.a_home2[a])
        return int(self.a_home[a])

    def new_ip(self) -> int:
        kind = str(self.rng_inj.choice(["home", "mobile", "vpn", "home6", "cloud"],
                                       p=[0.35, 0.2, 0.25, 0.1, 0.1]))  # fmt: skip
        return int(self.ips.mint(kind)[0])

    def sample_actions(self, a: int, n: int) -> list[int]:
        u = self.rng_inj.random(n)
        return [int(x) for x in np.searchsorted(self.mix_cum[a], u, side="right")]

    def add(self, ts: int, a: int, action: str | int, ip: int, *, target: int = -1,
            group: int | None = None, creator: int | None = None, extra: int = -1,
            min_age: int = 7 * DAY, ref: int = -1, parent: int = -1,
            scenario: int = -1, incident: int = -1, look: int = -1) -> None:  # fmt: skip
        act = ACTION_ID[action] if isinstance(action, str) else int(action)
        if group is None:
            group = int(self.a_team[a])
        self.inj.append((int(ts), a, a if creator is None else creator, act, target, group, ip,
                         extra, min_age, ref, parent, scenario, incident, look))  # fmt: skip

    def new_row(self, kind: str, group: int, created: int, *, parent: int = -1, ref: int = -1,
                core: bool = False, explicit: bool = False) -> int:  # fmt: skip
        r = self.res
        r["kind"].append(KIND_ID[kind])
        r["group"].append(group)
        r["core"].append(core)
        r["created"].append(created)
        r["parent"].append(parent)
        r["ref"].append(ref)
        r["explicit"].append(explicit)
        return len(r["kind"]) - 1

    def new_users(self, orgs: np.ndarray) -> np.ndarray:
        """Add invited users (not actors) of ``orgs``; return their user indices."""
        n = orgs.size
        start = len(self.users_id)
        rng = self.rng_inj
        self.users_id.extend(fixed_width(b"u_", rand_ids(rng, n)).to_pylist())
        first = rng.integers(0, len(FIRST_NAMES), n)
        last = rng.integers(0, len(LAST_NAMES), n)
        self.users_handle.extend(
            f"{FIRST_NAMES[f][0]}{LAST_NAMES[x]}{start + i + 1}".lower()
            for i, (f, x) in enumerate(zip(first, last, strict=True))
        )
        self.user_org.extend(orgs.tolist())
        return np.arange(start, start + n, dtype=np.int64)

    def new_user(self, org: int) -> int:
        """Add one invited user of ``org``; return its user index."""
        return int(self.new_users(np.array([org]))[0])

    # ---------------- pre-existing resources ----------------

    def make_resources(self) -> None:
        rng = self.rng_actor
        self.core_ws: dict[int, list[int]] = {}
        self.member_row = np.full(self.n_actors, -1, dtype=np.int64)
        team_members: dict[int, list[int]] = {}
        for a, t in enumerate(self.a_team):
            team_members.setdefault(int(t), []).append(a)
        self.team_members = team_members

        def past() -> int:
            return self.t0 - int(rng.integers(20, 400)) * DAY + int(rng.integers(0, DAY))

        for g in range(self.n_teams):
            org = self.team_org[g]
            ws = [self.new_row("workspace", g, past(), core=True) for _ in range(2)]
            self.core_ws[g] = ws
            for _ in range(4):
                self.new_row("workspace", g, past())
            for kind in KINDS:
                if kind in ("workspace", "member", "wsmember", "org"):
                    continue
                n_core, n_del = (1, 3) if kind in ("integration", "notifier") else (2, 5)
                for i in range(n_core + n_del):
                    parent = ws[int(rng.integers(len(ws)))] if kind in IN_WORKSPACE else -1
                    self.new_row(kind, g, past(), parent=parent, core=i < n_core)
            for a in team_members.get(g, []):
                self.member_row[a] = self.new_row(
                    "member", g, int(self.actors.at[a, "created_ts"]), ref=a, core=True
                )
                self.new_row("wsmember", g, int(self.actors.at[a, "created_ts"]),
                             parent=ws[0], ref=a, core=True)  # fmt: skip
            for _ in range(3):
                self.new_row("member", g, past(), ref=self.new_user(org))
            self.new_row("org", g, past(), ref=org, core=True)


def _frag_array(values: list[str]) -> pa.Array:
    return pa.array(values, type=pa.string())


def simulate(config: GenerateConfig) -> World:
    """Simulate a world: benign activity, injected incidents and look-alikes.

    Parameters
    ----------
    config : GenerateConfig
        World parameters; ``config.seed`` drives every random choice.

    Returns
    -------
    World
        Events sorted by time with ground truth (labels, window labels,
        look-alikes, manifest).  The same config gives an identical world.
    """
    b = _Builder(config)
    b.make_actors()
    plan = _Plan(b)
    plan.reserve()
    b.make_resources()
    plan.inject()
    ev = _base_events(b)
    ev = plan.apply_traveller(ev)
    ev = _concat_injected(b, ev)
    ev = _assign_targets(b, ev)
    return _finish(b, ev)


def _base_events(b: _Builder) -> dict[str, np.ndarray]:
    """Benign activity of every actor, vectorised over actor-days."""
    cfg, rng = b.cfg, b.rng_base
    D = b.D
    weekday = np.array([(cfg.start + dt.timedelta(days=d)).weekday() for d in range(D)])
    humans = np.flatnonzero(~b.a_bot)
    A = humans.size
    act = b.actors
    rate = act["rate"].to_numpy()[humans]
    weekend_rate = np.where(rng.random(A) < 0.15, 0.3, 0.06)
    factor = np.where(weekday[None, :] >= 5, weekend_rate[:, None], 1.0)
    days = np.arange(D)[None, :]
    active = (days >= b.active_from[humans, None]) & (days <= b.active_to[humans, None])
    # holidays: about half the people take 2-7 days off
    hol_start = rng.integers(0, D, A)
    hol_len = np.where(rng.random(A) < 0.5, rng.integers(2, 8, A), 0)
    on_holiday = (days >= hol_start[:, None]) & (days < (hol_start + hol_len)[:, None])
    lam = rate[:, None] * factor * active * ~on_holiday * rng.gamma(4.0, 0.25, (A, D))
    counts = rng.poisson(lam)
    n_sess = 1 + (rng.random((A, D)) < 0.6) + (rng.random((A, D)) < 0.25)
    bs = b.a_bs[humans][:, None]
    be = b.a_be[humans][:, None]
    c0 = bs + rng.uniform(0.1, 2.5, (A, D))
    c1 = bs + rng.uniform(3.0, be - bs - 1.0, (A, D))
    evening = rng.random((A, D)) < 0.07
    c2 = np.where(evening, rng.uniform(19.5, 23.0, (A, D)), rng.uniform(be - 2.5, be - 0.3))
    centres = np.stack([c0, c1, c2], axis=-1)
    # per actor-day-session IP
    ip = _session_ips(b, humans, weekday, rng)
    ad = np.repeat(np.arange(A * D), counts.ravel())
    n = ad.size
    sess = (rng.random(n) * n_sess.ravel()[ad]).astype(np.int64)
    a_loc, d = np.divmod(ad, D)
    hour = centres.reshape(-1, 3)[ad, sess]
    sec = hour * 3600.0 + rng.normal(0.0, 1500.0, n)
    ts = (b.t0 + d * DAY + sec - b.a_tz[humans][a_loc] * 60).astype(np.int64)
    actor = humans[a_loc].astype(np.int32)
    ev_ip = ip.reshape(-1, 3)[ad, sess]
    # bots: steady cadence around the clock
    bots = np.flatnonzero(b.a_bot)
    b_ts, b_actor, b_ip = [], [], []
    span = D * DAY
    for a in bots:
        period = int(act.at[a, "bot_period"])
        k = np.arange(span // period)
        t = b.t0 + int(rng.integers(0, period)) + k * period + rng.integers(-120, 121, k.size)
        b_ts.append(t)
        b_actor.append(np.full(k.size, a, dtype=np.int32))
        b_ip.append(np.where(rng.random(k.size) < 0.8, act.at[a, "home_ip"], act.at[a, "home_ip2"]))
    ts = np.concatenate([ts, *b_ts])
    actor = np.concatenate([actor, *b_actor])
    ev_ip = np.concatenate([ev_ip, *b_ip]).astype(np.int32)
    # actions from each actor's own mix
    u = rng.random(ts.size)
    n_act = len(ACTION_TYPES)
    flat = (b.mix_cum + np.arange(b.n_actors)[:, None]).ravel()
    pos = np.searchsorted(flat, actor + u, side="right") - actor.astype(np.int64) * n_act
    action = np.clip(pos, 0, n_act - 1).astype(np.int16)
    m = ts.size
    ev = {
        "ts": ts.astype(np.int64),
        "actor": actor,
        "creator": actor.copy(),
        "action": action,
        "target": np.full(m, -1, dtype=np.int32),
        "group": b.a_team[actor].astype(np.int32),
        "ip": ev_ip,
        "extra": np.full(m, -1, dtype=np.int32),
        "min_age": np.full(m, 7 * DAY, dtype=np.int32),
        "ref": np.full(m, -1, dtype=np.int32),
        "parent": np.full(m, -1, dtype=np.int32),
        "scenario": np.full(m, -1, dtype=np.int16),
        "incident": np.full(m, -1, dtype=np.int32),
        "lookalike": np.full(m, -1, dtype=np.int16),
    }
    # about 8% of touches go to another team's resources
    other = rng.random(m) < 0.08
    if other.any():
        ev["group"][other] = rng.integers(0, b.n_teams, int(other.sum()))
        same_org = np.array(b.team_org)[ev["group"]] == b.a_org[actor]
        ev["group"] = np.where(same_org, ev["group"], b.a_team[actor])
    # new hires: mark their first three active days as a look-alike
    day = (ev["ts"] - b.t0) // DAY
    for a, d0 in b.new_hires:
        mask = (ev["actor"] == a) & (day >= d0) & (day < d0 + 3)
        ev["lookalike"][mask] = LOOKALIKES.index("new_hire")
    keep = (ev["ts"] >= b.t0) & (ev["ts"] < cfg.end_ts)
    return {k: v[keep] for k, v in ev.items()}


def _session_ips(
    b: _Builder, humans: np.ndarray, weekday: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """IP index per (human, day, session): office, home (v4/v6), VPN or mobile."""
    A, D = humans.size, b.D
    act = b.actors.iloc[humans]
    home = act["home_ip"].to_numpy()[:, None, None]
    home2 = act["home_ip2"].to_numpy()[:, None, None]
    switch = act["switch_day"].to_numpy()[:, None, None]
    days = np.arange(D)[None, :, None]
    ip = np.where((switch >= 0) & (days >= switch), home2, home)
    ip = np.broadcast_to(ip, (A, D, 3)).copy()
    v6 = act["v6_ip"].to_numpy()
    use_v6 = (v6[:, None, None] >= 0) & (rng.random((A, D, 3)) < 0.4)
    ip = np.where(use_v6, v6[:, None, None], ip)
    office = act["office"].to_numpy()
    org = act["org"].to_numpy()
    in_office = (
        (office[:, None] >= 0) & (weekday[None, :] < 5) & (rng.random((A, D)) < 0.75)
    )  # same place all day
    for i in np.flatnonzero(office >= 0):
        nat = b.office_ips[(int(org[i]), int(office[i]))]
        pick = nat[rng.integers(0, nat.size, (D, 3))]
        ip[i] = np.where(in_office[i][:, None], pick, ip[i])
    vpn = act["vpn"].to_numpy()
    for i in np.flatnonzero(vpn):
        pool = b.org_vpn[int(org[i])]
        use = rng.random((D, 3)) < 0.5
        ip[i] = np.where(use, pool[rng.integers(0, pool.size, (D, 3))], ip[i])
    mobile = act["mobile"].to_numpy()
    for i in np.flatnonzero(mobile):
        use = rng.random((D, 3)) < 0.35
        k = int(use.sum())
        if k:
            ip[i][use] = b.ips.mint("mobile", k)
    # a few use a personal VPN (a fresh exit now and then) or a cloud desktop
    for i in np.flatnonzero(rng.random(A) < PERSONAL_VPN_SHARE):
        use = rng.random((D, 3)) < 0.3
        k = int(use.sum())
        if k:
            ip[i][use] = b.ips.mint("vpn", k)
    for i in np.flatnonzero(rng.random(A) < CLOUD_DESK_SHARE):
        desk = int(b.ips.mint("cloud")[0])
        ip[i] = np.where(rng.random((D, 3)) < 0.4, desk, ip[i])
    return ip


_INJ_COLS = ("ts", "actor", "creator", "action", "target", "group", "ip", "extra", "min_age",
             "ref", "parent", "scenario", "incident", "lookalike")  # fmt: skip


def _concat_injected(b: _Builder, ev: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    if not b.inj:
        return ev
    arr = np.array(b.inj, dtype=np.int64)
    keep = (arr[:, 0] >= b.t0) & (arr[:, 0] < b.cfg.end_ts)
    arr = arr[keep]
    out = {}
    for j, col in enumerate(_INJ_COLS):
        out[col] = np.concatenate([ev[col], arr[:, j].astype(ev[col].dtype)])
    return out


def _assign_targets(b: _Builder, ev: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Give every event a target resource consistent with resource lifecycles."""
    rng = b.rng_target
    order = np.lexsort((np.arange(ev["ts"].size), ev["ts"]))
    ev = {k: v[order] for k, v in ev.items()}
    n = ev["ts"].size
    kind = ACTION_KIND[ev["action"]].astype(np.int64)
    verb = ACTION_VERB[ev["action"]]
    target = ev["target"]
    r = b.res
    # creations: one new resource per create event without an explicit target
    cre = np.flatnonzero((verb == CREATE) & (target < 0))
    base = len(r["kind"])
    k_c = kind[cre]
    g_c = ev["group"][cre]
    parent = ev["parent"][cre].copy()
    need_parent = (parent < 0) & np.isin(k_c, [KIND_ID[k] for k in IN_WORKSPACE])
    core_ws = np.array([b.core_ws[g] for g in range(b.n_teams)])
    parent = np.where(
        need_parent, core_ws[g_c, rng.integers(0, core_ws.shape[1], cre.size)], parent
    )
    # some go into the team's newest workspace (made in the last three weeks), which
    # then holds content and is kept: new workspaces are not all empty shells
    new_ws = np.flatnonzero(k_c == KIND_ID["workspace"])
    t_c = ev["ts"][cre] - b.t0
    fill = np.flatnonzero(need_parent & (rng.random(cre.size) < _NEW_WS_SHARE))
    if new_ws.size and fill.size:
        ws_key = g_c[new_ws] * (1 << 32) + t_c[new_ws]
        o = np.argsort(ws_key, kind="stable")
        ws_key, new_ws = ws_key[o], new_ws[o]
        j = np.searchsorted(ws_key, g_c[fill] * (1 << 32) + t_c[fill], side="left") - 1
        jj = np.maximum(j, 0)
        ok = (j >= 0) & (ws_key[jj] >> 32 == g_c[fill])
        ok &= t_c[fill] - (ws_key[jj] & 0xFFFFFFFF) <= 21 * DAY
        parent[fill[ok]] = base + new_ws[jj[ok]]
    ref = ev["ref"][cre].copy()
    new_member = np.flatnonzero((ref < 0) & (k_c == KIND_ID["member"]))
    ref[new_member] = b.new_users(np.array(b.team_org)[g_c[new_member]])
    # a workspace membership goes to a member of the owning team
    width = max(len(m) for m in b.team_members.values())
    members = np.full((b.n_teams, width), -1, dtype=np.int64)
    n_mem = np.zeros(b.n_teams, dtype=np.int64)
    for g, mem in b.team_members.items():
        members[g, : len(mem)] = mem
        n_mem[g] = len(mem)
    ws_m = np.flatnonzero((ref < 0) & (k_c == KIND_ID["wsmember"]))
    g_w = g_c[ws_m]
    pick_m = members[g_w, (rng.random(ws_m.size) * np.maximum(n_mem[g_w], 1)).astype(np.int64)]
    ref[ws_m] = np.where(pick_m >= 0, pick_m, ev["actor"][cre[ws_m]])
    r["kind"].extend(k_c.tolist())
    r["group"].extend(g_c.tolist())
    r["core"].extend([False] * cre.size)
    r["created"].extend(ev["ts"][cre].tolist())
    r["parent"].extend(parent.tolist())
    r["ref"].extend(ref.tolist())
    r["explicit"].extend([False] * cre.size)
    target[cre] = base + np.arange(cre.size)
    R = {k: np.array(v) for k, v in r.items()}
    b.res = {}  # the lists are no longer needed
    n_rows = R["kind"].size
    deleted = np.full(n_rows, _NO_DELETE, dtype=np.int64)
    # explicit rows (scenario resources) may carry their own deletion
    for row, t in b.explicit_deleted.items():
        deleted[row] = t
    nk = len(KINDS)
    row_key = R["group"] * nk + R["kind"]
    # deletions: sequential over time, oldest-eligible pools per (team, kind)
    deletable = (
        ~R["core"] & ~R["explicit"] & ~np.isin(R["kind"], [KIND_ID["wsmember"], KIND_ID["org"]])
    )
    deletable[R["parent"][R["parent"] >= 0]] = False  # a workspace with content is kept
    pools: dict[int, tuple[list[int], list[int]]] = {}
    cand = np.flatnonzero(deletable)
    cand = cand[np.lexsort((cand, R["created"][cand], row_key[cand]))]
    ck = row_key[cand]
    cuts = np.flatnonzero(np.diff(ck)) + 1
    for rows in np.split(cand, cuts):
        if rows.size:
            pools[int(row_key[rows[0]])] = (R["created"][rows].tolist(), rows.tolist())
    dels = np.flatnonzero((verb == DELETE) & (target < 0))
    keys = (ev["group"][dels] * nk + kind[dels]).tolist()
    u = rng.random(dels.size).tolist()
    drop = np.zeros(n, dtype=bool)
    ts_l = ev["ts"][dels].tolist()
    age_l = ev["min_age"][dels].tolist()
    for i, e in enumerate(dels.tolist()):
        p = pools.get(keys[i])
        t = ts_l[i]
        if p is None:
            drop[e] = True
            continue
        m = bisect.bisect_right(p[0], t - age_l[i])
        if m == 0:
            m = bisect.bisect_right(p[0], t - 600)
        if m == 0:
            drop[e] = True
            continue
        j = int(u[i] * m)
        p[0].pop(j)
        row = p[1].pop(j)
        deleted[row] = t
        target[e] = row
    # touches: a live resource of the (team, kind), recent ones more often
    oth = np.flatnonzero(target < 0)
    oth = oth[~drop[oth]]
    srt = np.lexsort((np.arange(n_rows), R["created"], row_key))
    base_t = b.t0 - 5 * 365 * DAY
    comp = row_key[srt] * (1 << 32) + (R["created"][srt] - base_t)
    okey = ev["group"][oth] * nk + kind[oth]
    ot = ev["ts"][oth]
    lo = np.searchsorted(comp, okey * (1 << 32))
    hi = np.searchsorted(comp, okey * (1 << 32) + (ot - base_t), side="left")
    cnt = hi - lo
    pick = np.full(oth.size, -1, dtype=np.int64)
    live = np.flatnonzero(cnt > 0)
    for _ in range(6):
        if live.size == 0:
            break
        idx = lo[live] + np.minimum(
            cnt[live] - 1, (cnt[live] * np.sqrt(rng.random(live.size))).astype(np.int64)
        )
        row = srt[idx]
        ok = (deleted[row] > ot[live]) & ~R["explicit"][row]
        pick[live[ok]] = row[ok]
        live = live[~ok]
    # fallback: the first core resource of the (team, kind)
    core_rows = np.flatnonzero(R["core"])
    uk, first = np.unique(row_key[core_rows], return_index=True)
    core_of = dict(zip(uk.tolist(), core_rows[first].tolist(), strict=True))
    for i in np.flatnonzero(pick < 0):
        pick[i] = core_of.get(int(okey[i]), -1)
    target[oth] = pick
    drop |= target < 0
    keep = ~drop
    ev = {k: v[keep] for k, v in ev.items()}
    ev["target"] = target[keep]
    b.R = R
    return ev


def _finish(b: _Builder, ev: dict[str, np.ndarray]) -> World:
    cfg = b.cfg
    n = ev["ts"].size
    rng = b.rng_ids
    # extras: per-action variants; scenario events may have chosen one
    act = ev["action"]
    u = rng.random(n)
    flat = np.concatenate([c + i for i, c in enumerate(EXTRA_CUM)])
    pos = np.searchsorted(flat, act.astype(np.float64) + u, side="right")
    extra = np.minimum(pos, EXTRA_OFFSET[act] + EXTRA_COUNT[act] - 1)
    extra = np.maximum(extra, EXTRA_OFFSET[act])
    ev["extra"] = np.where(ev["extra"] >= 0, ev["extra"], extra).astype(np.int32)
    verb = ACTION_VERB[act]
    ev["version"] = np.where(verb == CREATE, 1, rng.integers(2, 60, n)).astype(np.int32)
    ev["rid"] = rand_ids(rng, n)
    ev["tpid"] = rand_ids(rng, n)
    ev["proc"] = rand_ids(rng, n)
    for k in ("group", "min_age", "ref", "parent"):
        del ev[k]
    frags = _fragments(b)
    # ground truth
    actor_ids = b.actors["actor_id"].to_numpy()
    lab = np.flatnonzero(ev["incident"] >= 0)
    rid_str = fixed_width(b"a_", ev["rid"][lab]).to_numpy(zero_copy_only=False)
    day = (ev["ts"] - b.t0) // DAY
    inc_names = np.array([i["incident_id"] for i in b.incidents] or ["none"], dtype=object)
    scen = np.array(SCENARIOS, dtype=object)
    labels = pd.DataFrame(
        {
            "record_id": rid_str,
            "actor_id": actor_ids[ev["actor"][lab]],
            "created_at": iso(ev["ts"][lab]).to_numpy(zero_copy_only=False),
            "scenario": scen[ev["scenario"][lab]],
            "incident_id": inc_names[ev["incident"][lab]],
        }
    )
    dates = np.array(
        [(cfg.start + dt.timedelta(days=int(d))).isoformat() for d in range(cfg.days)],
        dtype=object,
    )
    wl = pd.DataFrame(
        {
            "actor_id": actor_ids[ev["actor"][lab]],
            "day": dates[day[lab]],
            "scenario": scen[ev["scenario"][lab]],
            "incident_id": inc_names[ev["incident"][lab]],
        }
    ).drop_duplicates(ignore_index=True)
    lk = np.flatnonzero(ev["lookalike"] >= 0)
    looks = np.array(LOOKALIKES, dtype=object)
    lookalikes = (
        pd.DataFrame(
            {
                "actor_id": actor_ids[ev["actor"][lk]],
                "day": dates[day[lk]],
                "kind": looks[ev["lookalike"][lk]],
            }
        )
        .drop_duplicates()
        .sort_values(["day", "actor_id", "kind"], ignore_index=True)
    )
    wl = wl.sort_values(["day", "actor_id", "incident_id"], ignore_index=True)
    actors = b.actors.copy()
    actors["active_from"] = dates[np.clip(b.active_from, 0, cfg.days - 1)]
    actors["active_to"] = dates[np.clip(b.active_to, 0, cfg.days - 1)]
    actors = actors.drop(columns=["home_ip", "home_ip2", "v6_ip", "switch_day", "created_ts"])
    ips = pd.DataFrame({"ip": b.ips.ip, "kind": b.ips.kind})
    split = int(np.searchsorted(ev["ts"], cfg.split_ts))
    inc_df = pd.DataFrame(b.incidents)
    per_scen: dict[str, dict[str, int]] = {}
    for s in SCENARIOS:
        if s not in cfg.scenarios:
            continue
        sub = inc_df[inc_df["scenario"] == s] if len(inc_df) else inc_df
        rec = labels[labels["scenario"] == s]
        present = set(rec["incident_id"])
        sub = sub[sub["incident_id"].isin(present)] if len(sub) else sub
        per_scen[s] = {
            "incidents_train": int((sub["period"] == "train").sum()) if len(sub) else 0,
            "incidents_test": int((sub["period"] == "test").sum()) if len(sub) else 0,
            "records": int(len(rec)),
        }
    per_look = {k: int((lookalikes["kind"] == k).sum()) for k in LOOKALIKES}
    manifest = {
        "generator": "pipes_anomaly.generate",
        "seed": cfg.seed,
        "parameters": {
            "days": cfg.days,
            "actors": cfg.actors,
            "orgs": cfg.orgs,
            "train_days": cfg.train_days,
            "start": cfg.start.isoformat(),
            "scenarios": list(cfg.scenarios),
            "attack_rate": cfg.attack_rate,
            "lookalikes": cfg.lookalikes,
        },
        "train_period": {"start": dates[0], "end": dates[cfg.train_days - 1]},
        "test_period": {"start": dates[cfg.train_days], "end": dates[-1]},
        "records": {"total": n, "train": split, "test": n - split},
        "labelled_records": int(lab.size),
        "actors": {r: int((b.a_role == r).sum()) for r in ROLES},
        "scenarios": per_scen,
        "lookalikes": per_look,
    }
    return World(
        config=cfg,
        events=ev,
        actors=actors,
        ips=ips,
        labels=labels,
        window_labels=wl,
        lookalikes=lookalikes,
        manifest=manifest,
        _frags=frags,
    )


def _fragments(b: _Builder) -> dict[str, pa.Array]:
    """Pre-serialised JSON fragments per actor, org, resource, action and extras."""
    a = b.actors
    actor_frag, creator_frag, tpu_frag, plain = [], [], [], {"id": [], "h": [], "n": [], "u": []}
    for row in a.itertuples():
        avatar = f"{AVATAR_API}/{row.handle}/avatar?v={1 + row.Index % 7}"
        actor_frag.append(
            f'"actor_id":"{row.actor_id}","actor_handle":"{row.handle}",'
            f'"actor_display_name":{json_str(row.display_name)},"actor_avatar_url":"{avatar}"'
        )
        creator_frag.append(
            f',"created_by_id":"{row.actor_id}","created_by":{{"id":"{row.actor_id}",'
            f'"handle":"{row.handle}","display_name":{json_str(row.display_name)},'
            f'"avatar_url":"{avatar}","status":"accepted",'
            f'"created_at":"{iso_one(row.created_ts)}","updated_at":"'
            f'{iso_one(row.created_ts + 86400 * (3 + row.Index % 40))}",'
            f'"version_id":{2 + row.Index % 9}}}'
        )
        tpu_frag.append(f'"tp_usernames":["{row.handle}","{row.actor_id}"]')
        plain["id"].append(row.actor_id)
        plain["h"].append(row.handle)
        plain["n"].append(row.display_name)
        plain["u"].append(avatar)
    org_frag = [
        f'"identity_id":"{o}","identity_handle":"{h}","tenant_id":"{TENANT}"'
        for o, h in zip(b.org_id, b.org_handle, strict=True)
    ]
    R = b.R
    n_rows = R["kind"].size
    kind = R["kind"].astype(np.int64)
    ref = np.maximum(R["ref"], 0)
    body = fixed_width(b"", rand_ids(b.rng_ids, n_rows))
    words = b.rng_ids.integers(0, 1000, n_rows)
    nums = pc.cast(pa.array(b.rng_ids.integers(1, 100, n_rows)), pa.string())
    prefix = pa.array([KIND_PREFIX[k] for k in KINDS])
    flat_words = [w for k in KINDS for w in HANDLE_WORDS[k]]
    w_off = np.cumsum([0] + [len(HANDLE_WORDS[k]) for k in KINDS])[:-1]
    w_cnt = np.array([len(HANDLE_WORDS[k]) for k in KINDS])
    word = pc.take(pa.array(flat_words), pa.array(w_off[kind] + words % w_cnt[kind]))
    sep = pc.take(pa.array(["-" if k == "workspace" else "_" for k in KINDS]), pa.array(kind))
    users_id = pa.array(b.users_id)
    users_handle = pa.array(b.users_handle)
    is_user = pa.array(np.isin(kind, [KIND_ID["member"], KIND_ID["wsmember"]]))
    is_org = pa.array(kind == KIND_ID["org"])
    uref = pa.array(np.minimum(ref, len(b.users_id) - 1))
    oref = pa.array(np.minimum(ref, len(b.org_id) - 1))
    org_ids = pa.array(list(b.org_id))
    org_handles = pa.array(list(b.org_handle))
    rid = pc.if_else(
        is_user,
        pc.take(users_id, uref),
        pc.if_else(
            is_org,
            pc.take(org_ids, oref),
            pc.binary_join_element_wise(pc.take(prefix, pa.array(kind)), body, ""),
        ),
    )
    rhandle = pc.if_else(
        is_user,
        pc.take(users_handle, uref),
        pc.if_else(
            is_org, pc.take(org_handles, oref), pc.binary_join_element_wise(word, sep, nums, "")
        ),
    )
    parent = R["parent"]
    has_ws = pa.array(parent >= 0)
    pidx = pa.array(np.maximum(parent, 0))
    ws = pc.if_else(
        has_ws,
        pc.binary_join_element_wise(
            ',"workspace_id":"', pc.take(rid, pidx), '","workspace_handle":"',
            pc.take(rhandle, pidx), '"', "",
        ),
        pa.scalar(""),
    )  # fmt: skip
    row_org = pa.array(np.array(b.team_org)[R["group"]])
    target_frag = pc.binary_join_element_wise(
        '"target_id":"', rid, '","target_handle":"', rhandle, '"', ""
    )
    tdata_frag = pc.binary_join_element_wise(
        '{"id":"', rid, '","handle":"', rhandle, '","identity_id":"', pc.take(org_ids, row_org),
        '"', ws, ',"created_at":"', iso(R["created"]), '"', "",
    )  # fmt: skip
    return {
        "actor": _frag_array(actor_frag),
        "creator": _frag_array(creator_frag),
        "tpu": _frag_array(tpu_frag),
        "actor_id": _frag_array(plain["id"]),
        "actor_handle": _frag_array(plain["h"]),
        "actor_display_name": _frag_array(plain["n"]),
        "actor_avatar_url": _frag_array(plain["u"]),
        "org": _frag_array(org_frag),
        "org_id": _frag_array(list(b.org_id)),
        "org_handle": _frag_array(list(b.org_handle)),
        "target": target_frag,
        "target_id": rid,
        "target_handle": rhandle,
        "tdata": tdata_frag,
        "action": _frag_array([f'"action_type":"{x}"' for x in ACTION_TYPES]),
        "action_name": _frag_array(list(ACTION_TYPES)),
        "state": _frag_array([state_frag(x) for x in ACTION_TYPES]),
        "extra": _frag_array(EXTRA_FRAGS),
        "ip": _frag_array(b.ips.ip),
        "res_org": row_org,
    }


# --------------------------------------------------------------------------------------
# incidents (labelled) and look-alikes (listed, unlabelled)
# --------------------------------------------------------------------------------------

_DELETE_MIX = {
    "workspace.delete": 3, "connection.delete": 4, "pipeline.delete": 4, "datatank.delete": 2,
    "workspace.schema.delete": 2, "workspace.mod.uninstall": 3, "datatank.table.delete": 3,
    "integration.delete": 1, "workspace.aggregator.delete": 1, "connection.permission.delete": 2,
}  # fmt: skip
_TAKEOVER_MIX = {
    "connection.create": 4, "connection.update": 2, "pipeline.create": 3,
    "pipeline.command.run": 3, "integration.create": 2, "connection.permission.create": 2,
    "notifier.create": 1, "workspace.snapshot.create": 1, "datatank.table.create": 1,
    "org.member.add": 1, "workspace.mod.install": 1, "workspace.update": 1,
}  # fmt: skip
_RAPID_ACTIONS = (
    "pipeline.command.run", "connection.create", "org.workspace.member.add",
    "workspace.snapshot.create", "integration.refresh", "connection.update",
    "datatank.table.create", "pipeline.update",
)  # fmt: skip
#: what people put into a scratch workspace, and how each is removed (None: with it)
_SCRATCH_CHILDREN: dict[str, str | None] = {
    "workspace.mod.install": "workspace.mod.uninstall", "connection.create": "connection.delete",
    "workspace.mod.variable.setting.create": None, "workspace.snapshot.create": None,
    "pipeline.create": "pipeline.delete", "workspace.schema.create": "workspace.schema.delete",
    "workspace.aggregator.create": "workspace.aggregator.delete",
}  # fmt: skip
_SCRATCH_WEIGHT = (4, 3, 2, 1, 2, 1, 1)
#: resources created by mistake (wrong plugin, typo, test) and deleted minutes later
_UNDO: dict[str, str] = {
    "connection.create": "connection.delete", "pipeline.create": "pipeline.delete",
    "workspace.schema.create": "workspace.schema.delete",
    "workspace.aggregator.create": "workspace.aggregator.delete",
    "datatank.table.create": "datatank.table.delete",
    "connection.permission.create": "connection.permission.delete",
    "integration.create": "integration.delete", "workspace.mod.install": "workspace.mod.uninstall",
    "datatank.create": "datatank.delete",
}  # fmt: skip
_UNDO_WEIGHT = (5, 3, 2, 1, 2, 2, 1, 3, 1)
#: benign churn per human actor-day: scratch workspace lifecycles, create-then-delete undos
_SCRATCH_RATE = 0.004
_UNDO_RATE = 0.006
#: scenarios whose timing is not the behaviour: days follow the actor's week (few weekends)
#: share of in-workspace creations that go into the team's newest workspace
_NEW_WS_SHARE = 0.12
_TIMED_SCENARIOS = frozenset({"off_hours", "account_takeover", "dormant_reactivation"})

_TRAIN_SCENARIOS = (
    "off_hours", "rapid_succession", "impossible_travel", "actor_mismatch", "billing_change",
    "mass_deletion",
)  # fmt: skip


class _Plan:
    """Plans incidents and look-alikes on real actors and injects their events."""

    def __init__(self, b: _Builder) -> None:
        self.b = b
        self.rng = b.rng_plan
        cfg = b.cfg
        self.T, self.D = cfg.train_days, cfg.days
        size = cfg.actors * cfg.orgs
        self.scale_test = size * (self.D - self.T) / (150 * 18)
        self.scale_train = size * self.T / (150 * 42)
        self.reserved_mask = np.zeros(b.n_actors, dtype=bool)
        self.travellers: list[tuple[int, int, int, list[int]]] = []
        self.dormant: list[tuple[int, int]] = []

    # ---- helpers ----

    def _free(self, a: int, d0: int, d1: int) -> bool:
        busy = self.b.busy.get(a, set())
        return not any(d in busy for d in range(d0 - 1, d1 + 2))

    def pick(self, day: int, *, roles: tuple[str, ...] = ("normal", "power", "admin"),
             span: int = 1) -> int:  # fmt: skip
        """Pick an active actor of ``roles`` free on ``day .. day+span-1``."""
        b = self.b
        span_ok = (b.active_from <= day) & (b.active_to >= day + span - 1) & ~self.reserved_mask
        cands = np.flatnonzero(np.isin(b.a_role, roles) & span_ok)
        if cands.size == 0:
            cands = np.flatnonzero(~b.a_bot & span_ok)
        if cands.size == 0:
            cands = np.flatnonzero(~b.a_bot & ~self.reserved_mask)
        a = int(cands[0])
        for i in self.rng.permutation(cands.size)[:200]:  # random free candidate, bounded
            a = int(cands[i])
            if self._free(a, day, day + span - 1):
                break
        b.busy.setdefault(a, set()).update(range(day, day + span))
        return a

    def day(self, period: str, margin: int = 0) -> int:
        if period == "test":
            return int(self.rng.integers(self.T, max(self.T + 1, self.D - margin)))
        return int(self.rng.integers(1, max(2, self.T - margin)))

    def counts(self, per_test: float, per_train: float, rate: float) -> tuple[int, int]:
        if rate <= 0:
            return 0, 0
        return (max(1, round(rate * per_test * self.scale_test)),
                round(rate * per_train * self.scale_train))  # fmt: skip

    # ---- phase 1: actors whose activity pattern changes (before resources exist) ----

    def reserve(self) -> None:
        b, cfg, rng = self.b, self.b.cfg, self.rng
        n_test, _ = self.counts(4, 0, cfg.attack_rate)
        if "dormant_reactivation" in cfg.scenarios and cfg.attack_rate > 0:
            for _ in range(n_test):
                d = self.day("test")
                a = self.pick(d)
                self.reserved_mask[a] = True
                gap = int(rng.integers(21, 36))
                b.active_to[a] = max(1, d - gap)
                self.dormant.append((a, d))
        if cfg.lookalikes:
            n_look, n_look_train = self.counts(2, 1, 1.0)
            for period, k in (("test", n_look), ("train", n_look_train)):
                for _ in range(k):
                    d = self.day(period, margin=2)
                    while (cfg.start + dt.timedelta(days=d)).weekday() >= 5 and d > 1:
                        d -= 1  # people start on a weekday
                    a = self.pick(d, roles=("normal", "power"), span=3)
                    self.reserved_mask[a] = True
                    b.active_from[a] = d
                    hired = b.t0 + d * DAY - int(rng.integers(2, 20)) * 3600
                    b.actors.at[a, "created_ts"] = hired
                    b.new_hires.append((a, d))

    # ---- phase 2: inject events ----

    def inject(self) -> None:
        cfg = self.b.cfg
        self.n_inc = 0
        if cfg.attack_rate > 0:
            n_test, n_train = self.counts(4, 3, cfg.attack_rate)
            for s in cfg.scenarios:
                if s == "dormant_reactivation":
                    continue
                for _ in range(n_test):
                    self.incident(s, "test", 1.0)
            for a, d in self.dormant:
                self.incident("dormant_reactivation", "test", 1.0, actor=a, day=d)
            train_pool = [s for s in _TRAIN_SCENARIOS if s in cfg.scenarios]
            n_train = max(n_train, 2) if train_pool else 0
            for i in range(n_train):
                self.incident(train_pool[i % len(train_pool)], "train", 0.5)
        if cfg.lookalikes:
            self.lookalikes()
        self.benign_churn()

    def incident(self, s: str, period: str, grade: float, *, actor: int | None = None,
                 day: int | None = None) -> None:  # fmt: skip
        b = self.b
        span = int(self.rng.integers(4, 8)) if s == "low_and_slow" else 1
        if day is None:
            day = self.day(period, margin=span - 1)
            weekend = (b.cfg.start + dt.timedelta(days=day)).weekday() >= 5
            if s not in _TIMED_SCENARIOS and weekend and self.rng.random() < 0.9:
                lo, hi = (self.T, self.D - 1) if period == "test" else (1, self.T - 1)
                day = self._workday(day, lo, hi)
        span = max(1, min(span, self.D - day))
        if actor is None:
            roles = ("normal",) if s == "privilege_escalation" else ("normal", "power", "admin")
            actor = self.pick(day, roles=roles, span=span)
        iid = f"inc-{self.n_inc + 1:04d}"
        inc = self.n_inc
        self.n_inc += 1
        b.incidents.append(dict(incident_id=iid, scenario=s, actor_id=b.users_id[actor],
                                day=(b.cfg.start + dt.timedelta(days=day)).isoformat(),
                                period=period))  # fmt: skip
        kw = dict(scenario=SCENARIOS.index(s), incident=inc)
        getattr(self, "_" + s)(actor, day, grade, kw, span)

    def _gap(self, lo: float, hi: float) -> int:
        return int(self.rng.uniform(lo, hi))

    def _weighted(self, mix: dict[str, float], n: int) -> list[str]:
        keys = list(mix)
        p = np.array([mix[k] for k in keys], dtype=float)
        return [keys[i] for i in self.rng.choice(len(keys), size=n, p=p / p.sum())]

    # ---- scenarios ----

    def _mass_deletion(self, a: int, d: int, g: float, kw: dict, span: int) -> None:
        b = self.b
        t, ip = b.local_ts(a, d, b.work_hour(a)), b.usual_ip(a, d)
        for act in self._weighted(_DELETE_MIX, max(5, int(self.rng.integers(12, 40) * g))):
            b.add(t, a, act, ip, min_age=3600, **kw)
            t += self._gap(4, 80)

    def _short_lived_workspace(self, a: int, d: int, g: float, kw: dict, span: int) -> None:
        b, rng = self.b, self.rng
        t = b.local_ts(a, d, b.work_hour(a))
        ip = b.usual_ip(a, d) if rng.random() < 0.5 else b.new_ip()
        team = int(b.a_team[a])
        for _ in range(max(1, int(rng.integers(1, 4) * g))):
            ws = b.new_row("workspace", team, t, explicit=True)
            b.add(t, a, "workspace.create", ip, target=ws, **kw)
            t += self._gap(20, 150)
            mod = b.new_row("mod", team, t, parent=ws, explicit=True)
            b.add(t, a, "workspace.mod.install", ip, target=mod, **kw)
            if rng.random() < 0.6:
                t += self._gap(10, 120)
                mv = b.new_row("modvar", team, t, parent=ws, explicit=True)
                b.add(t, a, "workspace.mod.variable.setting.create", ip, target=mv, **kw)
                b.explicit_deleted[mv] = t + 1
            if rng.random() < 0.4:
                t += self._gap(20, 200)
                snap = b.new_row("snapshot", team, t, parent=ws, explicit=True)
                b.add(t, a, "workspace.snapshot.create", ip, target=snap, **kw)
                b.explicit_deleted[snap] = t + 1
            t += self._gap(60, 900)
            if rng.random() < 0.5:
                b.add(t, a, "workspace.mod.uninstall", ip, target=mod, **kw)
                t += self._gap(5, 60)
            b.explicit_deleted[mod] = t
            b.add(t, a, "workspace.delete", ip, target=ws, **kw)
            b.explicit_deleted[ws] = t
            t += self._gap(120, 1800)

    def _off_hours(self, a: int, d: int, g: float, kw: dict, span: int) -> None:
        b, rng = self.b, self.rng
        hour = float(rng.uniform(0.5, min(4.5, b.a_bs[a] - 3.0)))
        t = b.local_ts(a, d, hour)
        ip = int(b.actors.at[a, "home_ip"])
        acts: list = b.sample_actions(a, max(3, int(rng.integers(6, 20) * g)))
        for i in rng.choice(len(acts), size=min(2, len(acts)), replace=False):
            acts[i] = str(rng.choice(["connection.create", "connection.permission.create",
                                      "pipeline.delete", "workspace.delete"]))  # fmt: skip
        for act in acts:
            b.add(t, a, act, ip, min_age=3600, **kw)
            t += self._gap(20, 400)

    def _impossible_travel(self, a: int, d: int, g: float, kw: dict, span: int) -> None:
        b, rng = self.b, self.rng
        t = b.local_ts(a, d, b.work_hour(a))
        ip1, ip2 = b.usual_ip(a, d), b.new_ip()
        for act in b.sample_actions(a, int(rng.integers(2, 6))):
            b.add(t, a, act, ip1, **kw)
            t += self._gap(30, 300)
        for act in b.sample_actions(a, max(3, int(rng.integers(4, 12) * g))):
            b.add(t, a, act, ip2 if rng.random() < 0.7 else ip1, **kw)
            t += self._gap(20, 500)

    def _account_takeover(self, a: int, d: int, g: float, kw: dict, span: int) -> None:
        b, rng = self.b, self.rng
        t = b.t0 + d * DAY + int(rng.uniform(0, DAY - 7200))
        ips = [b.new_ip() for _ in range(int(rng.integers(1, 3)))]
        for act in self._weighted(_TAKEOVER_MIX, max(4, int(rng.integers(8, 25) * g))):
            b.add(t, a, act, ips[int(rng.integers(len(ips)))], **kw)
            t += self._gap(15, 400)

    def _privilege_escalation(self, a: int, d: int, g: float, kw: dict, span: int) -> None:
        b, rng = self.b, self.rng
        t, ip = b.local_ts(a, d, b.work_hour(a)), b.usual_ip(a, d)
        org = int(b.a_org[a])
        b.add(t, a, "org.member.update", ip, target=int(b.member_row[a]),
              extra=extra_index("org.member.update", '"owner"'), **kw)  # fmt: skip
        teams = [g_ for g_ in range(b.n_teams) if b.team_org[g_] == org and g_ != b.a_team[a]]
        for g_ in rng.choice(teams, size=min(len(teams), int(rng.integers(2, 6))), replace=False):
            t += self._gap(20, 240)
            ws = b.core_ws[int(g_)]
            b.add(t, a, "org.workspace.member.add", ip, group=int(g_), ref=a,
                  parent=ws[int(rng.integers(len(ws)))],
                  extra=extra_index("org.workspace.member.add", '"owner"'), **kw)  # fmt: skip
        for _ in range(int(rng.integers(0, 3))):
            t += self._gap(20, 240)
            b.add(t, a, "org.workspace.member.update", ip,
                  extra=extra_index("org.workspace.member.update", '"owner"'), **kw)  # fmt: skip
        if rng.random() < 0.5:
            t += self._gap(20, 240)
            b.add(t, a, "org.member.add", ip,
                  extra=extra_index("org.member.add", '"owner"'), **kw)  # fmt: skip

    def _workspace_sprawl(self, a: int, d: int, g: float, kw: dict, span: int) -> None:
        b, rng = self.b, self.rng
        t, ip = b.local_ts(a, d, b.work_hour(a) - 1.0), b.usual_ip(a, d)
        org = int(b.a_org[a])
        pool = [(g_, w) for g_ in range(b.n_teams) if b.team_org[g_] == org
                and g_ != b.a_team[a] for w in b.core_ws[g_]]  # fmt: skip
        k = min(len(pool), max(4, int(rng.integers(8, 20) * g)))
        for i in rng.choice(len(pool), size=k, replace=False):
            g_, w = pool[int(i)]
            for _ in range(int(rng.integers(1, 3))):
                act = str(rng.choice(["workspace.update", "workspace.snapshot.create",
                                      "workspace.mod.install",
                                      "workspace.mod.variable.setting.create"]))  # fmt: skip
                if act == "workspace.update":
                    b.add(t, a, act, ip, target=w, group=int(g_), **kw)
                else:
                    b.add(t, a, act, ip, parent=w, group=int(g_), **kw)
                t += self._gap(30, 600)

    def _actor_mismatch(self, a: int, d: int, g: float, kw: dict, span: int) -> None:
        b, rng = self.b, self.rng
        t, ip = b.local_ts(a, d, b.work_hour(a)), b.usual_ip(a, d)
        others = [int(x) for x in np.flatnonzero(~b.a_bot & (b.a_org == b.a_org[a])) if x != a]
        forged = int(rng.choice(others))
        for act in b.sample_actions(a, max(2, int(rng.integers(2, 7) * g))):
            b.add(t, a, act, ip, creator=forged, **kw)
            t += self._gap(60, 1800)

    def _rapid_succession(self, a: int, d: int, g: float, kw: dict, span: int) -> None:
        b, rng = self.b, self.rng
        t, ip = b.local_ts(a, d, b.work_hour(a)), b.usual_ip(a, d)
        act = str(rng.choice(_RAPID_ACTIONS))
        for _ in range(max(10, int(rng.integers(20, 60) * g))):
            b.add(t, a, act, ip, **kw)
            t += self._gap(1, 7)

    def _dormant_reactivation(self, a: int, d: int, g: float, kw: dict, span: int) -> None:
        b, rng = self.b, self.rng
        t = b.local_ts(a, d, b.work_hour(a))
        ip = b.new_ip() if rng.random() < 0.6 else int(b.actors.at[a, "home_ip"])
        acts: list = b.sample_actions(a, int(rng.integers(5, 15)))
        acts[0] = str(rng.choice(["connection.create", "pipeline.create", "integration.create"]))
        for act in acts:
            b.add(t, a, act, ip, **kw)
            t += self._gap(30, 900)

    def _billing_change(self, a: int, d: int, g: float, kw: dict, span: int) -> None:
        b, rng = self.b, self.rng
        t = b.local_ts(a, d, b.work_hour(a) + float(rng.uniform(-3, 3)))
        ip = b.new_ip()
        acts = ["org.billing.payment_method.create"]
        if rng.random() < 0.7:
            acts.append("workspace.upgrade")
        if rng.random() < 0.4:
            acts.insert(0, "org.update")
        for act in acts:
            b.add(t, a, act, ip, **kw)
            t += self._gap(30, 600)

    def _low_and_slow(self, a: int, d: int, g: float, kw: dict, span: int) -> None:
        b = self.b
        for k in range(span):
            if k and (b.cfg.start + dt.timedelta(days=d + k)).weekday() >= 5:
                continue  # blends into the actor's working week
            ip = b.usual_ip(a, d + k)
            n_conn = round(g * (1 + 0.5 * k))
            n_run = round(g * (2 + 1.5 * k))
            acts = ["connection.create"] * n_conn + ["pipeline.command.run"] * n_run
            for act in acts:
                b.add(b.local_ts(a, d + k, b.work_hour(a)), a, act, ip, **kw)

    # ---- benign churn (ordinary activity, neither labelled nor listed) ----

    def benign_churn(self) -> None:
        """Scratch workspaces and create-then-delete undos by ordinary people.

        Real organisations create test workspaces, put a mod or a connection in
        them and tear them down within hours or a day, and delete a resource
        made by mistake minutes after creating it.  Without this, young deletes
        and short-lived populated workspaces would only ever be attacks.
        """
        b, rng = self.b, self.b.rng_churn
        humans = np.flatnonzero(~b.a_bot)
        if humans.size == 0:
            return
        weight = np.select(
            [b.a_role[humans] == "power", b.a_role[humans] == "admin"], [3.0, 2.0], 1.0
        )
        weight = weight / weight.sum()
        actor_days = humans.size * self.D
        for kind, rate in (("scratch", _SCRATCH_RATE), ("undo", _UNDO_RATE)):
            n = int(rng.poisson(rate * actor_days))
            who = humans[rng.choice(humans.size, size=n, p=weight)]
            u = rng.random(n)
            for a, x in zip(who.tolist(), u.tolist(), strict=True):
                lo, hi = int(b.active_from[a]), int(b.active_to[a])
                if hi < lo:
                    continue
                d = self._workday(lo + int(x * (hi - lo + 1)), lo, hi)
                if kind == "scratch":
                    self._scratch_workspace(a, d, rng)
                else:
                    self._undo(a, d, rng)

    def _workday(self, d: int, lo: int, hi: int) -> int:
        """Move a weekend day ``d`` to the nearest weekday within ``[lo, hi]``."""
        start = self.b.cfg.start
        for step in (0, -1, 1, -2, 2):
            c = d + step
            if lo <= c <= hi and (start + dt.timedelta(days=c)).weekday() < 5:
                return c
        return d

    def _churn_ts(self, a: int, d: int, rng: np.random.Generator) -> int:
        b = self.b
        hour = float(rng.uniform(b.a_bs[a] + 0.3, b.a_be[a] - 1.0))
        return int(b.t0 + d * DAY + hour * 3600.0 + rng.uniform(0, 60) - b.a_tz[a] * 60)

    def _scratch_workspace(self, a: int, d: int, rng: np.random.Generator) -> None:
        b = self.b
        team, ip = int(b.a_team[a]), b.usual_ip(a, d)
        t = self._churn_ts(a, d, rng)
        ws = b.new_row("workspace", team, t, explicit=True)
        b.add(t, a, "workspace.create", ip, target=ws)
        acts = list(_SCRATCH_CHILDREN)
        p = np.array(_SCRATCH_WEIGHT, dtype=float)
        k = int(rng.integers(1, 5))
        children = []
        for i in rng.choice(len(acts), size=k, replace=False, p=p / p.sum()):
            act = acts[int(i)]
            t += int(rng.uniform(30, 1200))
            row = b.new_row(ACTION_SPEC[act][0], team, t, parent=ws, explicit=True)
            b.add(t, a, act, ip, target=row)
            children.append((act, row))
            if act == "pipeline.create" and rng.random() < 0.6:
                for _ in range(int(rng.integers(1, 4))):
                    t += int(rng.uniform(20, 600))
                    b.add(t, a, "pipeline.command.run", ip, target=row)
        u = rng.random()  # lifetime: within the session, later that day, or days later
        if u < 0.35:
            t_del, d_del = t + int(rng.uniform(600, 5400)), d
        elif u < 0.7:
            t_del, d_del = t + int(rng.uniform(5400, 25_200)), d
        else:
            d_del = self._workday(d + int(rng.integers(1, 4)), d + 1, self.D + 6)
            t_del = max(t + 3600, self._churn_ts(a, d_del, rng))
        ip = b.usual_ip(a, min(d_del, self.D - 1))
        for act, row in children:
            undo = _SCRATCH_CHILDREN[act]
            if undo is not None and rng.random() < 0.4:
                b.add(t_del, a, undo, ip, target=row)
                t_del += int(rng.uniform(5, 90))
            b.explicit_deleted[row] = t_del
        b.add(t_del, a, "workspace.delete", ip, target=ws)
        b.explicit_deleted[ws] = t_del

    def _undo(self, a: int, d: int, rng: np.random.Generator) -> None:
        b = self.b
        team, ip = int(b.a_team[a]), b.usual_ip(a, d)
        acts = list(_UNDO)
        p = np.array(_UNDO_WEIGHT, dtype=float)
        act = acts[int(rng.choice(len(acts), p=p / p.sum()))]
        kind = ACTION_SPEC[act][0]
        ws = b.core_ws[team]
        parent = ws[int(rng.integers(len(ws)))] if kind in IN_WORKSPACE else -1
        t = self._churn_ts(a, d, rng)
        row = b.new_row(kind, team, t, parent=parent, explicit=True)
        b.add(t, a, act, ip, target=row)
        if rng.random() < 0.3:  # a fix attempt before giving up
            t += int(rng.uniform(30, 900))
            other = {
                "connection": "connection.update",
                "pipeline": "pipeline.update",
                "dtable": "datatank.table.update",
                "aggregator": "workspace.aggregator.update",
            }
            if kind in other:
                b.add(t, a, other[kind], ip, target=row)
        t += int(rng.uniform(40, 2400))
        b.add(t, a, _UNDO[act], ip, target=row)
        b.explicit_deleted[row] = t

    # ---- look-alikes ----

    def lookalikes(self) -> None:
        b, rng = self.b, self.rng
        n_test, n_train = self.counts(2, 1, 1.0)
        L = {k: LOOKALIKES.index(k) for k in LOOKALIKES}
        for a, d in b.new_hires:  # an admin adds the new hire, who starts that day
            admin = self.pick(d, roles=("admin",))
            t = b.local_ts(admin, d, b.a_bs[admin] + float(rng.uniform(0.2, 1.5)))
            b.add(t, admin, "org.member.add", b.usual_ip(admin, d),
                  target=int(b.member_row[a]), look=L["new_hire"])  # fmt: skip
            t = b.local_ts(a, d, b.a_bs[a] + float(rng.uniform(2.0, 4.0)))
            for act in b.sample_actions(a, int(rng.integers(3, 8))):
                b.add(t, a, act, b.usual_ip(a, d), look=L["new_hire"])
                t += self._gap(60, 1500)
        for period, k in (("test", n_test), ("train", n_train)):
            for _ in range(k):
                self._admin_cleanup(self.day(period), L["admin_cleanup"])
                self._traveller(self.day(period, margin=3), L["traveller"])
                self._oncall(self.day(period, margin=1), L["oncall_reboots"])
                self._bulk_onboarding(self.day(period), L["bulk_onboarding"])
        self._month_end(L["month_end_runs"])

    def _admin_cleanup(self, d: int, look: int) -> None:
        b, rng = self.b, self.rng
        a = self.pick(d, roles=("admin",))
        t, ip = b.local_ts(a, d, b.work_hour(a) - 1.0), b.usual_ip(a, d)
        for act in self._weighted(_DELETE_MIX, int(rng.integers(12, 35))):
            b.add(t, a, act, ip, min_age=14 * DAY, look=look)
            t += self._gap(60, 600)

    def _traveller(self, d: int, look: int) -> None:
        b, rng = self.b, self.rng
        span = int(min(rng.integers(2, 6), self.D - d))
        a = self.pick(d, span=span)
        ips = [int(b.ips.mint(str(rng.choice(["home", "mobile"])))[0])
               for _ in range(int(rng.integers(1, 3)))]  # fmt: skip
        self.travellers.append((a, d, span, ips))
        t = b.local_ts(a, d, b.work_hour(a))
        for act in b.sample_actions(a, int(rng.integers(3, 7))):
            b.add(t, a, act, ips[0], look=look)
            t += self._gap(60, 1500)

    def _oncall(self, d: int, look: int) -> None:
        b, rng = self.b, self.rng
        a = self.pick(d, roles=("power", "admin"))
        t = b.local_ts(a, d, float(rng.uniform(21.5, 23.5)))
        ip = int(b.actors.at[a, "home_ip"])
        acts = ["workspace.reboot"] * int(rng.integers(6, 16))
        acts += [
            str(x)
            for x in rng.choice(
                [
                    "workspace.update",
                    "integration.refresh",
                    "pipeline.command.run",
                    "workspace.usage.enable",
                ],
                int(rng.integers(2, 7)),
            )
        ]
        for i in rng.permutation(len(acts)):
            b.add(t, a, acts[int(i)], ip, look=look)
            t += self._gap(60, 1200)

    def _bulk_onboarding(self, d: int, look: int) -> None:
        b, rng = self.b, self.rng
        a = self.pick(d, roles=("admin",))
        t, ip = b.local_ts(a, d, b.work_hour(a)), b.usual_ip(a, d)
        team = int(b.a_team[a])
        org = int(b.a_org[a])
        for _ in range(int(rng.integers(10, 31))):
            user = b.new_user(org)
            row = b.new_row("member", team, t, ref=user)
            b.add(t, a, "org.member.add", ip, target=row, look=look)
            t += self._gap(10, 120)
            g_ = int(rng.choice([g for g in range(b.n_teams) if b.team_org[g] == org]))
            ws = b.core_ws[g_]
            b.add(t, a, "org.workspace.member.add", ip, group=g_, ref=user,
                  parent=ws[int(rng.integers(len(ws)))], look=look)  # fmt: skip
            t += self._gap(10, 200)

    def _month_end(self, look: int) -> None:
        b, rng, cfg = self.b, self.rng, self.b.cfg
        dates = [cfg.start + dt.timedelta(days=d) for d in range(self.D)]
        n = max(2, round(3 * cfg.actors * cfg.orgs / 150))
        for d, date in enumerate(dates):
            nxt = date + dt.timedelta(days=1)
            while nxt.weekday() >= 5:
                nxt += dt.timedelta(days=1)
            if date.weekday() >= 5 or nxt.month == date.month:
                continue
            for _ in range(n):
                a = self.pick(d, roles=("power",))
                ip = b.usual_ip(a, d)
                for _ in range(int(rng.integers(12, 36))):
                    b.add(b.local_ts(a, d, b.work_hour(a)), a, "pipeline.command.run", ip,
                          look=look)  # fmt: skip
            bots = np.flatnonzero(b.a_bot)
            if bots.size:
                a = int(rng.choice(bots))
                ip = int(b.actors.at[a, "home_ip"])
                for _ in range(int(rng.integers(20, 41))):
                    b.add(b.t0 + d * DAY + int(rng.uniform(0, DAY)), a,
                          "pipeline.command.run", ip, look=look)  # fmt: skip

    def apply_traveller(self, ev: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Move travellers' ordinary activity onto their trip's networks."""
        b = self.b
        day = (ev["ts"] - b.t0) // DAY
        for a, d, span, ips in self.travellers:
            m = np.flatnonzero((ev["actor"] == a) & (day >= d) & (day < d + span))
            ev["ip"][m] = np.array(ips)[self.rng.integers(0, len(ips), m.size)]
            ev["lookalike"][m] = LOOKALIKES.index("traveller")
        return ev
