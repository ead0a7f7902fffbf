"""run4's best reading (the 90th percentile of the actor's earlier gaps, in place of
``days_since_last_seen``) against the shipped columns, with the detector fitted under
``random_state`` 0, 1 and 2: is its difference larger than the detector's own seed makes?"""

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

# this round's run4 by its path: lab puts the second round's folder (its own run4) first
_spec = importlib.util.spec_from_file_location("ninth_run4", HERE / "run4.py")
run4 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run4)
COLS, gap_vs_self = run4.COLS, run4.gap_vs_self


def variant(replace, seed):
    def run(ftr, fte):
        if not replace:
            return lab.fit_score(ftr, fte, COLS, random_state=seed)
        tr, te = gap_vs_self(ftr, fte, "q90")
        cols = ["gap_vs_self" if c == "days_since_last_seen" else c for c in COLS]
        return lab.fit_score(tr, te, cols, random_state=seed)

    return run


if __name__ == "__main__":
    variants = {}
    for seed in (0, 1, 2):
        variants[f"shipped, seed {seed}"] = variant(False, seed)
        variants[f"90th percentile, seed {seed}"] = variant(True, seed)
    df = lab.measure(variants)
    lab.write(df, "ninth_round", "run5")
    wide = df.pivot_table(index=["world", "size"], columns="variant", values="pr_auc").reset_index()
    for seed in (0, 1, 2):
        d = wide[f"90th percentile, seed {seed}"] - wide[f"shipped, seed {seed}"]
        for size in ("large", "small", "default"):
            s = d[wide["size"] == size]
            print(
                f"seed {seed} {size}: better on {(s > 0).sum()} of {len(s)}, mean {s.mean():+.4f}"
            )
