"""The escaping helpers' fast paths change nothing: the same output as the full rule."""

import html

from hypothesis import given
from hypothesis import strategies as st

from pipes_anomaly import _text

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
