"""How many windows of a new period score above the threshold, with and without attacks.

The fit check of ``anomaly score`` (``fit.ALERT_EXCESS``) warns when far more windows of the
scored records score above the alert threshold than the share of training windows that did.
This measures how many windows of a new period pass it on simulated organisations, so that the
warning fires for data the model does not know (Turbot's file: every window) and not for an
ordinary week::

    python experiments/alert_shares.py

Results: ``experiments/results/alert_shares.md``.
"""

from __future__ import annotations

import datetime as dt
import tempfile

from _common import machine_line, write_result
from pipes_anomaly.generate import GenerateConfig, simulate
from pipes_anomaly.io import read_events, write_world
from pipes_anomaly.pipeline import score_events, train_model

#: (seed, actors, days, training days, attack rate, look-alikes)
WORLDS = [
    (0, 150, 60, 42, 1.0, True),
    (0, 150, 60, 42, 0.0, False),
    (1, 150, 60, 42, 0.0, True),
    (3, 60, 40, 28, 0.0, False),
    (2, 30, 24, 17, 0.0, True),
    (2, 30, 24, 17, 0.0, False),
]


def main() -> None:
    """Train on each world's training period, score its test period, count the alerts."""
    lines = [
        "# Windows above the alert threshold on a new period",
        "",
        machine_line("python experiments/alert_shares.py"),
        "",
        "Default model (alert rate 0.01), trained on the training period, scoring the test "
        "period; a window is above when its score exceeds the model's threshold.",
        "",
        "| seed | actors | days (train) | attacks | look-alikes | training windows | test "
        "windows | above | share | x the training share | worst day |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for seed, actors, days, train_days, attacks, looks in WORLDS:
        out = tempfile.mkdtemp(prefix="alert_shares_")
        config = GenerateConfig(seed=seed, actors=actors, days=days, train_days=train_days,
                                attack_rate=attacks, lookalikes=looks,
                                start=dt.date(2026, 3, 2))  # fmt: skip
        write_world(simulate(config), out, fmt="jsonl")
        model = train_model(read_events(f"{out}/train.jsonl").events)
        scores = score_events(read_events(f"{out}/test.jsonl").events, model)
        above = scores["score"] > model.threshold
        rate = model.share_above(model.threshold)
        worst = above.groupby(scores["window_start"]).mean().max()
        lines.append(
            f"| {seed} | {actors} | {days} ({train_days}) | {attacks:g} | {looks} | "
            f"{model.n_training_windows:,} | {len(scores):,} | {int(above.sum()):,} | "
            f"{above.mean():.3f} | {above.mean() / rate:.1f} | {worst:.3f} |"
        )
    write_result("alert_shares.md", lines)


if __name__ == "__main__":
    main()
