"""A grantee-side reading for privilege persistence, as a prototype beside the shipped
features (not in the package): ``fresh_owner``, log1p of the owner grants an actor received
(as the target of a membership grant with role ``owner``) in the 7 days up to its first
record, on the windows of its first 7 days of activity (0 elsewhere). On the 53 development
worlds of the final 0.8.0 generator (with privilege persistence; features cached under
``experiments/work/seventh_round/run6``, the grants read from each world's records)."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

from pipes_anomaly import catalog  # noqa: E402
from pipes_anomaly.io import read_events  # noqa: E402

lab.CACHE = HERE.parent / "work" / "seventh_round" / "run6"
lab.CACHE.mkdir(parents=True, exist_ok=True)
GRANTS = {"org.member.add", "org.member.update", "org.workspace.member.add",
          "org.workspace.member.update"}  # fmt: skip
DAY = pd.Timedelta(days=1)
_GRANTS: dict[str, pd.DataFrame] = {}
_FIRST: dict[str, pd.Series] = {}


def fresh_owner(world: str, feats: pd.DataFrame) -> np.ndarray:
    """The prototype column for ``feats`` (windows of one world)."""
    if world not in _GRANTS:
        d = lab.world_folder(world)
        ev = read_events([d / "train.jsonl", d / "test.jsonl"]).events
        g = ev[ev["action_type"].isin(GRANTS) & (ev["role"] == "owner")]
        _GRANTS.clear()
        _GRANTS[world] = g.loc[:, ["target_id", "created_at"]]
        _FIRST[world] = ev.groupby("actor_id")["created_at"].min()
    g = _GRANTS[world]
    first = _FIRST[world]  # each actor's first record
    f = feats["actor_id"].map(first)
    start = pd.to_datetime(feats["window_start"], utc=True)
    granted = g.merge(first.rename("first").reset_index(), left_on="target_id",
                      right_on="actor_id")  # fmt: skip
    before = granted[(granted["created_at"] <= granted["first"])
                     & (granted["created_at"] > granted["first"] - 7 * DAY)]  # fmt: skip
    n = before.groupby("actor_id").size()
    received = feats["actor_id"].map(n).fillna(0).to_numpy(float)
    early = (start - f.dt.floor("D")).dt.days.to_numpy() < 7
    return np.where(early, np.log1p(received), 0.0)


def with_fresh_owner():
    def run(ftr, fte):
        world = lab.current_world()
        tr, te = ftr.copy(), fte.copy()
        tr["fresh_owner"] = fresh_owner(world, tr)
        te["fresh_owner"] = fresh_owner(world, te)
        return lab.fit_score(tr, te, [*catalog.MODEL_FEATURES, "fresh_owner"])

    return run


if __name__ == "__main__":
    variants = {"shipped": lab.ensemble_cols(()), "with fresh_owner": with_fresh_owner()}
    lab.write(lab.measure(variants), "seventh_round", "run6")
