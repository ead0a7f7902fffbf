"""Made at the first 0.8.0 generator, with a third candidate, ``action_growth_vs_peers``
(robust z of ``trail_action_vs_self`` against peers; not kept, no longer in the code).

The growth of whichever action type grew most, read three ways (trailing, sustained over
the last 2 active windows, against peers' growth), and the connection- and run-specific
growth features left out, on the 53 development worlds of the 0.8.0 generator (features
cached under ``experiments/work/seventh_round/run3``)."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

lab.CACHE = HERE.parent / "work" / "seventh_round" / "run3"
lab.CACHE.mkdir(parents=True, exist_ok=True)

NEW = ("trail_action_vs_self", "sustained_action_vs_self", "action_growth_vs_peers")
SPECIFIC = (
    "trail_connections_vs_self",
    "trail_runs_vs_self",
    "sustained_connections_vs_self",
    "sustained_runs_vs_self",
    "connections_growth_vs_peers",
    "runs_growth_vs_peers",
)

if __name__ == "__main__":
    variants = {
        "none of the three": lab.ensemble_cols(NEW),
        "trail": lab.ensemble_cols(NEW[1:]),
        "trail+sustained": lab.ensemble_cols((NEW[2],)),
        "trail+peers": lab.ensemble_cols((NEW[1],)),
        "all three": lab.ensemble_cols(()),
        "all three, no specific": lab.ensemble_cols(SPECIFIC),
        "trail, no specific": lab.ensemble_cols(NEW[1:] + SPECIFIC),
        "trail+sustained, no specific": lab.ensemble_cols((NEW[2],) + SPECIFIC),
    }
    lab.write(lab.measure(variants), "seventh_round", "run3")
