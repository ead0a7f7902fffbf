"""Write an evaluation report directory: Markdown, self-contained HTML and PNG plots."""

from __future__ import annotations

from pathlib import Path

from pipes_anomaly import report
from pipes_anomaly.evaluation import EvaluationResult


def write_report(directory: str | Path, result: EvaluationResult, *, source: str) -> int:
    """Write an evaluation report: ``report.md``, a self-contained ``report.html``, PNG plots.

    Parameters
    ----------
    directory : str or Path
        Output directory (created if needed; files in it are overwritten).
    result : EvaluationResult
        ``evaluation.evaluate`` output.
    source : str
        Where the scores and labels came from, printed in the report.

    Returns
    -------
    int
        Number of plots written.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    images = report.evaluation_plots(result)
    for name, png in images.items():
        (out / name).write_bytes(png)
    (out / "report.md").write_text(
        report.evaluation_markdown(result, source=source), encoding="utf-8"
    )
    (out / "report.html").write_text(
        report.evaluation_html(result, images, source=source), encoding="utf-8"
    )
    return len(images)
