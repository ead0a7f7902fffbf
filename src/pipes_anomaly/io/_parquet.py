"""Parquet inputs (Tailpipe's ``pipes_audit_log`` files): columns checked and cast to text.

A row that cannot be used is rejected with every column the file holds for it (as a JSON
object, times in ISO 8601), not only the columns the reader keeps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipes_anomaly._text import visible
from pipes_anomaly.io._records import (
    DATA_COLUMNS,
    TEXT_FIELDS,
    TIME_RANGE,
    BadField,
    Block,
    InputError,
    Reject,
    TimeError,
    data_values,
    fast_times,
    has_required,
    non_empty,
    parse_time,
    timestamp_ns,
)

#: The reader's columns taken from ``data``: (field in ``data``, flat column).
_DATA_FIELDS = (
    ("created_by_id", "created_by_id"),
    ("workspace_id", "workspace_id"),
    ("role", "role"),
    ("updated_by_id", "updated_by_id"),
    ("user_id", "user_id"),
    ("visibility", "visibility"),
)

#: Fields of ``data`` that are words, not ids: another type there is the row's error (an id
#: stored as a number is still an id, and is read as text).
_WORD_FIELDS = frozenset({"role", "visibility"})

#: Row -> (field, reason) of the rows found unusable, the first problem of each.
Problems = dict[int, tuple[str | None, str]]


def read_parquet(
    file: Path | pa.NativeFile, source: str, *, strict: bool, rejects: list[Reject]
) -> tuple[list[Block], int]:
    """Read a Parquet file of audit records; return its block and the number of rows read."""
    try:
        pf = pq.ParquetFile(file)
        names = set(pf.schema_arrow.names)
        wanted = [c for c in (*TEXT_FIELDS, "created_at", "data") if c in names]
        table = pf.read(columns=wanted)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(source, None, None, f"cannot read Parquet file ({exc})") from None
    n = table.num_rows
    nulls = pa.nulls(n, pa.string())
    cols = {f: _as_text(table.column(f), f, source) if f in names else nulls for f in TEXT_FIELDS}
    created = table.column("created_at") if "created_at" in names else pa.chunked_array([nulls])
    data_cols, problems = _data_columns(table, source)
    ns, present, bad_times = _column_times(created)
    cols["created_at"] = pa.array(ns, pa.int64())
    cols.update(data_cols)
    flat = pa.table(cols)
    for i in np.flatnonzero(~has_required(flat, present)).tolist():
        missing = [f for f in ("id", "action_type") if not _text_at(flat, f, i)]
        missing += [] if present[i] else ["created_at"]
        problems.setdefault(i, ((missing or ["actor_id"])[0], "missing required field"))
    for i, reason in bad_times.items():
        problems.setdefault(i, ("created_at", reason))
    original = _original_rows(pf)
    if problems:
        first = min(problems)
        if strict:
            raise InputError(source, first + 1, *problems[first])
        rows = sorted(problems)
        for i, raw in zip(rows, original(np.asarray(rows)), strict=True):
            rejects.append(Reject(source, i + 1, *problems[i], raw))
        keep = np.ones(n, dtype=bool)
        keep[rows] = False
        flat = flat.filter(pa.array(keep))
        lines = np.flatnonzero(keep).astype(np.int64) + 1
    else:
        lines = np.arange(1, n + 1, dtype=np.int64)
    return [Block(source, flat, lines, lambda rows: original(lines[rows] - 1))], n


def _text_at(flat: pa.Table, field: str, i: int) -> bool:
    """Whether text field ``field`` of row ``i`` is present and not empty."""
    return bool(flat.column(field)[i].as_py())


def _as_text(
    col: pa.Array | pa.ChunkedArray, field: str, source: str
) -> pa.Array | pa.ChunkedArray:
    """Cast a typed Parquet column to text (ids stored as numbers are still ids)."""
    if pa.types.is_string(col.type) or (
        pa.types.is_large_string(col.type) and not field.startswith("data.")
    ):
        return col  # top-level large strings are kept, data fields are cast
    try:
        return pc.cast(col, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # a list or struct
        raise InputError(
            source, None, field, f"Parquet column of type {_type_text(col.type)} where text belongs"
        ) from None


def _type_words(t: pa.DataType) -> str:
    """Say what a column of type ``t`` holds, in a message about a time."""
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "a number (epoch numbers are not read: their unit is unknown)"
    if pa.types.is_date(t):
        return "a date without a time"
    return f"a Parquet {_type_text(t)} value"


def _column_times(col: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """Convert a time column of any type: (int64 ns UTC, present mask, {row: why it is bad}).

    Strings follow the reader's time grammar (an empty one is absent); timestamps of any
    unit and zone must lie in the range pandas holds; any other type is refused.
    """
    present = pc.is_valid(col).to_numpy(zero_copy_only=False)
    n = len(col)
    if pa.types.is_timestamp(col.type):
        ns, ok = timestamp_ns(col)
        bad = np.flatnonzero(present & ~ok).tolist()
        return ns, present, {i: f"time {_iso(col[i])} out of range ({TIME_RANGE})" for i in bad}
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        why = f"expected an RFC 3339 date-time or a timestamp, got {_type_words(col.type)}"
        return np.zeros(n, np.int64), present, dict.fromkeys(np.flatnonzero(present).tolist(), why)
    present &= non_empty(col)
    fast = fast_times(col, nullable=True)
    if fast is not None:
        return pc.fill_null(fast, 0).to_numpy(zero_copy_only=False), present, {}
    ns = np.zeros(n, dtype=np.int64)
    bad = {}
    for i in np.flatnonzero(present).tolist():
        try:
            ns[i] = parse_time(col[i].as_py())
        except TimeError as exc:
            bad[i] = str(exc)
    return ns, present, bad


def _iso(value: pa.Scalar) -> str:
    """Write a timestamp scalar as ISO 8601 for a message (its own unit, no pandas)."""
    unit = value.type.unit
    per = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[unit]
    seconds, frac = divmod(value.cast(pa.int64()).as_py(), per)
    when = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=seconds)
    return when.isoformat() + (f".{frac:0{len(str(per)) - 1}d}" if frac else "")


def _data_columns(table: pa.Table, source: str) -> tuple[dict[str, pa.Array], Problems]:
    """Return the columns taken from ``data`` (JSON text or struct) and the rows it makes bad."""
    n = table.num_rows
    cols = {k: pa.nulls(n, pa.string()) for k in DATA_COLUMNS}
    if "data" not in table.column_names:
        return cols | {"target_created_at": pa.nulls(n, pa.int64())}, {}
    data = table.column("data")
    problems: Problems = {}
    if pa.types.is_string(data.type) or pa.types.is_large_string(data.type):
        cols, problems = _data_from_json(data)
    elif pa.types.is_struct(data.type):
        data = data.combine_chunks()
        struct_cols, problems = _data_from_struct(data, source)
        cols |= struct_cols
        if "created_at" in {f.name for f in data.type}:
            cols["target_created_at"] = pc.struct_field(data, "created_at")
    ns, present, bad = _column_times(pa.chunked_array([cols["target_created_at"]]))
    cols["target_created_at"] = pa.array(ns, pa.int64(), mask=~present)
    for i, why in bad.items():
        problems.setdefault(i, ("data.created_at", why))
    return cols, problems


def _data_from_json(data: pa.ChunkedArray) -> tuple[dict[str, pa.Array], Problems]:
    """Return the ``data`` columns of JSON strings and the rows whose ``data`` is bad."""
    vals: list[list] = []
    problems: Problems = {}
    for i, text in enumerate(data.to_pylist()):
        try:
            vals.append(data_values(text))
        except BadField as bad:
            problems[i] = (bad.field, bad.reason)
            vals.append([None] * len(DATA_COLUMNS))
    columns = list(zip(*vals, strict=True)) if vals else [[]] * len(DATA_COLUMNS)
    return {k: pa.array(c, pa.string()) for k, c in zip(DATA_COLUMNS, columns, strict=True)}, (
        problems
    )


def _data_from_struct(data: pa.StructArray, source: str) -> tuple[dict[str, pa.Array], Problems]:
    """Return the text columns present in a struct ``data`` column and the rows it makes bad."""
    out = {}
    problems: Problems = {}
    sub = {f.name for f in data.type}
    for key, column in _DATA_FIELDS:
        if key not in sub:
            continue
        values = pc.struct_field(data, key)
        if key in _WORD_FIELDS and not _is_text(values.type):
            why = f"expected a string, got {_json_words(values.type)}"
            for i in np.flatnonzero(values.is_valid().to_numpy(zero_copy_only=False)).tolist():
                problems.setdefault(i, (f"data.{key}", why))
            out[column] = pa.nulls(len(values), pa.string())
            continue
        out[column] = _as_text(values, f"data.{key}", source)
    for key in ("created_by", "updated_by"):
        if key in sub:
            ref = pc.struct_field(data, key)
            if pa.types.is_struct(ref.type) and "id" in {f.name for f in ref.type}:
                out[f"{key}_ref"] = _as_text(pc.struct_field(ref, "id"), f"data.{key}.id", source)
    return out, problems


def _is_text(t: pa.DataType) -> bool:
    """Whether a Parquet column of type ``t`` holds text (plain, large, view or dictionary)."""
    if pa.types.is_dictionary(t):
        return _is_text(t.value_type)
    is_view = getattr(pa.types, "is_string_view", None)  # pyarrow 16 and later
    return pa.types.is_string(t) or pa.types.is_large_string(t) or bool(is_view and is_view(t))


def _json_words(t: pa.DataType) -> str:
    """Say what a typed Parquet column holds as JSON would name it: ``a number``, ..."""
    if pa.types.is_boolean(t):
        return "a boolean"
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "a number"
    if pa.types.is_struct(t) or pa.types.is_map(t):
        return "an object"
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return "an array"
    return f"a value of type {_type_text(t)}"


def _type_text(t: pa.DataType) -> str:
    """Write a Parquet type for a message, made visible: its names and zones are the file's."""
    return visible(str(t))


def _json_default(value: object) -> object:
    """Convert what orjson cannot write itself in a rejected row: times, bytes, decimals."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    return str(value)


def _row(one: pa.Table) -> dict:
    """Return a one-row table as a dict, each value as Python has it, else as Arrow prints it.

    A value Python cannot take (a timestamp whose zone is no zone) keeps Arrow's text of it,
    so that the rejected row is still kept whole.
    """
    out = {}
    for name, col in zip(one.column_names, one.columns, strict=True):
        try:
            out[name] = col[0].as_py()
        except (pa.ArrowException, ValueError, OverflowError):
            out[name] = col.to_string()
    return out


def _original_rows(pf: pq.ParquetFile) -> Callable[[np.ndarray], list[bytes]]:
    """Return a function from row numbers (0-based) to those rows, every column, as JSON."""
    whole: list[pa.Table] = []

    def rows(index: np.ndarray) -> list[bytes]:
        if not whole:  # read once, and only when a row is wanted
            whole.append(pf.read())
        # row by row: ``take`` has no kernel for some types (string views)
        picked = [_row(whole[0].slice(int(i), 1)) for i in index]
        return [orjson.dumps(r, default=_json_default) for r in picked]

    return rows
