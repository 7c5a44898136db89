"""Anchors: the head written down elsewhere (`HASH:N`); `verify` with one fails when the chain
no longer extends it: emptied, truncated with the head moved back, or rewritten consistently."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from operations.audit import service
from operations.audit.chain import CHAINED, Anchor, event_hash
from operations.audit.models import AuditEvent
from operations.audit.queries import GENESIS
from tests.operations.factories import make_admin, make_agency

Sessions = async_sessionmaker[AsyncSession]


async def verify(sessions: Sessions, anchor: Anchor | None = None) -> service.Verification:
    async with sessions() as s:
        return await service.verify(s, anchor=anchor)


async def head(sessions: Sessions) -> Anchor:
    async with sessions() as s:
        return await service.head(s)


async def tamper(sessions: Sessions, sql: str, **params: Any) -> None:
    async with sessions() as s, s.begin():
        await s.execute(text(sql), params)


async def add_agencies(session: AsyncSession, *codes: str) -> None:
    admin = await make_admin(session)
    for code in codes:
        await make_agency(session, admin, code)


@pytest.fixture
async def anchor(session: AsyncSession, sessions: Sessions) -> Anchor:
    """Four events (an admin, three agencies) and the head then, kept as an anchor."""
    await add_agencies(session, "AA", "BB", "CC")
    return await head(sessions)


async def test_the_head_is_the_last_event_as_hash_and_length(
    sessions: Sessions, anchor: Anchor
) -> None:
    async with sessions() as s:
        last = await s.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    assert last is not None
    assert anchor == Anchor(last.hash, 4)
    assert str(anchor) == f"{last.hash}:4"
    assert Anchor.parse(str(anchor)) == anchor


async def test_a_chain_that_grew_since_still_extends_its_anchor(
    session: AsyncSession, sessions: Sessions, anchor: Anchor
) -> None:
    assert (await verify(sessions, anchor)).ok
    await add_agencies(session, "DD")
    result = await verify(sessions, anchor)
    assert result.ok and result.checked == 6


async def test_an_emptied_chain_with_its_head_reset_fails_the_anchor(
    sessions: Sessions, anchor: Anchor
) -> None:
    await tamper(sessions, "DELETE FROM audit_event")
    await tamper(sessions, "UPDATE audit_head SET seq = 0, hash = :hash", hash=GENESIS)
    # the rows no event vouches for any more give it away too; the anchor says what happened
    result = await verify(sessions, anchor)
    assert not result.ok
    assert (result.broken_seq, result.reason, result.checked) == (1, "anchor", 0)


async def test_an_emptied_chain_of_an_empty_database_fails_the_anchor(
    session: AsyncSession, sessions: Sessions, anchor: Anchor
) -> None:
    for table in ("audit_event", "agency", "identity", "member"):
        await tamper(sessions, f"DELETE FROM {table}")
    await tamper(sessions, "UPDATE audit_head SET seq = 0, hash = :hash", hash=GENESIS)
    assert (await verify(sessions)).ok  # nothing left to contradict: only the anchor knows
    assert (await verify(sessions, anchor)).reason == "anchor"


async def test_a_truncated_tail_with_the_head_moved_back_fails_the_anchor(
    sessions: Sessions, anchor: Anchor
) -> None:
    await tamper(sessions, "DELETE FROM agency WHERE code = 'CC'")
    await tamper(sessions, "DELETE FROM audit_event WHERE seq = 4")
    async with sessions() as s:
        third = await s.scalar(select(AuditEvent.hash).where(AuditEvent.seq == 3))
    await tamper(sessions, "UPDATE audit_head SET seq = 3, hash = :hash", hash=third)
    assert (await verify(sessions)).ok  # consistent in itself
    result = await verify(sessions, anchor)
    assert (result.ok, result.broken_seq, result.reason) == (False, 4, "anchor")


async def test_a_chain_rewritten_consistently_fails_the_anchor(
    sessions: Sessions, anchor: Anchor
) -> None:
    """Someone with write access edits event 2 and recomputes every hash after it."""
    async with sessions() as s, s.begin():
        events = list(await s.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        details = json.loads(events[1].details)
        details["name"] = "Forged"
        events[1].details = json.dumps(details, sort_keys=True)
        prev = GENESIS
        for event in events:
            event.prev_hash = prev
            event.hash = event_hash({name: getattr(event, name) for name in CHAINED})
            prev = event.hash
        await s.execute(text("UPDATE audit_head SET hash = :hash"), {"hash": prev})
    assert (await verify(sessions)).ok  # without an anchor, nothing shows
    result = await verify(sessions, anchor)
    assert (result.broken_seq, result.reason) == (anchor.seq, "anchor")


async def test_the_anchor_of_an_empty_chain_is_genesis(sessions: Sessions) -> None:
    empty = await head(sessions)
    assert empty == Anchor(GENESIS, 0)
    assert (await verify(sessions, empty)).ok


async def test_without_its_head_row_the_head_is_the_last_event(
    sessions: Sessions, anchor: Anchor
) -> None:
    await tamper(sessions, "DELETE FROM audit_head")
    assert await head(sessions) == anchor


@pytest.mark.parametrize(
    "text_",
    ["", "abc:3", f"{GENESIS}", f"{GENESIS}:x", f"{'f' * 64}:0", f"{'g' * 64}:1", f"{'a' * 63}:1"],
)
def test_a_malformed_anchor_is_refused(text_: str) -> None:
    with pytest.raises(ValueError, match="anchor"):
        Anchor.parse(text_)
