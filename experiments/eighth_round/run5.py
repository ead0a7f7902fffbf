"""A prototype for the granter's side of privilege persistence, beside the shipped features
(not in the package): ``owner_to_unseen``, log1p of the owner grants an actor made in the
window to someone else who had no record of their own before the grant. On the 53
development worlds (run3's cached features; the grants read from each world's records)."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

from pipes_anomaly import catalog  # noqa: E402
from pipes_anomaly.io import read_events  # noqa: E402

lab.CACHE = HERE.parent / "work" / "eighth_round" / "run3"
GRANTS = {"org.member.add", "org.member.update", "org.workspace.member.add",
          "org.workspace.member.update"}  # fmt: skip
_COUNTS: dict[str, pd.Series] = {}


def counts(world: str) -> pd.Series:
    """Owner grants to accounts with no earlier record, per (granter, UTC day)."""
    if world not in _COUNTS:
        d = lab.world_folder(world)
        ev = read_events([d / "train.jsonl", d / "test.jsonl"]).events
        first = ev.groupby("actor_id")["created_at"].min()
        member = ev["user_id"].where(ev["user_id"].notna(), ev["target_id"])
        g = ev[
            ev["action_type"].isin(GRANTS) & (ev["role"] == "owner") & (member != ev["actor_id"])
        ]
        m = member[g.index]
        seen = m.map(first)
        unseen = g[seen.isna().to_numpy() | (seen > g["created_at"]).to_numpy()]
        day = unseen["created_at"].dt.floor("D")
        _COUNTS.clear()
        _COUNTS[world] = unseen.groupby([unseen["actor_id"], day]).size()
    return _COUNTS[world]


def column(world: str, feats: pd.DataFrame) -> np.ndarray:
    c = counts(world)
    key = pd.MultiIndex.from_arrays(
        [feats["actor_id"], pd.to_datetime(feats["window_start"], utc=True)]
    )
    return np.log1p(c.reindex(key).fillna(0).to_numpy(float))


def with_column():
    def run(ftr, fte):
        tr, te = ftr.copy(), fte.copy()
        tr["owner_to_unseen"] = column(lab.current_world(), tr)
        te["owner_to_unseen"] = column(lab.current_world(), te)
        return lab.fit_score(tr, te, [*catalog.MODEL_FEATURES, "owner_to_unseen"])

    return run


if __name__ == "__main__":
    variants = {"shipped": lab.ensemble_cols(()), "with owner_to_unseen": with_column()}
    lab.write(lab.measure(variants), "eighth_round", "run5")
