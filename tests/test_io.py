"""Reader: formats, validation, counts, rejects; property test on junk lines."""

from __future__ import annotations

import gzip
import io
import sys

import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import read_on_every_path
from pipes_anomaly.io import (
    InputError,
    read_events,
    write_rejects,
)
from pipes_anomaly.schema import EVENT_COLUMNS


def rec(i: int, **kw: object) -> dict:
    r = {
        "id": f"a_{i:020d}",
        "action_type": "workspace.delete",
        "actor_id": "u_alice",
        "actor_handle": "alice",
        "actor_ip": "10.0.0.1",
        "created_at": f"2024-01-01T00:00:{i % 60:02d}Z",
        "identity_id": "o_acme",
        "identity_handle": "acme",
        "tenant_id": "t_0",
        "target_id": f"w_{i}",
        "target_handle": "scratch",
        "process_id": None,
        "data": {
            "created_by_id": "u_alice",
            "created_by": {"id": "u_alice", "handle": "alice"},
            "created_at": "2023-12-31T00:00:00Z",
            "state": "deleted",
        },
        "tp_ips": ["10.0.0.1"],
    }
    r.update(kw)
    return r


def line(r: dict) -> bytes:
    return orjson.dumps(r)


def write(tmp_path, name: str, lines: list[bytes]) -> str:
    p = tmp_path / name
    p.write_bytes(b"".join(x + b"\n" for x in lines))
    return str(p)


def counts(res) -> tuple[int, int, int, int]:
    s = res.stats
    return s.read, s.accepted, s.rejected, s.duplicates


@pytest.mark.parametrize("duckdb_path", [True, False])
def test_workspace_from_target_only_where_missing(tmp_path, duckdb_path):
    """A workspace action without data.workspace_id takes its target; nothing else does."""
    cases = [  # action, data.workspace_id, target_id -> workspace_id
        ("workspace.create", None, "w_a", "w_a"),
        ("pipeline.command.run", None, "p_1", None),
        ("workspace.update", "w_x", "w_b", "w_x"),
        ("workspace.delete", None, "w_c", "w_c"),
        ("workspace.create", None, None, None),
        ("connection.create", "w_y", "c_1", "w_y"),
    ]
    recs = []
    for i, (action, ws, target, _) in enumerate(cases):
        data = {"workspace_id": ws} if ws else {}
        recs.append(line(rec(i, action_type=action, target_id=target, data=data)))
    ev = read_events(write(tmp_path, "w.jsonl", recs), use_duckdb=duckdb_path).events
    got = [None if pd.isna(w) else w for w in ev["workspace_id"]]
    assert got == [want for *_, want in cases]


def test_workspace_from_target_with_large_string_parquet(tmp_path):
    """pandas 3 writes text columns as large_string; data.* fields come back as string."""
    text = pa.large_string()
    table = pa.table(
        {
            "id": pa.array(["a_1", "a_2", "a_3"], text),
            "action_type": pa.array(
                ["workspace.create", "pipeline.command.run", "workspace.delete"], text
            ),
            "actor_id": pa.array(["u_a"] * 3, text),
            "target_id": pa.array(["w_new", "p_1", "w_old"], text),
            "created_at": pa.array([f"2026-01-05T10:00:0{i}Z" for i in range(3)], text),
            "data": pa.array(
                [{"workspace_id": None}, {"workspace_id": "w_x"}, {"workspace_id": None}],
                pa.struct([("workspace_id", pa.string())]),
            ),
        }
    )
    path = tmp_path / "large.parquet"
    pq.write_table(table, path)
    ev = read_events(path).events
    assert list(ev["workspace_id"]) == ["w_new", "w_x", "w_old"]


def test_jsonl_events_frame(tmp_path):
    p = write(tmp_path, "a.jsonl", [line(rec(i)) for i in (3, 1, 2)])
    res = read_events(p)
    ev = res.events
    assert list(ev.columns) == list(EVENT_COLUMNS)
    assert counts(res) == (3, 3, 0, 0)
    assert list(ev["line"]) == [2, 3, 1]  # sorted by created_at
    assert str(ev["created_at"].dtype) == "datetime64[ns, UTC]"
    assert set(ev["category"]) == {"destructive"}
    assert ev["created_by_id"].iloc[0] == "u_alice"
    assert ev["workspace_id"].iloc[0] == "w_1"  # workspace.* targets a workspace
    assert ev["target_created_at"].iloc[0] == pd.Timestamp("2023-12-31", tz="UTC")
    assert set(ev["source"]) == {p}


def test_zones_unknown_actions_handles_and_created_by_fallback(tmp_path):
    r1 = rec(1, created_at="2024-01-01T10:00:00+10:00", action_type="brand.new.thing")
    r2 = rec(2, actor_id=None, actor_handle="bob")
    r3 = rec(3, data={"created_by": {"id": "u_zed"}, "workspace_id": "w_9"})
    r3["action_type"] = "pipeline.command.run"
    ev = read_events(write(tmp_path, "a.jsonl", [line(r1), line(r2), line(r3)])).events
    first = ev[ev["id"] == r1["id"]].iloc[0]
    assert first["created_at"] == pd.Timestamp("2024-01-01T00:00:00Z")
    assert first["category"] == "other"
    assert set(ev["actor_id"]) == {"u_alice", "handle:bob"}
    third = ev[ev["id"] == r3["id"]].iloc[0]
    assert third["created_by_id"] == "u_zed"
    assert third["workspace_id"] == "w_9"


def test_data_role_on_every_path(tmp_path):
    recs = [rec(i, action_type="org.workspace.member.add") for i in range(4)]
    want = ["owner", "reader", None, "operator"]
    for r, role in zip(recs, want, strict=True):
        r["data"] = {**r["data"], "role": role}
    paths = read_on_every_path(tmp_path, recs)
    assert len(paths) == 5
    for name, events in paths.items():
        assert [None if pd.isna(v) else v for v in events["role"]] == want, name
    # a role that is not a string is a bad record, like any other data field
    res = read_events(write(tmp_path, "f.jsonl", [line(rec(9, data={"role": 3}))]))
    assert [(r.field, r.reason) for r in res.rejects] == [
        ("data.role", "expected a string, got a number")
    ]


def test_data_user_id_on_every_path(tmp_path):
    # a membership's data names its member by user_id (target_id is the membership)
    recs = [rec(i, action_type="org.member.add") for i in range(3)]
    want = ["u_bob", None, "u_carl"]
    for r, user in zip(recs, want, strict=True):
        r["data"] = {**r["data"], "user_id": user}
    for name, events in read_on_every_path(tmp_path, recs).items():
        assert [None if pd.isna(v) else v for v in events["user_id"]] == want, name
    res = read_events(write(tmp_path, "g.jsonl", [line(rec(9, data={"user_id": ["u_x"]}))]))
    assert [(r.field, r.reason) for r in res.rejects] == [
        ("data.user_id", "expected a string, got an array")
    ]


def test_gzip_array_stdin_and_several_files(tmp_path, monkeypatch):
    gz = tmp_path / "a.jsonl.gz"
    gz.write_bytes(gzip.compress(b"".join(line(rec(i)) + b"\n" for i in range(3))))
    arr = tmp_path / "b.json"
    arr.write_bytes(orjson.dumps([rec(i) for i in range(2, 6)]))
    res = read_events([gz, arr])
    assert counts(res) == (7, 6, 0, 1)  # id 2 is in both files: the second is a duplicate
    by = {f.source: f for f in res.stats.files}
    assert by[str(arr)].duplicates == 1 and by[str(arr)].accepted == 3
    assert by[str(gz)].accepted == 3
    stdin = io.TextIOWrapper(io.BytesIO(line(rec(9)) + b"\n"))
    monkeypatch.setattr(sys, "stdin", stdin)
    res = read_events("-")
    assert counts(res) == (1, 1, 0, 0)
    assert res.events["source"].iloc[0] == "<stdin>"


def test_parquet_tailpipe_shape(tmp_path):
    recs = [rec(i) for i in range(3)]
    table = pa.table(
        {
            "id": [r["id"] for r in recs],
            "action_type": [r["action_type"] for r in recs],
            "actor_id": [r["actor_id"] for r in recs],
            "actor_ip": [r["actor_ip"] for r in recs],
            # Tailpipe: timestamp without zone, data as a JSON string
            "created_at": pa.array(
                [pd.Timestamp(r["created_at"]).tz_localize(None) for r in recs],
                pa.timestamp("us"),
            ),
            "data": [orjson.dumps(r["data"]).decode() for r in recs],
            "tp_index": ["acme"] * 3,
        }
    )
    p = tmp_path / "audit.parquet"
    pq.write_table(table, p)
    res = read_events(p)
    assert counts(res) == (3, 3, 0, 0)
    ev = res.events
    assert ev["created_at"].iloc[0] == pd.Timestamp("2024-01-01T00:00:00Z")
    assert list(ev["created_by_id"]) == ["u_alice"] * 3
    assert ev["identity_id"].isna().all()
    # data as a struct too
    t2 = table.set_column(5, "data", pa.array([r["data"] for r in recs]))
    pq.write_table(t2, tmp_path / "b.parquet")
    assert list(read_events(tmp_path / "b.parquet").events["created_by_id"]) == ["u_alice"] * 3


def test_parquet_unparsable_time_is_rejected_with_its_row(tmp_path):
    recs = [rec(i) for i in range(4)]
    times = [r["created_at"] for r in recs]
    times[2] = "yesterday"
    table = pa.table(
        {
            "id": [r["id"] for r in recs],
            "action_type": [r["action_type"] for r in recs],
            "actor_id": [r["actor_id"] for r in recs],
            "created_at": times,  # strings, as some exports write them
        }
    )
    p = tmp_path / "times.parquet"
    pq.write_table(table, p)
    res = read_events(p)
    assert counts(res) == (4, 3, 1, 0)
    (bad,) = res.rejects
    assert (bad.line, bad.field) == (3, "created_at")
    assert "unparsable time 'yesterday'" in bad.reason
    assert orjson.loads(bad.raw)["id"] == recs[2]["id"]
    with pytest.raises(InputError, match=r"times.parquet:3: field 'created_at'"):
        read_events(p, strict=True)


def test_parquet_nested_column_where_text_belongs_names_file_and_field(tmp_path):
    recs = [rec(i) for i in range(2)]
    base = {
        "id": [r["id"] for r in recs],
        "action_type": [r["action_type"] for r in recs],
        "actor_id": [r["actor_id"] for r in recs],
        "created_at": [r["created_at"] for r in recs],
    }
    pq.write_table(pa.table({**base, "target_id": [{"x": 1}, {"x": 2}]}), tmp_path / "b.parquet")
    with pytest.raises(InputError, match=r"b.parquet: field 'target_id'.*struct"):
        read_events(tmp_path / "b.parquet")
    # ids stored as numbers are read as text in Parquet's typed columns, as before
    pq.write_table(
        pa.table({**base, "data": [{"user_id": 3}, {"user_id": None}]}), tmp_path / "c.parquet"
    )
    assert read_events(tmp_path / "c.parquet").events["user_id"].tolist()[0] == "3"
    # a word of data (a role) of another type rejects its row, as in JSON lines
    for i, role in enumerate((["owner"], 3)):
        path = tmp_path / f"a{i}.parquet"
        pq.write_table(pa.table({**base, "data": [{"role": role}, {"role": None}]}), path)
        res = read_events(path)
        assert [(r.line, r.field) for r in res.rejects] == [(1, "data.role")]
        assert len(res.events) == 1


def test_parquet_null_timestamp_is_a_missing_field(tmp_path):
    """As in JSON lines: a null created_at is missing, not an unparsable time."""
    recs = [rec(i) for i in range(2)]
    table = pa.table(
        {
            "id": [r["id"] for r in recs],
            "action_type": [r["action_type"] for r in recs],
            "actor_id": [r["actor_id"] for r in recs],
            "created_at": pa.array([pd.Timestamp(recs[0]["created_at"]), None], pa.timestamp("us")),
        }
    )
    p = tmp_path / "null_time.parquet"
    pq.write_table(table, p)
    res = read_events(p)
    assert counts(res) == (2, 1, 1, 0)
    (bad,) = res.rejects
    assert (bad.line, bad.field, bad.reason) == (2, "created_at", "missing required field")


BAD = {
    "truncated": (line(rec(50))[:40], None, "malformed JSON"),
    "non_utf8": (line(rec(51)).replace(b"alice", b"al\xffce"), None, "UTF-8"),
    "wrong_type_id": (line(rec(52, id=52)), "id", "expected a string"),
    "wrong_type_ip": (line(rec(53, actor_ip=["1.2.3.4"])), "actor_ip", "expected a string"),
    "wrong_type_data": (line(rec(54, data=[1])), "data", "expected an object"),
    "missing_action": (
        line({k: v for k, v in rec(55).items() if k != "action_type"}),
        "action_type",
        "missing",
    ),
    "missing_actor": (line(rec(56, actor_id=None, actor_handle=None)), "actor_id", "missing"),
    "bad_time": (line(rec(57, created_at="yesterday")), "created_at", "unparsable time"),
    "not_object": (b"[1, 2]", None, "expected a JSON object"),
    "huge": (line(rec(58, target_handle="x" * 5000)), None, "longer than"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_lines_are_rejected_with_file_line_field(tmp_path, case):
    bad, field, reason = BAD[case]
    lines = [line(rec(i)) for i in range(4)]
    lines.insert(2, bad)
    p = write(tmp_path, "a.jsonl", lines)
    res = read_events(p, max_line_bytes=4000)
    assert counts(res) == (5, 4, 1, 0)
    (rj,) = res.rejects
    assert (rj.source, rj.line, rj.field) == (p, 3, field)
    assert reason in rj.reason
    assert rj.raw == bad
    assert list(res.events["line"]) == [1, 2, 4, 5]
    with pytest.raises(InputError) as err:
        read_events(p, strict=True, max_line_bytes=4000)
    assert (err.value.file, err.value.line, err.value.field) == (p, 3, field)
    assert f"{p}:3" in str(err.value)


def test_blank_lines_skipped_and_numbered(tmp_path):
    p = write(tmp_path, "a.jsonl", [line(rec(0)), b"", b"   ", line(rec(1))])
    res = read_events(p)
    assert counts(res) == (2, 2, 0, 0)
    assert list(res.events["line"]) == [1, 4]


def test_empty_input_is_an_error(tmp_path):
    p = tmp_path / "empty.jsonl"
    p.write_bytes(b"")
    with pytest.raises(InputError, match="empty input"):
        read_events(p)
    p.write_bytes(b"\n\n")
    with pytest.raises(InputError, match="empty input"):
        read_events(p)
    with pytest.raises(InputError, match="no such file"):
        read_events(tmp_path / "missing.jsonl")


def test_gzip_corruption_keeps_good_prefix_and_counts(tmp_path):
    payload = b"".join(line(rec(i)) + b"\n" for i in range(2000))
    blob = gzip.compress(payload)
    p = tmp_path / "cut.jsonl.gz"
    p.write_bytes(blob[: len(blob) // 2])  # truncated stream
    res = read_events(p)
    s = res.stats
    assert s.read == s.accepted + s.rejected + s.duplicates
    assert 0 < s.accepted < 2000
    assert any("corrupt compressed stream" in r.reason for r in res.rejects)
    with pytest.raises(InputError, match="corrupt compressed stream"):
        read_events(p, strict=True)
    garbled = bytearray(blob)
    garbled[len(blob) // 2 : len(blob) // 2 + 64] = b"\x00" * 64
    p.write_bytes(bytes(garbled))
    res = read_events(p)
    s = res.stats
    assert s.read == s.accepted + s.rejected + s.duplicates and s.rejected >= 1


def test_rejects_round_trip(tmp_path):
    bads = [BAD[k][0] for k in sorted(BAD)]
    lines = [line(rec(i)) for i in range(3)] + bads
    res = read_events(write(tmp_path, "a.jsonl", lines), max_line_bytes=4000)
    out = tmp_path / "rejects.jsonl"
    assert write_rejects(res.rejects, out) == len(bads)
    assert out.read_bytes().split(b"\n")[:-1] == bads
    again = read_events(out, max_line_bytes=4000)
    assert counts(again) == (len(bads), 0, len(bads), 0)
    assert [(r.field, r.reason) for r in again.rejects] == [
        (r.field, r.reason) for r in res.rejects
    ]


def test_fast_and_slow_paths_agree(tmp_path):
    good = [line(rec(i, actor_ip=f"10.0.{i % 7}.1")) for i in range(300)]
    a = read_events(write(tmp_path, "good.jsonl", good)).events
    b = read_events(write(tmp_path, "mixed.jsonl", [*good, b"{oops"])).events
    cols = [c for c in EVENT_COLUMNS if c != "source"]
    pd.testing.assert_frame_equal(a[cols], b[cols])


_junk = st.one_of(
    st.binary(max_size=80),
    st.text(max_size=80).map(str.encode),
    st.dictionaries(
        st.sampled_from(["id", "action_type", "created_at", "actor_id", "actor_handle", "data"]),
        st.one_of(
            st.none(),
            st.integers(-(2**60), 2**60),
            st.text(max_size=12),
            st.lists(st.integers(0, 9)),
        ),
    ).map(orjson.dumps),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    junk=st.lists(_junk.map(lambda b: b.replace(b"\n", b" ")), max_size=8), n_good=st.integers(0, 3)
)
def test_junk_never_crashes_and_counts_add_up(tmp_path_factory, junk, n_good):
    lines = [line(rec(i)) for i in range(n_good)] + junk
    p = write(tmp_path_factory.mktemp("junk"), "j.jsonl", lines)
    try:
        res = read_events(p)
    except InputError as exc:
        assert "empty input" in exc.reason
        return
    s = res.stats
    assert s.read == s.accepted + s.rejected + s.duplicates
    assert s.accepted == len(res.events)
    assert s.rejected == len(res.rejects)
    assert s.accepted >= n_good


def test_sorted_by_time_then_id(tmp_path):
    same = "2024-01-01T00:00:05Z"
    recs = [rec(9, created_at=same), rec(3, created_at=same), rec(1), rec(7, created_at=same)]
    recs.append(rec(2, created_at="2024-01-01T00:00:01+00:00"))
    ev = read_events(write(tmp_path, "a.jsonl", [line(r) for r in recs])).events
    assert list(ev["id"].str[-1]) == ["1", "2", "3", "7", "9"]
    assert list(ev["line"]) == [3, 5, 2, 4, 1]
    in_time_order = [rec(1), rec(5, created_at=same), rec(4, created_at=same), rec(59)]
    ev = read_events(write(tmp_path, "b.jsonl", [line(r) for r in in_time_order])).events
    assert list(ev["line"]) == [1, 3, 2, 4]


@pytest.mark.parametrize("extra_id", [None, "a_longer_than_the_others_0"])
def test_duplicates_and_conflicts_fixed_and_mixed_width_ids(tmp_path, extra_id):
    recs = [rec(i) for i in range(50)]
    others = [rec(7, action_type="org.member.add"), rec(49, actor_id="u_bob"), rec(7)]
    lines = [line(r) for r in recs[:30] + others[:1] + recs[30:] + others[1:]]
    if extra_id is not None:  # ids of another length take the general path
        lines.append(line(rec(50, id=extra_id)))
    a = write(tmp_path, "a.jsonl", lines)
    b = write(tmp_path, "b.jsonl", [line(rec(3)), line(rec(60))])
    res = read_events([a, b])
    n = 51 if extra_id else 50
    # ids 7 and 49 have two versions each: all four rejected; rec(7) again and rec(3) in b
    # are exact copies: duplicates
    assert counts(res) == (len(lines) + 2, n - 2 + 1, 4, 2)
    by = {f.source: f for f in res.stats.files}
    assert (by[a].duplicates, by[b].duplicates) == (1, 1)
    assert (by[a].conflicts, by[b].conflicts, res.stats.conflicts) == (4, 0, 4)
    ev = res.events.set_index("id")
    assert f"a_{7:020d}" not in ev.index and f"a_{49:020d}" not in ev.index
    assert ev.index.is_unique
    assert sorted(r.line for r in res.rejects) == [8, 31, 51, 52]


def test_duplicate_check_is_exact_under_hash_collisions(monkeypatch):
    import numpy as np

    from pipes_anomaly.io import _frame

    ids = pa.chunked_array([pa.array(["a_1", "a_2", "a_1"]), pa.array(["a_3", "a_2", "a_4"])])
    assert list(_frame._duplicated(ids)) == [False, False, True, False, True, False]
    # every hash equal: the exact comparison alone decides
    monkeypatch.setattr(_frame, "_id_hashes", lambda ids, width: np.zeros(len(ids), np.uint64))
    assert list(_frame._duplicated(ids)) == [False, False, True, False, True, False]


def test_jsonl_starting_with_parquet_magic_is_jsonl(tmp_path):
    res = read_events(write(tmp_path, "p.jsonl", [b"PAR1", line(rec(1))]))
    assert counts(res) == (2, 1, 1, 0)
    assert res.rejects[0].line == 1 and "malformed JSON" in res.rejects[0].reason


def test_junk_starting_with_a_bracket(tmp_path):
    # a JSON-lines file whose first line is junk starting with "[" is still JSON lines:
    # the junk line is rejected by number and the records after it are read
    p = write(tmp_path, "j.jsonl", [b"[", line(rec(1)), line(rec(2))])
    res = read_events(p)
    assert counts(res) == (3, 2, 1, 0)
    assert res.rejects[0].line == 1
    # a .json file is meant as one array: a broken one is an error for the whole file
    q = tmp_path / "a.json"
    q.write_bytes(b"[" + line(rec(1)))
    with pytest.raises(InputError, match="malformed JSON array"):
        read_events(q)


@pytest.mark.parametrize("ext", ["csv", "jsonl", "parquet"])
def test_scores_near_1_read_back_exactly(tmp_path, ext):
    # the tail beyond the training maximum tells windows apart in the last digits; a
    # report built from a scores file must rank them as the run did
    from pipes_anomaly.io import read_scores, write_scores

    near = [1.0, 0.9999999999999998, 0.9999999999999993, 0.9999623230010553]
    start = pd.Timestamp("2026-01-05", tz="UTC")
    frame = pd.DataFrame(
        {
            "actor_id": ["u_a", "u_b", "u_c", "u_d"],
            "window_start": [start] * 4,
            "window_end": [start + pd.Timedelta(days=1)] * 4,
            "score": near,
        }
    )
    out = write_scores(frame, tmp_path / f"s.{ext}")
    assert read_scores(out)["score"].tolist() == near
