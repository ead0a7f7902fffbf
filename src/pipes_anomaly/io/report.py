"""Write report directories: evaluation (Markdown, HTML, PNG plots) and triage (Markdown, HTML)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from pipes_anomaly import report, triage
from pipes_anomaly.evaluation import EvaluationResult
from pipes_anomaly.io._atomic import atomic_path

#: Files of a report besides the plots.
REPORT_FILES: tuple[str, ...] = ("report.md", "report.html")


def write_report(
    directory: str | Path,
    result: EvaluationResult,
    *,
    source: str,
    cards: report.CardLinks | None = None,
) -> int:
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
    cards : CardLinks, optional
        Where the triage report of the same scores is: its alerts are listed with their
        truth and a link to their card.

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
        "report.md": report.evaluation_markdown(result, source=source, cards=cards),
        "report.html": report.evaluation_html(result, images, source=source, cards=cards),
    }
    with contextlib.ExitStack() as stack:
        for name, text in texts.items():
            stack.enter_context(atomic_path(out / name)).write_text(text, encoding="utf-8")
        for name, png in images.items():
            stack.enter_context(atomic_path(out / name)).write_bytes(png)
    return len(images)


def write_triage_report(directory: str | Path, data: triage.TriageData) -> tuple[Path, ...]:
    """Write a triage report: ``report.md`` and a self-contained ``report.html``.

    Parameters
    ----------
    directory : str or Path
        Output directory (created if needed; the two files in it are replaced).  Both are
        written beside their targets and renamed into place once both are complete.
    data : TriageData
        What the report shows (:class:`pipes_anomaly.triage.TriageData`).

    Returns
    -------
    tuple of Path
        The files written.

    Raises
    ------
    OutputError
        When a file cannot be written; then no file of the report is replaced.
    """
    out = Path(directory)
    texts = dict(zip(("report.md", "report.html"), triage.triage_pages(data), strict=True))
    with contextlib.ExitStack() as stack:
        for name, text in texts.items():
            stack.enter_context(atomic_path(out / name)).write_text(text, encoding="utf-8")
    return tuple(out / name for name in texts)
