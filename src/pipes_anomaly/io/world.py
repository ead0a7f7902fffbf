"""Write a simulated world: its records (JSON lines or Parquet) and its ground truth."""

from __future__ import annotations

import contextlib
import gzip
import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import pyarrow.parquet as pq

from pipes_anomaly.generate import World, render_jsonl, render_tables
from pipes_anomaly.io._atomic import atomic_path


def _write_overlapped(fh: BinaryIO, chunks: Iterable[bytes]) -> None:
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
        Directory to write into; created when missing, existing files replaced.  Each file
        is written beside its target and all are renamed into place once all are complete.
    fmt : {"jsonl", "parquet"}, default "jsonl"
        Record format. Parquet follows Tailpipe: ``data`` as a JSON string,
        ``created_at`` and ``tp_timestamp`` as UTC timestamps.
    compress : bool, default False
        Gzip JSON lines (``.jsonl.gz``); Parquet is always zstd-compressed.

    Returns
    -------
    dict of str to pathlib.Path
        File role (``train``, ``test``, ``labels``, ...) to path written.

    Raises
    ------
    OutputError
        When a file cannot be written; then no file of the world is replaced.
    """
    if fmt not in WORLD_FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(WORLD_FORMATS)}, got {fmt!r}")
    out = Path(out_dir)
    ext = "parquet" if fmt == "parquet" else ("jsonl.gz" if compress else "jsonl")
    files: dict[str, Path] = {part: out / f"{part}.{ext}" for part in ("train", "test")}
    tables = {
        "labels": world.labels,
        "window_labels": world.window_labels,
        "lookalikes": world.lookalikes,
        "actors": world.actors,
    }
    files.update({name: out / f"{name}.csv" for name in tables})
    files["manifest"] = out / "manifest.json"
    # every file is staged beside its target and all are renamed at the end, manifest last
    with contextlib.ExitStack() as stack:
        tmp = {role: stack.enter_context(atomic_path(files[role])) for role in reversed(files)}
        for part in ("train", "test"):
            _write_records(world, part, tmp[part], fmt=fmt, compress=compress)
        for name, frame in tables.items():
            frame.to_csv(tmp[name], index=False, lineterminator="\n")
        manifest = dict(world.manifest)
        manifest["format"] = fmt
        manifest["files"] = {k: v.name for k, v in files.items() if k != "manifest"}
        tmp["manifest"].write_text(json.dumps(manifest, indent=2) + "\n")
    return files


def _write_records(world: World, part: str, path: Path, *, fmt: str, compress: bool) -> None:
    """Write one period's records as Parquet or (gzipped) JSON lines, chunk by chunk."""
    if fmt == "parquet":
        writer = None
        for table in render_tables(world, part):
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table)
        if writer is not None:
            writer.close()
        return
    with open(path, "wb") as raw:
        fh = (
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6)
            if compress
            else raw
        )
        _write_overlapped(fh, render_jsonl(world, part))
        if compress:
            fh.close()
