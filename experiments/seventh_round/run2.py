"""Low-and-slow abuse that grows any two kinds of access or collection (the generator of
0.8.0), and ``trail_action_vs_self``, the trailing growth of whichever action type grew
most: the detector with and without the feature, on the 53 development worlds (features
cached under ``experiments/work/seventh_round/run2``)."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

lab.CACHE = HERE.parent / "work" / "seventh_round" / "run2"
lab.CACHE.mkdir(parents=True, exist_ok=True)

if __name__ == "__main__":
    variants = {
        "with trail_action": lab.ensemble_cols(()),
        "without": lab.ensemble_cols(("trail_action_vs_self",)),
    }
    lab.write(lab.measure(variants), "seventh_round", "run2")
