"""All file I/O: reading audit exports, writing generated worlds, scores and rejects.

The rest of the package is pure; this module and ``cli.py`` are the only places
that open files.
"""

from __future__ import annotations

# One import block for every section below (add what a section needs here).
import gzip
import io as _io
import json
import mmap
import os
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from pipes_anomaly import schema
from pipes_anomaly.evaluate import EvaluationResult, Labels
from pipes_anomaly.generate import World, render_jsonl, render_tables

# --- readers (issue 3) ----------------------------------------------------------

#: Default largest accepted line, in bytes (a real record is 1-3 KB).
MAX_LINE_BYTES = 1_000_000

#: String fields the reader keeps, in this order (``created_at`` and ``data`` are parsed).
_STR_FIELDS: tuple[str, ...] = ("id", "action_type", *schema.OPTIONAL_FIELDS)
_CHUNK_BYTES = 1 << 25  # 32 MiB of text per parse block
_SCRATCH = np.zeros(0, dtype=bool)  # newline mask buffer, grown on demand


class InputError(Exception):
    """A record or file that cannot be read.

    Attributes
    ----------
    file : str
        Source file name (``<stdin>`` for standard input).
    line : int or None
        1-based line number (array element or Parquet row), None for a file-level error.
    field : str or None
        Offending field, None when the whole line is at fault.
    reason : str
        What is wrong.
    """

    def __init__(self, file: str, line: int | None, field: str | None, reason: str) -> None:
        self.file, self.line, self.field, self.reason = file, line, field, reason
        where = file if line is None else f"{file}:{line}"
        what = f" field '{field}'" if field else ""
        super().__init__(f"{where}:{what} {reason}")


@dataclass(frozen=True)
class Reject:
    """One rejected input line, kept verbatim (``raw``) for the rejects file."""

    source: str
    line: int
    field: str | None
    reason: str
    raw: bytes


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


# A parsed block: column name -> list or arrow array, plus its source lines.
@dataclass
class _Block:
    source: str
    table: pa.Table  # columns _STR_FIELDS + created_at (string or timestamp) + data fields
    lines: np.ndarray  # 1-based line numbers, int64


def _arrow_schema() -> pa.Schema:
    created_by = pa.struct([("id", pa.string())])
    data = pa.struct(
        [
            ("created_by_id", pa.string()),
            ("created_by", created_by),
            ("workspace_id", pa.string()),
            ("created_at", pa.string()),
            ("role", pa.string()),
        ]
    )
    fields = [(f, pa.string()) for f in _STR_FIELDS] + [("created_at", pa.string())]
    return pa.schema([*fields, ("data", data)])


_PARSE_OPTIONS = pa_json.ParseOptions(
    explicit_schema=_arrow_schema(), unexpected_field_behavior="ignore"
)


def _flatten_arrow(table: pa.Table) -> pa.Table:
    """Arrow table in the reader schema -> flat columns (data.* pulled up)."""
    data = table.column("data").combine_chunks()
    cols = {f: table.column(f) for f in _STR_FIELDS}
    cols["created_at"] = table.column("created_at")
    cb = pc.struct_field(data, "created_by")
    cols["created_by_id"] = pc.struct_field(data, "created_by_id")
    cols["created_by_ref"] = pc.struct_field(cb, "id")
    cols["workspace_id"] = pc.struct_field(data, "workspace_id")
    cols["target_created_at"] = pc.struct_field(data, "created_at")
    cols["role"] = pc.struct_field(data, "role")
    return pa.table(cols)


def _check_required(table: pa.Table) -> np.ndarray:
    """Row mask of records whose required fields are present (fast-path check)."""
    ok = np.ones(table.num_rows, dtype=bool)
    for f in schema.REQUIRED_FIELDS:
        col = table.column(f)
        ok &= pc.fill_null(pc.greater(pc.binary_length(col), 0), False).to_numpy(
            zero_copy_only=False
        )
    has_actor = pc.or_(
        pc.fill_null(pc.greater(pc.binary_length(table.column("actor_id")), 0), False),
        pc.fill_null(pc.greater(pc.binary_length(table.column("actor_handle")), 0), False),
    )
    return ok & has_actor.to_numpy(zero_copy_only=False)


# ---- slow path: one record at a time, precise errors -------------------------


class _Bad(Exception):
    def __init__(self, field: str | None, reason: str) -> None:
        self.field, self.reason = field, reason


def _str_or_none(rec: dict, key: str, label: str | None = None) -> str | None:
    v = rec.get(key)
    if v is None or isinstance(v, str):
        return v
    raise _Bad(label or key, f"expected a string, got {type(v).__name__}")


def _record_values(rec: object) -> list:
    """Validate one decoded record and return its flat values (slow path)."""
    if not isinstance(rec, dict):
        raise _Bad(None, f"expected a JSON object, got {type(rec).__name__}")
    out = []
    for f in _STR_FIELDS:
        out.append(_str_or_none(rec, f))
    for f in ("id", "action_type"):
        if not rec.get(f):
            raise _Bad(f, "missing required field")
    if not (rec.get("actor_id") or rec.get("actor_handle")):
        raise _Bad("actor_id", "missing required field (neither actor_id nor actor_handle)")
    ts = rec.get("created_at")
    if ts is None or ts == "":
        raise _Bad("created_at", "missing required field")
    if not isinstance(ts, str):
        raise _Bad("created_at", f"expected an RFC 3339 string, got {type(ts).__name__}")
    parsed = _parse_time(ts)
    if parsed is pd.NaT:
        raise _Bad("created_at", f"unparsable time {ts!r}")
    out.append(parsed.as_unit("ns").value)
    data = rec.get("data")
    out.extend(_data_values(data))
    return out


def _data_values(data: object) -> list:
    """created_by_id, created_by.id, workspace_id, created_at, role of a record's ``data``."""
    if isinstance(data, str):  # Tailpipe stores data as a JSON string
        try:
            data = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise _Bad("data", "not valid JSON") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _Bad("data", f"expected an object, got {type(data).__name__}")
    cb = data.get("created_by")
    if cb is not None and not isinstance(cb, dict):
        raise _Bad("data.created_by", f"expected an object, got {type(cb).__name__}")
    return [
        _str_or_none(data, "created_by_id", "data.created_by_id"),
        _str_or_none(cb or {}, "id", "data.created_by.id"),
        _str_or_none(data, "workspace_id", "data.workspace_id"),
        _str_or_none(data, "created_at", "data.created_at"),
        _str_or_none(data, "role", "data.role"),
    ]


_FLAT_NAMES = (
    *_STR_FIELDS,
    "created_at",
    "created_by_id",
    "created_by_ref",
    "workspace_id",
    "target_created_at",
    "role",
)


def _rows_to_table(rows: list[list]) -> pa.Table:
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in _FLAT_NAMES]
    return pa.table(
        {
            n: pa.array(c, type=pa.int64() if n == "created_at" else pa.string())
            for n, c in zip(_FLAT_NAMES, cols, strict=True)
        }
    )


def _parse_lines_slow(
    source: str,
    lines: list[bytes],
    first_line: int,
    max_line_bytes: int,
    strict: bool,
    rejects: list[Reject],
) -> tuple[_Block, int]:
    """Parse lines one by one; return the block of good records and the count read."""
    rows: list[list] = []
    nums: list[int] = []
    n_read = 0
    for i, raw in enumerate(lines):
        if not raw.strip():
            continue
        n_read += 1
        lineno = first_line + i
        try:
            if len(raw) > max_line_bytes:
                raise _Bad(None, f"line longer than {max_line_bytes} bytes ({len(raw)})")
            try:
                rec = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                msg = str(exc)
                if "utf-8" in msg.lower() or "utf8" in msg.lower() or "surrogate" in msg.lower():
                    raise _Bad(None, "not valid UTF-8") from None
                raise _Bad(None, f"malformed JSON ({msg})") from None
            rows.append(_record_values(rec))
        except _Bad as bad:
            if strict:
                raise InputError(source, lineno, bad.field, bad.reason) from None
            rejects.append(Reject(source, lineno, bad.field, bad.reason, raw))
            continue
        nums.append(lineno)
    block = _Block(source, _rows_to_table(rows), np.asarray(nums, dtype=np.int64))
    return block, n_read


def _valid_utf8(chunk: memoryview) -> bool:
    """Whether a block of bytes is valid UTF-8 (Arrow's SIMD validator, no copy)."""
    offsets = pa.py_buffer(np.array([0, len(chunk)], dtype=np.int64))
    arr = pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(chunk))
    try:
        arr.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _arrow_pool() -> pa.MemoryPool:
    """Arrow memory pool for the reader's large buffers: jemalloc where pyarrow has it.

    jemalloc hands freed pages out again for a while, where the default pool returns them to
    the system, so that each new buffer faults its pages in afresh. On the 1,000,000-record
    benchmark (2-core VM) this made ``read_events`` about 0.5 s faster. Only the reader's own
    allocations use it; the process's default pool is left alone.
    """
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc
        return pa.default_memory_pool()


def _fast_times(col: pa.ChunkedArray) -> pa.Array | None:
    """RFC 3339 strings -> int64 ns UTC with Arrow; None when any value needs the slow path."""
    if col.null_count:
        return None
    try:
        arr = pc.cast(col, pa.timestamp("ns", tz="UTC"), memory_pool=_arrow_pool())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pc.cast(arr, pa.int64()).combine_chunks(memory_pool=_arrow_pool())


def _parse_chunk(
    source: str,
    chunk: memoryview,
    first_line: int,
    max_line_bytes: int,
    strict: bool,
    rejects: list[Reject],
) -> tuple[_Block, int, int]:
    """Parse a block of whole lines; fast (Arrow) path with a per-line fallback.

    Returns the block, the number of records read and the number of lines in the chunk.
    """
    nl = np.flatnonzero(_newline_mask(np.frombuffer(chunk, dtype=np.uint8)))
    ends = nl if (len(chunk) and chunk[-1] == 10) else np.append(nl, len(chunk))
    starts = np.concatenate(([0], ends[:-1] + 1)) if len(ends) else np.zeros(0, np.int64)
    n_lines = len(ends)
    lengths = ends - starts
    fast_ok = n_lines > 0 and int(lengths.min()) > 0 and int(lengths.max()) <= max_line_bytes
    if fast_ok and not _valid_utf8(chunk):  # Arrow's JSON reader does not check UTF-8
        fast_ok = False
    if fast_ok:
        try:
            table = pa_json.read_json(
                pa.BufferReader(pa.py_buffer(chunk)),
                read_options=pa_json.ReadOptions(
                    # a few blocks per chunk, so that Arrow parses them on all cores
                    block_size=max(1 << 20, len(chunk) // 4, int(lengths.max()) + 2)
                ),
                parse_options=_PARSE_OPTIONS,
            )
        except (pa.ArrowInvalid, UnicodeDecodeError, ValueError):
            table = None
        if table is not None and table.num_rows == n_lines:
            flat = _flatten_arrow(table)
            ns = _fast_times(flat.column("created_at"))
            if ns is not None and bool(_check_required(flat).all()):
                flat = flat.set_column(flat.schema.get_field_index("created_at"), "created_at", ns)
                lines = np.arange(first_line, first_line + n_lines, dtype=np.int64)
                return _Block(source, flat, lines), n_lines, n_lines
    parts = [bytes(chunk[s:e]) for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    block, n_read = _parse_lines_slow(source, parts, first_line, max_line_bytes, strict, rejects)
    return block, n_read, n_lines


def _iter_chunks(
    stream: _io.BufferedIOBase,
    progress: Callable[[int], None] | None,
) -> Iterator[memoryview]:
    """Yield blocks of whole lines (the last may lack its newline) without copying.

    A corrupt compressed stream yields what was decoded and raises ``_CorruptStream``.
    """
    buf = bytearray(_CHUNK_BYTES)
    fill = 0
    eof = False
    while not eof:
        if fill == len(buf):  # one line longer than the buffer: grow (new object)
            buf = buf + bytearray(len(buf))
        start = fill
        while fill < len(buf):  # fill the buffer in 1 MiB reads: a corrupt stream loses little
            try:
                n = stream.readinto1(memoryview(buf)[fill : fill + (1 << 20)])
            except (OSError, EOFError, zlib.error) as exc:
                cut = buf.rfind(b"\n", 0, fill)
                if cut >= 0:
                    yield memoryview(buf)[: cut + 1]
                tail = bytes(buf[cut + 1 : fill])  # a partial last line belongs to the damage
                raise _CorruptStream(str(exc) or type(exc).__name__, tail) from None
            if not n:
                eof = True
                break
            fill += n
        if progress is not None and fill > start:
            progress(fill - start)
        if eof:
            if fill:
                yield memoryview(buf)[:fill]
            return
        cut = buf.rfind(b"\n", 0, fill)
        if cut < 0:
            continue
        yield memoryview(buf)[: cut + 1]
        rest = fill - cut - 1
        buf[:rest] = buf[cut + 1 : fill]
        fill = rest


class _CorruptStream(Exception):
    def __init__(self, message: str, tail: bytes) -> None:
        super().__init__(message)
        self.tail = tail


def _read_lines_stream(
    stream: _io.BufferedIOBase,
    source: str,
    *,
    strict: bool,
    max_line_bytes: int,
    rejects: list[Reject],
    progress: Callable[[int], None] | None,
) -> tuple[list[_Block], int, int]:
    """Read a JSON-lines stream; return blocks, records read and stream-level rejects."""
    blocks: list[_Block] = []
    n_read = 0
    next_line = 1
    try:
        for chunk in _iter_chunks(stream, progress):
            block, nr, nl = _parse_chunk(source, chunk, next_line, max_line_bytes, strict, rejects)
            blocks.append(block)
            n_read += nr
            next_line += nl
    except _CorruptStream as exc:
        reason = f"corrupt compressed stream after line {next_line - 1} ({exc})"
        if strict:
            raise InputError(source, next_line, None, reason) from None
        rejects.append(Reject(source, next_line, None, reason, exc.tail))
        n_read += 1
    return blocks, n_read, next_line - 1


# ---- DuckDB fast path: a whole JSON-lines file at once, checked, or None ---------

#: Use the DuckDB fast path for JSON-lines files (tests turn it off to compare paths).
_USE_DUCKDB = True
_GLOB_CHARS = frozenset("*?[]{}")
_DUCKDB_BATCH_ROWS = 1 << 17  # rows per batch streamed from DuckDB
_DATA_JSON_PATHS = (
    "data.created_by_id",
    "data.created_by.id",
    "data.workspace_id",
    "data.created_at",
    "data.role",
)


def _duckdb_sql(path: str, gz: bool, max_line_bytes: int) -> str:
    """Query returning every reader field as its JSON text, one row per line, in file order."""
    data = (
        "STRUCT(created_by_id JSON, created_by STRUCT(id JSON), workspace_id JSON, "
        "created_at JSON, role JSON)"
    )
    cols = ", ".join(f"{f}: 'JSON'" for f in (*_STR_FIELDS, "created_at"))
    exprs = [*_STR_FIELDS, "created_at", *_DATA_JSON_PATHS]
    select = ", ".join(f'{e} AS "{n}"' for e, n in zip(exprs, _FLAT_NAMES, strict=True))
    literal = path.replace("'", "''")
    size = max(2 * max_line_bytes + 64, 1 << 24)
    return (
        f"SELECT {select} FROM read_ndjson('{literal}', columns={{{cols}, data: '{data}'}}, "
        f"format='newline_delimited', records=true, auto_detect=false, "
        f"compression='{'gzip' if gz else 'none'}', maximum_object_size={size})"
    )


def _newline_mask(view: np.ndarray) -> np.ndarray:
    """Mask of the newline bytes of a uint8 array; valid until the next call.

    The mask lives in a scratch buffer reused between calls, so that big chunks do not
    page-fault each time.
    """
    if len(_SCRATCH) < len(view):
        _SCRATCH.resize(len(view), refcheck=False)
    is_nl = _SCRATCH[: len(view)]
    np.equal(view, 10, out=is_nl)
    return is_nl


_COUNT_STEP = 1 << 20  # bytes compared per step when counting: the mask stays in cache


def _newlines(view: np.ndarray) -> int:
    """Count the newline bytes of a uint8 array.

    In steps of 1 MiB through a small mask of its own (thread-safe; about half the time of
    one mask as large as the view, which goes out to memory and back).
    """
    mask = np.empty(min(len(view), _COUNT_STEP), dtype=bool)
    n = 0
    for start in range(0, len(view), _COUNT_STEP):
        part = view[start : start + _COUNT_STEP]
        np.equal(part, 10, out=mask[: len(part)])
        n += int(np.count_nonzero(mask[: len(part)]))
    return n


def _count_lines(
    path: Path,
    stream: _io.BufferedIOBase,
    *,
    gz: bool,
    max_line_bytes: int,
    progress: Callable[[int], None] | None,
) -> int | None:
    """Lines of a JSON-lines file; None when one is longer than ``max_line_bytes`` or damaged.

    Lines are counted the way :func:`_parse_chunk` counts them (a last line without newline
    counts). Line length: from each line start, the next ``max_line_bytes + 1`` bytes must hold
    a newline (``rfind``, which jumps almost a whole window per call). A plain file is
    memory-mapped (no copy); gzip is decompressed block by block. UTF-8 is left to DuckDB,
    which fails on any invalid sequence, also in fields it does not return.
    """
    if gz:
        n_lines = 0
        try:
            for chunk in _iter_chunks(stream, progress):  # blocks of whole lines
                buf, n = chunk.obj, len(chunk)
                assert isinstance(buf, bytearray)
                n_lines += _newlines(np.frombuffer(chunk, dtype=np.uint8)) + (chunk[-1] != 10)
                if not _lines_fit(buf, n, max_line_bytes):
                    return None
        except _CorruptStream:
            return None
        return n_lines
    try:
        return _count_lines_mapped(path, max_line_bytes, progress)
    except (OSError, ValueError):  # a file that cannot be mapped: the per-chunk path reads it
        return None


def _lines_fit(buf: bytearray | mmap.mmap, size: int, max_line_bytes: int) -> bool:
    """Whether no line in ``buf[:size]`` is longer than ``max_line_bytes`` (by newlines)."""
    pos = 0
    while size - pos > max_line_bytes:
        cut = buf.rfind(b"\n", pos, pos + max_line_bytes + 1)
        if cut < 0:
            return False
        pos = cut + 1
    return True


def _count_lines_mapped(
    path: Path, max_line_bytes: int, progress: Callable[[int], None] | None
) -> int | None:
    """:func:`_count_lines` for a plain file, memory-mapped."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if not size:
            return None
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            if not _lines_fit(mm, size, max_line_bytes):
                return None
            n_lines = int(mm[size - 1] != 10)
            for start in range(0, size, _CHUNK_BYTES):
                count = min(_CHUNK_BYTES, size - start)
                view = np.frombuffer(mm, dtype=np.uint8, count=count, offset=start)
                n_lines += _newlines(view)
                del view  # the map cannot close while a view exports it
                mm.madvise(mmap.MADV_DONTNEED, start, count)  # page cache stays; RSS does not grow
                if progress is not None:
                    progress(count)
    return n_lines


def _unquote(arr: pa.Array) -> pa.Array | None:
    """JSON texts of strings (DuckDB's ``JSON`` values) -> the strings; None for any non-string.

    A value without a backslash is its text minus the quotes; other values are decoded.
    """
    if arr.type != pa.string():  # DuckDB exports VARCHAR as string unless configured otherwise
        arr = arr.cast(pa.string())
    n_str = pc.sum(pc.starts_with(arr, '"')).as_py() or 0
    if n_str != len(arr) - arr.null_count:  # a number, bool, object or array
        return None
    _, offsets, data = arr.buffers()
    off = np.frombuffer(offsets, dtype=np.int32, count=len(arr) + 1, offset=4 * arr.offset)
    text = np.frombuffer(data, dtype=np.uint8)[off[0] : off[-1]] if data else None
    if text is not None and (text == 92).any():  # escapes: decode exactly
        vals = [None if v is None else orjson.loads(v) for v in arr.to_pylist()]
        return pa.array(vals, type=pa.string())
    cut = pc.binary_slice(arr.cast(pa.binary()), 1, -1, memory_pool=_arrow_pool())
    return pa.Array.from_buffers(pa.string(), len(cut), cut.buffers(), cut.null_count)


def _duckdb_columns(con: duckdb.DuckDBPyConnection, sql: str) -> list[list[pa.Array]] | None:
    """Stream the query's rows in batches; the unquoted columns, None at any non-string."""
    parts: list[list[pa.Array]] = [[] for _ in _FLAT_NAMES]
    for batch in con.sql(sql).to_arrow_reader(_DUCKDB_BATCH_ROWS):
        for i, col in enumerate(batch.columns):
            out = _unquote(col)
            if out is None:
                return None
            parts[i].append(out)
    return parts


def _read_jsonl_duckdb(
    path: Path,
    source: str,
    stream: _io.BufferedIOBase,
    *,
    gz: bool,
    max_line_bytes: int,
    progress: Callable[[int], None] | None,
) -> tuple[list[_Block], int] | None:
    """Parse a whole JSON-lines file with DuckDB; None whenever anything is in doubt.

    DuckDB returns every reader field as its JSON text (so a number where a string belongs is
    seen, not turned into a string), one row per line in file order, and fails on invalid
    UTF-8 anywhere in a line; meanwhile this thread counts the lines and checks their length.
    The rows are used only if their count equals
    the number of lines (DuckDB skips blank lines and fails on two records on one line), every
    field is a string or null, every time parses and every required field is present: then row
    i is line i + 1 and the block equals what the Arrow path gives. Otherwise the caller reads
    the file again with the per-chunk path, which rejects precisely (file, line, field, the
    verbatim line). DuckDB also accepts trailing commas, NaN/Infinity and numbers beyond a
    double in fields the reader ignores (Arrow accepts NaN/Infinity too).
    """
    full = str(path.resolve())
    if _GLOB_CHARS & set(full) or max_line_bytes >= 1 << 30:  # DuckDB would glob the name
        return None
    con = duckdb.connect(config={"preserve_insertion_order": True})
    con.execute("SET enable_progress_bar = false")  # DuckDB would draw its own bar on stderr
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            query = pool.submit(_duckdb_columns, con, _duckdb_sql(full, gz, max_line_bytes))
            try:
                n_lines = _count_lines(
                    path, stream, gz=gz, max_line_bytes=max_line_bytes, progress=progress
                )
                if n_lines is None:
                    con.interrupt()
                parts = query.result()
            except (duckdb.Error, pa.ArrowException, OSError):  # errors while streaming come
                con.interrupt()  # through Arrow's stream interface (OSError, ArrowInvalid)
                return None
            except BaseException:  # e.g. Ctrl-C: do not wait for the whole query
                con.interrupt()
                raise
    finally:
        con.close()
    if parts is None or not n_lines or sum(len(a) for a in parts[0]) != n_lines:
        return None
    cols = [pa.chunked_array(p, type=pa.string()) for p in parts]
    flat = pa.table(dict(zip(_FLAT_NAMES, cols, strict=True)))
    ns = _fast_times(flat.column("created_at"))
    if ns is None or not bool(_check_required(flat).all()):
        return None
    flat = flat.set_column(flat.schema.get_field_index("created_at"), "created_at", ns)
    lines = np.arange(1, n_lines + 1, dtype=np.int64)
    return [_Block(source, flat, lines)], n_lines


def _try_duckdb(
    path: Path,
    source: str,
    stream: _io.BufferedIOBase,
    *,
    max_line_bytes: int,
    progress: Callable[[int], None] | None,
) -> tuple[tuple[list[_Block], int] | None, _io.BufferedIOBase | None, Callable | None]:
    """Run the DuckDB fast path on an opened JSON-lines file.

    Returns ``(blocks, records read), None, None`` on success, else ``None``, the file opened
    again and a progress callback that skips the bytes already reported.
    """
    seen = 0

    def counted(n: int) -> None:
        nonlocal seen
        seen += n
        if progress is not None:
            progress(n)

    gz = isinstance(stream, gzip.GzipFile)
    try:
        fast = _read_jsonl_duckdb(
            path, source, stream, gz=gz, max_line_bytes=max_line_bytes, progress=counted
        )
    finally:
        stream.close()
    if fast is not None:
        return fast, None, None
    fresh = gzip.open(path, "rb") if gz else open(path, "rb")  # noqa: SIM115 - caller closes
    if progress is None:
        return None, fresh, None
    skip = seen

    def after(n: int) -> None:
        nonlocal skip
        done = min(n, skip)
        skip -= done
        if n > done:
            progress(n - done)

    return None, fresh, after


def _read_json_array(
    raw: bytes, source: str, *, strict: bool, rejects: list[Reject]
) -> tuple[list[_Block], int]:
    try:
        items = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InputError(source, None, None, f"malformed JSON array ({exc})") from None
    lines = [orjson.dumps(x) for x in items]
    block, n_read = _parse_lines_slow(source, lines, 1, len(raw) + 1, strict, rejects)
    return [block], n_read


def _read_parquet(
    path: Path, source: str, *, strict: bool, rejects: list[Reject]
) -> tuple[list[_Block], int]:
    try:
        pf = pq.ParquetFile(path)
        names = set(pf.schema_arrow.names)
        wanted = [c for c in (*_STR_FIELDS, "created_at", "data") if c in names]
        table = pf.read(columns=wanted)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(source, None, None, f"cannot read Parquet file ({exc})") from None
    n = table.num_rows

    def as_text(col: pa.Array | pa.ChunkedArray, field: str) -> pa.Array | pa.ChunkedArray:
        """Cast a typed Parquet column to text (ids stored as numbers are still ids)."""
        if pa.types.is_string(col.type) or (
            pa.types.is_large_string(col.type) and not field.startswith("data.")
        ):
            return col  # as before: top-level large strings are kept, data fields are cast
        try:
            return pc.cast(col, pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # a list or struct
            raise InputError(
                source, None, field, f"Parquet column of type {col.type} where text belongs"
            ) from None

    cols: dict[str, pa.Array] = {}
    for f in _STR_FIELDS:
        if f in names:
            cols[f] = as_text(table.column(f), f)
        else:
            cols[f] = pa.nulls(n, pa.string())
    ts = table.column("created_at") if "created_at" in names else pa.nulls(n, pa.string())
    if pa.types.is_timestamp(ts.type):
        if ts.type.tz is None:
            ts = pc.assume_timezone(ts, "UTC")
        ts = pc.cast(ts, pa.timestamp("ns", tz="UTC"))
    cols["created_at"] = ts
    data_cols = {
        k: pa.nulls(n, pa.string())
        for k in ("created_by_id", "created_by_ref", "workspace_id", "target_created_at", "role")
    }
    data_ok = np.ones(n, dtype=bool)
    if "data" in names:
        data = table.column("data")
        if pa.types.is_string(data.type) or pa.types.is_large_string(data.type):
            vals: list[list] = []
            for i, text in enumerate(data.to_pylist()):
                try:
                    vals.append(_data_values(text))
                except _Bad as bad:
                    if strict:
                        raise InputError(source, i + 1, bad.field, bad.reason) from None
                    rejects.append(
                        Reject(source, i + 1, bad.field, bad.reason, orjson.dumps({"data": text}))
                    )
                    vals.append([None] * len(data_cols))
                    data_ok[i] = False
            cols5 = list(zip(*vals, strict=True)) if vals else [[]] * len(data_cols)
            for k, c in zip(data_cols, cols5, strict=True):
                data_cols[k] = pa.array(c, type=pa.string())
        elif pa.types.is_struct(data.type):
            d = data.combine_chunks()
            sub = {f.name for f in d.type}
            for key, out in (
                ("created_by_id", "created_by_id"),
                ("workspace_id", "workspace_id"),
                ("created_at", "target_created_at"),
                ("role", "role"),
            ):
                if key in sub:
                    data_cols[out] = as_text(pc.struct_field(d, key), f"data.{key}")
            if "created_by" in sub:
                cb = pc.struct_field(d, "created_by")
                if pa.types.is_struct(cb.type) and "id" in {f.name for f in cb.type}:
                    data_cols["created_by_ref"] = as_text(
                        pc.struct_field(cb, "id"), "data.created_by.id"
                    )
    cols.update(data_cols)
    flat = pa.table(cols)
    ok = (
        _check_required(flat)
        if not pa.types.is_timestamp(ts.type)
        else _check_required(  # a timestamp is present unless null
            flat.set_column(
                flat.schema.get_field_index("created_at"),
                "created_at",
                pc.if_else(pc.is_valid(ts), pa.scalar("t"), pa.scalar(None, pa.string())),
            )
        )
    )
    lines = np.arange(1, n + 1, dtype=np.int64)
    if not (ok & data_ok).all():
        bad = np.flatnonzero(~ok & data_ok)  # rows with bad data are already rejected
        rows = flat.take(pa.array(bad)).to_pylist()
        for i, row in zip(bad.tolist(), rows, strict=True):
            fld = next((f for f in schema.REQUIRED_FIELDS if not row[f]), "actor_id")
            reason = "missing required field"
            if strict:
                raise InputError(source, i + 1, fld, reason)
            rejects.append(Reject(source, i + 1, fld, reason, orjson.dumps(row, default=str)))
        ok &= data_ok
        flat = flat.filter(pa.array(ok))
        lines = lines[ok]
    # created_at must parse (JSON lines and arrays parse times as they read records)
    ns, valid = _to_utc(flat.column("created_at"))
    if not valid.all():
        for i in np.flatnonzero(~valid).tolist():
            value = flat.column("created_at")[i].as_py()
            reason = f"unparsable time {value!r}"
            if strict:
                raise InputError(source, int(lines[i]), "created_at", reason)
            raw = _raw_from_row(flat, i)
            rejects.append(Reject(source, int(lines[i]), "created_at", reason, raw))
        flat = flat.filter(pa.array(valid))
        lines = lines[valid]
        ns = ns[valid]
    flat = flat.set_column(
        flat.schema.get_field_index("created_at"), "created_at", pa.array(ns, type=pa.int64())
    )
    return [_Block(source, flat, lines)], n


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
    if head == b"PAR1" and tail == b"PAR1" and size >= 12:  # Parquet's magic at both ends
        return str(path), b"", "parquet"
    if head[:2] == b"\x1f\x8b":
        return str(path), gzip.open(p, "rb"), "jsonl"
    fh = open(p, "rb")  # noqa: SIM115 - closed by caller
    first = fh.read(1 << 16).lstrip()[:1]
    fh.seek(0)
    if first == b"[":
        data = fh.read()
        fh.close()
        return str(path), data, "array"
    return str(path), fh, "jsonl"


def _to_utc(col: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """created_at column -> (int64 ns since epoch UTC, valid mask)."""
    if pa.types.is_timestamp(col.type):
        arr = pc.cast(col, pa.timestamp("ns", tz="UTC"))
        valid = pc.is_valid(arr).to_numpy(zero_copy_only=False)
        ns = pc.fill_null(pc.cast(arr, pa.int64()), 0).to_numpy(zero_copy_only=False)
        return ns, valid
    try:
        arr = pc.cast(col, pa.timestamp("ns", tz="UTC"))
        ns = pc.cast(arr, pa.int64()).to_numpy(zero_copy_only=False)
        return ns, np.ones(len(ns), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    values = col.to_pylist()
    t = pd.DatetimeIndex(
        [_parse_time(v) for v in values] if values else [], dtype="datetime64[ns, UTC]"
    )
    # zone-less strings count as UTC (Tailpipe writes timestamps without zone)
    valid = ~np.asarray(t.isna())
    ns = t.as_unit("ns").asi8
    return np.where(valid, ns, 0), valid


def _parse_time(value: object) -> pd.Timestamp:
    """One timestamp string -> UTC Timestamp, NaT when it does not parse."""
    if not isinstance(value, str):
        return pd.NaT
    try:
        ts = pd.Timestamp(value)
    except (ValueError, OverflowError):
        return pd.NaT
    if ts is pd.NaT:
        return pd.NaT
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def read_events(
    paths: str | Path | Sequence[str | Path],
    *,
    strict: bool = False,
    max_line_bytes: int = MAX_LINE_BYTES,
    progress: Callable[[int], None] | None = None,
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
    blocks: list[_Block] = []
    per_file: list[tuple[str, int, int]] = []  # source, read, rejected
    for path in paths:
        n_rej_before = len(rejects)
        source, stream, kind = _open_input(path)
        if kind == "array":
            assert isinstance(stream, bytes)
            try:
                bl, n_read = _read_json_array(stream, source, strict=strict, rejects=rejects)
            except InputError:
                # a `.json` file is meant as one array: say it is broken; anything else that
                # merely starts with "[" is read as JSON lines, so every line is either used
                # or rejected with its number (a JSON-lines file whose first line is junk)
                if source.lower().endswith(".json"):
                    raise
                kind = "jsonl"
        if kind == "parquet":
            bl, n_read = _read_parquet(Path(path), source, strict=strict, rejects=rejects)
        elif kind == "jsonl":
            fast, prog = None, progress
            if _USE_DUCKDB and not isinstance(stream, bytes):  # a regular file, plain or gzip
                fast, stream, prog = _try_duckdb(
                    Path(path), source, stream, max_line_bytes=max_line_bytes, progress=progress
                )
            if fast is not None:
                bl, n_read = fast
            else:
                fh = _io.BytesIO(stream) if isinstance(stream, bytes) else stream
                try:
                    bl, n_read, _ = _read_lines_stream(
                        fh,
                        source,
                        strict=strict,
                        max_line_bytes=max_line_bytes,
                        rejects=rejects,
                        progress=prog,
                    )
                finally:
                    fh.close()
        blocks.extend(bl)
        per_file.append((source, n_read, len(rejects) - n_rej_before))
    total_read = sum(r for _, r, _ in per_file)
    if total_read == 0:
        names = ", ".join(s for s, _, _ in per_file) or "(no inputs)"
        raise InputError(names, None, None, "empty input: no records to read")
    events, dup_per_source = _assemble(blocks)
    stats = []
    for source, n_read, n_rej in per_file:
        dups = dup_per_source.get(source, 0)
        dup_per_source[source] = 0  # the same source listed twice counts once
        stats.append(FileStats(source, n_read, n_read - n_rej - dups, n_rej, dups))
    rejects.sort(key=lambda r: (r.source, r.line))
    return ReadResult(events, ReadStats(tuple(stats)), rejects)


def _raw_from_row(table: pa.Table, i: int) -> bytes:
    return orjson.dumps(table.slice(i, 1).to_pylist()[0], default=str)


def _assemble(blocks: list[_Block]) -> tuple[pd.DataFrame, dict[str, int]]:
    """Concatenate parsed blocks into the sorted, deduplicated events frame."""
    tables = [b.table.select(list(_FLAT_NAMES)) for b in blocks if b.table.num_rows]
    src_codes = []
    sources: list[str] = []
    for b in blocks:
        if not b.table.num_rows:
            continue
        if b.source not in sources:
            sources.append(b.source)
        src_codes.append(np.full(b.table.num_rows, sources.index(b.source), dtype=np.int32))
    if not tables:
        return _empty_events(), {}
    table = pa.concat_tables(tables)  # chunked: every step below works without a copy
    lines = np.concatenate([b.lines for b in blocks if b.table.num_rows])
    src = np.concatenate(src_codes)
    del tables
    for b in blocks:  # the blocks are spent: drop their tables so each copy below frees its input
        b.table = b.table.slice(0, 0)
    dup = _duplicated(table.column("id"))
    dup_counts = {s: int(np.count_nonzero(dup & (src == i))) for i, s in enumerate(sources)}
    if dup.any():
        keep = ~dup
        table = table.filter(pa.array(keep))
        lines, src = lines[keep], src[keep]
    order = _sort_order(table)
    if order is not None:
        table = _take(table, order)
        lines, src = lines[order], src[order]
    action = table.column("action_type")
    enc = pc.dictionary_encode(action.combine_chunks())
    cats = pa.array([schema.category_of(a) for a in enc.dictionary.to_pylist()], pa.string())
    category = pc.take(cats, enc.indices)
    actor_id = table.column("actor_id")
    has_id = pc.fill_null(pc.greater(pc.binary_length(actor_id), 0), False)
    if not pc.all(has_id).as_py():  # element-wise choices cost a copy: only when needed
        handle_id = pc.binary_join_element_wise("handle:", table.column("actor_handle"), "")
        actor_id = pc.if_else(has_id, actor_id, handle_id)
    cols = {
        "id": table.column("id"),
        "action_type": action,
        "category": category,
        "actor_id": actor_id,
    }
    for f in ("actor_handle", "actor_display_name", "actor_ip"):
        cols[f] = table.column(f)
    cols["created_at"] = pc.cast(
        pc.cast(table.column("created_at"), pa.timestamp("ns")), pa.timestamp("ns", tz="UTC")
    )
    for f in ("identity_id", "identity_handle", "tenant_id", "target_id", "target_handle"):
        cols[f] = table.column(f)
    cols["process_id"] = table.column("process_id")
    cols["created_by_id"] = table.column("created_by_id")
    if cols["created_by_id"].null_count:
        cols["created_by_id"] = pc.coalesce(cols["created_by_id"], table.column("created_by_ref"))
    cols["workspace_id"] = table.column("workspace_id")
    need = pc.and_(pc.starts_with(action, "workspace."), pc.is_null(cols["workspace_id"]))
    if pc.any(need).as_py():  # a workspace action without data.workspace_id: its target
        # as large_string (what pandas holds anyway): the two columns may differ in offset
        # width (Parquet), and one chunk of a big column may pass 32-bit offsets
        need = pc.fill_null(need, False).combine_chunks()
        cols["workspace_id"] = pc.replace_with_mask(
            cols["workspace_id"].cast(pa.large_string()).combine_chunks(),
            need,
            table.column("target_id").filter(need).cast(pa.large_string()).combine_chunks(),
        )
    cols["role"] = table.column("role")
    mem = _arrow_pool()
    narrow = {k: v for k, v in cols.items() if v.type == pa.string()}
    with ThreadPoolExecutor(max_workers=2) as pool:  # pandas holds large_string; Arrow casts
        widened = pool.map(
            lambda v: pc.cast(v, pa.large_string(), memory_pool=mem), narrow.values()
        )
        cols.update(zip(narrow, widened, strict=True))  # without the GIL, on both cores
    del narrow
    out = pa.table(cols).to_pandas(memory_pool=mem)
    tca = _fast_times(table.column("target_created_at").fill_null("1970-01-01T00:00:00Z"))
    if tca is not None:
        valid = pc.is_valid(table.column("target_created_at")).to_numpy(zero_copy_only=False)
        ns = np.where(valid, tca.to_numpy(zero_copy_only=False), np.iinfo(np.int64).min)
        out["target_created_at"] = pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC")
    else:
        tc = table.column("target_created_at").to_pylist()
        out["target_created_at"] = pd.DatetimeIndex(
            [_parse_time(v) for v in tc], dtype="datetime64[ns, UTC]"
        )
    out["source"] = pc.take(pa.array(sources, pa.string()), pa.array(src)).to_pandas()
    out["line"] = lines
    return out, dup_counts


def _take(table: pa.Table, order: np.ndarray) -> pa.Table:
    """``table.take(order)``, one column per thread (Arrow releases the GIL).

    Each column is combined into one chunk first: taking from many chunks costs about ten
    times more than the copy.
    """
    idx = pa.array(order)
    mem = _arrow_pool()
    with ThreadPoolExecutor(max_workers=2) as pool:
        cols = list(
            pool.map(
                lambda c: pc.take(c.combine_chunks(memory_pool=mem), idx, memory_pool=mem),
                table.columns,
            )
        )
    return pa.table(cols, names=table.column_names)


def _duplicated(ids: pa.ChunkedArray) -> np.ndarray:
    """Mask of ids already seen earlier in ``ids`` (the first occurrence is kept).

    Ids of one fixed length (the usual case) are hashed to 64 bits with numpy, and only
    rows whose hash repeats are compared exactly; anything else uses pandas.
    """
    lens = pc.min_max(pc.binary_length(ids))
    width = lens["min"].as_py()
    fixed = ids.type == pa.string() and not ids.null_count and width == lens["max"].as_py()
    if not fixed or not width:
        return pd.Series(ids.to_pandas()).duplicated(keep="first").to_numpy(dtype=bool)
    h = _id_hashes(ids, width)
    dup = np.zeros(len(ids), dtype=bool)
    cand = np.flatnonzero(pd.Series(h).duplicated(keep=False).to_numpy())
    if len(cand):  # exact check among rows whose hash repeats (order kept: first wins)
        sub = ids.take(pa.array(cand)).to_pandas()
        dup[cand] = pd.Series(sub).duplicated(keep="first").to_numpy(dtype=bool)
    return dup


def _id_hashes(ids: pa.ChunkedArray, width: int) -> np.ndarray:
    """64-bit FNV-1a hash of each string of a chunked string array of one fixed width."""
    h = np.empty(len(ids), dtype=np.uint64)
    prime = np.uint64(0x100000001B3)
    pos = 0
    for chunk in ids.chunks:
        m = len(chunk)
        if not m:
            continue
        _, off_buf, data_buf = chunk.buffers()
        first = int(np.frombuffer(off_buf, dtype=np.int32, count=1, offset=4 * chunk.offset)[0])
        data = np.frombuffer(data_buf, dtype=np.uint8, count=m * width, offset=first)
        data = data.reshape(m, width)
        x = np.full(m, 0xCBF29CE484222325, dtype=np.uint64)
        for j in range(width):
            x ^= data[:, j]
            x *= prime
        h[pos : pos + m] = x
        pos += m
    return h


def _sort_order(table: pa.Table) -> np.ndarray | None:
    """Order by created_at then id; None when the table is already in that order."""
    ns = table.column("created_at").to_numpy()
    if len(ns) < 2:
        return None
    step = np.diff(ns)
    if (step >= 0).all():  # usual case: in time order, only same-second ties to order by id
        ties = np.flatnonzero(step == 0)
        if not len(ties):
            return None
        pos = np.unique(np.concatenate([ties, ties + 1]))
        ids = table.column("id").combine_chunks()  # taking from many chunks is slow
        sub = pa.table({"ns": ns[pos], "id": ids.take(pa.array(pos))})
        keys = [("ns", "ascending"), ("id", "ascending")]  # Arrow's sort is stable
        new_pos = pos[pc.sort_indices(sub, sort_keys=keys).to_numpy()]
        if (new_pos == pos).all():
            return None
        order = np.arange(len(ns))
        order[pos] = new_pos
        return order
    idx = pc.sort_indices(table, sort_keys=[("created_at", "ascending"), ("id", "ascending")])
    return idx.to_numpy()


def _empty_events() -> pd.DataFrame:
    cols = {c: pd.Series([], dtype="str") for c in schema.EVENT_COLUMNS}
    cols["created_at"] = pd.Series([], dtype="datetime64[ns, UTC]")
    cols["target_created_at"] = pd.Series([], dtype="datetime64[ns, UTC]")
    cols["line"] = pd.Series([], dtype="int64")
    return pd.DataFrame(cols)


def write_rejects(rejects: Iterable[Reject], path: str | Path) -> int:
    """Write rejected lines verbatim, one per line, to ``path``.

    Stream-level rejects (a corrupt compressed tail) have no line to write and are skipped.

    Parameters
    ----------
    rejects : iterable of Reject
        Usually ``ReadResult.rejects``.
    path : str or Path
        Output file (overwritten).

    Returns
    -------
    int
        Number of lines written.
    """
    n = 0
    with open(path, "wb") as fh:
        for r in rejects:
            if r.raw:
                fh.write(r.raw.rstrip(b"\n") + b"\n")
                n += 1
    return n


# --- writers: generated worlds (issue 2) ----------------------------------------


def _write_overlapped(fh, chunks) -> None:  # noqa: ANN001
    """Write chunks while the next one is rendered (both release the GIL)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = None
        for chunk in chunks:
            if pending is not None:
                pending.result()
            pending = pool.submit(fh.write, chunk)
        if pending is not None:
            pending.result()


#: Output formats of ``anomaly generate``.
WORLD_FORMATS: tuple[str, ...] = ("jsonl", "parquet")


def write_world(
    world: World, out_dir: str | Path, *, fmt: str = "jsonl", compress: bool = False
) -> dict[str, Path]:
    """Write a simulated world's records and ground truth into ``out_dir``.

    Files (``docs/design.md`` section 6): ``train.<ext>``, ``test.<ext>``,
    ``labels.csv``, ``window_labels.csv``, ``lookalikes.csv``, ``actors.csv``
    (ground-truth actor metadata, never read by detection) and ``manifest.json``.
    Records are written chunk by chunk, so memory stays flat; the same world
    gives byte-identical files (gzip headers carry no name or time).

    Parameters
    ----------
    world : World
        Output of ``generate.simulate``.
    out_dir : str or pathlib.Path
        Directory to write into; created when missing, existing files replaced.
    fmt : {"jsonl", "parquet"}, default "jsonl"
        Record format. Parquet follows Tailpipe: ``data`` as a JSON string,
        ``created_at`` and ``tp_timestamp`` as UTC timestamps.
    compress : bool, default False
        Gzip JSON lines (``.jsonl.gz``); Parquet is always zstd-compressed.

    Returns
    -------
    dict of str to pathlib.Path
        File role (``train``, ``test``, ``labels``, ...) to path written.
    """
    if fmt not in WORLD_FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(WORLD_FORMATS)}, got {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for part in ("train", "test"):
        if fmt == "parquet":
            path = out / f"{part}.parquet"
            writer = None
            for table in render_tables(world, part):
                if writer is None:
                    writer = pq.ParquetWriter(path, table.schema, compression="zstd")
                writer.write_table(table)
            if writer is not None:
                writer.close()
        else:
            path = out / (f"{part}.jsonl.gz" if compress else f"{part}.jsonl")
            with open(path, "wb") as raw:
                fh = (
                    gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6)
                    if compress
                    else raw
                )
                _write_overlapped(fh, render_jsonl(world, part))
                if compress:
                    fh.close()
        files[part] = path
    for name, frame in (
        ("labels", world.labels),
        ("window_labels", world.window_labels),
        ("lookalikes", world.lookalikes),
        ("actors", world.actors),
    ):
        path = out / f"{name}.csv"
        frame.to_csv(path, index=False, lineterminator="\n")
        files[name] = path
    manifest = dict(world.manifest)
    manifest["format"] = fmt
    manifest["files"] = {k: v.name for k, v in files.items()}
    path = out / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    files["manifest"] = path
    return files


# --- writers: scores (issue 4) ----------------------------------------------------

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
        ``models.score_events`` output.
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


def write_report(directory: str | Path, result: EvaluationResult, *, source: str) -> int:
    """Write an evaluation report: ``report.md``, a self-contained ``report.html``, PNG plots.

    Parameters
    ----------
    directory : str or Path
        Output directory (created if needed; files in it are overwritten).
    result : EvaluationResult
        ``evaluate.evaluate`` output.
    source : str
        Where the scores and labels came from, printed in the report.

    Returns
    -------
    int
        Number of plots written.
    """
    from pipes_anomaly import report

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    images = report.evaluation_plots(result)
    for name, png in images.items():
        (out / name).write_bytes(png)
    (out / "report.md").write_text(
        report.evaluation_markdown(result, source=source), encoding="utf-8"
    )
    (out / "report.html").write_text(
        report.evaluation_html(result, images, source=source), encoding="utf-8"
    )
    return len(images)


# --- readers: labels and scores (issue 5) ---------------------------------------------


class LabelsError(ValueError):
    """A labels directory or scores file that cannot be read; the message names the file."""


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


def read_labels(directory: str | Path) -> Labels:
    """Read the ground truth written by ``anomaly generate --out DIR`` (design.md section 6).

    Parameters
    ----------
    directory : str or Path
        Directory holding ``labels.csv`` (required), ``lookalikes.csv``,
        ``window_labels.csv`` and ``manifest.json`` (optional).

    Returns
    -------
    Labels

    Raises
    ------
    LabelsError
        When the directory or ``labels.csv`` is missing or a file cannot be parsed.
    """
    d = Path(directory)
    if not d.is_dir():
        raise LabelsError(f"labels directory not found: {d}")
    labels_csv = d / "labels.csv"
    if not labels_csv.is_file():
        raise LabelsError(
            f"labels file not found: {labels_csv} (expected the --out directory of "
            "'anomaly generate')"
        )

    def _csv(p: Path) -> pd.DataFrame:
        try:
            return pd.read_csv(p, dtype="string", keep_default_na=False)
        except (ValueError, OSError) as exc:
            raise LabelsError(f"{p}: cannot read CSV: {exc}") from exc

    records = _csv(labels_csv)
    look_p, win_p, man_p = d / "lookalikes.csv", d / "window_labels.csv", d / "manifest.json"
    lookalikes = _csv(look_p) if look_p.is_file() else None
    window_labels = _csv(win_p) if win_p.is_file() else None
    manifest = {}
    if man_p.is_file():
        try:
            manifest = json.loads(man_p.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise LabelsError(f"{man_p}: invalid JSON: {exc}") from exc
    try:
        return Labels.from_frames(
            records, lookalikes, window_labels=window_labels, manifest=manifest
        )
    except ValueError as exc:
        raise LabelsError(f"{d}: {exc}") from exc
