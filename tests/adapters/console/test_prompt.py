"""The interactive console, driven through prompt_toolkit's own test facilities: keys typed
into a pipe, the screen written to a terminal output on a buffer (or to none)."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable
from pathlib import Path

from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.output.color_depth import ColorDepth
from prompt_toolkit.output.vt100 import Vt100_Output

from adapters.console.adapter import ConsoleAdapter
from adapters.console.prompt import styled
from bot.dispatcher import Dispatcher
from tests.conftest import Chat

UP, TAB = "\x1b[A", "\t"
AGENCY = 'agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris\r'


def terminal(buffer: io.StringIO, depth: ColorDepth = ColorDepth.DEPTH_8_BIT) -> Vt100_Output:
    """A colour terminal 200 columns wide that writes into `buffer`."""
    return Vt100_Output(
        buffer, lambda: Size(rows=50, columns=200), term="xterm", default_color_depth=depth
    )


Step = str | tuple[str, Callable[[], bool]]


async def typed(adapter: ConsoleAdapter, *steps: Step, screen: io.StringIO | None = None) -> None:
    """Type each step's keys into the prompt; a step (keys, ready) then waits until `ready()`
    (completion runs in the background: the next keys wait for it)."""
    output = terminal(screen) if screen is not None else DummyOutput()
    with create_pipe_input() as keyboard:
        running = asyncio.create_task(adapter.prompt(input=keyboard, output=output))
        for step in steps:
            keys, ready = step if isinstance(step, tuple) else (step, None)
            keyboard.send_text(keys)
            if ready is not None:
                await until(ready, running)
        await asyncio.wait_for(running, 30)


async def until(ready: Callable[[], bool], running: asyncio.Task[None]) -> None:
    """Wait until `ready()` (at most 30 s, and not past the prompt's end)."""
    async with asyncio.timeout(30):
        while not ready():
            assert not running.done(), "the prompt ended first"
            await asyncio.sleep(0.01)


def line_is(adapter: ConsoleAdapter, text: str) -> Callable[[], bool]:
    """The line being edited at the prompt reads `text`."""
    return lambda: adapter.session is not None and adapter.session.default_buffer.text == text


def shows(screen: io.StringIO, text: str, times: int = 1) -> Callable[[], bool]:
    """The screen shows `text` (at least `times` times)."""
    return lambda: plain(screen.getvalue()).count(text) >= times


def plain(screen: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen)


async def test_tab_completes_ta_to_task_and_task_a_to_task_add(
    chat: Chat, dispatcher: Dispatcher, tmp_path: Path
) -> None:
    adapter = ConsoleAdapter(dispatcher, io.StringIO(), io.StringIO(), history=tmp_path / "h")
    await typed(
        adapter,
        ("ta" + TAB, line_is(adapter, "task")),
        (
            " a" + TAB,
            lambda: (
                adapter.session is not None
                and adapter.session.default_buffer.complete_state is not None
            ),
        ),
        (TAB, line_is(adapter, "task add")),  # add, assign: the first
        "\x03quit\r",
    )


async def test_up_recalls_the_last_command_and_tab_completes(
    chat: Chat, dispatcher: Dispatcher, tmp_path: Path
) -> None:
    screen = io.StringIO()
    adapter = ConsoleAdapter(dispatcher, io.StringIO(), io.StringIO(), history=tmp_path / "h")
    await typed(
        adapter,
        (AGENCY, shows(screen, "added.")),
        ("ag" + TAB, line_is(adapter, "agency")),
        (" l" + TAB, line_is(adapter, "agency list")),
        ("\r", shows(screen, "1 agency")),
        (UP, line_is(adapter, "agency list")),
        "\rquit\r",
        screen=screen,
    )
    shown = plain(screen.getvalue())
    assert "Agency FR-OCLCTIC added." in shown
    assert shown.count("1 agency") == 2  # agency list, completed from "ag l", then Up, Enter
    assert "^[[A" not in shown and "control character" not in shown


async def test_the_history_is_kept_between_sessions(
    chat: Chat, dispatcher: Dispatcher, tmp_path: Path
) -> None:
    history = tmp_path / "history"
    first = ConsoleAdapter(dispatcher, io.StringIO(), io.StringIO(), history=history)
    await typed(first, "whoami\r\x04")  # end of input (Ctrl-D) leaves too
    assert "+whoami" in history.read_text(encoding="utf-8").splitlines()
    screen = io.StringIO()
    second = ConsoleAdapter(dispatcher, io.StringIO(), io.StringIO(), history=history)
    await typed(second, f"{UP}\rquit\r", screen=screen)
    assert "Local administrator" in plain(screen.getvalue())  # whoami, from the last session


async def test_tab_completes_a_subcommand_and_a_code_from_the_database(
    chat: Chat, dispatcher: Dispatcher, tmp_path: Path
) -> None:
    screen = io.StringIO()
    adapter = ConsoleAdapter(dispatcher, io.StringIO(), io.StringIO(), history=tmp_path / "h")
    await typed(
        adapter,
        (AGENCY, shows(screen, "added.")),
        ("op ne" + TAB, line_is(adapter, "op new")),
        (" P-1 X --lead fr" + TAB, line_is(adapter, "op new P-1 X --lead FR-OCLCTIC")),
        "\rquit\r",
        screen=screen,
    )
    shown = plain(screen.getvalue())
    assert "Operation P-1 created." in shown
    assert "Lead: FR-OCLCTIC" in shown


async def test_ctrl_c_drops_the_line_being_typed(
    chat: Chat, dispatcher: Dispatcher, tmp_path: Path
) -> None:
    screen = io.StringIO()
    adapter = ConsoleAdapter(dispatcher, io.StringIO(), io.StringIO(), history=tmp_path / "h")
    await typed(adapter, "agency lis\x03whoami\rquit\r", screen=screen)
    shown = plain(screen.getvalue())
    assert "Local administrator" in shown
    assert "agencies" not in shown and "Unknown" not in shown


async def test_errors_and_tlp_labels_are_in_colour_on_a_colour_terminal(
    chat: Chat, dispatcher: Dispatcher, tmp_path: Path
) -> None:
    screen = io.StringIO()
    adapter = ConsoleAdapter(dispatcher, io.StringIO(), io.StringIO(), history=tmp_path / "h")
    keys = f'{AGENCY}op new P-1 "X" --lead FR-OCLCTIC --tlp RED\rop show P-2\rquit\r'
    await typed(adapter, keys, screen=screen)
    assert re.search(r"\x1b\[[0-9;]*31[0-9;]*mError: No operation P-2\.", screen.getvalue())
    assert re.search(r"\x1b\[[0-9;]*41[0-9;]*mTLP:RED", screen.getvalue())


async def test_a_terminal_without_colours_gets_the_words_alone(
    chat: Chat, dispatcher: Dispatcher, tmp_path: Path
) -> None:
    screen = io.StringIO()
    adapter = ConsoleAdapter(dispatcher, io.StringIO(), io.StringIO(), history=tmp_path / "h")
    with create_pipe_input() as keyboard:
        keyboard.send_text("op show P-2\rquit\r")
        await adapter.prompt(input=keyboard, output=terminal(screen, ColorDepth.DEPTH_1_BIT))
    assert not re.search(r"\x1b\[[0-9;]*31[0-9;]*mError", screen.getvalue())
    assert "Error: No operation P-2." in plain(screen.getvalue())


def test_only_the_label_and_error_lines_are_styled_and_no_word_changes() -> None:
    text = "\u200fTLP:AMBER+STRICT\nError: No agency XX.\nUsage: link AGENCY\n- a line"
    fragments = styled(text)
    assert "".join(t for _, t in fragments) == text + "\n"
    assert ("class:tlp-amber", "TLP:AMBER+STRICT") in fragments
    assert ("class:error", "Error: No agency XX.") in fragments
    assert ("", "- a line") in fragments
