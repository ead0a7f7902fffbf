"""Parquet inputs (Tailpipe's ``pipes_audit_log`` files): columns checked and cast to text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipes_anomaly import schema
from pipes_anomaly.io._records import (
    TEXT_FIELDS,
    BadField,
    Block,
    InputError,
    Reject,
    data_values,
    has_required,
    parse_time,
)

#: The reader's columns taken from ``data``: (field in ``data``, flat column).
_DATA_FIELDS = (
    ("created_by_id", "created_by_id"),
    ("workspace_id", "workspace_id"),
    ("created_at", "target_created_at"),
    ("role", "role"),
    ("updated_by_id", "updated_by_id"),
)
_DATA_COLUMNS = (
    "created_by_id",
    "created_by_ref",
    "workspace_id",
    "target_created_at",
    "role",
    "updated_by_id",
    "updated_by_ref",
)


def read_parquet(
    path: Path, source: str, *, strict: bool, rejects: list[Reject]
) -> tuple[list[Block], int]:
    """Read a Parquet file of audit records; return its block and the number of rows read."""
    try:
        pf = pq.ParquetFile(path)
        names = set(pf.schema_arrow.names)
        wanted = [c for c in (*TEXT_FIELDS, "created_at", "data") if c in names]
        table = pf.read(columns=wanted)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(source, None, None, f"cannot read Parquet file ({exc})") from None
    n = table.num_rows
    cols: dict[str, pa.Array] = {}
    for f in TEXT_FIELDS:
        if f in names:
            cols[f] = _as_text(table.column(f), f, source)
        else:
            cols[f] = pa.nulls(n, pa.string())
    ts = table.column("created_at") if "created_at" in names else pa.nulls(n, pa.string())
    if pa.types.is_timestamp(ts.type):
        if ts.type.tz is None:
            ts = pc.assume_timezone(ts, "UTC")
        ts = pc.cast(ts, pa.timestamp("ns", tz="UTC"))
    cols["created_at"] = ts
    data_cols, data_ok = _data_columns(table, source, strict=strict, rejects=rejects)
    cols.update(data_cols)
    flat = pa.table(cols)
    lines = np.arange(1, n + 1, dtype=np.int64)
    flat, lines = _drop_incomplete(flat, ts, data_ok, lines, source, strict, rejects)
    flat, lines = _parse_times(flat, lines, source, strict, rejects)
    return [Block(source, flat, lines)], n


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
            source, None, field, f"Parquet column of type {col.type} where text belongs"
        ) from None


def _data_columns(
    table: pa.Table, source: str, *, strict: bool, rejects: list[Reject]
) -> tuple[dict[str, pa.Array], np.ndarray]:
    """Return the columns taken from ``data`` (JSON text or struct) and the rows of sound data."""
    n = table.num_rows
    data_ok = np.ones(n, dtype=bool)
    empty = {k: pa.nulls(n, pa.string()) for k in _DATA_COLUMNS}
    if "data" not in table.column_names:
        return empty, data_ok
    data = table.column("data")
    if pa.types.is_string(data.type) or pa.types.is_large_string(data.type):
        return _data_from_json(data, source, data_ok, strict=strict, rejects=rejects), data_ok
    if pa.types.is_struct(data.type):
        return empty | _data_from_struct(data.combine_chunks(), source), data_ok
    return empty, data_ok


def _data_from_json(
    data: pa.ChunkedArray,
    source: str,
    data_ok: np.ndarray,
    *,
    strict: bool,
    rejects: list[Reject],
) -> dict[str, pa.Array]:
    """Return the ``data`` columns of JSON strings; a row that cannot be used is rejected."""
    vals: list[list] = []
    for i, text in enumerate(data.to_pylist()):
        try:
            vals.append(data_values(text))
        except BadField as bad:
            if strict:
                raise InputError(source, i + 1, bad.field, bad.reason) from None
            rejects.append(
                Reject(source, i + 1, bad.field, bad.reason, orjson.dumps({"data": text}))
            )
            vals.append([None] * len(_DATA_COLUMNS))
            data_ok[i] = False
    columns = list(zip(*vals, strict=True)) if vals else [[]] * len(_DATA_COLUMNS)
    return {k: pa.array(c, type=pa.string()) for k, c in zip(_DATA_COLUMNS, columns, strict=True)}


def _data_from_struct(data: pa.StructArray, source: str) -> dict[str, pa.Array]:
    """Return the ``data`` columns present in a struct column, as text."""
    out = {}
    sub = {f.name for f in data.type}
    for key, column in _DATA_FIELDS:
        if key in sub:
            out[column] = _as_text(pc.struct_field(data, key), f"data.{key}", source)
    for key in ("created_by", "updated_by"):
        if key in sub:
            ref = pc.struct_field(data, key)
            if pa.types.is_struct(ref.type) and "id" in {f.name for f in ref.type}:
                out[f"{key}_ref"] = _as_text(pc.struct_field(ref, "id"), f"data.{key}.id", source)
    return out


def _drop_incomplete(
    flat: pa.Table,
    ts: pa.ChunkedArray,
    data_ok: np.ndarray,
    lines: np.ndarray,
    source: str,
    strict: bool,
    rejects: list[Reject],
) -> tuple[pa.Table, np.ndarray]:
    """Reject rows that lack a required field (rows with bad data are already rejected)."""
    if pa.types.is_timestamp(ts.type):  # a timestamp is present unless null
        present = pc.if_else(pc.is_valid(ts), pa.scalar("t"), pa.scalar(None, pa.string()))
        ok = has_required(
            flat.set_column(flat.schema.get_field_index("created_at"), "created_at", present)
        )
    else:
        ok = has_required(flat)
    if (ok & data_ok).all():
        return flat, lines
    bad = np.flatnonzero(~ok & data_ok)
    rows = flat.take(pa.array(bad)).to_pylist()
    for i, row in zip(bad.tolist(), rows, strict=True):
        fld = next((f for f in schema.REQUIRED_FIELDS if not row[f]), "actor_id")
        reason = "missing required field"
        if strict:
            raise InputError(source, i + 1, fld, reason)
        rejects.append(Reject(source, i + 1, fld, reason, orjson.dumps(row, default=str)))
    ok &= data_ok
    return flat.filter(pa.array(ok)), lines[ok]


def _parse_times(
    flat: pa.Table, lines: np.ndarray, source: str, strict: bool, rejects: list[Reject]
) -> tuple[pa.Table, np.ndarray]:
    """``created_at`` as int64 ns UTC; rows whose time does not parse are rejected.

    JSON lines and arrays parse times as they read records; Parquet rows are checked here.
    """
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
    return flat, lines


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
        [parse_time(v) for v in values] if values else [], dtype="datetime64[ns, UTC]"
    )
    # zone-less strings count as UTC (Tailpipe writes timestamps without zone)
    valid = ~np.asarray(t.isna())
    ns = t.as_unit("ns").asi8
    return np.where(valid, ns, 0), valid


def _raw_from_row(table: pa.Table, i: int) -> bytes:
    """Row ``i`` of the flat table as JSON (what a rejects file can hold of a Parquet row)."""
    return orjson.dumps(table.slice(i, 1).to_pylist()[0], default=str)
