"""The actor profile: history of actors learned from training events, saved with models.

A profile is the window table of the training events (base counts and hours per actor and
window) plus the first-seen tables and each actor's last network; :func:`next_profile`
builds one from the records of an events frame, merged onto the profile they were read
against.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipes_anomaly.features.records import _NS_DAY, Records, read_records
from pipes_anomaly.features.windows import (
    _BASE_STATS,
    _HOURS,
    _TRAIL_COUNTS,
    _TYPE_COUNTS,
    window_table,
)

#: Hour counts are kept as uint16, capped at its largest value: only presence is used.
_HOUR_COUNT_MAX = np.iinfo(np.uint16).max


@dataclass
class ActorProfile:
    """History of actors learned from training events: summary tables, picklable.

    Attributes
    ----------
    window : str
        Window the profile was built for.
    windows : DataFrame
        One row per actor-window: ``actor_id, win`` (window index since the epoch), base
        counts and log values used by baselines, records with a process id
        (``n_process``), hour counts ``h00..h23``, ``last_t``.
    first_seen : dict of str to DataFrame
        First time (``first_t``, ns since epoch) of each pair: ``actor_network`` (actor_id,
        key), ``actor_block``, ``actor_action``, ``actor_workspace``, ``actor_owner_grant``
        (actor_id, key = the role), ``org_network`` (identity_id, key), ``workspace``,
        ``target_create`` and ``actor`` (scope, key; ``actor``: each actor's first record),
        ``owner_grantee`` (scope = the workspace or organisation, key = the member granted
        owner). A profile lacking one of them (made by an older version), or holding one
        that is damaged, is refused; an empty dict means no first-seen history.
    last_event : DataFrame
        Per actor, time (``t``) and network (``net``) of its last record.
    type_counts : DataFrame
        The records of each real action type per window, where not 0 (most are): ``row``
        (of ``windows``), ``type`` (position in ``schema.ACTION_TYPES``), ``n``.
    """

    window: str
    windows: pd.DataFrame
    first_seen: dict[str, pd.DataFrame] = field(default_factory=dict)
    last_event: pd.DataFrame = field(default_factory=pd.DataFrame)
    type_counts: pd.DataFrame = field(default_factory=lambda: _long_type_counts(np.zeros((0, 0))))

    def check_type_counts(self) -> None:
        """Refuse type counts that a profile built by :func:`next_profile` cannot hold.

        Raises
        ------
        ValueError
            If ``type_counts`` lacks a column, holds a value that is not a whole
            positive count, names a window or type the profile lacks, or a cell twice.
        """
        tc = self.type_counts
        bad = "the actor profile's type counts are damaged ({}); rebuild the profile"
        if list(tc.columns) != ["row", "type", "n"]:
            raise ValueError(bad.format("columns other than row, type, n"))
        kinds = [tc[c].dtype.kind for c in ("row", "type", "n")]
        if kinds[0] not in "iu" or kinds[1] not in "iu" or kinds[2] not in "iuf":
            raise ValueError(bad.format("a column of another type"))
        rows = tc["row"].to_numpy(dtype=np.int64)
        types = tc["type"].to_numpy(dtype=np.int64)
        n = tc["n"].to_numpy(dtype=np.float64)
        if len(rows) and (rows.min() < 0 or rows.max() >= len(self.windows) or types.min() < 0
                          or types.max() >= len(_TYPE_COUNTS)):  # fmt: skip
            raise ValueError(bad.format("a window or type it lacks"))
        if not (np.isfinite(n) & (n > 0) & (n == np.round(n))).all():
            raise ValueError(bad.format("a count that is not a whole positive number"))
        if pd.Series(rows * len(_TYPE_COUNTS) + types).duplicated().any():
            raise ValueError(bad.format("a cell twice"))

    def windows_with_types(self) -> pd.DataFrame:
        """Return ``windows`` with one column of counts per real action type (``n_type:*``).

        Returns
        -------
        DataFrame
            ``windows`` and the ``n_type:<type>`` columns, 0 where ``type_counts`` has none.

        Raises
        ------
        ValueError
            If ``type_counts`` is damaged (:meth:`check_type_counts`).
        """
        self.check_type_counts()
        rows = self.type_counts["row"].to_numpy(dtype=np.int64)
        types = self.type_counts["type"].to_numpy(dtype=np.int64)
        dense = np.zeros((len(self.windows), len(_TYPE_COUNTS)), dtype=np.float32)
        dense[rows, types] = self.type_counts["n"].to_numpy(dtype=np.float32)
        counts = pd.DataFrame(dense, columns=list(_TYPE_COUNTS), index=self.windows.index)
        return pd.concat([self.windows, counts], axis=1)

    @classmethod
    def from_events(cls, events: pd.DataFrame, *, window: str = "1d") -> ActorProfile:
        """Build a profile from (training) events.

        Parameters
        ----------
        events : DataFrame
            Events frame (docs/design.md section 2).
        window : str, default "1d"
            Window length the profile will be used with.

        Returns
        -------
        ActorProfile
        """
        records = read_records(events, window, None)
        return next_profile(window, window_table(records.codes, records.flags), records, None)

    def continued(self, events: pd.DataFrame) -> ActorProfile:
        """Return this profile carried on through later events.

        Featurising events with the profile returned gives what featurising them after
        ``events`` with this profile, in one frame, would give.

        Parameters
        ----------
        events : DataFrame
            Events of windows after this profile's (docs/design.md section 2).

        Returns
        -------
        ActorProfile
        """
        records = read_records(events, self.window, self)
        return next_profile(self.window, window_table(records.codes, records.flags), records, self)

    @property
    def n_actors(self) -> int:
        """Number of actors known to the profile."""
        return int(self.windows["actor_id"].nunique()) if len(self.windows) else 0

    @property
    def end(self) -> pd.Timestamp | None:
        """Time of the last record in the profile (UTC), None when empty."""
        if not len(self.last_event):
            return None
        return pd.Timestamp(int(self.last_event["t"].max()), unit="ns", tz="UTC")

    def day_ends(self) -> np.ndarray:
        """Time of the last record of each UTC day the profile holds, in day order.

        Returns
        -------
        ndarray of int64
            ns since the epoch; empty for an empty profile.
        """
        if not len(self.windows):
            return np.empty(0, dtype=np.int64)
        last = self.windows["last_t"].to_numpy(dtype=np.float64).astype(np.int64)
        return pd.Series(last).groupby(last // _NS_DAY).max().to_numpy(dtype=np.int64)


def next_profile(
    window: str, base: pd.DataFrame, records: Records, earlier: ActorProfile | None
) -> ActorProfile:
    """Profile of an events frame, merged onto the profile its records were read against.

    Parameters
    ----------
    window : str
        Window length of the records.
    base : DataFrame
        Window table of the records (:func:`~pipes_anomaly.features.windows.window_table`).
    records : Records
        The records (first-seen tables and last networks, history merged in).
    earlier : ActorProfile, optional
        The profile the records were read against; its windows before the data's first
        are kept.

    Returns
    -------
    ActorProfile
    """
    hist = earlier.windows_with_types() if earlier is not None else None
    if hist is not None and len(hist):
        base = pd.concat(
            [hist[hist["win"] < base["win"].min()] if len(base) else hist, base],
            ignore_index=True,
        )
    base = base.sort_values(["actor_id", "win"], kind="stable", ignore_index=True)
    types = _long_type_counts(base[list(_TYPE_COUNTS)].to_numpy(dtype=np.float64))
    keep = ["actor_id", "win", "last_t", *_BASE_STATS, *_TRAIL_COUNTS, "n_process", *_HOURS]
    base = base[keep].copy()
    base[list(_HOURS)] = np.minimum(base[list(_HOURS)], _HOUR_COUNT_MAX)
    base = base.astype({h: np.uint16 for h in _HOURS})
    base = base.astype({c: np.float32 for c in (*_TRAIL_COUNTS, "n_process")})
    tables = {k: make() for k, make in records.history_flags.first_seen_tables.items()}
    return ActorProfile(window, base, tables, records.switches.last_event, types)


def _long_type_counts(counts: np.ndarray) -> pd.DataFrame:
    """Return the (row, type, n) cells of a window-by-type count matrix that are not 0."""
    rows, types = np.nonzero(counts)
    return pd.DataFrame(
        {
            "row": rows.astype(np.int64),
            "type": types.astype(np.int16),
            "n": counts[rows, types].astype(np.float32),
        }
    )
