"""Size of a model directory's artefacts, today's code beside a git revision's.

Run from the repository root::

    python experiments/model_size.py --before-rev 6145fbb data/sample/train.jsonl.gz \\
        /tmp/pipes-anomaly-bench/world_1m/train.jsonl

Trains a model on each file with this checkout's ``anomaly train`` and with the code of
``--before-rev`` (exported, run with its own code), and writes the bytes of every file of
each model directory to ``experiments/results/model_size.md``. The second file is the
training half of ``bench_features.py``'s world (made there).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import export_rev, machine_line

HERE = Path(__file__).resolve().parent


def _train(path: str, model_dir: Path, pythonpath: str | None) -> dict[str, int]:
    """Train on ``path`` into ``model_dir``; return each artefact's size in bytes."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    subprocess.run(
        [sys.executable, "-m", "pipes_anomaly", "train", path, "--model-dir", str(model_dir), "-q"],
        check=True,
        env=env,
        capture_output=True,
    )
    return {p.name: p.stat().st_size for p in sorted(model_dir.iterdir()) if p.is_file()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="training files")
    parser.add_argument("--before-rev", required=True, help="git revision to compare with")
    args = parser.parse_args()
    command = "python experiments/model_size.py " + " ".join(sys.argv[1:])
    lines = ["# Model directory sizes", "", machine_line(command), ""]
    with tempfile.TemporaryDirectory() as tmp:
        old_src = export_rev(args.before_rev, Path(tmp) / "src")
        for i, path in enumerate(args.paths):
            today = _train(path, Path(tmp) / f"today{i}", None)
            before = _train(path, Path(tmp) / f"before{i}", str(old_src))
            lines += [f"Training file `{path}`:", ""]
            lines += ["| artefact | this checkout (bytes) | " + args.before_rev + " (bytes) |"]
            lines += ["|---|---|---|"]
            for name in sorted(set(today) | set(before)):
                lines.append(f"| `{name}` | {today.get(name, 0):,} | {before.get(name, 0):,} |")
            lines.append(f"| all | {sum(today.values()):,} | {sum(before.values()):,} |")
            lines.append("")
    out = HERE / "results" / "model_size.md"
    out.write_text("\n".join(lines))
    print(out.read_text())


if __name__ == "__main__":
    main()
