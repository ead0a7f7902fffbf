"""JSON documents: one record, an array of records, Pipes API pages, or several in a row.

A document is read whole. Its records are found by brackets outside strings, then each is
decoded alone, like a line of JSON lines, so that one bad record is rejected while the others
are read. What a record is:

- a top-level object, unless it is an API page (an object with an ``items`` array: each item
  is a record, ``next_token`` and the rest are ignored);
- each element of a top-level array; an element that is an API page gives its items.

A record's ``line`` is the line of the file where it starts (in a one-line array, several
records share it). A rejected record is kept verbatim except that its line breaks become
spaces, so that the rejects file still holds one record per line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipes_anomaly.io._jsonl import parse_lines
from pipes_anomaly.io._records import Block, InputError, Reject

_QUOTE, _BACKSLASH, _NEWLINE, _COMMA, _COLON = 34, 92, 10, 44, 58
_OPENERS, _CLOSERS = (91, 123), (93, 125)  # [ {  and  ] }
_WHITESPACE = b" \t\r\n"


class BrokenDocument(Exception):
    """Text that is not a sequence of JSON values: the 1-based line at fault and why."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


@dataclass
class _Structure:
    """Brackets, commas and colons outside strings, with what they enclose."""

    text: bytes
    quotes: np.ndarray  # positions of the quotes that open and close strings
    pos: np.ndarray  # positions of the structural bytes outside strings
    char: np.ndarray  # the byte at each
    depth: np.ndarray  # containers open just after each
    close_of: dict[int, int]  # opening bracket position -> its closing bracket position

    def line_of(self, at: int) -> int:
        """1-based line of byte ``at``."""
        return self.text.count(b"\n", 0, at) + 1


def _string_quotes(b: np.ndarray) -> np.ndarray:
    """Positions of the quotes that are not escaped by an odd run of backslashes."""
    quotes = np.flatnonzero(b == _QUOTE)
    after_backslash = quotes[(quotes > 0) & (b[np.maximum(quotes - 1, 0)] == _BACKSLASH)]
    escaped = []
    for q in after_backslash.tolist():
        run = 0
        while q - run - 1 >= 0 and b[q - run - 1] == _BACKSLASH:
            run += 1
        if run % 2:
            escaped.append(q)
    return np.setdiff1d(quotes, np.asarray(escaped, dtype=quotes.dtype), assume_unique=True)


def _structure(text: bytes) -> _Structure:
    """Find the structure of ``text``; raise :class:`BrokenDocument` if brackets do not match."""
    b = np.frombuffer(text, dtype=np.uint8)
    quotes = _string_quotes(b)
    if len(quotes) % 2:
        raise BrokenDocument(text.count(b"\n", 0, int(quotes[-1])) + 1, "a string is not closed")
    mask = np.isin(b, np.array([*_OPENERS, *_CLOSERS, _COMMA, _COLON], dtype=np.uint8))
    pos = np.flatnonzero(mask)
    pos = pos[np.searchsorted(quotes, pos) % 2 == 0]  # an even number of quotes before: outside
    char = b[pos]
    step = np.isin(char, _OPENERS).astype(np.int64) - np.isin(char, _CLOSERS)
    depth = np.cumsum(step)
    if len(depth) and depth.min() < 0:
        at = int(pos[np.argmax(depth < 0)])
        raise BrokenDocument(text.count(b"\n", 0, at) + 1, "a bracket closes nothing")
    if len(depth) and depth[-1] != 0:
        raise BrokenDocument(text.count(b"\n") + 1, "a bracket is not closed")
    brackets = np.flatnonzero(step != 0)
    level = depth[brackets] - (step[brackets] > 0)  # an opener's level is the depth before it
    order = brackets[np.argsort(level, kind="stable")]
    opens, closes = order[0::2], order[1::2]
    pairs = char[opens].astype(np.int64) + 2 == char[closes]  # "[" + 2 == "]", "{" + 2 == "}"
    if not (step[opens] > 0).all() or not pairs.all():
        bad = int(pos[closes[np.argmin(pairs)]]) if len(closes) else 0
        raise BrokenDocument(text.count(b"\n", 0, bad) + 1, "brackets do not match")
    close_of = dict(zip(pos[opens].tolist(), pos[closes].tolist(), strict=True))
    return _Structure(text, quotes, pos, char, depth, close_of)


def _tokens_in(s: _Structure, start: int, end: int, depth: int, char: int) -> np.ndarray:
    """Positions of ``char`` strictly between ``start`` and ``end`` at ``depth``."""
    lo, hi = np.searchsorted(s.pos, [start + 1, end])
    sel = (s.char[lo:hi] == char) & (s.depth[lo:hi] == depth)
    return s.pos[lo:hi][sel]


def _depth_at(s: _Structure, at: int) -> int:
    """Containers open at byte ``at`` (just before it)."""
    k = int(np.searchsorted(s.pos, at))
    return int(s.depth[k - 1]) if k else 0


def _stripped(text: bytes, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` moved inward past JSON whitespace."""
    while start < end and text[start] in _WHITESPACE:
        start += 1
    while end > start and text[end - 1] in _WHITESPACE:
        end -= 1
    return start, end


def _elements(s: _Structure, open_at: int) -> list[tuple[int, int]]:
    """Spans of the elements of the array opened at ``open_at`` (a last comma is allowed)."""
    close_at = s.close_of[open_at]
    commas = _tokens_in(s, open_at, close_at, _depth_at(s, open_at) + 1, _COMMA).tolist()
    bounds = list(zip([open_at + 1, *(c + 1 for c in commas)], [*commas, close_at], strict=True))
    spans = [_stripped(s.text, a, b) for a, b in bounds]
    if spans and spans[-1][0] == spans[-1][1] and len(spans) > 1:
        spans.pop()  # a trailing comma, as on the JSON-lines paths
    if len(spans) == 1 and spans[0][0] == spans[0][1]:
        return []
    for a, b in spans:
        if a == b:
            raise BrokenDocument(s.line_of(a), "an empty element in an array")
    return spans


def _items_of(s: _Structure, open_at: int) -> int | None:
    """Where the ``items`` array of the object opened at ``open_at`` opens (None: not a page)."""
    close_at = s.close_of[open_at]
    for colon in _tokens_in(s, open_at, close_at, _depth_at(s, open_at) + 1, _COLON).tolist():
        k = int(np.searchsorted(s.quotes, colon)) - 1  # the key's closing quote
        if k < 1 or k % 2 == 0 or s.text[s.quotes[k - 1] + 1 : s.quotes[k]] != b"items":
            continue
        value, _ = _stripped(s.text, colon + 1, close_at)
        if s.text[value] == 91:
            return value
    return None


def record_spans(text: bytes) -> list[tuple[int, int]]:
    """Byte spans of the records of a document, in order.

    Raises
    ------
    BrokenDocument
        The text is not a sequence of JSON objects and arrays (brackets, strings and
        what lies between top-level values are checked; each record is checked later).
    """
    s = _structure(text)
    spans: list[tuple[int, int]] = []
    at = 0
    for open_at in s.pos[(s.depth == 1) & np.isin(s.char, _OPENERS)].tolist():
        if text[at:open_at].strip(_WHITESPACE):
            raise BrokenDocument(s.line_of(at), "text between JSON values")
        close_at = s.close_of[open_at]
        if text[open_at] == 91:
            for a, b in _elements(s, open_at):
                items = _items_of(s, a) if text[a] == 123 else None
                spans.extend([(a, b)] if items is None else _elements(s, items))
        else:
            items = _items_of(s, open_at)
            spans.extend([(open_at, close_at + 1)] if items is None else _elements(s, items))
        at = close_at + 1
    if text[at:].strip(_WHITESPACE):
        raise BrokenDocument(s.line_of(at), "text after the last JSON value")
    return spans


def read_document(
    text: bytes,
    source: str,
    *,
    strict: bool,
    max_line_bytes: int,
    rejects: list[Reject],
) -> tuple[list[Block], int]:
    """Read the records of a JSON document; return its block and the number of records read.

    Raises
    ------
    BrokenDocument
        See :func:`record_spans`.
    InputError
        With ``strict``, the first bad record (file, its first line, field, reason).
    """
    spans = record_spans(text)
    newlines = np.flatnonzero(np.frombuffer(text, dtype=np.uint8) == _NEWLINE)
    lines = np.searchsorted(newlines, [a for a, _ in spans]).astype(np.int64) + 1
    raws = [text[a:b] for a, b in spans]
    before = len(rejects)
    try:  # records numbered by their index here, by their line below
        block, n_read = parse_lines(source, raws, range(len(raws)), max_line_bytes, strict, rejects)
    except InputError as exc:
        raise InputError(source, int(lines[exc.line]), exc.field, exc.reason) from None
    for k in range(before, len(rejects)):
        r = rejects[k]
        rejects[k] = Reject(r.source, int(lines[r.line]), r.field, r.reason, _one_line(r.raw))
    index = block.lines
    block.lines = lines[index]

    def raw_of(rows: np.ndarray) -> list[bytes]:
        return [_one_line(text[slice(*spans[i])]) for i in index[rows].tolist()]

    block.raw_of = raw_of
    return [block], n_read


def _one_line(raw: bytes) -> bytes:
    """Return a record's text with its line breaks as spaces (JSON whitespace either way)."""
    return raw.replace(b"\r\n", b" ").replace(b"\n", b" ")
