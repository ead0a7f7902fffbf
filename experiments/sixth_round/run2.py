"""Peers of the same kind: a window is compared with the windows of actors of its kind, the
kind read from the actor's habit (automation: at most half of its last 14 windows' records by
hand, over at least 20 records) or, as before, from whether the window's own records mostly
carry a process id; on the development worlds of version 0.7.0 (features cached under
``experiments/work/sixth_round/``)."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

from pipes_anomaly.features import windows  # noqa: E402

KIND_BY_HABIT = windows._peers


def kind_by_window(df, identity, automation):
    return KIND_BY_HABIT(df, identity, np.full(len(automation), -1.0))


if __name__ == "__main__":
    parts = []
    for name, peers in (("kind by habit", KIND_BY_HABIT), ("kind by window", kind_by_window)):
        windows._peers = peers
        lab.CACHE = HERE.parent / "work" / "sixth_round" / name.replace(" ", "_")
        lab.CACHE.mkdir(parents=True, exist_ok=True)
        parts.append(lab.measure({name: lab.ensemble_cols(())}))
    lab.write(pd.concat(parts, ignore_index=True), "sixth_round", "run2")
