"""The Markdown format: what people typed cannot break the tables or start markup."""

from __future__ import annotations

from bot.export.markdown import _cell


def test_a_pipe_or_markup_in_a_title_stays_inside_its_cell() -> None:
    assert _cell("a | b") == "a \\| b"
    assert _cell("**bold** [link](x) <b>") == "\\*\\*bold\\*\\* \\[link\\](x) \\<b\\>"
    assert _cell("line one\nline two") == "line one ↵ line two"
