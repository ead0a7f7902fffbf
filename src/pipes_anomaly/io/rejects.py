"""Write rejected input lines, verbatim, and why each was rejected, for the analyst."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from pipes_anomaly.io._atomic import atomic_file
from pipes_anomaly.io._records import Reject
from pipes_anomaly.io.scores import csv_text


def write_rejects(rejects: Iterable[Reject], path: str | Path) -> int:
    """Write rejected records as their input holds them, one per line, to ``path``.

    Every reject is one line: a damaged compressed stream's is what was decoded of its last
    line (empty when the damage falls between lines); a JSON document's record has its line breaks
    turned into spaces; a Parquet row is a JSON object of all its columns.

    Parameters
    ----------
    rejects : iterable of Reject
        Usually ``ReadResult.rejects``.
    path : str or Path
        Output file, replaced whole once every line is written (missing parent directories
        are created).

    Returns
    -------
    int
        Number of lines written.

    Raises
    ------
    OutputError
        When the file cannot be written; the previous file, if any, is left as it was.
    """
    n = 0
    with atomic_file(path) as fh:
        for r in rejects:
            fh.write(r.raw.rstrip(b"\n") + b"\n")
            n += 1
    return n


def write_reject_reasons(rejects: Iterable[Reject], path: str | Path) -> int:
    """Write why each record was rejected: a CSV row per reject, in the order of the rejects.

    Columns ``source``, ``line``, ``field`` (empty for a line that is not a record) and
    ``reason``; the n-th row explains the n-th line of :func:`write_rejects`.  Cells are
    escaped like the scores CSV (:func:`pipes_anomaly.io.scores.csv_text`).

    Parameters
    ----------
    rejects : iterable of Reject
        Usually ``ReadResult.rejects``.
    path : str or Path
        Output file, replaced whole once every row is written.

    Returns
    -------
    int
        Number of rows written.

    Raises
    ------
    OutputError
        When the file cannot be written; the previous file, if any, is left as it was.
    """
    frame = pd.DataFrame(
        [(r.source, r.line, r.field or "", r.reason) for r in rejects],
        columns=["source", "line", "field", "reason"],
    )
    with atomic_file(path) as fh:
        fh.write(csv_text(frame).encode("utf-8"))
    return len(frame)
