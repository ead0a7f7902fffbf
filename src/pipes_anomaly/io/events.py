"""Read Pipes audit records into the events frame, counting every record read.

Inputs: JSON lines (plain or gzip, detected by content), JSON documents (a record, pretty-printed
or not, an array of records, Pipes API pages), Parquet, a folder of Tailpipe's Parquet files,
and streams (standard input, a FIFO, ``/dev/stdin``, ``<(cmd)``), read once, front to back.
Every record read is accepted, rejected (with file, line, field and reason, and kept verbatim)
or a duplicate: ``read == accepted + rejected + duplicates`` per file.
"""

from __future__ import annotations

import io as _io
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from pipes_anomaly._text import visible
from pipes_anomaly.io._document import BrokenDocument, read_document
from pipes_anomaly.io._duckdb import try_duckdb
from pipes_anomaly.io._frame import Conflict, assemble_events
from pipes_anomaly.io._inputs import Opened, input_files, listed, open_input, printable
from pipes_anomaly.io._jsonl import CorruptStream, iter_chunks, read_lines_stream
from pipes_anomaly.io._parquet import read_parquet
from pipes_anomaly.io._records import (
    BOM,
    MAX_LINE_BYTES,
    Block,
    InputError,
    Reject,
    shown,
)


@dataclass(frozen=True)
class FileStats:
    """Counts for one input: ``read == accepted + rejected + duplicates``.

    ``conflicts`` (part of ``rejected``) are records whose id another record holds with other
    content; ``unknown_actions`` counts the accepted records of each action type not in
    ``schema.ACTION_TYPES``.
    """

    source: str
    read: int
    accepted: int
    rejected: int
    duplicates: int
    conflicts: int = 0
    unknown_actions: Counter = field(default_factory=Counter)


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
        """Records dropped as exact copies of a record already read."""
        return sum(f.duplicates for f in self.files)

    @property
    def conflicts(self) -> int:
        """Rejected records whose id another record holds with other content."""
        return sum(f.conflicts for f in self.files)

    @property
    def unknown_actions(self) -> Counter:
        """Accepted records per action type unknown to ``schema.ACTION_TYPES``."""
        return sum((f.unknown_actions for f in self.files), Counter())

    def to_frame(self) -> pd.DataFrame:
        """Return one row per file plus a ``total`` row (``unknown_actions``: records)."""
        rows = [
            {**vars(f), "unknown_actions": f.unknown_actions.total()}
            for f in (
                *self.files,
                FileStats(
                    "total",
                    self.read,
                    self.accepted,
                    self.rejected,
                    self.duplicates,
                    self.conflicts,
                    self.unknown_actions,
                ),
            )
        ]
        return pd.DataFrame(rows)


_SHOWN_TYPES = 5  # unknown action types named in the warning


def unknown_actions_warning(stats: ReadStats) -> str | None:
    """Return the warning about action types unknown to this version of the schema, or None.

    Parameters
    ----------
    stats : ReadStats
        The counts of a read.

    Returns
    -------
    str or None
        E.g. "8 action types unknown to this version (40% of records): user.login 21%, ...;
        they are classified by their verb", the most frequent first, each type escaped for a
        terminal.
    """
    unknown = stats.unknown_actions
    if not unknown or not stats.accepted:
        return None
    top = ", ".join(
        f"{printable(a)} {n / stats.accepted:.0%}" for a, n in unknown.most_common(_SHOWN_TYPES)
    )
    more = ", ..." if len(unknown) > _SHOWN_TYPES else ""
    return (
        f"{len(unknown):,} action type{'s' if len(unknown) > 1 else ''} unknown to this "
        f"version ({unknown.total() / stats.accepted:.0%} of records): {top}{more}; they are "
        "classified by their verb"
    )


def unread_files_warning(unread: dict[str, list[str]]) -> str | None:
    """Return the warning naming the files of folder inputs that were not read, or None.

    Parameters
    ----------
    unread : dict of str to list of str
        ``ReadResult.unread``: folder -> files below it not read.

    Returns
    -------
    str or None
        E.g. "logs: 2 other files (a.jsonl, b.csv) not read: a folder is read for its
        Parquet files only; name other files to read them", one sentence per folder, each
        name escaped for a terminal.
    """
    if not unread:
        return None
    folders = "; ".join(f"{visible(d)}: {listed(names)} not read" for d, names in unread.items())
    return f"{folders}: a folder is read for its Parquet files only; name other files to read them"


_CSV_NAMES = (".csv", ".tsv", ".csv.gz", ".tsv.gz")


def _csv_header(raw: bytes) -> bool:
    """Whether a line looks like a CSV header: it opens no JSON value and holds a comma."""
    text = raw.removeprefix(BOM).lstrip()
    return text[:1] not in (b"{", b"[") and b"," in text


@dataclass
class ReadResult:
    """Output of :func:`read_events`."""

    events: pd.DataFrame
    stats: ReadStats
    rejects: list[Reject] = field(default_factory=list)
    #: Folder input -> the files below it that were not read (see :func:`read_events`).
    unread: dict[str, list[str]] = field(default_factory=dict)

    def csv_inputs(self) -> list[Reject]:
        """Return the first reject of each input that looks like CSV and had no record accepted.

        An input looks like CSV when its name ends in ``.csv`` or ``.tsv`` (gzip too) or its
        first rejected line looks like a header (it opens no JSON value and holds a comma).

        Returns
        -------
        list of Reject
            One per such input, in the order of ``stats.files``; each names file and line.
        """
        first: dict[str, Reject] = {}
        for r in self.rejects:
            first.setdefault(r.source, r)
        out = []
        for f in self.stats.files:
            r = first.get(f.source)
            if r is None or f.accepted or r in out:
                continue
            if f.source.lower().endswith(_CSV_NAMES) or _csv_header(r.raw):
                out.append(r)
        return out


def read_events(
    paths: str | Path | Sequence[str | Path],
    *,
    strict: bool = False,
    max_line_bytes: int = MAX_LINE_BYTES,
    progress: Callable[[int], None] | None = None,
    use_duckdb: bool = True,
) -> ReadResult:
    """Read Pipes audit records into the events frame (docs/design.md section 2).

    What a record is, on every path (so that its verdict depends on it alone):

    - JSON: RFC 8259, as orjson reads it, plus what DuckDB's and Arrow's parsers also take,
      outside strings: ``NaN``, ``Inf``, ``Infinity`` in any letter case, with or without
      ``-``; numbers of any size; a comma before ``]`` or ``}``; nesting of any depth. Each
      such token is read as a number (so it is still no string where one belongs).
    - One JSON object with ``id``, ``action_type``, ``created_at`` and ``actor_id`` or
      ``actor_handle``, these and the other kept fields strings or null (``data`` an
      object, or a JSON string of one, as Tailpipe stores it).
    - ``created_at`` and ``data.created_at`` RFC 3339 date-times (``T`` or a space, zone
      ``Z`` or an offset; without a zone, UTC) from 1677-09-21T00:12:43.145224193Z to
      2262-04-11T23:47:16.854775807Z, what pandas holds; ``now`` or ``2026`` are not times.
      In Parquet a timestamp of any unit and zone is read, in that range; numbers are not.
    - In Parquet's typed columns an id stored as a number is read as its text; ``data.role``
      and ``data.visibility`` of another type than text reject their row, as in JSON.

    A record whose id was read before with the same values in every kept field is a
    duplicate; records that share an id but differ are all rejected (field ``id``) and
    counted as ``conflicts``: tampering or corruption, and none of the versions is trusted.

    Parameters
    ----------
    paths : str, Path or sequence of them
        Inputs: JSON lines (``.jsonl``, gzip detected by content); a JSON document (one
        record, pretty-printed or not, an array of records, Pipes API pages
        ``{"items": [...], "next_token": ...}``, or several of these one after another; a
        record's line is the line where it starts); Parquet (Tailpipe's ``pipes_audit_log``,
        where ``data`` is a JSON string and ``created_at`` a timestamp without zone, read as
        UTC); a folder (its Parquet files at any depth, except another Tailpipe table's
        ``tp_table=...`` folders; its other files are not read but listed in
        ``ReadResult.unread``); ``"-"`` for standard input. A FIFO, ``/dev/stdin`` or
        ``<(cmd)`` is read as a stream, once, like standard input. A UTF-8 byte-order mark
        opening a text input (after decompression) is ignored; a rejected first line keeps it.
    strict : bool, default False
        Raise :class:`InputError` at the first bad record instead of rejecting it.
    max_line_bytes : int, default MAX_LINE_BYTES
        Longer lines (records of a JSON document) are rejected.
    progress : callable, optional
        Called with the number of bytes just read (JSON lines inputs), e.g. to advance a bar.
    use_duckdb : bool, default True
        Parse a JSON-lines file with DuckDB where nothing is in doubt (else, and when False,
        with Arrow block by block); the result is the same either way.

    Returns
    -------
    ReadResult
        ``events`` sorted by ``created_at`` then ``id``, ``stats`` with
        ``read == accepted + rejected + duplicates`` per file, ``rejects`` (file, line,
        field, reason and the record as the input holds it: a line verbatim; a document's
        record with its line breaks as spaces; a Parquet row with all its columns as JSON),
        and ``unread`` (folder -> files below it that were not read; see
        :func:`unread_files_warning`).

    Raises
    ------
    InputError
        A file that is missing or unreadable as a whole (a malformed JSON document in a
        ``.json`` file, broken Parquet), a folder without Parquet files, no records at all,
        or with ``strict=True`` the first bad record. Any other file that starts like a
        document but is not one is read as JSON lines, so its bad lines are rejected one
        by one.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    rejects: list[Reject] = []
    blocks: list[Block] = []
    read: list[tuple[Opened, int, int]] = []  # each input, records read and rejected
    inputs = input_files(list(paths))
    for path in inputs.files:
        before = len(rejects)
        opened, file_blocks, n_read = _read_input(
            path,
            strict=strict,
            max_line_bytes=max_line_bytes,
            progress=progress,
            use_duckdb=use_duckdb,
            rejects=rejects,
        )
        blocks.extend(file_blocks)
        read.append((opened, n_read, len(rejects) - before))
    if sum(n for _, n, _ in read) == 0:
        names = ", ".join(o.source for o, _, _ in read) or "(no inputs)"
        raise InputError(names, None, None, "empty input: no records to read")
    done = assemble_events(blocks)
    rejects.extend(_conflict_rejects(done.conflicts, [o for o, _, _ in read], strict=strict))
    rejects.sort(key=lambda r: (r.source, r.line))
    conflicts = Counter(c.source for c in done.conflicts)
    stats = _file_stats(read, done.duplicates, conflicts, done.unknown_actions)
    return ReadResult(done.events, ReadStats(stats), rejects, inputs.unread)


def _read_input(
    path: str | Path,
    *,
    strict: bool,
    max_line_bytes: int,
    progress: Callable[[int], None] | None,
    use_duckdb: bool,
    rejects: list[Reject],
) -> tuple[Opened, list[Block], int]:
    """Read one input of any kind; return it, its blocks and the records read."""
    opened = open_input(path)
    source = opened.source
    try:
        if opened.kind == "parquet":
            data = opened.data
            file = opened.path if data is None else pa.BufferReader(data)
            return opened, *read_parquet(file, source, strict=strict, rejects=rejects)
        stream = opened.stream
        if opened.kind == "document":
            text = opened.read_all()
            try:
                return opened, *read_document(
                    text, source, strict=strict, max_line_bytes=max_line_bytes, rejects=rejects
                )
            except BrokenDocument as exc:
                # a `.json` file is meant as one document: say where it breaks; anything
                # else is read as JSON lines, each line used or rejected with its number
                if source.lower().endswith((".json", ".json.gz")):
                    what = "array" if text.removeprefix(BOM).lstrip()[:1] == b"[" else "document"
                    raise InputError(
                        source, exc.line, None, f"malformed JSON {what} ({exc.reason})"
                    ) from None
                stream = _io.BytesIO(text)
        elif use_duckdb and opened.path is not None:  # a regular file, plain or gzip
            fast, stream, progress = try_duckdb(
                opened.path, source, stream, max_line_bytes=max_line_bytes, progress=progress
            )
            if fast is not None:
                return opened, *fast
            opened.stream = stream
        blocks, n_read = read_lines_stream(
            stream,
            source,
            strict=strict,
            max_line_bytes=max_line_bytes,
            rejects=rejects,
            progress=progress,
        )
        return opened, blocks, n_read
    finally:
        opened.close()


def _conflict_rejects(
    conflicts: list[Conflict], inputs: list[Opened], *, strict: bool
) -> list[Reject]:
    """One reject per version of a conflicting id, each kept as its input holds it."""
    if not conflicts:
        return []
    if strict:
        c = min(conflicts, key=lambda c: (c.source, c.line))
        raise InputError(c.source, c.line, "id", _conflict_reason(c))
    raws: dict[int, bytes] = {}
    by_block: dict[int, list[int]] = {}
    for k, c in enumerate(conflicts):
        if c.block.raw_of is not None:
            by_block.setdefault(id(c.block), []).append(k)
    for ks in by_block.values():
        block = conflicts[ks[0]].block
        assert block.raw_of is not None
        got = block.raw_of(np.asarray([conflicts[k].position for k in ks]))
        raws.update(zip(ks, got, strict=True))
    files = {o.source: o for o in inputs if o.path is not None}
    for source in {c.source for c in conflicts}:
        ks = [k for k, c in enumerate(conflicts) if c.source == source and k not in raws]
        if ks and source in files:
            found = _lines_of(files[source], {conflicts[k].line for k in ks})
            raws.update((k, found.get(conflicts[k].line, b"")) for k in ks)
    return [
        Reject(c.source, c.line, "id", _conflict_reason(c), raws.get(k, c.as_read))
        for k, c in enumerate(conflicts)
    ]


def _conflict_reason(c: Conflict) -> str:
    where = ", ".join(f"{s}:{line}" for s, line in c.others)
    return (
        f"id {shown(c.id)} also read with other content at {where} (tampering or corruption; "
        "no version is kept)"
    )


def _lines_of(opened: Opened, wanted: set[int]) -> dict[int, bytes]:
    """Lines of a JSON-lines file read again, by number (a damaged tail ends the search)."""
    assert opened.path is not None
    reopened = open_input(opened.path)
    out: dict[int, bytes] = {}
    line = 1
    try:
        assert reopened.stream is not None
        for chunk in iter_chunks(reopened.stream, None):
            text = bytes(chunk)
            parts = text.split(b"\n")
            if text.endswith(b"\n"):
                parts.pop()
            for k in wanted.intersection(range(line, line + len(parts))):
                out[k] = parts[k - line]
            line += len(parts)
            if len(out) == len(wanted):
                break
    except CorruptStream:
        pass
    finally:
        reopened.close()
    return out


def _file_stats(
    read: list[tuple[Opened, int, int]],
    duplicates: dict[str, int],
    conflicts: Counter,
    unknown: dict[str, Counter],
) -> tuple[FileStats, ...]:
    """Return the counts per input from (input, read, rejected) and what assembly found.

    Duplicates, conflicts and unknown action types go to a source's first listing (the same
    source listed twice counts them once); conflicts are among its rejected records.
    """
    stats, seen = [], set()
    for opened, n_read, n_rej in read:
        s = opened.source
        first = s not in seen
        seen.add(s)
        n_dup, n_clash = (duplicates.get(s, 0), conflicts[s]) if first else (0, 0)
        kinds = Counter(unknown.get(s, {})) if first else Counter()
        n_rej += n_clash
        stats.append(FileStats(s, n_read, n_read - n_rej - n_dup, n_rej, n_dup, n_clash, kinds))
    return tuple(stats)
