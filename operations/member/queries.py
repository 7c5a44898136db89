"""SQL of members, identities and invites."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import ColumnElement, Select, and_, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from operations.agency.models import Agency
from operations.db import change_lock
from operations.enums import Role
from operations.member.models import Identity, Invite, LinkCode, Member


async def member_by_identity(
    session: AsyncSession, *, platform: str, workspace: str, external_id: str
) -> tuple[Member, Agency | None] | None:
    """The member behind a chat account, with their agency."""
    found = await account(session, platform=platform, workspace=workspace, external_id=external_id)
    return None if found is None else (found[0], found[1])


async def account(
    session: AsyncSession, *, platform: str, workspace: str, external_id: str
) -> tuple[Member, Agency | None, Identity] | None:
    """The member behind a chat account, with their agency and that account (the first
    statement of every command: built once). Removed members have no account left."""
    params = {"platform": platform, "workspace": workspace, "external_id": external_id}
    row = (await session.execute(_account(), params)).first()
    return None if row is None else (row[0], row[1], row[2])


@cache
def _account() -> Select[Member, Agency, Identity]:
    return (
        select(Member, Agency, Identity)
        .join(Identity, Identity.member_id == Member.id)
        .outerjoin(Agency, Agency.id == Member.agency_id)
        .where(
            Identity.platform == bindparam("platform"),
            Identity.workspace == bindparam("workspace"),
            Identity.external_id == bindparam("external_id"),
            Member.removed_at.is_(None),
        )
    )


async def identities_of(session: AsyncSession, member_id: int) -> list[Identity]:
    rows = await session.scalars(
        select(Identity).where(Identity.member_id == member_id).order_by(Identity.id)
    )
    return list(rows)


async def invite_by_hash(session: AsyncSession, code_hash: str) -> Invite | None:
    return await session.scalar(change_lock(select(Invite).where(Invite.code_hash == code_hash)))


async def link_code_by_hash(session: AsyncSession, code_hash: str) -> LinkCode | None:
    return await session.scalar(
        change_lock(select(LinkCode).where(LinkCode.code_hash == code_hash))
    )


async def member_with_agency(
    session: AsyncSession, member_id: int
) -> tuple[Member, Agency | None] | None:
    """A member still in (not removed), with their agency; locked until the transaction ends."""
    row = (
        await session.execute(
            change_lock(
                select(Member, Agency)
                .outerjoin(Agency, Agency.id == Member.agency_id)
                .where(Member.id == member_id, Member.removed_at.is_(None)),
                Member,
            )
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def members(
    session: AsyncSession, *, agency_id: int | None
) -> list[tuple[Member, Agency | None]]:
    """Members still in, of one agency (None: of every agency, and of none); by agency code,
    then name."""
    stmt = (
        select(Member, Agency)
        .outerjoin(Agency, Agency.id == Member.agency_id)
        .where(Member.removed_at.is_(None))
        .order_by(Agency.code.is_(None), Agency.code, Member.display_name, Member.id)
    )
    if agency_id is not None:
        stmt = stmt.where(Member.agency_id == agency_id)
    return [(member, agency) for member, agency in await session.execute(stmt)]


async def identities_of_members(session: AsyncSession, member_ids: Sequence[int]) -> list[Identity]:
    if not member_ids:
        return []
    rows = await session.scalars(
        select(Identity).where(Identity.member_id.in_(member_ids)).order_by(Identity.id)
    )
    return list(rows)


async def admin_ids(session: AsyncSession) -> list[int]:
    """The admins still in, locked: two admins removing each other wait for one another."""
    rows = await session.scalars(
        change_lock(
            select(Member.id)
            .where(Member.role == Role.ADMIN, Member.removed_at.is_(None))
            .order_by(Member.id)
        )
    )
    return list(rows)


async def delete_identities(session: AsyncSession, member_id: int) -> None:
    await session.execute(delete(Identity).where(Identity.member_id == member_id))


def _pending(now: datetime) -> ColumnElement[bool]:
    return and_(Invite.used_at.is_(None), Invite.revoked_at.is_(None), Invite.expires_at > now)


async def pending_invites_by(
    session: AsyncSession, member_id: int, *, now: datetime
) -> list[Invite]:
    """The pending invites a member issued, locked until the transaction ends."""
    rows = await session.scalars(
        change_lock(
            select(Invite)
            .where(Invite.created_by_id == member_id, _pending(now))
            .order_by(Invite.id)
        )
    )
    return list(rows)


async def pending_invites(
    session: AsyncSession, *, now: datetime, agency_id: int | None, roles: Sequence[Role] | None
) -> list[tuple[Invite, Agency, Member]]:
    """Invites still redeemable (of one agency, with these roles, when given), with their
    agency and issuer, the first to expire first."""
    issuer = aliased(Member)
    stmt = (
        select(Invite, Agency, issuer)
        .join(Agency, Agency.id == Invite.agency_id)
        .join(issuer, issuer.id == Invite.created_by_id)
        .where(_pending(now))
        .order_by(Invite.expires_at, Invite.id)
    )
    if agency_id is not None:
        stmt = stmt.where(Invite.agency_id == agency_id)
    if roles is not None:
        stmt = stmt.where(Invite.role.in_(roles))
    return [(invite, agency, member) for invite, agency, member in await session.execute(stmt)]


async def invite_by_id(session: AsyncSession, invite_id: int) -> Invite | None:
    return await session.scalar(change_lock(select(Invite).where(Invite.id == invite_id)))


async def admin_accounts(session: AsyncSession) -> list[tuple[Member, Agency | None, Identity]]:
    """Every chat account of every admin still in, with the admin and their agency."""
    return await _accounts(session, Member.role == Role.ADMIN)


async def coordinator_accounts(
    session: AsyncSession, agency_id: int
) -> list[tuple[Member, Agency | None, Identity]]:
    """Every chat account of every coordinator of an agency still in, with their agency."""
    return await _accounts(session, Member.role == Role.COORDINATOR, Member.agency_id == agency_id)


async def _accounts(
    session: AsyncSession, *where: ColumnElement[bool]
) -> list[tuple[Member, Agency | None, Identity]]:
    rows = await session.execute(
        select(Member, Agency, Identity)
        .join(Identity, Identity.member_id == Member.id)
        .outerjoin(Agency, Agency.id == Member.agency_id)
        .where(Member.removed_at.is_(None), *where)
        .order_by(Member.id, Identity.id)
    )
    return [(member, agency, identity) for member, agency, identity in rows]
