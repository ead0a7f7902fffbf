"""A terminal that talks: progress on a terminal only, -q/-v, plurals, severities, train
without logs, and advice that never points a model into a folder of data."""

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers import run_cli as _run
from pipes_anomaly import io as pio
from pipes_anomaly._console import Talk
from pipes_anomaly._text import plural

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def trained(small_world, tmp_path_factory):
    d = tmp_path_factory.mktemp("model") / "m"
    res = _run("train", str(small_world / "train.jsonl"), "--model-dir", str(d), "-q")
    assert res.exit_code == 0 and res.stderr == "", res.stderr
    return d


def test_plural():
    assert plural(1, "record") == "1 record"
    assert plural(0, "record") == "0 records"
    assert plural(12_345, "actor-window") == "12,345 actor-windows"
    assert plural(2, "person", "people") == "2 people"


def test_one_record_is_one_record(trained, small_world, tmp_path):
    line = (small_world / "test.jsonl").read_text().splitlines()[0]
    (tmp_path / "one.jsonl").write_text(line + "\n")
    res = _run("score", str(tmp_path / "one.jsonl"), "--model-dir", str(trained), "--top", "0")
    assert res.exit_code == 0, res.stderr
    assert "Read 1 record: 1 accepted, 0 rejected, 0 duplicates." in res.stderr
    assert "Scored 1 actor-window (1d); 0 alerts (score > " in res.stderr


def test_severity_is_none_below_the_alert_flag(trained, small_world, tmp_path):
    out = tmp_path / "s.csv"
    res = _run("score", str(small_world / "test.jsonl"), "--model-dir", str(trained),
               "-o", str(out), "--top", "0", "-q")  # fmt: skip
    assert res.exit_code == 0
    scores = pd.read_csv(out, keep_default_na=False)
    assert set(scores.loc[~scores["alert"], "severity"]) == {"none"}
    assert set(scores.loc[scores["alert"], "severity"]) <= {"low", "medium", "high", "critical"}
    assert scores.loc[scores["alert"], "severity"].ne("none").all()


def test_quiet_says_only_warnings_and_verbose_says_the_stages(trained, small_world):
    # the training period scored again: the overlap warning to show
    args = ("score", str(small_world / "train.jsonl"), "--model-dir", str(trained), "--top", "0")
    quiet = _run(*args, "-q")
    assert quiet.exit_code == 0
    lines = [ln for ln in quiet.stderr.splitlines() if not ln.startswith("  ")]
    assert lines and all(ln.startswith("Warning: ") for ln in lines), quiet.stderr
    normal = _run(*args)
    assert "Read " in normal.stderr and "Scored " in normal.stderr
    assert "Computing features:" not in normal.stderr
    verbose = _run(*args, "-v")
    for stage in ("Loading libraries", "Loading the model in", "Reading train.jsonl",
                  "Computing features", "Scoring", "Explaining"):  # fmt: skip
        assert f"  {stage}" in verbose.stderr, stage
    assert " s\n" in verbose.stderr
    both = _run(*args, "-q", "-v")
    assert both.exit_code == 2 and "-q/--quiet and -v/--verbose are mutually exclusive" in (
        both.stderr
    )


def test_no_progress_is_drawn_off_a_terminal(trained, small_world):
    res = _run("score", str(small_world / "test.jsonl"), "--model-dir", str(trained))
    assert "\x1b[" not in res.stderr and "\r" not in res.stderr


def test_progress_moves_on_a_terminal_for_parquet(tmp_path):
    """In a pseudo-terminal, each stage shows a spinner, its name and its elapsed time."""
    import datetime as dt

    from pipes_anomaly.generate import GenerateConfig, simulate

    config = GenerateConfig(seed=0, days=16, actors=20, train_days=12, start=dt.date(2026, 1, 5))
    pio.write_world(simulate(config), tmp_path, fmt="parquet")
    assert _run("train", str(tmp_path / "train.parquet"), "--model-dir",
                str(tmp_path / "m"), "-q").exit_code == 0  # fmt: skip
    text = _in_a_terminal("score", "test.parquet", "--model-dir", "m", "--top", "0", cwd=tmp_path)
    assert "Reading test.parquet (" in text  # with its size: Parquet has no byte count
    for stage in ("Loading libraries", "Computing features", "Scoring"):
        assert stage in text, text
    assert "0:00:0" in text  # the elapsed time
    assert "Scored " in text


def _in_a_terminal(*args: str, cwd: Path) -> str:
    """Run ``anomaly`` with a pseudo-terminal as its stdout and stderr; return what it drew."""
    leader, follower = pty.openpty()
    env = dict(os.environ, TERM="xterm", COLUMNS="120", PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipes_anomaly", *args],
        cwd=cwd, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, env=env,
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(leader, 1 << 16)
        except OSError:  # the other end closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(timeout=60) == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_talk_prints_data_escaped(capsys):
    with Talk(live=False) as talk:
        talk.warn("actor \x1b[2Jevil\u202e")
    err = capsys.readouterr().err
    assert err == "Warning: actor \\x1b[2Jevil\\u202e\n"


# -------------------------------------------------------------------- train without logs


def test_train_without_logs_is_an_error_that_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = _run("train")
    assert res.exit_code == 2
    assert res.stderr.endswith(
        "Error: no audit logs to train on: name them, e.g. `anomaly train history/*.jsonl "
        "--model-dir models/acme` (JSON lines, .gz, JSON or Parquet), or try the bundled "
        "sample with `anomaly train --demo` from the repository's root\n"
    )
    assert list(tmp_path.iterdir()) == []  # nothing simulated, no model written
    res = _run("train", "--demo")
    assert res.exit_code == 2 and "--demo trains on the bundled sample" in res.stderr
    assert "run it from the repository's root" in res.stderr
    (tmp_path / "x.jsonl").write_text("{}\n")
    res = _run("train", "x.jsonl", "--demo")
    assert res.exit_code == 2 and "give LOGS or --demo, not both" in res.stderr


def test_train_demo_trains_on_the_bundled_sample(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    res = _run("train", "--demo", "--model-dir", str(tmp_path / "m"), "--n-estimators", "20")
    assert res.exit_code == 0, res.stderr
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["training_data_sha256"] == pio.sha256_files(
        [ROOT / "data" / "sample" / "train.jsonl.gz"]
    )
    assert manifest["training"]["first_record"].startswith("2026-01-05")


# ------------------------------------------------------- advice never into a data folder


def test_a_data_folder_as_model_dir_is_named_not_trained_into(small_world, tmp_path):
    for d in (small_world, tmp_path):
        if d == tmp_path:
            (tmp_path / "logs.jsonl").write_text("{}\n")
        res = _run("score", str(small_world / "test.jsonl"), "--model-dir", str(d))
        assert res.exit_code == 1
        assert f"{d} is not a model directory (it holds " in res.stderr
        assert "give --model-dir the directory `anomaly train` wrote" in res.stderr
        assert f"--model-dir {d}`" not in res.stderr  # never advised to train into it
    empty = tmp_path / "new"
    res = _run("score", str(small_world / "test.jsonl"), "--model-dir", str(empty))
    assert f"train one with `anomaly train LOGS... --model-dir {empty}`" in res.stderr
