"""Who leaves snapshots open to anyone holding the link, and who does so to take data out.

A Pipes snapshot is shared in its workspace (``visibility: workspace``) or with anyone
holding the link (``anyone_with_link``, Steampipe's ``--share``); a record's ``data`` is the
snapshot after the action, so its creates and updates say which.  People share by habit:
most never share a snapshot publicly (``1 - sharer_share``); of the others three in four now
and then, one in four often (they send reports to customers or auditors); a few bots publish
every snapshot they take (a public dashboard).  An intruder's snapshots in a plain incident
are left open with chance ``intruder_sharing``: a public link is a way out that needs no
account.  A subtle or persistent intruder shares as its actor does, but for data
exfiltration, whose snapshots (either form) are left open as a customer report's are.  The
snapshots a benign look-alike adds (not the actor's ordinary work that day) are left open
with chance ``intruder_sharing`` too, so that the field parts no attack from the benign days
shaped like it; the look-alikes that are someone's ordinary work (a new hire's first days, a
traveller's, an odd actor's) share by their actor's habit.
"""

from __future__ import annotations

import numpy as np

from pipes_anomaly.generate.vocabulary import ACTION_ID, extra_index
from pipes_anomaly.schema import LOOKALIKES

#: sharers' habits: (share of the sharers, range of the chance that a snapshot is left open)
_SHARER_HABITS = ((0.75, (0.02, 0.2)), (0.25, (0.3, 0.9)))
#: share of bots that publish every snapshot they take
_PUBLISHING_BOTS = 0.1
#: chance that a snapshot taken to take data out, or for a customer report, is left open
_PUBLISHING = 0.8
#: look-alikes listed on their actor's ordinary records, which share by the actor's habit
_ORDINARY_WORK = ("new_hire", "traveller", "shared_account", "broken_bot")
#: the records whose ``data`` says the visibility their actor chose
_CHOOSING = ("workspace.snapshot.create", "workspace.snapshot.update")


def share_habits(is_bot: np.ndarray, sharer_share: float, rng: np.random.Generator) -> np.ndarray:
    """Each actor's chance of leaving a snapshot it makes or changes open to anyone.

    Parameters
    ----------
    is_bot : ndarray of bool
        Per actor, whether it is a bot.
    sharer_share : float
        Share of people who ever leave a snapshot open.
    rng : numpy.random.Generator
        The sharing stream.

    Returns
    -------
    ndarray of float
        Per actor, in [0, 1].
    """
    n = is_bot.size
    u, lo_hi = rng.random(n), rng.random(n)
    habits = ((1.0 - sharer_share, (0.0, 0.0)),
              *((sharer_share * s, r) for s, r in _SHARER_HABITS))  # fmt: skip
    shares = np.cumsum([s for s, _ in habits])
    group = np.minimum(np.searchsorted(shares, u, side="right"), len(habits) - 1)
    lo = np.array([r[0] for _, r in habits])[group]
    hi = np.array([r[1] for _, r in habits])[group]
    people = lo + (hi - lo) * lo_hi
    bots = (u < _PUBLISHING_BOTS).astype(np.float64)
    return np.where(is_bot, bots, people)


def incident_chances(incidents: list[dict], intruder_sharing: float) -> np.ndarray:
    """Per incident, the chance its snapshots are left open; NaN: as its actor's habit.

    Parameters
    ----------
    incidents : list of dict
        The world's incidents, with ``scenario`` and ``form``.
    intruder_sharing : float
        The chance for a plain incident of any other scenario.

    Returns
    -------
    ndarray of float
    """
    out = np.full(len(incidents), np.nan)
    for i, inc in enumerate(incidents):
        if inc["scenario"] == "data_exfiltration":
            out[i] = _PUBLISHING
        elif inc["form"] == "plain":
            out[i] = intruder_sharing
    return out


def lookalike_chances(intruder_sharing: float) -> np.ndarray:
    """Per look-alike kind, the chance the snapshots it adds are left open.

    A plain intruder's chance, but for a customer report, which has its own, and for the
    look-alikes listed on their actor's ordinary work (NaN: as the actor's habit).

    Parameters
    ----------
    intruder_sharing : float
        The chance of a plain incident's snapshot.

    Returns
    -------
    ndarray of float
        Indexed like :data:`~pipes_anomaly.schema.LOOKALIKES`.
    """
    out = np.full(len(LOOKALIKES), intruder_sharing)
    out[LOOKALIKES.index("customer_report")] = _PUBLISHING
    out[[LOOKALIKES.index(k) for k in _ORDINARY_WORK]] = np.nan
    return out


def choose_visibility(
    ev: dict[str, np.ndarray],
    habits: np.ndarray,
    incident_chance: np.ndarray,
    lookalike_chance: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Set the visibility extras of snapshot creates and updates (in ``ev["extra"]``).

    Parameters
    ----------
    ev : dict of ndarray
        The world's events, with ``action``, ``actor``, ``incident``, ``lookalike`` and
        ``extra``.
    habits : ndarray of float
        Per actor, from :func:`share_habits`.
    incident_chance : ndarray of float
        Per incident, from :func:`incident_chances`.
    lookalike_chance : ndarray of float
        Per look-alike kind, from :func:`lookalike_chances`.
    rng : numpy.random.Generator
        The sharing stream.
    """
    for action in _CHOOSING:
        rows = np.flatnonzero(ev["action"] == ACTION_ID[action])
        if not rows.size:
            continue
        chance = habits[ev["actor"][rows]]
        look = ev["lookalike"][rows]
        by_look = np.where(look >= 0, lookalike_chance[np.maximum(look, 0)], np.nan)
        chance = np.where(np.isnan(by_look), chance, by_look)
        inc = ev["incident"][rows]
        set_by = np.full(rows.size, np.nan)
        if incident_chance.size:
            set_by[inc >= 0] = incident_chance[inc[inc >= 0]]
        chance = np.where(np.isnan(set_by), chance, set_by)
        public = rng.random(rows.size) < chance
        closed = extra_index(action, '"workspace"')
        shared = extra_index(action, '"anyone_with_link"')
        ev["extra"][rows] = np.where(public, shared, closed).astype(np.int32)
