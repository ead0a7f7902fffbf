import json

import numpy as np
import pandas as pd
import pytest

from helpers import run_cli as _run
from pipes_anomaly import catalog, pipeline, schema
from pipes_anomaly import io as pio
from pipes_anomaly.io import model_dir


@pytest.fixture(scope="module")
def trained(small_world, tmp_path_factory):
    """A model trained on the small world's training period (default options)."""
    d = tmp_path_factory.mktemp("model")
    res = _run("train", str(small_world / "train.jsonl"), "--model-dir", str(d))
    assert res.exit_code == 0, res.output
    return d


@pytest.fixture(scope="module")
def scored(small_world, trained, tmp_path_factory):
    out = tmp_path_factory.mktemp("scores") / "scores.csv"
    res = _run(
        "score", str(small_world / "test.jsonl"), "--model-dir", str(trained), "-o", str(out)
    )
    assert res.exit_code == 0, res.stderr
    return res, out


@pytest.mark.parametrize("command", ["train", "score"])
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help(command, flag):
    res = _run(command, flag)
    assert res.exit_code == 0
    for option in ("--model-dir", "--alert-rate", "--threshold", "--rejects", "--strict"):
        assert option in res.output
    assert ("--window" in res.output) == (command == "train")
    assert ("--output" in res.output) == (command == "score")


def test_train_writes_checked_manifest(trained, small_world):
    m = json.loads((trained / "manifest.json").read_text())
    assert m["window"] == "1d" and m["params"]["algorithm"] == "ensemble"
    assert m["feature_columns"] == list(catalog.MODEL_FEATURES)
    assert m["training_data_sha256"] == model_dir.sha256_files([small_world / "train.jsonl"])
    assert m["alert_rate"] == 0.01 and 0.9 < m["threshold"] < 1.0
    model = model_dir.load_model(trained)
    # the alert budget holds on the training windows
    share = np.mean(model.detector.training_scores_ > model.threshold)
    assert abs(share - 0.01) <= 1.0 / model.n_training_windows + 0.005


def test_score_output_columns_and_stdout_is_only_the_table(scored, small_world):
    res, out = scored
    frame = pd.read_csv(out, keep_default_na=False)
    assert tuple(frame.columns) == schema.SCORE_COLUMNS
    assert frame["window_start"].str.match(r"^\d{4}-\d\d-\d\dT00:00:00Z$").all()
    for c in ("score", "iforest_score", "lof_score"):
        assert frame[c].between(0, 1).all()
    assert set(frame["severity"]) <= set(pipeline.SEVERITIES)
    alerts = frame[frame["alert"]]
    assert len(alerts) > 0
    assert (alerts["reason_features"] != "").mean() >= 0.9
    unnamed = alerts["reason_features"] == ""
    assert (alerts.loc[unnamed, "reasons"] == pipeline.NO_SINGLE_REASON).all()
    assert (alerts.loc[~unnamed, "reasons"] != pipeline.NO_SINGLE_REASON).all()
    ids = set(pio.read_events(small_world / "test.jsonl").events["id"])
    for ev in alerts["evidence"]:
        listed = ev.split()
        assert 0 < len(listed) <= 20 and set(listed) <= ids
    assert "Top " in res.stdout and " alert" in res.stdout
    assert "Read " not in res.stdout and "Scored " in res.stderr


def test_same_seed_same_model_and_scores(small_world, trained, tmp_path):
    res = _run("train", str(small_world / "train.jsonl"), "--model-dir", str(tmp_path / "m"))
    assert res.exit_code == 0
    a = json.loads((trained / "manifest.json").read_text())["artefacts"]
    b = json.loads((tmp_path / "m" / "manifest.json").read_text())["artefacts"]
    assert a == b


@pytest.mark.parametrize("ext", [".jsonl", ".parquet"])
def test_other_formats_carry_the_same_scores(scored, small_world, trained, tmp_path, ext):
    _, csv = scored
    out = tmp_path / f"s{ext}"
    res = _run(
        "score", str(small_world / "test.jsonl"), "--model-dir", str(trained), "-o", str(out)
    )
    assert res.exit_code == 0
    a, b = pio.read_scores(csv), pio.read_scores(out)
    assert list(b.columns) == list(schema.SCORE_COLUMNS)
    assert np.allclose(a["score"], b["score"], atol=1e-6)
    assert (a["alert"].astype(bool).to_numpy() == b["alert"].astype(bool).to_numpy()).all()


def test_threshold_override_and_top(small_world, trained):
    res = _run(
        "score", str(small_world / "test.jsonl"), "--model-dir", str(trained),
        "--threshold", "0", "--top", "3",
    )  # fmt: skip
    assert res.exit_code == 0
    assert "Top 3 of " in res.stdout
    res = _run(
        "score", str(small_world / "test.jsonl"), "--model-dir", str(trained),
        "--threshold", "1", "--top", "3",
    )  # fmt: skip
    assert res.exit_code == 0 and res.stdout == "" and "No alerts." in res.stderr


# ------------------------------------------------------------------------------ errors


def test_missing_model_dir(small_world, tmp_path):
    d = tmp_path / "nope"
    res = _run("score", str(small_world / "test.jsonl"), "--model-dir", str(d))
    assert res.exit_code == 1
    assert res.stderr == (
        f"Error: no model in {d}: the directory does not exist - train one with "
        f"`anomaly train LOGS... --model-dir {d}`\n"
    )


def test_altered_model_is_refused(small_world, trained, tmp_path):
    import shutil

    d = tmp_path / "m"
    shutil.copytree(trained, d)
    with open(d / "baseline.npz", "ab") as fh:
        fh.write(b"x")
    res = _run("score", str(small_world / "test.jsonl"), "--model-dir", str(d))
    assert res.exit_code == 1
    assert res.stderr == (
        f"Error: model file {d / 'baseline.npz'} was altered (its sha256 does not match "
        "manifest.json); refusing to load it - retrain with "
        f"`anomaly train LOGS... --model-dir {d}`\n"
    )


def test_wrong_window(small_world):
    res = _run("train", str(small_world / "train.jsonl"), "--window", "2h")
    assert res.exit_code == 2
    assert res.stderr.endswith(
        "Error: Invalid value for '--window': '2h' is not one of '1d', '1h'.\n"
    )


def test_missing_and_unreadable_logs(tmp_path, trained):
    res = _run("score", str(tmp_path / "nope.jsonl"), "--model-dir", str(trained))
    assert res.exit_code == 2
    assert res.stderr.endswith(
        f"Error: Invalid value for 'LOGS...': File '{tmp_path / 'nope.jsonl'}' does not exist.\n"
    )
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"x": 1}\nnot json\n')
    rejects = tmp_path / "rejects.jsonl"
    res = _run("score", str(bad), "--model-dir", str(trained), "--rejects", str(rejects))
    assert res.exit_code == 1
    assert res.stderr.endswith(f"Error: no usable records in {bad}: all 2 were rejected\n")
    assert rejects.read_bytes() == b'{"x": 1}\nnot json\n'
    # beside the verbatim lines, why each was rejected: file, line, field, reason
    why = pd.read_csv(f"{rejects}.reasons.csv", keep_default_na=False)
    assert list(why.columns) == ["source", "line", "field", "reason"]
    assert list(why["line"]) == [1, 2] and set(why["source"]) == {str(bad)}
    assert why["field"][0] == "id" and why["field"][1] == ""
    assert why["reason"][1].startswith("malformed JSON")
    assert f"and why each was rejected to {rejects}.reasons.csv" in res.stderr
    res = _run("train", str(bad), "--model-dir", str(tmp_path / "m"), "--strict")
    assert res.exit_code == 1
    assert res.stderr == f"Error: {bad}:1: field 'id' missing required field\n"


def test_every_reject_is_listed_with_verbose_and_its_reason_cells_are_escaped(
    trained, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    bad = "=bad.jsonl"  # a name a spreadsheet would run as a formula
    record = b'{"id": "a_1", "action_type": "x", "actor_id": "u", "created_at": "\\u001b[2J"}'
    (tmp_path / bad).write_bytes(b'{"x": 1}\nnot json\n' + record + b"\n")
    rejects = tmp_path / "rejects.jsonl"
    res = _run("score", bad, "--model-dir", str(trained), "-v", "--rejects", str(rejects))
    assert res.exit_code == 1
    for n in (1, 2, 3):
        assert f"rejected {bad}:{n}: " in res.stderr
    why = pd.read_csv(f"{rejects}.reasons.csv", keep_default_na=False)
    assert set(why["source"]) == {f"'{bad}"}
    assert "\x1b" not in why["reason"][2] and "\\x1b[2J" in why["reason"][2]


CSV_FIX = (
    "this looks like CSV; export JSON lines or Parquet (see README.md, 'On your own audit log')"
)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("x.csv", b"id,action_type,actor_id,created_at\na_1,workspace.delete,u_a,2024-01-01\n"),
        ("x.tsv", b"id\taction_type\na_1\tworkspace.delete\n"),
        ("export.txt", b"\xef\xbb\xbf\n\nid,action_type\na_1,workspace.delete\n"),
    ],
)
def test_an_input_that_looks_like_csv_names_the_fix(tmp_path, small_world, trained, name, text):
    logs = tmp_path / name
    logs.write_bytes(text)
    res = _run("train", str(logs), "--model-dir", str(tmp_path / "m"))
    assert res.exit_code == 1
    line = 3 if name == "export.txt" else 1
    assert res.stderr.endswith(
        f"Error: no usable records in {logs}: all 2 were rejected; {logs}:{line}: {CSV_FIX}\n"
    )
    res = _run("score", str(logs), str(small_world / "test.jsonl"), "--model-dir", str(trained),
               "--top", "0", "-q")  # fmt: skip
    assert res.exit_code == 0
    assert f"Warning: no record of {logs} was accepted; {logs}:{line}: {CSV_FIX}" in res.stderr


def test_a_json_lines_file_all_rejected_gets_no_csv_hint(tmp_path):
    logs = tmp_path / "x.jsonl"
    logs.write_bytes(b'{"id": 1, "a": 2}\nnot json, at all\n')
    res = _run("train", str(logs), "--model-dir", str(tmp_path / "m"))
    assert res.stderr.endswith(f"Error: no usable records in {logs}: all 2 were rejected\n")


def test_rejects_to_standard_output_by_dash_is_refused(trained, small_world, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = _run("score", str(small_world / "test.jsonl"), "--model-dir", str(trained),
               "--rejects", "-")  # fmt: skip
    assert res.exit_code == 2 and "/dev/stdout" in res.stderr
    assert not (tmp_path / "-").exists()


def test_conflicting_options_are_rejected_before_work(tmp_path):
    bad = tmp_path / "x.jsonl"
    bad.write_text("{}\n")
    nowhere = str(tmp_path / "nowhere")
    res = _run(
        "score", str(bad), "--model-dir", nowhere, "--alert-rate", "0.1", "--threshold", "0.5"
    )
    assert res.exit_code == 2
    assert res.stderr.endswith(
        "Error: --alert-rate and --threshold are mutually exclusive; give one\n"
    )
    res = _run("score", str(bad), "--model-dir", nowhere, "-o", str(tmp_path / "s.txt"))
    assert res.exit_code == 2
    assert res.stderr.endswith(
        f"Error: Invalid value for '--output': {tmp_path / 's.txt'}: unknown output format "
        "'.txt'; use .csv, .jsonl, .parquet, or name the format with --format\n"
    )
    res = _run("train", str(bad), "--alert-rate", "0.1", "--threshold", "0.5")
    assert res.exit_code == 2 and "mutually exclusive" in res.stderr
    assert not (tmp_path / "models").exists()


def test_score_creates_the_output_directory(small_world, trained, tmp_path):
    out = tmp_path / "new" / "dir" / "scores.jsonl"
    res = _run(
        "score",
        str(small_world / "test.jsonl"),
        "--model-dir",
        str(trained),
        "-o",
        str(out),
        "--top",
        "0",
    )
    assert res.exit_code == 0, res.stderr
    assert len(pio.read_scores(out)) > 0


def test_train_warns_when_the_period_is_too_short_for_history(tmp_path):
    import datetime as dt

    from pipes_anomaly.generate import GenerateConfig, simulate

    config = GenerateConfig(seed=1, days=12, actors=20, train_days=8, start=dt.date(2026, 1, 5))
    pio.write_world(simulate(config), tmp_path, fmt="jsonl")
    res = _run("train", str(tmp_path / "train.jsonl"), "--model-dir", str(tmp_path / "m"), "-v")
    assert res.exit_code == 0
    warning = [ln for ln in res.stderr.splitlines() if "history feature" in ln]
    assert len(warning) == 1 and warning[0].startswith("Warning: ")
    assert "trail_runs_vs_self" in warning[0]
    # an 8-day training period is also too short for first-seen features (7 days to mature)
    assert "log_novel_networks" in warning[0]
    assert "the training period (8 days) is shorter than the 14 days they need" in warning[0]
    assert "train on 14 days or more" in warning[0]
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert "trail_runs_vs_self" in manifest["constant_features"]


def _steady_log(path, days: int) -> None:
    """Two actors doing the same thing from the same IP at the same hours every day."""
    lines = []
    for d in range(days):
        day = (pd.Timestamp("2026-03-02") + pd.Timedelta(days=d)).strftime("%Y-%m-%d")
        for a, (actor, hour) in enumerate((("alice", 9), ("bob", 14))):
            for k in range(3):
                rec = {
                    "id": f"a_{d}_{a}_{k}", "action_type": "workspace.update",
                    "actor_id": f"u_{actor}", "actor_handle": actor,
                    "actor_ip": f"10.0.{a}.1", "identity_id": "o_acme",
                    "identity_handle": "acme", "target_id": f"w_{a}",
                    "created_at": f"{day}T{hour:02d}:{10 * k:02d}:00Z",
                }  # fmt: skip
                lines.append(json.dumps(rec))
    path.write_text("\n".join(lines) + "\n")


def test_steady_data_is_not_called_too_short(tmp_path):
    """History features that never varied over 30 steady days: said so, without bad advice."""
    _steady_log(tmp_path / "steady.jsonl", 30)
    res = _run("train", str(tmp_path / "steady.jsonl"), "--model-dir", str(tmp_path / "m"))
    assert res.exit_code == 0, res.stderr
    note = [ln for ln in res.stderr.splitlines() if "history feature" in ln]
    assert len(note) == 1 and note[0].startswith("Note: ")
    assert "over the 30-day training period" in note[0]
    assert "The period is long enough; the data is steady." in note[0]
    assert "too short" not in res.stderr and "three weeks" not in res.stderr
    assert "Warning" not in res.stderr
