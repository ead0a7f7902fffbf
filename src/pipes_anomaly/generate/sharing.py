"""Who leaves snapshots open to anyone holding the link, and who does so to take data out.

A Pipes snapshot is shared in its workspace (``visibility: workspace``) or with anyone
holding its link (``anyone_with_link``, Steampipe's ``--share``); a record's ``data`` is the
snapshot after the action, so its creates and updates say which.  People share by habit:
most never share a snapshot publicly, some now and then, a few nearly always (they send
reports to customers or auditors); a few bots publish every snapshot they take (a public
dashboard).  An intruder's snapshots in a plain incident are mostly left open: a public link
is a way out that needs no account.  A subtle or persistent intruder shares as its actor
does.  The snapshots of a benign look-alike (the records it adds, not the actor's ordinary
work that day) are left open as often as a plain intruder's (a report sent to a customer or
an auditor), so that the field parts no attack from the benign days shaped like it.
"""

from __future__ import annotations

import numpy as np

from pipes_anomaly.generate.vocabulary import ACTION_ID, extra_index

#: people's habits: (share of people, range of the chance that a snapshot is left open)
_PEOPLE_HABITS = ((0.6, (0.0, 0.0)), (0.3, (0.02, 0.2)), (0.1, (0.3, 0.9)))
#: share of bots that publish every snapshot they take
_PUBLISHING_BOTS = 0.1
#: chance that a snapshot is left open by an intruder in a plain incident, and on a benign
#: look-alike day
_PLAIN_INTRUDER = _LOOKALIKE_DAY = 0.7
#: the records whose ``data`` says the visibility their actor chose
_CHOOSING = ("workspace.snapshot.create", "workspace.snapshot.update")


def share_habits(is_bot: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each actor's chance of leaving a snapshot it makes or changes open to anyone.

    Parameters
    ----------
    is_bot : ndarray of bool
        Per actor, whether it is a bot.
    rng : numpy.random.Generator
        The sharing stream.

    Returns
    -------
    ndarray of float
        Per actor, in [0, 1].
    """
    n = is_bot.size
    u, lo_hi = rng.random(n), rng.random(n)
    shares = np.cumsum([s for s, _ in _PEOPLE_HABITS])
    group = np.minimum(np.searchsorted(shares, u, side="right"), len(_PEOPLE_HABITS) - 1)
    lo = np.array([r[0] for _, r in _PEOPLE_HABITS])[group]
    hi = np.array([r[1] for _, r in _PEOPLE_HABITS])[group]
    people = lo + (hi - lo) * lo_hi
    bots = (u < _PUBLISHING_BOTS).astype(np.float64)
    return np.where(is_bot, bots, people)


def choose_visibility(
    ev: dict[str, np.ndarray],
    habits: np.ndarray,
    plain_incidents: np.ndarray,
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
    plain_incidents : ndarray of bool
        Per incident, whether it is of the plain form.
    rng : numpy.random.Generator
        The sharing stream.
    """
    for action in _CHOOSING:
        rows = np.flatnonzero(ev["action"] == ACTION_ID[action])
        if not rows.size:
            continue
        chance = habits[ev["actor"][rows]]
        inc = ev["incident"][rows]
        plain = np.zeros(rows.size, dtype=bool)
        if plain_incidents.size:
            plain[inc >= 0] = plain_incidents[inc[inc >= 0]]
        chance = np.where(ev["lookalike"][rows] >= 0, _LOOKALIKE_DAY, chance)
        chance = np.where(plain, _PLAIN_INTRUDER, chance)
        public = rng.random(rows.size) < chance
        closed = extra_index(action, '"workspace"')
        shared = extra_index(action, '"anyone_with_link"')
        ev["extra"][rows] = np.where(public, shared, closed).astype(np.int32)
