"""Text encodings shared by the simulator: random ids, fixed-width strings, timestamps."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

#: base32 digits of the 20-character ids Pipes gives records and resources
_ALPHABET = np.frombuffer(b"0123456789abcdefghijklmnopqrstuv", dtype=np.uint8)
#: characters in the random body of an id
ID_LENGTH = 20
#: seconds in a day, and the characters of 00 to 99
_DAY = 86_400
_TWO_DIGITS = np.frombuffer("".join(f"{i:02d}" for i in range(100)).encode(), np.uint8).reshape(
    100, 2
)


def rand_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Return ``n`` random 20-character base32 ids as an ``(n, 20)`` uint8 array."""
    return _ALPHABET[rng.integers(0, 32, size=(n, ID_LENGTH), dtype=np.uint8)]


def fixed_width(prefix: bytes, body: np.ndarray) -> pa.Array:
    """Build a string array ``prefix + row`` from a ``(n, w)`` uint8 array, loop-free."""
    n, w = body.shape
    pre = np.frombuffer(prefix, dtype=np.uint8)
    full = np.empty((n, w + pre.size), dtype=np.uint8)
    full[:, : pre.size] = pre
    full[:, pre.size :] = body
    width = w + pre.size
    offsets = (np.arange(n + 1, dtype=np.int64) * width).astype(np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(full.tobytes()))


def iso(ts: np.ndarray) -> pa.Array:
    """Return RFC 3339 UTC strings with seconds (``2026-01-05T09:14:03Z``) for Unix seconds.

    Dates are formatted once per day of the span and the clock time from a table
    of two-digit numbers: a world spans few days but many records.
    """
    ts = np.asarray(ts, dtype=np.int64)
    body = np.empty((ts.size, 20), dtype=np.uint8)
    if ts.size:
        day, sec = np.divmod(ts, _DAY)
        first = int(day.min())
        span = np.arange(first, int(day.max()) + 1).astype("datetime64[D]")
        dates = np.datetime_as_string(span, unit="D").astype("S10").view(np.uint8)
        body[:, :10] = dates.reshape(-1, 10)[day - first]
        hour, rest = np.divmod(sec, 3600)
        minute, second = np.divmod(rest, 60)
        body[:, 11:13] = _TWO_DIGITS[hour]
        body[:, 14:16] = _TWO_DIGITS[minute]
        body[:, 17:19] = _TWO_DIGITS[second]
    body[:, 10] = ord("T")
    body[:, 13] = body[:, 16] = ord(":")
    body[:, 19] = ord("Z")
    return fixed_width(b"", body)


def iso_one(ts: int) -> str:
    """Return the RFC 3339 UTC string of one Unix second."""
    return dt.datetime.fromtimestamp(int(ts), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_str(s: str) -> str:
    """Return the JSON string literal of ``s`` (names here are plain ASCII without quotes)."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
