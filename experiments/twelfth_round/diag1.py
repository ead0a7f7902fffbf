"""Which attack days the default detector leaves outside the top 5% on the development worlds
(53 of ours, second independent world), with their kind, form and the features that decide
the kinds this round looks at. Prints a table; writes nothing."""

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tenth_round"))
from _worlds import independent, lab  # noqa: E402

import cross_world as cw  # noqa: E402
from pipes_anomaly import catalog  # noqa: E402
from pipes_anomaly.evaluation import evaluate  # noqa: E402

lab.CACHE = HERE.parent / "work" / "eleventh_round" / "run2"
COLS = list(catalog.MODEL_FEATURES)


def rows_of(name, ftr, fte, labels):
    s, a = lab.fit_score(ftr, fte, COLS)
    sc = cw.scores_frame(fte, s, a)
    res = evaluate(sc, labels)
    w = res.windows.assign(world=name)
    feats = fte.drop(columns=["actor_handle", "window_end", "n_events"], errors="ignore")
    return w.merge(feats, on=["actor_id", "window_start"], how="left")


def main() -> None:
    kinds = sys.argv[1].split(",")
    show = sys.argv[2].split(",")
    out = []
    for p in lab.worlds():
        name, fam, ftr, fte, labels, man = lab.load(p)
        out.append(rows_of(name, ftr, fte, labels))
    for seed in (1, 2, 3, 4):
        name, _, ftr, fte, labels, man = independent("indep2", seed, lab.CACHE)
        out.append(rows_of(name, ftr, fte, labels))
    pd.set_option("display.width", 250)
    w = pd.concat(out, ignore_index=True)
    keep = w["scenarios"].fillna("").str.contains("|".join(kinds)) | w["lookalike"].fillna(
        ""
    ).str.contains("|".join(kinds))
    sub = w.loc[
        keep, ["world", "actor_handle", "scenarios", "lookalike", "selected@5%", "n_events", *show]
    ]
    print(sub.round(2).to_string(index=False))


if __name__ == "__main__":
    main()
