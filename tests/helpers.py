"""Helpers shared by the test modules (pytest puts this folder on the import path)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner, Result

from pipes_anomaly.cli import main
from pipes_anomaly.io import read_events


def run_cli(*args: str) -> Result:
    """Run ``anomaly <args>`` in-process; exceptions other than exits propagate."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def read_on_every_path(
    tmp_path: Path, records: list[dict], prefix: bytes = b""
) -> dict[str, pd.DataFrame]:
    """Read ``records`` through each of the reader's paths; path name -> accepted events.

    JSON lines through DuckDB, line by line (a bad line added at the end forces it) and
    through Arrow; Parquet with ``data`` as a JSON string and as a struct.  Each record
    needs ``id``, ``action_type``, ``actor_id``, ``created_at`` and ``data``.  ``prefix``
    opens the JSON-lines files (a byte-order mark, say).
    """
    lines = prefix + b"".join(orjson.dumps(r) + b"\n" for r in records)
    (tmp_path / "all.jsonl").write_bytes(lines)
    (tmp_path / "bad_last.jsonl").write_bytes(lines + b"{oops\n")
    table = pa.table(
        {
            "id": [r["id"] for r in records],
            "action_type": [r["action_type"] for r in records],
            "actor_id": [r["actor_id"] for r in records],
            "created_at": [r["created_at"] for r in records],
            "data": [orjson.dumps(r["data"]).decode() for r in records],
        }
    )
    pq.write_table(table, tmp_path / "json_string.parquet")
    struct = table.set_column(4, "data", pa.array([r["data"] for r in records]))
    pq.write_table(struct, tmp_path / "struct.parquet")
    return {
        "duckdb": read_events(tmp_path / "all.jsonl").events,
        "per-line": read_events(tmp_path / "bad_last.jsonl").events,
        "arrow": read_events(tmp_path / "all.jsonl", use_duckdb=False).events,
        "parquet, data as JSON": read_events(tmp_path / "json_string.parquet").events,
        "parquet, data as a struct": read_events(tmp_path / "struct.parquet").events,
    }
