"""The connection- and run-specific growth columns left out (the general per-type growth,
``trail_action_vs_self`` and ``sustained_action_vs_self``, stays): all six, the two against
peers only, or the two sustained ones only. On the 53 development worlds (eighth round run3's
cached features)."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

lab.CACHE = HERE.parent / "work" / "eighth_round" / "run3"
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
        "shipped": lab.ensemble_cols(()),
        "no_specific_growth": lab.ensemble_cols(SPECIFIC),
        "no_peer_growth": lab.ensemble_cols(SPECIFIC[4:]),
        "no_sustained_specific": lab.ensemble_cols(SPECIFIC[2:4]),
    }
    lab.write(lab.measure(variants), "ninth_round", "run3")
