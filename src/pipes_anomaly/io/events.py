"""Read Pipes audit records into the events frame, counting every record read.

Inputs: JSON lines (plain or gzip), a JSON array, Parquet, standard input. Every record read
is accepted, rejected (with file, line, field and reason, and the line kept verbatim) or a
duplicate: ``read == accepted + rejected + duplicates`` per file.
"""

from __future__ import annotations

import gzip
import io as _io
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipes_anomaly.io._duckdb import (
    try_duckdb,
)
from pipes_anomaly.io._frame import (
    assemble_events,
)
from pipes_anomaly.io._jsonl import (
    read_json_array,
    read_lines_stream,
)
from pipes_anomaly.io._parquet import (
    read_parquet,
)
from pipes_anomaly.io._records import (
    MAX_LINE_BYTES,
    Block,
    InputError,
    Reject,
)


@dataclass(frozen=True)
class FileStats:
    """Counts for one input: ``read == accepted + rejected + duplicates``."""

    source: str
    read: int
    accepted: int
    rejected: int
    duplicates: int


@dataclass(frozen=True)
class ReadStats:
    """Per-file counts and their totals."""

    files: tuple[FileStats, ...]

    @property
    def read(self) -> int:
        """Records (non-blank lines, array elements, Parquet rows) read."""
        return sum(f.read for f in self.files)

    @property
    def accepted(self) -> int:
        """Records in the events frame."""
        return sum(f.accepted for f in self.files)

    @property
    def rejected(self) -> int:
        """Records rejected (see ``ReadResult.rejects``)."""
        return sum(f.rejected for f in self.files)

    @property
    def duplicates(self) -> int:
        """Records dropped because their id was already read."""
        return sum(f.duplicates for f in self.files)

    def to_frame(self) -> pd.DataFrame:
        """Return one row per file plus a ``total`` row."""
        rows = [vars(f) for f in self.files]
        rows.append(
            {
                "source": "total",
                "read": self.read,
                "accepted": self.accepted,
                "rejected": self.rejected,
                "duplicates": self.duplicates,
            }
        )
        return pd.DataFrame(rows)


@dataclass
class ReadResult:
    """Output of :func:`read_events`."""

    events: pd.DataFrame
    stats: ReadStats
    rejects: list[Reject] = field(default_factory=list)


_SNIFF_BYTES = 1 << 16  # leading bytes read to tell a JSON array from JSON lines
_PARQUET_MAGIC = b"PAR1"  # at both ends of a Parquet file


def _open_input(path: str | Path) -> tuple[str, _io.BufferedIOBase | bytes, str]:
    """Return (source name, stream, kind) with kind in jsonl, array, parquet."""
    if str(path) == "-":
        raw = sys.stdin.buffer.read()
        kind = "array" if raw.lstrip()[:1] == b"[" else "jsonl"
        return "<stdin>", raw, kind
    p = Path(path)
    if not p.is_file():
        raise InputError(str(path), None, None, "no such file")
    with open(p, "rb") as fh:
        head = fh.read(4)
        size = fh.seek(0, _io.SEEK_END)
        fh.seek(max(size - 4, 0))
        tail = fh.read(4)
    if head == _PARQUET_MAGIC and tail == _PARQUET_MAGIC and size >= 3 * len(_PARQUET_MAGIC):
        return str(path), b"", "parquet"
    if head[:2] == b"\x1f\x8b":
        return str(path), gzip.open(p, "rb"), "jsonl"
    fh = open(p, "rb")  # closed by the caller
    first = fh.read(_SNIFF_BYTES).lstrip()[:1]
    fh.seek(0)
    if first == b"[":
        data = fh.read()
        fh.close()
        return str(path), data, "array"
    return str(path), fh, "jsonl"


def read_events(
    paths: str | Path | Sequence[str | Path],
    *,
    strict: bool = False,
    max_line_bytes: int = MAX_LINE_BYTES,
    progress: Callable[[int], None] | None = None,
    use_duckdb: bool = True,
) -> ReadResult:
    """Read Pipes audit records into the events frame (docs/design.md section 2).

    Parameters
    ----------
    paths : str, Path or sequence of them
        Inputs: JSON lines (``.jsonl``, gzip-compressed detected by content), a JSON array
        file, Parquet (also Tailpipe's ``pipes_audit_log``, where ``data`` is a JSON string and
        ``created_at`` a timestamp without zone, read as UTC), or ``"-"`` for standard input.
    strict : bool, default False
        Raise :class:`InputError` at the first bad record instead of rejecting it.
    max_line_bytes : int, default MAX_LINE_BYTES
        Longer lines are rejected.
    progress : callable, optional
        Called with the number of bytes just read (JSON lines inputs), e.g. to advance a bar.
    use_duckdb : bool, default True
        Parse a JSON-lines file with DuckDB where nothing is in doubt (else, and when False,
        with Arrow block by block); the result is the same either way.

    Returns
    -------
    ReadResult
        ``events`` sorted by ``created_at`` then ``id`` (duplicate ids dropped, first kept),
        ``stats`` with ``read == accepted + rejected + duplicates`` per file, and ``rejects``
        (file, line, field, reason and the verbatim line).

    Raises
    ------
    InputError
        A file that is missing or unreadable as a whole (a malformed JSON array in a
        ``.json`` file, broken Parquet), no records at all, or with ``strict=True`` the first
        bad record.  Any other file that starts with ``[`` but is not one JSON array is read
        as JSON lines, so its bad lines are rejected one by one.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    rejects: list[Reject] = []
    blocks: list[Block] = []
    per_file: list[tuple[str, int, int]] = []  # source, read, rejected
    for path in paths:
        n_rej_before = len(rejects)
        source, file_blocks, n_read = _read_input(
            path,
            strict=strict,
            max_line_bytes=max_line_bytes,
            progress=progress,
            use_duckdb=use_duckdb,
            rejects=rejects,
        )
        blocks.extend(file_blocks)
        per_file.append((source, n_read, len(rejects) - n_rej_before))
    total_read = sum(r for _, r, _ in per_file)
    if total_read == 0:
        names = ", ".join(s for s, _, _ in per_file) or "(no inputs)"
        raise InputError(names, None, None, "empty input: no records to read")
    events, dup_per_source = assemble_events(blocks)
    rejects.sort(key=lambda r: (r.source, r.line))
    return ReadResult(events, ReadStats(_file_stats(per_file, dup_per_source)), rejects)


def _read_input(
    path: str | Path,
    *,
    strict: bool,
    max_line_bytes: int,
    progress: Callable[[int], None] | None,
    use_duckdb: bool,
    rejects: list[Reject],
) -> tuple[str, list[Block], int]:
    """Read one input of any kind; return its source name, blocks and records read."""
    source, stream, kind = _open_input(path)
    if kind == "array":
        assert isinstance(stream, bytes)
        try:
            blocks, n_read = read_json_array(stream, source, strict=strict, rejects=rejects)
            return source, blocks, n_read
        except InputError:
            # a `.json` file is meant as one array: say it is broken; anything else that
            # merely starts with "[" is read as JSON lines, so every line is either used
            # or rejected with its number (a JSON-lines file whose first line is junk)
            if source.lower().endswith(".json"):
                raise
    if kind == "parquet":
        blocks, n_read = read_parquet(Path(path), source, strict=strict, rejects=rejects)
        return source, blocks, n_read
    if use_duckdb and not isinstance(stream, bytes):  # a regular file, plain or gzip
        fast, stream, progress = try_duckdb(
            Path(path), source, stream, max_line_bytes=max_line_bytes, progress=progress
        )
        if fast is not None:
            return source, *fast
    fh = _io.BytesIO(stream) if isinstance(stream, bytes) else stream
    try:
        blocks, n_read = read_lines_stream(
            fh,
            source,
            strict=strict,
            max_line_bytes=max_line_bytes,
            rejects=rejects,
            progress=progress,
        )
    finally:
        fh.close()
    return source, blocks, n_read


def _file_stats(
    per_file: list[tuple[str, int, int]], dup_per_source: dict[str, int]
) -> tuple[FileStats, ...]:
    """Return the counts per input from (source, read, rejected) and duplicates per source."""
    stats = []
    for source, n_read, n_rej in per_file:
        dups = dup_per_source.get(source, 0)
        dup_per_source[source] = 0  # the same source listed twice counts once
        stats.append(FileStats(source, n_read, n_read - n_rej - dups, n_rej, dups))
    return tuple(stats)
