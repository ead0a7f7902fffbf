"""A prototype beside the shipped features (not in the package): ``new_action_rarity``, for
the action types an actor used for the first time in the window (after 7 days of history,
types outside the schema left out, as ``log_new_actions``), the rarest of them across actors:
``-log((u + 1) / (n + 1))``, with ``u`` the actors who used the type before the window and
``n`` the actors seen before it. A first billing or membership record of an actor weighs more
than a first run of a pipeline everyone runs. On the 53 development worlds (run3's cached
features; the column computed from each world's records)."""

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
DAY = pd.Timedelta(days=1)
_VALUES: dict[str, pd.Series] = {}


def values(world: str) -> pd.Series:
    """The column per (actor, UTC day) with a value above 0."""
    if world not in _VALUES:
        d = lab.world_folder(world)
        ev = read_events([d / "train.jsonl", d / "test.jsonl"]).events
        ev = ev.assign(day=ev["created_at"].dt.floor("D"))
        actor_first = ev.groupby("actor_id")["day"].min()
        known = ev[ev["category"] != "other"]
        first = known.groupby(["actor_id", "action_type"])["day"].min().reset_index()
        seen_days = np.sort(actor_first.to_numpy())
        out = []
        for _, g in first.groupby("action_type"):
            days = np.sort(g["day"].to_numpy())
            used = np.searchsorted(days, g["day"].to_numpy(), side="left")  # before that day
            total = np.searchsorted(seen_days, g["day"].to_numpy(), side="left")
            mature = g["actor_id"].map(actor_first).to_numpy() <= (g["day"] - 7 * DAY).to_numpy()
            r = -np.log((used + 1) / (total + 1))
            out.append(g.assign(r=np.where(mature, r, 0.0)))
        f = pd.concat(out)
        f = f[f["r"] > 0]
        _VALUES.clear()
        _VALUES[world] = f.groupby(["actor_id", "day"])["r"].max()
    return _VALUES[world]


def column(world: str, feats: pd.DataFrame) -> np.ndarray:
    v = values(world)
    key = pd.MultiIndex.from_arrays(
        [feats["actor_id"], pd.to_datetime(feats["window_start"], utc=True)]
    )
    return v.reindex(key).fillna(0.0).to_numpy(float)


def with_column(drop=()):
    def run(ftr, fte):
        tr, te = ftr.copy(), fte.copy()
        tr["new_action_rarity"] = column(lab.current_world(), tr)
        te["new_action_rarity"] = column(lab.current_world(), te)
        return lab.fit_score(
            tr, te, [c for c in catalog.MODEL_FEATURES if c not in drop] + ["new_action_rarity"]
        )

    return run


if __name__ == "__main__":
    variants = {
        "shipped": lab.ensemble_cols(()),
        "with new_action_rarity": with_column(),
        "new_action_rarity instead of log_new_actions": with_column(("log_new_actions",)),
    }
    lab.write(lab.measure(variants), "eighth_round", "run6")
