"""Reader: the inputs people have: pretty-printed records, API pages, arrays, Tailpipe folders."""

from __future__ import annotations

import gzip
import json
from collections import Counter

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers import run_cli
from pipes_anomaly.io import InputError, read_events, unread_files_warning


def rec(i: int, **kw: object) -> dict:
    """A record in the shape of the Pipes API, with Tailpipe's tp_* fields."""
    r = {
        "id": f"a_{i:020d}",
        "action_type": "workspace.delete",
        "actor_id": "u_c6bc4h9e4mvcg7bf9c9g",
        "actor_handle": "vhadianto",
        "actor_ip": "159.196.168.218",
        "created_at": f"2023-05-11T23:12:{i % 60:02d}Z",
        "identity_id": "o_cgsfhcah6homf3cnq5pg",
        "target_id": "w_chdqbhp9cq9pf2lq0v20",
        "process_id": None,
        "data": {
            "created_at": "2023-05-10T11:03:17Z",
            "created_by_id": "u_c6bc4h9e4mvcg7bf9c9g",
            "created_by": {"id": "u_c6bc4h9e4mvcg7bf9c9g", "handle": "vhadianto"},
            "state": "deleted",
        },
        "tp_ips": ["159.196.168.218"],
        "tp_domains": None,
    }
    r.update(kw)
    return r


def pretty(value: object) -> bytes:
    return json.dumps(value, indent=2).encode() + b"\n"


def counts(res) -> tuple[int, int, int, int]:
    s = res.stats
    return s.read, s.accepted, s.rejected, s.duplicates


def test_a_pretty_printed_record_is_one_record(tmp_path):
    p = tmp_path / "sample-record.json"
    p.write_bytes(pretty(rec(1)))
    res = read_events(p)
    assert counts(res) == (1, 1, 0, 0)
    assert list(res.events["line"]) == [1]
    assert res.events["created_by_id"].iloc[0] == "u_c6bc4h9e4mvcg7bf9c9g"


@pytest.mark.parametrize("next_token", [None, "tok_123"])
@pytest.mark.parametrize("layout", ["pretty", "compact"])
def test_an_api_page(tmp_path, next_token, layout):
    page = {"items": [rec(i) for i in range(5)]}
    if next_token:
        page["next_token"] = next_token
    p = tmp_path / "page.json"
    p.write_bytes(pretty(page) if layout == "pretty" else orjson.dumps(page))
    res = read_events(p)
    assert counts(res) == (5, 5, 0, 0)
    if layout == "pretty":  # each record named by its first line in the file
        text = p.read_bytes().split(b"\n")
        for line, rid in zip(res.events["line"], res.events["id"], strict=True):
            assert text[line - 1].strip() == b"{"
            assert rid.encode() in text[line]


@pytest.mark.parametrize("how", ["concatenated", "array", "lines"])
def test_several_api_pages_in_one_file(tmp_path, how):
    pages = [{"items": [rec(i + 5 * k) for i in range(5)], "next_token": f"t{k}"} for k in range(3)]
    if how == "concatenated":
        text = b"".join(pretty(pg) for pg in pages)
    elif how == "array":
        text = pretty(pages)
    else:
        text = b"".join(orjson.dumps(pg) + b"\n" for pg in pages)
    p = tmp_path / "pages.json"
    p.write_bytes(text)
    res = read_events(p)
    assert counts(res) == (15, 15, 0, 0)


def test_a_pretty_array_gzipped(tmp_path):
    p = tmp_path / "export.json.gz"
    p.write_bytes(gzip.compress(pretty([rec(i) for i in range(4)])))
    assert counts(read_events(p)) == (4, 4, 0, 0)


def test_a_bad_record_in_a_page_names_file_line_field_and_stays_verbatim(tmp_path):
    items = [rec(i) for i in range(3)]
    items[1]["actor_ip"] = 7
    items[2]["created_at"] = "now"
    p = tmp_path / "page.json"
    p.write_bytes(pretty({"items": items, "next_token": None}))
    res = read_events(p)
    assert counts(res) == (3, 1, 2, 0)
    text = p.read_bytes().split(b"\n")
    assert [(r.field, text[r.line - 1].strip()) for r in res.rejects] == [
        ("actor_ip", b"{"),
        ("created_at", b"{"),
    ]
    for r, want in zip(res.rejects, items[1:], strict=True):
        assert b"\n" not in r.raw and orjson.loads(r.raw) == want
    with pytest.raises(InputError, match=r"page.json:\d+: field 'actor_ip'"):
        read_events(p, strict=True)


def test_nonstandard_json_in_an_element_is_read_like_a_line(tmp_path):
    text = pretty([rec(1), rec(2)]).replace(b'"tp_domains": null', b'"tp_domains": NaN', 1)
    p = tmp_path / "a.json"
    p.write_bytes(text)
    assert counts(read_events(p)) == (2, 2, 0, 0)


def test_a_broken_document_names_where(tmp_path):
    p = tmp_path / "broken.json"
    p.write_bytes(pretty([rec(1), rec(2)])[:-20])
    with pytest.raises(InputError, match="broken.json"):
        read_events(p)


def test_json_lines_that_start_with_a_page_like_line_are_still_records(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes(b"".join(orjson.dumps(rec(i)) + b"\n" for i in range(3)))
    assert counts(read_events(p)) == (3, 3, 0, 0)


def _tailpipe_file(path, recs: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table(
        {
            "id": [r["id"] for r in recs],
            "action_type": [r["action_type"] for r in recs],
            "actor_id": [r["actor_id"] for r in recs],
            "created_at": pa.array(
                [r["created_at"].replace("T", " ").rstrip("Z") for r in recs]
            ).cast(pa.timestamp("us")),
            "data": [orjson.dumps(r["data"]).decode() for r in recs],
            "tp_table": ["pipes_audit_log"] * len(recs),
        }
    )
    pq.write_table(table, path)


def test_a_tailpipe_data_directory(tmp_path):
    root = tmp_path / "data" / "default"
    base = root / "tp_table=pipes_audit_log" / "tp_partition=p" / "tp_index=acme"
    _tailpipe_file(base / "tp_date=2023-05-10" / "data_0.parquet", [rec(1), rec(2)])
    _tailpipe_file(base / "tp_date=2023-05-11" / "data_0.parquet", [rec(3)])
    other = root / "tp_table=aws_cloudtrail_log" / "tp_partition=x" / "data_0.parquet"
    _tailpipe_file(other, [rec(9)])  # another table's files are not audit records
    res = read_events(root)
    assert counts(res) == (3, 3, 0, 0)
    assert len(res.stats.files) == 2
    assert all("tp_table=pipes_audit_log" in f.source for f in res.stats.files)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no Parquet files"):
        read_events(empty)


def test_the_files_of_a_folder_that_are_not_read_are_named(tmp_path):
    root = tmp_path / "logs"
    _tailpipe_file(root / "b.parquet", [rec(1)])
    (root / "a.jsonl").write_bytes(orjson.dumps(rec(2)) + b"\n")
    (root / "sub").mkdir()
    (root / "sub" / "x\x1b[2J.csv").write_text("id,actor_id\n")
    other = root / "tp_table=aws_cloudtrail_log"  # another table's folder: left out, unnamed
    other.mkdir()
    (other / "notes.txt").write_text("")
    res = read_events(root)
    assert counts(res) == (1, 1, 0, 0)
    assert res.unread == {str(root): ["a.jsonl", "sub/x\x1b[2J.csv"]}
    assert unread_files_warning(res.unread) == (
        f"{root}: 2 other files (a.jsonl, sub/x\\x1b[2J.csv) not read: a folder is read for "
        "its Parquet files only; name other files to read them"
    )
    assert unread_files_warning(read_events(root / "b.parquet").unread) is None
    res = run_cli("train", str(root), "--model-dir", str(tmp_path / "m"))
    assert f"Warning: {root}: 2 other files (a.jsonl, sub/x\\x1b[2J.csv) not read" in res.stderr


def test_a_folder_without_parquet_files_names_what_it_holds(tmp_path):
    (tmp_path / "a.jsonl").write_bytes(orjson.dumps(rec(2)) + b"\n")
    with pytest.raises(InputError, match=r"it holds 1 other file \(a.jsonl\); name other files"):
        read_events(tmp_path)


def test_the_cli_takes_a_directory(tmp_path):
    from click.testing import CliRunner

    from pipes_anomaly.cli import main

    res = CliRunner().invoke(main, ["score", str(tmp_path), "--model-dir", str(tmp_path / "m")])
    assert "is a directory" not in res.output


def test_unknown_action_types_are_counted_per_input(tmp_path):
    kinds = ["user.login"] * 3 + ["login.failed"] + ["workspace.delete"] * 6
    a = tmp_path / "a.jsonl"
    a.write_bytes(
        b"".join(orjson.dumps(rec(i, action_type=k)) + b"\n" for i, k in enumerate(kinds))
    )
    b = tmp_path / "b.json"
    b.write_bytes(pretty([rec(20, action_type="user.login")]))
    res = read_events([a, b])
    by = {f.source: f for f in res.stats.files}
    assert by[str(a)].unknown_actions == Counter({"user.login": 3, "login.failed": 1})
    assert by[str(b)].unknown_actions == Counter({"user.login": 1})
    assert res.stats.unknown_actions == Counter({"user.login": 4, "login.failed": 1})


def test_the_cli_warns_about_unknown_action_types(tmp_path, capsys):
    from pipes_anomaly._console import Talk
    from pipes_anomaly.cli import _read_logs

    kinds = ["user.login"] * 3 + ["login.\x1b[2Jfailed"] + ["workspace.delete"] * 6
    a = tmp_path / "a.jsonl"
    a.write_bytes(
        b"".join(orjson.dumps(rec(i, action_type=k)) + b"\n" for i, k in enumerate(kinds))
    )
    with Talk(live=False) as talk:
        _read_logs([str(a)], strict=False, rejects_path=None, talk=talk)
    err = capsys.readouterr().err
    assert (
        "2 action types unknown to this version (40% of records): user.login 30%, "
        "login.\\x1b[2Jfailed 10%; they are classified by their verb" in err
    )
    assert "\x1b" not in err
