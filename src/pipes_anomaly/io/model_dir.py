"""Model directories: save a trained model with its manifest, and load one back, checked.

A directory (layout :data:`FORMAT_VERSION`) holds four artefacts beside a ``manifest.json``
that records package versions, parameters, feature names, window, a hash of the training
data, what the model was trained on (period, organisations, actors, action types and their
shares, the training alert rate), the threshold, the model's id and the sha256 of every
artefact.  Each artefact is
plain data (JSON and numeric arrays, :mod:`pipes_anomaly.io._state`): loading one builds
only known types and runs no code from it.  The model id is a hash over the manifest's
fields and the artefacts' content, and every artefact carries it, so a manifest edited by
hand or an artefact from another model is refused by name.  The hashes are integrity, not
trust (docs/security.md): whoever can write the directory can write a consistent model.

A model is written into a new directory beside the target, which then replaces the target
in one step, under a lock that refuses a second writer: a run killed at any moment leaves
the previous model whole.

A history directory (:func:`save_history`, :func:`load_history`) keeps the actor history a
model carries forward between daily runs (``anomaly score --state DIR``): the profile, tied
to the model's id and checked the same way.
"""

from __future__ import annotations

import contextlib
import dataclasses
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
from pipes_anomaly._text import visible
from pipes_anomaly.catalog import MODEL_FEATURES
from pipes_anomaly.explain import Baseline
from pipes_anomaly.features import ActorProfile
from pipes_anomaly.fit import TrainingSummary
from pipes_anomaly.io import _atomic, _state
from pipes_anomaly.models import AnomalyDetector
from pipes_anomaly.pipeline import ModelError, TrainedModel

#: Name of the manifest file in a model directory.
MANIFEST_NAME = "manifest.json"

#: Version of the model directory layout (1: joblib pickles; 2: plain data; 3: plain data
#: with what the model was trained on; 4: the detector's part weights).
FORMAT_VERSION = 4

#: Artefact file -> what it holds (recorded in the artefact, checked on load).
ARTEFACTS: dict[str, str] = {
    "detector.npz": "detector",
    "profile.npz": "profile",
    "baseline.npz": "baseline",
    "training.npz": "training",
}
#: What each kind of artefact must hold.
_KINDS: dict[str, type] = {
    "detector": AnomalyDetector,
    "profile": ActorProfile,
    "baseline": Baseline,
    "training": TrainingSummary,
}

#: Files of older layouts, replaced without complaint when a model is written over them.
_OLD_FILES = frozenset({"detector.joblib", "profile.joblib", "baseline.joblib"})

#: Window sizes a model may have.
WINDOWS: tuple[str, ...] = ("1d", "1h")

#: Largest manifest read (a real one is a few kilobytes).
_MAX_MANIFEST_BYTES = 1 << 20

_HEX64 = re.compile(r"[0-9a-f]{64}")
_ISO_SECOND = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
#: Most action types a manifest lists (the training artefact holds them all).
_MAX_MANIFEST_ACTIONS = 100


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


def _foreign_files(d: Path, allowed: Iterable[str]) -> list[str]:
    """Names of the entries of ``d`` that are not among ``allowed`` (sorted; none if absent)."""
    try:
        return sorted(p.name for p in d.iterdir() if p.name not in set(allowed))
    except OSError:
        return []


def _model_files() -> set[str]:
    """Names a model directory may hold."""
    return {MANIFEST_NAME, _atomic.LOCK_NAME, *ARTEFACTS, *_OLD_FILES}


def _shown(names: Sequence[str]) -> str:
    return ", ".join(visible(n) for n in names[:5]) + (", ..." if len(names) > 5 else "")


def _retrain(model_dir: Path) -> str:
    """Return the advice every refusal ends with: never to train into a folder of data."""
    others = _foreign_files(model_dir, _model_files())
    if others:
        return (
            f"{model_dir} is not a model directory (it holds {_shown(others)}): give "
            "--model-dir the directory `anomaly train` wrote, or train a model into a new "
            "one with `anomaly train LOGS... --model-dir models/NAME`"
        )
    return f"retrain with `anomaly train LOGS... --model-dir {model_dir}`"


# --------------------------------------------------------------------------- the manifest


def _model_id(core: dict, contents: dict[str, str]) -> str:
    """Hash over the manifest's fields (all but the id and file hashes) and the artefacts."""
    blob = json.dumps({"manifest": core, "contents": contents}, sort_keys=True, allow_nan=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _core(manifest: dict, id_field: str = "model_id") -> dict:
    """Return the fields of a manifest that its id covers (all but the id and file hashes)."""
    return {k: v for k, v in manifest.items() if k not in (id_field, "artefacts")}


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


def _share(v: object) -> bool:
    return _is_number(v) and 0 <= v <= 1  # type: ignore[operator]


def _is_time(v: object) -> bool:
    return isinstance(v, str) and _ISO_SECOND.fullmatch(v) is not None


def _training_digest(v: object) -> bool:
    """Whether ``v`` is what :meth:`TrainingSummary.digest` writes."""
    keys = {"first_record", "last_record", "records", "actors", "organisations"}
    keys |= {"action_types", "alert_rate"}
    if not isinstance(v, dict) or set(v) != keys:
        return False
    actions = v["action_types"]
    return (
        all(_is_time(v[k]) for k in ("first_record", "last_record"))
        and all(type(v[k]) is int and v[k] >= 0 for k in ("records", "actors", "organisations"))
        and isinstance(actions, dict)
        and len(actions) <= _MAX_MANIFEST_ACTIONS
        and all(_share(x) for x in actions.values())
        and _share(v["alert_rate"])
    )


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
    "training": (
        "an object of the training period, counts, action-type shares and alert rate",
        _training_digest,
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
    if "model_id" in missing and "artefacts" in missing:
        raise ModelError(f"{path} is not the manifest of a model - {_retrain(d)}")
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
            made = visible(saved.get(pkg))
            raise ModelError(
                f"model in {d} was made with {pkg} {made}, this is {pkg} {version} - {_retrain(d)}"
            )


def _parse_manifest(d: Path, data: bytes, advice: str | None = None) -> dict:
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
        raise ModelError(
            f"{path} is not a valid manifest ({exc}) - {advice or _retrain(d)}"
        ) from None


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
        "training.npz": model.training,
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
        artefacts = {
            name: ({"kind": ARTEFACTS[name], "model_id": manifest["model_id"]}, members)
            for name, (members, _) in encoded.items()
        }
        _swap_in(d, artefacts, manifest)
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


def _swap_in(d: Path, artefacts: dict[str, tuple[dict, Any]], manifest: dict) -> None:
    """Build a directory beside ``d`` from artefacts and a manifest, then put it in ``d``'s place.

    ``artefacts`` maps each file name to its ``about`` record and its encoded members; the
    manifest gets their hashes.  Call it holding the directory's lock.  A failed write
    removes the new directory and leaves ``d`` as it was.
    """
    _atomic.remove_stale_beside(d)
    built = _atomic.new_dir_beside(d)
    try:
        hashes = {}
        for name, (about, members) in artefacts.items():
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
        "training": model.training.digest() if model.training is not None else None,
    }


def _flush(fh: Any) -> None:
    """Put a file's bytes on disk before the directory holding it is put in place."""
    fh.flush()
    os.fsync(fh.fileno())


def _check_replaceable(d: Path) -> None:
    """Refuse to replace a directory that holds anything but a model."""
    if not d.is_dir():
        return
    others = _foreign_files(d, _model_files())
    if others:
        raise _atomic.OutputError(
            d,
            f"it holds files that are not part of a model ({_shown(others)}) and a model "
            "directory is replaced whole; choose a new or empty --model-dir",
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
                f"`anomaly train LOGS... --model-dir {d}`"
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
        advice = (
            _retrain(d)
            if _foreign_files(d, _model_files())
            else f"train one with `anomaly train LOGS... --model-dir {d}`"
        )
        raise ModelError(f"no model in {d}: the directory has no {MANIFEST_NAME} - {advice}")
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
        training=objects["training"],
        manifest=manifest,
    )


def _read_artefact(
    p: Path, data: bytes | None, sha256: str, advice: str, label: str = "", refusal: str = ""
) -> tuple[dict, list[tuple[str, bytes]]]:
    """Read an artefact's header and members once it is present and its sha256 matches.

    ``label`` goes before the path in messages, ``refusal`` after what is wrong with the
    file, and ``advice`` (what to do) ends them.
    """
    if data is None:
        raise ModelError(f"{label}{p} is missing - {advice}")
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ModelError(
            f"{label}{p} was altered (its sha256 does not match {MANIFEST_NAME}){refusal} - "
            f"{advice}"
        )
    try:
        return _state.read_artefact(data)
    except _state.ArtefactError as exc:
        raise ModelError(f"{label}{p} is malformed: {exc} - {advice}") from None


def _checked_members(
    d: Path, name: str, data: bytes | None, manifest: dict
) -> tuple[list[tuple[str, bytes]], str]:
    """Return an artefact's members and content digest once its hash, kind and id match."""
    p = d / name
    about, members = _read_artefact(
        p, data, manifest["artefacts"][name], _retrain(d), "model file ", "; refusing to load it"
    )
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
        "profile": lambda o: o.window == manifest["window"] and _type_counts_ok(o),
        "baseline": lambda o: tuple(o.feature_columns) == tuple(manifest["feature_columns"]),
        "training": lambda o: o.window == manifest["window"] and _summary_frames_ok(o),
    }
    for name, kind in ARTEFACTS.items():
        obj = objects[kind]
        if not isinstance(obj, _KINDS[kind]) or not checks[kind](obj):
            raise ModelError(
                f"model file {d / name} does not hold this model's {kind}; refusing to load "
                f"it - {_retrain(d)}"
            )


def _type_counts_ok(profile: ActorProfile) -> bool:
    """Whether a profile's per-type counts are what a built profile holds."""
    try:
        profile.check_type_counts()
    except ValueError:
        return False
    return True


def _summary_frames_ok(summary: TrainingSummary) -> bool:
    """Whether a training summary's tables have their columns, text keys and counts."""
    want = {
        "organisations": ["identity_id", "label", "records"],
        "actors": ["actor_id", "label", "records"],
        "action_types": ["action_type", "records"],
    }
    for name, cols in want.items():
        frame = getattr(summary, name)
        if not isinstance(frame, pd.DataFrame) or list(frame.columns) != cols:
            return False
        if frame["records"].dtype.kind not in "iu":
            return False
    return all(
        type(getattr(summary, k)) is int for k in ("first_ns", "last_ns", "n_records", "n_windows")
    ) and isinstance(summary.alert_share, float)


def _feature_difference(expected: Sequence[str], have: Sequence[str]) -> str:
    """How a model's feature names differ from the expected ones, in a few words."""
    gone = [f for f in expected if f not in have]
    extra = [f for f in have if f not in expected]
    what = []
    if gone:
        what.append(f"lacks {', '.join(gone[:5])}")
    if extra:
        what.append(f"has unknown {', '.join(visible(f) for f in extra[:5])}")
    if not what:
        what.append("orders them differently")
    return "; ".join(what)


# --------------------------------------------------------------------------- history


#: Name of the artefact of a history directory: the actor profile carried forward.
HISTORY_NAME = "history.npz"
#: Version of the history directory layout.
HISTORY_FORMAT = 2

#: History manifest field -> (what it must be, check).  Every field is required.
_HISTORY_FIELDS: dict[str, tuple[str, Any]] = {
    "format": (f"{HISTORY_FORMAT}", lambda v: type(v) is int and v == HISTORY_FORMAT),
    "kind": ('"history"', lambda v: v == "history"),
    "history_id": ("a sha256 in hex", lambda v: isinstance(v, str) and _HEX64.fullmatch(v)),
    "model_id": ("a sha256 in hex", lambda v: isinstance(v, str) and _HEX64.fullmatch(v)),
    "window": (f"one of {', '.join(WINDOWS)}", lambda v: v in WINDOWS),
    "versions": _FIELDS["versions"],
    "first_record": ("a time (ISO 8601, UTC)", _is_time),
    "last_record": ("a time (ISO 8601, UTC)", _is_time),
    "runs": ("a positive integer", lambda v: type(v) is int and v > 0),
    "records": ("an integer", lambda v: type(v) is int and v >= 0),
    "windows": ("an integer", lambda v: type(v) is int and v >= 0),
    "alerts": ("an integer", lambda v: type(v) is int and v >= 0),
    "artefacts": (
        f"an object of the sha256 of {HISTORY_NAME}",
        lambda v: (
            isinstance(v, dict)
            and list(v) == [HISTORY_NAME]
            and isinstance(v[HISTORY_NAME], str)
            and _HEX64.fullmatch(v[HISTORY_NAME])
        ),
    ),
}


def _rebuild(d: Path) -> str:
    """Return the advice a refused history directory ends with."""
    return (
        f"move {d} aside and score every record since the model's training period in one "
        f"run with `--state {d}`, which starts the history again"
    )


def _history_files() -> set[str]:
    return {MANIFEST_NAME, _atomic.LOCK_NAME, HISTORY_NAME}


@contextlib.contextmanager
def lock_history_dir(state_dir: str | Path) -> Iterator[Path]:
    """Hold the write lock of a history directory for a run that reads and then writes it.

    Parameters
    ----------
    state_dir : str or Path

    Yields
    ------
    Path

    Raises
    ------
    OutputError
        When another process holds the lock, or the directory holds other files.
    """
    d = Path(state_dir)
    others = _foreign_files(d, _history_files())
    if others:
        raise _atomic.OutputError(
            d,
            f"it holds files that are not part of a history ({_shown(others)}) and a "
            "history directory is replaced whole; choose a new or empty --state directory",
        )
    with _atomic.lock_dir(d, what="history directory"):
        yield d


def load_history(state_dir: str | Path, model: TrainedModel) -> tuple[TrainedModel, dict] | None:
    """Load the actor history a model carried forward, checked like a model directory.

    Parameters
    ----------
    state_dir : str or Path
        A directory written by :func:`save_history`.
    model : TrainedModel
        The model the history was carried forward with (loaded from its directory).

    Returns
    -------
    (TrainedModel, dict) or None
        The model carrying the history, and the history's manifest; None when the
        directory does not exist or holds no history yet.

    Raises
    ------
    ModelError
        When the history is malformed, altered, of another model, window or version.
    """
    d = Path(state_dir)
    if not (d / MANIFEST_NAME).exists() and not (d / HISTORY_NAME).exists():
        return None
    data, files = _read_snapshot(d, (HISTORY_NAME,))
    manifest = _parse_manifest(d, data, _rebuild(d))
    _check_history_manifest(d, manifest, model)
    members, digest = _history_members(d, files[HISTORY_NAME], manifest)
    if _model_id(_core(manifest, "history_id"), {HISTORY_NAME: digest}) != manifest["history_id"]:
        raise ModelError(
            f"{d / MANIFEST_NAME} does not match {HISTORY_NAME} (its fields or the history "
            f"were altered) - {_rebuild(d)}"
        )
    try:
        profile = _state.decode_artefact(members)
    except _state.ArtefactError as exc:
        raise ModelError(f"{d / HISTORY_NAME} is malformed: {exc} - {_rebuild(d)}") from None
    if (
        not isinstance(profile, ActorProfile)
        or profile.window != model.window
        or not _type_counts_ok(profile)
    ):
        raise ModelError(f"{d / HISTORY_NAME} does not hold an actor history - {_rebuild(d)}")
    return dataclasses.replace(model, profile=profile), manifest


def _check_history_manifest(d: Path, manifest: object, model: TrainedModel) -> None:
    """Refuse a history manifest that breaks its schema or belongs to another model."""
    path = d / MANIFEST_NAME
    if not isinstance(manifest, dict) or manifest.get("kind") != "history":
        raise ModelError(f"{path} is not the manifest of a history - {_rebuild(d)}")
    for name, (want, ok) in _HISTORY_FIELDS.items():
        if name not in manifest or not ok(manifest[name]):
            raise ModelError(
                f"{path}: field '{name}' must be {want}, got {_show(manifest.get(name))} - "
                f"{_rebuild(d)}"
            )
    extra = [k for k in manifest if k not in _HISTORY_FIELDS]
    if extra:
        raise ModelError(f"{path} has unknown field {_show(extra[0])} - {_rebuild(d)}")
    if manifest["versions"] != package_versions():
        raise ModelError(
            f"the history in {d} was written by other package versions - {_rebuild(d)}"
        )
    model_id = model.manifest.get("model_id")
    if manifest["model_id"] != model_id:
        raise ModelError(
            f"the history in {d} was carried forward with another model (model id "
            f"{manifest['model_id'][:12]}..., this one's is {str(model_id)[:12]}...): a "
            "retrained model starts its own history; give --state a new directory"
        )


def _history_members(
    d: Path, data: bytes | None, manifest: dict
) -> tuple[list[tuple[str, bytes]], str]:
    """Return the history artefact's members and digest once its hash, kind and id match."""
    p = d / HISTORY_NAME
    about, members = _read_artefact(p, data, manifest["artefacts"][HISTORY_NAME], _rebuild(d))
    if about != {"kind": "history", "model_id": manifest["history_id"]}:
        raise ModelError(f"{p} belongs to another history - {_rebuild(d)}")
    return members, _state.payload_digest(members)


def save_history(
    state_dir: str | Path,
    model: TrainedModel,
    *,
    first_ns: int,
    runs: int,
    records: int,
    windows: int,
    alerts: int,
) -> Path:
    """Write the actor history a model carries as the directory ``state_dir``, whole.

    Parameters
    ----------
    state_dir : str or Path
        Directory (created if needed; a history already there is replaced whole).
    model : TrainedModel
        A model loaded from its directory, its history carried forward
        (:func:`pipes_anomaly.pipeline.continue_history`).
    first_ns : int
        Time of the first record carried forward into this history (ns since the epoch).
    runs : int
        Runs that carried it forward, this one included.
    records : int
        Records carried forward, this run's included.
    windows : int
        Actor-windows scored in these runs under an alert budget (not ``--threshold``), this
        one's included: what the budget's cap of later runs counts.
    alerts : int
        Of those, the windows that alerted (suppressed alerts included).

    Returns
    -------
    Path
        Path of the written ``manifest.json``.

    Raises
    ------
    ModelError
        When the model was not loaded from a model directory, or has no history.
    OutputError
        When the directory is locked by another writer, holds other files, or cannot be
        written; nothing is left half-written.
    """
    d = Path(state_dir)
    end = model.profile.end
    if not model.manifest.get("model_id") or end is None:
        raise ModelError("only a saved model with an actor history can carry it forward")
    members, digest = _state.encode_artefact(model.profile)
    manifest = {
        "format": HISTORY_FORMAT,
        "kind": "history",
        "model_id": model.manifest["model_id"],
        "window": model.window,
        "versions": package_versions(),
        "first_record": _iso_ns(first_ns),
        "last_record": _iso_ns(int(end.value)),
        "runs": int(runs),
        "records": int(records),
        "windows": int(windows),
        "alerts": int(alerts),
    }
    manifest["history_id"] = _model_id(manifest, {HISTORY_NAME: digest})
    with lock_history_dir(d):
        about = {"kind": "history", "model_id": manifest["history_id"]}
        _swap_in(d, {HISTORY_NAME: (about, members)}, manifest)
    return d / MANIFEST_NAME


def _iso_ns(ns: int) -> str:
    return pd.Timestamp(int(ns), unit="ns", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
