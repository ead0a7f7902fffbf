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


def _parse_scenarios(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    """Turn ``--scenarios`` (``all``, ``none`` or a comma list) into scenario names."""
    from pipes_anomaly.schema import SCENARIOS

    text = value.strip().lower()
    if text == "all":
        return SCENARIOS
    if text in ("none", ""):
        return ()
    names = [s.strip() for s in text.split(",") if s.strip()]
    for name in names:
        if name not in SCENARIOS:
            raise click.BadParameter(
                f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)} "
                "(comma-separated), or 'all' or 'none'"
            )
    if len(set(names)) != len(names):
        raise click.BadParameter("a scenario is listed twice")
    return tuple(s for s in SCENARIOS if s in names)


@main.command("generate")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, writable=True),
    help="Directory to write records and ground truth into (created when missing).",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of every random choice; the same seed gives byte-identical files.",
)
@click.option(
    "--days",
    type=click.IntRange(min=2),
    default=60,
    show_default=True,
    help="Length of the simulated timeline in days.",
)
@click.option(
    "--actors",
    type=click.IntRange(min=10),
    default=150,
    show_default=True,
    help="Actors per organisation (people and service accounts).",
)
@click.option(
    "--orgs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Number of organisations.",
)
@click.option(
    "--train-days",
    type=click.IntRange(min=1),
    default=None,
    help="Days in the training period, less than --days [default: 70% of --days, 42 for 60 days].",
)
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default="2026-01-05",
    show_default=True,
    help="First UTC day of the timeline (YYYY-MM-DD).",
)
@click.option(
    "--scenarios",
    default="all",
    show_default=True,
    callback=_parse_scenarios,
    help="Attack scenarios to inject: 'all', 'none' or a comma-separated list of "
    "names from the scenario list (see docs/design.md).",
)
@click.option(
    "--attack-rate",
    type=click.FloatRange(min=0.0, max=20.0),
    default=1.0,
    show_default=True,
    help="Scales the number of incidents; 1.0 gives about 4 per scenario in the "
    "test period of the default world (at least one each); 0 disables attacks.",
)
@click.option(
    "--lookalikes/--no-lookalikes",
    default=True,
    show_default=True,
    help="Add benign look-alikes (listed in lookalikes.csv, never labelled).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "parquet"]),
    default="jsonl",
    show_default=True,
    help="Record format: JSON lines or Parquet (Tailpipe layout).",
)
@click.option(
    "--compress/--no-compress",
    default=False,
    show_default=True,
    help="Gzip the JSON lines (train.jsonl.gz, test.jsonl.gz).",
)
def generate_cmd(
    out_dir: str,
    seed: int,
    days: int,
    actors: int,
    orgs: int,
    train_days: int | None,
    start,  # noqa: ANN001  (datetime from click.DateTime)
    scenarios: tuple[str, ...],
    attack_rate: float,
    lookalikes: bool,
    fmt: str,
    compress: bool,
) -> None:
    """Simulate Pipes organisations and write audit records plus ground truth.

    Writes train and test records, labels.csv, window_labels.csv,
    lookalikes.csv, actors.csv and manifest.json into --out.
    """
    from pipes_anomaly.generate import GenerateConfig, default_train_days, simulate
    from pipes_anomaly.io import write_world

    if train_days is None:
        train_days = default_train_days(days)
    elif train_days >= days:
        raise click.BadParameter(
            f"must be less than --days ({days}), got {train_days}", param_hint="'--train-days'"
        )
    if compress and fmt == "parquet":
        raise click.UsageError("--compress applies to --format jsonl only (Parquet is compressed)")
    config = GenerateConfig(
        seed=seed,
        days=days,
        actors=actors,
        orgs=orgs,
        train_days=train_days,
        start=start.date(),
        scenarios=scenarios,
        attack_rate=attack_rate,
        lookalikes=lookalikes,
    )
    world = simulate(config)
    files = write_world(world, out_dir, fmt=fmt, compress=compress)
    m = world.manifest
    n_inc = sum(v["incidents_train"] + v["incidents_test"] for v in m["scenarios"].values())
    click.echo(
        f"Wrote {m['records']['total']:,} records (train {m['records']['train']:,}, "
        f"test {m['records']['test']:,}), {m['labelled_records']:,} labelled in {n_inc} "
        f"incidents, {len(world.lookalikes):,} look-alike actor-days to {out_dir}/ "
        f"({', '.join(p.name for p in files.values())})"
    )


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
