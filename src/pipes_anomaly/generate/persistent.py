"""Actors that are odd from the first day: persistent attackers and odd benign actors.

A persistent attacker (labelled, one incident each) is there from the first
training day to the end: a stolen account used from the attacker's own
addresses, a forging integration, nightly sessions, or a slow build-up of
access, a session every few days in the scenario's subtle form.  Odd benign
actors (listed as look-alikes on every day they act) are a shared account used
by several people from their own homes and time zones, and a broken bot that
falls into retry storms.  Neither has a normal of its own to be compared with.
"""

from __future__ import annotations

import numpy as np

from pipes_anomaly.generate.config import DAY, SATURDAY, GenerateConfig, day_date
from pipes_anomaly.generate.inject import Injector
from pipes_anomaly.generate.plan import Incident, Planner, workday
from pipes_anomaly.generate.scenarios import new_incident
from pipes_anomaly.generate.subtle import SUBTLE_FUNCS
from pipes_anomaly.schema import LOOKALIKES, Scenario

#: chance that an odd actor is a broken bot (when the organisation has a free bot)
_BROKEN_BOT_SHARE = 0.5
#: scenarios a persistent attacker follows, in turn
PERSISTENT_SCENARIOS = ("account_takeover", "actor_mismatch", "off_hours", "low_and_slow")
#: scenarios whose sessions may fall on any day; the others keep to the working week
_ANY_DAY = frozenset({"off_hours"})
#: days between a persistent attacker's sessions (range, end excluded)
_SESSION_GAP_DAYS = (2, 7)
#: severity of a persistent attacker's sessions
_GRADE = 0.5
#: people sharing a shared account besides its owner (range, end excluded), the share of
#: working days each of them uses it, and their working day (local hours)
_SHARERS, _SHARER_DAY_SHARE, _SHARER_HOURS = (1, 4), 0.5, (8.0, 18.0)
#: share of a broken bot's days with a retry storm, repeats per storm (range), and the
#: share of storms from a new address of its cloud
_STORM_DAY_SHARE, _STORM_REPEATS, _STORM_NEW_IP = 0.3, (20, 80), 0.3


def reserve_persistent(cfg: GenerateConfig, plan: Planner) -> list[tuple[int, str]]:
    """Reserve the odd actors (``org.odd``) and the persistent attackers.

    Returns
    -------
    list of (int, str)
        ``(actor, scenario)`` of each persistent attacker.
    """
    org, rng = plan.org, plan.rng
    for o in range(cfg.orgs):
        for _ in range(cfg.odd_actors if cfg.lookalikes else 0):
            bots = np.flatnonzero(org.a_bot & (org.a_org == o) & ~plan.reserved_mask)
            # the organisation's last free service account stays sound: it can be misused
            if bots.size > 1 and rng.random() < _BROKEN_BOT_SHARE:
                a, kind = int(rng.choice(bots)), "broken_bot"
            else:
                a, kind = _whole_timeline_person(plan, o), "shared_account"
            if a >= 0:
                plan.reserve(a)
                org.odd[a] = kind
    pool = [s for s in PERSISTENT_SCENARIOS if s in cfg.scenarios]
    attackers = []
    if pool and cfg.attack_rate > 0:
        for i in range(cfg.persistent_attackers):
            a = _whole_timeline_person(plan, int(rng.integers(cfg.orgs)))
            if a >= 0:
                plan.reserve(a)
                attackers.append((a, pool[i % len(pool)]))
    return attackers


def _whole_timeline_person(plan: Planner, o: int) -> int:
    """Pick a free person of organisation ``o`` active every day (-1 if none is left)."""
    org = plan.org
    ok = ~org.a_bot & (org.a_org == o) & ~plan.reserved_mask
    ok &= (org.active_from == 0) & (org.active_to == plan.D - 1)
    busy = np.array([bool(plan.busy.get(int(a))) for a in range(org.n_actors)])
    cands = np.flatnonzero(ok & ~busy)
    cands = cands if cands.size else np.flatnonzero(ok)
    return int(plan.rng.choice(cands)) if cands.size else -1


def inject_persistent(cfg: GenerateConfig, plan: Planner, inj: Injector,
                      attackers: list[tuple[int, str]], incidents: list[dict]) -> None:  # fmt: skip
    """Write every persistent attacker's sessions and the odd actors' oddities."""
    rng = plan.rng
    for a, s in attackers:
        d = int(rng.integers(0, 2))
        tags = new_incident(cfg, inj, incidents, s, "persistent", "persistent", a, d)
        own = tuple(inj.new_ip() for _ in range(int(rng.integers(1, 3))))
        while d < plan.D:
            gap = int(rng.integers(*_SESSION_GAP_DAYS))
            span = min(gap, plan.D - d) if s == "low_and_slow" else 1
            day = d if s in _ANY_DAY else workday(cfg, d, 0, plan.D - 1)
            SUBTLE_FUNCS[Scenario(s)](plan, inj, Incident(a, day, _GRADE, span, tags, own))
            d += gap
    for a, kind in plan.org.odd.items():
        look = LOOKALIKES.index(kind)
        if kind == "shared_account":
            _shared_account(cfg, plan, inj, a, look)
        else:
            _broken_bot(plan, inj, a, look)


def _shared_account(cfg: GenerateConfig, p: Planner, e: Injector, a: int, look: int) -> None:
    """Other people use account ``a`` too, each from home, in their own zone and hours."""
    rng, org = p.rng, e.org
    for _ in range(int(rng.integers(*_SHARERS))):
        tz = int(rng.choice(cfg.time_zones))
        home = int(e.ips.mint("home")[0])
        for d in range(p.D):
            if day_date(cfg.start, d).weekday() >= SATURDAY or rng.random() > _SHARER_DAY_SHARE:
                continue
            hour = float(rng.uniform(*_SHARER_HOURS))
            t = org.t0 + d * DAY + int(hour * 3600 - tz * 60)
            for act in e.sample_actions(a, int(rng.integers(1, 6))):
                e.add(t, a, act, home, look=look)
                t += p.gap(60, 1200)


def _broken_bot(p: Planner, e: Injector, a: int, look: int) -> None:
    """Bot ``a`` falls into retry storms: one action dozens of times, seconds apart."""
    rng, org = p.rng, e.org
    failed = org.actions.has("login.failed")
    for d in range(p.D):
        if rng.random() > _STORM_DAY_SHARE:
            continue
        ip = int(org.a_home[a])
        if rng.random() < _STORM_NEW_IP:
            ip = int(e.ips.mint_near(ip, 2)[0])
        act = e.sample_actions(a, 1)[0]
        t = org.t0 + d * DAY + int(rng.uniform(0, DAY - 3600))
        for _ in range(int(rng.integers(*_STORM_REPEATS))):
            e.add(t, a, "login.failed" if failed and rng.random() < 0.2 else act, ip, look=look)
            t += p.gap(2, 10)
