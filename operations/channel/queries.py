"""SQL of channels."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from operations.channel.models import Channel


async def by_chat(
    session: AsyncSession, *, platform: str, workspace: str, external_id: str
) -> Channel | None:
    return await session.scalar(
        select(Channel).where(
            Channel.platform == platform,
            Channel.workspace == workspace,
            Channel.external_id == external_id,
        )
    )
