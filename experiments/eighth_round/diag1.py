"""Which feature decides the rarest part of the score (the feature of largest rarity) on the
look-alike and attack days in the top 5% of the large development variants (run3's cached
features, the shipped detector); writes ``results/eighth_round/diag1.md``."""

import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "second_round"))
import lab  # noqa: E402

from pipes_anomaly import catalog  # noqa: E402
from pipes_anomaly.models import AnomalyDetector  # noqa: E402

lab.CACHE = HERE.parent / "work" / "eighth_round" / "run3"


def main() -> None:
    look, att, by_kind = Counter(), Counter(), {}
    cols = list(catalog.MODEL_FEATURES)
    for p in lab.worlds(("dev", "devx")):
        _, _, ftr, fte, labels, _ = lab.load(p)
        if ftr["actor_id"].nunique() < 40:
            continue
        det = AnomalyDetector(random_state=0).fit(ftr[cols], groups=ftr["actor_id"].to_numpy())
        s = det.anomaly_score(fte[cols], groups=fte["actor_id"].to_numpy())
        rarity = det.surprisal_.transform(fte[cols].to_numpy(float))
        top = np.argsort(-s)[: max(1, int(round(0.05 * len(s))))]
        keys = list(zip(fte["actor_id"], fte["window_start"].dt.strftime("%Y-%m-%d"), strict=True))
        la = labels.lookalikes
        days = pd.to_datetime(la["day"]).dt.strftime("%Y-%m-%d")
        kinds = dict(zip(zip(la["actor_id"], days, strict=True), la["kind"], strict=True))
        rec = labels.records
        attacks = set(zip(rec["actor_id"], rec["created_at"].dt.strftime("%Y-%m-%d"), strict=True))
        for i in top:
            feature = cols[int(np.argmax(rarity[i]))]
            if keys[i] in attacks:
                att[feature] += 1
            elif keys[i] in kinds:
                look[feature] += 1
                by_kind.setdefault(kinds[keys[i]], Counter())[feature] += 1
    lines = [
        "# The feature of largest rarity on the top 5% (large development variants)",
        "",
        "Command: `python experiments/eighth_round/diag1.py`.",
        "",
        "Look-alike days: " + ", ".join(f"`{f}` {n}" for f, n in look.most_common(12)),
        "",
        "Attack days: " + ", ".join(f"`{f}` {n}" for f, n in att.most_common(12)),
        "",
        "| look-alike | days in the top 5% | deciding features |",
        "|---|---|---|",
    ]
    for kind, c in sorted(by_kind.items(), key=lambda x: -sum(x[1].values())):
        best = ", ".join(f"`{f}` {n}" for f, n in c.most_common(3))
        lines.append(f"| {kind} | {sum(c.values())} | {best} |")
    out = HERE.parent / "results" / "eighth_round" / "diag1.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
