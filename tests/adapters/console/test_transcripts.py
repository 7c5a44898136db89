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
from bot.dispatcher import Dispatcher
from tests.conftest import Chat

TRANSCRIPTS = sorted((Path(__file__).parent / "transcripts").glob("*.txt"))


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
