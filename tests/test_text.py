"""The escaping helpers' fast paths change nothing: the same output as the full rule."""

import html
import json

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from pipes_anomaly import _text
from pipes_anomaly.report import alerts_table

#: Text mixing ordinary characters with every kind the helpers treat specially.
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("&<>\"'\\`*[]|~_\n\t\r\x1b\x7f\x9b\u202e\u2066\u2028 a.")),
    ),
    max_size=40,
)


@given(TEXT)
def test_html_text_is_escape_of_visible(text):
    assert _text.html_text(text) == html.escape(_text.visible(text), quote=True)


@given(TEXT)
def test_markdown_cell_is_the_full_rule(text):
    full = html.escape(_text.visible(text), quote=False)
    full = _text._MARKDOWN_SPECIALS.sub(r"\\\g<0>", full)
    full = _text._MARKDOWN_UNDERSCORE.sub(r"\\_", full)
    assert _text.markdown_cell(text) == full


@given(TEXT, TEXT, st.booleans())
def test_visible_is_undone_exactly_and_tells_texts_apart(a, b, keep_lines):
    shown = _text.visible(a, keep_lines=keep_lines)
    assert _text.unvisible(shown) == a
    assert (shown == _text.visible(b, keep_lines=keep_lines)) == (a == b)


@given(TEXT, st.booleans())
def test_a_message_does_not_escape_visible_text_again(text, keep_lines):
    shown = _text.visible(text, keep_lines=keep_lines)
    assert _text.message_text(shown) == shown


@given(TEXT)
def test_sql_literal_is_shown_unchanged(text):
    literal = _text.sql_literal(text)
    assert _text.visible(literal) == literal


def test_scores_beyond_the_training_top_are_told_apart_from_one():
    shown = [_text.score_text(s) for s in (0.5, 0.9731, 0.999966, 1 - 2e-9, 1 - 3e-13, 1.0)]
    assert shown == ["0.5000", "0.9731", "0.999966", "0.9999999980", "1 - 3e-13", "1"]
    # every distinct score near the top reads differently
    tops = [1 - 10.0**-k for k in range(4, 12)]
    assert len({_text.score_text(s) for s in tops}) == len(tops)
    assert not any(_text.score_text(s).startswith("1.") for s in tops)


@given(TEXT)
def test_a_json_line_holds_no_character_visible_replaces_and_decodes_to_the_same(text):
    line = _text.json_line({"text": text}).decode("utf-8")
    assert line.endswith("\n") and "\n" not in line[:-1]
    assert json.loads(line) == {"text": text}
    assert _text._CONTROL.sub("", line[:-1].replace("\\", "")) == line[:-1].replace("\\", "")


def test_an_actor_without_a_handle_is_shown_by_its_id():
    handles = pd.Series(["alice", "", None], dtype=object)
    ids = pd.Series(["u_1", "u_2", "u_3"])
    assert _text.actor_names(handles, ids).tolist() == ["alice", "u_2", "u_3"]
    start = pd.Timestamp("2024-03-01", tz="UTC")
    scores = pd.DataFrame(
        {"actor_id": ids, "actor_handle": ["alice", "", ""], "window_start": start,
         "window_end": start + pd.Timedelta(days=1), "n_events": 3, "score": [0.99, 0.98, 0.5],
         "alert": [True, True, False], "severity": ["high", "medium", "low"], "reasons": ""}
    )  # fmt: skip
    console = Console(record=True, width=120)
    console.print(alerts_table(scores))
    shown = console.export_text()
    assert "alice" in shown and "u_2" in shown and "u_3" not in shown
