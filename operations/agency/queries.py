"""SQL of agencies."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from operations.agency.models import Agency
from operations.channel.models import Channel
from operations.member.models import Member


async def by_code(session: AsyncSession, code: str) -> Agency | None:
    return await session.scalar(_by_code(), {"code": code})


@cache
def _by_code() -> Select[Agency]:
    return select(Agency).where(Agency.code == bindparam("code"))


async def list_with_counts(session: AsyncSession) -> list[tuple[Agency, int, int]]:
    """Every agency with its number of members and linked chats, by code."""
    members = select(func.count(Member.id)).where(Member.agency_id == Agency.id).scalar_subquery()
    channels = (
        select(func.count(Channel.id)).where(Channel.agency_id == Agency.id).scalar_subquery()
    )
    rows = await session.execute(select(Agency, members, channels).order_by(Agency.code))
    return [(agency, n_members, n_channels) for agency, n_members, n_channels in rows]
