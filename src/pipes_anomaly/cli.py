"""Command-line interface: a thin layer over the library.

Each command parses options, calls library functions, and turns domain errors
into ``click.ClickException`` with the fix in the message.  Nothing else.
"""

from __future__ import annotations

import click

from pipes_anomaly import __version__

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="anomaly")
def main() -> None:
    """Find attacks in the Turbot Pipes audit log by machine learning.

    Typical run: generate a labelled world, train on its training period,
    score its test period, evaluate the scores against the labels.
    """


# --- generate (issue 2) -----------------------------------------------------


# --- train / score (issue 4) --------------------------------------------------


# --- evaluate (issue 5) -------------------------------------------------------


@main.command("evaluate")
@click.argument("scores", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option(
    "--labels",
    "labels_dir",
    required=True,
    type=click.Path(path_type=str),
    help="Directory written by 'anomaly generate --out' (labels.csv, lookalikes.csv, ...).",
)
@click.option(
    "--report",
    "report_dir",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Write report.md, a self-contained report.html and PNG plots to this directory.",
)
@click.option(
    "--budget",
    "budgets",
    type=click.FloatRange(0, 1, min_open=True),
    multiple=True,
    help="Investigation budget as a fraction of windows (repeatable; default 0.001 0.01 0.05 0.1).",
)
def evaluate_command(
    scores: str, labels_dir: str, report_dir: str | None, budgets: tuple[float, ...]
) -> None:
    """Evaluate a scores file (.csv, .jsonl, .parquet) against generated labels.

    Prints precision/recall at the alert flag, PR-AUC, ROC-AUC, recall within
    investigation budgets, recall per scenario and false alerts on benign look-alikes.
    """
    from pathlib import Path

    from rich.console import Console

    from pipes_anomaly import evaluate as ev
    from pipes_anomaly import io as pio
    from pipes_anomaly import report

    try:
        labels = pio.read_labels(labels_dir)
        frame = pio.read_scores(scores)
    except pio.LabelsError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        result = ev.evaluate(frame, labels, budgets=budgets or ev.DEFAULT_BUDGETS)
    except ev.EvaluationError as exc:
        raise click.ClickException(f"{scores}: {exc}") from exc

    console = Console()
    for table in report.evaluation_rich_tables(result):
        console.print(table)
    for note in result.notes:
        click.echo(f"Note: {note}", err=True)
    if report_dir is not None:
        out = Path(report_dir)
        out.mkdir(parents=True, exist_ok=True)
        source = f"Scores: {scores} · labels: {labels_dir}"
        images = report.evaluation_plots(result)
        for name, png in images.items():
            (out / name).write_bytes(png)
        (out / "report.md").write_text(
            report.evaluation_markdown(result, source=source), encoding="utf-8"
        )
        (out / "report.html").write_text(
            report.evaluation_html(result, images, source=source), encoding="utf-8"
        )
        click.echo(f"Report written to {out}/report.md, report.html and {len(images)} plots.")
