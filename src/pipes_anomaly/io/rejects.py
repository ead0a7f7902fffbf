"""Write rejected input lines, verbatim, for the analyst to inspect or repair."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pipes_anomaly.io._atomic import atomic_file
from pipes_anomaly.io._records import Reject


def write_rejects(rejects: Iterable[Reject], path: str | Path) -> int:
    """Write rejected lines verbatim, one per line, to ``path``.

    Stream-level rejects (a corrupt compressed tail) have no line to write and are skipped.

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
            if r.raw:
                fh.write(r.raw.rstrip(b"\n") + b"\n")
                n += 1
    return n
