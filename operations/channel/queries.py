"""SQL of channels."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from operations.agency.models import Agency
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


async def of_agencies(
    session: AsyncSession, agency_ids: Sequence[int]
) -> list[tuple[Channel, Agency]]:
    """Every chat linked to these agencies, with its agency."""
    if not agency_ids:
        return []
    rows = await session.execute(_of_agencies(), {"agency_ids": list(agency_ids)})
    return [(channel, agency) for channel, agency in rows]


@cache
def _of_agencies() -> Select[Channel, Agency]:
    """Built once: every command that tells other agencies runs it."""
    return (
        select(Channel, Agency)
        .join(Agency, Agency.id == Channel.agency_id)
        .where(Channel.agency_id.in_(bindparam("agency_ids", expanding=True)))
        .order_by(Agency.code, Channel.id)
    )
