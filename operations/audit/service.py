"""Append to the audit chain and verify it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from operations.actor import Actor
from operations.audit import queries
from operations.audit.queries import GENESIS

CHAINED = (
    "prev_hash",
    "seq",
    "at",
    "actor_id",
    "actor",
    "platform",
    "action",
    "subject",
    "details",
)


def _digest(fields: dict[str, Any]) -> str:
    payload = [fields[name].isoformat() if name == "at" else fields[name] for name in CHAINED]
    canonical = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def record(
    session: AsyncSession,
    *,
    actor: Actor | None,
    action: str,
    subject: str,
    now: datetime,
    details: dict[str, Any] | None = None,
    platform: str | None = None,
) -> int:
    """Append one event to the chain (locks the chain head until the transaction ends);
    returns its sequence number. What the session holds is written first: the event follows
    the change it records."""
    await session.flush()
    seq, prev_hash = await queries.lock_head(session)
    event: dict[str, Any] = {
        "seq": seq + 1,
        "at": now.astimezone(UTC),
        "actor_id": actor.member_id if actor else None,
        "actor": actor.label if actor else "system",
        "platform": platform or (actor.platform if actor else "system"),
        "action": action,
        "subject": subject,
        "details": json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str),
        "prev_hash": prev_hash,
    }
    event["hash"] = _digest(event)
    await queries.append(session, event)
    return int(event["seq"])


@dataclass(frozen=True)
class Verification:
    """Outcome of checking the chain: how many events, and the first broken one if any."""

    checked: int
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


async def verify(session: AsyncSession) -> Verification:
    """Walk the chain in order and report the first event that was edited, removed or moved."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    async for event in queries.stream_events(session):
        if event.seq != expected_seq:
            return Verification(checked, expected_seq, "missing")
        if event.prev_hash != expected_prev:
            return Verification(checked, event.seq, "chain")
        if _digest({name: getattr(event, name) for name in CHAINED}) != event.hash:
            return Verification(checked, event.seq, "altered")
        expected_prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = await queries.get_head(session)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if (head_seq, head_hash) != (expected_seq - 1, expected_prev):
        return Verification(
            checked, head_seq + 1 if head_seq < expected_seq else expected_seq, "tail"
        )
    return Verification(checked)
