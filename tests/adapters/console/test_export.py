"""export at the console: the file is written under ./exports/ and the reply says where."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.console.adapter import ConsoleAdapter
from bot.dispatcher import Dispatcher
from tests.conftest import Chat
from tests.export_helpers import anchor_in, read_pdf, verifies


async def test_the_file_is_written_to_exports_and_its_path_said(
    dispatcher: Dispatcher,
    chat: Chat,
    tmp_path: Path,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    console = ConsoleAdapter(dispatcher, io.StringIO(), io.StringIO(), exports=tmp_path / "exports")
    for line in (
        'agency add FR-OCLCTIC "OCLCTIC" --country FR --tz Europe/Paris',
        'op new PANGEA-18 "Illicit pharmacies" --lead FR-OCLCTIC',
        'task add PANGEA-18 "Raid warehouse 4" --to FR-OCLCTIC',
    ):
        await console.handle(line)
    printed = await console.handle("export PANGEA-18 --format md")
    [written] = list((tmp_path / "exports").iterdir())
    assert printed.splitlines()[-1] == f"Saved as {written}."
    assert written.name.startswith("PANGEA-18-") and written.suffix == ".md"
    text = written.read_text()
    assert "Raid warehouse 4" in text
    assert await verifies(sessions, anchor_in(text.splitlines()[-1]))

    printed = await console.handle("export PANGEA-18")
    pdf = next((tmp_path / "exports").glob("*.pdf"))
    assert str(pdf) in printed
    assert read_pdf(pdf.read_bytes()).pages >= 2


async def test_a_refused_export_writes_nothing(
    dispatcher: Dispatcher, chat: Chat, tmp_path: Path
) -> None:
    console = ConsoleAdapter(dispatcher, io.StringIO(), io.StringIO(), exports=tmp_path / "x")
    printed = await console.handle("export NOPE-1 --format pdf")
    assert printed.startswith("Error:")
    assert not (tmp_path / "x").exists()
