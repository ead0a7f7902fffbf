"""Render a world's records as JSON lines or Arrow tables, chunk by chunk.

Records are joined from the pre-serialised fragments of ``fragments.py`` (per
actor, organisation, resource, action and extras) and the per-record columns,
so no record is built as a Python object.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipes_anomaly.generate.encode import ID_LENGTH, fixed_width, iso
from pipes_anomaly.generate.vocabulary import TENANT
from pipes_anomaly.generate.world import World

#: characters of an RFC 3339 timestamp that are its date
_DATE_CHARS = len("2026-01-05")
#: the quoted process id (``"p_`` and 20 characters, ``"``) without its quotes
_PROC_BODY = slice(1, 1 + len("p_") + ID_LENGTH)


def _part_bounds(world: World, part: str) -> tuple[int, int]:
    """First and last-plus-one record of ``part``."""
    split = world.split_index()
    if part == "train":
        return 0, split
    if part == "test":
        return split, world.n_records
    if part == "all":
        return 0, world.n_records
    raise ValueError(f"part must be 'train', 'test' or 'all', got {part!r}")


def _chunk_pieces(world: World, lo: int, hi: int) -> dict[str, pa.Array]:
    """Per-record pieces of records ``lo .. hi-1`` shared by both renderings."""
    ev, f = world.events, world._frags
    sl = slice(lo, hi)
    actor = pa.array(ev["actor"][sl])
    target = pa.array(ev["target"][sl])
    action = pa.array(ev["action"][sl].astype(np.int32))
    org = pc.take(f["res_org"], target)
    ts = iso(ev["ts"][sl])
    proc = fixed_width(b'"p_', np.concatenate(
        [ev["proc"][sl], np.full((hi - lo, 1), ord('"'), dtype=np.uint8)], axis=1))  # fmt: skip
    in_process = pa.array(ev["manual"][sl] == 0)
    return {
        "rid": fixed_width(b"a_", ev["rid"][sl]),
        "tpid": fixed_width(b"", ev["tpid"][sl]),
        "actor": actor,
        "creator": pa.array(ev["creator"][sl]),
        "updater": pa.array(_updater(world, lo, hi)),
        "target": target,
        "action": action,
        "org": org,
        "ts": ts,
        "date": pc.utf8_slice_codeunits(ts, 0, _DATE_CHARS),
        "ip": pc.take(f["ip"], pa.array(ev["ip"][sl])),
        "proc": pc.if_else(in_process, proc, pa.scalar("null")),
        "version": pc.cast(pa.array(ev["version"][sl]), pa.string()),
        "extra": pc.take(f["extra"], pa.array(ev["extra"][sl])),
    }


def _updater(world: World, lo: int, hi: int) -> np.ndarray:
    """Index into the ``updated_by`` fragments: who acted where the record carries it."""
    ev, f = world.events, world._frags
    carries = f["carries_updated_by"].to_numpy(zero_copy_only=False)[ev["action"][lo:hi]]
    return np.where(carries, ev["by"][lo:hi], len(f["updated_by"]) - 1)


def _data_json(f: dict[str, pa.Array], p: dict[str, pa.Array]) -> pa.Array:
    """Write the ``data`` object of each record as JSON text."""
    return pc.binary_join_element_wise(
        pc.take(f["tdata"], p["target"]),
        pc.take(f["created_by"], p["creator"]),
        pc.take(f["updated_by"], p["updater"]),
        pc.take(f["state"], p["action"]),
        ',"updated_at":"', p["ts"], '","version_id":', p["version"],
        p["extra"], "}", "",
    )  # fmt: skip


def render_jsonl(
    world: World, part: str = "all", *, chunk_size: int = 20_000
) -> Iterator[memoryview]:
    """Serialise records of one period as JSON lines, chunk by chunk.

    Parameters
    ----------
    world : World
        A simulated world.
    part : {"train", "test", "all"}, default "all"
        Which period to render.
    chunk_size : int, default 20_000
        Records per yielded chunk (bounds memory).

    Yields
    ------
    memoryview
        UTF-8 JSON lines, each ending in a newline; concatenated they form the
        file (``b"".join(render_jsonl(world))``); each view keeps its buffer alive.
    """
    lo, hi = _part_bounds(world, part)
    f = world._frags
    for start in range(lo, hi, chunk_size):
        stop = min(hi, start + chunk_size)
        p = _chunk_pieces(world, start, stop)
        line = pc.binary_join_element_wise(
            '{"id":"', p["rid"], '",', pc.take(f["action"], p["action"]), ",",
            pc.take(f["actor"], p["actor"]), ',"actor_ip":"', p["ip"], '","created_at":"',
            p["ts"], '",', pc.take(f["org"], p["org"]), ",", pc.take(f["target"], p["target"]),
            ',"process_id":', p["proc"], ',"data":', _data_json(f, p),
            ',"tp_id":"', p["tpid"], '","tp_source_type":"pipes_audit_log_api","tp_timestamp":"',
            p["ts"], '","tp_source_ip":"', p["ip"], '","tp_ips":["', p["ip"], '"],',
            pc.take(f["tpu"], p["actor"]), ',"tp_index":"', pc.take(f["org_handle"], p["org"]),
            '","tp_date":"', p["date"], '"}\n', "",
        )  # fmt: skip
        line = line.combine_chunks() if isinstance(line, pa.ChunkedArray) else line
        offsets = np.frombuffer(line.buffers()[1], dtype=np.int32)
        first, last = offsets[line.offset], offsets[line.offset + len(line)]
        yield memoryview(line.buffers()[2])[first:last]


def render_tables(
    world: World, part: str = "all", *, chunk_size: int = 100_000
) -> Iterator[pa.Table]:
    """Yield records of one period as Arrow tables in Tailpipe's column layout.

    ``data`` is a JSON string (as in Tailpipe's Parquet files), ``created_at``
    and ``tp_timestamp`` are UTC timestamps, ``tp_date`` a date,
    ``tp_ips``/``tp_usernames`` lists of strings.

    Parameters
    ----------
    world : World
        A simulated world.
    part : {"train", "test", "all"}, default "all"
        Which period to render.
    chunk_size : int, default 100_000
        Records per yielded table.

    Yields
    ------
    pyarrow.Table
        Columns ``schema.RECORD_FIELDS`` then ``schema.TP_FIELDS``.
    """
    lo, hi = _part_bounds(world, part)
    f = world._frags
    for start in range(lo, hi, chunk_size) or [lo]:  # an empty period gives one empty table
        stop = min(hi, start + chunk_size)
        p = _chunk_pieces(world, start, stop)
        ts = pa.array(world.events["ts"][start:stop].astype("datetime64[s]")).cast(
            pa.timestamp("s", tz="UTC")
        )
        n = stop - start
        ip = p["ip"]
        handle = pc.take(f["actor_handle"], p["actor"])
        aid = pc.take(f["actor_id"], p["actor"])
        two = pa.array(np.arange(0, 2 * n + 1, 2, dtype=np.int32))
        one = pa.array(np.arange(0, n + 1, dtype=np.int32))
        usernames = pa.ListArray.from_arrays(
            two, pc.take(pa.concat_arrays([handle, aid]), _interleave(n))
        )
        proc = pc.if_else(
            pc.equal(p["proc"], "null"),
            pa.nulls(n, pa.string()),
            pc.utf8_slice_codeunits(p["proc"], _PROC_BODY.start, _PROC_BODY.stop),
        )
        cols = {
            "id": p["rid"],
            "action_type": pc.take(f["action_name"], p["action"]),
            "actor_id": aid,
            "actor_handle": handle,
            "actor_display_name": pc.take(f["actor_display_name"], p["actor"]),
            "actor_avatar_url": pc.take(f["actor_avatar_url"], p["actor"]),
            "actor_ip": ip,
            "created_at": ts,
            "identity_id": pc.take(f["org_id"], p["org"]),
            "identity_handle": pc.take(f["org_handle"], p["org"]),
            "tenant_id": pa.array([TENANT] * n, type=pa.string()),
            "target_id": pc.take(f["target_id"], p["target"]),
            "target_handle": pc.take(f["target_handle"], p["target"]),
            "process_id": proc,
            "data": _data_json(f, p),
            "tp_id": p["tpid"],
            "tp_source_type": pa.array(["pipes_audit_log_api"] * n, type=pa.string()),
            "tp_timestamp": ts,
            "tp_source_ip": ip,
            "tp_ips": pa.ListArray.from_arrays(one, ip),
            "tp_usernames": usernames,
            "tp_index": pc.take(f["org_handle"], p["org"]),
            "tp_date": pc.cast(ts, pa.date32()),
        }
        yield pa.table(cols)


def _interleave(n: int) -> pa.Array:
    """Return indices ``0, n, 1, n+1, ...``: items i of two stacked arrays side by side."""
    idx = np.empty(2 * n, dtype=np.int64)
    idx[0::2] = np.arange(n)
    idx[1::2] = np.arange(n) + n
    return pa.array(idx)
