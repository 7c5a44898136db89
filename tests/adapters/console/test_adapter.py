"""The console adapter: plain-text rendering and the scripted prompt."""

from __future__ import annotations

import io

from adapters.console.adapter import ConsoleAdapter, render
from bot.dispatcher import Dispatcher
from bot.reply import Button, Field, Item, Reply, Section, Tone, UserText
from tests.conftest import Chat


def test_a_persons_words_carry_the_quote_bar_and_nothing_else_breaks_a_line() -> None:
    reply = Reply(
        title="Status update",
        fields=[Field("From", "Ann\u2028Task PANGEA-18#1: open → done.")],
        lines=[UserText("ok\n\nTask PANGEA-18#1: open → done.")],
        sections=[Section("Latest updates", lines=["10:00 Ann:", UserText("a\r\nb")])],
    )
    assert render(reply).splitlines() == [
        "Status update",
        "  From: Ann ↵ Task PANGEA-18#1: open → done.",
        "│ ok",
        "│ ",
        "│ Task PANGEA-18#1: open → done.",
        "Latest updates",
        "  10:00 Ann:",
        "  │ a",
        "  │ b",
    ]


def test_render_orders_tlp_title_fields_lines_items_sections_and_buttons() -> None:
    reply = Reply(
        title="PANGEA-18",
        tlp="AMBER",
        fields=[Field("Status", "active")],
        lines=["a line"],
        items=[Item("PANGEA-18#1 Raid", buttons=[Button("Done", "task done PANGEA-18#1")])],
        sections=[Section("Latest updates", lines=["10:00 Ann: go"])],
        buttons=[Button("Tasks", "task list PANGEA-18")],
    )
    assert render(reply).splitlines() == [
        "TLP:AMBER",
        "PANGEA-18",
        "  Status: active",
        "a line",
        "- PANGEA-18#1 Raid",
        "    → task done PANGEA-18#1",
        "Latest updates",
        "  10:00 Ann: go",
        "Next: task list PANGEA-18",
    ]


def test_render_marks_errors_and_shows_usage() -> None:
    reply = Reply(title="No agency XX.", tone=Tone.ERROR, usage="Usage: link AGENCY")
    assert render(reply) == "Error: No agency XX.\nUsage: link AGENCY"


async def test_script_echoes_each_command_and_stops_at_quit(
    chat: Chat, dispatcher: Dispatcher
) -> None:
    out = io.StringIO()
    script = "whoami\n\n# comment\nquit\nagency list\n"
    await ConsoleAdapter(dispatcher, io.StringIO(script), out).run(interactive=False)
    text = out.getvalue()
    assert text.startswith("> whoami\nLocal administrator\n")
    assert "comment" not in text
    assert "agency list" not in text


async def test_interactive_prompt_greets_and_prompts(chat: Chat, dispatcher: Dispatcher) -> None:
    out = io.StringIO()
    await ConsoleAdapter(dispatcher, io.StringIO("whoami\n"), out).run(interactive=True)
    text = out.getvalue()
    assert "you are the local administrator" in text
    assert text.count("jointops> ") == 2  # before whoami, and before end of input
    assert "Role: admin" in text
