"""The shipped detector of 0.8.0 (with ``trail_action_vs_self`` and
``sustained_action_vs_self``) against the same without the two, on the 53 development worlds
of the final 0.8.0 generator (features cached under ``experiments/work/seventh_round/run4``):
the figures decisions.md quotes for the choice."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

lab.CACHE = HERE.parent / "work" / "seventh_round" / "run4"
lab.CACHE.mkdir(parents=True, exist_ok=True)

NEW = ("trail_action_vs_self", "sustained_action_vs_self")

if __name__ == "__main__":
    variants = {
        "shipped": lab.ensemble_cols(()),
        "without the two": lab.ensemble_cols(NEW),
    }
    lab.write(lab.measure(variants), "seventh_round", "run4")
