"""After the choice, for the report only: every test window of the first and third independent
worlds where ``log_self_owner_grants`` is not 0, its label and its rank under the shipped
detector (features of 0.11.0, cached by ``run2.py``) and without the column (the model columns
of 0.10.0 on the same features); and the third world's size per seed, from its manifests.
Writes ``results/tenth_round/diag2.md``."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _worlds import CACHE, independent  # noqa: E402

from pipes_anomaly import catalog  # noqa: E402
from pipes_anomaly.models import AnomalyDetector  # noqa: E402

COLS = list(catalog.MODEL_FEATURES)
BEFORE = [c for c in COLS if c != "log_self_owner_grants"]


def ranks(ftr: pd.DataFrame, fte: pd.DataFrame, cols: list[str]) -> np.ndarray:
    det = AnomalyDetector(random_state=0).fit(ftr[cols], groups=ftr["actor_id"].to_numpy())
    s = det.anomaly_score(fte[cols], groups=fte["actor_id"].to_numpy())
    return pd.Series(s).rank(ascending=False, method="min").to_numpy()


def label(labels, actor: str, day: str) -> str:
    rec, look = labels.records, labels.lookalikes
    attack = rec[(rec["actor_id"] == actor) & (rec["created_at"].dt.strftime("%Y-%m-%d") == day)]
    if len(attack):
        return "attack: " + ", ".join(sorted(attack["scenario"].unique()))
    days = pd.to_datetime(look["day"]).dt.strftime("%Y-%m-%d")
    kinds = look[(look["actor_id"] == actor) & (days == day)]["kind"]
    return "look-alike: " + ", ".join(sorted(kinds)) if len(kinds) else "ordinary"


def main() -> None:
    lines = [
        "# Windows with an owner grant to oneself on the report worlds (version 0.11.0)",
        "",
        "Command: `python experiments/tenth_round/diag2.py`. Rank 1 is the highest score.",
        "",
        "| world | training windows with it | test window | label | rank | rank without it | of |",
        "|---|---|---|---|---|---|---|",
    ]
    for family in ("indep", "indep3"):
        for seed in (1, 2, 3, 4):
            name, _, ftr, fte, labels, _ = independent(family, seed, CACHE / "run2")
            rank, before = ranks(ftr, fte, COLS), ranks(ftr, fte, BEFORE)
            n_train = int((ftr["log_self_owner_grants"] > 0).sum())
            for i in np.flatnonzero(fte["log_self_owner_grants"].to_numpy() > 0):
                day = fte["window_start"].iloc[i].strftime("%Y-%m-%d")
                what = label(labels, fte["actor_id"].iloc[i], day)
                lines.append(
                    f"| {name} | {n_train} | {day} | {what} | {int(rank[i])} | {int(before[i])} "
                    f"| {len(fte)} |"
                )
    lines += [
        "",
        "The third independent world's seeds (its `manifest.json`):",
        "",
        "| world | organisations | actors | days | training days | test days | records |",
        "|---|---|---|---|---|---|---|",
    ]
    for seed in (1, 2, 3, 4):
        m = independent("indep3", seed, CACHE / "run2")[5]
        lines.append(
            f"| indep3-{seed} | {len(m['organisations'])} | {m['actors']['total']} | {m['days']} "
            f"| {m['train_days']} | {m['test_days']} | {m['records']['total']:,} |"
        )
    out = HERE.parent / "results" / "tenth_round"
    (out / "diag2.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
