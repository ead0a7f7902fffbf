"""Benign look-alikes shaped like one attack scenario each (listed, never labelled).

A careless detector confuses each of these with the scenario it mimics; a
careful one can tell them apart by what the organisation's history says (the
actor's role and habits, networks its peers use, who created a resource):

=====================  ==========================  ===========================================
look-alike             mimics                      what it is
=====================  ==========================  ===========================================
migration              mass_deletion               an admin deletes resources and recreates
                                                   the same kinds minutes later
ci_workspace           short_lived_workspace       a bot (or power user) builds a workspace,
                                                   tests a mod in it and deletes it
late_deadline          off_hours                   an evening session that runs past midnight
vpn_reconnect          impossible_travel           a switch to the organisation's VPN (or a
                                                   phone) and back, minutes apart
new_device             account_takeover            setting up access from another office of
                                                   the organisation
reorganisation         privilege_escalation        an admin grants owner roles across teams
cross_team_support     workspace_sprawl            a platform engineer's habitual sessions in
                                                   other teams' workspaces
covering_teammate      actor_mismatch              updates to an absent teammate's resources
                                                   (``created_by`` is the teammate)
bulk_script            rapid_succession            a habitual script updating one kind of
                                                   resource seconds apart
return_from_leave      dormant_reactivation        back after weeks of leave
card_renewal           billing_change              an admin replaces an expiring card
project_ramp_up        low_and_slow                a new project: one kind of its resources
                                                   or runs steady, another growing, 5-10 days
hand_maintenance       service_account_misuse      an engineer reruns a service account's
                                                   own jobs by hand, at work
contractor_access      privilege_persistence       an admin adds an outside contractor, owner
                                                   of one workspace, who starts days later
                                                   from their company's network
customer_report        data_exfiltration           reports for a customer or an auditor:
                                                   snapshots of several workspaces in one
                                                   session, left open to anyone with the link
=====================  ==========================  ===========================================
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pipes_anomaly.generate.builder import Resources, growth_pair
from pipes_anomaly.generate.config import GenerateConfig, is_weekend
from pipes_anomaly.generate.inject import Injector, take_snapshot
from pipes_anomaly.generate.plan import Planner, workday
from pipes_anomaly.generate.vocabulary import ACTION_SPEC, DELETE_MIX, KIND_ID, extra_index
from pipes_anomaly.schema import LOOKALIKES

#: look-alikes of each kind per period at the reference size and ``mimic_rate`` 1
_PER_TEST, _PER_TRAIN = 1, 1
#: a migration deletes resources at least this old (seconds)
_MIGRATION_MIN_AGE = 14 * 86_400
#: the update that covers for a teammate's resource of each kind
_COVER_UPDATE = {
    "workspace": "workspace.update", "connection": "connection.update",
    "pipeline": "pipeline.update", "dtable": "datatank.table.update",
    "aggregator": "workspace.aggregator.update",
    "modvar": "workspace.mod.variable.setting.update", "snapshot": "workspace.snapshot.update",
}  # fmt: skip
#: what a bulk script updates, one kind per run
_SCRIPT_ACTIONS = ("workspace.mod.variable.setting.update", "connection.update",
                   "pipeline.update", "datatank.table.update", "workspace.update")  # fmt: skip
#: what a support engineer does in another team's workspace
_SUPPORT_ACTIONS = ("workspace.update", "workspace.snapshot.create", "workspace.mod.install",
                    "workspace.reboot")  # fmt: skip
#: what setting up a new device or a new project creates
_SETUP_ACTIONS = ("connection.create", "connection.permission.create", "integration.create",
                  "workspace.mod.install")  # fmt: skip
#: days of leave before a return (range, end excluded)
_LEAVE_DAYS = (21, 36)
#: earlier days a habit (support sessions, scripts) also happened on (range, end excluded)
_HABIT_DAYS, _HABIT_LOOKBACK = (2, 5), 21
#: days after being added a contractor starts, and the working days they work (ranges, end
#: excluded)
_CONTRACTOR_AFTER_DAYS, _CONTRACTOR_DAYS = (1, 6), (2, 6)
#: workspaces a customer report snapshots (range, end excluded), and the chance each
#: snapshot is also downloaded
_REPORT_WORKSPACES, _REPORT_DOWNLOAD = (3, 10), 0.3


def reserve_contractors(cfg: GenerateConfig, plan: Planner) -> None:
    """Reserve the accounts of the contractors ``contractor_access`` adds (one each).

    Chosen before anything is made, so that no membership, resource or activity of
    theirs comes before an admin adds them (fewer contractors when the organisation
    has too few people to spare).
    """
    if not cfg.lookalikes:
        return
    n_test, n_train = plan.counts(_PER_TEST, _PER_TRAIN, cfg.mimic_rate)
    for _ in range(n_test + n_train):
        if plan.reserve_fresh("contractor") < 0:
            break


def inject_mimics(cfg: GenerateConfig, plan: Planner, inj: Injector) -> None:
    """Write the look-alikes of every kind in :data:`MIMICS`, in each period."""
    n_test, n_train = plan.counts(_PER_TEST, _PER_TRAIN, cfg.mimic_rate)
    for kind, func in MIMICS.items():
        look = LOOKALIKES.index(kind)
        for period, k in (("test", n_test), ("train", n_train)):
            for _ in range(k):
                func(plan, inj, plan.day(period, margin=2), look)


def _migration(p: Planner, e: Injector, d: int, look: int) -> None:
    """Have an admin delete a batch of old resources and recreate the same kinds."""
    a = p.pick(d, roles=("admin", "power"))
    t, ip = e.local_ts(a, d, e.work_hour(a) - 1.0), e.usual_ip(a, d)
    deletes = p.weighted(DELETE_MIX, int(p.rng.integers(5, 16)))
    for act in deletes:
        e.add(t, a, act, ip, min_age=_MIGRATION_MIN_AGE, look=look)
        t += p.gap(30, 300)
    for act in deletes:
        e.add(t, a, _recreate(act), ip, look=look)
        t += p.gap(30, 400)


def _recreate(delete: str) -> str:
    """Return the create action that makes what ``delete`` removes."""
    kind = ACTION_SPEC[delete][0]
    return next(a for a, (k, verb) in ACTION_SPEC.items() if k == kind and verb == 0)


def _ci_workspace(p: Planner, e: Injector, d: int, look: int) -> None:
    """Have a bot build a workspace, test a mod and delete it, on a few days."""
    rng, org, res = p.rng, e.org, e.res
    bots = np.flatnonzero(org.a_bot & (org.active_from <= d))
    a = int(rng.choice(bots)) if bots.size else p.pick(d, roles=("power",))
    team = int(org.a_team[a])
    for k in range(int(rng.integers(1, 4))):
        day = min(d + k, p.D - 1)
        ip = e.usual_ip(a, day)
        t = e.local_ts(a, day, float(rng.uniform(1.0, 5.0)) if org.a_bot[a] else e.work_hour(a))
        ws = res.add("workspace", team, t, explicit=True)
        e.add(t, a, "workspace.create", ip, target=ws, look=look)
        t += p.gap(30, 300)
        mod = res.add("mod", team, t, parent=ws, explicit=True)
        e.add(t, a, "workspace.mod.install", ip, target=mod, look=look)
        t += p.gap(60, 600)
        snap = res.add("snapshot", team, t, parent=ws, explicit=True)
        e.add(t, a, "workspace.snapshot.create", ip, target=snap, look=look)
        t += p.gap(120, 1500)
        res.explicit_deleted[mod] = res.explicit_deleted[snap] = t
        e.add(t, a, "workspace.delete", ip, target=ws, look=look)
        res.explicit_deleted[ws] = t


def _late_deadline(p: Planner, e: Injector, d: int, look: int) -> None:
    """Write an evening session from home that runs past midnight (usual actions)."""
    rng = p.rng
    d = min(d, p.D - 2)
    a = p.pick(d, span=2)
    ip = int(e.org.actors.at[a, "home_ip"])
    t = e.local_ts(a, d, float(rng.uniform(21.0, 23.0)))
    for act in e.sample_actions(a, int(rng.integers(8, 20))):
        e.add(t, a, act, ip, look=look)
        t += p.gap(300, 1200)


def _vpn_reconnect(p: Planner, e: Injector, d: int, look: int) -> None:
    """Move a session to the organisation's VPN (or a phone) and back, minutes apart."""
    rng, org = p.rng, e.org
    a = p.pick(d)
    usual = e.usual_ip(a, d)
    pool = org.org_vpn[int(org.a_org[a])]
    away = int(rng.choice(pool)) if rng.random() < 0.7 else int(e.ips.mint("mobile")[0])
    t = e.local_ts(a, d, e.work_hour(a))
    for ip, (lo, hi) in ((usual, (2, 5)), (away, (2, 6)), (usual, (1, 4))):
        for act in e.sample_actions(a, int(rng.integers(lo, hi))):
            e.add(t, a, act, ip, look=look)
            t += p.gap(60, 600)


def _new_device(p: Planner, e: Injector, d: int, look: int) -> None:
    """Someone visiting another office of the organisation sets up access there."""
    rng, org = p.rng, e.org
    a = p.pick(d)
    o = int(org.a_org[a])
    offices = [ips for (oo, _), ips in org.office_ips.items() if oo == o]
    ip = int(rng.choice(offices[int(rng.integers(len(offices)))]))
    t = e.local_ts(a, d, e.work_hour(a))
    acts: list = e.sample_actions(a, int(rng.integers(2, 6)))
    acts += [str(x) for x in rng.choice(_SETUP_ACTIONS, int(rng.integers(2, 5)))]
    if org.actions.has("user.token.create"):
        acts.append("user.token.create")
    for i in rng.permutation(len(acts)):
        e.add(t, a, acts[int(i)], ip, look=look)
        t += p.gap(60, 900)


def _reorganisation(p: Planner, e: Injector, d: int, look: int) -> None:
    """Have an admin make several people owners, of workspaces across teams and the org."""
    rng, org = p.rng, e.org
    a = p.pick(d, roles=("admin",))
    o = int(org.a_org[a])
    t, ip = e.local_ts(a, d, e.work_hour(a)), e.usual_ip(a, d)
    fresh = np.isin(np.arange(org.n_actors), list(org.fresh))  # added later, by someone
    people = np.flatnonzero(
        ~org.a_bot & ~fresh & (org.a_org == o) & (org.active_from <= d) & (org.active_to >= d)
    )
    for person in rng.choice(people, size=min(people.size, int(rng.integers(3, 9))), replace=False):
        g_ = int(rng.choice([g for g in range(org.n_teams) if org.team_org[g] == o]))
        ws = e.res.core_ws[g_]
        e.add(t, a, "org.workspace.member.add", ip, group=g_, ref=int(person),
              parent=ws[int(rng.integers(len(ws)))],
              extra=extra_index("org.workspace.member.add", '"owner"'), look=look)  # fmt: skip
        t += p.gap(30, 300)
    for person in rng.choice(people, size=min(people.size, int(rng.integers(1, 3))), replace=False):
        e.add(t, a, "org.member.update", ip, target=int(e.res.member_row[int(person)]),
              extra=extra_index("org.member.update", '"owner"'), look=look)  # fmt: skip
        t += p.gap(30, 300)


def _habit_days(p: Planner, d: int) -> list[int]:
    """Return day ``d`` and a few earlier working days the same habit happened on."""
    lo = max(1, d - _HABIT_LOOKBACK)
    extra = p.rng.integers(lo, max(lo + 1, d), int(p.rng.integers(*_HABIT_DAYS)))
    return sorted({d, *(workday(p.cfg, int(x), lo, d) for x in extra)})


def _cross_team_support(p: Planner, e: Injector, d: int, look: int) -> None:
    """Write a platform engineer's sessions in other teams' workspaces, on several days."""
    rng, org = p.rng, e.org
    a = p.pick(d, roles=("power", "admin"))
    o = int(org.a_org[a])
    pool = [(g_, w) for g_ in range(org.n_teams) if org.team_org[g_] == o
            and g_ != org.a_team[a] for w in e.res.core_ws[g_]]  # fmt: skip
    for day in _habit_days(p, d):
        p.busy.setdefault(a, set()).add(day)
        t, ip = e.local_ts(a, day, e.work_hour(a) - 1.0), e.usual_ip(a, day)
        for i in rng.choice(len(pool), size=min(len(pool), int(rng.integers(5, 13))),
                            replace=False):  # fmt: skip
            g_, w = pool[int(i)]
            act = str(rng.choice(_SUPPORT_ACTIONS))
            where = dict(target=w) if act in ("workspace.update", "workspace.reboot") else dict(
                parent=w)  # fmt: skip
            e.add(t, a, act, ip, group=int(g_), look=look, **where)
            t += p.gap(60, 600)


def _covering_teammate(p: Planner, e: Injector, d: int, look: int) -> None:
    """Write updates to a teammate's resources while the teammate is away."""
    rng, org, res = p.rng, e.org, e.res
    a = p.pick(d)
    team = int(org.a_team[a])
    mates = [m for m in org.team_members[team] if m != a and not org.a_bot[m]] or [a]
    mate = int(rng.choice(mates))
    if mate != a and p.is_free(mate, d, d):  # the teammate is off that day
        org.absent.append((mate, d, d))
        p.busy.setdefault(mate, set()).add(d)
    rows = _core_rows(res, team, mate, exclude=a)
    if not rows:
        return
    t, ip = e.local_ts(a, d, e.work_hour(a)), e.usual_ip(a, d)
    for _ in range(int(rng.integers(5, 14))):
        row, kind = rows[int(rng.integers(len(rows)))]
        e.add(t, a, _COVER_UPDATE[kind], ip, target=row, look=look)
        t += p.gap(120, 1500)


def _core_rows(res: Resources, team: int, creator: int, exclude: int) -> list[tuple[int, str]]:
    """Core rows of ``team`` that ``creator`` made (any not made by ``exclude`` if none)."""
    c = res.cols
    kinds = {KIND_ID[k]: k for k in _COVER_UPDATE}
    rows = [(i, kinds[k]) for i, (k, g, core) in enumerate(zip(c["kind"], c["group"], c["core"],
            strict=True)) if core and g == team and k in kinds]  # fmt: skip
    mine = [r for r in rows if c["creator"][r[0]] == creator]
    return mine or [r for r in rows if c["creator"][r[0]] != exclude]


def _bulk_script(p: Planner, e: Injector, d: int, look: int) -> None:
    """Run a habitual script: one update dozens of times, seconds apart, on several days."""
    rng = p.rng
    a = p.pick(d, roles=("power", "admin"))
    act = str(rng.choice(_SCRIPT_ACTIONS))
    for day in _habit_days(p, d):
        p.busy.setdefault(a, set()).add(day)
        t, ip = e.local_ts(a, day, e.work_hour(a)), e.usual_ip(a, day)
        for _ in range(int(rng.integers(15, 50))):
            e.add(t, a, act, ip, look=look)
            t += p.gap(1, 8)


def _return_from_leave(p: Planner, e: Injector, d: int, look: int) -> None:
    """Someone back from weeks of leave picks up where they left off, from home."""
    rng, org = p.rng, e.org
    gap = min(int(rng.integers(*_LEAVE_DAYS)), p.D - 2)  # a short timeline: shorter leave
    d = min(max(d, gap + 1), p.D - 1)
    a = p.pick(d - gap, span=gap + 1)
    org.absent.append((a, d - gap, d - 1))
    t = e.local_ts(a, d, e.work_hour(a))
    ip = int(org.actors.at[a, "home_ip"])
    acts: list = e.sample_actions(a, int(rng.integers(4, 10)))
    acts[0] = str(rng.choice(_SETUP_ACTIONS[:3]))
    for act in acts:
        e.add(t, a, act, ip, look=look)
        t += p.gap(120, 1500)


def _card_renewal(p: Planner, e: Injector, d: int, look: int) -> None:
    """Have an admin replace an expiring card, from the usual address or a phone."""
    rng = p.rng
    a = p.pick(d, roles=("admin",))
    ip = e.usual_ip(a, d) if rng.random() < 0.7 else int(e.ips.mint("mobile")[0])
    t = e.local_ts(a, d, e.work_hour(a))
    e.add(t, a, "org.billing.payment_method.create", ip, look=look)
    if rng.random() < 0.3:
        e.add(t + p.gap(60, 600), a, "org.update", ip, look=look)


def _project_ramp_up(p: Planner, e: Injector, d: int, look: int) -> None:
    """Start a new project: a pipeline, then one kind of its resources steady, another growing."""
    rng = p.rng
    span = int(min(rng.integers(5, 11), p.D - d))
    a = p.pick(d, span=span)
    slow, fast = growth_pair(rng, e.org.actions)
    for k in range(span):
        day = d + k
        if is_weekend(e.org.start, day):
            continue
        ip = e.usual_ip(a, day)
        acts = ["pipeline.create"] if k == 0 else []
        acts += [slow] * int(rng.integers(0, 3))
        acts += [fast] * int(rng.integers(1, 3 + k))
        for act in acts:
            e.add(e.local_ts(a, day, e.work_hour(a)), a, act, ip, look=look)


def _hand_maintenance(p: Planner, e: Injector, d: int, look: int) -> None:
    """Have an engineer rerun or fix a service account's own jobs by hand, at work."""
    rng = p.rng
    d = workday(p.cfg, d, max(0, d - 2), min(p.D - 1, d + 2))
    bots = p.free(d, roles=("bot",))
    if not bots:
        return
    a = bots[int(rng.integers(len(bots)))]
    p.busy.setdefault(a, set()).add(d)
    person = e.colleague(a, rng, day=d)  # someone of the account's own organisation
    t, ip = e.local_ts(person, d, e.work_hour(person)), e.usual_ip(person, d)
    for act in e.sample_actions(a, int(rng.integers(2, 9))):
        e.add(t, a, act, ip, manual=True, look=look)
        t += p.gap(30, 900)


def _contractor_access(p: Planner, e: Injector, d: int, look: int) -> None:
    """Have an admin add an outside contractor, owner of one workspace, who starts days later.

    In the admin's working hours from its usual address: the contractor added as member,
    then owner of one workspace.  One to five days later the contractor works there on
    two to five working days, in their own hours, from their company's network (new to
    the organisation), with a normal member's mix of actions.
    """
    c = p.take_fresh("contractor")
    if c < 0:
        return
    rng, org = p.rng, e.org
    o = int(org.a_org[c])
    d = workday(p.cfg, d, max(0, d - 2), min(p.D - 1, d + 2))
    admin = p.pick(d, roles=("admin",), org=o)
    t, ip = e.local_ts(admin, d, e.work_hour(admin)), e.usual_ip(admin, d)
    e.add_member(t, admin, c, ip, "member", look=look)
    pool = e.org_workspaces(o)
    team, ws = pool[int(rng.integers(len(pool)))]
    t += p.gap(60, 900)
    e.grant_workspace(t, admin, c, ip, team, ws, "owner", look=look)
    company = int(e.ips.mint("office")[0])
    day = min(d + int(rng.integers(*_CONTRACTOR_AFTER_DAYS)), p.D - 1)
    day = workday(p.cfg, day, d + 1, p.D - 1)
    org.active_from[c] = day
    left = int(rng.integers(*_CONTRACTOR_DAYS))
    while day < p.D and left > 0:
        if not is_weekend(org.start, day):
            t = max(e.local_ts(c, day, e.work_hour(c)), t + p.gap(3600, 7200))
            for act in e.sample_actions(c, int(rng.integers(3, 9))):
                e.add(t, c, act, company, group=team, look=look)
                t += p.gap(60, 1500)
            left -= 1
        day += 1


def _customer_report(p: Planner, e: Injector, d: int, look: int) -> None:
    """Have someone send reports to a customer or an auditor: snapshots of several workspaces.

    In working hours from the usual address, snapshots of workspaces across its
    organisation (``sharing`` leaves them open to anyone with the link), some downloaded
    where the API can.
    """
    rng = p.rng
    d = workday(p.cfg, d, max(0, d - 2), min(p.D - 1, d + 2))
    a = p.pick(d, roles=("normal", "power", "admin"))
    t, ip = e.local_ts(a, d, e.work_hour(a)), e.usual_ip(a, d)
    pool = e.org_workspaces(int(e.org.a_org[a]))
    k = min(len(pool), int(rng.integers(*_REPORT_WORKSPACES)))
    for i in rng.choice(len(pool), size=k, replace=False):
        team, ws = pool[int(i)]
        t = take_snapshot(p, e, t, a, ip, team, ws, pause=(60, 900), download=_REPORT_DOWNLOAD,
                          look=look)  # fmt: skip


#: every look-alike kind that mimics one scenario, and the function that writes one
MIMICS: dict[str, Callable[[Planner, Injector, int, int], None]] = {
    "migration": _migration,
    "ci_workspace": _ci_workspace,
    "late_deadline": _late_deadline,
    "vpn_reconnect": _vpn_reconnect,
    "new_device": _new_device,
    "reorganisation": _reorganisation,
    "cross_team_support": _cross_team_support,
    "covering_teammate": _covering_teammate,
    "bulk_script": _bulk_script,
    "return_from_leave": _return_from_leave,
    "card_renewal": _card_renewal,
    "project_ramp_up": _project_ramp_up,
    "hand_maintenance": _hand_maintenance,
    "contractor_access": _contractor_access,
    "customer_report": _customer_report,
}
#: the scenario each look-alike of :data:`MIMICS` mimics
MIMICKED = {
    "migration": "mass_deletion", "ci_workspace": "short_lived_workspace",
    "late_deadline": "off_hours", "vpn_reconnect": "impossible_travel",
    "new_device": "account_takeover", "reorganisation": "privilege_escalation",
    "cross_team_support": "workspace_sprawl", "covering_teammate": "actor_mismatch",
    "bulk_script": "rapid_succession", "return_from_leave": "dormant_reactivation",
    "card_renewal": "billing_change", "project_ramp_up": "low_and_slow",
    "hand_maintenance": "service_account_misuse", "contractor_access": "privilege_persistence",
    "customer_report": "data_exfiltration",
}  # fmt: skip
