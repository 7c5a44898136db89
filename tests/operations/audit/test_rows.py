"""Every event carries the digest of the rows it records; `verify` finds a domain row changed,
added or deleted in the database behind the audit's back, and names it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from operations.agency import service as agency_service
from operations.audit import service
from operations.audit.fingerprint import KINDS, fingerprint, key
from operations.audit.models import AuditEvent
from operations.audit.service import RowMismatch
from operations.channel import service as channel_service
from operations.enums import Role
from operations.member import people
from operations.member import service as member_service
from operations.member.models import Invite, Member
from operations.operation import service as operation_service
from operations.reminder import service as reminder_service
from operations.status import service as status_service
from operations.task import service as task_service
from operations.task.service import TaskAction
from tests.conftest import START
from tests.operations.factories import Cast, make_task, tx

Sessions = async_sessionmaker[AsyncSession]


async def verify(sessions: Sessions) -> service.Verification:
    async with sessions() as s:
        return await service.verify(s)


async def tamper(sessions: Sessions, sql: str, **params: Any) -> None:
    async with sessions() as s, s.begin():
        await s.execute(text(sql), params)


@pytest.fixture
async def world(session: AsyncSession, cast: Cast) -> Cast:
    """The cast, with a task, a status update and a used invite (the cast's members')."""
    await make_task(session, cast.fr_coord, "PANGEA-18", "US-FBI", title="Seize the servers")
    async with tx(session):
        await status_service.post_status(
            session, actor=cast.fr_coord, code="PANGEA-18", text="All in position", now=START
        )
    return cast


async def test_a_world_built_through_the_services_matches_its_events(
    sessions: Sessions, world: Cast
) -> None:
    result = await verify(sessions)
    assert result.ok, result
    assert result.rows == ()


async def test_the_digest_is_in_the_event_that_records_the_change(
    session: AsyncSession, world: Cast
) -> None:
    async with tx(session):
        update = (
            await status_service.post_status(
                session, actor=world.fr_coord, code="PANGEA-18", text="Doors open", now=START
            )
        )[1]
        last = await session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    assert last is not None and last.action == "status.post"
    assert f'"{key(update)}": "{fingerprint(update)}"' in last.details
    assert "Doors open" not in last.details  # the digest, not the text itself


async def test_a_status_text_rewritten_in_the_database_is_found(
    sessions: Sessions, world: Cast
) -> None:
    await tamper(sessions, "UPDATE status_update SET text = 'Nothing to report'")
    result = await verify(sessions)
    assert not result.ok
    assert result.broken_seq is None  # the chain itself is intact
    assert result.rows == (RowMismatch("status_update:1", "altered"),)


async def test_a_member_made_admin_in_the_database_is_found(
    sessions: Sessions, world: Cast
) -> None:
    await tamper(
        sessions, "UPDATE member SET role = 'admin' WHERE id = :id", id=world.fr_liaison.member_id
    )
    assert (await verify(sessions)).rows == (
        RowMismatch(f"member:{world.fr_liaison.member_id}", "altered"),
    )


async def test_a_member_moved_to_another_agency_in_the_database_is_found(
    sessions: Sessions, world: Cast
) -> None:
    await tamper(
        sessions,
        "UPDATE member SET agency_id = :agency WHERE id = :id",
        agency=world.us.id,
        id=world.fr_liaison.member_id,
    )
    assert (await verify(sessions)).rows == (
        RowMismatch(f"member:{world.fr_liaison.member_id}", "altered"),
    )


async def test_an_account_pointed_at_an_admin_in_the_database_is_found(
    sessions: Sessions, world: Cast
) -> None:
    await tamper(
        sessions,
        "UPDATE identity SET member_id = :admin WHERE member_id = :id",
        admin=world.admin.member_id,
        id=world.fr_liaison.member_id,
    )
    [found] = (await verify(sessions)).rows
    assert found.key.startswith("identity:") and found.reason == "altered"


async def test_a_used_invite_reopened_in_the_database_is_found(
    sessions: Sessions, world: Cast
) -> None:
    await tamper(sessions, "UPDATE invite SET used_at = NULL, used_by_id = NULL WHERE id = 2")
    assert (await verify(sessions)).rows == (RowMismatch("invite:2", "altered"),)


async def test_a_task_rewritten_in_the_database_is_found(sessions: Sessions, world: Cast) -> None:
    await tamper(sessions, "UPDATE task SET title = 'Nothing', status = 'done'")
    assert (await verify(sessions)).rows == (RowMismatch("task:1", "altered"),)


@pytest.mark.parametrize(
    ("sql", "found"),
    [
        ("UPDATE participation SET role = 'lead' WHERE role = 'participant'", "altered"),
        ("UPDATE operation SET tlp = 'CLEAR'", "altered"),
        ("UPDATE agency SET name = 'Somebody else' WHERE code = 'DE-BKA'", "altered"),
    ],
)
async def test_other_rows_changed_in_the_database_are_found(
    sessions: Sessions, world: Cast, sql: str, found: str
) -> None:
    await tamper(sessions, sql)
    [row] = (await verify(sessions)).rows
    assert row.reason == found


async def test_a_row_added_behind_the_audits_back_is_unrecorded(
    sessions: Sessions, world: Cast
) -> None:
    await tamper(
        sessions,
        "INSERT INTO channel (platform, workspace, external_id, title, agency_id, created_at)"
        " VALUES ('telegram', 'tg', '-100', 'spy', :agency, '2026-11-26 10:00:00')",
        agency=world.de.id,
    )
    assert (await verify(sessions)).rows == (RowMismatch("channel:1", "unrecorded"),)


async def test_a_row_deleted_behind_the_audits_back_is_missing(
    sessions: Sessions, world: Cast
) -> None:
    await tamper(sessions, "DELETE FROM status_update")
    assert (await verify(sessions)).rows == (RowMismatch("status_update:1", "missing"),)


async def test_a_row_put_back_after_its_event_deleted_it_is_unrecorded(
    session: AsyncSession, sessions: Sessions, world: Cast
) -> None:
    async with tx(session):
        await channel_service.link_channel(
            session,
            actor=world.admin,
            agency_code="FR-PN",
            platform="telegram",
            workspace="tg",
            external_id="-100",
            title="FR room",
            now=START,
        )
    async with sessions() as s:
        row = (await s.execute(text("SELECT * FROM channel"))).mappings().one()
    async with tx(session):
        await channel_service.unlink_channel(
            session,
            actor=world.admin,
            platform="telegram",
            workspace="tg",
            external_id="-100",
            now=START,
        )
    assert (await verify(sessions)).ok
    columns = ", ".join(row)
    await tamper(
        sessions,
        f"INSERT INTO channel ({columns}) VALUES ({', '.join(':' + c for c in row)})",
        **dict(row),
    )
    assert (await verify(sessions)).rows == (RowMismatch(f"channel:{row['id']}", "unrecorded"),)


async def test_every_change_of_people_and_access_keeps_rows_and_events_in_step(
    session: AsyncSession, sessions: Sessions, world: Cast
) -> None:
    """Each service that changes an audited row records its digest as the row ends up."""
    now = START + timedelta(minutes=5)
    s, admin, coord = session, world.admin, world.fr_coord
    async with tx(s):
        issued = await member_service.create_invite(
            s, actor=world.us_coord, agency_code="US-FBI", role=Role.LIAISON, now=now
        )
        revoked = await member_service.create_invite(
            s, actor=admin, agency_code="FR-PN", role=Role.LIAISON, now=now
        )
        voided = await member_service.create_invite(
            s, actor=admin, agency_code="FR-PN", role=Role.OBSERVER, now=now
        )
        code, _ = await member_service.create_link_code(s, actor=world.us_coord, now=now)
    async with tx(s):
        await member_service.redeem_code(
            s,
            code=code,
            platform="slack",
            workspace="T1",
            external_id="U9",
            display_name="Sam",
            now=now,
        )
        await channel_service.link_channel(
            s,
            actor=world.us_coord,
            agency_code="US-FBI",
            platform="slack",
            workspace="T1",
            external_id="U9",
            title=None,
            now=now,
        )
    steps = [
        lambda: people.revoke_invite(s, actor=admin, key=revoked.code, now=now),
        lambda: member_service.void_code(
            s, code=voided.code, platform="slack", actor=None, now=now
        ),
        lambda: people.change_role(
            s, actor=admin, member_id=world.fr_liaison.member_id, role=Role.OBSERVER, now=now
        ),
        lambda: people.remove_member(s, actor=admin, member_id=world.us_coord.member_id, now=now),
        lambda: agency_service.edit_agency(s, actor=admin, code="DE-BKA", name="BKA", now=now),
        lambda: reminder_service.set_cadence(
            s, actor=coord, code="PANGEA-18", every=timedelta(hours=1), now=now
        ),
        lambda: task_service.transition_task(
            s, actor=coord, code="PANGEA-18", number=1, action=TaskAction.BLOCK, reason="x", now=now
        ),
        lambda: task_service.assign_task(
            s, actor=coord, code="PANGEA-18", number=1, agency_code="FR-PN", now=now
        ),
        lambda: task_service.reschedule_task(
            s, actor=coord, code="PANGEA-18", number=1, due_at=now + timedelta(days=2), now=now
        ),
        lambda: operation_service.add_participant(
            s, actor=coord, code="PANGEA-18", agency_code="DE-BKA", now=now
        ),
        lambda: operation_service.remove_participant(
            s, actor=coord, code="PANGEA-18", agency_code="DE-BKA", now=now
        ),
        lambda: operation_service.change_status(
            s, actor=coord, code="PANGEA-18", action="suspend", now=now
        ),
    ]
    for step in steps:
        async with tx(s):
            await step()
        result = await verify(sessions)
        assert result.ok, result
    async with sessions() as fresh:
        assert (await fresh.get_one(Invite, issued.invite.id)).revoked_at is not None
        assert (await fresh.get_one(Member, world.us_coord.member_id)).removed_at is not None


def test_every_audited_kind_names_real_columns() -> None:
    for kind in KINDS:
        columns = set(kind.model.__table__.columns.keys())
        assert set(kind.fields) <= columns, kind.name
    assert len({kind.name for kind in KINDS}) == len(KINDS)
