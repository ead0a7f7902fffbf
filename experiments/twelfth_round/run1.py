"""How surprising a window's action types are for its actor, measured on the 53 development
worlds and the second independent world, detector seeds 0-2: the package's features alone
(``base``) and with one of two prototype columns computed here from the records:

- ``rarest_type``: the largest ``-log p`` over the action types of the window, ``p`` the
  share of that type among the actor's records before the window's day, smoothed toward
  the world's training mix, all its organisations pooled (``ALPHA`` records of it): a type
  the actor rarely uses;
- ``type_tail``: the largest ``-log P(X >= c)`` over the window's types, ``X`` binomial with
  the window's records and that share, ``c`` the window's records of the type: as many of a
  type as the actor rarely makes in a day (three deletes from someone who rarely deletes).

Only the 51 real action types count (an unknown type never decides a score). History is
every record of the actor before the window's UTC day, training and test alike, as the
package's history columns read it. Worlds of the generator of dcdaa3a; features of the
package at that revision, cached with the columns under ``experiments/work/twelfth_round/``.
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import binom

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _columns import compare  # noqa: E402

from pipes_anomaly.schema import ACTION_TYPES  # noqa: E402

#: records of the world's training mix an actor's history is smoothed toward
ALPHA = 5.0
#: the largest surprisal a column takes (a tail probability underflows)
CAP = 50.0
NEW = ("rarest_type", "type_tail")


def type_columns(events: pd.DataFrame, train_end: pd.Timestamp) -> pd.DataFrame:
    """Per actor and UTC day, the two prototype columns (see the module docstring)."""
    ev = events.loc[events["action_type"].isin(ACTION_TYPES), ["actor_id", "action_type"]]
    ev = ev.assign(day=events.loc[ev.index, "created_at"].dt.floor("D"))
    org = ev.loc[ev["day"] < train_end, "action_type"].value_counts(normalize=True)
    c = ev.groupby(["actor_id", "day", "action_type"]).size().rename("c").reset_index()
    c = c.sort_values(["actor_id", "action_type", "day"])
    c["before"] = c.groupby(["actor_id", "action_type"])["c"].cumsum() - c["c"]
    tot = c.groupby(["actor_id", "day"])["c"].sum().rename("n").reset_index()
    tot = tot.sort_values(["actor_id", "day"])
    tot["n_before"] = tot.groupby("actor_id")["n"].cumsum() - tot["n"]
    c = c.merge(tot, on=["actor_id", "day"])
    prior = c["action_type"].map(org).fillna(0.0).to_numpy() + 1e-4
    p = (c["before"].to_numpy() + ALPHA * prior) / (c["n_before"].to_numpy() + ALPHA)
    p = np.clip(p, 1e-9, 1.0)
    c["rarest_type"] = -np.log(p)
    tail = binom.sf(c["c"].to_numpy() - 1, c["n"].to_numpy(), p)
    c["type_tail"] = np.minimum(-np.log(np.maximum(tail, 1e-300)), CAP)
    out = c.groupby(["actor_id", "day"])[list(NEW)].max().reset_index()
    return out.rename(columns={"day": "window_start"})


if __name__ == "__main__":
    compare(
        "run1",
        type_columns,
        NEW,
        [
            "pr_auc",
            "recall@5%",
            "lookalike_alerts_flag",
            "kinds_below_half@5%",
            "incidents@5%[subtle]",
        ],
    )
