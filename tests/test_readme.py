"""The README's notebook example runs as written (the public API a notebook user sees)."""

import contextlib
import io
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)


def test_the_readme_notebook_example_runs(tmp_path, monkeypatch):
    blocks = _python_blocks()
    assert len(blocks) == 1, "README.md should hold one python block: the notebook example"
    (tmp_path / "data").symlink_to(ROOT / "data")  # its inputs, read from the repository
    (tmp_path / "out").mkdir()
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(blocks[0], "README.md", "exec"), {"__name__": "__readme__"})
    text = out.getvalue()
    assert "accepted" in text and "Top 5 of " in text  # the stats and the alerts table
    assert (tmp_path / "out" / "scores.csv").stat().st_size > 0
    assert "Warning:" not in text  # the sample's test period is what its model knows
