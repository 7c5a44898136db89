"""Small builders for domain tests: agencies, members with a role, operations, tasks.

Everything goes through the services (invites make members, as in real life). Each builder
runs in the caller's transaction if there is one, otherwise in its own, like a command would.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from operations.actor import Actor
from operations.agency import service as agency_service
from operations.agency.models import Agency
from operations.audit.models import AuditEvent
from operations.enums import TLP, ParticipationRole, Priority, Role
from operations.member import service as member_service
from operations.operation import service as operation_service
from operations.operation.models import Operation
from operations.task import service as task_service
from operations.task.models import Task
from tests.conftest import START

_serial = itertools.count(1)


@asynccontextmanager
async def tx(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Join the caller's transaction, or run one of our own (services flush, never commit)."""
    if session.in_transaction():
        yield session
    else:
        async with session.begin():
            yield session


async def actor_of(
    session: AsyncSession, *, platform: str, workspace: str, external_id: str
) -> Actor:
    """The Actor behind a chat identity, as the dispatcher resolves it."""
    resolved = await member_service.resolve(
        session, platform=platform, workspace=workspace, external_id=external_id
    )
    assert resolved is not None, external_id
    return resolved[0]


async def make_admin(session: AsyncSession, *, name: str = "Admin", now: datetime = START) -> Actor:
    """A platform administrator without an agency (as the bootstrap admin is)."""
    external_id = f"admin-{next(_serial)}"
    async with tx(session):
        await member_service.ensure_admin(
            session,
            platform="console",
            workspace="local",
            external_id=external_id,
            display_name=name,
            now=now,
        )
        return await actor_of(
            session, platform="console", workspace="local", external_id=external_id
        )


async def make_agency(
    session: AsyncSession,
    admin: Actor,
    code: str,
    *,
    name: str | None = None,
    country: str = "FR",
    timezone: str = "Europe/Paris",
    language: str = "en",
    now: datetime = START,
) -> Agency:
    async with tx(session):
        return await agency_service.add_agency(
            session,
            actor=admin,
            code=code,
            name=name or f"Agency {code}",
            country=country,
            timezone=timezone,
            language=language,
            now=now,
        )


async def make_member(
    session: AsyncSession,
    inviter: Actor,
    agency_code: str,
    role: Role | str,
    *,
    name: str | None = None,
    platform: str = "telegram",
    now: datetime = START,
) -> Actor:
    """A member of an agency with a role: the inviter issues a code, a new identity redeems it."""
    external_id = f"user-{next(_serial)}"
    async with tx(session):
        issued = await member_service.create_invite(
            session, actor=inviter, agency_code=agency_code, role=Role(role), now=now
        )
        await member_service.redeem_invite(
            session,
            code=issued.code,
            platform=platform,
            workspace="ws",
            external_id=external_id,
            display_name=name or f"{role} of {agency_code}",
            now=now,
        )
        return await actor_of(session, platform=platform, workspace="ws", external_id=external_id)


async def make_operation(
    session: AsyncSession,
    actor: Actor,
    code: str,
    *,
    lead: str | None = None,
    participants: Iterable[str] = (),
    tlp: TLP = TLP.AMBER,
    start: bool = False,
    now: datetime = START,
) -> Operation:
    """An operation with participating agencies, planned unless `start`."""
    async with tx(session):
        operation = await operation_service.create_operation(
            session,
            actor=actor,
            code=code,
            name=f"Operation {code}",
            lead_code=lead,
            tlp=tlp,
            now=now,
        )
        for agency_code in participants:
            await operation_service.add_participant(
                session,
                actor=actor,
                code=code,
                agency_code=agency_code,
                role=ParticipationRole.PARTICIPANT,
                now=now,
            )
        if start:
            operation, _ = await operation_service.change_status(
                session, actor=actor, code=code, action="start", now=now
            )
        return operation


async def make_task(
    session: AsyncSession,
    actor: Actor,
    code: str,
    to: str,
    *,
    title: str | None = None,
    due_at: datetime | None = None,
    priority: Priority = Priority.NORMAL,
    tlp: TLP | None = None,
    now: datetime = START,
) -> Task:
    async with tx(session):
        return await task_service.add_task(
            session,
            actor=actor,
            code=code,
            title=f"Task for {to}" if title is None else title,
            assignee_code=to,
            due_at=due_at,
            priority=priority,
            tlp=tlp,
            now=now,
        )


async def audit_actions(session: AsyncSession) -> list[str]:
    """The actions of the audit chain, in order."""
    async with tx(session):
        return list(await session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


@dataclass
class Cast:
    """A small world: three agencies, members of every role, and one active operation.

    PANGEA-18 is led by FR-PN with US-FBI participating; DE-BKA is not in it.
    """

    admin: Actor
    fr: Agency
    us: Agency
    de: Agency
    fr_coord: Actor
    fr_liaison: Actor
    fr_observer: Actor
    us_coord: Actor
    us_liaison: Actor
    de_coord: Actor  # the only member of DE-BKA but the supervisor; make others as needed
    supervisor: Actor  # of DE-BKA: not participating, yet reads everything
    op: Operation


async def make_cast(session: AsyncSession, *, now: datetime = START) -> Cast:
    async with tx(session):
        admin = await make_admin(session, now=now)
        fr = await make_agency(session, admin, "FR-PN", country="FR", now=now)
        us = await make_agency(
            session, admin, "US-FBI", country="US", timezone="America/New_York", now=now
        )
        de = await make_agency(
            session, admin, "DE-BKA", country="DE", timezone="Europe/Berlin", now=now
        )
        members = {
            name: await make_member(session, admin, code, role, now=now)
            for name, code, role in (
                ("fr_coord", "FR-PN", Role.COORDINATOR),
                ("fr_liaison", "FR-PN", Role.LIAISON),
                ("fr_observer", "FR-PN", Role.OBSERVER),
                ("us_coord", "US-FBI", Role.COORDINATOR),
                ("us_liaison", "US-FBI", Role.LIAISON),
                ("de_coord", "DE-BKA", Role.COORDINATOR),
            )
        }
        supervisor = await make_member(session, admin, "DE-BKA", Role.SUPERVISOR, now=now)
        op = await make_operation(
            session, members["fr_coord"], "PANGEA-18", participants=["US-FBI"], start=True, now=now
        )
        return Cast(
            admin=admin,
            fr=fr,
            us=us,
            de=de,
            fr_coord=members["fr_coord"],
            fr_liaison=members["fr_liaison"],
            fr_observer=members["fr_observer"],
            us_coord=members["us_coord"],
            us_liaison=members["us_liaison"],
            de_coord=members["de_coord"],
            supervisor=supervisor,
            op=op,
        )


class StatementCounter:
    """Counts the SQL statements sent to the database while active."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def _on_execute(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        self.statements.append(statement)

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine.sync_engine, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine.sync_engine, "before_cursor_execute", self._on_execute)

    @property
    def count(self) -> int:
        return len(self.statements)
