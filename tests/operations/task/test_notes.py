"""Task notes (who may add them, who hears of them) and a task's record (notes, history)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from operations import events
from operations.actor import Actor
from operations.audit import service as audit_service
from operations.enums import TLP, Priority
from operations.errors import Invalid, NotFound, NotPermitted
from operations.events import EventKind
from operations.knowing import Verdict
from operations.task import notes, service
from operations.task.models import Task, TaskNote
from tests.conftest import START
from tests.operations.factories import Cast, make_task

OP = "PANGEA-18"
LATER = START + timedelta(hours=2)


async def note(
    session: AsyncSession, actor: Actor, number: int, text: str = "Van seen at gate 3"
) -> tuple[Task, TaskNote, list[events.Event]]:
    events.take(session)  # what the factories emitted
    async with session.begin():
        task, added = await notes.add_note(
            session, actor=actor, code=OP, number=number, text=text, now=LATER
        )
        return task, added, events.take(session)


async def test_a_note_is_stored_audited_and_told_to_the_assignee_and_the_lead(
    session: AsyncSession, cast: Cast
) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI")
    task, added, emitted = await note(session, cast.us_liaison, 1)
    assert (added.task_id, added.text, added.author_id) == (
        task.id,
        "Van seen at gate 3",
        cast.us_liaison.member_id,
    )
    [event] = emitted
    assert event.kind == EventKind.TASK_NOTED
    assert event.detail["note"] == "Van seen at gate 3"
    async with session.begin():
        assert await events.audience(session, event) == {
            cast.fr.id: Verdict.FULL,
            cast.us.id: Verdict.FULL,
        }
        assert (await audit_service.verify(session)).ok


async def test_a_red_tasks_note_reaches_no_group_but_a_notice_to_the_assignee(
    session: AsyncSession, cast: Cast
) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI", tlp=TLP.RED)
    _task, _note, [event] = await note(session, cast.us_coord, 1, "Informant: J. Doe")
    async with session.begin():
        assert await events.audience(session, event) == {
            cast.fr.id: Verdict.WITHHELD,
            cast.us.id: Verdict.NOTICE,
        }


async def test_who_may_add_a_note(session: AsyncSession, cast: Cast) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI")
    await make_task(session, cast.fr_coord, OP, "FR-PN")
    with pytest.raises(NotPermitted):  # a liaison of another agency than the assignee
        await note(session, cast.fr_liaison, 1)
    with pytest.raises(NotPermitted):
        await note(session, cast.fr_observer, 1)
    with pytest.raises(NotPermitted):  # a participant's coordinator, on the lead's task
        await note(session, cast.us_coord, 2)
    with pytest.raises(NotFound):  # an agency outside the operation
        await note(session, cast.de_coord, 1)
    await note(session, cast.fr_coord, 1)  # the lead's coordinators: any task


async def test_an_empty_note_is_refused(session: AsyncSession, cast: Cast) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI")
    with pytest.raises(Invalid):
        await note(session, cast.us_coord, 1, "   ")


async def test_the_record_has_the_notes_and_the_history(session: AsyncSession, cast: Cast) -> None:
    await make_task(session, cast.fr_coord, OP, "US-FBI", due_at=START + timedelta(days=1))
    await note(session, cast.us_liaison, 1, "First")
    await note(session, cast.us_coord, 1, "Second")
    async with session.begin():
        await service.edit_task(
            session, actor=cast.fr_coord, code=OP, number=1, priority=Priority.URGENT, now=LATER
        )
        record = await notes.task_record(session, actor=cast.us_liaison, code=OP, number=1)
    assert [(n.text, author) for n, author in record.notes] == [
        ("First", "liaison of US-FBI"),
        ("Second", "coordinator of US-FBI"),
    ]
    assert [s.action for s in record.history] == ["task.add", "task.note", "task.note", "task.edit"]
    assert record.history[0].actor == "coordinator of FR-PN (FR-PN)"
    assert record.history[0].details["to"] == "US-FBI"
    assert "digests" not in record.history[0].details
    assert record.history[-1].details["priority"] == {"from": "normal", "to": "urgent"}
    with pytest.raises(NotFound):  # need-to-know: an outsider does not learn it exists
        async with session.begin():
            await notes.task_record(session, actor=cast.de_coord, code=OP, number=1)
