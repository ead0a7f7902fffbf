"""The DuckDB path: a whole JSON-lines file parsed at once, used only when nothing is in doubt."""

from __future__ import annotations

import gzip
import io as _io
import mmap
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from pipes_anomaly.io._jsonl import (
    CHUNK_BYTES,
    CorruptStream,
    iter_chunks,
)
from pipes_anomaly.io._records import (
    FLAT_COLUMNS,
    TEXT_FIELDS,
    Block,
    arrow_pool,
    fast_checked,
)

_GLOB_CHARS = frozenset("*?[]{}")


_DUCKDB_BATCH_ROWS = 1 << 17  # rows per batch streamed from DuckDB


_DATA_JSON_PATHS = (
    "data.created_by_id",
    "data.created_by.id",
    "data.workspace_id",
    "data.created_at",
    "data.role",
    "data.updated_by_id",
    "data.updated_by.id",
    "data.user_id",
    "data.visibility",
)


def _duckdb_sql(path: str, gz: bool, max_line_bytes: int) -> str:
    """Query returning every reader field as its JSON text, one row per line, in file order."""
    data = (
        "STRUCT(created_by_id JSON, created_by STRUCT(id JSON), workspace_id JSON, "
        "created_at JSON, role JSON, updated_by_id JSON, updated_by STRUCT(id JSON), "
        "user_id JSON, visibility JSON)"
    )
    cols = ", ".join(f"{f}: 'JSON'" for f in (*TEXT_FIELDS, "created_at"))
    exprs = [*TEXT_FIELDS, "created_at", *_DATA_JSON_PATHS]
    select = ", ".join(f'{e} AS "{n}"' for e, n in zip(exprs, FLAT_COLUMNS, strict=True))
    literal = path.replace("'", "''")
    size = max(2 * max_line_bytes + 64, 1 << 24)
    return (
        f"SELECT {select} FROM read_ndjson('{literal}', columns={{{cols}, data: '{data}'}}, "
        f"format='newline_delimited', records=true, auto_detect=false, "
        f"compression='{'gzip' if gz else 'none'}', maximum_object_size={size})"
    )


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
            for chunk in iter_chunks(stream, progress):  # blocks of whole lines
                buf, n = chunk.obj, len(chunk)
                assert isinstance(buf, bytearray)
                n_lines += _newlines(np.frombuffer(chunk, dtype=np.uint8)) + (chunk[-1] != 10)
                if not _lines_fit(buf, n, max_line_bytes):
                    return None
        except CorruptStream:
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
            for start in range(0, size, CHUNK_BYTES):
                count = min(CHUNK_BYTES, size - start)
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
    cut = pc.binary_slice(arr.cast(pa.binary()), 1, -1, memory_pool=arrow_pool())
    return pa.Array.from_buffers(pa.string(), len(cut), cut.buffers(), cut.null_count)


def _duckdb_columns(con: duckdb.DuckDBPyConnection, sql: str) -> list[list[pa.Array]] | None:
    """Stream the query's rows in batches; the unquoted columns, None at any non-string."""
    parts: list[list[pa.Array]] = [[] for _ in FLAT_COLUMNS]
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
) -> tuple[list[Block], int] | None:
    """Parse a whole JSON-lines file with DuckDB; None whenever anything is in doubt.

    DuckDB returns every reader field as its JSON text (so a number where a string belongs is
    seen, not turned into a string), one row per line in file order, and fails on invalid
    UTF-8 anywhere in a line; meanwhile this thread counts the lines and checks their length.
    The rows are used only if their count equals
    the number of lines (DuckDB skips blank lines and fails on two records on one line), every
    field is a string or null, every time parses and every required field is present: then row
    i is line i + 1 and the block equals what the Arrow path gives. Otherwise the caller reads
    the file again with the per-chunk path, which rejects precisely (file, line, field, the
    verbatim line). What DuckDB accepts beyond RFC 8259 (trailing commas, NaN/Infinity,
    numbers beyond a double, any depth) the exact path accepts too (``_json``).
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
    flat = fast_checked(pa.table(dict(zip(FLAT_COLUMNS, cols, strict=True))))
    if flat is None:
        return None
    lines = np.arange(1, n_lines + 1, dtype=np.int64)
    return [Block(source, flat, lines)], n_lines


def try_duckdb(
    path: Path,
    source: str,
    stream: _io.BufferedIOBase,
    *,
    max_line_bytes: int,
    progress: Callable[[int], None] | None,
) -> tuple[tuple[list[Block], int] | None, _io.BufferedIOBase | None, Callable | None]:
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
    fresh = gzip.open(path, "rb") if gz else open(path, "rb")  # the caller closes it
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
