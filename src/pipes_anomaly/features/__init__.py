"""Per-actor, per-window features from the events frame (docs/design.md section 3).

Every feature is documented in ``docs/features.md``.  The pipeline is vectorised: records
are mapped to integer codes once, window aggregates are ``np.bincount`` / ``np.unique`` over
those codes, and history ("everything strictly before this window") is computed on the small
window table (one row per actor-window) plus first-seen tables.  History comes from an
:class:`ActorProfile` (summary of training events) and from earlier windows of the events
being featurised; a window never sees records from its future.

The work is divided, each module using only those listed before it:

- ``_kernels``: array kernels on integer codes (distinct counts per row, dense ranks,
  sorts, first-seen times, robust z), knowing nothing of actors or windows;
- ``records``: per-record codes and flags of an events frame read against a profile
  (what each record is, what is new about it, network switches);
- ``windows``: the window table, history features, off-hours, peers and the features frame;
- ``profile``: :class:`ActorProfile` and building the next one from the records;
- this module: the public functions, running those steps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from pipes_anomaly.catalog import FEATURE_COLUMNS
from pipes_anomaly.features._kernels import network_of
from pipes_anomaly.features.profile import ActorProfile, next_profile
from pipes_anomaly.features.records import Records, flag_frame, read_records
from pipes_anomaly.features.windows import (
    assemble,
    grown_types,
    history_features,
    off_hours,
    window_table,
)

__all__ = [
    "ActorProfile",
    "FeatureBuilder",
    "build_features",
    "build_features_and_flags",
    "build_features_and_profile",
    "event_flags",
    "network_of",
]

# pickles name a class by its module: profiles saved with models keep the public path
ActorProfile.__module__ = __name__


def _read(
    events: pd.DataFrame, window: str, profile: ActorProfile | None
) -> tuple[Records, pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Read the records of the events; return them, their window table, history and off-hours."""
    records = read_records(events, window, profile)
    base = window_table(records.codes, records.flags)
    history = history_features(
        base,
        profile.windows_with_types() if profile is not None else None,
        records.codes.window_ns,
    )
    return records, base, history, off_hours(history, records.codes)


def build_features(
    events: pd.DataFrame, *, window: str = "1d", profile: ActorProfile | None = None
) -> pd.DataFrame:
    """Turn events into one row per actor per window.

    Parameters
    ----------
    events : DataFrame
        Events frame from :func:`pipes_anomaly.io.read_events` (not modified).
    window : str, default "1d"
        Window length, aligned to UTC (``"1h"`` or ``"1d"``; any divisor of a day).
    profile : ActorProfile, optional
        History from training events. Without it, history is learned online from the
        earlier windows of ``events`` itself.

    Returns
    -------
    DataFrame
        Key columns ``actor_id, actor_handle, identity_handle, window_start, window_end,
        n_events`` then ``FEATURE_COLUMNS`` (float64, no NaN), sorted by window then actor.
    """
    records, base, history, off = _read(events, window, profile)
    return assemble(events, records, base, history, off)


def event_flags(
    events: pd.DataFrame, *, window: str = "1d", profile: ActorProfile | None = None
) -> pd.DataFrame:
    """Per-record boolean flags aggregated by the window features.

    Parameters
    ----------
    events : DataFrame
        Events frame (not modified).
    window : str, default "1d"
        Window used for "new in this window" and off-hours flags.
    profile : ActorProfile, optional
        History, as for :func:`build_features`.

    Returns
    -------
    DataFrame
        ``FLAG_COLUMNS`` (bool), indexed like ``events``.
    """
    records, _, history, off = _read(events, window, profile)
    return flag_frame(records, off, *grown_types(history, records.codes))


def build_features_and_flags(
    events: pd.DataFrame, *, window: str = "1d", profile: ActorProfile | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Window features and per-record flags from a single pass over ``events``.

    Same results as :func:`build_features` and :func:`event_flags` with the same
    arguments, computing what the two share once.

    Parameters
    ----------
    events : DataFrame
        Events frame from :func:`pipes_anomaly.io.read_events` (not modified).
    window : str, default "1d"
        Window length, aligned to UTC.
    profile : ActorProfile, optional
        History from training events, as for :func:`build_features`.

    Returns
    -------
    features : DataFrame
        As :func:`build_features` returns it.
    flags : DataFrame
        As :func:`event_flags` returns it (``FLAG_COLUMNS``, indexed like ``events``).
    """
    records, base, history, off = _read(events, window, profile)
    feats = assemble(events, records, base, history, off)
    return feats, flag_frame(records, off, *grown_types(history, records.codes))


def build_features_and_profile(
    events: pd.DataFrame, *, window: str = "1d"
) -> tuple[pd.DataFrame, ActorProfile]:
    """Online features of training events and their :class:`ActorProfile`, in one pass.

    Same results as :func:`build_features` and :meth:`ActorProfile.from_events` with the
    same arguments, reading the events once.

    Parameters
    ----------
    events : DataFrame
        Training events from :func:`pipes_anomaly.io.read_events` (not modified).
    window : str, default "1d"
        Window length, aligned to UTC.

    Returns
    -------
    features : DataFrame
        As :func:`build_features` returns it without a profile.
    profile : ActorProfile
        As :meth:`ActorProfile.from_events` returns it.
    """
    records, base, history, off = _read(events, window, None)
    feats = assemble(events, records, base, history, off)
    return feats, next_profile(window, base, records, None)


class FeatureBuilder(TransformerMixin, BaseEstimator):
    """sklearn transformer: events frame -> feature matrix (``FEATURE_COLUMNS``).

    ``fit`` learns an :class:`ActorProfile` from training events; ``transform`` featurises
    new events with that history. ``fit_transform`` featurises the training events online.

    Parameters
    ----------
    window : str, default "1d"
        Window length.
    """

    def __init__(self, *, window: str = "1d") -> None:
        self.window = window

    def fit(self, X: pd.DataFrame, y: object = None) -> FeatureBuilder:
        """Learn the actor profile from training events."""
        self.profile_ = ActorProfile.from_events(X, window=self.window)
        self.feature_names_out_ = np.asarray(FEATURE_COLUMNS, dtype=object)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Return the full feature frame (keys and features) for new events."""
        return build_features(X, window=self.window, profile=self.profile_)

    def fit_transform(self, X: pd.DataFrame, y: object = None) -> pd.DataFrame:
        """Fit, and return the training events' features computed online."""
        feats, self.profile_ = build_features_and_profile(X, window=self.window)
        self.feature_names_out_ = np.asarray(FEATURE_COLUMNS, dtype=object)
        return feats

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Names of the feature columns."""
        return np.asarray(FEATURE_COLUMNS, dtype=object)
