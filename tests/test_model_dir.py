"""Model directories: save then load gives the same scores; anything altered is refused."""

import json
from pathlib import Path

import numpy as np
import pytest

from pipes_anomaly.io.model_dir import load_model, package_versions, save_model
from pipes_anomaly.models import AnomalyDetector
from pipes_anomaly.pipeline import ModelError, TrainedModel

COLS = ("f_a", "f_b", "f_c", "f_d")


def _normal(seed: int, n: int = 600, d: int = 4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal(size=(n, d)), np.zeros((n // 2, d))])


def _trained(seed: int = 0) -> tuple[TrainedModel, np.ndarray]:
    X = _normal(seed)
    det = AnomalyDetector(n_estimators=50, random_state=seed).fit(X)
    model = TrainedModel(
        detector=det,
        profile={"profile": "stand-in"},
        baseline={"baseline": "stand-in"},
        window="1d",
        feature_columns=COLS,
        threshold=det.threshold_,
        alert_rate=0.01,
        training_sha256="ab" * 32,
        n_training_windows=len(X),
    )
    return model, X


def test_save_then_load_gives_identical_scores(tmp_path):
    model, X = _trained()
    manifest_path = save_model(tmp_path / "m", model)
    manifest = json.loads(manifest_path.read_text())
    assert manifest["feature_columns"] == list(COLS)
    assert manifest["window"] == "1d"
    assert manifest["versions"] == package_versions()
    assert set(manifest["artefacts"]) == {"detector.joblib", "profile.joblib", "baseline.joblib"}
    assert manifest["params"]["algorithm"] == "ensemble"
    assert manifest["training_data_sha256"] == "ab" * 32
    back = load_model(tmp_path / "m", feature_columns=COLS)
    assert np.array_equal(back.detector.anomaly_score(X), model.detector.anomaly_score(X))
    assert back.threshold == model.threshold and back.window == "1d"
    assert back.profile == {"profile": "stand-in"}


def test_same_seed_gives_byte_identical_artefacts(tmp_path):
    m1, _ = _trained(4)
    m2, _ = _trained(4)
    a = json.loads(save_model(tmp_path / "a", m1).read_text())
    b = json.loads(save_model(tmp_path / "b", m2).read_text())
    assert a == b


def test_missing_model_dir_is_refused(tmp_path):
    d = tmp_path / "nowhere"
    with pytest.raises(ModelError) as err:
        load_model(d, feature_columns=COLS)
    assert str(err.value) == (
        f"no model in {d}: the directory does not exist - train one with "
        f"`anomaly train --model-dir {d}`"
    )


def test_altered_artefact_is_refused_before_unpickling(tmp_path, monkeypatch):
    model, _ = _trained()
    d = tmp_path / "m"
    save_model(d, model)
    with open(d / "detector.joblib", "ab") as fh:
        fh.write(b"\0")
    loaded = []
    monkeypatch.setattr("joblib.load", lambda *a, **k: loaded.append(a))
    with pytest.raises(ModelError) as err:
        load_model(d, feature_columns=COLS)
    assert str(err.value) == (
        f"model file {d / 'detector.joblib'} was altered (its sha256 does not match "
        f"manifest.json); refusing to load it - retrain with `anomaly train --model-dir {d}`"
    )
    assert loaded == []


def _edit_manifest(d: Path, **changes) -> None:
    path = d / "manifest.json"
    m = json.loads(path.read_text())
    for k, v in changes.items():
        if k == "sklearn":
            m["versions"]["scikit-learn"] = v
        else:
            m[k] = v
    path.write_text(json.dumps(m))


def test_other_package_version_is_refused(tmp_path):
    model, _ = _trained()
    d = tmp_path / "m"
    save_model(d, model)
    _edit_manifest(d, sklearn="0.24.2")
    with pytest.raises(ModelError) as err:
        load_model(d, feature_columns=COLS)
    current = package_versions()["scikit-learn"]
    assert str(err.value) == (
        f"model in {d} was made with scikit-learn 0.24.2, this is scikit-learn {current}"
        f" - retrain with `anomaly train --model-dir {d}`"
    )


def test_other_feature_set_is_refused(tmp_path):
    model, _ = _trained()
    d = tmp_path / "m"
    save_model(d, model)
    with pytest.raises(ModelError) as err:
        load_model(d, feature_columns=("f_a", "f_b", "f_c", "f_e"))
    assert str(err.value) == (
        f"model in {d} was trained on another feature set (it lacks f_e; has unknown f_d)"
        f" - retrain with `anomaly train --model-dir {d}`"
    )
    with pytest.raises(ModelError, match="orders them differently"):
        load_model(d, feature_columns=COLS[::-1])


def test_missing_artefact_and_broken_manifest_are_refused(tmp_path):
    model, _ = _trained()
    d = tmp_path / "m"
    save_model(d, model)
    (d / "baseline.joblib").unlink()
    with pytest.raises(ModelError, match=r"model file .*baseline.joblib is missing"):
        load_model(d, feature_columns=COLS)
    (d / "manifest.json").write_text("{not json")
    with pytest.raises(ModelError, match=r"is not a valid manifest"):
        load_model(d, feature_columns=COLS)
    (d / "manifest.json").unlink()
    with pytest.raises(ModelError, match=r"the directory has no manifest.json"):
        load_model(d, feature_columns=COLS)
