"""Hostile input against the analyst: model files that run code, forged manifests, cells and
text from the audit log that a spreadsheet, a terminal or a Markdown viewer would obey."""

import csv
import hashlib
import io
import json
import os
import pickle
import re
import shutil
import zipfile
from html import unescape

import duckdb
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from rich.console import Console

from helpers import run_cli as _run
from pipes_anomaly import io as pio
from pipes_anomaly._text import (
    csv_cells,
    csv_uncells,
    message_text,
    terminal_cell,
    unvisible,
    visible,
)
from pipes_anomaly.cli import main
from pipes_anomaly.io import _state, model_dir
from pipes_anomaly.pipeline import ModelError


@pytest.fixture(scope="module")
def trained(small_world, tmp_path_factory):
    d = tmp_path_factory.mktemp("model") / "m"
    res = _run("train", str(small_world / "train.jsonl"), "--model-dir", str(d))
    assert res.exit_code == 0, res.output
    return d


class _Evil:
    """Unpickling this runs a shell command that creates the file ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _rehash(d, name: str) -> None:
    """Recompute the manifest's sha256 of one artefact, as whoever replaced it would."""
    m = json.loads((d / "manifest.json").read_text())
    m["artefacts"][name] = hashlib.sha256((d / name).read_bytes()).hexdigest()
    (d / "manifest.json").write_text(json.dumps(m, indent=2, sort_keys=True))


def _artefact(d, kind: str) -> str:
    """The manifest's name for an artefact of this kind (any layout)."""
    names = json.loads((d / "manifest.json").read_text())["artefacts"]
    return next(n for n in names if n.startswith(kind))


# ------------------------------------------------------------ 1. code execution from a model


@pytest.mark.parametrize("kind", ["profile", "detector", "baseline"])
def test_a_pickle_with_recomputed_hash_runs_no_code(small_world, trained, tmp_path, kind):
    d = tmp_path / "m"
    shutil.copytree(trained, d)
    marker = tmp_path / "pwned"
    name = _artefact(d, kind)
    (d / name).write_bytes(pickle.dumps(_Evil(marker)))
    _rehash(d, name)
    res = CliRunner().invoke(
        main, ["score", str(small_world / "test.jsonl"), "--model-dir", str(d)]
    )
    assert not marker.exists()
    assert res.exit_code == 1
    assert res.stderr.startswith(f"Error: model file {d / name} is malformed: not a model artefact")


def _forge(d, name: str, content: object, arrays: list[bytes] = ()) -> None:
    """Write an artefact of this layout with any content, hashes and model id made to match."""
    members = [("content.json", json.dumps(content).encode())]
    members += [(f"arrays/{i}.npy", a) for i, a in enumerate(arrays)]
    m = json.loads((d / "manifest.json").read_text())
    buf = io.BytesIO()
    _state.write_artefact(buf, {"kind": model_dir.ARTEFACTS[name], "model_id": "x"}, members)
    contents = {}
    for n in model_dir.ARTEFACTS:
        data = buf.getvalue() if n == name else (d / n).read_bytes()
        contents[n] = _state.payload_digest(_state.read_artefact(data)[1])
    m["model_id"] = model_dir._model_id(model_dir._core(m), contents)
    for n in model_dir.ARTEFACTS:  # every artefact carries the new id
        about, mem = _state.read_artefact(buf.getvalue() if n == name else (d / n).read_bytes())
        about["model_id"] = m["model_id"]
        with open(d / n, "wb") as fh:
            _state.write_artefact(fh, about, mem)
        m["artefacts"][n] = hashlib.sha256((d / n).read_bytes()).hexdigest()
    (d / "manifest.json").write_text(json.dumps(m, indent=2, sort_keys=True))


def _npy_object_array(marker) -> bytes:
    """An .npy file whose object array is a pickle that would run a command."""
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array([_Evil(marker)], dtype=object), allow_pickle=True)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("content", "pickled", "message"),
    [
        ({"$object": ["posix.system", {"$dict": {}}]}, 0, "names an unknown type 'posix.system'"),
        ({"$record": ["builtins.eval", {}]}, 0, "names an unknown type 'builtins.eval'"),
        ({"$call": ["os.system", "touch x"]}, 0, "holds an unknown value"),
        ({"$array": 0}, 1, "arrays/0.npy is not a plain numeric array"),
        ({"$object": ["AnomalyDetector", {"$array": 5}]}, 0, "refers to an array that is not"),
        (
            [[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]],
            0,
            "does not hold this model's detector",
        ),
    ],
)
def test_a_forged_consistent_artefact_builds_nothing_unknown(
    trained, tmp_path, content, pickled, message
):
    d = tmp_path / "m"
    shutil.copytree(trained, d)
    marker = tmp_path / "pwned"
    _forge(d, "detector.npz", content, [_npy_object_array(marker)] * pickled)
    with pytest.raises(ModelError) as err:
        model_dir.load_model(d)
    assert message in str(err.value)
    assert not marker.exists()


def test_a_forged_tree_that_points_outside_itself_is_refused(trained, tmp_path):
    d = tmp_path / "m"
    shutil.copytree(trained, d)
    about, members = _state.read_artefact((d / "detector.npz").read_bytes())
    arrays = [np.lib.format.read_array(io.BytesIO(b)) for _, b in members[1:]]
    nodes = next(a for a in arrays if a.dtype.names and "left_child" in a.dtype.names)
    nodes["left_child"][0] = 10**9  # a child far outside the tree
    blobs = []
    for a in arrays:
        buf = io.BytesIO()
        np.lib.format.write_array(buf, a)
        blobs.append(buf.getvalue())
    _forge(d, "detector.npz", json.loads(members[0][1]), blobs)
    with pytest.raises(ModelError, match="a decision tree's nodes point outside the tree"):
        model_dir.load_model(d)


def test_a_directory_of_the_old_joblib_layout_is_refused_before_reading(trained, tmp_path):
    d = tmp_path / "m"
    shutil.copytree(trained, d)
    marker = tmp_path / "pwned"
    for name in model_dir.ARTEFACTS:
        (d / name).unlink()
        (d / name.replace(".npz", ".joblib")).write_bytes(pickle.dumps(_Evil(marker)))
    m = json.loads((d / "manifest.json").read_text())
    m["format"] = 1
    (d / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ModelError, match="made by an older version of pipes-anomaly"):
        model_dir.load_model(d)
    assert not marker.exists()


def test_artefacts_are_zip_archives_of_json_and_plain_arrays(trained):
    for name in model_dir.ARTEFACTS:
        with zipfile.ZipFile(trained / name) as zf:
            assert zf.namelist()[:2] == ["about.json", "content.json"]
            for info in zf.infolist()[2:]:
                a = np.lib.format.read_array(zf.open(info), allow_pickle=False)
                assert a.dtype.kind in "biufV"


# ------------------------------------------------------------- 2. the manifest, through the CLI


@pytest.mark.parametrize("threshold", ["NaN", "null", "0.0"])
def test_score_refuses_an_edited_threshold_with_a_message(
    small_world, trained, tmp_path, threshold
):
    d = tmp_path / "m"
    shutil.copytree(trained, d)
    text = (d / "manifest.json").read_text()
    m = json.loads(text)
    (d / "manifest.json").write_text(
        text.replace(f'"threshold": {m["threshold"]!r}', f'"threshold": {threshold}')
    )
    res = _run("score", str(small_world / "test.jsonl"), "--model-dir", str(d))
    assert res.exit_code == 1 and res.stdout == ""
    assert res.stderr.startswith(f"Error: {d / 'manifest.json'}")


# ---------------------------------------------------------------- hostile handles in the data

HOSTILE = {
    '=HYPERLINK("http://evil.example","x")': "formula",
    "+cmd|' /C calc'!A0": "dde",
    "-2+3+cmd": "minus",
    "@SUM(1+1)*cmd|' /C calc'!A0": "at",
    "\tTAB=1+1": "tab",
    "split\rrow,=1+1": "bare CR",
    "'already quoted": "apostrophe",
    "\x1b[2Jcleared": "clear screen",
    "\\x1b[2Jcleared": "forged escape",  # the text backslash-x-1-b, no control character
    "\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\": "OSC 8",
    "[link=http://evil.example]admin[/link]": "rich link",
    "[/oops]": "rich close",
    "\u202eevil\u202c": "bidi override",
    ":warning: \x9b31m": "emoji and C1",
}


@pytest.fixture(scope="module")
def hostile_logs(small_world, tmp_path_factory):
    """The test period with the handles of 14 actors replaced by hostile ones."""
    lines = (small_world / "test.jsonl").read_bytes().splitlines()
    records = [json.loads(x) for x in lines]
    actors = sorted({r["actor_id"] for r in records})[: len(HOSTILE)]
    handle_of = dict(zip(actors, HOSTILE, strict=True))
    for r in records:
        if r["actor_id"] in handle_of:
            r["actor_handle"] = handle_of[r["actor_id"]]
    path = tmp_path_factory.mktemp("hostile") / "test.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path, handle_of


def test_csv_cells_are_neutralised_quoted_and_restored(
    hostile_logs, trained, small_world, tmp_path
):
    logs, handle_of = hostile_logs
    out = tmp_path / "scores.csv"
    res = _run("score", str(logs), "--model-dir", str(trained), "-o", str(out), "--top", "0")
    assert res.exit_code == 0, res.stderr
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len({len(r) for r in rows}) == 1  # no cell splits a row
    header = rows[0]
    for row in rows[1:]:
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r", cell
    handles = {row[header.index("actor_handle")] for row in rows[1:]}
    for h in HOSTILE:
        shown = visible(h)  # control and layout characters as escapes
        if shown[0] in "=+-@'":
            assert "'" + shown in handles
        else:
            assert shown in handles
    assert "\\x1b[2Jcleared" in handles and "\\\\x1b[2Jcleared" in handles  # told apart
    back = pio.read_scores(out)
    assert set(HOSTILE) <= set(back["actor_handle"])  # every cell reads back exactly
    text = out.read_text(encoding="utf-8")
    for char in ("\x1b", "\x9b", "\u202e", "\r", "\t"):
        assert char not in text
    assert '"split\\x0drow,=1+1"' in text  # the carriage return shown, the comma quoted
    res = _run("evaluate", str(out), "--labels", str(small_world))
    assert res.exit_code == 0, res.stderr


@pytest.mark.parametrize("fmt", ["jsonl", "ocsf"])
def test_json_outputs_hold_no_raw_control_or_layout_character(hostile_logs, trained, tmp_path, fmt):
    logs, handle_of = hostile_logs
    out = tmp_path / "scores.jsonl"
    res = _run("score", str(logs), "--model-dir", str(trained), "-o", str(out),
               "--format", fmt, "--threshold", "0", "--top", "0")  # fmt: skip
    assert res.exit_code == 0, res.stderr
    text = out.read_text(encoding="utf-8")
    for char in ("\x1b", "\x9b", "\u202e", "\u202c", "\r", "\t", "\x7f"):
        assert char not in text  # written as \u escapes, which decode to the same text
    rows = [json.loads(line) for line in text.splitlines()]
    if fmt == "ocsf":
        handles = {r["unmapped"]["actor_handle"] for r in rows}
    else:
        handles = {r["actor_handle"] for r in rows}
    assert set(handle_of.values()) <= handles  # every handle reads back exactly


def test_the_terminal_shows_hostile_handles_inert(hostile_logs, trained):
    logs, _ = hostile_logs
    res = _run("score", str(logs), "--model-dir", str(trained), "--threshold", "0", "--top", "1000")
    assert res.exit_code == 0, res.stderr
    out = res.stdout
    for char in ("\x1b", "\x9b", "\u202e", "\r", "\t"):
        assert char not in out
    assert re.search(r"(?<!\\)\\x1b\[2Jcleared", out)  # the escape character, one backslash
    assert "\\\\x1b[2Jcleared" in out  # the text backslash-x-1-b, its backslash doubled
    assert "[/oops]" in out and "[link=http://evil.e" in out  # literal, cut to the column
    assert "\\u202eevil" in out and ":warning:" in out


def test_error_messages_show_controls_visibly(small_world, tmp_path):
    d = tmp_path / "\x1b[2Jm\u202e"
    res = _run("score", str(small_world / "test.jsonl"), "--model-dir", str(d))
    assert res.exit_code == 1
    assert "\x1b" not in res.stderr and "\u202e" not in res.stderr
    assert "\\x1b[2Jm\\u202e" in res.stderr


def test_the_report_escapes_html_markdown_and_mathtext_from_labels(small_world, trained, tmp_path):
    labels = tmp_path / "labels"
    shutil.copytree(small_world, labels)
    lab = pd.read_csv(labels / "labels.csv", dtype=str, keep_default_na=False)
    first = lab["scenario"].iloc[0]
    lab.loc[lab["scenario"] == first, "scenario"] = "<img src=x onerror=alert(1)>$\\frac{"
    lab.to_csv(labels / "labels.csv", index=False)
    look = pd.read_csv(labels / "lookalikes.csv", dtype=str, keep_default_na=False)
    look.loc[look.index[:3], "kind"] = "[click](http://evil.example)|x"
    look.to_csv(labels / "lookalikes.csv", index=False)
    scores = tmp_path / "s.csv"
    assert _run("score", str(small_world / "test.jsonl"), "--model-dir", str(trained),
                "-o", str(scores), "--top", "0").exit_code == 0  # fmt: skip
    rep = tmp_path / "rep"
    res = _run("evaluate", str(scores), "--labels", str(labels), "--report", str(rep))
    assert res.exit_code == 0, res.stderr
    md = (rep / "report.md").read_text()
    assert "<img" not in md and "&lt;img src=x onerror=alert(1)&gt;" in md
    assert "[click](" not in md and "\\[click\\](http://evil.example)\\|x" in md
    html = (rep / "report.html").read_text()
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_scores_csv_reads_back_text_as_written(tmp_path):
    # handles that pandas would take for missing values, and text columns empty on every
    # row (a day without alerts), read back as the text that was written
    scores = pd.DataFrame(
        {
            "actor_id": ["a1", "a2", "a3"],
            "actor_handle": ["NA", "null", "NaN"],
            "identity_handle": ["", "n/a", "None"],
            "window_start": pd.to_datetime(["2026-01-01"] * 3, utc=True),
            "window_end": pd.to_datetime(["2026-01-02"] * 3, utc=True),
            "n_events": [1, 2, 3],
            "score": [0.1, 0.2, float("nan")],
            "iforest_score": [0.1, 0.2, 0.3],
            "lof_score": [0.1, 0.2, 0.3],
            "alert": [False, False, False],
            "suppressed_by": ["", "", ""],
            "severity": ["none"] * 3,
            "reasons": ["", "", ""],
            "reason_features": ["", "", ""],
            "attack_techniques": ["", "", ""],
            "evidence": ["", "", ""],
        }
    )
    out = pio.write_scores(scores, tmp_path / "s.csv")
    back = pio.read_scores(out)
    for c in ("actor_handle", "identity_handle", "suppressed_by", "reasons", "evidence"):
        assert back[c].tolist() == scores[c].tolist(), c
        assert back[c].dtype == "string", c
    assert back["score"].isna().tolist() == [False, False, True]
    assert back["alert"].dtype == bool


# ------------------------------------------------- backslashes: a forged escape is not an escape

REAL = "admin\x1b[2J\u202e"  # the escape character, then a bidi override
FORGED = "admin\\x1b[2J\\u202e"  # the same as printable text: backslash, x, 1, b ...


def test_visible_tells_a_forged_escape_from_a_control_character():
    assert visible(REAL) == "admin\\x1b[2J\\u202e"
    assert visible(FORGED) == "admin\\\\x1b[2J\\\\u202e"
    assert visible("a\\b\nc", keep_lines=True) == "a\\\\b\nc"
    for text in (REAL, FORGED, "a\\b\nc\t", "\\", "\\\\x1b", "C:\\x41\\"):
        for keep_lines in (False, True):
            assert unvisible(visible(text, keep_lines=keep_lines)) == text
    # a backslash that starts no escape of visible's (hand-written text) is kept
    assert unvisible("C:\\Users\\x41 \\q") == "C:\\Users\\x41 \\q"


def test_the_terminal_cell_tells_a_forged_escape_from_a_control_character():
    shown = []
    for text in (REAL, FORGED):
        console = Console(file=io.StringIO(), width=200, color_system=None, highlight=False)
        console.print(terminal_cell(text))
        shown.append(console.file.getvalue().rstrip("\n"))
    assert shown == [visible(REAL), visible(FORGED)]
    assert shown[0] != shown[1] and "\x1b" not in shown[0] + shown[1]


def _scores(actor_ids, handles):
    n = len(actor_ids)
    return pd.DataFrame(
        {
            "actor_id": actor_ids,
            "actor_handle": handles,
            "identity_handle": [""] * n,
            "window_start": pd.to_datetime(["2026-01-01"] * n, utc=True),
            "window_end": pd.to_datetime(["2026-01-02"] * n, utc=True),
            "n_events": [1] * n,
            "score": [0.5] * n,
            "iforest_score": [0.5] * n,
            "lof_score": [0.5] * n,
            "alert": [True] * n,
            "suppressed_by": [""] * n,
            "severity": ["high"] * n,
            "reasons": [""] * n,
            "reason_features": [""] * n,
            "attack_techniques": [""] * n,
            "evidence": [""] * n,
        }
    )


def test_a_scores_csv_cell_tells_a_forged_escape_from_a_control_character(tmp_path):
    ids = ["u1", "DOMAIN\\user", "=\\x1b", "'\\"]
    handles = [REAL, FORGED, "'\\x1b", "\\"]
    out = pio.write_scores(_scores(ids, handles), tmp_path / "s.csv")
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["actor_handle"] for r in rows] == [
        "admin\\x1b[2J\\u202e",
        "admin\\\\x1b[2J\\\\u202e",
        "''\\\\x1b",  # the formula rule after the escapes
        "\\\\",
    ]
    assert [r["actor_id"] for r in rows] == ["u1", "DOMAIN\\\\user", "'=\\\\x1b", "''\\\\"]
    # read back exactly: evaluate matches actor ids with the labels', and card anchors
    back = pio.read_scores(out)
    assert back["actor_id"].tolist() == ids and back["actor_handle"].tolist() == handles
    cells = pd.Series([*ids, *handles, None], dtype="string")
    assert csv_uncells(csv_cells(cells)).tolist() == cells.tolist()


def test_reports_show_what_visible_shows():
    from markdown_it import MarkdownIt

    from pipes_anomaly._text import html_text, markdown_code, markdown_rows, plot_text
    from pipes_anomaly.triage import duckdb_query

    renderer = MarkdownIt("commonmark").enable("table")
    for text in (REAL, FORGED, "\\*x*\\", "a\\_b_ \\`c`", "\\<b>", "\\$x$"):
        # Markdown escapes each backslash of visible's output once: rendered, it is visible's
        page = renderer.render(markdown_rows(["c"], [[text]]))
        cell = re.search(r"<td>(.*)</td>", page, re.S)[1]
        assert unescape(cell) == visible(text), text
        assert unescape(html_text(text)) == visible(text)
        assert plot_text(text).replace(r"\$", "$") == visible(text)  # matplotlib's un-escape
    # a query shown in a report selects the actor id it was written for, backslashes too
    t0 = pd.Timestamp("2026-01-05", tz="UTC")
    actor_id = "DOMAIN\\x1b\\user\x1b"
    query = duckdb_query(actor_id, t0, t0 + pd.Timedelta(days=1))
    assert markdown_code(query).split("\n")[1:-1] == query.split("\n")
    assert visible(query, keep_lines=True) == query
    literal = query.split("actor_id = ", 1)[1].split("\n")[0]
    assert duckdb.connect().execute("SELECT " + literal).fetchone()[0] == actor_id


def test_a_progress_line_shows_a_stage_name_as_visible_writes_it():
    from pipes_anomaly._console import Talk

    name = "Reading logs\\[bold]x[red]\x1b.jsonl"  # no markup is read in a name
    with Talk(live=True) as talk:
        talk.stage(name)
        progress = talk._progress
        shown = progress.columns[1].render(progress.tasks[0]).plain
    assert shown == visible(name) == "Reading logs\\\\[bold]x[red]\\x1b.jsonl"


def test_a_message_shows_its_data_escaped_once(capsys):
    from pipes_anomaly._console import Talk

    # data is made visible where it enters a message; the whole message is not escaped twice
    with Talk(live=False) as talk:
        talk.warn(f"files {visible(REAL)} and {visible(FORGED)} not read")
    err = capsys.readouterr().err
    assert err == "Warning: files admin\\x1b[2J\\u202e and admin\\\\x1b[2J\\\\u202e not read\n"
    # a control character left in a message is still made visible, its own lines kept
    assert message_text("a\x1b\u202e\n\tb") == "a\\x1b\\u202e\n\tb"
