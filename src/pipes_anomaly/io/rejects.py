"""Write rejected input lines, verbatim, for the analyst to inspect or repair."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pipes_anomaly.io._atomic import atomic_file
from pipes_anomaly.io._records import Reject


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
