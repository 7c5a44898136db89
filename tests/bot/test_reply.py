"""The platform-neutral reply and its plain-text form."""

from __future__ import annotations

from bot.reply import Button, Field, Item, Reply, Section, Tone


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
