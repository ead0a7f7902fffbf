"""Command-line interface: a thin layer over the library.

Each command parses options, calls library functions, and turns domain errors
into ``click.ClickException`` with the fix in the message.  A command that does work
first calls :func:`pipes_anomaly._process.tune_process_memory`: how the process gets
memory is the process owner's choice, so it is made here and never in the library.
Commands import the library when they run, so that ``--help`` answers at once.

Before any work, a command refuses outputs that would replace one of its inputs and
outputs whose folder cannot be written; a write that fails later (disk full) is an
``Error:`` naming the file, and leaves the previous file as it was.  Every error message
passes through :func:`pipes_anomaly._text.message_text` (text from data in it was made
visible where it entered it), so text from data cannot drive the terminal.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click import Command

from pipes_anomaly import __version__
from pipes_anomaly._console import NORMAL, QUIET, VERBOSE, Talk
from pipes_anomaly._process import tune_process_memory
from pipes_anomaly._text import plural
from pipes_anomaly.catalog import HISTORY_FEATURES
from pipes_anomaly.io._atomic import OutputError, written_in_place
from pipes_anomaly.schema import SCENARIOS

if TYPE_CHECKING:
    from pipes_anomaly.io import ReadResult, Reject
    from pipes_anomaly.pipeline import TrainedModel

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _Main(click.Group):
    """The command group: a failed write is an error message; messages show no raw controls."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; turn its write errors into messages and sanitise every message."""
        from pipes_anomaly._text import message_text

        try:
            return super().invoke(ctx)
        except OutputError as exc:
            raise click.ClickException(message_text(exc)) from exc
        except click.ClickException as exc:
            exc.message = message_text(exc.message)  # data in it is visible already: not twice
            raise


@click.group(cls=_Main, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="anomaly")
def main() -> None:
    """Find attacks in the Turbot Pipes audit log by machine learning.

    Typical run: generate a labelled world, train on its training period,
    score its test period, evaluate the scores against the labels.
    """


def _parse_scenarios(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    """Turn ``--scenarios`` (``all``, ``none`` or a comma list) into scenario names."""
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


def _print_knobs(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """Print the realism knobs of ``anomaly generate`` and exit (``--knobs``)."""
    if not value or ctx.resilient_parsing:
        return
    from pipes_anomaly.generate import knob_table

    click.echo("knob                  default  range  meaning")
    for line in knob_table():
        click.echo(line)
    ctx.exit()


def _talk_options(f: Command) -> Command:
    """Options ``-q/--quiet`` and ``-v/--verbose`` of a command that does work."""
    f = click.option(
        "-v",
        "--verbose",
        is_flag=True,
        help="Also say every file's counts, every name a message shortens, and how long "
        "each stage took.",
    )(f)
    f = click.option(
        "-q",
        "--quiet",
        is_flag=True,
        help="Say nothing but warnings and errors (no counts, notes or progress).",
    )(f)
    return f


def _talk(quiet: bool, verbose: bool) -> Talk:
    """Return the command's voice at the level its options ask for."""
    if quiet and verbose:
        raise click.UsageError("-q/--quiet and -v/--verbose are mutually exclusive; give one")
    return Talk(QUIET if quiet else VERBOSE if verbose else NORMAL)


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
    type=click.IntRange(min=5, max=10_000),
    default=150,
    show_default=True,
    help="Actors per organisation (people and service accounts).",
)
@click.option(
    "--orgs",
    type=click.IntRange(min=1, max=20),
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
    "names from the scenario list (see docs/worlds.md).",
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
    "--variant",
    type=click.IntRange(min=0),
    default=None,
    help="Draw every realism knob (and days, size, start) from the --family's distributions "
    "with this seed (docs/worlds.md); options given explicitly replace drawn values.",
)
@click.option(
    "--family",
    type=click.Choice(["dev", "holdout"]),
    default="dev",
    show_default=True,
    help="Distributions --variant draws from: 'dev' for choosing, 'holdout' for reporting.",
)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KNOB=VALUE",
    help="Set a realism knob, e.g. --set v6_privacy=0.5 (repeatable; --knobs lists them with "
    "their ranges).",
)
@click.option(
    "--knobs",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_print_knobs,
    help="List the realism knobs (default, allowed range, meaning) and exit.",
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
@_talk_options
def generate_cmd(
    out_dir: str,
    seed: int,
    days: int,
    actors: int,
    orgs: int,
    train_days: int | None,
    start: datetime.datetime,
    scenarios: tuple[str, ...],
    attack_rate: float,
    lookalikes: bool,
    variant: int | None,
    family: str,
    settings: tuple[str, ...],
    fmt: str,
    compress: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Simulate Pipes organisations and write audit records plus ground truth.

    Writes train and test records, labels.csv, window_labels.csv,
    lookalikes.csv, actors.csv and manifest.json into --out. Realism knobs
    (--set, --knobs) and random variants (--variant, --family) are described
    in docs/worlds.md; the manifest records every knob's value.
    """
    from pipes_anomaly.generate import default_train_days, parse_knobs, simulate, world_config

    if variant is None and train_days is not None and train_days >= days:
        raise click.BadParameter(
            f"must be less than --days ({days}), got {train_days}", param_hint="'--train-days'"
        )
    if compress and fmt == "parquet":
        raise click.UsageError("--compress applies to --format jsonl only (Parquet is compressed)")
    params = dict(seed=seed, days=days, actors=actors, orgs=orgs, train_days=train_days,
                  start=start.date(), scenarios=scenarios, attack_rate=attack_rate,
                  lookalikes=lookalikes)  # fmt: skip
    if variant is None:
        params["train_days"] = default_train_days(days) if train_days is None else train_days
    else:  # only what was given replaces the drawn values
        source = click.get_current_context().get_parameter_source
        params = {k: v for k, v in params.items()
                  if source(k) == click.core.ParameterSource.COMMANDLINE}  # fmt: skip
    try:
        knobs = parse_knobs(settings, options=("actors", "orgs", "attack_rate"))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--set'") from None
    try:
        config = world_config(variant=variant, family=family, knobs=knobs, **params)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    _check_writable(Path(out_dir) / "manifest.json")
    with _talk(quiet, verbose) as talk:
        tune_process_memory()
        from pipes_anomaly.io import write_world

        talk.stage("Simulating")
        world = simulate(config)
        talk.stage(f"Writing {out_dir}")
        files = write_world(world, out_dir, fmt=fmt, compress=compress)
        talk.end_stage()
    m = world.manifest
    n_inc = sum(v["incidents_train"] + v["incidents_test"] for v in m["scenarios"].values())
    if not quiet:  # the command's result, on stdout
        click.echo(
            f"Wrote {plural(m['records']['total'], 'record')} (train "
            f"{m['records']['train']:,}, test {m['records']['test']:,}), "
            f"{m['labelled_records']:,} labelled in {plural(n_inc, 'incident')}, "
            f"{plural(len(world.lookalikes), 'look-alike actor-day')} to {out_dir}/ "
            f"({', '.join(p.name for p in files.values())})"
        )


#: Bundled training data of ``train --demo`` (relative to the working directory).
_DEMO_TRAIN = "data/sample/train.jsonl.gz"


#: Key of ``ctx.meta`` holding what the LOGS folders hold that is not read.
_UNREAD = "pipes_anomaly.unread"


def _log_paths(option: bool = True) -> Callable[[Command], Command]:
    """Declare the LOGS argument: optional for ``train`` (``option``), required for ``score``.

    A folder stands for its audit Parquet files (Tailpipe's data directory). A FIFO,
    ``/dev/stdin`` or ``<(cmd)`` is read as a stream; ``train`` refuses streams, whose
    bytes it could not hash after reading them.
    """

    def files(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple:
        from pipes_anomaly.io._inputs import input_files
        from pipes_anomaly.io._records import InputError

        for p in value:  # checked here: click would call a missing file a "Path"
            if p != "-" and not os.path.exists(p):
                raise click.BadParameter(f"File {click.format_filename(p)!r} does not exist.")
        try:
            inputs = input_files(list(value))
        except InputError as exc:
            raise click.BadParameter(str(exc)) from exc
        ctx.meta[_UNREAD] = inputs.unread  # warned about once the reading is done
        found = inputs.files
        streams = [p for p in found if p != "-" and not os.path.isfile(p)]
        if option and streams:
            raise click.BadParameter(
                f"train reads files, not streams (its hash is recorded): {streams[0]}; "
                "save the stream to a file first"
            )
        return tuple(found)

    return click.argument(
        "logs",
        nargs=-1,
        required=not option,
        type=click.Path(dir_okay=True, allow_dash=True, path_type=str),
        callback=files,
    )


def _reader_options(f: Command) -> Command:
    """Options of every command that reads audit logs."""
    f = click.option(
        "--strict",
        is_flag=True,
        help="Stop at the first bad record (file, line, field, reason) instead of rejecting it.",
    )(f)
    f = click.option(
        "--rejects",
        "rejects_path",
        type=click.Path(dir_okay=False, writable=True, path_type=str),
        default=None,
        help="Write rejected input lines, verbatim, to this file, and why each was rejected (file, "
        "line, field, reason) to FILE.reasons.csv beside it (-v lists them too).",
    )(f)
    return f


def _threshold_options(f: Command) -> Command:
    """Options that set the alert threshold."""
    f = click.option(
        "--threshold",
        type=click.FloatRange(0, 1),
        default=None,
        help="Alert when score > this cut-off in [0, 1] (exclusive with --alert-rate).",
    )(f)
    f = click.option(
        "--alert-rate",
        type=click.FloatRange(0, 1, min_open=True, max_open=True),
        default=None,
        help="Alert budget: the share of training actor-windows that would alert "
        "[default: 0.01 when training; the model's threshold when scoring].",
    )(f)
    return f


def _check_exclusive(alert_rate: float | None, threshold: float | None) -> None:
    """Refuse both threshold options at once, before any work starts."""
    if alert_rate is not None and threshold is not None:
        raise click.UsageError("--alert-rate and --threshold are mutually exclusive; give one")


def _reading(paths: list[str]) -> tuple[str, int | None, bool]:
    """Return the reading stage's name, the bytes it will count, and whether it counts any."""
    from rich.filesize import decimal

    files = [p for p in paths if os.path.isfile(p)]  # never open a stream to look at it
    size = sum(os.path.getsize(p) for p in files)
    what = Path(paths[0]).name if len(paths) == 1 else plural(len(paths), "file")
    if any(_is_parquet(p) for p in files):
        # Arrow reads a Parquet file whole: no bytes to count, the spinner and clock move
        return f"Reading {what} ({decimal(size)})", None, False
    known = len(files) == len(paths) and not any(p.endswith(".gz") for p in paths)
    return f"Reading {what}", size if known else None, True


def _is_parquet(path: str) -> bool:
    """Tell whether a regular file starts with Parquet's magic bytes."""
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PAR1"
    except OSError:
        return False


def _reasons_path(rejects_path: str) -> str | None:
    """Name the file beside ``--rejects`` that says why each line was rejected (None: a device)."""
    if written_in_place(rejects_path):
        return None
    return f"{rejects_path}.reasons.csv"


def _read_logs(
    paths: list[str], *, strict: bool, rejects_path: str | None, talk: Talk
) -> ReadResult:
    """Read events with progress on the terminal; report counts on stderr."""
    from pipes_anomaly import io as pio

    ctx = click.get_current_context(silent=True)
    unread = pio.unread_files_warning(ctx.meta.get(_UNREAD, {}) if ctx else {})
    if unread is not None:
        talk.warn(f"{unread}.")
    name, total, counts = _reading(paths)
    talk.stage(name, total=total, counts_bytes=counts)
    try:
        result = pio.read_events(paths, strict=strict, progress=talk.advance)
    except pio.InputError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(
            f"cannot read {exc.filename or paths[0]}: {exc.strerror}"
        ) from exc
    talk.end_stage()
    st = result.stats
    talk.say(
        f"Read {plural(st.read, 'record')}: {st.accepted:,} accepted, {st.rejected:,} "
        f"rejected, {plural(st.duplicates, 'duplicate')}."
    )
    if st.conflicts:
        talk.warn(
            f"{st.conflicts:,} of the rejected records share their id with a record "
            "of other content (tampering or corruption?); no version of those ids is used."
        )
    unknown = pio.unknown_actions_warning(st)
    if unknown is not None:
        talk.note(f"{unknown}.")
    if len(st.files) > 1:
        for f in st.files:
            talk.detail(
                f"  {f.source}: {plural(f.read, 'record')}, {f.accepted:,} accepted, "
                f"{f.rejected:,} rejected, {plural(f.duplicates, 'duplicate')}"
            )
    for r in result.rejects:
        talk.detail(f"  rejected {r.source}:{r.line}: {r.field or 'line'}: {r.reason}")
    if rejects_path is not None:
        talk.stage(f"Writing {rejects_path}")
        n = pio.write_rejects(result.rejects, rejects_path)
        reasons = _reasons_path(rejects_path)
        if reasons is not None:
            pio.write_reject_reasons(result.rejects, reasons)
        talk.end_stage()
        why = (
            f", and why each was rejected to {reasons}"
            if reasons is not None
            else " (a device: -v lists why each was rejected)"
        )
        talk.say(f"Wrote {plural(n, 'rejected line')} to {rejects_path}{why}.")
    elif result.rejects:
        r = result.rejects[0]
        talk.say(
            f"First rejected: {r.source}:{r.line}: {r.field or 'line'}: {r.reason} "
            "(use --rejects FILE to keep them all)."
        )
    csv_like = result.csv_inputs()
    if st.accepted == 0:
        hint = f"; {_csv_hint(csv_like[0])}" if csv_like else ""
        raise click.ClickException(
            f"no usable records in {', '.join(paths)}: all {st.read:,} were rejected{hint}"
        )
    for r in csv_like:
        talk.warn(f"no record of {r.source} was accepted; {_csv_hint(r)}.")
    return result


def _csv_hint(first: Reject) -> str:
    """Return the fix for an input that looks like CSV, naming its first rejected line."""
    return (
        f"{first.source}:{first.line}: this looks like CSV; export JSON lines or Parquet "
        "(see README.md, 'On your own audit log')"
    )


def _training_logs(logs: tuple[str, ...], demo: bool) -> list[str]:
    """Return the files ``train`` reads: LOGS, or the bundled sample with ``--demo``."""
    if demo and logs:
        raise click.UsageError("give LOGS or --demo, not both")
    if demo:
        if not Path(_DEMO_TRAIN).is_file():
            raise click.UsageError(
                f"--demo trains on the bundled sample {_DEMO_TRAIN}, which is not here: run "
                "it from the repository's root, or make the sample with `anomaly generate "
                "--out data/sample --compress`"
            )
        return [_DEMO_TRAIN]
    if not logs:
        raise click.UsageError(
            "no audit logs to train on: name them, e.g. `anomaly train history/*.jsonl "
            "--model-dir models/acme` (JSON lines, .gz, JSON or Parquet), or try the "
            "bundled sample with `anomaly train --demo` from the repository's root"
        )
    if "-" in logs:
        raise click.UsageError("train reads files, not standard input (its hash is recorded)")
    return list(logs)


@main.command("train")
@_log_paths(option=True)
@click.option(
    "--demo",
    is_flag=True,
    help=f"Train on the bundled sample ({_DEMO_TRAIN}) instead of LOGS.",
)
@click.option(
    "--model-dir",
    type=click.Path(file_okay=False, path_type=str),
    default="models",
    show_default=True,
    help="Directory to write the model artefacts and manifest.json into.",
)
@click.option(
    "--window",
    type=click.Choice(["1d", "1h"]),
    default="1d",
    show_default=True,
    help="Actor-window length, aligned to UTC.",
)
@click.option(
    "--algorithm",
    type=click.Choice(["ensemble", "iforest", "lof"]),
    default="ensemble",
    show_default=True,
    help="Isolation Forest, Local Outlier Factor (novelty), or their ensemble.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of the Isolation Forest."
)
@click.option(
    "--n-estimators",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="Trees of the Isolation Forest.",
)
@click.option(
    "--n-neighbors",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Neighbours of the LOF (capped at the distinct training windows minus one).",
)
@_threshold_options
@_reader_options
@_talk_options
def train_command(
    logs: tuple[str, ...],
    demo: bool,
    model_dir: str,
    window: str,
    algorithm: str,
    seed: int,
    n_estimators: int,
    n_neighbors: int,
    alert_rate: float | None,
    threshold: float | None,
    strict: bool,
    rejects_path: str | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Train the anomaly detector on audit logs (JSON lines, .gz, JSON array or Parquet).

    LOGS are a few weeks of your organisation's audit log, before the period you
    will score; a folder is read for its Parquet files (Tailpipe's data directory),
    and its other files are named in a warning, not read.  Writes the model, the
    actor profiles, what it was trained on and a manifest.json (versions,
    parameters, features, window, data hash, training period, organisations,
    actors, action types, threshold, sha256 of each artefact) into --model-dir.
    """
    _check_exclusive(alert_rate, threshold)
    paths = _training_logs(logs, demo)
    _check_outputs(paths, _rejects_outputs(rejects_path), replaced=("--model-dir", model_dir))
    with _talk(quiet, verbose) as talk:
        talk.stage("Loading libraries")
        tune_process_memory()
        from pipes_anomaly.io.model_dir import lock_model_dir

        with lock_model_dir(model_dir):  # a second writer is refused before it reads anything
            result = _read_logs(paths, strict=strict, rejects_path=rejects_path, talk=talk)
            model = _train(result.events, paths, model_dir, talk=talk, window=window,
                           algorithm=algorithm, alert_rate=alert_rate, threshold=threshold,
                           n_estimators=n_estimators, n_neighbors=n_neighbors,
                           random_state=seed)  # fmt: skip
        talk.end_stage()
        _report_training(model, algorithm, model_dir, talk)


def _train(
    events: Any, paths: list[str], model_dir: str, *, talk: Talk, **options: Any
) -> TrainedModel:
    """Train a model on the events and save it; a model error is a message."""
    from pipes_anomaly.io.model_dir import save_model, sha256_files
    from pipes_anomaly.pipeline import ModelError, train_model

    try:
        model = train_model(
            events, training_sha256=sha256_files(paths), stages=talk.stage, **options
        )
        talk.stage(f"Writing the model to {model_dir}")
        save_model(model_dir, model)
    except ModelError as exc:
        raise click.ClickException(str(exc)) from exc
    return model


def _report_training(model: TrainedModel, algorithm: str, model_dir: str, talk: Talk) -> None:
    """Say what was trained, and what the training data could not teach it."""
    from pipes_anomaly.fit import history_note

    rate = model.alert_rate
    budget = f"alert rate {rate:g}" if rate is not None else "set by --threshold"
    summary = model.training
    period = ""
    if summary is not None:
        period = (
            f" from {_day(summary.first_ns)} to {_day(summary.last_ns)} "
            f"({plural(len(summary.actors), 'actor')}, "
            f"{plural(len(summary.organisations), 'organisation')})"
        )
    talk.say(
        f"Trained {algorithm} on {plural(model.n_training_windows, 'actor-window')} "
        f"({model.window}){period}; alert threshold {model.threshold:.4f} ({budget}). Model "
        f"written to {model_dir}/."
    )
    history = [c for c in model.constant_features if c in HISTORY_FEATURES]
    others = [c for c in model.constant_features if c not in HISTORY_FEATURES]
    if others:
        shown = others if talk.level >= VERBOSE else others[:6]
        more = len(others) - len(shown)
        talk.note(
            f"{plural(len(others), 'feature')} never varied in the training data "
            f"({', '.join(shown)}{f' and {more} more' if more else ''}): a scored window "
            "where one differs ranks as rare."
        )
    days = summary.days if summary is not None else 0.0
    note = history_note(history, days, limit=None if talk.level >= VERBOSE else 6)
    if note is not None:
        is_warning, text = note
        (talk.warn if is_warning else talk.note)(text)


def _day(ns: int) -> str:
    """Write a time in ns since the epoch as its UTC day."""
    return datetime.datetime.fromtimestamp(ns / 1e9, tz=datetime.UTC).strftime("%Y-%m-%d")


@main.command("score")
@_log_paths(option=False)
@click.option(
    "--model-dir",
    type=click.Path(file_okay=False, path_type=str),
    default="models",
    show_default=True,
    help="Directory of a model written by 'anomaly train'.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=str),
    default=None,
    help="Write every scored actor-window to this file (.csv, .jsonl or .parquet), or the "
    "alerts as OCSF findings with --format ocsf.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl", "parquet", "ocsf"]),
    metavar="FORMAT",
    default=None,
    help="Format of --output: the scores as csv, jsonl or parquet, or ocsf (one OCSF "
    "Detection Finding per alert, JSON lines; docs/scores.md) [default: the extension's].",
)
@click.option(
    "--report",
    "report_dir",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Write a triage report to this directory: report.html (self-contained) and "
    "report.md, one card per alert.",
)
@click.option(
    "--suppress",
    "suppress_path",
    type=click.Path(exists=True, dir_okay=False, path_type=str),
    default=None,
    help="Suppression rules (TOML, docs/triage.md): alerts they match keep their row, with "
    "the rule's id in suppressed_by, and leave the alert count and the triage list.",
)
@click.option(
    "--top",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Alerts shown in the terminal table (0: no table).",
)
@click.option(
    "--state",
    "state_dir",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Carry the actors' history forward in this directory (created on the first run): "
    "scoring day by day then gives the scores of the whole period at once. Each run must "
    "hold later windows than the one before.",
)
@_threshold_options
@_reader_options
@_talk_options
def score_command(
    logs: tuple[str, ...],
    model_dir: str,
    output: str | None,
    fmt: str | None,
    report_dir: str | None,
    suppress_path: str | None,
    top: int,
    state_dir: str | None,
    alert_rate: float | None,
    threshold: float | None,
    strict: bool,
    rejects_path: str | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Score every actor-window of audit logs; show and write explained alerts.

    score is in [0, 1], higher = more anomalous: the share of training windows
    that scored lower.  Alerts have a severity by score (low, medium from 0.95,
    high from 0.99, critical from 0.999); other windows have none.  The table of
    top alerts goes to stdout; counts, warnings and messages go to stderr.  A
    warning says when the records are not what the model was trained on.  With
    --report, a triage report (one card per alert) is written too.  A folder in
    LOGS is read for its Parquet files (Tailpipe's data directory); its other files
    are named in a warning, not read.
    """
    _check_exclusive(alert_rate, threshold)
    fmt = _output_format(output, fmt)
    rules = _suppression_rules(suppress_path)
    _check_score_outputs(logs, model_dir, output, rejects_path, state_dir, report_dir)
    with _talk(quiet, verbose) as talk:
        talk.stage("Loading libraries")
        tune_process_memory()
        from pipes_anomaly.io.model_dir import lock_history_dir

        with lock_history_dir(state_dir) if state_dir else contextlib.nullcontext():
            model, history = _load_for_scoring(model_dir, state_dir, talk)
            cut = model.threshold_for(alert_rate=alert_rate, threshold=threshold)
            result = _read_logs(list(logs), strict=strict, rejects_path=rejects_path, talk=talk)
            after = None  # what the records must follow, with --state
            if state_dir is not None:
                after = (
                    f"the history carried in {state_dir}"
                    if history
                    else ("the model's training period (where a new history starts)")
                )
            details = report_dir is not None or fmt == "ocsf"
            scored = _score(
                result.events,
                model,
                (threshold, alert_rate),
                top,
                after,
                talk,
                details=details,
                earlier=(history["windows"], history["alerts"]) if history else (0, 0),
            )
            suppression = _suppress(scored.scores, rules, talk)
            scores = scored.scores if suppression is None else suppression.scores
            silenced = suppression.n_suppressed if suppression is not None else 0
            misfit = _report_scores(
                scores, result.events, model, cut, model_dir, silenced, talk,
                carried=state_dir is not None,
            )  # fmt: skip
            if output is not None:
                _write_scores(scores, scored, output, fmt, cut, talk)
            if report_dir is not None:
                _write_triage(report_dir, scores, scored, result, cut, rules, suppression, talk,
                              source=f"Scored {', '.join(logs)} with the model in {model_dir} "
                              f"({model.window} windows).")  # fmt: skip
            if state_dir is not None:
                # only a run whose alerts an alert budget capped counts towards that cap
                rate = alert_rate if alert_rate is not None else model.alert_rate
                budgeted = scored.scores if threshold is None and rate is not None else None
                _carry_forward(state_dir, model, history, result.events, budgeted, talk)
    _print_alerts(scores, top, silenced)
    if misfit and top > 0 and int(scores["alert"].sum()) > silenced:
        click.echo(
            f"Warning: the model in {model_dir} does not know these records (see above): the "
            "alerts rank how unlike its training data they are.",
            err=True,
        )


def _check_score_outputs(
    logs: tuple[str, ...],
    model_dir: str,
    output: str | None,
    rejects_path: str | None,
    state_dir: str | None,
    report_dir: str | None,
) -> None:
    """Refuse, before any work, outputs of ``score`` that cannot or must not be written."""
    if state_dir is not None and (_inside(state_dir, model_dir) or _inside(model_dir, state_dir)):
        raise click.BadParameter(
            f"{state_dir} and --model-dir {model_dir} must be apart: the history is written "
            "beside the model, never into it",
            param_hint="'--state'",
        )
    _check_outputs(
        list(logs),
        [("--output", output), *_rejects_outputs(rejects_path), *_report_outputs(report_dir)],
        replaced=("--state", state_dir) if state_dir is not None else None,
    )


def _load_for_scoring(
    model_dir: str, state_dir: str | None, talk: Talk
) -> tuple[TrainedModel, dict | None]:
    """Load the model, carrying the history of ``state_dir`` when it holds one."""
    from pipes_anomaly.io.model_dir import load_history, load_model
    from pipes_anomaly.pipeline import ModelError

    talk.stage(f"Loading the model in {model_dir}")
    try:
        model = load_model(model_dir)
        loaded = load_history(state_dir, model) if state_dir is not None else None
    except ModelError as exc:
        raise click.ClickException(str(exc)) from exc
    if loaded is None:
        if state_dir is not None:
            talk.say(f"Starting a history in {state_dir} from the model's training period.")
        return model, None
    model, history = loaded
    talk.say(
        f"Carrying on the history in {state_dir} (records to {history['last_record']}, "
        f"{plural(history['runs'], 'run')})."
    )
    return model, history


def _score(
    events: Any,
    model: TrainedModel,
    asked: tuple[float | None, float | None],
    top: int,
    after: str | None,
    talk: Talk,
    *,
    details: bool,
    earlier: tuple[int, int],
) -> Any:
    """Score the events (all after the history ``after`` names, when given).

    ``asked`` is the ``--threshold`` and ``--alert-rate`` given (None when not), so that a
    budget keeps its cap on the share of scored windows that alert, counting the
    ``earlier`` windows scored and alerted in the history; ``details`` keeps what the
    triage cards and OCSF findings show.
    """
    from pipes_anomaly.pipeline import (
        ModelError,
        check_after_history,
        check_windows_ended,
        score_windows,
    )

    try:
        if after is not None:
            check_after_history(model, events, history=after)
            check_windows_ended(model, events, datetime.datetime.now(datetime.UTC))
        threshold, alert_rate = asked
        return score_windows(
            events,
            model,
            threshold=threshold,
            alert_rate=alert_rate,
            evidence_top=top,
            stages=talk.stage,
            details=details,
            earlier=earlier,
        )
    except ModelError as exc:
        raise click.ClickException(str(exc)) from exc


def _report_scores(
    scores: Any,
    events: Any,
    model: TrainedModel,
    cut: float,
    model_dir: str,
    silenced: int,
    talk: Talk,
    *,
    carried: bool = False,
) -> bool:
    """Say what was scored; warn, and return True, when the records are not what it knows.

    ``carried``: a history is carried forward, so the alert cap spans all of its runs.
    """
    from pipes_anomaly.fit import fit_advice

    talk.end_stage()
    n_alerts = int(scores["alert"].sum())
    suppressed = f", {silenced:,} suppressed" if silenced else ""
    held = int((scores["score"] > cut).sum()) - n_alerts
    capped = (
        f"; {plural(held, 'more window')} above the threshold held back "
        f"by the alert budget's cap on {'the history' if carried else 'this run'}'s windows "
        "(`--threshold` alerts on every one)"
        if held
        else ""
    )
    talk.say(
        f"Scored {plural(len(scores), 'actor-window')} ({model.window}); "
        f"{plural(n_alerts, 'alert')} (score > {cut:.4f}){suppressed}{capped}."
    )
    warnings = model.fit_warnings(events, scores, threshold=cut)
    if not warnings or model.training is None:
        talk.detail("The records look like the model's training data.")
        return False
    advice = fit_advice(warnings, model_dir=model_dir, summary=model.training)
    if [w.kind for w in warnings] == ["alerts"]:
        talk.warn(f"{warnings[0].text}.\n  What to do: {advice}")
        return False
    foreign = any(w.foreign for w in warnings)
    lines = "\n".join(f"  - {w.text};" for w in warnings)
    if foreign:
        head = "these records are not what the model in {} knows"
    elif {w.kind for w in warnings} <= {"gap", "cut_short", "alerts"}:
        head = "these records may be incomplete for the model in {}"
    else:
        head = "the model in {} does not fit these records"
    talk.warn(f"{head.format(model_dir)}:\n{lines}\n  What to do: {advice}")
    return foreign


def _carry_forward(
    state_dir: str,
    model: TrainedModel,
    history: dict | None,
    events: Any,
    budgeted: Any,
    talk: Talk,
) -> None:
    """Write the history carried on through the scored events into ``state_dir``.

    ``budgeted`` is the run's scores when an alert budget chose its alerts (None for a
    ``--threshold``): only such runs count towards the cap that later runs share.
    """
    from pipes_anomaly.io.model_dir import save_history
    from pipes_anomaly.pipeline import ModelError, continue_history

    talk.stage(f"Writing the history to {state_dir}")
    first = events["created_at"].min() if history is None else history["first_record"]
    try:
        save_history(
            state_dir,
            continue_history(model, events),
            first_ns=_ns(first),
            runs=(history["runs"] if history else 0) + 1,
            records=(history["records"] if history else 0) + len(events),
            windows=(history["windows"] if history else 0)
            + (0 if budgeted is None else len(budgeted)),
            alerts=(history["alerts"] if history else 0)
            + (0 if budgeted is None else int(budgeted["alert"].sum())),
        )
    except ModelError as exc:
        raise click.ClickException(str(exc)) from exc
    talk.end_stage()
    talk.say(f"History carried forward in {state_dir}.")


def _ns(time: object) -> int:
    """Return a time (a timestamp, or ISO 8601 text) in ns since the epoch."""
    import pandas as pd

    return int(pd.Timestamp(time).value)


def _print_alerts(scores: Any, top: int, silenced: int) -> None:
    """Print the table of top alerts not suppressed on stdout (or say there are none)."""
    from rich.console import Console

    from pipes_anomaly import report

    if top <= 0:
        return
    if not int(scores["alert"].sum()) - silenced:
        click.echo("No alerts.", err=True)
        return
    # a terminal sets its own width; a pipe or file gets wide rows, not 80 columns
    console = Console() if sys.stdout.isatty() else Console(width=160)
    console.print(report.alerts_table(scores, top=top))


def _output_format(output: str | None, fmt: str | None) -> str | None:
    """Check ``--output`` and ``--format`` before any work; return the format to write."""
    from pipes_anomaly import io as pio

    if output is None:
        if fmt is not None:
            raise click.UsageError("--format needs --output FILE")
        return None
    try:
        return pio.check_scores_path(output, fmt)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--output'") from exc


def _suppression_rules(path: str | None) -> list:
    """Read and check ``--suppress`` before any work (an error names file, rule and field)."""
    if path is None:
        return []
    from pipes_anomaly.suppress import SuppressionError, load_rules

    try:
        return load_rules(path)
    except SuppressionError as exc:
        raise click.BadParameter(str(exc), param_hint="'--suppress'") from exc


def _rejects_outputs(rejects_path: str | None) -> list[tuple[str, str | None]]:
    """List the files ``--rejects`` writes: its lines and, beside them, why each was rejected."""
    if rejects_path is None:
        return []
    if rejects_path == "-":
        raise click.BadParameter(
            "give a file: the rejected lines are data, not messages (for the terminal, "
            "/dev/stdout)",
            param_hint="'--rejects'",
        )
    return [("--rejects", rejects_path), ("--rejects", _reasons_path(rejects_path))]


def _report_outputs(report_dir: str | None) -> list[tuple[str, str]]:
    """List the files ``--report DIR`` writes, for the checks made before any work."""
    from pipes_anomaly.io.report import REPORT_FILES

    if report_dir is None:
        return []
    return [("--report", str(Path(report_dir) / name)) for name in REPORT_FILES]


def _suppress(scores: Any, rules: list, talk: Talk) -> Any:
    """Apply the suppression rules (judged on today's UTC date); say which fired or expired."""
    if not rules:
        return None
    from pipes_anomaly.suppress import apply_rules

    today = datetime.datetime.now(datetime.UTC).date()
    outcome = apply_rules(scores, rules, today=today)
    for rule_id, n in outcome.fired.items():
        talk.say(f"Suppression rule {rule_id}: {plural(n, 'alert')} suppressed.")
    for rule in outcome.expired:
        talk.warn(
            f"suppression rule {rule.id} expired on {rule.expires.isoformat()} and suppressed "
            "nothing: renew its date or remove it."
        )
    return outcome


def _write_scores(
    scores: Any, scored: Any, output: str, fmt: str | None, cut: float, talk: Talk
) -> None:
    """Write ``--output``: the scores, or the alerts as OCSF findings."""
    from pipes_anomaly import io as pio

    talk.stage(f"Writing {output}")
    if fmt == "ocsf":
        from pipes_anomaly.ocsf import detection_findings

        findings = detection_findings(scores, scored.reasons, scored.evidence, threshold=cut)
        pio.write_findings(findings, output)
        talk.end_stage()
        talk.say(f"Wrote {plural(len(findings), 'OCSF finding')} to {output}.")
        return
    pio.write_scores(scores, output, fmt)
    talk.end_stage()
    talk.say(f"Wrote scores to {output}.")


def _write_triage(
    report_dir: str,
    scores: Any,
    scored: Any,
    result: ReadResult,
    cut: float,
    rules: list,
    suppression: Any,
    talk: Talk,
    *,
    source: str,
) -> None:
    """Write the triage report of a scoring run."""
    import pandas as pd

    from pipes_anomaly import io as pio
    from pipes_anomaly.triage import REJECTS_SHOWN, TriageData

    rejects = pd.DataFrame(
        [(r.source, r.line, r.field or "line", r.reason) for r in result.rejects[:REJECTS_SHOWN]],
        columns=["source", "line", "field", "reason"],
    )
    data = TriageData(
        scores=scores,
        reasons=scored.reasons,
        evidence=scored.evidence,
        threshold=cut,
        files=result.stats.to_frame(),
        rejects=rejects,
        source=source,
        rules=rules,
        suppression=suppression,
    )
    talk.stage(f"Writing the triage report to {report_dir}")
    pio.write_triage_report(report_dir, data)
    talk.end_stage()
    talk.say(f"Triage report written to {Path(report_dir)}/report.html and report.md.")


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
    "--triage",
    "triage_dir",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="The triage report of the same scores ('anomaly score --report DIR'): the "
    "evaluation report lists the alerts with their truth and a link to each card. Refused "
    "when an alert has no card there.",
)
@click.option(
    "--budget",
    "budgets",
    type=click.FloatRange(0, 1, min_open=True),
    multiple=True,
    help="Investigation budget as a fraction of windows (repeatable; default 0.001 0.01 0.05 0.1).",
)
def evaluate_command(
    scores: str,
    labels_dir: str,
    report_dir: str | None,
    triage_dir: str | None,
    budgets: tuple[float, ...],
) -> None:
    """Evaluate scores against the labels of a generated world.

    SCORES is a file written by 'anomaly score' (.csv, .jsonl or .parquet). A window
    is labelled when any of its records belongs to an injected incident. Prints
    precision/recall at the alert flag, PR-AUC, ROC-AUC, recall within investigation
    budgets, recall per scenario and false alerts on benign look-alikes.  With
    --triage, the report also lists the alerts with a link to their triage cards.
    Scores that share no actor or no day with the world of the labels are refused.
    """
    tune_process_memory()
    from rich.console import Console

    from pipes_anomaly import evaluation as ev
    from pipes_anomaly import io as pio
    from pipes_anomaly import report
    from pipes_anomaly._text import visible
    from pipes_anomaly.io.report import REPORT_FILES

    if triage_dir is not None and report_dir is None:
        raise click.UsageError("--triage links the evaluation report to the cards: give --report")
    if report_dir is not None:
        names = (*REPORT_FILES, *report.EVALUATION_PLOTS)
        _check_outputs([scores], [("--report", str(Path(report_dir) / n)) for n in names])
    try:
        labels = pio.read_labels(labels_dir)
        frame = pio.read_scores(scores)
    except pio.LabelsError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        result = ev.evaluate(frame, labels, budgets=budgets or ev.DEFAULT_BUDGETS)
    except ev.LabelsMismatchError as exc:
        raise click.ClickException(f"{scores} and the labels in {labels_dir}: {exc}") from exc
    except ev.EvaluationError as exc:
        raise click.ClickException(f"{scores}: {exc}") from exc
    if triage_dir is not None:
        _check_triage(triage_dir, scores, result)

    console = Console()
    for table in report.evaluation_rich_tables(result):
        console.print(table)
    for note in result.notes:
        click.echo(f"Note: {visible(note)}", err=True)
    if report_dir is not None:
        source = f"Scores: {scores} · labels: {labels_dir}"
        cards = _card_links(report_dir, triage_dir)
        n_plots = pio.write_report(report_dir, result, source=source, cards=cards)
        click.echo(
            f"Report written to {Path(report_dir)}/report.md, report.html and {n_plots} plots."
        )


def _check_triage(triage_dir: str, scores: str, result: Any) -> None:
    """Refuse a triage report not made from these scores: a card to link to is not in it."""
    from pipes_anomaly import report, triage
    from pipes_anomaly._text import visible
    from pipes_anomaly.io.report import REPORT_FILES

    cards = report.alert_cards(result)
    wanted = set(cards["anchor"])
    fix = (
        f"give --triage the directory 'anomaly score --report' wrote with {scores}, or leave "
        "--triage out"
    )
    for name in REPORT_FILES:
        page = Path(triage_dir) / name
        try:
            found = triage.card_anchors(page.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise click.BadParameter(
                f"{page} cannot be read ({reason}): it is not a triage report; {fix}",
                param_hint="'--triage'",
            ) from exc
        missing = cards[~cards["anchor"].isin(found)]
        if len(missing) or (found and not found & wanted):
            what = (
                f"{len(missing):,} of the {len(cards):,} alerts of {scores} have no card in "
                f"{page} (the first: {visible(missing['actor'].iloc[0])}, window "
                f"{missing['window (UTC)'].iloc[0]} UTC)"
                if len(missing)
                else f"none of the {len(found):,} cards in {page} is an alert of {scores}"
            )
            raise click.BadParameter(
                f"{triage_dir} is not the triage report of these scores: {what}; {fix}",
                param_hint="'--triage'",
            )


def _card_links(report_dir: str, triage_dir: str | None) -> Any:
    """Where the triage report's pages are, relative to the evaluation report."""
    if triage_dir is None:
        return None
    from pipes_anomaly.report import CardLinks

    rel = os.path.relpath(Path(triage_dir).absolute(), Path(report_dir).absolute())
    rel = Path(rel).as_posix()
    return CardLinks(html=f"{rel}/report.html", markdown=f"{rel}/report.md")


# ------------------------------------------------------------------ outputs, checked first


def _same_file(a: str, b: str) -> bool:
    """Whether two paths name one file (hard and symbolic links included)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _inside(path: str, directory: str) -> bool:
    """Whether ``path`` is ``directory`` or lies under it."""
    d = os.path.realpath(directory)
    return os.path.commonpath([os.path.realpath(path), d]) == d


def _check_writable(path: str | Path) -> None:
    """Refuse, before any work, an output whose folder (or nearest existing one) is unusable.

    A device or pipe is written in place, so its own permission counts, not its folder's.
    """
    if written_in_place(path):
        if not os.access(path, os.W_OK):
            raise click.ClickException(f"cannot write {path}: permission denied")
        return
    folder = Path(path).absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise click.ClickException(f"cannot write {path}: {folder} is not a directory")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise click.ClickException(f"cannot write {path}: {folder} is not writable")


def _check_outputs(
    inputs: Sequence[str],
    outputs: Sequence[tuple[str, str | None]],
    *,
    replaced: tuple[str, str] | None = None,
) -> None:
    """Refuse outputs that would replace an input or each other, or cannot be written.

    ``outputs`` pairs an option with a file it names; ``replaced`` pairs an option with a
    directory replaced whole (``--model-dir``, ``--state``), so it may not hold an input or
    another output.
    """
    named = [(o, p) for o, p in outputs if p is not None and p != "-"]
    files = [p for p in inputs if p != "-"]
    for i, (option, path) in enumerate(named):
        hint = f"'{option}'"
        for src in files:
            if _same_file(path, src):
                raise click.BadParameter(
                    f"{path} is also an input: writing it would replace that input; "
                    "choose another file",
                    param_hint=hint,
                )
        for other, earlier in named[:i]:
            if other != option and _same_file(path, earlier):
                raise click.BadParameter(f"{path} is also given to {other}", param_hint=hint)
        if replaced is not None and _inside(path, replaced[1]):
            raise click.BadParameter(
                f"{path} is inside {replaced[0]} {replaced[1]}, which is replaced whole",
                param_hint=hint,
            )
        _check_writable(path)
    if replaced is not None:
        option, directory = replaced
        what = "a model directory" if option == "--model-dir" else "a history directory"
        for src in files:
            if _inside(src, directory):
                raise click.BadParameter(
                    f"{directory} holds the input {src}, and {what} is replaced whole; "
                    "choose another directory",
                    param_hint=f"'{option}'",
                )
        _check_writable(Path(directory) / "manifest.json")
