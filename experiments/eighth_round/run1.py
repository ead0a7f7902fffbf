"""``log_new_account_owner_grants`` (owner roles someone else granted an actor in the 7 days
up to its first record, on its first 7 days) with and without, on the 53 development worlds
(features cached under ``experiments/work/eighth_round/run1``; made with the column read on
the first 7 days, before it was cut to the first day after run2)."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

lab.CACHE = HERE.parent / "work" / "eighth_round" / "run1"
lab.CACHE.mkdir(parents=True, exist_ok=True)

if __name__ == "__main__":
    variants = {
        "with": lab.ensemble_cols(()),
        "without": lab.ensemble_cols(("log_new_account_owner_grants",)),
    }
    lab.write(lab.measure(variants), "eighth_round", "run1")
