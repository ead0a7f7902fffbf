"""Parameters of a simulated world, their allowed ranges, and the timeline they define.

Besides the timeline (seed, days, training days, start) and the scenarios, a world
has realism knobs (:data:`KNOBS`): organisation size and mix, how teams share
resources, networks, time zones and rhythm, hires and leavers, newer action
types, attack forms and look-alike rates.  Every knob has a meaning, a default
(the default world) and an allowed range; ``docs/worlds.md`` lists them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields

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
#: time zones (UTC offsets in minutes) people of the default world live in, and their shares
DEFAULT_TIME_ZONES = (-480, -300, 0, 60, 330, 600)
DEFAULT_TZ_WEIGHTS = (0.2, 0.28, 0.16, 0.14, 0.12, 0.10)
#: allowed UTC offsets (minutes) and number of time zones
_TZ_RANGE, _MAX_ZONES = (-720, 840), 12
#: the people's roles may take at most this share of an organisation together
_MAX_ROLE_SHARE = 0.9


@dataclass(frozen=True)
class Knob:
    """One realism knob: default, allowed range (inclusive), group and meaning."""

    default: float
    lo: float
    hi: float
    group: str
    meaning: str

    @property
    def integer(self) -> bool:
        """Whether the knob takes whole numbers."""
        return isinstance(self.default, int) and not isinstance(self.default, bool)


def _k(default: float, lo: float, hi: float, group: str, meaning: str) -> Knob:
    return Knob(default, lo, hi, group, meaning)


#: Every numeric realism knob: default (the default world) and allowed range.
KNOBS: dict[str, Knob] = {
    "actors": _k(150, 5, 10_000, "organisation", "actors per organisation (people and bots)"),
    "orgs": _k(1, 1, 20, "organisation", "organisations in the world"),
    "bot_share": _k(0.04, 0.0, 0.5, "organisation",
                    "share of actors that are service accounts (at least one when > 0)"),
    "token_bot_share": _k(0.25, 0.0, 1.0, "organisation",
                          "share of service accounts that run with an API token outside any "
                          "process (their records carry no process id)"),
    "admin_share": _k(0.06, 0.0, 0.3, "organisation",
                      "share of actors that are admins (at least one per organisation)"),
    "power_share": _k(0.2, 0.0, 0.6, "organisation",
                      "share of actors that are power users (at least one when > 0)"),
    "team_size": _k(8, 2, 100, "organisation", "actors per team (about)"),
    "activity_scale": _k(1.0, 0.1, 5.0, "organisation",
                         "factor on every person's daily activity rate"),
    "rate_spread": _k(0.4, 0.0, 1.5, "organisation",
                      "sigma of the log-normal factor that spreads people's activity rates"),
    "team_sharing": _k(1.0, 0.0, 1.0, "organisation",
                       "share of people's actions on existing resources that may go to any "
                       "resource of the team (teammates' ones included); the rest go to "
                       "resources the actor created, when there are any"),
    "cross_team_share": _k(0.08, 0.0, 0.5, "organisation",
                           "share of actions on another team's resources (same organisation)"),
    "offices": _k(3, 1, _MAX_ZONES, "network",
                  "offices per organisation, each in its own time zone (at most one per zone)"),
    "office_nat_ips": _k(2, 1, 8, "network",
                         "at most this many NAT addresses per office, shared by its people"),
    "office_share": _k(0.6, 0.0, 1.0, "network",
                       "share of people living in an office's zone who work there on weekdays"),
    "home_change_share": _k(0.12, 0.0, 1.0, "network",
                            "share of people whose home address changes once in the timeline"),
    "v6_share": _k(0.25, 0.0, 1.0, "network", "share of people with IPv6 at home"),
    "v6_privacy": _k(0.0, 0.0, 1.0, "network",
                     "share of IPv6 homes on privacy addresses: a new address in the same /64 "
                     "every day"),
    "vpn_share": _k(0.15, 0.0, 1.0, "network", "share of people on the organisation's VPN"),
    "personal_vpn_share": _k(0.05, 0.0, 0.5, "network",
                             "share of people on a personal VPN with changing exits"),
    "cloud_desk_share": _k(0.04, 0.0, 0.5, "network",
                           "share of people working from a cloud desktop"),
    "shared_egress": _k(0.0, 0.0, 1.0, "network",
                        "share of VPN and cloud-desktop exits (organisations' VPN pools, personal "
                        "VPNs, attackers' VPN and cloud addresses) drawn from one provider pool "
                        "shared by every organisation instead of fresh addresses"),
    "mobile_share": _k(0.06, 0.0, 0.5, "network", "share of people working from a phone"),
    "mobile_same_range": _k(0.0, 0.0, 1.0, "network",
                            "share of a phone's sessions that stay in its carrier /16 (the rest "
                            "move across the carrier's /16s; 0: any carrier address)"),
    "bot_elastic": _k(0.0, 0.0, 1.0, "network",
                      "share of bots on elastic cloud addresses: a new address in the same /16 "
                      "every 1-7 days"),
    "weekend_rate": _k(0.06, 0.0, 1.0, "time",
                       "most people's weekend activity as a share of a weekday's"),
    "weekend_worker_share": _k(0.15, 0.0, 1.0, "time",
                               "share of people who work a little at weekends (0.3 of a weekday)"),
    "holiday_share": _k(0.5, 0.0, 1.0, "time",
                        "share of people who take 2-7 days off in the timeline"),
    "evening_share": _k(0.07, 0.0, 0.5, "time",
                        "share of person-days with a late-evening session (19:30-23:00)"),
    "burstiness": _k(0.25, 0.0, 4.0, "time",
                     "variance of the day-to-day factor on a person's rate (0: steady)"),
    "session_spread_min": _k(25.0, 5.0, 180.0, "time",
                             "minutes an event lies from its session's centre (sigma)"),
    "joiner_share": _k(0.0, 0.0, 0.5, "timeline",
                       "share of people who join during the timeline (besides the new-hire "
                       "look-alikes)"),
    "leaver_share": _k(0.0, 0.0, 0.5, "timeline",
                       "share of people who leave during the timeline (an admin removes them)"),
    "new_action_share": _k(0.0, 0.0, 0.5, "actions",
                           "share of actions of types outside the 51 (newer API versions), for "
                           "benign and attack activity alike"),
    "updated_by_share": _k(1.0, 0.0, 1.0, "actions",
                           "share of update-like action types whose records carry "
                           "data.updated_by (the world draws which)"),
    "person_task_process_share": _k(0.7, 0.0, 1.0, "actions",
                                    "share of people's records of tasks the platform runs as "
                                    "processes (pipeline runs, snapshots, mod installs and "
                                    "updates, upgrades, refreshes) that carry the process id"),
    "sharer_share": _k(0.4, 0.0, 1.0, "actions",
                       "share of people who ever leave a snapshot open to anyone with the link "
                       "(three in four now and then, one in four often)"),
    "intruder_sharing": _k(0.7, 0.0, 1.0, "attacks",
                           "chance that an intruder's snapshot in a plain incident (and one a "
                           "benign look-alike adds, but for those that are someone's ordinary "
                           "work) is left open to anyone with the link (data exfiltration and "
                           "customer reports: 0.8)"),
    "attack_rate": _k(1.0, 0.0, 20.0, "attacks",
                      "scales the number of incidents; 1.0 gives about four per scenario in a "
                      "150-actor, 18-day test period (at least one each)"),
    "subtle_share": _k(0.0, 0.0, 1.0, "attacks", "share of incidents in their subtle form"),
    "persistent_attackers": _k(0, 0, 20, "attacks",
                               "attackers present from the first training day to the end "
                               "(labelled; one incident each)"),
    "lookalike_rate": _k(1.0, 0.0, 5.0, "look-alikes",
                         "scales the classic look-alikes (new hire, admin clean-up, traveller, "
                         "on-call, bulk onboarding, month-end runs)"),
    "mimic_rate": _k(0.0, 0.0, 5.0, "look-alikes",
                     "scales the look-alikes shaped like one attack kind each (about one per "
                     "kind and period at 1.0)"),
    "odd_actors": _k(0, 0, 20, "look-alikes",
                     "persistent odd actors per organisation from the first day: shared "
                     "accounts and broken bots (listed as look-alikes)"),
}  # fmt: skip


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

    The timeline and the scenarios come first, then the realism knobs of
    :data:`KNOBS` (each with its default and allowed range, also in
    ``docs/worlds.md``).  Out-of-range values raise ``ValueError`` naming the
    knob, its range and the value.

    Parameters
    ----------
    seed : int, default 0
        Seed of every random choice; the same config gives byte-identical output.
    days : int, default 60
        Length of the continuous timeline in days (at least 2).
    train_days : int, default 42
        Days in the training period (1 to ``days - 1``); the rest is the test period.
    start : datetime.date, default 2026-01-05
        First UTC day of the timeline.
    scenarios : tuple of str, default all of ``schema.SCENARIOS``
        Attack scenarios to inject (may be empty).
    lookalikes : bool, default True
        Whether to add benign look-alikes of any kind (False overrides the rates).
    time_zones : tuple of int, default (-480, -300, 0, 60, 330, 600)
        UTC offsets (minutes, -720 to 840; 1 to 12 zones) people live in.
    tz_weights : tuple of float, default (0.2, 0.28, 0.16, 0.14, 0.12, 0.10)
        Share of people in each zone (positive, one per zone; normalised); empty:
        ``1, 1/2, 1/3, ...`` (the first zone is the head office's).
    variant : str, default ""
        The variant this config was drawn as (``"dev/3"``), recorded in the manifest.
    actors : int, default 150
        Actors per organisation (people and bots), 5 to 10,000.
    orgs : int, default 1
        Organisations in the world, 1 to 20.
    bot_share : float, default 0.04
        Share of actors that are service accounts (0 to 0.5; at least one when > 0).
    token_bot_share : float, default 0.25
        Share of service accounts that run with an API token outside any process, so
        that their records carry no process id (0 to 1); the others run in processes
        and make a small share of their records by hand.
    admin_share : float, default 0.06
        Share of actors that are admins (0 to 0.3; at least one per organisation).
    power_share : float, default 0.2
        Share of actors that are power users (0 to 0.6; at least one when > 0).
        The three shares together are at most 0.9.
    team_size : int, default 8
        Actors per team, about (2 to 100).
    activity_scale : float, default 1.0
        Factor on every person's daily activity rate (0.1 to 5).
    rate_spread : float, default 0.4
        Sigma of the log-normal factor spreading people's rates (0 to 1.5).
    team_sharing : float, default 1.0
        Share of people's actions on existing resources that may go to any resource
        of the team, teammates' included (0 to 1); the rest go to resources the
        actor created when there are any.  Low values make ``data.created_by``
        mostly the actor; 1.0 makes it mostly a teammate.
    cross_team_share : float, default 0.08
        Share of actions on another team's resources of the organisation (0 to 0.5).
    offices : int, default 3
        Offices per organisation, one per time zone at most (1 to 12).
    office_nat_ips : int, default 2
        At most this many NAT addresses per office, shared by its people (1 to 8).
    office_share : float, default 0.6
        Share of people in an office's zone who work there on weekdays (0 to 1).
    home_change_share : float, default 0.12
        Share of people whose home address changes once (0 to 1).
    v6_share : float, default 0.25
        Share of people with IPv6 at home (0 to 1).
    v6_privacy : float, default 0.0
        Share of IPv6 homes on privacy addresses, new every day in the same /64 (0 to 1).
    vpn_share : float, default 0.15
        Share of people on the organisation's VPN (0 to 1).
    personal_vpn_share : float, default 0.05
        Share of people on a personal VPN with changing exits (0 to 0.5).
    cloud_desk_share : float, default 0.04
        Share of people working from a cloud desktop (0 to 0.5).
    shared_egress : float, default 0.0
        Share of VPN and cloud exits drawn from one provider pool shared by every
        organisation and by attackers, instead of fresh addresses (0 to 1).
    mobile_share : float, default 0.06
        Share of people working from a phone (0 to 0.5).
    mobile_same_range : float, default 0.0
        Share of a phone's sessions that stay in its carrier /16 (0 to 1); the rest
        move across the carrier's /16s (0: any carrier address each session).
    bot_elastic : float, default 0.0
        Share of bots on elastic cloud addresses, new in the same /16 every 1-7 days.
    weekend_rate : float, default 0.06
        Most people's weekend activity relative to a weekday (0 to 1).
    weekend_worker_share : float, default 0.15
        Share of people who work a little at weekends (0 to 1).
    holiday_share : float, default 0.5
        Share of people who take 2-7 days off (0 to 1).
    evening_share : float, default 0.07
        Share of person-days with a late-evening session (0 to 0.5).
    burstiness : float, default 0.25
        Variance of the day-to-day gamma factor on a person's rate (0 to 4; 0: steady).
    session_spread_min : float, default 25.0
        Minutes (sigma) an event lies from its session's centre (5 to 180).
    joiner_share : float, default 0.0
        Share of people who join during the timeline, besides the new-hire look-alikes (0 to 0.5).
    leaver_share : float, default 0.0
        Share of people who leave during the timeline; an admin removes them (0 to 0.5).
    new_action_share : float, default 0.0
        Share of actions of types outside the 51 real ones (0 to 0.5).
    updated_by_share : float, default 1.0
        Share of update-like action types whose records carry ``data.updated_by`` (0 to 1).
    person_task_process_share : float, default 0.7
        Share of people's records of tasks the platform runs as processes (pipeline runs,
        snapshots, mod installs and updates, upgrades, refreshes) that carry the process
        id (0 to 1); a person's other records carry none.
    sharer_share : float, default 0.4
        Share of people who ever leave a snapshot open to anyone with the link (0 to 1).
    intruder_sharing : float, default 0.7
        Chance that a plain incident's snapshot, or one a look-alike adds, is left open to
        anyone with the link (0 to 1); data exfiltration and customer reports have their own,
        and the look-alikes that are someone's ordinary work share by their actor's habit.
    attack_rate : float, default 1.0
        Scales the number of incidents (0 to 20); 1.0 gives about four incidents
        per scenario in a 150-actor, 18-day test period (at least one each).
    subtle_share : float, default 0.0
        Share of incidents in their subtle form (0 to 1).
    persistent_attackers : int, default 0
        Attackers present from the first training day to the end (0 to 20).
    lookalike_rate : float, default 1.0
        Scales the classic look-alikes (0 to 5).
    mimic_rate : float, default 0.0
        Scales the look-alikes shaped like one attack kind each (0 to 5).
    odd_actors : int, default 0
        Shared accounts and broken bots per organisation, from the first day (0 to 20).
    """

    seed: int = 0
    days: int = 60
    train_days: int = 42
    start: dt.date = DEFAULT_START
    scenarios: tuple[str, ...] = SCENARIOS
    lookalikes: bool = True
    time_zones: tuple[int, ...] = DEFAULT_TIME_ZONES
    tz_weights: tuple[float, ...] = DEFAULT_TZ_WEIGHTS
    variant: str = ""
    actors: int = 150
    orgs: int = 1
    bot_share: float = 0.04
    token_bot_share: float = 0.25
    admin_share: float = 0.06
    power_share: float = 0.2
    team_size: int = 8
    activity_scale: float = 1.0
    rate_spread: float = 0.4
    team_sharing: float = 1.0
    cross_team_share: float = 0.08
    offices: int = 3
    office_nat_ips: int = 2
    office_share: float = 0.6
    home_change_share: float = 0.12
    v6_share: float = 0.25
    v6_privacy: float = 0.0
    vpn_share: float = 0.15
    personal_vpn_share: float = 0.05
    cloud_desk_share: float = 0.04
    shared_egress: float = 0.0
    mobile_share: float = 0.06
    mobile_same_range: float = 0.0
    bot_elastic: float = 0.0
    weekend_rate: float = 0.06
    weekend_worker_share: float = 0.15
    holiday_share: float = 0.5
    evening_share: float = 0.07
    burstiness: float = 0.25
    session_spread_min: float = 25.0
    joiner_share: float = 0.0
    leaver_share: float = 0.0
    new_action_share: float = 0.0
    updated_by_share: float = 1.0
    person_task_process_share: float = 0.7
    sharer_share: float = 0.4
    intruder_sharing: float = 0.7
    attack_rate: float = 1.0
    subtle_share: float = 0.0
    persistent_attackers: int = 0
    lookalike_rate: float = 1.0
    mimic_rate: float = 0.0
    odd_actors: int = 0

    def __post_init__(self) -> None:
        if self.days < 2:
            raise ValueError(f"days must be at least 2, got {self.days}")
        if not 1 <= self.train_days < self.days:
            raise ValueError(
                f"train_days must be at least 1 and less than days ({self.days}), "
                f"got {self.train_days}"
            )
        for name in KNOBS:
            check_knob(name, getattr(self, name))
        roles = self.bot_share + self.admin_share + self.power_share
        if roles > _MAX_ROLE_SHARE + 1e-9:
            raise ValueError(
                f"bot_share + admin_share + power_share must be at most {_MAX_ROLE_SHARE}, "
                f"got {roles:g}"
            )
        self._check_time_zones()
        unknown = [s for s in self.scenarios if s not in SCENARIOS]
        if unknown:
            raise ValueError(f"unknown scenario {unknown[0]!r}; choose from {', '.join(SCENARIOS)}")
        if len(set(self.scenarios)) != len(self.scenarios):
            raise ValueError("scenarios must not repeat")

    def _check_time_zones(self) -> None:
        zones, weights = self.time_zones, self.tz_weights
        if not 1 <= len(zones) <= _MAX_ZONES or len(set(zones)) != len(zones):
            raise ValueError(
                f"time_zones must hold 1 to {_MAX_ZONES} different UTC offsets, got {zones}"
            )
        bad = [z for z in zones if not _TZ_RANGE[0] <= z <= _TZ_RANGE[1] or z != int(z)]
        if bad:
            raise ValueError(
                f"time_zones must be whole minutes from {_TZ_RANGE[0]} to {_TZ_RANGE[1]}, "
                f"got {bad[0]}"
            )
        if weights and (len(weights) != len(zones) or min(weights) <= 0):
            raise ValueError(
                f"tz_weights must hold one positive weight per time zone ({len(zones)}), "
                f"got {weights}"
            )

    @property
    def zone_weights(self) -> tuple[float, ...]:
        """Normalised share of people per time zone."""
        raw = self.tz_weights or tuple(1.0 / (i + 1) for i in range(len(self.time_zones)))
        total = sum(raw)
        return tuple(w / total for w in raw)

    def knob_values(self) -> dict[str, object]:
        """Every parameter but the seed, as plain JSON values (for the manifest)."""
        out: dict[str, object] = {}
        for f in fields(self):
            if f.name == "seed":
                continue
            v = getattr(self, f.name)
            out[f.name] = v.isoformat() if isinstance(v, dt.date) else (
                list(v) if isinstance(v, tuple) else v)  # fmt: skip
        return out

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


def check_knob(name: str, value: object) -> None:
    """Raise ``ValueError`` unless ``value`` is allowed for knob ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`KNOBS`.
    value : object
        The value to check.

    Raises
    ------
    ValueError
        Naming the knob, its allowed range and the value.
    """
    knob = KNOBS[name]
    kind = "a whole number" if knob.integer else "a number"
    ok_type = isinstance(value, int | float) and not isinstance(value, bool)
    if knob.integer:
        ok_type = ok_type and float(value) == int(value)
    if not ok_type or not knob.lo <= value <= knob.hi:  # NaN fails the range test too
        raise ValueError(f"{name} must be {kind} from {knob.lo:g} to {knob.hi:g}, got {value!r}")


#: parameters ``parse_knob`` accepts besides :data:`KNOBS`: comma lists
LIST_KNOBS = ("time_zones", "tz_weights")


def parse_knob(text: str) -> tuple[str, object]:
    """Parse one ``NAME=VALUE`` setting of a knob, checked against its range.

    Parameters
    ----------
    text : str
        ``name=value`` with ``name`` a key of :data:`KNOBS` (``-`` may stand for
        ``_``), or ``time_zones=-300,0,60`` / ``tz_weights=3,1,1`` (comma lists).

    Returns
    -------
    (str, object)
        The knob's name and its value (int, float or tuple).

    Raises
    ------
    ValueError
        For a malformed setting, an unknown knob or a value out of range.
    """
    name, sep, raw = text.partition("=")
    name = name.strip().replace("-", "_")
    if not sep or not name:
        raise ValueError(f"expected NAME=VALUE, got {text!r}")
    if name in LIST_KNOBS:
        kind = int if name == "time_zones" else float
        try:
            return name, tuple(kind(x) for x in raw.split(",") if x.strip())
        except ValueError:
            raise ValueError(f"{name} must be a comma list of numbers, got {raw!r}") from None
    if name not in KNOBS:
        raise ValueError(f"unknown knob {name!r}; 'anomaly generate --knobs' lists the knobs")
    try:
        value: float = int(raw) if KNOBS[name].integer else float(raw)
    except ValueError:
        kind = "a whole number" if KNOBS[name].integer else "a number"
        raise ValueError(f"{name} must be {kind}, got {raw.strip()!r}") from None
    check_knob(name, value)
    return name, value


def parse_knobs(texts: Sequence[str], *, options: Sequence[str] = ()) -> dict[str, object]:
    """Parse ``NAME=VALUE`` settings (``anomaly generate --set``) with :func:`parse_knob`.

    Parameters
    ----------
    texts : sequence of str
        The settings, in order; a later one of the same knob wins.
    options : sequence of str, default ()
        Knobs that have a command-line option of their own, refused here.

    Returns
    -------
    dict of str to object

    Raises
    ------
    ValueError
        As :func:`parse_knob`, or for a knob of ``options`` (naming the option).
    """
    out: dict[str, object] = {}
    for text in texts:
        name, value = parse_knob(text)
        if name in options:
            raise ValueError(f"{name} has its own option: use --{name.replace('_', '-')}")
        out[name] = value
    return out


def knob_table() -> list[str]:
    """One line per knob: name, default, allowed range and meaning (for ``--knobs``)."""
    lines = []
    for name, k in KNOBS.items():
        lines.append(f"{name:<21} {k.default!s:>7}  [{k.lo:g}, {k.hi:g}]  {k.meaning}")
    lines.append(
        f"{'time_zones':<21} {'6 zones':>7}  UTC offsets in minutes, "
        f"{_TZ_RANGE[0]} to {_TZ_RANGE[1]}, comma-separated (most people in the first)"
    )
    lines.append(f"{'tz_weights':<21} {'':>7}  share of people per zone, comma-separated")
    return lines


def day_date(start: dt.date, day: int) -> dt.date:
    """Return the calendar date of timeline day ``day`` (0 is ``start``)."""
    return start + dt.timedelta(days=day)


def is_weekend(start: dt.date, day: int) -> bool:
    """Whether timeline day ``day`` falls on a Saturday or Sunday."""
    return day_date(start, day).weekday() >= SATURDAY
