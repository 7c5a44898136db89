"""The console adapter: plain-text rendering and the scripted prompt."""

from __future__ import annotations

import io
import re
from pathlib import Path

from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.color_depth import ColorDepth
from prompt_toolkit.output.vt100 import Vt100_Output

from adapters.console.adapter import ConsoleAdapter, render
from bot.dispatcher import Dispatcher
from bot.reply import Button, Field, Item, Reply, Section, Tone, UserText
from tests.conftest import Chat

DEPTH = ColorDepth.DEPTH_1_BIT


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


def test_the_consoles_own_words_are_in_the_replys_language() -> None:
    refused = Reply(title="Aucun service XX.", tone=Tone.ERROR, language="fr")
    assert render(refused) == "Erreur : Aucun service XX."
    offered = Reply(
        title="Tarea añadida.", buttons=[Button("Hecho", "task done P#1")], language="es"
    )
    assert render(offered).split("\n")[-1] == "Siguiente: task done P#1"


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


async def test_interactive_prompt_greets_and_prompts(
    chat: Chat, dispatcher: Dispatcher, tmp_path: Path
) -> None:
    """On a terminal the console is the prompt (tests/adapters/console/test_prompt.py)."""
    screen = io.StringIO()
    terminal = Vt100_Output(
        screen, lambda: Size(rows=50, columns=200), term="dumb", default_color_depth=DEPTH
    )
    adapter = ConsoleAdapter(dispatcher, io.StringIO(), io.StringIO(), history=tmp_path / "h")
    with create_pipe_input() as keyboard:
        keyboard.send_text("whoami\r\x04")
        await adapter.prompt(input=keyboard, output=terminal)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert "you are the local administrator" in text
    assert "jointops>" in text
    assert "Role: admin" in text


RLM, FSI, PDI = "\u200f", "\u2068", "\u2069"  # right-to-left mark, isolate, end of isolate
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


async def test_an_arabic_reader_reads_right_to_left_with_values_isolated(
    chat: Chat, dispatcher: Dispatcher
) -> None:
    console = ConsoleAdapter(dispatcher, io.StringIO(), io.StringIO())
    await console.handle('agency add AE-DXB "Dubai Police" --country AE --tz Asia/Dubai')
    english = await console.handle('op new PANGEA-18 "Pharmacies" --lead AE-DXB --tlp AMBER')
    assert not BIDI_CONTROLS.search(english), english  # left to right: no direction control
    await console.handle("me lang ar")
    added = await console.handle(
        'task add PANGEA-18 "Raid warehouse 4" --to AE-DXB --due 2026-11-27T06:00Z'
    )
    lines = added.split("\n")
    assert [line for line in lines if not line.startswith(RLM)] == [], added
    assert lines[0] == f"{RLM}TLP:AMBER"
    assert f"{FSI}PANGEA-18#1{PDI}" in lines[1]  # the reference isolated
    assert f"{FSI}Raid warehouse 4{PDI}" in added  # the title isolated
    assert f"{FSI}27 نوفمبر 2026، 06:00 UTC{PDI}" in added  # the due time (a field's value)
    refused = await console.handle("task done NOPE-1#1")
    assert refused.split("\n")[-1].startswith(f"{RLM}")
    assert refused.split("\n")[-1].endswith(f": {FSI}task done REF{PDI}")  # the usage: one unit


def test_a_persons_words_are_isolated_line_by_line_for_a_right_to_left_reader() -> None:
    reply = Reply(title="تحديث الوضع", lines=[UserText("ok\nPANGEA-18#1")], rtl=True)
    assert render(reply).splitlines() == [
        f"{RLM}تحديث الوضع",
        f"{RLM}│ {FSI}ok{PDI}",
        f"{RLM}│ {FSI}PANGEA-18#1{PDI}",
    ]
