"""The tenth round's worlds: the 53 development worlds (eighth round run3's cached features)
and the second independent world, seeds 1-4, promoted to development this round (its features
cached under ``experiments/work/tenth_round/``)."""

import pickle
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
sys.path.insert(0, str(HERE.parent))
import lab  # noqa: E402

import cross_world as cw  # noqa: E402

lab.CACHE = HERE.parent / "work" / "eighth_round" / "run3"
CACHE = HERE.parent / "work" / "tenth_round"


def independent(family: str, seed: int, cache: Path = CACHE) -> tuple:
    """``(name, family, train features, test features, labels, manifest)`` of an independent
    world, its features computed once (into ``cache``: one folder per revision of them)."""
    cache.mkdir(parents=True, exist_ok=True)
    p = cache / f"{family}-{seed}.pkl"
    if not p.exists():
        w = cw.independent_world(seed, cw.HERE / "work" / "cross_world", family)
        f = cw.world_features(w)
        with open(p, "wb") as fh:
            pickle.dump((w.name, family, f.train, f.test, w.labels, w.manifest), fh)
    with open(p, "rb") as fh:
        return pickle.load(fh)


def folder(family: str, seed: int) -> Path:
    """Where an independent world's records are written."""
    return cw.HERE / "work" / "cross_world" / f"{family}{seed}"


def measure(variants: dict, cache: Path) -> pd.DataFrame:
    """:func:`lab.measure`'s rows on the 53 development worlds (features in ``lab.CACHE``) and
    the second independent world, seeds 1-4 (features in ``cache``), ``size`` ``indep2``."""
    df = lab.measure(variants)
    rows = []
    for seed in (1, 2, 3, 4):
        name, _, ftr, fte, labels, manifest = independent("indep2", seed, cache)
        for v, fn in variants.items():
            s, a = fn(ftr, fte)
            m = cw.labelled_metrics(cw.scores_frame(fte, s, a), labels, manifest)
            rows.append({"world": name, "fam": "indep2", "size": "indep2", "variant": v, **m})
    return pd.concat([df, pd.DataFrame(rows)], ignore_index=True)
