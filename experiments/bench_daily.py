"""Paired benchmark of ``score`` against a revision, and the cost of ``--state`` on a day.

Runs the real CLI of an earlier revision (its ``src/``, extracted with ``git archive``) and of
the working tree alternately, in fresh processes, on the same inputs::

    python experiments/bench_daily.py --before-rev 3a22915 --repeat 4

Inputs are those of ``bench_outputs.py``: a world with about 1,000,000 test records and a
12-day training period (each code scores with a model it trained itself, not timed). Then, with
this tree only, one day of those records is scored without and with ``--state`` (a history
already carried through the day before, copied afresh for every run), alternating. Seconds
are measured inside the child (imports included). Results:
``experiments/results/bench_daily.md``.
"""

from __future__ import annotations

import json
import shutil
import statistics
from pathlib import Path

import numpy as np
import pandas as pd

from _common import (
    cli_seconds,
    machine_line,
    paired_setup,
    score_world,
    write_result,
)


def _split_days(test: Path, out: Path, days: list[str]) -> list[Path]:
    """Write the records of each of ``days`` (UTC dates) of a JSON-lines file to its own file."""
    files = {d: open(out / f"{d}.jsonl", "w", encoding="utf-8") for d in days}
    with open(test, encoding="utf-8") as fh:
        for line in fh:
            fh_day = files.get(json.loads(line)["created_at"][:10])
            if fh_day is not None:
                fh_day.write(line)
    for f in files.values():
        f.close()
    return [out / f"{d}.jsonl" for d in days]


def _table(rows: list[tuple[str, list[float], list[float]]], labels: tuple[str, str]) -> list[str]:
    lines = [
        f"| run | {labels[0]}: median (runs) | {labels[1]}: median (runs) | ratio |",
        "|---|---|---|---|",
    ]
    for label, a, b in rows:
        ma, mb = statistics.median(a), statistics.median(b)
        runs_a = ", ".join(f"{x:.2f}" for x in a)
        runs_b = ", ".join(f"{x:.2f}" for x in b)
        lines.append(f"| {label} | {ma:.2f} ({runs_a}) | {mb:.2f} ({runs_b}) | {mb / ma:.3f} |")
    return lines


def main() -> None:
    """Run the paired benchmark and write its results."""
    args, work, codes = paired_setup(
        __doc__.split("\n")[0], "bench_daily_", 4, "pairs per comparison"
    )
    big = work / "big"
    score_world(codes["after"], big)
    for name, src in codes.items():
        if not (big / f"model_{name}" / "manifest.json").is_file():
            cli_seconds(
                src, "train", str(big / "train.jsonl"), "--model-dir", str(big / f"model_{name}")
            )
    whole: dict[str, list[float]] = {"before": [], "after": []}
    for i in range(args.repeat):
        for name in ("before", "after") if i % 2 == 0 else ("after", "before"):
            whole[name].append(
                cli_seconds(
                    codes[name],
                    "score",
                    str(big / "test.jsonl"),
                    "--model-dir",
                    str(big / f"model_{name}"),
                    "-o",
                    str(big / f"scores_{name}.csv"),
                )
            )
    a = pd.read_csv(big / "scores_before.csv", keep_default_na=False)
    b = pd.read_csv(big / "scores_after.csv", keep_default_na=False)
    diff = float(np.max(np.abs(a["score"].to_numpy() - b["score"].to_numpy())))
    same_alerts = bool((a["alert"] == b["alert"]).all())
    # one day, without and with a history carried through the day before
    start = pd.Timestamp(json.loads((big / "manifest.json").read_text())["test_period"]["start"])
    days = [(start + pd.Timedelta(days=k)).strftime("%Y-%m-%d") for k in (0, 1)]
    first, second = _split_days(big / "test.jsonl", work, days)
    model = str(big / "model_after")
    state0 = work / "state0"
    shutil.rmtree(state0, ignore_errors=True)
    cli_seconds(
        codes["after"], "score", str(first), "--model-dir", model, "--state", str(state0), "-q"
    )
    day: dict[str, list[float]] = {"without": [], "with": []}
    for i in range(args.repeat):
        for kind in ("without", "with") if i % 2 == 0 else ("with", "without"):
            extra: tuple[str, ...] = ()
            if kind == "with":
                state = work / "state"
                shutil.rmtree(state, ignore_errors=True)
                shutil.copytree(state0, state)
                extra = ("--state", str(state))
            day[kind].append(
                cli_seconds(
                    codes["after"],
                    "score",
                    str(second),
                    "--model-dir",
                    model,
                    "-o",
                    str(work / f"day_{kind}.csv"),
                    "-q",
                    *extra,
                )
            )
    n_day = sum(1 for _ in open(second, encoding="utf-8"))
    lines = [
        "# Benchmark: score against an earlier revision, and the cost of --state",
        "",
        machine_line(
            f"python experiments/bench_daily.py --before-rev {args.before_rev} "
            f"--repeat {args.repeat}"
        ),
        "",
        "Seconds per run (imports included), alternating on the same inputs.",
        "",
        *_table(
            [("score 1M records -o csv", whole["before"], whole["after"])],
            (args.before_rev, "this tree"),
        ),  # fmt: skip
        "",
        f"Largest difference of a score between the two codes: {diff:.2e}; same alert flags: "
        f"{'yes' if same_alerts else 'NO'} (severity differs by design: `none` for windows "
        "that do not alert).",
        "",
        f"One day ({days[1]}, {n_day:,} records) scored by this tree:",
        "",
        *_table(
            [("score one day -o csv -q", day["without"], day["with"])],
            ("without --state", "with --state"),
        ),  # fmt: skip
    ]
    write_result("bench_daily.md", lines)


if __name__ == "__main__":
    main()
