"""Detection quality of the working tree against an earlier revision, seed by seed.

For changes meant to leave detection as it was but that move feature values by rounding (the
trailing slope summed per row) or change the neighbour search's blocks, the scores are not
byte-identical; this measures whether quality moved. Each code, in a fresh process, trains the
default ensemble on the default world of each seed and scores its test period::

    python experiments/quality_paired.py --before-rev 3a22915 --seeds 0 1 2 3 4 10 11 12 13 14

Results: ``experiments/results/quality_paired.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
from pathlib import Path

from _common import export_rev, machine_line, run_json, write_result

ROOT = Path(__file__).resolve().parent.parent

_CHILD = r"""
import json, sys
import numpy as np
from pipes_anomaly import io as pio
from pipes_anomaly.evaluation import evaluate
from pipes_anomaly.pipeline import score_events, train_model
d, out = sys.argv[1], sys.argv[2]
train = pio.read_events(f"{d}/train.jsonl").events
test = pio.read_events(f"{d}/test.jsonl").events
scores = score_events(test, train_model(train))
np.save(out, scores["score"].to_numpy())
r = evaluate(scores, pio.read_labels(d))
print(json.dumps({"pr_auc": r.pr_auc, "roc_auc": r.roc_auc,
                  "alerts": int(scores["alert"].sum())}))
"""

_WORLD = r"""
import sys
from pipes_anomaly.generate import GenerateConfig, simulate
from pipes_anomaly.io import write_world
write_world(simulate(GenerateConfig(seed=int(sys.argv[1]))), sys.argv[2], fmt="jsonl")
print("{}")
"""


def main() -> None:
    """Measure both codes on every seed and write the table."""
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before-rev", required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="quality_paired_"))
    codes = {"before": export_rev(args.before_rev, work / "before"), "after": ROOT / "src"}
    env = {k: dict(os.environ, PYTHONPATH=str(src)) for k, src in codes.items()}
    rows, deltas = [], []
    for seed in args.seeds:
        world = work / f"w{seed}"
        run_json(["-c", _WORLD, str(seed), str(world)], env=env["before"])
        res = {k: run_json(["-c", _CHILD, str(world), str(work / f"{k}{seed}.npy")], env=e)
               for k, e in env.items()}  # fmt: skip
        a, b = (np.load(work / f"{k}{seed}.npy") for k in ("before", "after"))
        moved = int((np.abs(a - b) > 1e-9).sum())
        deltas.append(res["after"]["pr_auc"] - res["before"]["pr_auc"])
        rows.append(
            f"| {seed} | {res['before']['pr_auc']:.3f} | {res['after']['pr_auc']:.3f} | "
            f"{res['before']['roc_auc']:.3f} | {res['after']['roc_auc']:.3f} | "
            f"{res['before']['alerts']} | {res['after']['alerts']} | {moved:,} of {len(a):,} "
            f"| {float(np.abs(a - b).max()):.2e} |"
        )
    lines = [
        f"# Detection quality: {args.before_rev} against the working tree",
        "",
        machine_line(
            f"python experiments/quality_paired.py --before-rev {args.before_rev} --seeds "
            + " ".join(map(str, args.seeds))
        ),
        "",
        "Default world of each seed (150 actors, 60 days, 42 training), default ensemble, "
        "actor-days of the test period.",
        "",
        "| seed | PR-AUC before | after | ROC-AUC before | after | alerts before | after | "
        "scores moved (> 1e-9) | largest move |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"PR-AUC after - before: mean {statistics.mean(deltas):+.4f}, "
        f"min {min(deltas):+.4f}, max {max(deltas):+.4f}.",
    ]
    write_result("quality_paired.md", lines)
    print(json.dumps({"work": str(work)}))


if __name__ == "__main__":
    main()
