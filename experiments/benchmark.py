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
import json
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

STAGES = ("generate", "features", "models")

#: Extra arguments per stage: the read stage varies most between runs, so it keeps the
#: median of three.
EXTRA = {"features": ["--repeat", "3"]}


def _run_stage(stage: str, workdir: Path) -> dict:
    """Run ``bench_<stage>.py --json`` in a subprocess and return its JSON result."""
    cmd = [sys.executable, str(HERE / f"bench_{stage}.py"), "--json", "--workdir", str(workdir)]
    cmd += EXTRA.get(stage, [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=STAGES, action="append")
    parser.add_argument("--workdir", type=Path, default=HERE / "work" / "bench")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = {s: _run_stage(s, args.workdir) for s in (args.only or STAGES)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Benchmarks",
        "",
        f"Machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}; command: `python experiments/benchmark.py`.",
        "",
    ]
    for stage, res in results.items():
        lines += [f"## {stage}", "", "| measure | value |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in res.items()]
        lines.append("")
    (RESULTS / "benchmark.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
