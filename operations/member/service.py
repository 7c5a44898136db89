"""Identities, invites and the members they make."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from operations import acting, validation
from operations.acting import Action
from operations.actor import Actor
from operations.agency import service as agency_service
from operations.agency.models import Agency
from operations.audit import access
from operations.audit import service as audit
from operations.db import utcnow
from operations.enums import Role
from operations.errors import Conflict, Invalid, NotFound
from operations.member import queries
from operations.member.models import Identity, Invite, LinkCode, Member

INVITE_TTL = timedelta(hours=72)
LINK_TTL = timedelta(hours=1)
LAST_SEEN_STEP = timedelta(minutes=1)
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def actor_for(member: Member, agency: Agency | None, *, platform: str) -> Actor:
    """The actor a member is, acting from a platform."""
    return _actor(member, agency, platform)


def _actor(member: Member, agency: Agency | None, platform: str) -> Actor:
    return Actor(
        member_id=member.id,
        name=member.display_name,
        role=member.role,
        agency_id=agency.id if agency else None,
        agency_code=agency.code if agency else None,
        platform=platform,
    )


async def resolve(
    session: AsyncSession,
    *,
    platform: str,
    workspace: str,
    external_id: str,
    now: datetime | None = None,
) -> tuple[Actor, Member, Agency | None] | None:
    """The actor behind a chat account (which is seen now), or None for a stranger."""
    found = await queries.account(
        session, platform=platform, workspace=workspace, external_id=external_id
    )
    if found is None:
        return None
    member, agency, identity = found
    _seen(identity, now or utcnow())
    return _actor(member, agency, platform), member, agency


def _seen(identity: Identity, now: datetime) -> None:
    """Note when an account was last used, to the minute (not a write per command)."""
    last = identity.last_seen_at
    if last is None or abs(now - last) >= LAST_SEEN_STEP:
        identity.last_seen_at = now


async def ensure_admin(
    session: AsyncSession,
    *,
    platform: str,
    workspace: str,
    external_id: str,
    display_name: str,
    now: datetime,
) -> Member:
    """Make this chat account an administrator, creating the member on first use."""
    found = await queries.member_by_identity(
        session, platform=platform, workspace=workspace, external_id=external_id
    )
    if found is not None:
        return found[0]
    member = Member(display_name=display_name, agency_id=None, role=Role.ADMIN, created_at=now)
    session.add(member)
    await session.flush()
    identity = Identity(
        platform=platform,
        workspace=workspace,
        external_id=external_id,
        display_name=display_name,
        member_id=member.id,
        created_at=now,
    )
    session.add(identity)
    await audit.record(
        session,
        actor=None,
        platform=platform,
        action="member.bootstrap_admin",
        subject=f"member:{member.id}",
        now=now,
        details={"name": display_name},
        rows=[member, identity],
    )
    return member


async def _ensure_stranger(
    session: AsyncSession, *, platform: str, workspace: str, external_id: str
) -> None:
    if await queries.member_by_identity(
        session, platform=platform, workspace=workspace, external_id=external_id
    ):
        raise Conflict("identity", external_id, reason="already_member")


def _ensure_usable(
    code: str, *, used_at: datetime | None, expires_at: datetime, now: datetime
) -> None:
    if used_at is not None:
        raise Conflict("invite", code.upper(), reason="used")
    if expires_at <= now:
        raise Invalid("invite_code", "expired", expired_at=expires_at.isoformat())


def _add_identity(
    session: AsyncSession,
    *,
    member_id: int,
    platform: str,
    workspace: str,
    external_id: str,
    name: str,
    now: datetime,
) -> Identity:
    identity = Identity(
        platform=platform,
        workspace=workspace,
        external_id=external_id,
        display_name=name,
        member_id=member_id,
        created_at=now,
        last_seen_at=now,
    )
    session.add(identity)
    return identity


def normalise_code(code: str) -> str:
    """Invite codes are read case-insensitively, ignoring dashes and spaces."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def code_hash(code: str) -> str:
    """What is stored of a code (never the code itself)."""
    return _hash(code)


@dataclass(frozen=True)
class IssuedInvite:
    """The clear code (shown once, never stored) and the stored invite."""

    code: str
    invite: Invite
    agency: Agency


async def create_invite(
    session: AsyncSession, *, actor: Actor, agency_code: str, role: Role, now: datetime
) -> IssuedInvite:
    """Issue a one-time code that enrols its redeemer in an agency with a role."""
    agency = await agency_service.get_agency(session, code=agency_code)
    # a coordinator brings people into their own agency only: need-to-know follows agencies
    acting.require(
        actor, Action.MANAGE_PEOPLE, f"invite {role}", subject_agency_id=agency.id, target=role
    )
    code = _new_code()
    invite = Invite(
        code_hash=_hash(code),
        agency_id=agency.id,
        role=role,
        created_by_id=actor.member_id,
        created_at=now,
        expires_at=now + INVITE_TTL,
    )
    session.add(invite)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="invite.create",
        subject=f"invite:{invite.id}",
        now=now,
        details={"agency": agency.code, "role": str(role)},
        rows=[invite],
    )
    return IssuedInvite(code=code, invite=invite, agency=agency)


async def redeem_invite(
    session: AsyncSession,
    *,
    code: str,
    platform: str,
    workspace: str,
    external_id: str,
    display_name: str,
    now: datetime,
) -> tuple[Member, Agency]:
    """Bind a new chat account to a new member as the invite says; each code works once."""
    await _ensure_stranger(session, platform=platform, workspace=workspace, external_id=external_id)
    if len(normalise_code(code)) != 12:
        raise Invalid("invite_code", "format")
    invite = await queries.invite_by_hash(session, _hash(code))
    if invite is None:
        raise NotFound("invite", code.upper())
    if invite.revoked_at is not None:
        raise Conflict("invite", code.upper(), reason="revoked")
    _ensure_usable(code, used_at=invite.used_at, expires_at=invite.expires_at, now=now)
    agency = await session.get_one(Agency, invite.agency_id)
    name = validation.display_name(display_name, fallback=f"{platform} user {external_id}")
    member = Member(display_name=name, agency_id=agency.id, role=invite.role, created_at=now)
    session.add(member)
    await session.flush()
    identity = _add_identity(
        session,
        member_id=member.id,
        platform=platform,
        workspace=workspace,
        external_id=external_id,
        name=name,
        now=now,
    )
    invite.used_at, invite.used_by_id = now, member.id
    await session.flush()
    await audit.record(
        session,
        actor=_actor(member, agency, platform),
        action="invite.redeem",
        subject=f"invite:{invite.id}",
        now=now,
        details={"member": member.id, "agency": agency.code, "role": str(member.role)},
        rows=[invite, member, identity],
    )
    return member, agency


async def identities(session: AsyncSession, *, member_id: int) -> list[Identity]:
    """The chat accounts of a member."""
    return await queries.identities_of(session, member_id)


async def admin_accounts(
    session: AsyncSession,
) -> list[tuple[Member, Agency | None, list[Identity]]]:
    """The admins still in, each with their agency and chat accounts."""
    return _by_member(await queries.admin_accounts(session))


async def agency_of(session: AsyncSession, *, member: Member) -> Agency | None:
    """The member's agency (None for an admin or a supervisor of none)."""
    return await session.get(Agency, member.agency_id) if member.agency_id is not None else None


async def coordinator_accounts(
    session: AsyncSession, *, agency_id: int
) -> list[tuple[Member, Agency | None, list[Identity]]]:
    """The coordinators of an agency still in, each with their agency and chat accounts."""
    return _by_member(await queries.coordinator_accounts(session, agency_id))


def _by_member(
    rows: list[tuple[Member, Agency | None, Identity]],
) -> list[tuple[Member, Agency | None, list[Identity]]]:
    found: dict[int, tuple[Member, Agency | None, list[Identity]]] = {}
    for member, agency, identity in rows:
        found.setdefault(member.id, (member, agency, []))[2].append(identity)
    return list(found.values())


async def create_link_code(
    session: AsyncSession, *, actor: Actor, now: datetime
) -> tuple[str, datetime]:
    """A one-time code (valid an hour) that adds another chat account to the actor."""
    code = _new_code()
    link = LinkCode(
        code_hash=_hash(code), member_id=actor.member_id, created_at=now, expires_at=now + LINK_TTL
    )
    session.add(link)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="identity.link_code",
        subject=f"member:{actor.member_id}",
        now=now,
        rows=[link],
    )
    return code, link.expires_at


@dataclass(frozen=True)
class Joined:
    """Who the chat account now belongs to; `linked` when it joined an existing member."""

    member: Member
    agency: Agency | None
    linked: bool


async def redeem_code(
    session: AsyncSession,
    *,
    code: str,
    platform: str,
    workspace: str,
    external_id: str,
    display_name: str,
    now: datetime,
) -> Joined:
    """Redeem an invite (new member) or a link code (another account of an existing member).

    A chat account that sent too many wrong codes is refused for a while (Throttled), even
    with a good one; a code that does not redeem raises an error marked as a failed access
    attempt, which the caller audits once the command's transaction is rolled back."""
    await _ensure_stranger(session, platform=platform, workspace=workspace, external_id=external_id)
    account = access.Account(platform, workspace, external_id)
    await access.require_unlocked(session, account=account, action="join", now=now)
    try:
        if len(normalise_code(code)) == 12:
            link = await queries.link_code_by_hash(session, _hash(code))
            if link is not None:
                return await _redeem_link(
                    session,
                    link,
                    code=code,
                    platform=platform,
                    workspace=workspace,
                    external_id=external_id,
                    display_name=display_name,
                    now=now,
                )
        member, agency = await redeem_invite(
            session,
            code=code,
            platform=platform,
            workspace=workspace,
            external_id=external_id,
            display_name=display_name,
            now=now,
        )
    except (NotFound, Conflict, Invalid) as error:
        error.refusal = access.CODE_FAILED
        raise
    return Joined(member, agency, linked=False)


async def _redeem_link(
    session: AsyncSession,
    link: LinkCode,
    *,
    code: str,
    platform: str,
    workspace: str,
    external_id: str,
    display_name: str,
    now: datetime,
) -> Joined:
    await _ensure_stranger(session, platform=platform, workspace=workspace, external_id=external_id)
    _ensure_usable(code, used_at=link.used_at, expires_at=link.expires_at, now=now)
    member = await session.get_one(Member, link.member_id)
    if member.removed_at is not None:  # the person has left: their codes died with them
        raise NotFound("invite", code.upper())
    agency = await session.get(Agency, member.agency_id) if member.agency_id else None
    name = validation.display_name(display_name, fallback=f"{platform} user {external_id}")
    identity = _add_identity(
        session,
        member_id=member.id,
        platform=platform,
        workspace=workspace,
        external_id=external_id,
        name=name,
        now=now,
    )
    link.used_at = now
    await session.flush()
    await audit.record(
        session,
        actor=_actor(member, agency, platform),
        action="identity.link",
        subject=f"member:{member.id}",
        now=now,
        details={"platform": platform, "workspace": workspace},
        rows=[link, identity],
    )
    return Joined(member, agency, linked=True)


async def void_code(
    session: AsyncSession, *, code: str, platform: str, actor: Actor | None, now: datetime
) -> bool:
    """Void an invite or link code that was seen where others could read it (a group chat);
    True when a usable code was voided. Unknown, used or expired codes change nothing, and
    the caller answers the same either way, so that nobody learns which codes exist."""
    if len(normalise_code(code)) != 12:
        return False
    hashed = _hash(code)
    found: Invite | LinkCode | None = await queries.link_code_by_hash(session, hashed)
    if found is None:
        found = await queries.invite_by_hash(session, hashed)
    if found is None or found.used_at is not None or found.expires_at <= now:
        return False
    found.used_at = now  # an invite voided has no used_by_id: nobody redeemed it
    kind = "invite" if isinstance(found, Invite) else "link_code"
    await audit.record(
        session,
        actor=actor,
        platform=platform,
        action=f"{kind}.void",
        subject=f"{kind}:{found.id}",
        now=now,
        details={"reason": "seen in a group chat"},
        rows=[found],
    )
    return True
