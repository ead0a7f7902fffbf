"""Model directories: save a trained model with its manifest, and load one back, checked.

A directory holds joblib artefacts beside a ``manifest.json`` that records package versions,
parameters, feature names, window, a hash of the training data, the threshold and the
sha256 of every artefact; :func:`load_model` checks all of it, hashes first, before anything
is unpickled.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import sklearn

from pipes_anomaly import __version__
from pipes_anomaly.catalog import MODEL_FEATURES
from pipes_anomaly.pipeline import ModelError, TrainedModel

#: Name of the manifest file in a model directory.
MANIFEST_NAME = "manifest.json"

#: Version of the model directory layout.
FORMAT_VERSION = 1

#: Files of a model directory besides the manifest.
_ARTEFACTS: tuple[str, ...] = ("detector.joblib", "profile.joblib", "baseline.joblib")


def package_versions() -> dict[str, str]:
    """Versions recorded in, and required by, a model manifest.

    Returns
    -------
    dict
        ``pipes_anomaly``, ``scikit-learn``, ``numpy``, ``pandas`` -> version string.
    """
    return {
        "pipes_anomaly": __version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
    }


def _sha256(path: Path) -> str:
    """Hex sha256 of one file."""
    return sha256_files([path])


def _read_checked(path: Path, want: str) -> bytes | None:
    """Return the bytes of ``path`` when their sha256 is ``want``, else None.

    The file is read once, so the bytes unpickled are the bytes checked.
    """
    data = path.read_bytes()
    return data if hashlib.sha256(data).hexdigest() == want else None


def sha256_files(paths: Iterable[str | Path]) -> str:
    """One sha256 over the bytes of several files, in the order given.

    Parameters
    ----------
    paths : iterable of str or Path

    Returns
    -------
    str
        Hex digest.
    """
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as fh:
            for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def _retrain(model_dir: Path) -> str:
    """Return the advice every refusal ends with."""
    return f"retrain with `anomaly train --model-dir {model_dir}`"


def save_model(model_dir: str | Path, model: TrainedModel) -> Path:
    """Write the model's artefacts and its manifest into ``model_dir``.

    Parameters
    ----------
    model_dir : str or Path
        Directory (created if needed); existing artefacts are overwritten.
    model : TrainedModel

    Returns
    -------
    Path
        Path of the written ``manifest.json``.
    """
    d = Path(model_dir)
    d.mkdir(parents=True, exist_ok=True)
    objects = {
        "detector.joblib": model.detector,
        "profile.joblib": model.profile,
        "baseline.joblib": model.baseline,
    }
    hashes = {}
    for name, obj in objects.items():
        joblib.dump(obj, d / name)
        hashes[name] = _sha256(d / name)
    params = {
        k: (v if isinstance(v, (str, int, float, bool)) or v is None else repr(v))
        for k, v in model.detector.get_params().items()
    }
    manifest = {
        "format": FORMAT_VERSION,
        "versions": package_versions(),
        "params": params,
        "feature_columns": list(model.feature_columns),
        "window": model.window,
        "training_data_sha256": model.training_sha256,
        "n_training_windows": int(model.n_training_windows),
        "constant_features": list(model.constant_features),
        "threshold": float(model.threshold),
        "alert_rate": None if model.alert_rate is None else float(model.alert_rate),
        "artefacts": hashes,
    }
    path = d / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    model.manifest = manifest
    return path


def read_manifest(model_dir: str | Path) -> dict:
    """Read and structurally check ``manifest.json`` (nothing is unpickled).

    Parameters
    ----------
    model_dir : str or Path

    Returns
    -------
    dict

    Raises
    ------
    ModelError
        When the directory or manifest is missing or malformed.
    """
    d = Path(model_dir)
    path = d / MANIFEST_NAME
    if not path.is_file():
        where = "does not exist" if not d.exists() else f"has no {MANIFEST_NAME}"
        raise ModelError(
            f"no model in {d}: the directory {where} - train one with "
            f"`anomaly train --model-dir {d}`"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise ModelError(f"{path} is not a valid manifest ({exc}) - {_retrain(d)}") from None
    keys = ("format", "versions", "feature_columns", "window", "threshold", "artefacts")
    missing = [k for k in keys if not isinstance(manifest, dict) or k not in manifest]
    if missing:
        raise ModelError(f"{path} lacks {', '.join(missing)} - {_retrain(d)}")
    return manifest


def load_model(
    model_dir: str | Path, *, feature_columns: Sequence[str] | None = None
) -> TrainedModel:
    """Load a model saved by :func:`save_model`, refusing anything that does not match.

    Checks, in order and before unpickling anything: the manifest exists and parses; its
    format, package versions and feature names match this installation; every artefact
    exists and its sha256 matches the manifest.

    Parameters
    ----------
    model_dir : str or Path
    feature_columns : sequence of str, optional
        Feature names the model must have; default ``catalog.MODEL_FEATURES``.

    Returns
    -------
    TrainedModel

    Raises
    ------
    ModelError
        Saying what does not match and what to do.
    """
    d = Path(model_dir)
    manifest = read_manifest(d)
    _check_versions(d, manifest)
    expected = tuple(feature_columns if feature_columns is not None else MODEL_FEATURES)
    have = tuple(manifest["feature_columns"])
    if have != expected:
        raise ModelError(
            f"model in {d} was trained on another feature set (it "
            f"{_feature_difference(expected, have)}) - {_retrain(d)}"
        )
    checked: dict[str, bytes] = {}
    for name in _ARTEFACTS:
        p = d / name
        want = manifest["artefacts"].get(name)
        if want is None or not p.is_file():
            raise ModelError(f"model file {p} is missing - {_retrain(d)}")
        data = _read_checked(p, want)
        if data is None:
            raise ModelError(
                f"model file {p} was altered (its sha256 does not match {MANIFEST_NAME}); "
                f"refusing to load it - {_retrain(d)}"
            )
        checked[name] = data
    loaded = {name: joblib.load(io.BytesIO(data)) for name, data in checked.items()}
    return TrainedModel(
        detector=loaded["detector.joblib"],
        profile=loaded["profile.joblib"],
        baseline=loaded["baseline.joblib"],
        window=str(manifest["window"]),
        feature_columns=have,
        threshold=float(manifest["threshold"]),
        alert_rate=manifest.get("alert_rate"),
        training_sha256=str(manifest.get("training_data_sha256", "")),
        n_training_windows=int(manifest.get("n_training_windows", 0)),
        constant_features=tuple(manifest.get("constant_features", ())),
        manifest=manifest,
    )


def _check_versions(d: Path, manifest: dict) -> None:
    """Refuse a model of another directory layout or made by other package versions."""
    if manifest["format"] != FORMAT_VERSION:
        raise ModelError(
            f"model in {d} has layout version {manifest['format']}, this version reads "
            f"{FORMAT_VERSION} - {_retrain(d)}"
        )
    saved = manifest["versions"]
    for pkg, version in package_versions().items():
        if saved.get(pkg) != version:
            raise ModelError(
                f"model in {d} was made with {pkg} {saved.get(pkg)}, this is {pkg} {version}"
                f" - {_retrain(d)}"
            )


def _feature_difference(expected: Sequence[str], have: Sequence[str]) -> str:
    """How a model's feature names differ from the expected ones, in a few words."""
    gone = [f for f in expected if f not in have]
    extra = [f for f in have if f not in expected]
    what = []
    if gone:
        what.append(f"lacks {', '.join(gone[:5])}")
    if extra:
        what.append(f"has unknown {', '.join(extra[:5])}")
    if not what:
        what.append("orders them differently")
    return "; ".join(what)
