"""Helpers shared by the experiment scripts: child processes and the committed results files."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


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
