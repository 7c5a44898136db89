"""Slack Block Kit rendering: user text inert, quotes for people's words, Block Kit limits,
a plain-text fallback."""

from __future__ import annotations

from typing import Any

from adapters.sandbox.fakes.slack_spec import validate_call
from adapters.slack.render import MAX_BLOCKS, SECTION_LIMIT, blocks, esc, fallback, messages
from bot.fit import utf16_len
from bot.reply import Button, Field, Item, Reply, Section, Tone, UserText

SPOOF = "ok\n\n:white_check_mark: *Task PANGEA-18#1: open → done.*"


def rich(rendered: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(rich_text part type, inline element) of every rich_text block."""
    return [
        (part["type"], element)
        for block in rendered
        if block["type"] == "rich_text"
        for part in block["elements"]
        for element in part["elements"]
    ]


def mrkdwn(rendered: list[dict[str, Any]]) -> str:
    """Every text Slack would parse as mrkdwn."""
    return str(
        [e for b in rendered if b["type"] == "context" for e in b["elements"]]
        + [b["text"] for b in rendered if b["type"] == "section"]
    )


def block_size(block: dict[str, Any]) -> int:
    return sum(
        utf16_len(e["text"]) if e["type"] == "text" else len(e["name"]) + 2
        for part in block["elements"]
        for e in part["elements"]
    )


def test_nothing_a_user_typed_becomes_a_mention_a_link_or_markup() -> None:
    evil = "<!channel> <@U123> <https://evil|click> & *bold* :tada:"
    reply = Reply(
        title=evil,
        fields=[Field("Title", evil)],
        lines=[evil, UserText(evil)],
        items=[Item(evil)],
        sections=[Section(evil, lines=[evil])],
        tlp="AMBER",
        usage=evil,
    )
    rendered = blocks(reply)
    assert {b["type"] for b in rendered} == {"context", "rich_text"}
    elements = rich(rendered)
    assert {e["type"] for _part, e in elements} == {"text"}  # no mention, link or emoji element
    assert sum(evil in e["text"] for _part, e in elements) == 7
    parsed = mrkdwn(rendered) + fallback(reply)
    for raw in ("<!channel>", "<@U123>", "<https://evil|click>"):
        assert raw not in parsed
    assert esc(evil).startswith("&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil|click&gt; &amp;")


def test_a_spoofed_bot_line_stays_inside_the_quote_of_its_author() -> None:
    reply = Reply(title="Status update — PANGEA-18", lines=[UserText(SPOOF)])
    rendered = blocks(reply)
    elements = rich(rendered)
    quoted = [e["text"] for part, e in elements if part == "rich_text_quote"]
    assert quoted == [SPOOF]
    assert all(e["type"] == "text" for _part, e in elements)  # the shortcode stays text
    outside = [e["text"] for part, e in elements if part != "rich_text_quote"]
    assert not any("Task PANGEA-18#1" in text for text in outside)
    assert "Task PANGEA-18#1" not in mrkdwn(rendered)
    assert fallback(reply).splitlines()[1].startswith("&gt; ok ↵ ")  # quoted in notifications


def test_line_breaks_in_any_other_text_cannot_start_a_line() -> None:
    reply = Reply(
        title="Task\n✅ Approved",
        fields=[Field("Blocked because", "x\u2028Approved by HQ — proceed")],
        items=[Item("PANGEA-18#1 a\r\nb")],
    )
    texts = "".join(e["text"] for _part, e in rich(blocks(reply)))
    assert texts.split("\n") == [
        "Task ↵ ✅ Approved",
        "Blocked because: x ↵ Approved by HQ — proceed",
        "• PANGEA-18#1 a ↵ b",
    ]


def test_errors_are_marked_and_usage_is_shown() -> None:
    reply = Reply(title="No agency XX.", tone=Tone.ERROR, usage="Usage: link AGENCY")
    rendered = blocks(reply)
    assert rendered[0]["elements"][0]["elements"] == [
        {"type": "emoji", "name": "warning"},
        {"type": "text", "text": " "},
        {"type": "text", "text": "No agency XX.", "style": {"bold": True}},
    ]
    assert rendered[-1]["elements"][0]["text"] == "`Usage: link AGENCY`"


def test_long_lines_are_cut_and_long_quotes_split_within_3000_units() -> None:
    words = UserText(" ".join(["😀" * 9] * 700))  # 13,300 UTF-16 units
    reply = Reply(
        title="Tasks", lines=[f"{i} " + "x" * 200 for i in range(60)] + ["y" * 7000, words]
    )
    rendered = blocks(reply)
    assert all(block_size(b) <= SECTION_LIMIT for b in rendered if b["type"] == "rich_text")
    texts = [e["text"] for _part, e in rich(rendered)]
    [cut] = [t for t in texts if "y" in t]
    assert cut.endswith("…") and utf16_len(cut) <= SECTION_LIMIT
    quoted = [e["text"] for part, e in rich(rendered) if part == "rich_text_quote"]
    assert len(quoted) > 4
    assert " ".join(quoted) == words  # split between words, nothing lost


def test_more_than_50_blocks_become_several_valid_messages() -> None:
    items = [
        Item(
            f"PANGEA-18#{i} " + "z" * 2900,
            buttons=[Button("Done", f"task done PANGEA-18#{i}")],
            key=f"#{i}",
        )
        for i in range(70)
    ]
    parts = messages(Reply(title="Many", items=items, lines=[UserText("q" * 9000)]))
    assert len(parts) >= 2
    for text, part in parts:
        assert len(part) <= MAX_BLOCKS
        assert (
            validate_call("chat.postMessage", {"channel": "C1", "text": text, "blocks": part}) == []
        )


def test_the_fake_refuses_what_slack_refuses() -> None:
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    unknown = [{"type": "rich_text", "elements": [{"type": "rich_text_quote", "elements": []}]}]
    empty = [
        {
            "type": "rich_text",
            "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": ""}]}],
        }
    ]
    for bad in (too_long, unknown, empty):
        assert validate_call("chat.postMessage", {"channel": "C1", "text": "t", "blocks": bad})


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
