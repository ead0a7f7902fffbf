"""Write and read scores files (CSV, JSON lines, Parquet) and OCSF findings (JSON lines).

docs/scores.md describes every field of each format.

A file is written whole or not at all (:mod:`pipes_anomaly.io._atomic`).  In CSV, the
control characters of a text cell are made visible and its backslashes doubled, a cell that a
spreadsheet could run as a formula is neutralised with a leading ``'``
(:func:`pipes_anomaly._text.csv_cells`; both what :func:`read_scores` undoes) and every cell
holding a separator or quote is quoted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pipes_anomaly._text import csv_cells, csv_uncells, json_line
from pipes_anomaly.io._atomic import atomic_file, written_in_place
from pipes_anomaly.io.labels import LabelsError
from pipes_anomaly.schema import SCORE_COLUMNS

#: Columns of the scores that are not text; every other column of the schema is read as
#: text, so an empty cell stays empty and a handle such as ``NA`` stays a handle.
_NOT_TEXT = frozenset({"n_events", "score", "iforest_score", "lof_score", "alert"})

#: Extensions ``write_scores`` accepts.
SCORE_EXTENSIONS: tuple[str, ...] = (".csv", ".jsonl", ".parquet")
#: Output formats: the scores as CSV, JSON lines or Parquet, or the alerts as OCSF Detection
#: Findings (JSON lines, :func:`write_findings`).
SCORE_FORMATS: tuple[str, ...] = ("csv", "jsonl", "parquet", "ocsf")


def check_scores_path(path: str | Path, fmt: str | None = None) -> str:
    """Return the format of a scores output: the one asked for, or the extension's.

    Parameters
    ----------
    path : str or Path
    fmt : str, optional
        One of :data:`SCORE_FORMATS`; without it the extension decides.

    Returns
    -------
    str
        ``"csv"``, ``"jsonl"``, ``"parquet"`` or ``"ocsf"``.

    Raises
    ------
    ValueError
        Without ``fmt``, for an extension other than :data:`SCORE_EXTENSIONS` (a device or
        pipe such as ``/dev/stdout``, written in place, needs ``fmt``); with it, for one of
        those extensions that names another format (``.jsonl`` suits OCSF too). Checked
        before any work is done.
    """
    ext = Path(path).suffix.lower()
    if fmt is None:
        if ext not in SCORE_EXTENSIONS:
            if written_in_place(path):
                raise ValueError(
                    f"{path} is a device or pipe, whose name gives no format: name it with "
                    f"--format ({', '.join(SCORE_FORMATS)})"
                )
            raise ValueError(
                f"{path}: unknown output format {ext or '(no extension)'!r}; "
                f"use {', '.join(SCORE_EXTENSIONS)}, or name the format with --format"
            )
        return ext[1:]
    if fmt not in SCORE_FORMATS:
        raise ValueError(f"unknown output format {fmt!r}; use {', '.join(SCORE_FORMATS)}")
    if ext in SCORE_EXTENSIONS and ext[1:] != fmt and not (fmt == "ocsf" and ext == ".jsonl"):
        raise ValueError(f"{path}: the extension {ext} says {ext[1:]}, not {fmt}")
    return fmt


def _iso_utc(times: pd.Series) -> pd.Series:
    """Datetime column -> ISO 8601 UTC strings such as ``2026-02-28T00:00:00Z``."""
    t = pd.to_datetime(times, utc=True)
    return t.dt.strftime("%Y-%m-%dT%H:%M:%SZ").astype(object)


def write_scores(scores: pd.DataFrame, path: str | Path, fmt: str | None = None) -> Path:
    """Write a scores frame (docs/scores.md) as CSV, JSON lines or Parquet.

    Parameters
    ----------
    scores : DataFrame
        ``pipeline.score_events`` output.
    path : str or Path
        Output file.
    fmt : {"csv", "jsonl", "parquet"}, optional
        Default: the extension's (see :func:`check_scores_path`).

    Returns
    -------
    Path
        The written file (missing parent directories are created).

    Raises
    ------
    OutputError
        When the file cannot be written; the previous file, if any, is left as it was.
    """
    fmt = check_scores_path(path, fmt)
    if fmt == "ocsf":
        raise ValueError("OCSF findings are written by write_findings")
    p = Path(path)
    if fmt == "parquet":
        with atomic_file(p) as fh:  # a file object: Arrow seeks in a pipe it opens by name
            scores.to_parquet(fh, index=False)
        return p
    out = scores.assign(**{c: _iso_utc(scores[c]) for c in ("window_start", "window_end")})
    with atomic_file(p) as fh:
        if fmt == "csv":
            fh.write(csv_text(out).encode("utf-8"))
        else:  # orjson writes NaN as null
            for rec in out.to_dict(orient="records"):
                fh.write(json_line(rec))
    return p


def write_findings(findings: Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    """Write OCSF findings (:func:`pipes_anomaly.ocsf.detection_findings`) as JSON lines.

    Parameters
    ----------
    findings : sequence of mappings
        One JSON object per line, keys in the order given.
    path : str or Path
        Output file (written whole or not at all).

    Returns
    -------
    Path

    Raises
    ------
    OutputError
        When the file cannot be written; the previous file, if any, is left as it was.
    """
    p = Path(path)
    with atomic_file(p) as fh:
        for finding in findings:
            fh.write(json_line(finding))
    return p


def csv_text(frame: pd.DataFrame, *, float_format: str | None = None) -> str:
    r"""Render a frame as CSV text that a spreadsheet opens without running any cell.

    Like ``DataFrame.to_csv(index=False, lineterminator="\n")``, except that the control
    characters of text cells are made visible (backslashes doubled) and cells starting like a
    formula are neutralised (:func:`pipes_anomaly._text.csv_cells`), so no cell can split a row or
    act on the terminal that shows the file.

    Parameters
    ----------
    frame : DataFrame
    float_format : str, optional
        Default: the shortest digits that read back as the same number, so that scores
        beyond the last training window, which differ from 1 only in their last digits,
        keep their order in the file.

    Returns
    -------
    str
    """
    texts = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c].dtype)]
    neutral = {c: csv_cells(frame[c]) for c in texts}
    changed = {c: v for c, v in neutral.items() if v is not frame[c]}
    out = frame.assign(**changed) if changed else frame
    return out.to_csv(index=False, float_format=float_format, lineterminator="\n")


#: pandas before 3 reads CSV numbers with a fast parser that may miss the last digit, which
#: ties or swaps scores beyond the training maximum; pandas 3 reads them exactly by default
#: (and deprecates the option).
_EXACT_CSV_FLOATS = (
    {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}
)


def read_scores(path: str | Path) -> pd.DataFrame:
    """Read a scores file written by ``anomaly score`` (design.md section 5).

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.jsonl`` or ``.parquet`` file.

    Returns
    -------
    DataFrame
        The file as written; window bounds stay strings for CSV/JSONL (the evaluator
        parses them); CSV text cells are restored exactly (the ``'`` and the escapes
        :func:`write_scores` added undone).

    Raises
    ------
    LabelsError
        When the file is missing, has another extension, or cannot be parsed.
    """
    p = Path(path)
    if not p.is_file():
        raise LabelsError(f"scores file not found: {p}")
    ext = p.suffix.lower()
    if ext not in SCORE_EXTENSIONS:
        raise LabelsError(
            f"{p}: unsupported scores format '{ext}' (use {', '.join(SCORE_EXTENSIONS)})"
        )
    try:
        if ext == ".csv":
            header = pd.read_csv(p, nrows=0).columns
            text = [c for c in SCORE_COLUMNS if c in header and c not in _NOT_TEXT]
            frame = pd.read_csv(
                p,
                dtype=dict.fromkeys(text, "string"),
                keep_default_na=False,
                na_values={c: [""] for c in header if c not in text},
                **_EXACT_CSV_FLOATS,
            )
            for c in frame.columns:
                if not pd.api.types.is_numeric_dtype(frame[c].dtype):
                    frame[c] = csv_uncells(frame[c])
        elif ext == ".jsonl":
            # precise floats: scores near 1 differ in their last digits, and the order of
            # the windows read back must be the order written
            frame = pd.read_json(p, lines=True, dtype=False, precise_float=True)
        else:
            frame = pd.read_parquet(p)
    except (ValueError, OSError) as exc:
        raise LabelsError(f"{p}: cannot read scores: {exc}") from exc
    return frame
