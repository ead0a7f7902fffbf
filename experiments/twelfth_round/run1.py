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

import pickle
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import binom

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tenth_round"))
from _worlds import lab, measure  # noqa: E402

import cross_world as cw  # noqa: E402
from pipes_anomaly import catalog  # noqa: E402
from pipes_anomaly.schema import ACTION_TYPES  # noqa: E402

CACHE = HERE.parent / "work" / "twelfth_round" / "run1"
lab.CACHE = CACHE
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


def with_columns(world: cw.World, column_fn, names) -> tuple:
    """The cached tuple :func:`lab.load` reads, with the columns ``column_fn`` adds."""
    f = cw.world_features(world)
    events = pd.concat([world.train, world.test], ignore_index=True)
    cols = column_fn(events, world.test["created_at"].min().floor("D"))
    frames = []
    for feats in (f.train, f.test):
        m = feats.merge(cols, on=["actor_id", "window_start"], how="left")
        m[list(names)] = m[list(names)].fillna(0.0)
        assert len(m) == len(feats)
        frames.append(m)
    return (world.name, world.family, frames[0], frames[1], world.labels, world.manifest)


def worlds_to_cache(cache: Path, column_fn, names) -> None:
    """Write every development world's features with the columns into ``cache``, once."""
    import worlds as W

    cache.mkdir(parents=True, exist_ok=True)
    work = cw.HERE / "work" / "cross_world"
    todo = [(f"default{s}", lambda s=s: cw.default_world(s, work)) for s in cw.DEFAULT_SEEDS]
    for fam, s in [*W.DEV, *cw.EXTRA_DEV]:
        todo.append(
            (
                f"{fam}-{s}",
                lambda fam=fam, s=s: cw.written_world(
                    f"{fam}-{s}", "dev" if s < 8 else "devx", W.world_dir(fam, s)
                ),
            )
        )
    for s in (1, 2, 3, 4):
        todo.append((f"indep2-{s}", lambda s=s: cw.independent_world(s, work, "indep2")))
    for name, make in todo:
        p = cache / f"{name}.pkl"
        if not p.exists():
            with open(p, "wb") as fh:
                pickle.dump(with_columns(make(), column_fn, names), fh)
            print("cached", name, flush=True)


def variant(kind: str, random_state: int):
    cols = list(catalog.MODEL_FEATURES) + ([kind] if kind in NEW else [])

    def run(ftr, fte):
        return lab.fit_score(ftr, fte, cols, random_state=random_state)

    return run


def main() -> None:
    worlds_to_cache(CACHE, type_columns, NEW)
    variants = {
        f"{kind}, seed {rs}": variant(kind, rs) for rs in (0, 1, 2) for kind in ("base", *NEW)
    }
    df = measure(variants, CACHE)
    lab.write(df, "twelfth_round", "run1")
    df["kind"] = df["variant"].str.split(",").str[0]
    cols = ["pr_auc", "recall@5%", "lookalike_alerts_flag", "kinds_below_half@5%",
            "incidents@5%[subtle]"]  # fmt: skip
    print(df.groupby(["size", "kind"])[cols].mean().round(4).to_string())
    w = df.pivot_table(index=["size", "world", "variant"], values="pr_auc").reset_index()
    w["kind"] = w["variant"].str.split(",").str[0]
    w["seed"] = w["variant"].str.split(", ").str[1]
    p = w.pivot_table(index=["size", "world", "seed"], columns="kind", values="pr_auc")
    for k in NEW:
        print(k, (p[k] > p["base"]).groupby("size").agg(["sum", "size"]).to_string())


if __name__ == "__main__":
    main()
