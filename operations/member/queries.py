"""SQL of members, identities and invites."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from operations.agency.models import Agency
from operations.member.models import Identity, Invite, LinkCode, Member


async def member_by_identity(
    session: AsyncSession, *, platform: str, workspace: str, external_id: str
) -> tuple[Member, Agency | None] | None:
    """The member behind a chat account, with their agency (the first statement of every
    command: built once)."""
    params = {"platform": platform, "workspace": workspace, "external_id": external_id}
    row = (await session.execute(_member_by_identity(), params)).first()
    return None if row is None else (row[0], row[1])


@cache
def _member_by_identity() -> Select[Member, Agency]:
    return (
        select(Member, Agency)
        .join(Identity, Identity.member_id == Member.id)
        .outerjoin(Agency, Agency.id == Member.agency_id)
        .where(
            Identity.platform == bindparam("platform"),
            Identity.workspace == bindparam("workspace"),
            Identity.external_id == bindparam("external_id"),
        )
    )


async def identities_of(session: AsyncSession, member_id: int) -> list[Identity]:
    rows = await session.scalars(
        select(Identity).where(Identity.member_id == member_id).order_by(Identity.id)
    )
    return list(rows)


async def invite_by_hash(session: AsyncSession, code_hash: str) -> Invite | None:
    return await session.scalar(
        select(Invite).where(Invite.code_hash == code_hash).with_for_update()
    )


async def link_code_by_hash(session: AsyncSession, code_hash: str) -> LinkCode | None:
    return await session.scalar(
        select(LinkCode).where(LinkCode.code_hash == code_hash).with_for_update()
    )
