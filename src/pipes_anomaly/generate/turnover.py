"""People who leave during the timeline: their last day, and the admin who removes them.

A leaver's activity ends on the day before they leave; an admin deletes their
organisation membership that day or the next.  What they created stays, so
teammates go on acting on resources whose ``data.created_by`` names them.
Joiners are new hires (``lookalikes.reserve_new_hires``).
"""

from __future__ import annotations

import numpy as np

from pipes_anomaly.generate.config import GenerateConfig
from pipes_anomaly.generate.inject import Injector
from pipes_anomaly.generate.plan import Planner

#: a leaver leaves no earlier than this day of the timeline
_FIRST_LEAVE_DAY = 3
#: days after leaving an admin removes the membership (range, end excluded; the day after
#: at the earliest, so that no time zone sees the removal before the last work)
_REMOVAL_DAYS = (1, 3)


def reserve_leavers(cfg: GenerateConfig, plan: Planner) -> list[tuple[int, int]]:
    """Choose the leavers and end their activity (``leaver_share`` of the people).

    Returns
    -------
    list of (int, int)
        ``(actor, day they leave)``.
    """
    org, rng = plan.org, plan.rng
    people = np.flatnonzero(~org.a_bot & ~plan.reserved_mask & (org.active_from == 0))
    n = min(people.size // 2, round(cfg.leaver_share * people.size))
    if n <= 0 or plan.D <= _FIRST_LEAVE_DAY:
        return []
    leavers = []
    for a in rng.choice(people, size=n, replace=False):
        d = int(rng.integers(_FIRST_LEAVE_DAY, plan.D))
        org.active_to[a] = min(org.active_to[a], d - 1)
        plan.reserve(int(a))
        leavers.append((int(a), d))
    return leavers


def inject_leavers(plan: Planner, inj: Injector, leavers: list[tuple[int, int]]) -> None:
    """Have an admin delete each leaver's organisation membership."""
    rng = plan.rng
    for a, d in leavers:
        day = min(plan.D - 1, d + int(rng.integers(*_REMOVAL_DAYS)))
        admin = plan.pick(day, roles=("admin",))
        t = inj.local_ts(admin, day, inj.work_hour(admin))
        row = int(inj.res.member_row[a])
        inj.add(t, admin, "org.member.delete", inj.usual_ip(admin, day), target=row)
        inj.res.explicit_deleted[row] = t
