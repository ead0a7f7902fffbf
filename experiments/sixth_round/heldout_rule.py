"""For the report only, after the choice: the held-out variants scored with ``log_hand_records``
for every actor (the 0.6.0 rule) and for automation only (the shipped rule), to explain the
held-out figure of service-account misuse. Writes
``experiments/results/sixth_round/heldout_rule.csv`` and prints the rank of holdout-107's
misuse day under each rule (features cached under ``experiments/work/sixth_round/heldout*``)."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

from pipes_anomaly.features import windows  # noqa: E402

RULES = {"every actor": (1.0, 0), "automation only": (0.5, 20)}
#: holdout-107's one service-account misuse day
ACTOR, DAY = "u_76kmkpb1tsogk761coan", "2027-04-26"

if __name__ == "__main__":
    parts = []
    for name, (gate, least) in RULES.items():
        windows._AUTOMATION_HAND_SHARE, windows._AUTOMATION_MIN_RECORDS = gate, least
        lab.CACHE = HERE.parent / "work" / "sixth_round" / f"heldout_{gate}-{least}"
        lab.CACHE.mkdir(parents=True, exist_ok=True)
        run = lab.ensemble_cols(())
        parts.append(lab.measure({name: run}, families=("holdout",)))
        _, _, ftr, fte, _, _ = lab.load(lab.CACHE / "holdout-107.pkl")
        s, _ = run(ftr, fte)
        day = fte["window_start"].astype(str).str.startswith(DAY).to_numpy()
        i = np.flatnonzero((fte["actor_id"] == ACTOR).to_numpy() & day)[0]
        top = int(np.ceil(0.05 * len(s)))
        rank = int((s > s[i]).sum()) + 1
        print(f"{name}: score {s[i]:.4f}, rank {rank} of {len(s)} (top 5%: {top})")
    df = pd.concat(parts, ignore_index=True)
    df.to_csv(HERE.parent / "results" / "sixth_round" / "heldout_rule.csv", index=False)
    print(df.groupby("variant")[["pr_auc", "kind@5%[service_account_misuse]"]].mean())
