"""SQL of status updates."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from operations.member.models import Member
from operations.status.models import StatusUpdate


async def latest(
    session: AsyncSession, operation_id: int, *, limit: int
) -> list[tuple[StatusUpdate, str]]:
    """The newest status updates of an operation with their authors' names."""
    rows = await session.execute(
        select(StatusUpdate, Member.display_name)
        .join(Member, Member.id == StatusUpdate.author_id)
        .where(StatusUpdate.operation_id == operation_id)
        .order_by(StatusUpdate.created_at.desc(), StatusUpdate.id.desc())
        .limit(limit)
    )
    return [(update, name) for update, name in rows]
