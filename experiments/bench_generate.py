"""Benchmark ``anomaly generate``: records per second and peak memory for ~1,000,000 records.

Run standalone from the repository root::

    python experiments/bench_generate.py            # writes experiments/results/bench_generate.md
    python experiments/bench_generate.py --json     # one JSON line (used by benchmark.py)

The world is the default one (60 days, default scenarios and look-alikes) with
as many actors as it takes to reach the target, written as JSON lines. Each
measurement runs in a fresh subprocess so that ``ru_maxrss`` is its own peak.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from _common import machine_line, measure_table, run_json, write_result

#: Records per actor in the default 60-day world (its manifest: 49,468 records, 150 actors).
RECORDS_PER_ACTOR_60D = 330

_CHILD = r"""
import json, resource, sys, time
from pipes_anomaly.generate import GenerateConfig, simulate
from pipes_anomaly.io import write_world
actors, out = int(sys.argv[1]), sys.argv[2]
t0 = time.perf_counter()
world = simulate(GenerateConfig(actors=actors))
t1 = time.perf_counter()
write_world(world, out, fmt="jsonl")
t2 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"records": world.n_records, "simulate_s": t1 - t0, "write_s": t2 - t1,
                  "peak_rss_mb": peak}))
"""


def bench_generate(n_records_target: int = 1_000_000, workdir: Path | None = None) -> dict:
    """Generate about ``n_records_target`` records to disk and measure speed and memory.

    Returns a dict with ``records, seconds, records_per_s, peak_rss_mb`` (plus
    the simulate/write split, actors and output bytes). Peak memory is the child
    process's ``ru_maxrss`` (includes the Python interpreter and imports).
    """
    actors = max(10, round(n_records_target / RECORDS_PER_ACTOR_60D))
    tmp = Path(tempfile.mkdtemp(prefix="bench_generate_", dir=workdir))
    try:
        res = run_json(["-c", _CHILD, str(actors), str(tmp / "world")])
        size = sum(p.stat().st_size for p in (tmp / "world").iterdir())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    seconds = res["simulate_s"] + res["write_s"]
    return {
        "records": res["records"],
        "actors": actors,
        "seconds": round(seconds, 2),
        "records_per_s": round(res["records"] / seconds),
        "peak_rss_mb": round(res["peak_rss_mb"], 1),
        "simulate_s": round(res["simulate_s"], 2),
        "write_s": round(res["write_s"], 2),
        "output_mb": round(size / 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true", help="print one JSON line only")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
    res = bench_generate(args.records, args.workdir)
    if args.json:
        print(json.dumps(res))
        return
    lines = [
        "# bench_generate",
        "",
        machine_line("python experiments/bench_generate.py"),
        "Default 60-day world scaled by actors to ~1,000,000 records, written as JSON lines;",
        "peak memory is the generating process's max RSS. Bar: >= 100,000 records/s, <= 1 GB.",
        "",
        *measure_table(res),
        "",
    ]
    write_result("bench_generate.md", lines)


if __name__ == "__main__":
    main()
