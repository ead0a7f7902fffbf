"""Records by hand counted for automation only: ``log_hand_records`` for every actor (as in
0.6.0), and only where the actor's earlier share of records by hand is at most 0.5 or 0.2 over
at least 20 earlier records, and the detector without the feature, on the development worlds
of the generator whose people carry a process id on the platform's tasks (features cached
under ``experiments/work/sixth_round/``)."""

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

from pipes_anomaly.features import windows  # noqa: E402

#: (largest earlier share by hand, fewest earlier records) of an actor read as automation
GATES = ((1.0, 0), (0.5, 20), (0.2, 20))


if __name__ == "__main__":
    parts = []
    for gate, least in GATES:
        windows._AUTOMATION_HAND_SHARE = gate
        windows._AUTOMATION_MIN_RECORDS = least
        lab.CACHE = HERE.parent / "work" / "sixth_round" / f"gate{gate}-{least}"
        lab.CACHE.mkdir(parents=True, exist_ok=True)
        variants = {f"gate {gate}/{least}": lab.ensemble_cols(())}
        if gate == 1.0:
            variants["without"] = lab.ensemble_cols(("log_hand_records",))
        parts.append(lab.measure(variants))
    lab.write(pd.concat(parts, ignore_index=True), "sixth_round", "run1")
