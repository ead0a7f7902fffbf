"""What the twelfth round's runs share: every development world's features with prototype
columns computed from its records (cached once per run), and the comparison of the package's
52 model columns with and without each prototype column, detector seeds 0-2, on the 53
development worlds and the second independent world."""

import pickle
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tenth_round"))
from _worlds import lab, measure  # noqa: E402

import cross_world as cw  # noqa: E402
from pipes_anomaly import catalog  # noqa: E402

#: ``column_fn(events, first test day)`` -> per ``actor_id`` and ``window_start`` (UTC day),
#: the prototype columns
ColumnFn = Callable[[pd.DataFrame, pd.Timestamp], pd.DataFrame]


def with_columns(world: cw.World, column_fn: ColumnFn, names: Sequence[str]) -> tuple:
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


def worlds_to_cache(cache: Path, column_fn: ColumnFn, names: Sequence[str]) -> None:
    """Write every development world's features with the columns into ``cache``, once."""
    import worlds as W

    cache.mkdir(parents=True, exist_ok=True)
    work = cw.HERE / "work" / "cross_world"
    todo = [(f"default{s}", lambda s=s: cw.default_world(s, work)) for s in cw.DEFAULT_SEEDS]
    for fam, s in [*W.DEV, *cw.EXTRA_DEV]:
        todo.append((f"{fam}-{s}", lambda fam=fam, s=s: cw.written_world(
            f"{fam}-{s}", "dev" if s < 8 else "devx", W.world_dir(fam, s))))  # fmt: skip
    for s in (1, 2, 3, 4):
        todo.append((f"indep2-{s}", lambda s=s: cw.independent_world(s, work, "indep2")))
    for name, make in todo:
        p = cache / f"{name}.pkl"
        if not p.exists():
            with open(p, "wb") as fh:
                pickle.dump(with_columns(make(), column_fn, names), fh)
            print("cached", name, flush=True)


def compare(run: str, column_fn: ColumnFn, names: Sequence[str], shown: Sequence[str]) -> None:
    """Measure ``base`` and each column of ``names`` added, write ``results/twelfth_round/
    <run>.csv`` and print the means of ``shown`` and the world-seeds each column betters."""
    cache = HERE.parent / "work" / "twelfth_round" / run
    lab.CACHE = cache
    worlds_to_cache(cache, column_fn, names)

    def variant(kind: str, random_state: int):
        cols = list(catalog.MODEL_FEATURES) + ([kind] if kind in names else [])
        return lambda ftr, fte: lab.fit_score(ftr, fte, cols, random_state=random_state)

    kinds = ("base", *names)
    variants = {f"{k}, seed {rs}": variant(k, rs) for rs in (0, 1, 2) for k in kinds}
    df = measure(variants, cache)
    lab.write(df, "twelfth_round", run)
    df["kind"] = df["variant"].str.split(",").str[0]
    print(df.groupby(["size", "kind"])[list(shown)].mean().round(4).to_string())
    w = df.pivot_table(index=["size", "world", "variant"], values="pr_auc").reset_index()
    w["kind"] = w["variant"].str.split(",").str[0]
    w["seed"] = w["variant"].str.split(", ").str[1]
    p = w.pivot_table(index=["size", "world", "seed"], columns="kind", values="pr_auc")
    for k in names:
        print(k, (p[k] > p["base"]).groupby("size").agg(["sum", "size"]).to_string())
