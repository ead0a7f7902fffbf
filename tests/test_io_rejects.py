"""Reader: rejects kept verbatim (Parquet rows, damaged gzip), conflicting ids, plain words."""

from __future__ import annotations

import gzip
import os

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipes_anomaly.io import InputError, read_events, write_rejects
from pipes_anomaly.io._records import Reject


def rec(i: int, **kw: object) -> dict:
    r = {
        "id": f"a_{i:020d}",
        "action_type": "workspace.delete",
        "actor_id": "u_alice",
        "actor_ip": "10.0.0.1",
        "created_at": f"2024-01-01T00:00:{i % 60:02d}Z",
        "data": {"created_by_id": "u_alice", "state": "deleted"},
    }
    r.update(kw)
    return r


def write_lines(tmp_path, name: str, recs: list) -> str:
    p = tmp_path / name
    p.write_bytes(b"".join((r if isinstance(r, bytes) else orjson.dumps(r)) + b"\n" for r in recs))
    return str(p)


def tailpipe_table(recs: list[dict]) -> pa.Table:
    return pa.table(
        {
            "id": [r["id"] for r in recs],
            "action_type": [r.get("action_type") for r in recs],
            "actor_id": [r["actor_id"] for r in recs],
            "created_at": [r["created_at"] for r in recs],
            "data": [
                r["data"] if isinstance(r["data"], str) else orjson.dumps(r["data"]).decode()
                for r in recs
            ],
            "tp_index": ["acme"] * len(recs),
            "tp_ips": [["10.0.0.1"]] * len(recs),
        }
    )


def test_parquet_rejects_keep_every_original_column(tmp_path):
    recs = [rec(i) for i in range(4)]
    recs[1]["data"] = "{not json"  # bad data
    recs[2]["action_type"] = None  # missing required field
    recs[3]["created_at"] = "yesterday"  # bad time
    p = tmp_path / "t.parquet"
    pq.write_table(tailpipe_table(recs), p)
    res = read_events(p)
    assert [(r.line, r.field) for r in res.rejects] == [
        (2, "data"),
        (3, "action_type"),
        (4, "created_at"),
    ]
    for r, want in zip(res.rejects, recs[1:], strict=True):
        row = orjson.loads(r.raw)
        assert list(row) == [
            "id",
            "action_type",
            "actor_id",
            "created_at",
            "data",
            "tp_index",
            "tp_ips",
        ]
        assert row["id"] == want["id"] and row["tp_index"] == "acme"
        assert row["tp_ips"] == ["10.0.0.1"]
        assert row["data"] == (
            want["data"] if isinstance(want["data"], str) else orjson.dumps(want["data"]).decode()
        )


def test_gzip_with_a_fake_header_keeps_its_lines(tmp_path):
    p = tmp_path / "fake.jsonl.gz"
    p.write_bytes(b"\x1f\x8b not really gzip\n" + orjson.dumps(rec(1)) + b"\nmore junk\n")
    res = read_events(p)
    out = tmp_path / "rejects.jsonl"
    n = write_rejects(res.rejects, out)
    assert res.stats.rejected == n == len(out.read_bytes().splitlines())
    assert out.read_bytes().splitlines() == [b"\x1f\x8b not really gzip", b"more junk"]
    assert res.stats.accepted == 1


def test_gzip_cut_short_writes_one_line_per_reject(tmp_path):
    payload = b"".join(orjson.dumps(rec(i)) + b"\n" for i in range(2000))
    blob = gzip.compress(payload)
    p = tmp_path / "cut.jsonl.gz"
    p.write_bytes(blob[: len(blob) // 2])
    res = read_events(p)
    out = tmp_path / "rejects.jsonl"
    assert write_rejects(res.rejects, out) == res.stats.rejected
    assert len(out.read_bytes().split(b"\n")) - 1 == res.stats.rejected


@pytest.mark.parametrize("use_duckdb", [True, False])
def test_a_conflicting_copy_of_an_id_is_reported_apart_with_both_versions(tmp_path, use_duckdb):
    recs = [rec(i) for i in range(6)]
    same = rec(2)  # an exact copy: a duplicate
    forged = rec(4, actor_id="u_mallory")  # same id, other content: a conflict
    a = write_lines(tmp_path, "a.jsonl", [*recs, same, forged])
    res = read_events(a, use_duckdb=use_duckdb)
    s = res.stats
    assert (s.read, s.duplicates, s.conflicts) == (8, 1, 2)
    assert s.read == s.accepted + s.rejected + s.duplicates
    assert rec(4)["id"] not in set(res.events["id"])  # neither version is trusted
    conflicts = [r for r in res.rejects if r.field == "id"]
    assert [r.line for r in conflicts] == [5, 8]
    assert [orjson.loads(r.raw)["actor_id"] for r in conflicts] == ["u_alice", "u_mallory"]
    assert all("other content" in r.reason for r in conflicts)
    assert f"{a}:8" in conflicts[0].reason and f"{a}:5" in conflicts[1].reason
    out = tmp_path / "rejects.jsonl"
    write_rejects(res.rejects, out)
    assert out.read_bytes().splitlines() == [orjson.dumps(recs[4]), orjson.dumps(forged)]
    with pytest.raises(InputError, match="other content"):
        read_events(a, strict=True, use_duckdb=use_duckdb)


def test_conflicts_across_files_and_from_parquet(tmp_path):
    a = write_lines(tmp_path, "a.jsonl", [rec(i) for i in range(3)])
    changed = rec(1)
    changed["created_at"] = "2024-01-01T00:00:59Z"
    p = tmp_path / "b.parquet"
    pq.write_table(tailpipe_table([changed, rec(7)]), p)
    res = read_events([a, p])
    by = {f.source: f for f in res.stats.files}
    assert (by[a].conflicts, by[str(p)].conflicts) == (1, 1)
    assert [(r.source, r.line) for r in res.rejects] == [(a, 2), (str(p), 1)]
    assert orjson.loads(res.rejects[1].raw)["tp_index"] == "acme"


@pytest.mark.parametrize(
    ("value", "word"),
    [
        (None, "null"),
        ({"a": 1}, "an object"),
        ([1], "an array"),
        (3, "a number"),
        (2.5, "a number"),
        (True, "a boolean"),
    ],
)
def test_messages_name_json_types_not_python_ones(tmp_path, value, word):
    data = {"created_by": value} if value is not None else {"created_by": "x"}
    r = rec(1, actor_ip=value) if value is not None else rec(1, data=data)
    p = write_lines(tmp_path, "a.jsonl", [r])
    (rj,) = read_events(p).rejects
    got = "a string" if value is None else word
    assert rj.reason.endswith(f"got {got}"), rj.reason
    for python_name in ("NoneType", "dict", "list", "int", "float", "bool", "str"):
        assert f"got {python_name}" not in rj.reason
    if isinstance(value, dict):
        return
    # a record that is not an object at all
    q = write_lines(tmp_path, "b.jsonl", [rec(2), orjson.dumps(value)])
    (rj,) = read_events(q).rejects
    assert rj.reason == f"expected a JSON object, got {word}"


def test_rejects_written_to_a_pipe_by_a_link_to_it(tmp_path):
    # /dev/fd/N links to /proc/self/fd/N, which links to "pipe:[...]", no path at all
    r, w = os.pipe()
    try:
        n = write_rejects([Reject("x", 1, None, "bad", b"not json")], f"/dev/fd/{w}")
        os.close(w)
        w = -1
        with os.fdopen(r, "rb") as fh:
            r = -1
            assert (n, fh.read()) == (1, b"not json\n")
    finally:
        for fd in (r, w):
            if fd >= 0:
                os.close(fd)
    assert list(tmp_path.iterdir()) == []
