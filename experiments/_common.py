"""Helpers shared by the experiment scripts: child processes and the committed results files."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
#: Records per actor-day in the default world (its manifest: 49,468 records, 150 actors, 60 days).
RECORDS_PER_ACTOR_DAY = 5.5
#: Training days of the score benchmarks' world (its test period is the rest of 60 days).
SCORE_TRAIN_DAYS = 12
#: Actors that give that world about 1,000,000 test records.
SCORE_ACTORS = round(1_000_000 / (RECORDS_PER_ACTOR_DAY * (60 - SCORE_TRAIN_DAYS)))

#: A child process that runs the CLI and prints its own seconds (imports included) to stderr.
_CLI_CHILD = r"""
import json, sys, time
from pipes_anomaly.cli import main
t0 = time.perf_counter()
main(sys.argv[1:], standalone_mode=False)
print(json.dumps({"seconds": time.perf_counter() - t0}), file=sys.stderr)
"""


def run_json(args: list[str], *, stream: str = "stdout", env: dict | None = None) -> dict:
    """Run ``python <args>`` in a fresh process; return the JSON object on its last line.

    Parameters
    ----------
    args : list of str
        Arguments after the interpreter (a script path or ``-c CODE``, then its arguments).
    stream : {"stdout", "stderr"}, default "stdout"
        Where the child prints its JSON line.
    env : dict, optional
        The child's environment (default: this process's).

    Returns
    -------
    dict
    """
    out = subprocess.run(
        [sys.executable, *args], check=True, capture_output=True, text=True, env=env
    )
    return json.loads(getattr(out, stream).strip().splitlines()[-1])


def machine_line(command: str) -> str:
    """``Machine: <arch>, <implementation> <version>; command: `<command>`.``"""
    return (
        f"Machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}; command: `{command}`."
    )


def measure_table(result: dict) -> list[str]:
    """A two-column Markdown table (``measure | value``) of a result dict."""
    return ["| measure | value |", "|---|---|", *[f"| {k} | {v} |" for k, v in result.items()]]


def write_result(name: str, lines: list[str]) -> Path:
    """Write ``lines`` (joined by newlines) to ``experiments/results/<name>`` and print them."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = "\n".join(lines)
    path = RESULTS / name
    path.write_text(text)
    print(text)
    return path


def export_rev(rev: str, dest: Path) -> Path:
    """Extract ``src/`` of git revision ``rev`` into ``dest`` (for ``--before-rev``).

    Returns the directory to put first on ``PYTHONPATH`` (it holds ``pipes_anomaly``).
    """
    root = Path(__file__).resolve().parent.parent
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(root), "archive", rev, "src/pipes_anomaly"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(
        ["tar", "-x", "-C", str(dest), "--strip-components=1"], input=archive, check=True
    )
    return dest


def paired_setup(
    description: str, prefix: str, repeat: int, repeat_help: str
) -> tuple[argparse.Namespace, Path, dict[str, Path]]:
    """Parse a paired benchmark's options and export the code of both sides.

    Options: ``--before-rev`` (required), ``--repeat`` and ``--workdir``.  Returns the
    options, the work folder (a new temporary one named ``prefix...`` without
    ``--workdir``) and ``{"before": ..., "after": ...}``, the ``src/`` of each side.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--before-rev", required=True, help="revision to compare against")
    parser.add_argument("--repeat", type=int, default=repeat, help=repeat_help)
    parser.add_argument("--workdir", type=Path, default=None, help="keep inputs here")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix=prefix))
    work.mkdir(parents=True, exist_ok=True)
    root = Path(__file__).resolve().parent.parent
    codes = {"before": export_rev(args.before_rev, work / "before_code"), "after": root / "src"}
    return args, work, codes


def cli_seconds(src: Path, *args: str) -> float:
    """Seconds of ``anomaly <args>`` run in a fresh process with the package at ``src``.

    Parameters
    ----------
    src : Path
        The directory holding ``pipes_anomaly`` (``src/`` or an :func:`export_rev` folder).
    *args : str
        The CLI's arguments.

    Returns
    -------
    float
    """
    env = dict(os.environ, PYTHONPATH=str(src))
    return run_json(["-c", _CLI_CHILD, *args], stream="stderr", env=env)["seconds"]


def score_world(src: Path, folder: Path) -> Path:
    """The score benchmarks' world (about 1,000,000 test records), written once into ``folder``.

    Parameters
    ----------
    src : Path
        The directory holding the ``pipes_anomaly`` that writes it.
    folder : Path
        Where the world goes; an existing world there is reused.

    Returns
    -------
    Path
        ``folder``.
    """
    if not (folder / "manifest.json").is_file():
        args = ["--actors", str(SCORE_ACTORS), "--train-days", str(SCORE_TRAIN_DAYS), "-q"]
        cli_seconds(src, "generate", "--out", str(folder), *args)
    return folder


def paired_seconds(
    codes: dict[str, Path], repeat: int, args_of: Callable[[str], list[str]]
) -> dict[str, list[float]]:
    """Run each code's CLI in turn ``repeat`` times, alternating which goes first.

    Parameters
    ----------
    codes : dict of str to Path
        Name -> the directory holding that code's ``pipes_anomaly``.
    repeat : int
        Runs per code.
    args_of : callable
        ``args_of(name)``: the CLI's arguments for that code's run.

    Returns
    -------
    dict of str to list of float
        Name -> seconds of its runs, in order (run ``i`` of every code form a pair).
    """
    seconds: dict[str, list[float]] = {name: [] for name in codes}
    names = list(codes)
    for i in range(repeat):
        for name in names if i % 2 == 0 else names[::-1]:
            seconds[name].append(cli_seconds(codes[name], *args_of(name)))
    return seconds
