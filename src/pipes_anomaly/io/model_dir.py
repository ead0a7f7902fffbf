"""Model directories: save a trained model with its manifest, and load one back, checked.

A directory (layout :data:`FORMAT_VERSION`) holds three artefacts beside a ``manifest.json``
that records package versions, parameters, feature names, window, a hash of the training
data, the threshold, the model's id and the sha256 of every artefact.  Each artefact is
plain data (JSON and numeric arrays, :mod:`pipes_anomaly.io._state`): loading one builds
only known types and runs no code from it.  The model id is a hash over the manifest's
fields and the artefacts' content, and every artefact carries it, so a manifest edited by
hand or an artefact from another model is refused by name.  The hashes are integrity, not
trust (docs/security.md): whoever can write the directory can write a consistent model.

A model is written into a new directory beside the target, which then replaces the target
in one step, under a lock that refuses a second writer: a run killed at any moment leaves
the previous model whole.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import stat
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sklearn

from pipes_anomaly import __version__
from pipes_anomaly.catalog import MODEL_FEATURES
from pipes_anomaly.explain import Baseline
from pipes_anomaly.features import ActorProfile
from pipes_anomaly.io import _atomic, _state
from pipes_anomaly.models import AnomalyDetector
from pipes_anomaly.pipeline import ModelError, TrainedModel

#: Name of the manifest file in a model directory.
MANIFEST_NAME = "manifest.json"

#: Version of the model directory layout (1: joblib pickles; 2: plain data).
FORMAT_VERSION = 2

#: Artefact file -> what it holds (recorded in the artefact, checked on load).
ARTEFACTS: dict[str, str] = {
    "detector.npz": "detector",
    "profile.npz": "profile",
    "baseline.npz": "baseline",
}
#: What each kind of artefact must hold.
_KINDS: dict[str, type] = {
    "detector": AnomalyDetector,
    "profile": ActorProfile,
    "baseline": Baseline,
}

#: Files of older layouts, replaced without complaint when a model is written over them.
_OLD_FILES = frozenset({"detector.joblib", "profile.joblib", "baseline.joblib"})

#: Window sizes a model may have.
WINDOWS: tuple[str, ...] = ("1d", "1h")

#: Largest manifest read (a real one is a few kilobytes).
_MAX_MANIFEST_BYTES = 1 << 20

_HEX64 = re.compile(r"[0-9a-f]{64}")


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


# --------------------------------------------------------------------------- the manifest


def _model_id(core: dict, contents: dict[str, str]) -> str:
    """Hash over the manifest's fields (all but the id and file hashes) and the artefacts."""
    blob = json.dumps({"manifest": core, "contents": contents}, sort_keys=True, allow_nan=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _core(manifest: dict) -> dict:
    """Return the fields of a manifest that the model id covers."""
    return {k: v for k, v in manifest.items() if k not in ("model_id", "artefacts")}


def _show(value: object) -> str:
    """Return a manifest value as a message quotes it."""
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    text = json.dumps(value) if value is None or isinstance(value, bool | int | float) else ""
    if isinstance(value, str):
        text = json.dumps(value[:40])
    return text or f"{'a list' if isinstance(value, list) else 'an object'}"


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and bool(np.isfinite(v))


def _is_scalar(v: object) -> bool:
    return v is None or isinstance(v, str | bool) or _is_number(v)


def _str_list(v: object) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


#: Manifest field -> (what it must be, check).  Every field is required; no other is allowed.
_FIELDS: dict[str, tuple[str, Any]] = {
    "format": ("an integer", lambda v: type(v) is int),
    "model_id": ("a sha256 in hex", lambda v: isinstance(v, str) and _HEX64.fullmatch(v)),
    "versions": (
        "an object of version strings",
        lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
    ),
    "params": (
        "an object of numbers, strings, booleans or nulls",
        lambda v: isinstance(v, dict) and all(_is_scalar(x) for x in v.values()),
    ),
    "feature_columns": (
        "a list of distinct feature names",
        lambda v: _str_list(v) and len(v) > 0 and len(set(v)) == len(v),
    ),
    "window": (f"one of {', '.join(WINDOWS)}", lambda v: v in WINDOWS),
    "training_data_sha256": (
        "a sha256 in hex or empty",
        lambda v: isinstance(v, str) and (v == "" or _HEX64.fullmatch(v)),
    ),
    "n_training_windows": ("a positive integer", lambda v: type(v) is int and v > 0),
    "constant_features": ("a list of feature names", _str_list),
    "threshold": ("a number in [0, 1]", lambda v: _is_number(v) and 0 <= v <= 1),
    "alert_rate": (
        "null or a number in (0, 1)",
        lambda v: v is None or _is_number(v) and 0 < v < 1,
    ),
    "artefacts": (
        f"an object of sha256 for {', '.join(ARTEFACTS)}",
        lambda v: (
            isinstance(v, dict)
            and sorted(v) == sorted(ARTEFACTS)
            and all(isinstance(x, str) and _HEX64.fullmatch(x) for x in v.values())
        ),
    ),
}


def _check_manifest(d: Path, manifest: object) -> dict:
    """Refuse a manifest of another layout or that breaks :data:`_FIELDS`; return it."""
    path = d / MANIFEST_NAME
    if not isinstance(manifest, dict):
        raise ModelError(f"{path} is not a JSON object - {_retrain(d)}")
    fmt = manifest.get("format")
    if type(fmt) is int and fmt != FORMAT_VERSION:
        age = "an older" if fmt < FORMAT_VERSION else "a newer"
        raise ModelError(
            f"model in {d} was made by {age} version of pipes-anomaly (layout {fmt}; this "
            f"version reads layout {FORMAT_VERSION}) - {_retrain(d)}"
        )
    missing = [k for k in _FIELDS if k not in manifest]
    if missing:
        raise ModelError(f"{path} lacks {', '.join(missing)} - {_retrain(d)}")
    extra = [k for k in manifest if k not in _FIELDS]
    if extra:
        raise ModelError(f"{path} has unknown field {_show(extra[0])} - {_retrain(d)}")
    for name, (want, ok) in _FIELDS.items():
        if not ok(manifest[name]):
            raise ModelError(
                f"{path}: field '{name}' must be {want}, got {_show(manifest[name])}"
                f" - {_retrain(d)}"
            )
    unknown = [c for c in manifest["constant_features"] if c not in manifest["feature_columns"]]
    if unknown:
        raise ModelError(
            f"{path}: constant feature {_show(unknown[0])} is not a feature - {_retrain(d)}"
        )
    return manifest


def _check_versions(d: Path, manifest: dict) -> None:
    """Refuse a model made by other package versions."""
    saved = manifest["versions"]
    for pkg, version in package_versions().items():
        if saved.get(pkg) != version:
            raise ModelError(
                f"model in {d} was made with {pkg} {saved.get(pkg)}, this is {pkg} {version}"
                f" - {_retrain(d)}"
            )


def _parse_manifest(d: Path, data: bytes) -> dict:
    """Strict JSON: no NaN or Infinity, no repeated key, at most :data:`_MAX_MANIFEST_BYTES`."""
    path = d / MANIFEST_NAME

    def pairs(items: list[tuple[str, Any]]) -> dict:
        keys = [k for k, _ in items]
        if len(set(keys)) != len(keys):
            raise ValueError("a key is repeated")
        return dict(items)

    def constant(name: str) -> float:
        raise ValueError(f"{name} is not a JSON number")

    try:
        if len(data) > _MAX_MANIFEST_BYTES:
            raise ValueError(f"larger than {_MAX_MANIFEST_BYTES:,} bytes")
        return json.loads(data.decode("utf-8"), object_pairs_hook=pairs, parse_constant=constant)
    except (ValueError, RecursionError) as exc:
        raise ModelError(f"{path} is not a valid manifest ({exc}) - {_retrain(d)}") from None


def read_manifest(model_dir: str | Path) -> dict:
    """Read and check ``manifest.json`` against its schema (no artefact is read).

    Parameters
    ----------
    model_dir : str or Path

    Returns
    -------
    dict

    Raises
    ------
    ModelError
        When the directory or manifest is missing, malformed or of another layout.
    """
    d = Path(model_dir)
    data = _read_snapshot(d, names=())[0]
    manifest = _check_manifest(d, _parse_manifest(d, data))
    _check_versions(d, manifest)
    return manifest


# --------------------------------------------------------------------------- saving


def save_model(model_dir: str | Path, model: TrainedModel) -> Path:
    """Write the model's artefacts and its manifest as the directory ``model_dir``.

    The directory is built beside ``model_dir`` and replaces it in one step, under its
    write lock (:func:`pipes_anomaly.io._atomic.lock_dir`); a directory holding anything
    but a model is refused rather than replaced.

    Parameters
    ----------
    model_dir : str or Path
        Directory (created if needed; a model already there is replaced whole).
    model : TrainedModel

    Returns
    -------
    Path
        Path of the written ``manifest.json``.

    Raises
    ------
    ModelError
        When the model cannot be stored (a value of a type a model does not hold).
    OutputError
        When the directory is locked by another writer, holds other files, or cannot be
        written; nothing is left half-written.
    """
    d = Path(model_dir)
    objects = {
        "detector.npz": model.detector,
        "profile.npz": model.profile,
        "baseline.npz": model.baseline,
    }
    encoded = {}
    for name, obj in objects.items():
        kind = ARTEFACTS[name]
        if not isinstance(obj, _KINDS[kind]):
            raise ModelError(f"cannot save a {type(obj).__name__} as the model's {kind}")
        try:
            encoded[name] = _state.encode_artefact(obj)
        except TypeError as exc:
            raise ModelError(f"cannot save the model's {kind}: {exc}") from None
    manifest = _manifest(model)
    unset = "0" * 64  # the id and hashes are not known yet; every other field is checked
    _check_manifest(
        d, {**manifest, "model_id": unset, "artefacts": dict.fromkeys(ARTEFACTS, unset)}
    )
    manifest["model_id"] = _model_id(manifest, {n: dig for n, (_, dig) in encoded.items()})
    with lock_model_dir(d):
        _check_replaceable(d)
        _atomic.remove_stale_beside(d)
        built = _atomic.new_dir_beside(d)
        try:
            hashes = {}
            for name, (members, _) in encoded.items():
                about = {"kind": ARTEFACTS[name], "model_id": manifest["model_id"]}
                with open(built / name, "wb") as fh:
                    _state.write_artefact(fh, about, members)
                    _flush(fh)
                hashes[name] = sha256_files([built / name])
            manifest["artefacts"] = hashes
            (built / _atomic.LOCK_NAME).touch()  # the next writer's lock, in place from the start
            with open(built / MANIFEST_NAME, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
                _flush(fh)
            _atomic.replace_dir(built, d)
        except BaseException as exc:
            shutil.rmtree(built, ignore_errors=True)
            if isinstance(exc, OSError) and not isinstance(exc, _atomic.OutputError):
                raise _atomic.OutputError(d, exc.strerror or str(exc)) from exc
            raise
    model.manifest = manifest
    return d / MANIFEST_NAME


@contextlib.contextmanager
def lock_model_dir(model_dir: str | Path) -> Iterator[Path]:
    """Hold the write lock of a model directory for a block (re-entrant within a process).

    For a caller that trains and then saves: a second writer is refused before any work,
    and :func:`save_model` inside the block keeps the lock.

    Parameters
    ----------
    model_dir : str or Path

    Yields
    ------
    Path

    Raises
    ------
    OutputError
        When another process holds the lock, or the directory holds anything but a model.
    """
    d = Path(model_dir)
    _check_replaceable(d)  # before the lock, which would leave its file in the directory
    with _atomic.lock_dir(d, what="model directory"):
        yield d


def _manifest(model: TrainedModel) -> dict:
    """Return the manifest of a model, without its id and file hashes."""
    params = {
        k: (v if isinstance(v, str | int | float | bool) or v is None else repr(v))
        for k, v in model.detector.get_params().items()
    }
    return {
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
    }


def _flush(fh: Any) -> None:
    """Put a file's bytes on disk before the directory holding it is put in place."""
    fh.flush()
    os.fsync(fh.fileno())


def _check_replaceable(d: Path) -> None:
    """Refuse to replace a directory that holds anything but a model."""
    if not d.is_dir():
        return
    allowed = {MANIFEST_NAME, _atomic.LOCK_NAME, *ARTEFACTS, *_OLD_FILES}
    others = sorted(p.name for p in d.iterdir() if p.name not in allowed)
    if others:
        shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
        raise _atomic.OutputError(
            d,
            f"it holds files that are not part of a model ({shown}) and a model directory "
            "is replaced whole; choose a new or empty --model-dir",
        )


# --------------------------------------------------------------------------- loading


def _read_snapshot(d: Path, names: Sequence[str]) -> tuple[bytes, dict[str, bytes | None]]:
    """Read the manifest and ``names`` from one and the same directory.

    The files are opened relative to the directory as it was when reading began; when the
    directory was replaced meanwhile (a model written over it), reading starts again.
    """
    for _ in range(5):
        try:
            dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
        except (FileNotFoundError, NotADirectoryError):
            where = "does not exist" if not d.exists() else "is not a directory"
            raise ModelError(
                f"no model in {d}: the directory {where} - train one with "
                f"`anomaly train --model-dir {d}`"
            ) from None
        try:
            manifest = _read_at(dfd, MANIFEST_NAME, _MAX_MANIFEST_BYTES + 1)
            files = {name: _read_at(dfd, name) for name in names}
            replaced = os.stat(d).st_ino != os.fstat(dfd).st_ino
        except OSError as exc:
            what = d / exc.filename if exc.filename else d
            raise ModelError(f"cannot read {what}: {exc.strerror} - {_retrain(d)}") from None
        finally:
            os.close(dfd)
        if not replaced:
            break
    if manifest is None:
        raise ModelError(
            f"no model in {d}: the directory has no {MANIFEST_NAME} - train one with "
            f"`anomaly train --model-dir {d}`"
        )
    return manifest, files


def _read_at(dfd: int, name: str, limit: int = -1) -> bytes | None:
    """Return the bytes of the regular file ``name`` in the directory ``dfd`` (None: absent).

    A symbolic link, device or pipe is an error: a model file is a regular file.
    """
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dfd)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(exc.errno, "a symbolic link, not a regular file", name) from None
        raise
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", name)
        return fh.read(limit)


def load_model(
    model_dir: str | Path, *, feature_columns: Sequence[str] | None = None
) -> TrainedModel:
    """Load a model saved by :func:`save_model`, refusing anything that does not match.

    Checks, in order, before building anything: the manifest exists, parses as strict JSON
    and has this layout and every field of its schema; package versions and feature names
    match this installation; every artefact exists and its sha256 matches the manifest; each
    artefact holds what its name says and belongs to this model (its model id), and the id
    matches the manifest's fields and the artefacts' content.  Then the objects are built
    from plain data (no code from the directory runs) and checked against the manifest.

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
    data, files = _read_snapshot(d, tuple(ARTEFACTS))
    manifest = _check_manifest(d, _parse_manifest(d, data))
    _check_versions(d, manifest)
    expected = tuple(feature_columns if feature_columns is not None else MODEL_FEATURES)
    have = tuple(manifest["feature_columns"])
    if have != expected:
        raise ModelError(
            f"model in {d} was trained on another feature set (it "
            f"{_feature_difference(expected, have)}) - {_retrain(d)}"
        )
    contents = {}
    members = {}
    for name in ARTEFACTS:
        members[name], contents[name] = _checked_members(d, name, files[name], manifest)
    if _model_id(_core(manifest), contents) != manifest["model_id"]:
        raise ModelError(
            f"{d / MANIFEST_NAME} does not match the model files (its fields or their content "
            f"were altered); refusing to load it - {_retrain(d)}"
        )
    objects = {}
    for name, kind in ARTEFACTS.items():
        try:
            objects[kind] = _state.decode_artefact(members[name])
        except _state.ArtefactError as exc:
            raise ModelError(f"model file {d / name} is malformed: {exc} - {_retrain(d)}") from None
    _check_objects(d, manifest, objects)
    return TrainedModel(
        detector=objects["detector"],
        profile=objects["profile"],
        baseline=objects["baseline"],
        window=manifest["window"],
        feature_columns=have,
        threshold=float(manifest["threshold"]),
        alert_rate=manifest["alert_rate"],
        training_sha256=manifest["training_data_sha256"],
        n_training_windows=manifest["n_training_windows"],
        constant_features=tuple(manifest["constant_features"]),
        manifest=manifest,
    )


def _checked_members(
    d: Path, name: str, data: bytes | None, manifest: dict
) -> tuple[list[tuple[str, bytes]], str]:
    """Return an artefact's members and content digest once its hash, kind and id match."""
    p = d / name
    if data is None:
        raise ModelError(f"model file {p} is missing - {_retrain(d)}")
    if hashlib.sha256(data).hexdigest() != manifest["artefacts"][name]:
        raise ModelError(
            f"model file {p} was altered (its sha256 does not match {MANIFEST_NAME}); "
            f"refusing to load it - {_retrain(d)}"
        )
    try:
        about, members = _state.read_artefact(data)
    except _state.ArtefactError as exc:
        raise ModelError(f"model file {p} is malformed: {exc} - {_retrain(d)}") from None
    kind = ARTEFACTS[name]
    if about.get("kind") != kind:
        raise ModelError(
            f"model file {p} holds {_show(about.get('kind'))}, not the {kind} (files swapped "
            f"or copied from elsewhere); refusing to load it - {_retrain(d)}"
        )
    if about.get("model_id") != manifest["model_id"]:
        raise ModelError(
            f"model file {p} belongs to another model (model id "
            f"{str(about.get('model_id'))[:12]}..., this directory's is "
            f"{manifest['model_id'][:12]}...); refusing to mix models - {_retrain(d)}"
        )
    return members, _state.payload_digest(members)


def _check_objects(d: Path, manifest: dict, objects: dict[str, Any]) -> None:
    """Refuse artefacts whose objects are not of their kind or disagree with the manifest."""
    n_features = len(manifest["feature_columns"])
    checks = {
        "detector": lambda o: getattr(o, "n_features_in_", None) == n_features,
        "profile": lambda o: o.window == manifest["window"],
        "baseline": lambda o: tuple(o.feature_columns) == tuple(manifest["feature_columns"]),
    }
    for name, kind in ARTEFACTS.items():
        obj = objects[kind]
        if not isinstance(obj, _KINDS[kind]) or not checks[kind](obj):
            raise ModelError(
                f"model file {d / name} does not hold this model's {kind}; refusing to load "
                f"it - {_retrain(d)}"
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
