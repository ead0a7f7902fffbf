"""Reader: the DuckDB fast path for JSON lines gives exactly what the per-chunk path gives.

Each case reads one file twice (DuckDB fast path on, then off) and compares the events frame,
the counts and the rejects; a spy records whether the fast path was used or fell back.
"""

from __future__ import annotations

import gzip

import orjson
import pandas as pd
import pytest

from pipes_anomaly import io as pio
from pipes_anomaly.io import _duckdb, _frame


def rec(i: int, **kw: object) -> dict:
    r = {
        "id": f"a_{i:020d}",
        "action_type": "workspace.delete" if i % 3 else "connection.update",
        "actor_id": f"u_{i % 5}",
        "actor_handle": f"user{i % 5}",
        "actor_display_name": f"User {i % 5}",
        "actor_ip": f"10.0.{i % 7}.1",
        "created_at": f"2024-01-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
        "identity_id": "o_acme",
        "identity_handle": "acme",
        "tenant_id": "t_0",
        "target_id": f"w_{i}",
        "target_handle": "scratch",
        "process_id": None if i % 2 else f"p_{i}",
        "data": {
            "created_by_id": f"u_{i % 5}",
            "created_by": {"id": f"u_{i % 5}", "handle": "x"},
            "workspace_id": None if i % 4 else f"w_{i % 9}",
            "created_at": "2023-12-31T00:00:00Z",
            "version_id": i,
        },
        "tp_ips": ["10.0.0.1"],
    }
    r.update(kw)
    return r


def lines(n: int, **kw: object) -> list[bytes]:
    return [orjson.dumps(rec(i, **kw)) for i in range(n)]


def write(tmp_path, name: str, body: bytes) -> str:
    p = tmp_path / name
    p.write_bytes(gzip.compress(body, mtime=0) if name.endswith(".gz") else body)
    return str(p)


@pytest.fixture
def used(monkeypatch):
    """Record, per call, whether the DuckDB fast path returned a result."""
    calls: list[bool] = []
    real = _duckdb._read_jsonl_duckdb

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(_duckdb, "_read_jsonl_duckdb", spy)
    return calls


def both(path: str, **kw):
    """Read with the fast path, then without; assert the results are identical."""
    fast = pio.read_events(path, **kw)
    slow = pio.read_events(path, use_duckdb=False, **kw)
    pd.testing.assert_frame_equal(fast.events, slow.events)
    assert fast.stats == slow.stats
    assert fast.rejects == slow.rejects
    return fast


@pytest.mark.parametrize("name", ["a.jsonl", "a.jsonl.gz"])
def test_clean_file_takes_the_fast_path_and_matches(tmp_path, monkeypatch, used, name):
    body = b"\n".join(lines(5000)) + b"\n"  # several DuckDB vectors and Arrow chunks
    res = both(write(tmp_path, name, body))
    assert used == [True]
    assert res.stats.accepted == 5000
    assert list(res.events["line"][:3]) == [1, 2, 3]


def test_escapes_nulls_missing_fields_crlf_and_no_final_newline(tmp_path, monkeypatch, used):
    recs = lines(50)
    recs[3] = orjson.dumps(rec(3, actor_display_name='Zoë "Z" \\ O\'Brien\n\t€😀'))
    recs[4] = (
        b'{"id":"a_x\\u00e9\\n","action_type":"org.member.add","actor_handle":"h",'
        b'"created_at":"2024-01-01T05:00:00+02:00","data":null}'
    )
    recs[5] = orjson.dumps({k: v for k, v in rec(5).items() if k not in ("data", "actor_ip")})
    recs[6] = orjson.dumps(rec(6, data={"created_by": {"id": "u_9"}}))  # created_by fallback
    body = b"\r\n".join(recs)  # CRLF, and the last line has no newline
    res = both(write(tmp_path, "a.jsonl", body))
    assert used == [True]
    ev = res.events.set_index("line")
    assert ev.loc[4, "actor_display_name"] == 'Zoë "Z" \\ O\'Brien\n\t€😀'
    assert ev.loc[5, "id"] == "a_x\u00e9\n" and ev.loc[5, "actor_id"] == "handle:h"
    assert ev.loc[7, "created_by_id"] == "u_9"
    assert res.stats.accepted == 50


FALLBACKS = {
    "number_for_string": orjson.dumps(rec(90, id=90)),
    "number_in_data": orjson.dumps(rec(91, data={"created_by_id": 7})),
    "bool_for_time": orjson.dumps(rec(92, created_at=True)),
    "bad_utf8": orjson.dumps(rec(93)).replace(b"scratch", b"scr\xffch"),
    "bad_utf8_ignored_field": orjson.dumps(rec(94, tp_x="\x00")).replace(b"\\u0000", b"\xc0\xaf"),
    "over_long": orjson.dumps(rec(95, target_handle="x" * 5000)),
    "malformed": orjson.dumps(rec(96))[:40],
    "missing_required": orjson.dumps({k: v for k, v in rec(97).items() if k != "action_type"}),
    "bad_time": orjson.dumps(rec(98, created_at="yesterday")),
    "data_as_string": orjson.dumps(rec(99, data='{"created_by_id": "u_1"}')),
    "two_records": orjson.dumps(rec(100)) + b" " + orjson.dumps(rec(101)),
}


@pytest.mark.parametrize("case", sorted(FALLBACKS))
@pytest.mark.parametrize("name", ["a.jsonl", "a.jsonl.gz"])
def test_doubtful_file_falls_back_with_the_same_result(tmp_path, monkeypatch, used, case, name):
    recs = lines(30)
    recs.insert(12, FALLBACKS[case])
    p = write(tmp_path, name, b"\n".join(recs) + b"\n")
    res = both(p, max_line_bytes=4000)
    assert used == [False]
    if case != "data_as_string":  # Tailpipe's data as a JSON string is valid
        (rj,) = res.rejects
        assert (rj.source, rj.line, rj.raw) == (p, 13, FALLBACKS[case])
    assert res.stats.read == res.stats.accepted + res.stats.rejected


@pytest.mark.parametrize("name", ["a.jsonl", "a.jsonl.gz"])
def test_error_deep_in_the_stream_falls_back(tmp_path, monkeypatch, used, name):
    """A bad line far past the first batch fails while batches stream (through Arrow)."""
    monkeypatch.setattr(_duckdb, "_DUCKDB_BATCH_ROWS", 1000)
    recs = lines(20000)
    recs[17000] = recs[17000][:-5]  # malformed
    recs[18000] = orjson.dumps(rec(18000, target_id=18000))  # wrong type
    res = both(write(tmp_path, name, b"\n".join(recs) + b"\n"))
    assert used == [False]
    assert [r.line for r in res.rejects] == [17001, 18001]


def test_interrupted_query_falls_back(tmp_path, monkeypatch, used):
    """A line too long stops DuckDB mid-query (interrupt); the per-chunk path rejects it."""
    monkeypatch.setattr(_duckdb, "_DUCKDB_BATCH_ROWS", 1000)
    recs = lines(20000)
    recs[5] = orjson.dumps(rec(5, target_handle="x" * 5000))
    for _ in range(3):  # the interrupt lands at different moments
        res = both(
            write(tmp_path, "a.jsonl.gz", b"\n".join(recs) + b"\n"),
            max_line_bytes=4000,
        )
        assert [r.line for r in res.rejects] == [6]
    assert used == [False] * 3


@pytest.mark.parametrize("blank", [b"", b"   ", b"\t\r"])
def test_blank_lines_fall_back_and_keep_line_numbers(tmp_path, monkeypatch, used, blank):
    recs = lines(20)
    recs[7:7] = [blank, blank]
    res = both(write(tmp_path, "a.jsonl", b"\n".join(recs) + b"\n"))
    assert used == [False]
    assert res.stats.read == 20
    assert list(res.events["line"][6:9]) == [7, 10, 11]


def test_strict_mode_and_glob_names_and_corrupt_gzip(tmp_path, monkeypatch, used):
    recs = lines(40)
    recs[9] = orjson.dumps(rec(9, actor_ip=5))
    p = write(tmp_path, "a.jsonl", b"\n".join(recs) + b"\n")
    with pytest.raises(pio.InputError) as err:
        pio.read_events(p, strict=True)
    assert (err.value.line, err.value.field) == (10, "actor_ip")
    # a name DuckDB would treat as a glob pattern is never given to DuckDB
    (tmp_path / "b").mkdir()
    q = write(tmp_path / "b", "x[1]*.jsonl", b"\n".join(lines(10)) + b"\n")
    assert both(q).stats.accepted == 10
    blob = gzip.compress(b"\n".join(lines(3000)) + b"\n", mtime=0)
    r = tmp_path / "cut.jsonl.gz"
    r.write_bytes(blob[: len(blob) // 2])
    res = both(str(r))
    assert any("corrupt compressed stream" in x.reason for x in res.rejects)
    assert used == [False, False, False]


@pytest.mark.parametrize("bad", [False, True])
def test_progress_counts_each_byte_once(tmp_path, bad):
    recs = lines(300)
    if bad:
        recs[100] = orjson.dumps(rec(100, id=100))  # forces the second, per-chunk read
    body = b"\n".join(recs) + b"\n"
    p = write(tmp_path, "a.jsonl", body)
    seen: list[int] = []
    pio.read_events(p, progress=seen.append)
    assert sum(seen) == len(body)


def test_several_files_with_duplicates_across_them(tmp_path, monkeypatch, used):
    a = write(tmp_path, "a.jsonl", b"\n".join(lines(100)) + b"\n")
    b = write(tmp_path, "b.jsonl.gz", b"\n".join(lines(150)) + b"\n")
    res = both([a, b])
    assert used == [True, True]
    assert (res.stats.read, res.stats.accepted, res.stats.duplicates) == (250, 150, 100)


@pytest.mark.parametrize("seed", range(6))
def test_take_by_segments_equals_take(seed):
    """Chunk-local takes (rows that stay in their chunks) give exactly ``table.take``."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    cuts = np.sort(rng.choice(np.arange(0, n + 1), size=int(rng.integers(1, 8))))
    bounds = [0, *cuts.tolist(), n]
    vals = pa.array([None if i % 7 == 0 else f"v{i}" for i in range(n)])
    nums = pa.array(np.arange(n))
    table = pa.table(
        {
            "s": pa.chunked_array([vals[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]),
            "n": pa.chunked_array([nums[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]),
        }
    )
    order = np.arange(n)
    if seed % 3 == 0:
        order = rng.permutation(n)  # unordered input: one segment
    else:  # swap neighbours, some across chunk ends
        for i in rng.choice(n - 1, size=max(1, n // 5), replace=False):
            order[i], order[i + 1] = order[i + 1], order[i]
    out = _frame._take(table, order)
    assert out.equals(table.take(pa.array(order)))


def test_an_interrupt_while_counting_propagates(tmp_path, monkeypatch):
    """Ctrl-C during the fast path stops DuckDB and reaches the caller (no fallback)."""

    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_duckdb, "_count_lines", stop)
    p = write(tmp_path, "a.jsonl", b"\n".join(lines(3000)) + b"\n")
    with pytest.raises(KeyboardInterrupt):
        pio.read_events(p)
