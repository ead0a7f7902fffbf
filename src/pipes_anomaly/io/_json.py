"""What a line of JSON is to this reader: RFC 8259, plus what DuckDB's and Arrow's parsers allow.

The fast paths parse with DuckDB (yyjson) and Arrow (RapidJSON), which both accept more than
RFC 8259; the exact path decodes one line with orjson, which accepts only RFC 8259. So that a
line's verdict does not depend on the path that reads it, the exact path also accepts, outside
strings: ``NaN``, ``Inf`` and ``Infinity`` in any letter case, with or without ``-``; numbers of
any size or form (each read as a number, its value unused); a comma before a closing bracket
or brace; nesting of any depth (what lies deeper than the fields the reader keeps is not
read). Everything else (comments, single quotes, bad escapes, control characters in strings,
invalid UTF-8, a second value on the line) is rejected by every path.
"""

from __future__ import annotations

import re

import orjson

#: orjson's messages for what :func:`_relax` may mend; any other error stands as it is.
_MENDABLE = (
    "unexpected character",
    "invalid literal",
    "invalid number",
    "no digit after",
    "trailing comma",
    "is infinity",
    "depth limit",
)
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_EDGE = rb"(?<![0-9A-Za-z.+\-])"  # a token starts here ...
_END = rb"(?![0-9A-Za-z.+\-])"  # ... and ends here
_NUMBER = re.compile(
    _EDGE + rb"(?:-?(?:nan|inf(?:inity)?)|-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)" + _END,
    re.IGNORECASE,
)
_TRAILING_COMMA = re.compile(rb",(?=[ \t\r\n]*[\]}])")
_BRACKET = re.compile(rb"[\[\]{}]")
_KEPT_DEPTH = 3  # record, data, data.created_by: the deepest container the reader reads


def loads_record(raw: bytes) -> object:
    """Decode one line (or one record of a JSON document) as this module defines JSON.

    Parameters
    ----------
    raw : bytes
        The line, without its newline.

    Returns
    -------
    object
        The decoded value; a relaxed token is read as the number 0.

    Raises
    ------
    orjson.JSONDecodeError
        orjson's own error for the line as written, when the line is not JSON even so.
    """
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if not any(m in str(exc) for m in _MENDABLE):
            raise
        try:
            return orjson.loads(_relax(raw))
        except orjson.JSONDecodeError:
            raise exc from None


def _relax(raw: bytes) -> bytes:
    """Return the line with the tolerated tokens outside strings made standard JSON."""
    parts: list[bytes] = []
    depth, skip_from = 0, None  # skip_from: depth at which a collapsed container began
    pos = 0
    for m in (*_STRING.finditer(raw), None):
        outside = raw[pos : m.start() if m else len(raw)]
        kept = bytearray()
        at = 0
        for b in _BRACKET.finditer(outside):
            if skip_from is None:
                kept += outside[at : b.start()]
            if b.group() in (b"[", b"{"):
                depth += 1
                if skip_from is None and depth > _KEPT_DEPTH:
                    skip_from = depth
                    kept += b"0"
                elif skip_from is None:
                    kept += b.group()
            else:
                if skip_from is None:
                    kept += b.group()
                elif depth == skip_from:
                    skip_from = None
                depth -= 1
            at = b.end()
        if skip_from is None:
            kept += outside[at:]
        parts.append(_TRAILING_COMMA.sub(b"", _NUMBER.sub(b"0", bytes(kept))))
        if m is None:
            break
        if skip_from is None:
            parts.append(m.group())
        pos = m.end()
    return b"".join(parts)
