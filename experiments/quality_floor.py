"""Measure the quality floor that tests/test_pipeline.py asserts, on the seeds it may run with.

The test trains the default ensemble on a seeded 28-day, 60-actor world (20 training days)
and checks actor-day PR-AUC and ROC-AUC on the test period. This measures both on seeds 0-5::

    python experiments/quality_floor.py

Results: ``experiments/results/quality_floor.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from pathlib import Path

from _common import machine_line, write_result
from pipes_anomaly import io as pio
from pipes_anomaly.evaluation import evaluate
from pipes_anomaly.generate import GenerateConfig, simulate
from pipes_anomaly.pipeline import score_events, train_model

#: The world of the quality-floor test, but for the seed.
WORLD = dict(days=28, actors=60, train_days=20, start=dt.date(2026, 1, 5))


def measure(seed: int, directory: Path) -> dict[str, float]:
    """PR-AUC, ROC-AUC and labelled test windows of the default ensemble on one seed."""
    pio.write_world(simulate(GenerateConfig(seed=seed, **WORLD)), directory, fmt="jsonl")
    train = pio.read_events(directory / "train.jsonl").events
    test = pio.read_events(directory / "test.jsonl").events
    result = evaluate(score_events(test, train_model(train)), pio.read_labels(directory))
    return {
        "seed": seed,
        "windows": result.n_windows,
        "labelled": result.n_positive,
        "pr_auc": result.pr_auc,
        "roc_auc": result.roc_auc,
    }


def main() -> None:
    """Measure every seed and write the results file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(6)))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            rows.append(measure(seed, Path(tmp) / str(seed)))
    command = "python experiments/quality_floor.py" + (
        "" if args.seeds == list(range(6)) else " --seeds " + " ".join(map(str, args.seeds))
    )
    lines = [
        "# Quality floor: the default ensemble on the test's seeded world",
        "",
        machine_line(command),
        "",
        "World: 28 days, 60 actors, 20 training days, start 2026-01-05, default scenarios and "
        "look-alikes; one row per actor-day of the test period.",
        "",
        "| seed | windows | labelled | PR-AUC | ROC-AUC |",
        "|---|---|---|---|---|",
        *[
            f"| {r['seed']} | {r['windows']} | {r['labelled']} | {r['pr_auc']:.3f} | "
            f"{r['roc_auc']:.3f} |"
            for r in rows
        ],
        "",
        f"Minimum: PR-AUC {min(r['pr_auc'] for r in rows):.3f}, "
        f"ROC-AUC {min(r['roc_auc'] for r in rows):.3f}.",
        "",
    ]
    write_result("quality_floor.md", lines)


if __name__ == "__main__":
    main()
