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


class Planner:
    """Chooses actors and days for planned events (the plan stream), keeping actors apart.

    An actor picked for a day is busy that day; another pick prefers actors free
    the day before and after too.  Reserved actors (new hires, dormant accounts)
    are never picked for anything else.
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

    def is_free(self, a: int, d0: int, d1: int) -> bool:
        """Whether actor ``a`` has nothing planned from the day before ``d0`` to after ``d1``."""
        busy = self.busy.get(a, set())
        return not any(d in busy for d in range(d0 - 1, d1 + 2))

    def pick(self, day: int, *, roles: tuple[str, ...] = ("normal", "power", "admin"),
             span: int = 1) -> int:  # fmt: skip
        """Pick an active actor of ``roles`` free on ``day .. day+span-1``."""
        org = self.org
        span_ok = self._available(day, span)
        cands = np.flatnonzero(np.isin(org.a_role, roles) & span_ok)
        if cands.size == 0:
            cands = np.flatnonzero(~org.a_bot & span_ok)
        if cands.size == 0:
            cands = np.flatnonzero(~org.a_bot & ~self.reserved_mask)
        if cands.size == 0:  # a tiny organisation with every person reserved
            cands = np.flatnonzero(~org.a_bot)
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
    them across sessions (a persistent attacker), else new ones are drawn.
    """

    actor: int
    day: int
    grade: float
    span: int
    tags: dict
    ips: tuple[int, ...] = ()


def workday(cfg: GenerateConfig, d: int, lo: int, hi: int) -> int:
    """Move a weekend day ``d`` to the nearest weekday within ``[lo, hi]``."""
    for step in _WORKDAY_STEPS:
        c = d + step
        if lo <= c <= hi and not is_weekend(cfg.start, c):
            return c
    return d
