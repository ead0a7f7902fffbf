"""Benchmark ``anomaly train`` and ``anomaly score`` end to end: wall time and peak memory.

Run standalone from the repository root::

    python experiments/bench_models.py            # writes experiments/results/bench_models.md
    python experiments/bench_models.py --json     # one JSON line (used by benchmark.py)
    python experiments/bench_models.py --before-rev REV --repeat 5   # paired with older code

Bars: ``anomaly train`` on the default world (60 days x 150 actors) in at most
60 s; ``anomaly score`` on 1,000,000 records in at most 20 s and 3 GB peak.

Each measured command runs the real CLI in a fresh Python process that reports its own
``ru_maxrss`` (so imports and the interpreter are included). The scoring world has the
default 60 days, a 12-day training period and enough actors for about 1,000,000 test
records; its model is trained on its own training period (so the actors have history).

With ``--before-rev`` the code of an older revision trains and scores the same files in every
repeat, the order alternating, each side with a model it trained itself; the results file
gives both sides' medians and the median of the paired ratios
(``experiments/results/bench_models_vs_<rev>.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
from pathlib import Path

from _common import (
    SCORE_ACTORS,
    SCORE_TRAIN_DAYS,
    export_rev,
    machine_line,
    measure_table,
    run_json,
    write_result,
)

_CHILD = r"""
import json, resource, sys, time
from pipes_anomaly.cli import main
t0 = time.perf_counter()
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    seconds = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                      "peak_rss_mb": usage.ru_maxrss / 1024}), file=sys.stderr)
"""


def _cli(*args: str, src: Path | None = None) -> dict:
    """Run ``anomaly <args>`` in a fresh process; return seconds and peak RSS (MB).

    ``src`` puts another checkout's package first on the child's path.
    """
    env = None if src is None else {**os.environ, "PYTHONPATH": str(src)}
    return run_json(["-c", _CHILD, *args], stream="stderr", env=env)


def _generate(out: Path, *extra: str) -> None:
    if not (out / "manifest.json").is_file():
        _cli("generate", "--out", str(out), *extra)


def _loads(model_dir: Path) -> bool:
    """Whether this installation accepts the model in ``model_dir`` (it checks before loading)."""
    from pipes_anomaly.io.model_dir import load_model
    from pipes_anomaly.pipeline import ModelError

    try:
        load_model(model_dir)
    except ModelError:
        return False
    return True


def _count_lines(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 24), b""))


def bench_train(directory: str | Path) -> dict:
    """Train on the default world (generated into ``directory`` if absent).

    Parameters
    ----------
    directory : str or Path
        Holds (or receives) the default world; the model goes to ``directory/model``.

    Returns
    -------
    dict
        ``train_records, train_seconds, train_peak_rss_mb``.
    """
    d = Path(directory)
    _generate(d)
    res = _cli("train", str(d / "train.jsonl"), "--model-dir", str(d / "model"))
    return {
        "train_records": _count_lines(d / "train.jsonl"),
        "train_seconds": round(res["seconds"], 2),
        "train_peak_rss_mb": round(res["peak_rss_mb"]),
    }


def bench_score(path: str | Path, model_dir: str | Path | None = None) -> dict:
    """Score the records in ``path`` end to end (read, features, model, explain, write CSV).

    Parameters
    ----------
    path : str or Path
        Records to score.  When it does not exist, a world with about 1,000,000 test records
        is generated beside it and ``path`` names its ``test.jsonl``.
    model_dir : str or Path, optional
        Model to score with; default: trained on that world's training period (not timed).

    Returns
    -------
    dict
        ``score_records, score_seconds, score_records_per_s, score_peak_rss_mb, alerts``.
    """
    p = Path(path)
    world = p.parent
    if not p.exists():
        _generate(world, "--actors", str(SCORE_ACTORS), "--train-days", str(SCORE_TRAIN_DAYS))
    if model_dir is None:
        model_dir = world / "model"
        if not _loads(Path(model_dir)):  # absent, or left by another version: retrain
            _cli("train", str(world / "train.jsonl"), "--model-dir", str(model_dir))
    out = world / "scores.csv"
    res = _cli("score", str(p), "--model-dir", str(model_dir), "-o", str(out), "--top", "20")
    n = _count_lines(p)
    alerts = sum(1 for line in open(out, encoding="utf-8") if ",True," in line)
    return {
        "score_records": n,
        "score_seconds": round(res["seconds"], 2),
        "score_records_per_s": round(n / res["seconds"]),
        "score_peak_rss_mb": round(res["peak_rss_mb"]),
        "alerts": alerts,
    }


def paired(base: Path, rev: str, repeat: int) -> list[str]:
    """Train and score with the working tree and with ``rev`` in turn; the results lines."""
    default, big = base / "default", base / "big"
    bench_train(default)
    bench_score(big / "test.jsonl")  # generates the big world and this code's model
    old_src = export_rev(rev, base / "old_code")
    _cli("train", str(big / "train.jsonl"), "--model-dir", str(big / "old_model"), src=old_src)
    sides = {"now": (None, big / "model"), rev: (old_src, big / "old_model")}
    stages = ("train", "score", "train_cpu", "score_cpu")
    times: dict[str, dict[str, list[float]]] = {k: {s: [] for s in stages} for k in sides}
    for i in range(repeat):
        order = list(sides) if i % 2 == 0 else list(sides)[::-1]
        for name in order:
            src, model = sides[name]
            train = _cli(
                "train", str(default / "train.jsonl"), "--model-dir", str(base / f"m_{i}"),
                src=src,
            )  # fmt: skip
            score = _cli(
                "score", str(big / "test.jsonl"), "--model-dir", str(model),
                "-o", str(base / "scores.csv"), "--top", "20", src=src,
            )  # fmt: skip
            times[name]["train"].append(train["seconds"])
            times[name]["score"].append(score["seconds"])
            times[name]["train_cpu"].append(train["cpu_seconds"])
            times[name]["score_cpu"].append(score["cpu_seconds"])
    rows = []
    for stage in stages:
        now, old = times["now"][stage], times[rev][stage]
        ratios = [a / b for a, b in zip(now, old, strict=True)]
        rows.append(
            f"| {stage} | {statistics.median(now):.2f} s | {statistics.median(old):.2f} s | "
            f"{statistics.median(ratios):.3f} ({min(ratios):.3f}-{max(ratios):.3f}) |"
        )
    return [
        f"# Benchmark: anomaly train / anomaly score, paired with `{rev}`",
        "",
        machine_line(f"python experiments/bench_models.py --before-rev {rev} --repeat {repeat}"),
        f"Each of {repeat} repeats ran both codes in turn (order alternating): train on the "
        "default world, score about 1,000,000 records with the model each code trained.",
        "",
        "Wall seconds, and CPU seconds (user + system) of the same runs: CPU time is the steadier "
        "measure when other work shares the machine.",
        "",
        f"| stage | now (median) | {rev} (median) | paired ratio now/{rev}: median (range) |",
        "|---|---|---|---|",
        *rows,
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--before-rev", help="also run this revision's code, paired")
    parser.add_argument("--repeat", type=int, default=5, help="repeats with --before-rev")
    args = parser.parse_args()
    base = args.workdir or Path(tempfile.mkdtemp(prefix="bench_models_"))
    base.mkdir(parents=True, exist_ok=True)
    if args.before_rev:
        lines = paired(base, args.before_rev, args.repeat)
        write_result(f"bench_models_vs_{args.before_rev}.md", lines)
        return
    result = {**bench_train(base / "default"), **bench_score(base / "big" / "test.jsonl")}
    result["train_bar_met"] = result["train_seconds"] <= 60
    result["score_bar_met"] = result["score_seconds"] <= 20 and result["score_peak_rss_mb"] <= 3072
    if args.json:
        print(json.dumps(result))
        return
    lines = [
        "# Benchmark: anomaly train / anomaly score",
        "",
        machine_line("python experiments/bench_models.py"),
        "Bars: train on the default world <= 60 s; score 1,000,000 records <= 20 s "
        "and <= 3 GB peak RSS.",
        "",
        *measure_table(result),
        "",
    ]
    write_result("bench_models.md", lines)


if __name__ == "__main__":
    main()
