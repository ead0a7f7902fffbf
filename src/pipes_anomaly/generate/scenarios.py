"""The labelled attack scenarios: how many incidents, on whom and when, and their events.

Each scenario is one function of :data:`SCENARIO_FUNCS`; it writes an incident's
events through the :class:`~pipes_anomaly.generate.inject.Injector`, tagged with
the scenario and incident so they are labelled.  A share of incidents
(``subtle_share``) takes the scenario's subtle form instead (``subtle``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pipes_anomaly.generate.builder import growth_pair
from pipes_anomaly.generate.config import DAY, GenerateConfig, day_date, is_weekend
from pipes_anomaly.generate.inject import Injector, take_snapshot
from pipes_anomaly.generate.plan import Incident, Planner, workday
from pipes_anomaly.generate.subtle import SUBTLE_FUNCS, SUBTLE_SPAN
from pipes_anomaly.generate.vocabulary import DELETE_MIX, extra_index, in_workspace
from pipes_anomaly.schema import SCENARIOS, Scenario

_TAKEOVER_MIX = {
    "connection.create": 4, "connection.update": 2, "pipeline.create": 3,
    "pipeline.command.run": 3, "integration.create": 2, "connection.permission.create": 2,
    "notifier.create": 1, "workspace.snapshot.create": 1, "datatank.table.create": 1,
    "org.member.add": 1, "workspace.mod.install": 1, "workspace.update": 1,
}  # fmt: skip
#: what a takeover adds to its mix in worlds whose API has these newer actions
_TAKEOVER_NEW = {"user.login": 2, "user.token.create": 2, "workspace.snapshot.download": 1}
#: share of a misused service account's records drawn from the takeover's access paths (the
#: rest from the account's own mix)
_MISUSE_HANDS_ON = 0.6
#: share of service-account misuse from an address of the organisation (an insider)
_MISUSE_INSIDER = 0.4
#: what a backdoor account does: access paths, runs (and, in worlds whose API has them,
#: tokens and sign-ins)
_BACKDOOR_MIX = {
    "connection.create": 3, "connection.permission.create": 2, "integration.create": 2,
    "pipeline.create": 1, "pipeline.command.run": 2, "workspace.snapshot.create": 1,
}  # fmt: skip
_BACKDOOR_NEW = {"user.token.create": 2, "user.login": 1}
#: share of backdoor grants made from a network new to the organisation, and of members
#: and workspace members added as owner at once (the others are made owner just after)
_GRANT_NEW_IP, _OWNER_AT_ONCE = 0.5, 0.5
#: workspaces a backdoor is made owner of (range, end excluded)
_BACKDOOR_WORKSPACES = (1, 4)
#: days after the grant a backdoor first acts, its sessions, and days between them (ranges,
#: end excluded)
_BACKDOOR_AFTER_DAYS, _BACKDOOR_SESSIONS, _BACKDOOR_GAP_DAYS = (1, 7), (1, 3), (1, 4)
_RAPID_ACTIONS = (
    "pipeline.command.run", "connection.create", "org.workspace.member.add",
    "workspace.snapshot.create", "integration.refresh", "connection.update",
    "datatank.table.create", "pipeline.update",
)  # fmt: skip
#: risky actions an off-hours intruder slips in among the actor's usual ones
_OFF_HOURS_RISKY = ["connection.create", "connection.permission.create", "pipeline.delete",
                    "workspace.delete"]  # fmt: skip
#: what a sprawling actor does in other teams' workspaces
_SPRAWL_ACTIONS = ["workspace.update", "workspace.snapshot.create", "workspace.mod.install",
                   "workspace.mod.variable.setting.create"]  # fmt: skip
#: the first thing a reactivated dormant account does
_DORMANT_FIRST = ["connection.create", "pipeline.create", "integration.create"]
#: local hours an off-hours session starts within (the upper bound also stays three
#: hours before the actor's day starts)
_NIGHT_START_H, _NIGHT_END_H, _NIGHT_BEFORE_DAY_H = 0.5, 4.5, 3.0
#: a takeover starts at least this long before the end of its UTC day (seconds)
_TAKEOVER_TAIL = 7200
#: attackers delete resources at least this old (seconds)
_ATTACK_MIN_AGE = 3600
#: share of exfiltration from the actor's usual address (an insider), the workspaces it
#: snapshots (range, end excluded) and the chance each snapshot is also downloaded
_EXFIL_INSIDER, _EXFIL_WORKSPACES, _EXFIL_DOWNLOAD = 0.5, (5, 15), 0.5
#: incidents per scenario in the test and training periods at the reference size
_PER_TEST, _PER_TRAIN = 4, 3
#: severity of test and training incidents (training incidents are half as big)
_TEST_GRADE, _TRAIN_GRADE = 1.0, 0.5
#: share of non-timed incidents drawn on a weekend that move to a weekday
_WEEKDAY_SHARE = 0.9
#: days a dormant account was quiet before it comes back (range)
_DORMANT_GAP_DAYS = (21, 36)
#: days a low-and-slow incident lasts (range)
_LOW_AND_SLOW_DAYS = (4, 8)
#: scenarios whose timing is the behaviour; the others' days follow the actor's week
_TIMED_SCENARIOS = frozenset({"off_hours", "account_takeover", "dormant_reactivation"})
#: scenarios that also occur in the training period (training data is not attack-free); the
#: accounts dormant_reactivation and privilege_persistence need are reserved for the test
#: period's incidents only
_TRAIN_SCENARIOS = (
    "off_hours", "rapid_succession", "impossible_travel", "actor_mismatch", "billing_change",
    "mass_deletion",
)  # fmt: skip


def reserve_dormant(cfg: GenerateConfig, plan: Planner) -> list[tuple[int, int]]:
    """Reserve the dormant accounts and end their activity weeks before they come back.

    Returns
    -------
    list of (int, int)
        ``(actor, day of return)`` of each dormant-reactivation incident.
    """
    dormant: list[tuple[int, int]] = []
    n_test, _ = plan.counts(_PER_TEST, 0, cfg.attack_rate)
    if "dormant_reactivation" in cfg.scenarios and cfg.attack_rate > 0:
        for _ in range(n_test):
            d = plan.day("test")
            a = plan.pick(d)
            plan.reserve(a)
            gap = int(plan.rng.integers(*_DORMANT_GAP_DAYS))
            plan.org.active_to[a] = max(1, d - gap)
            dormant.append((a, d))
    return dormant


def reserve_backdoors(cfg: GenerateConfig, plan: Planner) -> None:
    """Reserve the accounts privilege-persistence incidents add as backdoors (one each).

    Chosen before anything is made, like dormant accounts, so that no membership,
    resource or activity of theirs comes before the incident adds them
    (:meth:`~pipes_anomaly.generate.plan.Planner.reserve_fresh`); fewer incidents
    when the organisation has too few people to spare.
    """
    if "privilege_persistence" in cfg.scenarios and cfg.attack_rate > 0:
        n_test, _ = plan.counts(_PER_TEST, 0, cfg.attack_rate)
        for _ in range(n_test):
            if plan.reserve_fresh("backdoor") < 0:
                break


def inject_incidents(
    cfg: GenerateConfig,
    plan: Planner,
    inj: Injector,
    dormant: list[tuple[int, int]],
    rng_form: np.random.Generator,
) -> list[dict]:
    """Plan and write every incident: test incidents of each scenario, then training ones.

    ``rng_form`` (extra stream) decides which incidents take their subtle form.

    Returns
    -------
    list of dict
        One record per incident: ``incident_id, scenario, form, actor_id, day, period``.
    """
    incidents: list[dict] = []
    if cfg.attack_rate <= 0:
        return incidents
    n_test, n_train = plan.counts(_PER_TEST, _PER_TRAIN, cfg.attack_rate)

    def subtle() -> bool:
        return cfg.subtle_share > 0 and bool(rng_form.random() < cfg.subtle_share)

    for s in cfg.scenarios:
        if s == "dormant_reactivation":
            continue
        for _ in range(n_test):
            _incident(cfg, plan, inj, incidents, s, "test", _TEST_GRADE, subtle=subtle())
    for a, d in dormant:
        _incident(cfg, plan, inj, incidents, "dormant_reactivation", "test", _TEST_GRADE,
                  actor=a, day=d, subtle=subtle())  # fmt: skip
    train_pool = [s for s in _TRAIN_SCENARIOS if s in cfg.scenarios]
    n_train = max(n_train, 2) if train_pool else 0
    for i in range(n_train):
        _incident(cfg, plan, inj, incidents, train_pool[i % len(train_pool)], "train",
                  _TRAIN_GRADE, subtle=subtle())  # fmt: skip
    return incidents


def _span(s: str, subtle: bool, rng: np.random.Generator) -> int:
    """Days an incident of scenario ``s`` lasts."""
    if subtle and s in SUBTLE_SPAN:
        return int(rng.integers(*SUBTLE_SPAN[s]))
    if s == "privilege_persistence":
        return 2  # the grant, and at least one later day for the backdoor
    return int(rng.integers(*_LOW_AND_SLOW_DAYS)) if s == "low_and_slow" else 1


def _incident(cfg: GenerateConfig, plan: Planner, inj: Injector, incidents: list[dict],
              s: str, period: str, grade: float, *, actor: int | None = None,
              day: int | None = None, subtle: bool = False) -> None:  # fmt: skip
    """Plan one incident of scenario ``s`` (day and actor unless given) and write it."""
    rng = plan.rng
    span = _span(s, subtle, rng)
    lo, hi = (plan.T, plan.D - 1) if period == "test" else (1, plan.T - 1)
    if s == "privilege_persistence":
        hi -= 1  # a backdoor acts on a later day of the period
    if day is None:
        day = plan.day(period, margin=span - 1)
        weekend = is_weekend(cfg.start, day)
        if s not in _TIMED_SCENARIOS and weekend and rng.random() < _WEEKDAY_SHARE:
            day = workday(cfg, day, lo, hi)
    if subtle:  # a quiet intruder acts on the days its actor works
        day = workday(cfg, day, lo, hi)
    span = max(1, min(span, plan.D - day))
    if actor is None and s == "service_account_misuse":
        if not plan.free(day, roles=("bot",), span=span):
            return  # no service account free to misuse (none, or all of them odd)
        actor = plan.pick(day, roles=("bot",), span=span)
    other = -1
    if actor is None and s == "privilege_persistence":
        other = plan.take_fresh("backdoor")
        if other < 0:
            return  # no account reserved for a backdoor (too few people to spare)
        roles = ("admin",) if subtle else ("normal", "power", "admin")  # a quiet one adds often
        actor = plan.pick(day, roles=roles, span=span, org=int(plan.org.a_org[other]))
    if actor is None:
        roles = ("normal",) if s == "privilege_escalation" else ("normal", "power", "admin")
        actor = plan.pick(day, roles=roles, span=span)
    tags = new_incident(cfg, inj, incidents, s, "subtle" if subtle else "plain", period,
                        actor, day)  # fmt: skip
    funcs = SUBTLE_FUNCS if subtle else SCENARIO_FUNCS
    funcs[Scenario(s)](plan, inj, Incident(actor, day, grade, span, tags, other=other))


def new_incident(cfg: GenerateConfig, inj: Injector, incidents: list[dict], s: str, form: str,
                 period: str, actor: int, day: int) -> dict:  # fmt: skip
    """List a new incident; return the tags that label its events."""
    inc = len(incidents)
    incidents.append(dict(incident_id=f"inc-{inc + 1:04d}", scenario=s, form=form,
                          actor_id=inj.users.ids[actor],
                          day=day_date(cfg.start, day).isoformat(), period=period))  # fmt: skip
    return dict(scenario=SCENARIOS.index(s), incident=inc)


def mass_deletion(p: Planner, e: Injector, inc: Incident) -> None:
    """Delete a burst of resources of many kinds from the usual address."""
    a, d, g = inc.actor, inc.day, inc.grade
    t, ip = e.local_ts(a, d, e.work_hour(a)), e.usual_ip(a, d)
    for act in p.weighted(DELETE_MIX, max(5, int(p.rng.integers(12, 40) * g))):
        e.add(t, a, act, ip, min_age=_ATTACK_MIN_AGE, **inc.tags)
        t += p.gap(4, 80)


def short_lived_workspace(p: Planner, e: Injector, inc: Incident) -> None:
    """Create workspaces, put a mod (and more) in them and delete them within minutes."""
    a, d, g, kw = inc.actor, inc.day, inc.grade, inc.tags
    rng, res = p.rng, e.res
    t = e.local_ts(a, d, e.work_hour(a))
    ip = e.usual_ip(a, d) if rng.random() < 0.5 else e.attacker_ip(inc.ips)
    team = int(e.org.a_team[a])
    for _ in range(max(1, int(rng.integers(1, 4) * g))):
        ws = res.add("workspace", team, t, explicit=True)
        e.add(t, a, "workspace.create", ip, target=ws, **kw)
        t += p.gap(20, 150)
        mod = res.add("mod", team, t, parent=ws, explicit=True)
        e.add(t, a, "workspace.mod.install", ip, target=mod, **kw)
        if rng.random() < 0.6:
            t += p.gap(10, 120)
            mv = res.add("modvar", team, t, parent=ws, explicit=True)
            e.add(t, a, "workspace.mod.variable.setting.create", ip, target=mv, **kw)
            res.explicit_deleted[mv] = t + 1
        if rng.random() < 0.4:
            t += p.gap(20, 200)
            snap = res.add("snapshot", team, t, parent=ws, explicit=True)
            e.add(t, a, "workspace.snapshot.create", ip, target=snap, **kw)
            res.explicit_deleted[snap] = t + 1
        t += p.gap(60, 900)
        if rng.random() < 0.5:
            e.add(t, a, "workspace.mod.uninstall", ip, target=mod, **kw)
            t += p.gap(5, 60)
        res.explicit_deleted[mod] = t
        e.add(t, a, "workspace.delete", ip, target=ws, **kw)
        res.explicit_deleted[ws] = t
        t += p.gap(120, 1800)


def off_hours(p: Planner, e: Injector, inc: Incident) -> None:
    """Work in the middle of the actor's night from home, with a few risky actions."""
    a, d, g = inc.actor, inc.day, inc.grade
    rng = p.rng
    latest = min(_NIGHT_END_H, e.org.a_bs[a] - _NIGHT_BEFORE_DAY_H)
    hour = float(rng.uniform(_NIGHT_START_H, latest))
    t = e.local_ts(a, d, hour)
    ip = int(e.org.actors.at[a, "home_ip"])
    acts: list = e.sample_actions(a, max(3, int(rng.integers(6, 20) * g)))
    for i in rng.choice(len(acts), size=min(2, len(acts)), replace=False):
        acts[i] = str(rng.choice(_OFF_HOURS_RISKY))
    for act in acts:
        e.add(t, a, act, ip, min_age=_ATTACK_MIN_AGE, **inc.tags)
        t += p.gap(20, 400)


def impossible_travel(p: Planner, e: Injector, inc: Incident) -> None:
    """Switch from the usual address to a new one minutes later, then alternate."""
    a, d, g = inc.actor, inc.day, inc.grade
    rng = p.rng
    t = e.local_ts(a, d, e.work_hour(a))
    ip1, ip2 = e.usual_ip(a, d), e.attacker_ip(inc.ips)
    for act in e.sample_actions(a, int(rng.integers(2, 6))):
        e.add(t, a, act, ip1, **inc.tags)
        t += p.gap(30, 300)
    for act in e.sample_actions(a, max(3, int(rng.integers(4, 12) * g))):
        e.add(t, a, act, ip2 if rng.random() < 0.7 else ip1, **inc.tags)
        t += p.gap(20, 500)


def account_takeover(p: Planner, e: Injector, inc: Incident) -> None:
    """Someone else's session at any hour from new addresses, creating access paths."""
    a, d, g = inc.actor, inc.day, inc.grade
    rng = p.rng
    t = e.org.t0 + d * DAY + int(rng.uniform(0, DAY - _TAKEOVER_TAIL))
    ips = [e.attacker_ip(inc.ips) for _ in range(int(rng.integers(1, 3)))]
    mix = _TAKEOVER_MIX | {k: v for k, v in _TAKEOVER_NEW.items() if e.org.actions.has(k)}
    for act in p.weighted(mix, max(4, int(rng.integers(8, 25) * g))):
        e.add(t, a, act, ips[int(rng.integers(len(ips)))], **inc.tags)
        t += p.gap(15, 400)


def privilege_escalation(p: Planner, e: Injector, inc: Incident) -> None:
    """Make a normal member owner, and owner of other teams' workspaces."""
    a, d, kw = inc.actor, inc.day, inc.tags
    rng, org = p.rng, e.org
    t, ip = e.local_ts(a, d, e.work_hour(a)), e.usual_ip(a, d)
    o = int(org.a_org[a])
    e.add(t, a, "org.member.update", ip, target=int(e.res.member_row[a]),
          extra=extra_index("org.member.update", '"owner"'), **kw)  # fmt: skip
    teams = [g_ for g_ in range(org.n_teams) if org.team_org[g_] == o and g_ != org.a_team[a]]
    for g_ in rng.choice(teams, size=min(len(teams), int(rng.integers(2, 6))), replace=False):
        t += p.gap(20, 240)
        ws = e.res.core_ws[int(g_)]
        e.add(t, a, "org.workspace.member.add", ip, group=int(g_), ref=a,
              parent=ws[int(rng.integers(len(ws)))],
              extra=extra_index("org.workspace.member.add", '"owner"'), **kw)  # fmt: skip
    for _ in range(int(rng.integers(0, 3))):
        t += p.gap(20, 240)
        e.add(t, a, "org.workspace.member.update", ip,
              extra=extra_index("org.workspace.member.update", '"owner"'), **kw)  # fmt: skip
    if rng.random() < 0.5:
        t += p.gap(20, 240)
        e.add(t, a, "org.member.add", ip,
              extra=extra_index("org.member.add", '"owner"'), **kw)  # fmt: skip


def workspace_sprawl(p: Planner, e: Injector, inc: Incident) -> None:
    """Touch many other teams' core workspaces in one session."""
    a, d, g = inc.actor, inc.day, inc.grade
    rng, org = p.rng, e.org
    t, ip = e.local_ts(a, d, e.work_hour(a) - 1.0), e.usual_ip(a, d)
    o = int(org.a_org[a])
    pool = [(g_, w) for g_ in range(org.n_teams) if org.team_org[g_] == o
            and g_ != org.a_team[a] for w in e.res.core_ws[g_]]  # fmt: skip
    k = min(len(pool), max(4, int(rng.integers(8, 20) * g)))
    for i in rng.choice(len(pool), size=k, replace=False):
        g_, w = pool[int(i)]
        for _ in range(int(rng.integers(1, 3))):
            act = str(rng.choice(_SPRAWL_ACTIONS))
            if act == "workspace.update":
                e.add(t, a, act, ip, target=w, group=int(g_), **inc.tags)
            else:
                e.add(t, a, act, ip, parent=w, group=int(g_), **inc.tags)
            t += p.gap(30, 600)


def actor_mismatch(p: Planner, e: Injector, inc: Incident) -> None:
    """Write records whose acting id names another person of the organisation.

    The acting id is ``data.created_by`` on a create and ``data.updated_by`` on an
    update-like record: both say who acted, so each record here is a create or an
    update of the actor's usual kinds.
    """
    a, d, g = inc.actor, inc.day, inc.grade
    t, ip = e.local_ts(a, d, e.work_hour(a)), e.usual_ip(a, d)
    forged = e.colleague(a, p.rng)
    for act in e.acting_actions(a, max(2, int(p.rng.integers(2, 7) * g))):
        e.add(t, a, act, ip, by=forged, **inc.tags)
        t += p.gap(60, 1800)


def rapid_succession(p: Planner, e: Injector, inc: Incident) -> None:
    """Repeat one action dozens of times seconds apart (a script)."""
    a, d, g = inc.actor, inc.day, inc.grade
    rng = p.rng
    t, ip = e.local_ts(a, d, e.work_hour(a)), e.usual_ip(a, d)
    act = str(rng.choice(_RAPID_ACTIONS))
    for _ in range(max(10, int(rng.integers(20, 60) * g))):
        e.add(t, a, act, ip, **inc.tags)
        t += p.gap(1, 7)


def dormant_reactivation(p: Planner, e: Injector, inc: Incident) -> None:
    """Bring back an account quiet for weeks, often from a new address, to build access."""
    a, d = inc.actor, inc.day
    rng = p.rng
    t = e.local_ts(a, d, e.work_hour(a))
    ip = e.attacker_ip(inc.ips) if rng.random() < 0.6 else int(e.org.actors.at[a, "home_ip"])
    acts: list = e.sample_actions(a, int(rng.integers(5, 15)))
    acts[0] = str(rng.choice(_DORMANT_FIRST))
    for act in acts:
        e.add(t, a, act, ip, **inc.tags)
        t += p.gap(30, 900)


def billing_change(p: Planner, e: Injector, inc: Incident) -> None:
    """Add a payment method from a new address, often with an upgrade."""
    a, d = inc.actor, inc.day
    rng = p.rng
    t = e.local_ts(a, d, e.work_hour(a) + float(rng.uniform(-3, 3)))
    ip = e.attacker_ip(inc.ips)
    acts = ["org.billing.payment_method.create"]
    if rng.random() < 0.7:
        acts.append("workspace.upgrade")
    if rng.random() < 0.4:
        acts.insert(0, "org.update")
    for act in acts:
        e.add(t, a, act, ip, **inc.tags)
        t += p.gap(30, 600)


def low_and_slow(p: Planner, e: Injector, inc: Incident) -> None:
    """Grow two kinds of access or collection a little each working day, over several days."""
    a, d, g = inc.actor, inc.day, inc.grade
    slow, fast = growth_pair(p.rng, e.org.actions)
    for k in range(inc.span):
        if k and is_weekend(e.org.start, d + k):
            continue  # blends into the actor's working week
        ip = e.usual_ip(a, d + k)
        acts = [slow] * round(g * (1 + 0.5 * k)) + [fast] * round(g * (2 + 1.5 * k))
        for act in acts:
            e.add(e.local_ts(a, d + k, e.work_hour(a)), a, act, ip, **inc.tags)


def service_account_misuse(p: Planner, e: Injector, inc: Incident) -> None:
    """Use a service account's token by hand: access paths among its own actions.

    Someone's working day, not the bot's cadence; from a new address or, for an
    insider, an address of the organisation; every record made outside any process.
    """
    a, d, g = inc.actor, inc.day, inc.grade
    rng = p.rng
    person = e.colleague(a, rng, day=d)
    t = e.local_ts(person, d, e.work_hour(person))
    inside = rng.random() < _MISUSE_INSIDER
    ip = e.usual_ip(person, d) if inside and person != a else e.attacker_ip(inc.ips)
    mix = _TAKEOVER_MIX | {k: v for k, v in _TAKEOVER_NEW.items() if e.org.actions.has(k)}
    n = max(4, int(rng.integers(6, 16) * g))
    own: list = e.sample_actions(a, n)
    for i, act in enumerate(p.weighted(mix, n)):
        act = act if rng.random() < _MISUSE_HANDS_ON else own[i]
        e.add(t, a, act, ip, manual=True, **inc.tags)
        t += p.gap(20, 600)


def privilege_persistence(p: Planner, e: Injector, inc: Incident) -> None:
    """Add a backdoor member and make it owner; days later it creates access from a new network.

    The granting account adds an account nobody has seen to the organisation as owner
    (or as member, then makes it owner) and gives it owner on one to three workspaces,
    often from a network new to the organisation; one to six days later the backdoor
    makes access paths and runs in those workspaces at any hour, from networks new to
    the organisation, on one or two days.
    """
    a, b, d, g, kw = inc.actor, inc.other, inc.day, inc.grade, inc.tags
    rng, org = p.rng, e.org
    t = e.local_ts(a, d, e.work_hour(a) + float(rng.uniform(-2.0, 2.0)))
    ip = e.attacker_ip(inc.ips) if rng.random() < _GRANT_NEW_IP else e.usual_ip(a, d)
    at_once = rng.random() < _OWNER_AT_ONCE
    row = e.add_member(t, a, b, ip, "owner" if at_once else "member", **kw)
    if not at_once:
        t += p.gap(20, 300)
        e.add(t, a, "org.member.update", ip, target=row,
              extra=extra_index("org.member.update", '"owner"'), **kw)  # fmt: skip
    pool = e.org_workspaces(int(org.a_org[a]))
    k = min(len(pool), int(rng.integers(*_BACKDOOR_WORKSPACES)))
    granted = [pool[int(i)] for i in rng.choice(len(pool), size=k, replace=False)]
    for team, ws in granted:
        t += p.gap(20, 300)
        at_once = rng.random() < _OWNER_AT_ONCE
        role = "owner" if at_once else str(rng.choice(["reader", "operator"]))
        w_row = e.grant_workspace(t, a, b, ip, team, ws, role, **kw)
        if not at_once:
            t += p.gap(10, 200)
            e.add(t, a, "org.workspace.member.update", ip, target=w_row, group=team,
                  extra=extra_index("org.workspace.member.update", '"owner"'), **kw)  # fmt: skip
    mix = _BACKDOOR_MIX | {k: v for k, v in _BACKDOOR_NEW.items() if org.actions.has(k)}
    day = min(d + int(rng.integers(*_BACKDOOR_AFTER_DAYS)), p.D - 1)
    for k in range(int(rng.integers(*_BACKDOOR_SESSIONS))):
        if day >= p.D:
            break
        if is_weekend(org.start, day) and rng.random() < _WEEKDAY_SHARE:
            day = workday(p.cfg, day, d + 1, p.D - 1)  # like the other untimed scenarios
        if k == 0:
            org.active_from[b] = day
        start = org.t0 + day * DAY + int(rng.uniform(0, DAY - _TAKEOVER_TAIL))
        t = max(start, t + p.gap(3600, 4 * 3600))  # after the grant, whatever the zones
        ip = e.attacker_ip(inc.ips)
        for act in p.weighted(mix, max(2, int(rng.integers(3, 9) * g))):
            team, ws = granted[int(rng.integers(len(granted)))]
            where = dict(parent=ws) if in_workspace(act) else {}
            e.add(t, b, act, ip, group=team, **where, **kw)
            t += p.gap(15, 600)
        day += int(rng.integers(*_BACKDOOR_GAP_DAYS))


def data_exfiltration(p: Planner, e: Injector, inc: Incident) -> None:
    """Snapshot many of the organisation's workspaces in one session, to take the data out.

    From the usual address (an insider) or a new one, the actor takes snapshots of
    workspaces across its organisation, downloading half of them where the API can;
    ``sharing`` leaves the snapshots open to anyone holding the link.
    """
    a, d, g, kw = inc.actor, inc.day, inc.grade, inc.tags
    rng = p.rng
    t = e.local_ts(a, d, e.work_hour(a))
    ip = e.usual_ip(a, d) if rng.random() < _EXFIL_INSIDER else e.attacker_ip(inc.ips)
    pool = e.org_workspaces(int(e.org.a_org[a]))
    k = min(len(pool), max(3, int(rng.integers(*_EXFIL_WORKSPACES) * g)))
    for i in rng.choice(len(pool), size=k, replace=False):
        team, ws = pool[int(i)]
        for _ in range(int(rng.integers(1, 3))):
            t = take_snapshot(p, e, t, a, ip, team, ws, pause=(20, 300),
                              download=_EXFIL_DOWNLOAD, **kw)  # fmt: skip


#: the function that writes each scenario's incident
SCENARIO_FUNCS: dict[Scenario, Callable[[Planner, Injector, Incident], None]] = {
    Scenario.MASS_DELETION: mass_deletion,
    Scenario.SHORT_LIVED_WORKSPACE: short_lived_workspace,
    Scenario.OFF_HOURS: off_hours,
    Scenario.IMPOSSIBLE_TRAVEL: impossible_travel,
    Scenario.ACCOUNT_TAKEOVER: account_takeover,
    Scenario.PRIVILEGE_ESCALATION: privilege_escalation,
    Scenario.WORKSPACE_SPRAWL: workspace_sprawl,
    Scenario.ACTOR_MISMATCH: actor_mismatch,
    Scenario.RAPID_SUCCESSION: rapid_succession,
    Scenario.DORMANT_REACTIVATION: dormant_reactivation,
    Scenario.BILLING_CHANGE: billing_change,
    Scenario.LOW_AND_SLOW: low_and_slow,
    Scenario.SERVICE_ACCOUNT_MISUSE: service_account_misuse,
    Scenario.PRIVILEGE_PERSISTENCE: privilege_persistence,
    Scenario.DATA_EXFILTRATION: data_exfiltration,
}
