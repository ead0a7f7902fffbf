"""A network only this actor uses, and uses on few of its days, measured like ``run1.py``
(the 53 development worlds and the second independent world, detector seeds 0-2): the
package's features alone (``base``) and with ``rare_own_network``, the largest
``-log((d + 0.5) / (D + 1))`` over the window's networks (/16 for IPv4, /48 for IPv6) that the
actor used before on ``d`` of its ``D`` earlier active days and that no other account of the
world used before the window's day. A network never seen before is left to the shipped
novelty columns (it is not counted here). An attacker present from the first day comes back
every few days from its own one or two addresses: never new, never shared, seldom used.
Features of the package at the revision under test and the column cached under
``experiments/work/twelfth_round/run2/``.
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _columns import compare  # noqa: E402

NEW = "rare_own_network"


def network_of(ip: pd.Series) -> pd.Series:
    """The /16 of an IPv4 address, the /48 of an IPv6 one."""
    text = ip.fillna("").astype(str)
    v6 = text.str.contains(":")
    v4_net = text.str.split(".").str[:2].str.join(".")
    v6_net = text.str.split(":").str[:3].str.join(":")
    return v4_net.where(~v6, v6_net)


def own_network_column(events: pd.DataFrame, train_end: pd.Timestamp) -> pd.DataFrame:
    """Per actor and UTC day, ``rare_own_network`` (see the module docstring)."""
    ev = pd.DataFrame(
        {
            "actor_id": events["actor_id"].to_numpy(),
            "day": events["created_at"].dt.floor("D").to_numpy(),
            "net": network_of(events["actor_ip"]).to_numpy(),
        }
    )
    ev = ev[ev["net"] != ""].drop_duplicates()
    first_any = ev.groupby(["net", "actor_id"])["day"].min().rename("first").reset_index()
    # the first day another account used the network: the earliest first day of any actor,
    # or the second earliest where the earliest is the actor itself
    first_sorted = first_any.sort_values(["net", "first"])
    two = first_sorted.groupby("net").head(2)
    earliest = two.groupby("net").nth(0).set_index("net")
    second = two.groupby("net").nth(1).set_index("net")
    ev = ev.merge(earliest.rename(columns={"actor_id": "a0", "first": "f0"}), on="net")
    ev = ev.merge(second.rename(columns={"actor_id": "a1", "first": "f1"}), on="net", how="left")
    other_first = np.where(ev["a0"] == ev["actor_id"], ev["f1"], ev["f0"])
    ev["shared"] = pd.to_datetime(other_first, utc=True) < ev["day"]
    ev = ev.sort_values(["actor_id", "net", "day"])
    ev["own_days"] = ev.groupby(["actor_id", "net"]).cumcount()
    days = ev[["actor_id", "day"]].drop_duplicates().sort_values(["actor_id", "day"])
    days["act_days"] = days.groupby("actor_id").cumcount()
    ev = ev.merge(days, on=["actor_id", "day"])
    keep = ~ev["shared"] & (ev["own_days"] >= 1)
    ev[NEW] = np.where(keep, -np.log((ev["own_days"] + 0.5) / (ev["act_days"] + 1.0)), 0.0).clip(
        min=0.0
    )
    out = ev.groupby(["actor_id", "day"])[NEW].max().reset_index()
    return out.rename(columns={"day": "window_start"})


if __name__ == "__main__":
    compare(
        "run2",
        own_network_column,
        (NEW,),
        [
            "pr_auc",
            "recall@5%",
            "lookalike_alerts_flag",
            "incidents@5%[subtle]",
            "incidents@5%[persistent]",
            "odd_actor_days@5%",
        ],
    )
