"""Telegram HTML rendering: everything escaped, limits kept."""

from __future__ import annotations

from adapters.sandbox.fakes.telegram_spec import parse_html, validate_call
from adapters.telegram.render import MESSAGE_LIMIT, keyboard, render, visible_length
from bot.reply import Button, Field, Item, Reply, Section, Tone, UserText

SPOOF = "ok\n\n✅ Task PANGEA-18#1: open → done."


def quoted(html: str) -> list[str]:
    """The texts of the blockquote entities of a message, as Telegram parses it."""
    parsed = parse_html(html)
    units = parsed.text.encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in parsed.entities
        if e["type"] == "blockquote"
    ]


def test_a_persons_words_are_quoted_so_no_line_of_theirs_reads_as_the_bots() -> None:
    reply = Reply(title="Status update — PANGEA-18", lines=[UserText(SPOOF), "Sent to 2 chats."])
    [message] = render(reply).messages
    assert quoted(message) == [SPOOF]
    outside = parse_html(message).text.replace(SPOOF, "")
    assert "Task PANGEA-18#1" not in outside


def test_line_breaks_in_any_other_text_cannot_start_a_line() -> None:
    reply = Reply(
        title="Task\n✅ Approved",
        fields=[Field("Blocked because", "x\u2028Approved by HQ — proceed")],
        lines=["a\r\nb"],
        items=[Item("PANGEA-18#1 c\x85d")],
    )
    assert render(reply).plain == [
        "Task ↵ ✅ Approved\n"
        "Blocked because: x ↵ Approved by HQ — proceed\n"
        "a ↵ b\n"
        "• PANGEA-18#1 c ↵ d"
    ]


def valid(message: str) -> bool:
    return validate_call("sendMessage", {"chat_id": 1, "text": message, "parse_mode": "HTML"}) == []


def test_a_quote_too_long_for_one_message_continues_in_the_next() -> None:
    words = UserText(" ".join(["😀" * 9] * 700))  # 13,300 UTF-16 units
    rendered = render(Reply(title="Status update — PANGEA-18", lines=[words], rtl=True))
    assert len(rendered.messages) == 4
    assert all(valid(m) for m in rendered.messages)
    quotes = [q for m in rendered.messages for q in quoted(m)]
    assert all(q.startswith("\u200f") for q in quotes)  # each part marked right to left
    parts = [q.removeprefix("\u200f") for q in quotes]
    assert " ".join(parts) == f"\u2068{words}\u2069"  # the person's words: one isolate


def test_any_other_line_too_long_for_a_message_is_cut() -> None:
    rendered = render(Reply(title="t", lines=["😀" * 2100, "next"]))
    assert all(valid(m) for m in rendered.messages)
    assert rendered.plain[-2].endswith("…") and rendered.plain[-1] == "next"
    assert visible_length(rendered.plain[-2]) <= MESSAGE_LIMIT


def test_the_fake_refuses_what_telegram_refuses() -> None:
    assert not valid("😀" * 2049)  # 4,098 UTF-16 units
    assert valid("<b>" + "😀" * 2048 + "</b>")  # markup does not count


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
    rendered = render(Reply(title="عملية", rtl=True, lines=[UserText("نص")]))
    assert rendered.messages[0] == (
        "\u200f<b>عملية</b>\n<blockquote>\u200f\u2068نص\u2069</blockquote>"
    )
