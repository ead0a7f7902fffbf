"""Check that the package's outputs are byte-identical to those of an earlier revision.

Runs the same command-line jobs with the code of ``--before-rev`` (its ``src/``, extracted
with ``git archive``) and with the working tree, each in a scratch folder of its own, and
compares every file they write and everything they print::

    python experiments/same_outputs.py --before-rev f3f8729

Jobs: the bundled sample (generate, train, score to CSV/JSON lines/Parquet, evaluate with
its report), the sample with one-hour windows, a bigger two-organisation world in Parquet,
and a file with bad lines (rejects). Model artefacts are compared by what they produce (the
scores), and the model manifest without what names the files' layout (its layout version,
artefact hashes and model id), so that a change of model file layout compares the rest.
Results: ``experiments/results/same_outputs_<rev>.md`` (``--out`` to name another).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import export_rev, write_result

ROOT = Path(__file__).resolve().parent.parent

#: (name, arguments of ``anomaly``) run in order in one scratch folder.
JOBS: tuple[tuple[str, list[str]], ...] = (
    ("generate sample", ["generate", "--out", "A", "--compress"]),
    ("train sample", ["train", "A/train.jsonl.gz", "--model-dir", "mA"]),
    ("score sample csv", ["score", "A/test.jsonl.gz", "--model-dir", "mA", "-o", "sA.csv"]),
    ("score sample jsonl", ["score", "A/test.jsonl.gz", "--model-dir", "mA", "-o", "sA.jsonl"]),
    (
        "score sample parquet",
        ["score", "A/test.jsonl.gz", "--model-dir", "mA", "-o", "sA.parquet", "--top", "0"],
    ),
    ("evaluate sample", ["evaluate", "sA.csv", "--labels", "A", "--report", "rA"]),
    ("train sample 1h", ["train", "A/train.jsonl.gz", "--model-dir", "mH", "--window", "1h"]),
    ("score sample 1h", ["score", "A/test.jsonl.gz", "--model-dir", "mH", "-o", "sH.csv"]),
    ("evaluate sample 1h", ["evaluate", "sH.csv", "--labels", "A"]),
    (
        "generate bigger",
        ["generate", "--out", "B", "--seed", "11", "--days", "75", "--actors", "300"]
        + ["--orgs", "2", "--format", "parquet", "--attack-rate", "1.5"],
    ),
    ("train bigger", ["train", "B/train.parquet", "--model-dir", "mB", "--alert-rate", "0.02"]),
    ("score bigger", ["score", "B/test.parquet", "--model-dir", "mB", "-o", "sB.jsonl"]),
    ("evaluate bigger", ["evaluate", "sB.jsonl", "--labels", "B", "--report", "rB"]),
    (
        "score with rejects",
        ["score", "bad.jsonl", "--model-dir", "mA", "-o", "sbad.csv", "--rejects", "rej.jsonl"],
    ),
)

#: Lines appended to the sample's first test records to make ``bad.jsonl``.
BAD_LINES = (
    b'{"id": "a_bad1", "action_type": "workspace.delete"}\n',
    b"not json\n",
    b'{"id": 5, "action_type": "x", "actor_id": "u_1", "created_at": "2026-02-20T00:00:00Z"}\n',
    b'{"id": "a_bad2", "action_type": "x", "actor_id": "u_1", "created_at": "yesterday"}\n',
)


def _run_jobs(src: Path, work: Path) -> dict[str, str]:
    """Run every job with the package at ``src``; return output name -> sha256 (or text)."""
    env = dict(os.environ, PYTHONPATH=str(src), COLUMNS="160")
    seen: dict[str, str] = {}
    for name, args in JOBS:
        if name == "score with rejects":
            lines = (work / "A" / "test.jsonl.gz").read_bytes()
            head = gzip.decompress(lines).splitlines(keepends=True)[:300]
            (work / "bad.jsonl").write_bytes(b"".join(head) + b"".join(BAD_LINES))
        proc = subprocess.run(
            [sys.executable, "-c", "from pipes_anomaly.cli import main; main()", *args],
            cwd=work,
            env=env,
            capture_output=True,
        )
        seen[f"{name}: exit"] = str(proc.returncode)
        seen[f"{name}: stdout"] = hashlib.sha256(proc.stdout).hexdigest()
        seen[f"{name}: stderr"] = hashlib.sha256(proc.stderr).hexdigest()
    for path in sorted(p for p in work.rglob("*") if p.is_file()):
        rel = str(path.relative_to(work))
        if rel.startswith("m") and path.name != "manifest.json":
            continue  # model artefacts: compared through the scores
        data = path.read_bytes()
        if path.name == "manifest.json" and rel.startswith("m"):
            manifest = json.loads(data)
            for key in ("artefacts", "model_id", "format"):
                manifest.pop(key, None)
            data = json.dumps(manifest, sort_keys=True).encode()
            rel += " (without layout, artefact hashes and model id)"
        seen[rel] = hashlib.sha256(data).hexdigest()
    return seen


def main() -> None:
    """Run the jobs with both codes and write the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before-rev", required=True, help="revision to compare against")
    parser.add_argument("--out", help="results file name [default: same_outputs_<rev>.md]")
    parser.add_argument("--keep", help="keep the scratch folders under this directory")
    args = parser.parse_args()
    rev = subprocess.run(
        ["git", "rev-parse", "--short", args.before_rev],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    head = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    scratch = Path(args.keep or tempfile.mkdtemp(prefix="same_outputs_"))
    before_work, after_work = scratch / "before", scratch / "after"
    for d in (before_work, after_work):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    before_src = export_rev(rev, scratch / "before_code")
    before = _run_jobs(before_src, before_work)
    after = _run_jobs(ROOT / "src", after_work)
    names = sorted(set(before) | set(after))
    differ = [n for n in names if before.get(n) != after.get(n)]
    lines = [
        f"# Same outputs: {rev} against the working tree ({head})",
        "",
        f"Command: `python experiments/same_outputs.py --before-rev {args.before_rev}"
        + (f" --out {args.out}`" if args.out else "`"),
        "",
        f"{len(names)} outputs compared (files by sha256; each job's exit code, stdout and "
        f"stderr); {len(differ)} differ.",
        "",
        "| output | same |",
        "|---|---|",
        *[f"| {n} | {'yes' if n not in differ else 'NO'} |" for n in names],
    ]
    write_result(args.out or f"same_outputs_{args.before_rev}.md", lines)
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
