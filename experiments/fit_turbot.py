"""Honest about fit on data the project did not write: Turbot's generator (issue 15, item 3).

Runs the real CLI of this working tree on the Parquet file that
``../shared/peer/turbot_generate.py`` writes (not seeded: generate it once in a scratch folder
outside the repository and pass its path)::

    python /work/shared/peer/turbot_generate.py  # in a scratch folder
    python experiments/fit_turbot.py --turbot /tmp/turbot/pipes_audit_log.parquet

Three runs, each's stderr kept whole:

1. a model trained on the bundled sample (``data/sample/train.jsonl.gz``) scores Turbot's file:
   it must warn that the records are not what it knows, and say what to do;
2. a model trained on the file's first 60 days scores its last 30: no warning, and the
   training messages give no false advice (its history features never varied because the
   data is steady, not because 60 days are too few);
3. that model scores the whole file: the overlap with its training period is said as such.

Results: ``experiments/results/fit_turbot.md``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import machine_line, write_result

ROOT = Path(__file__).resolve().parent.parent
TRAIN_DAYS = 60


def _anomaly(*args: str) -> subprocess.CompletedProcess:
    """Run ``anomaly <args>`` with this tree's package; stdout and stderr captured."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    cmd = [sys.executable, "-m", "pipes_anomaly", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{out.stderr}")
    return out


def _split(turbot: Path, work: Path) -> tuple[Path, Path, str]:
    """Write the file's first ``TRAIN_DAYS`` UTC days and the rest as two Parquet files."""
    import datetime as dt

    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(turbot)
    times = pc.cast(table["created_at"], "timestamp[s]")
    first = pc.min(times).as_py()
    cut = dt.datetime.combine(first.date() + dt.timedelta(days=TRAIN_DAYS), dt.time())
    before = pc.less(times, cut)
    train, test = work / "train.parquet", work / "test.parquet"
    pq.write_table(table.filter(before), train)
    pq.write_table(table.filter(pc.invert(before)), test)
    return train, test, cut.strftime("%Y-%m-%d")


def _block(title: str, command: str, out: subprocess.CompletedProcess) -> list[str]:
    """A results section: the command and its stderr (the table on stdout is left out)."""
    return ["", f"## {title}", "", f"`{command}`", "", "```text", out.stderr.rstrip(), "```"]


def main() -> None:
    """Run the three checks and write their results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turbot", type=Path, required=True, help="pipes_audit_log.parquet")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fit_turbot_"))
    sample_model, own_model = work / "sample_model", work / "turbot_model"
    train, test, cut = _split(args.turbot, work)
    _anomaly("train", "data/sample/train.jsonl.gz", "--model-dir", str(sample_model), "-q")
    foreign = _anomaly("score", str(args.turbot), "--model-dir", str(sample_model), "--top", "3")
    trained = _anomaly("train", str(train), "--model-dir", str(own_model))
    later = _anomaly("score", str(test), "--model-dir", str(own_model), "--top", "3", "-v")
    whole = _anomaly("score", str(args.turbot), "--model-dir", str(own_model), "--top", "0")
    lines = [
        "# Honest about fit: Turbot's generated audit log",
        "",
        machine_line(f"python experiments/fit_turbot.py --turbot {args.turbot.name}"),
        "",
        "Turbot's file is not seeded: times and counts change from run to run. Training set: "
        f"its records before {cut} (UTC), test set: the rest.",
        *_block(
            "1. The bundled sample's model scores Turbot's file",
            "anomaly score pipes_audit_log.parquet --model-dir <sample model> --top 3",
            foreign,
        ),
        *_block(
            f"2. A model trained on the file's first {TRAIN_DAYS} days",
            "anomaly train train.parquet --model-dir <turbot model>",
            trained,
        ),
        *_block(
            "... scores its last 30 days",
            "anomaly score test.parquet --model-dir <turbot model> --top 3 -v",
            later,
        ),
        *_block(
            "3. ... scores the whole file, its training period included",
            "anomaly score pipes_audit_log.parquet --model-dir <turbot model> --top 0",
            whole,
        ),
    ]
    checks = {
        "1 warns that the records are not what the model knows": "not what the model"
        in foreign.stderr,
        "1 says what to do": "What to do: the model in" in foreign.stderr,
        "2 gives no 'too short' advice": "too short" not in trained.stderr
        and "three weeks" not in trained.stderr,
        "2 scores the later days without a warning": "Warning" not in later.stderr,
        "3 names the overlap, not foreign data": "fall in the training period" in whole.stderr
        and "not what the model" not in whole.stderr,
    }
    lines += ["", "## Checks", "", "| check | holds |", "|---|---|"]
    lines += [f"| {k} | {'yes' if v else 'NO'} |" for k, v in checks.items()]
    write_result("fit_turbot.md", lines)


if __name__ == "__main__":
    main()
