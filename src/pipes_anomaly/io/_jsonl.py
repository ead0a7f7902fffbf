"""JSON lines: blocks of whole lines parsed by Arrow, bad lines one by one.

A block of lines is parsed by Arrow's JSON reader when every line in it is sound; otherwise
each line is decoded alone (:func:`~pipes_anomaly.io._json.loads_record`) so that a bad one is
rejected with its number, field and reason.
"""

from __future__ import annotations

import io as _io
import zlib
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from pipes_anomaly.io._json import loads_record
from pipes_anomaly.io._records import (
    BOM,
    TEXT_FIELDS,
    BadField,
    Block,
    InputError,
    Reject,
    fast_checked,
    record_values,
    rows_to_table,
)

CHUNK_BYTES = 1 << 25  # 32 MiB of text per parse block
_NEWLINE = 10  # the byte b"\n"
_OPEN_BRACE = 123  # the byte b"{"
_READ_STEP = 1 << 20  # bytes read from a stream at a time: a corrupt stream loses little


def _arrow_schema() -> pa.Schema:
    created_by = pa.struct([("id", pa.string())])
    data = pa.struct(
        [
            ("created_by_id", pa.string()),
            ("created_by", created_by),
            ("workspace_id", pa.string()),
            ("created_at", pa.string()),
            ("role", pa.string()),
            ("updated_by_id", pa.string()),
            ("updated_by", created_by),
            ("user_id", pa.string()),
            ("visibility", pa.string()),
        ]
    )
    fields = [(f, pa.string()) for f in TEXT_FIELDS] + [("created_at", pa.string())]
    return pa.schema([*fields, ("data", data)])


_PARSE_OPTIONS = pa_json.ParseOptions(
    explicit_schema=_arrow_schema(), unexpected_field_behavior="ignore"
)


def _flatten_arrow(table: pa.Table) -> pa.Table:
    """Arrow table in the reader schema -> flat columns (data.* pulled up)."""
    data = table.column("data").combine_chunks()
    cols = {f: table.column(f) for f in TEXT_FIELDS}
    cols["created_at"] = table.column("created_at")
    cb = pc.struct_field(data, "created_by")
    cols["created_by_id"] = pc.struct_field(data, "created_by_id")
    cols["created_by_ref"] = pc.struct_field(cb, "id")
    cols["workspace_id"] = pc.struct_field(data, "workspace_id")
    cols["target_created_at"] = pc.struct_field(data, "created_at")
    cols["role"] = pc.struct_field(data, "role")
    cols["updated_by_id"] = pc.struct_field(data, "updated_by_id")
    cols["updated_by_ref"] = pc.struct_field(pc.struct_field(data, "updated_by"), "id")
    cols["user_id"] = pc.struct_field(data, "user_id")
    cols["visibility"] = pc.struct_field(data, "visibility")
    return pa.table(cols)


class _NewlineMask:
    """Newline masks of the chunks of one read, in one buffer reused from chunk to chunk.

    Reusing the buffer spares each big chunk the page faults of a fresh mask.
    """

    def __init__(self) -> None:
        self._buffer = np.zeros(0, dtype=bool)

    def __call__(self, view: np.ndarray) -> np.ndarray:
        """Mask of the newline bytes of a uint8 array; valid until the next call."""
        if len(self._buffer) < len(view):
            self._buffer = np.zeros(len(view), dtype=bool)
        is_newline = self._buffer[: len(view)]
        np.equal(view, _NEWLINE, out=is_newline)
        return is_newline


def parse_lines(
    source: str,
    lines: Sequence[bytes],
    numbers: Sequence[int],
    max_line_bytes: int,
    strict: bool,
    rejects: list[Reject],
    *,
    bom: bool = False,
) -> tuple[Block, int]:
    """Parse lines one by one; return the block of good records and the count read.

    ``numbers`` are the lines' numbers in the input (blank lines are skipped, not read).
    ``bom``: the first line starts the input with a byte-order mark, which is not decoded
    (a rejected line keeps it).
    """
    rows: list[list] = []
    nums: list[int] = []
    n_read = 0
    for k, (raw, lineno) in enumerate(zip(lines, numbers, strict=True)):
        text = raw[len(BOM) :] if bom and k == 0 else raw
        if not text.strip():
            continue
        n_read += 1
        try:
            if len(raw) > max_line_bytes:
                raise BadField(None, f"line longer than {max_line_bytes} bytes ({len(raw)})")
            try:
                rec = loads_record(text)
            except orjson.JSONDecodeError as exc:
                msg = str(exc)
                if "utf-8" in msg.lower() or "utf8" in msg.lower() or "surrogate" in msg.lower():
                    raise BadField(None, "not valid UTF-8") from None
                raise BadField(None, f"malformed JSON ({msg})") from None
            rows.append(record_values(rec))
        except BadField as bad:
            if strict:
                raise InputError(source, lineno, bad.field, bad.reason) from None
            rejects.append(Reject(source, lineno, bad.field, bad.reason, raw))
            continue
        nums.append(lineno)
    block = Block(source, rows_to_table(rows), np.asarray(nums, dtype=np.int64))
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


def _parse_chunk(
    source: str,
    chunk: memoryview,
    first_line: int,
    max_line_bytes: int,
    strict: bool,
    rejects: list[Reject],
    newline_mask: _NewlineMask,
) -> tuple[Block, int, int]:
    """Parse a block of whole lines; fast (Arrow) path with a per-line fallback.

    Returns the block, the number of records read and the number of lines in the chunk.
    A byte-order mark opening the input (``first_line`` 1) is not parsed.
    """
    bom = first_line == 1 and chunk[: len(BOM)] == BOM
    skip = len(BOM) if bom else 0
    view = np.frombuffer(chunk, dtype=np.uint8)
    nl = np.flatnonzero(newline_mask(view))
    ends = nl if (len(chunk) and chunk[-1] == _NEWLINE) else np.append(nl, len(chunk))
    starts = np.concatenate(([0], ends[:-1] + 1)) if len(ends) else np.zeros(0, np.int64)
    n_lines = len(ends)
    lengths = ends - starts
    fast_ok = n_lines > 0 and int(lengths.min()) > 0 and int(lengths.max()) <= max_line_bytes
    fast_ok = fast_ok and int(lengths[0]) > skip
    # every line must open an object: Arrow's reader crashes on a line that is a bare null
    # (apache/arrow#47409), and any other non-object line is rejected one by one anyway
    if fast_ok:
        opens = starts.copy()
        opens[0] += skip
        fast_ok = bool((view[opens] == _OPEN_BRACE).all())
    if fast_ok and not _valid_utf8(chunk):  # Arrow's JSON reader does not check UTF-8
        fast_ok = False
    if fast_ok:
        try:
            table = pa_json.read_json(
                pa.BufferReader(pa.py_buffer(chunk[skip:])),
                read_options=pa_json.ReadOptions(
                    # a few blocks per chunk, so that Arrow parses them on all cores
                    block_size=max(1 << 20, len(chunk) // 4, int(lengths.max()) + 2)
                ),
                parse_options=_PARSE_OPTIONS,
            )
        except (pa.ArrowInvalid, UnicodeDecodeError, ValueError):
            table = None
        flat = None
        if table is not None and table.num_rows == n_lines:
            flat = fast_checked(_flatten_arrow(table))
        if flat is not None:
            lines = np.arange(first_line, first_line + n_lines, dtype=np.int64)
            return Block(source, flat, lines), n_lines, n_lines
    parts = [bytes(chunk[s:e]) for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    numbers = range(first_line, first_line + n_lines)
    block, n_read = parse_lines(source, parts, numbers, max_line_bytes, strict, rejects, bom=bom)
    return block, n_read, n_lines


def iter_chunks(
    stream: _io.BufferedIOBase,
    progress: Callable[[int], None] | None,
) -> Iterator[memoryview]:
    """Yield blocks of whole lines (the last may lack its newline) without copying.

    A corrupt compressed stream yields what was decoded and raises ``CorruptStream``.
    """
    buf = bytearray(CHUNK_BYTES)
    fill = 0
    eof = False
    while not eof:
        if fill == len(buf):  # one line longer than the buffer: grow (new object)
            buf = buf + bytearray(len(buf))
        start = fill
        while fill < len(buf):
            try:
                n = stream.readinto1(memoryview(buf)[fill : fill + _READ_STEP])
            except (OSError, EOFError, zlib.error) as exc:
                cut = buf.rfind(b"\n", 0, fill)
                if cut >= 0:
                    yield memoryview(buf)[: cut + 1]
                tail = bytes(buf[cut + 1 : fill])  # a partial last line belongs to the damage
                raise CorruptStream(str(exc) or type(exc).__name__, tail) from None
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


class CorruptStream(Exception):
    """A compressed stream that cannot be decoded further; ``tail`` is its partial last line."""

    def __init__(self, message: str, tail: bytes) -> None:
        super().__init__(message)
        self.tail = tail


def read_lines_stream(
    stream: _io.BufferedIOBase,
    source: str,
    *,
    strict: bool,
    max_line_bytes: int,
    rejects: list[Reject],
    progress: Callable[[int], None] | None,
) -> tuple[list[Block], int]:
    """Read a JSON-lines stream; return its blocks and the number of records read.

    A damaged compressed stream ends the read: what was decoded is kept, and the damage is
    one rejected record (an :class:`InputError` when ``strict``).
    """
    blocks: list[Block] = []
    n_read = 0
    next_line = 1
    newline_mask = _NewlineMask()
    try:
        for chunk in iter_chunks(stream, progress):
            block, nr, nl = _parse_chunk(
                source, chunk, next_line, max_line_bytes, strict, rejects, newline_mask
            )
            blocks.append(block)
            n_read += nr
            next_line += nl
    except CorruptStream as exc:
        reason = f"corrupt compressed stream after line {next_line - 1} ({exc})"
        if strict:
            raise InputError(source, next_line, None, reason) from None
        rejects.append(Reject(source, next_line, None, reason, exc.tail))
        n_read += 1
    return blocks, n_read
