"""A prototype beside the shipped features (not in the package): records that leave a resource
visible to anyone with its link. Pipes snapshots are shared inside a workspace
(``visibility: workspace``) or with anyone holding the link (``anyone_with_link``, Steampipe's
``--share``); ``data`` is the resource after the action, so ``data.visibility`` says what the
record left exposed. Our generator writes no visibility; the two independent worlds do. Columns
computed from each world's records in the script (creates and updates, not deletes):

* ``log_public_shares``: log1p of the window's records that leave a resource public;
* ``public_day_vs_self``: the same count against the actor's earlier windows' mean (one
  pseudo-window at 0.1), log ratio floored at 0;
* ``public_vs_self``: the last 7 windows' sum against 7 times that mean.

Measured on the second independent world (development data from this round) and, after the
measurement there, on the first (a report world), detector seeds 0-2.
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _worlds import cw, folder, independent, lab  # noqa: E402

from pipes_anomaly import catalog  # noqa: E402

PUBLIC = "anyone_with_link"
#: the model columns of 0.10.0, the shipped detector when this round began
BEFORE = [c for c in catalog.MODEL_FEATURES if c != "log_self_owner_grants"]
NEW = ("log_public_shares", "public_day_vs_self", "public_vs_self")


def public_counts(directory: Path) -> pd.Series:
    """Records leaving a resource public, per (actor, UTC day)."""
    raw = pd.concat(
        [pd.read_json(directory / f, lines=True) for f in ("train.jsonl", "test.jsonl")]
    )
    vis = raw["data"].map(lambda d: d.get("visibility") if isinstance(d, dict) else None)
    keep = (vis == PUBLIC) & ~raw["action_type"].str.endswith(".delete")
    hits = raw[keep]
    day = pd.to_datetime(hits["created_at"], utc=True).dt.floor("D")
    return hits.groupby([hits["actor_id"], day]).size()


def with_columns(ftr: pd.DataFrame, fte: pd.DataFrame, counts: pd.Series):
    both = pd.concat([ftr.assign(_test=False), fte.assign(_test=True)], ignore_index=True)
    both = both.sort_values(["actor_id", "window_start"], kind="stable")
    key = pd.MultiIndex.from_arrays(
        [both["actor_id"], pd.to_datetime(both["window_start"], utc=True)]
    )
    c = pd.Series(counts.reindex(key).fillna(0.0).to_numpy(float), index=both.index)
    g = c.groupby(both["actor_id"])
    mean_before = (g.cumsum() - c + 0.1) / (g.cumcount() + 1)
    trail = g.transform(lambda x: x.rolling(7, min_periods=1).sum())
    both["log_public_shares"] = np.log1p(c)
    both["public_day_vs_self"] = np.maximum(np.log1p(c) - np.log1p(mean_before), 0.0)
    both["public_vs_self"] = np.maximum(np.log1p(trail) - np.log1p(7 * mean_before), 0.0)
    tr = both[~both["_test"]].drop(columns="_test")
    te = both[both["_test"]].drop(columns="_test")
    return tr, te


def main() -> None:
    rows = []
    for family in ("indep2", "indep"):
        for seed in (1, 2, 3, 4):
            name, _, ftr, fte, labels, manifest = independent(family, seed)
            tr, te = with_columns(ftr, fte, public_counts(folder(family, seed)))
            print(name, f"windows with a public share: {np.mean(te.log_public_shares > 0):.3f}")
            variants = {"shipped": []} | {f"with {c}": [c] for c in NEW}
            for variant, extra in variants.items():
                for rs in (0, 1, 2):
                    cols = BEFORE + extra
                    s, a = lab.fit_score(tr, te, cols, random_state=rs)
                    m = cw.labelled_metrics(cw.scores_frame(te, s, a), labels, manifest)
                    rows.append({"world": name, "family": family, "variant": variant,
                                 "random_state": rs, **m})  # fmt: skip
    df = pd.DataFrame(rows)
    out = HERE.parent / "results" / "tenth_round"
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / "run1.csv", index=False)
    pd.set_option("display.width", 200)
    cols = ["pr_auc", "recall@5%", "lookalike_alerts_flag", "kinds_below_half@5%"]
    print(df.groupby(["family", "variant"])[cols].mean().round(3))
    print(df.groupby(["world", "variant"])["pr_auc"].mean().unstack().round(3))


if __name__ == "__main__":
    main()
