"""The eleventh round's shared pieces: each development world's detector parts and per-feature
surprisals, computed once from the features of the revision under test.

For every world (the 53 development worlds and the second independent world, seeds 1-4) the
default detector (``random_state`` 0) is fitted on the training windows, and this keeps: the
three calibrated parts (forest, LOF, rarest feature) of the training windows (each read
against the others, as the detector reads them) and of the test windows, each window's
surprisal on every model column, and the test windows' truth.
"""

import pickle
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tenth_round"))
from _worlds import cw, independent, lab  # noqa: E402

from pipes_anomaly import catalog  # noqa: E402
from pipes_anomaly.evaluation import evaluate  # noqa: E402
from pipes_anomaly.models import AnomalyDetector  # noqa: E402

WORK = HERE.parent / "work" / "eleventh_round"
#: the package's features of the revision under test (delete to measure another revision)
FEATURES = WORK / "base"
PARTS = WORK / "parts"
#: the model columns of 0.11.0, the detector this round started from (later columns left out)
COLS = [c for c in catalog.MODEL_FEATURES if c != "log_public_shares"]


def _capture(det: AnomalyDetector) -> list:
    """Make ``det`` keep the parts it combines (training first, then each scoring)."""
    seen: list = []
    combine = det._combine

    def keep(parts):
        seen.append(np.column_stack(parts))
        return combine(parts)

    det._combine = keep
    return seen


def world_parts(name, fam, ftr, fte, labels, manifest) -> dict:
    """One world's parts, surprisals and truth (see the module's docstring)."""
    Xtr, Xte = ftr[COLS].to_numpy(float), fte[COLS].to_numpy(float)
    det = AnomalyDetector(random_state=0)
    seen = _capture(det)
    det.fit(ftr[COLS], groups=ftr["actor_id"].to_numpy())
    shipped = det.anomaly_score(fte[COLS], groups=fte["actor_id"].to_numpy())
    ptr, pte = seen
    zero = np.zeros(len(fte))
    res = evaluate(cw.scores_frame(fte, zero, zero.astype(bool)), labels)
    truth = res.windows.set_index(["actor_id", "window_start"])["is_positive"]
    keys = pd.MultiIndex.from_frame(fte[["actor_id", "window_start"]])
    return {
        "name": name,
        "fam": fam,
        "size": "indep2"
        if fam == "indep2"
        else (
            "default"
            if fam == "default"
            else ("large" if ftr["actor_id"].nunique() >= 40 else "small")
        ),
        "ptr": ptr,
        "pte": pte,
        "str": det.surprisal_.transform_left_out(Xtr),
        "ste": det.surprisal_.transform(Xte),
        "gtr": ftr["actor_id"].to_numpy(),
        "gte": fte["actor_id"].to_numpy(),
        "y": truth.reindex(keys).fillna(False).to_numpy(bool),
        "shipped": shipped,
        "fte_keys": fte[["actor_id", "actor_handle", "window_start", "window_end", "n_events"]],
        "labels": labels,
        "manifest": manifest,
    }


def all_parts() -> list[dict]:
    """Every development world's parts, computed once into ``PARTS``."""
    PARTS.mkdir(parents=True, exist_ok=True)
    lab.CACHE = FEATURES
    paths = [(p.stem, p) for p in lab.worlds()]
    out = []
    items = [(f"indep2-{s}", s) for s in (1, 2, 3, 4)] + paths
    for name, src in items:
        p = PARTS / f"{name}.pkl"
        if not p.exists():
            if isinstance(src, int):
                w = independent("indep2", src, FEATURES)
            else:
                w = lab.load(src)
            d = world_parts(*w)
            with open(p, "wb") as fh:
                pickle.dump(d, fh)
        with open(p, "rb") as fh:
            out.append(pickle.load(fh))
    return out
