"""Telegram HTML rendering: everything escaped, limits kept."""

from __future__ import annotations

from adapters.telegram.render import MESSAGE_LIMIT, keyboard, render, visible_length
from bot.reply import Button, Field, Item, Reply, Section, Tone


def test_user_text_is_escaped_everywhere() -> None:
    evil = '<a href="https://evil">click</a> & <b>'
    reply = Reply(
        title=evil,
        fields=[Field("Title", evil)],
        lines=[evil],
        tlp="AMBER+STRICT",
        items=[Item(evil)],
        sections=[Section(evil, lines=[evil])],
        usage=evil,
    )
    text = render(reply).messages[0]
    assert "<a href" not in text
    assert text.count('&lt;a href="https://evil"&gt;click&lt;/a&gt; &amp; &lt;b&gt;') == 7
    assert text.startswith("<b>TLP:AMBER+STRICT</b>")


def test_error_is_marked() -> None:
    assert render(Reply(title="No agency XX.", tone=Tone.ERROR)).messages[0].startswith("⚠️ <b>")


def test_split_on_lines_within_the_limit_counting_utf16() -> None:
    reply = Reply(title="t", lines=["😀" * 1000 for _ in range(9)])  # each emoji is 2 UTF-16 units
    messages = render(reply).plain
    assert len(messages) > 1
    assert all(visible_length(m) <= MESSAGE_LIMIT for m in messages)
    assert sum(m.count("😀") for m in messages) == 9000


def test_item_buttons_are_labelled_with_the_item_key() -> None:
    reply = Reply(
        items=[Item("x", buttons=[Button("Done", "task done P-1#3")], key="#3")],
        buttons=[Button("Summary", "summary P-1")],
    )
    markup = keyboard(reply)
    assert markup is not None
    rows = markup.inline_keyboard
    assert [[b.text for b in row] for row in rows] == [["Done #3"], ["Summary"]]
    assert rows[0][0].callback_data == "task done P-1#3"


def test_button_whose_command_exceeds_64_bytes_is_left_out() -> None:
    reply = Reply(buttons=[Button("Long", "summary " + "É" * 40), Button("Ok", "summary X")])
    markup = keyboard(reply)
    assert markup is not None
    assert [b.text for b in markup.inline_keyboard[0]] == ["Ok"]


def test_arabic_lines_carry_a_right_to_left_mark() -> None:
    rendered = render(Reply(title="عملية", rtl=True))
    assert rendered.messages[0].startswith("\u200f")
