"""Write and read scores files (CSV, JSON lines, Parquet)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pandas as pd

from pipes_anomaly.io.labels import LabelsError

#: Extensions ``write_scores`` accepts.
SCORE_EXTENSIONS: tuple[str, ...] = (".csv", ".jsonl", ".parquet")


def check_scores_path(path: str | Path) -> str:
    """Return the format of a scores output path from its extension, or raise.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    str
        ``"csv"``, ``"jsonl"`` or ``"parquet"``.

    Raises
    ------
    ValueError
        For any other extension (checked before any work is done).
    """
    ext = Path(path).suffix.lower()
    if ext not in SCORE_EXTENSIONS:
        raise ValueError(
            f"{path}: unknown output format {ext or '(no extension)'!r}; "
            f"use {', '.join(SCORE_EXTENSIONS)}"
        )
    return ext[1:]


def _iso_utc(times: pd.Series) -> pd.Series:
    """Datetime column -> ISO 8601 UTC strings such as ``2026-02-28T00:00:00Z``."""
    t = pd.to_datetime(times, utc=True)
    return t.dt.strftime("%Y-%m-%dT%H:%M:%SZ").astype(object)


def write_scores(scores: pd.DataFrame, path: str | Path) -> Path:
    """Write a scores frame (docs/design.md section 5) as CSV, JSON lines or Parquet.

    Parameters
    ----------
    scores : DataFrame
        ``pipeline.score_events`` output.
    path : str or Path
        Output file; the format follows the extension (see :func:`check_scores_path`).

    Returns
    -------
    Path
        The written file.
    """
    fmt = check_scores_path(path)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        scores.to_parquet(p, index=False)
        return p
    out = scores.assign(**{c: _iso_utc(scores[c]) for c in ("window_start", "window_end")})
    if fmt == "csv":
        out.to_csv(p, index=False, float_format="%.6g", lineterminator="\n")
        return p
    with open(p, "wb") as fh:  # orjson writes NaN as null
        for rec in out.to_dict(orient="records"):
            fh.write(orjson.dumps(rec, option=orjson.OPT_SERIALIZE_NUMPY) + b"\n")
    return p


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
        parses them).

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
            frame = pd.read_csv(p, dtype={"actor_id": "string"}, keep_default_na=True)
        elif ext == ".jsonl":
            frame = pd.read_json(p, lines=True, dtype=False)
        else:
            frame = pd.read_parquet(p)
    except (ValueError, OSError) as exc:
        raise LabelsError(f"{p}: cannot read scores: {exc}") from exc
    return frame
