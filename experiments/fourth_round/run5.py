"""Short-lived read as the hunting query reads it: the two lifetime features
(``short_lifetime``, ``workspace_short_lifetime``) count only what was deleted within 24 hours
of its creation (as ``queries/short_lived_workspaces.sql``), where they count every deletion
of any age; features rebuilt into a cache of their own, the default detector, on the
development worlds."""

import dataclasses
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

from pipes_anomaly.features import windows  # noqa: E402

_DAY_NS = 24 * 3600 * 10**9
_lifetimes = windows._lifetime_features


def within_a_day(records):
    """The lifetime features with deletions of things older than a day left out."""
    hist = records.history_flags
    old = hist.lifetime_ns >= _DAY_NS
    hist = dataclasses.replace(hist, lifetime_ns=np.where(old, -1, hist.lifetime_ns))
    out = _lifetimes(dataclasses.replace(records, history_flags=hist))
    out["log_created_deleted"] = _lifetimes(records)["log_created_deleted"]
    return out


if __name__ == "__main__":
    windows._lifetime_features = within_a_day
    lab.CACHE = HERE.parent / "work" / "fourth_round_run5"
    lab.CACHE.mkdir(parents=True, exist_ok=True)
    df = lab.measure({"short-lived-24h": lab.parts_variant(lab.weighted((0.5, 1, 1)))})
    lab.write(df, "fourth_round", "run5")
