"""Workspaces new to the actor read at the slow scale: ``trail_new_workspaces_vs_self`` and
``sustained_new_workspaces_vs_self`` (the trailing and sustained growth of the workspaces an
actor never touched before, against its own rate of them), with and without, on the 53
development worlds of 0.8.0 (features cached under ``experiments/work/seventh_round/run5``)."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

lab.CACHE = HERE.parent / "work" / "seventh_round" / "run5"
lab.CACHE.mkdir(parents=True, exist_ok=True)

NEW = ("trail_new_workspaces_vs_self", "sustained_new_workspaces_vs_self")

if __name__ == "__main__":
    variants = {
        "without": lab.ensemble_cols(NEW),
        "trailing": lab.ensemble_cols(NEW[1:]),
        "both": lab.ensemble_cols(()),
    }
    lab.write(lab.measure(variants), "seventh_round", "run5")
