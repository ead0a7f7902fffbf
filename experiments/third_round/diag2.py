"""Forged acting ids the acting-id flag sees, and benign records it flags, on four
development worlds (default seed 0, development variants 11, 12 and 20)."""

import lab3
import pandas as pd
from lab3 import lab

from pipes_anomaly.features import event_flags

WORLDS = (("default0", "default"), ("dev-11", "devx"), ("dev-12", "devx"), ("dev-20", "devx"))


def main():
    forged = flagged_benign = benign = 0
    missed = []
    for name, fam in WORLDS:
        labels = lab.load(lab.CACHE / f"{name}.pkl")[4]
        attacks = set(labels.records["record_id"])
        mismatch = set(
            labels.records.loc[labels.records["scenario"] == "actor_mismatch", "record_id"]
        )
        for ev in lab3.events_of(name, fam):
            ev = ev.reset_index(drop=True)
            flag = event_flags(ev)["is_mismatch"].to_numpy()
            is_forged = ev["id"].isin(mismatch).to_numpy()
            is_benign = ~ev["id"].isin(attacks).to_numpy()
            forged += int(is_forged.sum())
            missed += ev.loc[is_forged & ~flag, "action_type"].tolist()
            benign += int(is_benign.sum())
            flagged_benign += int((flag & is_benign).sum())
    kinds = ", ".join(f"{a} {n}" for a, n in pd.Series(missed).value_counts().items())
    lines = [
        "# The acting-id flag on four development worlds",
        "",
        "Command: `python experiments/third_round/diag2.py`; worlds: "
        + ", ".join(n for n, _ in WORLDS)
        + " (training and test records).",
        "",
        f"- records of the acting-id scenario: {forged}; not flagged: {len(missed)}"
        + (f" ({kinds})" if kinds else ""),
        f"- benign records: {benign:,}; flagged: {flagged_benign}",
        "",
    ]
    (lab3.HERE.parent / "results" / "third_round" / "diag2.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
