"""The subtle form of each attack scenario (labelled like the plain form).

A subtle incident does what its scenario does, but as little of it as it can:
fewer records, spread over days where the scenario allows, from the actor's
usual address and in its usual hours unless the address or the hour is the
behaviour itself, and with the actor's own action mix around the one telling
action.  Each function writes one incident through the injector, like the
functions of ``scenarios.SCENARIO_FUNCS``.
"""

from __future__ import annotations

from collections.abc import Callable

from pipes_anomaly.generate.builder import growth_pair
from pipes_anomaly.generate.config import is_weekend
from pipes_anomaly.generate.inject import Injector
from pipes_anomaly.generate.plan import Incident, Planner, workday
from pipes_anomaly.generate.vocabulary import ACTION_ID, ACTION_VERB, DELETE, extra_index
from pipes_anomaly.schema import Scenario

#: days a subtle incident of these scenarios is spread over (range, end excluded)
SUBTLE_SPAN = {
    "mass_deletion": (1, 3),
    "workspace_sprawl": (2, 4),
    "low_and_slow": (6, 13),
    "data_exfiltration": (3, 7),
}
#: attackers delete resources at least this old (seconds)
_MIN_AGE = 3600
#: access paths a quiet intruder adds among the actor's usual actions
_ACCESS_PATHS = ("connection.create", "connection.permission.create", "integration.create")
#: what a quiet sprawl does in another team's workspace
_SPRAWL_ACTIONS = ("workspace.update", "workspace.snapshot.create")
#: days after the grant a quiet backdoor acts (range, end excluded), on one or two of them,
#: and the share of its records from the admin's home (else its usual address)
_BACKDOOR_AFTER_DAYS, _BACKDOOR_DAYS, _BACKDOOR_HOME = (1, 7), (1, 3), 0.4
#: share of a quiet exfiltration's later days it skips
_EXFIL_SKIP = 0.3
#: local hours just outside the working day an off-hours session starts at: before the
#: day starts and after it ends (ranges)
_EARLY_H, _LATE_H = (1.0, 2.5), (1.5, 3.0)


def mass_deletion(p: Planner, e: Injector, inc: Incident) -> None:
    """Delete a handful of resources of the kinds the actor deletes anyway, hours apart."""
    a, rng = inc.actor, p.rng
    deletes = [i for i in e.sample_actions(a, 200) if ACTION_VERB[i] == DELETE]
    deletes = deletes or [ACTION_ID["pipeline.delete"]]
    for k in range(inc.span):
        d = inc.day + k
        if k and is_weekend(e.org.start, d):
            continue
        for _ in range(int(rng.integers(2, 5))):
            act = deletes[int(rng.integers(len(deletes)))]
            e.add(e.local_ts(a, d, e.work_hour(a)), a, act, e.usual_ip(a, d), min_age=_MIN_AGE,
                  **inc.tags)  # fmt: skip


def short_lived_workspace(p: Planner, e: Injector, inc: Incident) -> None:
    """One workspace with a mod, deleted a few hours later from the usual address."""
    a, d, rng, res = inc.actor, inc.day, p.rng, e.res
    ip = e.usual_ip(a, d)
    team = int(e.org.a_team[a])
    t = e.local_ts(a, d, e.org.a_bs[a] + float(rng.uniform(0.3, 2.0)))
    ws = res.add("workspace", team, t, explicit=True)
    e.add(t, a, "workspace.create", ip, target=ws, **inc.tags)
    t += p.gap(300, 2400)
    mod = res.add("mod", team, t, parent=ws, explicit=True)
    e.add(t, a, "workspace.mod.install", ip, target=mod, **inc.tags)
    t += p.gap(3600, 5 * 3600)
    res.explicit_deleted[mod] = t
    e.add(t, a, "workspace.delete", ip, target=ws, **inc.tags)
    res.explicit_deleted[ws] = t


def off_hours(p: Planner, e: Injector, inc: Incident) -> None:
    """Do a few of the actor's usual actions just before its day starts or after it ends."""
    a, d, rng, org = inc.actor, inc.day, p.rng, e.org
    if rng.random() < 0.5:
        hour = org.a_bs[a] - float(rng.uniform(*_EARLY_H))
    else:
        hour = org.a_be[a] + float(rng.uniform(*_LATE_H))
    t = e.local_ts(a, d, hour)
    ip = int(org.actors.at[a, "home_ip"])
    acts: list = e.sample_actions(a, int(rng.integers(3, 7)))
    if rng.random() < 0.4:
        acts[int(rng.integers(len(acts)))] = str(rng.choice(_ACCESS_PATHS))
    for act in acts:
        e.add(t, a, act, ip, min_age=_MIN_AGE, **inc.tags)
        t += p.gap(60, 900)


def impossible_travel(p: Planner, e: Injector, inc: Incident) -> None:
    """Minutes after working from the usual address, two or three records from a new one."""
    a, d, rng = inc.actor, inc.day, p.rng
    t = e.local_ts(a, d, e.work_hour(a))
    ip1, ip2 = e.usual_ip(a, d), e.attacker_ip(inc.ips)
    acts = e.sample_actions(a, int(rng.integers(4, 8)))
    away = set(rng.choice(range(1, len(acts)), size=min(len(acts) - 1, int(rng.integers(2, 4))),
                          replace=False).tolist())  # fmt: skip
    for i, act in enumerate(acts):
        e.add(t, a, act, ip2 if i in away else ip1, **inc.tags)
        t += p.gap(120, 900)


def account_takeover(p: Planner, e: Injector, inc: Incident) -> None:
    """In the actor's hours, its usual actions plus an access path, from one new address."""
    a, d, rng = inc.actor, inc.day, p.rng
    t = e.local_ts(a, d, e.work_hour(a))
    ip = e.attacker_ip(inc.ips)
    acts: list = e.sample_actions(a, int(rng.integers(3, 8)))
    paths = [x for x in _ACCESS_PATHS if x != "integration.create"]
    if e.org.actions.has("user.token.create"):
        paths.append("user.token.create")
    for _ in range(int(rng.integers(1, 3))):
        acts.insert(int(rng.integers(len(acts) + 1)), str(rng.choice(paths)))
    for act in acts:
        e.add(t, a, act, ip, **inc.tags)
        t += p.gap(60, 1200)


def privilege_escalation(p: Planner, e: Injector, inc: Incident) -> None:
    """One owner grant to oneself on another team's workspace, in working hours."""
    a, d, rng, org = inc.actor, inc.day, p.rng, e.org
    o = int(org.a_org[a])
    teams = [g for g in range(org.n_teams) if org.team_org[g] == o and g != org.a_team[a]]
    if not teams:
        teams = [int(org.a_team[a])]
    g_ = int(rng.choice(teams))
    ws = e.res.core_ws[g_]
    e.add(e.local_ts(a, d, e.work_hour(a)), a, "org.workspace.member.add", e.usual_ip(a, d),
          group=g_, ref=a, parent=ws[int(rng.integers(len(ws)))],
          extra=extra_index("org.workspace.member.add", '"owner"'), **inc.tags)  # fmt: skip


def workspace_sprawl(p: Planner, e: Injector, inc: Incident) -> None:
    """Touch a few other teams' workspaces once each, over two or three days."""
    a, rng, org = inc.actor, p.rng, e.org
    o = int(org.a_org[a])
    pool = [(g_, w) for g_ in range(org.n_teams) if org.team_org[g_] == o
            and g_ != org.a_team[a] for w in e.res.core_ws[g_]]  # fmt: skip
    k = min(len(pool), int(rng.integers(3, 6)))
    for j, i in enumerate(rng.choice(len(pool), size=k, replace=False)):
        g_, w = pool[int(i)]
        d = inc.day + j % inc.span
        if is_weekend(e.org.start, d):
            d = inc.day
        act = str(rng.choice(_SPRAWL_ACTIONS))
        where = dict(target=w) if act == "workspace.update" else dict(parent=w)
        e.add(e.local_ts(a, d, e.work_hour(a)), a, act, e.usual_ip(a, d), group=int(g_),
              **where, **inc.tags)  # fmt: skip


def actor_mismatch(p: Planner, e: Injector, inc: Incident) -> None:
    """One or two records whose acting id names a colleague, among usual work."""
    a, d = inc.actor, inc.day
    forged = e.colleague(a, p.rng)
    for act in e.acting_actions(a, int(p.rng.integers(1, 3))):
        e.add(e.local_ts(a, d, e.work_hour(a)), a, act, e.usual_ip(a, d), by=forged, **inc.tags)


def rapid_succession(p: Planner, e: Injector, inc: Incident) -> None:
    """Repeat one of the actor's usual actions a dozen times, seconds apart."""
    a, d, rng = inc.actor, inc.day, p.rng
    act = e.sample_actions(a, 1)[0]
    t, ip = e.local_ts(a, d, e.work_hour(a)), e.usual_ip(a, d)
    for _ in range(int(rng.integers(10, 17))):
        e.add(t, a, act, ip, **inc.tags)
        t += p.gap(3, 20)


def dormant_reactivation(p: Planner, e: Injector, inc: Incident) -> None:
    """Bring the quiet account back from its home address with its usual actions."""
    a, d, rng = inc.actor, inc.day, p.rng
    t = e.local_ts(a, d, e.work_hour(a))
    ip = int(e.org.actors.at[a, "home_ip"])
    for act in e.sample_actions(a, int(rng.integers(3, 7))):
        e.add(t, a, act, ip, **inc.tags)
        t += p.gap(120, 1800)


def billing_change(p: Planner, e: Injector, inc: Incident) -> None:
    """Add a payment method from the usual address in working hours, nothing else."""
    a, d = inc.actor, inc.day
    e.add(e.local_ts(a, d, e.work_hour(a)), a, "org.billing.payment_method.create",
          e.usual_ip(a, d), **inc.tags)  # fmt: skip


def low_and_slow(p: Planner, e: Injector, inc: Incident) -> None:
    """One record of two kinds of access or collection on some working days, over weeks."""
    a, rng = inc.actor, p.rng
    pair = growth_pair(rng, e.org.actions)
    for k in range(inc.span):
        d = inc.day + k
        if is_weekend(e.org.start, d) or rng.random() < 0.4:
            continue
        act = pair[int(rng.random() < 0.5)]
        e.add(e.local_ts(a, d, e.work_hour(a)), a, act, e.usual_ip(a, d), **inc.tags)


def service_account_misuse(p: Planner, e: Injector, inc: Incident) -> None:
    """Write a few records by hand through a service account, from its own address.

    The account's own actions around one access path, in a colleague's working
    hours, each made outside any process.
    """
    a, d, rng = inc.actor, inc.day, p.rng
    person = e.colleague(a, rng, day=d)
    t, ip = e.local_ts(person, d, e.work_hour(person)), e.usual_ip(a, d)
    acts: list = e.sample_actions(a, int(rng.integers(2, 5)))
    acts[int(rng.integers(len(acts)))] = str(rng.choice(_ACCESS_PATHS))
    for act in acts:
        e.add(t, a, act, ip, manual=True, **inc.tags)
        t += p.gap(60, 900)


def privilege_persistence(p: Planner, e: Injector, inc: Incident) -> None:
    """Have an admin add one member, owner of one workspace, that acts quietly days later.

    In the admin's working hours, from its usual address: the member added as member,
    then one owner grant.  On one or two later working days the new account makes one
    to three ordinary records in that workspace's team, in the admin's hours, from the
    admin's usual or home address (an insider's second account).
    """
    a, b, d, kw = inc.actor, inc.other, inc.day, inc.tags
    rng, org = p.rng, e.org
    t, ip = e.local_ts(a, d, e.work_hour(a)), e.usual_ip(a, d)
    e.add_member(t, a, b, ip, "member", **kw)
    pool = e.org_workspaces(int(org.a_org[a]))
    team, ws = pool[int(rng.integers(len(pool)))]
    t += p.gap(60, 900)
    e.grant_workspace(t, a, b, ip, team, ws, "owner", **kw)
    later = {min(d + int(rng.integers(*_BACKDOOR_AFTER_DAYS)), p.D - 1)
             for _ in range(int(rng.integers(*_BACKDOOR_DAYS)))}  # fmt: skip
    days = sorted({workday(p.cfg, x, d + 1, p.D - 1) for x in later})
    org.active_from[b] = days[0]
    for day in days:
        home = rng.random() < _BACKDOOR_HOME
        ip = int(org.actors.at[a, "home_ip"]) if home else e.usual_ip(a, day)
        t = max(e.local_ts(a, day, e.work_hour(a)), t + p.gap(3600, 7200))
        for act in e.sample_actions(b, int(rng.integers(1, 4))):
            e.add(t, b, act, ip, group=team, **kw)
            t += p.gap(120, 1800)


def data_exfiltration(p: Planner, e: Injector, inc: Incident) -> None:
    """One or two snapshots of the actor's own workspaces on some working days, over days.

    From the usual address, in the actor's hours, among a few of its own actions;
    ``sharing`` leaves the snapshots open to anyone holding the link.
    """
    a, rng = inc.actor, p.rng
    for k in range(inc.span):
        d = inc.day + k
        if k and (is_weekend(e.org.start, d) or rng.random() < _EXFIL_SKIP):
            continue
        t, ip = e.local_ts(a, d, e.work_hour(a)), e.usual_ip(a, d)
        acts: list = e.sample_actions(a, int(rng.integers(1, 4)))
        acts += [ACTION_ID["workspace.snapshot.create"]] * int(rng.integers(1, 3))
        for i in rng.permutation(len(acts)):
            e.add(t, a, acts[int(i)], ip, **inc.tags)
            t += p.gap(120, 1800)


#: the function that writes each scenario's subtle incident
SUBTLE_FUNCS: dict[Scenario, Callable[[Planner, Injector, Incident], None]] = {
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
