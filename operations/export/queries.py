"""SQL of exports: everything recorded about one operation, oldest first."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from operations.audit.models import AuditEvent
from operations.member.models import Member
from operations.result.models import Result
from operations.status.models import StatusUpdate


async def updates(
    session: AsyncSession, operation_id: int, *, limit: int
) -> list[tuple[StatusUpdate, str]]:
    """An operation's status updates by number, with their authors' names."""
    rows = await session.execute(
        select(StatusUpdate, Member.display_name)
        .join(Member, Member.id == StatusUpdate.author_id)
        .where(StatusUpdate.operation_id == operation_id)
        .order_by(StatusUpdate.number)
        .limit(limit)
    )
    return [(update, name) for update, name in rows]


async def results(
    session: AsyncSession, operation_id: int, *, limit: int
) -> list[tuple[Result, str]]:
    """An operation's results by number, withdrawn ones too, with their authors' names."""
    rows = await session.execute(
        select(Result, Member.display_name)
        .join(Member, Member.id == Result.author_id)
        .options(joinedload(Result.agency))
        .where(Result.operation_id == operation_id)
        .order_by(Result.number)
        .limit(limit)
    )
    return [(result, name) for result, name in rows]


async def timeline(session: AsyncSession, code: str, *, limit: int) -> list[AuditEvent]:
    """The audit events about an operation and its tasks, in chain order."""
    rows = await session.scalars(
        select(AuditEvent)
        .where(
            or_(
                AuditEvent.subject == f"operation:{code}",
                AuditEvent.subject.startswith(f"task:{code}#", autoescape=True),
            )
        )
        .order_by(AuditEvent.seq)
        .limit(limit)
    )
    return list(rows)
