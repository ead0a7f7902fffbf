"""Speed and memory benchmarks for every stage (not tests: numbers, committed).

Run from the repository root::

    python experiments/benchmark.py            # all stages, ~1,000,000 records
    python experiments/benchmark.py --only generate

Each stage lives in its own module beside this file (``bench_generate.py``,
``bench_features.py``, ``bench_models.py``) and runs in a fresh subprocess so
that its peak memory is its own. Results go to ``experiments/results/benchmark.md``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _common import machine_line, measure_table, run_json, write_result

HERE = Path(__file__).resolve().parent

STAGES = ("generate", "features", "models")

#: Extra arguments per stage: the read stage varies most between runs, so it keeps the
#: median of five.
EXTRA = {"features": ["--repeat", "5"]}


def _run_stage(stage: str, workdir: Path) -> dict:
    """Run ``bench_<stage>.py --json`` in a subprocess and return its JSON result."""
    cmd = [str(HERE / f"bench_{stage}.py"), "--json", "--workdir", str(workdir)]
    return run_json(cmd + EXTRA.get(stage, []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=STAGES, action="append")
    parser.add_argument("--workdir", type=Path, default=HERE / "work" / "bench")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = {s: _run_stage(s, args.workdir) for s in (args.only or STAGES)}
    lines = ["# Benchmarks", "", machine_line("python experiments/benchmark.py"), ""]
    for stage, res in results.items():
        lines += [f"## {stage}", "", *measure_table(res), ""]
    write_result("benchmark.md", lines)


if __name__ == "__main__":
    main()
