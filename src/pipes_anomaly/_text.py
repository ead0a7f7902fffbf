r"""Text from data made safe for where it is shown: terminal, CSV cell, Markdown, HTML, plot.

Every field of the audit log is written by the people being hunted; this module is the one
place that decides how such text is neutralised on its way out (docs/security.md):

- :func:`visible`: control characters (C0, DEL, C1) and the characters that reorder or break
  lines (bidirectional embeddings, overrides and isolates, line and paragraph separators)
  replaced by a visible escape such as ``\x1b`` or ``\u202e``, and a backslash doubled, so
  that the text ``\x1b`` (shown ``\\x1b``) never looks like the escape character;
  :func:`unvisible` undoes it exactly;
- :func:`message_text`: the same replacement for a whole message, whose text from data was
  made visible where it entered it: newlines, tabs and backslashes kept, so that nothing is
  escaped twice;
- :func:`terminal_cell`: :func:`visible`, as a Rich ``Text`` so that no markup or emoji code
  in it is interpreted;
- :func:`csv_cells`: :func:`visible`, then OWASP's CSV-injection rule (a cell starting with
  ``= + - @``, tab or carriage return gets a leading ``'``; so does one starting with ``'``);
  :func:`csv_uncells` undoes both, so a cell reads back exactly; quoting is the CSV writer's
  job;
- :func:`markdown_cell`, :func:`html_text`, :func:`plot_text`: for the reports, each showing
  what :func:`visible` shows once the Markdown, HTML or plot label is rendered;
- :func:`sql_literal`: a SQL string literal that holds the text exactly and holds no
  character :func:`visible` changes (each one spliced in as ``chr(n)``), for the queries the
  triage report offers;
- :func:`json_line`: a JSON value as one line of JSON text in which no character
  :func:`visible` replaces stands raw (JSON escapes C0 itself; DEL, C1 and the layout
  characters are written as ``\u`` escapes too), and which decodes to the same value;
- :func:`actor_names`: the handle shown for an actor, its id where it has none;
- :func:`markdown_code`: a fenced Markdown code block that no text inside can close;
  :func:`markdown_table` and :func:`markdown_rows`: a table of :func:`markdown_cell` cells.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

import numpy as np
import orjson
import pandas as pd
from rich.text import Text

#: Characters that reorder text or break lines in a terminal or viewer (bidirectional marks,
#: embeddings, overrides and isolates; line and paragraph separators).
_LAYOUT_CHARS = (
    0x061C,
    0x200E,
    0x200F,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
    0x2028,
    0x2029,
)


def _escape_of(code: int) -> str:
    r"""Return the visible stand-in of one code point: ``\x1b`` below 256, ``\u202e`` above."""
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


#: Translation table of :func:`visible` (newlines and tabs replaced too). The backslash is
#: doubled so that every backslash of the output starts an escape: text cannot forge one.
_VISIBLE = {
    0x5C: "\\\\",
    **{c: _escape_of(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0), *_LAYOUT_CHARS)},
}
#: Translation table of :func:`visible` with ``keep_lines``: newlines and tabs kept.
_VISIBLE_LINES = {c: s for c, s in _VISIBLE.items() if c not in (0x09, 0x0A)}
#: Translation table of :func:`message_text`: as ``keep_lines``, backslashes kept.
_MESSAGE = {c: s for c, s in _VISIBLE_LINES.items() if c != 0x5C}
#: The characters :func:`visible` replaces, as a regular-expression class.
_VISIBLE_CLASS = "".join(f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}" for c in _VISIBLE)
#: Any character :func:`visible` replaces.
_CONTROL = re.compile(f"[{_VISIBLE_CLASS}]")
#: An escape :func:`visible` writes (one it does not write is left as it is by :func:`unvisible`).
_ESCAPE = re.compile(r"\\(?:\\|x[0-9a-f]{2}|u[0-9a-f]{4})")
#: The character each escape of :func:`visible` stands for.
_UNVISIBLE = {s: chr(c) for c, s in _VISIBLE.items()}
#: Characters JSON may leave raw that :func:`visible` replaces: DEL, C1 and the layout ones.
_JSON_RAW = re.compile(
    "[" + "".join(f"\\u{c:04x}" for c in (0x7F, *range(0x80, 0xA0), *_LAYOUT_CHARS)) + "]"
)
#: Any character :func:`html_text` changes; text without one is returned as it is.
_HTML_ACTIVE = re.compile(f"[&<>\"'{_VISIBLE_CLASS}]")
#: Any character :func:`markdown_cell` may change besides the underscore.
_MARKDOWN_ACTIVE = re.compile(f"[&<>\\\\`*\\[\\]|~{_VISIBLE_CLASS}]")

#: First characters a spreadsheet may read as the start of a formula (OWASP), plus the
#: apostrophe that marks a neutralised cell, so that the rule can be undone exactly.
CSV_FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "'")
_FORMULA_FIRST = np.array(CSV_FORMULA_STARTS, dtype="U1")

#: Characters escaped with a backslash in Markdown: those that open code, emphasis, links,
#: images, strikethrough or a table cell (``<``, ``>`` and ``&`` become HTML entities first).
_MARKDOWN_SPECIALS = re.compile(r"[\\`*\[\]|~]")
#: An underscore that could open or close emphasis: one not inside a word.
_MARKDOWN_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")


def visible(text: object, *, keep_lines: bool = False) -> str:
    r"""Return ``text`` with every control and layout character replaced by a visible escape.

    A character below U+0100 becomes ``\x`` and two hex digits, another ``\u`` and four (lower
    case), and a backslash becomes two, so that every backslash of the result starts an
    escape and the result tells text apart from the characters it stands for; with or
    without ``keep_lines``, :func:`unvisible` returns ``text`` exactly.

    Parameters
    ----------
    text : object
        Converted with ``str``.
    keep_lines : bool, default False
        Keep newlines and tabs (for whole messages); a table cell keeps none.

    Returns
    -------
    str
        E.g. ``"admin\x1b[2J"`` (a backslash and ``x1b``) for ``"admin"`` followed by the
        escape character and ``[2J``, and ``"admin\\x1b[2J"`` (two backslashes) for
        ``"admin"`` followed by the four characters ``\x1b`` and ``[2J``.
    """
    return str(text).translate(_VISIBLE_LINES if keep_lines else _VISIBLE)


def unvisible(text: str) -> str:
    r"""Return the text :func:`visible` was given: each of its escapes replaced by its character.

    Parameters
    ----------
    text : str
        Written by :func:`visible`; a backslash that starts none of its escapes is kept (text
        written by hand or by another program).

    Returns
    -------
    str
        ``unvisible(visible(t)) == t`` for every text ``t``, with or without ``keep_lines``.
    """
    if "\\" not in text:  # most text holds no escape: leave it be
        return text
    return _ESCAPE.sub(lambda m: _UNVISIBLE.get(m[0], m[0]), text)


def message_text(text: object) -> str:
    r"""Return a whole message with every control and layout character left in it made visible.

    For an error, warning or note whose text from data was made visible where it entered it
    (:func:`visible`: its newlines and tabs too, its backslashes doubled): the message's own
    newlines and tabs are kept, and so are backslashes, each one the start of an escape
    written there, which a second :func:`visible` would double again.

    Parameters
    ----------
    text : object
        Converted with ``str``.

    Returns
    -------
    str
        ``message_text(m) == m`` for a message ``m`` whose data was made visible; any control
        or layout character left replaced as by :func:`visible`.
    """
    return str(text).translate(_MESSAGE)


def terminal_cell(text: object, style: str = "") -> Text:
    """Return a Rich ``Text`` of data: controls made visible, markup and emoji codes inert.

    Parameters
    ----------
    text : object
        Converted with ``str``.
    style : str, default ""
        Rich style of the whole cell (ours, never from data).

    Returns
    -------
    rich.text.Text
    """
    return Text(visible(text), style=style)


def plural(n: int, word: str, many: str | None = None) -> str:
    """Write a count with its noun in the right number: ``1 record``, ``2 records``.

    Parameters
    ----------
    n : int
    word : str
        The singular.
    many : str, optional
        The plural, when it is not ``word + "s"``.

    Returns
    -------
    str
        ``n`` with thousands separators, a space, and the noun.
    """
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def score_text(score: float) -> str:
    """Write a score with four decimals, or as many more as tell it apart from 1.

    Parameters
    ----------
    score : float
        In [0, 1].

    Returns
    -------
    str
        ``0.9731``; ``0.999966``, ``0.99999998`` or ``1 - 3e-13`` beyond the top of the
        training windows, where four decimals would print every alert as ``1.0000``.
    """
    score = float(score)
    if not score < 1:
        return "1"
    gap = -np.log10(1.0 - score)
    if gap >= 11:
        return f"1 - {1.0 - score:.0e}"
    return f"{score:.{max(4, int(np.ceil(gap)) + 1)}f}"


def csv_cells(values: pd.Series) -> pd.Series:
    """Neutralise the cells of a text column that a spreadsheet or a terminal could act on.

    Control and layout characters are made visible and backslashes doubled (:func:`visible`:
    a file opened in a terminal or a spreadsheet shows them as escapes, not as commands or
    reordered text), then a cell that a spreadsheet could run as a formula gets a leading
    ``'``. :func:`csv_uncells` undoes both.

    Parameters
    ----------
    values : Series
        Strings (missing values stay missing).

    Returns
    -------
    Series
        The cells made visible, those starting with one of :data:`CSV_FORMULA_STARTS`
        prefixed with ``'``; the same object when no cell changes.
    """
    cells = values.to_numpy(dtype=object)
    strings = [v for v in cells if isinstance(v, str)]
    if _CONTROL.search(" ".join(strings)):  # one search of the column, not one per cell
        values = pd.Series(
            [visible(v) if isinstance(v, str) else v for v in cells],
            index=values.index,
            dtype=object,
            name=values.name,
        )
    first = values.to_numpy(dtype=object).astype("U1")  # first characters, without a loop
    hit = np.isin(first, _FORMULA_FIRST)
    if not hit.any():
        return values
    out = values.astype(object)
    out[hit] = "'" + out[hit]
    return out


def csv_uncells(values: pd.Series) -> pd.Series:
    """Undo :func:`csv_cells`: drop the ``'`` that starts a neutralised cell, then the escapes.

    Parameters
    ----------
    values : Series
        A text column read from a CSV file written with :func:`csv_cells`.

    Returns
    -------
    Series
        Each cell as it was before :func:`csv_cells` (:func:`unvisible`); the same object
        when no cell changes.
    """
    hit = values.astype(object).str.startswith("'").fillna(False).to_numpy(dtype=bool)
    if hit.any():
        out = values.copy()
        out[hit] = values[hit].str[1:]
        values = out
    escaped = values.astype(object).str.contains("\\", regex=False).fillna(False)
    escaped = escaped.to_numpy(dtype=bool)
    if not escaped.any():
        return values
    out = values.copy()
    out[escaped] = [unvisible(v) for v in values[escaped]]
    return out


def markdown_cell(text: object) -> str:
    """Return data made inert in a Markdown table cell: no HTML, link, emphasis or new cell.

    Parameters
    ----------
    text : object
        Converted with ``str``.

    Returns
    -------
    str
        Controls made visible and backslashes doubled (:func:`visible`), then ``< > &`` as
        entities and Markdown's active characters (each of those backslashes too)
        backslash-escaped: rendered, the cell shows what :func:`visible` returns.
    """
    escaped = str(text)
    if _MARKDOWN_ACTIVE.search(escaped) is not None:  # most cells hold none: leave them be
        escaped = html.escape(visible(escaped), quote=False)
        escaped = _MARKDOWN_SPECIALS.sub(r"\\\g<0>", escaped)
    return _MARKDOWN_UNDERSCORE.sub(r"\\_", escaped) if "_" in escaped else escaped


def html_text(text: object) -> str:
    """Return data made inert in HTML: controls made visible (:func:`visible`), then escaped.

    Parameters
    ----------
    text : object

    Returns
    -------
    str
    """
    value = str(text)
    if _HTML_ACTIVE.search(value) is None:  # most text holds none: leave it be
        return value
    return html.escape(visible(value), quote=True)


def plot_text(text: object) -> str:
    """Return data made inert in a matplotlib label: controls visible, no mathtext (``$``).

    Parameters
    ----------
    text : object

    Returns
    -------
    str
    """
    return visible(text).replace("$", r"\$")


def sql_literal(text: object) -> str:
    r"""Return a SQL string literal (DuckDB, PostgreSQL) whose value is exactly ``text``.

    Quotes are doubled; every character :func:`visible` would replace (controls, layout
    marks, the backslash) is spliced in as ``chr(<code>)``, so the literal shows nothing that
    could move a terminal or a page, is shown unchanged by :func:`visible` (a code block, an
    HTML page) and is still exact when copied from one.

    Parameters
    ----------
    text : object
        Converted with ``str``.

    Returns
    -------
    str
        E.g. ``'it''s'``, ``'a' || chr(10) || 'b'`` for ``"a\nb"``, or
        ``'a' || chr(92) || 'b'`` for ``"a\\b"``.
    """
    parts: list[str] = []
    current: list[str] = []
    for ch in str(text):
        if ord(ch) in _VISIBLE:
            parts.append("'" + "".join(current).replace("'", "''") + "'")
            parts.append(f"chr({ord(ch)})")
            current = []
        else:
            current.append(ch)
    parts.append("'" + "".join(current).replace("'", "''") + "'")
    if len(parts) > 1:  # drop the empty pieces around spliced characters
        parts = [p for p in parts if p != "''"] or ["''"]
    return " || ".join(parts)


def actor_names(handles: pd.Series, ids: pd.Series) -> pd.Series:
    """Return the name shown for each actor: its handle, or its id where it has none.

    Parameters
    ----------
    handles, ids : Series
        The actors' handles (missing or empty where the records gave none; a scores CSV
        reads a missing handle back as empty) and ids, on the same index.

    Returns
    -------
    Series of str
        Not yet escaped: each is shown through the escape of its output.
    """
    text = handles.astype("string")
    return text.where(text.fillna("") != "", ids.astype("string")).astype(str)


def json_line(value: object) -> bytes:
    r"""Return ``value`` as one line of JSON text with no control or layout character raw.

    orjson escapes C0 characters as JSON requires; DEL, C1 and the characters that reorder
    or break lines are legal raw in a JSON string, so they are written as ``\u`` escapes
    here, which every JSON reader decodes back to the same character.

    Parameters
    ----------
    value : object
        Anything orjson serialises (NumPy values included).

    Returns
    -------
    bytes
        The JSON text and a newline, UTF-8.
    """
    raw = orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_APPEND_NEWLINE)
    text = raw.decode("utf-8")
    if _JSON_RAW.search(text) is None:
        return raw
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text).encode("utf-8")


def markdown_code(text: str, language: str = "") -> str:
    """Return ``text`` as a fenced Markdown code block that nothing in it can close.

    Parameters
    ----------
    text : str
        Shown verbatim (controls made visible first, see :func:`visible`).
    language : str, default ""
        Info string (ours, never from data).

    Returns
    -------
    str
        The fence is one backtick longer than the longest run of backticks in the text
        (at least three), as CommonMark requires.
    """
    body = visible(text, keep_lines=True)
    runs = [len(r) for r in re.findall(r"`+", body)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}{language}\n{body}\n{fence}"


def markdown_table(frame: pd.DataFrame) -> str:
    """Render a frame as a Markdown table, every cell (and header) through :func:`markdown_cell`.

    Parameters
    ----------
    frame : DataFrame

    Returns
    -------
    str
    """
    return markdown_rows(list(frame.columns), frame.itertuples(index=False))


def markdown_rows(columns: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """Render rows as a Markdown table, every cell (and header) through :func:`markdown_cell`.

    Parameters
    ----------
    columns : sequence
        Column names.
    rows : iterable of sequences
        Cells, one sequence per row.

    Returns
    -------
    str
    """
    cols = [markdown_cell(c) for c in columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(markdown_cell(v) for v in row) + " |")
    return "\n".join(lines)
