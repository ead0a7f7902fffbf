"""How much PR-AUC the first day of each low-and-slow incident costs.

A low-and-slow incident adds one ``connection.create`` and two pipeline runs to an ordinary
day on its first day, then a little more each day. This scores the default world's test
period with the default detector (1d windows, as ``experiments/run_matrix.py`` does) and
reports the actor-window PR-AUC (average precision) twice: over all windows, and with the
first day of every low-and-slow incident left out of the evaluation (not out of the data).
It also gives the median rank of those first days among all test windows.

Run from the repository root (about a minute for ten seeds on 2 cores)::

    python experiments/first_day_gap.py --seeds 0 1 2 3 4 5 6 7 8 9

Writes ``experiments/results/first_day_gap.md``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

from _common import write_result
from pipes_anomaly import catalog, features, io
from pipes_anomaly.models import AnomalyDetector
from run_matrix import world  # the same worlds as the matrix

HERE = Path(__file__).resolve().parent


def run_seed(seed: int, workdir: Path) -> dict:
    """PR-AUC with and without low-and-slow first days, for one generated world."""
    d = world(seed, workdir)
    train = io.read_events(d / "train.jsonl").events
    test = io.read_events(d / "test.jsonl").events
    f_train, profile = features.build_features_and_profile(train)
    f_test = features.build_features(test, profile=profile)
    cols = list(catalog.MODEL_FEATURES)
    det = AnomalyDetector(random_state=seed).fit(
        f_train[cols].to_numpy(), groups=f_train["actor_id"].to_numpy()
    )
    score = det.anomaly_score(f_test[cols].to_numpy(), groups=f_test["actor_id"].to_numpy())
    labels = pd.read_csv(d / "window_labels.csv")
    key = pd.DataFrame(
        {"actor_id": f_test["actor_id"], "day": f_test["window_start"].dt.strftime("%Y-%m-%d")}
    )
    first = labels.groupby("incident_id")["day"].transform("min")
    labels = labels.assign(
        first_day=(labels["scenario"] == "low_and_slow") & (labels["day"] == first)
    )
    per_window = labels.groupby(["actor_id", "day"], as_index=False)["first_day"].all()
    m = key.merge(per_window, on=["actor_id", "day"], how="left", indicator=True)
    positive = (m["_merge"] == "both").to_numpy()
    first_day = m["first_day"].fillna(False).to_numpy(dtype=bool)
    rank = pd.Series(-score).rank(method="average").to_numpy() / len(score)
    keep = ~first_day
    return {
        "seed": seed,
        "windows": len(score),
        "positives": int(positive.sum()),
        "first_days": int(first_day.sum()),
        "pr_auc": average_precision_score(positive, score),
        "pr_auc_without_first_days": average_precision_score(positive[keep], score[keep]),
        "first_day_median_rank_pct": float(np.median(rank[first_day]) * 100),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(10)))
    parser.add_argument("--workdir", type=Path, default=HERE / "work" / "matrix")
    args = parser.parse_args()
    df = pd.DataFrame([run_seed(s, args.workdir) for s in args.seeds])
    lines = [
        "# PR-AUC without the first day of low-and-slow incidents",
        "",
        f"Default world, 1d windows, default detector; seeds {args.seeds}. Command: "
        f"`python experiments/first_day_gap.py --seeds {' '.join(map(str, args.seeds))}`.",
        "",
        "| seed | windows | attack windows | low-and-slow first days | PR-AUC | PR-AUC without "
        "first days | first days' median rank (top %) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in df.itertuples():
        lines.append(
            f"| {r.seed} | {r.windows} | {r.positives} | {r.first_days} | {r.pr_auc:.3f} | "
            f"{r.pr_auc_without_first_days:.3f} | {r.first_day_median_rank_pct:.1f} |"
        )
    lines.append(
        f"| mean | | | {df.first_days.mean():.1f} | {df.pr_auc.mean():.3f} | "
        f"{df.pr_auc_without_first_days.mean():.3f} | {df.first_day_median_rank_pct.mean():.1f} |"
    )
    write_result("first_day_gap.md", [*lines, ""])


if __name__ == "__main__":
    main()
