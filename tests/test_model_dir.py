"""Model directories: save then load gives the same scores; anything altered is refused."""

import dataclasses
import hashlib
import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipes_anomaly.catalog import MODEL_FEATURES
from pipes_anomaly.io import _state, model_dir
from pipes_anomaly.io._atomic import OutputError
from pipes_anomaly.io.model_dir import load_model, package_versions, save_model
from pipes_anomaly.pipeline import ModelError, score_events, train_model

ARTEFACTS = ("detector.npz", "profile.npz", "baseline.npz", "training.npz")


@pytest.fixture(scope="module")
def model(events):
    return train_model(events[0], n_estimators=30, random_state=3)


@pytest.fixture(scope="module")
def saved(model, tmp_path_factory):
    d = tmp_path_factory.mktemp("saved") / "m"
    save_model(d, model)
    return d


@pytest.fixture
def copy(saved, tmp_path):
    d = tmp_path / "m"
    shutil.copytree(saved, d)
    return d


def _retrain(d: Path) -> str:
    return f"retrain with `anomaly train LOGS... --model-dir {d}`"


def test_save_then_load_gives_identical_scores(model, saved, events):
    manifest = json.loads((saved / "manifest.json").read_text())
    assert manifest["format"] == 4
    assert manifest["feature_columns"] == list(MODEL_FEATURES)
    assert manifest["window"] == "1d"
    assert manifest["versions"] == package_versions()
    assert set(manifest["artefacts"]) == set(ARTEFACTS)
    assert manifest["params"]["algorithm"] == "ensemble"
    assert sorted(p.name for p in saved.iterdir()) == sorted([*ARTEFACTS, "manifest.json", ".lock"])
    back = load_model(saved)
    assert back.threshold == model.threshold and back.window == "1d"
    a = score_events(events[1], model, evidence_top=5)
    b = score_events(events[1], back, evidence_top=5)
    assert a.equals(b)
    assert back.profile.windows.equals(model.profile.windows)
    # arrays keep their memory order (column access to a column-major table stays fast)
    assert back.detector.surprisal_.sorted_.flags.f_contiguous
    assert model.detector.surprisal_.sorted_.flags.f_contiguous
    assert back.baseline.actor_typical.equals(model.baseline.actor_typical)


def test_same_seed_gives_byte_identical_directory(events, saved, tmp_path):
    save_model(tmp_path / "again", train_model(events[0], n_estimators=30, random_state=3))
    for name in (*ARTEFACTS, "manifest.json"):
        assert (tmp_path / "again" / name).read_bytes() == (saved / name).read_bytes(), name


def test_missing_model_dir_is_refused(tmp_path):
    d = tmp_path / "nowhere"
    with pytest.raises(ModelError) as err:
        load_model(d)
    assert str(err.value) == (
        f"no model in {d}: the directory does not exist - train one with "
        f"`anomaly train LOGS... --model-dir {d}`"
    )


def test_altered_artefact_is_refused_before_decoding(copy, monkeypatch):
    with open(copy / "detector.npz", "ab") as fh:
        fh.write(b"\0")
    decoded = []
    monkeypatch.setattr(_state, "decode_artefact", lambda *a: decoded.append(a))
    with pytest.raises(ModelError) as err:
        load_model(copy)
    assert str(err.value) == (
        f"model file {copy / 'detector.npz'} was altered (its sha256 does not match "
        f"manifest.json); refusing to load it - {_retrain(copy)}"
    )
    assert decoded == []


def _edit_manifest(d: Path, **changes) -> None:
    path = d / "manifest.json"
    m = json.loads(path.read_text())
    for k, v in changes.items():
        if k == "sklearn":
            m["versions"]["scikit-learn"] = v
        else:
            m[k] = v
    path.write_text(json.dumps(m))


def test_other_package_version_is_refused(copy):
    _edit_manifest(copy, sklearn="0.24.2")
    with pytest.raises(ModelError) as err:
        load_model(copy)
    current = package_versions()["scikit-learn"]
    assert str(err.value) == (
        f"model in {copy} was made with scikit-learn 0.24.2, this is scikit-learn {current}"
        f" - {_retrain(copy)}"
    )


def test_a_forged_version_stays_on_one_line_of_the_message(copy):
    _edit_manifest(copy, sklearn="9\nWarning: model verified\x1b[2J")
    with pytest.raises(ModelError) as err:
        load_model(copy)
    assert "\n" not in str(err.value) and "\x1b" not in str(err.value)
    assert "made with scikit-learn 9\\x0aWarning: model verified\\x1b[2J," in str(err.value)


def test_other_feature_set_is_refused(saved):
    other = (*MODEL_FEATURES[:-1], "f_e")
    with pytest.raises(ModelError) as err:
        load_model(saved, feature_columns=other)
    assert str(err.value) == (
        f"model in {saved} was trained on another feature set (it lacks f_e; has unknown "
        f"{MODEL_FEATURES[-1]}) - {_retrain(saved)}"
    )
    with pytest.raises(ModelError, match="orders them differently"):
        load_model(saved, feature_columns=MODEL_FEATURES[::-1])


def test_missing_artefact_and_broken_manifest_are_refused(copy):
    (copy / "baseline.npz").unlink()
    with pytest.raises(ModelError, match=r"model file .*baseline.npz is missing"):
        load_model(copy)
    (copy / "manifest.json").write_text("{not json")
    with pytest.raises(ModelError, match=r"is not a valid manifest"):
        load_model(copy)
    (copy / "manifest.json").unlink()
    with pytest.raises(ModelError, match=r"the directory has no manifest.json"):
        load_model(copy)


def test_a_directory_of_the_joblib_layout_is_refused_as_older(copy):
    (copy / "training.npz").unlink()  # layout 1 had three artefacts
    for name in ("detector.npz", "profile.npz", "baseline.npz"):
        (copy / name).rename(copy / name.replace(".npz", ".joblib"))
    _edit_manifest(copy, format=1)
    with pytest.raises(ModelError) as err:
        load_model(copy)
    assert str(err.value) == (
        f"model in {copy} was made by an older version of pipes-anomaly (layout 1; this "
        f"version reads layout 4) - {_retrain(copy)}"
    )


# ----------------------------------------------------------- the manifest is unchecked input


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("threshold", math.nan, r"is not a valid manifest \(NaN is not a JSON number\)"),
        ("threshold", math.inf, r"is not a valid manifest \(Infinity is not a JSON number\)"),
        ("threshold", None, r"field 'threshold' must be a number in \[0, 1\], got null"),
        ("threshold", 1.5, r"field 'threshold' must be a number in \[0, 1\], got 1.5"),
        ("threshold", "0.9", r"field 'threshold' must be a number in \[0, 1\], got \"0.9\""),
        ("window", "7d", r"field 'window' must be one of 1d, 1h, got \"7d\""),
        ("versions", "1.0", r"field 'versions' must be an object of version strings"),
        ("artefacts", [], r"field 'artefacts' must be an object of sha256 for detector.npz"),
        ("n_training_windows", True, r"field 'n_training_windows' must be a positive integer"),
        ("feature_columns", "abc", r"field 'feature_columns' must be a list"),
        ("alert_rate", 0, r"field 'alert_rate' must be null or a number in \(0, 1\), got 0"),
        ("model_id", 7, r"field 'model_id' must be a sha256 in hex, got 7"),
        ("format", "2", r"field 'format' must be an integer, got \"2\""),
    ],
)
def test_malformed_manifest_fields_are_refused(copy, field, value, message):
    _edit_manifest(copy, **{field: value})
    with pytest.raises(ModelError, match=message):
        load_model(copy)


def test_repeated_and_unknown_manifest_keys_are_refused(copy):
    text = (copy / "manifest.json").read_text()
    (copy / "manifest.json").write_text(text.replace('"format": 4,', '"format": 4, "format": 4,'))
    with pytest.raises(ModelError, match="a key is repeated"):
        load_model(copy)
    (copy / "manifest.json").write_text(text)
    _edit_manifest(copy, run_this="rm -rf /")
    with pytest.raises(ModelError, match='has unknown field "run_this"'):
        load_model(copy)


@pytest.mark.parametrize("changes", [{"threshold": 0.0}, {"threshold": 0.5, "alert_rate": None}])
def test_a_valid_but_edited_manifest_is_refused(copy, changes):
    _edit_manifest(copy, **changes)
    with pytest.raises(ModelError) as err:
        load_model(copy)
    assert str(err.value) == (
        f"{copy / 'manifest.json'} does not match the model files (its fields or their "
        f"content were altered); refusing to load it - {_retrain(copy)}"
    )


def _recompute(d: Path, *, model_id: bool = True, **changes) -> None:
    """Do what a forger does: edit, recompute every file hash (and the model id)."""
    m = json.loads((d / "manifest.json").read_text())
    m.update(changes)
    contents = {}
    for name in ARTEFACTS:
        data = (d / name).read_bytes()
        m["artefacts"][name] = hashlib.sha256(data).hexdigest()
        try:
            contents[name] = _state.payload_digest(_state.read_artefact(data)[1])
        except _state.ArtefactError:
            contents[name] = "0" * 64
    if model_id:
        m["model_id"] = model_dir._model_id(model_dir._core(m), contents)
    (d / "manifest.json").write_text(json.dumps(m, indent=2, sort_keys=True))


def test_an_edited_manifest_with_recomputed_id_is_refused_by_the_artefacts(copy):
    _recompute(copy, threshold=0.0)
    with pytest.raises(ModelError, match=r"model file .*detector.npz belongs to another model"):
        load_model(copy)


def test_swapped_artefacts_with_recomputed_hashes_are_refused_by_name(copy):
    (copy / "profile.npz").rename(copy / "tmp")
    (copy / "baseline.npz").rename(copy / "profile.npz")
    (copy / "tmp").rename(copy / "baseline.npz")
    _recompute(copy, model_id=False)
    with pytest.raises(ModelError) as err:
        load_model(copy)
    assert str(err.value) == (
        f'model file {copy / "profile.npz"} holds "baseline", not the profile (files swapped '
        f"or copied from elsewhere); refusing to load it - {_retrain(copy)}"
    )


def test_artefacts_from_another_model_are_refused_by_name(copy, events, tmp_path):
    other = tmp_path / "other"
    save_model(other, train_model(events[0], n_estimators=30, random_state=4))
    shutil.copy(other / "detector.npz", copy / "detector.npz")
    _recompute(copy, model_id=False)
    with pytest.raises(ModelError) as err:
        load_model(copy)
    mine = json.loads((copy / "manifest.json").read_text())["model_id"]
    theirs = json.loads((other / "manifest.json").read_text())["model_id"]
    assert str(err.value) == (
        f"model file {copy / 'detector.npz'} belongs to another model (model id "
        f"{theirs[:12]}..., this directory's is {mine[:12]}...); refusing to mix models - "
        f"{_retrain(copy)}"
    )


def test_the_manifest_threshold_policy_cannot_be_nan(model, tmp_path):
    model_nan = type(model)(**{**model.__dict__, "threshold": math.nan})
    with pytest.raises(ModelError, match="field 'threshold' must be a number"):
        save_model(tmp_path / "m", model_nan)
    assert not (tmp_path / "m").exists()


def test_symlinked_artefact_is_refused(copy):
    target = copy / "real.npz"
    (copy / "detector.npz").rename(target)
    (copy / "detector.npz").symlink_to(target)
    with pytest.raises(ModelError, match="detector.npz: a symbolic link"):
        load_model(copy)


# ------------------------------------------------------------------------- writing a model


def test_save_replaces_a_model_whole_and_refuses_other_directories(model, saved, tmp_path):
    d = tmp_path / "m"
    shutil.copytree(saved, d)
    (d / "detector.joblib").write_bytes(b"old layout")
    save_model(d, model)
    assert sorted(p.name for p in d.iterdir()) == sorted([*ARTEFACTS, "manifest.json", ".lock"])
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # nothing left beside it
    home = tmp_path / "home"
    home.mkdir()
    (home / "notes.txt").write_text("keep me")
    with pytest.raises(OutputError) as err:
        save_model(home, model)
    assert str(err.value) == (
        f"cannot write {home}: it holds files that are not part of a model (notes.txt) and a "
        "model directory is replaced whole; choose a new or empty --model-dir"
    )
    assert [p.name for p in home.iterdir()] == ["notes.txt"]


def test_unknown_objects_are_not_saved(model, tmp_path):
    odd = type(model)(**{**model.__dict__, "profile": {"profile": "stand-in"}})
    with pytest.raises(ModelError, match="cannot save a dict as the model's profile"):
        save_model(tmp_path / "m", odd)
    assert not (tmp_path / "m").exists()


def test_a_second_writer_is_refused(model, tmp_path):
    from pipes_anomaly.io import _atomic

    d = tmp_path / "m"
    import subprocess
    import sys

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time; os.makedirs(sys.argv[1], exist_ok=True);"
            "fd = os.open(sys.argv[1] + '/.lock', os.O_RDWR | os.O_CREAT);"
            "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)",
            str(d),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(OutputError) as err:
            save_model(d, model)
        assert str(err.value) == (
            f"cannot write {d}: another process is writing this model directory (it holds "
            f"{d / _atomic.LOCK_NAME}); wait for it to finish, or write to another model "
            "directory"
        )
    finally:
        holder.kill()
        holder.wait()
    save_model(d, model)  # the lock went with its holder
    assert load_model(d).threshold == model.threshold


@pytest.mark.parametrize(
    "damage",
    [
        lambda tc: tc.assign(n=-tc["n"]),  # a negative count
        lambda tc: tc.assign(row=tc["row"] + 10**6),  # a window the profile lacks
        lambda tc: pd.concat([tc, tc.iloc[:1]], ignore_index=True),  # a cell twice
        lambda tc: tc.drop(columns="n"),
    ],
)
def test_damaged_type_counts_are_refused_at_load(model, tmp_path, damage):
    profile = dataclasses.replace(model.profile, type_counts=damage(model.profile.type_counts))
    d = tmp_path / "damaged"
    save_model(d, dataclasses.replace(model, profile=profile))  # hashes match: only the content
    with pytest.raises(ModelError, match="does not hold this model's profile"):
        load_model(d)
