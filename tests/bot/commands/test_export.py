"""export: the operation's record as a file, redacted to what the asker may read, in their
language and timezone, ending with an audit anchor the chain verifies.

PANGEA-18 (AMBER) is led by FR-OCLCTIC with ES-UCO; US-FDA joins it as an observer here.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.reply import Tone
from bot.runtime import LOCAL_ADMIN
from operations.audit.chain import Anchor
from operations.delivery.models import FAILED, SENT, Delivery
from operations.knowing import Viewer
from operations.operation import queries as operation_queries
from operations.operation import service as operation_service
from operations.status import queries as status_queries
from operations.status import service as status_service
from tests.bot.conftest import World
from tests.bot.helpers import audit_actions, db_state, ok, refused
from tests.conftest import Person
from tests.export_helpers import anchor_in, read_csv, read_pdf, verifies
from tests.operations.factories import actor_of


async def marked_operation(world: World) -> Person:
    """Tasks and updates of every marking, results and an observer agency; returns the
    lead's coordinator (reads English)."""
    admin = world.admin
    await ok(admin, "op join PANGEA-18 US-FDA --role observer")
    lead = await world.member("coordinator", "FR-OCLCTIC", reads="en")
    await ok(lead, 'task add PANGEA-18 "Seize the servers" --to ES-UCO --tlp AMBER+STRICT')
    await ok(lead, 'task add PANGEA-18 "Arrest the kingpin" --to FR-OCLCTIC --tlp RED')
    await ok(lead, "task start PANGEA-18#2")
    await ok(lead, 'status PANGEA-18 "Phase 2 started" --ack')
    await ok(lead, 'status PANGEA-18 "Informant Rosa is inside" --tlp RED')
    await ok(lead, 'result PANGEA-18 arrests 12 "Lyon, Marseille"')
    await ok(admin, "result PANGEA-18 seizures 40 --agency ES-UCO --preliminary")
    return lead


async def export(person: Person, line: str) -> bytes:
    reply = await ok(person, line)
    assert reply.private, "an export is for the asker alone"
    assert reply.attachment is not None
    return reply.attachment.data


async def test_markdown_holds_the_whole_record_and_ends_with_a_verified_anchor(
    world: World,
) -> None:
    lead = await marked_operation(world)
    before = await db_state(world.chat.dispatcher.sessions)
    reply = await ok(lead, "export PANGEA-18 --format md", "Export of PANGEA-18 (MD).")
    assert reply.attachment is not None
    assert reply.attachment.filename.startswith("PANGEA-18-")
    assert reply.attachment.filename.endswith(".md")
    assert reply.attachment.media_type.startswith("text/markdown")
    text = reply.attachment.data.decode()
    for shown in (
        "Raid warehouse 4",  # tasks, the lead reads every marking
        "Seize the servers",
        "Arrest the kingpin",
        "Phase 2 started",  # status updates
        "Informant Rosa is inside",
        "arrests: 12",  # results
        "seizures: 40 (preliminary)",
        "created the operation",  # the timeline
        "PANGEA-18\\#2: open → in progress",
        "posted status update \\#1",
    ):
        assert shown in text, shown
    assert "withheld" not in text
    last = text.rstrip("\n").splitlines()[-1]
    anchor = anchor_in(last)
    assert str(anchor) in reply.lines[-1]
    assert await verifies(world.chat.dispatcher.sessions, anchor)
    # the export is audited, and pinned by the anchor's head, after it
    after = await db_state(world.chat.dispatcher.sessions)
    assert await audit_actions(world.chat.dispatcher.sessions, after=before.audit_chain) == [
        "operation.export"
    ]
    assert anchor.seq == before.audit_chain
    assert not await verifies(world.chat.dispatcher.sessions, Anchor("0" * 64, anchor.seq))
    assert after.counts == {**before.counts, "audit_event": before.counts["audit_event"] + 1}


async def test_an_observer_reads_what_its_marking_lets_it_the_rest_withheld_and_counted(
    world: World,
) -> None:
    await marked_operation(world)
    observer = await world.member("coordinator", "US-FDA", reads="en")
    text = (await export(observer, "export PANGEA-18 --format md")).decode()
    assert "Raid warehouse 4" in text and "Phase 2 started" in text  # AMBER
    assert "Seize the servers" not in text  # AMBER+STRICT: the assignee and the lead only
    assert "Arrest the kingpin" not in text  # RED
    assert "Informant Rosa" not in text
    assert "2 tasks withheld by their TLP marking." in text
    assert "1 update withheld by its TLP marking." in text
    assert "PANGEA-18\\#3" not in text and "PANGEA-18\\#4" not in text  # nor in the timeline
    assert "events withheld by the TLP marking of what they are about." in text
    assert "arrests: 12" in text  # results at AMBER: observers read them
    reply = observer.reply
    assert "2 tasks withheld by their TLP marking." in " ".join(reply.lines)


async def test_csv_has_a_row_per_task_then_the_results(world: World) -> None:
    lead = await marked_operation(world)
    observer = await world.member("coordinator", "US-FDA", reads="en")
    sections, last = read_csv(await export(observer, "export PANGEA-18 --format csv"))
    header, *tasks = sections["Tasks"]
    assert header[:4] == ["Task", "Title", "Assigned to", "Status"]
    assert [row[0] for row in tasks] == [
        "PANGEA-18#1",
        "PANGEA-18#2",
        "2 tasks withheld by their TLP marking.",
    ]
    results = sections["Results"]
    assert [row[3] for row in results[1:]] == ["arrests: 12", "seizures: 40 (preliminary)"]
    assert [row[2] for row in results[1:]] == ["France", "Spain"]
    assert await verifies(world.chat.dispatcher.sessions, anchor_in(last[-1]))
    sections, _ = read_csv(await export(lead, "export PANGEA-18 --format csv"))
    assert len(sections["Tasks"]) == 1 + 4  # the lead reads all four


async def test_a_cell_that_a_spreadsheet_would_run_is_kept_as_text(world: World) -> None:
    lead = await world.member("coordinator", "FR-OCLCTIC", reads="en")
    await ok(lead, 'task add PANGEA-18 "=HYPERLINK(1)" --to ES-UCO')
    sections, _ = read_csv(await export(lead, "export PANGEA-18 --format csv"))
    assert sections["Tasks"][-1][1].startswith("'=HYPERLINK")


async def test_pdf_has_pages_charts_and_the_anchor_last(world: World) -> None:
    lead = await marked_operation(world)
    reply = await ok(lead, "export PANGEA-18")  # pdf by default
    assert reply.attachment is not None and reply.attachment.media_type == "application/pdf"
    pdf = read_pdf(reply.attachment.data)
    assert pdf.pages >= 2
    assert pdf.first_page_images == 2  # tasks by agency and state; results by country
    assert "Arrest the kingpin" in pdf.text
    assert await verifies(world.chat.dispatcher.sessions, anchor_in(pdf.last_line))


async def test_a_french_reader_gets_it_in_french_and_in_their_timezone(world: World) -> None:
    await marked_operation(world)
    french = await world.member("liaison", "FR-OCLCTIC")  # FR-OCLCTIC reads French
    text = (await export(french, "export PANGEA-18 --format md")).decode()
    assert "## Tâches" in text
    assert "arrestations : 12" in text or "arrestations\u202f: 12" in text, text
    assert "CET" in text  # Europe/Paris, as the agency's timezone writes it
    assert text.splitlines()[-1].startswith("Ancre d'audit : ")
    assert french.reply.title == "Export de PANGEA-18 (MD)."
    assert "a créé l'opération" in text  # the timeline too


async def test_an_arabic_reader_gets_a_pdf(world: World) -> None:
    await marked_operation(world)
    arabic = await world.member("coordinator", "AE-DXB")  # not taking part
    await refused(arabic, "export PANGEA-18", "PANGEA-18")
    await ok(world.admin, "op join PANGEA-18 AE-DXB")
    pdf = read_pdf(await export(arabic, "export PANGEA-18"))
    assert pdf.pages >= 2
    assert "Raid warehouse 4" in pdf.text


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("export PANGEA-18 --format xls", ("xls", "md, csv, pdf")),
        ("export NOPE-1", ("NOPE-1",)),
        ("export SECRET-9", ("SECRET-9",)),  # FR-OCLCTIC does not take part: as if it did not exist
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(
    world: World, line: str, words: tuple[str, ...]
) -> None:
    lead = await world.member("coordinator", "FR-OCLCTIC", reads="en")
    reply = await refused(lead, line, *words, command="export")
    assert reply.attachment is None


async def test_refused_in_the_readers_language(world: World) -> None:
    french = await world.member("coordinator", "FR-OCLCTIC")
    reply = await refused(french, "export PANGEA-18 --format docx", "docx", "md, csv, pdf")
    assert reply.tone == Tone.ERROR and reply.language == "fr"
    assert "docx" in reply.title and "Export" not in reply.title


async def test_a_stranger_may_not_export(world: World) -> None:
    stranger = world.stranger()
    await stranger.says("export PANGEA-18")
    assert stranger.reply.tone == Tone.ERROR and stranger.reply.attachment is None


async def test_asked_in_a_group_it_is_still_read_as_the_person(world: World) -> None:
    """An export is private: in a group chat it is read as the asker in private (the adapters
    send it there), so a RED task the asker may read is in it."""
    await marked_operation(world)
    lead = await world.member("coordinator", "FR-OCLCTIC", reads="en")
    lead.private_chat = False
    text = (await export(lead, "export PANGEA-18 --format md")).decode()
    assert "Arrest the kingpin" in text


async def _acked_updates(world: World, numbers: range) -> None:
    """Status updates asking for acks, to FR-OCLCTIC's and ES-UCO's linked rooms; ES-UCO
    acknowledges the odd ones; FR's messages are sent, ES's failed, every other RED."""
    for agency in ("FR-OCLCTIC", "ES-UCO"):
        room = await world.member("liaison", agency, reads="en")
        if room.chat_id != f"room-{agency}":
            room.chat_id, room.private_chat = f"room-{agency}", False
            await ok(room, f"link {agency}")
    for n in numbers:
        red = " --tlp RED" if n % 4 == 3 else ""
        await ok(world.admin, f'status PANGEA-18 "Update {n}" --ack{red}')
        if n % 2 and not red:
            await ok(world.members[("liaison", "ES-UCO")], f"ack PANGEA-18 {n}")
    async with world.chat.dispatcher.sessions() as s:
        for chat, values in (
            ("room-FR-OCLCTIC", {"state": SENT, "sent_at": world.clock.now()}),
            ("room-ES-UCO", {"state": FAILED, "last_error": "chat not found"}),
        ):
            await s.execute(
                update(Delivery)
                .where(Delivery.chat_id == chat, Delivery.kind == "status")
                .values(**values)
            )
        await s.commit()


async def _statements(engine: AsyncEngine, person: Person, line: str) -> int:
    """How many SQL statements the command ran."""
    seen: list[str] = []

    def counted(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", counted)
    try:
        await export(person, line)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", counted)
    return len(seen)


async def test_an_export_reads_the_acknowledgements_of_all_its_updates_at_once(
    world: World, engine: AsyncEngine
) -> None:
    await _acked_updates(world, range(1, 3))
    lead = await world.member("coordinator", "FR-OCLCTIC", reads="en")
    few = await _statements(engine, lead, "export PANGEA-18 --format md")
    await _acked_updates(world, range(3, 21))
    many = await _statements(engine, lead, "export PANGEA-18 --format md")
    assert many == few, (few, many)  # 2 updates or 20: the same statements
    text = (await export(lead, "export PANGEA-18 --format md")).decode()
    assert "Update 20" in text


async def test_acknowledgements_read_together_are_those_read_one_by_one(world: World) -> None:
    await _acked_updates(world, range(1, 9))
    async with world.chat.dispatcher.sessions() as s:
        platform, workspace, user = LOCAL_ADMIN
        admin = await actor_of(s, platform=platform, workspace=workspace, external_id=user)
        operation = await operation_service.get_operation(s, actor=admin, code="PANGEA-18")
        es = await operation_queries.participations(s, operation.id)
        [es_uco] = [p.agency_id for p in es if p.agency.code == "ES-UCO"]
        for viewer in (Viewer(None, admin.role), Viewer(es_uco)):  # ES-UCO's room reads no RED
            lens = await operation_service.lens(s, viewer=viewer, operation=operation)
            updates = [u for u, _ in await status_queries.latest(s, operation.id, limit=100)]
            together = await status_service.ack_reports(
                s, operation=operation, updates=updates, lens=lens
            )
            one_by_one = [
                await status_service.ack_report(
                    s, actor=admin, code="PANGEA-18", number=u.number, viewer=viewer
                )
                for u in updates
            ]
            shown = [(r.update, r.withheld, r.agencies) for r in together]
            assert shown == [(r.update, r.withheld, r.agencies) for r in one_by_one]
            assert any(r.withheld for r in together) == (viewer.person is None)
            assert {a.code for r in together for a in r.agencies} == {"ES-UCO", "FR-OCLCTIC"}
            assert any(a.failed for r in together for a in r.agencies)
            assert any(a.acknowledged_by for r in together for a in r.agencies)
