"""Who and when: actors free on a day, days in a period, incident counts, gaps, mixes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipes_anomaly.generate.builder import Organisation
from pipes_anomaly.generate.config import GenerateConfig, is_weekend

#: the world size that ``attack_rate`` counts are given for: actors, test and training days
REFERENCE_ACTORS = 150
REFERENCE_TEST_DAYS = 18
REFERENCE_TRAIN_DAYS = 42
#: candidates tried for an actor free on the planned days before taking a busy one
_PICK_TRIES = 200
#: steps tried, in order, to move a weekend day to a weekday
_WORKDAY_STEPS = (0, -1, 1, -2, 2)
#: a fresh account is taken from a team that keeps more than this many other members, in
#: an organisation that keeps more than this many unreserved people
_FRESH_TEAM_LEFT, _FRESH_ORG_LEFT = 2, 4


class Planner:
    """Chooses actors and days for planned events (the plan stream), keeping actors apart.

    An actor picked for a day is busy that day; another pick prefers actors free
    the day before and after too.  Reserved actors (new hires, dormant accounts,
    fresh accounts) are never picked for anything else.
    """

    def __init__(self, cfg: GenerateConfig, org: Organisation, rng: np.random.Generator) -> None:
        self.cfg = cfg
        self.org = org
        self.rng = rng
        self.T, self.D = cfg.train_days, cfg.days
        size = cfg.actors * cfg.orgs
        self.scale_test = size * (self.D - self.T) / (REFERENCE_ACTORS * REFERENCE_TEST_DAYS)
        self.scale_train = size * self.T / (REFERENCE_ACTORS * REFERENCE_TRAIN_DAYS)
        self.reserved_mask = np.zeros(org.n_actors, dtype=bool)
        self.busy: dict[int, set[int]] = {}
        #: fresh accounts reserved for each use and not handed out yet
        self.spare: dict[str, list[int]] = {}
        self.fresh_mask = np.zeros(org.n_actors, dtype=bool)

    def is_free(self, a: int, d0: int, d1: int) -> bool:
        """Whether actor ``a`` has nothing planned from the day before ``d0`` to after ``d1``."""
        busy = self.busy.get(a, set())
        return not any(d in busy for d in range(d0 - 1, d1 + 2))

    def pick(self, day: int, *, roles: tuple[str, ...] = ("normal", "power", "admin"),
             span: int = 1, org: int | None = None) -> int:  # fmt: skip
        """Pick an active actor of ``roles`` free on ``day .. day+span-1`` (of ``org`` if given)."""
        o = self.org
        people = ~o.a_bot if org is None else ~o.a_bot & (o.a_org == org)
        span_ok = self._available(day, span)
        if org is not None:
            span_ok &= o.a_org == org
        cands = np.flatnonzero(np.isin(o.a_role, roles) & span_ok)
        if cands.size == 0:
            cands = np.flatnonzero(people & span_ok)
        if cands.size == 0:
            cands = np.flatnonzero(people & ~self.reserved_mask)
        if cands.size == 0:  # a tiny organisation with every person reserved
            cands = np.flatnonzero(people & ~self.fresh_mask)
        a = int(cands[0])
        for i in self.rng.permutation(cands.size)[:_PICK_TRIES]:
            a = int(cands[i])
            if self.is_free(a, day, day + span - 1):
                break
        self.busy.setdefault(a, set()).update(range(day, day + span))
        return a

    def free(self, day: int, *, roles: tuple[str, ...], span: int = 1) -> list[int]:
        """List the active, unreserved actors of ``roles`` free on ``day .. day+span-1``."""
        ok = np.isin(self.org.a_role, roles) & self._available(day, span)
        return [int(a) for a in np.flatnonzero(ok) if self.is_free(int(a), day, day + span - 1)]

    def _available(self, day: int, span: int) -> np.ndarray:
        """Mask of the actors active on ``day .. day+span-1`` and not reserved."""
        org = self.org
        return (org.active_from <= day) & (org.active_to >= day + span - 1) & ~self.reserved_mask

    def reserve(self, a: int) -> None:
        """Keep actor ``a`` out of every later pick."""
        self.reserved_mask[a] = True

    def reserve_fresh(self, use: str) -> int:
        """Reserve a person as an account made during the timeline for ``use``.

        A normal member of the whole timeline, not busy, from a team and an organisation
        that keep enough people, becomes an account nobody has seen: out of its team (no
        membership, workspace membership or resource before someone adds it), without
        ordinary activity (rate 0, no churn) and nobody's colleague.  Call it before the
        resources are made; :meth:`take_fresh` hands the account out.

        Parameters
        ----------
        use : str
            What the account is for (``backdoor``, ``contractor``).

        Returns
        -------
        int
            The actor, or -1 when no person can be spared.
        """
        org = self.org
        people = ~org.a_bot & ~self.reserved_mask
        left = np.bincount(org.a_org[people], minlength=len(org.org_id))
        ok = people & (org.a_role == "normal") & (left[org.a_org] > _FRESH_ORG_LEFT)
        ok &= (org.active_from == 0) & (org.active_to == self.D - 1)
        ok &= np.array([len(org.team_members[int(t)]) > _FRESH_TEAM_LEFT + 1 for t in org.a_team])
        ok &= np.array([not self.busy.get(a) for a in range(org.n_actors)], dtype=bool)
        cands = np.flatnonzero(ok)
        if cands.size == 0:
            return -1
        a = int(self.rng.choice(cands))
        self.reserve(a)
        self.fresh_mask[a] = True
        org.fresh.add(a)
        org.team_members[int(org.a_team[a])].remove(a)
        org.actors.at[a, "rate"] = 0.0
        self.spare.setdefault(use, []).append(a)
        return a

    def take_fresh(self, use: str) -> int:
        """Hand out the next fresh account reserved for ``use`` (-1 when none is left)."""
        spare = self.spare.get(use, [])
        return spare.pop(0) if spare else -1

    def day(self, period: str, margin: int = 0) -> int:
        """Draw a day of ``period`` (``train`` or ``test``) leaving ``margin`` days after it."""
        if period == "test":
            return int(self.rng.integers(self.T, max(self.T + 1, self.D - margin)))
        return int(self.rng.integers(1, max(2, self.T - margin)))

    def counts(self, per_test: float, per_train: float, rate: float) -> tuple[int, int]:
        """Events to plan in the test and training periods, scaled to the world's size."""
        if rate <= 0:
            return 0, 0
        return (max(1, round(rate * per_test * self.scale_test)),
                round(rate * per_train * self.scale_train))  # fmt: skip

    def gap(self, lo: float, hi: float) -> int:
        """Draw whole seconds between two events."""
        return int(self.rng.uniform(lo, hi))

    def weighted(self, mix: dict[str, float], n: int) -> list[str]:
        """Draw ``n`` actions from a weighted ``mix``."""
        keys = list(mix)
        p = np.array([mix[k] for k in keys], dtype=float)
        return [keys[i] for i in self.rng.choice(len(keys), size=n, p=p / p.sum())]


@dataclass(frozen=True)
class Incident:
    """One planned incident: its actor, first day, severity and length.

    ``tags`` are the keyword arguments that label its events (``scenario`` and
    ``incident`` indices); ``ips`` are the attacker's own addresses when it keeps
    them across sessions (a persistent attacker), else new ones are drawn;
    ``other`` is a second account the incident acts through (the backdoor a
    privilege-persistence incident adds), -1 when none.
    """

    actor: int
    day: int
    grade: float
    span: int
    tags: dict
    ips: tuple[int, ...] = ()
    other: int = -1


def workday(cfg: GenerateConfig, d: int, lo: int, hi: int) -> int:
    """Move a weekend day ``d`` to the nearest weekday within ``[lo, hi]``."""
    for step in _WORKDAY_STEPS:
        c = d + step
        if lo <= c <= hi and not is_weekend(cfg.start, c):
            return c
    return d
