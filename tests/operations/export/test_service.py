"""An operation's record for an export: the knowing policy decides each item, the timeline's
events as what they are about; an export is audited.

PANGEA-18 (AMBER) is led by FR-PN with US-FBI; DE-BKA is not in it (tests/operations/factories).
"""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from operations.audit import service as audit_service
from operations.enums import TLP, ResultKind
from operations.errors import NotFound
from operations.export import service as export_service
from operations.knowing import Viewer
from operations.result import service as result_service
from operations.status import service as status_service
from tests.conftest import START
from tests.operations.factories import Cast, make_operation, make_task, tx


async def _marked(session: AsyncSession, cast: Cast) -> None:
    async with tx(session):
        await make_task(session, cast.fr_coord, "PANGEA-18", "US-FBI", title="Open one")
        await make_task(session, cast.fr_coord, "PANGEA-18", "FR-PN", title="Red", tlp=TLP.RED)
        await status_service.post_status(
            session, actor=cast.fr_coord, code="PANGEA-18", text="Red news", tlp=TLP.RED, now=START
        )
        await result_service.record_result(
            session,
            actor=cast.us_coord,
            code="PANGEA-18",
            kind=ResultKind.ARRESTS,
            count=3,
            agency_code=None,
            preliminary=False,
            note=None,
            now=START,
        )


async def test_a_participant_reads_the_open_and_counts_the_red(
    session: AsyncSession, cast: Cast
) -> None:
    await _marked(session, cast)
    async with tx(session):
        record = await export_service.operation_record(
            session, actor=cast.us_liaison, code="PANGEA-18"
        )
    assert [t.title for t in record.tasks] == ["Open one"]
    assert (record.withheld_tasks, record.withheld_updates) == (1, 1)
    assert record.results is not None and record.result_list[0][0].count == 3
    refs = [s.subject for s in record.timeline]
    assert "task:PANGEA-18#1" in refs and "task:PANGEA-18#2" not in refs
    actions = [s.action for s in record.timeline]
    assert "status.post" not in actions and "result.add" in actions
    assert record.withheld_steps == 2  # the RED task's creation, the RED update's posting


async def test_in_a_group_chat_the_lead_reads_no_red(session: AsyncSession, cast: Cast) -> None:
    await _marked(session, cast)
    async with tx(session):
        alone = await export_service.operation_record(
            session, actor=cast.fr_coord, code="PANGEA-18"
        )
        group = await export_service.operation_record(
            session, actor=cast.fr_coord, code="PANGEA-18", viewer=Viewer(cast.fr.id)
        )
    assert len(alone.tasks) == 2 and not alone.withheld_steps
    assert [t.title for t in group.tasks] == ["Open one"] and group.withheld_tasks == 1


async def test_results_withheld_at_red_are_counted_and_their_events_too(
    session: AsyncSession, cast: Cast
) -> None:
    async with tx(session):
        await make_operation(
            session, cast.fr_coord, "RED-1", participants=["US-FBI"], tlp=TLP.RED, start=True
        )
        await result_service.record_result(
            session,
            actor=cast.us_coord,
            code="RED-1",
            kind=ResultKind.SEIZURES,
            count=9,
            agency_code=None,
            preliminary=True,
            note=None,
            now=START,
        )
        record = await export_service.operation_record(session, actor=cast.us_liaison, code="RED-1")
    assert record.results is None and record.withheld_results == 1 and not record.result_list
    assert "result.add" not in [s.action for s in record.timeline]
    assert record.withheld_steps == 1


async def test_an_agency_not_taking_part_is_told_it_does_not_exist(
    session: AsyncSession, cast: Cast
) -> None:
    with pytest.raises(NotFound):
        async with tx(session):
            await export_service.operation_record(session, actor=cast.de_coord, code="PANGEA-18")


async def test_an_export_is_audited_after_the_anchor_its_document_ends_with(
    session: AsyncSession, cast: Cast
) -> None:
    async with tx(session):
        record = await export_service.operation_record(
            session, actor=cast.fr_coord, code="PANGEA-18"
        )
        anchor = await export_service.anchor(session)
        seq = await export_service.record_export(
            session, actor=cast.fr_coord, record=record, kind="pdf", now=START
        )
    assert seq == anchor.seq + 1
    async with tx(session):
        assert (await audit_service.verify(session, anchor=anchor)).ok
