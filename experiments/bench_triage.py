"""Paired benchmark: ``score`` against ``score --report`` (and ``--format ocsf``) on 1M records.

The bar (issue 15): ``score --report`` on about 1,000,000 records takes at most 25% longer
than ``score`` alone.  Both run with the working tree's code, in fresh processes, on the same
inputs, alternating which goes first; each run writes the scores CSV (``-o``), and the
report run writes the triage report too.  With ``--before-rev`` the same ``score`` of an
earlier revision joins the rotation (what the new scores columns cost)::

    python experiments/bench_triage.py --repeat 5 --before-rev 3a22915

Inputs are those of ``bench_outputs.py``: a world with about 1,000,000 test records and a
12-day training period, and a model trained on that period (not timed).  Seconds are
measured inside the child (imports included).  Results: ``experiments/results/bench_triage.md``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from _common import (
    cli_seconds,
    export_rev,
    machine_line,
    score_world,
    write_result,
)

ROOT = Path(__file__).resolve().parent.parent


def _quartiles(values: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], statistics.median(values), q[2]


def main() -> None:
    """Run the paired benchmark and write its results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="rounds of the rotation")
    parser.add_argument("--before-rev", default=None, help="also time this revision's score")
    parser.add_argument("--workdir", type=Path, default=None, help="keep inputs here")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench_triage_"))
    work.mkdir(parents=True, exist_ok=True)
    src = ROOT / "src"
    big = work / "big"
    score_world(src, big)
    model = work / "model"
    cli_seconds(src, "train", str(big / "train.jsonl"), "--model-dir", str(model))
    logs = str(big / "test.jsonl")
    base = ("score", logs, "--model-dir", str(model), "--top", "20")
    runs: dict[str, tuple[Path, tuple[str, ...]]] = {
        "score -o csv": (src, (*base, "-o", str(work / "s.csv"))),
        "score -o csv --report": (
            src,
            (*base, "-o", str(work / "r.csv"), "--report", str(work / "triage")),
        ),
        "score -o findings --format ocsf": (
            src,
            (*base, "-o", str(work / "f.jsonl"), "--format", "ocsf"),
        ),
    }
    if args.before_rev:
        old = export_rev(args.before_rev, work / "before_code")
        runs[f"score -o csv ({args.before_rev})"] = (old, (*base, "-o", str(work / "b.csv")))
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for i in range(args.repeat):
        for name in names if i % 2 == 0 else names[::-1]:
            code, cli_args = runs[name]
            seconds[name].append(cli_seconds(code, *cli_args))
    plain = seconds["score -o csv"]
    command = f"python experiments/bench_triage.py --repeat {args.repeat}"
    if args.before_rev:
        command += f" --before-rev {args.before_rev}"
    n_records = sum(1 for _ in open(logs, "rb"))
    page = (work / "triage" / "report.html").read_text(encoding="utf-8")
    n_cards = page.count('<article class="card')
    lines = [
        "# Benchmark: the triage report and OCSF findings against `score` alone",
        "",
        machine_line(command),
        "",
        f"{n_records:,} test records; the report holds {n_cards:,} cards "
        f"(report.html {len(page.encode()) / 1e6:.1f} MB). Seconds per run (imports "
        "included), all commands in turn on the same inputs, the order reversed every round; "
        "ratio = each run over the `score -o csv` run of the same round.",
        "",
        "| command | median s (runs) | paired ratio: median (quartiles) |",
        "|---|---|---|",
    ]
    for name, values in seconds.items():
        runs_text = ", ".join(f"{x:.2f}" for x in values)
        ratios = [v / p for v, p in zip(values, plain, strict=True)]
        lo, mid, hi = _quartiles(ratios)
        lines.append(
            f"| {name} | {statistics.median(values):.2f} ({runs_text}) | "
            f"{mid:.3f} ({lo:.3f}-{hi:.3f}) |"
        )
    report = [v / p for v, p in zip(seconds["score -o csv --report"], plain, strict=True)]
    lines += [
        "",
        f"Bar: `score --report` within 25% of `score` alone. Median paired ratio "
        f"{statistics.median(report):.3f}; {sum(r <= 1.25 for r in report)} of {len(report)} "
        "rounds within 1.25.",
    ]
    write_result("bench_triage.md", lines)


if __name__ == "__main__":
    main()
