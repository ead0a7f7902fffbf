"""The simulated world: columnar events sorted by time, plus ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from pipes_anomaly.generate.config import GenerateConfig


@dataclass
class World:
    """A simulated world: columnar events sorted by time, plus ground truth.

    Attributes
    ----------
    config : GenerateConfig
        The parameters it was made from.
    events : dict of str to numpy.ndarray
        One entry per record, sorted by ``ts`` then insertion order: ``ts`` (Unix
        seconds), ``actor``, ``creator`` (actor recorded in ``data.created_by``),
        ``action`` (index into ``schema.ACTION_TYPES``), ``target`` (resource row),
        ``ip`` (index into ``ips``), ``extra``, ``version``, ``scenario`` (index
        into ``schema.SCENARIOS`` or -1), ``incident`` (-1 when benign),
        ``lookalike`` (index into ``schema.LOOKALIKES`` or -1), ``rid`` and
        ``tpid`` (20-character ids as bytes), ``proc`` (process id body).
    actors : pandas.DataFrame
        Ground-truth actor metadata (``actor_id, handle, display_name, org,
        team, role, kind, tz_offset_min, business_start, business_end, ...``).
    ips : pandas.DataFrame
        ``ip, kind`` for every address used.
    labels, window_labels, lookalikes : pandas.DataFrame
        The ground-truth tables of ``docs/design.md`` section 6.
    manifest : dict
        Seed, parameters, periods and counts.
    """

    config: GenerateConfig
    events: dict[str, np.ndarray]
    actors: pd.DataFrame
    ips: pd.DataFrame
    labels: pd.DataFrame
    window_labels: pd.DataFrame
    lookalikes: pd.DataFrame
    manifest: dict
    _frags: dict[str, pa.Array] = field(default_factory=dict, repr=False)

    @property
    def n_records(self) -> int:
        """Number of records in the world."""
        return int(self.events["ts"].size)

    def split_index(self) -> int:
        """Index of the first test-period record."""
        return int(np.searchsorted(self.events["ts"], self.config.split_ts, side="left"))
