"""Console transcripts: each file is a conversation at the prompt, exactly as printed.

Lines starting with "> " are what the local administrator typed; everything else is what
jointops answered. The test types the commands into the real console adapter (real
dispatcher, real database, clock fixed at 2026-11-26 10:00 UTC) and compares the whole output.
Run with JOINTOPS_UPDATE_TRANSCRIPTS=1 to rewrite them after a deliberate change, then read
the diff.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from adapters.console.adapter import ConsoleAdapter
from bot.clock import FakeClock
from bot.demo import seed_demo
from bot.dispatcher import Dispatcher
from tests.conftest import Chat

TRANSCRIPTS = sorted((Path(__file__).parent / "transcripts").glob("*.txt"))
README = Path(__file__).resolve().parents[3] / "README.md"


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
async def test_transcript(path: Path, chat: Chat, dispatcher: Dispatcher) -> None:
    expected = path.read_text(encoding="utf-8")
    typed = [line[2:] for line in expected.splitlines() if line.startswith("> ")]
    out = io.StringIO()
    adapter = ConsoleAdapter(dispatcher, io.StringIO("\n".join(typed) + "\n"), out)
    await adapter.run(interactive=False)
    if os.environ.get("JOINTOPS_UPDATE_TRANSCRIPTS"):
        path.write_text(out.getvalue(), encoding="utf-8")
    echoed = [line for line in out.getvalue().splitlines() if line.startswith("> ")]
    assert echoed == [f"> {line}" for line in typed], "a reply line looks like a typed command"
    assert out.getvalue() == expected


def first_session() -> list[str]:
    """The commands of the README's "A first session", as a newcomer types them."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## A first session", 1)[1].split("\n## ", 1)[0]
    return [
        line[len("jointops> ") :] for line in section.splitlines() if line.startswith("jointops> ")
    ]


async def test_the_readmes_first_session_runs_after_the_demo(
    chat: Chat, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    """The quick start in the order written: `make demo`, then the first session, typed at
    the console: no line is refused."""
    assert (await seed_demo(dispatcher, clock)).loaded
    typed = first_session()
    assert len(typed) >= 10
    out = io.StringIO()
    await ConsoleAdapter(dispatcher, io.StringIO("\n".join(typed) + "\n"), out).run(
        interactive=False
    )
    replies = out.getvalue().split("\n> ")
    assert len(replies) == len(typed)
    refused = [reply for reply in replies if "\nError: " in reply]
    assert refused == []
    assert "join " in replies[-1]  # the invite's code, as the README says
