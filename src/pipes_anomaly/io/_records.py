"""The reader's record layout: the fields it keeps, a parsed block, checks all paths share.

Every read path (DuckDB, Arrow chunks, one line at a time, Parquet) turns its input into
:class:`Block` tables of the same flat columns (:data:`FLAT_COLUMNS`); a record that cannot
be used becomes a :class:`Reject` (or, when reading strictly, an :class:`InputError`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipes_anomaly import schema

#: Default largest accepted line, in bytes (a real record is 1-3 KB).
MAX_LINE_BYTES = 1_000_000

#: String fields the reader keeps, in this order (``created_at`` and ``data`` are parsed).
TEXT_FIELDS: tuple[str, ...] = ("id", "action_type", *schema.OPTIONAL_FIELDS)

#: Columns of a parsed block: the text fields, ``created_at``, and what is read of ``data``.
FLAT_COLUMNS = (
    *TEXT_FIELDS,
    "created_at",
    "created_by_id",
    "created_by_ref",
    "workspace_id",
    "target_created_at",
    "role",
    "updated_by_id",
    "updated_by_ref",
)


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

    ``created_at`` is int64 ns UTC; ``lines`` are 1-based (array element or Parquet row).
    """

    source: str
    table: pa.Table
    lines: np.ndarray


class BadField(Exception):
    """A record that cannot be used: the field at fault (None: the whole record) and why."""

    def __init__(self, field: str | None, reason: str) -> None:
        self.field, self.reason = field, reason


def _str_or_none(rec: dict, key: str, label: str | None = None) -> str | None:
    """``rec[key]`` when it is a string or absent/null; else the field is bad."""
    v = rec.get(key)
    if v is None or isinstance(v, str):
        return v
    raise BadField(label or key, f"expected a string, got {type(v).__name__}")


def record_values(rec: object) -> list:
    """Validate one decoded record and return its flat values (slow path)."""
    if not isinstance(rec, dict):
        raise BadField(None, f"expected a JSON object, got {type(rec).__name__}")
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
        raise BadField("created_at", f"expected an RFC 3339 string, got {type(ts).__name__}")
    parsed = parse_time(ts)
    if parsed is pd.NaT:
        raise BadField("created_at", f"unparsable time {ts!r}")
    out.append(parsed.as_unit("ns").value)
    data = rec.get("data")
    out.extend(data_values(data))
    return out


def data_values(data: object) -> list:
    """created_by_id, created_by.id, workspace_id, created_at, role, updated_by(_id) of ``data``."""
    if isinstance(data, str):  # Tailpipe stores data as a JSON string
        try:
            data = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise BadField("data", "not valid JSON") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BadField("data", f"expected an object, got {type(data).__name__}")
    cb = data.get("created_by")
    if cb is not None and not isinstance(cb, dict):
        raise BadField("data.created_by", f"expected an object, got {type(cb).__name__}")
    ub = data.get("updated_by")
    if ub is not None and not isinstance(ub, dict):
        raise BadField("data.updated_by", f"expected an object, got {type(ub).__name__}")
    return [
        _str_or_none(data, "created_by_id", "data.created_by_id"),
        _str_or_none(cb or {}, "id", "data.created_by.id"),
        _str_or_none(data, "workspace_id", "data.workspace_id"),
        _str_or_none(data, "created_at", "data.created_at"),
        _str_or_none(data, "role", "data.role"),
        _str_or_none(data, "updated_by_id", "data.updated_by_id"),
        _str_or_none(ub or {}, "id", "data.updated_by.id"),
    ]


def rows_to_table(rows: list[list]) -> pa.Table:
    """Flat values of records (from :func:`record_values`) as a table of :data:`FLAT_COLUMNS`."""
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in FLAT_COLUMNS]
    return pa.table(
        {
            n: pa.array(c, type=pa.int64() if n == "created_at" else pa.string())
            for n, c in zip(FLAT_COLUMNS, cols, strict=True)
        }
    )


def has_required(table: pa.Table) -> np.ndarray:
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


def fast_times(col: pa.ChunkedArray) -> pa.Array | None:
    """RFC 3339 strings -> int64 ns UTC with Arrow; None when any value needs the slow path."""
    if col.null_count:
        return None
    try:
        arr = pc.cast(col, pa.timestamp("ns", tz="UTC"), memory_pool=arrow_pool())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pc.cast(arr, pa.int64()).combine_chunks(memory_pool=arrow_pool())


def parse_time(value: object) -> pd.Timestamp:
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
