"""Append to the audit chain (and, from operations.audit.verify, check it)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from operations.actor import Actor
from operations.audit import queries
from operations.audit.chain import Anchor, event_hash
from operations.audit.fingerprint import GONE, fingerprint, key
from operations.audit.verify import RowMismatch, Verification, verify

__all__ = ["RowMismatch", "Verification", "digests", "head", "record", "verify"]

ACTOR_MAX = 200


def digests(rows: Iterable[object] = (), gone: Iterable[object] = ()) -> dict[str, str]:
    """What an event vouches for: each row's key and the digest of its content (GONE for a
    row the change deleted)."""
    found = {key(row): fingerprint(row) for row in rows}
    found.update((key(row), GONE) for row in gone)
    return found


async def record(
    session: AsyncSession,
    *,
    actor: Actor | None,
    action: str,
    subject: str,
    now: datetime,
    details: dict[str, Any] | None = None,
    platform: str | None = None,
    rows: Iterable[object] = (),
    gone: Iterable[object] = (),
    who: str | None = None,
) -> int:
    """Append one event to the chain (locks the chain head until the transaction ends: the
    last lock of a command, see operations.db; call it after the change it records);
    returns its sequence number. What the session holds is written first: the event follows
    the change it records, and carries the digest of `rows` as they are after it (`gone`: the
    rows it deleted). `who` names an actor who is not a member (an unknown chat account)."""
    await session.flush()
    content = dict(details or {})
    vouched = digests(rows, gone)
    if vouched:
        content["digests"] = vouched
    seq, prev_hash = await queries.lock_head(session)
    event: dict[str, Any] = {
        "seq": seq + 1,
        "at": now.astimezone(UTC),
        "actor_id": actor.member_id if actor else None,
        "actor": (who or (actor.label if actor else "system"))[:ACTOR_MAX],
        "platform": platform or (actor.platform if actor else "system"),
        "action": action,
        "subject": subject,
        "details": json.dumps(content, ensure_ascii=False, sort_keys=True, default=str),
        "prev_hash": prev_hash,
    }
    event["hash"] = event_hash(event)
    await queries.append(session, event)
    return int(event["seq"])


async def head(session: AsyncSession) -> Anchor:
    """The chain's head (its last event if the head row is missing), as an anchor."""
    row = await queries.get_head(session)
    if row is None:
        seq, hash_ = await queries.last_event(session)
        return Anchor(hash_, seq)
    return Anchor(row.hash, row.seq)
