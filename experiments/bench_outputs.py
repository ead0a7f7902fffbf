"""Paired benchmark of the write paths: ``train`` and ``score -o`` against a revision.

Runs the real CLI of an earlier revision (its ``src/``, extracted with ``git archive``) and of
the working tree alternately, in fresh processes, on the same inputs::

    python experiments/bench_outputs.py --before-rev cd689f2 --repeat 3

Inputs are those of ``bench_models.py``: the default world (train) and a world with about
1,000,000 test records and a 12-day training period (score, with a model trained by each
code on that world's training period, not timed). Each run's seconds are measured inside the
child (imports included); a pair is one old and one new run back to back, alternating which
goes first. Results: ``experiments/results/bench_outputs.md``.
"""

from __future__ import annotations

import statistics

from _common import (
    cli_seconds,
    machine_line,
    paired_seconds,
    paired_setup,
    score_world,
    write_result,
)


def main() -> None:
    """Run the paired benchmark and write its results."""
    args, work, codes = paired_setup(
        __doc__.split("\n")[0], "bench_outputs_", 3, "pairs per command"
    )
    small, big = work / "default", work / "big"
    if not (small / "manifest.json").is_file():
        cli_seconds(codes["after"], "generate", "--out", str(small))
    score_world(codes["after"], big)
    for name, src in codes.items():
        cli_seconds(
            src, "train", str(big / "train.jsonl"), "--model-dir", str(big / f"model_{name}")
        )
    train = paired_seconds(
        codes,
        args.repeat,
        lambda n: ("train", str(small / "train.jsonl"), "--model-dir", str(small / f"m_{n}")),
    )
    score = paired_seconds(
        codes,
        args.repeat,
        lambda n: (
            "score",
            str(big / "test.jsonl"),
            "--model-dir",
            str(big / f"model_{n}"),
            "-o",
            str(big / f"scores_{n}.csv"),
            "--top",
            "20",
        ),
    )
    same = (big / "scores_before.csv").read_bytes() == (big / "scores_after.csv").read_bytes()
    lines = [
        "# Benchmark: write paths, paired against an earlier revision",
        "",
        machine_line(
            f"python experiments/bench_outputs.py --before-rev {args.before_rev} "
            f"--repeat {args.repeat}"
        ),
        "",
        "Seconds per run (imports included), old and new code alternating on the same inputs.",
        "",
        "| command | before: median (runs) | after: median (runs) | after / before |",
        "|---|---|---|---|",
    ]
    for label, res in (("train (default world)", train), ("score 1M records -o csv", score)):
        b, a = statistics.median(res["before"]), statistics.median(res["after"])
        runs_b = ", ".join(f"{x:.2f}" for x in res["before"])
        runs_a = ", ".join(f"{x:.2f}" for x in res["after"])
        lines.append(f"| {label} | {b:.2f} ({runs_b}) | {a:.2f} ({runs_a}) | {a / b:.3f} |")
    lines += ["", f"Scores CSV of the two codes byte-identical: {'yes' if same else 'NO'}."]
    write_result("bench_outputs.md", lines)


if __name__ == "__main__":
    main()
