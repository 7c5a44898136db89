"""The audit trail: every change appends a hash-chained event; `verify` finds tampering."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from operations.agency import service as agency_service
from operations.audit import service
from operations.audit.models import AuditEvent, AuditHead
from operations.audit.queries import GENESIS
from operations.channel import service as channel_service
from operations.db import UTCDateTime
from operations.enums import Role
from operations.errors import Conflict
from operations.member import service as member_service
from operations.operation import service as operation_service
from operations.status import service as status_service
from operations.task import service as task_service
from operations.task.service import TaskAction
from tests.conftest import START
from tests.operations.factories import actor_of, make_admin, make_agency

Sessions = async_sessionmaker[AsyncSession]


async def events(sessions: Sessions) -> list[AuditEvent]:
    async with sessions() as s:
        return list(await s.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


async def verify(sessions: Sessions) -> service.Verification:
    """As `jointops audit verify` does: a fresh session that has seen nothing before."""
    async with sessions() as s:
        return await service.verify(s)


async def test_every_change_appends_one_event_naming_action_subject_and_actor(
    session: AsyncSession, sessions: Sessions
) -> None:
    log: list[tuple[str, str]] = []

    async def step(call: Callable[[], Awaitable[Any]], action: str, subject: str) -> Any:
        before = len(await events(sessions))
        async with session.begin():
            result = await call()
        new = (await events(sessions))[before:]
        assert [(e.action, e.subject) for e in new] == [(action, subject)]
        log.append((action, subject))
        return result

    s, now = session, START
    admin = await step(
        lambda: member_service.ensure_admin(
            s,
            platform="console",
            workspace="local",
            external_id="root",
            display_name="Root",
            now=now,
        ),
        "member.bootstrap_admin",
        "member:1",
    )
    async with session.begin():
        admin = await actor_of(s, platform="console", workspace="local", external_id="root")
    await step(
        lambda: agency_service.add_agency(
            s, actor=admin, code="FR-PN", name="PN", country="FR", timezone="Europe/Paris", now=now
        ),
        "agency.add",
        "agency:FR-PN",
    )
    await step(
        lambda: agency_service.add_agency(
            s, actor=admin, code="US-FBI", name="FBI", country="US", timezone="UTC", now=now
        ),
        "agency.add",
        "agency:US-FBI",
    )
    issued = await step(
        lambda: member_service.create_invite(
            s, actor=admin, agency_code="FR-PN", role=Role.COORDINATOR, now=now
        ),
        "invite.create",
        "invite:1",
    )
    await step(
        lambda: member_service.redeem_invite(
            s,
            code=issued.code,
            platform="slack",
            workspace="T1",
            external_id="U1",
            display_name="Claire",
            now=now,
        ),
        "invite.redeem",
        "invite:1",
    )
    async with session.begin():
        coord = await actor_of(s, platform="slack", workspace="T1", external_id="U1")
    await step(
        lambda: channel_service.link_channel(
            s,
            actor=coord,
            agency_code="FR-PN",
            platform="slack",
            workspace="T1",
            external_id="C1",
            title="ops",
            now=now,
        ),
        "channel.link",
        "channel:1",
    )
    await step(
        lambda: operation_service.create_operation(
            s, actor=coord, code="ZEUS-1", name="Z", now=now
        ),
        "operation.create",
        "operation:ZEUS-1",
    )
    await step(
        lambda: operation_service.add_participant(
            s, actor=coord, code="ZEUS-1", agency_code="US-FBI", now=now
        ),
        "operation.join",
        "operation:ZEUS-1",
    )

    def change(action: str) -> Callable[[], Awaitable[Any]]:
        return lambda: operation_service.change_status(
            s, actor=coord, code="ZEUS-1", action=action, now=now
        )

    def move(action: TaskAction) -> Callable[[], Awaitable[Any]]:
        return lambda: task_service.transition_task(
            s, actor=coord, code="ZEUS-1", number=1, action=action, reason="warrant", now=now
        )

    for action in ("start", "suspend", "resume"):
        await step(change(action), f"operation.{action}", "operation:ZEUS-1")
    await step(
        lambda: task_service.add_task(
            s, actor=coord, code="ZEUS-1", title="Seize", assignee_code="US-FBI", now=now
        ),
        "task.add",
        "task:ZEUS-1#1",
    )
    for task_action in (
        TaskAction.START,
        TaskAction.BLOCK,
        TaskAction.DONE,
        TaskAction.REOPEN,
        TaskAction.CANCEL,
    ):
        await step(move(task_action), f"task.{task_action}", "task:ZEUS-1#1")
    await step(
        lambda: task_service.transition_task(
            s, actor=coord, code="ZEUS-1", number=1, action=TaskAction.REOPEN, now=now
        ),
        "task.reopen",
        "task:ZEUS-1#1",
    )
    await step(
        lambda: task_service.assign_task(
            s, actor=coord, code="ZEUS-1", number=1, agency_code="FR-PN", now=now
        ),
        "task.assign",
        "task:ZEUS-1#1",
    )
    await step(
        lambda: task_service.reschedule_task(
            s, actor=coord, code="ZEUS-1", number=1, due_at=now + timedelta(days=1), now=now
        ),
        "task.due",
        "task:ZEUS-1#1",
    )
    await step(
        lambda: status_service.post_status(s, actor=coord, code="ZEUS-1", text="ok", now=now),
        "status.post",
        "operation:ZEUS-1",
    )
    await step(
        lambda: operation_service.change_status(
            s, actor=coord, code="ZEUS-1", action="close", now=now
        ),
        "operation.close",
        "operation:ZEUS-1",
    )

    chain = await events(sessions)
    assert [(e.action, e.subject) for e in chain] == log
    assert [e.seq for e in chain] == list(range(1, len(log) + 1))
    bootstrap, first_add, *_ = chain
    assert (bootstrap.actor, bootstrap.actor_id, bootstrap.platform) == ("system", None, "console")
    assert (first_add.actor, first_add.actor_id, first_add.platform) == (
        "Root",
        admin.member_id,
        "console",
    )
    by_coord = [e for e in chain if e.actor_id == coord.member_id]
    assert {e.actor for e in by_coord} == {"Claire (FR-PN)"}
    assert {e.platform for e in by_coord} == {"slack"}
    block = next(e for e in chain if e.action == "task.block")
    assert '"reason": "warrant"' in block.details
    assert all(e.at == START for e in chain)
    assert await verify(sessions) == service.Verification(checked=len(log))


async def test_refused_changes_and_reads_append_nothing(
    session: AsyncSession, sessions: Sessions
) -> None:
    admin = await make_admin(session)
    await make_agency(session, admin, "FR-PN")
    before = len(await events(sessions))
    with pytest.raises(Conflict):
        await make_agency(session, admin, "FR-PN")
    async with session.begin():
        await agency_service.list_agencies(session)
        await agency_service.get_agency(session, code="FR-PN")
    assert len(await events(sessions)) == before == 2


async def test_events_are_chained_from_genesis_and_the_head_names_the_last(
    session: AsyncSession, sessions: Sessions
) -> None:
    admin = await make_admin(session)
    for code in ("AA", "BB", "CC"):
        await make_agency(session, admin, code)
    chain = await events(sessions)
    assert chain[0].prev_hash == GENESIS
    assert [e.prev_hash for e in chain[1:]] == [e.hash for e in chain[:-1]]
    assert len({e.hash for e in chain}) == len(chain)
    async with sessions() as s:
        head = await s.get_one(AuditHead, 1)
    assert (head.seq, head.hash) == (chain[-1].seq, chain[-1].hash)


# -- tampering ------------------------------------------------------------------------------


@pytest.fixture
async def chain(session: AsyncSession) -> int:
    """Six events: the bootstrap admin and five agencies. Returns the last seq."""
    admin = await make_admin(session)
    for code in ("AA", "BB", "CC", "DD", "EE"):
        await make_agency(session, admin, code)
    return 6


async def tamper(sessions: Sessions, sql: str, **params: Any) -> None:
    async with sessions() as s, s.begin():
        await s.execute(text(sql), params)


async def test_an_intact_chain_verifies(sessions: Sessions, chain: int) -> None:
    result = await verify(sessions)
    assert result.ok
    assert (result.checked, result.broken_seq, result.reason) == (chain, None, None)


async def test_an_empty_chain_verifies(sessions: Sessions) -> None:
    result = await verify(sessions)
    assert result.ok and result.checked == 0


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("details", '{"name": "Someone else"}'),
        ("action", "agency.remove"),
        ("subject", "agency:ZZ"),
        ("actor", "Mallory"),
        ("platform", "slack"),
    ],
)
async def test_an_event_edited_in_the_database_is_found(
    sessions: Sessions, chain: int, column: str, value: str
) -> None:
    await tamper(sessions, f"UPDATE audit_event SET {column} = :value WHERE seq = 3", value=value)
    result = await verify(sessions)
    assert not result.ok
    assert (result.broken_seq, result.reason, result.checked) == (3, "altered", 2)


async def test_an_event_whose_time_was_changed_is_found(sessions: Sessions, chain: int) -> None:
    async with sessions() as s, s.begin():
        await s.execute(
            text("UPDATE audit_event SET at = :at WHERE seq = 4").bindparams(
                bindparam("at", type_=UTCDateTime())
            ),
            {"at": START - timedelta(days=1)},
        )
    result = await verify(sessions)
    assert (result.broken_seq, result.reason) == (4, "altered")


async def test_an_event_whose_actor_id_was_changed_is_found(sessions: Sessions, chain: int) -> None:
    await tamper(sessions, "UPDATE audit_event SET actor_id = 99 WHERE seq = 2")
    assert (await verify(sessions)).broken_seq == 2


@pytest.mark.parametrize("seq", [1, 3, 5])
async def test_a_deleted_event_is_found(sessions: Sessions, chain: int, seq: int) -> None:
    await tamper(sessions, "DELETE FROM audit_event WHERE seq = :seq", seq=seq)
    result = await verify(sessions)
    assert not result.ok
    assert (result.broken_seq, result.reason, result.checked) == (seq, "missing", seq - 1)


async def test_a_deleted_last_event_is_found_by_the_head(sessions: Sessions, chain: int) -> None:
    await tamper(sessions, "DELETE FROM audit_event WHERE seq = :seq", seq=chain)
    result = await verify(sessions)
    assert not result.ok
    assert (result.broken_seq, result.reason, result.checked) == (chain, "tail", chain - 1)


async def test_deleting_the_last_events_is_found_by_the_head(
    sessions: Sessions, chain: int
) -> None:
    await tamper(sessions, "DELETE FROM audit_event WHERE seq >= 4")
    result = await verify(sessions)
    assert (result.broken_seq, result.reason, result.checked) == (4, "tail", 3)


SWAPPED = {
    "payload": ("at", "actor_id", "actor", "platform", "action", "subject", "details"),
    "whole events": (
        "at",
        "actor_id",
        "actor",
        "platform",
        "action",
        "subject",
        "details",
        "prev_hash",
        "hash",
    ),
}


@pytest.mark.parametrize("what", list(SWAPPED))
async def test_two_events_swapped_are_found(sessions: Sessions, chain: int, what: str) -> None:
    columns = SWAPPED[what]
    async with sessions() as s, s.begin():
        rows = {
            row.seq: row
            for row in (
                await s.execute(
                    text(f"SELECT seq, {', '.join(columns)} FROM audit_event WHERE seq IN (3, 4)")
                )
            ).mappings()
        }
        for seq, other in ((3, 4), (4, 3)):
            assignments = ", ".join(f"{c} = :{c}" for c in columns)
            await s.execute(
                text(f"UPDATE audit_event SET {assignments} WHERE seq = :seq"),
                {**{c: rows[other][c] for c in columns}, "seq": seq},
            )
    async with sessions() as s:
        moved = await s.scalar(select(AuditEvent.subject).where(AuditEvent.seq == 3))
    assert moved == "agency:CC"  # the event of seq 4 now sits at seq 3
    result = await verify(sessions)
    assert not result.ok
    assert result.broken_seq == 3
    assert result.reason in {"altered", "chain"}


async def test_an_event_the_head_does_not_vouch_for_is_found_at_its_seq(
    session: AsyncSession, sessions: Sessions, chain: int
) -> None:
    """An event appended behind the head's back (or a head put back): the first event
    beyond the head is the suspicious one."""
    async with sessions() as s:
        head = await s.get_one(AuditHead, 1)
        old_seq, old_hash = head.seq, head.hash
    await make_admin(session)  # appends seq 7
    await tamper(
        sessions, "UPDATE audit_head SET seq = :seq, hash = :hash", seq=old_seq, hash=old_hash
    )
    result = await verify(sessions)
    assert not result.ok
    assert (result.broken_seq, result.reason, result.checked) == (chain + 1, "tail", chain + 1)
