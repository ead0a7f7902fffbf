"""The seed's share in run3's differences: the detector with and without
``log_new_account_owner_grants`` fitted with ``random_state`` 1 and 2 (run3 used 0), on the
53 development worlds (run3's cached features)."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

from pipes_anomaly import catalog  # noqa: E402

lab.CACHE = HERE.parent / "work" / "eighth_round" / "run3"
COL = "log_new_account_owner_grants"


def fitted(drop, seed):
    def run(ftr, fte):
        return lab.fit_score(
            ftr, fte, [c for c in catalog.MODEL_FEATURES if c not in drop], random_state=seed
        )

    return run


if __name__ == "__main__":
    variants = {f"{name} seed {seed}": fitted(drop, seed) for seed in (1, 2)
                for name, drop in (("with", ()), ("without", (COL,)))}  # fmt: skip
    lab.write(lab.measure(variants), "eighth_round", "run4")
