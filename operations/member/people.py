"""People and access: who is in, their roles, taking them out; pending invites and revoking them.

Taking a member out ends every chat account of theirs at once (their next command is a
stranger's), voids the invites they issued and what is queued for their private chats; the
member row stays, marked removed, for the audit trail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from operations import acting
from operations.acting import Action
from operations.actor import Actor
from operations.agency import service as agency_service
from operations.agency.models import Agency
from operations.audit import service as audit
from operations.channel import service as channel_service
from operations.delivery import service as delivery_service
from operations.enums import Role
from operations.errors import Conflict, Invalid, NotFound, NotPermitted
from operations.member import queries
from operations.member.models import Identity, Invite, Member
from operations.member.service import code_hash, normalise_code


def member_ref(member_id: int) -> str:
    """How commands name a member: m<N>."""
    return f"m{member_id}"


def invite_ref(invite_id: int) -> str:
    """How commands name an invite, whose code is never stored: i<N>."""
    return f"i{invite_id}"


@dataclass(frozen=True)
class Person:
    """A member with their agency and chat accounts."""

    member: Member
    agency: Agency | None
    accounts: tuple[Identity, ...]

    @property
    def ref(self) -> str:
        return member_ref(self.member.id)

    @property
    def last_seen(self) -> datetime | None:
        """When one of their accounts was last used."""
        return max((a.last_seen_at for a in self.accounts if a.last_seen_at), default=None)


async def list_members(
    session: AsyncSession, *, actor: Actor, agency_code: str | None = None
) -> list[Person]:
    """The members of an agency (default: every one the actor may see, else their own)."""
    if agency_code:
        agency = await agency_service.get_agency(session, code=agency_code)
        acting.require(actor, Action.SEE_PEOPLE, "member list", subject_agency_id=agency.id)
        agency_id: int | None = agency.id
    elif acting.permits(Action.SEE_PEOPLE, role=actor.role, own=False):
        agency_id = None  # every agency's
    else:
        acting.require(actor, Action.SEE_PEOPLE, "member list")
        if actor.agency_id is None:
            return []
        agency_id = actor.agency_id
    rows = await queries.members(session, agency_id=agency_id)
    accounts: dict[int, list[Identity]] = {}
    for account in await queries.identities_of_members(session, [m.id for m, _ in rows]):
        accounts.setdefault(account.member_id, []).append(account)
    return [Person(m, a, tuple(accounts.get(m.id, ()))) for m, a in rows]


async def _subject(session: AsyncSession, *, actor: Actor, member_id: int) -> Person:
    """A member still in whom the actor may know of (a coordinator: of their own agency)."""
    found = await queries.member_with_agency(session, member_id)
    if found is not None:
        member, agency = found
        own = member.agency_id is not None and member.agency_id == actor.agency_id
        if acting.permits(Action.SEE_PEOPLE, role=actor.role, own=own):
            return Person(member, agency, tuple(await queries.identities_of(session, member.id)))
    raise NotFound("member", member_ref(member_id))


def _may_manage(
    actor: Actor, command: str, member: Member, *, oneself: str, role: Role | None = None
) -> None:
    """Not oneself (refused for reason `oneself`); a member whose role the actor may take
    away, and may give (`role`)."""
    if member.id == actor.member_id:
        raise NotPermitted(command, reason=oneself)
    for target in (member.role, role or member.role):
        acting.require(
            actor, Action.MANAGE_PEOPLE, command, subject_agency_id=member.agency_id, target=target
        )


async def _keep_an_admin(session: AsyncSession, member: Member, command: str) -> None:
    """Refuse to take the last admin's role away (counted under lock)."""
    if member.role == Role.ADMIN and await queries.admin_ids(session) == [member.id]:
        raise NotPermitted(command, reason="last_admin", member=member_ref(member.id))


async def change_role(
    session: AsyncSession, *, actor: Actor, member_id: int, role: Role, now: datetime
) -> tuple[Person, Role]:
    """Give a member another role; returns them and their former role."""
    person = await _subject(session, actor=actor, member_id=member_id)
    member = person.member
    _may_manage(actor, "member role", member, oneself="self_role", role=role)
    if role == member.role:
        raise Invalid("role", "unchanged", member=person.ref, role=str(role))
    if member.agency_id is None and role not in (Role.ADMIN, Role.SUPERVISOR):
        raise Invalid("role", "needs_agency", member=person.ref, role=str(role))
    await _keep_an_admin(session, member, "member role")
    before, member.role = member.role, role
    await audit.record(
        session,
        actor=actor,
        action="member.role",
        subject=f"member:{member.id}",
        now=now,
        details={"agency": _code(person.agency), "from": str(before), "to": str(role)},
        rows=[member],
    )
    return person, before


@dataclass(frozen=True)
class Removed:
    """A member taken out: their accounts are gone, their invites and messages void."""

    person: Person
    invites_voided: int
    chats_unlinked: int
    deliveries_cancelled: int


async def remove_member(
    session: AsyncSession, *, actor: Actor, member_id: int, now: datetime
) -> Removed:
    """End every account of a member at once; the member row stays, for the audit trail."""
    person = await _subject(session, actor=actor, member_id=member_id)
    member = person.member
    _may_manage(actor, "member remove", member, oneself="self_remove")
    await _keep_an_admin(session, member, "member remove")
    member.removed_at, member.digest_at = now, None
    chats = [(a.platform, a.workspace, a.external_id) for a in person.accounts]
    await queries.delete_identities(session, member.id)
    invites = await queries.pending_invites_by(session, member.id, now=now)
    for invite in invites:
        invite.revoked_at = now
    voided = len(invites)
    # their private chats: what is queued for them (digests), and any of them linked to an agency
    cancelled = await delivery_service.cancel_to_chats(
        session, chats=chats, reason="member removed"
    )
    unlinked = await channel_service.forget_chats(session, actor=actor, chats=chats, now=now)
    await audit.record(
        session,
        actor=actor,
        action="member.remove",
        subject=f"member:{member.id}",
        now=now,
        details={
            "agency": _code(person.agency),
            "role": str(member.role),
            "accounts": [f"{p}:{w}:{u}" for p, w, u in chats],
            "invites_voided": voided,
        },
        rows=[member, *invites],
        gone=person.accounts,
    )
    return Removed(person, voided, unlinked, cancelled)


def _code(agency: Agency | None) -> str | None:
    return agency.code if agency else None


@dataclass(frozen=True)
class PendingInvite:
    """An invite that can still be redeemed, with its agency and who issued it."""

    invite: Invite
    agency: Agency
    issuer: Member

    @property
    def ref(self) -> str:
        return invite_ref(self.invite.id)


async def list_invites(
    session: AsyncSession, *, actor: Actor, now: datetime
) -> list[PendingInvite]:
    """The pending invites the actor may revoke, the first to expire first."""
    acting.require_some(actor, Action.MANAGE_PEOPLE, "invite list")
    if acting.permits(Action.MANAGE_PEOPLE, role=actor.role, own=False):
        rows = await queries.pending_invites(session, now=now, agency_id=None, roles=None)
    elif actor.agency_id is None:
        return []
    else:
        roles = [r for r in Role if acting.permits(Action.MANAGE_PEOPLE, role=actor.role, target=r)]
        rows = await queries.pending_invites(
            session, now=now, agency_id=actor.agency_id, roles=roles
        )
    return [PendingInvite(invite, agency, issuer) for invite, agency, issuer in rows]


_INVITE_REF = re.compile(r"[iI]([0-9]{1,9})")


async def _invite(session: AsyncSession, key: str) -> tuple[Invite | None, str]:
    """The invite named by its reference (i12) or its code, and the key to name it back by."""
    by_ref = _INVITE_REF.fullmatch(key.strip())
    if by_ref:
        return await queries.invite_by_id(session, int(by_ref[1])), invite_ref(int(by_ref[1]))
    if len(normalise_code(key)) != 12:
        raise Invalid("invite", "reference", value=key)
    return await queries.invite_by_hash(session, code_hash(key)), key.strip().upper()


@dataclass(frozen=True)
class Revoked:
    """An invite made void, its agency, and the key it was named by (reference or code)."""

    invite: Invite
    agency: Agency
    key: str


async def revoke_invite(session: AsyncSession, *, actor: Actor, key: str, now: datetime) -> Revoked:
    """Void a pending invite, named by its reference (i12) or its code."""
    invite, shown = await _invite(session, key)
    own = invite is not None and invite.agency_id == actor.agency_id
    if invite is None or not acting.permits(Action.MANAGE_PEOPLE, role=actor.role, own=own):
        raise NotFound("invite", shown)  # a coordinator knows only their agency's invites
    acting.require(
        actor,
        Action.MANAGE_PEOPLE,
        "invite revoke",
        subject_agency_id=invite.agency_id,
        target=invite.role,
    )
    if invite.used_at is not None:
        raise Conflict("invite", shown, reason="used")
    if invite.revoked_at is not None:
        raise Conflict("invite", shown, reason="revoked")
    if invite.expires_at <= now:
        raise Conflict("invite", shown, reason="expired")
    invite.revoked_at = now
    agency = await session.get_one(Agency, invite.agency_id)
    await audit.record(
        session,
        actor=actor,
        action="invite.revoke",
        subject=f"invite:{invite.id}",
        now=now,
        details={"agency": agency.code, "role": str(invite.role)},
        rows=[invite],
    )
    return Revoked(invite, agency, shown)
