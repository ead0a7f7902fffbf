"""The reader keeps ``data.updated_by_id`` (else ``data.updated_by.id``) on every read path."""

from __future__ import annotations

import orjson
import pandas as pd

from helpers import read_on_every_path
from pipes_anomaly.io import read_events


def _record(i: int, data: dict) -> dict:
    return {
        "id": f"a_{i:020d}",
        "action_type": "workspace.update",
        "actor_id": "u_alice",
        "actor_handle": "alice",
        "created_at": f"2024-01-01T00:00:{i:02d}Z",
        "data": data,
    }


DATA = [
    {"created_by_id": "u_bob", "updated_by_id": "u_alice"},
    {"created_by_id": "u_bob", "updated_by": {"id": "u_carol", "handle": "carol"}},
    {"created_by_id": "u_bob", "updated_by_id": "u_dan", "updated_by": {"id": "u_erin"}},
    {"created_by_id": "u_bob"},
]
WANT = ["u_alice", "u_carol", "u_dan", None]


def _values(events: pd.DataFrame) -> list:
    return [None if pd.isna(v) else v for v in events["updated_by_id"]]


def _write(path, lines: list[bytes]) -> str:
    path.write_bytes(b"".join(x + b"\n" for x in lines))
    return str(path)


def test_updated_by_on_every_path(tmp_path):
    paths = read_on_every_path(tmp_path, [_record(i, d) for i, d in enumerate(DATA)])
    assert len(paths) == 5
    for name, events in paths.items():
        assert _values(events) == WANT, name


def test_updated_by_not_an_object_is_rejected(tmp_path):
    bad = orjson.dumps(_record(1, {"updated_by": "u_alice"}))
    res = read_events(_write(tmp_path / "a.jsonl", [bad]))
    assert [r.field for r in res.rejects] == ["data.updated_by"]
    assert res.rejects[0].reason.startswith("expected an object")
