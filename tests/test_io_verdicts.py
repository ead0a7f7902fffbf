"""Reader: a line's verdict and values depend on that line alone, whichever path reads it.

The paths: DuckDB (a clean file), Arrow by chunk (``use_duckdb=False``, and standard input),
and one line at a time (the chunk holds another, bad line). ``VERDICT_EXAMPLES=1500`` runs the
property test on more generated lines than the default.
"""

from __future__ import annotations

import gzip
import io
import os
import sys

import orjson
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import read_on_every_path
from pipes_anomaly.io import read_events

ID = "a_00000000000000000099"
HEAD = (
    b'{"id":"' + ID.encode() + b'","action_type":"workspace.delete","actor_id":"u_a",'
    b'"created_at":"2024-01-01T00:00:09Z"'
)


def good(i: int) -> bytes:
    return orjson.dumps(
        {
            "id": f"a_{i:020d}",
            "action_type": "workspace.update",
            "actor_id": "u_b",
            "created_at": f"2024-01-01T00:00:0{i}Z",
            "data": {"created_by_id": "u_b"},
        }
    )


def record_with(place: str, value: bytes, trailing: bool = False) -> bytes:
    """A record line with ``value`` (JSON text, maybe not valid) at ``place``."""
    data = {
        "data.extra": b'"data":{"created_by_id":"u_a","extra":' + value + b"}",
        "data.role": b'"data":{"created_by_id":"u_a","role":' + value + b"}",
        "data.created_by": b'"data":{"created_by":' + value + b"}",
    }.get(place, b'"data":{"created_by_id":"u_a"}')
    extra = {"tp_x": b',"tp_x":' + value, "actor_ip": b',"actor_ip":' + value}.get(place, b"")
    return HEAD + b"," + data + extra + (b"," if trailing else b"") + b"}"


def verdicts(tmp_path, monkeypatch, line: bytes) -> dict[str, tuple]:
    """The record's verdict by each path: ("accepted", its event values) or the reject."""
    body = [good(i) for i in range(3)] + [line]
    clean = tmp_path / "clean.jsonl"
    clean.write_bytes(b"\n".join(body) + b"\n")
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(b"\n".join([*body, b"{junk"]) + b"\n")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(clean.read_bytes())))
    results = {
        "duckdb": read_events(clean),
        "arrow": read_events(clean, use_duckdb=False),
        "per-line": read_events(mixed),
        "stdin": read_events("-"),
    }
    out = {}
    for name, res in results.items():
        ev = res.events[res.events["id"] == ID].drop(columns=["source"])
        mine = [(r.line, r.field, r.reason) for r in res.rejects if r.line == 4]
        if len(ev):
            out[name] = ("accepted", tuple(None if pd.isna(v) else v for v in ev.iloc[0]))
        else:
            out[name] = ("rejected", *mine[0])
        assert res.stats.accepted == 3 + len(ev), name
    return out


def assert_one_verdict(v: dict) -> None:
    first = next(iter(v.values()))
    assert all(x == first for x in v.values()), v


NONSTANDARD = {
    "NaN": b"NaN",
    "Infinity": b"Infinity",
    "-Infinity": b"-Infinity",
    "nan": b"nan",
    "inf": b"-inf",
    "1e999": b"1e999",
    "big_integer": b"1" + b"0" * 400,
    "trailing_comma_array": b"[1,2,]",
    "trailing_comma_object": b'{"a":1,}',
    "deep_10000": b"[" * 10_000 + b"]" * 10_000,
}


@pytest.mark.parametrize("case", sorted(NONSTANDARD))
@pytest.mark.parametrize("place", ["tp_x", "data.extra"])
def test_nonstandard_json_in_an_ignored_field_is_read_alike(tmp_path, monkeypatch, case, place):
    v = verdicts(tmp_path, monkeypatch, record_with(place, NONSTANDARD[case]))
    assert_one_verdict(v)
    assert v["duckdb"][0] == "accepted"


@pytest.mark.parametrize("case", ["NaN", "1e999", "trailing_comma_array", "deep_10000"])
def test_nonstandard_json_in_a_read_field_is_rejected_alike(tmp_path, monkeypatch, case):
    v = verdicts(tmp_path, monkeypatch, record_with("actor_ip", NONSTANDARD[case]))
    assert_one_verdict(v)
    assert v["duckdb"][:3] == ("rejected", 4, "actor_ip")


@pytest.mark.parametrize("first", [b"null", b"  null", b"1", b'"s"', b"true", b" {}"])
def test_a_first_line_that_is_no_record_is_rejected_on_every_path(tmp_path, monkeypatch, first):
    """Arrow's reader crashes on a block that starts with a bare null (apache/arrow#47409)."""
    p = tmp_path / "a.jsonl"
    p.write_bytes(b"\n".join([first, good(1), good(2)]) + b"\n")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(p.read_bytes())))
    for res in (read_events(p), read_events(p, use_duckdb=False), read_events("-")):
        assert (res.stats.accepted, res.stats.rejected) == (2, 1)
        assert res.rejects[0].line == 1 and res.rejects[0].raw == first


def test_trailing_comma_after_the_last_field_is_read_alike(tmp_path, monkeypatch):
    v = verdicts(tmp_path, monkeypatch, record_with("none", b"null", trailing=True))
    assert_one_verdict(v)


ATOMS = [
    b"null",
    b"true",
    b"false",
    b"0",
    b"-1.5e3",
    b"1E+2",
    b"-0",
    b'"s"',
    b'"\\u00e9\\n\\/"',
    b'""',
    b"NaN",
    b"nan",
    b"-NaN",
    b"-Infinity",
    b"Inf",
    b"INF",
    b"infinity",
    b"+inf",
    b"1e999",
    b"-1e999",
    b"1e-999",
    b"1" + b"0" * 30,
    b"1" + b"0" * 400,
    b"01",
    b".5",
    b"1.",
    b"1.5.5",
    b"0x10",
    b"'x'",
    b"True",
    b"nul",
    b"nullx",
    b"/*c*/1",
    b'"\\x41"',
    b'"\\ud800"',
    b'"\\ud83d\\ude00"',
    b'"a\tb"',
    b'"a\x01b"',
    b'"\xff"',
    b'"\xc3\xa9"',
    b"",
    b",",
]
WS = [b"", b" ", b"\t", b"\r", b"\x0c"]


def _array(items: list[bytes], trailing: bool, ws: bytes) -> bytes:
    return b"[" + ws + b",".join(items) + (b"," if trailing else b"") + b"]"


def _object(items: list[tuple[bytes, bytes]], trailing: bool, ws: bytes) -> bytes:
    body = b",".join(ws + k + ws + b":" + v for k, v in items)
    return b"{" + body + (b"," if trailing else b"") + ws + b"}"


_keys = st.sampled_from([b'"k"', b'"id"', b'"a b"', b"k", b'""'])
_values = st.recursive(
    st.sampled_from(ATOMS),
    lambda inner: st.one_of(
        st.builds(_array, st.lists(inner, max_size=3), st.booleans(), st.sampled_from(WS)),
        st.builds(
            _object,
            st.lists(st.tuples(_keys, inner), max_size=3),
            st.booleans(),
            st.sampled_from(WS),
        ),
    ),
    max_leaves=6,
)
_deep = st.builds(
    lambda d, inner: b"[" * d + inner + b"]" * d,
    st.sampled_from([1, 1020, 1021, 1022, 1023, 1024, 3000]),
    st.sampled_from([b"1", b"NaN", b"[1,]", b"{}"]),
)


BOM = b"\xef\xbb\xbf"


def test_a_byte_order_mark_opening_a_file_is_ignored_on_every_path(tmp_path):
    records = [orjson.loads(good(i)) for i in range(3)]
    (tmp_path / "plain").mkdir()
    (tmp_path / "bom").mkdir()
    plain = read_on_every_path(tmp_path / "plain", records)
    marked = read_on_every_path(tmp_path / "bom", records, prefix=BOM)
    for name, events in plain.items():
        assert len(marked[name]) == 3, name
        pd.testing.assert_frame_equal(
            marked[name].drop(columns="source"), events.drop(columns="source"), obj=name
        )


def _read_marked(form: str, lines: list[bytes], tmp_path, monkeypatch):
    """Read ``lines`` after a byte-order mark: gzip (DuckDB or Arrow), JSON array or stdin."""
    if form == "array":
        path = tmp_path / "in.json"
        path.write_bytes(BOM + b"[" + b",\n".join(lines) + b"]\n")
        return read_events(path)
    text = BOM + b"".join(line + b"\n" for line in lines)
    if form == "stdin":
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
        return read_events("-")
    path = tmp_path / "in.jsonl.gz"
    path.write_bytes(gzip.compress(text))
    return read_events(path, use_duckdb=form == "gzip")


@pytest.mark.parametrize("form", ["gzip", "gzip, arrow", "array", "stdin"])
@pytest.mark.parametrize("bad", [[], [b"[1]"]], ids=["clean", "with a bad line"])
def test_a_byte_order_mark_leaves_the_first_records_verdict_alone(tmp_path, monkeypatch, form, bad):
    res = _read_marked(form, [good(1), good(2), *bad], tmp_path, monkeypatch)
    assert list(res.events["id"]) == [f"a_{i:020d}" for i in (1, 2)]
    assert [r.line for r in res.rejects] == ([3] if bad else [])


@pytest.mark.parametrize("use_duckdb", [True, False])
def test_a_rejected_first_line_keeps_its_byte_order_mark(tmp_path, use_duckdb):
    path = tmp_path / "in.jsonl"
    path.write_bytes(BOM + b"{oops\n" + good(1) + b"\n")
    res = read_events(path, use_duckdb=use_duckdb)
    assert [(r.line, r.raw) for r in res.rejects] == [(1, BOM + b"{oops")]
    assert "malformed JSON" in res.rejects[0].reason
    assert len(res.events) == 1


@settings(
    max_examples=int(os.environ.get("VERDICT_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    value=st.one_of(_values, _deep),
    place=st.sampled_from(["tp_x", "data.extra", "actor_ip", "data.role", "data.created_by"]),
    trailing=st.booleans(),
    ws=st.sampled_from(WS),
)
def test_a_lines_verdict_depends_on_that_line_alone(
    tmp_path_factory, monkeypatch, value, place, trailing, ws
):
    line = record_with(place, ws + value + ws, trailing=trailing)
    assert_one_verdict(verdicts(tmp_path_factory.mktemp("v"), monkeypatch, line))
