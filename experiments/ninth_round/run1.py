"""A prototype beside the shipped features (not in the package): addresses borrowed from one
other actor. An address (IPv4 exact, IPv6 its /64) is *borrowed* by an actor when the actor
first uses it while exactly one other actor used it before, on at least 2 UTC days (someone's
own address, not an office's, a VPN's or a carrier's shared one). Computed from each world's
records in the script, on the 53 development worlds (eighth round run3's cached features):

* ``borrowed_addresses``: log1p of the borrowed addresses first used in the window;
* ``borrowed_records``: log1p of the window's records from addresses the actor borrowed
  (on any day since).
"""

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
_VALUES: dict[str, pd.DataFrame] = {}
MIN_DAYS = int(dict(a.split("=") for a in sys.argv[1:] if "=" in a).get("min_days", 2))


def network(ip: pd.Series) -> np.ndarray:
    ip = ip.fillna("").astype(str)
    v6 = ip.str.contains(":", regex=False)
    return np.where(v6, ip.str.split(":").str[:4].str.join(":"), ip)


def values(world: str) -> pd.DataFrame:
    """Per (actor, UTC day): the two columns."""
    if world not in _VALUES:
        d = lab.world_folder(world)
        ev = read_events([d / "train.jsonl", d / "test.jsonl"]).events
        ev = ev.assign(net=network(ev["actor_ip"]), day=ev["created_at"].dt.floor("D"))
        ev = ev[ev["net"] != ""]
        first = ev.groupby(["net", "actor_id"])["created_at"].min().reset_index()
        first = first.sort_values(["net", "created_at"], kind="stable")
        days = ev.groupby(["net", "actor_id"])["day"].unique()
        borrowed = []
        for net, g in first.groupby("net", sort=False):
            if len(g) < 2:
                continue
            owner = g["actor_id"].iloc[0]
            second_at = g["created_at"].iloc[1]
            if len(g) > 2 and g["created_at"].iloc[2] == second_at:
                continue
            owner_days = days[(net, owner)]
            if (owner_days < second_at.floor("D")).sum() >= MIN_DAYS:
                borrowed.append((net, g["actor_id"].iloc[1], second_at.floor("D")))
        b = pd.DataFrame(borrowed, columns=["net", "actor_id", "day"])
        per_day_first = b.groupby(["actor_id", "day"]).size()
        pairs = set(zip(b["net"], b["actor_id"], strict=True))
        mask = np.fromiter(
            (p in pairs for p in zip(ev["net"], ev["actor_id"], strict=True)), bool, count=len(ev)
        )
        per_day_records = ev[mask].groupby(["actor_id", "day"]).size()
        out = pd.DataFrame(
            {
                "borrowed_addresses": np.log1p(per_day_first),
                "borrowed_records": np.log1p(per_day_records),
            }
        ).fillna(0.0)
        _VALUES.clear()
        _VALUES[world] = out
    return _VALUES[world]


def column(world: str, feats: pd.DataFrame, name: str) -> np.ndarray:
    v = values(world)[name]
    key = pd.MultiIndex.from_arrays(
        [feats["actor_id"], pd.to_datetime(feats["window_start"], utc=True)]
    )
    return v.reindex(key).fillna(0.0).to_numpy(float)


def with_column(name):
    def run(ftr, fte):
        tr, te = ftr.copy(), fte.copy()
        tr[name] = column(lab.current_world(), tr, name)
        te[name] = column(lab.current_world(), te, name)
        return lab.fit_score(tr, te, list(catalog.MODEL_FEATURES) + [name])

    return run


if __name__ == "__main__":
    variants = {
        "shipped": lab.ensemble_cols(()),
        "with borrowed_addresses": with_column("borrowed_addresses"),
        "with borrowed_records": with_column("borrowed_records"),
    }
    lab.write(lab.measure(variants), "ninth_round", f"run1_min{MIN_DAYS}")
