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

#: orjson's messages for what the mending below may cure; any other error stands as it is.
_MENDABLE = (
    "unexpected character",
    "invalid literal",
    "invalid number",
    "no digit after",
    "trailing comma",
    "is infinity",
    "depth limit",
)
_STRING = rb'"(?:[^"\\]|\\.)*"'
_EDGE = rb"(?<![0-9A-Za-z.+\-])"  # a token starts here ...
_END = rb"(?![0-9A-Za-z.+\-])"  # ... and ends here
_NUMBER = rb"-?(?:nan|inf(?:inity)?)|-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
_TOKEN = re.compile(
    rb"(" + _STRING + rb")|" + _EDGE + rb"(?:" + _NUMBER + rb")" + _END + rb"|,(?=[ \t\r\n]*[\]}])",
    re.IGNORECASE | re.DOTALL,
)
_STRING_OR_BRACKET = re.compile(rb"(" + _STRING + rb")|[\[\]{}]", re.DOTALL)
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
        The decoded value; a tolerated token is read as the number 0.

    Raises
    ------
    orjson.JSONDecodeError
        orjson's own error for the line as written, when the line is not JSON even so.
    """
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        first = error = exc
    text = raw
    for mend in (_mend_tokens, _collapse_deep):
        if not any(m in str(error) for m in _MENDABLE):
            break
        text = mend(text)
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            error = exc
    raise first


def _token(m: re.Match) -> bytes:
    if m.group(1) is not None:  # a string stays as it is
        return m.group(1)
    return b"" if m.group() == b"," else b"0"


def _mend_tokens(raw: bytes) -> bytes:
    """Return the line with NaN, Infinity, numbers and trailing commas outside strings mended.

    Each such value becomes ``0`` (a number still); a comma before ``]`` or ``}`` goes.
    """
    return _TOKEN.sub(_token, raw)


def _collapse_deep(raw: bytes) -> bytes:
    """Return the line with every container deeper than the reader reads replaced by ``0``."""
    parts: list[bytes] = []
    depth, at, skip_from = 0, 0, None  # skip_from: where a container being collapsed began
    for m in _STRING_OR_BRACKET.finditer(raw):
        if m.group(1) is not None:
            continue
        if m.group() in (b"[", b"{"):
            depth += 1
            if skip_from is None and depth > _KEPT_DEPTH:
                parts += [raw[at : m.start()], b"0"]
                skip_from = depth
        else:
            if skip_from == depth:
                at, skip_from = m.end(), None
            depth -= 1
    return b"".join(parts) + (raw[at:] if skip_from is None else b"")
