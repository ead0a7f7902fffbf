"""Write an evaluation report directory: Markdown, self-contained HTML and PNG plots."""

from __future__ import annotations

import contextlib
from pathlib import Path

from pipes_anomaly import report
from pipes_anomaly.evaluation import EvaluationResult
from pipes_anomaly.io._atomic import atomic_path

#: Files of a report besides the plots.
REPORT_FILES: tuple[str, ...] = ("report.md", "report.html")


def write_report(directory: str | Path, result: EvaluationResult, *, source: str) -> int:
    """Write an evaluation report: ``report.md``, a self-contained ``report.html``, PNG plots.

    Parameters
    ----------
    directory : str or Path
        Output directory (created if needed; files in it are overwritten).  Every file is
        written beside its target and all are renamed into place once all are complete.
    result : EvaluationResult
        ``evaluation.evaluate`` output.
    source : str
        Where the scores and labels came from, printed in the report.

    Returns
    -------
    int
        Number of plots written.

    Raises
    ------
    OutputError
        When a file cannot be written; then no file of the report is replaced.
    """
    out = Path(directory)
    images = report.evaluation_plots(result)
    texts = {
        "report.md": report.evaluation_markdown(result, source=source),
        "report.html": report.evaluation_html(result, images, source=source),
    }
    with contextlib.ExitStack() as stack:
        for name, text in texts.items():
            stack.enter_context(atomic_path(out / name)).write_text(text, encoding="utf-8")
        for name, png in images.items():
            stack.enter_context(atomic_path(out / name)).write_bytes(png)
    return len(images)
