"""The platform-neutral reply and its plain-text form."""

from __future__ import annotations

from bot.i18n import Translator
from bot.reply import (
    Button,
    Field,
    Item,
    Reply,
    Section,
    Tone,
    UserText,
    from_json,
    one_line,
    quoted_lines,
    to_json,
)


def test_text_lines_follow_the_documented_order_without_buttons() -> None:
    reply = Reply(
        title="PANGEA-18 — Pharmacies",
        tlp="AMBER+STRICT",
        lines=["a line"],
        fields=[Field("Status", "active")],
        items=[Item("PANGEA-18#1 Raid", buttons=[Button("Done", "task done PANGEA-18#1")])],
        sections=[Section("Latest updates", lines=["10:00 Ann: go"], items=[Item("x")])],
        buttons=[Button("Tasks", "task list PANGEA-18")],
        usage="Usage: summary [CODE]",
    )
    assert reply.text_lines() == [
        "TLP:AMBER+STRICT",
        "PANGEA-18 — Pharmacies",
        "Status: active",
        "a line",
        "- PANGEA-18#1 Raid",
        "Latest updates",
        "10:00 Ann: go",
        "- x",
        "Usage: summary [CODE]",
    ]


def test_defaults() -> None:
    reply = Reply()
    assert reply.tone == Tone.OK
    assert (reply.tlp, reply.usage, reply.private, reply.rtl) == (None, None, False, False)
    assert reply.text_lines() == []


def test_replies_do_not_share_their_lists() -> None:
    first, second = Reply(), Reply()
    first.lines.append("x")
    assert second.lines == []


def test_a_persons_words_stay_marked_through_the_outbox() -> None:
    reply = Reply(
        title="Status update — PANGEA-18",
        lines=[UserText("ok\n✅ done"), "Sent to 2 chats."],
        sections=[Section("Latest updates", lines=["10:00 Ann:", UserText("go")])],
    )
    again = from_json(to_json(reply))
    assert again == reply
    assert [type(line) for line in again.lines] == [UserText, str]
    assert [type(line) for line in again.sections[0].lines] == [str, UserText]


def test_the_language_a_reply_is_written_in_goes_through_the_outbox() -> None:
    reply = Translator("ar").addressed(Reply(title="x"))
    assert (reply.language, reply.rtl) == ("ar", True)
    assert from_json(to_json(reply)) == reply
    older = to_json(Reply(title="x")).replace(',"language":"en"', "")  # stored before it existed
    assert from_json(older).language == "en"


def test_a_reply_stored_before_quotes_existed_still_reads() -> None:
    stored = to_json(Reply(lines=["plain"])).replace('"lines":["plain"]', '"lines":["old"]')
    assert from_json(stored).lines == ["old"]
    assert type(from_json(stored).lines[0]) is str


def test_any_line_break_is_one_sign_on_one_line_and_a_line_in_a_quote() -> None:
    breaks = "a\nb\r\nc\rd\u2028e\u2029f\x85g\x0bh\x0ci\n\n\nj"
    assert one_line(breaks) == "a ↵ b ↵ c ↵ d ↵ e ↵ f ↵ g ↵ h ↵ i ↵ j"
    assert quoted_lines(breaks) == [*"abcdefghi", "", "", "j"]
