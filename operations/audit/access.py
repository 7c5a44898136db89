"""Failed access attempts (CJIS 5.4, ASVS 16.3): commands refused for want of permission and
codes that did not redeem are audited, with who tried from where, never what they typed.

The failed code attempts in the audit trail are also the count that throttles guessing: after
MAX_FAILURES wrong codes within WINDOW, a chat account is refused for LOCKOUT, whatever it
sends. The count lives in the database, so it holds across replicas and restarts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from operations.actor import Actor
from operations.audit import queries
from operations.audit.service import record
from operations.errors import DomainError, NotPermitted, Throttled

COMMAND_REFUSED = NotPermitted.refusal
CODE_FAILED = "code.failed"
CODE_THROTTLED = Throttled.refusal
REFUSALS = frozenset({COMMAND_REFUSED, CODE_FAILED, CODE_THROTTLED})
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
SUBJECT_MAX = 64


@dataclass(frozen=True, slots=True)
class Account:
    """A chat account as the platform names it, member or not."""

    platform: str
    workspace: str
    external_id: str

    @property
    def subject(self) -> str:
        """How the audit names the account (hashed when too long to name in full)."""
        named = f"identity:{self.platform}:{self.workspace}:{self.external_id}"
        if len(named) <= SUBJECT_MAX:
            return named
        digest = hashlib.sha256(named.encode()).hexdigest()[:40]
        return f"identity:#{digest}"


async def locked_until(
    session: AsyncSession, *, account: Account, now: datetime
) -> datetime | None:
    """Until when this account may not redeem codes (None: it may): LOCKOUT after the attempt
    that made MAX_FAILURES failures within WINDOW."""
    times = [
        at
        for at, _ in await queries.times_of(
            session, subject=account.subject, actions=[CODE_FAILED], since=now - WINDOW - LOCKOUT
        )
    ]
    until = None
    for last in range(MAX_FAILURES - 1, len(times)):
        if times[last] - times[last - MAX_FAILURES + 1] <= WINDOW:
            until = times[last] + LOCKOUT
    return until if until is not None and until > now else None


async def require_unlocked(
    session: AsyncSession, *, account: Account, action: str, now: datetime
) -> None:
    """Throttled (with the minutes left) while the account is locked out."""
    until = await locked_until(session, account=account, now=now)
    if until is not None:
        raise Throttled(action, until=until, now=now)


async def record_refusal(
    session: AsyncSession,
    *,
    error: DomainError,
    account: Account,
    actor: Actor | None,
    now: datetime,
) -> bool:
    """Audit a refused attempt (`error.refusal` says which kind), in a transaction of its own
    (the refused command's was rolled back); False when there is nothing to record. Of the
    attempts refused during one lockout only the first is recorded: the others change
    nothing, and each would let one account flood the trail."""
    action = error.refusal
    if action is None:
        return False
    details: dict[str, object] = {"workspace": account.workspace, "user": account.external_id}
    if isinstance(error, NotPermitted):
        details.update(command=error.action, reason=error.reason)
        if error.operation:
            details["operation"] = error.operation
    elif isinstance(error, Throttled):
        if await _already_throttled(session, account, now):
            return False
        details["until"] = error.until
    else:
        details["reason"] = _reason(error)
    await record(
        session,
        actor=actor,
        who=None if actor else f"{account.platform}:{account.workspace}:{account.external_id}",
        platform=account.platform,
        action=action,
        subject=f"member:{actor.member_id}"
        if actor and action == COMMAND_REFUSED
        else account.subject,
        now=now,
        details=details,
    )
    return True


def _reason(error: DomainError) -> str:
    """Why a code did not redeem, in a word (never the code)."""
    return str(getattr(error, "reason", None) or "unknown")


async def _already_throttled(session: AsyncSession, account: Account, now: datetime) -> bool:
    """Whether a refusal of this lockout is already in the trail (one after the last failure)."""
    history = await queries.times_of(
        session,
        subject=account.subject,
        actions=[CODE_FAILED, CODE_THROTTLED],
        since=now - WINDOW - LOCKOUT,
    )
    return bool(history) and history[-1][1] == CODE_THROTTLED
