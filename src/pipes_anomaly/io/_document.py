"""JSON documents: one record, an array of records, Pipes API pages, or several in a row.

A document is read whole. Its records are found by brackets outside strings, then each is
decoded alone, like a line of JSON lines, so that one bad record is rejected while the others
are read. What a record is:

- a top-level object, unless it is an API page (an object with an ``items`` array: each item
  is a record, ``next_token`` and the rest are ignored);
- each element of a top-level array; an element that is an API page gives its items.

A byte-order mark at the start of the text is ignored. A record's ``line`` is the line of the
file where it starts (in a one-line array, several records share it). A rejected record is kept
verbatim except that its line breaks become spaces, so that the rejects file still holds one
record per line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipes_anomaly.io._jsonl import parse_lines
from pipes_anomaly.io._records import BOM, Block, InputError, Reject

_QUOTE, _BACKSLASH, _NEWLINE, _COMMA, _COLON = 34, 92, 10, 44, 58
_OPENERS, _CLOSERS = (91, 123), (93, 125)  # [ {  and  ] }
_WHITESPACE = b" \t\r\n"
_STRUCTURAL = np.zeros(256, dtype=bool)  # byte -> whether it is [ ] { } , or :
_STRUCTURAL[[*_OPENERS, *_CLOSERS, _COMMA, _COLON]] = True
_STEP = np.zeros(256, dtype=np.int64)  # byte -> +1 for an opener, -1 for a closer
_STEP[list(_OPENERS)], _STEP[list(_CLOSERS)] = 1, -1


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
    opens: np.ndarray  # positions of the opening brackets, in order ...
    closes: np.ndarray  # ... and of the bracket that closes each

    def line_of(self, at: int) -> int:
        """Return the 1-based line of byte ``at``."""
        return self.text.count(b"\n", 0, at) + 1

    def close_of(self, open_at: int) -> int:
        """Return where the container opened at ``open_at`` closes."""
        return int(self.closes[np.searchsorted(self.opens, open_at)])


def _string_quotes(b: np.ndarray) -> np.ndarray:
    """Return the positions of the quotes not escaped by an odd run of backslashes."""
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
    pos = np.flatnonzero(_STRUCTURAL[b])
    pos = pos[np.searchsorted(quotes, pos) % 2 == 0]  # an even number of quotes before: outside
    char = b[pos]
    step = _STEP[char]
    depth = np.cumsum(step)
    if len(depth) and depth.min() < 0:
        at = int(pos[np.argmax(depth < 0)])
        raise BrokenDocument(text.count(b"\n", 0, at) + 1, "a bracket closes nothing")
    if len(depth) and depth[-1] != 0:
        raise BrokenDocument(text.count(b"\n") + 1, "a bracket is not closed")
    brackets = np.flatnonzero(step != 0)
    level = depth[brackets] - (step[brackets] > 0)  # an opener's level is the depth before it
    order = brackets[np.argsort(level, kind="stable")]  # per level: open, close, open, ...
    opens, closes = order[0::2], order[1::2]
    pairs = char[opens].astype(np.int64) + 2 == char[closes]  # "[" + 2 == "]", "{" + 2 == "}"
    if not (step[opens] > 0).all() or not pairs.all():
        bad = int(pos[closes[np.argmin(pairs)]]) if len(closes) else 0
        raise BrokenDocument(text.count(b"\n", 0, bad) + 1, "brackets do not match")
    by_start = np.argsort(opens)
    return _Structure(text, quotes, pos, char, depth, pos[opens[by_start]], pos[closes[by_start]])


def _stripped(text: bytes, start: int, end: int) -> tuple[int, int]:
    """Return ``(start, end)`` moved inward past JSON whitespace."""
    while start < end and text[start] in _WHITESPACE:
        start += 1
    while end > start and text[end - 1] in _WHITESPACE:
        end -= 1
    return start, end


def _elements(s: _Structure, open_at: int) -> list[tuple[int, int]]:
    """Return the spans of the elements of the array opened at ``open_at``.

    A comma after the last element is allowed, as on the JSON-lines paths.
    """
    close_at = s.close_of(open_at)
    lo, hi = np.searchsorted(s.pos, [open_at, close_at])  # the array's own tokens
    inner = int(s.depth[lo])
    sel = (s.char[lo + 1 : hi] == _COMMA) & (s.depth[lo + 1 : hi] == inner)
    commas = s.pos[lo + 1 : hi][sel].tolist()
    bounds = zip([open_at + 1, *(c + 1 for c in commas)], [*commas, close_at], strict=True)
    spans = [_stripped(s.text, a, b) for a, b in bounds]
    if len(spans) > 1 and spans[-1][0] == spans[-1][1]:
        spans.pop()
    if len(spans) == 1 and spans[0][0] == spans[0][1]:
        return []
    for a, b in spans:
        if a == b:
            raise BrokenDocument(s.line_of(a), "an empty element in an array")
    return spans


_ITEMS = np.frombuffer(b"items", dtype=np.uint8)


def _pages(s: _Structure) -> dict[int, int]:
    """Return the API pages among the top-level objects and array elements.

    Maps where each page object opens to where its ``items`` array opens: a key ``items``
    at depth 1 or 2 whose value is an array.
    """
    b = np.frombuffer(s.text, dtype=np.uint8)
    k = np.flatnonzero((s.char == _COLON) & (s.depth <= 2))  # a member's colon, as a token
    end = np.searchsorted(s.quotes, s.pos[k]) - 1  # the closing quote of each member's key
    ok = (end >= 1) & (end % 2 == 1) & (k + 1 < len(s.pos))
    k, end = k[ok], end[ok]
    start = s.quotes[end - 1] + 1
    named = (s.quotes[end] - start == len(_ITEMS)) & (
        s.char[np.minimum(k + 1, len(s.char) - 1)] == _OPENERS[0]
    )
    k, start = k[named], start[named]
    is_items = (b[start[:, None] + np.arange(len(_ITEMS))] == _ITEMS).all(axis=1)
    pages = {}
    for t in k[is_items].tolist():
        colon, array_at = int(s.pos[t]), int(s.pos[t + 1])
        if s.text[colon + 1 : array_at].strip(_WHITESPACE):
            continue  # something else stands between the colon and the bracket
        owners = s.pos[:t][(s.char[:t] == _OPENERS[1]) & (s.depth[:t] == s.depth[t])]
        if len(owners):
            pages[int(owners[-1])] = array_at
    return pages


def record_spans(text: bytes) -> list[tuple[int, int]]:
    """Return the byte spans of the records of a document, in order.

    Raises
    ------
    BrokenDocument
        The text is not a sequence of JSON objects and arrays (brackets, strings and
        what lies between top-level values are checked; each record is checked later).
    """
    s = _structure(text)
    pages = _pages(s)
    spans: list[tuple[int, int]] = []
    at = 0
    for open_at in s.pos[(s.depth == 1) & (_STEP[s.char] > 0)].tolist():
        if text[at:open_at].strip(_WHITESPACE):
            raise BrokenDocument(s.line_of(at), "text between JSON values")
        close_at = s.close_of(open_at)
        if open_at in pages:
            spans.extend(_elements(s, pages[open_at]))
        elif text[open_at] == _OPENERS[0]:
            for a, b in _elements(s, open_at):
                spans.extend(_elements(s, pages[a]) if a in pages else [(a, b)])
        else:
            spans.append((open_at, close_at + 1))
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
    text = text.removeprefix(BOM)  # no newline in it, so every line keeps its number
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
