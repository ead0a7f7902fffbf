"""Benign look-alikes (listed, never labelled) and benign churn (ordinary activity).

Look-alikes are real behaviours that resemble an attack: a new hire's first days,
an admin's bulk cleanup, a traveller on new networks, on-call reboots at night,
bulk onboarding and month-end pipeline runs.  Churn is what makes young deletes
and short-lived populated workspaces ordinary: scratch workspaces torn down
minutes to days later, and resources created by mistake and deleted at once.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np

from pipes_anomaly.generate.config import DAY, SATURDAY, GenerateConfig, day_date, is_weekend
from pipes_anomaly.generate.inject import Injector
from pipes_anomaly.generate.plan import REFERENCE_ACTORS, Planner, workday
from pipes_anomaly.generate.vocabulary import ACTION_SPEC, DELETE_MIX, IN_WORKSPACE
from pipes_anomaly.schema import LOOKALIKES

#: look-alikes per period at the reference size: test, training
_PER_TEST, _PER_TRAIN = 2, 1
#: a new hire's first days, listed as a look-alike
NEW_HIRE_DAYS = 3
#: a new hire's account is made this many hours before their first day (range)
_HIRED_HOURS_BEFORE = (2, 20)
#: an admin cleanup deletes resources at least this old (seconds)
_CLEANUP_MIN_AGE = 14 * DAY
#: local hours on-call reboots start within
_ONCALL_START_H, _ONCALL_END_H = 21.5, 23.5
#: what an on-call person does besides rebooting
_ONCALL_OTHER = ["workspace.update", "integration.refresh", "pipeline.command.run",
                 "workspace.usage.enable"]  # fmt: skip
#: month-end runners per ``REFERENCE_ACTORS`` actors
_MONTH_END_RUNNERS = 3
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
#: the update a fix attempt makes before the undo, by kind
_FIX_ATTEMPT = {
    "connection": "connection.update",
    "pipeline": "pipeline.update",
    "dtable": "datatank.table.update",
    "aggregator": "workspace.aggregator.update",
}
#: benign churn per human actor-day: scratch workspace lifecycles, create-then-delete undos
_SCRATCH_RATE = 0.004
_UNDO_RATE = 0.006
#: churn happens this long after the day starts and before it ends (hours)
_CHURN_AFTER_START_H, _CHURN_BEFORE_END_H = 0.3, 1.0
#: a scratch workspace is deleted at the latest this many days after the timeline
_SCRATCH_GRACE_DAYS = 6


class Trip(NamedTuple):
    """A traveller's trip: actor, first day, days, and the trip's addresses."""

    actor: int
    day: int
    span: int
    ips: list[int]


def reserve_new_hires(cfg: GenerateConfig, plan: Planner) -> list[tuple[int, int]]:
    """Reserve the new hires: no activity before their first day, accounts made just before.

    The new-hire look-alikes (``lookalike_rate``), then the joiners (``joiner_share``
    of the people).

    Returns
    -------
    list of (int, int)
        ``(actor, first day)`` of each new hire.
    """
    new_hires: list[tuple[int, int]] = []
    rate = cfg.lookalike_rate if cfg.lookalikes else 0.0
    n_look, n_look_train = plan.counts(_PER_TEST, _PER_TRAIN, rate)
    for period, k in (("test", n_look), ("train", n_look_train)):
        for _ in range(k):
            new_hires.append(_hire(cfg, plan, plan.day(period, margin=NEW_HIRE_DAYS - 1)))
    n_join = round(cfg.joiner_share * int((~plan.org.a_bot).sum()))
    for _ in range(n_join):
        new_hires.append(_hire(cfg, plan, int(plan.rng.integers(1, max(2, plan.D - 1)))))
    return new_hires


def _hire(cfg: GenerateConfig, plan: Planner, d: int) -> tuple[int, int]:
    """Reserve a person who starts on day ``d`` (moved back to a weekday)."""
    org = plan.org
    while is_weekend(cfg.start, d) and d > 1:
        d -= 1  # people start on a weekday
    a = plan.pick(d, roles=("normal", "power"), span=NEW_HIRE_DAYS)
    plan.reserve(a)
    org.active_from[a] = d
    hired = org.t0 + d * DAY - int(plan.rng.integers(*_HIRED_HOURS_BEFORE)) * 3600
    org.actors.at[a, "created_ts"] = hired
    return a, d


def inject_new_hires(plan: Planner, inj: Injector, new_hires: list[tuple[int, int]],
                     listed: bool) -> None:  # fmt: skip
    """Write each new hire's first day (listed as ``new_hire`` when ``listed``)."""
    look = LOOKALIKES.index("new_hire") if listed else -1
    for a, d in new_hires:
        _new_hire(plan, inj, a, d, look)


def inject_lookalikes(cfg: GenerateConfig, plan: Planner, inj: Injector) -> list[Trip]:
    """Write every classic look-alike's events; return the travellers' trips."""
    n_test, n_train = plan.counts(_PER_TEST, _PER_TRAIN, cfg.lookalike_rate)
    look = {k: LOOKALIKES.index(k) for k in LOOKALIKES}
    trips = []
    for period, k in (("test", n_test), ("train", n_train)):
        for _ in range(k):
            _admin_cleanup(plan, inj, plan.day(period), look["admin_cleanup"])
            trips.append(_traveller(plan, inj, plan.day(period, margin=3), look["traveller"]))
            _oncall(plan, inj, plan.day(period, margin=1), look["oncall_reboots"])
            _bulk_onboarding(plan, inj, plan.day(period), look["bulk_onboarding"])
    if cfg.lookalike_rate > 0:
        _month_end(cfg, plan, inj, look["month_end_runs"])
    return trips


def _new_hire(p: Planner, e: Injector, a: int, d: int, look: int) -> None:
    """Have an admin add the new hire, who starts that day."""
    rng, org = p.rng, e.org
    admin = p.pick(d, roles=("admin",))
    t = e.local_ts(admin, d, org.a_bs[admin] + float(rng.uniform(0.2, 1.5)))
    row = int(e.res.member_row[a])
    e.res.cols["creator"][row] = admin  # the membership names the admin who added it
    e.add(t, admin, "org.member.add", e.usual_ip(admin, d), target=row, look=look)
    t = e.local_ts(a, d, org.a_bs[a] + float(rng.uniform(2.0, 4.0)))
    for act in e.sample_actions(a, int(rng.integers(3, 8))):
        e.add(t, a, act, e.usual_ip(a, d), look=look)
        t += p.gap(60, 1500)


def _admin_cleanup(p: Planner, e: Injector, d: int, look: int) -> None:
    """Have an admin delete a batch of old resources."""
    a = p.pick(d, roles=("admin",))
    t, ip = e.local_ts(a, d, e.work_hour(a) - 1.0), e.usual_ip(a, d)
    for act in p.weighted(DELETE_MIX, int(p.rng.integers(12, 35))):
        e.add(t, a, act, ip, min_age=_CLEANUP_MIN_AGE, look=look)
        t += p.gap(60, 600)


def _traveller(p: Planner, e: Injector, d: int, look: int) -> Trip:
    """Someone works from new home or mobile networks for a few days."""
    rng = p.rng
    span = int(min(rng.integers(2, 6), p.D - d))
    a = p.pick(d, span=span)
    ips = [int(e.ips.mint(str(rng.choice(["home", "mobile"])))[0])
           for _ in range(int(rng.integers(1, 3)))]  # fmt: skip
    t = e.local_ts(a, d, e.work_hour(a))
    for act in e.sample_actions(a, int(rng.integers(3, 7))):
        e.add(t, a, act, ips[0], look=look)
        t += p.gap(60, 1500)
    return Trip(a, d, span, ips)


def _oncall(p: Planner, e: Injector, d: int, look: int) -> None:
    """Have a power user or admin reboot workspaces late at night from home."""
    rng = p.rng
    a = p.pick(d, roles=("power", "admin"))
    t = e.local_ts(a, d, float(rng.uniform(_ONCALL_START_H, _ONCALL_END_H)))
    ip = int(e.org.actors.at[a, "home_ip"])
    acts = ["workspace.reboot"] * int(rng.integers(6, 16))
    acts += [str(x) for x in rng.choice(_ONCALL_OTHER, int(rng.integers(2, 7)))]
    for i in rng.permutation(len(acts)):
        e.add(t, a, acts[int(i)], ip, look=look)
        t += p.gap(60, 1200)


def _bulk_onboarding(p: Planner, e: Injector, d: int, look: int) -> None:
    """Have an admin invite many users and add each to a workspace."""
    rng, org = p.rng, e.org
    a = p.pick(d, roles=("admin",))
    t, ip = e.local_ts(a, d, e.work_hour(a)), e.usual_ip(a, d)
    team = int(org.a_team[a])
    o = int(org.a_org[a])
    for _ in range(int(rng.integers(10, 31))):
        user = e.new_user(o)
        row = e.res.add("member", team, t, ref=user)
        e.add(t, a, "org.member.add", ip, target=row, look=look)
        t += p.gap(10, 120)
        g_ = int(rng.choice([g for g in range(org.n_teams) if org.team_org[g] == o]))
        ws = e.res.core_ws[g_]
        e.add(t, a, "org.workspace.member.add", ip, group=g_, ref=user,
              parent=ws[int(rng.integers(len(ws)))], look=look)  # fmt: skip
        t += p.gap(10, 200)


def _month_end(cfg: GenerateConfig, p: Planner, e: Injector, look: int) -> None:
    """On the last working day of a month, power users and a bot run many pipelines."""
    size = cfg.actors * cfg.orgs / REFERENCE_ACTORS
    n = max(2, round(_MONTH_END_RUNNERS * cfg.lookalike_rate * size))
    for d in range(p.D):
        if _is_last_workday_of_month(cfg, d):
            _month_end_day(p, e, d, n, look)


def _is_last_workday_of_month(cfg: GenerateConfig, d: int) -> bool:
    """Whether day ``d`` is a weekday and the next weekday is in another month."""
    date = day_date(cfg.start, d)
    nxt = date + dt.timedelta(days=1)
    while nxt.weekday() >= SATURDAY:
        nxt += dt.timedelta(days=1)
    return date.weekday() < SATURDAY and nxt.month != date.month


def _month_end_day(p: Planner, e: Injector, d: int, n: int, look: int) -> None:
    """Month-end runs of ``n`` power users and one bot on day ``d``."""
    rng, org = p.rng, e.org
    for _ in range(n):
        a = p.pick(d, roles=("power",))
        ip = e.usual_ip(a, d)
        for _ in range(int(rng.integers(12, 36))):
            e.add(e.local_ts(a, d, e.work_hour(a)), a, "pipeline.command.run", ip, look=look)
    bots = np.flatnonzero(org.a_bot)
    if bots.size:
        a = int(rng.choice(bots))
        ip = int(org.actors.at[a, "home_ip"])
        for _ in range(int(rng.integers(20, 41))):
            e.add(org.t0 + d * DAY + int(rng.uniform(0, DAY)), a,
                  "pipeline.command.run", ip, look=look)  # fmt: skip


def move_travellers(
    ev: dict[str, np.ndarray], trips: list[Trip], t0: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Move travellers' ordinary activity onto their trip's networks (plan stream)."""
    day = (ev["ts"] - t0) // DAY
    for a, d, span, ips in trips:
        m = np.flatnonzero((ev["actor"] == a) & (day >= d) & (day < d + span))
        ev["ip"][m] = np.array(ips)[rng.integers(0, len(ips), m.size)]
        ev["lookalike"][m] = LOOKALIKES.index("traveller")
    return ev


def inject_churn(cfg: GenerateConfig, e: Injector, rng: np.random.Generator) -> None:
    """Scratch workspaces and create-then-delete undos by ordinary people (churn stream).

    Real organisations create test workspaces, put a mod or a connection in
    them and tear them down within hours or a day, and delete a resource
    made by mistake minutes after creating it.  Without this, young deletes
    and short-lived populated workspaces would only ever be attacks.
    """
    org = e.org
    humans = np.flatnonzero(~org.a_bot)
    humans = humans[~np.isin(humans, sorted(org.fresh))]  # accounts of outsiders: no churn
    if humans.size == 0:
        return
    weight = np.select(
        [org.a_role[humans] == "power", org.a_role[humans] == "admin"], [3.0, 2.0], 1.0
    )
    weight = weight / weight.sum()
    actor_days = humans.size * cfg.days
    for kind, rate in (("scratch", _SCRATCH_RATE), ("undo", _UNDO_RATE)):
        n = int(rng.poisson(rate * actor_days))
        who = humans[rng.choice(humans.size, size=n, p=weight)]
        u = rng.random(n)
        for a, x in zip(who.tolist(), u.tolist(), strict=True):
            lo, hi = int(org.active_from[a]), int(org.active_to[a])
            if hi < lo:
                continue
            d = workday(cfg, lo + int(x * (hi - lo + 1)), lo, hi)
            if any(b == a and d0 <= d <= d1 for b, d0, d1 in org.absent):
                continue  # on leave
            if kind == "scratch":
                _scratch_workspace(cfg, e, rng, a, d)
            else:
                _undo(e, rng, a, d)


def _churn_ts(e: Injector, rng: np.random.Generator, a: int, d: int) -> int:
    """Draw a time within actor ``a``'s working day ``d`` (churn stream)."""
    org = e.org
    lo, hi = org.a_bs[a] + _CHURN_AFTER_START_H, org.a_be[a] - _CHURN_BEFORE_END_H
    hour = float(rng.uniform(lo, hi))
    return int(org.t0 + d * DAY + hour * 3600.0 + rng.uniform(0, 60) - org.a_tz[a] * 60)


def _scratch_workspace(
    cfg: GenerateConfig, e: Injector, rng: np.random.Generator, a: int, d: int
) -> None:
    """Make a workspace with a few children, torn down the same day or days later."""
    team, ip = int(e.org.a_team[a]), e.usual_ip(a, d)
    t = _churn_ts(e, rng, a, d)
    ws = e.res.add("workspace", team, t, explicit=True)
    e.add(t, a, "workspace.create", ip, target=ws)
    t, children = _scratch_children(e, rng, a, ws, team, ip, t)
    t_del, d_del = _scratch_end(cfg, e, rng, a, d, t)
    ip = e.usual_ip(a, min(d_del, cfg.days - 1))
    for act, row in children:
        undo = _SCRATCH_CHILDREN[act]
        if undo is not None and rng.random() < 0.4:
            e.add(t_del, a, undo, ip, target=row)
            t_del += int(rng.uniform(5, 90))
        e.res.explicit_deleted[row] = t_del
    e.add(t_del, a, "workspace.delete", ip, target=ws)
    e.res.explicit_deleted[ws] = t_del


def _scratch_children(e: Injector, rng: np.random.Generator, a: int, ws: int, team: int,
                      ip: int, t: int) -> tuple[int, list[tuple[str, int]]]:  # fmt: skip
    """Put one to four children into scratch workspace ``ws``; return the last time and them."""
    acts = list(_SCRATCH_CHILDREN)
    p = np.array(_SCRATCH_WEIGHT, dtype=float)
    k = int(rng.integers(1, 5))
    children = []
    for i in rng.choice(len(acts), size=k, replace=False, p=p / p.sum()):
        act = acts[int(i)]
        t += int(rng.uniform(30, 1200))
        row = e.res.add(ACTION_SPEC[act][0], team, t, parent=ws, explicit=True)
        e.add(t, a, act, ip, target=row)
        children.append((act, row))
        if act == "pipeline.create" and rng.random() < 0.6:
            for _ in range(int(rng.integers(1, 4))):
                t += int(rng.uniform(20, 600))
                e.add(t, a, "pipeline.command.run", ip, target=row)
    return t, children


def _scratch_end(cfg: GenerateConfig, e: Injector, rng: np.random.Generator, a: int, d: int,
                 t: int) -> tuple[int, int]:  # fmt: skip
    """When a scratch workspace last touched at ``t`` on day ``d`` goes: (time, day)."""
    u = rng.random()  # lifetime: within the session, later that day, or days later
    if u < 0.35:
        return t + int(rng.uniform(600, 5400)), d
    if u < 0.7:
        return t + int(rng.uniform(5400, 25_200)), d
    d_del = workday(cfg, d + int(rng.integers(1, 4)), d + 1, cfg.days + _SCRATCH_GRACE_DAYS)
    return max(t + 3600, _churn_ts(e, rng, a, d_del)), d_del


def _undo(e: Injector, rng: np.random.Generator, a: int, d: int) -> None:
    """Create a resource by mistake, maybe fix it once, and delete it minutes later."""
    team, ip = int(e.org.a_team[a]), e.usual_ip(a, d)
    acts = list(_UNDO)
    p = np.array(_UNDO_WEIGHT, dtype=float)
    act = acts[int(rng.choice(len(acts), p=p / p.sum()))]
    kind = ACTION_SPEC[act][0]
    ws = e.res.core_ws[team]
    parent = ws[int(rng.integers(len(ws)))] if kind in IN_WORKSPACE else -1
    t = _churn_ts(e, rng, a, d)
    row = e.res.add(kind, team, t, parent=parent, explicit=True)
    e.add(t, a, act, ip, target=row)
    if rng.random() < 0.3:  # a fix attempt before giving up
        t += int(rng.uniform(30, 900))
        if kind in _FIX_ATTEMPT:
            e.add(t, a, _FIX_ATTEMPT[kind], ip, target=row)
    t += int(rng.uniform(40, 2400))
    e.add(t, a, _UNDO[act], ip, target=row)
    e.res.explicit_deleted[row] = t
