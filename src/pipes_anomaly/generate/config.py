"""Parameters of a simulated world and the timeline they define."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipes_anomaly.schema import SCENARIOS

#: Fixed default start date (a Monday); output never depends on today's date.
DEFAULT_START = dt.date(2026, 1, 5)

#: Seconds in a day: the timeline is counted in whole UTC days.
DAY = 86_400
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: Share of the timeline that is the training period by default.
DEFAULT_TRAIN_SHARE = 0.7
#: ``date.weekday()`` of Saturday; Saturday and Sunday are the weekend.
SATURDAY = 5


def default_train_days(days: int) -> int:
    """Return the default length of the training period: 70% of ``days``.

    Parameters
    ----------
    days : int
        Length of the simulated timeline in days (at least 2).

    Returns
    -------
    int
        ``round(0.7 * days)`` clipped to ``[1, days - 1]`` (42 for 60 days).
    """
    return int(min(max(round(DEFAULT_TRAIN_SHARE * days), 1), days - 1))


@dataclass(frozen=True)
class GenerateConfig:
    """Parameters of a simulated world.

    Parameters
    ----------
    seed : int, default 0
        Seed of every random choice; the same config gives byte-identical output.
    days : int, default 60
        Length of the continuous timeline in days.
    actors : int, default 150
        Actors per organisation (people and service accounts).
    orgs : int, default 1
        Number of organisations.
    train_days : int, default 42
        Days in the training period; the remaining days are the test period.
    start : datetime.date, default 2026-01-05
        First UTC day of the timeline.
    scenarios : tuple of str, default all of ``schema.SCENARIOS``
        Attack scenarios to inject (may be empty).
    attack_rate : float, default 1.0
        Scales the number of incidents; 1.0 gives about four incidents per
        scenario in a 150-actor, 18-day test period (at least one each).
    lookalikes : bool, default True
        Whether to add benign look-alikes.
    """

    seed: int = 0
    days: int = 60
    actors: int = 150
    orgs: int = 1
    train_days: int = 42
    start: dt.date = DEFAULT_START
    scenarios: tuple[str, ...] = SCENARIOS
    attack_rate: float = 1.0
    lookalikes: bool = True

    def __post_init__(self) -> None:
        if self.days < 2:
            raise ValueError(f"days must be at least 2, got {self.days}")
        if self.actors < 10:
            raise ValueError(f"actors must be at least 10, got {self.actors}")
        if self.orgs < 1:
            raise ValueError(f"orgs must be at least 1, got {self.orgs}")
        if not 1 <= self.train_days < self.days:
            raise ValueError(
                f"train_days must be at least 1 and less than days ({self.days}), "
                f"got {self.train_days}"
            )
        if not self.attack_rate >= 0:
            raise ValueError(f"attack_rate must be >= 0, got {self.attack_rate}")
        unknown = [s for s in self.scenarios if s not in SCENARIOS]
        if unknown:
            raise ValueError(f"unknown scenario {unknown[0]!r}; choose from {', '.join(SCENARIOS)}")
        if len(set(self.scenarios)) != len(self.scenarios):
            raise ValueError("scenarios must not repeat")

    @property
    def start_ts(self) -> int:
        """Unix seconds of the first instant of the timeline."""
        return int(
            (dt.datetime.combine(self.start, dt.time(), tzinfo=dt.UTC) - EPOCH).total_seconds()
        )

    @property
    def split_ts(self) -> int:
        """Unix seconds where the test period starts."""
        return self.start_ts + self.train_days * DAY

    @property
    def end_ts(self) -> int:
        """Unix seconds just after the timeline."""
        return self.start_ts + self.days * DAY


def day_date(start: dt.date, day: int) -> dt.date:
    """Return the calendar date of timeline day ``day`` (0 is ``start``)."""
    return start + dt.timedelta(days=day)


def is_weekend(start: dt.date, day: int) -> bool:
    """Whether timeline day ``day`` falls on a Saturday or Sunday."""
    return day_date(start, day).weekday() >= SATURDAY
