"""Model objects as plain data: a JSON tree and numpy arrays in a zip, read without running code.

An artefact file is an uncompressed zip archive of ``about.json`` (what the file is and which
model it belongs to), ``content.json`` (the object as a JSON tree) and ``arrays/<n>.npy``
(numeric arrays, read with ``allow_pickle=False``).  Reading one builds only what the tree
names from a fixed list: JSON values, numeric arrays, data frames of numeric and string
columns, and the classes of :data:`_RECORDS`, :data:`_ESTIMATORS` and scikit-learn's decision
tree, each from plain values.  A tree that names anything else is refused, so a model file
cannot make the loader import or call anything (docs/security.md).

Writing is deterministic: the same objects give the same bytes (fixed member order and
timestamps, no object ids or random names).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
import math
import zipfile
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import BallTree, KDTree, LocalOutlierFactor
from sklearn.pipeline import Pipeline
from sklearn.tree import ExtraTreeRegressor
from sklearn.tree._tree import Tree

from pipes_anomaly.explain import Baseline
from pipes_anomaly.features import ActorProfile
from pipes_anomaly.fit import TrainingSummary
from pipes_anomaly.models import AnomalyDetector, TailSurprisal
from pipes_anomaly.models.calibration import Calibration


class ArtefactError(ValueError):
    """An artefact file that is not what this version writes; the message says what is wrong."""


#: Dataclasses an artefact may hold, by the name recorded for them: rebuilt as
#: ``cls(**fields)`` with exactly their fields.
_RECORDS: dict[str, type] = {
    "ActorProfile": ActorProfile,
    "Baseline": Baseline,
    "Calibration": Calibration,
    "TrainingSummary": TrainingSummary,
}
#: Estimators an artefact may hold, by the name recorded for them: rebuilt from their
#: attribute dictionary (scikit-learn's own ``__setstate__``).
_ESTIMATORS: dict[str, type] = {
    "AnomalyDetector": AnomalyDetector,
    "TailSurprisal": TailSurprisal,
    "sklearn.Pipeline": Pipeline,
    "sklearn.IsolationForest": IsolationForest,
    "sklearn.ExtraTreeRegressor": ExtraTreeRegressor,
    "sklearn.LocalOutlierFactor": LocalOutlierFactor,
}
_NAME_OF = {cls: name for name, cls in (*_RECORDS.items(), *_ESTIMATORS.items())}
#: Neighbour-search trees are not stored: they are rebuilt from the fitted points.
_SEARCH_TREES = {"kd_tree": KDTree, "ball_tree": BallTree}
#: Array dtypes an artefact may hold: booleans, integers, floats and records of them.
_ARRAY_KINDS = frozenset("biuf")
#: pandas dtypes of string columns, by name.
_STRING_DTYPES = frozenset({"str", "string", "object"})
#: Zip timestamp of every member (the zip format's earliest), so that bytes depend on content.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------- writing


class _Encoder:
    """Turn an object into a JSON tree, collecting its arrays."""

    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self.seen: dict[int, int] = {}  # id of an object already written -> its number

    def array(self, a: np.ndarray) -> dict:
        if not _plain_dtype(a.dtype):
            raise TypeError(f"cannot store an array of dtype {a.dtype}")
        self.arrays.append(a)  # kept in its memory order (a column-major one stays so)
        return {"$array": len(self.arrays) - 1}

    def __call__(self, v: Any) -> Any:
        if v is None or isinstance(v, bool | str):
            return v
        if type(v) is int:
            return v
        if type(v) is float:
            return v if math.isfinite(v) else {"$float": repr(v)}
        if isinstance(v, np.generic):
            return {"$scalar": self.array(np.asarray(v))}
        if isinstance(v, np.ndarray):
            if v.dtype == object:
                return {"$strings": self.texts(v.tolist())}
            return self.array(v)
        if type(v) is list:
            return [self(x) for x in v]
        if type(v) is tuple:
            return {"$tuple": [self(x) for x in v]}
        if type(v) is dict:
            if all(type(k) is str for k in v):
                return {"$dict": {k: self(x) for k, x in v.items()}}
            return {"$pairs": [[self(k), self(x)] for k, x in v.items()]}
        if type(v) is bytes:
            return {"$bytes": base64.b64encode(v).decode("ascii")}
        if type(v) is pd.DataFrame:
            return {"$frame": self.frame(v)}
        if type(v) is Tree:
            return {"$tree": self.tree(v)}
        name = _NAME_OF.get(type(v))
        if name is not None and id(v) in self.seen:  # a shared object is written once
            return {"$ref": self.seen[id(v)]}
        if name is not None:
            self.seen[id(v)] = len(self.seen)
        if name in _RECORDS:
            fields = {f.name: self(getattr(v, f.name)) for f in dataclasses.fields(v)}
            return {"$record": [name, fields]}
        if name in _ESTIMATORS:
            state = dict(v.__getstate__())
            if isinstance(v, LocalOutlierFactor) and state.get("_fit_method") in _SEARCH_TREES:
                state["_tree"] = None
            return {"$object": [name, self(state)]}
        raise TypeError(f"cannot store a {type(v).__module__}.{type(v).__qualname__}")

    def texts(self, values: list) -> list:
        """Strings with missing values (None, NaN) as JSON."""
        out = []
        for x in values:
            if isinstance(x, str) or x is None:
                out.append(x)
            elif isinstance(x, float) and math.isnan(x):
                out.append({"$float": "nan"})
            elif x is pd.NA:
                out.append({"$na": 1})
            else:
                raise TypeError(f"cannot store a {type(x).__name__} in a text column")
        return out

    def column(self, values: pd.Series | pd.Index) -> dict:
        dtype = values.dtype
        if isinstance(dtype, np.dtype) and dtype.kind != "O":
            return {"dtype": dtype.str, "values": self.array(values.to_numpy())}
        name = str(dtype)
        if name not in _STRING_DTYPES:
            raise TypeError(f"cannot store a column of dtype {name}")
        return {"dtype": name, "values": self.texts(list(values.to_numpy(dtype=object)))}

    def frame(self, df: pd.DataFrame) -> dict:
        names = [str(c) for c in df.columns]
        if len(set(names)) != len(names) or not all(isinstance(c, str) for c in df.columns):
            raise TypeError("cannot store a frame whose column names are not distinct strings")
        if isinstance(df.index, pd.RangeIndex):
            index: dict = {"range": [df.index.start, df.index.stop, df.index.step]}
        elif type(df.index) is pd.Index:
            index = {"column": self.column(df.index)}
        else:
            raise TypeError(f"cannot store a frame with a {type(df.index).__name__}")
        index["name"] = df.index.name if isinstance(df.index.name, str) else None
        return {
            "columns": names,
            "data": [self.column(df[c]) for c in names],
            "index": index,
        }

    def tree(self, tree: Tree) -> dict:
        _, (n_features, n_classes, n_outputs), state = tree.__reduce__()
        return {
            "n_features": int(n_features),
            "n_classes": self.array(np.asarray(n_classes)),
            "n_outputs": int(n_outputs),
            "max_depth": int(state["max_depth"]),
            "nodes": self.array(state["nodes"]),
            "values": self.array(state["values"]),
        }


def _plain_dtype(dtype: np.dtype) -> bool:
    """Tell whether a dtype is numeric, or a record whose fields are all numeric."""
    if dtype.fields is not None:
        return all(_plain_dtype(f[0]) for f in dtype.fields.values())
    return dtype.kind in _ARRAY_KINDS and dtype.subdtype is None


def _npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, a, allow_pickle=False)
    return buf.getvalue()


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def encode_artefact(obj: Any) -> tuple[list[tuple[str, bytes]], str]:
    """Encode an object as the members of an artefact (without ``about.json``).

    Parameters
    ----------
    obj : object
        Built only of the types listed in the module docstring.

    Returns
    -------
    members : list of (str, bytes)
        ``content.json`` and the arrays, in order.
    digest : str
        sha256 over the members' names and bytes: what the model id covers.

    Raises
    ------
    TypeError
        When the object holds a value of another type.
    """
    enc = _Encoder()
    content = _json(enc(obj))
    members = [("content.json", content)]
    members += [(f"arrays/{i}.npy", _npy(a)) for i, a in enumerate(enc.arrays)]
    return members, payload_digest(members)


def payload_digest(members: list[tuple[str, bytes]]) -> str:
    """sha256 over the names and bytes of an artefact's members (``about.json`` excluded).

    Parameters
    ----------
    members : list of (str, bytes)

    Returns
    -------
    str
        Hex digest.
    """
    h = hashlib.sha256()
    for name, data in members:
        h.update(name.encode() + b"\0" + len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def write_artefact(fh: io.RawIOBase | Any, about: dict, members: list[tuple[str, bytes]]) -> None:
    """Write an artefact: ``about.json`` then the members, uncompressed, with fixed times.

    Parameters
    ----------
    fh : binary file
    about : dict
        JSON-serialisable description (kind, model id).
    members : list of (str, bytes)
        From :func:`encode_artefact`.
    """
    with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf:
        for name, data in [("about.json", _json(about)), *members]:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)


# --------------------------------------------------------------------------- reading


def read_artefact(data: bytes) -> tuple[dict, list[tuple[str, bytes]]]:
    """Split an artefact's bytes into its ``about.json`` and its other members.

    Parameters
    ----------
    data : bytes

    Returns
    -------
    about : dict
    members : list of (str, bytes)

    Raises
    ------
    ArtefactError
        When the bytes are not an artefact of this layout.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ArtefactError(f"not a model artefact ({exc})") from None
    names = [i.filename for i in infos]
    expected = ["about.json", "content.json", *(f"arrays/{i}.npy" for i in range(len(names) - 2))]
    if names != expected:
        raise ArtefactError("not a model artefact (unexpected members)")
    if any(i.compress_type != zipfile.ZIP_STORED for i in infos) or (
        sum(i.file_size for i in infos) > len(data)
    ):
        raise ArtefactError("not a model artefact (compressed or oversized members)")
    try:
        members = [(i.filename, zf.read(i)) for i in infos]
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ArtefactError(f"not a model artefact ({exc})") from None
    about = _parse_json(members[0][1], "about.json")
    if not isinstance(about, dict):
        raise ArtefactError("about.json is not an object")
    return about, members[1:]


def _no_constant(name: str) -> float:
    raise ValueError(f"non-standard JSON constant {name}")


def _parse_json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise ArtefactError(f"{what} is not valid JSON ({exc})") from None


def decode_artefact(members: list[tuple[str, bytes]]) -> Any:
    """Rebuild the object stored by :func:`encode_artefact`.

    Parameters
    ----------
    members : list of (str, bytes)
        ``content.json`` and the arrays, as returned by :func:`read_artefact`.

    Returns
    -------
    object

    Raises
    ------
    ArtefactError
        When the tree names something this module does not build, or is malformed.
    """
    tree = _parse_json(members[0][1], "content.json")
    arrays = []
    for name, data in members[1:]:
        try:
            arrays.append(np.lib.format.read_array(io.BytesIO(data), allow_pickle=False))
        except (ValueError, OSError, EOFError) as exc:
            raise ArtefactError(f"{name} is not a plain numeric array ({exc})") from None
    try:
        return _Decoder(arrays)(tree)
    except ArtefactError:
        raise
    except RecursionError:
        raise ArtefactError("content.json is nested too deeply") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise ArtefactError(f"content.json is malformed ({type(exc).__name__}: {exc})") from None


class _Decoder:
    """Rebuild objects from a JSON tree and its arrays, building only the listed types."""

    def __init__(self, arrays: list[np.ndarray]) -> None:
        self.arrays = arrays
        self.tags: dict[str, Callable[[Any], Any]] = {
            "$array": self.array,
            "$scalar": lambda b: self.array(b)[()],
            "$float": self.as_float,
            "$strings": self.object_array,
            "$tuple": lambda b: tuple(self(x) for x in self.as_list(b)),
            "$dict": lambda b: {str(k): self(x) for k, x in self.as_dict(b).items()},
            "$pairs": lambda b: {self(k): self(x) for k, x in self.as_list(b)},
            "$bytes": lambda b: base64.b64decode(self.as_str(b), validate=True),
            "$frame": self.frame,
            "$tree": self.tree,
            "$record": self.record,
            "$object": self.estimator,
            "$na": lambda b: pd.NA,
            "$ref": self.ref,
        }
        self.built: list[Any] = []  # objects by number, in the order they were written

    def __call__(self, v: Any) -> Any:
        if v is None or isinstance(v, bool | int | float | str):
            return v
        if isinstance(v, list):
            return [self(x) for x in v]
        if isinstance(v, dict) and len(v) == 1:
            ((tag, body),) = v.items()
            if tag in self.tags:
                return self.tags[tag](body)
        raise ArtefactError(f"content.json holds an unknown value {str(v)[:60]!r}")

    @staticmethod
    def as_list(b: Any) -> list:
        if not isinstance(b, list):
            raise ArtefactError("content.json: expected a list")
        return b

    @staticmethod
    def as_dict(b: Any) -> dict:
        if not isinstance(b, dict):
            raise ArtefactError("content.json: expected an object")
        return b

    @staticmethod
    def as_str(b: Any) -> str:
        if not isinstance(b, str):
            raise ArtefactError("content.json: expected a string")
        return b

    def array(self, b: Any) -> np.ndarray:
        if type(b) is not int or not 0 <= b < len(self.arrays):
            raise ArtefactError("content.json refers to an array that is not there")
        a = self.arrays[b]
        if not _plain_dtype(a.dtype):
            raise ArtefactError(f"array {b} has dtype {a.dtype}")
        return a

    def object_array(self, b: Any) -> np.ndarray:
        texts = self.texts(b)
        out = np.empty(len(texts), dtype=object)
        out[:] = texts
        return out

    def ref(self, b: Any) -> Any:
        if type(b) is not int or not 0 <= b < len(self.built) or self.built[b] is None:
            raise ArtefactError("content.json refers to an object that is not there")
        return self.built[b]

    @staticmethod
    def as_float(b: Any) -> float:
        if b not in ("nan", "inf", "-inf"):
            raise ArtefactError(f"content.json: unknown float {str(b)[:20]!r}")
        return float(b)

    def texts(self, b: Any) -> list:
        out = self.as_list(b)
        try:
            pa.array(out, type=pa.string())  # strings and nulls only, checked without a loop
            return out
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass  # missing values written as NaN or NA: check each
        for x in out:
            if not (x is None or isinstance(x, str) or x in ({"$float": "nan"}, {"$na": 1})):
                raise ArtefactError("content.json: a text column holds a value that is not text")
        return [x if x is None or isinstance(x, str) else self(x) for x in out]

    def column(self, b: Any, n: int | None) -> tuple[np.ndarray | list, Any]:
        spec = self.as_dict(b)
        dtype = self.as_str(spec.get("dtype"))
        if dtype in _STRING_DTYPES:
            values: np.ndarray | list = self.texts(spec.get("values"))
            kind: Any = pd.api.types.pandas_dtype(dtype)
        else:
            values = self(spec.get("values"))
            if not isinstance(values, np.ndarray) or values.ndim != 1 or values.dtype.str != dtype:
                raise ArtefactError(f"content.json: a column is not a 1-d {dtype} array")
            kind = values.dtype
        if n is not None and len(values) != n:
            raise ArtefactError("content.json: the columns of a frame differ in length")
        return values, kind

    def frame(self, b: Any) -> pd.DataFrame:
        spec = self.as_dict(b)
        names = self.as_list(spec.get("columns"))
        data = self.as_list(spec.get("data"))
        if len(names) != len(data) or len(set(map(str, names))) != len(names):
            raise ArtefactError("content.json: a frame's columns do not match its data")
        index_spec = self.as_dict(spec.get("index"))
        name = index_spec.get("name")
        if "range" in index_spec:
            start, stop, step = (int(x) for x in self.as_list(index_spec["range"]))
            index: pd.Index = pd.RangeIndex(start, stop, step, name=name)
        else:
            values, kind = self.column(index_spec.get("column"), None)
            index = pd.Index(values, dtype=kind, name=name)
        columns = {}
        for col, spec_c in zip(names, data, strict=True):
            values, kind = self.column(spec_c, len(index))
            columns[self.as_str(col)] = pd.Series(values, dtype=kind, index=index, copy=False)
        return pd.DataFrame(columns, index=index, columns=pd.Index(names))

    def tree(self, b: Any) -> Tree:
        spec = self.as_dict(b)
        n_features, n_outputs, max_depth = (
            spec.get(k) for k in ("n_features", "n_outputs", "max_depth")
        )
        if not all(type(x) is int and x >= 0 for x in (n_features, n_outputs, max_depth)):
            raise ArtefactError("content.json: a decision tree has malformed sizes")
        n_classes = self(spec.get("n_classes"))
        nodes, values = self(spec.get("nodes")), self(spec.get("values"))
        _check_nodes(nodes, n_features)
        tree = Tree(n_features, np.asarray(n_classes, dtype=np.intp), n_outputs)
        state = {
            "max_depth": max_depth,
            "node_count": len(nodes),
            "nodes": nodes,
            "values": values,
        }
        tree.__setstate__(state)
        return tree

    def record(self, b: Any) -> Any:
        name, fields = self.as_list(b)
        cls = _RECORDS.get(name)
        fields = self.as_dict(fields)
        if cls is None:
            raise ArtefactError(f"content.json names an unknown type {str(name)[:60]!r}")
        expected = {f.name for f in dataclasses.fields(cls)}
        if set(fields) != expected:
            raise ArtefactError(f"content.json: a {name} has other fields than this version's")
        number = len(self.built)
        self.built.append(None)
        self.built[number] = obj = cls(**{k: self(v) for k, v in fields.items()})
        return obj

    def estimator(self, b: Any) -> Any:
        name, state = self.as_list(b)
        cls = _ESTIMATORS.get(name)
        if cls is None:
            raise ArtefactError(f"content.json names an unknown type {str(name)[:60]!r}")
        obj = cls.__new__(cls)
        self.built.append(obj)
        state = self(state)
        if not isinstance(state, dict):
            raise ArtefactError(f"content.json: a {name} has no attributes")
        obj.__setstate__(state)
        if isinstance(obj, LocalOutlierFactor) and obj._fit_method in _SEARCH_TREES:
            obj._tree = _SEARCH_TREES[obj._fit_method](
                obj._fit_X, obj.leaf_size, metric=obj.effective_metric_,
                **obj.effective_metric_params_,
            )  # fmt: skip
        return obj


def _check_nodes(nodes: Any, n_features: int) -> None:
    """Refuse decision-tree nodes that would make scikit-learn read outside the tree.

    Children must come after their parent and inside the tree, leaves have no children,
    and a split names one of the features.
    """
    if not isinstance(nodes, np.ndarray) or nodes.ndim != 1 or nodes.dtype.fields is None:
        raise ArtefactError("content.json: decision-tree nodes are not a record array")
    try:
        left, right, feature = nodes["left_child"], nodes["right_child"], nodes["feature"]
    except ValueError:
        raise ArtefactError("content.json: decision-tree nodes lack their fields") from None
    n = len(nodes)
    idx = np.arange(n)
    leaf = left == -1
    inner = ~leaf
    ok = (
        n > 0
        and bool(np.all((right == -1) == leaf))
        and bool(np.all((left[inner] > idx[inner]) & (left[inner] < n)))
        and bool(np.all((right[inner] > idx[inner]) & (right[inner] < n)))
        and bool(np.all((feature[inner] >= 0) & (feature[inner] < n_features)))
    )
    if not ok:
        raise ArtefactError("content.json: a decision tree's nodes point outside the tree")
