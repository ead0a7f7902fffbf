"""Planned events: written one by one with times, addresses and actions drawn as an actor would."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from pipes_anomaly.generate.builder import IpTable, Organisation, Resources, Users
from pipes_anomaly.generate.config import DAY
from pipes_anomaly.generate.vocabulary import ACTION_ID, ACTION_VERB, CREATE, extra_index

if TYPE_CHECKING:
    from pipes_anomaly.generate.plan import Planner

#: event columns, in the order of an injected row; ``by`` is the user the record says
#: acted (the actor, unless forged); ``manual`` 1 when made by hand, outside any process
#: (0: as the actor's habit has it)
EVENT_COLUMNS = ("ts", "actor", "by", "action", "target", "group", "ip", "extra",
                 "min_age", "ref", "parent", "scenario", "incident", "lookalike",
                 "manual")  # fmt: skip
#: a routine delete picks a resource at least this old (seconds)
ROUTINE_MIN_AGE = 7 * DAY
#: kinds of address a new, unfamiliar address is minted from, and how often each
_NEW_IP_KINDS = (["home", "mobile", "vpn", "home6", "cloud"], [0.35, 0.2, 0.25, 0.1, 0.1])
#: kinds of exit that may come from the provider pool every organisation shares
_EGRESS_KINDS = ("vpn", "cloud")
#: actions drawn per wanted one when only acting records (creates, updates) will do
_ACTING_DRAWS = 6
#: a planned event falls in the first ``_MINUTE`` seconds after its local hour
_MINUTE = 60
#: a planned working-hours event starts this long after the day starts and before it ends
_AFTER_START_H, _BEFORE_END_H = 0.3, 1.5
#: a fresh account's user is made this many seconds before it is added (range)
_ACCOUNT_BEFORE_ADD = (300, 7200)


class Injector:
    """Writes planned events, and draws their times, addresses and actions (injection stream).

    Events are kept as rows of :data:`EVENT_COLUMNS`; the resources and users they
    make go into ``res`` and ``users``, new addresses into ``ips``.
    """

    def __init__(self, org: Organisation, res: Resources, users: Users, ips: IpTable,
                 rng: np.random.Generator, *, shared_egress: float = 0.0,
                 rng_net: np.random.Generator | None = None) -> None:  # fmt: skip
        self.org = org
        self.res = res
        self.users = users
        self.ips = ips
        self.rng = rng
        self.shared_egress = shared_egress
        self.rng_net = rng_net
        self.rows: list[tuple] = []

    def local_ts(self, a: int, day: int, hour: float) -> int:
        """UTC seconds of local ``hour`` on local calendar day ``day`` for actor ``a``."""
        sec = hour * 3600.0 + self.rng.uniform(0, _MINUTE)
        return int(self.org.t0 + day * DAY + sec - self.org.a_tz[a] * 60)

    def work_hour(self, a: int) -> float:
        """Draw a local hour within actor ``a``'s working day."""
        org = self.org
        return float(self.rng.uniform(org.a_bs[a] + _AFTER_START_H, org.a_be[a] - _BEFORE_END_H))

    def usual_ip(self, a: int, day: int) -> int:
        """Address actor ``a`` usually works from on ``day``."""
        return self.org.usual_ip(a, day)

    def new_ip(self) -> int:
        """Draw an address of a kind an attacker uses: fresh, or a shared provider exit."""
        kind = str(self.rng.choice(_NEW_IP_KINDS[0], p=_NEW_IP_KINDS[1]))
        net = self.rng_net
        shared = kind in _EGRESS_KINDS and net is not None and self.shared_egress > 0
        if shared and net.random() < self.shared_egress:
            return int(self.ips.egress(kind, net)[0])
        return int(self.ips.mint(kind)[0])

    def attacker_ip(self, own: tuple[int, ...] = ()) -> int:
        """Return an attacker's address: one of its ``own`` when it keeps them, else a new one."""
        if own:
            return own[int(self.rng.integers(len(own)))]
        return self.new_ip()

    def colleague(self, a: int, rng: np.random.Generator, *, day: int | None = None) -> int:
        """Another person of actor ``a``'s organisation (``a`` itself if it is alone).

        With ``day``, a person employed that day (anyone of the organisation if none is).
        Fresh accounts (``org.fresh``: a backdoor, a contractor) are nobody's colleague.
        """
        org = self.org
        others = np.flatnonzero(~org.a_bot & (org.a_org == org.a_org[a]))
        if day is not None:
            employed = others[(org.active_from[others] <= day) & (org.active_to[others] >= day)]
            others = employed if employed.size else others
        others = [int(x) for x in others if x != a and x not in org.fresh]
        return int(rng.choice(others)) if others else a

    def org_workspaces(self, o: int) -> list[tuple[int, int]]:
        """List the core workspaces of organisation ``o``'s teams, as ``(team, workspace row)``."""
        org = self.org
        return [(g, w) for g in range(org.n_teams) if org.team_org[g] == o
                for w in self.res.core_ws[g]]  # fmt: skip

    def sample_actions(self, a: int, n: int) -> list[int]:
        """Draw ``n`` actions from actor ``a``'s own mix."""
        u = self.rng.random(n)
        return [int(x) for x in np.searchsorted(self.org.mix_cum[a], u, side="right")]

    def acting_actions(self, a: int, n: int) -> list[int]:
        """Draw ``n`` actions of actor ``a``'s mix whose records say who acted.

        Those are creates (``data.created_by``) and the update-like actions whose
        records carry ``data.updated_by`` in this world; the actor's mix decides
        which, and ``connection.create`` fills in when the mix has too few.
        """
        acts = self.sample_actions(a, _ACTING_DRAWS * n)
        keep = [x for x in acts if self.is_acting(x)][:n]
        return keep + [ACTION_ID["connection.create"]] * (n - len(keep))

    def is_acting(self, action: int) -> bool:
        """Whether records of ``action`` name who acted (creates, carried updates)."""
        return bool(ACTION_VERB[action] == CREATE or self.org.actions.updated_by[action])

    def new_user(self, org: int) -> int:
        """Invite one user of organisation ``org``; return its user index."""
        return self.users.invite_one(self.rng, org)

    def add_member(self, ts: int, a: int, user: int, ip: int, role: str, **tags: int) -> int:
        """Have ``a`` add actor ``user`` to its organisation as ``role``; return the membership.

        The membership row is made now (``res.member_row``: the account's own sign-ins
        touch it) and the account's user shortly before; ``tags`` label the record
        (``scenario``, ``incident`` or ``look``).
        """
        org = self.org
        row = self.res.add("member", int(org.a_team[user]), ts, ref=user, explicit=True)
        self.res.member_row[user] = row
        org.actors.at[user, "created_ts"] = ts - int(self.rng.integers(*_ACCOUNT_BEFORE_ADD))
        self.add(ts, a, "org.member.add", ip, target=row,
                 extra=extra_index("org.member.add", f'"{role}"'), **tags)  # fmt: skip
        return row

    def grant_workspace(self, ts: int, a: int, user: int, ip: int, team: int, ws: int,
                        role: str, **tags: int) -> int:  # fmt: skip
        """Have ``a`` add actor ``user`` to workspace ``ws`` of ``team`` as ``role``.

        Returns
        -------
        int
            The workspace membership's row (for a later ``org.workspace.member.update``).
        """
        row = self.res.add("wsmember", team, ts, parent=ws, ref=user, explicit=True)
        self.add(ts, a, "org.workspace.member.add", ip, target=row, group=team,
                 extra=extra_index("org.workspace.member.add", f'"{role}"'), **tags)  # fmt: skip
        return row

    def add(self, ts: int, a: int, action: str | int, ip: int, *, target: int = -1,
            group: int | None = None, by: int | None = None, extra: int = -1,
            min_age: int = ROUTINE_MIN_AGE, ref: int = -1, parent: int = -1,
            scenario: int = -1, incident: int = -1, look: int = -1,
            manual: bool = False) -> None:  # fmt: skip
        """Write one event; ``group`` defaults to the actor's team, ``by`` to the actor.

        ``manual``: made by hand, so without a process id even when the actor is a bot.
        """
        act = ACTION_ID[action] if isinstance(action, str) else int(action)
        if group is None:
            group = int(self.org.a_team[a])
        self.rows.append((int(ts), a, a if by is None else by, act, target, group, ip,
                          extra, min_age, ref, parent, scenario, incident, look,
                          int(manual)))  # fmt: skip

    def append_to(
        self, ev: dict[str, np.ndarray], start_ts: int, end_ts: int
    ) -> dict[str, np.ndarray]:
        """Return ``ev`` with the written events inside ``[start_ts, end_ts)`` appended."""
        if not self.rows:
            return ev
        arr = np.array(self.rows, dtype=np.int64)
        keep = (arr[:, 0] >= start_ts) & (arr[:, 0] < end_ts)
        arr = arr[keep]
        out = {}
        for j, col in enumerate(EVENT_COLUMNS):
            out[col] = np.concatenate([ev[col], arr[:, j].astype(ev[col].dtype)])
        return out


def take_snapshot(p: Planner, e: Injector, t: int, a: int, ip: int, team: int, ws: int, *,
                  pause: tuple[float, float], download: float, **tags: int) -> int:  # fmt: skip
    """Have ``a`` snapshot workspace ``ws`` and, where the API can, download it just after.

    The snapshot is a resource row of its own, so the download fetches that snapshot; it
    is downloaded with chance ``download``.  Return the time after the last record.
    """
    snap = e.res.add("snapshot", team, t, parent=ws, explicit=True)
    e.add(t, a, "workspace.snapshot.create", ip, target=snap, group=team, **tags)
    t += p.gap(*pause)
    if e.org.actions.has("workspace.snapshot.download") and p.rng.random() < download:
        e.add(t, a, "workspace.snapshot.download", ip, target=snap, group=team, **tags)
        t += p.gap(10, 120)
    return t
