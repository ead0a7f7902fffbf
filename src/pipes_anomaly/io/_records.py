"""The reader's record layout: the fields it keeps, a parsed block, checks all paths share.

Every read path (DuckDB, Arrow chunks, one line at a time, Parquet) turns its input into
:class:`Block` tables of the same flat columns (:data:`FLAT_COLUMNS`); a record that cannot
be used becomes a :class:`Reject` (or, when reading strictly, an :class:`InputError`).

Times (``created_at``, ``data.created_at``) follow one grammar on every path: an RFC 3339
date-time, ``YYYY-MM-DD``, ``T`` (or ``t`` or a space), ``hh:mm:ss``, an optional fraction of 1
to 9 digits, then ``Z`` (or ``z``), ``+hh:mm``, ``+hhmm`` or ``+hh`` (or ``-``); without a zone
it is UTC, as Tailpipe writes it. It must name a real instant (no February 30th, hour 24 or
leap second, offsets below 24 hours) that pandas holds in nanoseconds (:data:`MIN_NS` to
:data:`MAX_NS`). ``now``, ``2026``, ``01/02/2026`` or a date alone are not times.
:func:`fast_times` converts whole columns with Arrow and :func:`parse_time` one value: what the
first accepts, the second accepts with the same value (a property test checks it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from pipes_anomaly import schema

#: Default largest accepted line, in bytes (a real record is 1-3 KB).
MAX_LINE_BYTES = 1_000_000

#: UTF-8 byte-order mark: ignored at the very start of an input (a rejected first line keeps it).
BOM = b"\xef\xbb\xbf"

#: String fields the reader keeps, in this order (``created_at`` and ``data`` are parsed).
TEXT_FIELDS: tuple[str, ...] = ("id", "action_type", *schema.OPTIONAL_FIELDS)

#: Columns of a parsed block read from the record's ``data``.
DATA_COLUMNS = (
    "created_by_id",
    "created_by_ref",
    "workspace_id",
    "target_created_at",
    "role",
    "updated_by_id",
    "updated_by_ref",
    "user_id",
    "visibility",
)
#: Columns of a parsed block: the text fields, ``created_at``, and what is read of ``data``.
FLAT_COLUMNS = (*TEXT_FIELDS, "created_at", *DATA_COLUMNS)

#: Flat columns held as int64 nanoseconds since the epoch UTC (the others are text).
TIME_COLUMNS = ("created_at", "target_created_at")


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


@dataclass
class Block:
    """Records parsed from one input: a table of :data:`FLAT_COLUMNS` and their line numbers.

    The :data:`TIME_COLUMNS` are int64 ns UTC; ``lines`` are 1-based (a JSON document's
    record: its first line; a Parquet row: its number). ``raw_of``, when set, returns the
    records at the given row positions as the input holds them (for the rejects file);
    without it they are read again from the file by line number.
    """

    source: str
    table: pa.Table
    lines: np.ndarray
    raw_of: Callable[[np.ndarray], list[bytes]] | None = None


class BadField(Exception):
    """A record that cannot be used: the field at fault (None: the whole record) and why."""

    def __init__(self, field: str | None, reason: str) -> None:
        self.field, self.reason = field, reason


def json_type(value: object) -> str:
    """Name a decoded value's JSON type for messages: ``null``, ``a number``, ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _str_or_none(rec: dict, key: str, label: str | None = None) -> str | None:
    """``rec[key]`` when it is a string or absent/null; else the field is bad."""
    v = rec.get(key)
    if v is None or isinstance(v, str):
        return v
    raise BadField(label or key, f"expected a string, got {json_type(v)}")


def _time_field(value: str, label: str) -> int:
    """Convert a record's time string to int64 ns UTC; else the field is bad."""
    try:
        return parse_time(value)
    except TimeError as exc:
        raise BadField(label, str(exc)) from None


def record_values(rec: object) -> list:
    """Validate one decoded record and return its flat values (slow path)."""
    if not isinstance(rec, dict):
        raise BadField(None, f"expected a JSON object, got {json_type(rec)}")
    out = []
    for f in TEXT_FIELDS:
        out.append(_str_or_none(rec, f))
    for f in ("id", "action_type"):
        if not rec.get(f):
            raise BadField(f, "missing required field")
    if not (rec.get("actor_id") or rec.get("actor_handle")):
        raise BadField("actor_id", "missing required field (neither actor_id nor actor_handle)")
    ts = rec.get("created_at")
    if ts is None or ts == "":
        raise BadField("created_at", "missing required field")
    if not isinstance(ts, str):
        raise BadField("created_at", f"expected an RFC 3339 date-time string, got {json_type(ts)}")
    out.append(_time_field(ts, "created_at"))
    data = data_values(rec.get("data"))
    if data[3]:  # an empty data.created_at counts as absent
        data[3] = _time_field(data[3], "data.created_at")
    out.extend(data[:3] + [data[3] or None] + data[4:])
    return out


def data_values(data: object) -> list:
    """Return the ``data`` fields the reader keeps, in :data:`DATA_COLUMNS` order."""
    if isinstance(data, str):  # Tailpipe stores data as a JSON string
        try:
            data = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise BadField("data", "not valid JSON") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BadField("data", f"expected an object, got {json_type(data)}")
    cb = data.get("created_by")
    if cb is not None and not isinstance(cb, dict):
        raise BadField("data.created_by", f"expected an object, got {json_type(cb)}")
    ub = data.get("updated_by")
    if ub is not None and not isinstance(ub, dict):
        raise BadField("data.updated_by", f"expected an object, got {json_type(ub)}")
    return [
        _str_or_none(data, "created_by_id", "data.created_by_id"),
        _str_or_none(cb or {}, "id", "data.created_by.id"),
        _str_or_none(data, "workspace_id", "data.workspace_id"),
        _str_or_none(data, "created_at", "data.created_at"),
        _str_or_none(data, "role", "data.role"),
        _str_or_none(data, "updated_by_id", "data.updated_by_id"),
        _str_or_none(ub or {}, "id", "data.updated_by.id"),
        _str_or_none(data, "user_id", "data.user_id"),
        _str_or_none(data, "visibility", "data.visibility"),
    ]


def rows_to_table(rows: list[list]) -> pa.Table:
    """Flat values of records (from :func:`record_values`) as a table of :data:`FLAT_COLUMNS`."""
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in FLAT_COLUMNS]
    return pa.table(
        {
            n: pa.array(c, type=pa.int64() if n in TIME_COLUMNS else pa.string())
            for n, c in zip(FLAT_COLUMNS, cols, strict=True)
        }
    )


def non_empty(col: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Row mask of a text column's values that are present and not empty."""
    return pc.fill_null(pc.greater(pc.binary_length(col), 0), False).to_numpy(zero_copy_only=False)


def has_required(table: pa.Table, time_present: np.ndarray | None = None) -> np.ndarray:
    """Row mask of records whose required fields are present.

    ``time_present`` stands for the ``created_at`` column when that is not text (Parquet).
    """
    ok = non_empty(table.column("created_at")) if time_present is None else time_present.copy()
    for f in schema.REQUIRED_FIELDS:
        if f != "created_at":
            ok &= non_empty(table.column(f))
    return ok & (non_empty(table.column("actor_id")) | non_empty(table.column("actor_handle")))


def arrow_pool() -> pa.MemoryPool:
    """Arrow memory pool for the reader's large buffers: jemalloc where pyarrow has it.

    jemalloc hands freed pages out again for a while, where the default pool returns them to
    the system, so that each new buffer faults its pages in afresh. Only the reader's own
    allocations use it; the process's default pool is left alone.
    """
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc
        return pa.default_memory_pool()


#: Earliest and latest instant an events frame holds (pandas' nanosecond range).
MIN_NS = -(2**63) + 1
MAX_NS = 2**63 - 1
#: Those instants, for messages.
TIME_RANGE = "1677-09-21T00:12:43.145224193Z to 2262-04-11T23:47:16.854775807Z"
_TIME = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?"
    r"(?:[Zz]|([+-])(\d\d)(?::?(\d\d))?)?",
    re.ASCII,
)
_SHOWN_CHARS = 40  # of a bad value, in a message


class TimeError(ValueError):
    """A value that is not a time this reader accepts; the message says why."""


def shown(value: str) -> str:
    """``value`` quoted for a message, cut after a few dozen characters."""
    if len(value) > _SHOWN_CHARS:
        return repr(value[:_SHOWN_CHARS]) + "..."
    return repr(value)


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _days_in_month(y: int, m: int) -> int:
    if m == 2:
        return 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28
    return 30 if m in (4, 6, 9, 11) else 31


def parse_time(value: str) -> int:
    """One time string -> nanoseconds since 1970-01-01 UTC.

    Parameters
    ----------
    value : str
        A date-time in the grammar of this module.

    Returns
    -------
    int
        Nanoseconds since the epoch, from :data:`MIN_NS` to :data:`MAX_NS`.

    Raises
    ------
    TimeError
        ``value`` is not such a date-time, or lies outside that range.
    """
    m = _TIME.fullmatch(value)
    if m is None:
        raise TimeError(
            f"unparsable time {shown(value)}: expected an RFC 3339 date-time such as "
            "2024-05-01T12:00:00Z"
        )
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    frac, sign, oh, om = m.group(7, 8, 9, 10)
    oh, om = int(oh or 0), int(om or 0)
    if not 1 <= mo <= 12 or not 1 <= d <= _days_in_month(y, mo) or h > 23 or mi > 59 or s > 59:
        raise TimeError(f"unparsable time {shown(value)}: not a calendar date and time (RFC 3339)")
    if oh > 23 or om > 59:
        raise TimeError(f"unparsable time {shown(value)}: not an RFC 3339 zone offset")
    offset = (oh * 60 + om) * 60 * (-1 if sign == "-" else 1)
    seconds = _days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset
    ns = seconds * 1_000_000_000 + (int(frac.ljust(9, "0")) if frac else 0)
    if not MIN_NS <= ns <= MAX_NS:
        raise TimeError(f"time {shown(value)} out of range ({TIME_RANGE})")
    return ns


_COLON = 58  # the byte ":" at positions 13 and 16 of "YYYY-MM-DDThh:mm:ss"


def _have_seconds(col: pa.ChunkedArray) -> bool:
    """Whether every string is at least ``YYYY-MM-DDThh:mm:ss`` long, ``:`` where it belongs.

    Arrow's ISO 8601 parser also takes a time without seconds, which :func:`parse_time`
    refuses; this leaves such columns to it.
    """
    for chunk in col.chunks:
        if not len(chunk):
            continue
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        _, off_buf, data_buf = chunk.buffers()
        off = np.frombuffer(off_buf, dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1]
        if int(np.diff(off).min()) < 19:
            return False
        starts = off[:-1].astype(np.int64)
        data = np.frombuffer(data_buf, dtype=np.uint8)
        if not ((data[starts + 13] == _COLON) & (data[starts + 16] == _COLON)).all():
            return False
    return True


_EPOCH = "1970-01-01T00:00:00Z"  # stands in for a missing time so that the rest cast at once


def fast_times(col: pa.ChunkedArray, *, nullable: bool = False) -> pa.Array | None:
    """Time strings -> int64 ns UTC with Arrow; None when any value needs :func:`parse_time`.

    Parameters
    ----------
    col : pyarrow.ChunkedArray
        Strings (``string`` or ``large_string``).
    nullable : bool, default False
        Keep nulls as nulls; otherwise a null gives None.

    Returns
    -------
    pyarrow.Array or None
        The times; None when a value is missing (unless ``nullable``), is not a time or lies
        outside the range, or some values have a zone and others not.
    """
    nulls = col.null_count
    if nulls and not nullable:
        return None
    filled = col.fill_null(_EPOCH) if nulls else col
    if not _have_seconds(filled):
        return None
    arr = None
    for unit in (pa.timestamp("ns", tz="UTC"), pa.timestamp("ns")):  # zoned, else all zone-less
        try:
            arr = pc.cast(filled, unit, memory_pool=arrow_pool())
            break
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    if arr is None:
        return None
    ns = pc.cast(arr, pa.int64()).combine_chunks(memory_pool=arrow_pool())
    if len(ns) and pc.min(ns).as_py() < MIN_NS:  # Arrow's range holds one more instant
        return None
    if nulls:
        ns = pc.if_else(pc.is_valid(col).combine_chunks(), ns, pa.scalar(None, pa.int64()))
    return ns


def fast_checked(flat: pa.Table) -> pa.Table | None:
    """Convert a fast path's flat text columns' times; None if a record needs care.

    A record needs care when a required field is missing or a time is one :func:`fast_times`
    leaves to :func:`parse_time`: the caller then reads it on the exact path.
    """
    if not bool(has_required(flat).all()):
        return None
    for name in TIME_COLUMNS:
        ns = fast_times(flat.column(name), nullable=name != "created_at")
        if ns is None:
            return None
        flat = flat.set_column(flat.schema.get_field_index(name), name, ns)
    return flat


def timestamp_ns(col: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Convert a timestamp column (any unit, zone) to (int64 ns UTC, mask of values in range).

    A null comes back as 0 and in range: the caller treats it as missing.
    """
    per = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}[col.type.unit]
    raw = pc.fill_null(col.cast(pa.int64()), 0).to_numpy(zero_copy_only=False)
    ok = (raw >= -((-MIN_NS) // per)) & (raw <= MAX_NS // per)
    return np.where(ok, raw, 0) * per, ok
