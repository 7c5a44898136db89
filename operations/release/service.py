"""Four eyes: hold an action as a release request, approve or reject it, let it expire."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from operations import validation
from operations.acting import Action
from operations.actor import Actor
from operations.agency.models import Agency
from operations.audit import service as audit
from operations.enums import ReleaseState
from operations.errors import Conflict, Invalid, NotFound, NotPermitted
from operations.operation import queries as operation_queries
from operations.operation import service as operation_service
from operations.operation.models import Operation
from operations.release import queries
from operations.release.models import REASON_MAX, ReleaseRequest

EXPIRY = timedelta(hours=24)
EXPIRE_BATCH = 100  # expired requests settled per sweep


async def set_four_eyes(
    session: AsyncSession, *, actor: Actor, code: str, on: bool, now: datetime
) -> Operation:
    """Turn four eyes on or off for an operation (turning it off is itself held while on)."""
    operation = await operation_service.get_operation(session, actor=actor, code=code, lock=True)
    await operation_service.authorize(
        session,
        actor=actor,
        action=Action.RUN_OPERATION,
        command="op four-eyes",
        operation=operation,
    )
    operation_service.require_live(operation, "four-eyes")
    if operation.four_eyes == on:
        raise Invalid(
            "four_eyes", "unchanged", operation=operation.code, value="on" if on else "off"
        )
    operation.four_eyes = on
    await audit.record(
        session,
        actor=actor,
        action="operation.four_eyes",
        subject=f"operation:{operation.code}",
        now=now,
        details={"four_eyes": on},
        rows=[operation],
    )
    return operation


class Holding(NamedTuple):
    """An operation with four eyes on, as plain values: a trial run rolled back expires the
    rows it changed, so the hold must not read them again."""

    operation_id: int
    code: str
    lead: str  # the lead agency's code


async def holds(session: AsyncSession, *, code: str) -> Holding | None:
    """The operation named by `code` if four eyes are on in it."""
    operation = await operation_queries.by_code(session, code.strip().upper())
    if operation is None or not operation.four_eyes:
        return None
    lead = await session.get(Agency, operation.lead_agency_id)
    return Holding(operation.id, operation.code, lead.code if lead else "")


async def request(
    session: AsyncSession,
    *,
    actor: Actor,
    operation: Holding,
    command: str,
    account: tuple[str, str, str, str],
    now: datetime,
) -> ReleaseRequest:
    """Hold `command` (already checked: the actor may run it) until someone else approves.
    `account` is where it was asked from: (platform, workspace, user id, chat id)."""
    platform, workspace, user_id, chat_id = account
    held = ReleaseRequest(
        operation_id=operation.operation_id,
        command=command,
        requester_id=actor.member_id,
        platform=platform,
        workspace=workspace,
        user_id=user_id,
        chat_id=chat_id,
        state=ReleaseState.PENDING,
        created_at=now,
        expires_at=now + EXPIRY,
    )
    session.add(held)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="release.request",
        subject=f"release:{held.ref}",
        now=now,
        details={"operation": operation.code, "command": command},
        rows=[held],
    )
    return await _loaded(session, held.id)


async def _loaded(session: AsyncSession, request_id: int, *, lock: bool = False) -> ReleaseRequest:
    found = await queries.by_id(session, request_id, lock=lock)
    if found is None:
        raise NotFound("release", f"R-{request_id}")
    return found


async def decide(
    session: AsyncSession,
    *,
    actor: Actor,
    number: int,
    approve: bool,
    reason: str | None,
    now: datetime,
) -> ReleaseRequest:
    """Approve or reject a pending request: by an admin or a lead-agency coordinator who is not
    the requester (on any of their accounts: they are one member), before it expires. The
    decision is audited by `record_decision`, after an approved request has run: the audit
    head is the last lock of a transaction (operations.db), so what runs comes first."""
    command = "release approve" if approve else "release reject"
    held = await queries.by_id(session, number, lock=True, actor=actor)
    if held is None:  # or they may not know of it (queries.known_to): the same answer
        raise NotFound("release", f"R-{number}")
    if held.requester_id == actor.member_id:
        raise NotPermitted(command, reason="own_request", key=held.ref)
    await operation_service.authorize(
        session, actor=actor, action=Action.RELEASE, command=command, operation=held.operation
    )
    if held.state != ReleaseState.PENDING:
        raise Conflict("release", held.ref, reason=str(held.state))
    if held.expires_at <= now:
        raise Conflict("release", held.ref, reason=str(ReleaseState.EXPIRED))
    held.state = ReleaseState.APPROVED if approve else ReleaseState.REJECTED
    held.decided_by_id = actor.member_id
    held.decided_at = now
    if reason:
        held.reason = validation.text("reason", reason, max_length=REASON_MAX)
    return held


DECISIONS = {
    ReleaseState.APPROVED: "release.approve",
    ReleaseState.REJECTED: "release.reject",
    ReleaseState.FAILED: "release.fail",
}


async def record_decision(
    session: AsyncSession, *, actor: Actor, held: ReleaseRequest, now: datetime, failed: str = ""
) -> None:
    """Audit a decision (`decide`); `failed`: why an approved request could not run (its
    state becomes failed)."""
    if failed:
        held.state = ReleaseState.FAILED
        held.reason = failed[:REASON_MAX]
    await audit.record(
        session,
        actor=actor,
        action=DECISIONS[held.state],
        subject=f"release:{held.ref}",
        now=now,
        details={"reason": held.reason} if held.reason else None,
        rows=[held],
    )


async def expire(session: AsyncSession, *, now: datetime) -> list[ReleaseRequest]:
    """Pending requests whose 24 hours are up, marked expired (and audited)."""
    found = await queries.expired(session, now=now, limit=EXPIRE_BATCH)
    for held in found:
        held.state = ReleaseState.EXPIRED
        held.decided_at = now
        await audit.record(
            session,
            actor=None,
            action="release.expire",
            subject=f"release:{held.ref}",
            now=now,
            rows=[held],
        )
    return found


async def pending(session: AsyncSession, *, actor: Actor, now: datetime) -> list[ReleaseRequest]:
    """The pending requests the member may know of (queries.known_to), oldest first."""
    return await queries.pending(session, actor, now=now)
