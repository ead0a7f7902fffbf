"""Opening inputs: files, Tailpipe folders and streams, told apart by their content.

A regular file may be read twice (DuckDB, then the per-chunk path; its rejected lines again
for the rejects file). A stream (standard input, a FIFO, ``/dev/stdin``, ``<(cmd)``) is read
once, front to back: its first bytes are kept to tell what it holds, then replayed.
"""

from __future__ import annotations

import gzip
import io
import re
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import orjson

from pipes_anomaly._text import visible
from pipes_anomaly.io._json import loads_record
from pipes_anomaly.io._records import BOM, InputError

_SNIFF_BYTES = 1 << 20  # leading bytes read to tell what an input holds
_INFLATE_STEP = 1 << 12  # compressed bytes fed at a time when testing for gzip
_PARQUET_MAGIC = b"PAR1"  # at both ends of a Parquet file
_AUDIT_TABLE = "tp_table=pipes_audit_log"  # Tailpipe's partition folder of this table
_PAGE_START = re.compile(rb'\{\s*"(?:items|next_token)"\s*:')  # an API page's first key
_WHITESPACE = b" \t\r\n"


@dataclass(frozen=True)
class Inputs:
    """The inputs to read, and what their folders hold that is not read.

    ``files`` are the inputs with each folder replaced by its audit Parquet files; ``unread``
    maps each folder to the other files below it (relative names, sorted), leaving out
    another Tailpipe table's ``tp_table=...`` folders.
    """

    files: list[str | Path]
    unread: dict[str, list[str]]


def _other_table(f: Path) -> bool:
    """Whether ``f`` lies in the partition folder of a Tailpipe table other than the audit log."""
    return any(p != _AUDIT_TABLE for p in f.parts if p.startswith("tp_table="))


def input_files(paths: list[str | Path]) -> Inputs:
    """Return the inputs with each folder replaced by its audit Parquet files, sorted.

    A folder is read as Tailpipe keeps its data: every ``*.parquet`` below it, at any depth,
    except those in another table's ``tp_table=...`` partition folder. Its other files
    (JSON lines too: a folder may hold a generated world's train and test files, which are
    not one log) are not read, and are listed in ``unread``.

    Raises
    ------
    InputError
        A folder without such files.
    """
    out: list[str | Path] = []
    unread: dict[str, list[str]] = {}
    for path in paths:
        if str(path) == "-" or not Path(path).is_dir():
            out.append(path)
            continue
        found, other = [], []
        for f in Path(path).rglob("*"):
            if not f.is_file() or _other_table(f):
                continue
            if f.suffix == ".parquet":
                found.append(str(f))
            else:
                other.append(str(f.relative_to(path)))
        if not found:
            holds = f"; it holds {listed(sorted(other))}" if other else ""
            raise InputError(
                str(path),
                None,
                None,
                f"no Parquet files of the audit log in this folder "
                f"(Tailpipe keeps them under {_AUDIT_TABLE}/){holds}; name other files "
                "to read them",
            )
        out.extend(sorted(found))
        if other:
            unread[str(path)] = sorted(other)
    return Inputs(out, unread)


_SHOWN_FILES = 3  # names of unread files in a message
_SHOWN_CHARS = 60  # of one name or action type, in a message


def printable(text: str) -> str:
    """``text`` safe for a terminal (controls and bidi marks made visible), cut if long."""
    return visible(text[:_SHOWN_CHARS]) + ("..." if len(text) > _SHOWN_CHARS else "")


def listed(names: list[str]) -> str:
    """``"2 other files (a.jsonl, b.csv)"``: a count and the first names, escaped for a terminal."""
    shown = ", ".join(printable(n) for n in names[:_SHOWN_FILES])
    more = ", ..." if len(names) > _SHOWN_FILES else ""
    return f"{len(names):,} other file{'s' if len(names) != 1 else ''} ({shown}{more})"


@dataclass
class Opened:
    """An input, opened.

    ``kind`` is ``jsonl``, ``document`` (a JSON document, see ``_document``) or ``parquet``.
    ``path`` is set for a regular file (it can be read again), ``stream`` is the text from the
    start (decompressed; None for a Parquet file), ``data`` a Parquet stream's bytes.
    """

    source: str
    kind: str
    path: Path | None
    stream: io.BufferedIOBase | None = None
    data: bytes | None = None
    under: io.BufferedIOBase | None = None  # what a decompressing stream reads from

    def read_all(self) -> bytes:
        """Return the whole text of a document (a damaged compressed stream is an error)."""
        assert self.stream is not None
        try:
            return self.stream.read()
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(
                self.source, None, None, f"corrupt compressed stream ({exc})"
            ) from None

    def close(self) -> None:
        """Close the input (never standard input itself)."""
        for s in (self.stream, self.under):
            if s is not None:
                s.close()


class _Replay(io.RawIOBase):
    """A stream's first bytes, already read, then the rest of the stream."""

    def __init__(self, head: bytes, rest: io.BufferedIOBase, owned: bool) -> None:
        self._head, self._rest, self._owned = memoryview(head), rest, owned

    def readable(self) -> bool:
        return True

    def readinto(self, b: memoryview) -> int:
        if len(self._head):
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        return self._rest.readinto(b)

    def close(self) -> None:
        if self._owned and not self.closed:
            self._rest.close()
        super().close()


def _read_up_to(stream: io.BufferedIOBase, n: int) -> bytes:
    """Up to ``n`` bytes from the start of a stream (fewer only at its end)."""
    parts, got = [], 0
    while got < n:
        part = stream.read(n - got)
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def _inflated_head(head: bytes) -> bytes | None:
    """Return the start of what ``head`` decompresses to as gzip; None if it is not gzip.

    A stream that fails before its first decoded byte (a fake gzip header, say) is not
    gzip: it is read as it is, so that its lines are kept verbatim.
    """
    if head[:2] != b"\x1f\x8b":
        return None
    d = zlib.decompressobj(wbits=31)
    out = bytearray()
    for at in range(0, len(head), _INFLATE_STEP):
        try:
            out += d.decompress(head[at : at + _INFLATE_STEP], _SNIFF_BYTES - len(out))
        except zlib.error:
            return bytes(out) if out else None
        if len(out) >= _SNIFF_BYTES or d.eof or d.unconsumed_tail:
            break
    return bytes(out)


def _is_document(head: bytes) -> bool:
    """Whether text starting with ``head`` is a JSON document rather than JSON lines.

    A document starts with ``[``, or with ``{`` alone on its line (a pretty-printed object),
    or with a one-line API page (an object with an ``items`` array), after any byte-order mark.
    """
    text = head.removeprefix(BOM).lstrip(_WHITESPACE)
    if text[:1] == b"[":
        return True
    if text[:1] != b"{":
        return False
    first, newline, _ = text.partition(b"\n")
    if first.strip(_WHITESPACE) == b"{":
        return True
    if not newline and len(head) >= _SNIFF_BYTES:  # a first line longer than the head
        return _PAGE_START.match(text) is not None
    try:
        value = loads_record(first)
    except orjson.JSONDecodeError:
        return False
    return isinstance(value, dict) and isinstance(value.get("items"), list)


def open_input(path: str | Path) -> Opened:
    """Open one input (``-`` is standard input) and tell what it holds.

    Raises
    ------
    InputError
        No such file.
    """
    if str(path) == "-":
        source, raw, regular, owned = "<stdin>", sys.stdin.buffer, None, False
    else:
        p = Path(path)
        if not p.exists():
            raise InputError(str(path), None, None, "no such file")
        source, raw, owned = str(path), open(p, "rb"), True
        regular = p if p.is_file() else None
    head = _read_up_to(raw, _SNIFF_BYTES)
    if head[:4] == _PARQUET_MAGIC and regular is not None and _ends_with_magic(raw):
        raw.close()
        return Opened(source, "parquet", regular)
    if head[:4] == _PARQUET_MAGIC and regular is None:  # Parquet's index is at its end
        data = head + raw.read()
        if owned:
            raw.close()
        if len(data) >= 3 * len(_PARQUET_MAGIC) and data[-4:] == _PARQUET_MAGIC:
            return Opened(source, "parquet", None, data=data)
        head, raw, owned = data[:_SNIFF_BYTES], io.BytesIO(data[_SNIFF_BYTES:]), True
    text_head = _inflated_head(head)
    gz = text_head is not None
    if regular is not None:
        raw.close()
        stream: io.BufferedIOBase = gzip.open(regular, "rb") if gz else open(regular, "rb")
        under = None
    else:
        under = io.BufferedReader(_Replay(head, raw, owned), buffer_size=1 << 20)
        stream = gzip.GzipFile(fileobj=under, mode="rb") if gz else under
    kind = "document" if _is_document(text_head if gz else head) else "jsonl"
    return Opened(source, kind, regular, stream, under=under)


def _ends_with_magic(raw: io.BufferedIOBase) -> bool:
    """Whether a regular file ends with the Parquet magic and can hold a Parquet file."""
    size = raw.seek(0, io.SEEK_END)
    raw.seek(max(size - 4, 0))
    return size >= 3 * len(_PARQUET_MAGIC) and raw.read(4) == _PARQUET_MAGIC
