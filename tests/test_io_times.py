"""Reader: one time grammar on every path; times pandas cannot hold are rejected, not a crash."""

from __future__ import annotations

import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipes_anomaly.io import InputError, read_events


def rec(i: int, **kw: object) -> dict:
    r = {
        "id": f"a_{i:020d}",
        "action_type": "workspace.delete",
        "actor_id": "u_alice",
        "created_at": f"2024-01-01T00:00:{i % 60:02d}Z",
        "data": {"created_by_id": "u_alice", "created_at": "2023-12-31T00:00:00Z"},
    }
    r.update(kw)
    return r


def lines_file(tmp_path, name: str, lines: list[bytes]) -> str:
    p = tmp_path / name
    p.write_bytes(b"".join(x + b"\n" for x in lines))
    return str(p)


def read_every_path(tmp_path, bad: bytes) -> dict:
    """Read ``bad`` among good lines by each JSON-lines path: {path name: ReadResult}."""
    good = [orjson.dumps(rec(i)) for i in range(3)]
    clean = lines_file(tmp_path, "clean.jsonl", [*good, bad])
    mixed = lines_file(tmp_path, "mixed.jsonl", [*good, bad, b"{junk"])
    array = tmp_path / "array.json"
    array.write_bytes(b"[" + b",\n".join([*good, bad]) + b"]")
    return {
        "duckdb": read_events(clean),
        "arrow": read_events(clean, use_duckdb=False),
        "per-line": read_events(mixed),
        "array": read_events(array),
    }


OUT_OF_RANGE = ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1677-09-21T00:12:43Z"]


def _time_rejects(tmp_path, value, where):
    """(path name, read result, the reject of record 7) with ``value`` as its time ``where``."""
    r = rec(7)
    if where == "created_at":
        r["created_at"] = value
    else:
        r["data"]["created_at"] = value
    for name, res in read_every_path(tmp_path, orjson.dumps(r)).items():
        (rj,) = [x for x in res.rejects if "junk" not in x.raw.decode()]
        assert (rj.line, rj.field) == (4, where), name
        yield name, res, rj


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize("where", ["created_at", "data.created_at"])
def test_times_pandas_cannot_hold_are_rejected_on_every_path(tmp_path, value, where):
    for name, res, rj in _time_rejects(tmp_path, value, where):
        assert "out of range" in rj.reason and value in rj.reason, name
        assert res.stats.accepted == 3, name


@pytest.mark.parametrize("value", ["now", "today", "2026", "01/02/2026", "yesterday", "2026-01-02"])
@pytest.mark.parametrize("where", ["created_at", "data.created_at"])
def test_only_rfc3339_date_times_are_accepted(tmp_path, value, where):
    for name, _, rj in _time_rejects(tmp_path, value, where):
        assert "RFC 3339" in rj.reason, name


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("2024-05-01T12:00:00Z", "2024-05-01T12:00:00Z"),
        ("2024-05-01 12:00:00", "2024-05-01T12:00:00Z"),  # Tailpipe: no zone means UTC
        ("2024-05-01t12:00:00z", "2024-05-01T12:00:00Z"),
        ("2024-05-01T14:00:00+02:00", "2024-05-01T12:00:00Z"),
        ("2024-05-01T14:00:00+0200", "2024-05-01T12:00:00Z"),
        ("2024-05-01T14:00:00+02", "2024-05-01T12:00:00Z"),
        ("2024-05-01T12:00:00.123456789Z", "2024-05-01T12:00:00.123456789Z"),
        ("1677-09-21T00:12:44Z", "1677-09-21T00:12:44Z"),
        ("2262-04-11T23:47:16.854775807Z", "2262-04-11T23:47:16.854775807Z"),
    ],
)
def test_date_times_accepted_alike_on_every_path(tmp_path, value, want):
    r = rec(7, created_at=value)
    r["data"]["created_at"] = value
    for name, res in read_every_path(tmp_path, orjson.dumps(r)).items():
        ev = res.events.set_index("id").loc[r["id"]]
        assert ev["created_at"] == pd.Timestamp(want), name
        assert ev["target_created_at"] == pd.Timestamp(want), name


def _parquet(tmp_path, created_at: pa.Array) -> str:
    n = len(created_at)
    table = pa.table(
        {
            "id": [f"a_{i}" for i in range(n)],
            "action_type": ["workspace.delete"] * n,
            "actor_id": ["u_a"] * n,
            "created_at": created_at,
            "tp_index": ["acme"] * n,
        }
    )
    p = tmp_path / "t.parquet"
    pq.write_table(table, p)
    return str(p)


def test_parquet_microsecond_timestamp_out_of_range_is_rejected(tmp_path):
    import datetime as dt

    times = [dt.datetime(2024, 1, 1), dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31)]
    p = _parquet(tmp_path, pa.array(times, pa.timestamp("us")))
    res = read_events(p)
    assert (res.stats.read, res.stats.accepted, res.stats.rejected) == (3, 1, 2)
    assert [(r.line, r.field) for r in res.rejects] == [(2, "created_at"), (3, "created_at")]
    assert all("out of range" in r.reason for r in res.rejects)
    with pytest.raises(InputError, match=r"t.parquet:2: field 'created_at'.*out of range"):
        read_events(p, strict=True)


def test_parquet_integer_created_at_is_rejected_with_a_reason(tmp_path):
    p = _parquet(tmp_path, pa.array([1_700_000_000, 1_700_000_001], pa.int64()))
    res = read_events(p)
    assert (res.stats.read, res.stats.accepted, res.stats.rejected) == (2, 0, 2)
    assert [(r.line, r.field) for r in res.rejects] == [(1, "created_at"), (2, "created_at")]
    assert "a number" in res.rejects[0].reason and "epoch" in res.rejects[0].reason


def _time_strings() -> st.SearchStrategy[str]:
    """Strings near the grammar: valid date-times, their edges, and small corruptions."""
    year = st.sampled_from(["0001", "1677", "1970", "2024", "2262", "9999"])
    two = st.integers(0, 61).map(lambda n: f"{n:02d}")
    frac = st.one_of(
        st.just(""), st.text("0123456789", min_size=0, max_size=11).map(lambda s: "." + s)
    )
    zone = st.sampled_from(["", "Z", "z", "+00:00", "-05:30", "+0530", "+05", "+24:00", " Z"])
    sep = st.sampled_from(["T", "t", " ", "_"])
    valid = st.builds(
        lambda y, mo, d, s, h, mi, se, f, z: f"{y}-{mo}-{d}{s}{h}:{mi}:{se}{f}{z}",
        year,
        st.integers(0, 13).map(lambda n: f"{n:02d}"),
        st.integers(0, 32).map(lambda n: f"{n:02d}"),
        sep,
        two,
        two,
        two,
        frac,
        zone,
    )
    edge = st.sampled_from(
        [
            "1677-09-21T00:12:43.145224191Z",
            "1677-09-21T00:12:43.145224192Z",
            "1677-09-21T00:12:43.145224193Z",
            "2262-04-11T23:47:16.854775807Z",
            "2262-04-11T23:47:16.854775808Z",
            "2262-04-12T00:30:00+01:00",
            "2262-04-11T23:00:00-01:00",
            "1677-09-21T00:00:00-01:00",
            "2024-02-29T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-01-01T10:00Z",
            "2024-01-01T10Z",
            "2024-01-01Z",
        ]
    )
    return st.one_of(valid, edge, st.text(max_size=25))


@settings(max_examples=300, deadline=None)
@given(st.lists(_time_strings(), min_size=1, max_size=6))
def test_arrow_and_scalar_time_parsers_agree(values):
    """Whatever the vectorised parser accepts, the per-record one accepts with the same value."""
    from pipes_anomaly.io import _records

    got = _records.fast_times(pa.chunked_array([pa.array(values, pa.string())]))
    if got is not None:
        assert got.to_pylist() == [_records.parse_time(v) for v in values]
