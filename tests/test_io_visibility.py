"""The reader keeps ``data.visibility`` (what a record left its resource open to) on every
read path, and a feature counts the records that left a resource open to anyone with its
link."""

from __future__ import annotations

import math

import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers import read_on_every_path
from pipes_anomaly.features import build_features, event_flags
from pipes_anomaly.io import read_events


def _record(i: int, action: str, data: dict) -> dict:
    return {
        "id": f"a_{i:020d}",
        "action_type": action,
        "actor_id": "u_alice",
        "actor_handle": "alice",
        "created_at": f"2024-01-01T00:00:{i:02d}Z",
        "data": data,
    }


RECORDS = [
    _record(0, "workspace.snapshot.create", {"visibility": "anyone_with_link"}),
    _record(1, "workspace.snapshot.create", {"visibility": "workspace"}),
    _record(2, "workspace.snapshot.update", {"visibility": "ANYONE_WITH_LINK"}),
    _record(3, "workspace.snapshot.delete", {"visibility": "anyone_with_link"}),
    _record(4, "workspace.update", {"handle": "scratch"}),
    _record(5, "workspace.snapshot.download", {"visibility": "anyone_with_link"}),
]


def test_visibility_on_every_path(tmp_path):
    paths = read_on_every_path(tmp_path, RECORDS)
    assert len(paths) == 5
    want = ["anyone_with_link", "workspace", "ANYONE_WITH_LINK", "anyone_with_link", None]
    want.append("anyone_with_link")
    for name, events in paths.items():
        assert [None if pd.isna(v) else v for v in events["visibility"]] == want, name


def test_visibility_not_a_string_is_rejected_with_its_field(tmp_path):
    bad = orjson.dumps(_record(1, "workspace.snapshot.create", {"visibility": 5}))
    path = tmp_path / "a.jsonl"
    path.write_bytes(bad + b"\n")
    res = read_events(str(path))
    assert [(r.line, r.field) for r in res.rejects] == [(1, "data.visibility")]
    assert res.rejects[0].reason.startswith("expected a string")


def test_public_shares_count_records_that_made_or_changed_a_public_resource(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in RECORDS))
    events = read_events(str(path)).events
    flags = event_flags(events)
    # a delete's data still shows the link, but the resource is gone; a download reads a
    # snapshot that was already open
    assert flags["is_public_share"].tolist() == [True, False, True, False, False, False]
    feats = build_features(events)
    assert feats["log_public_shares"].tolist() == [math.log1p(2)]


@pytest.mark.parametrize(
    ("value", "words"),
    [(5, "a number"), (True, "a boolean"), ({"a": "b"}, "an object"), (["x"], "an array")],
)
def test_parquet_visibility_not_a_string_rejects_its_rows(tmp_path, value, words):
    # data as a typed struct: the other rows are read, the bad one names its field
    rows = [
        {"id": f"a_{i:020d}", "action_type": "workspace.snapshot.create", "actor_id": "u_a",
         "created_at": f"2024-01-01T00:00:0{i}Z", "data": {"visibility": v}}
        for i, v in enumerate([value, None])
    ]  # fmt: skip
    path = tmp_path / "a.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    res = read_events(str(path))
    assert res.events["id"].tolist() == ["a_00000000000000000001"]
    assert [(r.line, r.field, r.reason) for r in res.rejects] == [
        (1, "data.visibility", f"expected a string, got {words}")
    ]


def test_a_frame_built_by_hand_with_no_visibility_values(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in RECORDS))
    events = read_events(str(path)).events
    events["visibility"] = float("nan")  # as read_csv gives an empty column
    assert not event_flags(events)["is_public_share"].any()


@pytest.mark.parametrize("kind", ["dictionary", "string_view", "large_string"])
def test_parquet_visibility_as_text_of_any_arrow_kind_is_read(tmp_path, kind):
    values = pa.array(["anyone_with_link", "workspace", None])
    values = {
        "dictionary": values.dictionary_encode(),
        "string_view": values.cast(pa.string_view()),
        "large_string": values.cast(pa.large_string()),
    }[kind]
    data = pa.StructArray.from_arrays([values], names=["visibility"])
    table = pa.table(
        {
            "id": [f"a_{i:020d}" for i in range(3)],
            "action_type": ["workspace.snapshot.create"] * 3,
            "actor_id": ["u_a"] * 3,
            "created_at": [f"2024-01-01T00:00:0{i}Z" for i in range(3)],
            "data": data,
        }
    )
    path = tmp_path / "a.parquet"
    pq.write_table(table, path)
    res = read_events(str(path))
    assert not res.rejects
    got = [None if pd.isna(v) else v for v in res.events["visibility"]]
    assert got == ["anyone_with_link", "workspace", None]


def test_parquet_rejected_row_of_a_file_with_string_views_is_kept_verbatim(tmp_path):
    table = pa.table(
        {
            "id": pa.array(["a_00000000000000000000", "a_00000000000000000001"]).cast(
                pa.string_view()
            ),
            "action_type": ["workspace.snapshot.create"] * 2,
            "actor_id": ["u_a"] * 2,
            "created_at": ["2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z"],
            "data": [{"visibility": 5}, {"visibility": None}],
        }
    )
    path = tmp_path / "a.parquet"
    pq.write_table(table, path)
    res = read_events(str(path))
    assert [(r.line, r.field) for r in res.rejects] == [(1, "data.visibility")]
    assert orjson.loads(res.rejects[0].raw)["id"] == "a_00000000000000000000"
    assert len(res.events) == 1


def test_parquet_type_from_the_file_is_made_visible_and_its_rows_kept(tmp_path):
    # a zone Python cannot read, named with a terminal escape and a newline: the rows are
    # rejected and kept, and the reason shows the zone's characters as escapes
    zone = "x\x1b[31mRED\nFORGED"
    stamps = pa.array([1, 2], pa.timestamp("us", tz=zone))
    table = pa.table(
        {
            "id": ["a_00000000000000000000", "a_00000000000000000001"],
            "action_type": ["workspace.snapshot.create"] * 2,
            "actor_id": ["u_a"] * 2,
            "created_at": ["2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z"],
            "data": pa.StructArray.from_arrays([stamps], names=["visibility"]),
        }
    )
    path = tmp_path / "a.parquet"
    pq.write_table(table, path)
    res = read_events(str(path))
    assert [(r.line, r.field) for r in res.rejects] == [
        (1, "data.visibility"),
        (2, "data.visibility"),
    ]
    for r in res.rejects:
        assert "\x1b" not in r.reason and "\n" not in r.reason
        assert "\\x1b[31mRED\\x0aFORGED" in r.reason
        assert orjson.loads(r.raw)["id"].startswith("a_")
