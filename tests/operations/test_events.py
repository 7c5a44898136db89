"""Who hears what: every event x every marking x every kind of agency, against the design."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from operations import events
from operations.acting import Stance
from operations.agency import service as agency_service
from operations.agency.models import Agency
from operations.enums import TLP, ParticipationRole, TaskStatus
from operations.events import Event, EventKind
from operations.knowing import Carrier, Reader, Verdict
from operations.operation import service as operation_service
from operations.status.models import StatusUpdate
from operations.task.models import Task
from tests.conftest import START
from tests.operations.factories import Cast, make_agency, make_cast, make_task, tx
from tests.operations.test_knowing import design

TASK_HEARERS = {"US-FBI"}  # the assignee
TASK_AND_LEAD = {"US-FBI", "FR-PN"}
# DESIGN.md § Delivery and the README's table, by hand: which agencies each event concerns
HEARD_BY = {
    EventKind.TASK_ADDED: TASK_HEARERS,
    EventKind.TASK_REASSIGNED: {"US-FBI", "SG-SPF"},  # new and former assignee
    EventKind.TASK_RESCHEDULED: TASK_HEARERS,
    EventKind.TASK_BLOCKED: TASK_AND_LEAD,
    EventKind.TASK_DONE: TASK_AND_LEAD,
    EventKind.TASK_REOPENED: TASK_AND_LEAD,
    EventKind.TASK_CANCELLED: TASK_AND_LEAD,
    EventKind.TASK_NOTED: TASK_AND_LEAD,  # task note
    EventKind.TASK_EDITED: TASK_AND_LEAD,  # task edit
    EventKind.TASK_REMINDER: TASK_HEARERS,
    EventKind.STATUS_POSTED: {"FR-PN", "US-FBI", "SG-SPF", "IT-CC"},  # every agency taking part
    EventKind.CADENCE_DUE: {"FR-PN"},
    EventKind.DELIVERY_FAILED: {"FR-PN"},
    EventKind.CLOSED_TASKS: {"US-FBI"},  # the agency it is addressed to (one per agency)
    EventKind.OPERATION_CLOSED: {"FR-PN", "US-FBI", "SG-SPF", "IT-CC"},  # the final summary
    EventKind.ENDS_PASSED: {"FR-PN"},
    EventKind.ACK_CHASE: {"US-FBI"},  # the agency that has not acknowledged (one per agency)
    EventKind.ACK_MISSING: {"FR-PN"},  # the lead, told who is still missing
}
STANCES = {
    "FR-PN": Stance.LEAD,
    "US-FBI": Stance.PARTICIPANT,
    "SG-SPF": Stance.PARTICIPANT,
    "IT-CC": Stance.OBSERVER,
}


@pytest.fixture
async def world(session: AsyncSession) -> tuple[Cast, Task, dict[int, str]]:
    """PANGEA-18: FR-PN leads, US-FBI and SG-SPF take part, IT-CC observes, DE-BKA is out."""
    cast = await make_cast(session)
    for code, role in (("SG-SPF", ParticipationRole.PARTICIPANT), ("IT-CC", "observer")):
        await make_agency(session, cast.admin, code)
        async with tx(session):
            await operation_service.add_participant(
                session,
                actor=cast.admin,
                code="PANGEA-18",
                agency_code=code,
                role=ParticipationRole(role),
                now=START,
            )
    task = await make_task(session, cast.fr_coord, "PANGEA-18", "US-FBI")
    codes = {a.id: a.code for a in (cast.fr, cast.us, cast.de)}
    async with tx(session):
        for code in ("SG-SPF", "IT-CC"):
            codes[(await _agency_id(session, code))] = code
    return cast, task, codes


async def _agency_id(session: AsyncSession, code: str) -> int:
    return (await agency_service.get_agency(session, code=code)).id


def expected(kind: EventKind, tlp: TLP) -> dict[str, Verdict]:
    carrier = events.CARRIES[kind]
    verdicts = {}
    for code in HEARD_BY[kind]:
        assignee = carrier == Carrier.TASK and code == "US-FBI"
        if carrier is None or design(tlp, carrier, Reader.group(STANCES[code], assignee=assignee)):
            verdicts[code] = Verdict.FULL
        elif tlp == TLP.RED and assignee:
            verdicts[code] = Verdict.NOTICE  # "at most a content-free notice"
        else:
            verdicts[code] = Verdict.WITHHELD
    return verdicts


@pytest.mark.parametrize("tlp", list(TLP))
@pytest.mark.parametrize("kind", list(EventKind))
async def test_every_event_reaches_exactly_the_chats_the_design_allows(
    session: AsyncSession, world: tuple[Cast, Task, dict[int, str]], kind: EventKind, tlp: TLP
) -> None:
    cast, task, codes = world
    async with tx(session):
        sg = await _agency_id(session, "SG-SPF")
        previous = await session.get(Agency, sg)
        task.tlp = tlp
        update = StatusUpdate(
            operation_id=cast.op.id, author_id=1, text="x", tlp=tlp, created_at=START
        )
        event = Event(
            kind,
            cast.op,
            "key",
            task=task,
            status=update,
            previous=previous,
            before=TaskStatus.OPEN,
            addressee=cast.us.id,
        )
        heard = await events.audience(session, event)
    assert {codes[a]: v for a, v in heard.items()} == expected(kind, tlp)


@pytest.mark.parametrize("kind", list(EventKind))
def test_every_event_kind_fits_the_deliveries_kind_column(kind: EventKind) -> None:
    from operations.delivery.models import Delivery

    assert len(kind.value) <= Delivery.__table__.c.kind.type.length  # PostgreSQL enforces it
