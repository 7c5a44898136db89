"""Slack Block Kit rendering: escaped text, Block Kit limits, a plain-text fallback."""

from __future__ import annotations

from adapters.slack.render import MAX_BLOCKS, SECTION_LIMIT, blocks, esc, fallback, messages
from bot.reply import Button, Field, Item, Reply, Section, Tone
from tests.fakes.slack_spec import validate_call


def test_everything_a_user_typed_is_escaped() -> None:
    evil = "<!channel> <@U123> <https://evil|click> & co"
    reply = Reply(
        title=evil,
        fields=[Field("Title", evil)],
        lines=[evil],
        items=[Item(evil)],
        sections=[Section(evil, lines=[evil])],
        tlp="AMBER",
        usage=evil,
    )
    rendered = str(blocks(reply)) + fallback(reply)
    for raw in ("<!channel>", "<@U123>", "<https://evil|click>"):
        assert raw not in rendered
    assert esc(evil) == "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil|click&gt; &amp; co"


def test_errors_are_marked_and_usage_is_shown() -> None:
    reply = Reply(title="No agency XX.", tone=Tone.ERROR, usage="Usage: link AGENCY")
    rendered = blocks(reply)
    assert rendered[0]["text"]["text"] == ":warning: *No agency XX.*"
    assert rendered[-1]["elements"][0]["text"] == "`Usage: link AGENCY`"


def test_long_sections_are_cut_below_3000_characters() -> None:
    reply = Reply(title="Tasks", lines=[f"{i} " + "x" * 200 for i in range(60)] + ["y" * 7000])
    rendered = blocks(reply)
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in rendered if b["type"] == "section")
    total = "".join(b["text"]["text"] for b in rendered if b["type"] == "section")
    assert total.count("y") == 7000


def test_more_than_50_blocks_become_several_valid_messages() -> None:
    items = [
        Item(
            f"PANGEA-18#{i} " + "z" * 2900,
            buttons=[Button("Done", f"task done PANGEA-18#{i}")],
            key=f"#{i}",
        )
        for i in range(70)
    ]
    parts = messages(Reply(title="Many", items=items))
    assert len(parts) >= 2
    for text, part in parts:
        assert len(part) <= MAX_BLOCKS
        assert (
            validate_call("chat.postMessage", {"channel": "C1", "text": text, "blocks": part}) == []
        )


def test_buttons_carry_the_command_and_the_item_key() -> None:
    reply = Reply(
        items=[Item("x", buttons=[Button("Done", "task done P-1#3")], key="#3")],
        buttons=[Button("Summary", "summary P-1")],
    )
    actions = [b for b in blocks(reply) if b["type"] == "actions"]
    elements = actions[0]["elements"]
    assert [(e["text"]["text"], e["value"]) for e in elements] == [
        ("Done #3", "task done P-1#3"),
        ("Summary", "summary P-1"),
    ]
    assert len({e["action_id"] for e in elements}) == 2
