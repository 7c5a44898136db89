"""Results: recording, numbering, withdrawing, who may, the roll-up and who may read it.

PANGEA-18 is led by FR-PN (FR) with US-FBI (US) participating; DE-BKA is not in it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from operations.acting import Stance
from operations.actor import Actor
from operations.audit import service as audit_service
from operations.enums import TLP, ParticipationRole, ResultKind, Role
from operations.errors import Conflict, Invalid, InvalidTransition, NotFound, NotPermitted
from operations.knowing import Viewer
from operations.operation import service as operation_service
from operations.result import service
from operations.result.models import Result
from tests.conftest import START
from tests.operations.factories import Cast, audit_actions, make_member, make_operation

OP = "PANGEA-18"
ARRESTS, SEIZURES = ResultKind.ARRESTS, ResultKind.SEIZURES


async def record(
    session: AsyncSession,
    actor: Actor,
    kind: ResultKind = ARRESTS,
    count: int = 3,
    *,
    code: str = OP,
    **more: object,
) -> Result:
    async with session.begin():
        _operation, result = await service.record_result(
            session,
            actor=actor,
            code=code,
            kind=kind,
            count=count,
            now=START,
            **more,  # type: ignore[arg-type]
        )
        return result


async def withdraw(session: AsyncSession, actor: Actor, number: int, code: str = OP) -> Result:
    async with session.begin():
        _operation, result = await service.withdraw_result(
            session, actor=actor, code=code, number=number, now=START + timedelta(hours=1)
        )
        return result


async def test_results_are_numbered_in_the_operation_and_audited(
    session: AsyncSession, cast: Cast
) -> None:
    first = await record(session, cast.us_coord, note="Miami")
    second = await record(session, cast.fr_liaison, SEIZURES, 7, preliminary=True)
    assert (first.number, first.agency_id, first.count, first.note) == (1, cast.us.id, 3, "Miami")
    assert (second.number, second.agency_id, second.preliminary) == (2, cast.fr.id, True)
    assert (await audit_actions(session))[-2:] == ["result.add", "result.add"]
    async with session.begin():
        assert (await audit_service.verify(session)).ok


async def test_an_admin_records_for_a_named_agency(session: AsyncSession, cast: Cast) -> None:
    result = await record(session, cast.admin, agency_code="us-fbi")
    assert result.agency_id == cast.us.id
    with pytest.raises(Invalid) as caught:
        await record(session, cast.admin)  # the admin belongs to no agency
    assert (caught.value.field, caught.value.reason) == ("result_agency", "required")


@pytest.mark.parametrize(("count", "reason"), [(-1, "negative"), (10**9, "too_large")])
async def test_a_count_must_be_from_zero_to_the_maximum(
    session: AsyncSession, cast: Cast, count: int, reason: str
) -> None:
    with pytest.raises(Invalid) as caught:
        await record(session, cast.us_coord, count=count)
    assert (caught.value.field, caught.value.reason) == ("count", reason)
    assert (await record(session, cast.us_coord, count=0)).count == 0


async def test_who_may_record(session: AsyncSession, cast: Cast) -> None:
    # for another agency: refused to coordinators and liaisons, lead or not
    for actor, other in ((cast.us_coord, "FR-PN"), (cast.fr_coord, "US-FBI")):
        with pytest.raises(NotPermitted):
            await record(session, actor, agency_code=other)
    # observers and supervisors record nothing; an agency outside does not know the operation
    with pytest.raises(NotPermitted):
        await record(session, cast.fr_observer)
    with pytest.raises(NotPermitted):
        await record(session, cast.supervisor, agency_code="FR-PN")
    with pytest.raises(NotFound):
        await record(session, cast.de_coord)


async def test_an_observer_agency_records_nothing(session: AsyncSession, cast: Cast) -> None:
    async with session.begin():
        await operation_service.add_participant(
            session,
            actor=cast.admin,
            code=OP,
            agency_code="DE-BKA",
            role=ParticipationRole.OBSERVER,
            now=START,
        )
    with pytest.raises(NotPermitted):
        await record(session, cast.de_coord)
    with pytest.raises(Invalid) as caught:
        await record(session, cast.admin, agency_code="DE-BKA")
    assert caught.value.reason == "observer"


async def test_withdrawing_once_by_the_agency_or_an_admin(
    session: AsyncSession, cast: Cast
) -> None:
    await record(session, cast.us_liaison)
    await record(session, cast.us_liaison)
    with pytest.raises(NotPermitted):  # not their agency's
        await withdraw(session, cast.fr_coord, 1)
    withdrawn = await withdraw(session, cast.us_coord, 1)
    assert withdrawn.withdrawn_at == START + timedelta(hours=1)
    assert withdrawn.withdrawn_by_id == cast.us_coord.member_id
    with pytest.raises(Conflict):
        await withdraw(session, cast.us_coord, 1)
    with pytest.raises(NotFound):
        await withdraw(session, cast.us_coord, 3)
    await withdraw(session, cast.admin, 2)
    assert (await audit_actions(session))[-2:] == ["result.withdraw", "result.withdraw"]
    async with session.begin():
        assert (await audit_service.verify(session)).ok
        rows = list(await session.scalars(select(Result)))
    assert len(rows) == 2  # withdrawn, never deleted


async def test_the_rollup_per_country_and_agency(session: AsyncSession, cast: Cast) -> None:
    await record(session, cast.us_coord, ARRESTS, 5)
    await record(session, cast.us_coord, ARRESTS, 2, preliminary=True)
    await record(session, cast.us_coord, SEIZURES, 9)
    await record(session, cast.fr_coord, ARRESTS, 4)
    await record(session, cast.fr_coord, ARRESTS, 100)
    await withdraw(session, cast.fr_coord, 5)
    async with session.begin():
        report = await service.report(session, actor=cast.fr_coord, code=OP)
    assert [(c.country, [a.code for a in c.agencies]) for c in report.countries] == [
        ("FR", ["FR-PN"]),
        ("US", ["US-FBI"]),
    ]
    assert report.countries[1].figures == {ARRESTS: (5, 2), SEIZURES: (9, 0)}
    assert list(report.totals) == [ARRESTS, SEIZURES]  # the kinds' order
    assert report.totals == {ARRESTS: (9, 2), SEIZURES: (9, 0)}
    assert [r.number for r, _author in report.latest] == [4, 3, 2, 1]
    assert report.withheld == 0


@pytest.mark.parametrize(
    ("tlp", "readers"),
    [
        # (reader, stance, may read): lead member, participant member, observer agency member
        (TLP.AMBER, (True, True, True)),
        (TLP.AMBER_STRICT, (True, True, False)),
        (TLP.RED, (True, False, False)),
    ],
)
async def test_who_may_read_the_results(
    session: AsyncSession, cast: Cast, tlp: TLP, readers: tuple[bool, bool, bool]
) -> None:
    await make_operation(session, cast.fr_coord, "HYDRA-2", participants=["US-FBI"], tlp=tlp)
    async with session.begin():
        await operation_service.add_participant(
            session,
            actor=cast.admin,
            code="HYDRA-2",
            agency_code="DE-BKA",
            role=ParticipationRole.OBSERVER,
            now=START,
        )
    await record(session, cast.us_coord, code="HYDRA-2")
    for actor, may in zip((cast.fr_liaison, cast.us_liaison, cast.de_coord), readers, strict=True):
        async with session.begin():
            report = await service.report(session, actor=actor, code="HYDRA-2")
        assert (report.withheld == 0) is may, (actor.name, tlp)
        assert bool(report.totals) is may
        assert bool(report.latest) is may
    # a group chat never reads RED, even the lead agency's; supervisors read all in private
    async with session.begin():
        group = await service.report(
            session, actor=cast.fr_coord, code="HYDRA-2", viewer=Viewer(cast.fr.id)
        )
        supervisor = await service.report(session, actor=cast.supervisor, code="HYDRA-2")
    assert (group.withheld == 1) is (tlp == TLP.RED)
    assert supervisor.totals


async def test_totals_follow_the_lens(session: AsyncSession, cast: Cast) -> None:
    await record(session, cast.us_coord, count=4)
    observer = await make_member(session, cast.admin, "US-FBI", Role.OBSERVER)
    async with session.begin():
        operation = await operation_service.get_operation(session, actor=observer, code=OP)
        lens = await operation_service.lens(
            session, viewer=Viewer(observer.agency_id, observer.role), operation=operation
        )
        assert lens.stance == Stance.PARTICIPANT
        assert await service.totals(session, operation=operation, lens=lens) == (
            {ARRESTS: (4, 0)},
            0,
        )


async def test_a_closed_operation_takes_no_result(session: AsyncSession, cast: Cast) -> None:
    await record(session, cast.us_coord)
    async with session.begin():
        await operation_service.change_status(
            session, actor=cast.admin, code=OP, action="close", now=START
        )
    with pytest.raises(InvalidTransition):
        await record(session, cast.us_coord)
    with pytest.raises(InvalidTransition):
        await withdraw(session, cast.us_coord, 1)
