"""Parsed blocks -> the events frame: repeated ids settled, sorted, derived columns added."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipes_anomaly import schema
from pipes_anomaly.io._records import (
    FLAT_COLUMNS,
    TIME_COLUMNS,
    Block,
    arrow_pool,
)

_KNOWN_ACTIONS = frozenset(schema.ACTION_TYPES)


@dataclass(frozen=True)
class Conflict:
    """A record whose id another record holds with other content: one version of the id.

    ``block`` and ``position`` locate the record among the parsed blocks (for its raw text);
    ``others`` are the other versions' (source, line); ``as_read`` is the record's kept
    fields as JSON, for an input that cannot be read again (a stream).
    """

    source: str
    line: int
    id: str
    block: Block
    position: int
    others: tuple[tuple[str, int], ...]
    as_read: bytes


@dataclass
class Assembled:
    """The events frame and what was settled on the way, per source."""

    events: pd.DataFrame
    duplicates: dict[str, int] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    unknown_actions: dict[str, Counter] = field(default_factory=dict)


def assemble_events(blocks: list[Block]) -> Assembled:
    """Concatenate parsed blocks into the sorted events frame.

    A record that repeats an earlier one exactly (same id, same values in every field the
    reader keeps) is a duplicate and dropped. Records that share an id but differ are all
    set apart as :class:`Conflict`: tampering or corruption, and none of them is trusted.
    """
    kept = [b for b in blocks if b.table.num_rows]
    if not kept:
        return Assembled(empty_events())
    sources = list(dict.fromkeys(b.source for b in kept))
    src = np.concatenate(
        [np.full(b.table.num_rows, sources.index(b.source), dtype=np.int32) for b in kept]
    )
    table = pa.concat_tables([b.table.select(list(FLAT_COLUMNS)) for b in kept])  # no copy
    lines = np.concatenate([b.lines for b in kept])
    ends = np.cumsum([b.table.num_rows for b in kept])
    for b in kept:  # the blocks are spent: drop their tables so each copy below frees its input
        b.table = b.table.slice(0, 0)
    dup, clash = _repeated_ids(table)
    counted = {s: int(np.count_nonzero(dup & (src == i))) for i, s in enumerate(sources)}
    conflicts = _conflicts(np.flatnonzero(clash), table, lines, src, sources, kept, ends)
    if dup.any() or clash.any():
        keep = ~(dup | clash)
        table = table.filter(pa.array(keep))
        lines, src = lines[keep], src[keep]
    order = _sort_order(table)
    if order is not None:
        table = _take(table, order)
        lines, src = lines[order], src[order]
    enc = pc.dictionary_encode(table.column("action_type").combine_chunks())
    out = _to_pandas(_event_columns(table, enc))
    out["target_created_at"] = _target_created_at(table.column("target_created_at"))
    out["source"] = pc.take(pa.array(sources, pa.string()), pa.array(src)).to_pandas()
    out["line"] = lines
    return Assembled(out, counted, conflicts, _unknown_actions(enc, src, sources))


def _repeated_ids(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Masks of exact duplicates (later copies) and of conflicting versions of an id.

    Rows that share an id are grouped by a hash of all their values, then compared with
    the first row of their group: equal rows are duplicates; a group that differs from its
    first row (a hash collision) or an id with two groups makes every distinct row a conflict.
    """
    later = _duplicated(table.column("id"))
    clash = np.zeros(len(later), dtype=bool)
    if not later.any():
        return later, clash
    ids = table.column("id")
    repeated = pc.unique(ids.filter(pa.array(later)))
    cand = np.flatnonzero(pc.is_in(ids, value_set=repeated).to_numpy(zero_copy_only=False))
    sub = table.take(pa.array(cand)).to_pandas()
    key = pd.DataFrame({"id": sub["id"], "h": pd.util.hash_pandas_object(sub, index=False)})
    group = key.groupby(["id", "h"], sort=False).ngroup().to_numpy()
    first = np.unique(group, return_index=True)[1][group]
    a, b = sub.to_numpy(), sub.iloc[first].to_numpy()
    same = ((a == b) | (pd.isna(a) & pd.isna(b))).all(axis=1)
    versions = key.groupby("id")["h"].transform("nunique").to_numpy() > 1
    versions |= pd.Series(~same).groupby(key["id"].to_numpy()).transform("any").to_numpy()
    copy = (np.arange(len(cand)) != first) & same
    dup = np.zeros(len(later), dtype=bool)
    dup[cand[copy]] = True
    clash[cand[versions & ~copy]] = True
    return dup, clash


def _conflicts(
    rows: np.ndarray,
    table: pa.Table,
    lines: np.ndarray,
    src: np.ndarray,
    sources: list[str],
    blocks: list[Block],
    ends: np.ndarray,
) -> list[Conflict]:
    """One :class:`Conflict` per conflicting row of the concatenated table."""
    if not len(rows):
        return []
    records = table.take(pa.array(rows)).to_pylist()
    ids = [r["id"] for r in records]
    where = [(sources[src[r]], int(lines[r])) for r in rows]
    by_id: dict[str, list[tuple[str, int]]] = {}
    for i, w in zip(ids, where, strict=True):
        by_id.setdefault(i, []).append(w)
    out = []
    for r, rec, w in zip(rows.tolist(), records, where, strict=True):
        k = int(np.searchsorted(ends, r, side="right"))
        start = int(ends[k - 1]) if k else 0
        others = tuple(o for o in by_id[rec["id"]] if o != w)
        as_read = orjson.dumps({f: _iso(v) if f in TIME_COLUMNS else v for f, v in rec.items()})
        out.append(Conflict(w[0], w[1], rec["id"], blocks[k], r - start, others, as_read))
    return out


def _iso(ns: int | None) -> str | None:
    """Nanoseconds since the epoch as an RFC 3339 time (None stays None)."""
    return None if ns is None else pd.Timestamp(ns, tz="UTC").isoformat()


def _unknown_actions(
    enc: pa.DictionaryArray, src: np.ndarray, sources: list[str]
) -> dict[str, Counter]:
    """Per source, the records of each action type not in ``schema.ACTION_TYPES``."""
    names = enc.dictionary.to_pylist()
    unknown = [k for k, a in enumerate(names) if a not in _KNOWN_ACTIONS]
    out: dict[str, Counter] = {s: Counter() for s in sources}
    if not unknown:
        return out
    idx = enc.indices.to_numpy(zero_copy_only=False)
    mask = np.isin(idx, unknown)
    pairs = src[mask].astype(np.int64) * len(names) + idx[mask]
    for v, n in zip(*np.unique(pairs, return_counts=True), strict=True):
        s, a = divmod(int(v), len(names))
        out[sources[s]][names[a]] = int(n)
    return out


def _event_columns(
    table: pa.Table, enc: pa.DictionaryArray
) -> dict[str, pa.ChunkedArray | pa.Array]:
    """Build the events frame's columns up to ``visibility`` from the sorted flat table."""
    action = table.column("action_type")
    cats = pa.array([schema.category_of(a) for a in enc.dictionary.to_pylist()], pa.string())
    actor_id = table.column("actor_id")
    has_id = pc.fill_null(pc.greater(pc.binary_length(actor_id), 0), False)
    if not pc.all(has_id).as_py():  # element-wise choices cost a copy: only when needed
        handle_id = pc.binary_join_element_wise("handle:", table.column("actor_handle"), "")
        actor_id = pc.if_else(has_id, actor_id, handle_id)
    cols = {
        "id": table.column("id"),
        "action_type": action,
        "category": pc.take(cats, enc.indices),
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
    cols["workspace_id"] = _workspace_ids(action, table.column("workspace_id"), table)
    cols["role"] = table.column("role")
    cols["updated_by_id"] = table.column("updated_by_id")
    if cols["updated_by_id"].null_count:
        cols["updated_by_id"] = pc.coalesce(cols["updated_by_id"], table.column("updated_by_ref"))
    cols["user_id"] = table.column("user_id")
    cols["visibility"] = table.column("visibility")
    return cols


def _workspace_ids(
    action: pa.ChunkedArray, workspace_id: pa.ChunkedArray, table: pa.Table
) -> pa.ChunkedArray | pa.Array:
    """``data.workspace_id``, else the target of a ``workspace.*`` action."""
    need = pc.and_(pc.starts_with(action, "workspace."), pc.is_null(workspace_id))
    if not pc.any(need).as_py():
        return workspace_id
    # as large_string (what pandas holds anyway): the two columns may differ in offset
    # width (Parquet), and one chunk of a big column may pass 32-bit offsets
    need = pc.fill_null(need, False).combine_chunks()
    return pc.replace_with_mask(
        workspace_id.cast(pa.large_string()).combine_chunks(),
        need,
        table.column("target_id").filter(need).cast(pa.large_string()).combine_chunks(),
    )


def _to_pandas(cols: dict[str, pa.ChunkedArray | pa.Array]) -> pd.DataFrame:
    """Convert the columns to a pandas frame, text cast to large_string (what pandas holds)."""
    mem = arrow_pool()
    narrow = {k: v for k, v in cols.items() if v.type == pa.string()}
    with ThreadPoolExecutor(max_workers=2) as pool:  # Arrow casts without the GIL
        widened = pool.map(
            lambda v: pc.cast(v, pa.large_string(), memory_pool=mem), narrow.values()
        )
        cols.update(zip(narrow, widened, strict=True))
    del narrow
    return pa.table(cols).to_pandas(memory_pool=mem)


def _target_created_at(column: pa.ChunkedArray) -> pd.DatetimeIndex:
    """``data.created_at`` (int64 ns) as UTC times, NaT where absent."""
    ns = pc.fill_null(column, np.iinfo(np.int64).min).to_numpy()
    return pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC")


def _take(table: pa.Table, order: np.ndarray) -> pa.Table:
    """``table.take(order)``, one column per thread (Arrow releases the GIL).

    Each column is combined into one chunk first: taking from many chunks costs about ten
    times more than the copy.
    """
    idx = pa.array(order)
    mem = arrow_pool()
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


def empty_events() -> pd.DataFrame:
    cols = {c: pd.Series([], dtype="str") for c in schema.EVENT_COLUMNS}
    cols["created_at"] = pd.Series([], dtype="datetime64[ns, UTC]")
    cols["target_created_at"] = pd.Series([], dtype="datetime64[ns, UTC]")
    cols["line"] = pd.Series([], dtype="int64")
    return pd.DataFrame(cols)
