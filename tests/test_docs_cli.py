"""docs/cli.md shows the real ``--help`` of every command (no drift)."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipes_anomaly.cli import main

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
COMMANDS = ["", "generate", "train", "score", "evaluate"]


def _help(command: str) -> str:
    args = [command, "--help"] if command else ["--help"]
    res = CliRunner().invoke(main, args, prog_name="anomaly", terminal_width=100)
    assert res.exit_code == 0
    return res.output.rstrip()


def _doc_blocks() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"^## `(anomaly[^`]*)`\n\n```text\n(.*?)\n```", text, re.S | re.M)
    return {name.removeprefix("anomaly").strip(): body for name, body in blocks}


@pytest.mark.parametrize("command", COMMANDS)
def test_doc_shows_the_real_help(command):
    assert _doc_blocks().get(command) == _help(command), (
        "docs/cli.md is out of date: regenerate it with `python tests/test_docs_cli.py`"
    )


if __name__ == "__main__":  # regenerate docs/cli.md
    parts = ["# Command-line reference", "", "The real `--help` of every command (tested)."]
    for c in COMMANDS:
        parts += ["", f"## `anomaly{' ' + c if c else ''}`", "", "```text", _help(c), "```"]
    DOC.write_text("\n".join(parts) + "\n", encoding="utf-8")
