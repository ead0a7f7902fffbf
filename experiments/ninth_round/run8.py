"""The floor of the extension's unit (``surprisal._MIN_SPREAD``, 1e-3 shipped) at 1e-2 and
1e-4: a sparse feature's one non-zero training window is read in that unit against all-zero
others, so the floor sets how rare it comes out. Detector seed 0, the eighth round's cached
features, with ``above`` and ``beyond`` as in run6."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

from pipes_anomaly import catalog  # noqa: E402
from pipes_anomaly.models import (  # noqa: E402
    surprisal,  # noqa: E402
)

lab.CACHE = HERE.parent / "work" / "eighth_round" / "run3"
COLS = list(catalog.MODEL_FEATURES)
SHARES: list[dict] = []


def variant(floor):
    def run(ftr, fte):
        shipped = surprisal._MIN_SPREAD
        surprisal._MIN_SPREAD = floor
        try:
            return lab.fit_score(ftr, fte, COLS, shares=SHARES, random_state=0)
        finally:
            surprisal._MIN_SPREAD = shipped

    return run


if __name__ == "__main__":
    variants = {f"floor {f:g}": variant(f) for f in (1e-2, 1e-3, 1e-4)}
    df = lab.with_shares(lab.measure(variants), SHARES)
    lab.write(df, "ninth_round", "run8")
    print(df.groupby(["size", "variant"])[["above", "beyond"]].mean().round(4))
